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

// Package report writes docs/benchmarks/README.md and its figures from the
// results files, and prints one run's headline figures and how those of
// one invocation compare with autoscaler-hpa's.
package report

import (
	_ "embed"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/figure"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/result"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/workload"
)

// defaultN is the N whose plot is docs/benchmarks/convergence.png.
const defaultN = 1000

func plotName(n int) string {
	if n == defaultN {
		return "convergence.png"
	}
	return fmt.Sprintf("convergence-n%d.png", n)
}

// printer appends a line to the page.
type printer func(format string, args ...any)

// Write writes out/README.md and one plot per N from every results file
// in out.
func Write(out string) error {
	all, err := result.LoadAll(out)
	if err != nil {
		return err
	}
	if len(all) == 0 {
		return fmt.Errorf("no results-n*.json in %s", out)
	}
	var ns []int
	for n, rs := range all {
		ns = append(ns, n)
		if err := figure.Convergence(filepath.Join(out, plotName(n)), rs); err != nil {
			return err
		}
	}
	sort.Ints(ns)
	var b strings.Builder
	if err := head(&b, all, ns); err != nil {
		return err
	}
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	for _, n := range ns {
		resultsSection(p, n, all[n])
	}
	targetsTable(p, all)
	versusSection(p, all, ns)
	return os.WriteFile(filepath.Join(out, "README.md"), []byte(b.String()), 0o644)
}

// headTemplate is the page's prose up to the results, with the values
// that come from the runs.
//
//go:embed head.md
var headTemplate string

var headPage = template.Must(template.New("head.md").Parse(headTemplate))

// version is one row of the versions table.
type version struct{ Name, Version string }

// headData are the values of head.md.
type headData struct {
	Commands             []string
	Machine              result.Machine
	Versions             []version
	Namespaces, Mix      string
	BareWorkers          string
	KEDAOperator         bool
	KEDAVersion, Tuned   string
	Played, PlayerClient string
	Player               string // the KEDA player's settings, "" if no run played KEDA
	Samples              int
	Settle               string
	SteadySeconds        float64
}

// head writes what the page measures, how to reproduce it, the machine and
// the settings (head.md), from the runs of every N, the first one's where
// they are the same for all.
func head(w io.Writer, all map[int][]*result.Result, ns []int) error {
	first := all[ns[0]][0]
	d := headData{
		Machine: first.Machine, Namespaces: first.Settings["namespaces"], Mix: workload.MixDescription,
		BareWorkers: bareWorkers(all), KEDAOperator: kedaOperatorRan(all), KEDAVersion: first.Versions["KEDA operator"],
		Played: result.Played, PlayerClient: result.PlayerClient, Player: playerSettings(all),
		Samples: first.UpdateSamples + first.UpdateTimeouts, Settle: first.Settings["settle"], SteadySeconds: first.SteadySeconds,
	}
	seen := map[string]bool{}
	for _, n := range ns {
		for _, r := range all[n] {
			if !seen[r.Command] {
				seen[r.Command] = true
				d.Commands = append(d.Commands, r.Command)
			}
		}
	}
	for k, v := range first.Versions {
		d.Versions = append(d.Versions, version{k, v})
	}
	sort.Slice(d.Versions, func(i, j int) bool { return d.Versions[i].Name < d.Versions[j].Name })
	if t := tuned(all); t != nil && (t.KEDAArgs != nil || t.KEDAEnv != nil) {
		d.Tuned = fmt.Sprintf("`tuned` = `%s` and `%s`; ", strings.Join(t.KEDAArgs, " "), strings.Join(t.KEDAEnv, " "))
	}
	return headPage.Execute(w, d)
}

