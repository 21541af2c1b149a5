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

// Package cluster runs a real, local Kubernetes control plane for integration
// tests, from binaries built by hack/build-cluster.sh (no Docker, no kind):
//
//   - etcd and kube-apiserver, started by controller-runtime's envtest, with
//     RBAC and a service-account key pair (ServiceAccount tokens work);
//   - kube-controller-manager with the deployment, replicaset,
//     garbage-collector, namespace, serviceaccount, serviceaccount-token and
//     root-ca-certificate-publisher controllers (optionally the HPA one);
//   - the CRDs of Knative Serving (PodAutoscaler, Metric, ...), networking's
//     ServerlessService and KEDA, from the module graphs of the wrapper
//     modules that build the binaries, all Established;
//   - namespaces knative-serving and keda;
//   - the KEDA operator, out of cluster;
//   - KEDA's admission webhook, registered for ScaledObjects (kedawebhook.go);
//   - with Options.Serving, Knative Serving's controller and webhook and what
//     they need (serving.go);
//   - with Options.MetricsServer, metrics-server serving metrics.k8s.io from
//     kwok's simulated usage (metricsserver.go).
//
// Which Knative and KEDA releases run is SERVING_KEDA_VERSIONS's choice
// (releases.go), the pinned pair by default. Each component's start-up is
// in its own file; the components table below lists them in start order.
//
// Pods stay Pending (there are no nodes) unless Options.Kwok runs kwok with
// a fake Node (kwok.go). Every component logs to a file in
// LogDir; KeepLogsOnFailure (or StartForTest) prints where, and the tail of
// each log, when the test fails.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Namespaces the cluster always creates.
const (
	ServingNamespace = "knative-serving"
	KEDANamespace    = "keda"
)

// Options configure Start. The zero value is a full cluster with KEDA.
type Options struct {
	// BinDir holds the binaries; default DefaultBinDir()
	// ($SERVING_KEDA_CACHE/bin or ~/.cache/serving-keda/bin).
	BinDir string
	// LogDir receives one log file per component. Default: a new directory
	// under \$SERVING_KEDA_LOG_DIR if set (kept, for CI to collect), else a
	// new temporary directory, removed by Stop unless KeepLogs is set, or by
	// KeepLogsOnFailure's clean-up if the test passed.
	LogDir string
	// KeepLogs keeps the default LogDir after Stop.
	KeepLogs bool
	// Logf reports progress and timings (t.Logf for instance); default: none.
	Logf func(format string, args ...any)

	// HPAController adds kube-controller-manager's
	// horizontal-pod-autoscaler-controller (without a metrics API it only
	// writes failing conditions on HPAs).
	HPAController bool
	// ExtraControllers are added to DefaultControllers.
	ExtraControllers []string
	// ControllerManagerArgs are extra kube-controller-manager flags.
	ControllerManagerArgs []string
	// APIServerFlags are extra or overriding kube-apiserver flags
	// (name without dashes -> value).
	APIServerFlags map[string]string

	// CRDPaths are CRD files or directories installed in addition to
	// DefaultCRDPaths.
	CRDPaths []string
	// Namespaces are created in addition to knative-serving and keda.
	Namespaces []string

	// SkipKEDA does not start the KEDA operator (its CRDs are installed).
	SkipKEDA bool
	// SkipKEDACRDs installs none of KEDA's CRDs (keda.sh, eventing.keda.sh),
	// as on a cluster without KEDA, and so starts no KEDA operator either
	// (it needs them). InstallKEDACRDs adds them later, StartKEDA the
	// operator.
	SkipKEDACRDs bool
	// KEDAEnv ("K=V") and KEDAArgs are added to the KEDA operator's
	// environment and flags, e.g. KEDA_SCALEDOBJECT_CTRL_MAX_RECONCILES=20
	// or --kube-api-qps=200.
	KEDAEnv  []string
	KEDAArgs []string
	// SkipKEDAWebhook does not start KEDA's admission webhook. By default
	// it runs, and is registered for ScaledObject creates and updates
	// (failurePolicy Fail), whenever KEDA's CRDs are installed, with or
	// without the operator, as KEDA's Helm chart installs it.
	SkipKEDAWebhook bool
	// KEDAWebhookArgs are added to the webhook's flags, e.g.
	// --cache-miss-to-direct-client (off by default, as in KEDA: the
	// webhook then reads a target Deployment from its informer cache, and
	// refuses a ScaledObject written just after its Deployment with
	// "deployments.apps ... not found" a few percent of the time here).
	KEDAWebhookArgs []string

	// Serving starts Knative Serving's controller and webhook (serving.go)
	// with their CRDs, config maps, webhook configurations and Services, so
	// that a Knative Service yields its Revision, Deployment and
	// PodAutoscaler. Their binaries are built on request only
	// (make cluster-serving).
	Serving bool
	// Kwok starts kwok with one fake Node (kwok.go) so that pods become
	// Running and Ready with an IP; the harness binds Pending pods to it,
	// and kube-controller-manager also runs KwokControllers. kwok is built
	// on request only (make cluster-serving).
	Kwok bool
	// KEDAAdapter starts KEDA's metrics adapter (adapter.go), serving
	// external.metrics.k8s.io through the API server's aggregation layer
	// from the operator's metrics; with HPAController the HPA controller
	// scales on KEDA's metrics. Built by make cluster-serving.
	KEDAAdapter bool
	// MetricsServer starts metrics-server (metricsserver.go), serving
	// metrics.k8s.io through the aggregation layer from the resource
	// metrics kwok simulates for its Node (SetKwokUsage), so that with
	// HPAController the HPA controller scales on cpu and memory. Needs
	// Kwok. Built by make cluster-serving.
	MetricsServer bool
	// Activator starts Knative's activator (activator.go), with fake pods
	// answering HTTP on the pod IPs and a stand-in for Serving's
	// autoscaler's stat sink, in network namespaces the harness makes; its
	// address goes into activator-service's Endpoints. Needs Serving and
	// Kwok, and a test running in its own network namespace. Built by make
	// cluster-serving.
	Activator bool
	// QueueProxy (with Activator) runs Serving's queue-proxy for every
	// revision pod, in a network namespace of its own at the pod's IP, in
	// front of Pods (queueproxy.go); ServingAutoscaler (with QueueProxy)
	// runs Serving's own autoscaler, the KPA class's, at the address the
	// activator reports to, in place of the stand-in stat sink
	// (servingautoscaler.go). Built on request: hack/build-cluster.sh
	// serving-queue serving-autoscaler.
	QueueProxy, ServingAutoscaler bool
	// ActivatorDefaultMetrics leaves config-observability as Serving ships
	// it (metrics-protocol unset: none), so the activator serves no
	// Prometheus metrics, as on a default install.
	ActivatorDefaultMetrics bool

	// StartTimeout bounds each component's start-up; default 60 s.
	StartTimeout time.Duration
}

