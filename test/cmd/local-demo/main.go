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

// Command local-demo is `make run`: the whole loop on one machine. It
// starts the local control plane with Knative Serving's controller and
// webhook, kwok's fake Node, KEDA's operator, admission webhook and metrics
// adapter, kube-controller-manager's HPA controller and this controller;
// applies a Knative Service of the HPA class scaled on a Prometheus metric;
// drives that metric (a fake Prometheus) up and down; and prints what
// `kubectl get ksvc,scaledobjects,hpa,pods -n demo` shows as the replicas
// follow. With -scale-to-zero it shows scale to zero instead (zero.go): a
// min-scale 0 ksvc behind Serving's activator idles to zero, and a request
// sent through the activator wakes it, each cold start timed. It runs until
// Ctrl-C, then stops everything it started.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"knative.dev/serving/pkg/apis/autoscaling"
	"knative.dev/serving/pkg/apis/serving"

	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/pkg/translate"
	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/harness"
	"github.com/serving-keda/serving-keda/test/harness/prometheus"
)

const (
	namespace  = "demo"
	service    = "hello"
	revision   = service + "-00001"
	deployment = revision + "-deployment"

	// The sample ksvc's scale: ceil(load / target) pods within [1, 5].
	target   = 10
	minScale = 1
	maxScale = 5

	// hpaSync is kube-controller-manager's HPA sync period (default 15 s).
	hpaSync = "3s"

	// stepTimeout bounds each wait for what Serving, this controller, KEDA
	// and kwok make from the ksvc (seconds each on a warm machine).
	stepTimeout = 2 * time.Minute
)

// sampleAnnotations are the sample ksvc's template annotations: the HPA
// class (harness.KnativeService sets it), a custom metric per revision
// (the fake Prometheus answers the load to this revision's query), and a
// short window and polling interval so the replicas move within seconds.
var sampleAnnotations = map[string]string{
	autoscaling.MetricAnnotationKey:        "http_requests_per_second",
	autoscaling.TargetAnnotationKey:        fmt.Sprint(target),
	autoscaling.MinScaleAnnotationKey:      fmt.Sprint(minScale),
	autoscaling.MaxScaleAnnotationKey:      fmt.Sprint(maxScale),
	autoscaling.WindowAnnotationKey:        "6s",
	translate.PrometheusQueryAnnotationKey: `sum(rate(http_requests_total{namespace="{{.Namespace}}",revision="{{.Revision}}"}[1m]))`,
	translate.PollingIntervalAnnotationKey: "2",
}

// loadProfile is the load the demo drives: a short low start, then high
// and low in turn, each long enough for the HPA to follow (a few seconds
// of KEDA polling, HPA sync and window each way).
var loadProfile = profile{
	first:  []step{{value: 5, length: 20 * time.Second}},
	repeat: []step{{value: 45, length: 60 * time.Second}, {value: 5, length: 60 * time.Second}},
}

// options are the demo's flags.
type options struct {
	interval time.Duration
	// scaleToZero runs the scale-to-zero sample (zero.go) in place of the
	// load sample.
	scaleToZero bool
	// wakeAfter is how long the scale-to-zero sample stays at zero before
	// the demo's request wakes it.
	wakeAfter time.Duration
}

// parseFlags parses the demo's command line (without the program name).
func parseFlags(args []string, output io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("local-demo", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.DurationVar(&o.interval, "interval", 5*time.Second, "how often to print the objects")
	fs.BoolVar(&o.scaleToZero, "scale-to-zero", false,
		"show scale to zero instead of the load sample: a min-scale 0 ksvc behind Serving's activator idles to zero "+
			"and a request through the activator wakes it, each cold start timed (runs as root: a network namespace of its own)")
	fs.DurationVar(&o.wakeAfter, "wake-after", 5*time.Second, "with -scale-to-zero: how long the ksvc stays at zero before the demo's request wakes it")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected arguments %q (flags only; -h lists them)", fs.Args())
	case o.interval <= 0:
		return o, fmt.Errorf("-interval %v: must be positive", o.interval)
	case o.wakeAfter < 0:
		return o, fmt.Errorf("-wake-after %v: must not be negative", o.wakeAfter)
	}
	return o, nil
}

