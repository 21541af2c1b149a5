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
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// cpuProfile saves a CPU profile of the contender (knative's profiling
// handler) for the next d.
func (r *run) cpuProfile(ctx context.Context, name string, d time.Duration) {
	secs := max(1, int(d.Seconds()))
	r.saveProfile(ctx, fmt.Sprintf("profile?seconds=%d", secs), name+".cpu.pprof", d+30*time.Second)
}

func (r *run) heapProfile(ctx context.Context) {
	r.saveProfile(ctx, "heap", "heap.pprof", 30*time.Second)
}

func (r *run) saveProfile(ctx context.Context, path, file string, timeout time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	url := fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/%s", r.proc.PprofPort, path)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.logf("profile %s: %v", url, err)
		return
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		r.logf("profile %s: %v (HTTP %d)", url, err, resp.StatusCode)
		return
	}
	name := strings.ReplaceAll(strings.ReplaceAll(r.label(), ", ", "-"), " ", "-")
	out := filepath.Join(r.opts.PprofDir, fmt.Sprintf("%s-n%d-%s", name, len(r.revs), file))
	if err := os.MkdirAll(r.opts.PprofDir, 0o755); err == nil {
		if err := os.WriteFile(out, b, 0o644); err == nil {
			r.logf("profile saved: %s", out)
		}
	}
}
