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
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"knative.dev/pkg/apis"
	"knative.dev/serving/pkg/apis/autoscaling"
	servingv1 "knative.dev/serving/pkg/apis/serving/v1"

	"github.com/serving-keda/serving-keda/pkg/scaletozero"
	"github.com/serving-keda/serving-keda/pkg/translate"
	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/harness"
	"github.com/serving-keda/serving-keda/test/harness/prometheus"
)

// Issue 20's "done when", with real requests: every revision pod runs
// Serving's queue-proxy (cluster.Options.QueueProxy) in front of the fake
// user container, each request is routed as Knative's ingress routes it
// (ingress: to the revision's public Service, that is through Serving's
// activator while the activator is in the path, straight to a pod's
// queue-proxy otherwise), and the controller measures the revision's
// concurrency from the queue-proxies' stats and the activator's metrics,
// feeds Serving's decider and serves its desired pod count to KEDA through
// the knative-requests trigger, on which KEDA's HPA scales the Deployment.
// The user container holds every request (requestHold) so that
// concurrency builds up.

// What the tests expect of the ScaledObject and the HPA, written here by
// hand: the request trigger's name and its metric key.
const (
	requestsTrigger   = "knative-requests"
	requestsMetricKey = "metric"
)

// requestHold is how long the user container holds each request.
const requestHold = 2 * time.Second

// TestConcurrencyScales: a ksvc on metric concurrency (target 2 requests
// per pod at 100% utilization, min-scale 1, max-scale 5) scales 1 -> N -> 1
// from real requests. Its ScaledObject carries the knative-requests trigger
// (external-push, at the controller's scaler, metric concurrency) and
// KEDA's HPA scales on it as an external metric with an average value of 1
// per pod (the trigger reports the desired pod count). 8 clients, each
// sending one request at a time (ingress), each request held
// 2 s by the user container: a concurrency of about 8, ceil(8/2) = 4 pods;
// the Deployment must reach at least 3, never more than max-scale (the
// decider's panic mode may ask for more than 4), every request answered
// 200 by a pod of the revision, and more than one pod answering, all
// through the activator (Serving's default burst capacity, as with the
// KPA). When the clients stop, the Deployment goes back to 1 (stable
// window 6 s).
func TestConcurrencyScales(t *testing.T) {
	if cluster.InOwnNetNamespace(t) {
		return
	}
	e, ns, scalerAddress := startRequests(t, false)
	const (
		name     = "conc"
		revision = name + "-00001"
		clients  = 8
	)
	dep := revision + "-deployment"
	anns := concurrencyAnnotations("1", "5")
	replicas := e.WatchReplicas(t, ns, revision)
	e.CreateKnativeService(t, harness.KnativeService(ns, name, anns))

	so := e.ScaledObject(t, ns, revision, harness.ControllerTimeout)
	checkRequestsTrigger(t, so, scalerAddress, ns, revision, "concurrency")
	if so.Spec.MinReplicaCount == nil || *so.Spec.MinReplicaCount != 1 || so.Spec.MaxReplicaCount == nil || *so.Spec.MaxReplicaCount != 5 {
		t.Errorf("ScaledObject replicas %v-%v; want 1-5", so.Spec.MinReplicaCount, so.Spec.MaxReplicaCount)
	}
	checkRequestsHPA(t, e, ns, revision, 1)

	e.RevisionCondition(t, ns, revision, servingv1.RevisionConditionReady, 2*time.Minute, (*apis.Condition).IsTrue)
	waitReplicas(t, e, ns, dep, 1, 2*time.Minute)
	// Idle at min-scale: it stays at 1 for a while.
	staysAt(t, replicas, 1)

	// The load goes on 15 s past 3 ready pods: the count settles, within bounds.
	mark, stopped, answeredBy, in := loadStep(t, e, ns, revision, dep, replicas, clients, 3, 15*time.Second, 1, 5)
	if len(answeredBy) < 2 {
		t.Errorf("every request answered by %v; want the pods the revision scaled to to answer too", answeredBy)
	}
	// Serving's default target-burst-capacity (211) is more than 5 pods
	// take at a target of 2: the activator stays in the path, as with the
	// KPA, and spreads the requests over the pods.
	if proxied, direct := in.counts(); direct > 0 || proxied == 0 {
		t.Errorf("requests %s; want all through the activator (the revision short of burst capacity, SKS in Proxy)", in.routed())
	}
	if max := maxValue(replicas.Values()[max(0, mark-1):]); max < 3 {
		t.Errorf("the Deployment asked for at most %d pods under a concurrency of %d at target 2; want at least 3", max, clients)
	}

	// Idle again: back to min-scale.
	waitReplicas(t, e, ns, dep, 1, 3*time.Minute)
	t.Logf("back at 1 pod %v after the load stopped", time.Since(stopped).Round(100*time.Millisecond))
}

