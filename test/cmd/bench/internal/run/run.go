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

package run

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	kedaclientset "github.com/kedacore/keda/v2/pkg/generated/clientset/versioned"
	"k8s.io/client-go/kubernetes"
	servingclientset "knative.dev/serving/pkg/client/clientset/versioned"

	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/audit"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/contender"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/keda"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/observe"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/procstat"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/result"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/workload"
	"github.com/serving-keda/serving-keda/test/harness/prometheus"
)

// run is one contender's measurement on a fresh control plane.
type run struct {
	opts      *Options
	contender string
	profile   keda.Profile
	revs      []workload.Revision
	prom      *prometheus.Server // the fake Prometheus KEDA's scalers query
	logf      func(string, ...any)

	dir      string // work directory of this run (audit log, component logs)
	auditLog string
	c        *cluster.Cluster
	kube     kubernetes.Interface
	serving  servingclientset.Interface
	kedaCS   kedaclientset.Interface
	obs      *observe.Observer

	kedaSup *keda.Supervisor   // nil for autoscaler-hpa and the played profile
	player  *keda.Player       // the played profile's stand-in for KEDA
	proc    *contender.Process // the contender's process (nil for bare)
	sampler *procstat.Sampler
	prom0   int64 // the fake Prometheus's queries when the windows opened
}

func (r *run) label() string {
	if r.contender == result.HPA {
		return r.contender
	}
	return fmt.Sprintf("%s, KEDA %s", r.contender, r.profile.Name)
}

func (r *run) writesStatus() bool { return r.contender != result.Bare }

func (r *run) usesKEDA() bool { return r.contender != result.HPA }

func (r *run) newResult() *result.Result {
	res := &result.Result{
		Label: r.label(), Contender: r.contender, N: len(r.revs), QPS: r.opts.QPS, Burst: r.opts.Burst,
		Started: time.Now().UTC().Truncate(time.Second), WritesStatus: r.writesStatus(),
		Objects: "ScaledObject",
	}
	if r.usesKEDA() {
		res.KEDAProfile, res.KEDAArgs, res.KEDAEnv = r.profile.Name, r.profile.Args, r.profile.Env
	}
	if r.contender == result.HPA {
		res.Objects = "HPA"
	}
	return res
}

// execute measures the contender: a fresh control plane with the workload's
// Deployments, the contender, N PAs at once (the converging window), the
// steady window, the HPA status -> PA status latency, then the audit log.
func (r *run) execute(ctx context.Context) (res *result.Result, retErr error) {
	var err error
	if r.dir, err = os.MkdirTemp("", "serving-keda-bench-"); err != nil {
		return nil, err
	}
	defer func() { r.removeDir(retErr) }()
	res = r.newResult()
	if err := r.startControlPlane(ctx); err != nil {
		return nil, err
	}
	defer r.stopControlPlane()
	// The benchmark's informers (and the bare client) stop before the
	// control plane does: open watches slow the API server's shutdown.
	ictx, icancel := context.WithCancel(ctx)
	defer icancel()
	if err := r.prepare(ctx, ictx, res); err != nil {
		return nil, err
	}
	if err := r.startContender(ctx, ictx); err != nil {
		return nil, err
	}
	// Quiet before the window opens.
	time.Sleep(3 * time.Second)
	t0, converged, err := r.convergeWindow(ctx, res)
	if err != nil {
		return nil, err
	}
	steadyEnd, err := r.steadyWindow(ctx, res, converged)
	if err != nil {
		return nil, err
	}
	if err := r.latencyWindow(ctx, res); err != nil {
		return nil, err
	}
	if err := r.collect(res); err != nil {
		return nil, err
	}
	// The audit log is complete once the API server has stopped.
	icancel()
	r.stopControlPlane()
	windows := []audit.Window{{Name: "converge", From: t0, To: converged.at}, {Name: "steady", From: converged.at, To: steadyEnd.at}}
	return res, r.countAudit(res, windows)
}

func (r *run) removeDir(failed error) {
	if failed != nil || r.opts.KeepLogs {
		r.logf("logs kept in %s", r.dir)
		return
	}
	_ = os.RemoveAll(r.dir)
}

// startControlPlane starts the control plane with an audit log, and KEDA's
// operator unless played or not used.
func (r *run) startControlPlane(ctx context.Context) error {
	flags, auditLog, err := audit.Flags(r.dir)
	if err != nil {
		return err
	}
	r.auditLog = auditLog
	r.logf("starting a fresh control plane for %s", r.label())
	if r.c, err = cluster.Start(ctx, cluster.Options{
		LogDir:         filepath.Join(r.dir, "logs"),
		Logf:           r.logf,
		APIServerFlags: flags,
		// KEDA is started below, by the benchmark, to restart it when it
		// crashes (see keda.Supervisor).
		SkipKEDA:        true,
		SkipKEDAWebhook: r.opts.NoKEDAWebhook,
		StartTimeout:    2 * time.Minute,
	}); err != nil {
		return err
	}
	if r.usesKEDA() && !r.profile.Played {
		if r.kedaSup, err = keda.Start(ctx, r.c, r.profile, r.opts.KEDARestart, r.logf); err != nil {
			return err
		}
		r.logf("KEDA operator running (%s profile: %v %v)", r.profile.Name, r.profile.Args, r.profile.Env)
	}
	return nil
}