// resultsSection is one N's figure, tables and notes.
func resultsSection(p printer, n int, rs []*result.Result) {
	p("## Results, N = %d", n)
	p("")
	p("![objects ready over time and latency CDFs](%s)", plotName(n))
	p("")
	resultsTable(p, rs)
	p("")
	requestsTables(p, rs)
	p("")
	var notes []string
	for _, r := range rs {
		for _, note := range r.Notes {
			notes = append(notes, fmt.Sprintf("%s: %s", r.Label, note))
		}
	}
	if len(notes) > 0 {
		p("Notes:")
		p("")
		for _, note := range notes {
			p("- %s", note)
		}
		p("")
	}
}

func bareWorkers(all map[int][]*result.Result) string {
	for _, rs := range all {
		for _, r := range rs {
			if w := r.Settings["bare workers"]; w != "" {
				return w
			}
		}
	}
	return "64"
}

// kedaOperatorRan: some run used KEDA's operator (a profile other than played).
func kedaOperatorRan(all map[int][]*result.Result) bool {
	for _, rs := range all {
		for _, r := range rs {
			if r.KEDAProfile != "" && r.KEDAProfile != result.Played {
				return true
			}
		}
	}
	return false
}

// playerSettings describes the KEDA player of the played runs, if any.
func playerSettings(all map[int][]*result.Result) string {
	for _, rs := range all {
		for _, r := range rs {
			if r.KEDAProfile == result.Played {
				if s := r.Settings["KEDA player"]; s != "" {
					return s
				}
				return fmt.Sprintf("%d workers", result.PlayerWorkers)
			}
		}
	}
	return ""
}

// tuned is the first run with KEDA's tuned profile, or nil.
func tuned(all map[int][]*result.Result) *result.Result {
	for _, rs := range all {
		for _, r := range rs {
			if r.KEDAProfile == "tuned" {
				return r
			}
		}
	}
	return nil
}

func fsec(s float64) string {
	if s < 0 {
		return "not reached"
	}
	return fmt.Sprintf("%.2f s", s)
}

func fms(p result.Pcts) string {
	if p.N == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f / %.0f ms", p.P50, p.P99)
}

func fmsPrecise(p result.Pcts) string {
	if p.N == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f / %.1f ms", p.P50, p.P99)
}

func mb(b float64) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f MB", b/1e6)
}

func resultsTable(p printer, rs []*result.Result) {
	header := "| |"
	sep := "|---|"
	for _, r := range rs {
		header += " " + r.Label + " |"
		sep += "---|"
	}
	p("%s", header)
	p("%s", sep)
	row := func(name string, f func(r *result.Result) string) {
		line := "| " + name + " |"
		for _, r := range rs {
			line += " " + f(r) + " |"
		}
		p("%s", line)
	}
	timeRows(row)
	requestRows(row)
	processRows(row)
	kedaRows(row)
}

// rowFunc adds a row of the results table: name, then f of each result.
type rowFunc func(name string, f func(r *result.Result) string)

// timeRows: how long the PAs took to get their objects and status.
func timeRows(row rowFunc) {
	row("client QPS / burst", func(r *result.Result) string { return fmt.Sprintf("%d / %d", r.QPS, r.Burst) })
	row("the benchmark's own N PA creates (32 in parallel, unthrottled) took", func(r *result.Result) string { return fsec(r.PACreateSeconds) })
	row("all N objects exist (ScaledObjects; HPAs for autoscaler-hpa)", func(r *result.Result) string { return fsec(r.AllObjectsSeconds) })
	row("PA created -> its object, p50 / p99", func(r *result.Result) string { return fms(r.ObjectLatencyMs) })
	row("all N HPAs exist (KEDA's, or the player's where played; autoscaler-hpa's own)", func(r *result.Result) string { return fsec(r.AllHPAsSeconds) })
	row("all N PAs carry HPA status", func(r *result.Result) string {
		if !r.WritesStatus {
			return "–"
		}
		return fsec(r.AllStatusSeconds)
	})
	row("PA created -> PA carries HPA status, p50 / p99", func(r *result.Result) string { return fms(r.StatusLatencyMs) })
	row("HPA status change -> PA status, p50 / p99", func(r *result.Result) string { return fmsPrecise(r.UpdateLatencyMs) })
}

