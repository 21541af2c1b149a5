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

package cluster

import (
	"context"
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	kedaclientset "github.com/kedacore/keda/v2/pkg/generated/clientset/versioned"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
)

// TestControlPlane checks the control plane itself, without the product:
// the version, RBAC with ServiceAccount tokens, KEDA's operator turning a
// hand-written ScaledObject into an HPA it controls, the garbage collector
// removing that HPA once the ScaledObject is deleted, extra processes and
// their logs. (TestFaults checks the fault helpers.)
func TestControlPlane(t *testing.T) {
	c := StartForTest(t, Options{})
	t.Logf("cluster start took %v", c.StartDuration.Round(time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	kube := c.Client()

	kubeVersion, err := c.Releases().Version(KubeAPIServer)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := kube.Discovery().ServerVersion(); err != nil || v.GitVersion != kubeVersion {
		t.Errorf("server version = %v, %v; want %s", v, err, kubeVersion)
	}
	if _, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig()); err != nil {
		t.Errorf("admin kubeconfig: %v", err)
	}

	// A ServiceAccount's token authenticates; RBAC decides.
	path, cfg, err := c.ServiceAccountKubeconfig(ctx, ServingNamespace, "tester")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	sa, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sa.CoreV1().ConfigMaps("default").List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("listing config maps without a role: got %v, want Forbidden", err)
	}
	if _, err := kube.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "tester"},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"list"}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := kube.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "tester"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "tester"},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: ServingNamespace, Name: "tester"}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := sa.CoreV1().ConfigMaps("default").List(ctx, metav1.ListOptions{})
		return err == nil, nil
	}); err != nil {
		t.Errorf("listing config maps with a role: %v", err)
	}

	// KEDA's operator creates the HPA under the name the ScaledObject asks
	// for; the target's pods stay Pending (no nodes), the cpu scaler only
	// needs the container to request cpu.
	const ns, name = "smoke", "smoke"
	if err := c.CreateNamespace(ctx, ns); err != nil {
		t.Fatal(err)
	}
	kedaClient, err := kedaclientset.NewForConfig(c.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	dep.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}}
	dep.Spec.Template.Labels = dep.Spec.Selector.MatchLabels
	dep.Spec.Template.Spec.Containers = []corev1.Container{{Name: "app", Image: "example.invalid/app:latest",
		Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}}}}
	if _, err := kube.AppsV1().Deployments(ns).Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	sos := kedaClient.KedaV1alpha1().ScaledObjects(ns)
	so, err := sos.Create(ctx, &kedav1alpha1.ScaledObject{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: kedav1alpha1.ScaledObjectSpec{
			ScaleTargetRef:  &kedav1alpha1.ScaleTarget{Name: name},
			MinReplicaCount: ptr.To[int32](1),
			MaxReplicaCount: ptr.To[int32](3),
			Advanced:        &kedav1alpha1.AdvancedConfig{HorizontalPodAutoscalerConfig: &kedav1alpha1.HorizontalPodAutoscalerConfig{Name: name}},
			Triggers:        []kedav1alpha1.ScaleTriggers{{Type: "cpu", MetricType: "Utilization", Metadata: map[string]string{"value": "80"}}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	describe := func() string {
		so, err := sos.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		return fmt.Sprintf("finalizers=%v conditions=%+v", so.Finalizers, so.Status.Conditions)
	}
	t0 := time.Now()
	var hpa *autoscalingv2.HorizontalPodAutoscaler
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		hpa, err = kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, name, metav1.GetOptions{})
		return err == nil, nil
	}); err != nil {
		t.Fatalf("KEDA did not create HPA %s/%s: %v (ScaledObject: %s)", ns, name, err, describe())
	}
	t.Logf("KEDA created HPA %s/%s %v after the ScaledObject", ns, hpa.Name, time.Since(t0).Round(time.Millisecond))
	if !metav1.IsControlledBy(hpa, so) {
		t.Errorf("HPA owners = %+v, want controlled by ScaledObject %s (uid %s)", hpa.OwnerReferences, name, so.UID)
	}
	if got := hpa.Spec.ScaleTargetRef; got.Kind != "Deployment" || got.Name != name {
		t.Errorf("HPA scaleTargetRef = %+v, want Deployment %s", got, name)
	}
	if hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas != 1 || hpa.Spec.MaxReplicas != 3 {
		t.Errorf("HPA replicas = [%v, %d], want [1, 3]", hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas)
	}
	if m := hpa.Spec.Metrics; len(m) != 1 || m[0].Resource == nil || m[0].Resource.Name != corev1.ResourceCPU ||
		m[0].Resource.Target.AverageUtilization == nil || *m[0].Resource.Target.AverageUtilization != 80 {
		t.Errorf("HPA metrics = %+v, want cpu utilization 80", m)
	}

	// Deleting the ScaledObject: KEDA drops its finalizer, then the garbage
	// collector deletes the HPA it controlled.
	if err := sos.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	t0 = time.Now()
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	}); err != nil {
		t.Fatalf("HPA %s/%s not garbage-collected after the ScaledObject's deletion: %v (ScaledObject: %s)", ns, name, err, describe())
	}
	t.Logf("HPA garbage-collected %v after the ScaledObject's deletion", time.Since(t0).Round(time.Millisecond))

	// Extra processes log to LogDir and stop with the cluster.
	p, err := c.StartProcess("sleeper", "/bin/sh", []string{"-c", "echo hello; exec sleep 600"}, []string{"X=1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
		return tailFile(p.LogPath, 1) == "hello", nil
	}); err != nil {
		t.Errorf("log %s: %q", p.LogPath, tailFile(p.LogPath, 5))
	}
	if err := c.Healthy(); err != nil {
		t.Error(err)
	}
	reportRSS(t, c)
	if err := p.Stop(); err != nil {
		t.Error(err)
	}
	if err := c.Healthy(); err != nil {
		t.Errorf("a stopped process counts as unhealthy: %v", err)
	}
}

func reportRSS(t *testing.T, c *Cluster) {
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
