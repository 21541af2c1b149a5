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

package scaletozero

import (
	"context"
	"testing"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	fakek8s "k8s.io/client-go/kubernetes/fake"
	nv1alpha1 "knative.dev/networking/pkg/apis/networking/v1alpha1"
	"knative.dev/pkg/system"
	_ "knative.dev/pkg/system/testing" // SYSTEM_NAMESPACE
	"knative.dev/serving/pkg/apis/autoscaling"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	"knative.dev/serving/pkg/apis/serving"
	asconfig "knative.dev/serving/pkg/autoscaler/config"
	"knative.dev/serving/pkg/autoscaler/config/autoscalerconfig"
	aresources "knative.dev/serving/pkg/reconciler/autoscaling/resources"

	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/pkg/translate"

	. "github.com/serving-keda/serving-keda/pkg/reconciler/testing"

	. "knative.dev/serving/pkg/testing"
)

// pa is a revision's PodAutoscaler as Serving makes it, conditions
// initialized.
func pa(opts ...PodAutoscalerOption) *autoscalingv1alpha1.PodAutoscaler {
	p := &autoscalingv1alpha1.PodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{
			Name: "rev", Namespace: "ns",
			Annotations: map[string]string{autoscaling.ClassAnnotationKey: autoscaling.HPA, autoscaling.MinScaleAnnotationKey: "0"},
		},
		Spec: autoscalingv1alpha1.PodAutoscalerSpec{
			ScaleTargetRef: corev1.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "rev-deployment"},
		},
	}
	p.Status.InitializeConditions()
	for _, o := range opts {
		o(p)
	}
	return p
}

func withAnnotations(anns map[string]string) PodAutoscalerOption {
	return func(p *autoscalingv1alpha1.PodAutoscaler) {
		for k, v := range anns {
			p.Annotations[k] = v
		}
	}
}

// sks is the ServerlessService Serving's Base makes for pa(), in Serve mode.
func sks(opts ...SKSOption) *nv1alpha1.ServerlessService {
	s := aresources.MakeSKS(pa(), nv1alpha1.SKSOperationModeServe, 0)
	for _, o := range opts {
		o(s)
	}
	return s
}

