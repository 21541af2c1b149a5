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
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"
)

// When SERVING_KEDA_TEST_HANG is set, the test binary plays a component
// that ignores SIGTERM and hangs.
func init() {
	if os.Getenv("SERVING_KEDA_TEST_HANG") == "" {
		return
	}
	signal.Ignore(syscall.SIGTERM)
	os.Stdout.WriteString("hanging\n")
	for {
		time.Sleep(time.Hour)
	}
}

// A component that ignores SIGTERM is stopped with SIGQUIT, which makes a
// Go program write where it hangs into its log, and Stop says so.
func TestStopHungProcess(t *testing.T) {
	dir := t.TempDir()
	p, err := startProcess(dir, "hung", os.Args[0], []string{"-test.run=^$"}, []string{"SERVING_KEDA_TEST_HANG=1"})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(tailFile(p.LogPath, 5), "hanging") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	p.stopGrace = 300 * time.Millisecond
	err = p.Stop()
	if err == nil || !strings.Contains(err.Error(), "SIGQUIT ended it") {
		t.Errorf("Stop() = %v, want an error saying SIGQUIT ended it", err)
	}
	if log, _ := os.ReadFile(p.LogPath); !strings.Contains(string(log), "SIGQUIT") || !strings.Contains(string(log), "goroutine 1 ") {
		t.Errorf("log has no goroutine dump:\n%s", log)
	}
	if err := p.unexpectedExit(); err != nil {
		t.Errorf("a stopped process counts as exited unexpectedly: %v", err)
	}
}
