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
	"reflect"
	"runtime"
	"strings"
	"testing"
	"unique"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	nv1alpha1 "knative.dev/networking/pkg/apis/networking/v1alpha1"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
	"knative.dev/pkg/ptr"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	servingtesting "knative.dev/serving/pkg/testing"
)

var managed = []metav1.ManagedFieldsEntry{{Manager: "keda", Operation: metav1.ManagedFieldsOperationUpdate, Subresource: "status"}}

func TestTrimHPA(t *testing.T) {
	full := hpa(withHPAReplicas(3, 2))
	full.ManagedFields = managed
	full.Annotations = map[string]string{"a": "b"}
	full.Spec.MinReplicas = ptr.Int32(1)
	full.Status.Conditions = []autoscalingv2.HorizontalPodAutoscalerCondition{{Type: autoscalingv2.ScalingActive, Status: corev1.ConditionTrue, Message: "the HPA was able to compute the replica count"}}

	got, err := trimHPA(full.DeepCopy())
	if err != nil {
		t.Fatal(err)
	}
	h := got.(*autoscalingv2.HorizontalPodAutoscaler)
	if h.Name != full.Name || h.Namespace != full.Namespace || h.UID != full.UID || h.ResourceVersion != full.ResourceVersion {
		t.Errorf("identity lost: %+v", h.ObjectMeta)
	}
	if !cmp.Equal(h.OwnerReferences, full.OwnerReferences) {
		t.Errorf("owners lost: %+v", h.ObjectMeta)
	}
	if h.Status.DesiredReplicas != 3 || h.Status.CurrentReplicas != 2 {
		t.Errorf("replicas = %d/%d, want 3/2", h.Status.DesiredReplicas, h.Status.CurrentReplicas)
	}
	if h.ManagedFields != nil || h.Labels != nil || h.Annotations != nil || h.Spec.MinReplicas != nil || h.Status.Conditions != nil {
		t.Errorf("kept what nothing reads: %+v", h)
	}
}

// TestTrimDeployment: a cached Deployment keeps its identity, revision label
// and replicas, and of each container its name, whether it has ports, and
// which of cpu and memory it requests or limits, in values all share.
func TestTrimDeployment(t *testing.T) {
	full := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{
			Name: "rev-deployment", Namespace: "ns", UID: "u", ResourceVersion: "7", ManagedFields: managed,
			Labels: map[string]string{RevisionDeploymentSelector: "rev", "app": "x"},
		},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.Int32(3),
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{
				Name: "user-container", Image: "img", Env: []corev1.EnvVar{{Name: "A", Value: "b"}},
				Ports:     []corev1.ContainerPort{{Name: "user-port", ContainerPort: 8080}},
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}},
			}, {
				Name: "queue-proxy", Args: []string{"--long"},
				Ports: []corev1.ContainerPort{{Name: "http-queueadm", ContainerPort: 8022}},
				Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("25m"), corev1.ResourceMemory: resource.MustParse("0")},
					Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")},
				},
			}, {
				Name:      "zero",
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("0")}},
			}}}},
		},
		Status: appsv1.DeploymentStatus{Replicas: 2, ReadyReplicas: 1, AvailableReplicas: 1},
	}
	one := resource.MustParse("1")
	want := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{
			Name: "rev-deployment", Namespace: "ns", UID: "u", ResourceVersion: "7",
			Labels: map[string]string{RevisionDeploymentSelector: "rev"},
		},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.Int32(3),
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{
				Name: "user-container", Ports: []corev1.ContainerPort{{ContainerPort: 1}},
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: one}},
			}, {
				Name: "queue-proxy", Ports: []corev1.ContainerPort{{ContainerPort: 1}},
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: one, corev1.ResourceMemory: one}},
			}, {
				Name: "zero",
			}}}},
		},
		Status: appsv1.DeploymentStatus{Replicas: 2, ReadyReplicas: 1},
	}

	got, err := trimDeployment(full.DeepCopy())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("trimDeployment() (-want, +got):\n%s", diff)
	}
	other, _ := trimDeployment(full.DeepCopy())
	a := got.(*appsv1.Deployment).Spec.Template.Spec.Containers[0]
	b := other.(*appsv1.Deployment).Spec.Template.Spec.Containers[0]
	if reflect.ValueOf(a.Resources.Requests).Pointer() != reflect.ValueOf(b.Resources.Requests).Pointer() ||
		unsafe.SliceData(a.Ports) != unsafe.SliceData(b.Ports) {
		t.Error("two cached Deployments' containers do not share their requests and ports")
	}
}

