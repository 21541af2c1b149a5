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

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"knative.dev/pkg/apis"
	"knative.dev/pkg/ptr"
	"knative.dev/serving/pkg/apis/autoscaling"

	"github.com/serving-keda/serving-keda/pkg/translate"
	"github.com/serving-keda/serving-keda/test/harness"
)

// kedaNameLabel is the label KEDA's operator puts on every ScaledObject.
const kedaNameLabel = "scaledobject.keda.sh/name"

// TestScaledObjectRestored: a ScaledObject a user deletes is recreated, and
// one a user edits is brought back to the desired spec.
func TestScaledObjectRestored(t *testing.T) {
	e := shared.Get(t)
	ns := e.Namespace(t)
	ctx := context.Background()
	sos := e.KEDA.KedaV1alpha1().ScaledObjects(ns)
	pa := e.RevisionWith(t, ns, "keep-00001", map[string]string{autoscaling.MaxScaleAnnotationKey: "5"}, harness.CPURequest)
	old := e.ScaledObject(t, ns, pa.Name, createTimeout)
	e.HPA(t, ns, pa.Name, harness.KEDATimeout)

	// Deleted: KEDA's finalizer goes, the object goes, the controller makes
	// a new one (a new UID) and KEDA a new HPA for it.
	if err := sos.Delete(ctx, pa.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var so *kedav1alpha1.ScaledObject
	harness.Eventually(t, harness.ControllerTimeout, "ScaledObject recreated", func() (bool, string) {
		var err error
		so, err = sos.Get(ctx, pa.Name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return so.UID != old.UID && so.DeletionTimestamp == nil, fmt.Sprintf("uid %s deleting %v", so.UID, so.DeletionTimestamp)
	})
	t.Logf("recreated %v after the deletion", time.Since(start).Round(time.Millisecond))
	if !metav1.IsControlledBy(so, pa) || !equality.Semantic.DeepEqual(so.Spec, old.Spec) {
		t.Errorf("recreated ScaledObject: owners %+v spec %+v, want controlled by the PA with spec %+v", so.OwnerReferences, so.Spec, old.Spec)
	}
	harness.Eventually(t, harness.KEDATimeout, "HPA controlled by the new ScaledObject", func() (bool, string) {
		hpa, err := e.Kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, pa.Name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return metav1.IsControlledBy(hpa, so), fmt.Sprintf("owners %+v", hpa.OwnerReferences)
	})
	e.PACondition(t, ns, pa.Name, "Active", harness.ControllerTimeout, (*apis.Condition).IsTrue)

	// Edited: maxReplicaCount is put back. A merge patch, as kubectl edit
	// would send: KEDA's status writes make an Update conflict often.
	edited, err := sos.Patch(ctx, pa.Name, types.MergePatchType, []byte(`{"spec":{"maxReplicaCount":42}}`),
		metav1.PatchOptions{FieldManager: "e2e-user"})
	if err != nil {
		t.Fatal(err)
	}
	if ptr.Int32Value(edited.Spec.MaxReplicaCount) != 42 {
		t.Fatalf("patched maxReplicaCount = %d, want 42", ptr.Int32Value(edited.Spec.MaxReplicaCount))
	}
	start = time.Now()
	harness.Eventually(t, harness.ControllerTimeout, "maxReplicaCount restored", func() (bool, string) {
		so, err = sos.Get(ctx, pa.Name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return ptr.Int32Value(so.Spec.MaxReplicaCount) == 5, fmt.Sprintf("maxReplicaCount %d", ptr.Int32Value(so.Spec.MaxReplicaCount))
	})
	t.Logf("restored %v after the edit", time.Since(start).Round(time.Millisecond))
	if so.Generation <= edited.Generation || so.UID != edited.UID {
		t.Errorf("generation %d uid %s after the restore, want > %d and the same object", so.Generation, so.UID, edited.Generation)
	}
	t.Logf("managers after the restore: %v", harness.Managers(so))
	if !hasManager(so, harness.ControllerFieldManager) {
		t.Errorf("managers %v, want %s among them after its update", harness.Managers(so), harness.ControllerFieldManager)
	}
}

func hasManager(so *kedav1alpha1.ScaledObject, name string) bool {
	for _, f := range so.ManagedFields {
		if f.Manager == name || strings.HasPrefix(f.Manager, name+"/") {
			return true
		}
	}
	return false
}

// checkUntouched fails unless the user's ScaledObject still has the spec,
// labels, owners and generation it was created with, and no field manager
// of the controller.
func checkUntouched(t *testing.T, so, created *kedav1alpha1.ScaledObject) {
	t.Helper()
	t.Logf("ScaledObject managers: %v; generation %d, resourceVersion %s (created at %s)",
		harness.Managers(so), so.Generation, so.ResourceVersion, created.ResourceVersion)
	if so.Generation != created.Generation {
		t.Errorf("generation %d, want %d: the spec was written", so.Generation, created.Generation)
	}
	// KEDA labels every ScaledObject with its name; nothing else may change.
	labels := map[string]string{}
	for k, v := range so.Labels {
		if k != kedaNameLabel {
			labels[k] = v
		}
	}
	if !equality.Semantic.DeepEqual(so.Spec, created.Spec) || len(so.OwnerReferences) != 0 ||
		!equality.Semantic.DeepEqual(labels, created.Labels) || !equality.Semantic.DeepEqual(so.Annotations, created.Annotations) {
		t.Errorf("ScaledObject changed: spec %+v owners %+v labels %v annotations %v, want spec %+v, no owners, labels %v, annotations %v",
			so.Spec, so.OwnerReferences, so.Labels, so.Annotations, created.Spec, created.Labels, created.Annotations)
	}
	if hasManager(so, harness.ControllerFieldManager) {
		t.Errorf("managers %v: the controller wrote the user's ScaledObject", harness.Managers(so))
	}
	for _, f := range so.ManagedFields {
		if f.Manager != created.ManagedFields[0].Manager && !strings.HasPrefix(f.Manager, "keda") {
			t.Errorf("unexpected field manager %q (%s %s)", f.Manager, f.Operation, f.Subresource)
		}
	}
}

// TestBringYourOwnScaledObject: with scaled-object-auto-create "false" the PA
// waits for the user's ScaledObject, reports the HPA KEDA makes from it, and
// the controller never writes it.
func TestBringYourOwnScaledObject(t *testing.T) {
	e := shared.Get(t)
	ns := e.Namespace(t)
	ctx := context.Background()
	const name = "byo-00001"
	e.RevisionWith(t, ns, name, map[string]string{translate.AutoCreateAnnotationKey: "false"}, harness.CPURequest)

	pa := e.PACondition(t, ns, name, "Active", harness.ControllerTimeout, func(c *apis.Condition) bool {
		return c.IsUnknown() && c.Reason == "WaitingForScaledObject"
	})
	t.Logf("waiting: %s", harness.Condition(pa, "Active"))
	if _, err := e.KEDA.KedaV1alpha1().ScaledObjects(ns).Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("a ScaledObject appeared in bring-your-own mode: err = %v", err)
	}

	created := e.CreateUserScaledObject(t, harness.UserScaledObject(ns, name), metav1.CreateOptions{FieldManager: "e2e-user"})
	hpa := e.HPA(t, ns, name, harness.KEDATimeout)
	if ref := metav1.GetControllerOf(hpa); ref == nil || ref.UID != created.UID {
		t.Errorf("HPA controller %+v, want the user's ScaledObject", ref)
	}
	e.PACondition(t, ns, name, "Active", harness.ControllerTimeout, (*apis.Condition).IsTrue)

	// The HPA's scale reaches the PA, as the HPA controller would write it.
	hpas := e.Kube.AutoscalingV2().HorizontalPodAutoscalers(ns)
	if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		hpa, err := hpas.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		hpa.Status.DesiredReplicas, hpa.Status.CurrentReplicas = 2, 1
		_, err = hpas.UpdateStatus(ctx, hpa, metav1.UpdateOptions{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	harness.Eventually(t, harness.ControllerTimeout, "PA scale 2/1", func() (bool, string) {
		pa = e.PodAutoscaler(t, ns, name)
		d, a := ptr.Int32Value(pa.Status.DesiredScale), ptr.Int32Value(pa.Status.ActualScale)
		return d == 2 && a == 1 && pa.Status.DesiredScale != nil, fmt.Sprintf("desired %d actual %d", d, a)
	})
	// KEDA's conditions are mirrored from the user's object too.
	e.PACondition(t, ns, name, "ScaledObjectReady", harness.ControllerTimeout, (*apis.Condition).IsTrue)

	// One more whole reconcile, after the user's object, KEDA's HPA and
	// KEDA's status on the object: whatever it would write is written once
	// the PA's new generation is observed.
	e.Reconciled(t, ns, name, harness.ControllerTimeout)
	so, err := e.KEDA.KedaV1alpha1().ScaledObjects(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkUntouched(t, so, created)
}

// TestScaledObjectNotOwned: a ScaledObject named after the revision that
// the PA does not control gives the PA reason NotOwned and is never written.
func TestScaledObjectNotOwned(t *testing.T) {
	e := shared.Get(t)
	ns := e.Namespace(t)
	ctx := context.Background()
	const name = "taken-00001"
	// The Deployment first, as Serving makes it before the PA: KEDA's
	// webhook reads it to admit the user's cpu trigger.
	e.Deployment(t, ns, name, harness.CPURequest)
	created := e.CreateUserScaledObject(t, harness.UserScaledObject(ns, name), metav1.CreateOptions{FieldManager: "e2e-user"})
	e.RevisionWith(t, ns, name, nil, harness.CPURequest)

	pa := e.PACondition(t, ns, name, "Ready", harness.ControllerTimeout, func(c *apis.Condition) bool {
		return c.IsFalse() && c.Reason == "NotOwned"
	})
	t.Logf("PA: %s", harness.Condition(pa, "Ready"))
	if msg := pa.Status.GetCondition(apis.ConditionReady).Message; !strings.Contains(msg, name) {
		t.Errorf("Ready message %q does not name the ScaledObject", msg)
	}

	// KEDA reconciles the user's object meanwhile (status, finalizer); the
	// controller leaves it alone, also on the reconciles that KEDA's status
	// writes trigger: one more whole reconcile after them (the PA's new
	// generation observed) writes nothing to it either.
	harness.Eventually(t, harness.KEDATimeout, "KEDA reconciled the user's ScaledObject", func() (bool, string) {
		so, err := e.KEDA.KedaV1alpha1().ScaledObjects(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		ready := so.Status.Conditions.GetReadyCondition()
		return ready.IsTrue(), harness.SOCondition(so, kedav1alpha1.ConditionReady)
	})
	e.Reconciled(t, ns, name, harness.ControllerTimeout)
	so, err := e.KEDA.KedaV1alpha1().ScaledObjects(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkUntouched(t, so, created)
	pa = e.PodAutoscaler(t, ns, name)
	if c := pa.Status.GetCondition(apis.ConditionReady); c == nil || c.Reason != "NotOwned" {
		t.Errorf("PA %s, want reason NotOwned to stay", harness.Condition(pa, "Ready"))
	}

	// Once the user deletes theirs, the PA gets its own ScaledObject.
	if err := e.KEDA.KedaV1alpha1().ScaledObjects(ns).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	harness.Eventually(t, harness.KEDATimeout, "the PA's own ScaledObject", func() (bool, string) {
		so, err := e.KEDA.KedaV1alpha1().ScaledObjects(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return metav1.IsControlledBy(so, pa), fmt.Sprintf("uid %s owners %+v", so.UID, so.OwnerReferences)
	})
	pa = e.PACondition(t, ns, name, "Active", harness.KEDATimeout, (*apis.Condition).IsTrue)
	if c := pa.Status.GetCondition(apis.ConditionReady); c != nil && c.Reason == "NotOwned" {
		t.Errorf("PA %s after the user's ScaledObject went", harness.Condition(pa, "Ready"))
	}
}
