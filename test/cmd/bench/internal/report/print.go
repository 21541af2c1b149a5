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

	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/result"
)

// Print prints the headline figures of a run on stdout.
func Print(r *result.Result) {
	fmt.Printf("\n== %s, n=%d, client QPS %d / burst %d\n", r.Label, r.N, r.QPS, r.Burst)
	fmt.Printf("  all %ss:            %s  (PA -> %s p50 %.0f ms, p99 %.0f ms)\n", r.Objects, secs(r.AllObjectsSeconds), r.Objects, r.ObjectLatencyMs.P50, r.ObjectLatencyMs.P99)
	fmt.Printf("  all HPAs:                     %s\n", secs(r.AllHPAsSeconds))
	if r.WritesStatus {
		fmt.Printf("  all PAs with HPA status:      %s\n", secs(r.AllStatusSeconds))
		fmt.Printf("  HPA status -> PA status:      p50 %.1f ms, p99 %.1f ms (%d samples)\n", r.UpdateLatencyMs.P50, r.UpdateLatencyMs.P99, r.UpdateSamples)
	}
	n := float64(r.N)
	fmt.Printf("  contender writes per PA:      converging %.2f, steady %.0f in %.0fs (%.0f conflicts)\n",
		result.SumReq(r.ConvergeRequests, true)/n, result.SumReq(r.SteadyRequests, true), r.SteadySeconds, r.ConvergeConflicts+r.SteadyConflicts)
	fmt.Printf("  contender reads per PA:       converging %.2f, steady %.0f\n", result.SumReq(r.ConvergeRequests, false)/n, result.SumReq(r.SteadyRequests, false))
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
	if r.Contender != result.Bare {
		fmt.Printf("  CPU:                          converging %.2fs, steady %.2fs (%.2f%% of a core)\n", r.CPUConverge, r.CPUSteady, 100*r.CPUSteady/r.SteadySeconds)
		fmt.Printf("  memory:                       peak RSS %s, RSS at end %s, peak heap %s\n", mib(float64(r.PeakRSS)), mib(float64(r.RSSEnd)), mib(r.PeakHeap))
		fmt.Printf("  RSS split:                    anonymous peak %s, at end %s; file-backed at end %s\n", mib(float64(r.PeakRSSAnon)), mib(float64(r.RSSAnonEnd)), mib(float64(r.RSSFileEnd)))
	}
	if r.APIServerCPUConverge > 0 {
		fmt.Printf("  control plane until converged: kube-apiserver %.2fs, etcd %.2fs CPU (%.1f ms per PA)\n",
			r.APIServerCPUConverge, r.EtcdCPUConverge, 1000*(r.APIServerCPUConverge+r.EtcdCPUConverge)/n)
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
