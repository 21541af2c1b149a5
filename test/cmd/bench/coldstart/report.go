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
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/result"
)

// Results is what one run measured, as coldstart.json holds it. Durations
// are seconds.
type Results struct {
	Run
	// KPA and KEDA are the two contenders: Serving's autoscaler (class
	// kpa.autoscaling.knative.dev) and this controller (class
	// hpa.autoscaling.knative.dev).
	KPA  *Contender `json:"kpa"`
	KEDA *Contender `json:"keda"`
}

// Run is what every scenario's results hold (inline in their JSON): when
// and how it ran, on what, with which settings, and notes.
type Run struct {
	Started         time.Time         `json:"started"`
	Command         string            `json:"command"`
	DurationSeconds float64           `json:"durationSeconds"`
	Machine         result.Machine    `json:"machine"`
	Versions        map[string]string `json:"versions"`
	Settings        map[string]string `json:"settings"`
	// LoadAverage is the machine's 1-minute load average at the start and
	// at the end of the measurements (other work shares the cores).
	LoadAverage [2]float64 `json:"loadAverage"`
	// Notes say what went wrong or differs from the plan.
	Notes []string `json:"notes,omitempty"`
}

// Contender is one class's figures.
type Contender struct {
	Name        string            `json:"name"`
	Class       string            `json:"class"`
	Annotations map[string]string `json:"annotations"`
	// ColdStarts are the single-service cold starts, in order.
	ColdStarts []Sample `json:"coldStarts"`
	// Wakes are the services woken at once, by how many.
	Wakes []Wake `json:"wakes"`
	// DefaultIdleToZero is the idle-to-zero time with each class's
	// defaults (not the benchmark's shortened settings); -1: not reached
	// within the timeout, 0: not measured.
	DefaultIdleToZero       float64 `json:"defaultIdleToZeroSeconds"`
	DefaultIdleToStableZero float64 `json:"defaultIdleToStableZeroSeconds"`
	// Requests is every request sent, Lost those not answered 200.
	Requests int      `json:"requests"`
	Lost     int      `json:"lost"`
	Failures []string `json:"failures,omitempty"`
}

// Sample is one service's cold start: from the request sent at zero to
// the Deployment's spec.replicas at 1 (Scaled) and to its answer
// (Answer), then from the answer to spec.replicas back at 0 (IdleToZero)
// and to the start of the zero that lasted (IdleToStableZero: no scale-up
// for the quiet period after it; later than IdleToZero when the service
// came back up without a request, Bounces times). -1: not reached within
// the timeout.
type Sample struct {
	Service          string  `json:"service"`
	Scaled           float64 `json:"scaledSeconds"`
	Answer           float64 `json:"answerSeconds"`
	IdleToZero       float64 `json:"idleToZeroSeconds"`
	IdleToStableZero float64 `json:"idleToStableZeroSeconds"`
	Bounces          int     `json:"bounces,omitempty"`
	Code             int     `json:"code"`
	Error            string  `json:"error,omitempty"`
}

// Wake is N services woken at once by one request each, Rounds times.
type Wake struct {
	N       int      `json:"n"`
	Rounds  int      `json:"rounds"`
	Samples []Sample `json:"samples"`
}

// Stats are nearest-rank percentiles of the samples that were reached;
// Missing counts those that were not (-1).
type Stats struct {
	N       int     `json:"n"`
	Missing int     `json:"missing,omitempty"`
	P50     float64 `json:"p50"`
	P95     float64 `json:"p95"`
	Max     float64 `json:"max"`
}

// stats of vs, ignoring (and counting) negative values.
func stats(vs []float64) Stats {
	var s []float64
	missing := 0
	for _, v := range vs {
		if v < 0 {
			missing++
			continue
		}
		s = append(s, v)
	}
	sort.Float64s(s)
	if len(s) == 0 {
		return Stats{Missing: missing}
	}
	rank := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(s)))) - 1
		return s[max(0, min(i, len(s)-1))]
	}
	return Stats{N: len(s), Missing: missing, P50: rank(0.5), P95: rank(0.95), Max: s[len(s)-1]}
}

func field(samples []Sample, f func(Sample) float64) []float64 {
	out := make([]float64, 0, len(samples))
	for _, s := range samples {
		out = append(out, f(s))
	}
	return out
}

func scaledOf(s Sample) float64 { return s.Scaled }
func answerOf(s Sample) float64 { return s.Answer }
func idleOf(s Sample) float64   { return s.IdleToZero }
func stableOf(s Sample) float64 { return s.IdleToStableZero }

// bounces counts the samples after which the service came back up from
// zero without a request, and all samples.
func bounces(samples []Sample) (int, int) {
	n := 0
	for _, s := range samples {
		if s.Bounces > 0 {
			n++
		}
	}
	return n, len(samples)
}

// wake returns the wake of n services, or nil.
func (c *Contender) wake(n int) *Wake {
	for i := range c.Wakes {
		if c.Wakes[i].N == n {
			return &c.Wakes[i]
		}
	}
	return nil
}

// row is one line of the table: a figure of both contenders.
type row struct {
	what      string
	kpa, keda Stats
	// single: one value (p50 = max), not a distribution.
	single bool
}