// Cluster is a running local control plane.
type Cluster struct {
	opts      Options
	releases  Releases
	env       *envtest.Environment
	config    *rest.Config
	client    kubernetes.Interface
	workDir   string
	logDir    string
	ownLogDir bool

	kubeconfig string
	caFile     string

	// ControllerManager and KEDAOperator are the processes started by Start
	// (KEDAOperator is nil with SkipKEDA).
	ControllerManager *Process
	KEDAOperator      *Process
	// KEDAWebhook is KEDA's admission webhook (nil with SkipKEDAWebhook or
	// SkipKEDACRDs), KEDAWebhookURL the ScaledObject URL registered for
	// it, KEDAWebhookCertDir its ca.crt, tls.crt and tls.key,
	// KEDAWebhookMetricsAddr its Prometheus metrics (127.0.0.1:port).
	KEDAWebhook            *Process
	KEDAWebhookURL         string
	KEDAWebhookCertDir     string
	KEDAWebhookMetricsAddr string
	// KEDAMetricsServiceAddr is the KEDA operator's gRPC metrics service
	// (127.0.0.1:port), for a KEDA metrics adapter.
	KEDAMetricsServiceAddr string
	// KEDACertDir holds ca.crt, tls.crt and tls.key given to KEDA.
	KEDACertDir string
	// ServingController and ServingWebhook are Serving's processes (nil
	// without Options.Serving); ServingWebhookPort is the webhook's port on
	// 127.0.0.1, which the ExternalName Service knative-serving/webhook and
	// the webhook configurations name.
	ServingController  *Process
	ServingWebhook     *Process
	ServingWebhookPort int
	// Kwok is kwok's process (nil without Options.Kwok), KEDAAdapter
	// KEDA's metrics adapter's (nil without Options.KEDAAdapter).
	Kwok        *Process
	KEDAAdapter *Process
	// MetricsServer is metrics-server's process (nil without
	// Options.MetricsServer).
	MetricsServer *Process
	// Activator is Knative's activator (nil without Options.Activator),
	// Pods the fake pods behind it.
	Activator *Process
	Pods      *FakePods
	statSink  *statSink
	kpa       kpaState // QueueProxy and ServingAutoscaler
	// activatorArgs and activatorEnv start it again (RestartActivator).
	activatorArgs, activatorEnv []string
	// StartDuration is how long Start took.
	StartDuration time.Duration

	mu          sync.Mutex
	procs       []*Process
	files       []*os.File
	envPIDs     map[string]int // etcd and kube-apiserver, found after start
	bins        map[string]string
	apiDown     bool // kube-apiserver stopped on purpose (StopAPIServer, KillAPIServer)
	logsHandled bool
	passed      bool  // KeepLogsOnFailure saw its test pass: Stop removes the logs
	stopErr     error // what Stop returned
	stopped     bool
	stopBinder  func()      // ends kwok's pod binder
	kwokPort    int         // kwok's server, with Options.MetricsServer
	localPods   []localPods // pods run as local processes (localpods.go)
	netns       netnsState  // StartProcessInNetNS's relay (netns.go)
	closers     []io.Closer // listeners to close on Stop
}

