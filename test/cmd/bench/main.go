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
// writes the HPAs and ScaledObject status as KEDA would (keda_player.go),
// because at 1,000 ScaledObjects KEDA itself is the bottleneck.
//
// It writes docs/benchmarks/results-n<N>.json (one entry per contender,
// replaced when measured again), then README.md and the plots from every
// results file in the output directory.
//
//	make bench                                    # n=1000, every contender
//	make bench BENCH_FLAGS="-n 3000 -contenders autoscaler-keda,autoscaler-hpa"
//	go run ./test/cmd/bench -report-only          # README and plots from the JSON
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/deploy"
)

type options struct {
	n, qps, burst   int
	contenders      []string
	kedaProfiles    []string
	kedaQPS         int
	kedaBurst       int
	kedaReconciles  int
	steady, settle  time.Duration
	timeout         time.Duration
	samples         int
	namespaces      int
	bareWorkers     int
	out             string
	keepLogs        bool
	pprofDir        string
	pprofConverge   time.Duration
	maxLoad         float64
	kedaRestart     time.Duration
	maxForeign      float64
	retries         int
	tracePA         string
	controllerEnv   []string
	loadWait        time.Duration
	reportOnly      bool
	kedaBinary      string
	hpaBinary       string
	servingVersion  string
	controllerBuild string
}

