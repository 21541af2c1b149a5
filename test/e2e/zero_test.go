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
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	netv1alpha1 "knative.dev/networking/pkg/apis/networking/v1alpha1"
	"knative.dev/pkg/apis"
	"knative.dev/serving/pkg/apis/autoscaling"

	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/pkg/scaletozero"
	"github.com/serving-keda/serving-keda/pkg/translate"
	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/deploy"
	"github.com/serving-keda/serving-keda/test/harness"
	"github.com/serving-keda/serving-keda/test/harness/prometheus"
)

// TestScaleFromZero is issue 13's "done when": a Knative Service with
// min-scale "0", scaled on a Prometheus metric, goes to zero when idle
// with Knative's activator in its path, and comes back on the first
// requests through the activator, none lost: N concurrent requests, all
// answered 200 by a pod of the woken revision. While it wakes, its
// Deployment asks for no more pods than the demand trigger's metric can
// (GetMetrics: the held requests, at least activation-scale pods' worth of
// targetConcurrency), and a second revision at zero stays there
// throughout. Serving's controller, webhook and activator, KEDA's operator
// and metrics adapter, the HPA controller and kwok's pods (served by the
// harness on their IPs) are real; Prometheus is the fake. Timings are
// logged, not asserted. It runs in a network namespace of its own
// (cluster.InOwnNetNamespace).
func TestScaleFromZero(t *testing.T) {
	if cluster.InOwnNetNamespace(t) {
		return
	}
	e, ns, scalerAddress, anns := startScaleToZero(t)
	ctx := context.Background()

	const (
		name     = "zero"
		revision = name + "-00001"
		// other is a second revision at zero that gets no request: it must
		// stay there while the first wakes.
		other         = "quiet"
		otherRevision = other + "-00001"
		n             = 8
		cycles        = 3
	)
	// Each time it goes to zero, the activator was in its path first, for
	// the grace period, and it had been idle for the window (6s each).
	zw := watchToZero(t, e, ns, revision, 6*time.Second, 6*time.Second)
	woken := e.WatchReplicas(t, ns, revision)
	e.CreateKnativeService(t, harness.KnativeService(ns, name, anns))
	e.CreateKnativeService(t, harness.KnativeService(ns, other, anns))
	so := e.ScaledObject(t, ns, revision, harness.ControllerTimeout)
	if so.Spec.MinReplicaCount == nil || *so.Spec.MinReplicaCount != 0 || !hasDemandTrigger(so, scalerAddress) {
		t.Fatalf("ScaledObject: minReplicaCount %v, triggers %+v; want 0 and the %s trigger at %s",
			so.Spec.MinReplicaCount, so.Spec.Triggers, translate.DemandTriggerName, scalerAddress)
	}
	wakeMax := wakeBound(t, so, n, anns[autoscaling.MaxScaleAnnotationKey])
	dep, otherDep := revision+"-deployment", otherRevision+"-deployment"

	// Idle: both go to zero, the activator in their path first.
	t0 := time.Now()
	waitReplicas(t, e, ns, dep, 0, 3*time.Minute)
	waitReplicas(t, e, ns, otherDep, 0, 3*time.Minute)
	t.Logf("idle revisions at zero %v after the first ScaledObject appeared", time.Since(t0).Round(100*time.Millisecond))
	// From here on every replica count the quiet revision's Deployment asks
	// for is recorded (a watch, resumed on errors): it must stay 0.
	quiet := e.WatchReplicas(t, ns, otherRevision)

	var toScale, toAnswer []time.Duration
	for cycle := 1; cycle <= cycles; cycle++ {
		sks := harness.Get(t, harness.ControllerTimeout, "SKS "+revision, func() (*netv1alpha1.ServerlessService, error) {
			return e.Networking.NetworkingV1alpha1().ServerlessServices(ns).Get(ctx, revision, metav1.GetOptions{})
		})
		if sks.Spec.Mode != netv1alpha1.SKSOperationModeProxy || !sks.Status.GetCondition(netv1alpha1.ActivatorEndpointsPopulated).IsTrue() {
			t.Errorf("cycle %d: SKS at zero: mode %s, conditions %+v; want Proxy with the activator's endpoints", cycle, sks.Spec.Mode, sks.Status.Conditions)
		}
		e.PACondition(t, ns, revision, "Active", harness.ControllerTimeout, func(c *apis.Condition) bool {
			return c.IsFalse() && c.Reason == scaletozero.ReasonNoTraffic
		})
		mark := woken.Mark()

		// N concurrent requests through the activator wake it; none is lost.
		type answer struct {
			code int
			body string
			err  error
			took time.Duration
		}
		answers := make([]answer, n)
		var wg sync.WaitGroup
		start := time.Now()
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				t0 := time.Now()
				code, body, err := throughActivator(ctx, e.Cluster, ns, revision)
				answers[i] = answer{code, body, err, time.Since(t0)}
			}()
		}
		scaled := waitAwake(t, e, ns, dep, 2*time.Minute)
		wg.Wait()
		// Each answer came from a pod of the woken revision: the fake pods
		// answer "hello from <the pod IP the request reached>".
		ips := revisionPodIPs(t, e, ns, revision)
		first := time.Duration(0)
		for i, a := range answers {
			ip, _ := strings.CutPrefix(a.body, "hello from ")
			if a.err != nil || a.code != http.StatusOK || !ips[ip] {
				t.Errorf("cycle %d, request %d: %d %q %v; want 200 from a pod of %s (IPs %v)", cycle, i, a.code, a.body, a.err, revision, ips)
			}
			if first == 0 || a.took < first {
				first = a.took
			}
		}
		toScale = append(toScale, scaled.spec.Sub(start))
		toAnswer = append(toAnswer, first)
		t.Logf("cold start %d: first request to Deployment scaled up: %v; to a ready pod: %v; first answer after %v; all %d answered",
			cycle, scaled.spec.Sub(start).Round(10*time.Millisecond), scaled.ready.Sub(start).Round(10*time.Millisecond), first.Round(10*time.Millisecond), n)
		quiet.CheckBounds(t, 0, 0, 0)

		// Serving: Active, back in Serve mode.
		e.PACondition(t, ns, revision, "Active", harness.ControllerTimeout, (*apis.Condition).IsTrue)

		// Idle again: back to zero. Over the whole cycle the Deployment
		// asked for no more pods than the held requests call for.
		t0 = time.Now()
		waitReplicas(t, e, ns, dep, 0, 3*time.Minute)
		t.Logf("cold start %d: back at zero %v after the last answer", cycle, time.Since(t0).Round(100*time.Millisecond))
		woken.CheckBounds(t, mark, 0, wakeMax)
	}
	t.Logf("over %d cold starts (N=%d): first request to Deployment scaled up p50 %v max %v; to first answer p50 %v max %v",
		cycles, n, quantile(toScale, 0.5), quantile(toScale, 1), quantile(toAnswer, 0.5), quantile(toAnswer, 1))
	zw.verify(t, cycles+1)
	quiet.CheckBounds(t, 0, 0, 0)
}

