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
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"

	"github.com/serving-keda/serving-keda/test/harness"
)

// TestDeletePodAutoscaler: deleting the PA (as deleting the revision does)
// lets the real garbage collector remove its ScaledObject and SKS, and,
// once KEDA has released the ScaledObject, the HPA KEDA made.
func TestDeletePodAutoscaler(t *testing.T) {
	e := shared.Get(t)
	ns := e.Namespace(t)
	ctx := context.Background()
	pa := e.RevisionWith(t, ns, "gone-00001", nil, harness.CPURequest)
	so := e.ScaledObject(t, ns, pa.Name, createTimeout)
	hpa := e.HPA(t, ns, pa.Name, harness.KEDATimeout)
	e.PACondition(t, ns, pa.Name, "Active", harness.ControllerTimeout, (*apis.Condition).IsTrue)
	sks, err := e.Networking.NetworkingV1alpha1().ServerlessServices(ns).Get(ctx, pa.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !metav1.IsControlledBy(so, pa) || !metav1.IsControlledBy(sks, pa) || !metav1.IsControlledBy(hpa, so) {
		t.Fatalf("owners: ScaledObject %+v, SKS %+v, HPA %+v; want PA, PA, ScaledObject",
			so.OwnerReferences, sks.OwnerReferences, hpa.OwnerReferences)
	}

	if err := e.Serving.AutoscalingV1alpha1().PodAutoscalers(ns).Delete(ctx, pa.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	harness.NotFound(t, harness.KEDATimeout, "ScaledObject", func() error {
		_, err := e.KEDA.KedaV1alpha1().ScaledObjects(ns).Get(ctx, pa.Name, metav1.GetOptions{})
		return err
	})
	harness.NotFound(t, harness.KEDATimeout, "HPA", func() error {
		_, err := e.Kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, pa.Name, metav1.GetOptions{})
		return err
	})
	harness.NotFound(t, harness.KEDATimeout, "SKS", func() error {
		_, err := e.Networking.NetworkingV1alpha1().ServerlessServices(ns).Get(ctx, pa.Name, metav1.GetOptions{})
		return err
	})
	t.Logf("ScaledObject, HPA and SKS collected %v after the PA's deletion", time.Since(start).Round(time.Millisecond))

	// Nothing brings them back: the controller does not recreate objects
	// for a PA that is gone. The sign that it has handled the deletions
	// (each wakes the PA's key): a revision created afterwards gets its
	// ScaledObject and then KEDA's condition mirrored on its PA, which the
	// controller learns from the same ScaledObject watch, later in it than
	// the deletion, so the deleted PA's key was queued before.
	after := e.RevisionWith(t, ns, "after-00001", nil, harness.CPURequest)
	e.ScaledObject(t, ns, after.Name, createTimeout)
	e.PACondition(t, ns, after.Name, "ScaledObjectReady", harness.KEDATimeout, (*apis.Condition).IsTrue)
	if _, err := e.KEDA.KedaV1alpha1().ScaledObjects(ns).Get(ctx, pa.Name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("ScaledObject after the PA's deletion: err = %v, want NotFound (it reappeared)", err)
	}
	if _, err := e.Networking.NetworkingV1alpha1().ServerlessServices(ns).Get(ctx, pa.Name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("SKS after the PA's deletion: err = %v, want NotFound (it reappeared)", err)
	}
}
