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
	"fmt"
	"net/http"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	servingv1 "knative.dev/serving/pkg/apis/serving/v1"
	servingclientset "knative.dev/serving/pkg/client/clientset/versioned"
)

// TestServingAutoscaler checks the KPA pieces of the harness without the
// product: a Knative Service of the KPA class, scaled by Serving's own
// autoscaler, its pod answering through Serving's real queue-proxy. Its
// first request through the activator is answered by its pod (queue-proxy
// in front of the user container); idle, the KPA takes it to zero, which
// needs the activator's stats (through the autoscaler's websocket), every
// pod's queue-proxy stats (scraped on :9090) and the activator answering
// the KPA's probe of the revision's public Service (by name, through the
// harness's Service proxy); a request at zero wakes it, answered by the
// new pod. Its own network namespace (InOwnNetNamespace).
func TestServingAutoscaler(t *testing.T) {
	if InOwnNetNamespace(t) {
		return
	}
	c := StartForTest(t, Options{Serving: true, Kwok: true, Activator: true, QueueProxy: true, ServingAutoscaler: true, SkipKEDA: true})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	sc, err := servingclientset.NewForConfig(c.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	cms := c.Client().CoreV1().ConfigMaps(ServingNamespace)
	cm, err := cms.Get(ctx, "config-autoscaler", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Data["scale-to-zero-grace-period"] = "6s"
	if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	const ns, name, rev = "kpa", "hello", "hello-00001"
	deployment := rev + "-deployment"
	if err := c.CreateNamespace(ctx, ns); err != nil {
		t.Fatal(err)
	}
	ksvc := &servingv1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: servingv1.ServiceSpec{ConfigurationSpec: servingv1.ConfigurationSpec{Template: servingv1.RevisionTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{
				"autoscaling.knative.dev/class":     "kpa.autoscaling.knative.dev",
				"autoscaling.knative.dev/min-scale": "0",
				"autoscaling.knative.dev/window":    "6s",
			}},
			Spec: servingv1.RevisionSpec{PodSpec: corev1.PodSpec{Containers: []corev1.Container{{Image: "dev.local/hello"}}}},
		}}},
	}
	if _, err := sc.ServingV1().Services(ns).Create(ctx, ksvc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// The first pod answers through its queue-proxy.
	podIP := waitPodIP(ctx, t, c, ns, rev)
	t0 := time.Now()
	body, code, err := activatorGet(ctx, c, ns, rev)
	if err != nil || code != http.StatusOK || body != "hello from "+podIP {
		t.Fatalf("request through the activator: %d %q %v; want 200 %q", code, body, err, "hello from "+podIP)
	}
	t.Logf("first request answered by the pod at %s through queue-proxy in %v", podIP, time.Since(t0).Round(time.Millisecond))

	// Idle: the KPA takes it to zero.
	t0 = time.Now()
	waitSpecReplicas(ctx, t, c, ns, deployment, 0, 3*time.Minute)
	t.Logf("the KPA scaled %s to zero %v after the answer", deployment, time.Since(t0).Round(100*time.Millisecond))
	waitNoPods(ctx, t, c, ns, rev)

	// A request at zero wakes it.
	t0 = time.Now()
	body, code, err = activatorGet(ctx, c, ns, rev)
	took := time.Since(t0)
	newIP := waitPodIP(ctx, t, c, ns, rev)
	if err != nil || code != http.StatusOK || body != "hello from "+newIP {
		t.Fatalf("request at zero: %d %q %v; want 200 %q", code, body, err, "hello from "+newIP)
	}
	t.Logf("request at zero answered by the new pod at %s in %v; %d queue-proxies started, pods served %d requests",
		newIP, took.Round(time.Millisecond), c.QueueProxiesStarted(), c.Pods.Served())
}

func waitSpecReplicas(ctx context.Context, t *testing.T, c *Cluster, ns, deployment string, want int32, timeout time.Duration) {
	t.Helper()
	var last string
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		d, err := c.Client().AppsV1().Deployments(ns).Get(ctx, deployment, metav1.GetOptions{})
		if err != nil {
			last = err.Error()
			return false, nil
		}
		last = fmt.Sprintf("spec.replicas %d", ptr.Deref(d.Spec.Replicas, 1))
		return d.Spec.Replicas != nil && *d.Spec.Replicas == want, nil
	}); err != nil {
		t.Fatalf("Deployment %s/%s not at %d replicas: %v (last: %s)", ns, deployment, want, err, last)
	}
}
