//go:build integration

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

// Package reliability proves, on the local control plane (test/harness),
// that the controller loses and duplicates nothing and writes nothing it
// need not when components fail or restart, refuses every bad input with
// a condition and an Event, and runs with least privilege. Each test
// appends its outcome to $RELIABILITY_REPORT (JSON lines), from which
// test/cmd/reliability-report renders docs/reliability.md. What a user
// sees on a healthy cluster is test/e2e's.
package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/harness"
	"github.com/serving-keda/serving-keda/test/harness/apimetrics"
)

// shared is the env without KEDA's operator that the tests which neither
// restart components nor need KEDA's HPAs share, each in its own namespace.
var shared = &harness.Shared{Options: harness.Options{Cluster: cluster.Options{SkipKEDA: true}}}

func TestMain(m *testing.M) { harness.Main(m, shared) }

// setLeaderElection is a harness.Options.Before that writes
// config-leader-election's data (read by the controller at start-up).
func setLeaderElection(data map[string]string) func(ctx context.Context, e *harness.Env) error {
	return func(ctx context.Context, e *harness.Env) error {
		return e.SetConfigMap(ctx, "config-leader-election", data)
	}
}

// scaledObjectRequests reads the API server's counts of requests to
// ScaledObjects themselves (not their status), all verbs and codes.
func scaledObjectRequests(t *testing.T, e *harness.Env) apimetrics.Counts {
	t.Helper()
	return e.APIRequests(t).Where(func(r apimetrics.Request) bool {
		return r.Resource == "scaledobjects" && r.Subresource == ""
	})
}

// logEntry is one of knative's JSON log lines.
type logEntry struct {
	Time    time.Time
	Level   string
	Message string
	Key     string
}

// readLog parses a controller's log (knative's zap JSON lines; the other
// lines are skipped).
func readLog(t *testing.T, path string) []logEntry {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []logEntry
	for _, line := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil {
			continue
		}
		var le logEntry
		le.Message, _ = m["message"].(string)
		le.Level, _ = m["severity"].(string)
		if le.Level == "" {
			le.Level, _ = m["level"].(string)
		}
		le.Key, _ = m["knative.dev/key"].(string)
		switch ts := m["timestamp"].(type) {
		case string:
			le.Time, _ = time.Parse(time.RFC3339Nano, ts)
		case float64:
			le.Time = time.Unix(0, int64(ts*1e9))
		}
		out = append(out, le)
	}
	return out
}

// creates counts, per ScaledObject name, the "Created ScaledObject" lines
// of a controller log.
func creates(t *testing.T, path string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, le := range readLog(t, path) {
		if name, ok := strings.CutPrefix(le.Message, "Created ScaledObject "); ok {
			out[strings.Trim(name, `"`)]++
		}
	}
	return out
}

// attempts counts, per ScaledObject name, the creates a controller's log
// says it sent ("Creating ScaledObject"), successful or not.
func attempts(t *testing.T, path string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, le := range readLog(t, path) {
		if name, ok := strings.CutPrefix(le.Message, "Creating ScaledObject "); ok {
			out[strings.Trim(name, `"`)]++
		}
	}
	return out
}

// logContains reports whether a log file holds s.
func logContains(path, s string) bool {
	b, err := os.ReadFile(path)
	return err == nil && bytes.Contains(b, []byte(s))
}

// pas is the number of PodAutoscalers the burst tests create:
// $RELIABILITY_PAS, default defaultPAs.
func pas(t *testing.T) int {
	t.Helper()
	v := os.Getenv("RELIABILITY_PAS")
	if v == "" {
		return defaultPAs
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("RELIABILITY_PAS=%q is not a positive number", v)
	}
	return n
}

// defaultPAs keeps the burst tests within CI's budget on 2 cores; set
// RELIABILITY_PAS=500 for the full size.
const defaultPAs = 150
