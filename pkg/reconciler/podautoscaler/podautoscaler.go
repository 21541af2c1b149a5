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

// Package podautoscaler reconciles PodAutoscalers of the HPA class into KEDA
// ScaledObjects, and reports the HPA that KEDA creates back on the
// PodAutoscaler, as Serving's own HPA reconciler does with the HPA it writes.
package podautoscaler

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	kedaclientset "github.com/kedacore/keda/v2/pkg/generated/clientset/versioned"
	kedalisters "github.com/kedacore/keda/v2/pkg/generated/listers/keda/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apierrs "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	autoscalingv2listers "k8s.io/client-go/listers/autoscaling/v2"
	nv1alpha1 "knative.dev/networking/pkg/apis/networking/v1alpha1"
	"knative.dev/pkg/apis"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/logging"
	"knative.dev/pkg/ptr"
	pkgreconciler "knative.dev/pkg/reconciler"
	"knative.dev/serving/pkg/apis/autoscaling"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	pareconciler "knative.dev/serving/pkg/client/injection/reconciler/autoscaling/v1alpha1/podautoscaler"
	areconciler "knative.dev/serving/pkg/reconciler/autoscaling"
	anames "knative.dev/serving/pkg/reconciler/autoscaling/resources/names"

	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/pkg/scaletozero"
	"github.com/serving-keda/serving-keda/pkg/translate"
)

// Condition reasons this reconciler sets on a PodAutoscaler, besides
// translate.Reason's Invalid… reasons and Serving's NotOwned and FailedCreate.
const (
	// ReasonWaitingForHPA: the ScaledObject exists, KEDA has not created its HPA yet.
	ReasonWaitingForHPA = "WaitingForHPA"
	// ReasonWaitingForScaledObject: bring-your-own mode, and no ScaledObject
	// named after the revision exists yet.
	ReasonWaitingForScaledObject = "WaitingForScaledObject"
	// ReasonScaledObjectMismatch: bring-your-own mode, and the user's
	// ScaledObject scales something else or names another HPA.
	ReasonScaledObjectMismatch = "ScaledObjectMismatch"
	// ReasonHPANotOwned: an HPA named after the revision exists but belongs
	// to another ScaledObject.
	ReasonHPANotOwned = "HPANotOwned"
)

// ReasonWaitingForDeployment: the revision scales on cpu or memory and its
// Deployment, whose containers decide the trigger, is not in the cache yet.
const ReasonWaitingForDeployment = "WaitingForDeployment"

// ReasonPaused: keda-paused holds the revision's replicas; KEDA removes the
// HPA while paused, so the scale reported is the Deployment's.
const ReasonPaused = "Paused"

// ReasonAdoptingHPA: an initialized revision whose HPA KEDA has not taken
// over yet (the HPA Serving's autoscaler-hpa made, before the swap); the
// scale reported is the Deployment's.
const ReasonAdoptingHPA = "AdoptingHPA"

// Reconciler implements the PodAutoscaler control loop for the HPA class.
type Reconciler struct {
	*areconciler.Base

	kedaClient kedaclientset.Interface
	soLister   kedalisters.ScaledObjectLister
	hpaLister  autoscalingv2listers.HorizontalPodAutoscalerLister
	workloads  workloads
	// created and createdSKS stand in for the informers' copies of a
	// ScaledObject and an SKS just created (nil: the informers only).
	created    *createdObjects[*kedav1alpha1.ScaledObject]
	createdSKS *createdObjects[*nv1alpha1.ServerlessService]
	// kedaHPAs is when an HPA of KEDA's was last seen created (nil: never):
	// KEDA at work lets a first status wait longer (FirstStatusBusyGrace).
	kedaHPAs *lastSeen

	// zero is the activators' demand (nil: none known), for revisions that
	// scale to zero through the activator.
	zero zeroSource
	// clock is time.Now unless a test sets it.
	clock func() time.Time
}

func (r *Reconciler) now() time.Time {
	if r.clock != nil {
		return r.clock()
	}
	return time.Now()
}

var _ pareconciler.Interface = (*Reconciler)(nil)

