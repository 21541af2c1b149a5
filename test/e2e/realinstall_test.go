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

// Issue 10's behaviours on what a real install has: KEDA's admission
// webhook (test/cluster starts and registers it, failurePolicy Fail) and
// revision Deployments shaped as Serving v0.48 makes them (test/deploy:
// user-container with the ksvc's resources, none by default, and
// queue-proxy requesting 25m cpu and no memory). Every expected
// ScaledObject field is written out here, never computed by pkg/translate.

import (
	"context"
	"fmt"
	"strings"
	"testing"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"knative.dev/pkg/apis"
	"knative.dev/pkg/ptr"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"

	"github.com/serving-keda/serving-keda/pkg/translate"
	"github.com/serving-keda/serving-keda/test/harness"
	"github.com/serving-keda/serving-keda/test/harness/prometheus"
)

// realInstall is the shared env and a namespace for one test; when the test
// ends it checks that KEDA's webhook judged and admitted every ScaledObject
// the controller wrote there: KEDA's own counters show a validation per
// ScaledObject at least and no validation error, and, as with failurePolicy
// Fail a refusal shows as a FailedCreate condition on the PA and as a
// Warning Event quoting the webhook (an update refused is retried and
// evented the same way), there are none.
func realInstall(t *testing.T) (*harness.Env, string) {
	t.Helper()
	e := shared.Get(t)
	if e.Cluster.KEDAWebhook == nil {
		t.Fatal("the shared control plane runs no KEDA admission webhook")
	}
	ns := e.Namespace(t)
	t.Cleanup(func() { checkAdmitted(t, e, ns) })
	return e, ns
}

func checkAdmitted(t *testing.T, e *harness.Env, ns string) {
	t.Helper()
	ctx := context.Background()
	pas, err := e.Serving.AutoscalingV1alpha1().PodAutoscalers(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Errorf("listing PAs: %v", err)
		return
	}
	for _, pa := range pas.Items {
		for _, c := range pa.Status.Conditions {
			if c.Reason == "FailedCreate" {
				t.Errorf("PA %s: %s=%s FailedCreate: %s", pa.Name, c.Type, c.Status, c.Message)
			}
		}
	}
	evs, err := e.Kube.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Errorf("listing Events: %v", err)
		return
	}
	for _, ev := range evs.Items {
		if ev.Reason == "FailedCreate" || strings.Contains(ev.Message, `admission webhook "vscaledobject.kb.io" denied`) {
			t.Errorf("Event %s %s on %s %s (x%d): %s", ev.Type, ev.Reason, ev.InvolvedObject.Kind, ev.InvolvedObject.Name, ev.Count, ev.Message)
		}
	}
	sos, err := e.KEDA.KedaV1alpha1().ScaledObjects(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Errorf("listing ScaledObjects: %v", err)
		return
	}
	counts, err := e.Cluster.KEDAWebhookCounts(ctx, ns)
	if err != nil {
		t.Errorf("reading KEDA's webhook counters: %v", err)
		return
	}
	if counts.Validations < float64(len(sos.Items)) {
		t.Errorf("KEDA's webhook judged %v writes for %d ScaledObjects in %s: some were not validated", counts.Validations, len(sos.Items), ns)
	}
	// KEDA 2.19 (the oldest release tested) counts "incorrect-replicas"
	// without refusing the write; from 2.20 on it is a refusal like any
	// other.
	keda := e.Cluster.Releases().KEDA
	countedOnly := keda == "2.19"
	for reason, n := range counts.Errors {
		if n > 0 && (reason != "incorrect-replicas" || !countedOnly) {
			t.Errorf("KEDA %s's webhook counted %v validation errors %q in %s", keda, n, reason, ns)
		}
	}
	t.Logf("KEDA's webhook in %s: %v validations for %d ScaledObjects, errors %v", ns, counts.Validations, len(sos.Items), counts.Errors)
}

// markSKSReady writes the SKS status Serving's ServerlessService
// reconciler (not part of this control plane) writes once the revision's
// endpoints exist.
func markSKSReady(t *testing.T, e *harness.Env, ns, name string) {
	t.Helper()
	skss := e.Networking.NetworkingV1alpha1().ServerlessServices(ns)
	harness.Eventually(t, harness.ControllerTimeout, "SKS "+name+" marked ready", func() (bool, string) {
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			sks, err := skss.Get(context.Background(), name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			sks.Status.InitializeConditions()
			sks.Status.ServiceName = name
			sks.Status.PrivateServiceName = name + "-private"
			sks.Status.MarkEndpointsReady()
			sks.Status.ObservedGeneration = sks.Generation
			_, err = skss.UpdateStatus(context.Background(), sks, metav1.UpdateOptions{})
			return err
		})
		return err == nil, fmt.Sprint(err)
	})
}

