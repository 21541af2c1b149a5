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
//     ServerlessService and KEDA, from the module cache at the versions the
//     main module pins, all Established;
//   - namespaces knative-serving and keda;
//   - the KEDA operator, out of cluster;
//   - KEDA's admission webhook, registered for ScaledObjects (kedawebhook.go);
//   - with Options.Serving, Knative Serving's controller and webhook and what
//     they need (serving.go);
//   - with Options.MetricsServer, metrics-server serving metrics.k8s.io from
//     kwok's simulated usage (metricsserver.go).
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
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Namespaces the cluster always creates.
const (
	ServingNamespace = "knative-serving"
	KEDANamespace    = "keda"
)

// DefaultControllers are the kube-controller-manager controllers started.
var DefaultControllers = []string{
	"deployment-controller",
	"replicaset-controller",
	"garbage-collector-controller",
	"namespace-controller",
	"serviceaccount-controller",
	"serviceaccount-token-controller",
	"root-ca-certificate-publisher-controller",
}

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

// Start starts the control plane and returns once every component is ready
// and all CRDs are Established. On error everything started is stopped and
// the error names the log directory, which is kept.
func Start(ctx context.Context, opts Options) (_ *Cluster, retErr error) {
	begin := time.Now()
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 60 * time.Second
	}
	names := []string{Etcd, KubeAPIServer, KubeControllerManager}
	if opts.SkipKEDACRDs {
		opts.SkipKEDA = true
	}
	if !opts.SkipKEDA {
		names = append(names, KEDAOperator)
	}
	// Without KEDA's CRDs the webhook waits for StartKEDA.
	startWebhook := !opts.SkipKEDACRDs && !opts.SkipKEDAWebhook
	if startWebhook {
		names = append(names, KEDAWebhooks)
	}
	if opts.Serving {
		names = append(names, ServingWebhook, ServingController)
	}
	if opts.Kwok {
		names = append(names, Kwok)
	}
	if opts.KEDAAdapter {
		if opts.SkipKEDA {
			return nil, errors.New("KEDAAdapter needs KEDA's operator (SkipKEDA or SkipKEDACRDs is set)")
		}
		names = append(names, KEDAAdapter)
	}
	if opts.MetricsServer {
		if !opts.Kwok {
			return nil, errors.New("MetricsServer needs Kwok (metrics-server scrapes kwok's Node)")
		}
		names = append(names, MetricsServer)
	}
	if opts.Activator {
		if !opts.Serving || !opts.Kwok {
			return nil, errors.New("Activator needs Serving and Kwok")
		}
		names = append(names, ServingActivator)
	}
	bins, err := binaries(opts.BinDir, names...)
	if err != nil {
		return nil, err
	}
	sweepOrphans()

	c := &Cluster{opts: opts, envPIDs: map[string]int{}, bins: bins}
	if c.workDir, err = os.MkdirTemp("", workDirPrefix); err != nil {
		return nil, err
	}
	if err := writeOwner(c.workDir); err != nil {
		return nil, err
	}
	c.logDir = opts.LogDir
	if root := os.Getenv("SERVING_KEDA_LOG_DIR"); c.logDir == "" && root != "" {
		if err := os.MkdirAll(root, 0o755); err != nil {
			return nil, err
		}
		if c.logDir, err = os.MkdirTemp(root, "cluster-"); err != nil {
			return nil, err
		}
	}
	if c.logDir == "" {
		if c.logDir, err = os.MkdirTemp("", "serving-keda-logs-"); err != nil {
			return nil, err
		}
		c.ownLogDir = true
	} else if err := os.MkdirAll(c.logDir, 0o755); err != nil {
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

	crdPaths, err := DefaultCRDPaths(ctx)
	if err != nil {
		return nil, fmt.Errorf("finding CRDs: %w", err)
	}
	if opts.SkipKEDACRDs {
		if crdPaths, err = withoutKEDACRDs(ctx, crdPaths); err != nil {
			return nil, err
		}
	}
	if opts.Serving {
		more, err := ServingCRDPaths(ctx)
		if err != nil {
			return nil, fmt.Errorf("finding Serving's CRDs: %w", err)
		}
		crdPaths = append(crdPaths, more...)
	}
	if opts.MetricsServer {
		more, err := KwokCRDPaths(ctx)
		if err != nil {
			return nil, fmt.Errorf("finding kwok's CRDs: %w", err)
		}
		crdPaths = append(crdPaths, more...)
	}
	crdPaths = append(crdPaths, opts.CRDPaths...)

	// etcd + kube-apiserver (+ CRDs), through envtest.
	t0 := time.Now()
	etcdLog, err := c.openLog(Etcd)
	if err != nil {
		return nil, err
	}
	apiLog, err := c.openLog(KubeAPIServer)
	if err != nil {
		return nil, err
	}
	apiCertDir := filepath.Join(c.workDir, "apiserver")
	etcdDir := filepath.Join(c.workDir, "etcd")
	for _, d := range []string{apiCertDir, etcdDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	c.env = &envtest.Environment{
		ControlPlane: envtest.ControlPlane{
			Etcd: &envtest.Etcd{Path: bins[Etcd], DataDir: etcdDir, Out: etcdLog, Err: etcdLog},
			APIServer: &envtest.APIServer{
				Path: bins[KubeAPIServer], CertDir: apiCertDir, Out: apiLog, Err: apiLog,
			},
		},
		CRDInstallOptions: envtest.CRDInstallOptions{
			Paths:              crdPaths,
			ErrorIfPathMissing: true,
			MaxTime:            opts.StartTimeout,
		},
		ControlPlaneStartTimeout: opts.StartTimeout,
		ControlPlaneStopTimeout:  30 * time.Second,
	}
	// envtest already sets --authorization-mode=RBAC, the service-account
	// issuer and key pair (in CertDir), --service-cluster-ip-range and
	// disables the ServiceAccount admission plugin (fine: no pod runs);
	// these are set explicitly so the cluster does not depend on its
	// defaults.
	args := c.env.ControlPlane.GetAPIServer().Configure()
	args.Set("authorization-mode", "RBAC")
	args.Set("service-cluster-ip-range", "10.0.0.0/24")
	args.Set("endpoint-reconciler-type", "none")
	args.Set("service-account-issuer", "https://kubernetes.default.svc.cluster.local")
	args.Set("service-account-key-file", filepath.Join(apiCertDir, "sa-signer.crt"))
	args.Set("service-account-signing-key-file", filepath.Join(apiCertDir, "sa-signer.key"))
	args.Set("advertise-address", "127.0.0.1")
	apiFlags := map[string]string{}
	if opts.KEDAAdapter || opts.MetricsServer {
		if apiFlags, err = aggregationFlags(filepath.Join(c.workDir, "front-proxy")); err != nil {
			return nil, err
		}
	}
	for k, v := range opts.APIServerFlags {
		apiFlags[strings.TrimLeft(k, "-")] = v
	}
	keys := make([]string, 0, len(apiFlags))
	for k := range apiFlags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args.Set(k, apiFlags[k])
	}
	if c.config, err = c.env.Start(); err != nil {
		return nil, fmt.Errorf("starting etcd and kube-apiserver (envtest): %w", err)
	}
	c.recordEnvPIDs(bins)
	opts.logf("cluster: etcd + kube-apiserver up, %d CRDs installed in %v", len(c.env.CRDs), time.Since(t0).Round(time.Millisecond))
	if c.client, err = kubernetes.NewForConfig(c.config); err != nil {
		return nil, err
	}
	if err := c.waitCRDsEstablished(ctx); err != nil {
		return nil, err
	}
	c.kubeconfig = filepath.Join(c.workDir, "admin.kubeconfig")
	if err := os.WriteFile(c.kubeconfig, c.env.KubeConfig, 0o600); err != nil {
		return nil, err
	}
	c.caFile = filepath.Join(c.workDir, "kube-ca.crt")
	if err := os.WriteFile(c.caFile, c.config.CAData, 0o644); err != nil {
		return nil, err
	}

	// kube-controller-manager.
	t0 = time.Now()
	controllers := append(append([]string{}, DefaultControllers...), opts.ExtraControllers...)
	if opts.HPAController {
		controllers = append(controllers, "horizontal-pod-autoscaler-controller")
	}
	if opts.Serving {
		controllers = append(controllers, ServingControllers...)
	}
	if opts.Kwok {
		controllers = append(controllers, KwokControllers...)
	}
	kcmArgs := append([]string{
		"--kubeconfig=" + c.kubeconfig,
		"--leader-elect=false",
		"--secure-port=0",
		"--controllers=" + strings.Join(controllers, ","),
		"--service-account-private-key-file=" + filepath.Join(apiCertDir, "sa-signer.key"),
		"--root-ca-file=" + c.caFile,
		"--kube-api-qps=200",
		"--kube-api-burst=400",
		"--v=2",
	}, opts.ControllerManagerArgs...)
	if c.ControllerManager, err = c.StartProcess(KubeControllerManager, bins[KubeControllerManager], kcmArgs, nil); err != nil {
		return nil, err
	}
	if err := c.waitControllerManager(ctx); err != nil {
		return nil, err
	}
	opts.logf("cluster: kube-controller-manager ready in %v", time.Since(t0).Round(time.Millisecond))

	for _, ns := range append([]string{ServingNamespace, KEDANamespace}, opts.Namespaces...) {
		if err := c.CreateNamespace(ctx, ns); err != nil {
			return nil, err
		}
	}

	if opts.Kwok {
		t0 = time.Now()
		if err := c.startKwok(ctx, bins[Kwok]); err != nil {
			return nil, err
		}
		opts.logf("cluster: kwok and its Node %s ready in %v", KwokNode, time.Since(t0).Round(time.Millisecond))
	}

	// The webhook first: it must judge the first ScaledObject write, and
	// it stops after the operator (reverse start order).
	if startWebhook {
		t0 = time.Now()
		if err := c.startKEDAWebhook(ctx, bins[KEDAWebhooks]); err != nil {
			return nil, err
		}
		opts.logf("cluster: KEDA admission webhook ready and registered in %v (%s)", time.Since(t0).Round(time.Millisecond), c.KEDAWebhookURL)
	}
	if !opts.SkipKEDA {
		t0 = time.Now()
		if err := c.startKEDA(ctx, bins[KEDAOperator]); err != nil {
			return nil, err
		}
		opts.logf("cluster: KEDA operator ready in %v", time.Since(t0).Round(time.Millisecond))
	}
	if opts.KEDAAdapter {
		t0 = time.Now()
		if err := c.startKEDAAdapter(ctx, bins[KEDAAdapter]); err != nil {
			return nil, err
		}
		opts.logf("cluster: KEDA's metrics adapter available through the aggregation layer in %v", time.Since(t0).Round(time.Millisecond))
	}
	if opts.MetricsServer {
		t0 = time.Now()
		if err := c.startMetricsServer(ctx, bins[MetricsServer]); err != nil {
			return nil, err
		}
		opts.logf("cluster: metrics-server available through the aggregation layer in %v", time.Since(t0).Round(time.Millisecond))
	}
	// Serving last, so it stops first: its controller writes nothing once
	// the rest goes.
	if opts.Serving {
		if err := c.startServing(ctx, bins[ServingWebhook], bins[ServingController]); err != nil {
			return nil, err
		}
	}
	if opts.Activator {
		if err := c.startActivator(ctx, bins[ServingActivator]); err != nil {
			return nil, err
		}
	}
	c.StartDuration = time.Since(begin)
	opts.logf("cluster: started in %v; kubeconfig %s; logs in %s", c.StartDuration.Round(time.Millisecond), c.kubeconfig, c.logDir)
	return c, nil
}

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

