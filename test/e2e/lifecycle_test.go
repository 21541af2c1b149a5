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

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"
)

// TestDeletePodAutoscaler: deleting the PA (as deleting the revision does)
// lets the real garbage collector remove its ScaledObject and SKS, and,
// once KEDA has released the ScaledObject, the HPA KEDA made.
func TestDeletePodAutoscaler(t *testing.T) {
	e := sharedEnv(t)
	ns := e.namespace(t)
	ctx := context.Background()
	pa := e.revisionWith(t, ns, "gone-00001", nil, cpuRequest)
	so := e.scaledObject(t, ns, pa.Name)
	hpa := e.hpa(t, ns, pa.Name, kedaTimeout)
	e.paCondition(t, ns, pa.Name, "Active", controllerTimeout, (*apis.Condition).IsTrue)
	sks, err := e.networking.NetworkingV1alpha1().ServerlessServices(ns).Get(ctx, pa.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !metav1.IsControlledBy(so, pa) || !metav1.IsControlledBy(sks, pa) || !metav1.IsControlledBy(hpa, so) {
		t.Fatalf("owners: ScaledObject %+v, SKS %+v, HPA %+v; want PA, PA, ScaledObject",
			so.OwnerReferences, sks.OwnerReferences, hpa.OwnerReferences)
	}

	if err := e.serving.AutoscalingV1alpha1().PodAutoscalers(ns).Delete(ctx, pa.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	notFound(t, kedaTimeout, "ScaledObject", func() error {
		_, err := e.keda.KedaV1alpha1().ScaledObjects(ns).Get(ctx, pa.Name, metav1.GetOptions{})
		return err
	})
	notFound(t, kedaTimeout, "HPA", func() error {
		_, err := e.kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, pa.Name, metav1.GetOptions{})
		return err
	})
	notFound(t, kedaTimeout, "SKS", func() error {
		_, err := e.networking.NetworkingV1alpha1().ServerlessServices(ns).Get(ctx, pa.Name, metav1.GetOptions{})
		return err
	})
	t.Logf("ScaledObject, HPA and SKS collected %v after the PA's deletion", time.Since(start).Round(time.Millisecond))

	// Nothing brings them back: the controller does not recreate objects for
	// a PA that is gone.
	time.Sleep(time.Second)
	if _, err := e.keda.KedaV1alpha1().ScaledObjects(ns).Get(ctx, pa.Name, metav1.GetOptions{}); err == nil {
		t.Error("ScaledObject reappeared after the PA's deletion")
	}
}