func TestTrimScaledObject(t *testing.T) {
	full := scaledObject(pa(), withSOReady, withKEDAMetadata)
	full.ManagedFields = managed
	full.Status.HpaName = "keda-hpa-x"
	full.Status.ExternalMetricNames = []string{"s0-prometheus"}
	full.Status.Health = map[string]kedav1alpha1.HealthStatus{"s0-prometheus": {Status: kedav1alpha1.HealthStatusHappy}}

	got, err := trimScaledObject(full.DeepCopy())
	if err != nil {
		t.Fatal(err)
	}
	so := got.(*kedav1alpha1.ScaledObject)
	want := full.DeepCopy()
	want.ManagedFields = nil
	want.Status = kedav1alpha1.ScaledObjectStatus{Conditions: full.Status.Conditions}
	if diff := cmp.Diff(want, so); diff != "" {
		t.Errorf("trimScaledObject (-want +got):\n%s", diff)
	}
}

func TestSlimMetaSharesStrings(t *testing.T) {
	// Two objects decoded apart carry equal strings in separate memory:
	// strings.Repeat makes such copies. unique keeps a canonical string only
	// while a handle to it lives, and intern keeps none: a GC between the
	// two objects would give them separate canonical copies (it did once,
	// in CI). The test holds a handle to check the interning itself; how
	// much sharing outlives the GCs of a running controller is not shown
	// here.
	pin := unique.Make("vvv")
	defer runtime.KeepAlive(pin)
	a, b := pa(withAnnotations(customMetric)), pa(withAnnotations(customMetric))
	a.ManagedFields = managed
	a.Labels = map[string]string{strings.Repeat("k", 3): strings.Repeat("v", 3)}
	b.Labels = map[string]string{strings.Repeat("k", 3): strings.Repeat("v", 3)}
	want := a.DeepCopy()
	want.ManagedFields = nil
	for _, p := range []*autoscalingv1alpha1.PodAutoscaler{a, b} {
		if _, err := slimPA(p); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(want, a); diff != "" {
		t.Errorf("slimPA changed more than managed fields (-want +got):\n%s", diff)
	}
	if unsafe.StringData(a.Labels["kkk"]) != unsafe.StringData(b.Labels["kkk"]) {
		t.Error("equal label values of two objects are not shared")
	}
}

func TestCreatedWithoutStatus(t *testing.T) {
	owned := sks()
	ready := sks(servingtesting.WithSKSReady)
	foreign := sks()
	foreign.OwnerReferences = nil
	byo := scaledObject(pa())
	byo.OwnerReferences = nil
	for _, tc := range []struct {
		name string
		obj  interface{}
		want bool
	}{
		{"just created ScaledObject", scaledObject(pa()), true},
		{"ScaledObject KEDA has seen", scaledObject(pa(), withKEDAInitialized), false},
		{"bring-your-own ScaledObject without status", byo, false},
		{"just created SKS", owned, true},
		{"SKS with status", ready, false},
		{"SKS without a PA owner", foreign, false},
		{"SKS with conditions only", &nv1alpha1.ServerlessService{ObjectMeta: owned.ObjectMeta, Status: nv1alpha1.ServerlessServiceStatus{
			Status: duckv1.Status{Conditions: duckv1.Conditions{{Type: apis.ConditionReady, Status: corev1.ConditionUnknown}}}}}, false},
		{"HPA", hpa(), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := createdWithoutStatus(tc.obj); got != tc.want {
				t.Errorf("createdWithoutStatus = %v, want %v", got, tc.want)
			}
		})
	}
}