// requestRows: the requests of the contender and of all clients.
func requestRows(row rowFunc) {
	n := func(r *result.Result) float64 { return float64(r.N) }
	row("writes per PA while converging (contender, audit log)", func(r *result.Result) string {
		return fmt.Sprintf("%.2f", result.SumReq(r.ConvergeRequests, true)/n(r))
	})
	row("reads per PA while converging (contender)", func(r *result.Result) string {
		return fmt.Sprintf("%.2f", result.SumReq(r.ConvergeRequests, false)/n(r))
	})
	row("writes in the steady window, resync included (contender; leader-election lease renewals apart)", func(r *result.Result) string {
		l := result.LeaseWrites(r.SteadyRequests)
		return fmt.Sprintf("%.0f in %.0f s (+ %.0f lease)", result.SumReq(r.SteadyRequests, true)-l, r.SteadySeconds, l)
	})
	row("conflicts (HTTP 409) of the contender", func(r *result.Result) string {
		return fmt.Sprintf("%.0f", r.ConvergeConflicts+r.SteadyConflicts)
	})
	row("all clients' requests per PA while converging (apiserver_request_total)", func(r *result.Result) string {
		return fmt.Sprintf("%.1f (%.1f writes)", result.SumReq(r.AllConverge, false)/n(r)+result.SumReq(r.AllConverge, true)/n(r), result.SumReq(r.AllConverge, true)/n(r))
	})
	row("all clients' writes per second in the steady window", func(r *result.Result) string {
		return fmt.Sprintf("%.1f", result.SumReq(r.AllSteady, true)/r.SteadySeconds)
	})
}

// processRows: the contender's CPU and memory (bare has no process).
func processRows(row rowFunc) {
	proc := func(f func(r *result.Result) string) func(r *result.Result) string {
		return func(r *result.Result) string {
			if r.Contender == result.Bare {
				return "–"
			}
			return f(r)
		}
	}
	row("CPU while converging (contender)", proc(func(r *result.Result) string { return fmt.Sprintf("%.2f s", r.CPUConverge) }))
	row("CPU in the steady window (contender)", proc(func(r *result.Result) string {
		return fmt.Sprintf("%.2f s = %.2f%% of a core", r.CPUSteady, 100*r.CPUSteady/r.SteadySeconds)
	}))
	row("peak RSS (contender)", proc(func(r *result.Result) string { return mb(float64(r.PeakRSS)) }))
	row("RSS at the end (contender)", proc(func(r *result.Result) string { return mb(float64(r.RSSEnd)) }))
	row("of which anonymous (heap, stacks) / file-backed (the binary's pages), at the end", proc(func(r *result.Result) string {
		if r.RSSFileEnd == 0 {
			return "–"
		}
		return mb(float64(r.RSSAnonEnd)) + " / " + mb(float64(r.RSSFileEnd))
	}))
	row("peak anonymous RSS, sampled (contender)", proc(func(r *result.Result) string {
		if r.PeakRSSAnon == 0 {
			return "–"
		}
		return mb(float64(r.PeakRSSAnon))
	}))
	row("peak Go heap, sampled (contender)", proc(func(r *result.Result) string { return mb(r.PeakHeap) }))
	row("kube-apiserver + etcd CPU from the first PA create to the last PA converged, per PA", func(r *result.Result) string {
		if r.APIServerCPUConverge == 0 {
			return "–"
		}
		return fmt.Sprintf("%.1f + %.1f ms", 1000*r.APIServerCPUConverge/float64(r.N), 1000*r.EtcdCPUConverge/float64(r.N))
	})
}

