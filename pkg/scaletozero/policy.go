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
	"math"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	nv1alpha1 "knative.dev/networking/pkg/apis/networking/v1alpha1"
	"knative.dev/pkg/apis"
	"knative.dev/pkg/controller"
	"knative.dev/serving/pkg/apis/autoscaling"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	"knative.dev/serving/pkg/autoscaler/config/autoscalerconfig"
	"knative.dev/serving/pkg/deployment"
	aresources "knative.dev/serving/pkg/reconciler/autoscaling/resources"

	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/pkg/translate"
)

// The KPA's reasons on the Active condition of a revision that scales to
// zero: False NoTraffic when idle, Unknown Queued while activating, False
// TimedOut when its pods never come.
const (
	ReasonNoTraffic = "NoTraffic"
	ReasonQueued    = "Queued"
	ReasonTimedOut  = "TimedOut"
)

// activationTimeoutBuffer is the KPA's margin on the progress deadline (30 s
// in Serving v0.48 and v0.50: the Revision reconciler reports the pods'
// failure first).
const activationTimeoutBuffer = 30 * time.Second

// kedaDefaultPollingInterval is KEDA's pollingInterval when unset.
const kedaDefaultPollingInterval = 30 * time.Second

// Enabled reports whether so's revision is on the zero path: it carries
// the request trigger and KEDA may take it to zero. The translation
// decides that once (translate.ScaleToZero); everything else reads it
// here, from the ScaledObject the reconciler wants or the one KEDA has.
func Enabled(so *kedav1alpha1.ScaledObject) bool {
	return HasRequestTrigger(so) && so.Spec.MinReplicaCount != nil && *so.Spec.MinReplicaCount == 0
}

// HasRequestTrigger reports whether so carries the request trigger: its
// revision's requests are collected and decided (on the zero path, or
// scaled on concurrency or rps).
func HasRequestTrigger(so *kedav1alpha1.ScaledObject) bool {
	if so == nil {
		return false
	}
	for _, t := range so.Spec.Triggers {
		if t.Type == translate.DemandTriggerType && t.Name == translate.DemandTriggerName {
			return true
		}
	}
	return false
}

// Input is what a scale-to-zero revision's hold, mode and Active condition
// are decided from, besides its PA and SKS.
type Input struct {
	Now time.Time
	// Window is how long an idle revision keeps its last pod with the
	// activator in its path (idleWindow). Grace is
	// scale-to-zero-grace-period: how long, at least, the activator's
	// endpoints must have been in the path. StableWindow is the KPA's
	// stable window: how long a revision stays active once it is.
	Window, Grace, StableWindow time.Duration
	// Unreadable: the activators' demand cannot be read.
	Unreadable bool
	// InitialTarget is what a new revision must reach (translate.InitialTarget).
	InitialTarget int32
	// Replicas is the Deployment's spec.replicas; -1 when unknown.
	Replicas int32
	// Demand: the requests the activator holds or forwards for the revision.
	Demand float64
	// Burst is the revision's target-burst-capacity; PerPod the requests
	// one pod takes (burstCapacity).
	Burst, PerPod float64
	// DeciderShort: the revision's decider finds its pods short of burst
	// capacity (requestsignal's BurstShort), counting the pods' own
	// requests too, which the activator does not see in Serve mode. Set
	// for a revision on concurrency only, whose decider counts a pod's
	// capacity as PerPod does.
	DeciderShort bool
	// KEDAActive: KEDA's ScaledObject says some trigger is active; while
	// the hold is on (and for a polling interval after it), that may be the
	// hold itself, and proves nothing.
	KEDAActive bool
	// Ready pods of the revision.
	Ready int32
	// Polling is KEDA's polling interval for the revision.
	Polling time.Duration
	// Deadline is the activation timeout.
	Deadline time.Duration
}

