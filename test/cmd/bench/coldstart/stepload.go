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
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/serving/pkg/apis/autoscaling"

	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/harness"
)

// The step-load scenario (-stepload): one ksvc per class at min-scale
// o.minScale, scaled on concurrency with the same target, window and
// max-scale; o.concurrency clients send requests back to back through the
// activator for o.hold (each answered by the pod after o.delay, so the
// concurrency is real), then stop. Measured from the Deployment watch: the
// time until spec.replicas reaches the pods wanted, the overshoot, the time
// back down to min-scale after the load; and every request.

const (
	stepNamespace = "step"
	// stepSettle: a revision must stay at min-scale this long before a step.
	stepSettle = 10 * time.Second
	// stepDownTimeout bounds the wait for min-scale after the load.
	stepDownTimeout = 5 * time.Minute
	// keptFailures is how many failed requests a step lists.
	keptFailures = 10
)

// stepClass is one contender's ksvc in the step-load scenario.
type stepClass struct {
	c    *StepContender
	anns map[string]string
}

func (c *stepClass) short() string {
	if c.c.Class == autoscaling.KPA {
		return "kpa"
	}
	return "keda"
}

// stepAnnotations are the template annotations of class's ksvc: the same
// target, utilization, window and scale bounds for both; this
// controller's class names the request metric (Serving's KPA has only
// concurrency or rps, concurrency by default: named for both).
func stepAnnotations(o *options, class string) map[string]string {
	a := map[string]string{
		autoscaling.ClassAnnotationKey:             class,
		autoscaling.MetricAnnotationKey:            autoscaling.Concurrency,
		autoscaling.TargetAnnotationKey:            strconv.Itoa(o.target),
		autoscaling.TargetUtilizationPercentageKey: "100",
		autoscaling.WindowAnnotationKey:            window,
		autoscaling.MinScaleAnnotationKey:          strconv.Itoa(o.minScale),
		autoscaling.MaxScaleAnnotationKey:          strconv.Itoa(o.maxScale),
	}
	if class == autoscaling.HPA && o.kedaMetric != "" {
		a[autoscaling.MetricAnnotationKey] = o.kedaMetric
	}
	return a
}

// wanted is the pods a class should reach under the step: the clients
// over the target per pod (utilization 100 %), within the scale bounds.
func wanted(o *options) int {
	w := (o.concurrency + o.target - 1) / o.target
	return max(o.minScale, min(w, o.maxScale))
}

func runStepload(ctx context.Context, o *options) (*StepResults, error) {
	b := &bench{o: o, begin: time.Now()}
	if err := checkBinaries(); err != nil {
		return nil, err
	}
	defer harness.Cleanup()
	var classes []*stepClass
	s := &StepResults{Wanted: wanted(o), MinScale: o.minScale, Concurrency: o.concurrency, HPASyncs: o.hpaSyncs, ContainerConcurrency: o.containerConcurrency,
		HoldSeconds: o.hold.Seconds(), DelaySeconds: o.delay.Seconds()}
	for _, name := range o.classes {
		c := &stepClass{c: &StepContender{Name: "KPA (Serving's autoscaler)", Class: autoscaling.KPA}}
		if name == "keda" {
			c.c = &StepContender{Name: "this controller (autoscaler-keda, KEDA)", Class: autoscaling.HPA}
			s.KEDA = c.c
		} else {
			s.KPA = c.c
		}
		c.anns = stepAnnotations(o, c.c.Class)
		c.c.Annotations = c.anns
		classes = append(classes, c)
	}
	s.Run = b.newRun("stepload", map[string]string{
		"step":                   fmt.Sprintf("0 -> %d clients sending back to back for %v -> 0", o.concurrency, o.hold),
		"the pod's answer after": o.delay.String(),
		"containerConcurrency (revision spec, both classes; 0: no limit)": strconv.Itoa(o.containerConcurrency),
		"target (concurrency a pod)":                                      fmt.Sprintf("%d, utilization 100 %%: %d pods wanted", o.target, s.Wanted),
		"stable window (annotation window, both classes)":                 window,
		"min-scale / max-scale":                                           fmt.Sprintf("%d / %d", o.minScale, o.maxScale),
		"HPA sync periods (kube-controller-manager)":                      strings.Join(o.hpaSyncs, ", "),
		"steps per class and HPA sync period":                             strconv.Itoa(o.stepRounds),
		"settled at min-scale before a step":                              stepSettle.String(),
		"request timeout":                                                 o.requestTimeout.String(),
		"route (-route)":                                                  routeSetting[o.route],
	})
	b.run = &s.Run
	defer b.finish()

	for _, hpaSync := range o.hpaSyncs {
		if err := b.stepPlane(ctx, s, classes, hpaSync); err != nil || ctx.Err() != nil {
			return s, errors.Join(err, ctx.Err())
		}
	}
	return s, nil
}