func main() {
	o, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "local-demo:", err)
		os.Exit(2)
	}
	if o.scaleToZero {
		// The activator needs a network namespace of its own (veth pairs,
		// routes): the demo runs itself again in one, as root.
		if os.Geteuid() != 0 {
			fmt.Fprintln(os.Stderr, "local-demo: -scale-to-zero runs Serving's activator in network namespaces the demo makes (unshare -n, veth pairs): run it as root")
			os.Exit(1)
		}
		ran, code, err := cluster.ProgramInOwnNetNamespace()
		if err != nil {
			fmt.Fprintln(os.Stderr, "local-demo:", err)
			os.Exit(1)
		}
		if ran {
			os.Exit(code)
		}
	}
	// The API server's deprecation warnings (the harness writes Endpoints
	// for Serving) and Serving's warnings on the sample ksvc's defaults
	// would interleave with the demo's tables.
	rest.SetDefaultWarningHandler(rest.NoWarnings{})
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "local-demo:", err)
		os.Exit(1)
	}
}

// out serialises the demo's output: progress lines and tables come from
// several goroutines.
type out struct {
	mu    sync.Mutex
	start time.Time
}

func (o *out) logf(format string, args ...any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	fmt.Printf("[%s] ==> %s\n", elapsed(time.Since(o.start)), fmt.Sprintf(format, args...))
}

func (o *out) block(s string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	fmt.Print(s)
}

