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

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/serving/pkg/apis/autoscaling"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"

	"github.com/serving-keda/serving-keda/pkg/translate"
	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/deploy"
)

// TestControllerRestart: after a restart the controller reconciles every
// PA again and, everything having converged before, writes nothing: no
// duplicate objects, no ScaledObject spec change, no PA status or SKS
// write, counted both on the objects and by the API server itself.
func TestControllerRestart(t *testing.T) {
	// KEDA's default client limits (QPS 20) make it take about half a
	// second per ScaledObject here; the API server is local.
	e := dedicatedEnv(t, cluster.Options{KEDAArgs: []string{"--kube-api-qps=200", "--kube-api-burst=400"}}, deploy.Options{})
	ctx := context.Background()
	ns := e.namespace(t)
	prom := newFakePrometheus(t, "2")

	// Twenty revisions over the shapes the translation produces, so the
	// desired form of each is compared with what the API server stored.
	shapes := []map[string]string{
		nil,
		{autoscaling.TargetAnnotationKey: "70", autoscaling.MaxScaleAnnotationKey: "5"},
		{autoscaling.MetricAnnotationKey: autoscaling.Memory, autoscaling.TargetAnnotationKey: "200"},
		{autoscaling.MetricAnnotationKey: autoscaling.Memory},
		{autoscaling.MinScaleAnnotationKey: "2", autoscaling.WindowAnnotationKey: "2m"},
		{autoscaling.ScaleDownDelayAnnotationKey: "5m", translate.CooldownPeriodKey: "60"},
		{translate.MetricTypeKey: translate.AverageValue, autoscaling.TargetAnnotationKey: "250"},
		{translate.ScaleUpRulesKey: `{"policies":[{"type":"Percent","value":100,"periodSeconds":15}]}`},
		{
			autoscaling.MetricAnnotationKey:       "queue",
			autoscaling.TargetAnnotationKey:       "0.5",
			translate.PrometheusAddressKey:        prom.URL,
			translate.PrometheusQueryKey:          `sum(queue{revision="{{.Revision}}"})`,
			translate.FallbackFailureThresholdKey: "3",
			translate.FallbackReplicasKey:         "2",
		},
		{
			autoscaling.MetricAnnotationKey: "rps",
			autoscaling.TargetAnnotationKey: "100",
			translate.MetricTypeKey:         translate.Value,
			translate.PrometheusAddressKey:  prom.URL,
			translate.PrometheusQueryKey:    `sum(rate(requests{namespace="{{.Namespace}}"}[1m]))`,
			translate.PollingIntervalKey:    "5",
		},
	}
	const n = 20
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("rev%02d-00001", i)
		// cpu and memory requests: every shape gets its ScaledObject.
		e.revisionWith(t, ns, names[i], shapes[i%len(shapes)], cpuMemoryRequest)
	}
	// And the states that end in an error or in somebody else's object: a
	// bad annotation, a bring-your-own ScaledObject, one that is not owned.
	const bad, byo, taken = "bad-00001", "byo-00001", "taken-00001"
	e.revision(t, ns, bad, map[string]string{translate.MetricTypeKey: "Average"})
	e.revisionWith(t, ns, byo, map[string]string{translate.AutoCreateKey: "false"}, cpuRequest)
	e.deployment(t, ns, taken, cpuRequest) // KEDA's webhook reads it to admit the user's object
	for _, name := range []string{byo, taken} {
		e.createUserScaledObject(t, userScaledObject(ns, name), metav1.CreateOptions{})
	}
	e.revisionWith(t, ns, taken, nil, cpuRequest)

	// Converged: ScaledObject, HPA, PA active with KEDA's view mirrored.
	start := time.Now()
	eventually(t, 15*time.Second, "all revisions converged", func() (bool, string) {
		for name, reason := range map[string]string{bad: "InvalidMetricType", taken: "NotOwned"} {
			pa := e.podAutoscaler(t, ns, name)
			if c := pa.Status.GetCondition("Ready"); c == nil || !c.IsFalse() || c.Reason != reason {
				return false, name + ": " + condition(pa, "Ready")
			}
		}
		for _, name := range append(names, byo) {
			if _, err := e.keda.KedaV1alpha1().ScaledObjects(ns).Get(ctx, name, metav1.GetOptions{}); err != nil {
				return false, err.Error()
			}
			if _, err := e.kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, name, metav1.GetOptions{}); err != nil {
				return false, err.Error()
			}
			pa := e.podAutoscaler(t, ns, name)
			if c := pa.Status.GetCondition("Active"); c == nil || !c.IsTrue() {
				return false, name + ": " + condition(pa, "Active")
			}
			if c := pa.Status.GetCondition("ScaledObjectReady"); c == nil || !c.IsTrue() {
				return false, name + ": " + condition(pa, "ScaledObjectReady")
			}
		}
		return true, ""
	})
	t.Logf("%d revisions and 3 in error or foreign states converged in %v", n, time.Since(start).Round(time.Millisecond))

	// Steady before the restart too: one second without a write by the
	// controller (KEDA keeps writing ScaledObject status meanwhile).
	before := e.snapshot(t, ns)
	writes0 := e.controllerWrites(t)
	time.Sleep(time.Second)
	e.snapshot(t, ns).compare(t, "before the restart", before)
	if d := e.controllerWrites(t).minus(writes0); len(d) > 0 {
		t.Errorf("writes in steady state before the restart: %v", d)
	}

	// Restart.
	writes0 = e.controllerWrites(t)
	if err := e.controller.Stop(); err != nil {
		t.Fatal(err)
	}
	restarted := time.Now()
	p, err := deploy.Start(ctx, e.c, e.binary, deploy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e.controller = p
	t.Logf("controller restarted in %v; log %s", time.Since(restarted).Round(time.Millisecond), p.LogPath)

	// It reconciles every PA again (it holds the leases: the old process
	// released them on SIGTERM) ...
	eventually(t, 10*time.Second, "every PA reconciled after the restart", func() (bool, string) {
		done := reconciledKeys(t, p.LogPath)
		var missing []string
		for _, name := range append(names, bad, byo, taken) {
			if !done[ns+"/"+name] {
				missing = append(missing, name)
			}
		}
		return len(missing) == 0, fmt.Sprintf("not reconciled yet: %v", missing)
	})
	t.Logf("every PA reconciled %v after the restart", time.Since(restarted).Round(time.Millisecond))
	// ... and writes nothing, also once KEDA's next status writes and the
	// resyncs they may cause have come by.
	time.Sleep(5*time.Second - time.Since(restarted))

	after := e.snapshot(t, ns)
	after.compare(t, "after the restart", before)
	if d := e.controllerWrites(t).minus(writes0); len(d) > 0 {
		t.Errorf("API server counted writes after the restart: %v", d)
	}
	log, err := os.ReadFile(p.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(log), "\n") {
		if strings.Contains(line, "Creating ScaledObject") || strings.Contains(line, "Updating ScaledObject") {
			t.Errorf("controller log after the restart: %s", line)
		}
	}
	// No duplicates: one ScaledObject and HPA per revision but the bad one,
	// one SKS per revision that got as far (not the bad or the taken one).
	hpas, err := e.kube.AutoscalingV2().HorizontalPodAutoscalers(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Events are the one write a restart repeats, by design: a reconcile
	// that fails records one (knative's generated reconciler).
	if evs, err := e.kube.CoreV1().Events(ns).List(ctx, metav1.ListOptions{}); err == nil {
		var repeated []string
		for _, ev := range evs.Items {
			if ev.Source.Component == "" || ev.LastTimestamp.Time.Before(restarted.Truncate(time.Second)) {
				continue
			}
			if ev.InvolvedObject.Kind == "PodAutoscaler" {
				repeated = append(repeated, fmt.Sprintf("%s %s/%s (count %d)", ev.Reason, ev.InvolvedObject.Name, ev.Type, ev.Count))
			}
		}
		t.Logf("PodAutoscaler events since the restart: %v", repeated)
	}
	if len(after.scaledObjects) != n+2 || len(hpas.Items) != n+2 || len(after.sksVersion) != n+1 {
		t.Errorf("%d ScaledObjects, %d HPAs, %d SKSs in the namespace, want %d, %d, %d",
			len(after.scaledObjects), len(hpas.Items), len(after.sksVersion), n+2, n+2, n+1)
	}
}

// state is what the controller writes, per object: ScaledObjects (by
// name: UID, generation and the controller's managed-fields entry), PA
// status and resourceVersion (only the controller writes PAs here), and
// SKS resourceVersion.
type state struct {
	scaledObjects map[string]string
	paStatus      map[string]autoscalingv1alpha1.PodAutoscalerStatus
	paVersion     map[string]string
	sksVersion    map[string]string
}

func (e *env) snapshot(t *testing.T, ns string) state {
	t.Helper()
	ctx := context.Background()
	s := state{map[string]string{}, map[string]autoscalingv1alpha1.PodAutoscalerStatus{}, map[string]string{}, map[string]string{}}
	sos, err := e.keda.KedaV1alpha1().ScaledObjects(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, so := range sos.Items {
		var ours string
		for _, f := range so.ManagedFields {
			if f.Manager == controllerManager {
				ours = fmt.Sprintf("%s %s %s", f.Operation, f.Subresource, f.Time)
			}
		}
		s.scaledObjects[so.Name] = fmt.Sprintf("uid=%s generation=%d controller-fields=[%s]", so.UID, so.Generation, ours)
	}
	pas, err := e.serving.AutoscalingV1alpha1().PodAutoscalers(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, pa := range pas.Items {
		s.paStatus[pa.Name] = pa.Status
		s.paVersion[pa.Name] = pa.ResourceVersion
	}
	skss, err := e.networking.NetworkingV1alpha1().ServerlessServices(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, sks := range skss.Items {
		s.sksVersion[sks.Name] = sks.ResourceVersion
	}
	return s
}

func (s state) compare(t *testing.T, when string, was state) {
	t.Helper()
	for name, so := range was.scaledObjects {
		if s.scaledObjects[name] != so {
			t.Errorf("%s: ScaledObject %s changed:\nbefore %s\nafter  %s", when, name, so, s.scaledObjects[name])
		}
	}
	for name, so := range s.scaledObjects {
		if _, ok := was.scaledObjects[name]; !ok {
			t.Errorf("%s: new ScaledObject %s: %s", when, name, so)
		}
	}
	for name, st := range was.paStatus {
		if !equality.Semantic.DeepEqual(s.paStatus[name], st) || s.paVersion[name] != was.paVersion[name] {
			t.Errorf("%s: PA %s written (resourceVersion %s -> %s):\nbefore %s\nafter  %s", when, name,
				was.paVersion[name], s.paVersion[name], conditions(st), conditions(s.paStatus[name]))
		}
	}
	if !equality.Semantic.DeepEqual(s.sksVersion, was.sksVersion) {
		t.Errorf("%s: SKS resourceVersions changed:\nbefore %v\nafter  %v", when, was.sksVersion, s.sksVersion)
	}
}

func conditions(st autoscalingv1alpha1.PodAutoscalerStatus) string {
	var parts []string
	for _, c := range st.Conditions {
		parts = append(parts, fmt.Sprintf("%s=%s(%s %s)", c.Type, c.Status, c.Reason, c.LastTransitionTime.Inner.Format(time.RFC3339)))
	}
	return strings.Join(parts, " ") + fmt.Sprintf(" desired=%v actual=%v", st.DesiredScale, st.ActualScale)
}

// writeCounts are the API server's counts of write requests, keyed by
// "resource[/subresource] VERB".
type writeCounts map[string]float64

func (w writeCounts) minus(before writeCounts) writeCounts {
	out := writeCounts{}
	for k, v := range w {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

var labelRE = regexp.MustCompile(`(\w+)="([^"]*)"`)

// controllerWrites reads apiserver_request_total from the API server's
// /metrics and sums the writes to what only this controller writes here:
// PodAutoscalers (any subresource), ServerlessServices, and ScaledObjects
// other than their status (which KEDA writes all the time).
func (e *env) controllerWrites(t *testing.T) writeCounts {
	t.Helper()
	raw, err := e.kube.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := writeCounts{}
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
		switch l["verb"] {
		case "POST", "PUT", "PATCH", "DELETE", "APPLY", "DELETECOLLECTION":
		default:
			continue
		}
		switch {
		case l["resource"] == "podautoscalers", l["resource"] == "serverlessservices",
			l["resource"] == "scaledobjects" && l["subresource"] != "status":
		default:
			continue
		}
		key := l["resource"]
		if l["subresource"] != "" {
			key += "/" + l["subresource"]
		}
		out[key+" "+l["verb"]] += v
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no apiserver_request_total writes to PodAutoscalers, ServerlessServices or ScaledObjects in /metrics")
	}
	return out
}

// reconciledKeys reads the keys of the finished reconciles, successful or
// not, from a controller log (knative's JSON lines).
func reconciledKeys(t *testing.T, path string) map[string]bool {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, line := range strings.Split(string(raw), "\n") {
		if !strings.Contains(line, "Reconcile succeeded") && !strings.Contains(line, "Reconcile error") {
			continue
		}
		var entry map[string]any
		if json.Unmarshal([]byte(line), &entry) != nil {
			continue
		}
		if k, ok := entry["knative.dev/key"].(string); ok {
			keys[k] = true
		}
	}
	return keys
}
