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
	"fmt"
	"math"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrs "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"knative.dev/pkg/apis"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/ptr"

	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/pkg/demand"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	nv1alpha1 "knative.dev/networking/pkg/apis/networking/v1alpha1"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	"knative.dev/serving/pkg/autoscaler/config/autoscalerconfig"
	aresources "knative.dev/serving/pkg/reconciler/autoscaling/resources"
)

// Scale to zero through the activator (docs/scale-to-zero.md), with the
// KPA's rules and reasons: the SKS is in Proxy mode whenever the revision
// should not run or has no ready pod, in Serve mode otherwise; the PA is
// Active=False NoTraffic when idle, Unknown Queued while activating, True
// when serving, False TimedOut when its pods never come.
const (
	ReasonNoTraffic = "NoTraffic"
	ReasonQueued    = "Queued"
	ReasonTimedOut  = "TimedOut"
)

// defaultProgressDeadline is Serving's config-deployment progress-deadline
// default; activationTimeoutBuffer the KPA's margin on it (30 s in Serving
// v0.48 and v0.50: the Revision reconciler reports the pods' failure
// first).
const (
	defaultProgressDeadline = 600 * time.Second
	activationTimeoutBuffer = 30 * time.Second
)

// kedaDefaultPollingInterval is KEDA's pollingInterval when unset.
const kedaDefaultPollingInterval = 30 * time.Second

// idleWindow is how long a revision stays idle, with the activator in its
// path, before KEDA may remove its last pod: the KPA's lastPodMaxTimeout.
// A revision the Route no longer reaches keeps no pod for retention, as
// with the KPA.
func idleWindow(pa *autoscalingv1alpha1.PodAutoscaler, as *autoscalerconfig.Config) time.Duration {
	retention := as.ScaleToZeroPodRetentionPeriod
	if d, ok := pa.ScaleToZeroPodRetention(); ok {
		retention = d
	}
	if pa.Spec.Reachability == autoscalingv1alpha1.ReachabilityUnreachable {
		retention = 0
	}
	return max(as.ScaleToZeroGracePeriod, retention)
}

// HoldInput is what Hold decides from besides the PA and its SKS.
type HoldInput struct {
	Now time.Time
	// Window is idleWindow: how long an idle revision keeps its last pod
	// with the activator in its path. Grace is scale-to-zero-grace-period:
	// how long, at least, the activator's endpoints must have been in the
	// path. StableWindow is the KPA's stable window: how long a revision
	// stays active once it is.
	Window, Grace, StableWindow time.Duration
	// Unreadable: the activators' demand cannot be read.
	Unreadable bool
	// InitialTarget is initialTarget: what a new revision must reach.
	InitialTarget int32
	// Replicas is the Deployment's spec.replicas; -1 when unknown.
	Replicas int32
}

// Hold reports whether the demand trigger must stay active so that KEDA
// keeps the revision's pods, and when the hold ends by itself (zero when
// only a change of state ends it). It reads API state and the demand
// signal's state only, so every replica of the controller answers KEDA
// alike. It holds:
//   - while the activators' demand cannot be read: a request held at zero
//     would wake nothing, so no revision goes there (and one at zero is
//     woken);
//   - never otherwise at zero replicas: there is no pod to keep, and only
//     demand may wake the revision;
//   - until a new revision first reaches its initial scale, unless that is
//     zero (Serving's readiness of a new revision needs it);
//   - while it is active, for the stable window since it became so: the
//     KPA deactivates nothing sooner, and KEDA's view of a revision it has
//     just woken may lag;
//   - once it is idle (Active=False NoTraffic), until the SKS is in Proxy
//     mode with the activator's endpoints in place, the revision has been
//     idle for Window, and the endpoints in place for Grace (the grace
//     period counts time actually behind the activator).
func Hold(pa *autoscalingv1alpha1.PodAutoscaler, sks *nv1alpha1.ServerlessService, in HoldInput) (bool, time.Time) {
	switch {
	case in.Unreadable:
		return true, time.Time{}
	case in.Replicas == 0:
		return false, time.Time{}
	case !pa.Status.IsScaleTargetInitialized():
		return in.InitialTarget > 0, time.Time{}
	}
	active := pa.Status.GetCondition(autoscalingv1alpha1.PodAutoscalerConditionActive)
	switch {
	case active == nil:
		return false, time.Time{}
	case active.IsTrue():
		end := active.LastTransitionTime.Inner.Add(in.StableWindow)
		return in.Now.Before(end), end
	case !active.IsFalse() || active.Reason != ReasonNoTraffic:
		return false, time.Time{}
	case sks == nil || sks.Spec.Mode != nv1alpha1.SKSOperationModeProxy ||
		!sks.Status.GetCondition(nv1alpha1.ActivatorEndpointsPopulated).IsTrue():
		return true, time.Time{}
	}
	end := active.LastTransitionTime.Inner.Add(in.Window)
	if proxied := sks.Status.GetCondition(nv1alpha1.ActivatorEndpointsPopulated).LastTransitionTime.Inner.Add(in.Grace); proxied.After(end) {
		end = proxied
	}
	return in.Now.Before(end), end
}

