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
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	nv1alpha1 "knative.dev/networking/pkg/apis/networking/v1alpha1"
	networkingclientset "knative.dev/networking/pkg/client/clientset/versioned"
	servingv1 "knative.dev/serving/pkg/apis/serving/v1"
	servingclientset "knative.dev/serving/pkg/client/clientset/versioned"

	"github.com/serving-keda/serving-keda/pkg/scaletozero"
)

// activatorTestClass is a PodAutoscaler class nobody reconciles: the test
// plays the PA reconciler's part, the SKS.
const activatorTestClass = "harness-none.serving-keda.dev"

// TestActivator checks the activator piece of the harness without the
// product: Serving's activator healthy (connected to the stand-in stat
// sink), a revision's SKS in Proxy mode routed through it to the fake pod
// on its kwok IP, and requests held while the revision has no pod answered
// once one runs. It runs in a network namespace of its own (InOwnNetNamespace).
func TestActivator(t *testing.T) {
	if InOwnNetNamespace(t) {
		return
	}
	c := StartForTest(t, Options{Serving: true, Kwok: true, Activator: true, SkipKEDA: true})
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	kube := c.Client()
	sc, err := servingclientset.NewForConfig(c.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	nc, err := networkingclientset.NewForConfig(c.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	const ns, name, rev = "act", "hello", "hello-00001"
	if err := c.CreateNamespace(ctx, ns); err != nil {
		t.Fatal(err)
	}
	ksvc := &servingv1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: servingv1.ServiceSpec{ConfigurationSpec: servingv1.ConfigurationSpec{Template: servingv1.RevisionTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{"autoscaling.knative.dev/class": activatorTestClass}},
			Spec:       servingv1.RevisionSpec{PodSpec: corev1.PodSpec{Containers: []corev1.Container{{Image: "dev.local/hello"}}}},
		}}},
	}
	if _, err := sc.ServingV1().Services(ns).Create(ctx, ksvc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	deployment := rev + "-deployment"
	podIP := waitPodIP(ctx, t, c, ns, rev)
	t.Logf("revision %s's pod runs at %s", rev, podIP)

	revision, err := sc.ServingV1().Revisions(ns).Get(ctx, rev, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The labels a PA gives its SKS (Serving's Base copies them): the
	// activator watches only private Endpoints that carry the revision's UID.
	sks := &nv1alpha1.ServerlessService{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: rev, Labels: map[string]string{
			"serving.knative.dev/revision":    rev,
			"serving.knative.dev/revisionUID": string(revision.UID),
		}},
		Spec: nv1alpha1.ServerlessServiceSpec{
			Mode:         nv1alpha1.SKSOperationModeProxy,
			ObjectRef:    corev1.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: deployment},
			ProtocolType: "http1",
		},
	}
	if _, err := nc.NetworkingV1alpha1().ServerlessServices(ns).Create(ctx, sks, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var last string
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		got, err := nc.NetworkingV1alpha1().ServerlessServices(ns).Get(ctx, rev, metav1.GetOptions{})
		if err != nil {
			last = err.Error()
			return false, nil
		}
		last = fmt.Sprintf("%+v", got.Status.Conditions)
		return got.IsReady() && got.Status.GetCondition(nv1alpha1.ActivatorEndpointsPopulated).IsTrue(), nil
	}); err != nil {
		t.Fatalf("SKS %s/%s not Ready in Proxy mode: %v (last: %s)", ns, rev, err, last)
	}
	//nolint:staticcheck // Serving v0.48 writes Endpoints.
	pub, err := kube.CoreV1().Endpoints(ns).Get(ctx, rev, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pub.Subsets) != 1 || len(pub.Subsets[0].Addresses) != 1 || pub.Subsets[0].Addresses[0].IP != ActivatorAddr {
		t.Errorf("public Endpoints %s/%s = %+v, want the activator's address %s alone", ns, rev, pub.Subsets, ActivatorAddr)
	}

	// The fake pod answers queue-proxy's probe on its IP, from the test's namespace too.
	probe, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+podIP+":8012/healthz", nil)
	probe.Header.Set("K-Network-Probe", "queue")
	if resp, err := http.DefaultClient.Do(probe); err != nil {
		t.Fatalf("probing the fake pod at %s: %v", podIP, err)
	} else {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(b) != "queue" {
			t.Fatalf("probing the fake pod at %s: %s %q; want 200 \"queue\"", podIP, resp.Status, b)
		}
	}

	// One request through the activator reaches the pod.
	t0 := time.Now()
	rctx, rcancel := context.WithTimeout(ctx, 30*time.Second)
	body, code, err := activatorGet(rctx, c, ns, rev)
	rcancel()
	if err != nil || code != http.StatusOK || body != "hello from "+podIP {
		//nolint:staticcheck // Serving v0.48 writes Endpoints.
		priv, perr := kube.CoreV1().Endpoints(ns).Get(ctx, rev+"-private", metav1.GetOptions{})
		t.Fatalf("request through the activator: %d %q %v; want 200 %q (private Endpoints %+v %v; pods probed %d times)",
			code, body, err, "hello from "+podIP, priv.Subsets, perr, c.Pods.Probes())
	}
	t.Logf("first request through the activator answered in %v (pods probed %d times, stat messages %d)",
		time.Since(t0).Round(time.Millisecond), c.Pods.Probes(), c.StatMessages())

	// At zero the activator holds requests, and answers them all once a pod runs.
	scale(ctx, t, c, ns, deployment, 0)
	waitNoPods(ctx, t, c, ns, rev)
	const n = 8
	type answer struct {
		body string
		code int
		err  error
		took time.Duration
	}
	answers := make([]answer, n)
	var wg sync.WaitGroup
	t0 = time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			b, code, err := activatorGet(ctx, c, ns, rev)
			answers[i] = answer{b, code, err, time.Since(start)}
		}()
	}
	// The activator's Prometheus endpoint reports what it holds: all n,
	// read as the controller reads it (scaletozero.Scrape), before any pod runs.
	held := waitHeld(ctx, t, c, ns, rev, n, 30*time.Second)
	served := c.Pods.Served()
	scale(ctx, t, c, ns, deployment, 1)
	wg.Wait()
	if served != 1 {
		t.Errorf("pods served %d requests while the revision had none; want 1 (the first one)", served)
	}
	newIP := waitPodIP(ctx, t, c, ns, rev)
	for i, a := range answers {
		if a.err != nil || a.code != http.StatusOK || a.body != "hello from "+newIP {
			t.Errorf("held request %d: %d %q %v; want 200 %q", i, a.code, a.body, a.err, "hello from "+newIP)
		}
	}
	t.Logf("%d requests held at zero (the activator reported them %v after the first was sent), all answered %v after the first was sent",
		n, held.Round(time.Millisecond), time.Since(t0).Round(time.Millisecond))
	if c.StatMessages() == 0 {
		t.Errorf("the activator sent no stat message to the stat sink")
	}
}