// ReconcileKind implements pareconciler.Interface.
func (r *Reconciler) ReconcileKind(ctx context.Context, pa *autoscalingv1alpha1.PodAutoscaler) pkgreconciler.Event {
	ctx, cancel := context.WithTimeout(ctx, pkgreconciler.DefaultTimeout)
	defer cancel()

	d := r.workloads.deployment(ctx, pa)
	desired, err := translate.ScaledObject(translate.Input{
		PA:          asHPAClass(pa),
		Config:      config.FromContext(ctx),
		Workload:    r.workloads.describe(d),
		Established: r.established(pa),
	})
	if desired != nil {
		if _, copied := desired.Annotations[autoscaling.ClassAnnotationKey]; copied {
			// The ScaledObject copies the revision's annotations: its own class.
			desired.Annotations[autoscaling.ClassAnnotationKey] = pa.Annotations[autoscaling.ClassAnnotationKey]
		}
	}
	var unscalable *translate.ResourceRequestError
	switch {
	case errors.Is(err, translate.ErrWorkloadUnknown):
		// The Deployment's informer event wakes the PA.
		pa.Status.MarkActivating(ReasonWaitingForDeployment, fmt.Sprintf(
			"waiting for Deployment %q, whose containers the cpu or memory trigger measures", pa.Spec.ScaleTargetRef.Name))
		return r.reconcileServe(ctx, pa, nil, nil)
	case errors.As(err, &unscalable):
		return r.serveUnscaled(ctx, pa, d, unscalable)
	case err != nil:
		// The revision stays as it is (an existing ScaledObject keeps its last
		// good form) until its annotations or the config maps change: both
		// enqueue it again, so retrying now would only repeat the error. The
		// SKS is still reconciled: Serving fails the Revision with the PA's
		// reason only once the PA names its service.
		reason := translate.Reason(err)
		pa.Status.MarkInactive(reason, literal(err.Error()))
		if serr := r.reconcileServe(ctx, pa, nil, nil); serr != nil {
			return serr
		}
		return controller.NewPermanentError(pkgreconciler.NewEvent(corev1.EventTypeWarning, reason,
			"PodAutoscaler %s/%s: %s", pa.Namespace, pa.Name, err.Error()))
	}

	var so *kedav1alpha1.ScaledObject
	var waiting bool
	if desired != nil {
		if so, err = r.reconcileScaledObject(ctx, pa, desired); err != nil {
			return err
		}
	} else if so, waiting = r.findOwnScaledObject(pa); so == nil && !waiting {
		// A mismatched bring-your-own object: its event will wake us.
		return r.reconcileServe(ctx, pa, nil, nil)
	}

	var scale *scaleSource
	if so != nil {
		mirrorScaledObjectConditions(pa, so)
		if scale, err = r.scaleOf(pa, so, d); err != nil {
			return err
		}
	}
	if so != nil && scaletozero.Enabled(desired) &&
		(scale != nil || (waitingForHPA(pa) && initialTarget(ctx, pa) == 0)) {
		// A revision with nothing to reach (initial-scale 0) is idle at
		// once, as with the KPA: it waits for KEDA's HPA at zero.
		sks, err := r.currentSKS(pa)
		if err != nil {
			return err
		}
		return r.reconcileZero(ctx, pa, so, d, scale, sks)
	}
	// Not (or no longer) on the zero path: nothing to say about it.
	scaletozero.ClearSignal(pa)
	if err := r.reconcileServe(ctx, pa, so, scale); err != nil {
		return err
	}
	if desired != nil && so != nil && scale == nil {
		return r.deferFirstStatus(ctx, pa, so)
	}
	return nil
}

// established says the revision was admitted before, so config-autoscaler's
// creation-time limits no longer apply to it (see translate.Input).
func (r *Reconciler) established(pa *autoscalingv1alpha1.PodAutoscaler) bool {
	if pa.Status.IsScaleTargetInitialized() {
		return true
	}
	so, err := r.soLister.ScaledObjects(pa.Namespace).Get(pa.Name)
	return err == nil && metav1.IsControlledBy(so, pa)
}

