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

package translate_test

import (
	"strings"
	"testing"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/ptr"
	"knative.dev/serving/pkg/apis/autoscaling"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/serving-keda/serving-keda/pkg/translate"
	"github.com/serving-keda/serving-keda/pkg/translate/translatetest"
)

// kedaWebhook is KEDA's admission check over a namespace holding objs
// (translate.KEDAAdmission, keda_admission_test.go).
func kedaWebhook(t *testing.T, objs ...client.Object) func(*kedav1alpha1.ScaledObject) error {
	t.Helper()
	return translate.KEDAAdmission(t, objs...)
}

// TestKEDAWebhookAdmitsServingRevisions is the check a real install makes:
// what the translation writes for a revision's pod as Serving makes it is
// admitted by KEDA's webhook; pod-wide triggers, as the translation wrote
// them before scoping, are refused there.
func TestKEDAWebhookAdmitsServingRevisions(t *testing.T) {
	requests := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")}
	d := servingDeployment(requests)
	admit := kedaWebhook(t, d)
	for name, anns := range map[string]map[string]string{
		"cpu":        nil,
		"cpu value":  {autoscaling.TargetAnnotationKey: "250", translate.MetricTypeAnnotationKey: "AverageValue"},
		"memory":     {autoscaling.MetricAnnotationKey: "memory", autoscaling.TargetAnnotationKey: "100"},
		"memory pct": {autoscaling.MetricAnnotationKey: "memory"},
		"custom":     translatetest.Custom(nil),
		"custom with extra cpu": translatetest.Custom(map[string]string{
			translate.ExtraTriggersAnnotationKey: `[{"type":"cpu","metricType":"Utilization","metadata":{"value":"70"}}]`,
		}),
		"paused": {translate.PausedAnnotationKey: "true"},
	} {
		t.Run(name, func(t *testing.T) {
			so, err := translate.ScaledObject(translate.Input{
				PA:       translatetest.PodAutoscaler("shop", anns),
				Config:   caseConfig(t, nil, nil),
				Workload: translate.WorkloadFromPodSpec(d.Name, &d.Spec.Template.Spec, nil),
			})
			if err != nil {
				t.Fatalf("ScaledObject() = %v", err)
			}
			if err := admit(so); err != nil {
				t.Errorf("KEDA's webhook refuses the ScaledObject: %v", err)
			}
		})
	}
}

// TestKEDAWebhookRefuses shows the oracle can fail: objects KEDA refuses
// are refused here, with KEDA's message.
func TestKEDAWebhookRefuses(t *testing.T) {
	d := servingDeployment(corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")})
	admit := kedaWebhook(t, d)
	so, err := translate.ScaledObject(translate.Input{
		PA:       translatetest.PodAutoscaler("shop", map[string]string{autoscaling.MetricAnnotationKey: "memory", autoscaling.TargetAnnotationKey: "100"}),
		Config:   caseConfig(t, nil, nil),
		Workload: translate.WorkloadFromPodSpec(d.Name, &d.Spec.Template.Spec, nil),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		mutate func(*kedav1alpha1.ScaledObject)
		want   string
	}{{
		name:   "a pod-wide memory trigger: queue-proxy has no memory request",
		mutate: func(so *kedav1alpha1.ScaledObject) { delete(so.Spec.Triggers[0].Metadata, "containerName") },
		want:   "the scaledobject has a memory trigger but the container queue-proxy doesn't have the memory request defined",
	}, {
		name:   "only resource triggers and zero replicas",
		mutate: func(so *kedav1alpha1.ScaledObject) { so.Spec.MinReplicaCount = ptr.Int32(0) },
		want:   "scaledobject has only cpu/memory triggers AND minReplica is 0",
	}, {
		name: "a fallback on a resource trigger",
		mutate: func(so *kedav1alpha1.ScaledObject) {
			so.Spec.Fallback = &kedav1alpha1.Fallback{FailureThreshold: 3, Replicas: 2}
		},
		want: "fallback",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			bad := so.DeepCopy()
			tc.mutate(bad)
			err := admit(bad)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("KEDA's webhook: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func servingDeployment(userRequests corev1.ResourceList) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: translatetest.Revision + "-deployment", Namespace: "shop"},
		Spec:       appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: *servingPod(userRequests)}},
	}
}
