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

// Command requests measures what Knative's request signal costs this
// controller (pkg/requestsignal: Serving's collector and decider): CPU,
// memory and scrape requests per revision at 10, 100 and 1,000 revisions
// with several pods each, over a steady window.
//
// The pods are played: Pod objects in a lister (Running, Ready, started an
// hour ago) whose IPs are local addresses of a network namespace of the
// program's own (10.244.0.0/16 on its loopback), and one stats server, a
// child process, answering every pod's queue-proxy stats on :9090 in
// Serving's protobuf format (5 requests in flight per pod). Everything the
// controller does per revision is real: Serving's scraper (its sampling,
// its HTTP client), the collector's windows, the decider's ticks. The
// program's own CPU (getrusage) and memory are the signal's, as the stats
// server runs apart; each revision's decision is checked (3 pods x 5 in
// flight at a target of 10 want 2 pods).
//
// Run as root (it runs itself again in a network namespace of its own):
// make bench-requests. It writes docs/benchmarks/requests.md and
// requests.json; numbers are printed, never asserted.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"go.uber.org/zap"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	corev1listers "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"knative.dev/pkg/logging"
	"knative.dev/serving/pkg/apis/autoscaling"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	"knative.dev/serving/pkg/apis/serving"
	asconfig "knative.dev/serving/pkg/autoscaler/config"
	"knative.dev/serving/pkg/autoscaler/config/autoscalerconfig"
	"knative.dev/serving/pkg/autoscaler/metrics"

	"github.com/serving-keda/serving-keda/pkg/requestsignal"
	"github.com/serving-keda/serving-keda/test/cluster"
)

// Each played pod reports this many requests in flight; with the target
// below, a revision of podsPerRevision pods wants wantPods.
const (
	inFlightPerPod = 5
	target         = 10
	countAddr      = "127.0.0.1:9091"
	serveStatsFlag = "serve-stats"
)

type run struct {
	Revisions      int     `json:"revisions"`
	Pods           int     `json:"podsPerRevision"`
	Seconds        float64 `json:"seconds"`
	CPUCores       float64 `json:"cpuCores"`
	CPUPerRevision float64 `json:"cpuMillicoresPerRevision"`
	HeapMiB        float64 `json:"heapMiB"`
	HeapPerRevKiB  float64 `json:"heapKiBPerRevision"`
	RSSMiB         float64 `json:"rssMiB"`
	ScrapesPerSec  float64 `json:"scrapesPerSecond"`
	ScrapesPerRev  float64 `json:"scrapesPerRevisionPerSecond"`
	Decided        int     `json:"revisionsDecidedRight"`
	WantPods       int32   `json:"wantPods"`
}

func main() {
	revisions := flag.String("revisions", "10,100,1000", "revision counts, comma separated")
	pods := flag.Int("pods", 3, "pods per revision")
	steady := flag.Duration("steady", 30*time.Second, "measured window, after a warm-up of the stable window")
	out := flag.String("out", "docs/benchmarks", "where requests.md and requests.json go (empty: nowhere)")
	serve := flag.Bool(serveStatsFlag, false, "internal: be the played queue-proxies' stats server")
	flag.Parse()
	if *serve {
		serveStats()
		return
	}
	if ran, code, err := cluster.ProgramInOwnNetNamespace(); err != nil {
		fatal(err)
	} else if ran {
		os.Exit(code)
	}
	if b, err := exec.Command("ip", "addr", "add", "10.244.0.0/16", "dev", "lo").CombinedOutput(); err != nil {
		fatal(fmt.Errorf("ip addr add: %v: %s", err, b))
	}
	exe, _ := os.Executable()
	server := exec.Command(exe, "-"+serveStatsFlag)
	server.Stderr = os.Stderr
	if err := server.Start(); err != nil {
		fatal(err)
	}
	defer server.Process.Kill() //nolint:errcheck // best effort
	waitServer()

	var runs []run
	for _, f := range strings.Split(*revisions, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			fatal(fmt.Errorf("bad -revisions %q", f))
		}
		r := measure(n, *pods, *steady)
		fmt.Printf("%5d revisions x %d pods: %.3f cores (%.2f millicores/revision), heap %.1f MiB (%.1f KiB/revision), RSS %.1f MiB, %.0f scrapes/s (%.2f per revision), %d of %d decided %d pods\n",
			r.Revisions, r.Pods, r.CPUCores, r.CPUPerRevision, r.HeapMiB, r.HeapPerRevKiB, r.RSSMiB, r.ScrapesPerSec, r.ScrapesPerRev, r.Decided, r.Revisions, r.WantPods)
		runs = append(runs, r)
	}
	if *out != "" {
		if err := write(*out, runs, *steady); err != nil {
			fatal(err)
		}
	}
}