// serveUnscaled handles a revision KEDA cannot scale on the resource it asks
// for: nothing is written (KEDA's webhook would refuse it), the condition
// says which request to set, and the revision serves with the replicas
// Serving gave its Deployment, as it would with Serving's HPA class, whose
// HPA cannot compute a utilization either.
func (r *Reconciler) serveUnscaled(ctx context.Context, pa *autoscalingv1alpha1.PodAutoscaler, d *appsv1.Deployment, cause *translate.ResourceRequestError) error {
	msg := cause.Error()
	pa.GetConditionSet().Manage(&pa.Status).SetCondition(apis.Condition{
		Type: ConditionScaledObjectReady, Status: corev1.ConditionFalse, Severity: apis.ConditionSeverityWarning,
		Reason: translate.ReasonMissingResourceRequest, Message: msg,
	})
	if err := r.holdMinScale(ctx, pa, d); err != nil {
		return err
	}
	scale := deploymentScale(d, translate.ReasonMissingResourceRequest, "not autoscaled: "+msg)
	if err := r.reconcileServe(ctx, pa, nil, scale); err != nil {
		return err
	}
	return controller.NewPermanentError(pkgreconciler.NewEvent(corev1.EventTypeWarning, translate.ReasonMissingResourceRequest,
		"PodAutoscaler %s/%s: %s", pa.Namespace, pa.Name, msg))
}

// holdMinScale raises a Deployment that nothing autoscales to min-scale:
// Serving creates it at initial-scale, and under Serving's HPA class the
// HPA would hold min-scale even without a metric. It never scales down.
func (r *Reconciler) holdMinScale(ctx context.Context, pa *autoscalingv1alpha1.PodAutoscaler, d *appsv1.Deployment) error {
	minScale, _ := pa.ScaleBounds(config.FromContext(ctx).Autoscaler)
	if d == nil || ptr.Int32Value(d.Spec.Replicas) >= minScale {
		return nil
	}
	logging.FromContext(ctx).Infof("Scaling Deployment %q from %d to min-scale %d: nothing autoscales it", d.Name, ptr.Int32Value(d.Spec.Replicas), minScale)
	// A merge patch of the scale subresource, as kubectl scale does: it
	// touches nothing but the replica count.
	patch := fmt.Sprintf(`{"spec":{"replicas":%d}}`, minScale)
	if _, err := r.workloads.kube.AppsV1().Deployments(d.Namespace).Patch(ctx, d.Name, types.MergePatchType,
		[]byte(patch), metav1.PatchOptions{}, "scale"); err != nil {
		return fmt.Errorf("failed to scale Deployment %q to min-scale %d: %w", d.Name, minScale, err)
	}
	return nil
}

// scaleSource is where the PA's scale comes from: KEDA's HPA, or the
// Deployment itself while nothing autoscales it.
type scaleSource struct {
	// known is false when neither is readable: the last scale stays.
	known            bool
	current, desired int32
	// reason and message explain an Active revision without an HPA.
	reason, message string
}

func hpaScale(hpa *autoscalingv2.HorizontalPodAutoscaler) *scaleSource {
	return &scaleSource{known: true, current: hpa.Status.CurrentReplicas, desired: hpa.Status.DesiredReplicas}
}

func deploymentScale(d *appsv1.Deployment, reason, message string) *scaleSource {
	s := &scaleSource{reason: reason, message: message}
	if d != nil {
		s.known = true
		s.current = d.Status.Replicas
		s.desired = ptr.Int32Value(d.Spec.Replicas)
	}
	return s
}