// rows are the table's lines, from the results.
func (r *Results) rows() []row {
	var out []row
	add := func(what string, f func(Sample) float64, kpa, keda []Sample) {
		out = append(out, row{what: what, kpa: stats(field(kpa, f)), keda: stats(field(keda, f))})
	}
	add("cold start (1 service): request -> Deployment scaled to 1", scaledOf, r.KPA.ColdStarts, r.KEDA.ColdStarts)
	add("cold start (1 service): request -> first answer", answerOf, r.KPA.ColdStarts, r.KEDA.ColdStarts)
	var ns []int
	for _, w := range r.KPA.Wakes {
		ns = append(ns, w.N)
	}
	for _, n := range ns {
		kw, ew := r.KPA.wake(n), r.KEDA.wake(n)
		if kw == nil || ew == nil {
			continue
		}
		add(fmt.Sprintf("%d services woken at once: request -> scaled to 1", n), scaledOf, kw.Samples, ew.Samples)
		add(fmt.Sprintf("%d services woken at once: request -> answer", n), answerOf, kw.Samples, ew.Samples)
	}
	add("idle -> zero (benchmark settings): last answer -> scaled to 0", idleOf, r.KPA.ColdStarts, r.KEDA.ColdStarts)
	add("idle -> zero for good: last answer -> the zero that lasted", stableOf, r.KPA.ColdStarts, r.KEDA.ColdStarts)
	if r.KPA.DefaultIdleToZero != 0 || r.KEDA.DefaultIdleToZero != 0 {
		out = append(out, row{what: "idle -> zero with each class's defaults", single: true,
			kpa: stats([]float64{r.KPA.DefaultIdleToZero}), keda: stats([]float64{r.KEDA.DefaultIdleToZero})})
		out = append(out, row{what: "idle -> zero for good with each class's defaults", single: true,
			kpa: stats([]float64{r.KPA.DefaultIdleToStableZero}), keda: stats([]float64{r.KEDA.DefaultIdleToStableZero})})
	}
	return out
}

// cell renders stats as "p50 / p95 / max" seconds.
func cell(s Stats, single bool) string {
	if single {
		return cellOf(s, "%.2f s", p50)
	}
	return cellOf(s, "%.2f / %.2f / %.2f s", p50, p95, pmax)
}

// cellOf renders the values of s that pick chooses with format, and how
// many samples were not reached.
func cellOf(s Stats, format string, pick ...func(Stats) float64) string {
	if s.N == 0 {
		if s.Missing > 0 {
			return fmt.Sprintf("not reached (%d)", s.Missing)
		}
		return "–"
	}
	var vs []any
	for _, f := range pick {
		vs = append(vs, f(s))
	}
	v := fmt.Sprintf(format, vs...)
	if s.Missing > 0 {
		v += fmt.Sprintf(" (%d of %d not reached)", s.Missing, s.N+s.Missing)
	}
	return v
}

func p50(s Stats) float64  { return s.P50 }
func p95(s Stats) float64  { return s.P95 }
func pmax(s Stats) float64 { return s.Max }

// ratio renders keda / kpa for each percentile.
func ratio(kpa, keda Stats, single bool) string {
	if single {
		return ratioOf(kpa, keda, p50)
	}
	return ratioOf(kpa, keda, p50, p95, pmax)
}

// ratioOf renders keda / kpa for each value pick chooses.
func ratioOf(kpa, keda Stats, pick ...func(Stats) float64) string {
	if kpa.N == 0 || keda.N == 0 {
		return "–"
	}
	var out []string
	for _, f := range pick {
		if a := f(kpa); a <= 0 {
			out = append(out, "–")
		} else {
			out = append(out, fmt.Sprintf("%.2f×", f(keda)/a))
		}
	}
	return strings.Join(out, " / ")
}

// Table renders the comparison as a markdown table.
func (r *Results) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "| p50 / p95 / max | KPA (%s) | this controller (%s) | ratio (ours / KPA) |\n|---|---|---|---|\n", r.KPA.Class, r.KEDA.Class)
	for _, row := range r.rows() {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", row.what, cell(row.kpa, row.single), cell(row.keda, row.single), ratio(row.kpa, row.keda, row.single))
	}
	var kb, kn, eb, en int
	for _, c := range []struct {
		b, n *int
		c    *Contender
	}{{&kb, &kn, r.KPA}, {&eb, &en, r.KEDA}} {
		*c.b, *c.n = bounces(c.c.ColdStarts)
		for _, w := range c.c.Wakes {
			b, n := bounces(w.Samples)
			*c.b += b
			*c.n += n
		}
	}
	fmt.Fprintf(&b, "| back up from zero without a request (after how many of the idle periods) | %d of %d | %d of %d | |\n", kb, kn, eb, en)
	fmt.Fprintf(&b, "| requests lost (not answered 200) | %d of %d | %d of %d | |\n", r.KPA.Lost, r.KPA.Requests, r.KEDA.Lost, r.KEDA.Requests)
	return b.String()
}

// Load reads out/coldstart.json.
func Load(out string) (*Results, error) {
	var r Results
	if err := loadJSON(out, "coldstart.json", &r); err != nil {
		return nil, err
	}
	if r.KPA == nil || r.KEDA == nil {
		return nil, fmt.Errorf("%s: no kpa or keda results", filepath.Join(out, "coldstart.json"))
	}
	return &r, nil
}

// Save writes coldstart.json and coldstart.md into out.
func (r *Results) Save(out string) error {
	return saveReport(out, "coldstart", r, r.Markdown())
}

// loadJSON reads out/name into v.
func loadJSON(out, name string, v any) error {
	b, err := os.ReadFile(filepath.Join(out, name))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(out, name), err)
	}
	return nil
}

// saveReport writes v as out/name.json and md as out/name.md.
func saveReport(out, name string, v any, md string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	j, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, name+".json"), append(j, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, name+".md"), []byte(md), 0o644)
}