// measure tracks n revisions of pods pods each and measures one steady
// window.
func measure(n, pods int, steady time.Duration) run {
	logger, _ := zap.NewProduction(zap.IncreaseLevel(zap.WarnLevel))
	ctx, cancel := context.WithCancel(logging.WithLogger(context.Background(), logger.Sugar()))
	defer cancel()
	runtime.GC()
	heap0 := heapBytes()

	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	started := metav1.NewTime(time.Now().Add(-time.Hour))
	for r := range n {
		for p := range pods {
			i := r*pods + p + 1
			_ = indexer.Add(&corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns(r), Name: fmt.Sprintf("%s-%d", rev(r), p), Labels: map[string]string{serving.RevisionLabelKey: rev(r)}},
				Status: corev1.PodStatus{
					Phase: corev1.PodRunning, PodIP: fmt.Sprintf("10.244.%d.%d", i/250, i%250+1), StartTime: &started,
					Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
				},
			})
		}
	}
	sig := requestsignal.NewWithPods(ctx, corev1listers.NewPodLister(indexer), func(types.NamespacedName, bool) {})
	cfg := config()
	for r := range n {
		if err := sig.Track(pa(r), cfg); err != nil {
			fatal(err)
		}
	}
	// The stable window fills first, then the measured window.
	time.Sleep(cfg.StableWindow + 2*time.Second)
	scrapes0, cpu0, t0 := scrapes(), cpuSeconds(), time.Now()
	time.Sleep(steady)
	scrapes1, cpu1, secs := scrapes(), cpuSeconds(), time.Since(t0).Seconds()
	rss := rssBytes()
	runtime.GC()
	heap1 := heapBytes()

	want := int32((pods*inFlightPerPod + target - 1) / target)
	right := 0
	for r := range n {
		if d, ok := sig.Desired(types.NamespacedName{Namespace: ns(r), Name: rev(r)}); ok && d == want {
			right++
		}
	}
	heap := float64(heap1-min(heap0, heap1)) / (1 << 20)
	cores := (cpu1 - cpu0) / secs
	rate := float64(scrapes1-scrapes0) / secs
	return run{
		Revisions: n, Pods: pods, Seconds: secs,
		CPUCores: cores, CPUPerRevision: cores * 1000 / float64(n),
		HeapMiB: heap, HeapPerRevKiB: heap * 1024 / float64(n), RSSMiB: float64(rss) / (1 << 20),
		ScrapesPerSec: rate, ScrapesPerRev: rate / float64(n), Decided: right, WantPods: want,
	}
}

func ns(r int) string  { return fmt.Sprintf("ns-%d", r%10) }
func rev(r int) string { return fmt.Sprintf("rev-%05d", r) }