// TestCPUScaleToZero: a ksvc on metric cpu (its container requests 100m
// cpu) with min-scale 0, which InvalidMinScale used to refuse, is allowed:
// its ScaledObject has minReplicaCount 0, the cpu trigger and the
// knative-requests trigger (which says whether the revision has requests).
// The revision goes to zero when it has none, with the activator in its
// path (SKS in Proxy mode); one request (ingress: to the activator) wakes
// it and is answered 200 by its pod; a trickle of requests keeps it up (requests,
// not cpu, decide idleness: cpu is at 10% of its request throughout); and
// once they stop it goes back to zero.
func TestCPUScaleToZero(t *testing.T) {
	if cluster.InOwnNetNamespace(t) {
		return
	}
	r := wakeCPURevision(t, "cpuzero", nil)

	// A request every second for longer than the stable window and KEDA's
	// cooldown together: it stays up.
	trickle(t, r.in, 25*time.Second)
	r.replicas.CheckBounds(t, r.mark, 1, 3)
	if v := r.replicas.Values(); len(v) == 0 || v[len(v)-1] == 0 {
		t.Errorf("replicas went %v during a trickle of requests; want the revision kept up", v)
	}
	t.Logf("requests: %s", r.in.routed())

	// Idle again: back to zero.
	t0 := time.Now()
	waitReplicas(t, r.e, r.ns, r.dep, 0, 3*time.Minute)
	t.Logf("back at zero %v after the last request", time.Since(t0).Round(100*time.Millisecond))
}

// TestCPUScaleToZeroServed is TestCPUScaleToZero's revision with
// target-burst-capacity "0": once its pod is ready the activator leaves
// its path (SKS in Serve mode, its public Endpoints its pod's), so the
// requests of the trickle reach the pod straight, the activator sees none
// of them, and only the pod's queue-proxy stats, through Serving's
// decider, say the revision has requests. It stays up for the whole
// trickle (25 s: more than the stable window, 6 s, the idle hold, 6 s, and
// KEDA's cooldown, 5 s, together), at 1 pod from the trickle's start on,
// with every request of the trickle sent straight to the pod (the
// revision judged idle would go back behind the activator, to Proxy
// mode); once the requests stop it goes to zero.
func TestCPUScaleToZeroServed(t *testing.T) {
	if cluster.InOwnNetNamespace(t) {
		return
	}
	r := wakeCPURevision(t, "cpuserved", map[string]string{autoscaling.TargetBurstCapacityKey: "0"})

	// Awake: the ingress routes straight to the pod.
	harness.Eventually(t, time.Minute, "the public Service of "+r.revision+" routing straight to its pods", func() (bool, string) {
		return r.in.toPods(), r.in.addresses()
	})
	mark := r.replicas.Mark()
	proxied0, direct0 := r.in.counts()
	n := trickle(t, r.in, 25*time.Second)
	proxied, direct := r.in.counts()
	r.replicas.CheckBounds(t, mark, 1, 3)
	if v := r.replicas.Values(); len(v) == 0 || v[len(v)-1] == 0 {
		t.Errorf("replicas went %v during a trickle of requests; want the revision kept up", v)
	}
	if proxied-proxied0 != 0 || direct-direct0 != n {
		t.Errorf("the trickle's %d requests: %d through the activator, %d straight to the pods; want all %d straight to the pods (the revision kept in Serve mode)",
			n, proxied-proxied0, direct-direct0, n)
	}
	t.Logf("requests: %s", r.in.routed())

	// Idle again: back to zero.
	t0 := time.Now()
	waitReplicas(t, r.e, r.ns, r.dep, 0, 3*time.Minute)
	t.Logf("back at zero %v after the last request", time.Since(t0).Round(100*time.Millisecond))
}