func autoscalerConfig(t *testing.T, data map[string]string) *autoscalerconfig.Config {
	t.Helper()
	as, err := asconfig.NewConfigFromMap(data)
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// TestHold covers each branch of Hold (issue 22 item 2): the last pod stays
// until the revision first reaches its initial scale, and once idle until
// the activator is in its path (Proxy mode and the activator's endpoints)
// for the whole window.
func TestHold(t *testing.T) {
	now := time.Now()
	const window = 30 * time.Second
	initialized := func(p *autoscalingv1alpha1.PodAutoscaler) { p.Status.MarkScaleTargetInitialized() }
	idleFor := func(d time.Duration) PodAutoscalerOption {
		return func(p *autoscalingv1alpha1.PodAutoscaler) {
			p.Status.MarkInactive(ReasonNoTraffic, "The target is not receiving traffic.")
			ActiveSince(p, now.Add(-d))
		}
	}
	activeFor := func(d time.Duration) PodAutoscalerOption {
		return func(p *autoscalingv1alpha1.PodAutoscaler) {
			p.Status.MarkActive()
			ActiveSince(p, now.Add(-d))
		}
	}
	serve := func(s *nv1alpha1.ServerlessService) { s.Spec.Mode = nv1alpha1.SKSOperationModeServe }
	proxy := func(s *nv1alpha1.ServerlessService) { s.Spec.Mode = nv1alpha1.SKSOperationModeProxy }
	endpoints := func(s *nv1alpha1.ServerlessService) {
		s.Status.MarkActivatorEndpointsPopulated()
		EndpointsSince(s, now.Add(-time.Hour))
	}
	noEndpoints := func(s *nv1alpha1.ServerlessService) { s.Status.MarkActivatorEndpointsRemoved() }

	tests := []struct {
		name       string
		pa         *autoscalingv1alpha1.PodAutoscaler
		sks        *nv1alpha1.ServerlessService
		unreadable bool
		in         func(*Input)
		wantHold   bool
		wantEnd    time.Time
	}{{
		name:     "new revision, not yet at its initial scale: held, only a state change ends it",
		pa:       pa(WithTraffic),
		sks:      sks(WithSKSReady, proxy, endpoints),
		wantHold: true,
	}, {
		name:     "new revision idle before its initial scale: still held",
		pa:       pa(idleFor(time.Hour)),
		sks:      sks(WithSKSReady, proxy, endpoints),
		wantHold: true,
	}, {
		name: "new revision with initial scale 0: no hold, it is idle at once (issue 19, defect 2)",
		pa:   pa(),
		in:   func(in *Input) { in.InitialTarget, in.Replicas = 0, 0 },
	}, {
		name: "at zero replicas, idle past the window in Serve: nothing to keep, no hold (KEDA would wake it)",
		pa:   pa(initialized, idleFor(time.Hour)),
		sks:  sks(WithSKSReady, serve),
		in:   func(in *Input) { in.Replicas = 0 },
	}, {
		name:       "at zero replicas, the activators' demand unreadable: held, so KEDA wakes it to one pod",
		pa:         pa(initialized, idleFor(time.Hour)),
		sks:        sks(WithSKSReady, proxy, endpoints),
		unreadable: true,
		in:         func(in *Input) { in.Replicas = 0 },
		wantHold:   true,
	}, {
		name:     "active for 20s of a 60s stable window: held until it ends (issue 19, defect 3)",
		pa:       pa(initialized, activeFor(20*time.Second)),
		sks:      sks(WithSKSReady, serve),
		wantHold: true,
		wantEnd:  now.Add(40 * time.Second),
	}, {
		name:    "active for the stable window: no hold (KEDA's own triggers decide)",
		pa:      pa(initialized, activeFor(time.Minute)),
		sks:     sks(WithSKSReady, serve),
		wantEnd: now,
	}, {
		name:     "idle past the window, SKS still in Serve: held until the activator is in the path",
		pa:       pa(initialized, idleFor(time.Hour)),
		sks:      sks(WithSKSReady, serve, endpoints),
		wantHold: true,
	}, {
		name:     "idle past the window, Proxy without the activator's endpoints: held",
		pa:       pa(initialized, idleFor(time.Hour)),
		sks:      sks(WithSKSReady, proxy, noEndpoints),
		wantHold: true,
	}, {
		name:     "idle past the window, no SKS: held",
		pa:       pa(initialized, idleFor(time.Hour)),
		wantHold: true,
	}, {
		name:     "idle 10s of 30s with the activator in the path: held until the window ends",
		pa:       pa(initialized, idleFor(10*time.Second)),
		sks:      sks(WithSKSReady, proxy, endpoints),
		wantHold: true,
		wantEnd:  now.Add(20 * time.Second),
	}, {
		name: "idle for an hour, the activator's endpoints in the path for 2s of the 30s grace period: held until it ends",
		pa:   pa(initialized, idleFor(time.Hour)),
		sks: sks(WithSKSReady, proxy, func(s *nv1alpha1.ServerlessService) {
			s.Status.MarkActivatorEndpointsPopulated()
			EndpointsSince(s, now.Add(-2*time.Second))
		}),
		in:       func(in *Input) { in.Grace = 30 * time.Second },
		wantHold: true,
		wantEnd:  now.Add(28 * time.Second),
	}, {
		name:    "idle for the window with the activator in the path: released",
		pa:      pa(initialized, idleFor(window)),
		sks:     sks(WithSKSReady, proxy, endpoints),
		wantEnd: now,
	}, {
		name:       "the activators' demand unreadable, idle past the window in Proxy: held (a request at zero would wake nothing)",
		pa:         pa(initialized, idleFor(time.Hour)),
		sks:        sks(WithSKSReady, proxy, endpoints),
		unreadable: true,
		wantHold:   true,
	}, {
		name:       "the activators' demand unreadable, serving: held",
		pa:         pa(initialized, activeFor(time.Hour)),
		sks:        sks(WithSKSReady, serve),
		unreadable: true,
		wantHold:   true,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := Input{Now: now, Window: window, StableWindow: time.Minute, Unreadable: tc.unreadable, InitialTarget: 1, Replicas: 1}
			if tc.in != nil {
				tc.in(&in)
			}
			hold, end := Hold(tc.pa, tc.sks, in)
			if hold != tc.wantHold || !end.Equal(tc.wantEnd) {
				t.Errorf("Hold() = %v, %v; want %v, %v", hold, end, tc.wantHold, tc.wantEnd)
			}
		})
	}
}

