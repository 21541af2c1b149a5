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
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"knative.dev/serving/pkg/apis/autoscaling"

	"github.com/serving-keda/serving-keda/pkg/translate"
)

func TestParseFlags(t *testing.T) {
	o, err := parseFlags(nil, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if want := (options{interval: 5 * time.Second, wakeAfter: 5 * time.Second}); o != want {
		t.Errorf("defaults = %+v, want %+v: the load sample, as make run without flags", o, want)
	}

	o, err = parseFlags([]string{"-scale-to-zero", "-wake-after", "0", "-interval=10s"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if want := (options{interval: 10 * time.Second, scaleToZero: true}); o != want {
		t.Errorf("parseFlags = %+v, want %+v", o, want)
	}

	for _, args := range [][]string{
		{"-wake-after", "-1s"},
		{"-interval", "0s"},
		{"scale-to-zero"}, // a positional argument: the flag without its dash
		{"-no-such-flag"},
	} {
		if _, err := parseFlags(args, &bytes.Buffer{}); err == nil {
			t.Errorf("parseFlags(%q): no error", args)
		}
	}

	var usage bytes.Buffer
	if _, err := parseFlags([]string{"-h"}, &usage); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("parseFlags(-h) = %v, want flag.ErrHelp", err)
	}
	for _, f := range []string{"-scale-to-zero", "-wake-after", "-interval"} {
		if !strings.Contains(usage.String(), f) {
			t.Errorf("-h does not list %s:\n%s", f, usage.String())
		}
	}
}

// The hint the load sample prints is a command that works: make run
// passes RUN_FLAGS to the demo, and the flags in the hint select the
// scale-to-zero sample.
func TestZeroUsageWorks(t *testing.T) {
	m := regexp.MustCompile(`^make run RUN_FLAGS=(\S+)`).FindStringSubmatch(zeroUsage)
	if m == nil {
		t.Fatalf("zeroUsage %q is not `make run RUN_FLAGS=...`", zeroUsage)
	}
	o, err := parseFlags(strings.Fields(m[1]), &bytes.Buffer{})
	if err != nil || !o.scaleToZero {
		t.Errorf("RUN_FLAGS=%s parses to %+v, %v: not the scale-to-zero sample", m[1], o, err)
	}
	mk, err := os.ReadFile(filepath.Join("..", "..", "..", "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^run:.*\n(\t.*\n)*\t\$\(OUTPUT\)/local-demo \$\(RUN_FLAGS\)$`).Match(mk) {
		t.Error("the Makefile's run target does not pass $(RUN_FLAGS) to $(OUTPUT)/local-demo")
	}
	if !strings.Contains(loadBlock("/k", "/logs"), zeroUsage) {
		t.Error("the load sample does not say how to run the scale-to-zero sample")
	}
}

// What the demo prints of its settings is what it sets.
func TestZeroSettings(t *testing.T) {
	anns := zeroAnnotations("q")
	for k, want := range map[string]string{
		autoscaling.MinScaleAnnotationKey:      "0",
		translate.PollingIntervalAnnotationKey: "1",
		translate.CooldownPeriodAnnotationKey:  "5",
		translate.PrometheusQueryAnnotationKey: "q",
		autoscaling.MetricAnnotationKey:        "http_requests_per_second",
	} {
		if got := anns[k]; got != want {
			t.Errorf("annotation %s = %q, want %q", k, got, want)
		}
	}
	if got, want := settingsFor("config-autoscaler"), map[string]string{"scale-to-zero-grace-period": "6s", "stable-window": "6s"}; len(got) != len(want) ||
		got["scale-to-zero-grace-period"] != want["scale-to-zero-grace-period"] || got["stable-window"] != want["stable-window"] {
		t.Errorf("config-autoscaler = %v, want %v", got, want)
	}
	text := settingsText()
	for _, s := range zeroSettings {
		if want := s.key + " " + s.value + " (default " + s.def + ")"; !strings.Contains(text, want) {
			t.Errorf("settingsText() does not say %q:\n%s", want, text)
		}
	}
	if !strings.Contains(text, "--horizontal-pod-autoscaler-sync-period "+hpaSync) {
		t.Errorf("settingsText() does not give the HPA sync period the demo starts kube-controller-manager with (%s):\n%s", hpaSync, text)
	}
}

func TestZeroBlock(t *testing.T) {
	b := zeroBlock("/tmp/k/admin.kubeconfig", 4242, "http://10.250.0.1:8012", "/tmp/logs", 5*time.Second)
	for _, want := range []string{
		"export KUBECONFIG=/tmp/k/admin.kubeconfig",
		"nsenter -t 4242 -n kubectl get ksvc,sks,scaledobjects,hpa,pods -n demo",
		"nsenter -t 4242 -n curl -H 'Knative-Serving-Namespace: demo' -H 'Knative-Serving-Revision: sleepy-00001' http://10.250.0.1:8012/",
		"stays there 5s",
		"the activator's serving-activator.log",
	} {
		if !strings.Contains(b, want) {
			t.Errorf("zeroBlock does not contain %q:\n%s", want, b)
		}
	}
}

func TestTablesHeader(t *testing.T) {
	// The load sample's header is as before the scale-to-zero sample.
	if got, want := tablesHeader("1m05s", "demo", demoResources, false, 45), "--- [1m05s] kubectl get ksvc,scaledobjects,hpa,pods -n demo (load 45)\n"; got != want {
		t.Errorf("load sample header = %q, want %q", got, want)
	}
	if got, want := tablesHeader("0m10s", "demo", zeroResources, true, 0), "--- [0m10s] kubectl get ksvc,sks,scaledobjects,hpa,pods -n demo\n"; got != want {
		t.Errorf("scale-to-zero header = %q, want %q", got, want)
	}
}

func TestLines(t *testing.T) {
	for _, tc := range []struct{ got, want string }{{
		coldStartLine(2, 530*time.Millisecond, 860*time.Millisecond, 200, "hello from 10.244.0.1\n", nil),
		`cold start 2: request sent -> Deployment scaled 0 -> 1 after 0.53s -> answer 200 "hello from 10.244.0.1" after 0.86s`,
	}, {
		coldStartLine(3, -1, 2*time.Minute, 0, "", context.DeadlineExceeded),
		"cold start 3: FAILED after 120.00s: context deadline exceeded (Deployment scaled 0 -> 1: not seen)",
	}, {
		zeroLine(17320*time.Millisecond, "the answer", 70*time.Millisecond, "Proxy"),
		"sleepy at zero: Deployment scaled to 0 17.32s after the answer, its pod gone 0.07s later; ServerlessService mode Proxy (the activator takes the next request and holds it)",
	}, {
		zeroLine(time.Second, "the answer", 0, "Serve"),
		"sleepy at zero: Deployment scaled to 0 1.00s after the answer, its pod gone 0.00s later; ServerlessService mode Serve",
	}, {
		summaryLine([]time.Duration{3 * time.Second, time.Second}, []time.Duration{4 * time.Second, 2 * time.Second, 3 * time.Second}),
		"3 cold starts so far: answer min 2.00s, median 3.00s, max 4.00s; scaled min 1.00s, median 2.00s, max 3.00s",
	}, {
		summaryLine(nil, []time.Duration{time.Second, 2 * time.Second}),
		"2 cold starts so far: answer min 1.00s, median 1.50s, max 2.00s",
	}} {
		if tc.got != tc.want {
			t.Errorf("got\n%s\nwant\n%s", tc.got, tc.want)
		}
	}
}

func TestDepHistory(t *testing.T) {
	h := newDepHistory()
	if got := h.current(); got.spec != -1 {
		t.Errorf("current() of nothing seen = %v, want spec -1", got)
	}
	t0 := time.Now()
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	for i, ev := range []struct {
		at      time.Time
		s       depState
		changed bool
	}{
		{at(0), depState{1, 1, 1}, true},
		{at(1), depState{1, 1, 1}, false}, // the same state again: no change
		{at(10), depState{0, 1, 1}, true},
		{at(10.1), depState{0, 0, 0}, true},
		{at(15), depState{1, 0, 0}, true},
	} {
		if got := h.record(ev.at, ev.s); got != ev.changed {
			t.Errorf("record %d = %v, want %v", i, got, ev.changed)
		}
	}
	for _, tc := range []struct {
		since  time.Time
		ok     func(depState) bool
		want   time.Time
		wantOK bool
	}{
		{t0, specZero, at(10), true},
		{t0, atZero, at(10.1), true},
		{at(10.05), specZero, at(10.1), true}, // the first at or after since
		{at(10.1), atZero, at(10.1), true},
		{at(10.1), scaledUp, at(15), true},
		{at(16), scaledUp, time.Time{}, false},
	} {
		got, ok, _ := h.firstSince(tc.since, tc.ok)
		if ok != tc.wantOK || !got.Equal(tc.want) {
			t.Errorf("firstSince(%v) = %v, %v; want %v, %v", tc.since.Sub(t0), got.Sub(t0), ok, tc.want.Sub(t0), tc.wantOK)
		}
	}

	// waitFirstSince wakes on a change, gives up after its timeout
	// without an error, and returns an error only when ctx ends.
	later := at(20)
	done := make(chan struct{})
	var got time.Time
	var found bool
	go func() {
		defer close(done)
		got, found, _ = h.waitFirstSince(context.Background(), later, specZero, time.Minute)
	}()
	// Give the waiter time to block first (it passes either way if not:
	// it then finds the state at once), so that it must be woken.
	time.Sleep(50 * time.Millisecond)
	h.record(at(19), depState{0, 1, 0}) // before since: not it
	h.record(at(21), depState{0, 0, 0})
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("waitFirstSince did not return after the state it waits for was recorded")
	}
	if !found || !got.Equal(at(21)) {
		t.Errorf("waitFirstSince = %v, %v; want %v, true", got.Sub(t0), found, at(21).Sub(t0))
	}
	if _, found, err := h.waitFirstSince(context.Background(), at(22), scaledUp, 10*time.Millisecond); found || err != nil {
		t.Errorf("waitFirstSince of a state that never comes = found %v, %v; want false, nil", found, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, found, err := h.waitFirstSince(ctx, at(22), scaledUp, time.Minute); found || err == nil {
		t.Errorf("waitFirstSince with ctx ended = found %v, %v; want false, an error", found, err)
	}
}