func (o *Options) logf(format string, args ...any) {
	if o.Logf != nil {
		o.Logf(format, args...)
	}
}

// A component is one part of the control plane: the binary it runs (at
// the version the selected releases pin: Releases.Version), whether
// Options ask for it (nil: always) and its start-up, which returns once it
// is ready and lives in the component's own file.
type component struct {
	binary  string
	enabled func(o *Options) bool
	start   func(c *Cluster, ctx context.Context) error
}

// components are the control plane's parts in start order; Stop stops
// their processes in reverse order. To add one: a binary name
// (binaries.go) and its wrapper module (releases.go), an Options field, a
// start-up in a file of its own, an entry here.
var components = []component{
	// etcd is configured here; envtest starts it with the API server.
	{Etcd, nil, (*Cluster).configureEtcd},                                 // etcd.go
	{KubeAPIServer, nil, (*Cluster).startAPIServer},                       // apiserver.go
	{KubeControllerManager, nil, (*Cluster).startControllerManager},       // controllermanager.go
	{Kwok, func(o *Options) bool { return o.Kwok }, (*Cluster).startKwok}, // kwok.go
	// The webhook before the operator: it must judge the first
	// ScaledObject write, and it stops after the operator. Without KEDA's
	// CRDs it waits for StartKEDA.
	{KEDAWebhooks, func(o *Options) bool { return !o.SkipKEDACRDs && !o.SkipKEDAWebhook }, (*Cluster).startKEDAWebhook}, // kedawebhook.go
	{KEDAOperator, func(o *Options) bool { return !o.SkipKEDA }, (*Cluster).startKEDAOperator},                          // keda.go
	{KEDAAdapter, func(o *Options) bool { return o.KEDAAdapter }, (*Cluster).startKEDAAdapter},                          // adapter.go
	{MetricsServer, func(o *Options) bool { return o.MetricsServer }, (*Cluster).startMetricsServer},                    // metricsserver.go
	// Serving last, so it stops first: its controller writes nothing once
	// the rest goes.
	{ServingWebhook, func(o *Options) bool { return o.Serving }, (*Cluster).startServingWebhook},       // serving.go
	{ServingController, func(o *Options) bool { return o.Serving }, (*Cluster).startServingController}, // serving.go
	{ServingActivator, func(o *Options) bool { return o.Activator }, (*Cluster).startActivator},        // activator.go
}

// check refuses options whose components lack one they need, and applies
// the implied ones.
func (o *Options) check() error {
	if o.StartTimeout == 0 {
		o.StartTimeout = 60 * time.Second
	}
	if o.SkipKEDACRDs {
		o.SkipKEDA = true // the operator needs them
	}
	if o.KEDAAdapter && o.SkipKEDA {
		return errors.New("KEDAAdapter needs KEDA's operator (SkipKEDA or SkipKEDACRDs is set)")
	}
	if o.MetricsServer && !o.Kwok {
		return errors.New("MetricsServer needs Kwok (metrics-server scrapes kwok's Node)")
	}
	if o.Activator && (!o.Serving || !o.Kwok) {
		return errors.New("Activator needs Serving and Kwok")
	}
	return nil
}

