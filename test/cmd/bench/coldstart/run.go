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

package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/serving/pkg/apis/autoscaling"

	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/pkg/scaletozero"
	"github.com/serving-keda/serving-keda/pkg/translate"
	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/procstat"
	"github.com/serving-keda/serving-keda/test/deploy"
	"github.com/serving-keda/serving-keda/test/harness"
	"github.com/serving-keda/serving-keda/test/harness/prometheus"
)

// The benchmark's shortened settings, the same for both classes where they
// mean the same thing (see Settings in the results).
const (
	gracePeriod = "6s" // config-autoscaler scale-to-zero-grace-period (default 30s)
	window      = "6s" // the stable window, annotation window (default 60s; 6s is the minimum): the KPA's, and this controller's (its hold keeps a woken revision active that long, and KEDA's HPA stabilizes scale-down over it)
	kedaPolling = "1"  // KEDA's pollingInterval, seconds (default 30)
	kedaCool    = "6"  // KEDA's cooldownPeriod, seconds (default 300)
	maxScale    = "3"
	hpaSync     = "3s" // kube-controller-manager's HPA sync period (default 15s)
)

// bench is one run: the control plane, the watch on Deployments and what
// was measured.
type bench struct {
	o      *options
	e      *harness.Env
	deps   *depWatch
	client *http.Client
	begin  time.Time
	routes *publicRoutes // the step load's routes, nil: through the activator
	run    *Run          // what both scenarios record: settings, notes, load
	r      *Results      // the cold-start scenario's figures
	mu     sync.Mutex    // guards the contenders' request counts
}

func (b *bench) logf(format string, args ...any) {
	d := time.Since(b.begin).Round(time.Second)
	fmt.Printf("[%dm%02ds] %s\n", int(d.Minutes()), int(d.Seconds())%60, fmt.Sprintf(format, args...))
}

// class is one contender's ksvc shape.
type class struct {
	c *Contender
	// anns are the benchmark's template annotations, defaults those of the
	// default-settings idle measurement.
	anns, defaults map[string]string
}

func run(ctx context.Context, o *options) (*Results, error) {
	b := &bench{o: o, begin: time.Now()}
	if err := checkBinaries(); err != nil {
		return nil, err
	}
	prom, err := prometheus.Start(0) // this controller's revisions' own metric: idle
	if err != nil {
		return nil, err
	}
	defer prom.Close()
	defer harness.Cleanup()
	kpa := &class{
		c: &Contender{Name: "KPA (Serving's autoscaler)", Class: autoscaling.KPA},
		anns: map[string]string{
			autoscaling.ClassAnnotationKey:    autoscaling.KPA,
			autoscaling.MinScaleAnnotationKey: "0",
			autoscaling.MaxScaleAnnotationKey: maxScale,
			autoscaling.WindowAnnotationKey:   window,
		},
		defaults: map[string]string{
			autoscaling.ClassAnnotationKey:    autoscaling.KPA,
			autoscaling.MinScaleAnnotationKey: "0",
			autoscaling.MaxScaleAnnotationKey: maxScale,
		},
	}
	// This controller's class needs a metric that can be idle to go to
	// zero (cpu and memory never are): a Prometheus metric, here at 0.
	kedaDefaults := map[string]string{
		autoscaling.ClassAnnotationKey:           autoscaling.HPA,
		autoscaling.MetricAnnotationKey:          "http_requests",
		autoscaling.TargetAnnotationKey:          "10",
		autoscaling.MinScaleAnnotationKey:        "0",
		autoscaling.MaxScaleAnnotationKey:        maxScale,
		translate.PrometheusAddressAnnotationKey: prom.URL,
		translate.PrometheusQueryAnnotationKey:   `sum(rate(http_requests{revision="{{.Revision}}"}[1m]))`,
	}
	keda := &class{c: &Contender{Name: "this controller (autoscaler-keda, KEDA)", Class: autoscaling.HPA}, defaults: kedaDefaults}
	keda.anns = maps.Clone(kedaDefaults)
	keda.anns[translate.PollingIntervalAnnotationKey] = kedaPolling
	keda.anns[translate.CooldownPeriodAnnotationKey] = kedaCool
	keda.anns[autoscaling.WindowAnnotationKey] = window
	kpa.c.Annotations, keda.c.Annotations = kpa.anns, keda.anns

	b.r = &Results{
		Run: b.newRun("coldstart", map[string]string{
			"scale-to-zero-grace-period (config-autoscaler)":  gracePeriod,
			"stable window (annotation window, both classes)": window,
			"KEDA pollingInterval (keda-polling-interval)":    kedaPolling + "s",
			"KEDA cooldownPeriod (keda-cooldown-period)":      kedaCool + "s",
			"max-scale":                      maxScale,
			"HPA sync period":                hpaSync,
			"cold starts per class":          strconv.Itoa(o.coldStarts),
			"rounds per group woken at once": strconv.Itoa(o.wakeRounds),
			"request timeout":                o.requestTimeout.String(),
			"settle at zero before a wake":   o.settle.String(),
			"quiet period (zero for good)":   o.quiet.String() + " (" + defaultQuiet.String() + " with defaults)",
		}),
		KPA: kpa.c, KEDA: keda.c,
	}
	b.run = &b.r.Run
	defer b.finish()

	stopPlane, err := b.startPlane(ctx, hpaSync)
	if err != nil {
		return b.r, err
	}
	defer stopPlane()
	classes := []*class{kpa, keda}

	if err := b.coldStarts(ctx, classes); err != nil {
		b.note("cold starts: %v", err)
	}
	for _, n := range o.wakes {
		if ctx.Err() != nil {
			break
		}
		if err := b.wakeGroups(ctx, classes, n); err != nil {
			b.note("%d services woken at once: %v", n, err)
		}
	}
	if o.defaultIdle && ctx.Err() == nil {
		if err := b.defaultIdle(ctx, classes); err != nil {
			b.note("idle to zero with defaults: %v", err)
		}
	}
	b.checkPlane()
	return b.r, ctx.Err()
}