// cpuRevision is a woken cpu revision of wakeCPURevision.
type cpuRevision struct {
	e                 *harness.Env
	ns, revision, dep string
	replicas          *harness.ReplicaHistory
	// mark is the replica history's position before the wake.
	mark int
	in   *ingress
}

// wakeCPURevision creates ksvc name on metric cpu (target 50%, its
// container requesting 100m cpu and using 10m), min-scale 0, max-scale 3,
// KEDA's polling interval 1 s and cooldown 5 s, and the annotations
// extra; checks its ScaledObject (minReplicaCount 0, a cpu trigger and
// the knative-requests trigger); waits until it is at zero with the
// activator in its path (PA Active False NoTraffic); then sends one request
// as an ingress routes it (to the activator), which must wake it and be
// answered 200 by its pod, and waits for the PA to be Active.
func wakeCPURevision(t *testing.T, name string, extra map[string]string) cpuRevision {
	t.Helper()
	e, ns, scalerAddress := startRequests(t, true)
	ctx := context.Background()
	revision := name + "-00001"
	dep := revision + "-deployment"
	if err := e.Cluster.SetKwokUsage(ctx, ns, map[string]cluster.Usage{
		"user-container": {CPU: resource.MustParse("10m"), Memory: resource.MustParse("10Mi")},
	}); err != nil {
		t.Fatal(err)
	}
	anns := map[string]string{
		autoscaling.MetricAnnotationKey:        autoscaling.CPU,
		autoscaling.TargetAnnotationKey:        "50",
		autoscaling.MinScaleAnnotationKey:      "0",
		autoscaling.MaxScaleAnnotationKey:      "3",
		translate.PollingIntervalAnnotationKey: "1",
		translate.CooldownPeriodAnnotationKey:  "5",
	}
	for k, v := range extra {
		anns[k] = v
	}
	ksvc := harness.KnativeService(ns, name, anns)
	ksvc.Spec.Template.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}
	replicas := e.WatchReplicas(t, ns, revision)
	e.CreateKnativeService(t, ksvc)

	so := e.ScaledObject(t, ns, revision, harness.ControllerTimeout)
	checkRequestsTrigger(t, so, scalerAddress, ns, revision, "")
	hasCPU := false
	for _, tr := range so.Spec.Triggers {
		hasCPU = hasCPU || tr.Type == "cpu"
	}
	if so.Spec.MinReplicaCount == nil || *so.Spec.MinReplicaCount != 0 || !hasCPU {
		t.Fatalf("ScaledObject: minReplicaCount %v, triggers %+v; want 0, a cpu trigger and %s", so.Spec.MinReplicaCount, so.Spec.Triggers, requestsTrigger)
	}

	// Idle: to zero, the activator in its path.
	t0 := time.Now()
	waitReplicas(t, e, ns, dep, 0, 3*time.Minute)
	t.Logf("idle cpu revision at zero %v after its ScaledObject appeared", time.Since(t0).Round(100*time.Millisecond))
	e.PACondition(t, ns, revision, "Active", harness.ControllerTimeout, func(c *apis.Condition) bool {
		return c.IsFalse() && c.Reason == scaletozero.ReasonNoTraffic
	})

	// One request wakes it, answered by its pod.
	in := startIngress(t, e, ns, revision)
	hc := &http.Client{Timeout: 3 * time.Minute}
	mark := replicas.Mark()
	start := time.Now()
	code, body, err := in.get(ctx, hc)
	took := time.Since(start)
	ips := revisionPodIPs(t, e, ns, revision)
	ip, _ := strings.CutPrefix(body, "hello from ")
	if err != nil || code != http.StatusOK || !ips[ip] {
		t.Fatalf("request to the revision at zero: %d %q %v; want 200 from a pod of %s (IPs %v)", code, body, err, revision, ips)
	}
	t.Logf("request to the revision at zero answered 200 by %s after %v", ip, took.Round(10*time.Millisecond))
	e.PACondition(t, ns, revision, "Active", harness.ControllerTimeout, (*apis.Condition).IsTrue)
	return cpuRevision{e: e, ns: ns, revision: revision, dep: dep, replicas: replicas, mark: mark, in: in}
}