// wakeBound is the most pods a revision woken by n held requests may ask
// for: KEDA's first step from zero is one pod, then the HPA follows the
// larger of the revision's own metric (idle here) and the demand trigger's,
// which scaletozero.Server.GetMetrics reports as the held requests raised to
// activationScale × targetConcurrency: ceil(n / targetConcurrency) pods,
// at least activationScale, at most max-scale.
func wakeBound(t *testing.T, so *kedav1alpha1.ScaledObject, n int, maxScale string) int32 {
	t.Helper()
	for _, tr := range so.Spec.Triggers {
		if tr.Type != translate.DemandTriggerType {
			continue
		}
		target, err := strconv.ParseFloat(tr.Metadata[translate.DemandTargetKey], 64)
		if err != nil || target <= 0 {
			t.Fatalf("demand trigger's %s %q: want a positive number", translate.DemandTargetKey, tr.Metadata[translate.DemandTargetKey])
		}
		activation := 1
		if v, ok := tr.Metadata[translate.DemandActivationScaleKey]; ok {
			if activation, err = strconv.Atoi(v); err != nil {
				t.Fatal(err)
			}
		}
		most, err := strconv.Atoi(maxScale)
		if err != nil {
			t.Fatal(err)
		}
		bound := min(most, max(1, activation, int(math.Ceil(float64(n)/target))))
		t.Logf("%d held requests, targetConcurrency %v, activation-scale %d, max-scale %d: at most %d pods while waking", n, target, activation, most, bound)
		return int32(bound)
	}
	t.Fatalf("no %s trigger in %+v", translate.DemandTriggerType, so.Spec.Triggers)
	return 0
}

