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

package podautoscaler

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	fakediscovery "k8s.io/client-go/discovery/fake"
	ktesting "k8s.io/client-go/testing"
	fakekubeclient "knative.dev/pkg/client/injection/kube/client/fake"
	filteredfactory "knative.dev/pkg/client/injection/kube/informers/factory/filtered"
	"knative.dev/pkg/configmap"
	"knative.dev/pkg/injection"
	"knative.dev/pkg/logging"
	"knative.dev/pkg/ptr"
	rtesting "knative.dev/pkg/reconciler/testing"
	"knative.dev/pkg/system"
	"knative.dev/serving/pkg/apis/autoscaling"
	asconfig "knative.dev/serving/pkg/autoscaler/config"
	fakeservingclient "knative.dev/serving/pkg/client/injection/client/fake"
	fakepainformer "knative.dev/serving/pkg/client/injection/informers/autoscaling/v1alpha1/podautoscaler/fake"
	. "knative.dev/serving/pkg/testing"

	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/pkg/scaletozero"

	_ "github.com/serving-keda/serving-keda/pkg/client/injection/informers/keda/v1alpha1/scaledobject/fake"
	nv1alpha1 "knative.dev/networking/pkg/apis/networking/v1alpha1"
	fakenetworkingclient "knative.dev/networking/pkg/client/injection/client/fake"
	fakesksinformer "knative.dev/networking/pkg/client/injection/informers/networking/v1alpha1/serverlessservice/fake"
	_ "knative.dev/pkg/client/injection/kube/informers/core/v1/limitrange/fake"
	_ "knative.dev/pkg/client/injection/kube/informers/factory/filtered/fake"
)

func init() {
	// The fake filtered factories stand in for the real ones (informers.go).
	injection.Fake.RegisterInformer(withRevisionDeployments)
	injection.Fake.RegisterInformer(withKEDAHPAs)
}

func configMaps() configmap.Watcher {
	return configMapsWith(nil)
}

func configMapsWith(keda map[string]string) configmap.Watcher {
	return configmap.NewStaticWatcher(
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: system.Namespace(), Name: asconfig.ConfigName}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: system.Namespace(), Name: config.KEDAConfigName}, Data: keda},
		// Serving's, as every install has it (a static watcher cannot default it).
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: system.Namespace(), Name: config.DeploymentConfigName}},
	)
}

func withSelector(ctx context.Context) context.Context {
	return filteredfactory.WithSelectors(ctx, KEDAHPASelector, RevisionDeploymentSelector)
}

