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
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"
	"knative.dev/serving/pkg/apis/autoscaling"

	"github.com/serving-keda/serving-keda/pkg/translate"
	"github.com/serving-keda/serving-keda/test/harness"
	"github.com/serving-keda/serving-keda/test/harness/prometheus"
)

// TestMemoryRevision: a memory target is MiB per pod, as in Serving; KEDA
// turns the memory trigger, scoped to the revision's user-container (its
// queue-proxy requests no memory), into an HPA with that average value of
// that container's usage.
func TestMemoryRevision(t *testing.T) {
	e := shared.Get(t)
	ns := e.Namespace(t)
	pa := e.RevisionWith(t, ns, "mem-00001", map[string]string{
		autoscaling.MetricAnnotationKey: autoscaling.Memory,
		autoscaling.TargetAnnotationKey: "200",
	}, harness.MemoryRequest)

	so := e.ScaledObject(t, ns, pa.Name, createTimeout)
	if got := so.Spec.Triggers; len(got) != 1 || got[0].Type != "memory" ||
		got[0].MetricType != autoscalingv2.AverageValueMetricType || got[0].Metadata["value"] != "200Mi" || got[0].Metadata["containerName"] != "user-container" {
		t.Errorf("triggers = %+v, want one memory trigger on user-container, AverageValue 200Mi", got)
	}

	hpa := e.HPA(t, ns, pa.Name, harness.KEDATimeout)
	if !metav1.IsControlledBy(hpa, so) {
		t.Errorf("HPA owners = %+v, want controlled by the ScaledObject", hpa.OwnerReferences)
	}
	// The trigger measures the serving container only (queue-proxy
	// requests no memory), so KEDA makes a ContainerResource metric.
	m := hpa.Spec.Metrics
	if len(m) != 1 || m[0].ContainerResource == nil || m[0].ContainerResource.Name != corev1.ResourceMemory ||
		m[0].ContainerResource.Container != "user-container" ||
		m[0].ContainerResource.Target.Type != autoscalingv2.AverageValueMetricType ||
		m[0].ContainerResource.Target.AverageValue == nil || m[0].ContainerResource.Target.AverageValue.String() != "200Mi" {
		t.Errorf("HPA metrics = %+v, want user-container's memory, AverageValue 200Mi", m)
	}
	e.PACondition(t, ns, pa.Name, "Active", harness.ControllerTimeout, (*apis.Condition).IsTrue)
}

