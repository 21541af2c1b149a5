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
	"strings"
	"testing"
)

func TestStats(t *testing.T) {
	// 20 values 1..20, plus two not reached.
	var vs []float64
	for i := 20; i >= 1; i-- {
		vs = append(vs, float64(i))
	}
	vs = append(vs, -1, -1)
	got := stats(vs)
	want := Stats{N: 20, Missing: 2, P50: 10, P95: 19, Max: 20}
	if got != want {
		t.Errorf("stats = %+v, want %+v", got, want)
	}
	if got := stats([]float64{-1}); got != (Stats{Missing: 1}) {
		t.Errorf("stats of nothing reached = %+v", got)
	}
}

func TestTable(t *testing.T) {
	kpa := &Contender{Class: "kpa.autoscaling.knative.dev", Requests: 2,
		ColdStarts: []Sample{{Scaled: 0.5, Answer: 1, IdleToZero: 10, IdleToStableZero: 10}, {Scaled: 0.5, Answer: 1, IdleToZero: 10, IdleToStableZero: 10}},
		Wakes:      []Wake{{N: 5, Samples: []Sample{{Scaled: 1, Answer: 2, IdleToZero: 12, IdleToStableZero: 12}}}}, DefaultIdleToZero: 90}
	keda := &Contender{Class: "hpa.autoscaling.knative.dev", Requests: 2, Lost: 1,
		ColdStarts: []Sample{{Scaled: 1, Answer: 1.5, IdleToZero: 15, IdleToStableZero: 26, Bounces: 1}, {Scaled: -1, Answer: -1, IdleToZero: -1, IdleToStableZero: -1}},
		Wakes:      []Wake{{N: 5, Samples: []Sample{{Scaled: 3, Answer: 4, IdleToZero: 14, IdleToStableZero: 25, Bounces: 2}}}}, DefaultIdleToZero: 330}
	r := &Results{KPA: kpa, KEDA: keda}
	table := r.Table()
	for _, want := range []string{
		"| cold start (1 service): request -> Deployment scaled to 1 | 0.50 / 0.50 / 0.50 s | 1.00 / 1.00 / 1.00 s (1 of 2 not reached) | 2.00× / 2.00× / 2.00× |",
		"| cold start (1 service): request -> first answer | 1.00 / 1.00 / 1.00 s | 1.50 / 1.50 / 1.50 s (1 of 2 not reached) | 1.50× / 1.50× / 1.50× |",
		"| 5 services woken at once: request -> answer | 2.00 / 2.00 / 2.00 s | 4.00 / 4.00 / 4.00 s | 2.00× / 2.00× / 2.00× |",
		"| idle -> zero with each class's defaults | 90.00 s | 330.00 s | 3.67× |",
		"| idle -> zero for good: last answer -> the zero that lasted | 10.00 / 10.00 / 10.00 s | 26.00 / 26.00 / 26.00 s (1 of 2 not reached) | 2.60× / 2.60× / 2.60× |",
		"| back up from zero without a request (after how many of the idle periods) | 0 of 3 | 2 of 3 | |",
		"| requests lost (not answered 200) | 0 of 2 | 1 of 2 | |",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	if md := r.Markdown(); !strings.Contains(md, table) || !strings.Contains(md, "| 1 | 0.50s | 1.00s | 10.00s | 1.00s | 1.50s | 15.00s, 26.00s (1 up) |") ||
		!strings.Contains(md, "| 2 | 0.50s | 1.00s | 10.00s | – | – | – |") {
		t.Errorf("markdown lacks the table or the second cold start:\n%s", md)
	}
}
