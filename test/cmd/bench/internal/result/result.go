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

// Package result holds what one contender's run measured, as the benchmark
// saves it (docs/benchmarks/results-n<N>.json) and the report reads it.
package result

import (
	"math"
	"sort"
	"strings"
	"time"
)

// Result is what one contender's run measured. Times are seconds from the
// moment the benchmark starts creating the PAs; latencies are milliseconds.
type Result struct {
	Label       string            `json:"label"`
	Contender   string            `json:"contender"`
	KEDAProfile string            `json:"kedaProfile,omitempty"`
	KEDAArgs    []string          `json:"kedaArgs,omitempty"`
	KEDAEnv     []string          `json:"kedaEnv,omitempty"`
	N           int               `json:"n"`
	QPS         int               `json:"qps"`
	Burst       int               `json:"burst"`
	Started     time.Time         `json:"started"`
	Command     string            `json:"command"`
	Machine     Machine           `json:"machine"`
	Versions    map[string]string `json:"versions"`
	Settings    map[string]string `json:"settings"`

	// Objects is what the contender creates per PA: ScaledObject, or HPA
	// for autoscaler-hpa.
	Objects            string  `json:"objects"`
	DeploymentsSeconds float64 `json:"deploymentsSeconds"`
	PACreateSeconds    float64 `json:"paCreateSeconds"`
	// -1: not reached before the timeout; 0 with Not* fields: not applicable.
	AllObjectsSeconds float64 `json:"allObjectsSeconds"`
	AllHPAsSeconds    float64 `json:"allHPAsSeconds"`
	AllStatusSeconds  float64 `json:"allStatusSeconds"`
	ObjectLatencyMs   Pcts    `json:"objectLatencyMs"`
	HPALatencyMs      Pcts    `json:"hpaLatencyMs"`
	StatusLatencyMs   Pcts    `json:"statusLatencyMs"`
	// HPA status change -> PA status, on the converged, idle control plane.
	UpdateLatencyMs Pcts    `json:"updateLatencyMs"`
	UpdateSamples   int     `json:"updateSamples"`
	UpdateTimeouts  int     `json:"updateTimeouts"`
	WritesStatus    bool    `json:"writesStatus"`
	ConvergeSeconds float64 `json:"convergeWindowSeconds"`
	SteadySeconds   float64 `json:"steadyWindowSeconds"`
	ResyncAtSeconds float64 `json:"resyncAtSeconds,omitempty"`

	// Requests by the contender (audit log), per window.
	ConvergeRequests  []ReqCount `json:"convergeRequests"`
	SteadyRequests    []ReqCount `json:"steadyRequests"`
	ConvergeConflicts float64    `json:"convergeConflicts"`
	SteadyConflicts   float64    `json:"steadyConflicts"`
	// KEDA's writes in the steady window (audit log; the player's in the
	// played profile), for context.
	KEDASteadyWrites float64 `json:"kedaSteadyWrites"`
	// KEDAPlayer counts the player's writes (played profile only).
	KEDAPlayer *PlayerCounts `json:"kedaPlayer,omitempty"`
	// Every client's requests (apiserver_request_total), per window.
	AllConverge []ReqCount `json:"allConverge"`
	AllSteady   []ReqCount `json:"allSteady"`
	// Requests per client (audit log) over both windows, for the report.
	Clients map[string]ClientTotals `json:"clients"`

	CPUConverge     float64 `json:"cpuConvergeSeconds"`
	CPUSteady       float64 `json:"cpuSteadySeconds"`
	KEDACPUConverge float64 `json:"kedaCpuConvergeSeconds,omitempty"`
	// CPU seconds of kube-apiserver and etcd from the first PA create until
	// the last PA converged: what the contender's way of converging costs
	// the control plane (the benchmark's own PA creates included).
	APIServerCPUConverge float64 `json:"apiserverCpuConvergeSeconds,omitempty"`
	EtcdCPUConverge      float64 `json:"etcdCpuConvergeSeconds,omitempty"`
	KEDACPUSteady        float64 `json:"kedaCpuSteadySeconds,omitempty"`
	KEDARestarts         int     `json:"kedaRestarts,omitempty"`
	PeakRSS              int64   `json:"peakRSSBytes"`
	RSSConverged         int64   `json:"rssConvergedBytes"`
	RSSEnd               int64   `json:"rssEndBytes"`
	// RSS split: anonymous (the process's own memory; its peak as sampled)
	// and file-backed (the binary's pages, shared page cache) at the end.
	PeakRSSAnon int64   `json:"peakRssAnonBytes,omitempty"`
	RSSAnonEnd  int64   `json:"rssAnonEndBytes,omitempty"`
	RSSFileEnd  int64   `json:"rssFileEndBytes,omitempty"`
	PeakHeap    float64 `json:"peakHeapBytes"`
	HeapEnd     float64 `json:"heapEndBytes"`
	PromQueries int64   `json:"promQueries"`
	// CPU seconds used by processes other than the benchmark's during the
	// windows: other work on the machine distorts the figures.
	ForeignCPUConverge float64 `json:"foreignCpuConvergeSeconds"`
	ForeignCPUSteady   float64 `json:"foreignCpuSteadySeconds"`
	ForeignCPULatency  float64 `json:"foreignCpuLatencySeconds"`
	LatencySeconds     float64 `json:"latencyWindowSeconds"`

	// For the plot: seconds from the start of PA creation at which the
	// objects appeared, and latencies in milliseconds, as quantiles.
	ObjectTimes     Dist `json:"objectTimes"`
	HPATimes        Dist `json:"hpaTimes"`
	StatusTimes     Dist `json:"statusTimes"`
	ObjectLatencies Dist `json:"objectLatencies"`
	UpdateLatencies Dist `json:"updateLatencies"`

	Notes []string `json:"notes,omitempty"`
}

