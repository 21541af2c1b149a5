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
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"knative.dev/pkg/apis"

	"github.com/serving-keda/serving-keda/pkg/scaletozero"
	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/harness"
)

// TestScaleToZeroDefaultInstall is issue 19's "never strand a revision at
// zero": on an install whose config-observability is as Serving ships it
// (metrics-protocol none), the activator serves no metrics, so a request
// it held at zero would wake nothing. The revision must keep one pod
// through what would otherwise take it to zero, serve, and say why on its
// PA (condition and Warning Event naming the setting) and in the log. Then
// the setting the message names is applied and the activator restarted:
// the condition goes and the revision idles to zero. Its own network
// namespace.
func TestScaleToZeroDefaultInstall(t *testing.T) {
	if cluster.InOwnNetNamespace(t) {
		return
	}
	e, ns, _, anns := startScaleToZero(t, func(o *harness.Options) { o.Cluster.ActivatorDefaultMetrics = true })
	ctx := context.Background()
	const (
		name     = "stranded"
		revision = name + "-00001"
	)
	dep := revision + "-deployment"

	// Every replica count the Deployment's spec takes, from before the
	// revision exists.
	var mu sync.Mutex
	var specs []int32
	w, err := e.Kube.AppsV1().Deployments(ns).Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + dep})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	go func() {
		for ev := range w.ResultChan() {
			if ev.Type != watch.Added && ev.Type != watch.Modified {
				continue
			}
			if d, ok := ev.Object.(*appsv1.Deployment); ok && d.Spec.Replicas != nil {
				mu.Lock()
				specs = append(specs, *d.Spec.Replicas)
				mu.Unlock()
			}
		}
	}()

	created := time.Now()
	e.CreateKnativeService(t, harness.KnativeService(ns, name, anns))
	e.ScaledObject(t, ns, revision, harness.ControllerTimeout) // the PA exists
	pa := e.PACondition(t, ns, revision, string(scaletozero.ConditionScaleToZero), harness.ControllerTimeout, func(c *apis.Condition) bool {
		return c.IsFalse() && c.Reason == scaletozero.ReasonActivatorMetricsUnavailable
	})
	msg := pa.Status.GetCondition(scaletozero.ConditionScaleToZero).Message
	for _, want := range []string{"metrics-protocol: prometheus", "config-observability", "connection refused", "keeps one pod"} {
		if !strings.Contains(msg, want) {
			t.Errorf("ScaleToZero message %q does not say %q", msg, want)
		}
	}
	t.Logf("PA says why %v after the ksvc: %s", time.Since(created).Round(100*time.Millisecond), msg)
	ev := e.WarningEvent(t, ns, revision, scaletozero.ReasonActivatorMetricsUnavailable, harness.ControllerTimeout)
	if !strings.Contains(ev.Message, "metrics-protocol: prometheus") {
		t.Errorf("Event message %q does not name the setting", ev.Message)
	}

	// Well past what takes a revision to zero with the activator's metrics
	// on (stable window 6s + KEDA's poll 1s + grace 6s + cooldown 5s): one
	// pod, Active, and the activator's requests answered. (The SKS mode is
	// target-burst-capacity's: Serving's default 211 keeps the activator in
	// the path of a one-pod revision.)
	time.Sleep(30 * time.Second)
	waitReplicas(t, e, ns, dep, 1, harness.ControllerTimeout)
	e.PACondition(t, ns, revision, "Active", harness.ControllerTimeout, (*apis.Condition).IsTrue)
	for i := range 3 {
		if code, body, err := throughActivator(ctx, e.Cluster, ns, revision); err != nil || code != http.StatusOK {
			t.Errorf("request %d: %d %q %v; want 200", i, code, body, err)
		}
	}
	mu.Lock()
	seen := append([]int32{}, specs...)
	mu.Unlock()
	for _, r := range seen {
		if r == 0 {
			t.Errorf("Deployment %s went to 0 replicas with the activators' metrics unreadable (specs seen: %v)", dep, seen)
			break
		}
	}
	if len(seen) == 0 {
		t.Errorf("the watch saw no replica count of %s", dep)
	}
	if log, err := os.ReadFile(e.Controller.LogPath); err != nil {
		t.Error(err)
	} else if !strings.Contains(string(log), "Cannot read the activators' request metrics") || !strings.Contains(string(log), "metrics-protocol: prometheus") {
		t.Errorf("the controller's log (%s) does not say the activators' metrics are unreadable and which setting to change", e.Controller.LogPath)
	}

	// The fix the message names: the condition goes, the revision idles to
	// zero through the activator.
	if err := e.Cluster.EnablePrometheusMetrics(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.Cluster.KillActivator(); err != nil {
		t.Fatal(err)
	}
	if err := e.Cluster.RestartActivator(ctx); err != nil {
		t.Fatal(err)
	}
	fixed := time.Now()
	// What the activator now serves of a revision it forwarded a request
	// for (Serving 1.22+ adds the queued and active counters).
	if code, _, err := throughActivator(ctx, e.Cluster, ns, revision); err != nil || code != http.StatusOK {
		t.Errorf("request after the restart: %d %v; want 200", code, err)
	}
	if families, err := activatorFamilies(ctx); err != nil {
		t.Errorf("reading the activator's metrics: %v", err)
	} else {
		t.Logf("the activator's per-revision request metrics: %v", families)
	}
	harness.Eventually(t, harness.ControllerTimeout, "the ScaleToZero condition gone", func() (bool, string) {
		p := e.PodAutoscaler(t, ns, revision)
		c := p.Status.GetCondition(scaletozero.ConditionScaleToZero)
		return c == nil, harness.Condition(p, string(scaletozero.ConditionScaleToZero))
	})
	waitReplicas(t, e, ns, dep, 0, 3*time.Minute)
	t.Logf("after metrics-protocol: prometheus and an activator restart: condition gone, at zero %v later", time.Since(fixed).Round(100*time.Millisecond))
}

// activatorFamilies lists the kn_revision_request_* families the harness's
// activator serves.
func activatorFamilies(ctx context.Context) ([]string, error) {
	url := "http://" + net.JoinHostPort(cluster.ActivatorAddr, strconv.Itoa(cluster.ActivatorMetricsPort)) + "/metrics"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if name, ok := strings.CutPrefix(line, "# TYPE "); ok && strings.HasPrefix(name, "kn_revision_request_") {
			out = append(out, name)
		}
	}
	return out, nil
}
