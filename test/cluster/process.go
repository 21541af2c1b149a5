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
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Process is a component started by the harness, with its output (stdout and
// stderr) captured to LogPath.
type Process struct {
	Name    string
	Path    string
	Args    []string
	LogPath string

	cmd  *exec.Cmd
	log  *os.File
	done chan struct{}

	mu      sync.Mutex
	err     error
	stopped bool
	// killOnStop makes Stop a Kill: for a process whose SIGTERM starts a
	// drain longer than a test should wait (Serving's webhook fails its
	// readiness for 45 s before it exits) and that keeps no state.
	killOnStop bool
	// stopGrace is how long Stop waits after SIGTERM (0: defaultStopGrace).
	stopGrace time.Duration
}

// startProcess starts path with args; env entries ("K=V") are added to the
// test process's environment (later entries win). The child gets its own
// process group and is killed if the starting thread dies.
func startProcess(logDir, name, path string, args, env []string) (*Process, error) {
	logPath, err := uniqueLogPath(logDir, name)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(f, "# %s %s\n", path, strings.Join(args, " "))
	if len(env) > 0 {
		fmt.Fprintf(f, "# env: %s\n", strings.Join(env, " "))
	}
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = f
	cmd.Stderr = f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &Process{Name: name, Path: path, Args: args, LogPath: logPath, cmd: cmd, log: f, done: make(chan struct{})}
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		f.Close()
		close(p.done)
	}()
	return p, nil
}

func uniqueLogPath(dir, name string) (string, error) {
	base := strings.NewReplacer("/", "_", " ", "_").Replace(name)
	for i := 0; i < 1000; i++ {
		n := base
		if i > 0 {
			n = base + "-" + strconv.Itoa(i)
		}
		p := filepath.Join(dir, n+".log")
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			return p, nil
		}
	}
	return "", fmt.Errorf("too many logs named %s in %s", name, dir)
}

// PID is the process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has exited, and how.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		p.mu.Lock()
		defer p.mu.Unlock()
		return true, p.err
	default:
		return false, nil
	}
}

// defaultStopGrace is how long Stop waits after SIGTERM: controller-runtime's
// default graceful shutdown timeout (30 s), after which a manager gives up
// on its runnables and exits, and a margin for that exit. KEDA 2.21's
// operator, stopped in the middle of reconciling, took over 10 s
// (TestConfigMapChange), and after kube-apiserver was killed and restarted
// it used all 30 s (TestAPIServerKilledDuringConvergence: its manager was
// still in engageStopProcedure when SIGQUIT came at 30 s).
const defaultStopGrace = 40 * time.Second

// Stop sends SIGTERM to the process group, waits up to defaultStopGrace, then sends
// the process SIGQUIT (a Go program writes every goroutine's stack to its
// log and exits: where it hung) and after 3 s SIGKILLs the group (a
// process marked to be killed on stop gets SIGKILL at once). Stopping an
// exited process is a no-op. The exit status of a process that Stop ended
// is not an error; one that needed more than SIGTERM is.
func (p *Process) Stop() error {
	p.mu.Lock()
	p.stopped = true
	kill := p.killOnStop
	p.mu.Unlock()
	if kill {
		return p.Kill()
	}
	if done, _ := p.Exited(); done {
		return nil
	}
	grace := p.stopGrace
	if grace == 0 {
		grace = defaultStopGrace
	}
	_ = syscall.Kill(-p.PID(), syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(grace):
	}
	_ = syscall.Kill(p.PID(), syscall.SIGQUIT)
	select {
	case <-p.done:
		return fmt.Errorf("%s did not stop within %v of SIGTERM; SIGQUIT ended it (a Go program's goroutines are in %s)", p.Name, grace, p.LogPath)
	case <-time.After(3 * time.Second):
	}
	_ = syscall.Kill(-p.PID(), syscall.SIGKILL)
	select {
	case <-p.done:
		return fmt.Errorf("%s did not stop within %v of SIGTERM nor 3s of SIGQUIT; killed (log: %s)", p.Name, grace, p.LogPath)
	case <-time.After(5 * time.Second):
		return fmt.Errorf("%s (pid %d) did not die after SIGKILL", p.Name, p.PID())
	}
}

// Kill sends SIGKILL to the process group at once, as the kernel's OOM
// killer or a node failure would, and waits until it has exited. Like Stop,
// it makes the exit expected.
func (p *Process) Kill() error {
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
	if done, _ := p.Exited(); done {
		return nil
	}
	_ = syscall.Kill(-p.PID(), syscall.SIGKILL)
	select {
	case <-p.done:
		return nil
	case <-time.After(5 * time.Second):
		return fmt.Errorf("%s (pid %d) did not die after SIGKILL", p.Name, p.PID())
	}
}

// unexpectedExit is non-nil when the process exited without Stop.
func (p *Process) unexpectedExit() error {
	done, err := p.Exited()
	p.mu.Lock()
	stopped := p.stopped
	p.mu.Unlock()
	if !done || stopped {
		return nil
	}
	if err == nil {
		err = errors.New("exit status 0")
	}
	return fmt.Errorf("%s exited: %v (log: %s)", p.Name, err, p.LogPath)
}

// tailFile returns the last n lines of a file.
func tailFile(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	ring := make([]string, 0, n)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		if len(ring) == n {
			ring = ring[1:]
		}
		ring = append(ring, sc.Text())
	}
	return strings.Join(ring, "\n")
}

// rssBytes reads VmRSS of a pid from /proc.
func rssBytes(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest) // "123456 kB"
			if len(f) >= 1 {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				return kb * 1024, err
			}
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}

// childPIDs lists the direct children of this process running exe.
func childPIDs(exe string) []int {
	self := os.Getpid()
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces, so cut after ')'.
		s := string(stat)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 2 {
			continue
		}
		if ppid, _ := strconv.Atoi(f[1]); ppid != self {
			continue
		}
		if got, _ := os.Readlink(filepath.Join("/proc", e.Name(), "exe")); got == exe {
			out = append(out, pid)
		}
	}
	return out
}