// trickle sends a request every second for d, as in routes it, each of
// which must be answered 200 by a pod, and returns how many it sent.
func trickle(t *testing.T, in *ingress, d time.Duration) int {
	t.Helper()
	hc := &http.Client{Timeout: 3 * time.Minute}
	n := 0
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(time.Second) {
		code, body, err := in.get(context.Background(), hc)
		n++
		if err != nil || code != http.StatusOK || !strings.HasPrefix(body, "hello from ") {
			t.Errorf("request during the trickle: %d %q %v; want 200", code, body, err)
		}
	}
	return n
}

// TestConcurrencyBesidePrometheus: a revision on concurrency (target 2,
// min-scale 1, max-scale 8) with an extra Prometheus trigger (threshold 1
// per pod) follows the larger of the two, as any HPA with two metrics:
// with no requests and Prometheus at 3, 3 pods; with 10 clients (about 5
// pods' worth of concurrency), more than Prometheus asks, at least 5; the
// clients stop: back to Prometheus's 3, not min-scale; Prometheus at 0:
// back to 1.
func TestConcurrencyBesidePrometheus(t *testing.T) {
	if cluster.InOwnNetNamespace(t) {
		return
	}
	e, ns, scalerAddress := startRequests(t, false)
	const (
		name     = "llm"
		revision = name + "-00001"
		clients  = 10
	)
	dep := revision + "-deployment"
	prom := prometheus.StartForTest(t, 3)
	extra, err := json.Marshal([]kedav1alpha1.ScaleTriggers{{
		Type: "prometheus", Name: "waiting",
		Metadata: map[string]string{
			"serverAddress": prom.URL,
			"query":         `sum(vllm:num_requests_waiting{revision="` + revision + `"})`,
			"threshold":     "1",
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	anns := concurrencyAnnotations("1", "8")
	anns[translate.ExtraTriggersAnnotationKey] = string(extra)
	replicas := e.WatchReplicas(t, ns, revision)
	e.CreateKnativeService(t, harness.KnativeService(ns, name, anns))

	so := e.ScaledObject(t, ns, revision, harness.ControllerTimeout)
	checkRequestsTrigger(t, so, scalerAddress, ns, revision, "concurrency")
	hasProm := false
	for _, tr := range so.Spec.Triggers {
		hasProm = hasProm || (tr.Type == "prometheus" && tr.Name == "waiting" && tr.Metadata["serverAddress"] == prom.URL)
	}
	if !hasProm {
		t.Errorf("ScaledObject triggers %+v; want the extra prometheus trigger", so.Spec.Triggers)
	}
	checkRequestsHPA(t, e, ns, revision, 2)

	// No requests, Prometheus at 3: 3 pods, no more.
	t0 := time.Now()
	waitReplicas(t, e, ns, dep, 3, 3*time.Minute)
	t.Logf("no requests, Prometheus at 3: 3 pods %v after the ScaledObject appeared", time.Since(t0).Round(100*time.Millisecond))
	staysAt(t, replicas, 3)

	// Requests asking for more: the Deployment follows them.
	_, stopped, _, _ := loadStep(t, e, ns, revision, dep, replicas, clients, 5, 10*time.Second, 3, 8)

	// The requests stop: back to what Prometheus asks, not below.
	waitReplicas(t, e, ns, dep, 3, 3*time.Minute)
	t.Logf("load stopped: back at Prometheus's 3 pods %v later", time.Since(stopped).Round(100*time.Millisecond))
	staysAt(t, replicas, 3)

	prom.Set(0)
	waitReplicas(t, e, ns, dep, 1, 3*time.Minute)
}

// staysAt checks that the Deployment asks for n pods, no more and no
// fewer, for the next 10 s.
func staysAt(t *testing.T, replicas *harness.ReplicaHistory, n int32) {
	t.Helper()
	mark := replicas.Mark()
	time.Sleep(10 * time.Second)
	replicas.CheckBounds(t, mark, n, n)
}

// loadStep sends clients requests at a time, each held requestHold by the
// user container, as an ingress routes them, until the Deployment has at
// least atLeast ready pods and for settle after that. It checks that the
// Deployment asked for lo to hi pods meanwhile and that every request was
// answered 200 by a pod of the revision, and returns the replica history's
// mark at the step, when the load stopped, and the answers per pod.
func loadStep(t *testing.T, e *harness.Env, ns, revision, dep string, replicas *harness.ReplicaHistory,
	clients int, atLeast int32, settle time.Duration, lo, hi int32) (int, time.Time, map[string]int, *ingress) {
	t.Helper()
	holdRequests(t, e.Cluster, requestHold)
	ips := watchPodIPs(t, e, ns, revision)
	in := startIngress(t, e, ns, revision)
	mark := replicas.Mark()
	start := time.Now()
	l := startLoad(in, clients)
	up := waitAtLeast(t, e, ns, dep, atLeast, 3*time.Minute)
	t.Logf("%d clients: Deployment at >= %d ready pods %v after the load began (spec %d)", clients, atLeast, time.Since(start).Round(100*time.Millisecond), up)
	time.Sleep(settle)
	answers := l.stop()
	stopped := time.Now()
	replicas.CheckBounds(t, mark, lo, hi)
	answeredBy := checkAnswers(t, answers, ips.seen(), ips.removed(revisionPodIPs(t, e, ns, revision)), clients)
	t.Logf("%d requests (%s) answered 200 by %d pods: %v", len(answers), in.routed(), len(answeredBy), answeredBy)
	return mark, stopped, answeredBy, in
}

// startRequests is startScaleToZero's control plane with Serving's
// queue-proxy in every revision pod (and metrics-server serving kwok's
// simulated usage when metricsServer): it returns the Env, a namespace and
// the address of the controller's external-push scaler.
func startRequests(t *testing.T, metricsServer bool) (*harness.Env, string, string) {
	t.Helper()
	if _, err := cluster.BinaryPath("", cluster.ServingQueue); err != nil {
		t.Fatalf("%s is not built (hack/build-cluster.sh %s): %v", cluster.ServingQueue, cluster.ServingQueue, err)
	}
	if metricsServer {
		if _, err := cluster.BinaryPath("", cluster.MetricsServer); err != nil {
			t.Fatalf("%s is not built (make cluster-serving): %v", cluster.MetricsServer, err)
		}
	}
	e, ns, scalerAddress, _ := startScaleToZero(t, func(o *harness.Options) {
		o.Cluster.QueueProxy = true
		o.Cluster.MetricsServer = metricsServer
	})
	return e, ns, scalerAddress
}

// concurrencyAnnotations: metric concurrency, 2 requests per pod (at 100%
// utilization, so the target is 2, not Serving's default 70% of it), and
// the scale bounds.
func concurrencyAnnotations(minScale, maxScale string) map[string]string {
	return map[string]string{
		autoscaling.MetricAnnotationKey:            autoscaling.Concurrency,
		autoscaling.TargetAnnotationKey:            "2",
		autoscaling.TargetUtilizationPercentageKey: "100",
		autoscaling.MinScaleAnnotationKey:          minScale,
		autoscaling.MaxScaleAnnotationKey:          maxScale,
	}
}

// checkRequestsTrigger fails t unless so has the knative-requests trigger
// for ns/revision at the controller's scaler, with metric (none: no metric
// key, as for a cpu revision).
func checkRequestsTrigger(t *testing.T, so *kedav1alpha1.ScaledObject, scalerAddress, ns, revision, metric string) {
	t.Helper()
	for _, tr := range so.Spec.Triggers {
		if tr.Name != requestsTrigger {
			continue
		}
		want := map[string]string{"scalerAddress": scalerAddress, "namespace": ns, "revision": revision}
		if metric != "" {
			want[requestsMetricKey] = metric
		}
		for k, v := range want {
			if tr.Metadata[k] != v {
				t.Errorf("%s trigger metadata %v: %s is %q; want %q", requestsTrigger, tr.Metadata, k, tr.Metadata[k], v)
			}
		}
		if metric == "" && tr.Metadata[requestsMetricKey] != "" {
			t.Errorf("%s trigger metadata %v: %s set; want none for a revision not scaled on requests", requestsTrigger, tr.Metadata, requestsMetricKey)
		}
		if tr.Type != "external-push" {
			t.Errorf("%s trigger of type %q; want external-push", requestsTrigger, tr.Type)
		}
		return
	}
	t.Fatalf("ScaledObject triggers %+v; want one named %s", so.Spec.Triggers, requestsTrigger)
}

// checkRequestsHPA fails t unless KEDA's HPA for revision has n metrics,
// all External with a target average value of 1 per pod (the request
// trigger reports desired pods; the Prometheus trigger's threshold is 1).
func checkRequestsHPA(t *testing.T, e *harness.Env, ns, revision string, n int) {
	t.Helper()
	hpa := e.HPA(t, ns, revision, harness.KEDATimeout)
	one := resource.MustParse("1")
	ok := len(hpa.Spec.Metrics) == n
	for _, m := range hpa.Spec.Metrics {
		ok = ok && m.Type == autoscalingv2.ExternalMetricSourceType && m.External != nil &&
			m.External.Target.Type == autoscalingv2.AverageValueMetricType &&
			m.External.Target.AverageValue != nil && m.External.Target.AverageValue.Cmp(one) == 0
	}
	if !ok {
		b, _ := json.Marshal(hpa.Spec.Metrics)
		t.Errorf("KEDA's HPA metrics %s; want %d External metrics, each with target averageValue 1", b, n)
	}
}

// holdRequests makes every pod's user container hold each request for d
// (or until the request is cancelled), then answer "hello from <pod IP>",
// until t ends.
func holdRequests(t *testing.T, c *cluster.Cluster, d time.Duration) {
	c.Pods.SetHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
		_, _ = io.WriteString(w, "hello from "+cluster.RequestPodIP(r))
	}))
	t.Cleanup(func() { c.Pods.SetHandler(nil) })
}

// reqAnswer is the outcome of one request of a load, sent to addr.
type reqAnswer struct {
	addr string
	code int
	body string
	err  error
}

// load is n clients, each sending one request at a time, as an ingress
// routes it (ingress), one after the other, until stop.
type load struct {
	done    chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	answers []reqAnswer
}

func startLoad(in *ingress, n int) *load {
	l := &load{done: make(chan struct{})}
	for range n {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			hc := &http.Client{Timeout: 3 * time.Minute}
			for {
				select {
				case <-l.done:
					return
				default:
				}
				addr, code, body, err := in.getAt(context.Background(), hc)
				l.mu.Lock()
				l.answers = append(l.answers, reqAnswer{addr, code, body, err})
				l.mu.Unlock()
			}
		}()
	}
	return l
}