// checkTriggers compares a ScaledObject's triggers with the expected ones.
func checkTriggers(t *testing.T, so *kedav1alpha1.ScaledObject, want ...kedav1alpha1.ScaleTriggers) {
	t.Helper()
	if !equality.Semantic.DeepEqual(so.Spec.Triggers, want) {
		t.Errorf("ScaledObject %s triggers:\n got  %+v\n want %+v", so.Name, so.Spec.Triggers, want)
	}
}

// checkKEDAHPA checks that KEDA made the revision's HPA for so.
func checkKEDAHPA(t *testing.T, e *harness.Env, ns, name string, so *kedav1alpha1.ScaledObject) *autoscalingv2.HorizontalPodAutoscaler {
	t.Helper()
	hpa := e.HPA(t, ns, name, harness.KEDATimeout)
	if !metav1.IsControlledBy(hpa, so) {
		t.Errorf("HPA owners = %+v, want controlled by ScaledObject %s", hpa.OwnerReferences, so.Name)
	}
	if hpa.Labels["app.kubernetes.io/managed-by"] != "keda-operator" {
		t.Errorf("HPA labels = %v, want app.kubernetes.io/managed-by=keda-operator", hpa.Labels)
	}
	if hpa.Spec.ScaleTargetRef.Kind != "Deployment" || hpa.Spec.ScaleTargetRef.Name != name+"-deployment" {
		t.Errorf("HPA target = %+v, want Deployment %s-deployment", hpa.Spec.ScaleTargetRef, name)
	}
	return hpa
}

// activeWithScale waits until the PA is Active=True and reports a desired
// and actual scale, as Serving's HPA class does, and returns it.
func activeWithScale(t *testing.T, e *harness.Env, ns, name string) *autoscalingv1alpha1.PodAutoscaler {
	t.Helper()
	var pa *autoscalingv1alpha1.PodAutoscaler
	harness.Eventually(t, harness.KEDATimeout, "PA "+name+" active with its scale", func() (bool, string) {
		pa = e.PodAutoscaler(t, ns, name)
		active := pa.Status.GetCondition("Active")
		ok := active != nil && active.IsTrue() && pa.Status.DesiredScale != nil && pa.Status.ActualScale != nil
		return ok, harness.Condition(pa, "Active")
	})
	return pa
}

// checkServeSKS checks that the PA's SKS exists, in Serve mode, controlled
// by the PA.
func checkServeSKS(t *testing.T, e *harness.Env, ns, name string, pa *autoscalingv1alpha1.PodAutoscaler) {
	t.Helper()
	sks, err := e.Networking.NetworkingV1alpha1().ServerlessServices(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("SKS %s: %v", name, err)
	}
	if sks.Spec.Mode != "Serve" || !metav1.IsControlledBy(sks, pa) {
		t.Errorf("SKS mode %q owners %+v, want Serve and controlled by the PA", sks.Spec.Mode, sks.OwnerReferences)
	}
}

// TestRealInstallCPUWithRequest: a cpu revision (Serving's default metric
// and target) of a ksvc whose container requests cpu. KEDA admits its
// ScaledObject, whose trigger is scoped to user-container, and makes an
// HPA on that container's usage (ContainerResource); the PA is Active with
// its scale and its SKS in Serve mode.
func TestRealInstallCPUWithRequest(t *testing.T) {
	e, ns := realInstall(t)
	const name = "cpu-00001"
	e.RevisionWith(t, ns, name, nil, harness.CPURequest)

	so := e.ScaledObject(t, ns, name, createTimeout)
	checkTriggers(t, so, kedav1alpha1.ScaleTriggers{
		Type:       "cpu",
		MetricType: autoscalingv2.UtilizationMetricType,
		Metadata:   map[string]string{"value": "80", "containerName": "user-container"},
	})
	hpa := checkKEDAHPA(t, e, ns, name, so)
	if m := hpa.Spec.Metrics; len(m) != 1 || m[0].Type != autoscalingv2.ContainerResourceMetricSourceType || m[0].ContainerResource == nil ||
		m[0].ContainerResource.Name != corev1.ResourceCPU || m[0].ContainerResource.Container != "user-container" ||
		m[0].ContainerResource.Target.Type != autoscalingv2.UtilizationMetricType ||
		ptr.Int32Value(m[0].ContainerResource.Target.AverageUtilization) != 80 {
		t.Errorf("HPA metrics = %+v, want one ContainerResource cpu of user-container at 80%% utilization", m)
	}
	pa := activeWithScale(t, e, ns, name)
	checkServeSKS(t, e, ns, name, pa)
}

