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

// The scale-to-zero sample (-scale-to-zero): a min-scale 0 ksvc of the HPA
// class on this controller, behind Serving's real activator, every pod
// answering through Serving's real queue-proxy (test/cluster's Activator
// and QueueProxy, as the zero e2e tests and the cold-start benchmark run
// them). The demo lets it idle to zero, sends one request through the
// activator as an ingress would, and times the cold start, round after
// round until Ctrl-C.

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/serving/pkg/apis/autoscaling"

	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/pkg/scaletozero"
	"github.com/serving-keda/serving-keda/pkg/translate"
	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/deploy"
	"github.com/serving-keda/serving-keda/test/harness"
)

const (
	zeroKsvc       = "sleepy"
	zeroRevision   = zeroKsvc + "-00001"
	zeroDeployment = zeroRevision + "-deployment"

	// zeroUsage is how to run this sample, printed by the load sample.
	zeroUsage = "make run RUN_FLAGS=-scale-to-zero (as root)"

	// zeroTimeout bounds a wait for zero before the demo says it is late
	// (and keeps waiting): about 20 s with the settings below.
	zeroTimeout = 2 * time.Minute
	// requestTimeout bounds a cold start's request.
	requestTimeout = 2 * time.Minute
)

// setting is one shortened scale-to-zero setting: where it is set, its
// value here and Serving's or KEDA's default.
type setting struct {
	where, key, value, def string
}

// zeroSettings are the scale-to-zero settings shortened as the zero e2e
// tests shorten them (test/e2e/zero_test.go), so a round takes seconds
// instead of minutes. The annotations and config maps are built from
// them, so what the demo prints is what it sets.
var zeroSettings = []setting{
	{"config-autoscaler", "scale-to-zero-grace-period", "6s", "30s"},
	{"config-autoscaler", "stable-window", "6s", "60s"},
	{"annotation", translate.PollingIntervalAnnotationKey, "1", "30"},
	{"annotation", translate.CooldownPeriodAnnotationKey, "5", "300"},
	{"kube-controller-manager", "--horizontal-pod-autoscaler-sync-period", hpaSync, "15s"},
}

// settingsFor returns the settings of where as a map.
func settingsFor(where string) map[string]string {
	m := map[string]string{}
	for _, s := range zeroSettings {
		if s.where == where {
			m[s.key] = s.value
		}
	}
	return m
}

// zeroAnnotations are the sample's template annotations: min-scale 0 on
// a Prometheus metric that stays at 0 (cpu and memory never idle, so KEDA
// would never scale them to zero), KEDA's polling and cooldown shortened.
func zeroAnnotations(prometheusQuery string) map[string]string {
	a := map[string]string{
		autoscaling.MetricAnnotationKey:        "http_requests_per_second",
		autoscaling.TargetAnnotationKey:        "10",
		autoscaling.MinScaleAnnotationKey:      "0",
		autoscaling.MaxScaleAnnotationKey:      "3",
		translate.PrometheusQueryAnnotationKey: prometheusQuery,
	}
	for k, v := range settingsFor("annotation") {
		a[k] = v
	}
	return a
}

// settingsText says which settings are shortened and why idle to zero is
// faster here than on a default install.
func settingsText() string {
	var parts []string
	for _, s := range zeroSettings {
		key := s.key
		if s.where != "annotation" {
			key = s.where + " " + key
		}
		parts = append(parts, fmt.Sprintf("%s %s (default %s)", key, s.value, s.def))
	}
	return "scale-to-zero settings shortened as the zero e2e tests do: " + strings.Join(parts, ", ") +
		"; idle to zero takes about 20 s here, over 5 minutes with the defaults (KEDA's cooldown alone is 300 s)"
}

// zeroResources are `kubectl get ksvc,sks,scaledobjects,hpa,pods`: the
// ServerlessService's mode says whether the activator is in the path.
var zeroResources = []resource{ksvcList, sksList, soList, hpaList, podList}

