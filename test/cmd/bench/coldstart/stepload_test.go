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
	"time"
)

func TestStepTable(t *testing.T) {
	kpa := &StepContender{Class: "kpa.autoscaling.knative.dev", Steps: []Step{
		{HPASync: "3s", ToWanted: 2, ToWantedReady: 2.5, Overshoot: 1, BackDown: 8, Sent: 1000, ThroughActivator: 1000, Answered: 1000, Latency: Stats{N: 1000, P50: 0.3, P95: 0.4}},
		{HPASync: "3s", ToWanted: 4, ToWantedReady: 4.5, Overshoot: 0, BackDown: 10, Sent: 1000, ThroughActivator: 1000, Answered: 998, Failed: 2, Latency: Stats{N: 998, P50: 0.3, P95: 0.6}},
		{HPASync: "15s", ToWanted: 3, ToWantedReady: 3, BackDown: 9, Sent: 900, Answered: 900, Latency: Stats{N: 900, P50: 0.3, P95: 0.5}},
	}}
	keda := &StepContender{Class: "hpa.autoscaling.knative.dev", Steps: []Step{
		{HPASync: "3s", ToWanted: 6, ToWantedReady: 7, Overshoot: 2, BackDown: 12, Sent: 800, ThroughActivator: 10, Answered: 796, Failed: 4, Latency: Stats{N: 796, P50: 0.3, P95: 0.9}},
		{HPASync: "3s", ToWanted: 8, ToWantedReady: 9, Overshoot: 3, BackDown: 20, Sent: 800, Answered: 800, Latency: Stats{N: 800, P50: 0.3, P95: 1.2}},
		{HPASync: "15s", ToWanted: -1, ToWantedReady: -1, BackDown: -1, Sent: 700, Answered: 700, Latency: Stats{N: 700, P50: 0.3, P95: 0.5}},
	}}
	r := &StepResults{Wanted: 5, MinScale: 1, HPASyncs: []string{"3s", "15s"}, KPA: kpa, KEDA: keda}
	table := r.Table()
	for _, want := range []string{
		"HPA sync period 3s (the harness's), 2 steps per class (median / max over the steps):",
		"| step -> Deployment asks for the 5 pods wanted | 2.00 / 4.00 s | 6.00 / 8.00 s | 3.00× / 2.00× |",
		"| step -> 5 pods ready | 2.50 / 4.50 s | 7.00 / 9.00 s | 2.80× / 2.00× |",
		"| overshoot: most pods asked for above the pods wanted | 0 / 1 | 2 / 3 | – / 3.00× |",
		"| load stopped -> back to min-scale 1 | 8.00 / 10.00 s | 12.00 / 20.00 s | 1.50× / 2.00× |",
		"| request latency: a step's p95 | 0.40 / 0.60 s | 0.90 / 1.20 s | 2.25× / 2.00× |",
		"| requests failed (not answered 200), of all sent | 2 of 2000 | 4 of 1600 | 2.50× |",
		"| requests answered, all steps | 1998 | 1596 | 0.80× |",
		"| requests sent through the activator (the others straight to a pod) | 2000 of 2000 | 10 of 1600 | – |",
		"HPA sync period 15s (Kubernetes' default), 1 steps per class (median / max over the steps):",
		"| step -> Deployment asks for the 5 pods wanted | 3.00 / 3.00 s | not reached (1) | – |",
		"| requests failed (not answered 200), of all sent | 0 of 900 | 0 of 700 | – |",
		"| requests answered, all steps | 900 | 700 | 0.78× |",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	if md := r.Markdown(); !strings.Contains(md, table) {
		t.Errorf("markdown lacks the table:\n%s", md)
	}
	// A run of one class only renders the other as not run.
	if table := (&StepResults{Wanted: 5, HPASyncs: []string{"3s"}, KPA: kpa}).Table(); !strings.Contains(table, "| KPA (kpa.autoscaling.knative.dev) | this controller (not run) |") ||
		!strings.Contains(table, "| step -> Deployment asks for the 5 pods wanted | 2.00 / 4.00 s | – | – |") {
		t.Errorf("table of the KPA alone:\n%s", table)
	}
}

func TestTimeline(t *testing.T) {
	w := &depWatch{hist: map[string][]depEvent{}}
	t0 := time.Date(2026, 12, 6, 20, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	w.hist["ns/d"] = []depEvent{
		{at(-20), depState{spec: 1, pods: 1, ready: 0}},
		{at(-10), depState{spec: 1, pods: 1, ready: 1}},
		{at(2), depState{spec: 3, pods: 1, ready: 1}},
		{at(2.5), depState{spec: 3, pods: 3, ready: 3}},
		{at(30), depState{spec: 1, pods: 1, ready: 1}},
		{at(40), depState{spec: 2, pods: 2, ready: 2}},
	}
	got := w.timeline("ns/d", t0, at(30))
	want := []Point{{0, 1, 1, 1}, {2, 3, 1, 1}, {2.5, 3, 3, 3}, {30, 1, 1, 1}}
	if len(got) != len(want) {
		t.Fatalf("timeline = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("timeline[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestBackDown(t *testing.T) {
	tl := []Point{{T: 0, Spec: 1}, {T: 5, Spec: 5}, {T: 58, Spec: 2}, {T: 59, Spec: 1}, {T: 61, Spec: 3}, {T: 66, Spec: 1}}
	for _, c := range []struct {
		name string
		tl   []Point
		hold float64
		want float64
	}{
		{"down after the hold", tl, 60, 6},
		{"down before the hold ended", tl[:4], 60, 0},
		{"down at the end of the hold, back up, down", tl, 59, 7}, // at 59 it was at 1, but back up at 61: the min that lasted counts
		{"never down", tl[:3], 30, -1},
		{"down before the hold ended, pods gone after", []Point{{T: 0, Spec: 1}, {T: 5, Spec: 5}, {T: 58, Spec: 1, Pods: 5}, {T: 60.5, Spec: 1, Pods: 1}}, 60, 0},
		{"down at the first point after the hold", tl[:4], 58.5, 0.5},
	} {
		if got := backDown(c.tl, c.hold, 1); got != c.want {
			t.Errorf("%s: backDown = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestWanted(t *testing.T) {
	for _, c := range []struct{ conc, target, min, max, want int }{
		{50, 10, 1, 10, 5},
		{51, 10, 1, 10, 6},
		{50, 10, 1, 3, 3},
		{5, 10, 2, 10, 2},
	} {
		if got := wanted(&options{concurrency: c.conc, target: c.target, minScale: c.min, maxScale: c.max}); got != c.want {
			t.Errorf("wanted(%d clients, target %d, scale %d-%d) = %d, want %d", c.conc, c.target, c.min, c.max, got, c.want)
		}
	}
}