// newRun is the record of a run of scenario name (the command that ran
// it, the machine, the versions) with its settings; it measures the load
// average from now.
func (b *bench) newRun(name string, settings map[string]string) Run {
	return Run{
		Started: b.begin.UTC(), Command: "go run ./test/cmd/bench/coldstart " + strings.Join(os.Args[1:], " "),
		Machine: procstat.Machine(), Versions: versions(), Settings: settings,
		LoadAverage: [2]float64{procstat.LoadAvg()},
	}
}

// finish records the load average at the end and the run's duration.
func (b *bench) finish() {
	b.run.LoadAverage[1] = procstat.LoadAvg()
	b.run.DurationSeconds = round2(time.Since(b.begin).Seconds())
}

// startPlane starts the control plane both scenarios use, with the HPA
// controller syncing every hpaSync, and the watch on Deployments; the
// function it returns stops it.
func (b *bench) startPlane(ctx context.Context, hpaSync string) (func(), error) {
	o := b.o
	scalerPort, err := cluster.FreePort()
	if err != nil {
		return nil, err
	}
	scalerAddress := "127.0.0.1:" + strconv.Itoa(scalerPort)
	b.logf("starting the control plane: Serving (controller, webhook, activator, autoscaler), queue-proxy per pod, kwok, KEDA (operator, webhook, adapter), the HPA controller, autoscaler-keda")
	b.e, err = harness.Start(ctx, harness.Options{
		Cluster: cluster.Options{
			Serving: true, Kwok: true, KEDAAdapter: true, HPAController: true,
			Activator: true, QueueProxy: true, ServingAutoscaler: true,
			ControllerManagerArgs: hpaSyncArgs(hpaSync),
			KeepLogs:              o.keepLogs,
			Logf: func(format string, args ...any) {
				if !o.verbose && strings.HasPrefix(format, "queue-proxy of pod") && strings.Contains(format, " up at ") {
					return
				}
				b.logf(format, args...)
			},
		},
		Controller: deploy.Options{Env: []string{scaletozero.ScalerPortEnv + "=" + strconv.Itoa(scalerPort)}},
		Before: func(ctx context.Context, e *harness.Env) error {
			if err := e.SetConfigMap(ctx, "config-autoscaler", map[string]string{"scale-to-zero-grace-period": gracePeriod}); err != nil {
				return err
			}
			return e.SetConfigMap(ctx, config.KEDAConfigName, map[string]string{config.ActivatorScalerAddressKey: scalerAddress})
		},
		StartTimeout: 10 * time.Minute,
	})
	if err != nil {
		return nil, fmt.Errorf("starting the control plane: %w", err)
	}
	logDir := b.e.Cluster.LogDir()
	stop := func() {
		_ = b.e.Stop()
		if o.keepLogs {
			b.logf("logs kept in %s", logDir)
		}
	}
	b.logf("control plane up in %v (logs in %s)", b.e.Cluster.StartDuration.Round(time.Second), logDir)
	// A pod kwok deleted is gone at once (its address answers nothing): a
	// connection to it fails after the dial timeout, not the request's.
	b.client = &http.Client{Timeout: o.requestTimeout, Transport: &http.Transport{MaxIdleConnsPerHost: 100,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext}}
	if b.deps, err = watchDeployments(ctx, b.e.Kube); err != nil {
		stop()
		return nil, err
	}
	if b.run.LoadAverage[0] == 0 {
		b.run.LoadAverage[0] = procstat.LoadAvg()
	}
	return stop, nil
}

