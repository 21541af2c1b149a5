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
	"strings"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrs "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/logging"
	pkgreconciler "knative.dev/pkg/reconciler"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"

	"github.com/serving-keda/serving-keda/pkg/translate"
)

// reconcileScaledObject makes the PA's ScaledObject match desired. It writes
// only when a field this controller owns differs: the spec, and the labels
// and annotations it sets. Whatever else KEDA or users add stays.
func (r *Reconciler) reconcileScaledObject(ctx context.Context, pa *autoscalingv1alpha1.PodAutoscaler, desired *kedav1alpha1.ScaledObject) (*kedav1alpha1.ScaledObject, error) {
	logger := logging.FromContext(ctx)
	so, err := r.soLister.ScaledObjects(pa.Namespace).Get(desired.Name)
	switch {
	case err == nil:
		r.created.seen(pa.Namespace, desired.Name)
	case apierrs.IsNotFound(err):
		// Created here a moment ago, not in the informer yet (createdObjects).
		if c, ok := r.created.lookup(pa, desired.Name, r.now()); ok {
			so, err = c, nil
		}
	}
	if apierrs.IsNotFound(err) {
		logger.Infof("Creating ScaledObject %q", desired.Name)
		created, cerr := r.kedaClient.KedaV1alpha1().ScaledObjects(pa.Namespace).Create(ctx, desired, metav1.CreateOptions{})
		switch {
		case cerr == nil:
			logger.Infof("Created ScaledObject %q", desired.Name)
			r.created.add(created, r.now())
			warnUnknownKeys(ctx, pa)
			return created, nil
		case apierrs.IsAlreadyExists(cerr):
			// The informer lags (after a broken watch, or a restart while a
			// create was in flight): read the object from the API server,
			// not the lister, and carry on as if the lister had it, which
			// refuses it below unless this PA controls it.
			logger.Infof("ScaledObject %q exists but is not in the informer yet; reading it back", desired.Name)
			so, err = r.kedaClient.KedaV1alpha1().ScaledObjects(pa.Namespace).Get(ctx, desired.Name, metav1.GetOptions{})
			if apierrs.IsNotFound(err) {
				// Deleted since (garbage collected with an old PA of the
				// same name): start over shortly, no failure to report.
				return nil, controller.NewRequeueAfter(time.Second)
			}
		case kedaCacheLags(cerr, desired):
			// KEDA's webhook reads the scale target from its own informer
			// cache, which may not hold a Deployment Serving created a
			// moment ago: it answers "not found". Not a failure to report.
			logger.Infof("KEDA's webhook has not seen Deployment %q yet; retrying", desired.Spec.ScaleTargetRef.Name)
			return nil, controller.NewRequeueAfter(time.Second)
		default:
			msg := fmt.Sprintf("failed to create ScaledObject %q: %v", desired.Name, cerr)
			pa.Status.MarkInactive("FailedCreate", literal(msg))
			// Wrapped, the event is recorded and the error still retried with backoff.
			return nil, fmt.Errorf("%w", pkgreconciler.NewEvent(corev1.EventTypeWarning, "FailedCreate", "%s", msg))
		}
	}
	switch {
	case err != nil:
		return nil, fmt.Errorf("failed to get ScaledObject %q: %w", desired.Name, err)
	case !metav1.IsControlledBy(so, pa):
		// Someone else's object: write nothing. Its events wake this PA, so a
		// change of ownership (or its deletion) is seen without retrying.
		pa.Status.MarkResourceNotOwned("ScaledObject", desired.Name)
		return nil, controller.NewPermanentError(pkgreconciler.NewEvent(corev1.EventTypeWarning, "NotOwned",
			"PodAutoscaler %q does not own ScaledObject %q: it writes nothing to it; delete it, or set %s to \"false\" to use it",
			pa.Name, desired.Name, translate.AutoCreateAnnotationKey))
	}

	want, changed := merge(so, desired)
	if !changed {
		return so, nil
	}
	logger.Infof("Updating ScaledObject %q", desired.Name)
	so, err = r.kedaClient.KedaV1alpha1().ScaledObjects(pa.Namespace).Update(ctx, want, metav1.UpdateOptions{})
	if err != nil {
		return nil, fmt.Errorf("failed to update ScaledObject %q: %w", desired.Name, err)
	}
	warnUnknownKeys(ctx, pa)
	return so, nil
}

// kedaCacheLags tells KEDA's admission webhook refusing so because its
// cache lacks the scale target, which the controller has just seen. The
// cache's NotFound names the resource (`deployments.apps "x" not found`,
// KEDA v2.19) or, with controller-runtime v0.23+, the kind
// (`Deployment.apps "x" not found`, KEDA v2.21).
func kedaCacheLags(err error, so *kedav1alpha1.ScaledObject) bool {
	t := so.Spec.ScaleTargetRef
	if t == nil || !strings.Contains(err.Error(), "admission webhook") {
		return false
	}
	for _, what := range []string{"deployments.apps", "Deployment.apps"} {
		if strings.Contains(err.Error(), fmt.Sprintf("%s %q not found", what, t.Name)) {
			return true
		}
	}
	return false
}

