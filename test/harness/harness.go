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

// Package harness is what every integration suite, the demo and the
// benchmark run on: an Env is a local control plane (test/cluster) with
// config/ installed (test/deploy) and this controller running as a process
// under config/'s ServiceAccount, plus admin clients for everything it
// touches. The controller binary is built once per run.
//
// A suite shares one Env between its tests (Shared, each test in its own
// namespace) and starts a dedicated one (StartForTest) for a test that
// changes cluster-wide state or kills components. The helpers wait for
// what the controller and KEDA do (Eventually, PACondition, ScaledObject,
// HPA, ...) and say, when they time out, what they saw last.
//
// Subpackages, usable on their own: apimetrics (the API server's request
// counts), prometheus (a fake Prometheus whose value the test sets) and
// probe (health and readiness endpoints).
package harness

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	kedaclientset "github.com/kedacore/keda/v2/pkg/generated/clientset/versioned"
	"k8s.io/client-go/kubernetes"
	networkingclientset "knative.dev/networking/pkg/client/clientset/versioned"
	servingclientset "knative.dev/serving/pkg/client/clientset/versioned"

	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/deploy"
)

// Options configure Start. The zero value is a full control plane with
// KEDA's operator and the controller with config/'s settings.
type Options struct {
	Cluster    cluster.Options
	Controller deploy.Options
	// NoController installs config/ but starts no controller (a test that
	// starts its own, e.g. several replicas).
	NoController bool
	// NoInstall installs nothing of config/ and starts no controller: for a
	// test that installs config/ itself as a user would (the swap test runs
	// hack/swap-autoscaler-hpa.sh). Serving's config maps the controller
	// reads are still installed.
	NoInstall bool
	// Before runs once config/ is installed, before the controller starts:
	// to change config maps it reads at start-up, or its RBAC.
	Before func(ctx context.Context, e *Env) error
	// StartTimeout bounds Start; default 5 minutes.
	StartTimeout time.Duration
}

// Env is a running control plane with config/ installed and (unless
// Options.NoController) the controller running.
type Env struct {
	Cluster *cluster.Cluster
	// Controller is the controller's process; RestartController replaces it.
	Controller *cluster.Process
	// Binary is the controller binary, for a test that starts more.
	Binary string

	// Admin clients, with limits high enough for bursts of hundreds of
	// objects (client-go's default is 5 QPS).
	Kube       kubernetes.Interface
	Serving    servingclientset.Interface
	Networking networkingclientset.Interface
	KEDA       kedaclientset.Interface
}

// Start starts an Env; on error everything it started is stopped.
func Start(ctx context.Context, opts Options) (_ *Env, err error) {
	timeout := opts.StartTimeout
	if timeout == 0 {
		timeout = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := cluster.Start(ctx, opts.Cluster)
	if err != nil {
		return nil, err
	}
	e := &Env{Cluster: c}
	defer func() {
		if err != nil {
			_ = c.Stop()
		}
	}()
	cfg := c.RESTConfig()
	cfg.QPS, cfg.Burst = 300, 600
	if e.Kube, err = kubernetes.NewForConfig(cfg); err != nil {
		return nil, err
	}
	if e.Serving, err = servingclientset.NewForConfig(cfg); err != nil {
		return nil, err
	}
	if e.Networking, err = networkingclientset.NewForConfig(cfg); err != nil {
		return nil, err
	}
	if e.KEDA, err = kedaclientset.NewForConfig(cfg); err != nil {
		return nil, err
	}
	if opts.NoInstall {
		err = deploy.InstallServingConfigMaps(ctx, c)
	} else {
		err = deploy.Install(ctx, c)
	}
	if err != nil {
		return nil, err
	}
	if e.Binary, err = ControllerBinary(ctx); err != nil {
		return nil, err
	}
	if opts.Before != nil {
		if err := opts.Before(ctx, e); err != nil {
			return nil, err
		}
	}
	if !opts.NoController && !opts.NoInstall {
		if e.Controller, err = deploy.Start(ctx, c, e.Binary, opts.Controller); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// Stop stops every process of the Env (see cluster.Cluster.Stop).
func (e *Env) Stop() error { return e.Cluster.Stop() }

// StartForTest starts an Env of t's own: it stops when t ends and keeps
// its logs, printing their tails, if t failed. Progress goes to t.Logf
// unless opts.Cluster.Logf is set.
func StartForTest(t testing.TB, opts Options) *Env {
	t.Helper()
	if opts.Cluster.Logf == nil {
		opts.Cluster.Logf = t.Logf
	}
	e, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.Stop(); err != nil {
			t.Errorf("stopping the env: %v\n%s", err, cluster.LogReport(e.Cluster.LogDir(), cluster.TailLines))
		}
	})
	e.Cluster.KeepLogsOnFailure(t)
	return e
}

// Shared is an Env that the tests of a package share, each in its own
// namespace; it starts on first use and stops in Main.
type Shared struct {
	Options Options

	mu  sync.Mutex
	env *Env
	err error
}

// Get returns the shared Env, starting it on first use; it fails t if the
// Env cannot start (then every later Get fails the same way) or one of its
// components has exited. When t fails, the tails of the logs are printed.
func (s *Shared) Get(t testing.TB) *Env {
	t.Helper()
	s.mu.Lock()
	if s.env == nil && s.err == nil {
		opts := s.Options
		if opts.Cluster.Logf == nil {
			// It outlives the test that starts it: log to stderr, not t.
			opts.Cluster.Logf = func(format string, args ...any) {
				fmt.Fprintf(os.Stderr, "shared env: "+format+"\n", args...)
			}
		}
		s.env, s.err = Start(context.Background(), opts)
	}
	e, err := s.env, s.err
	s.mu.Unlock()
	if err != nil {
		t.Fatalf("shared env: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("shared env: %s", cluster.LogReport(e.Cluster.LogDir(), 40))
		}
	})
	if err := e.Cluster.Healthy(); err != nil {
		t.Fatalf("shared env unhealthy: %v", err)
	}
	return e
}

// Stop stops the shared Env if it started.
func (s *Shared) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.env != nil {
		_ = s.env.Stop()
		s.env = nil
	}
}

// Main is a suite's TestMain: it runs the tests, stops the shared Envs and
// removes the controller binary.
func Main(m *testing.M, shared ...*Shared) {
	code := m.Run()
	for _, s := range shared {
		s.Stop()
	}
	Cleanup()
	os.Exit(code)
}

// binary is the controller binary, built once for all the Envs of a run.
var binary struct {
	once      sync.Once
	dir, path string
	err       error
}

// ControllerBinary builds cmd/autoscaler-keda on first use (seconds with a
// warm build cache) and returns its path; Cleanup removes it.
func ControllerBinary(ctx context.Context) (string, error) {
	binary.once.Do(func() {
		if binary.dir, binary.err = os.MkdirTemp("", "serving-keda-bin-"); binary.err == nil {
			binary.path, binary.err = deploy.Build(ctx, binary.dir)
		}
	})
	return binary.path, binary.err
}

// Cleanup removes what the package made outside any Env (the controller
// binary). Main calls it; a program using Start should too, before exiting.
func Cleanup() {
	if binary.dir != "" {
		_ = os.RemoveAll(binary.dir)
	}
}