// scaleOf returns the scale of the revision that so scales: its HPA's; the
// Deployment's while KEDA is paused (it deletes the HPA then) or has not
// yet adopted the HPA of a revision initialized before (the swap from
// autoscaler-hpa); or nil with the PA marked as waiting for KEDA. KEDA creates the HPA, then reports
// Ready on the ScaledObject: the PA waits for both, so that its status
// changes once, not twice; both are informer events that wake it.
func (r *Reconciler) scaleOf(pa *autoscalingv1alpha1.PodAutoscaler, so *kedav1alpha1.ScaledObject, d *appsv1.Deployment) (*scaleSource, error) {
	name := translate.HPAName(pa)
	hpa, err := r.hpaLister.HorizontalPodAutoscalers(pa.Namespace).Get(name)
	if err != nil && !apierrs.IsNotFound(err) {
		return nil, fmt.Errorf("failed to get HPA %q: %w", name, err)
	}
	if err == nil && !metav1.IsControlledBy(hpa, so) {
		pa.Status.MarkInactive(ReasonHPANotOwned, fmt.Sprintf(
			"HPA %q is managed by KEDA but not for ScaledObject %q; delete it or the ScaledObject it belongs to", name, so.Name))
		return nil, nil
	}
	if err == nil && kedaReported(find(so.Status.Conditions, kedav1alpha1.ConditionReady)) {
		return hpaScale(hpa), nil
	}
	if so.Annotations[translate.KEDAPausedAnnotation] == "true" {
		return deploymentScale(d, ReasonPaused, fmt.Sprintf(
			"autoscaling is paused (%s): the Deployment keeps its replicas until the annotation is removed", translate.PausedAnnotationKey)), nil
	}
	if pa.Status.IsScaleTargetInitialized() && d != nil {
		// A revision scaled before its ScaledObject existed: after the swap
		// from Serving's autoscaler-hpa, whose HPA KEDA is adopting
		// (transfer-hpa-ownership). That HPA keeps scaling it meanwhile:
		// it stays active, with its Deployment's scale, rather than
		// "waiting" for an HPA it has.
		return deploymentScale(d, ReasonAdoptingHPA, fmt.Sprintf(
			"KEDA has not made HPA %q its own yet (ScaledObject %q); until then the scale is Deployment %q's", name, so.Name, d.Name)), nil
	}
	pa.Status.MarkActivating(ReasonWaitingForHPA, fmt.Sprintf("waiting for KEDA to reconcile ScaledObject %q and create HPA %q", so.Name, name))
	return nil, nil
}

// reconcileServe reports a revision off the zero path, as Serving's HPA
// reconciler does: the SKS in Serve mode, the activator out of the path;
// scale is nil while the revision has none to report. One that was at zero
// (Proxy) leaves it only with a ready pod, or its requests would reach no
// one (scale to zero turned off, or the revision's annotations changed,
// while at zero): it stays activating meanwhile, as with the KPA. A
// revision on Knative's request signal (so's request trigger) keeps the
// activator in its path while its pods fall short of its burst capacity,
// as the KPA does.
func (r *Reconciler) reconcileServe(ctx context.Context, pa *autoscalingv1alpha1.PodAutoscaler, so *kedav1alpha1.ScaledObject, scale *scaleSource) error {
	sks, err := r.currentSKS(pa)
	if err != nil {
		return err
	}
	mode := nv1alpha1.SKSOperationModeServe
	waking := sks != nil && sks.Spec.Mode == nv1alpha1.SKSOperationModeProxy && !r.hasReadyPod(ctx, pa)
	if waking || r.burstShort(pa, so) {
		mode = nv1alpha1.SKSOperationModeProxy
	}
	var actual, desired *int32
	if scale != nil && scale.known {
		actual, desired = ptr.Int32(scale.current), ptr.Int32(scale.desired)
		r.markInitialized(ctx, pa, sks, scale.current)
	}
	if scale != nil {
		// With a scale to report the revision is active, as in Serving's
		// HPA class; activating while it wakes from zero, as with the KPA.
		switch {
		case waking:
			pa.Status.MarkActivating(scaletozero.ReasonQueued, "Requests to the target are being buffered as resources are provisioned.")
		case scale.reason == "":
			pa.Status.MarkActive()
		default:
			pa.GetConditionSet().Manage(&pa.Status).MarkTrueWithReason(autoscalingv1alpha1.PodAutoscalerConditionActive,
				scale.reason, literal(scale.message))
		}
	}
	return r.reconcileSKSStatus(ctx, pa, sks, mode, actual, desired)
}

// burstShort reports whether pa's revision, on Knative's request signal,
// falls short of its target-burst-capacity (scaletozero's BurstShort).
func (r *Reconciler) burstShort(pa *autoscalingv1alpha1.PodAutoscaler, so *kedav1alpha1.ScaledObject) bool {
	return r.zero != nil && scaletozero.HasRequestTrigger(so) &&
		r.zero.BurstShort(types.NamespacedName{Namespace: pa.Namespace, Name: pa.Name})
}