// ReasonUnknownAnnotation is the reason of the Warning Event for an
// annotation that nothing reads and that looks like a typo of one.
const ReasonUnknownAnnotation = "UnknownAnnotation"

// warnUnknownKeys records a Warning Event for each likely typo among pa's
// annotations. It runs when the ScaledObject is written, which is when the
// annotations have just taken effect, so a steady revision is not re-warned
// on every resync.
func warnUnknownKeys(ctx context.Context, pa *autoscalingv1alpha1.PodAutoscaler) {
	for _, w := range translate.UnknownKeys(pa.Annotations) {
		controller.GetEventRecorder(ctx).Event(pa, corev1.EventTypeWarning, ReasonUnknownAnnotation, w)
	}
}

// merge returns existing with the fields this controller owns taken from
// desired, and whether anything changed. Labels and annotations are merged,
// not replaced: KEDA labels its ScaledObjects itself.
func merge(existing, desired *kedav1alpha1.ScaledObject) (*kedav1alpha1.ScaledObject, bool) {
	changed := !equality.Semantic.DeepEqual(existing.Spec, desired.Spec)
	for k, v := range desired.Labels {
		if cur, ok := existing.Labels[k]; !ok || cur != v {
			changed = true
		}
	}
	for k, v := range desired.Annotations {
		if cur, ok := existing.Annotations[k]; !ok || cur != v {
			changed = true
		}
	}
	_, pausedNow := existing.Annotations[translate.KEDAPausedAnnotation]
	_, pausedWanted := desired.Annotations[translate.KEDAPausedAnnotation]
	if pausedNow && !pausedWanted {
		changed = true
	}
	if !changed {
		return existing, false
	}

	want := existing.DeepCopy()
	want.Spec = *desired.Spec.DeepCopy()
	if want.Labels == nil && len(desired.Labels) > 0 {
		want.Labels = make(map[string]string, len(desired.Labels))
	}
	for k, v := range desired.Labels {
		want.Labels[k] = v
	}
	if want.Annotations == nil && len(desired.Annotations) > 0 {
		want.Annotations = make(map[string]string, len(desired.Annotations))
	}
	for k, v := range desired.Annotations {
		want.Annotations[k] = v
	}
	if !pausedWanted {
		delete(want.Annotations, translate.KEDAPausedAnnotation)
	}
	return want, true
}

// findOwnScaledObject looks up the user's ScaledObject in bring-your-own
// mode. It returns the object when it fits the revision; otherwise nil, with
// waiting true when there is none yet, and the PA's status saying why.
func (r *Reconciler) findOwnScaledObject(pa *autoscalingv1alpha1.PodAutoscaler) (*kedav1alpha1.ScaledObject, bool) {
	so, err := r.soLister.ScaledObjects(pa.Namespace).Get(pa.Name)
	if err != nil {
		pa.Status.MarkActivating(ReasonWaitingForScaledObject, fmt.Sprintf(
			"%s is false: waiting for a ScaledObject named %q in namespace %q", translate.AutoCreateAnnotationKey, pa.Name, pa.Namespace))
		return nil, true
	}
	if err := mismatch(pa, so); err != nil {
		pa.Status.MarkInactive(ReasonScaledObjectMismatch, literal(err.Error()))
		return nil, false
	}
	return so, false
}

// mismatch says how a user's ScaledObject fails to fit the revision, or nil.
func mismatch(pa *autoscalingv1alpha1.PodAutoscaler, so *kedav1alpha1.ScaledObject) error {
	want := pa.Spec.ScaleTargetRef
	t := so.Spec.ScaleTargetRef
	if t == nil || t.Name != want.Name || (t.Kind != "" && t.Kind != want.Kind) ||
		(t.APIVersion != "" && t.APIVersion != want.APIVersion) {
		got := "nothing"
		if t != nil {
			got = fmt.Sprintf("%s %q", kindOr(t.Kind, "Deployment"), t.Name)
		}
		return fmt.Errorf("ScaledObject %q scales %s, not the revision's %s %q", so.Name, got, want.Kind, want.Name)
	}
	hpaName := "keda-hpa-" + so.Name // KEDA's default
	if a := so.Spec.Advanced; a != nil && a.HorizontalPodAutoscalerConfig != nil && a.HorizontalPodAutoscalerConfig.Name != "" {
		hpaName = a.HorizontalPodAutoscalerConfig.Name
	}
	if hpaName != translate.HPAName(pa) {
		return fmt.Errorf("ScaledObject %q names its HPA %q; set spec.advanced.horizontalPodAutoscalerConfig.name to %q so the revision's scale can be reported",
			so.Name, hpaName, translate.HPAName(pa))
	}
	return nil
}

