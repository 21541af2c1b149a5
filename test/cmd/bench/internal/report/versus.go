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

package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/result"
)

// Issue 21's targets against autoscaler-hpa.
const (
	noTarget  = iota
	atMostHPA // ours / theirs at most 1.00×
	atMost3   // at most 3 (writes per PA)
)

// versusFigure is one figure compared with autoscaler-hpa's. value is NaN
// where a run did not measure it, negative where it was not reached.
type versusFigure struct {
	name   string
	value  func(r *result.Result) float64
	show   func(v float64) string
	target int
}

// versusFigures are the figures issue 21 compares; lower is better for all.
var versusFigures = []versusFigure{
	{"all N objects exist (ScaledObjects; HPAs for autoscaler-hpa)", func(r *result.Result) float64 { return r.AllObjectsSeconds }, fsec, atMostHPA},
	{"all N PAs carry HPA status", func(r *result.Result) float64 {
		if !r.WritesStatus {
			return math.NaN()
		}
		return r.AllStatusSeconds
	}, fsec, atMostHPA},
	{"PA created -> its object, p50", pct(func(r *result.Result) result.Pcts { return r.ObjectLatencyMs }, false), fmsOne, atMostHPA},
	{"PA created -> its object, p99", pct(func(r *result.Result) result.Pcts { return r.ObjectLatencyMs }, true), fmsOne, atMostHPA},
	{"PA created -> PA carries HPA status, p50", pct(func(r *result.Result) result.Pcts { return r.StatusLatencyMs }, false), fmsOne, atMostHPA},
	{"PA created -> PA carries HPA status, p99", pct(func(r *result.Result) result.Pcts { return r.StatusLatencyMs }, true), fmsOne, atMostHPA},
	{"HPA status change -> PA status, p50", pct(func(r *result.Result) result.Pcts { return r.UpdateLatencyMs }, false),
		func(v float64) string { return fmt.Sprintf("%.1f ms", v) }, atMostHPA},
	// Leader-election lease renewals are the replica's, not the PAs'.
	{"writes per PA while converging (contender, lease renewals apart)", func(r *result.Result) float64 {
		return (result.SumReq(r.ConvergeRequests, true) - result.LeaseWrites(r.ConvergeRequests)) / float64(r.N)
	}, func(v float64) string { return fmt.Sprintf("%.2f", v) }, atMost3},
	{"all clients' requests per PA while converging", func(r *result.Result) float64 {
		return (result.SumReq(r.AllConverge, false) + result.SumReq(r.AllConverge, true)) / float64(r.N)
	}, func(v float64) string { return fmt.Sprintf("%.1f", v) }, noTarget},
	{"CPU while converging (contender)", func(r *result.Result) float64 { return r.CPUConverge },
		func(v float64) string { return fmt.Sprintf("%.2f s", v) }, noTarget},
	// A share of a core, not seconds: the steady windows of two runs may
	// differ in length.
	{"CPU in the steady window (contender)", func(r *result.Result) float64 {
		if r.SteadySeconds <= 0 {
			return math.NaN()
		}
		return 100 * r.CPUSteady / r.SteadySeconds
	}, func(v float64) string { return fmt.Sprintf("%.2f%% of a core", v) }, noTarget},
	{"kube-apiserver + etcd CPU until converged, per PA", func(r *result.Result) float64 {
		if r.APIServerCPUConverge == 0 {
			return math.NaN()
		}
		return 1000 * (r.APIServerCPUConverge + r.EtcdCPUConverge) / float64(r.N)
	}, func(v float64) string { return fmt.Sprintf("%.1f ms", v) }, noTarget},
	{"peak RSS (contender)", func(r *result.Result) float64 { return float64(r.PeakRSS) }, mb, atMostHPA},
	{"peak Go heap, sampled (contender)", func(r *result.Result) float64 { return r.PeakHeap }, mb, noTarget},
}

// pct is a percentile of a sample, NaN where the sample is empty.
func pct(f func(r *result.Result) result.Pcts, p99 bool) func(r *result.Result) float64 {
	return func(r *result.Result) float64 {
		p := f(r)
		switch {
		case p.N == 0:
			return math.NaN()
		case p99:
			return p.P99
		}
		return p.P50
	}
}

func fmsOne(v float64) string { return fmt.Sprintf("%.0f ms", v) }

// cell shows a figure, "–" where it was not measured.
func (f versusFigure) cell(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return f.show(v)
}

// ratio is ours / theirs, ok false where either is missing or not reached
// or theirs is 0.
func ratio(ours, theirs float64) (float64, bool) {
	if math.IsNaN(ours) || math.IsNaN(theirs) || ours < 0 || theirs <= 0 {
		return 0, false
	}
	return ours / theirs, true
}

func fratio(ours, theirs float64) string {
	r, ok := ratio(ours, theirs)
	if !ok {
		return "–"
	}
	return fmt.Sprintf("%.2f×", r)
}

