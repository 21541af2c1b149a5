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

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	kedaclientset "github.com/kedacore/keda/v2/pkg/generated/clientset/versioned"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	servingclientset "knative.dev/serving/pkg/client/clientset/versioned"

	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/deploy"
)

// Contender names.
const (
	contenderKEDA = "autoscaler-keda" // this project's controller
	contenderHPA  = "autoscaler-hpa"  // Serving's, the component it replaces
	contenderBare = "bare"            // a client that only creates ScaledObjects
)

// User agents of the benchmark's own clients.
const (
	benchAgent = "serving-keda-bench"
	bareAgent  = "bench-bare-client"
)

// hpaProbesPort is where Serving's autoscaler-hpa serves its probes: fixed,
// it has no PROBES_PORT.
const hpaProbesPort = 8080

// run is one contender's measurement on a fresh control plane.
type run struct {
	opts      *options
	contender string
	profile   kedaProfile
	revs      []revision
	prom      *promStub
	logf      func(string, ...any)

	dir      string // work directory of this run (audit log, component logs)
	auditLog string
	c        *cluster.Cluster
	kube     kubernetes.Interface
	serving  servingclientset.Interface
	keda     kedaclientset.Interface
	obs      *observer

	kedaSup     *kedaSupervisor  // nil for autoscaler-hpa and the played profile
	player      *kedaPlayer      // the played profile's stand-in for KEDA
	proc        *cluster.Process // the contender's process (nil for bare)
	metricsPort int
	pprofPort   int
	sampler     *procSampler
}

// kedaProfile is how KEDA's operator runs, or, Played, that the benchmark
// plays its part instead (keda_player.go).
type kedaProfile struct {
	Name   string
	Args   []string
	Env    []string
	Played bool
}

func (r *run) label() string {
	if r.contender == contenderHPA {
		return r.contender
	}
	return fmt.Sprintf("%s, KEDA %s", r.contender, r.profile.Name)
}

func (r *run) writesStatus() bool { return r.contender != contenderBare }

func (r *run) usesKEDA() bool { return r.contender != contenderHPA }

// classify names the client of an audited request.
func (r *run) classify(user, agent string) string {
	switch {
	case user == "system:serviceaccount:"+deploy.SystemNamespace+":"+deploy.ServiceAccount,
		strings.HasPrefix(agent, "autoscaler-keda"):
		return contenderKEDA
	case strings.HasPrefix(agent, "serving-autoscaler-hpa"), strings.HasPrefix(agent, "autoscaler-hpa"):
		return contenderHPA
	case strings.HasPrefix(agent, bareAgent):
		return contenderBare
	case strings.HasPrefix(agent, benchAgent):
		return "benchmark"
	case strings.HasPrefix(agent, kedaPlayerAgent):
		return kedaPlayerAgent
	case strings.HasPrefix(agent, "keda"):
		return "keda-operator"
	case strings.HasPrefix(agent, "kube-controller-manager"):
		return "kube-controller-manager"
	case strings.HasPrefix(agent, "kube-apiserver"), user == "system:apiserver":
		return "kube-apiserver"
	}
	return "other"
}

