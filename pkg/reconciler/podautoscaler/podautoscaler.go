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
	"fmt"
	"strings"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	kedaclientset "github.com/kedacore/keda/v2/pkg/generated/clientset/versioned"
	kedalisters "github.com/kedacore/keda/v2/pkg/generated/listers/keda/v1alpha1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apierrs "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	autoscalingv2listers "k8s.io/client-go/listers/autoscaling/v2"
	nv1alpha1 "knative.dev/networking/pkg/apis/networking/v1alpha1"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/ptr"
	pkgreconciler "knative.dev/pkg/reconciler"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	pareconciler "knative.dev/serving/pkg/client/injection/reconciler/autoscaling/v1alpha1/podautoscaler"
	areconciler "knative.dev/serving/pkg/reconciler/autoscaling"

	"github.com/serving-keda/serving-keda/pkg/config"
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

// Reconciler implements the PodAutoscaler control loop for the HPA class.
type Reconciler struct {
	*areconciler.Base

	kedaClient kedaclientset.Interface
	soLister   kedalisters.ScaledObjectLister
	hpaLister  autoscalingv2listers.HorizontalPodAutoscalerLister
}

var _ pareconciler.Interface = (*Reconciler)(nil)

// ReconcileKind implements pareconciler.Interface.
func (r *Reconciler) ReconcileKind(ctx context.Context, pa *autoscalingv1alpha1.PodAutoscaler) pkgreconciler.Event {
	ctx, cancel := context.WithTimeout(ctx, pkgreconciler.DefaultTimeout)
	defer cancel()

	desired, err := translate.ScaledObject(pa, config.FromContext(ctx))
	if err != nil {
		// The revision stays as it is (an existing ScaledObject keeps its last
		// good form) until its annotations or the config maps change: both
		// enqueue it again, so retrying now would only repeat the error.
		reason := translate.Reason(err)
		pa.Status.MarkInactive(reason, literal(err.Error()))
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
		return r.reconcileSKSStatus(ctx, pa, nil)
	}

	var hpa *autoscalingv2.HorizontalPodAutoscaler
	if so != nil {
		mirrorScaledObjectConditions(pa, so)
		hpa, err = r.hpaFor(pa, so)
		if err != nil {
			return err
		}
	}
	return r.reconcileSKSStatus(ctx, pa, hpa)
}

// hpaFor returns the HPA KEDA made for so, or nil with the PA marked as
// waiting for it. KEDA creates the HPA, then reports Ready on the
// ScaledObject: the PA waits for both, so that its status changes once, not
// twice; both are informer events that wake it.
func (r *Reconciler) hpaFor(pa *autoscalingv1alpha1.PodAutoscaler, so *kedav1alpha1.ScaledObject) (*autoscalingv2.HorizontalPodAutoscaler, error) {
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
	if err != nil || !kedaReported(find(so.Status.Conditions, kedav1alpha1.ConditionReady)) {
		pa.Status.MarkActivating(ReasonWaitingForHPA, fmt.Sprintf("waiting for KEDA to reconcile ScaledObject %q and create HPA %q", so.Name, name))
		return nil, nil
	}
	return hpa, nil
}

// reconcileSKSStatus manages the ServerlessService in Serve mode and fills the
// PA status as Serving's HPA reconciler does; hpa is nil while it is missing.
func (r *Reconciler) reconcileSKSStatus(ctx context.Context, pa *autoscalingv1alpha1.PodAutoscaler, hpa *autoscalingv2.HorizontalPodAutoscaler) error {
	// Zero activators: the SKS stays in Serve mode, so the activator is never in the path.
	sks, err := r.ReconcileSKS(ctx, pa, nv1alpha1.SKSOperationModeServe, 0)
	if apierrs.IsAlreadyExists(err) {
		// Created meanwhile and not in the informer yet (it lags after a
		// broken watch): look again shortly, without a failure event.
		return controller.NewRequeueAfter(time.Second)
	} else if err != nil {
		return fmt.Errorf("error reconciling SKS: %w", err)
	}
	pa.Status.MetricsServiceName = sks.Status.PrivateServiceName
	pa.Status.ServiceName = sks.Status.ServiceName
	if !sks.IsReady() {
		pa.Status.MarkSKSNotReady("SKS Services are not ready yet")
	} else {
		pa.Status.MarkSKSReady()
		// The revision is initialized once it has reached its first target:
		// min-scale, or initial-scale if larger.
		if hpa != nil && !pa.Status.IsScaleTargetInitialized() && hpa.Status.CurrentReplicas >= initialTarget(ctx, pa) {
			pa.Status.MarkScaleTargetInitialized()
		}
	}
	if hpa == nil {
		return nil
	}
	// With an HPA in place the revision is always active, as in Serving's HPA class.
	pa.Status.MarkActive()
	pa.Status.DesiredScale = ptr.Int32(hpa.Status.DesiredReplicas)
	pa.Status.ActualScale = ptr.Int32(hpa.Status.CurrentReplicas)
	return nil
}

// initialTarget is the replica count a new revision must reach before it is
// initialized: max(min-scale, initial-scale), as Serving computes it.
func initialTarget(ctx context.Context, pa *autoscalingv1alpha1.PodAutoscaler) int32 {
	asConfig := config.FromContext(ctx).Autoscaler
	minScale, _ := pa.ScaleBounds(asConfig)
	initial := asConfig.InitialScale
	if v, ok := pa.InitialScale(); ok && (v > 0 || asConfig.AllowZeroInitialScale) {
		initial = v
	}
	return max(minScale, initial)
}

// literal escapes a message for the PA's Mark* methods, which treat it as a
// format: an annotation's value may well contain a '%'.
func literal(msg string) string {
	return strings.ReplaceAll(msg, "%", "%%")
}