func TestNewController(t *testing.T) {
	ctx, cancel, infs := rtesting.SetupFakeContextWithCancel(t, withSelector)
	// An object as the API server returns it: with managed fields, which the
	// informers' caches must not keep.
	withFields := pa()
	withFields.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "controller", Operation: metav1.ManagedFieldsOperationUpdate}}
	if _, err := fakeservingclient.Get(ctx).AutoscalingV1alpha1().PodAutoscalers(testNamespace).Create(ctx, withFields, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ready := &Readiness{}
	impl := NewConstructor(ready)(ctx, configMaps())
	if impl == nil {
		t.Fatal("NewConstructor()() = nil")
	}
	if impl.Concurrency != Workers {
		t.Errorf("Concurrency = %d, want %d", impl.Concurrency, Workers)
	}
	if ready.Ready() {
		t.Error("Ready() before the informers started")
	}
	waitInformers, err := rtesting.RunAndSyncInformers(ctx, infs...)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	defer func() {
		cancel()
		waitInformers()
	}()
	deadline := time.Now().Add(5 * time.Second)
	for !ready.Ready() {
		if time.Now().After(deadline) {
			t.Fatal("Ready() still false after the informers synced")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cached, err := fakepainformer.Get(ctx).Lister().PodAutoscalers(testNamespace).Get(testRevision)
	if err != nil {
		t.Fatal(err)
	}
	if cached.ManagedFields != nil {
		t.Errorf("cached PA keeps managed fields %v", cached.ManagedFields)
	}
}

func TestWarnsWhileServingHPAAutoscalerRuns(t *testing.T) {
	for _, tc := range []struct {
		name     string
		replicas *int32
		present  bool
		keda     map[string]string
		wantWarn bool
	}{
		{name: "absent", present: false, wantWarn: false},
		{name: "running", present: true, replicas: ptr.Int32(1), wantWarn: true},
		{name: "scaled to zero", present: true, replicas: ptr.Int32(0), wantWarn: false},
		{name: "running, both classes", present: true, replicas: ptr.Int32(1),
			keda: map[string]string{config.ClassesKey: autoscaling.HPA + "," + config.KEDAClass}, wantWarn: true},
		// Serving's autoscaler-hpa keeps the HPA class: no conflict.
		{name: "running, KEDA class only", present: true, replicas: ptr.Int32(1),
			keda: map[string]string{config.ClassesKey: config.KEDAClass}, wantWarn: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			core, logs := observer.New(zap.WarnLevel)
			ctx, _ := rtesting.SetupFakeContext(t, withSelector, func(ctx context.Context) context.Context {
				return logging.WithLogger(ctx, zap.New(core).Sugar())
			})
			if tc.present {
				d := &appsv1.Deployment{
					ObjectMeta: metav1.ObjectMeta{Namespace: system.Namespace(), Name: ServingHPAAutoscaler},
					Spec:       appsv1.DeploymentSpec{Replicas: tc.replicas},
				}
				if _, err := fakekubeclient.Get(ctx).AppsV1().Deployments(d.Namespace).Create(ctx, d, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			NewConstructor(&Readiness{})(ctx, configMapsWith(tc.keda))
			warned := logs.FilterMessageSnippet(ServingHPAAutoscaler).Len() > 0
			if warned != tc.wantWarn {
				t.Errorf("warned = %v, want %v (logs: %v)", warned, tc.wantWarn, logs.All())
			}
		})
	}
}

func TestScaledObjectChanged(t *testing.T) {
	base := scaledObject(pa(), withSOReady)
	base.Generation = 1
	now := metav1.NewTime(time.Unix(1000, 0))
	later := metav1.NewTime(time.Unix(2000, 0))
	base.Status.Conditions[0].Reason = "ScaledObjectReady"

	// atZero is the ScaledObject of a min-scale "0" revision, KEDA's Active
	// condition as given ("" : none yet).
	atZero := func(active metav1.ConditionStatus) *kedav1alpha1.ScaledObject {
		so := base.DeepCopy()
		so.Spec.MinReplicaCount = ptr.Int32(0)
		if active != "" {
			setActive(so, active, "")
		}
		return so
	}
	tests := []struct {
		name   string
		base   *kedav1alpha1.ScaledObject // nil: base
		mutate func(*kedav1alpha1.ScaledObject)
		want   bool
	}{
		{name: "KEDA's idle status rewrite", mutate: func(so *kedav1alpha1.ScaledObject) {
			so.ResourceVersion = "2"
			so.Status.LastActiveTime = &later
			so.Status.Health = map[string]kedav1alpha1.HealthStatus{"s0-prometheus": {NumberOfFailures: ptr.Int32(0), Status: kedav1alpha1.HealthStatusHappy}}
			so.Status.OriginalReplicaCount = ptr.Int32(1)
		}, want: false},
		{name: "resync", mutate: func(*kedav1alpha1.ScaledObject) {}, want: false},
		{name: "active flips, revision with a floor (not read)", mutate: func(so *kedav1alpha1.ScaledObject) {
			so.Status.Conditions = append(so.Status.Conditions, kedav1alpha1.Condition{Type: kedav1alpha1.ConditionActive, Status: metav1.ConditionTrue, Reason: "ScalerActive"})
		}, want: false},
		// A revision that scales to zero decides its SKS mode and the hold
		// from KEDA's Active: KEDA going idle must reach it (issue 19, defect 1).
		{name: "active turns false, scale to zero", base: atZero(metav1.ConditionTrue), mutate: func(so *kedav1alpha1.ScaledObject) {
			setActive(so, metav1.ConditionFalse, "ScalerNotActive")
		}, want: true},
		{name: "active turns true, scale to zero", base: atZero(metav1.ConditionFalse), mutate: func(so *kedav1alpha1.ScaledObject) {
			setActive(so, metav1.ConditionTrue, "ScalerActive")
		}, want: true},
		{name: "active appears, scale to zero", base: atZero(""), mutate: func(so *kedav1alpha1.ScaledObject) {
			setActive(so, metav1.ConditionFalse, "ScalerNotActive")
		}, want: true},
		{name: "active stays false, new reason (cooling down), scale to zero", base: atZero(metav1.ConditionFalse), mutate: func(so *kedav1alpha1.ScaledObject) {
			setActive(so, metav1.ConditionFalse, "ScalerCooldown")
		}, want: false},
		{name: "fallback stays false with a new message", mutate: func(so *kedav1alpha1.ScaledObject) {
			so.Status.Conditions = append(so.Status.Conditions, kedav1alpha1.Condition{Type: kedav1alpha1.ConditionFallback, Status: metav1.ConditionFalse, Message: "other"})
		}, want: false},
		{name: "ready turns false", mutate: func(so *kedav1alpha1.ScaledObject) {
			so.Status.Conditions[0].Status = metav1.ConditionFalse
		}, want: true},
		{name: "new message", mutate: func(so *kedav1alpha1.ScaledObject) {
			so.Status.Conditions[0].Message = "other"
		}, want: true},
		{name: "fallback appears", mutate: func(so *kedav1alpha1.ScaledObject) {
			so.Status.Conditions = append(so.Status.Conditions, kedav1alpha1.Condition{Type: kedav1alpha1.ConditionFallback, Status: metav1.ConditionTrue})
		}, want: true},
		{name: "HPAActive turns false", mutate: func(so *kedav1alpha1.ScaledObject) {
			so.Status.Conditions = append(so.Status.Conditions, kedav1alpha1.Condition{Type: kedav1alpha1.ConditionHPAActive, Status: metav1.ConditionFalse, Reason: "HPAMetricsUnavailable"})
		}, want: true},
		{name: "HPAActive true (not mirrored)", mutate: func(so *kedav1alpha1.ScaledObject) {
			so.Status.Conditions = append(so.Status.Conditions, kedav1alpha1.Condition{Type: kedav1alpha1.ConditionHPAActive, Status: metav1.ConditionTrue, Reason: "HPAActive"})
		}, want: false},
		{name: "spec edit", mutate: func(so *kedav1alpha1.ScaledObject) {
			so.Generation = 2
			so.Spec.MaxReplicaCount = ptr.Int32(3)
		}, want: true},
		{name: "label edit", mutate: func(so *kedav1alpha1.ScaledObject) { so.Labels = map[string]string{"a": "b"} }, want: true},
		{name: "annotation edit", mutate: func(so *kedav1alpha1.ScaledObject) {
			so.Annotations = map[string]string{"autoscaling.keda.sh/paused": "true"}
		}, want: true},
		{name: "owner removed", mutate: func(so *kedav1alpha1.ScaledObject) { so.OwnerReferences = nil }, want: true},
		{name: "being deleted", mutate: func(so *kedav1alpha1.ScaledObject) { so.DeletionTimestamp = &now }, want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			old := base
			if tc.base != nil {
				old = tc.base
			}
			cur := old.DeepCopy()
			tc.mutate(cur)
			if got := scaledObjectChanged(old, cur); got != tc.want {
				t.Errorf("scaledObjectChanged() = %v, want %v", got, tc.want)
			}
		})
	}
}

// setActive sets KEDA's Active condition of so.
func setActive(so *kedav1alpha1.ScaledObject, status metav1.ConditionStatus, reason string) {
	for i := range so.Status.Conditions {
		if so.Status.Conditions[i].Type == kedav1alpha1.ConditionActive {
			so.Status.Conditions[i].Status, so.Status.Conditions[i].Reason = status, reason
			return
		}
	}
	so.Status.Conditions = append(so.Status.Conditions, kedav1alpha1.Condition{Type: kedav1alpha1.ConditionActive, Status: status, Reason: reason})
}

func TestHPAChanged(t *testing.T) {
	base := hpa(withHPAReplicas(3, 3))
	later := metav1.NewTime(time.Unix(2000, 0))
	tests := []struct {
		name   string
		mutate func(*autoscalingv2.HorizontalPodAutoscaler)
		want   bool
	}{
		{name: "metrics refresh", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.ResourceVersion = "9"
			h.Status.LastScaleTime = &later
			h.Status.CurrentMetrics = []autoscalingv2.MetricStatus{{Type: autoscalingv2.ExternalMetricSourceType}}
		}, want: false},
		{name: "desired changes", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Status.DesiredReplicas = 5 }, want: true},
		{name: "current changes", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Status.CurrentReplicas = 1 }, want: true},
		{name: "owner changes", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) { h.OwnerReferences = nil }, want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cur := base.DeepCopy()
			tc.mutate(cur)
			if got := hpaChanged(base, cur); got != tc.want {
				t.Errorf("hpaChanged() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestReportMissingKEDA(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	ctx, cancel := context.WithCancel(logging.WithLogger(context.Background(), zap.New(core).Sugar()))
	defer cancel()

	disco := &fakediscovery.FakeDiscovery{Fake: &ktesting.Fake{}}
	done := make(chan struct{})
	go func() {
		reportMissingKEDA(ctx, disco, 10*time.Millisecond)
		close(done)
	}()
	// No keda.sh resources: it keeps saying so.
	deadline := time.Now().Add(5 * time.Second)
	for logs.FilterMessageSnippet("KEDA's CRDs are not installed").Len() < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no repeated error about missing CRDs; logs: %v", logs.All())
		}
		time.Sleep(5 * time.Millisecond)
	}
	// The CRDs get installed: it says so once and stops.
	disco.Lock()
	disco.Resources = []*metav1.APIResourceList{{GroupVersion: kedav1alpha1.SchemeGroupVersion.String(),
		APIResources: []metav1.APIResource{{Name: "scaledobjects", Kind: "ScaledObject", Namespaced: true}}}}
	disco.Unlock()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("reportMissingKEDA did not return once KEDA's API was served")
	}
	if logs.FilterMessageSnippet("is served now").Len() != 1 {
		t.Errorf("want one message that KEDA is served now; logs: %v", logs.All())
	}
}

