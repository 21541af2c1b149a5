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
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/procstat"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/report"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/result"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/workload"
	"github.com/serving-keda/serving-keda/test/deploy"
	"github.com/serving-keda/serving-keda/test/harness/prometheus"
)

// Logf logs with the time of day on stderr.
func Logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}

// All runs every planned contender, prints each result and saves it in
// o.Out's results file of o.N as soon as it is measured; then how
// autoscaler-keda compares with autoscaler-hpa, if both ran.
func All(ctx context.Context, o *Options) error {
	if err := o.validate(); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "serving-keda-bench-bin-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := o.binaries(ctx, tmp); err != nil {
		return err
	}
	// KEDA's prometheus scalers of the custom-metric revisions read a
	// constant 5 (below their target of 10: no scaling).
	prom, err := prometheus.Start(5)
	if err != nil {
		return err
	}
	defer prom.Close()

	revs := workload.New(o.N, o.Namespaces)
	machine := procstat.Machine()
	var results []*result.Result
	for _, p := range o.plan() {
		r := &run{opts: o, contender: p.contender, profile: p.profile, revs: revs, prom: prom}
		r.logf = func(format string, args ...any) { Logf("[%s] "+format, append([]any{r.label()}, args...)...) }
		res, load, err := r.measure(ctx)
		if err != nil {
			return fmt.Errorf("%s: %w", r.label(), err)
		}
		res.Machine = machine
		o.describe(res, p, load)
		results = append(results, res)
		report.Print(res)
		if err := result.Save(o.Out, o.N, results); err != nil {
			return err
		}
	}
	report.PrintVersus(results)
	return nil
}

// binaries builds cmd/autoscaler-keda (unless -controller-binary names one)
// and finds Serving's autoscaler-hpa, for the contenders planned.
func (o *Options) binaries(ctx context.Context, tmp string) error {
	root := deploy.RepoRoot()
	var err error
	if o.servingVersion, err = cluster.Version(cluster.ServingAutoscalerHPA); err != nil {
		return err
	}
	o.controllerBuild = gitDescribe(root)
	if o.ControllerBinary != "" {
		o.controllerBuild = "binary " + o.ControllerBinary
	} else if slices.Contains(o.Contenders, result.KEDA) {
		Logf("building cmd/autoscaler-keda")
		if o.ControllerBinary, err = deploy.Build(ctx, tmp); err != nil {
			return err
		}
	}
	if slices.Contains(o.Contenders, result.HPA) {
		if o.hpaBinary, err = cluster.BinaryPath("", cluster.ServingAutoscalerHPA); err != nil {
			return fmt.Errorf("Serving's autoscaler-hpa is not built: %w", err)
		}
	}
	return nil
}

// measure runs one contender, again (up to -retries times) while other
// processes used more than -max-foreign cores while it converged or during
// the latency measurement. It returns the load average it started at.
func (r *run) measure(ctx context.Context) (*result.Result, string, error) {
	o := r.opts
	for attempt := 0; ; attempt++ {
		load := waitForQuiet(ctx, o)
		// Each attempt on a fresh control plane, with fresh state.
		try := &run{opts: o, contender: r.contender, profile: r.profile, revs: r.revs, prom: r.prom, logf: r.logf}
		res, err := try.execute(ctx)
		if err != nil {
			return nil, "", err
		}
		// Times and latencies suffer from other load; the contender's
		// own CPU seconds and requests in the steady window do not.
		fc, fs, fl := res.ForeignCores()
		if fs > o.MaxForeign {
			res.Notes = append(res.Notes, fmt.Sprintf("other processes on the machine used %.2f cores on average in the steady window "+
				"(the contender's own CPU seconds and requests there are not affected)", fs))
		}
		if fc <= o.MaxForeign && fl <= o.MaxForeign {
			return res, load, nil
		}
		if attempt >= o.Retries {
			res.Notes = append(res.Notes, fmt.Sprintf("other processes on the machine used %.2f cores on average while converging and %.2f during the latency measurement (after %d attempts)", fc, fl, attempt+1))
			return res, load, nil
		}
		r.logf("other processes used %.2f cores on average while converging and %.2f during the latency measurement: measuring again", fc, fl)
	}
}

// describe records how res was measured: command, versions, settings.
func (o *Options) describe(res *result.Result, p planned, load string) {
	res.Command = command()
	version := func(name string) string {
		v, err := cluster.Version(name)
		if err != nil {
			return "unknown (" + err.Error() + ")"
		}
		return v
	}
	res.Versions = map[string]string{
		"kube-apiserver, kube-controller-manager": version(cluster.KubeAPIServer),
		"etcd":                        version(cluster.Etcd),
		"KEDA operator":               version(cluster.KEDAOperator),
		"Serving autoscaler-hpa":      o.servingVersion,
		"autoscaler-keda (this repo)": o.controllerBuild,
	}
	res.Settings = map[string]string{
		"load average (1 min) at start": load,
		"settle":                        o.Settle.String(),
		"namespaces":                    strconv.Itoa(o.Namespaces),
	}
	if p.contender == result.Bare {
		res.Settings["bare workers"] = strconv.Itoa(o.BareWorkers)
	}
	if p.profile.Played && p.contender != result.HPA {
		res.Settings["KEDA player"] = fmt.Sprintf("QPS %d, burst %d, %d workers", o.KEDAQPS, o.KEDABurst, result.PlayerWorkers)
	}
}

// waitForQuiet waits until the machine's 1-minute load average is below
// -max-load (other work would distort the figures) and returns it.
func waitForQuiet(ctx context.Context, o *Options) string {
	begin := time.Now()
	for {
		l := procstat.LoadAvg()
		if o.MaxLoad <= 0 || l < o.MaxLoad {
			return fmt.Sprintf("%.2f", l)
		}
		if time.Since(begin) > o.LoadWait {
			Logf("load average still %.2f after %v: running anyway", l, o.LoadWait)
			return fmt.Sprintf("%.2f (waited %v for below %.2f)", l, o.LoadWait, o.MaxLoad)
		}
		Logf("load average %.2f >= %.2f: waiting for a quiet machine", l, o.MaxLoad)
		select {
		case <-ctx.Done():
			return fmt.Sprintf("%.2f", l)
		case <-time.After(15 * time.Second):
		}
	}
}

// command is how this invocation would be typed, for the report.
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