// NewInput gathers Input for pa from the configuration, its ScaledObject
// (nil: not there yet), its Deployment (nil: unknown), the demand and the
// signal's state: the one place both the reconciler and the scaler take it
// from, so that every replica decides alike.
func NewInput(cfg *config.Config, pa *autoscalingv1alpha1.PodAutoscaler, so *kedav1alpha1.ScaledObject, d *appsv1.Deployment,
	now time.Time, demand float64, sig Signal) Input {
	as := cfg.Autoscaler
	in := Input{
		Now: now, Window: idleWindow(pa, as), Grace: as.ScaleToZeroGracePeriod, StableWindow: aresources.StableWindow(pa, as),
		Unreadable: sig.State == SignalUnreadable, InitialTarget: translate.InitialTarget(pa, as), Replicas: -1,
		Demand: demand, KEDAActive: kedaActive(so), Polling: pollingInterval(so), Deadline: activationDeadline(pa, cfg.Deployment),
	}
	in.Burst, in.PerPod = burstCapacity(pa, as)
	if d != nil {
		in.Ready = d.Status.ReadyReplicas
		if d.Spec.Replicas != nil {
			in.Replicas = *d.Spec.Replicas
		}
	}
	return in
}

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
func Hold(pa *autoscalingv1alpha1.PodAutoscaler, sks *nv1alpha1.ServerlessService, in Input) (bool, time.Time) {
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

// Released reports whether a revision must let its pods go although the
// activator holds requests for it: its activation timed out and it still
// has replicas. The KPA scales a revision that could not be activated to
// zero; at zero, demand activates it afresh (Decide), with new pods.
func Released(pa *autoscalingv1alpha1.PodAutoscaler, in Input) bool {
	active := pa.Status.GetCondition(autoscalingv1alpha1.PodAutoscalerConditionActive)
	return active != nil && active.IsFalse() && active.Reason == ReasonTimedOut && in.Replicas != 0
}

// Decision is Decide's outcome: the SKS mode, and after how long to look
// again (zero: no need).
type Decision struct {
	Mode    nv1alpha1.ServerlessServiceOperationMode
	Requeue time.Duration
}

// Decide sets pa's Active condition, the KPA's way with KEDA deciding the
// replicas, and returns the SKS mode: Proxy whenever the revision should
// not run or has no ready pod (or too little burst capacity), Serve
// otherwise.
func Decide(pa *autoscalingv1alpha1.PodAutoscaler, sks *nv1alpha1.ServerlessService, in Input) Decision {
	var out Decision
	now := in.Now
	hold, end := Hold(pa, sks, in)
	// KEDA's Active is its own again once a hold that ended by itself has
	// been over for one of KEDA's polls; until then the revision keeps its
	// state.
	settled := !hold && (end.IsZero() || !now.Before(end.Add(in.Polling)))
	switch {
	case hold && !end.IsZero():
		out.Requeue = end.Sub(now)
	case !hold && !settled:
		out.Requeue = end.Add(in.Polling).Sub(now)
	}
	var want bool
	switch {
	case in.Demand > 0 || in.Unreadable:
		want = true
	case !pa.Status.IsScaleTargetInitialized():
		// A new revision activates to its initial scale; with none it is
		// idle at once, as with the KPA.
		want = in.InitialTarget > 0
	case in.Replicas == 0:
		// At zero only demand wakes it. KEDA's Active may be stale (its
		// status writes lag and fail on a busy API server): trusting it
		// here would mark the revision active, whose stable-window hold
		// would then wake it with no request. Another trigger's activity
		// shows as KEDA scaling the Deployment up first.
		want = false
	case !settled:
		want = pa.Status.IsActive()
	default:
		want = in.KEDAActive
	}

	active := pa.Status.GetCondition(autoscalingv1alpha1.PodAutoscalerConditionActive)
	timedOut := active != nil && active.IsFalse() && active.Reason == ReasonTimedOut
	switch {
	case want && in.Ready > 0:
		out.Mode = nv1alpha1.SKSOperationModeServe
		if !in.enoughBurstCapacity() {
			out.Mode = nv1alpha1.SKSOperationModeProxy
		}
		pa.Status.MarkActive()
	case want && Released(pa, in):
		// It stays timed out while it has pods: Released, KEDA takes it to
		// zero, from where demand activates it afresh (the KPA's retry).
		out.Mode = nv1alpha1.SKSOperationModeProxy
	case want:
		out.Mode = nv1alpha1.SKSOperationModeProxy
		if pa.Status.CanFailActivation(now, in.Deadline) {
			pa.Status.MarkInactive(ReasonTimedOut, "The target could not be activated.")
		} else {
			// Look again just past the moment the activation would time out.
			left := in.Deadline
			if pa.Status.IsActivating() {
				since := pa.Status.GetCondition(autoscalingv1alpha1.PodAutoscalerConditionActive)
				left = since.LastTransitionTime.Inner.Add(in.Deadline).Sub(now)
			}
			pa.Status.MarkActivating(ReasonQueued, "Requests to the target are being buffered as resources are provisioned.")
			if left > 0 && (out.Requeue == 0 || left < out.Requeue) {
				out.Requeue = left + time.Second
			}
		}
	default:
		out.Mode = nv1alpha1.SKSOperationModeProxy
		if !pa.Status.IsInactive() || timedOut {
			pa.Status.MarkInactive(ReasonNoTraffic, "The target is not receiving traffic.")
		}
	}
	return out
}

// enoughBurstCapacity is the KPA's rule for taking the activator out of
// the path: the ready pods' capacity, less the requests in flight (those
// the activator sees), covers target-burst-capacity; 0 always, -1 never.
// In Serve mode the activator sees no request, so the revision returns to
// Proxy when its ready pods no longer cover the burst capacity, or, on
// concurrency, when its decider finds load at the pods has risen too far.
func (in Input) enoughBurstCapacity() bool {
	switch {
	case in.Burst == 0:
		return true
	case in.Burst < 0:
		return false
	}
	return !in.DeciderShort && math.Floor(float64(in.Ready)*in.PerPod-in.Burst-in.Demand) >= 0
}

// burstCapacity is pa's target-burst-capacity, and the requests one of its
// pods takes, as Serving's KPA resolves them for a concurrency metric: a
// revision scaled on concurrency counts its target (at most
// containerConcurrency), any other containerConcurrency or
// config-autoscaler's default (the activators' demand is a concurrency).
func burstCapacity(pa *autoscalingv1alpha1.PodAutoscaler, as *autoscalerconfig.Config) (burst, perPod float64) {
	burst = as.TargetBurstCapacity
	if v, ok := pa.TargetBC(); ok {
		burst = v
	}
	if pa.Metric() == autoscaling.Concurrency {
		_, perPod = aresources.ResolveMetricTarget(pa, as)
		return burst, perPod
	}
	perPod = float64(pa.Spec.ContainerConcurrency)
	if perPod == 0 {
		perPod = as.ContainerConcurrencyTargetDefault
	}
	return burst, perPod
}

// activationDeadline is the KPA's activation timeout: the revision's
// progress deadline, else config-deployment's, plus the KPA's margin.
func activationDeadline(pa *autoscalingv1alpha1.PodAutoscaler, dc *config.Deployment) time.Duration {
	if d, ok := pa.ProgressDeadline(); ok {
		return d + activationTimeoutBuffer
	}
	if dc == nil {
		return deployment.ProgressDeadlineDefault + activationTimeoutBuffer
	}
	return dc.ProgressDeadline + activationTimeoutBuffer
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
	if so == nil {
		return false
	}
	for _, c := range so.Status.Conditions {
		if c.Type == kedav1alpha1.ConditionActive {
			return c.Status == metav1.ConditionTrue
		}
	}
	return false
}

// ConditionScaleToZero is False, with ReasonActivatorMetricsUnavailable,
// while a min-scale "0" revision keeps a pod because the activators'
// demand cannot be read; absent otherwise.
const ConditionScaleToZero apis.ConditionType = "ScaleToZero"

// ReasonActivatorMetricsUnavailable: the activators' request metrics
// cannot be read (Serving's default config-observability serves none).
const ReasonActivatorMetricsUnavailable = "ActivatorMetricsUnavailable"

// MarkSignal sets ConditionScaleToZero on pa from the demand signal, with
// a Warning Event when it turns False. An unknown signal (starting up)
// changes nothing.
func MarkSignal(ctx context.Context, pa *autoscalingv1alpha1.PodAutoscaler, sig Signal) {
	m := pa.GetConditionSet().Manage(&pa.Status)
	switch sig.State {
	case SignalUnreadable:
		msg := UnreadableMessage(sig.Reason)
		was := pa.Status.GetCondition(ConditionScaleToZero)
		m.SetCondition(apis.Condition{
			Type: ConditionScaleToZero, Status: corev1.ConditionFalse, Severity: apis.ConditionSeverityWarning,
			Reason: ReasonActivatorMetricsUnavailable, Message: msg,
		})
		if was == nil || !was.IsFalse() || was.Reason != ReasonActivatorMetricsUnavailable {
			controller.GetEventRecorder(ctx).Event(pa, corev1.EventTypeWarning, ReasonActivatorMetricsUnavailable, msg)
		}
	case SignalReadable:
		m.ClearCondition(ConditionScaleToZero) //nolint:errcheck // only fails for the happy condition
	}
}

// ClearSignal drops ConditionScaleToZero from a revision off the zero path:
// there is nothing to say about it.
func ClearSignal(pa *autoscalingv1alpha1.PodAutoscaler) {
	pa.GetConditionSet().Manage(&pa.Status).ClearCondition(ConditionScaleToZero) //nolint:errcheck // only fails for the happy condition
}

// UnreadableMessage says why a revision keeps a pod while the activators'
// demand cannot be read, and what to change.
func UnreadableMessage(reason string) string {
	return "min-scale \"0\" is not applied, the revision keeps one pod: this controller " + reason +
		", so a request the activator holds would not wake the revision. Set metrics-protocol: prometheus " +
		"in config-observability (Knative Serving's namespace; its default, none, serves no metrics) and restart the activator"
}
