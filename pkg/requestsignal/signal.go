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

// Package requestsignal is Knative's request signal for KEDA: each
// revision's concurrency and requests per second, collected and decided
// by Serving's own autoscaler packages, used as a library as Serving's
// autoscaler uses them (cmd/autoscaler):
//
//   - knative.dev/serving/pkg/autoscaler/metrics: the collector, whose
//     stats scraper reads every pod's queue-proxy (:9090, served on every
//     install) once a second, sampling as Serving does;
//   - knative.dev/serving/pkg/autoscaler/scaling: the decider (stable and
//     panic windows, max scale-up and -down rates, activation-scale,
//     scale-down-delay), from the PodAutoscaler as the KPA makes it
//     (kpa/resources.MakeDecider, resources.MakeMetric).
//
// Proxied requests (docs/requests.md): Serving's collector subtracts, from
// each pod's stats, the requests that came through the activator, and
// expects the activator's stat stream to add them back; that stream goes
// only to Serving's own autoscaler. Here the activator's share of
// concurrency is what this controller reads of the activators (their
// Prometheus metrics, pkg/scaletozero), recorded as the activator's stat
// (RecordActivator); the activator's request rate is not read, so requests
// per second are counted where they are served: the pods' proxied request
// count is not subtracted.
package requestsignal

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	corev1listers "k8s.io/client-go/listers/core/v1"
	netcfg "knative.dev/networking/pkg/config"
	"knative.dev/pkg/logging"
	"knative.dev/serving/pkg/apis/autoscaling"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	"knative.dev/serving/pkg/apis/serving"
	"knative.dev/serving/pkg/autoscaler/config/autoscalerconfig"
	"knative.dev/serving/pkg/autoscaler/metrics"
	"knative.dev/serving/pkg/autoscaler/scaling"
	kparesources "knative.dev/serving/pkg/reconciler/autoscaling/kpa/resources"
	aresources "knative.dev/serving/pkg/reconciler/autoscaling/resources"
	"knative.dev/serving/pkg/resources"
)

// activatorPod names the activators' share in the collector, as Serving's
// activator names its stats.
const activatorPod = "activator"

// Signal collects and decides the request signal of the revisions it
// tracks.
type Signal struct {
	ctx       context.Context
	collector *metrics.MetricCollector
	scalers   *scaling.MultiScaler

	// start starts the pod cache, at the first Track: an install with no
	// revision on requests keeps no pods in memory.
	start func()
	// activatorRead says the activators' share is recorded every second
	// (RecordActivator), so proxied requests are subtracted from the pods'
	// stats, as Serving's collector does; otherwise every request counts
	// at the pod that serves it.
	activatorRead atomic.Bool

	onChange OnChange

	mu      sync.Mutex
	tracked map[types.NamespacedName]tracked
}

// tracked is what a revision's collection and decider were last made from,
// so that an unchanged PodAutoscaler costs nothing.
type tracked struct {
	metric  autoscalingv1alpha1.MetricSpec
	decider scaling.DeciderSpec
	// activatorAt is the second the activators' share was last recorded.
	activatorAt time.Time
	// short is what BurstShort said when onChange was last called.
	short bool
}

// OnChange is called for a revision whose decision changed: its desired
// pod count, or (burstFlipped) whether it falls short of its burst
// capacity (BurstShort).
type OnChange func(key types.NamespacedName, burstFlipped bool)

// New starts a Signal until ctx ends, reading the revisions' pods with
// kube.
func New(ctx context.Context, kube kubernetes.Interface, onChange OnChange) *Signal {
	pods := newPodCache(ctx, kube)
	s := newSignal(ctx, pods.lister, onChange, otel.GetMeterProvider())
	s.start = pods.start
	return s
}

// NewWithPods is New reading the pods from a lister the caller keeps
// (the cost benchmark's played pods).
func NewWithPods(ctx context.Context, pods corev1listers.PodLister, onChange OnChange) *Signal {
	return newSignal(ctx, pods, onChange, otel.GetMeterProvider())
}