// zeroState is what a scale-to-zero revision's mode and Active condition
// are decided from.
type zeroState struct {
	hold HoldInput
	// demand: the requests the activator holds or forwards for the revision.
	demand float64
	// burst is the revision's target-burst-capacity; perPod the requests
	// one pod takes (containerConcurrency, else the default).
	burst, perPod float64
	// kedaActive: KEDA's ScaledObject says some trigger is active; while the
	// hold is on (and for a polling interval after it), that may be the
	// hold itself, and proves nothing.
	kedaActive bool
	// ready pods of the revision.
	ready int32
	// polling is KEDA's polling interval for the revision.
	polling time.Duration
	// deadline is the activation timeout.
	deadline time.Duration
}

// zeroDecision is the outcome: the SKS mode, and after how long to look
// again (zero: no need).
type zeroDecision struct {
	mode    nv1alpha1.ServerlessServiceOperationMode
	requeue time.Duration
}

// decideZero sets pa's Active condition and returns the SKS mode.
func decideZero(pa *autoscalingv1alpha1.PodAutoscaler, sks *nv1alpha1.ServerlessService, st zeroState) zeroDecision {
	var out zeroDecision
	now := st.hold.Now
	hold, end := Hold(pa, sks, st.hold)
	// KEDA's Active is its own again once a hold that ended by itself has
	// been over for one of KEDA's polls; until then the revision keeps its
	// state.
	settled := !hold && (end.IsZero() || !now.Before(end.Add(st.polling)))
	switch {
	case hold && !end.IsZero():
		out.requeue = end.Sub(now)
	case !hold && !settled:
		out.requeue = end.Add(st.polling).Sub(now)
	}
	var want bool
	switch {
	case st.demand > 0 || st.hold.Unreadable:
		want = true
	case !pa.Status.IsScaleTargetInitialized():
		// A new revision activates to its initial scale; with none it is
		// idle at once, as with the KPA.
		want = st.hold.InitialTarget > 0
	case !settled:
		want = pa.Status.IsActive()
	default:
		want = st.kedaActive
	}

	active := pa.Status.GetCondition(autoscalingv1alpha1.PodAutoscalerConditionActive)
	timedOut := active != nil && active.IsFalse() && active.Reason == ReasonTimedOut
	switch {
	case want && st.ready > 0:
		out.mode = nv1alpha1.SKSOperationModeServe
		if !st.enoughBurstCapacity() {
			out.mode = nv1alpha1.SKSOperationModeProxy
		}
		pa.Status.MarkActive()
	case want && timedOut:
		// It stays timed out until a pod is ready: KEDA keeps trying.
		out.mode = nv1alpha1.SKSOperationModeProxy
	case want:
		out.mode = nv1alpha1.SKSOperationModeProxy
		if pa.Status.CanFailActivation(now, st.deadline) {
			pa.Status.MarkInactive(ReasonTimedOut, "The target could not be activated.")
		} else {
			// Look again just past the moment the activation would time out.
			left := st.deadline
			if pa.Status.IsActivating() {
				since := pa.Status.GetCondition(autoscalingv1alpha1.PodAutoscalerConditionActive)
				left = since.LastTransitionTime.Inner.Add(st.deadline).Sub(now)
			}
			pa.Status.MarkActivating(ReasonQueued, "Requests to the target are being buffered as resources are provisioned.")
			if left > 0 && (out.requeue == 0 || left < out.requeue) {
				out.requeue = left + time.Second
			}
		}
	default:
		out.mode = nv1alpha1.SKSOperationModeProxy
		if !pa.Status.IsInactive() || timedOut {
			pa.Status.MarkInactive(ReasonNoTraffic, "The target is not receiving traffic.")
		}
	}
	return out
}