// TestRealInstallCPUWithoutRequest: a cpu revision of a ksvc that sets no
// resources, Knative's default. KEDA's webhook would refuse any cpu
// trigger (user-container requests no cpu), so nothing is written: the PA
// says which request to set (ScaledObjectReady=False MissingResourceRequest
// and a Warning Event of that reason), stays Active with the Deployment's
// replicas as Serving's HPA class would, and its SKS is reconciled.
func TestRealInstallCPUWithoutRequest(t *testing.T) {
	e, ns := realInstall(t)
	ctx := context.Background()
	const name = "nocpu-00001"
	e.Revision(t, ns, name, nil)

	pa := e.PACondition(t, ns, name, "ScaledObjectReady", harness.ControllerTimeout, func(c *apis.Condition) bool {
		return c.IsFalse() && c.Reason == "MissingResourceRequest"
	})
	msg := pa.Status.GetCondition("ScaledObjectReady").Message
	t.Logf("PA: %s", harness.Condition(pa, "ScaledObjectReady"))
	for _, want := range []string{`"user-container"`, "resources.requests.cpu"} {
		if !strings.Contains(msg, want) {
			t.Errorf("ScaledObjectReady message %q does not name %s", msg, want)
		}
	}
	ev := e.WarningEvent(t, ns, name, "MissingResourceRequest", harness.ControllerTimeout)
	if !strings.Contains(ev.Message, "resources.requests.cpu") {
		t.Errorf("Event message %q does not name resources.requests.cpu", ev.Message)
	}

	// Serving's HPA class keeps such a revision serving at its replicas.
	pa = e.PACondition(t, ns, name, "Active", harness.ControllerTimeout, func(c *apis.Condition) bool {
		return c.IsTrue() && c.Reason == "MissingResourceRequest"
	})
	if ptr.Int32Value(pa.Status.DesiredScale) != 1 {
		t.Errorf("desired scale %v, want the Deployment's 1", pa.Status.DesiredScale)
	}

	// The SKS is reconciled: once Serving's SKS reconciler has filled its
	// status, the PA names the revision's service.
	checkServeSKS(t, e, ns, name, pa)
	markSKSReady(t, e, ns, name)
	harness.Eventually(t, harness.ControllerTimeout, "PA status.serviceName", func() (bool, string) {
		pa = e.PodAutoscaler(t, ns, name)
		return pa.Status.ServiceName == name, fmt.Sprintf("serviceName %q", pa.Status.ServiceName)
	})

	// Nothing was written for KEDA to refuse, or even to judge: the
	// reconciles that set the condition and the service name decided so,
	// and one more whole reconcile (its generation observed) writes nothing
	// either.
	e.Reconciled(t, ns, name, harness.ControllerTimeout)
	if counts, err := e.Cluster.KEDAWebhookCounts(ctx, ns); err != nil || counts.Validations != 0 {
		t.Errorf("KEDA's webhook counts in %s = %+v, %v; want no validation", ns, counts, err)
	}
	if _, err := e.KEDA.KedaV1alpha1().ScaledObjects(ns).Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("ScaledObject for a revision without a cpu request: err = %v, want NotFound", err)
	}
	if _, err := e.Kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("HPA for a revision without a cpu request: err = %v, want NotFound", err)
	}
}

// TestRealInstallMemory: a memory revision with target 100 (MiB per pod,
// as in Serving) of a ksvc whose container requests memory. queue-proxy
// requests none, so only a trigger scoped to user-container is admitted;
// KEDA makes a ContainerResource HPA for it.
func TestRealInstallMemory(t *testing.T) {
	e, ns := realInstall(t)
	const name = "mem-00001"
	e.RevisionWith(t, ns, name, map[string]string{
		"autoscaling.knative.dev/metric": "memory",
		"autoscaling.knative.dev/target": "100",
	}, harness.MemoryRequest)

	so := e.ScaledObject(t, ns, name, createTimeout)
	checkTriggers(t, so, kedav1alpha1.ScaleTriggers{
		Type:       "memory",
		MetricType: autoscalingv2.AverageValueMetricType,
		Metadata:   map[string]string{"value": "100Mi", "containerName": "user-container"},
	})
	hpa := checkKEDAHPA(t, e, ns, name, so)
	if m := hpa.Spec.Metrics; len(m) != 1 || m[0].ContainerResource == nil ||
		m[0].ContainerResource.Name != corev1.ResourceMemory || m[0].ContainerResource.Container != "user-container" ||
		m[0].ContainerResource.Target.Type != autoscalingv2.AverageValueMetricType ||
		m[0].ContainerResource.Target.AverageValue == nil || m[0].ContainerResource.Target.AverageValue.String() != "100Mi" {
		t.Errorf("HPA metrics = %+v, want one ContainerResource memory of user-container, AverageValue 100Mi", m)
	}
	activeWithScale(t, e, ns, name)
}

