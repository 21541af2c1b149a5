//go:build integration

/*
Copyright The serving-keda Authors

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
	"sort"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"

	"github.com/serving-keda/serving-keda/test/cluster"
)

var scaledObjectGVR = schema.GroupVersionResource{Group: "keda.sh", Version: "v1alpha1", Resource: "scaledobjects"}

// TestSmoke checks the local control plane end to end without the product:
// KEDA turns a hand-written ScaledObject into an HPA it controls, and the
// garbage collector removes that HPA once the ScaledObject is deleted.
func TestSmoke(t *testing.T) {
	c := cluster.StartForTest(t, cluster.Options{})
	t.Logf("cluster start took %v", c.StartDuration.Round(time.Millisecond))

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const ns, name = "smoke", "smoke"
	if err := c.CreateNamespace(ctx, ns); err != nil {
		t.Fatal(err)
	}
	kube := c.Client()
	dyn, err := dynamic.NewForConfig(c.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}

	// The target: its pods stay Pending (no nodes). The cpu scaler needs the
	// container to request cpu.
	labels := map[string]string{"app": name}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name:  "app",
					Image: "example.invalid/app:latest",
					Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
						corev1.ResourceCPU: resource.MustParse("100m"),
					}},
				}}},
			},
		},
	}
	if _, err := kube.AppsV1().Deployments(ns).Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	so := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "keda.sh/v1alpha1",
		"kind":       "ScaledObject",
		"metadata":   map[string]any{"name": name, "namespace": ns},
		"spec": map[string]any{
			"scaleTargetRef":  map[string]any{"name": name},
			"minReplicaCount": int64(1),
			"maxReplicaCount": int64(3),
			"advanced": map[string]any{
				"horizontalPodAutoscalerConfig": map[string]any{"name": name},
			},
			"triggers": []any{map[string]any{
				"type":       "cpu",
				"metricType": "Utilization",
				"metadata":   map[string]any{"value": "80"},
			}},
		},
	}}
	created, err := dyn.Resource(scaledObjectGVR).Namespace(ns).Create(ctx, so, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()

	// KEDA creates the HPA under the name the ScaledObject asks for.
	var hpa *autoscalingv2.HorizontalPodAutoscaler
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		hpa, err = kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil, err
	}); err != nil {
		t.Fatalf("KEDA did not create HPA %s/%s: %v (ScaledObject: %s)", ns, name, err, describe(ctx, dyn, ns, name))
	}
	t.Logf("KEDA created HPA %s/%s %v after the ScaledObject", ns, hpa.Name, time.Since(t0).Round(time.Millisecond))

	ref := metav1.GetControllerOf(hpa)
	if ref == nil || ref.APIVersion != "keda.sh/v1alpha1" || ref.Kind != "ScaledObject" || ref.Name != name || ref.UID != created.GetUID() {
		t.Errorf("HPA controller reference = %+v, want ScaledObject %s (uid %s)", ref, name, created.GetUID())
	}
	if got := hpa.Spec.ScaleTargetRef; got.Kind != "Deployment" || got.Name != name {
		t.Errorf("HPA scaleTargetRef = %+v, want Deployment %s", got, name)
	}
	if hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas != 1 || hpa.Spec.MaxReplicas != 3 {
		t.Errorf("HPA replicas = [%v, %d], want [1, 3]", hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas)
	}
	if len(hpa.Spec.Metrics) != 1 || hpa.Spec.Metrics[0].Resource == nil ||
		hpa.Spec.Metrics[0].Resource.Name != corev1.ResourceCPU ||
		hpa.Spec.Metrics[0].Resource.Target.AverageUtilization == nil ||
		*hpa.Spec.Metrics[0].Resource.Target.AverageUtilization != 80 {
		t.Errorf("HPA metrics = %+v, want cpu utilization 80", hpa.Spec.Metrics)
	}

	reportRSS(t, c)

	// Deleting the ScaledObject: KEDA drops its finalizer, then the garbage
	// collector deletes the HPA it controlled.
	if err := dyn.Resource(scaledObjectGVR).Namespace(ns).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	t0 = time.Now()
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, err
	}); err != nil {
		t.Fatalf("HPA %s/%s not garbage-collected after the ScaledObject's deletion: %v (ScaledObject: %s)", ns, name, err, describe(ctx, dyn, ns, name))
	}
	t.Logf("HPA garbage-collected %v after the ScaledObject's deletion", time.Since(t0).Round(time.Millisecond))

	if err := c.Healthy(); err != nil {
		t.Error(err)
	}
}

func describe(ctx context.Context, dyn dynamic.Interface, ns, name string) string {
	u, err := dyn.Resource(scaledObjectGVR).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err.Error()
	}
	status, _, _ := unstructured.NestedMap(u.Object, "status")
	return fmt.Sprintf("finalizers=%v status=%v", u.GetFinalizers(), status)
}

func reportRSS(t *testing.T, c *cluster.Cluster) {
	rss := c.RSS()
	names := make([]string, 0, len(rss))
	var total int64
	for n, v := range rss {
		names = append(names, n)
		total += v
	}
	sort.Strings(names)
	for _, n := range names {
		t.Logf("RSS %-24s %4d MiB", n, rss[n]>>20)
	}
	t.Logf("RSS %-24s %4d MiB", "total", total>>20)
}