// stop lets every client finish its request and returns all the answers.
func (l *load) stop() []reqAnswer {
	close(l.done)
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]reqAnswer(nil), l.answers...)
}

// ingress routes requests to a revision as Knative's ingress does: to its
// public Service, whose Endpoints Serving's SKS reconciler points at the
// activator while the activator is in the path (Proxy mode) and at the
// revision's pods otherwise (Serve mode); one ready address at random, as
// kube-proxy picks, with the routing headers the activator reads. The
// addresses are read every 100 ms.
type ingress struct {
	ns, rev string
	mu      sync.Mutex
	addrs   []string
	// proxied and direct count the requests sent to the activator and to
	// the pods.
	proxied, direct int
}

func startIngress(t *testing.T, e *harness.Env, ns, rev string) *ingress {
	in := &ingress{ns: ns, rev: rev}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	read := func() {
		ep, err := e.Kube.CoreV1().Endpoints(ns).Get(ctx, rev, metav1.GetOptions{}) //nolint:staticcheck // Serving v0.50 writes Endpoints.
		if err != nil {
			return
		}
		var addrs []string
		for _, ss := range ep.Subsets {
			for _, p := range ss.Ports {
				if p.Name != "http" {
					continue
				}
				for _, a := range ss.Addresses {
					addrs = append(addrs, net.JoinHostPort(a.IP, strconv.Itoa(int(p.Port))))
				}
			}
		}
		in.mu.Lock()
		in.addrs = addrs
		in.mu.Unlock()
	}
	read()
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
			read()
		}
	}()
	return in
}

