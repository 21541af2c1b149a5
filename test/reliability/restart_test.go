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

package reliability

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/serving/pkg/apis/autoscaling"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"

	"github.com/serving-keda/serving-keda/pkg/translate"
	"github.com/serving-keda/serving-keda/test/deploy"
	"github.com/serving-keda/serving-keda/test/harness"
	"github.com/serving-keda/serving-keda/test/harness/apimetrics"
	"github.com/serving-keda/serving-keda/test/harness/prometheus"
)

// TestControllerRestartWritesNothing: after a restart (SIGTERM, as a
// rollout does) the controller reconciles every PA again and, everything
// having converged before, writes nothing: no duplicate objects, no
// ScaledObject spec change, no PA status or SKS write, counted both on the
// objects and by the API server itself; nor does it write in the steady
// state before.
func TestControllerRestartWritesNothing(t *testing.T) {
	const n = 20
	r := report(t, "controller restarted (SIGTERM) after convergence",
		fmt.Sprintf("%d revisions of 10 shapes, an invalid one, a bring-your-own one and one whose ScaledObject is not owned; converged, SIGTERM, started again", n))
	r.Objects = n + 3
	e := harness.StartForTest(t, harness.Options{Cluster: kedaForBursts})
	ctx := context.Background()
	ns := e.Namespace(t)
	prom := prometheus.StartForTest(t, 2)

	// Twenty revisions over the shapes the translation produces, so the
	// desired form of each is compared with what the API server stored.
	shapes := []map[string]string{
		nil,
		{autoscaling.TargetAnnotationKey: "70", autoscaling.MaxScaleAnnotationKey: "5"},
		{autoscaling.MetricAnnotationKey: autoscaling.Memory, autoscaling.TargetAnnotationKey: "200"},
		{autoscaling.MetricAnnotationKey: autoscaling.Memory},
		{autoscaling.MinScaleAnnotationKey: "2", autoscaling.WindowAnnotationKey: "2m"},
		{autoscaling.ScaleDownDelayAnnotationKey: "5m", translate.CooldownPeriodAnnotationKey: "60"},
		{translate.MetricTypeAnnotationKey: translate.AverageValue, autoscaling.TargetAnnotationKey: "250"},
		{translate.ScaleUpRulesAnnotationKey: `{"policies":[{"type":"Percent","value":100,"periodSeconds":15}]}`},
		{
			autoscaling.MetricAnnotationKey:                 "queue",
			autoscaling.TargetAnnotationKey:                 "0.5",
			translate.PrometheusAddressAnnotationKey:        prom.URL,
			translate.PrometheusQueryAnnotationKey:          `sum(queue{revision="{{.Revision}}"})`,
			translate.FallbackFailureThresholdAnnotationKey: "3",
			translate.FallbackReplicasAnnotationKey:         "2",
		},
		{
			autoscaling.MetricAnnotationKey:          "rps",
			autoscaling.TargetAnnotationKey:          "100",
			translate.MetricTypeAnnotationKey:        translate.Value,
			translate.PrometheusAddressAnnotationKey: prom.URL,
			translate.PrometheusQueryAnnotationKey:   `sum(rate(requests{namespace="{{.Namespace}}"}[1m]))`,
			translate.PollingIntervalAnnotationKey:   "5",
		},
	}
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("rev%02d-00001", i)
		e.RevisionWith(t, ns, names[i], shapes[i%len(shapes)], harness.CPUMemoryRequest)
	}
	// And the states that end in an error or in somebody else's object: a
	// bad annotation, a bring-your-own ScaledObject, one that is not owned.
	const bad, byo, taken = "bad-00001", "byo-00001", "taken-00001"
	e.Revision(t, ns, bad, map[string]string{translate.MetricTypeAnnotationKey: "Average"})
	e.RevisionWith(t, ns, byo, map[string]string{translate.AutoCreateAnnotationKey: "false"}, harness.CPURequest)
	e.Deployment(t, ns, taken, harness.CPURequest) // KEDA's webhook reads it to admit the user's object
	for _, name := range []string{byo, taken} {
		e.CreateUserScaledObject(t, harness.UserScaledObject(ns, name), metav1.CreateOptions{})
	}
	e.RevisionWith(t, ns, taken, nil, harness.CPURequest)

	// Converged: ScaledObject, HPA, PA active with KEDA's view mirrored.
	start := time.Now()
	harness.Eventually(t, 15*time.Second, "all revisions converged", func() (bool, string) {
		for name, reason := range map[string]string{bad: "InvalidMetricType", taken: "NotOwned"} {
			pa := e.PodAutoscaler(t, ns, name)
			if c := pa.Status.GetCondition("Ready"); c == nil || !c.IsFalse() || c.Reason != reason {
				return false, name + ": " + harness.Condition(pa, "Ready")
			}
		}
		for _, name := range append(names, byo) {
			if _, err := e.KEDA.KedaV1alpha1().ScaledObjects(ns).Get(ctx, name, metav1.GetOptions{}); err != nil {
				return false, err.Error()
			}
			if _, err := e.Kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, name, metav1.GetOptions{}); err != nil {
				return false, err.Error()
			}
			pa := e.PodAutoscaler(t, ns, name)
			if c := pa.Status.GetCondition("Active"); c == nil || !c.IsTrue() {
				return false, name + ": " + harness.Condition(pa, "Active")
			}
			if c := pa.Status.GetCondition("ScaledObjectReady"); c == nil || !c.IsTrue() {
				return false, name + ": " + harness.Condition(pa, "ScaledObjectReady")
			}
		}
		return true, ""
	})
	t.Logf("%d revisions and 3 in error or foreign states converged in %v", n, time.Since(start).Round(time.Millisecond))

	// Steady before the restart too: one second without a write by the
	// controller (KEDA keeps writing ScaledObject status meanwhile).
	before := snapshot(t, e, ns)
	writes0 := controllerWrites(t, e)
	time.Sleep(time.Second)
	snapshot(t, e, ns).compare(t, "before the restart", before)
	steady := controllerWrites(t, e).Sub(writes0)
	if len(steady) > 0 {
		t.Errorf("writes in steady state before the restart: %v", steady)
	}

	// Restart.
	writes0 = controllerWrites(t, e)
	restarted := time.Now()
	e.RestartController(t, deploy.Options{})
	p := e.Controller
	took := time.Since(restarted)
	t.Logf("controller restarted in %v; log %s", took.Round(time.Millisecond), p.LogPath)

	// It reconciles every PA again (it holds the leases: the old process
	// released them on SIGTERM) ...
	harness.Eventually(t, 10*time.Second, "every PA reconciled after the restart", func() (bool, string) {
		done := reconciledKeys(t, p.LogPath)
		var missing []string
		for _, name := range append(names, bad, byo, taken) {
			if !done[ns+"/"+name] {
				missing = append(missing, name)
			}
		}
		return len(missing) == 0, fmt.Sprintf("not reconciled yet: %v", missing)
	})
	reconciled := time.Since(restarted)
	t.Logf("every PA reconciled %v after the restart", reconciled.Round(time.Millisecond))
	// ... and writes nothing, also once KEDA's next status writes and the
	// resyncs they may cause have come by.
	time.Sleep(5*time.Second - time.Since(restarted))

	after := snapshot(t, e, ns)
	changed := after.compare(t, "after the restart", before)
	writes := controllerWrites(t, e).Sub(writes0)
	if len(writes) > 0 {
		t.Errorf("API server counted writes after the restart: %v", writes)
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
	// one SKS per revision but the taken one (an invalid revision gets its
	// SKS, so that Serving can fail the Revision with the PA's reason).
	hpas, err := e.Kube.AutoscalingV2().HorizontalPodAutoscalers(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Events are the one write a restart repeats, by design: a reconcile
	// that fails records one (knative's generated reconciler).
	if evs, err := e.Kube.CoreV1().Events(ns).List(ctx, metav1.ListOptions{}); err == nil {
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
	if _, ok := after.sksVersion[taken]; ok || len(after.scaledObjects) != n+2 || len(hpas.Items) != n+2 || len(after.sksVersion) != n+2 {
		t.Errorf("%d ScaledObjects, %d HPAs, %d SKSs in the namespace, want %d, %d, %d",
			len(after.scaledObjects), len(hpas.Items), len(after.sksVersion), n+2, n+2, n+2)
	}
	r.Duplicated = max(0, len(after.scaledObjects)-(n+2)) + max(0, len(after.sksVersion)-(n+2))
	r.Lost = max(0, n+2-len(after.scaledObjects)) + max(0, n+2-len(after.sksVersion))
	r.Result = fmt.Sprintf("restarted in %.1fs; every PA reconciled again %.1fs after the stop; writes the API server counted to PodAutoscalers, ServerlessServices and ScaledObject specs in the 5 s after the stop: %v, in 1 s of steady state before it: %v; objects changed: %d",
		took.Seconds(), reconciled.Seconds(), writes, steady, changed)
}

// written is what the controller writes, per object: ScaledObjects (by
// name: UID, generation and the controller's managed-fields entry), PA
// status and resourceVersion (only the controller writes PAs here), and
// SKS resourceVersion.
type written struct {
	scaledObjects map[string]string
	paStatus      map[string]autoscalingv1alpha1.PodAutoscalerStatus
	paVersion     map[string]string
	sksVersion    map[string]string
}

func snapshot(t *testing.T, e *harness.Env, ns string) written {
	t.Helper()
	ctx := context.Background()
	s := written{map[string]string{}, map[string]autoscalingv1alpha1.PodAutoscalerStatus{}, map[string]string{}, map[string]string{}}
	sos, err := e.KEDA.KedaV1alpha1().ScaledObjects(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, so := range sos.Items {
		var ours string
		for _, f := range so.ManagedFields {
			if f.Manager == harness.ControllerFieldManager {
				ours = fmt.Sprintf("%s %s %s", f.Operation, f.Subresource, f.Time)
			}
		}
		s.scaledObjects[so.Name] = fmt.Sprintf("uid=%s generation=%d controller-fields=[%s]", so.UID, so.Generation, ours)
	}
	pas, err := e.Serving.AutoscalingV1alpha1().PodAutoscalers(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, pa := range pas.Items {
		s.paStatus[pa.Name] = pa.Status
		s.paVersion[pa.Name] = pa.ResourceVersion
	}
	skss, err := e.Networking.NetworkingV1alpha1().ServerlessServices(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, sks := range skss.Items {
		s.sksVersion[sks.Name] = sks.ResourceVersion
	}
	return s
}

func (s written) compare(t *testing.T, when string, was written) (changed int) {
	t.Helper()
	for name, so := range was.scaledObjects {
		if s.scaledObjects[name] != so {
			changed++
			t.Errorf("%s: ScaledObject %s changed:\nbefore %s\nafter  %s", when, name, so, s.scaledObjects[name])
		}
	}
	for name, so := range s.scaledObjects {
		if _, ok := was.scaledObjects[name]; !ok {
			changed++
			t.Errorf("%s: new ScaledObject %s: %s", when, name, so)
		}
	}
	for name, st := range was.paStatus {
		if !equality.Semantic.DeepEqual(s.paStatus[name], st) || s.paVersion[name] != was.paVersion[name] {
			changed++
			t.Errorf("%s: PA %s written (resourceVersion %s -> %s):\nbefore %s\nafter  %s", when, name,
				was.paVersion[name], s.paVersion[name], conditions(st), conditions(s.paStatus[name]))
		}
	}
	for name, v := range s.sksVersion {
		if was.sksVersion[name] != v {
			changed++
		}
	}
	if !equality.Semantic.DeepEqual(s.sksVersion, was.sksVersion) {
		t.Errorf("%s: SKS resourceVersions changed:\nbefore %v\nafter  %v", when, was.sksVersion, s.sksVersion)
	}
	return changed
}

func conditions(st autoscalingv1alpha1.PodAutoscalerStatus) string {
	var parts []string
	for _, c := range st.Conditions {
		parts = append(parts, fmt.Sprintf("%s=%s(%s %s)", c.Type, c.Status, c.Reason, c.LastTransitionTime.Inner.Format(time.RFC3339)))
	}
	return strings.Join(parts, " ") + fmt.Sprintf(" desired=%v actual=%v", st.DesiredScale, st.ActualScale)
}

// controllerWrites reads apiserver_request_total and keeps the writes to
// what only this controller writes here: PodAutoscalers (any subresource),
// ServerlessServices, and ScaledObjects other than their status (which
// KEDA writes all the time).
func controllerWrites(t *testing.T, e *harness.Env) apimetrics.Counts {
	t.Helper()
	all, err := apimetrics.Scrape(context.Background(), e.Kube)
	if err != nil {
		t.Fatal(err)
	}
	out := all.Where(func(r apimetrics.Request) bool {
		return r.IsWrite() && (r.Resource == "podautoscalers" || r.Resource == "serverlessservices" ||
			r.Resource == "scaledobjects" && r.Subresource != "status")
	})
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
