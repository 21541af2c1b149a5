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

package keda

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/ptr"

	"github.com/serving-keda/serving-keda/pkg/translate"
)

// scaledObject is a ScaledObject as this controller writes them, with a
// prometheus and a cpu trigger.
func scaledObject() *kedav1alpha1.ScaledObject {
	return &kedav1alpha1.ScaledObject{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "rev", UID: "uid-1", Labels: map[string]string{"app": "x"}},
		Spec: kedav1alpha1.ScaledObjectSpec{
			ScaleTargetRef:  &kedav1alpha1.ScaleTarget{Name: "rev-deployment"},
			MinReplicaCount: ptr.Int32(0),
			Triggers: []kedav1alpha1.ScaleTriggers{
				{Type: "prometheus", Metadata: map[string]string{"threshold": "10"}},
				{Type: "cpu", MetricType: autoscalingv2.UtilizationMetricType, Metadata: map[string]string{"value": "70"}},
			},
		},
	}
}

func TestHPAForScaledObject(t *testing.T) {
	so := scaledObject()
	hpa := HPAForScaledObject(so)
	if hpa.Name != "keda-hpa-rev" || hpa.Namespace != "ns" {
		t.Errorf("HPA %s/%s, want ns/keda-hpa-rev", hpa.Namespace, hpa.Name)
	}
	wantLabels := map[string]string{
		"app":                          "x",
		"app.kubernetes.io/managed-by": "keda-operator",
		"app.kubernetes.io/name":       "keda-hpa-rev",
		"app.kubernetes.io/part-of":    "rev",
		"app.kubernetes.io/version":    kedaVersion(),
		"scaledobject.keda.sh/name":    "rev",
	}
	if diff := cmp.Diff(wantLabels, hpa.Labels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	if hpa.Labels[translate.HPAManagedByLabel] != translate.HPAManagedByValue || hpa.Labels[translate.HPAScaledObjectLabel] != so.Name {
		t.Error("the controller would not find this HPA by its labels")
	}
	tr := true
	wantOwner := []metav1.OwnerReference{{APIVersion: "keda.sh/v1alpha1", Kind: "ScaledObject", Name: "rev", UID: "uid-1", Controller: &tr, BlockOwnerDeletion: &tr}}
	if diff := cmp.Diff(wantOwner, hpa.OwnerReferences); diff != "" {
		t.Errorf("owner (-want +got):\n%s", diff)
	}
	if got := hpa.Spec.ScaleTargetRef; got != (autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "rev-deployment"}) {
		t.Errorf("scaleTargetRef = %+v", got)
	}
	// KEDA's defaults: min 0 (or unset) is 1 on the HPA, max unset is 100.
	if *hpa.Spec.MinReplicas != 1 || hpa.Spec.MaxReplicas != 100 {
		t.Errorf("min/max = %d/%d, want 1/100", *hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas)
	}
	m := hpa.Spec.Metrics
	if len(m) != 2 || m[0].Type != autoscalingv2.ExternalMetricSourceType || m[1].Type != autoscalingv2.ResourceMetricSourceType {
		t.Fatalf("metrics = %+v, want External then Resource", m)
	}
	if e := m[0].External; e.Metric.Name != "s0-prometheus" || e.Target.AverageValue.String() != "10" || e.Metric.Selector.MatchLabels["scaledobject.keda.sh/name"] != "rev" {
		t.Errorf("external metric = %+v", e)
	}
	if r := m[1].Resource; r.Name != "cpu" || r.Target.AverageUtilization == nil || *r.Target.AverageUtilization != 70 {
		t.Errorf("resource metric = %+v", r)
	}

}

func TestHPAForScaledObjectAdvanced(t *testing.T) {
	so := scaledObject()
	so.Spec.MinReplicaCount, so.Spec.MaxReplicaCount = ptr.Int32(2), ptr.Int32(7)
	so.Spec.Advanced = &kedav1alpha1.AdvancedConfig{HorizontalPodAutoscalerConfig: &kedav1alpha1.HorizontalPodAutoscalerConfig{
		Name:     "custom",
		Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: ptr.Int32(30)}},
	}}
	hpa := HPAForScaledObject(so)
	if hpa.Name != "custom" || hpa.Labels["app.kubernetes.io/name"] != "custom" || *hpa.Spec.MinReplicas != 2 || hpa.Spec.MaxReplicas != 7 ||
		hpa.Spec.Behavior == nil || *hpa.Spec.Behavior.ScaleDown.StabilizationWindowSeconds != 30 {
		t.Errorf("with advanced config: %s, min %d, max %d, behavior %+v", hpa.Name, *hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas, hpa.Spec.Behavior)
	}

}

func TestPlayedStatus(t *testing.T) {
	so := scaledObject()
	st := PlayedStatus(so, "custom")
	if st.HpaName != "custom" || st.ScaleTargetKind != "apps/v1.Deployment" || st.ScaleTargetGVKR == nil || st.ScaleTargetGVKR.Resource != "deployments" {
		t.Errorf("status = %+v", st)
	}
	want := kedav1alpha1.Conditions{
		{Type: kedav1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: "ScaledObjectReady", Message: "ScaledObject is defined correctly and is ready for scaling"},
		{Type: kedav1alpha1.ConditionActive, Status: metav1.ConditionFalse, Reason: "ScalerNotActive", Message: "Scaling is not performed because triggers are not active"},
		{Type: kedav1alpha1.ConditionFallback, Status: metav1.ConditionFalse, Reason: "NoFallbackFound", Message: "No fallbacks are active on this scaled object"},
		{Type: kedav1alpha1.ConditionPaused, Status: metav1.ConditionFalse},
	}
	if diff := cmp.Diff(want, st.Conditions); diff != "" {
		t.Errorf("conditions (-want +got):\n%s", diff)
	}
	if Played(so) {
		t.Error("a ScaledObject without status counts as played")
	}
	so.Status = st
	if !Played(so) {
		t.Error("a ScaledObject with the played status does not count as played")
	}
}