func newSignal(ctx context.Context, pods corev1listers.PodLister, onChange OnChange, mp metric.MeterProvider) *Signal {
	logger := loggerFrom(ctx)
	s := &Signal{ctx: ctx, tracked: map[types.NamespacedName]tracked{}, start: func() {}, onChange: onChange}
	s.collector = metrics.NewMetricCollector(scraperFactory(pods, mp, s.activatorRead.Load), logger)
	s.scalers = scaling.NewMultiScaler(ctx.Done(), deciderFactory(pods, s.collector, mp), logger)
	// Serving's multiscaler informs when the desired count changes or the
	// excess burst capacity changes sign (what the KPA reconciles on).
	s.scalers.Watch(func(key types.NamespacedName) {
		s.mu.Lock()
		t, ok := s.tracked[key]
		short := ok && s.burstShort(key)
		flipped := ok && t.short != short
		if flipped {
			t.short = short
			s.tracked[key] = t
		}
		s.mu.Unlock()
		onChange(key, flipped)
	})
	return s
}

// Track starts, or updates, collecting and deciding for pa's revision with
// config-autoscaler cfg: a window, target or bound that changed applies at
// once; the history of requests is kept.
func (s *Signal) Track(pa *autoscalingv1alpha1.PodAutoscaler, cfg *autoscalerconfig.Config) error {
	key := types.NamespacedName{Namespace: pa.Namespace, Name: pa.Name}
	flipped, err := s.track(key, pa, cfg)
	if flipped {
		// A new revision short from the start (the decider's estimate):
		// its reconcile may have run before it was tracked.
		s.onChange(key, true)
	}
	return err
}

func (s *Signal) track(key types.NamespacedName, pa *autoscalingv1alpha1.PodAutoscaler, cfg *autoscalerconfig.Config) (bool, error) {
	m := aresources.MakeMetric(pa, pa.Status.MetricsServiceName, cfg)
	d := kparesources.MakeDecider(pa, cfg)

	s.mu.Lock()
	defer s.mu.Unlock()
	last, ok := s.tracked[key]
	if ok && last.metric == m.Spec && last.decider == d.Spec {
		return false, nil
	}
	s.start()
	if err := s.collector.CreateOrUpdate(m); err != nil {
		return false, err
	}
	if _, err := s.scalers.Update(s.ctx, d); apierrors.IsNotFound(err) {
		if _, err := s.scalers.Create(s.ctx, d); err != nil {
			return false, err
		}
	} else if err != nil {
		return false, err
	}
	// An update keeps the last decision until the decider's next tick,
	// whose flip the watch reports.
	short := last.short
	if !ok {
		short = s.burstShort(key)
	}
	s.tracked[key] = tracked{metric: m.Spec, decider: d.Spec, activatorAt: last.activatorAt, short: short}
	return !ok && short, nil
}

// Forget stops collecting and deciding for a revision.
func (s *Signal) Forget(key types.NamespacedName) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.tracked[key]; !ok {
		return
	}
	delete(s.tracked, key)
	s.scalers.Delete(s.ctx, key.Namespace, key.Name)
	s.collector.Delete(key.Namespace, key.Name)
}

// Tracked reports whether a revision is tracked.
func (s *Signal) Tracked(key types.NamespacedName) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.tracked[key]
	return ok
}

// Desired is the decider's desired pod count for a revision; false when
// it is not tracked, has not decided yet, or has had no stat within its
// stable window: the decider then keeps its last decision, which says
// nothing of the revision's requests now (its pods' queue-proxies cannot
// be read).
func (s *Signal) Desired(key types.NamespacedName) (int32, bool) {
	d, err := s.scalers.Get(s.ctx, key.Namespace, key.Name)
	if err != nil || d.Status.DesiredScale < 0 {
		return 0, false
	}
	read := s.collector.StableAndPanicConcurrency
	if d.Spec.ScalingMetric == autoscaling.RPS {
		read = s.collector.StableAndPanicRPS
	}
	if _, _, err := read(key, time.Now()); err != nil {
		return 0, false
	}
	return d.Status.DesiredScale, true
}

// BurstShort reports whether a revision's ready pods, less the requests
// in flight, cannot take its target-burst-capacity more (the decider's
// excess burst capacity is negative): the KPA then keeps the activator in
// the path, which spreads requests over the pods by their capacity and
// holds what none can take. Before the first decision it is the decider's
// initial estimate (initial-scale pods, none in flight), as for the KPA;
// false for a revision not tracked.
func (s *Signal) BurstShort(key types.NamespacedName) bool {
	s.mu.Lock()
	_, ok := s.tracked[key]
	s.mu.Unlock()
	return ok && s.burstShort(key)
}

