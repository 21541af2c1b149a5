/*
Copyright The serving-keda Authors

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

package cluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// TailLines is how many lines of each log KeepLogsOnFailure prints.
const TailLines = 50

// KeepLogsOnFailure takes charge of the log directory: when t fails, it
// reports unexpected process exits, prints the directory's path and the
// last TailLines lines of every log, and keeps it; when t passes, the
// directory, if it was a default (temporary) one, is removed once the
// cluster has stopped cleanly (at once if it has; by Stop otherwise, which
// keeps it when a component does not stop and says so in its error).
func (c *Cluster) KeepLogsOnFailure(t testing.TB) {
	c.mu.Lock()
	c.logsHandled = true
	c.mu.Unlock()
	t.Cleanup(func() {
		if !t.Failed() {
			c.mu.Lock()
			c.passed = true
			stoppedCleanly := c.stopped && c.stopErr == nil
			c.mu.Unlock()
			if stoppedCleanly && c.ownLogDir && !c.opts.KeepLogs {
				_ = os.RemoveAll(c.logDir)
			}
			return
		}
		if err := c.Healthy(); err != nil {
			t.Logf("cluster: components that exited: %v", err)
		}
		t.Log(LogReport(c.logDir, TailLines))
	})
}

// LogReport renders the path of a log directory and the last n lines of
// every *.log file in it.
func LogReport(dir string, n int) string {
	files, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	sort.Strings(files)
	var b strings.Builder
	fmt.Fprintf(&b, "cluster logs kept in %s\n", dir)
	for _, f := range files {
		fmt.Fprintf(&b, "----- %s (last %d lines) -----\n%s\n", filepath.Base(f), n, tailFile(f, n))
	}
	return b.String()
}

// StartForTest starts a cluster for t: it fails t if the cluster cannot
// start (printing the logs), stops the cluster when t ends and keeps the
// logs if t failed. Progress goes to t.Logf unless opts.Logf is set.
func StartForTest(t testing.TB, opts Options) *Cluster {
	t.Helper()
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	timeout := 3 * time.Minute
	if opts.StartTimeout > 0 {
		timeout = 3 * opts.StartTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c, err := Start(ctx, opts)
	if err != nil { // Start has reported the logs through opts.Logf
		t.Fatalf("starting the local cluster: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("stopping the local cluster: %v\n%s", err, LogReport(c.logDir, TailLines))
		}
	})
	c.KeepLogsOnFailure(t)
	return c
}
