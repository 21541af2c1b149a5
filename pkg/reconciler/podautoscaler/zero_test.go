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
	"testing"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	ktesting "k8s.io/client-go/testing"
	nv1alpha1 "knative.dev/networking/pkg/apis/networking/v1alpha1"
	"knative.dev/pkg/apis"
	"knative.dev/pkg/configmap"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/logging"
	"knative.dev/pkg/ptr"
	"knative.dev/serving/pkg/apis/autoscaling"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	apisconfig "knative.dev/serving/pkg/apis/config"
	servingclient "knative.dev/serving/pkg/client/injection/client"
	"knative.dev/serving/pkg/reconciler/serverlessservice/resources/names"

	"github.com/serving-keda/serving-keda/pkg/config"
	. "github.com/serving-keda/serving-keda/pkg/reconciler/testing"
	"github.com/serving-keda/serving-keda/pkg/scaletozero"

	. "knative.dev/pkg/reconciler/testing"
	. "knative.dev/serving/pkg/testing"
)

const testScalerAddress = "autoscaler-keda.knative-serving.svc:9443"

type demandKey struct{}

type signalKey struct{}

// withSignal is a row's context with the state of the activators' demand
// signal.
func withSignal(ctx context.Context, sig scaletozero.Signal) context.Context {
	return context.WithValue(ctx, signalKey{}, sig)
}

// withDemand is a row's context with the activators' concurrency for the
// test revision.
func withDemand(ctx context.Context, d float64) context.Context {
	return context.WithValue(ctx, demandKey{}, d)
}

// fixedDemand is a row's demand, signal and burst capacity.
type fixedDemand struct {
	demand float64
	signal scaletozero.Signal
	short  bool
}

func (f fixedDemand) Demand(types.NamespacedName) float64  { return f.demand }
func (f fixedDemand) Signal() scaletozero.Signal           { return f.signal }
func (f fixedDemand) BurstShort(types.NamespacedName) bool { return f.short }