// withActivator turns the load sample's options into the scale-to-zero
// sample's: the activator, queue-proxy, this controller's external-push
// scaler for KEDA, and the shortened settings.
func withActivator(h *harness.Options, o *out, prometheusURL string) error {
	port, err := cluster.FreePort()
	if err != nil {
		return err
	}
	scalerAddress := "127.0.0.1:" + strconv.Itoa(port)
	h.Cluster.Activator, h.Cluster.QueueProxy = true, true
	h.Controller = deploy.Options{Env: []string{scaletozero.ScalerPortEnv + "=" + strconv.Itoa(port)}}
	h.Before = func(ctx context.Context, e *harness.Env) error {
		o.logf("config/ installed; starting autoscaler-keda under its ServiceAccount, prometheus-address %s, "+
			"activator-scaler-address %s (KEDA asks it whether the activator holds requests)", prometheusURL, scalerAddress)
		if err := e.SetConfigMap(ctx, "config-autoscaler", settingsFor("config-autoscaler")); err != nil {
			return err
		}
		return e.SetConfigMap(ctx, config.KEDAConfigName, map[string]string{
			config.PrometheusAddressKey:      prometheusURL,
			config.ActivatorScalerAddressKey: scalerAddress,
		})
	}
	o.logf("the scale-to-zero sample, in a network namespace of its own (Serving's activator needs one)")
	o.logf("%s", settingsText())
	o.logf("starting the local control plane: etcd, kube-apiserver, kube-controller-manager (with the HPA controller), kwok, " +
		"KEDA's admission webhook, operator and metrics adapter, Serving's webhook, controller and activator, " +
		"and Serving's queue-proxy for every pod (about a minute warm)")
	return nil
}

// zeroService applies the scale-to-zero sample and waits until its
// revision is Ready; it returns when that was seen.
func zeroService(ctx context.Context, o *out, e *harness.Env) (time.Time, error) {
	query := `sum(rate(http_requests_total{namespace="{{.Namespace}}",revision="{{.Revision}}"}[1m]))`
	anns := zeroAnnotations(query)
	return applySample(ctx, o, e, zeroKsvc, anns,
		fmt.Sprintf("class %s, min-scale 0, max-scale %s, metric %s at 0: idle", autoscaling.HPA,
			anns[autoscaling.MaxScaleAnnotationKey], anns[autoscaling.MetricAnnotationKey]),
		func(so *kedav1alpha1.ScaledObject) (bool, string) {
			for _, t := range so.Spec.Triggers {
				if t.Type == translate.DemandTriggerType {
					return true, fmt.Sprintf("(min %d: its %s trigger reads the activator's held requests from autoscaler-keda at %s)",
						ptrOr(so.Spec.MinReplicaCount, -1), t.Type, t.Metadata[translate.DemandScalerAddressKey])
				}
			}
			return false, "no " + translate.DemandTriggerType + " trigger yet"
		})
}

func ptrOr(p *int32, def int32) int32 {
	if p == nil {
		return def
	}
	return *p
}

// zeroBlock is what the demo prints once the scale-to-zero sample runs:
// how to look at it from another shell (inside the demo's network
// namespace, whose process is pid) and what each round does.
func zeroBlock(kubeconfig string, pid int, activatorURL, logDir string, wakeAfter time.Duration) string {
	return fmt.Sprintf(`
The scale-to-zero loop runs. The demo has a network namespace of its own (the activator needs one):
from another shell, enter it to reach the API server and the activator (as root):

  export KUBECONFIG=%s
  nsenter -t %d -n kubectl get %s -n %s
  nsenter -t %d -n curl -H '%s: %s' -H '%s: %s' %s/

Component logs: %s (the controller's is autoscaler-keda.log, the activator's %s.log).
Each round: %s idles to zero, stays there %v, then the demo sends GET / through the activator, as an
ingress would, and prints the cold start: request sent -> Deployment scaled 0 -> 1 -> the answer (the
app behind Serving's queue-proxy). Again and again, until Ctrl-C stops everything.

`, kubeconfig, pid, shortNames(zeroResources), namespace,
		pid, cluster.ActivatorNamespaceHeader, namespace, cluster.ActivatorRevisionHeader, zeroRevision, activatorURL,
		logDir, cluster.ServingActivator, zeroKsvc, wakeAfter)
}

func shortNames(rs []resource) string {
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = r.short
	}
	return strings.Join(names, ",")
}

// coldStarts is the scale-to-zero sample's loop.
type coldStarts struct {
	o         *out
	e         *harness.Env
	deps      *depHistory
	wakeAfter time.Duration
	answers   []time.Duration // of the cold starts answered 200
	scaled    []time.Duration
}

