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
	"time"

	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/audit"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/contender"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/procstat"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/result"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/waitfor"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/workload"
	"github.com/serving-keda/serving-keda/test/harness/apimetrics"
)

// mark is what the benchmark reads at the edge of a window.
type mark struct {
	at           time.Time
	meter        procstat.CPUMeter // the machine's CPU, for other processes' share
	requests     apimetrics.Counts // apiserver_request_total, all clients, summed over codes
	cpu, kedaCPU float64           // CPU seconds of the contender and KEDA's operator
	api, etcd    float64           // CPU seconds of kube-apiserver and etcd
}

func (r *run) mark(ctx context.Context) (mark, error) {
	m := mark{at: time.Now(), meter: procstat.ReadCPUMeter()}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	all, err := apimetrics.Scrape(ctx, r.kube)
	if err != nil {
		return m, err
	}
	m.requests = all.Map(apimetrics.WithoutCode)
	m.cpu, m.kedaCPU = r.cpu()
	m.api, m.etcd = r.controlPlaneCPU()
	return m, nil
}

// convergeWindow creates the N PAs at once and waits until they converged
// and the settle time passed. It returns when the PA creates began and the
// mark at the end of the window.
func (r *run) convergeWindow(ctx context.Context, res *result.Result) (time.Time, mark, error) {
	start, err := r.mark(ctx)
	if err != nil {
		return time.Time{}, start, err
	}
	r.prom0 = r.prom.Count()
	if r.opts.PprofDir != "" && r.proc != nil {
		go r.cpuProfile(ctx, "converge", r.opts.PprofConverge)
	}
	t0 := time.Now()
	created, err := workload.CreatePodAutoscalers(ctx, r.serving, r.revs)
	if err != nil {
		return t0, start, err
	}
	res.PACreateSeconds = result.Round3(time.Since(t0).Seconds())
	r.logf("%d PAs created in %.2fs", len(r.revs), res.PACreateSeconds)
	reached, err := r.awaitConverged(ctx, t0, res)
	if err != nil {
		return t0, start, err
	}
	api, etcd := r.controlPlaneCPU()
	res.APIServerCPUConverge, res.EtcdCPUConverge = result.Round3(api-start.api), result.Round3(etcd-start.etcd)
	r.recordTimes(t0, created, reached, res)
	time.Sleep(r.opts.Settle)
	res.ForeignCPUConverge = result.Round3(start.meter.Foreign())
	end, err := r.mark(ctx)
	if err != nil {
		return t0, end, err
	}
	res.CPUConverge, res.KEDACPUConverge = result.Round3(end.cpu-start.cpu), result.Round3(end.kedaCPU-start.kedaCPU)
	if r.sampler != nil {
		_, res.RSSConverged, _, _ = r.sampler.Snapshot()
		r.sampler.SetHeapEvery(15 * time.Second)
	}
	res.ConvergeSeconds = result.Round3(end.at.Sub(t0).Seconds())
	res.AllConverge = audit.ReqCounts(end.requests.Sub(start.requests))
	return t0, end, nil
}

// reached is when the last object of each kind was seen (zero: not yet).
type reached struct{ objects, hpas, status time.Time }

func (z reached) done(writesStatus bool) bool {
	return !z.objects.IsZero() && !z.hpas.IsZero() && (!writesStatus || !z.status.IsZero())
}

// awaitConverged polls the observer until every PA has its object (and
// HPA, and status, where that applies), or the timeout.
func (r *run) awaitConverged(ctx context.Context, t0 time.Time, res *result.Result) (reached, error) {
	n := len(r.revs)
	deadline := t0.Add(r.opts.Timeout)
	var z reached
	lastLog := time.Now()
	see := func(at *time.Time, count int, what string, now time.Time) {
		if at.IsZero() && count >= n {
			*at = now
			r.logf("all %d %s after %.2fs", n, what, now.Sub(t0).Seconds())
		}
	}
	for {
		so, hpa, status := r.obs.Counts()
		obj := so
		if r.contender == result.HPA {
			obj = hpa
		}
		now := time.Now()
		see(&z.objects, obj, res.Objects+"s", now)
		see(&z.hpas, hpa, "HPAs", now)
		if r.writesStatus() {
			see(&z.status, status, "PAs carry HPA status", now)
		}
		if z.done(r.writesStatus()) {
			return z, nil
		}
		if err := r.exited(); err != nil {
			return z, err
		}
		if now.After(deadline) {
			res.Notes = append(res.Notes, fmt.Sprintf("not converged within %v: %d %ss, %d HPAs, %d PAs with status of %d",
				r.opts.Timeout, obj, res.Objects, hpa, status, n))
			r.logf("timeout: %s", res.Notes[len(res.Notes)-1])
			return z, nil
		}
		if now.Sub(lastLog) >= 5*time.Second {
			lastLog = now
			r.logf("  t=%5.1fs: %d %ss, %d HPAs, %d PAs with HPA status (of %d)", now.Sub(t0).Seconds(), obj, res.Objects, hpa, status, n)
		}
		if err := waitfor.Sleep(ctx, 50*time.Millisecond); err != nil {
			return z, err
		}
	}
}