// waitAwake waits until the Deployment asks for a pod and one is ready,
// and returns when each happened.
func waitAwake(t *testing.T, e *harness.Env, ns, dep string, timeout time.Duration) replicaTimes {
	t.Helper()
	var out replicaTimes
	harness.Eventually(t, timeout, fmt.Sprintf("Deployment %s awake (a pod asked for and ready)", dep), func() (bool, string) {
		d, err := e.Kube.AppsV1().Deployments(ns).Get(context.Background(), dep, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		if d.Spec.Replicas != nil && *d.Spec.Replicas >= 1 && out.spec.IsZero() {
			out.spec = time.Now()
		}
		done := d.Spec.Replicas != nil && *d.Spec.Replicas >= 1 && d.Status.ReadyReplicas >= 1
		if done {
			out.ready = time.Now()
		}
		return done, fmt.Sprintf("spec %v, ready %d, replicas %d", d.Spec.Replicas, d.Status.ReadyReplicas, d.Status.Replicas)
	})
	return out
}

// revisionPodIPs is the set of the IPs of rev's pods now.
func revisionPodIPs(t *testing.T, e *harness.Env, ns, rev string) map[string]bool {
	t.Helper()
	pods, err := e.Kube.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "serving.knative.dev/revision=" + rev})
	if err != nil {
		t.Fatal(err)
	}
	ips := map[string]bool{}
	for _, p := range pods.Items {
		if p.Status.PodIP != "" {
			ips[p.Status.PodIP] = true
		}
	}
	return ips
}

