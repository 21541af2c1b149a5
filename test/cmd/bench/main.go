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

// Command bench measures this project's controller on the local control
// plane (test/cluster), side by side with Serving's autoscaler-hpa (the
// component it replaces) and with a bare client that only creates the
// ScaledObjects, each on a fresh control plane: N PodAutoscalers created at
// once, time and latency to their ScaledObjects (HPAs for autoscaler-hpa),
// to KEDA's HPAs and to PA status; HPA status -> PA status latency; API
// requests per PA from the API server's own counters and audit log, while
// converging and in steady state; CPU, peak RSS and Go heap of the
// contender. It prints numbers and fails on none of them.
//
// KEDA's operator makes the HPAs in the tuned and default profiles; in the
// played profile (the default's first) it does not run and the benchmark
// writes the HPAs and ScaledObject status as KEDA would (internal/keda),
// because at 1,000 ScaledObjects KEDA itself is the bottleneck.
//
// It writes docs/benchmarks/results-n<N>.json (one entry per contender,
// replaced when measured again), then README.md and the plots from every
// results file in the output directory.
//
//	make bench                                    # n=1000, every contender
//	make bench BENCH_FLAGS="-n 3000 -contenders autoscaler-keda,autoscaler-hpa"
//	go run ./test/cmd/bench -report-only          # README and plots from the JSON
//
// The packages under internal/: run (the runs and their windows), contender
// (autoscaler-keda, autoscaler-hpa, the bare client), keda (KEDA's operator
// or its player), workload, observe (when objects appear), keyworkers (the
// informer and workers under the bare client and the player), audit
// (requests by client), procstat (CPU and memory), waitfor, result (the
// results files), report and figure (README.md and its figures, drawn with
// gonum's plot).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/report"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/result"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/run"
	"github.com/serving-keda/serving-keda/test/deploy"
)

func main() {
	o, reportOnly := parseFlags()
	// envtest (in test/cluster) logs through controller-runtime's logger.
	ctrllog.SetLogger(ctrllog.Log.WithSink(ctrllog.NullLogSink{}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if !reportOnly {
		err = run.All(ctx, o)
	}
	if err == nil {
		err = report.Write(o.Out)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func parseFlags() (o *run.Options, reportOnly bool) {
	o = &run.Options{}
	var contenders, profiles, controllerEnv string
	flag.IntVar(&o.N, "n", 1000, "PodAutoscalers (revisions) created at once")
	flag.IntVar(&o.QPS, "qps", deploy.DefaultQPS, "client QPS given to every contender (each of its clients)")
	flag.IntVar(&o.Burst, "burst", deploy.DefaultBurst, "client burst given to every contender")
	flag.StringVar(&contenders, "contenders", strings.Join([]string{result.KEDA, result.HPA, result.Bare}, ","),
		"comma-separated: autoscaler-keda (this controller), autoscaler-hpa (Serving's), bare (a client creating the ScaledObjects)")
	flag.StringVar(&profiles, "keda-profiles", result.Played+",tuned",
		"KEDA settings to run autoscaler-keda with, comma-separated: played (KEDA's operator does not run; the benchmark creates its HPAs and status, 2 writes per ScaledObject), "+
			"tuned (KEDA's operator, see -keda-*), default (KEDA's operator with its own defaults); bare uses the first")
	flag.IntVar(&o.KEDAQPS, "keda-qps", 200, "KEDA operator --kube-api-qps in the tuned profile, and the KEDA player's QPS in the played one (KEDA's default: 20)")
	flag.IntVar(&o.KEDABurst, "keda-burst", 400, "KEDA operator --kube-api-burst in the tuned profile, and the KEDA player's burst in the played one (KEDA's default: 30)")
	flag.IntVar(&o.KEDAReconciles, "keda-reconciles", 20, "KEDA_SCALEDOBJECT_CTRL_MAX_RECONCILES in the tuned profile (KEDA's default: 5)")
	flag.DurationVar(&o.Steady, "steady", 2*time.Minute, "steady-state observation after convergence (a no-op config change resyncs every PA half-way)")
	flag.DurationVar(&o.Settle, "settle", 20*time.Second, "wait between convergence and the steady window (counted in the converging window)")
	flag.DurationVar(&o.Timeout, "timeout", 15*time.Minute, "give up waiting for convergence after this long")
	flag.IntVar(&o.Samples, "samples", 200, "HPA status changes for the HPA status -> PA status latency")
	flag.IntVar(&o.Namespaces, "namespaces", 10, "namespaces the revisions are spread over")
	flag.IntVar(&o.BareWorkers, "bare-workers", 64, "concurrent requests of the bare client (only QPS/burst should limit it)")
	flag.StringVar(&o.Out, "out", "docs/benchmarks", "output directory (results JSON, README.md, plots)")
	flag.DurationVar(&o.KEDARestart, "keda-restart", time.Second, "restart KEDA's operator this long after it exits (v2.19.0 can panic under load)")
	flag.StringVar(&o.TracePA, "trace-pa", "", "log every update of this PA (namespace/name), for debugging")
	flag.BoolVar(&o.KeepLogs, "keep-logs", false, "keep each run's component logs and audit log")
	flag.StringVar(&o.PprofDir, "pprof-dir", "", "save CPU profiles (converging and steady windows) and a heap profile of the contender here")
	flag.DurationVar(&o.PprofConverge, "pprof-converge", 30*time.Second, "length of the converging CPU profile")
	flag.Float64Var(&o.MaxLoad, "max-load", 1.5, "wait before each run until the 1-minute load average is below this (0: do not wait)")
	flag.DurationVar(&o.LoadWait, "load-wait", 30*time.Minute, "longest wait for -max-load; then run anyway and say so")
	flag.StringVar(&o.ControllerBinary, "controller-binary", "", "run this autoscaler-keda binary instead of building cmd/autoscaler-keda (experiments)")
	flag.StringVar(&controllerEnv, "controller-env", "", "extra K=V,K=V environment for autoscaler-keda (experiments)")
	flag.BoolVar(&o.NoKEDAWebhook, "no-keda-webhook", false, "run without KEDA's admission webhook, to measure what it costs (experiments; results are saved under the same labels: give another -out)")
	flag.Float64Var(&o.MaxForeign, "max-foreign", 0.15, "run a contender again when other processes used more than this many cores on average while it converged or during the latency measurement")
	flag.IntVar(&o.Retries, "retries", 3, "how many times a contender runs again because of other load (-max-foreign)")
	flag.BoolVar(&reportOnly, "report-only", false, "only regenerate README.md and the plots from the results JSON in -out")
	flag.Parse()
	o.Contenders = splitList(contenders)
	o.KEDAProfiles = splitList(profiles)
	o.ControllerEnv = splitList(controllerEnv)
	return o, reportOnly
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