// holdInput is Hold's input for pa, whose Deployment is d (nil: unknown),
// with config-autoscaler from ctx.
func holdInput(ctx context.Context, pa *autoscalingv1alpha1.PodAutoscaler, d *appsv1.Deployment, now time.Time, unreadable bool) HoldInput {
	as := config.FromContext(ctx).Autoscaler
	in := HoldInput{
		Now: now, Window: idleWindow(pa, as), Grace: as.ScaleToZeroGracePeriod, StableWindow: aresources.StableWindow(pa, as),
		Unreadable: unreadable, InitialTarget: initialTarget(ctx, pa), Replicas: -1,
	}
	if d != nil && d.Spec.Replicas != nil {
		in.Replicas = *d.Spec.Replicas
	}
	return in
}

// enoughBurstCapacity is the KPA's rule for taking the activator out of
// the path: the ready pods' capacity, less the requests in flight (those
// the activator sees), covers target-burst-capacity; 0 always, -1 never.
// In Serve mode the activator sees no request, so the revision returns to
// Proxy when its ready pods no longer cover the burst capacity, not when
// load rises.
func (st zeroState) enoughBurstCapacity() bool {
	switch {
	case st.burst == 0:
		return true
	case st.burst < 0:
		return false
	}
	return math.Floor(float64(st.ready)*st.perPod-st.burst-st.demand) >= 0
}

// burstCapacity is pa's target-burst-capacity, and the requests one of its
// pods takes, as Serving's KPA resolves them for a concurrency metric.
func burstCapacity(pa *autoscalingv1alpha1.PodAutoscaler, as *autoscalerconfig.Config) (burst, perPod float64) {
	burst = as.TargetBurstCapacity
	if v, ok := pa.TargetBC(); ok {
		burst = v
	}
	perPod = float64(pa.Spec.ContainerConcurrency)
	if perPod == 0 {
		perPod = as.ContainerConcurrencyTargetDefault
	}
	return burst, perPod
}

// activationDeadline is the KPA's activation timeout: the revision's
// progress deadline plus a margin.
func activationDeadline(pa *autoscalingv1alpha1.PodAutoscaler) time.Duration {
	if d, ok := pa.ProgressDeadline(); ok {
		return d + activationTimeoutBuffer
	}
	return defaultProgressDeadline + activationTimeoutBuffer
}

// pollingInterval is KEDA's polling interval for so.
func pollingInterval(so *kedav1alpha1.ScaledObject) time.Duration {
	if so != nil && so.Spec.PollingInterval != nil {
		return time.Duration(*so.Spec.PollingInterval) * time.Second
	}
	return kedaDefaultPollingInterval
}

// kedaActive reads KEDA's Active condition of so.
func kedaActive(so *kedav1alpha1.ScaledObject) bool {
	return so != nil && find(so.Status.Conditions, kedav1alpha1.ConditionActive).Status == metav1.ConditionTrue
}