// stopControlPlane stops the sampler, KEDA and the control plane, once.
func (r *run) stopControlPlane() {
	if r.sampler != nil {
		r.sampler.Stop()
		r.sampler = nil
	}
	if r.kedaSup != nil {
		r.kedaSup.Stop()
	}
	if r.c == nil {
		return
	}
	if err := r.c.Stop(); err != nil {
		r.logf("stopping the control plane: %v", err)
	}
	r.c = nil
}

// prepare makes the benchmark's clients, the namespaces, the observer and
// the KEDA player, and the workload's Deployments with their pods: Serving
// creates them with the PAs, but the deployment controller's work on them
// is the same for every contender and is kept out of the measured window.
func (r *run) prepare(ctx, ictx context.Context, res *result.Result) error {
	rc := r.c.RESTConfig()
	rc.UserAgent = contender.BenchAgent
	rc.QPS, rc.Burst = -1, 0 // the benchmark's own client is not throttled
	var err error
	if r.kube, err = kubernetes.NewForConfig(rc); err != nil {
		return err
	}
	if r.serving, err = servingclientset.NewForConfig(rc); err != nil {
		return err
	}
	if r.kedaCS, err = kedaclientset.NewForConfig(rc); err != nil {
		return err
	}
	for i := 0; i < r.opts.Namespaces; i++ {
		if err := r.c.CreateNamespace(ctx, fmt.Sprintf("bench-%02d", i)); err != nil {
			return err
		}
	}
	if r.obs, err = observe.Start(ictx, r.kube, r.serving, r.kedaCS, r.opts.TracePA, r.logf); err != nil {
		return err
	}
	if r.usesKEDA() && r.profile.Played {
		o := r.opts
		if r.player, err = keda.StartPlayer(ictx, r.c.RESTConfig(), o.KEDAQPS, o.KEDABurst, result.PlayerWorkers, r.logf); err != nil {
			return err
		}
		r.logf("KEDA operator not started: the KEDA player stands in (QPS %d, burst %d, %d workers)", o.KEDAQPS, o.KEDABurst, result.PlayerWorkers)
	}
	d, err := workload.CreateDeployments(ctx, r.kube, r.revs, r.logf)
	if err != nil {
		return err
	}
	res.DeploymentsSeconds = result.Round3(d.Seconds())
	return nil
}

// startContender starts the contender (the bare client until ictx ends)
// and samples its process's memory.
func (r *run) startContender(ctx, ictx context.Context) error {
	env := contender.Env{Cluster: r.c, Kube: r.kube, QPS: r.opts.QPS, Burst: r.opts.Burst, PromURL: r.prom.URL, Logf: r.logf}
	var err error
	// Every contender's binary starts out of the page cache (DropFromPageCache).
	if b := map[string]string{result.KEDA: r.opts.ControllerBinary, result.HPA: r.opts.hpaBinary}[r.contender]; b != "" {
		if err := procstat.DropFromPageCache(b); err != nil {
			r.logf("dropping %s from the page cache: %v", b, err)
		}
	}
	switch r.contender {
	case result.KEDA:
		r.proc, err = contender.StartAutoscalerKEDA(ctx, env, r.opts.ControllerBinary, r.opts.ControllerEnv)
	case result.HPA:
		r.proc, err = contender.StartAutoscalerHPA(ctx, env, r.opts.hpaBinary)
	case result.Bare:
		err = contender.StartBare(ictx, env, r.c.RESTConfig(), r.opts.BareWorkers)
	}
	if err != nil {
		return err
	}
	if r.proc != nil {
		r.sampler = procstat.NewSampler(r.proc.PID(), fmt.Sprintf("http://127.0.0.1:%d/metrics", r.proc.MetricsPort), time.Second, 2*time.Second)
	}
	return nil
}

// exited is an error if the contender's process has exited.
func (r *run) exited() error {
	if r.proc == nil {
		return nil
	}
	if exited, err := r.proc.Exited(); exited {
		return fmt.Errorf("%s exited: %v; log %s", r.contender, err, r.proc.LogPath)
	}
	return nil
}

// cpu returns the CPU seconds used so far by the contender and by KEDA's
// operator (none when played: the player's CPU is the benchmark's own).
// controlPlaneCPU is the CPU seconds kube-apiserver and etcd used so far.
func (r *run) controlPlaneCPU() (api, etcd float64) {
	if pid := r.c.APIServerPID(); pid > 0 {
		api, _ = procstat.CPUSeconds(pid)
	}
	if pid := r.c.EtcdPID(); pid > 0 {
		etcd, _ = procstat.CPUSeconds(pid)
	}
	return api, etcd
}

func (r *run) cpu() (contender, keda float64) {
	if r.proc != nil {
		contender, _ = procstat.CPUSeconds(r.proc.PID())
	}
	if r.kedaSup != nil {
		keda = r.kedaSup.CPU()
	}
	return contender, keda
}