// quantile is the q-quantile of ds (nearest rank), rounded for logs.
func quantile(ds []time.Duration, q float64) time.Duration {
	s := append([]time.Duration{}, ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(math.Ceil(q*float64(len(s)))) - 1
	i = max(0, min(i, len(s)-1))
	return s[i].Round(10 * time.Millisecond)
}

// TestScaleFromZeroActivatorKilled: the activator dies (SIGKILL) while it
// holds a cold start's requests. Those requests fail with it
// (docs/scale-to-zero.md): each ends with an error or a non-200. What must
// hold is the rest: once the activator is back (same address, as its
// Deployment would bring it), the revision is not stuck: new requests
// through it are all answered 200, and the revision goes back to zero when
// idle. Its own network namespace.
func TestScaleFromZeroActivatorKilled(t *testing.T) {
	if cluster.InOwnNetNamespace(t) {
		return
	}
	e, ns, _, anns := startScaleToZero(t)
	ctx := context.Background()
	const (
		name     = "killed"
		revision = name + "-00001"
		n        = 4
	)
	e.CreateKnativeService(t, harness.KnativeService(ns, name, anns))
	dep := revision + "-deployment"
	waitReplicas(t, e, ns, dep, 0, 3*time.Minute)
	e.PACondition(t, ns, revision, "Active", harness.ControllerTimeout, func(c *apis.Condition) bool {
		return c.IsFalse() && c.Reason == scaletozero.ReasonNoTraffic
	})

	// The pods answer nothing until the activator is gone: should KEDA wake
	// the revision before the kill, the requests are then in the activator
	// on their way to the pod, still its to lose, not answered.
	release := make(chan struct{})
	e.Cluster.Pods.SetHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
		http.Error(w, "answered after the activator was killed", http.StatusServiceUnavailable)
	}))

	// Requests held at zero; the activator dies once it reports all of them.
	type ending struct {
		code int
		err  error
	}
	endings := make([]ending, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _, err := throughActivator(ctx, e.Cluster, ns, revision)
			endings[i] = ending{code, err}
		}()
	}
	heldAfter := waitHeld(t, e.Cluster, ns, revision, n, 30*time.Second)
	killed := time.Now()
	if err := e.Cluster.KillActivator(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(release)
	e.Cluster.Pods.SetHandler(nil)
	// A request may end "connection refused": Go's client resends a GET
	// whose reused connection broke, to the activator now down.
	ended := make([]string, n)
	for i, end := range endings {
		ended[i] = fmt.Sprintf("%d %v", end.code, end.err)
		if end.err == nil && end.code == http.StatusOK {
			t.Errorf("request %d, held by the killed activator: answered 200; want it to fail with the activator", i)
		}
	}
	t.Logf("%d requests, reported held by the activator %v after they were sent, ended with it: %q", n, heldAfter.Round(10*time.Millisecond), ended)
	if err := e.Cluster.RestartActivator(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("activator back and healthy %v after the kill", time.Since(killed).Round(10*time.Millisecond))

	// After the restart: new requests wake (or reach) the revision, all answered.
	codes := make([]int, n)
	errs := make([]error, n)
	start := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _, errs[i] = throughActivator(ctx, e.Cluster, ns, revision)
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || codes[i] != http.StatusOK {
			t.Errorf("request %d after the restart: %d %v; want 200", i, codes[i], errs[i])
		}
	}
	t.Logf("%d requests after the restart answered in %v", n, time.Since(start).Round(10*time.Millisecond))
	e.PACondition(t, ns, revision, "Active", harness.ControllerTimeout, (*apis.Condition).IsTrue)
	waitReplicas(t, e, ns, dep, 0, 3*time.Minute)
}

// startScaleToZero starts a control plane with Serving and its activator,
// kwok, KEDA's adapter and the HPA controller, this controller serving the
// external-push scaler, scale to zero on (scale-to-zero-grace-period and
// stable-window 6s);
// it returns the annotations of a min-scale "0" revision scaled on an idle
// Prometheus metric (KEDA polls every second, cooldown 5 s).
func startScaleToZero(t *testing.T, opts ...func(*harness.Options)) (*harness.Env, string, string, map[string]string) {
	t.Helper()
	if err := cluster.ServingBinaries(""); err != nil {
		t.Fatalf("Serving's binaries are not built (make cluster-serving): %v", err)
	}
	for _, b := range []string{cluster.Kwok, cluster.KEDAAdapter, cluster.ServingActivator} {
		if _, err := cluster.BinaryPath("", b); err != nil {
			t.Fatalf("%s is not built (make cluster-serving): %v", b, err)
		}
	}
	scalerPort, err := cluster.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	scalerAddress := "127.0.0.1:" + strconv.Itoa(scalerPort)
	hopts := harness.Options{
		Cluster: cluster.Options{
			Serving: true, Kwok: true, KEDAAdapter: true, HPAController: true, Activator: true,
			ControllerManagerArgs: []string{"--horizontal-pod-autoscaler-sync-period=3s"},
		},
		Controller: deploy.Options{Env: []string{scaletozero.ScalerPortEnv + "=" + strconv.Itoa(scalerPort)}},
		Before: func(ctx context.Context, e *harness.Env) error {
			// Serving's shortest grace period and stable window: a woken
			// revision stays active for the stable window (as with the KPA).
			if err := e.SetConfigMap(ctx, "config-autoscaler", map[string]string{"scale-to-zero-grace-period": "6s", "stable-window": "6s"}); err != nil {
				return err
			}
			return e.SetConfigMap(ctx, config.KEDAConfigName, map[string]string{config.ActivatorScalerAddressKey: scalerAddress})
		},
	}
	for _, o := range opts {
		o(&hopts)
	}
	e := harness.StartForTest(t, hopts)
	ns := e.Namespace(t)
	prom := prometheus.StartForTest(t, 0) // idle

	anns := map[string]string{
		autoscaling.MetricAnnotationKey:          "http_requests",
		autoscaling.TargetAnnotationKey:          "10",
		autoscaling.MinScaleAnnotationKey:        "0",
		autoscaling.MaxScaleAnnotationKey:        "3",
		translate.PrometheusAddressAnnotationKey: prom.URL,
		translate.PrometheusQueryAnnotationKey:   `sum(rate(http_requests{revision="{{.Revision}}"}[1m]))`,
		translate.PollingIntervalAnnotationKey:   "1",
		translate.CooldownPeriodAnnotationKey:    "5",
	}
	return e, ns, scalerAddress, anns
}