func (r *run) execute(ctx context.Context) (res *Result, retErr error) {
	res = &Result{
		Label: r.label(), Contender: r.contender, N: len(r.revs), QPS: r.opts.qps, Burst: r.opts.burst,
		Started: time.Now().UTC().Truncate(time.Second), WritesStatus: r.writesStatus(),
		Objects: "ScaledObject",
	}
	if r.usesKEDA() {
		res.KEDAProfile, res.KEDAArgs, res.KEDAEnv = r.profile.Name, r.profile.Args, r.profile.Env
	}
	if r.contender == contenderHPA {
		res.Objects = "HPA"
	}
	var err error
	if r.dir, err = os.MkdirTemp("", "serving-keda-bench-"); err != nil {
		return nil, err
	}
	defer func() {
		if retErr != nil || r.opts.keepLogs {
			r.logf("logs kept in %s", r.dir)
			return
		}
		_ = os.RemoveAll(r.dir)
	}()
	flags, auditLog, err := auditFlags(r.dir)
	if err != nil {
		return nil, err
	}
	r.auditLog = auditLog

	r.logf("starting a fresh control plane for %s", r.label())
	copts := cluster.Options{
		LogDir:         filepath.Join(r.dir, "logs"),
		Logf:           r.logf,
		APIServerFlags: flags,
		// KEDA is started below, by the benchmark, to restart it when it
		// crashes (see kedaSupervisor).
		SkipKEDA:     true,
		StartTimeout: 2 * time.Minute,
	}
	if r.c, err = cluster.Start(ctx, copts); err != nil {
		return nil, err
	}
	defer func() {
		if r.sampler != nil {
			r.sampler.Stop()
		}
		if r.kedaSup != nil {
			r.kedaSup.Stop()
		}
		if err := r.c.Stop(); err != nil {
			r.logf("stopping the control plane: %v", err)
		}
	}()
	if r.usesKEDA() && !r.profile.Played {
		if r.kedaSup, err = startKEDA(ctx, r.c, r.profile, r.opts.kedaRestart, r.logf); err != nil {
			return nil, err
		}
		r.logf("KEDA operator running (%s profile: %v %v)", r.profile.Name, r.profile.Args, r.profile.Env)
	}
	rc := r.c.RESTConfig()
	rc.UserAgent = benchAgent
	rc.QPS, rc.Burst = -1, 0 // the benchmark's own client is not throttled
	if r.kube, err = kubernetes.NewForConfig(rc); err != nil {
		return nil, err
	}
	if r.serving, err = servingclientset.NewForConfig(rc); err != nil {
		return nil, err
	}
	if r.keda, err = kedaclientset.NewForConfig(rc); err != nil {
		return nil, err
	}
	for i := 0; i < r.opts.namespaces; i++ {
		if err := r.c.CreateNamespace(ctx, fmt.Sprintf("bench-%02d", i)); err != nil {
			return nil, err
		}
	}
	// The benchmark's informers (and the bare client) stop before the
	// control plane does: open watches slow the API server's shutdown.
	ictx, icancel := context.WithCancel(ctx)
	defer icancel()
	if r.obs, err = startObserver(ictx, r.kube, r.serving, r.keda, r.opts.tracePA, r.logf); err != nil {
		return nil, err
	}
	if r.usesKEDA() && r.profile.Played {
		if r.player, err = startKEDAPlayer(ictx, r.c.RESTConfig(), r.opts.kedaQPS, r.opts.kedaBurst, kedaPlayerWorkers, r.logf); err != nil {
			return nil, err
		}
		r.logf("KEDA operator not started: the KEDA player stands in (QPS %d, burst %d, %d workers)", r.opts.kedaQPS, r.opts.kedaBurst, kedaPlayerWorkers)
	}

	// The workload's Deployments first, and their pods: Serving creates them
	// with the PAs, but the deployment controller's work on them is the same
	// for every contender and is kept out of the measured window.
	d, err := createDeployments(ctx, r.kube, r.revs, r.logf)
	if err != nil {
		return nil, err
	}
	res.DeploymentsSeconds = round3(d.Seconds())

	// The contender.
	switch r.contender {
	case contenderKEDA:
		err = r.startAutoscalerKEDA(ctx)
	case contenderHPA:
		err = r.startAutoscalerHPA(ctx)
	case contenderBare:
		var b *bareClient
		b, err = startBareClient(ictx, r.c.RESTConfig(), r.opts.qps, r.opts.burst, r.opts.bareWorkers, r.prom.URL)
		if err == nil {
			go func() {
				for {
					select {
					case <-ctx.Done():
						return
					case e := <-b.errs:
						r.logf("%v", e)
					}
				}
			}()
		}
	}
	if err != nil {
		return nil, err
	}
	if r.proc != nil {
		r.sampler = newProcSampler(r.proc.PID(), fmt.Sprintf("http://127.0.0.1:%d/metrics", r.metricsPort), time.Second, 2*time.Second)
	}
	// Quiet before the window opens.
	time.Sleep(3 * time.Second)

	// The measured window opens: N PAs at once.
	m0, err := scrapeRequestTotals(ctx, r.kube)
	if err != nil {
		return nil, err
	}
	cpu0, kcpu0 := r.cpu()
	prom0 := r.prom.queries.Load()
	meter := readCPUMeter()
	if r.opts.pprofDir != "" && r.proc != nil {
		go r.cpuProfile(ctx, "converge", r.opts.pprofConverge)
	}
	t0 := time.Now()
	created, err := createPodAutoscalers(ctx, r.serving, r.revs)
	if err != nil {
		return nil, err
	}
	res.PACreateSeconds = round3(time.Since(t0).Seconds())
	r.logf("%d PAs created in %.2fs", len(r.revs), res.PACreateSeconds)

	// Converge.
	if err := r.converge(ctx, t0, created, res); err != nil {
		return nil, err
	}
	time.Sleep(r.opts.settle)
	steadyStart := time.Now()
	res.ForeignCPUConverge = round3(meter.foreign())
	meter = readCPUMeter()
	m1, err := scrapeRequestTotals(ctx, r.kube)
	if err != nil {
		return nil, err
	}
	cpu1, kcpu1 := r.cpu()
	res.CPUConverge, res.KEDACPUConverge = round3(cpu1-cpu0), round3(kcpu1-kcpu0)
	if r.sampler != nil {
		_, res.RSSConverged, _, _ = r.sampler.Snapshot()
		r.sampler.SetHeapEvery(15 * time.Second)
	}
	res.ConvergeSeconds = round3(steadyStart.Sub(t0).Seconds())

	// Steady state: KEDA's churn, and a resync half-way.
	r.logf("steady state for %v", r.opts.steady)
	if r.opts.pprofDir != "" && r.proc != nil {
		go r.cpuProfile(ctx, "steady", r.opts.steady-2*time.Second)
	}
	if err := sleepCtx(ctx, r.opts.steady/2); err != nil {
		return nil, err
	}
	if r.contender != contenderBare {
		res.ResyncAtSeconds = round3(time.Since(steadyStart).Seconds())
		if err := r.triggerResync(ctx); err != nil {
			return nil, err
		}
	}
	if err := sleepCtx(ctx, r.opts.steady-time.Since(steadyStart)); err != nil {
		return nil, err
	}
	steadyEnd := time.Now()
	res.ForeignCPUSteady = round3(meter.foreign())
	m2, err := scrapeRequestTotals(ctx, r.kube)
	if err != nil {
		return nil, err
	}
	cpu2, kcpu2 := r.cpu()
	res.CPUSteady, res.KEDACPUSteady = round3(cpu2-cpu1), round3(kcpu2-kcpu1)
	res.SteadySeconds = round3(steadyEnd.Sub(steadyStart).Seconds())
	res.PromQueries = r.prom.queries.Load() - prom0
	res.AllConverge = toReqCounts(m1.Sub(m0))
	res.AllSteady = toReqCounts(m2.Sub(m1))
	if r.opts.pprofDir != "" && r.proc != nil {
		r.heapProfile(ctx)
	}

	// HPA status -> PA status latency, on the idle control plane.
	if r.writesStatus() {
		meter = readCPUMeter()
		begin := time.Now()
		if err := r.updateLatency(ctx, res); err != nil {
			return nil, err
		}
		res.LatencySeconds = round3(time.Since(begin).Seconds())
		res.ForeignCPULatency = round3(meter.foreign())
	}
	if r.sampler != nil {
		res.PeakRSS, res.RSSEnd, res.PeakHeap, res.HeapEnd = r.sampler.Snapshot()
		res.PeakRSSAnon, res.RSSAnonEnd, res.RSSFileEnd = r.sampler.Split()
	}
	if r.proc != nil {
		if exited, err := r.proc.Exited(); exited {
			return nil, fmt.Errorf("%s exited during the run: %v; log %s", r.contender, err, r.proc.LogPath)
		}
	}
	if r.player != nil {
		res.KEDAPlayer = r.player.Counts()
	}
	if r.kedaSup != nil {
		res.KEDARestarts = r.kedaSup.Restarts()
		if res.KEDARestarts > 0 {
			res.Notes = append(res.Notes, fmt.Sprintf("KEDA's operator crashed %d times and was restarted after %v each time "+
				"(v2.19.0's nil ScaleTargetGVKR panic in GetCurrentReplicas, kedacore/keda#7863)", res.KEDARestarts, r.opts.kedaRestart))
		}
	}

	// Stop everything (the audit log is complete once the API server has
	// stopped), then read the audit log.
	if r.sampler != nil {
		r.sampler.Stop()
		r.sampler = nil
	}
	if r.kedaSup != nil {
		r.kedaSup.Stop()
	}
	icancel()
	if err := r.c.Stop(); err != nil {
		r.logf("stopping the control plane: %v", err)
	}
	windows := []window{{"converge", t0, steadyStart}, {"steady", steadyStart, steadyEnd}}
	audit, err := readAudit(r.auditLog, windows, r.classify)
	if err != nil {
		return nil, fmt.Errorf("reading the audit log: %w", err)
	}
	res.ConvergeRequests = toReqCounts(audit.Requests[r.contender]["converge"])
	res.SteadyRequests = toReqCounts(audit.Requests[r.contender]["steady"])
	res.ConvergeConflicts = audit.Conflicts[r.contender]["converge"]
	res.SteadyConflicts = audit.Conflicts[r.contender]["steady"]
	res.KEDASteadyWrites = audit.Requests[kedaClient(res)]["steady"].Total(isWrite)
	res.Clients = map[string]ClientTotals{}
	for client, byWindow := range audit.Requests {
		read := func(v string) bool { return !isWrite(v) }
		res.Clients[client] = ClientTotals{
			Agent:          audit.Agents[client],
			ConvergeReads:  byWindow["converge"].Total(read),
			ConvergeWrites: byWindow["converge"].Total(isWrite),
			SteadyReads:    byWindow["steady"].Total(read),
			SteadyWrites:   byWindow["steady"].Total(isWrite),
		}
	}
	return res, nil
}

