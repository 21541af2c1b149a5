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
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// A test binary killed by a timeout panic runs no clean-up, and envtest's
// etcd and kube-apiserver do not die with it. Each work directory therefore
// records its owner (the test process) and the processes started for it;
// the next Start kills the recorded processes of dead owners, by pid, only
// if that pid still runs the recorded executable, and removes their work
// directories. Processes whose command line names the work directory (etcd's
// --data-dir, kube-apiserver's --cert-dir, every --kubeconfig) are killed
// too, which covers a test killed while envtest was still starting.

const workDirPrefix = "serving-keda-cluster-"

func writeOwner(dir string) error {
	return os.WriteFile(filepath.Join(dir, "owner"), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
}

func appendPID(dir string, pid int, exe string) error {
	f, err := os.OpenFile(filepath.Join(dir, "pids"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = fmt.Fprintf(f, "%d %s\n", pid, exe)
	return err
}

func sweepOrphans() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), workDirPrefix+"*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, "owner"))
		if err != nil {
			continue
		}
		owner, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || owner == os.Getpid() {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", owner)); err == nil {
			continue // owner alive
		}
		pids, _ := os.ReadFile(filepath.Join(dir, "pids"))
		for _, line := range strings.Split(string(pids), "\n") {
			pidStr, exe, ok := strings.Cut(line, " ")
			if !ok {
				continue
			}
			pid, err := strconv.Atoi(pidStr)
			if err != nil || pid <= 1 {
				continue
			}
			if got, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); got == exe {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		for _, pid := range pidsNaming(dir + string(os.PathSeparator)) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		_ = os.RemoveAll(dir)
	}
}

// pidsNaming lists the processes with an argument containing s.
func pidsNaming(s string) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(b), s) {
			out = append(out, pid)
		}
	}
	return out
}