func hasDemandTrigger(so *kedav1alpha1.ScaledObject, address string) bool {
	for _, tr := range so.Spec.Triggers {
		if tr.Type == translate.DemandTriggerType && tr.Metadata[translate.DemandScalerAddressKey] == address {
			return true
		}
	}
	return false
}

type replicaTimes struct{ spec, ready time.Time }

// waitReplicas waits until the Deployment's spec says want and that many
// pods are ready (zero: none is left), and returns when each happened.
func waitReplicas(t *testing.T, e *harness.Env, ns, dep string, want int32, timeout time.Duration) replicaTimes {
	t.Helper()
	var out replicaTimes
	harness.Eventually(t, timeout, fmt.Sprintf("Deployment %s at %d ready replicas", dep, want), func() (bool, string) {
		d, err := e.Kube.AppsV1().Deployments(ns).Get(context.Background(), dep, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		if d.Spec.Replicas != nil && *d.Spec.Replicas == want && out.spec.IsZero() {
			out.spec = time.Now()
		}
		done := d.Spec.Replicas != nil && *d.Spec.Replicas == want && d.Status.ReadyReplicas == want && d.Status.Replicas == want
		if done {
			out.ready = time.Now()
		}
		return done, fmt.Sprintf("spec %v, ready %d, replicas %d", d.Spec.Replicas, d.Status.ReadyReplicas, d.Status.Replicas)
	})
	return out
}

func throughActivator(ctx context.Context, c *cluster.Cluster, ns, rev string) (int, string, error) {
	return c.GetThroughActivator(ctx, &http.Client{Timeout: 3 * time.Minute}, ns, rev)
}

// waitHeld waits until the activator's metrics, parsed as the controller
// parses them (scaletozero.Scrape), report n requests for ns/rev, and returns
// how long that took.
func waitHeld(t *testing.T, c *cluster.Cluster, ns, rev string, n int, timeout time.Duration) time.Duration {
	t.Helper()
	key := types.NamespacedName{Namespace: ns, Name: rev}
	hc := &http.Client{Timeout: 2 * time.Second}
	start := time.Now()
	harness.Eventually(t, timeout, fmt.Sprintf("the activator's metrics report %d requests held for %s", n, key), func() (bool, string) {
		got, err := scaletozero.Scrape(context.Background(), hc, c.ActivatorMetricsURL())
		if err != nil {
			return false, err.Error()
		}
		return got[key] == float64(n), fmt.Sprintf("%v held", got[key])
	})
	return time.Since(start)
}
