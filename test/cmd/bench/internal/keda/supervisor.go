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

// Package keda runs KEDA's operator for the benchmark (restarted when it
// crashes), or, in the played profile, plays its part: a client that
// writes the HPAs and ScaledObject status KEDA would.
package keda

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/procstat"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/waitfor"
	"github.com/serving-keda/serving-keda/test/harness/probe"
)

// Supervisor runs KEDA's operator as a kubelet would: restarted when
// it exits. KEDA v2.19.0 panics (nil Status.ScaleTargetGVKR in
// resolver.GetCurrentReplicas, kedacore/keda#7863) when its scale loop reads
// a ScaledObject from its cache before its own status patch arrived there,
// which happens when many ScaledObjects are created at once. test/cluster
// starts KEDA once; the benchmark starts it itself (SkipKEDA) to restart it.
type Supervisor struct {
	c       *cluster.Cluster
	bin     string
	args    []string
	env     []string
	logf    func(string, ...any)
	restart time.Duration

	mu       sync.Mutex
	proc     *cluster.Process
	restarts int
	deadCPU  float64 // CPU seconds of the instances that exited
	lastCPU  float64 // latest reading of the running instance
	stopping bool
	done     chan struct{}
}

// Profile is how KEDA's operator runs, or, Played, that the benchmark
// plays its part instead (player.go).
type Profile struct {
	Name   string
	Args   []string
	Env    []string
	Played bool
}

// Start starts KEDA's operator with profile p on c, and restarts it restart
// after each exit until Stop.
func Start(ctx context.Context, c *cluster.Cluster, p Profile, restart time.Duration, logf func(string, ...any)) (*Supervisor, error) {
	bin, err := cluster.BinaryPath("", cluster.KEDAOperator)
	if err != nil {
		return nil, err
	}
	certDir := filepath.Join(c.WorkDir(), "bench-keda-certs")
	if err := cluster.WriteServingCerts(certDir, "keda-operator", "keda-operator.keda", "keda-operator.keda.svc", "keda-operator.keda.svc.cluster.local", "localhost"); err != nil {
		return nil, err
	}
	var ports []int
	for len(ports) < 3 {
		pt, err := cluster.FreePort()
		if err != nil {
			return nil, err
		}
		dup := false
		for _, q := range ports {
			dup = dup || q == pt
		}
		if !dup {
			ports = append(ports, pt)
		}
	}
	health := "127.0.0.1:" + strconv.Itoa(ports[1])
	s := &Supervisor{
		c: c, bin: bin, logf: logf, restart: restart, done: make(chan struct{}),
		args: append([]string{
			"--kubeconfig=" + c.Kubeconfig(),
			"--leader-elect=false",
			"--enable-cert-rotation=false",
			"--enable-webhook-patching=false",
			"--cert-dir=" + certDir,
			"--ca-dir=" + certDir,
			"--metrics-bind-address=127.0.0.1:" + strconv.Itoa(ports[0]),
			"--health-probe-bind-address=" + health,
			"--metrics-service-bind-address=127.0.0.1:" + strconv.Itoa(ports[2]),
		}, p.Args...),
		env: append([]string{
			"WATCH_NAMESPACE=",
			"POD_NAMESPACE=" + cluster.KEDANamespace,
			"POD_NAME=keda-operator-bench",
			"KEDA_CLUSTER_OBJECT_NAMESPACE=" + cluster.KEDANamespace,
		}, p.Env...),
	}
	if err := s.start(); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(2 * time.Minute)
	for !probe.OK(ctx, "http://"+health+"/readyz") {
		if exited, err := s.current().Exited(); exited {
			return nil, fmt.Errorf("KEDA operator exited during start-up: %v; log %s", err, s.current().LogPath)
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("KEDA operator not ready after 2m; log %s", s.current().LogPath)
		}
		if err := waitfor.Sleep(ctx, 100*time.Millisecond); err != nil {
			return nil, err
		}
	}
	go s.supervise()
	return s, nil
}

func (s *Supervisor) start() error {
	p, err := s.c.StartProcess(cluster.KEDAOperator, s.bin, s.args, s.env)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.proc, s.lastCPU = p, 0
	s.mu.Unlock()
	return nil
}

func (s *Supervisor) current() *cluster.Process {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc
}

// supervise follows the running instance's CPU and restarts it when it exits.
func (s *Supervisor) supervise() {
	defer close(s.done)
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		p := s.current()
		select {
		case <-p.Done():
			s.mu.Lock()
			stopping := s.stopping
			s.deadCPU += s.lastCPU
			s.lastCPU = 0
			if !stopping {
				s.restarts++
			}
			n := s.restarts
			s.mu.Unlock()
			if stopping {
				return
			}
			_, err := p.Exited()
			s.logf("KEDA operator exited (%v; log %s): restart %d in %v", err, p.LogPath, n, s.restart)
			time.Sleep(s.restart)
			if err := s.start(); err != nil {
				s.logf("restarting KEDA operator: %v", err)
				return
			}
		case <-t.C:
			if v, err := procstat.CPUSeconds(p.PID()); err == nil {
				s.mu.Lock()
				if s.proc == p {
					s.lastCPU = v
				}
				s.mu.Unlock()
			}
		}
	}
}

// CPU returns the CPU seconds used by every instance so far.
func (s *Supervisor) CPU() float64 {
	s.mu.Lock()
	p := s.proc
	s.mu.Unlock()
	if v, err := procstat.CPUSeconds(p.PID()); err == nil {
		s.mu.Lock()
		if s.proc == p {
			s.lastCPU = v
		}
		s.mu.Unlock()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deadCPU + s.lastCPU
}

// Restarts is how many times the operator exited and was restarted.
func (s *Supervisor) Restarts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.restarts
}

// Stop stops restarting and stops the running instance.
func (s *Supervisor) Stop() {
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		return
	}
	s.stopping = true
	p := s.proc
	s.mu.Unlock()
	_ = p.Stop()
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
	}
}