// stepPlane runs every class's steps under HPA sync period hpaSync, on a
// control plane of its own (kube-controller-manager restarted with another
// period left the private Endpoints stale: its endpoints controller kept
// saying its informer cache was out of date).
func (b *bench) stepPlane(ctx context.Context, s *StepResults, classes []*stepClass, hpaSync string) error {
	o := b.o
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopPlane, err := b.startPlane(ctx, hpaSync)
	if err != nil {
		return err
	}
	defer stopPlane()
	b.e.Cluster.Pods.SetHandler(delayedAnswer(o.delay))
	if err := b.e.Cluster.CreateNamespace(ctx, stepNamespace); err != nil {
		return err
	}
	for _, c := range classes {
		ksvc := harness.KnativeService(stepNamespace, c.short(), c.anns)
		if o.containerConcurrency > 0 {
			cc := int64(o.containerConcurrency)
			ksvc.Spec.Template.Spec.ContainerConcurrency = &cc
		}
		if _, err := b.e.Serving.ServingV1().Services(stepNamespace).Create(ctx, ksvc, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("creating ksvc %s/%s: %w", stepNamespace, c.short(), err)
		}
	}
	b.routes = nil
	if o.route == "public" {
		if b.routes, err = watchPublicEndpoints(ctx, b.e.Kube, stepNamespace); err != nil {
			return err
		}
	}
	b.logf("step load, HPA sync period %s: ksvcs %s/kpa and %s/keda created; %d pods wanted under %d clients", hpaSync, stepNamespace, stepNamespace, s.Wanted, o.concurrency)
	for round := range o.stepRounds {
		for _, c := range turn(classes, round) {
			st, err := b.step(ctx, c, hpaSync, round+1)
			if err != nil {
				b.note("step %d of %s, HPA sync %s: %v", round+1, c.c.Class, hpaSync, err)
			}
			if st != nil {
				c.c.Steps = append(c.c.Steps, *st)
				b.logf("step %d, HPA sync %s, %s: %s", round+1, hpaSync, c.short(), st.summary(s.Wanted))
			}
			if ctx.Err() != nil {
				return nil
			}
		}
	}
	b.checkPlane()
	return nil
}

// routeSetting says how each -route sends the requests.
var routeSetting = map[string]string{
	"public":    "public: to the revision's public Service, as an ingress (the activator in Proxy mode, a pod in Serve mode)",
	"activator": "activator: every request through the activator, whatever the mode",
}

// delayedAnswer is the user container of the step load: 200 "hello from
// <pod IP>" after delay.
func delayedAnswer(delay time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
		ip, _, _ := net.SplitHostPort(r.Context().Value(http.LocalAddrContextKey).(net.Addr).String())
		_, _ = io.WriteString(w, "hello from "+ip)
	})
}

// atMin is a Deployment at min-scale with every pod ready.
func (b *bench) atMin(s depState) bool {
	m := int32(b.o.minScale)
	return s.spec == m && s.pods == m && s.ready == m
}

// settled waits until the Deployment at key is at min-scale and stays
// there for stepSettle.
func (b *bench) settled(ctx context.Context, key string) error {
	for {
		if err := b.deps.waitNow(ctx, key, b.atMin, stepDownTimeout); err != nil {
			return err
		}
		at, _ := b.deps.runStart(key, b.atMin)
		sleep(ctx, time.Until(at.Add(stepSettle)))
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if b.atMin(b.deps.current(key)) {
			if from, _ := b.deps.runStart(key, b.atMin); !from.After(at) {
				return nil
			}
		}
	}
}

// step runs one step of class c: settled at min-scale, o.concurrency
// clients for o.hold, then the wait back down to min-scale.
func (b *bench) step(ctx context.Context, c *stepClass, hpaSync string, round int) (*Step, error) {
	key := deploymentKey(stepNamespace, c.short())
	if err := b.settled(ctx, key); err != nil {
		return nil, fmt.Errorf("not settled at min-scale %d: %w", b.o.minScale, err)
	}
	want := int32(wanted(b.o))
	st := &Step{HPASync: hpaSync, Round: round, ToWanted: -1, ToWantedReady: -1, BackDown: -1}
	hpaCtx, stopHPA := context.WithCancel(ctx)
	var hpaDone sync.WaitGroup
	t0 := time.Now()
	if c.c.Class == autoscaling.HPA {
		hpaDone.Add(1)
		go func() { defer hpaDone.Done(); st.HPA = b.watchHPA(hpaCtx, t0, revisionOf(c.short())+"-deployment") }()
	}
	lat, stopped := b.load(ctx, st, revisionOf(c.short()))
	if t, ok := b.deps.firstSince(key, t0, func(s depState) bool { return s.spec >= want }); ok {
		st.ToWanted = seconds(t.Sub(t0))
	}
	if t, ok := b.deps.firstSince(key, t0, func(s depState) bool { return s.ready >= want }); ok {
		st.ToWantedReady = seconds(t.Sub(t0))
	}
	st.Latency = stats(lat)
	st.LoadSeconds = seconds(stopped.Sub(t0))
	// Back at min-scale: already, or wait (the time is read from the
	// timeline, from the end of the hold: a request still in flight then
	// does not move it).
	err := b.deps.waitNow(ctx, key, func(s depState) bool { return s.spec <= int32(b.o.minScale) }, stepDownTimeout)
	stopHPA()
	hpaDone.Wait()
	st.Timeline = b.deps.timeline(key, t0, time.Now())
	st.BackDown = backDown(st.Timeline, b.o.hold.Seconds(), b.o.minScale)
	for _, p := range st.Timeline {
		st.Peak = max(st.Peak, int(p.Spec))
	}
	st.Overshoot = max(0, st.Peak-int(want))
	return st, err
}