// TestRealInstallPrometheus: a Prometheus revision of a ksvc with no
// resources: its trigger measures no container, KEDA admits it and makes
// an HPA on the external metric.
func TestRealInstallPrometheus(t *testing.T) {
	e, ns := realInstall(t)
	prom := prometheus.StartForTest(t, 3)
	const name = "prom-00001"
	e.Revision(t, ns, name, map[string]string{
		"autoscaling.knative.dev/metric":             "queue_depth",
		"autoscaling.knative.dev/target":             "4",
		"autoscaling.knative.dev/prometheus-address": prom.URL,
		"autoscaling.knative.dev/prometheus-query":   `sum(queue_depth{namespace="{{.Namespace}}",revision="{{.Revision}}"})`,
	})

	so := e.ScaledObject(t, ns, name, createTimeout)
	checkTriggers(t, so, prometheusTrigger(prom.URL, ns, name))
	hpa := checkKEDAHPA(t, e, ns, name, so)
	if m := hpa.Spec.Metrics; len(m) != 1 || m[0].External == nil {
		t.Errorf("HPA metrics = %+v, want one external metric", m)
	}
	activeWithScale(t, e, ns, name)
}

// prometheusTrigger is the trigger expected for a queue_depth revision
// with target 4 and the query of TestRealInstallPrometheus.
func prometheusTrigger(address, ns, revision string) kedav1alpha1.ScaleTriggers {
	return kedav1alpha1.ScaleTriggers{
		Type:       "prometheus",
		Name:       "queue_depth",
		MetricType: autoscalingv2.AverageValueMetricType,
		Metadata: map[string]string{
			"serverAddress": address,
			"query":         fmt.Sprintf(`sum(queue_depth{namespace=%q,revision=%q})`, ns, revision),
			"threshold":     "4",
			"namespace":     ns,
		},
	}
}

// TestRealInstallPaused: a revision created paused. Its ScaledObject
// carries KEDA's pause annotation and is admitted; KEDA reports it paused
// and makes no HPA; the PA says so (Active=True reason Paused, with the
// Deployment's scale) instead of waiting for an HPA, and the revision
// still initializes once its Deployment has the initial replicas.
func TestRealInstallPaused(t *testing.T) {
	e, ns := realInstall(t)
	ctx := context.Background()
	const name = "paused-00001"
	e.RevisionWith(t, ns, name, map[string]string{"autoscaling.knative.dev/keda-paused": "true"}, harness.CPURequest)

	so := e.ScaledObject(t, ns, name, createTimeout)
	if so.Annotations["autoscaling.keda.sh/paused"] != "true" {
		t.Errorf("ScaledObject annotations = %v, want autoscaling.keda.sh/paused: \"true\"", so.Annotations)
	}
	checkTriggers(t, so, kedav1alpha1.ScaleTriggers{
		Type:       "cpu",
		MetricType: autoscalingv2.UtilizationMetricType,
		Metadata:   map[string]string{"value": "80", "containerName": "user-container"},
	})

	pa := e.PACondition(t, ns, name, "ScaledObjectPaused", harness.KEDATimeout, (*apis.Condition).IsTrue)
	t.Logf("PA: %s", harness.Condition(pa, "ScaledObjectPaused"))
	pa = e.PACondition(t, ns, name, "Active", harness.KEDATimeout, func(c *apis.Condition) bool {
		return c.IsTrue() && c.Reason == "Paused"
	})
	t.Logf("PA: %s", harness.Condition(pa, "Active"))

	markSKSReady(t, e, ns, name)
	pa = e.PACondition(t, ns, name, "ScaleTargetInitialized", harness.KEDATimeout, (*apis.Condition).IsTrue)
	if c := pa.Status.GetCondition("Active"); c == nil || c.Reason == "WaitingForHPA" {
		t.Errorf("PA %s: a paused revision must not wait for an HPA", harness.Condition(pa, "Active"))
	}
	if pa.Status.DesiredScale == nil || *pa.Status.DesiredScale != 1 {
		t.Errorf("desired scale %v, want the Deployment's 1", pa.Status.DesiredScale)
	}
	if _, err := e.Kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("HPA of a paused revision: err = %v, want NotFound (KEDA makes none while paused)", err)
	}
}