// TestPrometheusRevision: a custom metric becomes a Prometheus trigger with
// the rendered query; KEDA's operator really queries the server, finds the
// ScaledObject ready and the trigger active, and the PA mirrors KEDA's
// Ready condition.
func TestPrometheusRevision(t *testing.T) {
	e := shared.Get(t)
	ns := e.Namespace(t)
	prom := prometheus.StartForTest(t, 5)
	const name = "prom-00001"
	pa := e.Revision(t, ns, name, map[string]string{
		autoscaling.MetricAnnotationKey:          "http_requests",
		autoscaling.TargetAnnotationKey:          "10",
		translate.PrometheusAddressAnnotationKey: prom.URL,
		translate.PrometheusQueryAnnotationKey:   `sum(rate({{.Metric}}{namespace="{{.Namespace}}",revision="{{.Revision}}"}[1m]))`,
		translate.PollingIntervalAnnotationKey:   "1",
	})
	wantQuery := fmt.Sprintf(`sum(rate(http_requests{namespace=%q,revision=%q}[1m]))`, ns, name)

	so := e.ScaledObject(t, ns, pa.Name, createTimeout)
	if got := so.Spec.Triggers; len(got) != 1 || got[0].Type != "prometheus" || got[0].Name != "http_requests" ||
		got[0].Metadata["serverAddress"] != prom.URL || got[0].Metadata["query"] != wantQuery ||
		got[0].Metadata["threshold"] != "10" || got[0].Metadata["namespace"] != ns {
		t.Errorf("triggers = %+v, want one prometheus trigger querying %s at %s with threshold 10", got, wantQuery, prom.URL)
	}
	if so.Spec.PollingInterval == nil || *so.Spec.PollingInterval != 1 {
		t.Errorf("pollingInterval = %v, want 1", so.Spec.PollingInterval)
	}

	// KEDA's scale loop queries the server with the rendered template.
	start := time.Now()
	harness.Eventually(t, harness.KEDATimeout, "KEDA queries the fake Prometheus", func() (bool, string) {
		got := prom.Queries()
		return len(got) > 0, "no query yet"
	})
	t.Logf("first query %v after the ScaledObject was read", time.Since(start).Round(time.Millisecond))
	for _, q := range prom.Queries() {
		if q.Path != "/api/v1/query" || q.Query != wantQuery || q.Namespace != ns {
			t.Errorf("query received = %+v, want path /api/v1/query, query %s, namespace %s", q, wantQuery, ns)
		}
	}

	// KEDA finds it Ready and, the value 5 being above the default activation
	// threshold 0, Active.
	harness.Eventually(t, harness.KEDATimeout, "ScaledObject Ready and Active", func() (bool, string) {
		var err error
		so, err = e.KEDA.KedaV1alpha1().ScaledObjects(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		ready, active := so.Status.Conditions.GetReadyCondition(), so.Status.Conditions.GetActiveCondition()
		return ready.IsTrue() && active.IsTrue(),
			harness.SOCondition(so, kedav1alpha1.ConditionReady) + "; " + harness.SOCondition(so, kedav1alpha1.ConditionActive)
	})
	ready := so.Status.Conditions.GetReadyCondition()
	got := e.PACondition(t, ns, name, "ScaledObjectReady", harness.ControllerTimeout, (*apis.Condition).IsTrue)
	if c := got.Status.GetCondition("ScaledObjectReady"); c.Reason != ready.Reason || c.Message != ready.Message {
		t.Errorf("PA %s, want KEDA's reason %q and message %q", harness.Condition(got, "ScaledObjectReady"), ready.Reason, ready.Message)
	}

	hpa := e.HPA(t, ns, name, harness.KEDATimeout)
	if m := hpa.Spec.Metrics; len(m) != 1 || m[0].External == nil {
		t.Errorf("HPA metrics = %+v, want one external metric", m)
	}
	e.PACondition(t, ns, name, "Active", harness.ControllerTimeout, (*apis.Condition).IsTrue)
}

// TestPrometheusUnreachable: a Prometheus address nobody listens on makes
// KEDA mark the ScaledObject not ready; the PA mirrors KEDA's reason and
// message in ScaledObjectReady, and stays Active (the HPA keeps its scale).
func TestPrometheusUnreachable(t *testing.T) {
	e := shared.Get(t)
	ns := e.Namespace(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	address := "http://" + l.Addr().String()
	l.Close() // closed: connections are refused
	const name = "down-00001"
	e.Revision(t, ns, name, map[string]string{
		autoscaling.MetricAnnotationKey:          "queue_depth",
		autoscaling.TargetAnnotationKey:          "3",
		translate.PrometheusAddressAnnotationKey: address,
		translate.PrometheusQueryAnnotationKey:   `sum(queue_depth{revision="{{.Revision}}"})`,
		translate.PollingIntervalAnnotationKey:   "1",
	})
	e.ScaledObject(t, ns, name, createTimeout)

	var so *kedav1alpha1.ScaledObject
	harness.Eventually(t, harness.KEDATimeout, "KEDA marks the ScaledObject not ready", func() (bool, string) {
		so, err = e.KEDA.KedaV1alpha1().ScaledObjects(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		ready := so.Status.Conditions.GetReadyCondition()
		return ready.IsFalse(), harness.SOCondition(so, kedav1alpha1.ConditionReady)
	})
	ready := so.Status.Conditions.GetReadyCondition()
	t.Logf("KEDA: %s", harness.SOCondition(so, kedav1alpha1.ConditionReady))
	if ready.Reason == "" || ready.Message == "" {
		t.Errorf("KEDA's Ready condition %+v has no reason or message", ready)
	}

	pa := e.PACondition(t, ns, name, "ScaledObjectReady", harness.ControllerTimeout, (*apis.Condition).IsFalse)
	c := pa.Status.GetCondition("ScaledObjectReady")
	if c.Reason != ready.Reason || c.Message != ready.Message {
		t.Errorf("PA %s, want KEDA's reason %q and message %q", harness.Condition(pa, "ScaledObjectReady"), ready.Reason, ready.Message)
	}
	if c.Severity != apis.ConditionSeverityWarning {
		t.Errorf("PA ScaledObjectReady severity %q, want Warning", c.Severity)
	}
	// Informational: the HPA exists, so the revision stays active.
	e.HPA(t, ns, name, harness.KEDATimeout)
	pa = e.PACondition(t, ns, name, "Active", harness.ControllerTimeout, (*apis.Condition).IsTrue)
	if strings.Contains(harness.Condition(pa, "Ready"), ready.Reason) {
		t.Errorf("PA %s: KEDA's trigger failure must not reach Ready", harness.Condition(pa, "Ready"))
	}
}