// load runs the clients against revision rev in stepNamespace from now for
// o.hold and counts every request in st; it returns the latencies of the
// requests answered 200 and when the last request ended.
func (b *bench) load(ctx context.Context, st *Step, rev string) ([]float64, time.Time) {
	end := time.Now().Add(b.o.hold)
	var mu sync.Mutex
	var lat []float64
	var wg sync.WaitGroup
	activator := b.e.Cluster.ActivatorURL()
	for range b.o.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(end) {
				base := activator
				if b.routes != nil {
					if a := b.routes.pick(stepNamespace, rev); a != "" {
						base = a
					}
				}
				t := time.Now()
				err := answered(cluster.GetRevision(ctx, b.client, base, stepNamespace, rev))
				d := time.Since(t)
				mu.Lock()
				st.Sent++
				if base == activator {
					st.ThroughActivator++
				}
				if err == nil {
					st.Answered++
					lat = append(lat, seconds(d))
				} else {
					st.Failed++
					if len(st.Failures) < keptFailures {
						st.Failures = append(st.Failures, fmt.Sprintf("at %.2fs: %v", seconds(t.Sub(end.Add(-b.o.hold))), err))
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return lat, time.Now()
}

// HPAPoint is what KEDA's HPA of the revision said at a moment: the
// metric's current value (the desired pods the scaler serves, for this
// controller's request metric), and the replicas it wants.
type HPAPoint struct {
	T       float64 `json:"t"`
	Metric  string  `json:"metric"`
	Desired int32   `json:"desiredReplicas"`
	Current int32   `json:"currentReplicas"`
}

// watchHPA records, every second until ctx ends, the status of the HPA
// scaling Deployment dep in stepNamespace, where it changed.
func (b *bench) watchHPA(ctx context.Context, t0 time.Time, dep string) []HPAPoint {
	var out []HPAPoint
	for ctx.Err() == nil {
		list, err := b.e.Kube.AutoscalingV2().HorizontalPodAutoscalers(stepNamespace).List(ctx, metav1.ListOptions{})
		if err == nil {
			for _, h := range list.Items {
				if h.Spec.ScaleTargetRef.Name != dep {
					continue
				}
				var metrics []string
				for _, m := range h.Status.CurrentMetrics {
					switch {
					case m.External != nil && m.External.Current.AverageValue != nil:
						metrics = append(metrics, m.External.Metric.Name+"="+m.External.Current.AverageValue.String()+" avg")
					case m.External != nil && m.External.Current.Value != nil:
						metrics = append(metrics, m.External.Metric.Name+"="+m.External.Current.Value.String())
					default:
						metrics = append(metrics, string(m.Type))
					}
				}
				p := HPAPoint{T: round2(time.Since(t0).Seconds()), Metric: strings.Join(metrics, ", "),
					Desired: h.Status.DesiredReplicas, Current: h.Status.CurrentReplicas}
				if n := len(out); n == 0 || out[n-1].Metric != p.Metric || out[n-1].Desired != p.Desired || out[n-1].Current != p.Current {
					out = append(out, p)
				}
			}
		}
		sleep(ctx, time.Second)
	}
	return out
}

// summary is a step's line in the log.
func (s *Step) summary(wanted int) string {
	return fmt.Sprintf("%d pods wanted after %s (ready %s), peak %d (overshoot %d), back to min-scale %s after the load; %d of %d requests failed, latency p50 %s p95 %s",
		wanted, secs(s.ToWanted), secs(s.ToWantedReady), s.Peak, s.Overshoot, secs(s.BackDown), s.Failed, s.Sent, secs(s.Latency.P50), secs(s.Latency.P95))
}

// classList parses -classes.
func classList(v string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(v, ",") {
		switch f = strings.TrimSpace(f); f {
		case "":
		case "kpa", "keda":
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		default:
			return nil, fmt.Errorf("-classes: %q is neither kpa nor keda", f)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-classes: none")
	}
	return out, nil
}
