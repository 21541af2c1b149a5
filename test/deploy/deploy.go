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

// Package deploy runs this project's controller on a local control plane
// from test/cluster, the way config/ installs it on a real one: under its
// own ServiceAccount and config/'s RBAC, so a missing permission fails a
// test, with config/'s config map and Serving's own config maps.
package deploy

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"

	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/harness/probe"
)

const (
	// SystemNamespace is where config/ installs the controller.
	SystemNamespace = "knative-serving"
	// ServiceAccount is config/'s ServiceAccount for the controller.
	ServiceAccount = "autoscaler-keda"
)

// servingConfigMaps are the Serving config maps the controller watches
// (config-autoscaler) or sharedmain reads (logging, observability, leader
// election), from Serving's own config/core/configmaps.
var servingConfigMaps = []string{"autoscaler.yaml", "logging.yaml", "observability.yaml", "leader-election.yaml"}

// RepoRoot is the project's root, found from this source file.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Build compiles cmd/autoscaler-keda into dir as a release builds it
// (.ko.yaml: ko's CGO_ENABLED=0 and -trimpath, and -s -w), so that what the
// tests and benchmarks run, and its memory, is what users run: a cgo build
// maps libc and the dynamic loader besides. It returns the binary's path.
// The go build cache makes a rebuild of unchanged code take seconds.
func Build(ctx context.Context, dir string) (string, error) {
	out := filepath.Join(dir, "autoscaler-keda")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out, "./cmd/autoscaler-keda")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.Dir = RepoRoot()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/autoscaler-keda: %w: %s", err, stderr.String())
	}
	return out, nil
}

// Install applies everything config/ holds except the Deployment and its
// Service (the controller runs as a local process instead), plus Serving's
// config maps the controller needs in the system namespace.
func Install(ctx context.Context, c *cluster.Cluster) error {
	files, err := filepath.Glob(filepath.Join(RepoRoot(), "config", "*.yaml"))
	if err != nil {
		return err
	}
	if err := applyFiles(ctx, c, files); err != nil {
		return err
	}
	return InstallServingConfigMaps(ctx, c)
}

// InstallServingConfigMaps creates Serving's config maps the controller
// needs in the system namespace (existing ones are left as they are).
func InstallServingConfigMaps(ctx context.Context, c *cluster.Cluster) error {
	serving, err := cluster.ModuleDir(ctx, "knative.dev/serving")
	if err != nil {
		return err
	}
	var files []string
	for _, f := range servingConfigMaps {
		files = append(files, filepath.Join(serving, "config", "core", "configmaps", f))
	}
	return applyFiles(ctx, c, files)
}