// The spellings users bring from the seed of this project and from
// knative-extensions/autoscaler-keda: each yields the ScaledObject that the
// current spelling does, both checked against the same hand-written
// expectation.

// TestRealInstallLegacyQueryKey: autoscaling.knative.dev/query (the seed's)
// is prometheus-query.
func TestRealInstallLegacyQueryKey(t *testing.T) {
	e, ns := realInstall(t)
	prom := prometheus.StartForTest(t, 3)
	query := `sum(queue_depth{namespace="{{.Namespace}}",revision="{{.Revision}}"})`
	for name, key := range map[string]string{
		"legacy-00001": "autoscaling.knative.dev/query",
		"modern-00001": "autoscaling.knative.dev/prometheus-query",
	} {
		e.Revision(t, ns, name, map[string]string{
			"autoscaling.knative.dev/metric":             "queue_depth",
			"autoscaling.knative.dev/target":             "4",
			"autoscaling.knative.dev/prometheus-address": prom.URL,
			key: query,
		})
	}
	for _, name := range []string{"legacy-00001", "modern-00001"} {
		so := e.ScaledObject(t, ns, name, createTimeout)
		checkTriggers(t, so, prometheusTrigger(prom.URL, ns, name))
		checkKEDAHPA(t, e, ns, name, so)
	}
}

// TestRealInstallLegacyScaleBounds: minScale and maxScale (Serving's
// camelCase spellings, the seed's example) are min-scale and max-scale.
func TestRealInstallLegacyScaleBounds(t *testing.T) {
	e, ns := realInstall(t)
	prom := prometheus.StartForTest(t, 3)
	for name, keys := range map[string][2]string{
		"legacy-00001": {"autoscaling.knative.dev/minScale", "autoscaling.knative.dev/maxScale"},
		"modern-00001": {"autoscaling.knative.dev/min-scale", "autoscaling.knative.dev/max-scale"},
	} {
		e.Revision(t, ns, name, map[string]string{
			"autoscaling.knative.dev/metric":             "queue_depth",
			"autoscaling.knative.dev/target":             "4",
			"autoscaling.knative.dev/prometheus-address": prom.URL,
			"autoscaling.knative.dev/prometheus-query":   `sum(queue_depth{namespace="{{.Namespace}}",revision="{{.Revision}}"})`,
			keys[0]: "2",
			keys[1]: "6",
		})
	}
	for _, name := range []string{"legacy-00001", "modern-00001"} {
		so := e.ScaledObject(t, ns, name, createTimeout)
		if ptr.Int32Value(so.Spec.MinReplicaCount) != 2 || ptr.Int32Value(so.Spec.MaxReplicaCount) != 6 {
			t.Errorf("%s: minReplicaCount %v maxReplicaCount %v, want 2 and 6", name, so.Spec.MinReplicaCount, so.Spec.MaxReplicaCount)
		}
		checkTriggers(t, so, prometheusTrigger(prom.URL, ns, name))
		hpa := checkKEDAHPA(t, e, ns, name, so)
		if ptr.Int32Value(hpa.Spec.MinReplicas) != 2 || hpa.Spec.MaxReplicas != 6 {
			t.Errorf("%s: HPA replicas %v..%d, want 2..6", name, hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas)
		}
	}
}

// TestRealInstallLegacyRevisionNameField: autoscaler-keda's query template
// field {{ .revisionName }} is {{.Revision}}.
func TestRealInstallLegacyRevisionNameField(t *testing.T) {
	e, ns := realInstall(t)
	prom := prometheus.StartForTest(t, 3)
	for name, field := range map[string]string{
		"legacy-00001": "{{ .revisionName }}",
		"modern-00001": "{{.Revision}}",
	} {
		e.Revision(t, ns, name, map[string]string{
			"autoscaling.knative.dev/metric":             "queue_depth",
			"autoscaling.knative.dev/target":             "4",
			"autoscaling.knative.dev/prometheus-address": prom.URL,
			"autoscaling.knative.dev/prometheus-query":   `sum(queue_depth{namespace="{{.Namespace}}",revision="` + field + `"})`,
		})
	}
	for _, name := range []string{"legacy-00001", "modern-00001"} {
		so := e.ScaledObject(t, ns, name, createTimeout)
		checkTriggers(t, so, prometheusTrigger(prom.URL, ns, name))
		checkKEDAHPA(t, e, ns, name, so)
	}
}