// converge waits until every PA has its object (and HPA, and status, where
// that applies), recording when each appeared.
func (r *run) converge(ctx context.Context, t0 time.Time, created map[string]time.Time, res *Result) error {
	n := len(r.revs)
	deadline := t0.Add(r.opts.timeout)
	var objAt, hpaAt, statusAt time.Time
	lastLog := time.Now()
	for {
		so, hpa, status := r.obs.Counts()
		obj := so
		if r.contender == contenderHPA {
			obj = hpa
		}
		now := time.Now()
		if objAt.IsZero() && obj >= n {
			objAt = now
			r.logf("all %d %ss after %.2fs", n, res.Objects, now.Sub(t0).Seconds())
		}
		if hpaAt.IsZero() && hpa >= n {
			hpaAt = now
			r.logf("all %d HPAs after %.2fs", n, now.Sub(t0).Seconds())
		}
		if statusAt.IsZero() && r.writesStatus() && status >= n {
			statusAt = now
			r.logf("all %d PAs carry HPA status after %.2fs", n, now.Sub(t0).Seconds())
		}
		if !objAt.IsZero() && !hpaAt.IsZero() && (!r.writesStatus() || !statusAt.IsZero()) {
			break
		}
		if r.proc != nil {
			if exited, err := r.proc.Exited(); exited {
				return fmt.Errorf("%s exited: %v; log %s", r.contender, err, r.proc.LogPath)
			}
		}
		if now.After(deadline) {
			res.Notes = append(res.Notes, fmt.Sprintf("not converged within %v: %d %ss, %d HPAs, %d PAs with status of %d",
				r.opts.timeout, obj, res.Objects, hpa, status, n))
			r.logf("timeout: %s", res.Notes[len(res.Notes)-1])
			break
		}
		if now.Sub(lastLog) >= 5*time.Second {
			lastLog = now
			r.logf("  t=%5.1fs: %d %ss, %d HPAs, %d PAs with HPA status (of %d)", now.Sub(t0).Seconds(), obj, res.Objects, hpa, status, n)
		}
		if err := sleepCtx(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
	at := func(t time.Time) float64 {
		if t.IsZero() {
			return -1
		}
		return round3(t.Sub(t0).Seconds())
	}
	// The times the objects were seen, as the informer recorded them (the
	// polling above only notices the last one up to 50 ms late).
	objTimes := r.obs.Times("so")
	if r.contender == contenderHPA {
		objTimes = r.obs.Times("hpa")
	}
	hpaTimes := r.obs.Times("hpa")
	statusTimes := r.obs.Times("status")
	objSecs, hpaSecs, statusSecs := since(t0, objTimes), since(t0, hpaTimes), since(t0, statusTimes)
	res.ObjectTimes, res.HPATimes = toDist(objSecs), toDist(hpaSecs)
	if r.writesStatus() {
		res.StatusTimes = toDist(statusSecs)
	}
	last := func(ts []float64, reached time.Time) float64 {
		if reached.IsZero() || len(ts) == 0 {
			return at(reached)
		}
		return ts[len(ts)-1]
	}
	res.AllObjectsSeconds = last(objSecs, objAt)
	res.AllHPAsSeconds = last(hpaSecs, hpaAt)
	if r.writesStatus() {
		res.AllStatusSeconds = last(statusSecs, statusAt)
	}
	objLat := latencies(created, objTimes)
	res.ObjectLatencies = toDist(objLat)
	res.ObjectLatencyMs = percentiles(objLat)
	res.HPALatencyMs = percentiles(latencies(created, hpaTimes))
	if r.writesStatus() {
		res.StatusLatencyMs = percentiles(latencies(created, statusTimes))
	}
	return nil
}

// kedaClient is the audit-log client that does KEDA's work in a run.
func kedaClient(r *Result) string {
	if r.KEDAProfile == playedProfile {
		return kedaPlayerAgent
	}
	return "keda-operator"
}

// cpu returns the CPU seconds used so far by the contender and by KEDA's
// operator (none when played: the player's CPU is the benchmark's own).
func (r *run) cpu() (contender, keda float64) {
	if r.proc != nil {
		contender, _ = cpuSeconds(r.proc.PID())
	}
	if r.kedaSup != nil {
		keda = r.kedaSup.CPU()
	}
	return contender, keda
}

// observability turns on the Prometheus metrics endpoint (for the Go heap)
// and the profiling handler of a knative sharedmain binary.
func (r *run) observability(ctx context.Context) error {
	return updateConfigMap(ctx, r.kube, "config-observability", map[string]string{
		"metrics-protocol":  "prometheus",
		"runtime-profiling": "enabled",
	})
}

func updateConfigMap(ctx context.Context, kube kubernetes.Interface, name string, data map[string]string) error {
	cm, err := kube.CoreV1().ConfigMaps(deploy.SystemNamespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if cm.Data == nil {
		cm.Data = map[string]string{}
	}
	for k, v := range data {
		cm.Data[k] = v
	}
	_, err = kube.CoreV1().ConfigMaps(deploy.SystemNamespace).Update(ctx, cm, metav1.UpdateOptions{})
	return err
}

// triggerResync writes config-autoscaler with a key set to its default
// value: nothing changes, but both controllers reconcile every PA again.
func (r *run) triggerResync(ctx context.Context) error {
	r.logf("config-autoscaler changed (no-op value): every PA resyncs")
	return updateConfigMap(ctx, r.kube, "config-autoscaler", map[string]string{
		"container-concurrency-target-default": "100",
	})
}

func (r *run) ports() error {
	var err error
	if r.metricsPort, err = cluster.FreePort(); err != nil {
		return err
	}
	for {
		if r.pprofPort, err = cluster.FreePort(); err != nil {
			return err
		}
		if r.pprofPort != r.metricsPort {
			return nil
		}
	}
}

func (r *run) startAutoscalerKEDA(ctx context.Context) error {
	if err := deploy.Install(ctx, r.c); err != nil {
		return err
	}
	if err := updateConfigMap(ctx, r.kube, config.KEDAConfigName, map[string]string{config.PrometheusAddressKey: r.prom.URL}); err != nil {
		return err
	}
	if err := r.observability(ctx); err != nil {
		return err
	}
	if err := r.ports(); err != nil {
		return err
	}
	var err error
	r.proc, err = deploy.Start(ctx, r.c, r.opts.kedaBinary, deploy.Options{
		QPS: r.opts.qps, Burst: r.opts.burst,
		Env: append([]string{
			fmt.Sprintf("METRICS_PROMETHEUS_PORT=%d", r.metricsPort),
			fmt.Sprintf("PROFILING_PORT=%d", r.pprofPort),
		}, r.opts.controllerEnv...),
	})
	if err != nil {
		return err
	}
	r.logf("autoscaler-keda running (pid %d) under ServiceAccount %s/%s", r.proc.PID(), deploy.SystemNamespace, deploy.ServiceAccount)
	return nil
}

// servingConfigMaps are the config maps Serving's autoscaler-hpa reads.
var servingConfigMaps = []string{"autoscaler.yaml", "deployment.yaml", "logging.yaml", "observability.yaml", "leader-election.yaml"}

func (r *run) startAutoscalerHPA(ctx context.Context) error {
	serving, err := cluster.ModuleDir(ctx, "knative.dev/serving")
	if err != nil {
		return err
	}
	networking, err := cluster.ModuleDir(ctx, "knative.dev/networking")
	if err != nil {
		return err
	}
	var files []string
	for _, f := range servingConfigMaps {
		files = append(files, filepath.Join(serving, "config", "core", "configmaps", f))
	}
	files = append(files, filepath.Join(networking, "config", "config-network.yaml"))
	for _, f := range files {
		if err := deploy.ApplyFile(ctx, r.kube, f); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	if err := r.observability(ctx); err != nil {
		return err
	}
	if err := r.ports(); err != nil {
		return err
	}
	if probeOK(ctx, fmt.Sprintf("http://127.0.0.1:%d/readiness", hpaProbesPort)) {
		return fmt.Errorf("something already answers on 127.0.0.1:%d, where Serving's autoscaler-hpa serves its probes", hpaProbesPort)
	}
	r.proc, err = r.c.StartProcess(contenderHPA, r.opts.hpaBinary, []string{
		"--kubeconfig=" + r.c.Kubeconfig(),
		fmt.Sprintf("--kube-api-qps=%d", r.opts.qps),
		fmt.Sprintf("--kube-api-burst=%d", r.opts.burst),
	}, []string{
		"SYSTEM_NAMESPACE=" + deploy.SystemNamespace,
		"CONFIG_LOGGING_NAME=config-logging",
		"CONFIG_OBSERVABILITY_NAME=config-observability",
		"POD_NAME=autoscaler-hpa",
		fmt.Sprintf("METRICS_PROMETHEUS_PORT=%d", r.metricsPort),
		fmt.Sprintf("PROFILING_PORT=%d", r.pprofPort),
	})
	if err != nil {
		return err
	}
	deadline := time.Now().Add(time.Minute)
	for {
		if exited, err := r.proc.Exited(); exited {
			return fmt.Errorf("autoscaler-hpa exited during start-up: %v; log %s", err, r.proc.LogPath)
		}
		b, _ := os.ReadFile(r.proc.LogPath)
		if bytes.Contains(b, []byte("Starting controllers...")) && probeOK(ctx, fmt.Sprintf("http://127.0.0.1:%d/readiness", hpaProbesPort)) {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("autoscaler-hpa not ready after 1m; log %s", r.proc.LogPath)
		}
		if err := sleepCtx(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
	r.logf("autoscaler-hpa running (pid %d) with the admin kubeconfig", r.proc.PID())
	return nil
}

func probeOK(ctx context.Context, url string) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// updateLatency writes HPA status as the HPA controller would (new current
// and desired replicas) on a sample of the revisions, one at a time, and
// measures how long until the PA reports it.
func (r *run) updateLatency(ctx context.Context, res *Result) error {
	keys := make([]string, len(r.revs))
	for i, rev := range r.revs {
		keys[i] = rev.Key()
	}
	sort.Strings(keys)
	var lats []float64
	for i := 0; i < r.opts.samples; i++ {
		key := keys[(i*7919+i/len(keys))%len(keys)]
		hpa, ok := r.obs.HPA(key)
		if !ok {
			continue
		}
		v := hpa.Status.CurrentReplicas%4 + 2
		ch, cancel := r.obs.WaitPA(key, func(pa *autoscalingv1alpha1.PodAutoscaler) bool {
			return pa.Status.ActualScale != nil && *pa.Status.ActualScale == v && pa.Status.DesiredScale != nil && *pa.Status.DesiredScale == v
		})
		upd := hpa.DeepCopy()
		upd.Status.CurrentReplicas, upd.Status.DesiredReplicas = v, v
		start := time.Now()
		_, err := r.kube.AutoscalingV2().HorizontalPodAutoscalers(upd.Namespace).UpdateStatus(ctx, upd, metav1.UpdateOptions{})
		if apierrors.IsConflict(err) {
			cancel()
			i-- // the cache was behind: try again with the next sample
			time.Sleep(100 * time.Millisecond)
			continue
		}
		if err != nil {
			cancel()
			return fmt.Errorf("updating HPA %s status: %w", key, err)
		}
		select {
		case t := <-ch:
			lats = append(lats, round3(float64(t.Sub(start).Microseconds())/1000))
		case <-time.After(10 * time.Second):
			cancel()
			res.UpdateTimeouts++
		case <-ctx.Done():
			cancel()
			return ctx.Err()
		}
		time.Sleep(50 * time.Millisecond)
	}
	sort.Float64s(lats)
	res.UpdateLatencies = toDist(lats)
	res.UpdateLatencyMs = percentiles(lats)
	res.UpdateSamples = len(lats)
	r.logf("HPA status -> PA status: p50 %.1f ms, p99 %.1f ms over %d samples (%d timeouts)",
		res.UpdateLatencyMs.P50, res.UpdateLatencyMs.P99, len(lats), res.UpdateTimeouts)
	return nil
}

// cpuProfile saves a CPU profile of the contender (knative's profiling
// handler) for the next d.
func (r *run) cpuProfile(ctx context.Context, name string, d time.Duration) {
	secs := max(1, int(d.Seconds()))
	r.saveProfile(ctx, fmt.Sprintf("profile?seconds=%d", secs), name+".cpu.pprof", d+30*time.Second)
}

func (r *run) heapProfile(ctx context.Context) {
	r.saveProfile(ctx, "heap", "heap.pprof", 30*time.Second)
}

func (r *run) saveProfile(ctx context.Context, path, file string, timeout time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	url := fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/%s", r.pprofPort, path)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.logf("profile %s: %v", url, err)
		return
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		r.logf("profile %s: %v (HTTP %d)", url, err, resp.StatusCode)
		return
	}
	out := filepath.Join(r.opts.pprofDir, fmt.Sprintf("%s-n%d-%s", strings.ReplaceAll(strings.ReplaceAll(r.label(), ", ", "-"), " ", "-"), len(r.revs), file))
	if err := os.MkdirAll(r.opts.pprofDir, 0o755); err == nil {
		if err := os.WriteFile(out, b, 0o644); err == nil {
			r.logf("profile saved: %s", out)
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