// loop waits, round after round, until the revision is at zero (counted
// from since: the Revision Ready, then each answer), keeps it there for
// wakeAfter and wakes it with one request, until ctx ends.
func (c *coldStarts) loop(ctx context.Context, readyAt time.Time) {
	since, after := readyAt, "the Revision was Ready (no request yet)"
	for n := 1; ctx.Err() == nil; {
		zeroAt, found, err := c.deps.waitFirstSince(ctx, since, specZero, zeroTimeout)
		if err != nil {
			return
		}
		if !found {
			c.o.logf("%s is not at zero %v after %s (now %v); still waiting", zeroDeployment, zeroTimeout, after, c.deps.current())
			since = time.Now()
			continue
		}
		goneAt, _, err := c.deps.waitFirstSince(ctx, zeroAt, atZero, zeroTimeout)
		if err != nil {
			return
		}
		c.o.logf("%s", zeroLine(zeroAt.Sub(since), after, goneAt.Sub(zeroAt), c.sksMode(ctx)))
		// Held at zero for wakeAfter, unless it comes up by itself.
		upAt, up, err := c.deps.waitFirstSince(ctx, goneAt, scaledUp, c.wakeAfter)
		if err != nil {
			return
		}
		if up {
			c.o.logf("%s scaled up from zero before the demo's request (a request from elsewhere, or none); waiting for zero again", zeroDeployment)
			since, after = upAt, "that scale-up"
			continue
		}
		c.o.logf("cold start %d: GET / through the activator (%s: %s)", n, cluster.ActivatorRevisionHeader, zeroRevision)
		t0 := time.Now()
		code, body, rerr := c.request(ctx)
		answered := time.Now()
		if ctx.Err() != nil {
			return
		}
		scaled := time.Duration(-1)
		if at, ok, _ := c.deps.waitFirstSince(ctx, t0, scaledUp, 10*time.Second); ok {
			scaled = at.Sub(t0)
		}
		if rerr == nil && code != http.StatusOK {
			rerr = fmt.Errorf("answered %d %q", code, body)
		}
		if rerr == nil {
			c.answers = append(c.answers, answered.Sub(t0))
			if scaled >= 0 {
				c.scaled = append(c.scaled, scaled)
			}
		}
		c.o.logf("%s", coldStartLine(n, scaled, answered.Sub(t0), code, body, rerr))
		if len(c.answers) > 1 {
			c.o.logf("%s", summaryLine(c.scaled, c.answers))
		}
		n++
		since, after = answered, "the answer"
	}
}

// request sends GET / to the sample's revision through the activator,
// with the headers Serving's ingress sets.
func (c *coldStarts) request(ctx context.Context) (int, string, error) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	return c.e.Cluster.GetThroughActivator(ctx, nil, namespace, zeroRevision)
}

// sksMode is the revision's ServerlessService mode: Proxy puts the
// activator in the request path.
func (c *coldStarts) sksMode(ctx context.Context) string {
	sks, err := c.e.Networking.NetworkingV1alpha1().ServerlessServices(namespace).Get(ctx, zeroRevision, metav1.GetOptions{})
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	return string(sks.Spec.Mode)
}

// zeroLine reports a revision at zero: how long idle took (after what),
// how long its pods took to go, and the ServerlessService's mode.
func zeroLine(idle time.Duration, after string, podsGone time.Duration, mode string) string {
	s := fmt.Sprintf("%s at zero: Deployment scaled to 0 %s after %s, its pod gone %s later; ServerlessService mode %s",
		zeroKsvc, secs(idle), after, secs(podsGone), mode)
	if mode == "Proxy" {
		s += " (the activator takes the next request and holds it)"
	}
	return s
}

// coldStartLine reports cold start n: request sent -> Deployment scaled
// (negative: not seen) -> the answer (or the error after took).
func coldStartLine(n int, scaled, took time.Duration, code int, body string, err error) string {
	sc := "not seen"
	if scaled >= 0 {
		sc = secs(scaled)
	}
	if err != nil {
		return fmt.Sprintf("cold start %d: FAILED after %s: %v (Deployment scaled 0 -> 1: %s)", n, secs(took), err, sc)
	}
	return fmt.Sprintf("cold start %d: request sent -> Deployment scaled 0 -> 1 after %s -> answer %d %q after %s",
		n, sc, code, strings.TrimSpace(body), secs(took))
}

// summaryLine sums up the cold starts so far.
func summaryLine(scaled, answers []time.Duration) string {
	s := fmt.Sprintf("%d cold starts so far: answer %s", len(answers), spread(answers))
	if len(scaled) > 0 {
		s += "; scaled " + spread(scaled)
	}
	return s
}

// spread renders min, median and max of ds (not empty).
func spread(ds []time.Duration) string {
	s := slices.Clone(ds)
	slices.Sort(s)
	return fmt.Sprintf("min %s, median %s, max %s", secs(s[0]), secs(median(s)), secs(s[len(s)-1]))
}

// median of sorted s (not empty).
func median(s []time.Duration) time.Duration {
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// secs renders a duration in seconds with two decimals, as 1.52s.
func secs(d time.Duration) string {
	return fmt.Sprintf("%.2fs", d.Seconds())
}