// elapsed renders a duration as 1m05s.
func elapsed(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

func run(opts options) (retErr error) {
	o := &out{start: time.Now()}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if err := checkBinaries(opts.scaleToZero); err != nil {
		return err
	}
	if !opts.scaleToZero {
		o.logf("the load sample; for scale to zero through Serving's activator, each cold start timed: %s", zeroUsage)
	}

	// The controller binary builds (seconds with a warm build cache) while
	// the control plane starts; harness.Start waits for it.
	buildCtx, cancelBuild := context.WithCancel(ctx)
	built := make(chan struct{})
	go func() {
		defer close(built)
		t0 := time.Now()
		if _, err := harness.ControllerBinary(buildCtx); err == nil {
			o.logf("autoscaler-keda built (./cmd/autoscaler-keda, as a release builds it) in %v", time.Since(t0).Round(100*time.Millisecond))
		}
	}()
	defer func() {
		cancelBuild()
		<-built
		harness.Cleanup()
	}()

	prom, err := prometheus.Start(0)
	if err != nil {
		return err
	}
	defer prom.Close()
	var load loadValue
	// Only this revision's query gets the load: a second revision (edit the
	// ksvc's template) reads 0 and stays at min-scale; the scale-to-zero
	// sample's reads 0 and idles.
	prom.SetFunc(func(query string, _ time.Time) float64 {
		if strings.Contains(query, `revision="`+revision+`"`) {
			return load.get()
		}
		return 0
	})
	o.logf("a fake Prometheus answers at %s; its value is the load", prom.URL)

	hopts := harness.Options{
		Cluster: cluster.Options{
			Serving: true, Kwok: true, KEDAAdapter: true, HPAController: true,
			ControllerManagerArgs: []string{"--horizontal-pod-autoscaler-sync-period=" + hpaSync},
			KeepLogs:              true,
			Logf: func(format string, args ...any) {
				msg := fmt.Sprintf(format, args...)
				if ctx.Err() != nil {
					// After Ctrl-C a start-up error is the interruption,
					// not worth the tails of every log it appends.
					msg, _, _ = strings.Cut(msg, "\n")
				}
				o.logf("%s", msg)
			},
		},
		Before: func(ctx context.Context, e *harness.Env) error {
			o.logf("config/ installed; starting autoscaler-keda under its ServiceAccount, prometheus-address %s", prom.URL)
			return e.SetConfigMap(ctx, config.KEDAConfigName, map[string]string{config.PrometheusAddressKey: prom.URL})
		},
	}
	if opts.scaleToZero {
		if err := withActivator(&hopts, o, prom.URL); err != nil {
			return err
		}
	} else {
		o.logf("starting the local control plane: etcd, kube-apiserver, kube-controller-manager (with the HPA controller), kwok, " +
			"KEDA's admission webhook, operator and metrics adapter, Serving's webhook and controller (about a minute warm)")
	}
	e, err := harness.Start(ctx, hopts)
	if err != nil {
		if ctx.Err() != nil {
			o.logf("interrupted during start-up; everything started is stopped")
			return nil
		}
		return err
	}
	logDir := e.Cluster.LogDir()
	defer func() {
		if ctx.Err() != nil {
			fmt.Println()
			o.logf("interrupted")
		}
		o.logf("stopping everything the demo started")
		if err := e.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "local-demo: stop:", err)
		}
		if retErr != nil && ctx.Err() == nil {
			if herr := e.Cluster.Healthy(); herr != nil {
				fmt.Fprintln(os.Stderr, "local-demo: components that exited:", herr)
			}
		}
		o.logf("stopped; the components' logs are kept in %s", logDir)
	}()
	o.logf("autoscaler-keda is ready")

	var wg sync.WaitGroup
	defer wg.Wait()
	loopCtx, cancelLoop := context.WithCancel(ctx)
	defer cancelLoop()
	resources := demoResources
	if opts.scaleToZero {
		resources = zeroResources
		deps, err := watchDeployment(loopCtx, o, e, namespace, zeroDeployment)
		if err != nil {
			return err
		}
		readyAt, err := zeroService(ctx, o, e)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		o.block(zeroBlock(e.Cluster.Kubeconfig(), os.Getpid(), e.Cluster.ActivatorURL(), logDir, opts.wakeAfter))
		wg.Add(1)
		go func() {
			defer wg.Done()
			(&coldStarts{o: o, e: e, deps: deps, wakeAfter: opts.wakeAfter}).loop(loopCtx, readyAt)
		}()
	} else {
		if err := sampleService(ctx, o, e); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		o.block(loadBlock(e.Cluster.Kubeconfig(), logDir))
		wg.Add(2)
		go func() { defer wg.Done(); driveLoad(loopCtx, o, &load) }()
		go func() { defer wg.Done(); watchReplicas(loopCtx, o, e) }()
	}

	ticker := time.NewTicker(opts.interval)
	defer ticker.Stop()
	for {
		if err := e.Cluster.Healthy(); err != nil {
			return err
		}
		text, err := getTables(ctx, e.Kube.CoreV1().RESTClient(), namespace, resources)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			o.logf("listing the objects: %v", err)
		default:
			o.block(tablesHeader(elapsed(time.Since(o.start)), namespace, resources, opts.scaleToZero, load.get()) + text + "\n")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// loadBlock is what the demo prints once the load sample runs: how to
// look at it from another shell, what the load means, and how to see
// scale to zero instead.
func loadBlock(kubeconfig, logDir string) string {
	return fmt.Sprintf(`
The whole loop runs. In another shell:

  export KUBECONFIG=%s
  kubectl get ksvc,scaledobjects,hpa,pods -n %s
  kubectl get podautoscaler %s -n %s -o yaml

Component logs: %s (the controller's is autoscaler-keda.log).
The load below is the fake Prometheus's value; the HPA wants ceil(load / %d) pods, between %d and %d.
Scale to zero through Serving's activator instead, each cold start timed: %s.
Press Ctrl-C to stop everything.

`, kubeconfig, namespace, revision, namespace, logDir, target, minScale, maxScale, zeroUsage)
}

// tablesHeader introduces a print of the tables: the kubectl command that
// prints the same, and the load (the load sample's).
func tablesHeader(at, ns string, resources []resource, scaleToZero bool, load float64) string {
	names := make([]string, len(resources))
	for i, r := range resources {
		names[i] = r.short
	}
	h := fmt.Sprintf("--- [%s] kubectl get %s -n %s", at, strings.Join(names, ","), ns)
	if !scaleToZero {
		h += fmt.Sprintf(" (load %g)", load)
	}
	return h + "\n"
}

// checkBinaries fails early, naming the make target, when a binary the
// whole loop needs is not built: with scaleToZero, the activator and
// queue-proxy too.
func checkBinaries(scaleToZero bool) error {
	var errs []error
	if err := cluster.ServingBinaries(""); err != nil {
		errs = append(errs, err)
	}
	bins := []string{cluster.Kwok, cluster.KEDAAdapter}
	if scaleToZero {
		bins = append(bins, cluster.ServingActivator, cluster.ServingQueue)
	}
	for _, b := range bins {
		if _, err := cluster.BinaryPath("", b); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w\n(make run builds them: make cluster-serving)", err)
	}
	return nil
}

// sampleService applies the load sample and reports, step by step, what
// Serving, this controller, KEDA and kwok make of it, until the revision
// is Ready.
func sampleService(ctx context.Context, o *out, e *harness.Env) error {
	_, err := applySample(ctx, o, e, service, sampleAnnotations,
		fmt.Sprintf("class %s, metric %s, target %d, scale %d-%d", autoscaling.HPA, sampleAnnotations[autoscaling.MetricAnnotationKey], target, minScale, maxScale), nil)
	return err
}

// applySample applies ksvc name with anns (what describes them) and
// reports, step by step, what Serving, this controller, KEDA and kwok make
// of it, until its first revision is Ready, and returns when it was seen
// Ready. soCheck, if set, also checks the ScaledObject and says what it
// saw.
func applySample(ctx context.Context, o *out, e *harness.Env, name string, anns map[string]string, what string,
	soCheck func(*kedav1alpha1.ScaledObject) (bool, string)) (time.Time, error) {
	rev := name + "-00001"
	if err := e.Cluster.CreateNamespace(ctx, namespace); err != nil {
		return time.Time{}, err
	}
	ksvc := harness.KnativeService(namespace, name, anns)
	if _, err := e.Serving.ServingV1().Services(namespace).Create(ctx, ksvc, metav1.CreateOptions{}); err != nil {
		return time.Time{}, fmt.Errorf("creating the sample ksvc: %w", err)
	}
	o.logf("applied ksvc %s/%s (%s); Serving's webhook admitted it", namespace, name, what)

	soStep := "autoscaler-keda wrote ScaledObject " + rev
	soSaw := "" // what soCheck saw in it
	steps := []struct {
		what string
		cond harness.Cond
	}{{
		"Serving's controller made Revision " + rev + ", its Deployment and its PodAutoscaler",
		func() (bool, string) {
			_, err := e.Serving.AutoscalingV1alpha1().PodAutoscalers(namespace).Get(ctx, rev, metav1.GetOptions{})
			return err == nil, fmt.Sprint(err)
		},
	}, {
		soStep,
		func() (bool, string) {
			so, err := e.KEDA.KedaV1alpha1().ScaledObjects(namespace).Get(ctx, rev, metav1.GetOptions{})
			if err != nil || soCheck == nil {
				return err == nil, fmt.Sprint(err)
			}
			ok, saw := soCheck(so)
			if ok {
				soSaw = saw
			}
			return ok, saw
		},
	}, {
		"KEDA's operator made HPA " + rev,
		func() (bool, string) {
			_, err := e.Kube.AutoscalingV2().HorizontalPodAutoscalers(namespace).Get(ctx, rev, metav1.GetOptions{})
			return err == nil, fmt.Sprint(err)
		},
	}, {
		"the pod is bound to kwok's Node and Running (no container runs)",
		func() (bool, string) {
			pods, err := e.Kube.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: serving.RevisionLabelKey + "=" + rev})
			if err != nil {
				return false, err.Error()
			}
			for _, p := range pods.Items {
				if p.Status.Phase == corev1.PodRunning {
					return true, ""
				}
			}
			return false, fmt.Sprintf("%d pods, none Running", len(pods.Items))
		},
	}, {
		"Revision " + rev + " is Ready (its PodAutoscaler reports KEDA's HPA)",
		func() (bool, string) {
			r, err := e.Serving.ServingV1().Revisions(namespace).Get(ctx, rev, metav1.GetOptions{})
			if err != nil {
				return false, err.Error()
			}
			c := r.Status.GetCondition("Ready")
			return c.IsTrue(), fmt.Sprintf("Ready: %+v", c)
		},
	}}
	for _, s := range steps {
		if err := harness.Poll(ctx, 200*time.Millisecond, stepTimeout, s.cond); err != nil {
			return time.Time{}, fmt.Errorf("waiting until %s: %w", s.what, err)
		}
		if s.what == soStep && soSaw != "" {
			s.what += " " + soSaw
		}
		o.logf("%s", s.what)
	}
	return time.Now(), nil
}

