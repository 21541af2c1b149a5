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

package requestsignal

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/metric/noop"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	corev1listers "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"knative.dev/pkg/logging"
	logtesting "knative.dev/pkg/logging/testing"
	"knative.dev/serving/pkg/apis/autoscaling"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	"knative.dev/serving/pkg/apis/serving"
	asconfig "knative.dev/serving/pkg/autoscaler/config"
	"knative.dev/serving/pkg/autoscaler/config/autoscalerconfig"
	"knative.dev/serving/pkg/autoscaler/metrics"
)

func testPA(anns map[string]string) *autoscalingv1alpha1.PodAutoscaler {
	return &autoscalingv1alpha1.PodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: "shop", Name: "checkout-00001", Annotations: anns,
			Labels: map[string]string{serving.RevisionLabelKey: "checkout-00001", serving.ConfigurationLabelKey: "checkout"},
		},
		Spec: autoscalingv1alpha1.PodAutoscalerSpec{Reachability: autoscalingv1alpha1.ReachabilityReachable},
	}
}

// testConfig is config-autoscaler as Serving ships it, with a 6 s stable
// window.
func testConfig() *autoscalerconfig.Config {
	c, err := asconfig.NewConfigFromMap(map[string]string{"stable-window": "6s"})
	if err != nil {
		panic(err)
	}
	return c
}

// TestDesiredFromActivator: with no pods to read (no private Service yet),
// the activators' held requests alone decide: 25 held at a concurrency
// target of 10 (target-utilization 100%) want ceil(25/10) = 3 pods, which
// Serving's decider reaches and reports through onChange; after Forget the
// revision has no decision.
func TestDesiredFromActivator(t *testing.T) {
	ctx, cancel := context.WithCancel(logging.WithLogger(context.Background(), logtesting.TestLogger(t)))
	defer cancel()
	changed := make(chan types.NamespacedName, 100)
	pods := corev1listers.NewPodLister(cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc}))
	s := newSignal(ctx, pods, func(k types.NamespacedName, _ bool) { changed <- k }, noop.NewMeterProvider())

	pa := testPA(map[string]string{
		autoscaling.MetricAnnotationKey: "concurrency", autoscaling.TargetAnnotationKey: "10",
		autoscaling.TargetUtilizationPercentageKey: "100",
	})
	key := types.NamespacedName{Namespace: "shop", Name: "checkout-00001"}
	if err := s.Track(pa, testConfig()); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Desired(key); ok {
		t.Error("Desired before any stat: want no decision")
	}
	other := types.NamespacedName{Namespace: "shop", Name: "untracked"}
	holdAtActivator(t, s, key, map[types.NamespacedName]float64{key: 25, other: 40}, 3)
	select {
	case k := <-changed:
		if k != key {
			t.Errorf("onChange(%v), want %v", k, key)
		}
	default:
		t.Error("the decision changed without onChange")
	}
	if s.Tracked(other) {
		t.Error("a revision never tracked is tracked after RecordActivator")
	}
	s.Forget(key)
	if _, ok := s.Desired(key); ok {
		t.Error("Desired after Forget: want no decision")
	}
}

// TestTrackUnchangedIsFree: the same PodAutoscaler again keeps the
// decider and its decision; a new target applies to it.
func TestTrackUnchangedIsFree(t *testing.T) {
	ctx, cancel := context.WithCancel(logging.WithLogger(context.Background(), logtesting.TestLogger(t)))
	defer cancel()
	pods := corev1listers.NewPodLister(cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc}))
	s := newSignal(ctx, pods, func(types.NamespacedName, bool) {}, noop.NewMeterProvider())
	anns := map[string]string{autoscaling.MetricAnnotationKey: "concurrency", autoscaling.TargetAnnotationKey: "10", autoscaling.TargetUtilizationPercentageKey: "100"}
	key := types.NamespacedName{Namespace: "shop", Name: "checkout-00001"}
	if err := s.Track(testPA(anns), testConfig()); err != nil {
		t.Fatal(err)
	}
	before, _ := s.scalers.Get(ctx, key.Namespace, key.Name)
	if err := s.Track(testPA(anns), testConfig()); err != nil {
		t.Fatal(err)
	}
	if after, _ := s.scalers.Get(ctx, key.Namespace, key.Name); after.Spec != before.Spec {
		t.Errorf("decider spec changed on an unchanged PA: %+v -> %+v", before.Spec, after.Spec)
	}
	anns[autoscaling.TargetAnnotationKey] = "5"
	if err := s.Track(testPA(anns), testConfig()); err != nil {
		t.Fatal(err)
	}
	if after, _ := s.scalers.Get(ctx, key.Namespace, key.Name); after.Spec.TargetValue != 5 {
		t.Errorf("decider target = %v after target 5, want 5", after.Spec.TargetValue)
	}
}

