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
	fakek8s "k8s.io/client-go/kubernetes/fake"
	ktesting "k8s.io/client-go/testing"
	nv1alpha1 "knative.dev/networking/pkg/apis/networking/v1alpha1"
	"knative.dev/pkg/apis"
	"knative.dev/pkg/configmap"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/logging"
	"knative.dev/pkg/ptr"
	"knative.dev/pkg/system"
	"knative.dev/serving/pkg/apis/autoscaling"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	apisconfig "knative.dev/serving/pkg/apis/config"
	servingclient "knative.dev/serving/pkg/client/injection/client"
	pareconciler "knative.dev/serving/pkg/client/injection/reconciler/autoscaling/v1alpha1/podautoscaler"
	"knative.dev/serving/pkg/reconciler/serverlessservice/resources/names"

	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/pkg/demand"
	. "github.com/serving-keda/serving-keda/pkg/reconciler/testing"

	. "knative.dev/pkg/reconciler/testing"
	. "knative.dev/serving/pkg/testing"
)

const testScalerAddress = "autoscaler-keda.knative-serving.svc:9443"

type demandKey struct{}

type signalKey struct{}

// withSignal is a row's context with the state of the activators' demand
// signal.
func withSignal(ctx context.Context, sig demand.Signal) context.Context {
	return context.WithValue(ctx, signalKey{}, sig)
}