// PlayerCounts are the KEDA player's write requests over the whole run, by
// kind; conflicts and already-existing HPAs are among them.
type PlayerCounts struct {
	HPACreates    int64 `json:"hpaCreates"`
	HPAExisted    int64 `json:"hpaAlreadyExisted"`
	StatusUpdates int64 `json:"statusUpdates"`
	Conflicts     int64 `json:"statusConflicts"`
}

// Writes is the player's write requests.
func (c *PlayerCounts) Writes() int64 { return c.HPACreates + c.StatusUpdates }

// ClientTotals are one client's requests in the two windows.
type ClientTotals struct {
	Agent          string  `json:"agent"`
	ConvergeReads  float64 `json:"convergeReads"`
	ConvergeWrites float64 `json:"convergeWrites"`
	SteadyReads    float64 `json:"steadyReads"`
	SteadyWrites   float64 `json:"steadyWrites"`
}

// ReqCount is a number of requests of one kind.
type ReqCount struct {
	Request string  `json:"request"`
	Write   bool    `json:"write"`
	Count   float64 `json:"count"`
}

// LeaseWrites counts the writes on leases: leader election's renewals,
// which every knative controller makes whatever its work.
func LeaseWrites(rc []ReqCount) float64 {
	var t float64
	for _, r := range rc {
		if f := strings.Fields(r.Request); r.Write && len(f) == 2 && f[1] == "leases" {
			t += r.Count
		}
	}
	return t
}

// SumReq sums the writes (writes true) or the reads of rc.
func SumReq(rc []ReqCount, writes bool) float64 {
	var t float64
	for _, r := range rc {
		if r.Write == writes {
			t += r.Count
		}
	}
	return t
}

// Dist is a sorted sample of Count values kept as at most DistPoints
// quantiles: Q[i] is the value of rank round(i*(Count-1)/(len(Q)-1)).
type Dist struct {
	Count int       `json:"count"`
	Q     []float64 `json:"q,omitempty"`
}

const DistPoints = 200

// ToDist keeps a sorted sample as at most DistPoints quantiles.
func ToDist(sorted []float64) Dist {
	d := Dist{Count: len(sorted)}
	if len(sorted) <= DistPoints {
		d.Q = append([]float64(nil), sorted...)
		return d
	}
	for i := 0; i < DistPoints; i++ {
		d.Q = append(d.Q, sorted[d.rank(i, DistPoints)])
	}
	return d
}

// rank is the index in the full sample of quantile i of m.
func (d Dist) rank(i, m int) int {
	if m <= 1 {
		return d.Count - 1
	}
	return int(math.Round(float64(i) * float64(d.Count-1) / float64(m-1)))
}

// Points returns each kept value with its rank (0-based) in the full sample.
func (d Dist) Points() (ranks []int, values []float64) {
	for i, v := range d.Q {
		ranks = append(ranks, d.rank(i, len(d.Q)))
		values = append(values, v)
	}
	return ranks, values
}

// Last is the largest value, or -1 for an empty sample.
func (d Dist) Last() float64 {
	if len(d.Q) == 0 {
		return -1
	}
	return d.Q[len(d.Q)-1]
}

// Pcts are percentiles of a sample.
type Pcts struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// Percentiles of an already sorted sample (nearest rank).
func Percentiles(sorted []float64) Pcts {
	if len(sorted) == 0 {
		return Pcts{}
	}
	rank := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(sorted)))) - 1
		return sorted[max(0, min(i, len(sorted)-1))]
	}
	return Pcts{N: len(sorted), P50: rank(0.50), P90: rank(0.90), P99: rank(0.99), Max: sorted[len(sorted)-1]}
}

// Since returns the sorted seconds from t0 of the times.
func Since(t0 time.Time, times map[string]time.Time) []float64 {
	out := make([]float64, 0, len(times))
	for _, t := range times {
		out = append(out, Round3(t.Sub(t0).Seconds()))
	}
	sort.Float64s(out)
	return out
}

// Latencies returns the sorted milliseconds from each key's start to its time.
func Latencies(start, end map[string]time.Time) []float64 {
	out := make([]float64, 0, len(end))
	for k, t := range end {
		if s, ok := start[k]; ok {
			out = append(out, Round3(float64(t.Sub(s).Microseconds())/1000))
		}
	}
	sort.Float64s(out)
	return out
}

// Round3 rounds to milliseconds (of seconds) or microseconds (of milliseconds).
func Round3(f float64) float64 { return math.Round(f*1000) / 1000 }

// Machine describes where the benchmark ran.
type Machine struct {
	CPUs     int     `json:"cpus"`
	CPUModel string  `json:"cpuModel"`
	MemoryGi float64 `json:"memoryGiB"`
	Kernel   string  `json:"kernel"`
	Go       string  `json:"go"`
}

// ForeignCores is the average number of cores other processes used in the
// converging and steady windows and during the latency measurement.
func (r *Result) ForeignCores() (converge, steady, latency float64) {
	if r.ConvergeSeconds > 0 {
		converge = r.ForeignCPUConverge / r.ConvergeSeconds
	}
	if r.SteadySeconds > 0 {
		steady = r.ForeignCPUSteady / r.SteadySeconds
	}
	if r.LatencySeconds > 0 {
		latency = r.ForeignCPULatency / r.LatencySeconds
	}
	return converge, steady, latency
}