// TestNoStatsNoDecision: once no stat has arrived within the stable window
// (its pods' stats cannot be read, and the activators hold nothing),
// Desired says the count is not known: the decider stops deciding then and
// keeps whatever its last tick saw, often a pod or more while the window
// drained, and the revision must not stay active on that.
func TestNoStatsNoDecision(t *testing.T) {
	ctx, cancel := context.WithCancel(logging.WithLogger(context.Background(), logtesting.TestLogger(t)))
	defer cancel()
	pods := corev1listers.NewPodLister(cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc}))
	s := newSignal(ctx, pods, func(types.NamespacedName, bool) {}, noop.NewMeterProvider())
	pa := testPA(map[string]string{
		autoscaling.MetricAnnotationKey: "concurrency", autoscaling.TargetAnnotationKey: "10",
		autoscaling.TargetUtilizationPercentageKey: "100", autoscaling.WindowAnnotationKey: "6s",
	})
	pa.Status.MetricsServiceName = "checkout-00001-private" // scraped, but it has no pod
	key := types.NamespacedName{Namespace: "shop", Name: "checkout-00001"}
	if err := s.Track(pa, testConfig()); err != nil {
		t.Fatal(err)
	}
	holdAtActivator(t, s, key, map[types.NamespacedName]float64{key: 25}, 3)
	stopped := time.Now()
	for {
		if _, ok := s.Desired(key); !ok {
			break
		}
		if time.Since(stopped) > 12*time.Second {
			t.Fatal("Desired still known 12 s after the last stat, with a 6 s window")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// holdAtActivator records demand as the activators' share every 200 ms
// (the signal counts one a second), until the revision key's
// desired count is want; it fails the test after 10 s.
func holdAtActivator(t *testing.T, s *Signal, key types.NamespacedName, demand map[types.NamespacedName]float64, want int32) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.RecordActivator(demand, time.Now())
		if got, ok := s.Desired(key); ok && got == want {
			return
		} else if time.Now().After(deadline) {
			t.Fatalf("Desired = %d, %v; want %d within 10 s", got, ok, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

type fixedScraper struct{ stat metrics.Stat }

func (f fixedScraper) Scrape(time.Duration) (metrics.Stat, error) { return f.stat, nil }

// TestServedRequests: the pods' proxied request rate is never subtracted
// (the activators' rate is not read), and their proxied concurrency only
// while the activators' share is read every second.
func TestServedRequests(t *testing.T) {
	pod := metrics.Stat{AverageConcurrentRequests: 8, AverageProxiedConcurrentRequests: 3, RequestCount: 10, ProxiedRequestCount: 4}
	for _, tc := range []struct {
		activatorRead bool
		want          metrics.Stat
	}{
		{false, metrics.Stat{AverageConcurrentRequests: 8, RequestCount: 10}},
		{true, metrics.Stat{AverageConcurrentRequests: 8, AverageProxiedConcurrentRequests: 3, RequestCount: 10}},
	} {
		got, err := servedRequests{fixedScraper{pod}, func() bool { return tc.activatorRead }}.Scrape(time.Minute)
		if err != nil || got != tc.want {
			t.Errorf("activator read %v: Scrape() = %+v, %v; want %+v", tc.activatorRead, got, err, tc.want)
		}
	}
}

// TestBurstShort: with target-burst-capacity 5 and one pod's capacity of
// 10 expected (initial-scale 1), a new revision is not short; 25 requests
// held at the activator, with no ready pod, leave it 0*10-5-25 short, and
// onChange says the sign flipped, once. With Serving's default, 211, it is
// short from the start, which Track reports at once (its reconcile may
// have run before it was tracked). Burst capacity 0 is never short, as
// with the KPA; a revision not tracked is not.
func TestBurstShort(t *testing.T) {
	type change struct {
		key     types.NamespacedName
		flipped bool
	}
	for _, tc := range []struct {
		tbc                  string
		shortAtStart, atLoad bool
	}{{"5", false, true}, {"211", true, true}, {"0", false, false}} {
		t.Run("target-burst-capacity "+tc.tbc, func(t *testing.T) {
			ctx, cancel := context.WithCancel(logging.WithLogger(context.Background(), logtesting.TestLogger(t)))
			defer cancel()
			changes := make(chan change, 100)
			pods := corev1listers.NewPodLister(cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc}))
			s := newSignal(ctx, pods, func(k types.NamespacedName, f bool) { changes <- change{k, f} }, noop.NewMeterProvider())
			cfg, err := asconfig.NewConfigFromMap(map[string]string{"stable-window": "6s", "target-burst-capacity": tc.tbc})
			if err != nil {
				t.Fatal(err)
			}
			key := types.NamespacedName{Namespace: "shop", Name: "checkout-00001"}
			if err := s.Track(testPA(map[string]string{
				autoscaling.MetricAnnotationKey: "concurrency", autoscaling.TargetAnnotationKey: "10",
				autoscaling.TargetUtilizationPercentageKey: "100",
			}), cfg); err != nil {
				t.Fatal(err)
			}
			if got := s.BurstShort(key); got != tc.shortAtStart {
				t.Errorf("a new revision with one pod of 10 expected, burst capacity %s: BurstShort = %v, want %v", tc.tbc, got, tc.shortAtStart)
			}
			if s.BurstShort(types.NamespacedName{Namespace: "shop", Name: "untracked"}) {
				t.Error("a revision not tracked is short")
			}
			holdAtActivator(t, s, key, map[types.NamespacedName]float64{key: 25}, 3)
			if got := s.BurstShort(key); got != tc.atLoad {
				t.Errorf("BurstShort with 25 requests held and no pod = %v, want %v", got, tc.atLoad)
			}
			var flips int
			for len(changes) > 0 {
				c := <-changes
				if c.key != key {
					t.Errorf("onChange(%v), want %v", c.key, key)
				}
				if c.flipped {
					flips++
				}
			}
			if want := map[bool]int{true: 1, false: 0}[tc.atLoad]; flips != want {
				t.Errorf("onChange said the burst capacity flipped %d times, want %d", flips, want)
			}
			s.Forget(key)
			if s.BurstShort(key) {
				t.Error("BurstShort after Forget")
			}
		})
	}
}
