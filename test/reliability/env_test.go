//go:build integration

/*
Copyright 2026 The serving-keda Authors

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

// Package reliability proves, on the local control plane (test/cluster),
// that the controller loses nothing when components fail, refuses bad input
// with a condition and an Event, and runs with least privilege. Each test
// appends its outcome to $RELIABILITY_REPORT (JSON lines), from which
// test/cmd/reliability-report renders docs/reliability.md.
package reliability

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	kedaclientset "github.com/kedacore/keda/v2/pkg/generated/clientset/versioned"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	networkingclientset "knative.dev/networking/pkg/client/clientset/versioned"
	"knative.dev/pkg/apis"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	servingclientset "knative.dev/serving/pkg/client/clientset/versioned"

	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/deploy"
)

// env is a control plane with config/ installed and this controller
// running under its ServiceAccount (unless started with noController).
type env struct {
	c          *cluster.Cluster
	controller *cluster.Process
	binary     string
	kube       kubernetes.Interface
	serving    servingclientset.Interface
	networking networkingclientset.Interface
	keda       kedaclientset.Interface
}

// shared is the env without KEDA's operator that the tests which neither
// restart components nor need KEDA's HPAs share, each in its own namespace.
var shared *env

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		_ = shared.c.Stop()
	}
	os.Exit(code)
}

// sharedEnv starts the shared env (no KEDA operator) on first use.
func sharedEnv(t *testing.T) *env {
	t.Helper()
	if shared == nil {
		logf := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "shared env: "+format+"\n", args...) }
		e, err := startEnv(cluster.Options{Logf: logf, SkipKEDA: true}, deploy.Options{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		shared = e
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("component logs in %s:\n%s", shared.c.LogDir(), cluster.LogReport(shared.c.LogDir(), 40))
		}
	})
	if err := shared.c.Healthy(); err != nil {
		t.Fatalf("shared control plane unhealthy: %v", err)
	}
	return shared
}

// noController is a deploy.Options marker: startEnv installs config/ but
// starts no controller.
const noController = "-"

// startEnv starts a control plane, installs config/, lets before adjust
// the cluster (config maps, RBAC) and runs the controller.
func startEnv(copts cluster.Options, dopts deploy.Options, before func(ctx context.Context, e *env) error) (*env, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := cluster.Start(ctx, copts)
	if err != nil {
		return nil, err
	}
	e := &env{c: c}
	fail := func(err error) (*env, error) {
		_ = c.Stop()
		return nil, err
	}
	// The admin client creates hundreds of objects at once: lift client-go's
	// default 5 QPS.
	cfg := c.RESTConfig()
	cfg.QPS, cfg.Burst = 300, 600
	if e.kube, err = kubernetes.NewForConfig(cfg); err != nil {
		return fail(err)
	}
	if e.serving, err = servingclientset.NewForConfig(cfg); err != nil {
		return fail(err)
	}
	if e.networking, err = networkingclientset.NewForConfig(cfg); err != nil {
		return fail(err)
	}
	if e.keda, err = kedaclientset.NewForConfig(cfg); err != nil {
		return fail(err)
	}
	if err := deploy.Install(ctx, c); err != nil {
		return fail(err)
	}
	if e.binary, err = deploy.Build(ctx, c.WorkDir()); err != nil {
		return fail(err)
	}
	if before != nil {
		if err := before(ctx, e); err != nil {
			return fail(err)
		}
	}
	if dopts.Name == noController {
		return e, nil
	}
	if e.controller, err = deploy.Start(ctx, c, e.binary, dopts); err != nil {
		return fail(err)
	}
	return e, nil
}

// dedicatedEnv starts an env of the test's own; it stops with the test and
// keeps its logs, printing their tails, when the test fails.
func dedicatedEnv(t *testing.T, copts cluster.Options, dopts deploy.Options, before func(ctx context.Context, e *env) error) *env {
	t.Helper()
	if copts.Logf == nil {
		copts.Logf = t.Logf
	}
	e, err := startEnv(copts, dopts, before)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.c.Stop(); err != nil {
			t.Errorf("stopping the dedicated env: %v", err)
		}
	})
	e.c.KeepLogsOnFailure(t)
	return e
}

// setLeaderElection writes config-leader-election's data (read by the
// controller at start-up).
func (e *env) setLeaderElection(ctx context.Context, data map[string]string) error {
	return e.setConfigMap(ctx, "config-leader-election", data)
}

// setConfigMap replaces the data of a config map in knative-serving.
func (e *env) setConfigMap(ctx context.Context, name string, data map[string]string) error {
	cm, err := e.kube.CoreV1().ConfigMaps(cluster.ServingNamespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	cm.Data = data
	_, err = e.kube.CoreV1().ConfigMaps(cluster.ServingNamespace).Update(ctx, cm, metav1.UpdateOptions{})
	return err
}

// namespace creates a namespace for one test.
func (e *env) namespace(t *testing.T) string {
	t.Helper()
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	if len(name) > 50 {
		name = name[:50]
	}
	name = strings.Trim(name, "-")
	if err := e.c.CreateNamespace(context.Background(), name); err != nil {
		t.Fatal(err)
	}
	return name
}

// Resources of a ksvc's container, for the tests whose point needs a
// ScaledObject for a cpu or memory revision: KEDA scales on the user
// container's request, and its admission webhook refuses a cpu or memory
// trigger on a container without one. Knative's default sets none
// (deploy.Revision).
var (
	cpuRequest       = deploy.Requests("100m", "")
	cpuMemoryRequest = deploy.Requests("100m", "128Mi")
)

// revision creates a revision's Deployment and PodAutoscaler, as Serving
// makes them for a ksvc that sets no resources (Knative's default).
func (e *env) revision(t *testing.T, ns, name string, anns map[string]string) *autoscalingv1alpha1.PodAutoscaler {
	t.Helper()
	return e.revisionWith(t, ns, name, anns, corev1.ResourceRequirements{})
}

// revisionWith is revision for a ksvc whose container sets res.
func (e *env) revisionWith(t *testing.T, ns, name string, anns map[string]string, res corev1.ResourceRequirements) *autoscalingv1alpha1.PodAutoscaler {
	t.Helper()
	d, pa := deploy.RevisionWithResources(ns, name, "demo", anns, res)
	pa, err := e.createRevision(context.Background(), d, pa)
	if err != nil {
		t.Fatal(err)
	}
	return pa
}

func (e *env) createRevision(ctx context.Context, d *appsv1.Deployment, pa *autoscalingv1alpha1.PodAutoscaler) (*autoscalingv1alpha1.PodAutoscaler, error) {
	if d != nil {
		if _, err := e.kube.AppsV1().Deployments(d.Namespace).Create(ctx, d, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("creating Deployment %s: %w", d.Name, err)
		}
	}
	created, err := e.serving.AutoscalingV1alpha1().PodAutoscalers(pa.Namespace).Create(ctx, pa, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("creating PodAutoscaler %s: %w", pa.Name, err)
	}
	return created, nil
}

// revisions creates revisions named names concurrently (8 at a time), their
// user containers with resources res, calling created (if not nil) after each PodAutoscaler. Failed creations
// (the API server may be away) are retried for up to 2 minutes; a
// PodAutoscaler that exists already (created by a request whose answer
// was lost) counts as created.
func (e *env) revisions(ctx context.Context, ns string, names []string, anns map[string]string, res corev1.ResourceRequirements, created func(i int)) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan int)
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				d, pa := deploy.RevisionWithResources(ns, names[i], "demo", anns, res)
				var last error
				err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
					_, last = e.createRevision(ctx, d, pa)
					return last == nil || apierrors.IsAlreadyExists(errors.Unwrap(last)), nil
				})
				if err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("creating revision %s: %w (last error: %v)", names[i], err, last)
					}
					mu.Unlock()
					continue
				}
				if created != nil {
					created(i)
				}
			}
		}()
	}
	for i := range names {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}

// eventually polls cond every 50ms until it holds or timeout passes; the
// last reason it gave is the failure message.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	eventuallyEvery(t, 50*time.Millisecond, timeout, what, cond)
}

func eventuallyEvery(t *testing.T, every, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	var last string
	err := wait.PollUntilContextTimeout(context.Background(), every, timeout, true, func(context.Context) (bool, error) {
		ok, why := cond()
		last = why
		return ok, nil
	})
	if err != nil {
		t.Fatalf("%s: not within %v: %s", what, timeout, last)
	}
}

// podAutoscaler fetches a PA.
func (e *env) podAutoscaler(t *testing.T, ns, name string) *autoscalingv1alpha1.PodAutoscaler {
	t.Helper()
	pa, err := e.serving.AutoscalingV1alpha1().PodAutoscalers(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return pa
}

// condition describes a PA condition for messages.
func condition(pa *autoscalingv1alpha1.PodAutoscaler, typ string) string {
	for _, c := range pa.Status.Conditions {
		if string(c.Type) == typ {
			return fmt.Sprintf("%s=%s reason=%q message=%q", c.Type, c.Status, c.Reason, c.Message)
		}
	}
	return typ + " absent"
}

// paCondition waits until a PA condition satisfies ok and returns the PA.
func (e *env) paCondition(t *testing.T, ns, name, typ string, timeout time.Duration, ok func(*apis.Condition) bool) *autoscalingv1alpha1.PodAutoscaler {
	t.Helper()
	var pa *autoscalingv1alpha1.PodAutoscaler
	eventually(t, timeout, "PA "+ns+"/"+name+" condition "+typ, func() (bool, string) {
		pa = e.podAutoscaler(t, ns, name)
		c := pa.Status.GetCondition(apis.ConditionType(typ))
		return c != nil && ok(c), condition(pa, typ)
	})
	return pa
}

// warningEvent waits for a Warning Event with reason on the PA and returns it.
func (e *env) warningEvent(t *testing.T, ns, name, reason string, timeout time.Duration) corev1.Event {
	t.Helper()
	var ev corev1.Event
	eventually(t, timeout, "Warning Event "+reason+" on PA "+ns+"/"+name, func() (bool, string) {
		evs, err := e.paEvents(ns, name)
		if err != nil {
			return false, err.Error()
		}
		var seen []string
		for _, x := range evs {
			if x.Type == corev1.EventTypeWarning && x.Reason == reason {
				ev = x
				return true, ""
			}
			seen = append(seen, x.Type+"/"+x.Reason)
		}
		return false, fmt.Sprintf("events: %v", seen)
	})
	return ev
}

// paEvents lists the Events on a PodAutoscaler.
func (e *env) paEvents(ns, name string) ([]corev1.Event, error) {
	l, err := e.kube.CoreV1().Events(ns).List(context.Background(), metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("involvedObject.name", name).String(),
	})
	if err != nil {
		return nil, err
	}
	var out []corev1.Event
	for _, x := range l.Items {
		if x.InvolvedObject.Kind == "PodAutoscaler" {
			out = append(out, x)
		}
	}
	return out, nil
}

// noScaledObject checks that no ScaledObject named name exists in ns.
func (e *env) noScaledObject(t *testing.T, ns, name string) {
	t.Helper()
	_, err := e.keda.KedaV1alpha1().ScaledObjects(ns).Get(context.Background(), name, metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("ScaledObject %s/%s: got err=%v, want NotFound (nothing written)", ns, name, err)
	}
}

// scaledObject waits for a ScaledObject.
func (e *env) scaledObject(t *testing.T, ns, name string, timeout time.Duration) *kedav1alpha1.ScaledObject {
	t.Helper()
	var so *kedav1alpha1.ScaledObject
	eventually(t, timeout, "ScaledObject "+ns+"/"+name, func() (bool, string) {
		var err error
		so, err = e.keda.KedaV1alpha1().ScaledObjects(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return true, ""
	})
	return so
}

// requestCounts are the API server's counts of requests
// (apiserver_request_total), keyed by "resource[/subresource] VERB CODE".
type requestCounts map[string]float64

func (w requestCounts) minus(before requestCounts) requestCounts {
	out := requestCounts{}
	for k, v := range w {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

var labelRE = regexp.MustCompile(`(\w+)="([^"]*)"`)

// apiRequests reads apiserver_request_total from the API server's /metrics
// for the given resources (all verbs and codes).
func (e *env) apiRequests(t *testing.T, resources ...string) requestCounts {
	t.Helper()
	raw, err := e.kube.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, r := range resources {
		want[r] = true
	}
	out := requestCounts{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "apiserver_request_total{") {
			continue
		}
		end := strings.LastIndex(line, "}")
		v, err := strconv.ParseFloat(strings.TrimSpace(line[end+1:]), 64)
		if err != nil {
			t.Fatalf("parsing %q: %v", line, err)
		}
		l := map[string]string{}
		for _, m := range labelRE.FindAllStringSubmatch(line[:end], -1) {
			l[m[1]] = m[2]
		}
		if !want[l["resource"]] {
			continue
		}
		key := l["resource"]
		if l["subresource"] != "" {
			key += "/" + l["subresource"]
		}
		out[key+" "+l["verb"]+" "+l["code"]] += v
	}
	return out
}

// logEntry is one of knative's JSON log lines.
type logEntry struct {
	Time    time.Time
	Level   string
	Message string
	Key     string
}

// readLog parses a controller's log (knative's zap JSON lines; the other
// lines are skipped).
func readLog(t *testing.T, path string) []logEntry {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []logEntry
	for _, line := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil {
			continue
		}
		var le logEntry
		le.Message, _ = m["message"].(string)
		le.Level, _ = m["severity"].(string)
		if le.Level == "" {
			le.Level, _ = m["level"].(string)
		}
		le.Key, _ = m["knative.dev/key"].(string)
		switch ts := m["timestamp"].(type) {
		case string:
			le.Time, _ = time.Parse(time.RFC3339Nano, ts)
		case float64:
			le.Time = time.Unix(0, int64(ts*1e9))
		}
		out = append(out, le)
	}
	return out
}

// creates counts, per ScaledObject name, the "Creating ScaledObject" lines
// of a controller log.
func creates(t *testing.T, path string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, le := range readLog(t, path) {
		if name, ok := strings.CutPrefix(le.Message, "Creating ScaledObject "); ok {
			out[strings.Trim(name, `"`)]++
		}
	}
	return out
}

// logContains reports whether a log file holds s.
func logContains(path, s string) bool {
	b, err := os.ReadFile(path)
	return err == nil && bytes.Contains(b, []byte(s))
}

// pas is the number of PodAutoscalers the burst tests create:
// $RELIABILITY_PAS, default defaultPAs.
func pas(t *testing.T) int {
	t.Helper()
	v := os.Getenv("RELIABILITY_PAS")
	if v == "" {
		return defaultPAs
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("RELIABILITY_PAS=%q is not a positive number", v)
	}
	return n
}

// defaultPAs keeps the burst tests within CI's budget on 2 cores; set
// RELIABILITY_PAS=500 for the full size.
const defaultPAs = 150