func activatorGet(ctx context.Context, c *Cluster, ns, rev string) (string, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.ActivatorURL()+"/", nil)
	if err != nil {
		return "", 0, err
	}
	req.Header.Set(ActivatorNamespaceHeader, ns)
	req.Header.Set(ActivatorRevisionHeader, rev)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), resp.StatusCode, err
}

func waitPodIP(ctx context.Context, t *testing.T, c *Cluster, ns, rev string) string {
	t.Helper()
	var ip, last string
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		pods, err := c.Client().CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "serving.knative.dev/revision=" + rev})
		if err != nil {
			last = err.Error()
			return false, nil
		}
		for _, p := range pods.Items {
			if p.DeletionTimestamp == nil && p.Status.PodIP != "" && podReady(&p) {
				ip = p.Status.PodIP
				return true, nil
			}
		}
		last = fmt.Sprintf("%d pods, none Ready with an IP", len(pods.Items))
		return false, nil
	}); err != nil {
		t.Fatalf("no Ready pod of revision %s/%s: %v (last: %s)", ns, rev, err, last)
	}
	return ip
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func waitNoPods(ctx context.Context, t *testing.T, c *Cluster, ns, rev string) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		pods, err := c.Client().CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "serving.knative.dev/revision=" + rev})
		return err == nil && len(pods.Items) == 0, nil
	}); err != nil {
		t.Fatalf("revision %s/%s still has pods: %v", ns, rev, err)
	}
}

func scale(ctx context.Context, t *testing.T, c *Cluster, ns, deployment string, n int) {
	t.Helper()
	patch := fmt.Sprintf(`{"spec":{"replicas":%d}}`, n)
	if _, err := c.Client().AppsV1().Deployments(ns).Patch(ctx, deployment, types.MergePatchType, []byte(patch), metav1.PatchOptions{}, "scale"); err != nil {
		t.Fatalf("scaling %s/%s to %d: %v", ns, deployment, n, err)
	}
}

// waitHeld waits until the activator's metrics, parsed as the controller
// parses them (scaletozero.Scrape: max(concurrency, queued+active)), report n
// requests for ns/rev, and returns how long that took; t fails at timeout
// with the last value read.
func waitHeld(ctx context.Context, t *testing.T, c *Cluster, ns, rev string, n int, timeout time.Duration) time.Duration {
	t.Helper()
	key := types.NamespacedName{Namespace: ns, Name: rev}
	hc := &http.Client{Timeout: 2 * time.Second}
	start := time.Now()
	last := "no read yet"
	if err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		got, err := scaletozero.Scrape(ctx, hc, c.ActivatorMetricsURL())
		if err != nil {
			last = err.Error()
			return false, nil
		}
		last = fmt.Sprintf("%v", got[key])
		return got[key] == float64(n), nil
	}); err != nil {
		t.Fatalf("the activator's metrics never reported %d requests held for %s: %v (last: %s)", n, key, err, last)
	}
	return time.Since(start)
}