// get sends GET / to one address of the public Service (waiting up to 30 s
// for one, as a request waits in an ingress's retries) and returns the
// status and the body.
func (in *ingress) get(ctx context.Context, hc *http.Client) (int, string, error) {
	_, code, body, err := in.getAt(ctx, hc)
	return code, body, err
}

// getAt is get, which also says where the request went.
func (in *ingress) getAt(ctx context.Context, hc *http.Client) (addr string, code int, body string, err error) {
	for end := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		in.mu.Lock()
		if len(in.addrs) > 0 {
			addr = in.addrs[rand.IntN(len(in.addrs))]
			if strings.HasPrefix(addr, cluster.ActivatorAddr+":") {
				in.proxied++
			} else {
				in.direct++
			}
		}
		in.mu.Unlock()
		if addr != "" {
			break
		}
		if time.Now().After(end) {
			return "", 0, "", fmt.Errorf("the public Service %s/%s has no ready address", in.ns, in.rev)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/", nil)
	if err != nil {
		return addr, 0, "", err
	}
	req.Header.Set(cluster.ActivatorNamespaceHeader, in.ns)
	req.Header.Set(cluster.ActivatorRevisionHeader, in.rev)
	resp, err := hc.Do(req)
	if err != nil {
		return addr, 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return addr, resp.StatusCode, string(b), err
}

// counts is how many requests went to the activator and to the pods.
func (in *ingress) counts() (proxied, direct int) {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.proxied, in.direct
}

// toPods says whether the public Service routes straight to the pods now:
// it has addresses, none of them the activator's.
func (in *ingress) toPods() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, a := range in.addrs {
		if strings.HasPrefix(a, cluster.ActivatorAddr+":") {
			return false
		}
	}
	return len(in.addrs) > 0
}

// addresses is the public Service's addresses now, for messages.
func (in *ingress) addresses() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return fmt.Sprintf("addresses %v", in.addrs)
}