// currentSKS is pa's ServerlessService from the cache (nil: none yet).
func (r *Reconciler) currentSKS(pa *autoscalingv1alpha1.PodAutoscaler) (*nv1alpha1.ServerlessService, error) {
	sks, err := r.SKSLister.ServerlessServices(pa.Namespace).Get(anames.SKS(pa.Name))
	if apierrs.IsNotFound(err) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("failed to get SKS %q: %w", pa.Name, err)
	}
	return sks, nil
}

// markInitialized marks a new revision initialized once its SKS is ready
// and it has reached its first target (min-scale, or initial-scale if
// larger) with current replicas: the HPA's under the HPA class, as
// Serving's HPA reconciler counts them, ready pods on the zero path, as
// the KPA does. It runs before the revision's state is decided, which
// depends on it.
func (r *Reconciler) markInitialized(ctx context.Context, pa *autoscalingv1alpha1.PodAutoscaler, sks *nv1alpha1.ServerlessService, current int32) {
	if sks != nil && sks.IsReady() && !pa.Status.IsScaleTargetInitialized() && current >= initialTarget(ctx, pa) {
		pa.Status.MarkScaleTargetInitialized()
	}
}

// reconcileSKSStatus is every reconcile's tail: the ServerlessService in
// mode, and the PA's service names, SKS readiness and scale (nil: leave
// as it is). current is the SKS as the informer shows it (currentSKS).
func (r *Reconciler) reconcileSKSStatus(ctx context.Context, pa *autoscalingv1alpha1.PodAutoscaler,
	current *nv1alpha1.ServerlessService, mode nv1alpha1.ServerlessServiceOperationMode, actual, desired *int32) error {
	sks, err := r.reconcileSKS(ctx, pa, current, mode)
	if apierrs.IsAlreadyExists(err) {
		// Created meanwhile and not in the informer yet (it lags after a
		// broken watch): look again shortly, without a failure event.
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
	if actual != nil {
		pa.Status.ActualScale = actual
	}
	if desired != nil {
		pa.Status.DesiredScale = desired
	}
	return nil
}

// reconcileSKS is Serving's ReconcileSKS, which reads the SKS from the
// informer, with an SKS this controller created a moment ago standing in
// while the informer does not show it yet (current nil; createdObjects),
// unless mode changed since.
func (r *Reconciler) reconcileSKS(ctx context.Context, pa *autoscalingv1alpha1.PodAutoscaler,
	current *nv1alpha1.ServerlessService, mode nv1alpha1.ServerlessServiceOperationMode) (*nv1alpha1.ServerlessService, error) {
	name := anames.SKS(pa.Name)
	if current != nil {
		r.createdSKS.seen(pa.Namespace, name)
	} else if c, ok := r.createdSKS.lookup(pa, name, r.now()); ok && c.Spec.Mode == mode {
		return c, nil
	}
	sks, err := r.ReconcileSKS(ctx, pa, mode, 0) // 0: every activator, when in Proxy mode
	if err == nil && current == nil {
		r.createdSKS.add(sks, r.now())
	}
	return sks, err
}

// hasReadyPod reports whether pa's Deployment has a ready pod.
func (r *Reconciler) hasReadyPod(ctx context.Context, pa *autoscalingv1alpha1.PodAutoscaler) bool {
	d := r.workloads.deployment(ctx, pa)
	return d != nil && d.Status.ReadyReplicas > 0
}

// waitingForHPA reports whether scaleOf found KEDA's HPA not there yet.
func waitingForHPA(pa *autoscalingv1alpha1.PodAutoscaler) bool {
	c := pa.Status.GetCondition(autoscalingv1alpha1.PodAutoscalerConditionActive)
	return c != nil && c.Reason == ReasonWaitingForHPA
}

// initialTarget is translate.InitialTarget with ctx's config-autoscaler.
func initialTarget(ctx context.Context, pa *autoscalingv1alpha1.PodAutoscaler) int32 {
	return translate.InitialTarget(pa, config.FromContext(ctx).Autoscaler)
}

// literal escapes a message for the PA's Mark* methods, which treat it as a
// format: an annotation's value may well contain a '%'.
func literal(msg string) string {
	return strings.ReplaceAll(msg, "%", "%%")
}
