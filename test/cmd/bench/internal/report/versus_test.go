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
	"slices"
	"strings"
	"testing"

	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/result"
)

func writes(n float64) []result.ReqCount {
	return []result.ReqCount{{Request: "create scaledobjects", Write: true, Count: n}, {Request: "watch scaledobjects", Count: 7}}
}

// The rows are written by hand from the figures, not by the code under test.
func TestVersusTable(t *testing.T) {
	hpa := &result.Result{Label: "autoscaler-hpa", Contender: result.HPA, N: 1000, WritesStatus: true,
		AllObjectsSeconds: 11.29, AllStatusSeconds: 11.30, ConvergeRequests: writes(4500),
		CPUSteady: 0.49, SteadySeconds: 30, PeakRSS: 0, APIServerCPUConverge: 9, EtcdCPUConverge: 1}
	slow := &result.Result{Label: "autoscaler-keda, KEDA played", Contender: result.KEDA, N: 1000, WritesStatus: true,
		AllObjectsSeconds: 16.08, AllStatusSeconds: 20.34,
		ConvergeRequests: append(writes(3280), result.ReqCount{Request: "update leases", Write: true, Count: 10}),
		CPUSteady:        0.2, SteadySeconds: 30, PeakRSS: 84_700_000, APIServerCPUConverge: 20, EtcdCPUConverge: 2.5}
	fast := &result.Result{Label: "autoscaler-keda, KEDA played", Contender: result.KEDA, N: 1000, WritesStatus: true,
		AllObjectsSeconds: 9, AllStatusSeconds: -1, ConvergeRequests: writes(2900), SteadySeconds: 30}
	for _, tc := range []struct {
		name string
		keda *result.Result
		want []string
	}{{
		name: "slower, more writes",
		keda: slow,
		want: []string{
			"| figure | autoscaler-keda, KEDA played | autoscaler-hpa | ratio | issue 21 target |",
			"| all N objects exist (ScaledObjects; HPAs for autoscaler-hpa) | 16.08 s | 11.29 s | 1.42× | ≤ 1.00×: **missed** |",
			"| all N PAs carry HPA status | 20.34 s | 11.30 s | 1.80× | ≤ 1.00×: **missed** |",
			"| writes per PA while converging (contender, lease renewals apart) | 3.28 | 4.50 | 0.73× | ≤ 3: **missed** |",
			"| kube-apiserver + etcd CPU until converged, per PA | 22.5 ms | 10.0 ms | 2.25× |  |",
			"| CPU in the steady window (contender) | 0.67% of a core | 1.63% of a core | 0.41× |  |",
			"| peak RSS (contender) | 84.7 MB | – | – | ≤ 1.00×: – |",
			"| PA created -> its object, p50 | – | – | – | ≤ 1.00×: – |",
		},
	}, {
		name: "faster, status not reached",
		keda: fast,
		want: []string{
			"| all N objects exist (ScaledObjects; HPAs for autoscaler-hpa) | 9.00 s | 11.29 s | 0.80× | ≤ 1.00×: met |",
			"| all N PAs carry HPA status | not reached | 11.30 s | – | ≤ 1.00×: **missed** |",
			"| writes per PA while converging (contender, lease renewals apart) | 2.90 | 4.50 | 0.64× | ≤ 3: met |",
			"| kube-apiserver + etcd CPU until converged, per PA | – | 10.0 ms | – |  |",
			"| CPU in the steady window (contender) | 0.00% of a core | 1.63% of a core | 0.00× |  |",
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			var lines []string
			versusTable(func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }, tc.keda, hpa)
			for _, w := range tc.want {
				if !slices.Contains(lines, w) {
					t.Errorf("no row\n%s\nin\n%s", w, strings.Join(lines, "\n"))
				}
			}
		})
	}
}

// KEDA played is compared where it ran, whatever the order of the runs.
func TestVersusPair(t *testing.T) {
	tuned := &result.Result{Contender: result.KEDA, KEDAProfile: "tuned"}
	played := &result.Result{Contender: result.KEDA, KEDAProfile: result.Played}
	hpa := &result.Result{Contender: result.HPA}
	bare := &result.Result{Contender: result.Bare, KEDAProfile: result.Played}
	for _, tc := range []struct {
		name      string
		rs        []*result.Result
		keda, hpa *result.Result
	}{
		{"played after tuned", []*result.Result{bare, tuned, hpa, played}, played, hpa},
		{"tuned only", []*result.Result{hpa, tuned}, tuned, hpa},
		{"no autoscaler-hpa", []*result.Result{played, tuned}, nil, nil},
		{"no autoscaler-keda", []*result.Result{bare, hpa}, nil, nil},
	} {
		if k, h := versusPair(tc.rs); k != tc.keda || h != tc.hpa {
			t.Errorf("%s: got %v, %v", tc.name, k, h)
		}
	}
}

// The sentences are written by hand from the figures: 31.6 ms per PA
// (28.91 s + 2.71 s over 1000 PAs) against 20.7 ms, bare 18.7 ms.
func TestControlPlaneBound(t *testing.T) {
	keda := &result.Result{Label: "autoscaler-keda, KEDA played", Contender: result.KEDA, N: 1000, APIServerCPUConverge: 28.91, EtcdCPUConverge: 2.71}
	hpa := &result.Result{Label: "autoscaler-hpa", Contender: result.HPA, N: 1000, APIServerCPUConverge: 17.70, EtcdCPUConverge: 3.03}
	bare := &result.Result{Label: "bare, KEDA played", Contender: result.Bare, KEDAProfile: result.Played, N: 1000, APIServerCPUConverge: 16.92, EtcdCPUConverge: 1.81}
	both := "The control plane (kube-apiserver and etcd) spent 31.6 ms of CPU per PA until converged on autoscaler-keda, KEDA played's path, " +
		"20.7 ms on autoscaler-hpa's (1.53×)."
	withBare := both + " KEDA's objects alone (bare, KEDA played: the ScaledObject through KEDA's admission webhook, KEDA's HPA and " +
		"the ScaledObject's status, besides the benchmark's own PA creates) cost it 18.7 ms per PA, 0.90× autoscaler-hpa's whole path, " +
		"before the ServerlessService and the PA status that both controllers write."
	if got := controlPlaneBound(keda, hpa, nil); got != both {
		t.Errorf("without bare:\n%s\nwant\n%s", got, both)
	}
	if got := controlPlaneBound(keda, hpa, bare); got != withBare {
		t.Errorf("with bare:\n%s\nwant\n%s", got, withBare)
	}
	if got := controlPlaneBound(keda, &result.Result{Label: "autoscaler-hpa", N: 1000}, bare); got != "" {
		t.Errorf("autoscaler-hpa's CPU not measured: %q; want nothing", got)
	}
}
