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
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/ptr"
	"knative.dev/serving/pkg/apis/autoscaling"

	"github.com/serving-keda/serving-keda/pkg/translate"
	"github.com/serving-keda/serving-keda/test/harness"
)

// TestCPURevision: a cpu revision gets its ScaledObject, KEDA makes the HPA
// named after the revision and controlled by the ScaledObject, and the PA
// reports it.
func TestCPURevision(t *testing.T) {
	e := shared.Get(t)
	ns := e.Namespace(t)
	ctx := context.Background()
	pa := e.RevisionWith(t, ns, "hello-00001", map[string]string{autoscaling.TargetAnnotationKey: "70", autoscaling.MaxScaleAnnotationKey: "5"}, harness.CPURequest)

	so := e.ScaledObject(t, ns, pa.Name, createTimeout)
	if !metav1.IsControlledBy(so, pa) {
		t.Errorf("ScaledObject owners = %+v, want controlled by the PA", so.OwnerReferences)
	}
	if got := so.Spec.Triggers; len(got) != 1 || got[0].Type != "cpu" || got[0].Metadata["value"] != "70" {
		t.Errorf("triggers = %+v, want one cpu trigger at 70", got)
	}
	if *so.Spec.MaxReplicaCount != 5 || *so.Spec.MinReplicaCount != 1 {
		t.Errorf("replicas min %d max %d, want 1 and 5", *so.Spec.MinReplicaCount, *so.Spec.MaxReplicaCount)
	}

	hpa := e.HPA(t, ns, pa.Name, 30*time.Second)
	if !metav1.IsControlledBy(hpa, so) {
		t.Errorf("HPA owners = %+v, want controlled by the ScaledObject", hpa.OwnerReferences)
	}
	if hpa.Labels[translate.HPAManagedByLabel] != translate.HPAManagedByValue {
		t.Errorf("HPA labels = %v, want KEDA's managed-by label", hpa.Labels)
	}
	if hpa.Spec.MaxReplicas != 5 || hpa.Spec.ScaleTargetRef.Name != pa.Spec.ScaleTargetRef.Name {
		t.Errorf("HPA spec = %+v", hpa.Spec)
	}

	// The SKS is created in Serve mode; the PA reports it and the HPA.
	harness.Eventually(t, 30*time.Second, "PA active with its scale", func() (bool, string) {
		got := e.PodAutoscaler(t, ns, pa.Name)
		active := got.Status.GetCondition("Active")
		ok := active != nil && active.IsTrue() && got.Status.DesiredScale != nil && got.Status.ActualScale != nil
		return ok, harness.Condition(got, "Active")
	})
	sks, err := e.Networking.NetworkingV1alpha1().ServerlessServices(ns).Get(ctx, pa.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sks.Spec.Mode != "Serve" || !metav1.IsControlledBy(sks, pa) {
		t.Errorf("SKS mode %q owners %+v, want Serve and controlled by the PA", sks.Spec.Mode, sks.OwnerReferences)
	}
}

// TestHPAStatusFlowsToPA: a status written on the HPA as the HPA controller
// writes it reaches the PA's desired and actual scale within a second.
func TestHPAStatusFlowsToPA(t *testing.T) {
	e := shared.Get(t)
	ns := e.Namespace(t)
	ctx := context.Background()
	pa := e.RevisionWith(t, ns, "flow-00001", nil, harness.CPURequest)
	e.ScaledObject(t, ns, pa.Name, createTimeout)

	for i, want := range []struct{ desired, current int32 }{{3, 1}, {3, 3}, {1, 3}} {
		hpa := e.HPA(t, ns, pa.Name, 30*time.Second)
		hpa.Status.DesiredReplicas, hpa.Status.CurrentReplicas = want.desired, want.current
		hpa.Status.LastScaleTime = &metav1.Time{Time: time.Now()}
		if _, err := e.Kube.AutoscalingV2().HorizontalPodAutoscalers(ns).UpdateStatus(ctx, hpa, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		harness.Eventually(t, time.Second, fmt.Sprintf("step %d: PA scale %d/%d", i, want.desired, want.current), func() (bool, string) {
			got := e.PodAutoscaler(t, ns, pa.Name)
			ok := ptr.Int32Value(got.Status.DesiredScale) == want.desired && ptr.Int32Value(got.Status.ActualScale) == want.current
			return ok, fmt.Sprintf("desired %d actual %d", ptr.Int32Value(got.Status.DesiredScale), ptr.Int32Value(got.Status.ActualScale))
		})
		t.Logf("step %d: HPA status -> PA status in %v", i, time.Since(start).Round(time.Millisecond))
	}
}
