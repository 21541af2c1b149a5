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
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

// Faults for reliability tests: components that go away and come back, and
// KEDA installed after the fact.

// InstallKEDACRDs installs KEDA's CRDs (of the cluster's KEDA release) into a running
// cluster, for one started with SkipKEDACRDs, and waits until they are
// Established and served.
func (c *Cluster) InstallKEDACRDs(ctx context.Context) error {
	paths, err := c.releases.kedaCRDPaths(ctx)
	if err != nil {
		return err
	}
	// envtest logs through controller-runtime's logger; without one set,
	// controller-runtime prints a stack trace about it 30 s after start.
	ctrllog.SetLogger(logr.Discard())
	crds, err := envtest.InstallCRDs(c.RESTConfig(), envtest.CRDInstallOptions{
		Paths:              paths,
		ErrorIfPathMissing: true,
		MaxTime:            c.opts.StartTimeout,
	})
	if err != nil {
		return fmt.Errorf("installing KEDA's CRDs: %w", err)
	}
	cs, err := newAPIExtensionsClient(c.config)
	if err != nil {
		return err
	}
	return wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, c.opts.StartTimeout, true, func(ctx context.Context) (bool, error) {
		for _, crd := range crds {
			if ok, err := crdEstablished(ctx, cs, crd.Name); err != nil || !ok {
				return false, nil //nolint:nilerr // retry until timeout
			}
		}
		return true, nil
	})
}

// StartKEDA starts KEDA's operator on a cluster started without it
// (SkipKEDA, or SkipKEDACRDs once InstallKEDACRDs ran) and waits until it
// is ready. It sets KEDAOperator. Unless Options.SkipKEDAWebhook, it first
// starts KEDA's admission webhook if that is not running (a cluster
// started with SkipKEDACRDs has none yet).
func (c *Cluster) StartKEDA(ctx context.Context) error {
	if !c.opts.SkipKEDAWebhook {
		c.mu.Lock()
		w := c.KEDAWebhook
		c.mu.Unlock()
		if w == nil {
			if err := c.StartKEDAWebhook(ctx); err != nil {
				return err
			}
		}
	}
	c.mu.Lock()
	running := c.KEDAOperator != nil
	c.mu.Unlock()
	if running {
		if done, _ := c.KEDAOperator.Exited(); !done {
			return errors.New("KEDA's operator already runs")
		}
	}
	if err := c.resolveBin(KEDAOperator); err != nil {
		return err
	}
	return c.startKEDAOperator(ctx)
}

// KillAPIServer kills kube-apiserver with SIGKILL (etcd keeps running) and
// waits until it is gone. StartAPIServer starts it again.
func (c *Cluster) KillAPIServer() error {
	_, err := c.stopAPIServer(syscall.SIGKILL)
	return err
}

// StopAPIServer stops kube-apiserver with SIGTERM (etcd keeps running),
// giving it apiServerGrace to exit, then SIGKILL: kube-apiserver v1.34 can
// hang after "Shutting down" while clients keep watches open. It reports
// whether the exit was graceful. StartAPIServer starts it again.
func (c *Cluster) StopAPIServer() (graceful bool, err error) {
	return c.stopAPIServer(syscall.SIGTERM)
}

const apiServerGrace = 15 * time.Second

func (c *Cluster) stopAPIServer(sig syscall.Signal) (graceful bool, err error) {
	c.mu.Lock()
	pid, ok := c.envPIDs[KubeAPIServer]
	c.mu.Unlock()
	if !ok {
		return false, errors.New("kube-apiserver is not running")
	}
	if err := syscall.Kill(pid, sig); err != nil {
		return false, fmt.Errorf("signalling kube-apiserver (pid %d): %w", pid, err)
	}
	graceful = sig != syscall.SIGKILL
	if graceful {
		// envtest reaps the process: its pid disappears when it exits.
		deadline := time.Now().Add(apiServerGrace)
		for pidAlive(pid) && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if pidAlive(pid) {
			graceful = false
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	// envtest's Stop waits for the exit (it sends SIGTERM to a process
	// that has not exited yet); it keeps CertDir (ours) and the port for a
	// restart.
	if err := c.env.ControlPlane.APIServer.Stop(); err != nil {
		return graceful, fmt.Errorf("stopping kube-apiserver: %w", err)
	}
	c.mu.Lock()
	delete(c.envPIDs, KubeAPIServer)
	c.apiDown = true
	c.mu.Unlock()
	return graceful, nil
}

// StartAPIServer starts kube-apiserver again after StopAPIServer or
// KillAPIServer: the same binary, flags, port, certificates (so every
// kubeconfig and ServiceAccount token stays valid) and etcd. It returns once
// /readyz answers ok.
func (c *Cluster) StartAPIServer(ctx context.Context) error {
	c.mu.Lock()
	down := c.apiDown
	c.mu.Unlock()
	if !down {
		return errors.New("kube-apiserver was not stopped")
	}
	if err := c.env.ControlPlane.APIServer.Start(); err != nil {
		return fmt.Errorf("restarting kube-apiserver: %w", err)
	}
	c.mu.Lock()
	c.apiDown = false
	c.mu.Unlock()
	c.recordEnvPIDs(c.bins)
	var last error
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, c.opts.StartTimeout, true, func(ctx context.Context) (bool, error) {
		var body []byte
		body, last = c.client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return last == nil && string(body) == "ok", nil
	})
	if err != nil {
		return fmt.Errorf("kube-apiserver not ready after restart: %w (last: %v)", err, last)
	}
	return nil
}

// APIServerPID is kube-apiserver's process id, 0 while it is stopped.
func (c *Cluster) APIServerPID() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.envPIDs[KubeAPIServer]
}

// EtcdPID is the etcd process's PID (0 if unknown).
func (c *Cluster) EtcdPID() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.envPIDs[Etcd]
}

// pidAlive reports whether pid runs (a zombie counts as gone).
func pidAlive(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}