// routed says how many requests went to the activator and to the pods.
func (in *ingress) routed() string {
	proxied, direct := in.counts()
	return fmt.Sprintf("%d through the activator, %d straight to the pods", proxied, direct)
}

// checkAnswers fails t unless every answer is 200 from a pod IP in ips,
// and returns how many each IP answered. One kind of failure is forgiven,
// and logged: a request sent straight to a pod that was removed since (its IP
// in removed) that ended without an answer. The harness plays no graceful
// termination: kwok deletes a pod at once and its queue-proxy is killed
// with it (test/cluster/queueproxy.go), where a kubelet would let
// queue-proxy drain the requests it has while the endpoints change; so a
// scale-down under load cuts the requests in flight on the removed pod,
// and the ingress's (and the activator's) view of the endpoints lags. More
// than maxCut such requests fail t: pods removed again and again under a
// steady load.
func checkAnswers(t *testing.T, answers []reqAnswer, ips, removed map[string]bool, maxCut int) map[string]int {
	t.Helper()
	by := map[string]int{}
	bad, cut := 0, 0
	for i, a := range answers {
		ip, _ := strings.CutPrefix(a.body, "hello from ")
		host, _, _ := net.SplitHostPort(a.addr)
		if a.err != nil && a.code == 0 && host != cluster.ActivatorAddr && removed[host] {
			if cut++; cut <= 5 {
				t.Logf("request %d to %s, a pod removed since, cut without an answer (no graceful termination here): %v", i, a.addr, a.err)
			}
			continue
		}
		if a.err != nil || a.code != http.StatusOK || !ips[ip] {
			if bad++; bad <= 5 {
				t.Errorf("request %d: %d %q %v; want 200 from a pod of the revision (IPs %v)", i, a.code, a.body, a.err, ips)
			}
			continue
		}
		by[ip]++
	}
	if bad > 5 {
		t.Errorf("... %d of %d requests failed", bad, len(answers))
	}
	if len(answers) == 0 {
		t.Error("no request was answered")
	}
	if cut > maxCut {
		t.Errorf("%d of %d requests cut by the removal of their pod; want at most %d under a steady load", cut, len(answers), maxCut)
	} else if cut > 0 {
		t.Logf("%d of %d requests cut by the removal of their pod", cut, len(answers))
	}
	return by
}