// goal is issue 21's target for f and whether ours meets it; "" where
// there is none.
func (f versusFigure) goal(ours, theirs float64) string {
	switch f.target {
	case atMost3:
		if math.IsNaN(ours) {
			return "≤ 3: –"
		}
		return "≤ 3: " + verdict(ours <= 3)
	case atMostHPA:
		if ours < 0 {
			return "≤ 1.00×: " + verdict(false) // not reached
		}
		r, ok := ratio(ours, theirs)
		if !ok {
			return "≤ 1.00×: –"
		}
		// On the exact figures, as issue 6's table: 1.004× misses
		// though it shows as 1.00×.
		return "≤ 1.00×: " + verdict(r <= 1)
	}
	return ""
}

// versusPair is the autoscaler-keda run compared with autoscaler-hpa's
// among rs, nil where either did not run: KEDA played where it ran (the
// benchmark's own HPAs leave only the controller's work measured), else
// the first autoscaler-keda run.
func versusPair(rs []*result.Result) (keda, hpa *result.Result) {
	for _, r := range rs {
		switch {
		case r.Contender == result.HPA && hpa == nil:
			hpa = r
		case r.Contender == result.KEDA && (keda == nil || r.KEDAProfile == result.Played && keda.KEDAProfile != result.Played):
			keda = r
		}
	}
	if keda == nil || hpa == nil {
		return nil, nil
	}
	return keda, hpa
}

// versusSection compares autoscaler-keda with autoscaler-hpa, figure by
// figure, for every N where both ran.
func versusSection(p printer, all map[int][]*result.Result, ns []int) {
	first := true
	for _, n := range ns {
		keda, hpa := versusPair(all[n])
		if keda == nil {
			continue
		}
		if first {
			p("## Against autoscaler-hpa (issue 21)")
			p("")
			p("Lower is better for every figure; the ratio is autoscaler-keda's / autoscaler-hpa's.")
			p("")
			first = false
		}
		p("### N = %d", n)
		p("")
		versusTable(p, keda, hpa)
		p("")
		if line := controlPlaneBound(keda, hpa, bareRun(all[n])); line != "" {
			p("%s", line)
			p("")
		}
	}
}

// bareRun is the bare client's run with KEDA played among rs, or nil.
func bareRun(rs []*result.Result) *result.Result {
	for _, r := range rs {
		if r.Contender == result.Bare && r.KEDAProfile == result.Played {
			return r
		}
	}
	return nil
}

// cpPerPA is the control plane's CPU per PA until converged, in ms.
func cpPerPA(r *result.Result) float64 {
	return 1000 * (r.APIServerCPUConverge + r.EtcdCPUConverge) / float64(r.N)
}

// controlPlaneBound says what the control plane spends per PA on each path
// and, where the bare client ran, on KEDA's objects alone: the share of
// the time gap no controller on top of KEDA can close. Empty where the
// runs did not measure it.
func controlPlaneBound(keda, hpa, bare *result.Result) string {
	if keda.APIServerCPUConverge == 0 || hpa.APIServerCPUConverge == 0 {
		return ""
	}
	k, h := cpPerPA(keda), cpPerPA(hpa)
	line := fmt.Sprintf("The control plane (kube-apiserver and etcd) spent %.1f ms of CPU per PA until converged on %s's path, "+
		"%.1f ms on %s's (%.2f×).", k, keda.Label, h, hpa.Label, k/h)
	if bare != nil && bare.APIServerCPUConverge > 0 {
		b := cpPerPA(bare)
		line += fmt.Sprintf(" KEDA's objects alone (%s: the ScaledObject through KEDA's admission webhook, KEDA's HPA and "+
			"the ScaledObject's status, besides the benchmark's own PA creates) cost it %.1f ms per PA, %.2f× %s's whole path, "+
			"before the ServerlessService and the PA status that both controllers write.", bare.Label, b, b/h, hpa.Label)
	}
	return line
}

// versusTable is one N's figures of keda and hpa, their ratio and issue
// 21's target.
func versusTable(p printer, keda, hpa *result.Result) {
	p("| figure | %s | %s | ratio | issue 21 target |", keda.Label, hpa.Label)
	p("|---|---|---|---|---|")
	for _, f := range versusFigures {
		ours, theirs := f.value(keda), f.value(hpa)
		p("| %s | %s | %s | %s | %s |", f.name, f.cell(ours), f.cell(theirs), fratio(ours, theirs), f.goal(ours, theirs))
	}
}

// PrintVersus prints the ratios of autoscaler-keda's figures to
// autoscaler-hpa's where both are among rs (the runs of one invocation).
func PrintVersus(rs []*result.Result) {
	keda, hpa := versusPair(rs)
	if keda == nil {
		return
	}
	fmt.Printf("\n== %s against %s, n=%d (ours / theirs, lower is better)\n", keda.Label, hpa.Label, keda.N)
	for _, f := range versusFigures {
		ours, theirs := f.value(keda), f.value(hpa)
		line := fmt.Sprintf("  %-62s %-18s %-18s %s", f.name+":", f.cell(ours), f.cell(theirs), fratio(ours, theirs))
		if g := f.goal(ours, theirs); g != "" {
			line += "  (issue 21: " + strings.ReplaceAll(g, "**", "") + ")"
		}
		fmt.Println(line)
	}
}