// AnyBurstShort reports whether some tracked revision was short of its
// burst capacity when last decided.
func (s *Signal) AnyBurstShort() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tracked {
		if t.short {
			return true
		}
	}
	return false
}

func (s *Signal) burstShort(key types.NamespacedName) bool {
	d, err := s.scalers.Get(s.ctx, key.Namespace, key.Name)
	return err == nil && d.Status.ExcessBurstCapacity < 0
}

// SetActivatorRead says whether the activators' share is read every
// second now (some revision is behind the activator) and recorded with
// RecordActivator.
func (s *Signal) SetActivatorRead(read bool) { s.activatorRead.Store(read) }

// ActivatorRead reports what SetActivatorRead said last.
func (s *Signal) ActivatorRead() bool { return s.activatorRead.Load() }

// RecordActivator adds the activators' concurrency for tracked revisions,
// read at now: what Serving's activator sends its autoscaler once a
// second. The collector sums what is recorded in each second (one stat per
// pod and second), so a revision's share counts at most once a second: an
// activator-scrape-period below a second is not counted twice, and one
// above counts in fewer seconds (the default is 1 s). A revision at zero
// with requests held is decided at once, as the KPA does.
func (s *Signal) RecordActivator(demand map[types.NamespacedName]float64, now time.Time) {
	sec := now.Truncate(time.Second)
	for key, c := range demand {
		s.mu.Lock()
		t, ok := s.tracked[key]
		fresh := ok && c > 0 && !t.activatorAt.Equal(sec)
		if fresh {
			t.activatorAt = sec
			s.tracked[key] = t
		}
		s.mu.Unlock()
		if !fresh {
			continue
		}
		stat := metrics.Stat{PodName: activatorPod, AverageConcurrentRequests: c}
		s.collector.Record(key, now, stat)
		s.scalers.Poke(key, stat)
	}
}

// scraperFactory makes Serving's stats scraper for a revision: direct to
// its pods, falling back to its private Service when they cannot be
// reached (a mesh), as Serving's default mesh-compatibility-mode does.
func scraperFactory(pods corev1listers.PodLister, mp metric.MeterProvider, activatorRead func() bool) metrics.StatsScraperFactory {
	return func(m *autoscalingv1alpha1.Metric, logger *zap.SugaredLogger) (metrics.StatsScraper, error) {
		if m.Spec.ScrapeTarget == "" {
			return nil, nil // no private Service yet: no pods to read
		}
		rev := revisionOf(m.Labels, m.Name)
		pa := resources.NewPodAccessor(pods, m.Namespace, rev)
		return servedRequests{metrics.NewStatsScraper(m, rev, pa, false, netcfg.MeshCompatibilityModeAuto, logger, mp), activatorRead}, nil
	}
}

// deciderFactory makes Serving's decider for a revision.
func deciderFactory(pods corev1listers.PodLister, client metrics.MetricClient, mp metric.MeterProvider) scaling.UniScalerFactory {
	return func(d *scaling.Decider) (scaling.UniScaler, error) {
		rev := revisionOf(d.Labels, d.Name)
		attrs := attribute.NewSet(attribute.String("k8s.namespace.name", d.Namespace))
		return scaling.New(attrs, mp, d.Namespace, d.Name, client, resources.NewPodAccessor(pods, d.Namespace, rev), &d.Spec), nil
	}
}

// revisionOf is the revision label, else the PodAutoscaler's name (Serving
// names it after the revision).
func revisionOf(labels map[string]string, name string) string {
	if rev := labels[serving.RevisionLabelKey]; rev != "" {
		return rev
	}
	return name
}

// servedRequests counts every request a pod served in its request rate,
// proxied or not, and in its concurrency while the activators' share is
// not read every second (the package comment says why).
type servedRequests struct {
	metrics.StatsScraper
	activatorRead func() bool
}

func (s servedRequests) Scrape(window time.Duration) (metrics.Stat, error) {
	stat, err := s.StatsScraper.Scrape(window)
	stat.ProxiedRequestCount = 0
	if !s.activatorRead() {
		stat.AverageProxiedConcurrentRequests = 0
	}
	return stat, err
}

func loggerFrom(ctx context.Context) *zap.SugaredLogger {
	return logging.FromContext(ctx).Named("requestsignal")
}