// podIPs is every IP a revision's pods had while it was watched, and
// which pods (by UID) had it: kwok gives a freed IP to the next pod, so a
// request cut by a pod's removal may name an IP that is live again.
type podIPs struct {
	mu  sync.Mutex
	ips map[string]map[string]bool
}

// watchPodIPs records the IPs of the revision's pods every 200 ms until t
// ends.
func watchPodIPs(t *testing.T, e *harness.Env, ns, rev string) *podIPs {
	p := &podIPs{ips: map[string]map[string]bool{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			pods, err := e.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "serving.knative.dev/revision=" + rev})
			if err == nil {
				p.mu.Lock()
				for _, pod := range pods.Items {
					if ip := pod.Status.PodIP; ip != "" {
						if p.ips[ip] == nil {
							p.ips[ip] = map[string]bool{}
						}
						p.ips[ip][string(pod.UID)] = true
					}
				}
				p.mu.Unlock()
			}
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
	return p
}

func (p *podIPs) seen() map[string]bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]bool, len(p.ips))
	for ip := range p.ips {
		out[ip] = true
	}
	return out
}

// removed is the IPs whose pod was removed while watched: no pod of the
// revision has them now (live), or another pod had them before.
func (p *podIPs) removed(live map[string]bool) map[string]bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]bool{}
	for ip, pods := range p.ips {
		if !live[ip] || len(pods) > 1 {
			out[ip] = true
		}
	}
	return out
}

// waitAtLeast waits until the Deployment asks for at least n pods and n
// are ready, and returns its spec then.
func waitAtLeast(t *testing.T, e *harness.Env, ns, dep string, n int32, timeout time.Duration) int32 {
	t.Helper()
	var spec int32
	harness.Eventually(t, timeout, fmt.Sprintf("Deployment %s at >= %d ready replicas", dep, n), func() (bool, string) {
		d, err := e.Kube.AppsV1().Deployments(ns).Get(context.Background(), dep, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		spec = ptr.Deref(d.Spec.Replicas, 1)
		why := fmt.Sprintf("spec %d, ready %d", spec, d.Status.ReadyReplicas)
		if hpa, err := e.Kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(context.Background(), strings.TrimSuffix(dep, "-deployment"), metav1.GetOptions{}); err == nil {
			why += fmt.Sprintf("; HPA desired %d, metrics %s", hpa.Status.DesiredReplicas, describeMetrics(hpa.Status.CurrentMetrics))
		}
		return spec >= n && d.Status.ReadyReplicas >= n, why
	})
	return spec
}

// describeMetrics is the HPA's current metrics for messages.
func describeMetrics(ms []autoscalingv2.MetricStatus) string {
	var parts []string
	for _, m := range ms {
		if m.External != nil {
			v := "?"
			if m.External.Current.AverageValue != nil {
				v = m.External.Current.AverageValue.String()
			}
			parts = append(parts, m.External.Metric.Name+"="+v)
		}
	}
	sort.Strings(parts)
	return "[" + strings.Join(parts, " ") + "]"
}

func maxValue(vs []int32) int32 {
	var m int32
	for _, v := range vs {
		m = max(m, v)
	}
	return m
}