func applyFiles(ctx context.Context, c *cluster.Cluster, files []string) error {
	for _, f := range files {
		if err := ApplyFile(ctx, c.Client(), f); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	return nil
}

// ApplyFile creates the RBAC objects, ServiceAccounts and ConfigMaps of a
// multi-document YAML file, skipping the rest; ConfigMaps without a
// namespace go to SystemNamespace.
func ApplyFile(ctx context.Context, kube kubernetes.Interface, path string) error {
	objs, err := Objects(path)
	if err != nil {
		return err
	}
	for _, obj := range objs {
		if err := create(ctx, kube, obj); err != nil {
			return err
		}
	}
	return nil
}

// Objects decodes the Kubernetes objects of a multi-document YAML file
// (config/'s manifests).
func Objects(path string) ([]k8sruntime.Object, error) {
	return cluster.DecodeObjects(path)
}

func create(ctx context.Context, kube kubernetes.Interface, obj any) error {
	var err error
	opts := metav1.CreateOptions{}
	switch o := obj.(type) {
	case *corev1.ServiceAccount:
		_, err = kube.CoreV1().ServiceAccounts(o.Namespace).Create(ctx, o, opts)
	case *corev1.ConfigMap:
		if o.Namespace == "" {
			o.Namespace = SystemNamespace
		}
		_, err = kube.CoreV1().ConfigMaps(o.Namespace).Create(ctx, o, opts)
	case *rbacv1.ClusterRole:
		_, err = kube.RbacV1().ClusterRoles().Create(ctx, o, opts)
	case *rbacv1.ClusterRoleBinding:
		_, err = kube.RbacV1().ClusterRoleBindings().Create(ctx, o, opts)
	case *rbacv1.Role:
		_, err = kube.RbacV1().Roles(o.Namespace).Create(ctx, o, opts)
	case *rbacv1.RoleBinding:
		_, err = kube.RbacV1().RoleBindings(o.Namespace).Create(ctx, o, opts)
	default:
		return nil // Deployments and Services: the controller runs as a process
	}
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// Options tunes the controller process.
type Options struct {
	// Name tells processes apart in logs; default "autoscaler-keda".
	Name string
	// QPS and Burst are the client limits; default config/'s.
	QPS, Burst int
	// Env adds "K=V" entries to the process environment.
	Env []string
	// Args adds flags.
	Args []string
	// ProbesPort is the port the process serves /health and /readiness on
	// (env PROBES_PORT); 0 picks a free one.
	ProbesPort int
	// NoWait returns as soon as the process has started, without waiting
	// for it to start its controllers and answer its readiness probe (for
	// a controller that cannot get ready, e.g. without KEDA's CRDs).
	NoWait bool
}

// Start runs the controller binary under config/'s ServiceAccount and waits
// until it answers its readiness probe (unless opts.NoWait).
func Start(ctx context.Context, c *cluster.Cluster, binary string, opts Options) (*cluster.Process, error) {
	if opts.Name == "" {
		opts.Name = "autoscaler-keda"
	}
	kubeconfig, _, err := c.ServiceAccountKubeconfig(ctx, SystemNamespace, ServiceAccount)
	if err != nil {
		return nil, fmt.Errorf("ServiceAccount kubeconfig: %w", err)
	}
	probe := opts.ProbesPort
	if probe == 0 {
		if probe, err = cluster.FreePort(); err != nil {
			return nil, err
		}
	}
	metrics, err := cluster.FreePort()
	if err != nil {
		return nil, err
	}
	qps, burst := opts.QPS, opts.Burst
	if qps == 0 {
		qps, burst = DefaultQPS, DefaultBurst
	}
	args := append([]string{
		"--kubeconfig=" + kubeconfig,
		fmt.Sprintf("--kube-api-qps=%d", qps),
		fmt.Sprintf("--kube-api-burst=%d", burst),
	}, opts.Args...)
	env := append([]string{
		"SYSTEM_NAMESPACE=" + SystemNamespace,
		"POD_NAME=" + opts.Name,
		"CONFIG_LOGGING_NAME=config-logging",
		"CONFIG_OBSERVABILITY_NAME=config-observability",
		fmt.Sprintf("PROBES_PORT=%d", probe),
		fmt.Sprintf("METRICS_PROMETHEUS_PORT=%d", metrics),
		"PROFILING_PORT=0",
	}, opts.Env...)
	p, err := c.StartProcess(opts.Name, binary, args, env)
	if err != nil {
		return nil, err
	}
	if opts.NoWait {
		return p, nil
	}
	if err := waitReady(ctx, p, probe); err != nil {
		_ = p.Stop()
		return nil, err
	}
	return p, nil
}

// DefaultQPS and DefaultBurst are the client limits config/ ships.
const (
	DefaultQPS   = 200
	DefaultBurst = 400
)

// waitReady waits until sharedmain has synced its informers and started
// the controller (it logs "Starting controllers..." then) and the probe
// answers.
func waitReady(ctx context.Context, p *cluster.Process, port int) error {
	deadline := time.Now().Add(60 * time.Second)
	url := fmt.Sprintf("http://127.0.0.1:%d/readiness", port)
	for time.Now().Before(deadline) {
		if exited, err := p.Exited(); exited {
			return fmt.Errorf("controller exited during start-up: %v; log %s:\n%s", err, p.LogPath, tail(p.LogPath))
		}
		if started(p.LogPath) && probe.OK(ctx, url) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("controller not ready after 60s; log %s:\n%s", p.LogPath, tail(p.LogPath))
}

func started(logPath string) bool {
	b, err := os.ReadFile(logPath)
	return err == nil && bytes.Contains(b, []byte("Starting controllers..."))
}

// tail returns the last lines of a log for an error message.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	return strings.Join(lines, "\n")
}