// Start starts the control plane of the selected releases
// (SERVING_KEDA_VERSIONS, SelectedReleases), one component after the other
// (components), and returns once every component is ready and all CRDs are
// Established. On error everything started is stopped and the error names
// the log directory, which is kept.
func Start(ctx context.Context, opts Options) (_ *Cluster, retErr error) {
	begin := time.Now()
	if err := opts.check(); err != nil {
		return nil, err
	}
	releases, err := SelectedReleases()
	if err != nil {
		return nil, err
	}
	var enabled []component
	var names []string
	for _, comp := range components {
		if comp.enabled == nil || comp.enabled(&opts) {
			enabled = append(enabled, comp)
			names = append(names, comp.binary)
		}
	}
	bins, err := releases.binaries(opts.BinDir, names...)
	if err != nil {
		return nil, err
	}
	sweepOrphans()

	c := &Cluster{opts: opts, releases: releases, envPIDs: map[string]int{}, bins: bins}
	if err := c.makeDirs(); err != nil {
		return nil, err
	}
	defer func() {
		if retErr != nil {
			c.logsHandled = true // keep the logs for the caller to read
			_ = c.Stop()
			opts.logf("cluster: start failed: %v\n%s", retErr, LogReport(c.logDir, TailLines))
			retErr = fmt.Errorf("%w (logs in %s)", retErr, c.logDir)
		}
	}()
	opts.logf("cluster: %s: %s", releases, c.describe(names))
	for _, comp := range enabled {
		if err := comp.start(c, ctx); err != nil {
			return nil, err
		}
	}
	c.StartDuration = time.Since(begin)
	opts.logf("cluster: started in %v; kubeconfig %s; logs in %s", c.StartDuration.Round(time.Millisecond), c.kubeconfig, c.logDir)
	return c, nil
}

// describe names each binary with its version.
func (c *Cluster) describe(names []string) string {
	parts := make([]string, 0, len(names))
	for _, n := range names {
		v, _ := c.releases.Version(n)
		parts = append(parts, n+" "+v)
	}
	return strings.Join(parts, ", ")
}

// makeDirs makes the work directory and the log directory.
func (c *Cluster) makeDirs() error {
	var err error
	if c.workDir, err = os.MkdirTemp("", workDirPrefix); err != nil {
		return err
	}
	if err := writeOwner(c.workDir); err != nil {
		return err
	}
	c.logDir = c.opts.LogDir
	if root := os.Getenv("SERVING_KEDA_LOG_DIR"); c.logDir == "" && root != "" {
		if err := os.MkdirAll(root, 0o755); err != nil {
			return err
		}
		if c.logDir, err = os.MkdirTemp(root, "cluster-"); err != nil {
			return err
		}
	}
	if c.logDir == "" {
		if c.logDir, err = os.MkdirTemp("", "serving-keda-logs-"); err != nil {
			return err
		}
		c.ownLogDir = true
		return nil
	}
	return os.MkdirAll(c.logDir, 0o755)
}

// bin is the path of a binary resolved at Start (or by a later start-up).
func (c *Cluster) bin(name string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bins[name]
}

// resolveBin resolves a binary of the cluster's releases for a component
// started after Start (StartKEDA, StartKEDAWebhook).
func (c *Cluster) resolveBin(name string) error {
	p, err := c.releases.BinaryPath(c.opts.BinDir, name)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.bins[name] = p
	c.mu.Unlock()
	return nil
}

// Releases are the Knative and KEDA releases the cluster runs.
func (c *Cluster) Releases() Releases { return c.releases }

func (c *Cluster) openLog(name string) (*os.File, error) {
	p, err := uniqueLogPath(c.logDir, name)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.files = append(c.files, f)
	c.mu.Unlock()
	return f, nil
}

// recordEnvPIDs finds the etcd and kube-apiserver processes envtest started
// (it does not expose them) for RSS reports and orphan clean-up.
func (c *Cluster) recordEnvPIDs(bins map[string]string) {
	for _, n := range []string{Etcd, KubeAPIServer} {
		exe, err := filepath.EvalSymlinks(bins[n])
		if err != nil {
			continue
		}
		for _, pid := range childPIDs(exe) {
			if !c.knownPID(pid) {
				c.mu.Lock()
				c.envPIDs[n] = pid
				c.mu.Unlock()
				_ = appendPID(c.workDir, pid, exe)
				break
			}
		}
	}
}

func (c *Cluster) knownPID(pid int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.envPIDs {
		if p == pid {
			return true
		}
	}
	return false
}

