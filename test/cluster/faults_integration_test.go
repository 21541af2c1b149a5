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

package cluster

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// TestFaults checks the fault helpers: a cluster without KEDA's CRDs gets
// them (and the operator and webhook) later; kube-apiserver killed and restarted keeps
// its port, certificates and data, and ServiceAccount tokens stay valid.
func TestFaults(t *testing.T) {
	c := StartForTest(t, Options{SkipKEDACRDs: true})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	kube := c.Client()

	if _, err := kube.Discovery().ServerResourcesForGroupVersion("keda.sh/v1alpha1"); err == nil {
		t.Fatal("keda.sh/v1alpha1 served with SkipKEDACRDs")
	}
	if c.KEDAOperator != nil || c.KEDAWebhook != nil {
		t.Fatal("KEDA's operator or webhook started with SkipKEDACRDs")
	}
	if err := c.InstallKEDACRDs(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := kube.Discovery().ServerResourcesForGroupVersion("keda.sh/v1alpha1"); err != nil {
		t.Fatalf("keda.sh/v1alpha1 after InstallKEDACRDs: %v", err)
	}
	if err := c.StartKEDA(ctx); err != nil {
		t.Fatal(err)
	}
	if c.KEDAWebhook == nil {
		t.Error("StartKEDA started no admission webhook")
	}

	_, saCfg, err := c.ServiceAccountKubeconfig(ctx, ServingNamespace, "tester")
	if err != nil {
		t.Fatal(err)
	}
	sa, err := kubernetes.NewForConfig(saCfg)
	if err != nil {
		t.Fatal(err)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "before-restart"}}
	if _, err := kube.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	host, pid := c.RESTConfig().Host, c.APIServerPID()
	for _, stop := range []struct {
		name string
		f    func() error
	}{{"SIGKILL", c.KillAPIServer}, {"SIGTERM", func() error {
		graceful, err := c.StopAPIServer()
		t.Logf("SIGTERM: graceful exit: %v", graceful)
		return err
	}}} {
		if err := stop.f(); err != nil {
			t.Fatalf("%s: %v", stop.name, err)
		}
		if c.APIServerPID() != 0 {
			t.Errorf("%s: pid still recorded", stop.name)
		}
		if _, err := kube.Discovery().ServerVersion(); err == nil {
			t.Errorf("%s: kube-apiserver still answers", stop.name)
		}
		if err := c.Healthy(); err != nil {
			t.Errorf("%s: a stopped kube-apiserver counts as unhealthy: %v", stop.name, err)
		}
		begin := time.Now()
		if err := c.StartAPIServer(ctx); err != nil {
			t.Fatalf("%s: %v", stop.name, err)
		}
		t.Logf("kube-apiserver back %v after %s", time.Since(begin).Round(time.Millisecond), stop.name)
		if c.APIServerPID() == 0 || c.APIServerPID() == pid {
			t.Errorf("%s: pid %d after restart (was %d)", stop.name, c.APIServerPID(), pid)
		}
		pid = c.APIServerPID()
		if c.RESTConfig().Host != host {
			t.Errorf("%s: host %s, was %s", stop.name, c.RESTConfig().Host, host)
		}
		if _, err := kube.CoreV1().ConfigMaps("default").Get(ctx, "before-restart", metav1.GetOptions{}); err != nil {
			t.Errorf("%s: data lost: %v", stop.name, err)
		}
		// The ServiceAccount token was signed before the restart.
		if _, err := sa.CoreV1().ConfigMaps("default").List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
			t.Errorf("%s: ServiceAccount token: got %v, want Forbidden (authenticated, no role)", stop.name, err)
		}
	}
	if err := c.Healthy(); err != nil {
		t.Errorf("after the restarts: %v", err)
	}
}