// withDemand is a row's context with the activators' concurrency for the
// test revision.
func withDemand(ctx context.Context, d float64) context.Context {
	return context.WithValue(ctx, demandKey{}, d)
}

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
				Type: "external-push", Name: "activator-demand",
				Metadata: map[string]string{"scalerAddress": testScalerAddress, "namespace": testNamespace, "revision": testRevision, "targetConcurrency": "70"},
			})
		}, withSOReady, withSOCondition(kedav1alpha1.ConditionActive, active, "", ""))
	}
	proxy := func(s *nv1alpha1.ServerlessService) {
		s.Spec.Mode = nv1alpha1.SKSOperationModeProxy
		s.Status.MarkActivatorEndpointsPopulated()
		endpointsSince(s, now.Add(-time.Hour))
	}
	inactiveSince := func(reason string, ago time.Duration) PodAutoscalerOption {
		return func(p *autoscalingv1alpha1.PodAutoscaler) {
			p.Status.MarkInactive(reason, map[string]string{
				ReasonNoTraffic: "The target is not receiving traffic.",
				ReasonTimedOut:  "The target could not be activated.",
			}[reason])
			activeSince(p, now.Add(-ago))
		}
	}
	queuedSince := func(ago time.Duration) PodAutoscalerOption {
		return func(p *autoscalingv1alpha1.PodAutoscaler) {
			p.Status.MarkActivating(ReasonQueued, "Requests to the target are being buffered as resources are provisioned.")
			activeSince(p, now.Add(-ago))
		}
	}
	atZero := withDeploymentReplicas(0, 0)
	// activeFor: Active since long enough ago that the stable window is over.
	activeFor := func(ago time.Duration) PodAutoscalerOption {
		return func(p *autoscalingv1alpha1.PodAutoscaler) {
			p.Status.MarkActive()
			activeSince(p, now.Add(-ago))
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
			Object: pa(with(ready, withScales(1, 1), inactiveSince(ReasonNoTraffic, 0))...),
		}},
	}, {
		Name: "idle, activator in the path, within the grace period: held (KEDA active is the hold), look again when it ends",
		Ctx:  on(),
		Objects: []runtime.Object{deployment(),
			pa(with(ready, withScales(1, 1), inactiveSince(ReasonNoTraffic, 10*time.Second))...),
			so(metav1.ConditionTrue), hpa(withHPAReplicas(1, 1)), sks(WithSKSReady, proxy),
		},
		Key:           key(),
		WantErr:       true,
		OtherTestData: map[string]interface{}{WantRequeueAfter: 20 * time.Second}, // the rest of scale-to-zero-grace-period
	}, {
		Name: "hold just ended, KEDA still active but not polled since: its Active is the hold's, stays idle, look again after KEDA's poll",
		Ctx:  on(),
		Objects: []runtime.Object{deployment(),
			pa(with(ready, withScales(1, 1), inactiveSince(ReasonNoTraffic, 35*time.Second))...),
			so(metav1.ConditionTrue), hpa(withHPAReplicas(1, 1)), sks(WithSKSReady, proxy),
		},
		Key:           key(),
		WantErr:       true,
		OtherTestData: map[string]interface{}{WantRequeueAfter: 25 * time.Second}, // the hold ended 5s ago; KEDA polls every 30s
	}, {
		Name: "idle past the grace period and KEDA's next poll, KEDA idle: stays in Proxy for KEDA to remove the last pod",
		Ctx:  on(),
		Objects: []runtime.Object{deployment(),
			pa(with(ready, withScales(1, 1), inactiveSince(ReasonNoTraffic, 2*time.Minute))...),
			so(metav1.ConditionFalse), hpa(withHPAReplicas(1, 1)), sks(WithSKSReady, proxy),
		},
		Key: key(),
	}, {
		Name: "idle past the hold, KEDA still active after its poll: the revision's own trigger, Serve and Active again",
		Ctx:  on(),
		Objects: []runtime.Object{deployment(),
			pa(with(ready, withScales(1, 1), inactiveSince(ReasonNoTraffic, 2*time.Minute))...),
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
			pa(with(ready, withScales(0, 0), inactiveSince(ReasonNoTraffic, 10*time.Minute))...),
			so(metav1.ConditionFalse), hpa(withHPAReplicas(1, 0)), sks(WithSKSReady, proxy),
		},
		Key: key(),
	}, {
		Name: "at zero, requests held at the activator: Activating (Queued), still Proxy",
		Ctx:  withDemand(on(), 2),
		Objects: []runtime.Object{deployment(atZero),
			pa(with(ready, withScales(0, 0), inactiveSince(ReasonNoTraffic, 10*time.Minute))...),
			so(metav1.ConditionTrue), hpa(withHPAReplicas(1, 0)), sks(WithSKSReady, proxy),
		},
		Key:           key(),
		WantErr:       true,
		OtherTestData: map[string]interface{}{WantRequeueAfter: activationDeadline(pa()) + time.Second}, // just past the activation deadline
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
		Name: "activating past the progress deadline: TimedOut",
		Ctx:  withDemand(on(), 1),
		Objects: []runtime.Object{deployment(func(d *appsv1.Deployment) { d.Spec.Replicas = ptr.Int32(1); d.Status.ReadyReplicas = 0 }),
			pa(with(ready, withScales(1, 0), queuedSince(11*time.Minute))...),
			so(metav1.ConditionTrue), hpa(withHPAReplicas(1, 0)), sks(WithSKSReady, proxy),
		},
		Key: key(),
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(with(ready, withScales(1, 0), inactiveSince(ReasonTimedOut, 0))...),
		}},
	}}

	unreadable := demand.Signal{State: demand.SignalUnreadable, Reason: "cannot read the request metrics of activator http://10.0.0.5:9090/metrics: connection refused"}
	unreadableMsg := UnreadableMessage(unreadable.Reason)
	blocked := withCondition(ConditionScaleToZero, corev1.ConditionFalse, apis.ConditionSeverityWarning, ReasonActivatorMetricsUnavailable, unreadableMsg)
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
		WantEvents: []string{Eventf(corev1.EventTypeWarning, ReasonActivatorMetricsUnavailable, "%s", unreadableMsg)},
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
			pa(with(ready, withScales(0, 0), inactiveSince(ReasonNoTraffic, 10*time.Minute))...),
			so(metav1.ConditionTrue), hpa(withHPAReplicas(1, 0)), sks(WithSKSReady, proxy),
		},
		Key:           key(),
		WantErr:       true,
		OtherTestData: map[string]interface{}{WantRequeueAfter: activationDeadline(pa()) + time.Second},
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(with(ready, withScales(0, 0), queuedSince(0), blocked)...),
		}},
		WantEvents: []string{Eventf(corev1.EventTypeWarning, ReasonActivatorMetricsUnavailable, "%s", unreadableMsg)},
	}, TableRow{
		Name: "readable again: the condition goes, KEDA idle takes it to Proxy",
		Ctx:  withSignal(on(), demand.Signal{State: demand.SignalReadable}),
		Objects: []runtime.Object{deployment(),
			pa(with(ready, serving, withScales(1, 1), blocked)...),
			so(metav1.ConditionFalse), hpa(withHPAReplicas(1, 1)), sks(WithSKSReady),
		},
		Key:         key(),
		WantUpdates: []ktesting.UpdateActionImpl{{Object: sks(WithSKSReady, WithProxyMode)}},
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(with(ready, withScales(1, 1), inactiveSince(ReasonNoTraffic, 0))...),
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
				Type: "external-push", Name: "activator-demand",
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
			Object: pa(withAnnotations(initialZero), withScales(0, 0), inactiveSince(ReasonNoTraffic, 0), WithPASKSNotReady("SKS Services are not ready yet")),
		}},
	}, TableRow{
		Name: "initial-scale 0, SKS ready: initialized at zero, still NoTraffic",
		Ctx:  allowZero(),
		Objects: []runtime.Object{deployment(atZero),
			pa(withAnnotations(initialZero), withScales(0, 0), inactiveSince(ReasonNoTraffic, 5*time.Second), WithPASKSNotReady("SKS Services are not ready yet")),
			soZero(withSOReady, withSOCondition(kedav1alpha1.ConditionActive, metav1.ConditionFalse, "", "")), hpa(withHPAReplicas(1, 0)),
			sksOf(pa(withAnnotations(initialZero)), WithSKSReady, WithProxyMode),
		},
		Key: key(),
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(withAnnotations(initialZero), withScales(0, 0), inactiveSince(ReasonNoTraffic, 5*time.Second), WithPASKSReady,
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
			pa(with(ready, withScales(0, 0), inactiveSince(ReasonNoTraffic, 10*time.Minute), blocked)...),
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
		r.demand = func(types.NamespacedName) float64 { return d }
		sig, _ := ctx.Value(signalKey{}).(demand.Signal)
		r.signal = func() demand.Signal { return sig }
		return pareconciler.NewReconciler(ctx, logging.FromContext(ctx), servingclient.Get(ctx), l.GetPodAutoscalerLister(),
			controller.GetEventRecorder(ctx), r, autoscaling.HPA, controller.Options{ConfigStore: &testConfigStore{}})
	}))
}