// StartProcess starts an extra process (the controller under test, say)
// with its output in LogDir()/<name>.log; env entries ("K=V") are added to
// the test's environment. Stop stops it before the control plane.
func (c *Cluster) StartProcess(name, path string, args, env []string) (*Process, error) {
	c.mu.Lock()
	stopped := c.stopped
	c.mu.Unlock()
	if stopped {
		return nil, errors.New("cluster is stopped")
	}
	p, err := startProcess(c.logDir, name, path, args, env)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.procs = append(c.procs, p)
	c.mu.Unlock()
	if exe, err := filepath.EvalSymlinks(path); err == nil {
		_ = appendPID(c.workDir, p.PID(), exe)
	}
	return p, nil
}

// CreateNamespace creates a namespace; an existing one is fine.
func (c *Cluster) CreateNamespace(ctx context.Context, name string) error {
	_, err := c.client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating namespace %s: %w", name, err)
	}
	return nil
}

// Kubeconfig is the path of an admin (system:masters) kubeconfig.
func (c *Cluster) Kubeconfig() string { return c.kubeconfig }

// RESTConfig returns a copy of the admin rest.Config.
func (c *Cluster) RESTConfig() *rest.Config { return rest.CopyConfig(c.config) }

// Client is an admin clientset.
func (c *Cluster) Client() kubernetes.Interface { return c.client }

// LogDir holds one log file per component.
func (c *Cluster) LogDir() string { return c.logDir }

// WorkDir holds certificates, kubeconfigs and etcd's data; Stop removes it.
func (c *Cluster) WorkDir() string { return c.workDir }

// Healthy returns an error naming every component (extra processes
// included) that exited without Stop.
func (c *Cluster) Healthy() error {
	c.mu.Lock()
	procs := append([]*Process{}, c.procs...)
	c.mu.Unlock()
	var errs []error
	for _, p := range procs {
		if err := p.unexpectedExit(); err != nil {
			errs = append(errs, err)
		}
	}
	c.mu.Lock()
	envPIDs := make(map[string]int, len(c.envPIDs))
	for n, pid := range c.envPIDs {
		envPIDs[n] = pid
	}
	c.mu.Unlock()
	for n, pid := range envPIDs {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
			errs = append(errs, fmt.Errorf("%s (pid %d) is gone", n, pid))
		}
	}
	return errors.Join(errs...)
}

// RSS returns the resident memory, in bytes, of each running component
// (keyed by process name; extra processes included).
func (c *Cluster) RSS() map[string]int64 {
	out := map[string]int64{}
	c.mu.Lock()
	defer c.mu.Unlock()
	for n, pid := range c.envPIDs {
		if v, err := rssBytes(pid); err == nil {
			out[n] = v
		}
	}
	for _, p := range c.procs {
		if done, _ := p.Exited(); done {
			continue
		}
		if v, err := rssBytes(p.PID()); err == nil {
			out[filepath.Base(strings.TrimSuffix(p.LogPath, ".log"))] = v
		}
	}
	return out
}

// Stop stops every process (extra ones first, in reverse start order),
// then kube-apiserver and etcd, and removes the work directory. The log
// directory is removed only if it is the default one, neither KeepLogs
// nor KeepLogsOnFailure asked to keep it and everything stopped cleanly
// (otherwise the error names it). Stop is idempotent.
func (c *Cluster) Stop() error {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return nil
	}
	c.stopped = true
	procs := append([]*Process{}, c.procs...)
	stopBinder := c.stopBinder
	c.mu.Unlock()
	if stopBinder != nil {
		stopBinder()
	}
	c.mu.Lock()
	closers := c.closers
	c.mu.Unlock()
	for _, cl := range closers {
		_ = cl.Close()
	}
	begin := time.Now()
	defer func() { c.opts.logf("cluster: stopped in %v", time.Since(begin).Round(time.Millisecond)) }()

	var errs []error
	for i := len(procs) - 1; i >= 0; i-- {
		if err := procs[i].Stop(); err != nil {
			errs = append(errs, err)
		}
	}
	if c.env != nil {
		if err := c.env.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("stopping kube-apiserver and etcd: %w", err))
		}
	}
	for _, f := range c.files {
		f.Close()
	}
	if c.workDir != "" {
		if err := os.RemoveAll(c.workDir); err != nil {
			errs = append(errs, err)
		}
	}
	err := errors.Join(errs...)
	c.mu.Lock()
	c.stopErr = err
	removeLogs := c.ownLogDir && !c.opts.KeepLogs && (!c.logsHandled || c.passed)
	c.mu.Unlock()
	switch {
	case err != nil:
		err = fmt.Errorf("%w (logs kept in %s)", err, c.logDir)
	case removeLogs:
		_ = os.RemoveAll(c.logDir)
	}
	return err
}