func (c *Cluster) waitCRDsEstablished(ctx context.Context) error {
	// envtest waited for the resources to be served; also require the
	// Established condition, as a real installation would.
	cs, err := newAPIExtensionsClient(c.config)
	if err != nil {
		return err
	}
	return wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, c.opts.StartTimeout, true, func(ctx context.Context) (bool, error) {
		for _, crd := range c.env.CRDs {
			ok, err := crdEstablished(ctx, cs, crd.Name)
			if err != nil || !ok {
				return false, nil //nolint:nilerr // retry until timeout
			}
		}
		return true, nil
	})
}

func (c *Cluster) waitControllerManager(ctx context.Context) error {
	// Ready when its controllers have acted: the serviceaccount controller
	// made "default" in namespace default, and the root-ca publisher wrote
	// kube-root-ca.crt there.
	var last error
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, c.opts.StartTimeout, true, func(ctx context.Context) (bool, error) {
		if err := c.ControllerManager.unexpectedExit(); err != nil {
			return false, err
		}
		if _, last = c.client.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{}); last != nil {
			return false, nil
		}
		if _, last = c.client.CoreV1().ConfigMaps("default").Get(ctx, "kube-root-ca.crt", metav1.GetOptions{}); last != nil {
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("kube-controller-manager not ready: %w (last: %v)\n%s", err, last, tailFile(c.ControllerManager.LogPath, 20))
	}
	return nil
}