// endpointsSince sets when the SKS's activator endpoints were populated.
func endpointsSince(s *nv1alpha1.ServerlessService, t time.Time) {
	for i := range s.Status.Conditions {
		if s.Status.Conditions[i].Type == nv1alpha1.ActivatorEndpointsPopulated {
			s.Status.Conditions[i].LastTransitionTime = apis.VolatileTime{Inner: metav1.NewTime(t)}
		}
	}
}

// activeSince sets when the Active condition last changed (GetCondition
// returns a copy).
func activeSince(p *autoscalingv1alpha1.PodAutoscaler, t time.Time) {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == autoscalingv1alpha1.PodAutoscalerConditionActive {
			p.Status.Conditions[i].LastTransitionTime = apis.VolatileTime{Inner: metav1.NewTime(t)}
		}
	}
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
			activeSince(p, now.Add(-d))
		}
	}
	activeFor := func(d time.Duration) PodAutoscalerOption {
		return func(p *autoscalingv1alpha1.PodAutoscaler) {
			p.Status.MarkActive()
			activeSince(p, now.Add(-d))
		}
	}
	serve := func(s *nv1alpha1.ServerlessService) { s.Spec.Mode = nv1alpha1.SKSOperationModeServe }
	proxy := func(s *nv1alpha1.ServerlessService) { s.Spec.Mode = nv1alpha1.SKSOperationModeProxy }
	endpoints := func(s *nv1alpha1.ServerlessService) {
		s.Status.MarkActivatorEndpointsPopulated()
		endpointsSince(s, now.Add(-time.Hour))
	}
	noEndpoints := func(s *nv1alpha1.ServerlessService) { s.Status.MarkActivatorEndpointsRemoved() }

	tests := []struct {
		name       string
		pa         *autoscalingv1alpha1.PodAutoscaler
		sks        *nv1alpha1.ServerlessService
		unreadable bool
		in         func(*HoldInput)
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
		in:   func(in *HoldInput) { in.InitialTarget, in.Replicas = 0, 0 },
	}, {
		name: "at zero replicas, idle past the window in Serve: nothing to keep, no hold (KEDA would wake it)",
		pa:   pa(initialized, idleFor(time.Hour)),
		sks:  sks(WithSKSReady, serve),
		in:   func(in *HoldInput) { in.Replicas = 0 },
	}, {
		name:       "at zero replicas, the activators' demand unreadable: held, so KEDA wakes it to one pod",
		pa:         pa(initialized, idleFor(time.Hour)),
		sks:        sks(WithSKSReady, proxy, endpoints),
		unreadable: true,
		in:         func(in *HoldInput) { in.Replicas = 0 },
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
			endpointsSince(s, now.Add(-2*time.Second))
		}),
		in:       func(in *HoldInput) { in.Grace = 30 * time.Second },
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
			in := HoldInput{Now: now, Window: window, StableWindow: time.Minute, Unreadable: tc.unreadable, InitialTarget: 1, Replicas: 1}
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
			w := demandWiring{kube: fakek8s.NewClientset(tc.objs...)}
			if got := w.observabilitySetting(context.Background()); got != tc.want {
				t.Errorf("observabilitySetting() = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestIdleWindow: the last pod stays max(grace period, pod retention); a
// revision the Route no longer reaches keeps none for retention, as with
// the KPA.
func TestIdleWindow(t *testing.T) {
	as := testConfigWith(map[string]string{"scale-to-zero-grace-period": "30s"}, nil).Autoscaler
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
	as := testConfigWith(map[string]string{"target-burst-capacity": "150", "container-concurrency-target-default": "80"}, nil).Autoscaler
	p := pa()
	if b, per := burstCapacity(p, as); b != 150 || per != 80 {
		t.Errorf("burstCapacity(defaults) = %v, %v; want 150, 80", b, per)
	}
	p = pa(withAnnotations(map[string]string{autoscaling.TargetBurstCapacityKey: "-1"}))
	p.Spec.ContainerConcurrency = 10
	if b, per := burstCapacity(p, as); b != -1 || per != 10 {
		t.Errorf("burstCapacity(annotation -1, containerConcurrency 10) = %v, %v; want -1, 10", b, per)
	}
}
