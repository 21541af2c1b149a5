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

package reliability

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/serving-keda/serving-keda/test/deploy"
	"github.com/serving-keda/serving-keda/test/reliability/row"
)

// result is what a test records for docs/reliability.md.
type result = row.Row

var reportMu sync.Mutex

// stoppedEarly is a row's result until the test records its own.
const stoppedEarly = "the test stopped before it recorded a result"

// report registers a row for t: it is appended to $RELIABILITY_REPORT (if
// set) when t ends, marked passed if t neither failed nor was skipped
// (then the row says skipped). The test fills in Result, Objects, Lost and
// Duplicated as it learns them; if it stops early, the row says so.
func report(t *testing.T, fault, how string) *result {
	t.Helper()
	begin := time.Now()
	r := &result{Test: t.Name(), Fault: fault, How: how, Result: stoppedEarly}
	t.Cleanup(func() {
		r.Skipped = t.Skipped()
		r.Passed = !t.Failed() && !r.Skipped
		if r.Skipped && r.Result == stoppedEarly {
			r.Result = "skipped"
		}
		r.Seconds = time.Since(begin).Round(100 * time.Millisecond).Seconds()
		r.When = begin.UTC().Format(time.RFC3339)
		r.Tree = tree()
		t.Logf("report: %s | %s | %s | objects %d, lost %d, duplicated %d | passed %v, skipped %v", r.Fault, r.How, r.Result, r.Objects, r.Lost, r.Duplicated, r.Passed, r.Skipped)
		path := os.Getenv("RELIABILITY_REPORT")
		if path == "" {
			return
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Errorf("report: %v", err)
			return
		}
		reportMu.Lock()
		defer reportMu.Unlock()
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			t.Errorf("report: %v", err)
			return
		}
		defer f.Close()
		if _, err := f.Write(append(b, '\n')); err != nil {
			t.Errorf("report: %v", err)
		}
	})
	return r
}

var treeOnce = sync.OnceValue(func() string {
	root := deploy.RepoRoot()
	head, err := exec.Command("git", "-C", root, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	out := strings.TrimSpace(string(head))
	// What the controller binary is built from.
	dirty, _ := exec.Command("git", "-C", root, "status", "--porcelain", "--", "cmd", "pkg", "config", "go.mod", "go.sum", "vendor").Output()
	var files []string
	for _, l := range strings.Split(strings.TrimSpace(string(dirty)), "\n") {
		if f := strings.TrimSpace(l); len(f) > 3 {
			files = append(files, strings.TrimSpace(f[2:]))
		}
	}
	if len(files) > 0 {
		out += " with uncommitted changes to " + strings.Join(files, ", ")
	}
	return out
})

// tree names the commit the controller was built from, and any
// uncommitted change to what it is built from.
func tree() string { return treeOnce() }

// quote renders a message for the report: one line, at most n bytes, in
// single quotes.
func quote(s string, n int) string {
	return "'" + shorten(strings.Join(strings.Fields(s), " "), n) + "'"
}

// shorten cuts s to n bytes.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// counts renders counts by key ("A ×2, B ×1"), or "none".
func counts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s ×%d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// TestReportOfSkippedTest: a skipped test's row says skipped, not passed
// (it proved nothing).
func TestReportOfSkippedTest(t *testing.T) {
	t.Setenv("RELIABILITY_REPORT", "") // no row of this self-check in the report
	var r *result
	t.Run("skipped", func(t *testing.T) {
		r = report(t, "a fault", "how")
		t.Skip("on purpose")
	})
	if r.Passed || !r.Skipped || r.Result != "skipped" {
		t.Errorf("row of a skipped test: passed %v, skipped %v, result %q; want false, true, skipped", r.Passed, r.Skipped, r.Result)
	}
}