func pa(r int) *autoscalingv1alpha1.PodAutoscaler {
	return &autoscalingv1alpha1.PodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: ns(r), Name: rev(r),
			Labels: map[string]string{serving.RevisionLabelKey: rev(r), serving.ConfigurationLabelKey: "cfg"},
			Annotations: map[string]string{
				autoscaling.MetricAnnotationKey: autoscaling.Concurrency, autoscaling.TargetAnnotationKey: strconv.Itoa(target),
				autoscaling.TargetUtilizationPercentageKey: "100",
			},
		},
		Spec:   autoscalingv1alpha1.PodAutoscalerSpec{Reachability: autoscalingv1alpha1.ReachabilityReachable},
		Status: autoscalingv1alpha1.PodAutoscalerStatus{MetricsServiceName: rev(r) + "-private"},
	}
}

// config is config-autoscaler as Serving ships it (a 60 s stable window).
func config() *autoscalerconfig.Config {
	c, err := asconfig.NewConfigFromMap(nil)
	if err != nil {
		fatal(err)
	}
	return c
}

// serveStats is the played queue-proxies: Serving's protobuf stat on
// :9090 for any pod IP, and the count of requests on countAddr.
func serveStats() {
	var n atomic.Int64
	body, err := (&metrics.Stat{AverageConcurrentRequests: inFlightPerPod, RequestCount: 2 * inFlightPerPod}).Marshal()
	if err != nil {
		fatal(err)
	}
	go func() {
		fatal(http.ListenAndServe(countAddr, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, n.Load())
		})))
	}()
	fatal(http.ListenAndServe(":9090", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/protobuf")
		_, _ = w.Write(body)
	})))
}

func waitServer() {
	for range 100 {
		if _, err := http.Get("http://" + countAddr); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	fatal(fmt.Errorf("the stats server did not start"))
}

func scrapes() int64 {
	resp, err := http.Get("http://" + countAddr)
	if err != nil {
		fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		fatal(err)
	}
	return v
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func heapBytes() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

func write(dir string, runs []run, steady time.Duration) error {
	j, err := json.MarshalIndent(runs, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(dir+"/requests.json", append(j, '\n'), 0o644); err != nil {
		return err
	}
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("# What the request signal costs")
	p("")
	p("<!-- Generated by test/cmd/bench/requests (make bench-requests) from requests.json: edit the program, not this file. -->")
	p("")
	p("One replica of this controller's request signal (pkg/requestsignal: Serving's collector, stats scraper and decider")
	p("as a library) tracking N revisions scaled on `concurrency`, each with several pods, over a %v steady window after", steady)
	p("the stable window (60 s, Serving's default) has filled. **Played stats:** the pods are objects in a lister whose IPs")
	p("are local addresses of the program's own network namespace, and one stats server (a separate process) answers")
	p("every pod's queue-proxy stats in Serving's protobuf format, %d requests in flight per pod; the scraping, windows and", inFlightPerPod)
	p("decisions are the real code's. CPU and memory are the measuring process's own (the stats server runs apart);")
	p("heap is the live heap added by the tracked revisions, RSS the process's. Every replica of the controller does the")
	p("same work (each answers KEDA), so two replicas cost twice this. Reproduce: `make bench-requests`.")
	p("")
	p("| revisions | pods each | CPU (cores) | CPU per revision (millicores) | heap (MiB) | heap per revision (KiB) | RSS (MiB) | scrapes/s | scrapes/s per revision | decided right |")
	p("|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range runs {
		p("| %d | %d | %.3f | %.2f | %.1f | %.1f | %.1f | %.0f | %.2f | %d of %d (want %d pods) |",
			r.Revisions, r.Pods, r.CPUCores, r.CPUPerRevision, r.HeapMiB, r.HeapPerRevKiB, r.RSSMiB, r.ScrapesPerSec, r.ScrapesPerRev, r.Decided, r.Revisions, r.WantPods)
	}
	p("")
	p("Serving's scraper reads each revision once a second: every pod up to 3, a sample of the others beyond (16 of a")
	p("large revision, as Serving's autoscaler does), so scrapes grow with revisions, not with pods.")
	return os.WriteFile(dir+"/requests.md", []byte(b.String()), 0o644)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "requests:", err)
	os.Exit(1)
}