func main() {
	var o options
	var contenders, profiles, controllerEnv string
	flag.IntVar(&o.n, "n", 1000, "PodAutoscalers (revisions) created at once")
	flag.IntVar(&o.qps, "qps", deploy.DefaultQPS, "client QPS given to every contender (each of its clients)")
	flag.IntVar(&o.burst, "burst", deploy.DefaultBurst, "client burst given to every contender")
	flag.StringVar(&contenders, "contenders", strings.Join([]string{contenderKEDA, contenderHPA, contenderBare}, ","),
		"comma-separated: autoscaler-keda (this controller), autoscaler-hpa (Serving's), bare (a client creating the ScaledObjects)")
	flag.StringVar(&profiles, "keda-profiles", playedProfile+",tuned",
		"KEDA settings to run autoscaler-keda with, comma-separated: played (KEDA's operator does not run; the benchmark creates its HPAs and status, 2 writes per ScaledObject), "+
			"tuned (KEDA's operator, see -keda-*), default (KEDA's operator with its own defaults); bare uses the first")
	flag.IntVar(&o.kedaQPS, "keda-qps", 200, "KEDA operator --kube-api-qps in the tuned profile, and the KEDA player's QPS in the played one (KEDA's default: 20)")
	flag.IntVar(&o.kedaBurst, "keda-burst", 400, "KEDA operator --kube-api-burst in the tuned profile, and the KEDA player's burst in the played one (KEDA's default: 30)")
	flag.IntVar(&o.kedaReconciles, "keda-reconciles", 20, "KEDA_SCALEDOBJECT_CTRL_MAX_RECONCILES in the tuned profile (KEDA's default: 5)")
	flag.DurationVar(&o.steady, "steady", 2*time.Minute, "steady-state observation after convergence (a no-op config change resyncs every PA half-way)")
	flag.DurationVar(&o.settle, "settle", 20*time.Second, "wait between convergence and the steady window (counted in the converging window)")
	flag.DurationVar(&o.timeout, "timeout", 15*time.Minute, "give up waiting for convergence after this long")
	flag.IntVar(&o.samples, "samples", 200, "HPA status changes for the HPA status -> PA status latency")
	flag.IntVar(&o.namespaces, "namespaces", 10, "namespaces the revisions are spread over")
	flag.IntVar(&o.bareWorkers, "bare-workers", 64, "concurrent requests of the bare client (only QPS/burst should limit it)")
	flag.StringVar(&o.out, "out", "docs/benchmarks", "output directory (results JSON, README.md, plots)")
	flag.DurationVar(&o.kedaRestart, "keda-restart", time.Second, "restart KEDA's operator this long after it exits (v2.19.0 can panic under load)")
	flag.StringVar(&o.tracePA, "trace-pa", "", "log every update of this PA (namespace/name), for debugging")
	flag.BoolVar(&o.keepLogs, "keep-logs", false, "keep each run's component logs and audit log")
	flag.StringVar(&o.pprofDir, "pprof-dir", "", "save CPU profiles (converging and steady windows) and a heap profile of the contender here")
	flag.DurationVar(&o.pprofConverge, "pprof-converge", 30*time.Second, "length of the converging CPU profile")
	flag.Float64Var(&o.maxLoad, "max-load", 1.5, "wait before each run until the 1-minute load average is below this (0: do not wait)")
	flag.DurationVar(&o.loadWait, "load-wait", 30*time.Minute, "longest wait for -max-load; then run anyway and say so")
	flag.StringVar(&o.kedaBinary, "controller-binary", "", "run this autoscaler-keda binary instead of building cmd/autoscaler-keda (experiments)")
	flag.StringVar(&controllerEnv, "controller-env", "", "extra K=V,K=V environment for autoscaler-keda (experiments)")
	flag.Float64Var(&o.maxForeign, "max-foreign", 0.15, "run a contender again when other processes used more than this many cores on average while it converged or during the latency measurement")
	flag.IntVar(&o.retries, "retries", 3, "how many times a contender runs again because of other load (-max-foreign)")
	flag.BoolVar(&o.reportOnly, "report-only", false, "only regenerate README.md and the plots from the results JSON in -out")
	flag.Parse()
	o.contenders = splitList(contenders)
	o.kedaProfiles = splitList(profiles)
	o.controllerEnv = splitList(controllerEnv)

	// envtest (in test/cluster) logs through controller-runtime's logger.
	ctrllog.SetLogger(ctrllog.Log.WithSink(ctrllog.NullLogSink{}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := mainErr(ctx, &o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
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

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}

func mainErr(ctx context.Context, o *options) error {
	if o.reportOnly {
		return writeReport(o.out)
	}
	for _, c := range o.contenders {
		switch c {
		case contenderKEDA, contenderHPA, contenderBare:
		default:
			return fmt.Errorf("unknown contender %q", c)
		}
	}
	profiles := map[string]kedaProfile{
		"tuned": {
			Name: "tuned",
			Args: []string{fmt.Sprintf("--kube-api-qps=%d", o.kedaQPS), fmt.Sprintf("--kube-api-burst=%d", o.kedaBurst)},
			Env:  []string{fmt.Sprintf("KEDA_SCALEDOBJECT_CTRL_MAX_RECONCILES=%d", o.kedaReconciles)},
		},
		"default":     {Name: "default"},
		playedProfile: {Name: playedProfile, Played: true},
	}
	for _, p := range o.kedaProfiles {
		if _, ok := profiles[p]; !ok {
			return fmt.Errorf("unknown KEDA profile %q (%s, tuned, default)", p, playedProfile)
		}
	}
	if len(o.kedaProfiles) == 0 {
		o.kedaProfiles = []string{playedProfile}
	}

	root := deploy.RepoRoot()
	var err error
	if o.servingVersion, err = goModVersion(ctx, root, "knative.dev/serving"); err != nil {
		return err
	}
	o.controllerBuild = gitDescribe(root)
	tmp, err := os.MkdirTemp("", "serving-keda-bench-bin-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if o.kedaBinary != "" {
		o.controllerBuild = "binary " + o.kedaBinary
	} else if contains(o.contenders, contenderKEDA) {
		logf("building cmd/autoscaler-keda")
		if o.kedaBinary, err = deploy.Build(ctx, tmp); err != nil {
			return err
		}
	}
	if contains(o.contenders, contenderHPA) {
		o.hpaBinary = filepath.Join(cluster.DefaultBinDir(), "serving-autoscaler-hpa-"+o.servingVersion)
		if _, err := os.Stat(o.hpaBinary); err != nil {
			return fmt.Errorf("Serving's autoscaler-hpa is not built (%v): run hack/build-cluster.sh serving-autoscaler-hpa", err)
		}
	}
	prom, err := startPromStub()
	if err != nil {
		return err
	}
	defer prom.Close()

	type planned struct {
		contender string
		profile   kedaProfile
	}
	var plan []planned
	for _, c := range o.contenders {
		switch c {
		case contenderKEDA:
			for _, p := range o.kedaProfiles {
				plan = append(plan, planned{c, profiles[p]})
			}
		case contenderBare:
			plan = append(plan, planned{c, profiles[o.kedaProfiles[0]]})
		default:
			plan = append(plan, planned{c, kedaProfile{}})
		}
	}

	revs := workload(o.n, o.namespaces)
	machine := machineInfo()
	var results []*Result
	for _, p := range plan {
		var (
			res  *Result
			load string
		)
		for attempt := 0; ; attempt++ {
			load = waitForQuiet(ctx, o)
			r := &run{opts: o, contender: p.contender, profile: p.profile, revs: revs, prom: prom}
			r.logf = func(format string, args ...any) { logf("[%s] "+format, append([]any{r.label()}, args...)...) }
			res, err = r.execute(ctx)
			if err != nil {
				return fmt.Errorf("%s: %w", r.label(), err)
			}
			// Times and latencies suffer from other load; the contender's
			// own CPU seconds and requests in the steady window do not.
			fc, fs, fl := res.ForeignCores()
			if fs > o.maxForeign {
				res.Notes = append(res.Notes, fmt.Sprintf("other processes on the machine used %.2f cores on average in the steady window "+
					"(the contender's own CPU seconds and requests there are not affected)", fs))
			}
			if fc <= o.maxForeign && fl <= o.maxForeign {
				break
			}
			if attempt >= o.retries {
				res.Notes = append(res.Notes, fmt.Sprintf("other processes on the machine used %.2f cores on average while converging and %.2f during the latency measurement (after %d attempts)", fc, fl, attempt+1))
				break
			}
			r.logf("other processes used %.2f cores on average while converging and %.2f during the latency measurement: measuring again", fc, fl)
		}
		res.Machine = machine
		res.Command = command()
		res.Versions = map[string]string{
			"kube-apiserver, kube-controller-manager": cluster.KubeVersion,
			"etcd":                        cluster.EtcdVersion,
			"KEDA operator":               cluster.KEDAVersion,
			"Serving autoscaler-hpa":      o.servingVersion,
			"autoscaler-keda (this repo)": o.controllerBuild,
		}
		res.Settings = map[string]string{
			"load average (1 min) at start": load,
			"settle":                        o.settle.String(),
			"namespaces":                    strconv.Itoa(o.namespaces),
		}
		if p.contender == contenderBare {
			res.Settings["bare workers"] = strconv.Itoa(o.bareWorkers)
		}
		if p.profile.Played && p.contender != contenderHPA {
			res.Settings["KEDA player"] = fmt.Sprintf("QPS %d, burst %d, %d workers", o.kedaQPS, o.kedaBurst, kedaPlayerWorkers)
		}
		results = append(results, res)
		printResult(res)
		if err := saveResults(o.out, o.n, results); err != nil {
			return err
		}
	}
	return writeReport(o.out)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// waitForQuiet waits until the machine's 1-minute load average is below
// -max-load (other work would distort the figures) and returns it.
func waitForQuiet(ctx context.Context, o *options) string {
	begin := time.Now()
	for {
		l := loadAvg()
		if o.maxLoad <= 0 || l < o.maxLoad {
			return fmt.Sprintf("%.2f", l)
		}
		if time.Since(begin) > o.loadWait {
			logf("load average still %.2f after %v: running anyway", l, o.loadWait)
			return fmt.Sprintf("%.2f (waited %v for below %.2f)", l, o.loadWait, o.maxLoad)
		}
		logf("load average %.2f >= %.2f: waiting for a quiet machine", l, o.maxLoad)
		if sleepCtx(ctx, 15*time.Second) != nil {
			return fmt.Sprintf("%.2f", l)
		}
	}
}

func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

func command() string {
	args := os.Args[1:]
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = a
		if strings.ContainsAny(a, " \"'") {
			q[i] = strconv.Quote(a)
		}
	}
	return strings.TrimSpace("go run ./test/cmd/bench " + strings.Join(q, " "))
}

func goModVersion(ctx context.Context, root, mod string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Version}}", mod)
	cmd.Dir = root
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go list -m %s: %w", mod, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// gitDescribe names the controller's source: the commit, "+changes" when
// cmd/ or pkg/ differ from it.
func gitDescribe(root string) string {
	b, err := exec.Command("git", "-C", root, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	v := strings.TrimSpace(string(b))
	if st, err := exec.Command("git", "-C", root, "status", "--porcelain", "--", "cmd", "pkg", "go.mod", "vendor").Output(); err == nil && len(st) > 0 {
		v += "+changes"
	}
	return v
}

func machineInfo() Machine {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "MemTotal:") {
				f := strings.Fields(line)
				if len(f) >= 2 {
					kb, _ := strconv.ParseFloat(f[1], 64)
					m.MemoryGi = float64(int(kb/1024/1024*10+0.5)) / 10
				}
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

// resultsFile holds one N's results, one per contender label.
type resultsFile struct {
	Runs []*Result `json:"runs"`
}

func resultsPath(out string, n int) string {
	return filepath.Join(out, fmt.Sprintf("results-n%d.json", n))
}

// saveResults merges results into out/results-n<N>.json, replacing earlier
// results of the same label.
func saveResults(out string, n int, results []*Result) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	path := resultsPath(out, n)
	var f resultsFile
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &f); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	byLabel := map[string]*Result{}
	for _, r := range f.Runs {
		byLabel[r.Label] = r
	}
	for _, r := range results {
		byLabel[r.Label] = r
	}
	f.Runs = f.Runs[:0]
	for _, r := range byLabel {
		f.Runs = append(f.Runs, r)
	}
	sort.Slice(f.Runs, func(i, j int) bool { return labelOrder(f.Runs[i].Label) < labelOrder(f.Runs[j].Label) })
	b, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// labelOrder sorts contenders: this controller first (KEDA played, then
// tuned), then Serving's, then bare.
func labelOrder(label string) string {
	switch {
	case strings.HasPrefix(label, contenderKEDA+", KEDA "+playedProfile):
		return "00" + label
	case strings.HasPrefix(label, contenderKEDA+", KEDA tuned"):
		return "01" + label
	case strings.HasPrefix(label, contenderKEDA):
		return "1" + label
	case strings.HasPrefix(label, contenderHPA):
		return "2" + label
	}
	return "3" + label
}

func loadAllResults(out string) (map[int][]*Result, error) {
	files, err := filepath.Glob(filepath.Join(out, "results-n*.json"))
	if err != nil {
		return nil, err
	}
	all := map[int][]*Result{}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var f resultsFile
		if err := json.Unmarshal(b, &f); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		for _, r := range f.Runs {
			all[r.N] = append(all[r.N], r)
		}
	}
	return all, nil
}

// printResult prints the headline figures of a run on stdout.
func printResult(r *Result) {
	fmt.Printf("\n== %s, n=%d, client QPS %d / burst %d\n", r.Label, r.N, r.QPS, r.Burst)
	fmt.Printf("  all %ss:            %s  (PA -> %s p50 %.0f ms, p99 %.0f ms)\n", r.Objects, secs(r.AllObjectsSeconds), r.Objects, r.ObjectLatencyMs.P50, r.ObjectLatencyMs.P99)
	fmt.Printf("  all HPAs:                     %s\n", secs(r.AllHPAsSeconds))
	if r.WritesStatus {
		fmt.Printf("  all PAs with HPA status:      %s\n", secs(r.AllStatusSeconds))
		fmt.Printf("  HPA status -> PA status:      p50 %.1f ms, p99 %.1f ms (%d samples)\n", r.UpdateLatencyMs.P50, r.UpdateLatencyMs.P99, r.UpdateSamples)
	}
	n := float64(r.N)
	fmt.Printf("  contender writes per PA:      converging %.2f, steady %.0f in %.0fs (%.0f conflicts)\n",
		sumReq(r.ConvergeRequests, true)/n, sumReq(r.SteadyRequests, true), r.SteadySeconds, r.ConvergeConflicts+r.SteadyConflicts)
	fmt.Printf("  contender reads per PA:       converging %.2f, steady %.0f\n", sumReq(r.ConvergeRequests, false)/n, sumReq(r.SteadyRequests, false))
	for _, rc := range r.ConvergeRequests {
		if rc.Write {
			fmt.Printf("    converging %-40s %6.0f\n", rc.Request, rc.Count)
		}
	}
	for _, rc := range r.SteadyRequests {
		if rc.Write {
			fmt.Printf("    steady     %-40s %6.0f\n", rc.Request, rc.Count)
		}
	}
	if r.Contender != contenderBare {
		fmt.Printf("  CPU:                          converging %.2fs, steady %.2fs (%.2f%% of a core)\n", r.CPUConverge, r.CPUSteady, 100*r.CPUSteady/r.SteadySeconds)
		fmt.Printf("  memory:                       peak RSS %s, RSS at end %s, peak heap %s\n", mib(float64(r.PeakRSS)), mib(float64(r.RSSEnd)), mib(r.PeakHeap))
		fmt.Printf("  RSS split:                    anonymous peak %s, at end %s; file-backed at end %s\n", mib(float64(r.PeakRSSAnon)), mib(float64(r.RSSAnonEnd)), mib(float64(r.RSSFileEnd)))
	}
	if p := r.KEDAPlayer; p != nil {
		fmt.Printf("  KEDA player:                  %d writes (%d HPA creates, %d of them already existed; %d status updates, %d conflicts) = %.2f per PA; "+
			"its CPU is the benchmark's own\n", p.Writes(), p.HPACreates, p.HPAExisted, p.StatusUpdates, p.Conflicts, float64(p.Writes())/n)
	} else if r.KEDAProfile != "" {
		fmt.Printf("  KEDA operator:                CPU converging %.1fs, steady %.1fs; %.0f writes in the steady window\n", r.KEDACPUConverge, r.KEDACPUSteady, r.KEDASteadyWrites)
	}
	for _, note := range r.Notes {
		fmt.Printf("  note: %s\n", note)
	}
}

func secs(s float64) string {
	if s < 0 {
		return "not reached"
	}
	return fmt.Sprintf("%.2f s", s)
}

func mib(b float64) string { return fmt.Sprintf("%.1f MiB", b/(1<<20)) }