// TestObservabilitySetting: the unreadable signal's reason names
// config-observability's metrics-protocol when that is what hides the
// activators' metrics.
func TestObservabilitySetting(t *testing.T) {
	cm := func(data map[string]string) *corev1.ConfigMap {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: system.Namespace(), Name: "config-observability"}, Data: data}
	}
	for _, tc := range []struct {
		name string
		objs []runtime.Object
		want string
	}{
		{"Serving's default: no key", []runtime.Object{cm(map[string]string{"_example": "..."})},
			" (config-observability sets no metrics-protocol: Serving's default, none, serves no metrics)"},
		{"none", []runtime.Object{cm(map[string]string{"metrics-protocol": "none"})},
			` (config-observability has metrics-protocol: "none", which serves no Prometheus metrics)`},
		{"otlp", []runtime.Object{cm(map[string]string{"metrics-protocol": "http/protobuf"})},
			` (config-observability has metrics-protocol: "http/protobuf", which serves no Prometheus metrics)`},
		{"prometheus: something else is wrong", []runtime.Object{cm(map[string]string{"metrics-protocol": "prometheus"})}, ""},
		{"no config map to read", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Source{deps: Deps{Kube: fakek8s.NewClientset(tc.objs...)}}
			if got := s.observabilitySetting(context.Background()); got != tc.want {
				t.Errorf("observabilitySetting() = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestIdleWindow: the last pod stays max(grace period, pod retention); a
// revision the Route no longer reaches keeps none for retention, as with
// the KPA.
func TestIdleWindow(t *testing.T) {
	as := autoscalerConfig(t, map[string]string{"scale-to-zero-grace-period": "30s"})
	retained := pa(withAnnotations(map[string]string{autoscaling.ScaleToZeroPodRetentionPeriodKey: "5m"}))
	if got := idleWindow(retained, as); got != 5*time.Minute {
		t.Errorf("idleWindow(reachable, retention 5m) = %v, want 5m", got)
	}
	retained.Spec.Reachability = autoscalingv1alpha1.ReachabilityUnreachable
	if got := idleWindow(retained, as); got != 30*time.Second {
		t.Errorf("idleWindow(unreachable, retention 5m) = %v, want the 30s grace period", got)
	}
}

// TestBurstCapacity: the revision's target-burst-capacity annotation, else
// config-autoscaler's; its containerConcurrency, else the default, per pod.
func TestBurstCapacity(t *testing.T) {
	as := autoscalerConfig(t, map[string]string{"target-burst-capacity": "150", "container-concurrency-target-default": "80"})
	p := pa()
	if b, per := burstCapacity(p, as); b != 150 || per != 80 {
		t.Errorf("burstCapacity(defaults) = %v, %v; want 150, 80", b, per)
	}
	p = pa(withAnnotations(map[string]string{autoscaling.TargetBurstCapacityKey: "-1"}))
	p.Spec.ContainerConcurrency = 10
	if b, per := burstCapacity(p, as); b != -1 || per != 10 {
		t.Errorf("burstCapacity(annotation -1, containerConcurrency 10) = %v, %v; want -1, 10", b, per)
	}
	// On concurrency, the KPA's pod capacity is the target (its decider's
	// total), at most containerConcurrency; on another metric the target
	// is not a concurrency.
	for _, tc := range []struct {
		metric, target string
		cc             int64
		want           float64
	}{
		{"concurrency", "10", 0, 10},
		{"concurrency", "10", 4, 4},
		{"concurrency", "", 0, 80},
		{"cpu", "60", 0, 80},
	} {
		anns := map[string]string{autoscaling.MetricAnnotationKey: tc.metric}
		if tc.target != "" {
			anns[autoscaling.TargetAnnotationKey] = tc.target
		}
		p := pa(withAnnotations(anns))
		p.Spec.ContainerConcurrency = tc.cc
		if _, per := burstCapacity(p, as); per != tc.want {
			t.Errorf("metric %s, target %q, containerConcurrency %d: a pod takes %v; want %v", tc.metric, tc.target, tc.cc, per, tc.want)
		}
	}
}

// TestActivationDeadline: a revision woken from zero times out after its
// progress deadline (its annotation, else config-deployment's
// progress-deadline, not a constant) plus the KPA's 30 s margin.
func TestActivationDeadline(t *testing.T) {
	dc, err := config.NewDeploymentFromConfigMap(&corev1.ConfigMap{Data: map[string]string{"progress-deadline": "120s"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := activationDeadline(pa(), dc); got != 150*time.Second {
		t.Errorf("activationDeadline(config-deployment 120s) = %v, want 2m30s", got)
	}
	own := pa(withAnnotations(map[string]string{serving.ProgressDeadlineAnnotationKey: "45s"}))
	if got := activationDeadline(own, dc); got != 75*time.Second {
		t.Errorf("activationDeadline(annotation 45s) = %v, want 1m15s", got)
	}
	// Through NewInput, as the reconciler and the scaler build it.
	cfg := &config.Config{Autoscaler: autoscalerConfig(t, nil), Deployment: dc}
	if in := NewInput(cfg, pa(), nil, nil, time.Now(), 0, Signal{}); in.Deadline != 150*time.Second {
		t.Errorf("NewInput(...).Deadline = %v, want 2m30s", in.Deadline)
	}
}

// TestEnabled: the zero path is read from the ScaledObject: the request
// trigger, by type and name, and minReplicaCount 0; a revision scaled on
// requests with pods to keep has the trigger but is not on the zero path.
func TestEnabled(t *testing.T) {
	so := func(min int32, triggers ...kedav1alpha1.ScaleTriggers) *kedav1alpha1.ScaledObject {
		return &kedav1alpha1.ScaledObject{Spec: kedav1alpha1.ScaledObjectSpec{MinReplicaCount: &min, Triggers: triggers}}
	}
	demand := kedav1alpha1.ScaleTriggers{Type: translate.DemandTriggerType, Name: translate.DemandTriggerName}
	for _, tc := range []struct {
		name                 string
		so                   *kedav1alpha1.ScaledObject
		wantEnabled, wantReq bool
	}{
		{"no ScaledObject", nil, false, false},
		{"a Prometheus trigger alone", so(0, kedav1alpha1.ScaleTriggers{Type: "prometheus"}), false, false},
		{"the request trigger beside it, min 0", so(0, kedav1alpha1.ScaleTriggers{Type: "prometheus"}, demand), true, true},
		{"the request trigger, min 1", so(1, demand), false, true},
		{"another external-push trigger", so(0, kedav1alpha1.ScaleTriggers{Type: translate.DemandTriggerType, Name: "mine"}), false, false},
	} {
		if got := Enabled(tc.so); got != tc.wantEnabled {
			t.Errorf("%s: Enabled() = %v, want %v", tc.name, got, tc.wantEnabled)
		}
		if got := HasRequestTrigger(tc.so); got != tc.wantReq {
			t.Errorf("%s: HasRequestTrigger() = %v, want %v", tc.name, got, tc.wantReq)
		}
	}
}