func TestReconcileScaleToZero(t *testing.T) {
	now := time.Now()
	zeroAnns := map[string]string{autoscaling.MinScaleAnnotationKey: "0"}
	for k, v := range customMetric {
		zeroAnns[k] = v
	}
	// on: scale to zero on; target-burst-capacity 0, so the activator leaves
	// the path as soon as a pod is ready, as most rows assume (the burst
	// capacity rows below use Serving's default).
	onWith := func(autoscaler map[string]string) context.Context {
		return config.ToContext(context.Background(), testConfigWith(autoscaler, map[string]string{config.ActivatorScalerAddressKey: testScalerAddress}))
	}
	on := func() context.Context { return onWith(map[string]string{"target-burst-capacity": "0"}) }
	privateSvc := names.PrivateService(testRevision)
	ready := []PodAutoscalerOption{withAnnotations(zeroAnns), WithPASKSReady, WithPAStatusService(testRevision), WithPAMetricsService(privateSvc),
		WithScaleTargetInitialized, withSOReadyCondition}
	with := func(base []PodAutoscalerOption, more ...PodAutoscalerOption) []PodAutoscalerOption {
		return append(append([]PodAutoscalerOption{}, base...), more...)
	}
	// so is the ScaledObject of the revision: its Prometheus trigger, then
	// the demand trigger, minReplicaCount 0; KEDA Ready, Active as given.
	so := func(active metav1.ConditionStatus) *kedav1alpha1.ScaledObject {
		return scaledObject(pa(withAnnotations(zeroAnns)), withPromTrigger, withSOMin(0), func(so *kedav1alpha1.ScaledObject) {
			so.Spec.Triggers = append(so.Spec.Triggers, kedav1alpha1.ScaleTriggers{
				Type: "external-push", Name: "knative-requests",
				Metadata: map[string]string{"scalerAddress": testScalerAddress, "namespace": testNamespace, "revision": testRevision, "targetConcurrency": "70"},
			})
		}, withSOReady, withSOCondition(kedav1alpha1.ConditionActive, active, "", ""))
	}
	proxy := func(s *nv1alpha1.ServerlessService) {
		s.Spec.Mode = nv1alpha1.SKSOperationModeProxy
		s.Status.MarkActivatorEndpointsPopulated()
		EndpointsSince(s, now.Add(-time.Hour))
	}
	inactiveSince := func(reason string, ago time.Duration) PodAutoscalerOption {
		return func(p *autoscalingv1alpha1.PodAutoscaler) {
			p.Status.MarkInactive(reason, map[string]string{
				scaletozero.ReasonNoTraffic: "The target is not receiving traffic.",
				scaletozero.ReasonTimedOut:  "The target could not be activated.",
			}[reason])
			ActiveSince(p, now.Add(-ago))
		}
	}
	queuedSince := func(ago time.Duration) PodAutoscalerOption {
		return func(p *autoscalingv1alpha1.PodAutoscaler) {
			p.Status.MarkActivating(scaletozero.ReasonQueued, "Requests to the target are being buffered as resources are provisioned.")
			ActiveSince(p, now.Add(-ago))
		}
	}
	atZero := withDeploymentReplicas(0, 0)
	// activeFor: Active since long enough ago that the stable window is over.
	activeFor := func(ago time.Duration) PodAutoscalerOption {
		return func(p *autoscalingv1alpha1.PodAutoscaler) {
			p.Status.MarkActive()
			ActiveSince(p, now.Add(-ago))
		}
	}
	serving := activeFor(2 * time.Minute)

	table := TableTest{{
		Name: "serving while KEDA is active: Serve mode, Active, nothing written",
		Ctx:  on(),
		Objects: []runtime.Object{deployment(),
			pa(with(ready, serving, withScales(1, 1))...),
			so(metav1.ConditionTrue), hpa(withHPAReplicas(1, 1)), sks(WithSKSReady),
		},
		Key: key(),
	}, {
		Name: "KEDA sees the revision idle: SKS to Proxy, NoTraffic (the hold begins)",
		Ctx:  on(),
		Objects: []runtime.Object{deployment(),
			pa(with(ready, serving, withScales(1, 1))...),
			so(metav1.ConditionFalse), hpa(withHPAReplicas(1, 1)), sks(WithSKSReady),
		},
		Key:         key(),
		WantUpdates: []ktesting.UpdateActionImpl{{Object: sks(WithSKSReady, WithProxyMode)}},
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(with(ready, withScales(1, 1), inactiveSince(scaletozero.ReasonNoTraffic, 0))...),
		}},
	}, {
		Name: "idle, activator in the path, within the grace period: held (KEDA active is the hold), look again when it ends",
		Ctx:  on(),
		Objects: []runtime.Object{deployment(),
			pa(with(ready, withScales(1, 1), inactiveSince(scaletozero.ReasonNoTraffic, 10*time.Second))...),
			so(metav1.ConditionTrue), hpa(withHPAReplicas(1, 1)), sks(WithSKSReady, proxy),
		},
		Key:           key(),
		WantErr:       true,
		OtherTestData: map[string]interface{}{WantRequeueAfter: 20 * time.Second}, // the rest of scale-to-zero-grace-period
	}, {
		Name: "hold just ended, KEDA still active but not polled since: its Active is the hold's, stays idle, look again after KEDA's poll",
		Ctx:  on(),
		Objects: []runtime.Object{deployment(),
			pa(with(ready, withScales(1, 1), inactiveSince(scaletozero.ReasonNoTraffic, 35*time.Second))...),
			so(metav1.ConditionTrue), hpa(withHPAReplicas(1, 1)), sks(WithSKSReady, proxy),
		},
		Key:           key(),
		WantErr:       true,
		OtherTestData: map[string]interface{}{WantRequeueAfter: 25 * time.Second}, // the hold ended 5s ago; KEDA polls every 30s
	}, {
		Name: "idle past the grace period and KEDA's next poll, KEDA idle: stays in Proxy for KEDA to remove the last pod",
		Ctx:  on(),
		Objects: []runtime.Object{deployment(),
			pa(with(ready, withScales(1, 1), inactiveSince(scaletozero.ReasonNoTraffic, 2*time.Minute))...),
			so(metav1.ConditionFalse), hpa(withHPAReplicas(1, 1)), sks(WithSKSReady, proxy),
		},
		Key: key(),
	}, {
		Name: "idle past the hold, KEDA still active after its poll: the revision's own trigger, Serve and Active again",
		Ctx:  on(),
		Objects: []runtime.Object{deployment(),
			pa(with(ready, withScales(1, 1), inactiveSince(scaletozero.ReasonNoTraffic, 2*time.Minute))...),
			so(metav1.ConditionTrue), hpa(withHPAReplicas(1, 1)), sks(WithSKSReady, proxy),
		},
		Key:         key(),
		WantUpdates: []ktesting.UpdateActionImpl{{Object: sks(WithSKSReady, proxy, func(s *nv1alpha1.ServerlessService) { s.Spec.Mode = nv1alpha1.SKSOperationModeServe })}},
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(with(ready, withScales(1, 1), WithTraffic)...),
		}},
	}, {
		Name: "at zero without demand: nothing to do",
		Ctx:  on(),
		Objects: []runtime.Object{deployment(atZero),
			pa(with(ready, withScales(0, 0), inactiveSince(scaletozero.ReasonNoTraffic, 10*time.Minute))...),
			so(metav1.ConditionFalse), hpa(withHPAReplicas(1, 0)), sks(WithSKSReady, proxy),
		},
		Key: key(),
	}, {
		// Seen in make bench-coldstart with 25 services: KEDA's status writes
		// failed on a busy API server; trusting its stale Active=True marked
		// idle revisions at zero active, and their stable-window hold woke
		// them with no request.
		Name: "at zero without demand, KEDA's ScaledObject still (stale) Active: nothing to do, no wake",
		Ctx:  on(),
		Objects: []runtime.Object{deployment(atZero),
			pa(with(ready, withScales(0, 0), inactiveSince(scaletozero.ReasonNoTraffic, 10*time.Minute))...),
			so(metav1.ConditionTrue), hpa(withHPAReplicas(1, 0)), sks(WithSKSReady, proxy),
		},
		Key: key(),
	}, {
		Name: "at zero, requests held at the activator: Activating (Queued), still Proxy",
		Ctx:  withDemand(on(), 2),
		Objects: []runtime.Object{deployment(atZero),
			pa(with(ready, withScales(0, 0), inactiveSince(scaletozero.ReasonNoTraffic, 10*time.Minute))...),
			so(metav1.ConditionTrue), hpa(withHPAReplicas(1, 0)), sks(WithSKSReady, proxy),
		},
		Key:           key(),
		WantErr:       true,
		OtherTestData: map[string]interface{}{WantRequeueAfter: 131 * time.Second}, // just past the activation deadline: config-deployment's 100s + 30s
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(with(ready, withScales(0, 0), queuedSince(0))...),
		}},
	}, {
		Name: "activating, the first pod is ready: Serve mode, Active",
		Ctx:  withDemand(on(), 2),
		Objects: []runtime.Object{deployment(),
			pa(with(ready, withScales(0, 0), queuedSince(5*time.Second))...),
			so(metav1.ConditionTrue), hpa(withHPAReplicas(1, 1)), sks(WithSKSReady, proxy),
		},
		Key:         key(),
		WantUpdates: []ktesting.UpdateActionImpl{{Object: sks(WithSKSReady, proxy, func(s *nv1alpha1.ServerlessService) { s.Spec.Mode = nv1alpha1.SKSOperationModeServe })}},
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(with(ready, withScales(1, 1), WithTraffic)...),
		}},
	}, {
		Name: "activating past config-deployment's progress deadline (100s) and the KPA's 30s: TimedOut",
		Ctx:  withDemand(on(), 1),
		Objects: []runtime.Object{deployment(func(d *appsv1.Deployment) { d.Spec.Replicas = ptr.Int32(1); d.Status.ReadyReplicas = 0 }),
			pa(with(ready, withScales(1, 0), queuedSince(131*time.Second))...),
			so(metav1.ConditionTrue), hpa(withHPAReplicas(1, 0)), sks(WithSKSReady, proxy),
		},
		Key: key(),
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(with(ready, withScales(1, 0), inactiveSince(scaletozero.ReasonTimedOut, 0))...),
		}},
	}, {
		Name: "timed out, its pod still not ready, requests still held: stays TimedOut (released: KEDA takes it to zero), Proxy, nothing written",
		Ctx:  withDemand(on(), 1),
		Objects: []runtime.Object{deployment(func(d *appsv1.Deployment) { d.Spec.Replicas = ptr.Int32(1); d.Status.ReadyReplicas = 0 }),
			pa(with(ready, withScales(1, 0), inactiveSince(scaletozero.ReasonTimedOut, 10*time.Second))...),
			so(metav1.ConditionTrue), hpa(withHPAReplicas(1, 0)), sks(WithSKSReady, proxy),
		},
		Key: key(),
	}, {
		Name: "timed out and taken to zero, requests still held: activated afresh (Queued), as the KPA retries",
		Ctx:  withDemand(on(), 1),
		Objects: []runtime.Object{deployment(atZero),
			pa(with(ready, withScales(1, 0), inactiveSince(scaletozero.ReasonTimedOut, time.Minute))...),
			so(metav1.ConditionFalse), hpa(withHPAReplicas(1, 0)), sks(WithSKSReady, proxy),
		},
		Key:           key(),
		WantErr:       true,
		OtherTestData: map[string]interface{}{WantRequeueAfter: 131 * time.Second},
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(with(ready, withScales(0, 0), queuedSince(0))...),
		}},
	}}

	unreadable := scaletozero.Signal{State: scaletozero.SignalUnreadable, Reason: "cannot read the request metrics of activator http://10.0.0.5:9090/metrics: connection refused"}
	unreadableMsg := scaletozero.UnreadableMessage(unreadable.Reason)
	blocked := withCondition(scaletozero.ConditionScaleToZero, corev1.ConditionFalse, apis.ConditionSeverityWarning, scaletozero.ReasonActivatorMetricsUnavailable, unreadableMsg)
	table = append(table, TableRow{
		Name: "the activators' demand unreadable, KEDA sees the revision idle: it keeps its pod and serves, says why (condition and Event)",
		Ctx:  withSignal(on(), unreadable),
		Objects: []runtime.Object{deployment(),
			pa(with(ready, WithTraffic, withScales(1, 1))...),
			so(metav1.ConditionFalse), hpa(withHPAReplicas(1, 1)), sks(WithSKSReady),
		},
		Key: key(),
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(with(ready, WithTraffic, withScales(1, 1), blocked)...),
		}},
		WantEvents: []string{Eventf(corev1.EventTypeWarning, scaletozero.ReasonActivatorMetricsUnavailable, "%s", unreadableMsg)},
	}, TableRow{
		Name: "unreadable, already said: no second Event, nothing written",
		Ctx:  withSignal(on(), unreadable),
		Objects: []runtime.Object{deployment(),
			pa(with(ready, WithTraffic, withScales(1, 1), blocked)...),
			so(metav1.ConditionFalse), hpa(withHPAReplicas(1, 1)), sks(WithSKSReady),
		},
		Key: key(),
	}, TableRow{
		Name: "unreadable with the revision at zero: activating (the hold wakes it), Queued, says why",
		Ctx:  withSignal(on(), unreadable),
		Objects: []runtime.Object{deployment(atZero),
			pa(with(ready, withScales(0, 0), inactiveSince(scaletozero.ReasonNoTraffic, 10*time.Minute))...),
			so(metav1.ConditionTrue), hpa(withHPAReplicas(1, 0)), sks(WithSKSReady, proxy),
		},
		Key:           key(),
		WantErr:       true,
		OtherTestData: map[string]interface{}{WantRequeueAfter: 131 * time.Second},
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(with(ready, withScales(0, 0), queuedSince(0), blocked)...),
		}},
		WantEvents: []string{Eventf(corev1.EventTypeWarning, scaletozero.ReasonActivatorMetricsUnavailable, "%s", unreadableMsg)},
	}, TableRow{
		Name: "readable again: the condition goes, KEDA idle takes it to Proxy",
		Ctx:  withSignal(on(), scaletozero.Signal{State: scaletozero.SignalReadable}),
		Objects: []runtime.Object{deployment(),
			pa(with(ready, serving, withScales(1, 1), blocked)...),
			so(metav1.ConditionFalse), hpa(withHPAReplicas(1, 1)), sks(WithSKSReady),
		},
		Key:         key(),
		WantUpdates: []ktesting.UpdateActionImpl{{Object: sks(WithSKSReady, WithProxyMode)}},
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(with(ready, withScales(1, 1), inactiveSince(scaletozero.ReasonNoTraffic, 0))...),
		}},
	})

	// Issue 19, defect 3: KEDA's view of a revision it has just woken may
	// lag (its push path kept a stale copy in 2.19; its next poll comes a
	// polling interval later): within the stable window the revision stays
	// active, as with the KPA, and KEDA keeps its pods (the hold).
	table = append(table, TableRow{
		Name: "woken 5s ago, KEDA's Active still False, no demand (Serve): stays Active and in Serve, look again when the stable window ends",
		Ctx:  on(),
		Objects: []runtime.Object{deployment(),
			pa(with(ready, activeFor(5*time.Second), withScales(1, 1))...),
			so(metav1.ConditionFalse), hpa(withHPAReplicas(1, 1)), sks(WithSKSReady),
		},
		Key:           key(),
		WantErr:       true,
		OtherTestData: map[string]interface{}{WantRequeueAfter: 55 * time.Second},
	}, TableRow{
		Name: "stable window over 2s ago, KEDA Active (the hold's) not polled since: still Active, look again after KEDA's poll",
		Ctx:  on(),
		Objects: []runtime.Object{deployment(),
			pa(with(ready, activeFor(62*time.Second), withScales(1, 1))...),
			so(metav1.ConditionTrue), hpa(withHPAReplicas(1, 1)), sks(WithSKSReady),
		},
		Key:           key(),
		WantErr:       true,
		OtherTestData: map[string]interface{}{WantRequeueAfter: 28 * time.Second},
	})

	// Issue 19, defect 2: initial-scale 0 gets no pod. The revision is idle
	// from the start, KEDA's HPA or not, as with the KPA.
	initialZero := map[string]string{autoscaling.InitialScaleAnnotationKey: "0"}
	for k, v := range zeroAnns {
		initialZero[k] = v
	}
	allowZero := func() context.Context {
		cfg := testConfigWith(map[string]string{"allow-zero-initial-scale": "true"},
			map[string]string{config.ActivatorScalerAddressKey: testScalerAddress})
		// Serving's validation of the PA update reads its own copy.
		return apisconfig.ToContext(config.ToContext(context.Background(), cfg), &apisconfig.Config{Autoscaler: cfg.Autoscaler})
	}
	soZero := func(opts ...soOption) *kedav1alpha1.ScaledObject {
		return scaledObject(pa(withAnnotations(initialZero)), append([]soOption{withPromTrigger, withSOMin(0), func(so *kedav1alpha1.ScaledObject) {
			so.Spec.Triggers = append(so.Spec.Triggers, kedav1alpha1.ScaleTriggers{
				Type: "external-push", Name: "knative-requests",
				Metadata: map[string]string{"scalerAddress": testScalerAddress, "namespace": testNamespace, "revision": testRevision, "targetConcurrency": "70"},
			})
		}}, opts...)...)
	}
	table = append(table, TableRow{
		Name: "initial-scale 0, KEDA's HPA not there yet: NoTraffic at once, SKS in Proxy",
		Ctx:  allowZero(),
		Objects: []runtime.Object{deployment(atZero),
			pa(withAnnotations(initialZero)), soZero(),
		},
		Key:         key(),
		WantCreates: []runtime.Object{sksOf(pa(withAnnotations(initialZero)), WithProxyMode)},
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(withAnnotations(initialZero), withScales(0, 0), inactiveSince(scaletozero.ReasonNoTraffic, 0), WithPASKSNotReady("SKS Services are not ready yet")),
		}},
	}, TableRow{
		Name: "initial-scale 0, SKS ready: initialized at zero, still NoTraffic",
		Ctx:  allowZero(),
		Objects: []runtime.Object{deployment(atZero),
			pa(withAnnotations(initialZero), withScales(0, 0), inactiveSince(scaletozero.ReasonNoTraffic, 5*time.Second), WithPASKSNotReady("SKS Services are not ready yet")),
			soZero(withSOReady, withSOCondition(kedav1alpha1.ConditionActive, metav1.ConditionFalse, "", "")), hpa(withHPAReplicas(1, 0)),
			sksOf(pa(withAnnotations(initialZero)), WithSKSReady, WithProxyMode),
		},
		Key: key(),
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(withAnnotations(initialZero), withScales(0, 0), inactiveSince(scaletozero.ReasonNoTraffic, 5*time.Second), WithPASKSReady,
				WithPAStatusService(testRevision), WithPAMetricsService(privateSvc), WithScaleTargetInitialized, withSOReadyCondition),
		}},
	})

	// target-burst-capacity, as with the KPA: the activator leaves the path
	// only when the ready pods' capacity (containerConcurrency, else 100
	// each), less the requests in flight, covers it; -1 keeps it there.
	withReplicas := func(n int32) deploymentOption {
		return func(d *appsv1.Deployment) {
			d.Spec.Replicas = ptr.Int32(n)
			d.Status.Replicas, d.Status.ReadyReplicas = n, n
		}
	}
	table = append(table, TableRow{
		Name: "Serving's default target-burst-capacity (211), one ready pod: the activator stays in the path, Active",
		Ctx:  onWith(nil),
		Objects: []runtime.Object{deployment(),
			pa(with(ready, serving, withScales(1, 1))...),
			so(metav1.ConditionTrue), hpa(withHPAReplicas(1, 1)), sks(WithSKSReady),
		},
		Key:         key(),
		WantUpdates: []ktesting.UpdateActionImpl{{Object: sks(WithSKSReady, WithProxyMode)}},
	}, TableRow{
		Name: "burst capacity 211, three ready pods, 89 requests in flight: 300-211-89 = 0, the activator leaves the path",
		Ctx:  withDemand(onWith(nil), 89),
		Objects: []runtime.Object{deployment(withReplicas(3)),
			pa(with(ready, serving, withScales(3, 3))...),
			so(metav1.ConditionTrue), hpa(withHPAReplicas(3, 3)), sks(WithSKSReady, proxy),
		},
		Key:         key(),
		WantUpdates: []ktesting.UpdateActionImpl{{Object: sks(WithSKSReady, proxy, func(s *nv1alpha1.ServerlessService) { s.Spec.Mode = nv1alpha1.SKSOperationModeServe })}},
	}, TableRow{
		Name: "burst capacity 211, three ready pods, 90 requests in flight: stays in Proxy",
		Ctx:  withDemand(onWith(nil), 90),
		Objects: []runtime.Object{deployment(withReplicas(3)),
			pa(with(ready, serving, withScales(3, 3))...),
			so(metav1.ConditionTrue), hpa(withHPAReplicas(3, 3)), sks(WithSKSReady, proxy),
		},
		Key: key(),
	}, TableRow{
		Name: "target-burst-capacity -1, five ready pods: always through the activator",
		Ctx:  onWith(map[string]string{"target-burst-capacity": "-1"}),
		Objects: []runtime.Object{deployment(withReplicas(5)),
			pa(with(ready, serving, withScales(5, 5))...),
			so(metav1.ConditionTrue), hpa(withHPAReplicas(5, 5)), sks(WithSKSReady),
		},
		Key:         key(),
		WantUpdates: []ktesting.UpdateActionImpl{{Object: sks(WithSKSReady, WithProxyMode)}},
	})

	// On concurrency the decider's view counts too: in Serve mode the
	// activator sees none of the requests, the decider sees the pods'.
	// Burst capacity 20 and a target of 10: three ready pods cover it by
	// the activator's count (30-20-0), but not with the pods' load.
	concZero := map[string]string{autoscaling.MetricAnnotationKey: "concurrency", autoscaling.TargetAnnotationKey: "10", autoscaling.MinScaleAnnotationKey: "0"}
	readyConc := []PodAutoscalerOption{withAnnotations(concZero), WithPASKSReady, WithPAStatusService(testRevision), WithPAMetricsService(privateSvc),
		WithScaleTargetInitialized, withSOReadyCondition, serving, withScales(3, 3)}
	concSO := scaledObject(pa(withAnnotations(concZero)), withSOMin(0), withSOReady, withSOCondition(kedav1alpha1.ConditionActive, metav1.ConditionTrue, "", ""),
		withRequestsTrigger("concurrency"))
	burst20 := map[string]string{"target-burst-capacity": "20"}
	deciderShort := func(ctx context.Context) context.Context { return context.WithValue(ctx, burstKey{}, true) }
	table = append(table, TableRow{
		Name: "on concurrency, burst capacity 20, three pods of 10 ready, the decider finds them short: back to Proxy, Active",
		Ctx:  deciderShort(onWith(burst20)),
		Objects: []runtime.Object{deployment(withReplicas(3)),
			pa(readyConc...), concSO, hpa(withHPAReplicas(3, 3)), sks(WithSKSReady),
		},
		Key:         key(),
		WantUpdates: []ktesting.UpdateActionImpl{{Object: sks(WithSKSReady, WithProxyMode)}},
	}, TableRow{
		Name: "on concurrency, the same pods not short by the decider either: Serve, nothing written",
		Ctx:  onWith(burst20),
		Objects: []runtime.Object{deployment(withReplicas(3)),
			pa(readyConc...), concSO, hpa(withHPAReplicas(3, 3)), sks(WithSKSReady),
		},
		Key: key(),
	}, TableRow{
		Name: "on Prometheus, the decider's view of a concurrency it does not scale on is not used: Serve",
		Ctx:  deciderShort(onWith(burst20)),
		Objects: []runtime.Object{deployment(withReplicas(3)),
			pa(with(ready, serving, withScales(3, 3))...), so(metav1.ConditionTrue), hpa(withHPAReplicas(3, 3)), sks(WithSKSReady),
		},
		Key: key(),
	})

	// Scale to zero turned off while at zero (enable-scale-to-zero false):
	// KEDA brings min-scale 1 back, and the activator stays in the path
	// until that pod is ready, the PA Queued, as with the KPA; a switch to
	// Serve with no pod would leave the revision's requests with no one.
	off := func() context.Context {
		return config.ToContext(context.Background(), testConfigWith(map[string]string{"enable-scale-to-zero": "false"},
			map[string]string{config.ActivatorScalerAddressKey: testScalerAddress}))
	}
	floorOf1 := scaledObject(pa(withAnnotations(zeroAnns)), withPromTrigger, withSOReady,
		withSOCondition(kedav1alpha1.ConditionActive, metav1.ConditionTrue, "", ""))
	table = append(table, TableRow{
		Name: "scale to zero turned off while at zero: min-scale 1 to KEDA, SKS stays in Proxy, Queued; ScaleToZero no longer said",
		Ctx:  off(),
		Objects: []runtime.Object{deployment(withDeploymentReplicas(0, 0)),
			pa(with(ready, withScales(0, 0), inactiveSince(scaletozero.ReasonNoTraffic, 10*time.Minute), blocked)...),
			so(metav1.ConditionTrue), hpa(withHPAReplicas(1, 0)), sks(WithSKSReady, proxy),
		},
		Key:         key(),
		WantUpdates: []ktesting.UpdateActionImpl{{Object: floorOf1}},
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(with(ready, withScales(1, 0), queuedSince(0))...),
		}},
	}, TableRow{
		Name: "scale to zero off, the pod is ready: Serve, Active",
		Ctx:  off(),
		Objects: []runtime.Object{deployment(),
			pa(with(ready, withScales(1, 0), queuedSince(5*time.Second))...),
			floorOf1, hpa(withHPAReplicas(1, 1)), sks(WithSKSReady, proxy),
		},
		Key:         key(),
		WantUpdates: []ktesting.UpdateActionImpl{{Object: sks(WithSKSReady, proxy, func(s *nv1alpha1.ServerlessService) { s.Spec.Mode = nv1alpha1.SKSOperationModeServe })}},
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(with(ready, withScales(1, 1), WithTraffic)...),
		}},
	})

	table.Test(t, MakeFactory(func(ctx context.Context, l *Listers, _ configmap.Watcher) controller.Reconciler {
		r := newTestReconciler(ctx, l)
		r.clock = func() time.Time { return now }
		d, _ := ctx.Value(demandKey{}).(float64)
		sig, _ := ctx.Value(signalKey{}).(scaletozero.Signal)
		short, _ := ctx.Value(burstKey{}).(bool)
		r.zero = fixedDemand{demand: d, signal: sig, short: short}
		return newPAReconciler(ctx, logging.FromContext(ctx), servingclient.Get(ctx), l.GetPodAutoscalerLister(),
			controller.GetEventRecorder(ctx), r, autoscaling.HPA, controller.Options{ConfigStore: &testConfigStore{}})
	}))
}