// loadValue is the current load, read by the fake Prometheus.
type loadValue struct {
	mu sync.Mutex
	v  float64
}

func (l *loadValue) get() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.v
}

func (l *loadValue) set(v float64) {
	l.mu.Lock()
	l.v = v
	l.mu.Unlock()
}

// driveLoad sets the load along loadProfile until ctx ends, saying what it
// sets and how many pods that asks for.
func driveLoad(ctx context.Context, o *out, load *loadValue) {
	start := time.Now()
	last := -1
	for {
		i, s := loadProfile.at(time.Since(start))
		if i != last {
			last = i
			load.set(s.value)
			o.logf("load: %g for %v (wants %d pods)", s.value, s.length, desiredPods(s.value))
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// desiredPods is what the HPA computes from the load: ceil(load / target)
// within [minScale, maxScale].
func desiredPods(load float64) int {
	n := int(math.Ceil(load / target))
	return min(max(n, minScale), maxScale)
}

// watchReplicas prints every change of the Deployment's wanted and ready
// replicas, and when the first scale-up happened.
func watchReplicas(ctx context.Context, o *out, e *harness.Env) {
	var lastSpec, lastReady int32 = -1, -1
	scaledUp := false
	for {
		d, err := e.Kube.AppsV1().Deployments(namespace).Get(ctx, deployment, metav1.GetOptions{})
		if err == nil && d.Spec.Replicas != nil {
			spec, ready := *d.Spec.Replicas, d.Status.ReadyReplicas
			if spec != lastSpec || ready != lastReady {
				o.logf("Deployment %s: %d replicas wanted, %d ready", deployment, spec, ready)
				if !scaledUp && spec > minScale && lastSpec != -1 {
					scaledUp = true
					o.logf("first scale-up (%d -> %d), %s after the demo started", lastSpec, spec, elapsed(time.Since(o.start)))
				}
				lastSpec, lastReady = spec, ready
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}
