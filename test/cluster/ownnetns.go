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

package cluster

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"syscall"
	"testing"
	"time"
)

// netnsChildEnv marks a test process that InOwnNetNamespace started.
const netnsChildEnv = "SERVING_KEDA_NETNS_CHILD"

// InOwnNetNamespace makes sure test t runs in a network namespace of its
// own, as Options.Activator needs (and which keeps Serving's fixed ports
// off the machine's): when this process shares the machine's namespace, it
// runs t alone again in a new one (unshare -n, loopback up), relays its
// output, fails t if it failed, and returns true: the caller then returns.
// In a namespace of its own already (make test-integration run under
// unshare -n, or the child itself), it returns false and t goes on.
func InOwnNetNamespace(t *testing.T) bool {
	t.Helper()
	shared, err := inSharedNetNamespace()
	if err != nil {
		t.Fatalf("reading the network interfaces: %v", err)
	}
	if !shared {
		return false
	}
	if os.Getenv(netnsChildEnv) != "" {
		t.Fatal("still in a shared network namespace after unshare -n")
	}
	for _, tool := range []string{"unshare", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s runs in a network namespace of its own, which needs %s: %v", t.Name(), tool, err)
		}
	}
	args := []string{"-n", "--", "/bin/sh", "-c", `ip link set lo up && exec "$0" "$@"`,
		os.Args[0], "-test.run", "^" + regexp.QuoteMeta(t.Name()) + "$", "-test.v", "-test.count=1"}
	if d, ok := t.Deadline(); ok {
		args = append(args, "-test.timeout", time.Until(d).Round(time.Second).String())
	}
	cmd := exec.Command("unshare", args...)
	cmd.Env = append(os.Environ(), netnsChildEnv+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	t.Logf("running %s again in a network namespace of its own (unshare -n)", t.Name())
	if err := cmd.Start(); err != nil {
		t.Fatalf("unshare -n: %v", err)
	}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		t.Log(sc.Text())
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%s in its own network namespace: %v (its output above)", t.Name(), err)
	}
	return true
}

// ProgramInOwnNetNamespace is InOwnNetNamespace for a program (make run's
// demo with its activator, the cold-start benchmark): when this process
// shares the machine's network namespace, it runs the program again, with
// its arguments, in a new one (unshare -n, loopback up, stdin, stdout and
// stderr shared), passes SIGINT and SIGTERM on to it, and returns ran
// true with the copy's exit code: the caller exits with it. In a
// namespace of its own already (the copy, or a program started under
// unshare -n), it returns ran false and the program goes on. The copy's
// network is its own: the API server it starts is reachable from another
// shell only inside it (nsenter -t <its PID> -n).
func ProgramInOwnNetNamespace() (ran bool, code int, err error) {
	shared, err := inSharedNetNamespace()
	if err != nil {
		return false, 0, fmt.Errorf("reading the network interfaces: %w", err)
	}
	if !shared {
		return false, 0, nil
	}
	if os.Getenv(netnsChildEnv) != "" {
		return false, 0, errors.New("still in a shared network namespace after unshare -n")
	}
	for _, tool := range []string{"unshare", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			return false, 0, fmt.Errorf("a network namespace of its own needs %s: %w", tool, err)
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return false, 0, err
	}
	cmd := exec.Command("unshare", append([]string{"-n", "--", "/bin/sh", "-c", `ip link set lo up && exec "$0" "$@"`, exe}, os.Args[1:]...)...)
	cmd.Env = append(os.Environ(), netnsChildEnv+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	// Ctrl-C in a terminal reaches the copy too (same process group); a
	// signal sent to this process alone (kill, timeout) is passed on, so
	// the copy stops what it started either way.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return true, 1, fmt.Errorf("unshare -n (run as root): %w", err)
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case s := <-sigs:
				_ = cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	if err := cmd.Wait(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ee.ExitCode() < 0 {
				return true, 1, fmt.Errorf("unshare -n: %w", err)
			}
			return true, ee.ExitCode(), nil
		}
		return true, 1, fmt.Errorf("unshare -n: %w", err)
	}
	return true, 0, nil
}