// reconcileZero manages a scale-to-zero revision's SKS and status: the
// KPA's way, with KEDA deciding the replicas.
func (r *Reconciler) reconcileZero(ctx context.Context, pa *autoscalingv1alpha1.PodAutoscaler, so *kedav1alpha1.ScaledObject,
	d *appsv1.Deployment, scale *scaleSource) error {
	var ready int32
	if d != nil {
		ready = d.Status.ReadyReplicas
	}
	current, err := r.SKSLister.ServerlessServices(pa.Namespace).Get(pa.Name)
	if err != nil && !apierrs.IsNotFound(err) {
		return fmt.Errorf("failed to get SKS %q: %w", pa.Name, err)
	}
	if current != nil && current.IsReady() && current.Status.ServiceName != "" && !pa.Status.IsScaleTargetInitialized() &&
		ready >= initialTarget(ctx, pa) {
		pa.Status.MarkScaleTargetInitialized()
	}
	demand := 0.0
	if r.demand != nil {
		demand = r.demand(types.NamespacedName{Namespace: pa.Namespace, Name: pa.Name})
	}
	unreadable := r.markDemandSignal(ctx, pa)
	burst, perPod := burstCapacity(pa, config.FromContext(ctx).Autoscaler)
	dec := decideZero(pa, current, zeroState{
		hold:       holdInput(ctx, pa, d, r.now(), unreadable),
		demand:     demand,
		burst:      burst,
		perPod:     perPod,
		kedaActive: kedaActive(so),
		ready:      ready,
		polling:    pollingInterval(so),
		deadline:   activationDeadline(pa),
	})
	sks, err := r.ReconcileSKS(ctx, pa, dec.mode, 0) // 0: every activator
	if apierrs.IsAlreadyExists(err) {
		return controller.NewRequeueAfter(time.Second)
	} else if err != nil {
		return fmt.Errorf("error reconciling SKS: %w", err)
	}
	pa.Status.MetricsServiceName = sks.Status.PrivateServiceName
	pa.Status.ServiceName = sks.Status.ServiceName
	if sks.IsReady() {
		pa.Status.MarkSKSReady()
	} else {
		pa.Status.MarkSKSNotReady("SKS Services are not ready yet")
	}
	pa.Status.ActualScale = ptr.Int32(ready)
	if scale != nil && scale.known {
		pa.Status.DesiredScale = ptr.Int32(scale.desired)
	}
	if d != nil && ptr.Int32Value(d.Spec.Replicas) == 0 {
		pa.Status.DesiredScale = ptr.Int32(0)
	}
	if dec.requeue > 0 {
		return controller.NewRequeueAfter(dec.requeue)
	}
	return nil
}

// ConditionScaleToZero is False, with ReasonActivatorMetricsUnavailable,
// while a min-scale "0" revision keeps a pod because the activators'
// demand cannot be read; absent otherwise.
const ConditionScaleToZero apis.ConditionType = "ScaleToZero"

// ReasonActivatorMetricsUnavailable: the activators' request metrics
// cannot be read (Serving's default config-observability serves none).
const ReasonActivatorMetricsUnavailable = "ActivatorMetricsUnavailable"

// markDemandSignal sets ConditionScaleToZero from the demand signal, with
// a Warning Event when it turns False, and reports whether the signal is
// unreadable. An unknown signal (starting up) changes nothing.
func (r *Reconciler) markDemandSignal(ctx context.Context, pa *autoscalingv1alpha1.PodAutoscaler) bool {
	if r.signal == nil {
		return false
	}
	sig := r.signal()
	m := pa.GetConditionSet().Manage(&pa.Status)
	switch sig.State {
	case demand.SignalUnreadable:
		msg := UnreadableMessage(sig.Reason)
		was := pa.Status.GetCondition(ConditionScaleToZero)
		m.SetCondition(apis.Condition{
			Type: ConditionScaleToZero, Status: corev1.ConditionFalse, Severity: apis.ConditionSeverityWarning,
			Reason: ReasonActivatorMetricsUnavailable, Message: msg,
		})
		if was == nil || !was.IsFalse() || was.Reason != ReasonActivatorMetricsUnavailable {
			controller.GetEventRecorder(ctx).Event(pa, corev1.EventTypeWarning, ReasonActivatorMetricsUnavailable, msg)
		}
		return true
	case demand.SignalReadable:
		m.ClearCondition(ConditionScaleToZero) //nolint:errcheck // only fails for the happy condition
	}
	return false
}

// UnreadableMessage says why a revision keeps a pod while the activators'
// demand cannot be read, and what to change.
func UnreadableMessage(reason string) string {
	return "min-scale \"0\" is not applied, the revision keeps one pod: this controller " + reason +
		", so a request the activator holds would not wake the revision. Set metrics-protocol: prometheus " +
		"in config-observability (Knative Serving's namespace; its default, none, serves no metrics) and restart the activator"
}