// hpaSyncArgs are kube-controller-manager's flags for an HPA sync period.
func hpaSyncArgs(period string) []string {
	return []string{"--horizontal-pod-autoscaler-sync-period=" + period}
}

// checkPlane notes components that exited during the run.
func (b *bench) checkPlane() {
	if err := b.e.Cluster.Healthy(); err != nil {
		b.note("components that exited during the run: %v", err)
	}
	if skipped := b.e.Cluster.SkippedServicePorts(); len(skipped) > 0 {
		b.logf("Service ports the pod namespace could not get (not needed by the KPA's probe): %d", len(skipped))
	}
}

func (b *bench) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	b.logf("NOTE: %s", msg)
	b.run.Notes = append(b.run.Notes, msg)
}

// checkBinaries names every missing binary and how to build it.
func checkBinaries() error {
	var errs []error
	if err := cluster.ServingBinaries(""); err != nil {
		errs = append(errs, err)
	}
	for _, n := range []string{cluster.Kwok, cluster.KEDAAdapter, cluster.ServingActivator, cluster.ServingAutoscaler, cluster.ServingQueue} {
		if _, err := cluster.BinaryPath("", n); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w\n(make bench-coldstart builds them)", err)
	}
	return nil
}

// versions of the components (the selected releases'), this repository's
// commit included.
func versions() map[string]string {
	v := map[string]string{}
	for label, bin := range map[string]string{
		"Knative Serving (controller, webhook, activator, autoscaler, queue-proxy)": cluster.ServingController,
		"KEDA (operator, webhook, metrics adapter)":                                 cluster.KEDAOperator,
		"kube-apiserver, kube-controller-manager":                                   cluster.KubeAPIServer,
		"etcd": cluster.Etcd,
		"kwok": cluster.Kwok,
	} {
		ver, err := cluster.Version(bin)
		if err != nil {
			ver = "unknown (" + err.Error() + ")"
		}
		v[label] = ver
	}
	root := deploy.RepoRoot()
	if out, err := exec.Command("git", "-C", root, "rev-parse", "--short", "HEAD").Output(); err == nil {
		commit := strings.TrimSpace(string(out))
		if st, err := exec.Command("git", "-C", root, "status", "--porcelain", "--", "cmd", "pkg", "config").Output(); err == nil && len(st) > 0 {
			commit += " (with uncommitted changes)"
		}
		v["autoscaler-keda (this repository)"] = commit
	}
	return v
}

// request sends one request for revision ns/rev through the activator and
// counts it for c: lost unless answered 200 by a pod.
func (b *bench) request(ctx context.Context, c *Contender, ns, rev string) (int, error) {
	code, body, err := b.get(ctx, ns, rev)
	err = answered(code, body, err)
	b.mu.Lock()
	defer b.mu.Unlock()
	c.Requests++
	if err != nil {
		c.Lost++
		c.Failures = append(c.Failures, fmt.Sprintf("%s/%s at %s: %v", ns, rev, time.Now().UTC().Format(time.RFC3339), err))
	}
	return code, err
}

// answered is nil for a request a pod answered 200 (the user container's
// "hello from <pod IP>"), else what went wrong.
func answered(code int, body string, err error) error {
	if err == nil && (code != http.StatusOK || !strings.HasPrefix(body, "hello from ")) {
		err = fmt.Errorf("%d %q", code, body)
	}
	return err
}

func (b *bench) get(ctx context.Context, ns, rev string) (int, string, error) {
	return b.e.Cluster.GetThroughActivator(ctx, b.client, ns, rev)
}

// createServices creates namespace ns and one ksvc per name with anns.
func (b *bench) createServices(ctx context.Context, ns string, names []string, anns map[string]string) error {
	if err := b.e.Cluster.CreateNamespace(ctx, ns); err != nil {
		return err
	}
	for _, name := range names {
		ksvc := harness.KnativeService(ns, name, anns)
		if _, err := b.e.Serving.ServingV1().Services(ns).Create(ctx, ksvc, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("creating ksvc %s/%s: %w", ns, name, err)
		}
	}
	return nil
}

// deleteNamespace deletes ns and does not wait.
func (b *bench) deleteNamespace(ctx context.Context, ns string) {
	if err := b.e.Kube.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
		b.logf("deleting namespace %s: %v", ns, err)
	}
}

func revisionOf(ksvc string) string { return ksvc + "-00001" }

func deploymentKey(ns, ksvc string) string { return ns + "/" + revisionOf(ksvc) + "-deployment" }

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }

func seconds(d time.Duration) float64 { return float64(d.Microseconds()) / 1e6 }
