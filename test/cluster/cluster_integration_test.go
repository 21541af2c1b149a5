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
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// TestControlPlaneWithoutKEDA checks the harness itself: RBAC with
// ServiceAccount tokens, the garbage collector, extra processes and logs.
func TestControlPlaneWithoutKEDA(t *testing.T) {
	c := StartForTest(t, Options{SkipKEDA: true})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	kube := c.Client()

	if v, err := kube.Discovery().ServerVersion(); err != nil || v.GitVersion != KubeVersion {
		t.Errorf("server version = %v, %v; want %s", v, err, KubeVersion)
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

	// The garbage collector deletes dependents of a deleted owner.
	owner, err := kube.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "owner"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kube.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
		Name:            "dependent",
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: owner.Name, UID: owner.UID}},
	}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := kube.CoreV1().ConfigMaps("default").Delete(ctx, owner.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := kube.CoreV1().ConfigMaps("default").Get(ctx, "dependent", metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	}); err != nil {
		t.Errorf("dependent not garbage-collected: %v", err)
	}

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
	for n, v := range c.RSS() {
		t.Logf("RSS %s: %d MiB", n, v>>20)
	}
	if err := p.Stop(); err != nil {
		t.Error(err)
	}
	if err := c.Healthy(); err != nil {
		t.Errorf("a stopped process counts as unhealthy: %v", err)
	}
}
