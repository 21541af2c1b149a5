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

// Package procstat reads what Linux's /proc says about a process and the
// machine: CPU seconds, resident memory, the Go heap a process serves on
// its metrics endpoint, other processes' CPU, the load average.
package procstat

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat:
// 100 on every Linux architecture Go supports.
const clockTicks = 100

// CPUSeconds returns the user+system CPU time a process has used.
func CPUSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// the fields after it start after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	ut, err := strconv.ParseInt(f[11], 10, 64)
	if err != nil {
		return 0, err
	}
	st, err := strconv.ParseInt(f[12], 10, 64)
	if err != nil {
		return 0, err
	}
	return float64(ut+st) / clockTicks, nil
}

// memStat is a process's resident memory from /proc/<pid>/status, in bytes.
type memStat struct {
	rss, hwm int64 // VmRSS, and VmHWM: the kernel-kept peak
	anon     int64 // RssAnon: the process's own memory (heap, stacks)
	file     int64 // RssFile: mapped file pages, mostly the binary's code and data
}

func memStatus(pid int) (memStat, error) {
	var m memStat
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return m, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		switch k {
		case "VmRSS":
			m.rss = n * 1024
		case "VmHWM":
			m.hwm = n * 1024
		case "RssAnon":
			m.anon = n * 1024
		case "RssFile":
			m.file = n * 1024
		}
	}
	return m, sc.Err()
}

// scrapeGauge reads one unlabelled sample from a Prometheus text endpoint.
func scrapeGauge(ctx context.Context, url, name string) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, name+" ") {
			return strconv.ParseFloat(strings.TrimSpace(strings.TrimPrefix(line, name)), 64)
		}
	}
	return 0, fmt.Errorf("%s: no sample %s", url, name)
}

// Sampler follows one process: resident memory (and its kernel-kept
// peak), and the Go heap in use from its metrics endpoint if it has one.
type Sampler struct {
	pid        int
	metricsURL string // "" when the process serves no metrics

	mu        sync.Mutex
	heapEvery time.Duration
	heapAt    time.Time
	peakRSS   int64
	lastRSS   int64
	peakAnon  int64
	lastAnon  int64
	lastFile  int64
	peakHeap  float64
	lastHeap  float64
	heapErr   error
	stop      chan struct{}
	done      chan struct{}
}

// NewSampler reads the process's memory every rssEvery, and its Go heap
// every heapEvery (a metrics scrape costs the process a little CPU).
func NewSampler(pid int, metricsURL string, rssEvery, heapEvery time.Duration) *Sampler {
	s := &Sampler{pid: pid, metricsURL: metricsURL, heapEvery: heapEvery, stop: make(chan struct{}), done: make(chan struct{})}
	every := rssEvery
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			s.sample(false)
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// SetHeapEvery changes how often the heap is read.
func (s *Sampler) SetHeapEvery(d time.Duration) {
	s.mu.Lock()
	s.heapEvery = d
	s.mu.Unlock()
}

func (s *Sampler) sample(forceHeap bool) {
	m, err := memStatus(s.pid)
	s.mu.Lock()
	readHeap := s.metricsURL != "" && (forceHeap || time.Since(s.heapAt) >= s.heapEvery)
	s.mu.Unlock()
	var heap float64
	var herr error
	if readHeap {
		heap, herr = scrapeGauge(context.Background(), s.metricsURL, "go_memstats_heap_alloc_bytes")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if readHeap {
		s.heapAt = time.Now()
	}
	if err == nil {
		s.lastRSS, s.lastAnon, s.lastFile = m.rss, m.anon, m.file
		s.peakRSS = max(s.peakRSS, m.hwm, m.rss)
		s.peakAnon = max(s.peakAnon, m.anon)
	}
	if readHeap {
		if herr == nil {
			s.lastHeap = heap
			s.peakHeap = max(s.peakHeap, heap)
		} else {
			s.heapErr = herr
		}
	}
}

// Snapshot returns the peak and latest RSS and heap seen so far.
func (s *Sampler) Snapshot() (peakRSS, lastRSS int64, peakHeap, lastHeap float64) {
	s.sample(true)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peakRSS, s.lastRSS, s.peakHeap, s.lastHeap
}

// Split returns the highest anonymous RSS sampled, and the latest anonymous
// and file-backed RSS.
func (s *Sampler) Split() (peakAnon, lastAnon, lastFile int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peakAnon, s.lastAnon, s.lastFile
}

// Stop stops sampling.
func (s *Sampler) Stop() {
	close(s.stop)
	<-s.done
}

// MachineBusy returns the CPU seconds all CPUs have spent busy since boot
// (/proc/stat: user, nice, system, irq, softirq, steal).
func MachineBusy() float64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	var busy int64
	for _, i := range []int{1, 2, 3, 6, 7, 8} {
		v, _ := strconv.ParseInt(f[i], 10, 64)
		busy += v
	}
	return float64(busy) / clockTicks
}

// treeCPU returns the CPU seconds used by process root and its
// descendants, the exited ones included once their parent reaped them.
func treeCPU(root int) float64 {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	type proc struct {
		ppid int
		cpu  float64
	}
	procs := map[int]proc{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 15 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		var ticks int64
		for _, j := range []int{11, 12, 13, 14} { // utime stime cutime cstime
			v, _ := strconv.ParseInt(f[j], 10, 64)
			ticks += v
		}
		procs[pid] = proc{ppid: ppid, cpu: float64(ticks) / clockTicks}
	}
	var total float64
	for pid, p := range procs {
		for q := pid; q > 1; q = procs[q].ppid {
			if q == root {
				total += p.cpu
				break
			}
			if _, ok := procs[q]; !ok {
				break
			}
		}
	}
	return total
}

// CPUMeter tells the benchmark's own CPU use (its process tree: the
// control plane, KEDA, the contender) from everything else on the machine.
type CPUMeter struct{ busy, mine float64 }

// ReadCPUMeter reads the machine's and the benchmark's CPU seconds so far.
func ReadCPUMeter() CPUMeter {
	return CPUMeter{busy: MachineBusy(), mine: treeCPU(os.Getpid())}
}

// Foreign returns the CPU seconds used by other processes since m.
func (m CPUMeter) Foreign() float64 {
	now := ReadCPUMeter()
	return max(0, (now.busy-m.busy)-(now.mine-m.mine))
}

// Mine returns the CPU seconds of the benchmark's process tree at m.
func (m CPUMeter) Mine() float64 { return m.mine }