func kindOr(kind, def string) string {
	if kind == "" {
		return def
	}
	return kind
}

// PodAutoscaler conditions that mirror KEDA's view of the ScaledObject. They
// are informational: they do not change the PA's Ready condition, which
// follows the HPA as in Serving's HPA class.
const (
	ConditionScaledObjectReady    apis.ConditionType = "ScaledObjectReady"
	ConditionScaledObjectFallback apis.ConditionType = "ScaledObjectFallback"
	ConditionScaledObjectPaused   apis.ConditionType = "ScaledObjectPaused"
	// ConditionScaledObjectHPAActive mirrors KEDA's HPAActive (KEDA 2.20.2
	// and later) while it is False: the HPA cannot read the revision's
	// metrics. Since KEDA 2.21 that no longer turns the ScaledObject's Ready
	// False, so without it a revision stuck at its scale would say nothing.
	ConditionScaledObjectHPAActive apis.ConditionType = "ScaledObjectHPAActive"
)

// mirrorScaledObjectConditions copies KEDA's Ready, Fallback and Paused
// while they hold, and HPAActive while it fails, onto the PA with KEDA's
// reason and message.
func mirrorScaledObjectConditions(pa *autoscalingv1alpha1.PodAutoscaler, so *kedav1alpha1.ScaledObject) {
	m := pa.GetConditionSet().Manage(&pa.Status)
	v := mirroredConditions(so.Status.Conditions)
	if ready := v[0]; ready.Status != "" {
		sev := apis.ConditionSeverityInfo
		if ready.Status == metav1.ConditionFalse {
			sev = apis.ConditionSeverityWarning
		}
		m.SetCondition(apis.Condition{
			Type: ConditionScaledObjectReady, Status: corev1.ConditionStatus(ready.Status),
			Severity: sev, Reason: ready.Reason, Message: ready.Message,
		})
	} else {
		m.ClearCondition(ConditionScaledObjectReady) //nolint:errcheck // only fails for the happy condition
	}
	mirrorWhile(m, ConditionScaledObjectFallback, v[1], metav1.ConditionTrue, apis.ConditionSeverityWarning)
	mirrorWhile(m, ConditionScaledObjectPaused, v[2], metav1.ConditionTrue, apis.ConditionSeverityInfo)
	mirrorWhile(m, ConditionScaledObjectHPAActive, v[3], metav1.ConditionFalse, apis.ConditionSeverityWarning)
}

// mirroredConditions is what the PA shows of KEDA's conditions: Ready once
// KEDA has reported on the ScaledObject, Fallback and Paused while True,
// HPAActive while False; zero Conditions otherwise. The informer compares it
// to skip KEDA's status writes that change nothing on the PA.
func mirroredConditions(conds kedav1alpha1.Conditions) [4]kedav1alpha1.Condition {
	var v [4]kedav1alpha1.Condition
	if ready := find(conds, kedav1alpha1.ConditionReady); kedaReported(ready) {
		v[0] = ready
	}
	for i, t := range []kedav1alpha1.ConditionType{kedav1alpha1.ConditionFallback, kedav1alpha1.ConditionPaused} {
		if c := find(conds, t); c.Status == metav1.ConditionTrue {
			v[i+1] = c
		}
	}
	if c := find(conds, kedav1alpha1.ConditionHPAActive); c.Status == metav1.ConditionFalse {
		v[3] = c
	}
	return v
}

// kedaReported tells a Ready condition that KEDA set after reconciling the
// ScaledObject from none (KEDA's getters invent Unknown conditions for an
// object it has not seen, so the slice is read as it is) and from KEDA's
// first write, a bare Unknown without a reason: that one says nothing the
// PA's WaitingForHPA does not, and mirroring it would cost every new revision
// one more status update.
func kedaReported(ready kedav1alpha1.Condition) bool {
	return ready.Status != "" && (ready.Status != metav1.ConditionUnknown || ready.Reason != "")
}

func find(conds kedav1alpha1.Conditions, t kedav1alpha1.ConditionType) kedav1alpha1.Condition {
	for _, c := range conds {
		if c.Type == t {
			return c
		}
	}
	return kedav1alpha1.Condition{}
}

// mirrorWhile shows c as t while its status is while, and clears t otherwise.
func mirrorWhile(m apis.ConditionManager, t apis.ConditionType, c kedav1alpha1.Condition, while metav1.ConditionStatus, sev apis.ConditionSeverity) {
	if c.Status != while {
		m.ClearCondition(t) //nolint:errcheck // only fails for the happy condition
		return
	}
	m.SetCondition(apis.Condition{Type: t, Status: corev1.ConditionStatus(while), Severity: sev, Reason: c.Reason, Message: c.Message})
}