// TestNotifyOnHoldChanges: KEDA's streams hear at once when a revision goes
// idle or its SKS changes mode (the hold races KEDA's cooldown), and not on
// other updates.
func TestNotifyOnHoldChanges(t *testing.T) {
	ctx, cancel, infs := rtesting.SetupFakeContextWithCancel(t, withSelector)
	var notified atomic.Int32
	notifyOnHoldChanges(informers{pa: fakepainformer.Get(ctx), sks: fakesksinformer.Get(ctx)},
		func(interface{}) bool { return true }, func() { notified.Add(1) })
	waitInformers, err := rtesting.RunAndSyncInformers(ctx, infs...)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	defer func() {
		cancel()
		waitInformers()
	}()
	pas := fakeservingclient.Get(ctx).AutoscalingV1alpha1().PodAutoscalers(testNamespace)
	skss := fakenetworkingclient.Get(ctx).NetworkingV1alpha1().ServerlessServices(testNamespace)
	p, err := pas.Create(ctx, pa(WithTraffic), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := skss.Create(ctx, sks(WithSKSReady), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// expect waits for the n-th notification, then checks no other came.
	expect := func(n int32, what string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for notified.Load() < n && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond)
		if got := notified.Load(); got != n {
			t.Fatalf("after %s: %d notifications, want %d", what, got, n)
		}
	}
	p = p.DeepCopy()
	p.Labels = map[string]string{"unrelated": "edit"}
	if p, err = pas.Update(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	expect(0, "a label edit")
	p = p.DeepCopy()
	p.Status.MarkInactive(scaletozero.ReasonNoTraffic, "The target is not receiving traffic.")
	if p, err = pas.UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	expect(1, "the PA going idle")
	p = p.DeepCopy()
	p.Status.MarkScaleTargetInitialized()
	if _, err = pas.UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	expect(2, "the PA initialized")
	s = s.DeepCopy()
	s.Spec.Mode = nv1alpha1.SKSOperationModeProxy
	if s, err = skss.Update(ctx, s, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	expect(3, "the SKS to Proxy")
	s = s.DeepCopy()
	s.Status.MarkActivatorEndpointsPopulated()
	if s, err = skss.UpdateStatus(ctx, s, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	expect(4, "the activator's endpoints populated")
	s = s.DeepCopy()
	s.Status.ObservedGeneration = 7
	if _, err = skss.UpdateStatus(ctx, s, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	expect(4, "an unrelated SKS status change")
}