// kedaRows: KEDA's share, and other processes'.
func kedaRows(row rowFunc) {
	row("KEDA operator CPU: converging / steady", func(r *result.Result) string {
		switch r.KEDAProfile {
		case "":
			return "–"
		case result.Played:
			return "– (not running; the player's CPU is the benchmark's)"
		}
		return fmt.Sprintf("%.1f s / %.1f%% of a core", r.KEDACPUConverge, 100*r.KEDACPUSteady/r.SteadySeconds)
	})
	row("KEDA's writes per PA while converging (audit log: the operator, or the player where played)", func(r *result.Result) string {
		if r.KEDAProfile == "" {
			return "–"
		}
		w := fmt.Sprintf("%.2f", r.Clients[r.KEDAClient()].ConvergeWrites/float64(r.N))
		if r.KEDAProfile == result.Played {
			w += " (player)"
		}
		return w
	})
	row("KEDA's writes per second in the steady window (the operator, or the player where played)", func(r *result.Result) string {
		if r.KEDAProfile == "" {
			return "–"
		}
		w := fmt.Sprintf("%.1f", r.KEDASteadyWrites/r.SteadySeconds)
		if r.KEDAProfile == result.Played {
			w += " (player)"
		}
		return w
	})
	row("other processes on the machine, cores on average: converging / steady / latency test", func(r *result.Result) string {
		fc, fs, fl := r.ForeignCores()
		return fmt.Sprintf("%.2f / %.2f / %.2f", fc, fs, fl)
	})
	row("Prometheus stub queries (KEDA's scalers)", func(r *result.Result) string {
		switch r.KEDAProfile {
		case "":
			return "–"
		case result.Played:
			return "– (no scalers run)"
		}
		return fmt.Sprintf("%d", r.PromQueries)
	})
}

func requestsTables(p printer, rs []*result.Result) {
	p("Requests of each contender by kind (audit log), per PA while converging and in total in the steady window:")
	p("")
	p("| contender | request | converging, per PA | steady window |")
	p("|---|---|---|---|")
	for _, r := range rs {
		conv := map[string]result.ReqCount{}
		steady := map[string]result.ReqCount{}
		var keys []string
		for _, rc := range r.ConvergeRequests {
			conv[rc.Request] = rc
			keys = append(keys, rc.Request)
		}
		for _, rc := range r.SteadyRequests {
			steady[rc.Request] = rc
			if _, ok := conv[rc.Request]; !ok {
				keys = append(keys, rc.Request)
			}
		}
		sort.Slice(keys, func(i, j int) bool {
			wi, wj := conv[keys[i]].Write || steady[keys[i]].Write, conv[keys[j]].Write || steady[keys[j]].Write
			if wi != wj {
				return wi
			}
			return keys[i] < keys[j]
		})
		for _, k := range keys {
			name := k
			if conv[k].Write || steady[k].Write {
				name = "**" + k + "**"
			}
			p("| %s | %s | %.2f | %.0f |", r.Label, name, conv[k].Count/float64(r.N), steady[k].Count)
		}
	}
	p("")
	p("All clients (audit log), requests in each window: reads / writes.")
	p("")
	clients := map[string]bool{}
	for _, r := range rs {
		for c := range r.Clients {
			clients[c] = true
		}
	}
	var names []string
	for c := range clients {
		names = append(names, c)
	}
	sort.Strings(names)
	header, sep := "| client |", "|---|"
	for _, r := range rs {
		header += " " + r.Label + ": converging | steady |"
		sep += "---|---|"
	}
	p("%s", header)
	p("%s", sep)
	for _, c := range names {
		line := "| " + c + " |"
		for _, r := range rs {
			t, ok := r.Clients[c]
			if !ok {
				line += " – | – |"
				continue
			}
			line += fmt.Sprintf(" %.0f / %.0f | %.0f / %.0f |", t.ConvergeReads, t.ConvergeWrites, t.SteadyReads, t.SteadyWrites)
		}
		p("%s", line)
	}
}