func (c *Cluster) startKEDA(ctx context.Context, bin string) error {
	c.KEDACertDir = filepath.Join(c.workDir, "keda-certs")
	ns := KEDANamespace
	if err := WriteServingCerts(c.KEDACertDir,
		"keda-operator", "keda-operator."+ns, "keda-operator."+ns+".svc", "keda-operator."+ns+".svc.cluster.local", "localhost"); err != nil {
		return err
	}
	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	probe := "127.0.0.1:" + strconv.Itoa(ports[1])
	c.KEDAMetricsServiceAddr = "127.0.0.1:" + strconv.Itoa(ports[2])
	args := append([]string{
		"--kubeconfig=" + c.kubeconfig,
		"--leader-elect=false",
		"--enable-cert-rotation=false",
		"--enable-webhook-patching=false",
		"--cert-dir=" + c.KEDACertDir,
		"--ca-dir=" + c.KEDACertDir,
		"--metrics-bind-address=127.0.0.1:" + strconv.Itoa(ports[0]),
		"--health-probe-bind-address=" + probe,
		"--metrics-service-bind-address=" + c.KEDAMetricsServiceAddr,
	}, c.opts.KEDAArgs...)
	env := append([]string{
		"WATCH_NAMESPACE=",
		"POD_NAMESPACE=" + ns,
		"POD_NAME=keda-operator-local",
		"KEDA_CLUSTER_OBJECT_NAMESPACE=" + ns,
	}, c.opts.KEDAEnv...)
	if c.KEDAOperator, err = c.StartProcess(KEDAOperator, bin, args, env); err != nil {
		return err
	}
	hc := &http.Client{Timeout: 2 * time.Second}
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, c.opts.StartTimeout, true, func(ctx context.Context) (bool, error) {
		if err := c.KEDAOperator.unexpectedExit(); err != nil {
			return false, err
		}
		resp, err := hc.Get("http://" + probe + "/readyz")
		if err != nil {
			return false, nil //nolint:nilerr // not listening yet
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
	if err != nil {
		return fmt.Errorf("KEDA operator not ready: %w\n%s", err, tailFile(c.KEDAOperator.LogPath, 20))
	}
	return nil
}

// freePorts returns n distinct free TCP ports on 127.0.0.1.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	out := make([]int, 0, n)
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}

// FreePort returns a free TCP port on 127.0.0.1 (for an extra process).
func FreePort() (int, error) {
	p, err := freePorts(1)
	if err != nil {
		return 0, err
	}
	return p[0], nil
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
// directory is removed only if it is the default one and neither KeepLogs
// nor KeepLogsOnFailure asked to keep it. Stop is idempotent.
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
	c.mu.Lock()
	removeLogs := c.ownLogDir && !c.opts.KeepLogs && !c.logsHandled
	c.mu.Unlock()
	if removeLogs {
		_ = os.RemoveAll(c.logDir)
	}
	return errors.Join(errs...)
}