// recordTimes records when each object was seen, as the informer recorded
// it (the polling of awaitConverged only notices the last one up to 50 ms
// late), and the latencies from each PA's create.
func (r *run) recordTimes(t0 time.Time, created map[string]time.Time, z reached, res *result.Result) {
	objTimes := r.obs.Times("so")
	if r.contender == result.HPA {
		objTimes = r.obs.Times("hpa")
	}
	hpaTimes, statusTimes := r.obs.Times("hpa"), r.obs.Times("status")
	objSecs, hpaSecs, statusSecs := result.Since(t0, objTimes), result.Since(t0, hpaTimes), result.Since(t0, statusTimes)
	res.ObjectTimes, res.HPATimes = result.ToDist(objSecs), result.ToDist(hpaSecs)
	// The last time seen, or -1 if the timeout came first.
	last := func(ts []float64, at time.Time) float64 {
		if at.IsZero() {
			return -1
		}
		if len(ts) == 0 {
			return result.Round3(at.Sub(t0).Seconds())
		}
		return ts[len(ts)-1]
	}
	res.AllObjectsSeconds, res.AllHPAsSeconds = last(objSecs, z.objects), last(hpaSecs, z.hpas)
	objLat := result.Latencies(created, objTimes)
	res.ObjectLatencies = result.ToDist(objLat)
	res.ObjectLatencyMs = result.Percentiles(objLat)
	res.HPALatencyMs = result.Percentiles(result.Latencies(created, hpaTimes))
	if r.writesStatus() {
		res.StatusTimes = result.ToDist(statusSecs)
		res.AllStatusSeconds = last(statusSecs, z.status)
		res.StatusLatencyMs = result.Percentiles(result.Latencies(created, statusTimes))
	}
}

// steadyWindow watches the converged control plane: KEDA's churn, and a
// resync half-way. It returns the mark at its end.
func (r *run) steadyWindow(ctx context.Context, res *result.Result, start mark) (mark, error) {
	r.logf("steady state for %v", r.opts.Steady)
	if r.opts.PprofDir != "" && r.proc != nil {
		go r.cpuProfile(ctx, "steady", r.opts.Steady-2*time.Second)
	}
	if err := waitfor.Sleep(ctx, r.opts.Steady/2); err != nil {
		return start, err
	}
	if r.contender != result.Bare {
		res.ResyncAtSeconds = result.Round3(time.Since(start.at).Seconds())
		r.logf("config-autoscaler changed (no-op value): every PA resyncs")
		if err := contender.Resync(ctx, r.kube); err != nil {
			return start, err
		}
	}
	if err := waitfor.Sleep(ctx, r.opts.Steady-time.Since(start.at)); err != nil {
		return start, err
	}
	res.ForeignCPUSteady = result.Round3(start.meter.Foreign())
	end, err := r.mark(ctx)
	if err != nil {
		return end, err
	}
	res.CPUSteady, res.KEDACPUSteady = result.Round3(end.cpu-start.cpu), result.Round3(end.kedaCPU-start.kedaCPU)
	res.SteadySeconds = result.Round3(end.at.Sub(start.at).Seconds())
	res.PromQueries = r.prom.Count() - r.prom0
	res.AllSteady = audit.ReqCounts(end.requests.Sub(start.requests))
	if r.opts.PprofDir != "" && r.proc != nil {
		r.heapProfile(ctx)
	}
	return end, nil
}

// collect records the memory sampled, the KEDA player's writes and KEDA's
// restarts, and fails if the contender exited.
func (r *run) collect(res *result.Result) error {
	if r.sampler != nil {
		res.PeakRSS, res.RSSEnd, res.PeakHeap, res.HeapEnd = r.sampler.Snapshot()
		res.PeakRSSAnon, res.RSSAnonEnd, res.RSSFileEnd = r.sampler.Split()
	}
	if err := r.exited(); err != nil {
		return fmt.Errorf("during the run: %w", err)
	}
	if r.player != nil {
		res.KEDAPlayer = r.player.Counts()
	}
	if r.kedaSup != nil {
		res.KEDARestarts = r.kedaSup.Restarts()
		if res.KEDARestarts > 0 {
			res.Notes = append(res.Notes, fmt.Sprintf("KEDA's operator crashed %d times and was restarted after %v each time "+
				"(v2.19.0's nil ScaleTargetGVKR panic in GetCurrentReplicas, kedacore/keda#7863)", res.KEDARestarts, r.opts.KEDARestart))
		}
	}
	return nil
}

// countAudit reads the audit log (complete once the API server stopped):
// the contender's requests by kind, and every client's totals, per window.
func (r *run) countAudit(res *result.Result, windows []audit.Window) error {
	a, err := audit.Read(r.auditLog, windows, contender.Classify)
	if err != nil {
		return fmt.Errorf("reading the audit log: %w", err)
	}
	mine := a.Requests[r.contender]
	res.ConvergeRequests, res.SteadyRequests = audit.ReqCounts(mine["converge"]), audit.ReqCounts(mine["steady"])
	res.ConvergeConflicts, res.SteadyConflicts = audit.Conflicts(mine["converge"]), audit.Conflicts(mine["steady"])
	res.KEDASteadyWrites = audit.Writes(a.Requests[res.KEDAClient()]["steady"])
	res.Clients = map[string]result.ClientTotals{}
	for client, byWindow := range a.Requests {
		res.Clients[client] = result.ClientTotals{
			Agent:          a.Agents[client],
			ConvergeReads:  audit.Reads(byWindow["converge"]),
			ConvergeWrites: audit.Writes(byWindow["converge"]),
			SteadyReads:    audit.Reads(byWindow["steady"]),
			SteadyWrites:   audit.Writes(byWindow["steady"]),
		}
	}
	return nil
}