// TestRealInstallLegacyConfigKey: config-autoscaler-keda's
// autoscaler.keda.prometheus-address (autoscaler-keda's spelling) is
// prometheus-address, the default server of revisions that name none.
// It changes the shared config map and puts it back.
func TestRealInstallLegacyConfigKey(t *testing.T) {
	e, ns := realInstall(t)
	ctx := context.Background()
	prom := prometheus.StartForTest(t, 3)
	cms := e.Kube.CoreV1().ConfigMaps("knative-serving")
	orig, err := cms.Get(ctx, "config-autoscaler-keda", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	setData := func(data map[string]string) {
		t.Helper()
		if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			cm, err := cms.Get(ctx, "config-autoscaler-keda", metav1.GetOptions{})
			if err != nil {
				return err
			}
			cm.Data = data
			_, err = cms.Update(ctx, cm, metav1.UpdateOptions{})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	with := func(kv ...string) map[string]string {
		out := map[string]string{}
		for key, val := range orig.Data {
			out[key] = val
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	t.Cleanup(func() { setData(orig.Data) })

	setData(with("autoscaler.keda.prometheus-address", prom.URL))
	const name = "cfg-00001"
	e.Revision(t, ns, name, map[string]string{
		"autoscaling.knative.dev/metric":           "queue_depth",
		"autoscaling.knative.dev/target":           "4",
		"autoscaling.knative.dev/prometheus-query": `sum(queue_depth{namespace="{{.Namespace}}",revision="{{.Revision}}"})`,
	})
	// The config map reaches the controller asynchronously: a revision
	// reconciled before gets the address on the resync that follows.
	var so *kedav1alpha1.ScaledObject
	harness.Eventually(t, harness.ControllerTimeout, "ScaledObject with the config map's address", func() (bool, string) {
		var err error
		so, err = e.KEDA.KedaV1alpha1().ScaledObjects(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return len(so.Spec.Triggers) == 1 && so.Spec.Triggers[0].Metadata["serverAddress"] == prom.URL, fmt.Sprintf("triggers %+v", so.Spec.Triggers)
	})
	checkTriggers(t, so, prometheusTrigger(prom.URL, ns, name))
	checkKEDAHPA(t, e, ns, name, so)

	// A sentinel: a revision that borrows a ClusterTriggerAuthentication
	// not on the allow-list, refused until the config map lists it.
	const sentinel, auth = "cfg-sentinel-00001", "cfg-sentinel-auth"
	e.Revision(t, ns, sentinel, map[string]string{
		"autoscaling.knative.dev/metric":           "queue_depth",
		"autoscaling.knative.dev/target":           "4",
		"autoscaling.knative.dev/prometheus-query": `sum(queue_depth{revision="{{.Revision}}"})`,
		translate.PrometheusAuthNameAnnotationKey:  auth,
		translate.PrometheusAuthKindAnnotationKey:  "ClusterTriggerAuthentication",
		translate.PrometheusAuthModesAnnotationKey: "bearer",
	})
	e.PACondition(t, ns, sentinel, "Ready", harness.ControllerTimeout, func(c *apis.Condition) bool {
		return c.IsFalse() && strings.Contains(c.Message, auth)
	})

	// The current spelling instead, and the sentinel's authentication
	// allowed, in one update: the same ScaledObject, not rewritten. The
	// signs the update reached the controller and was applied to this
	// revision: the sentinel gets its ScaledObject (the update is in the
	// controller's store and its resync ran), then one more whole
	// reconcile of this revision (its PA's new generation observed), which
	// reads that store.
	setData(with("prometheus-address", prom.URL, "allowed-cluster-trigger-authentications", auth))
	e.ScaledObject(t, ns, sentinel, harness.ControllerTimeout)
	e.Reconciled(t, ns, name, harness.ControllerTimeout)
	now, err := e.KEDA.KedaV1alpha1().ScaledObjects(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if now.Generation != so.Generation {
		t.Errorf("generation %d -> %d: the ScaledObject was rewritten when the config key changed spelling", so.Generation, now.Generation)
	}
	checkTriggers(t, now, prometheusTrigger(prom.URL, ns, name))
}
