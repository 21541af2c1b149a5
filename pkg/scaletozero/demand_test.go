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

package scaletozero

import (
	"context"
	"io"
	"maps"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kedacore/keda/v2/pkg/scalers/externalscaler"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/otlptranslator"
	"go.opentelemetry.io/otel/attribute"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"k8s.io/apimachinery/pkg/types"
)

// activatorMetrics is the shape of Serving v0.48's activator's Prometheus
// output for the gauge (other series trimmed).
const activatorMetrics = `# HELP kn_revision_request_concurrency Concurrent requests that are routed to Activator
# TYPE kn_revision_request_concurrency gauge
kn_revision_request_concurrency{k8s_namespace_name="shop",kn_configuration_name="checkout",kn_revision_name="checkout-00001",kn_service_name="checkout",otel_scope_name="knative.dev/serving/pkg/activator",otel_scope_version=""} 2.5
kn_revision_request_concurrency{k8s_namespace_name="shop",kn_configuration_name="cart",kn_revision_name="cart-00002",kn_service_name="cart",otel_scope_name="knative.dev/serving/pkg/activator",otel_scope_version=""} 0
kn_revision_request_concurrency_other{k8s_namespace_name="shop",kn_revision_name="checkout-00001"} 99
# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
process_cpu_seconds_total 1.23
`

var (
	checkout = types.NamespacedName{Namespace: "shop", Name: "checkout-00001"}
	cart     = types.NamespacedName{Namespace: "shop", Name: "cart-00002"}
)

func TestParse(t *testing.T) {
	text := expfmt.NewFormat(expfmt.TypeTextPlain)
	got, err := Parse(strings.NewReader(activatorMetrics), text)
	if err != nil {
		t.Fatal(err)
	}
	want := map[types.NamespacedName]float64{checkout: 2.5, cart: 0}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want, +got):\n%s", diff)
	}
	if _, err := Parse(strings.NewReader(`kn_revision_request_concurrency{k8s_namespace_name="shop} 1`), text); err == nil {
		t.Error("an unterminated label value parsed")
	}
}

// TestScrapeActivatorExporter reads the metrics as Serving v0.50's activator
// exports them: OpenTelemetry instruments of the activator's scope through
// knative.dev/pkg's Prometheus exporter settings, served by promhttp
// (protobuf when asked, as Scrape asks). queued+active counts the requests
// as they come; the concurrency gauge lags a report tick.
func TestScrapeActivatorExporter(t *testing.T) {
	reg := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithTranslationStrategy(otlptranslator.UnderscoreEscapingWithSuffixes), otelprom.WithRegisterer(reg))
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	defer mp.Shutdown(context.Background())
	meter := mp.Meter("knative.dev/serving/pkg/activator")
	cc, _ := meter.Float64Gauge("kn.revision.request.concurrency", metric.WithUnit("{request}"))
	queued, _ := meter.Int64UpDownCounter("kn.revision.request.queued", metric.WithUnit("{request}"))
	active, _ := meter.Int64UpDownCounter("kn.revision.request.active", metric.WithUnit("{request}"))
	rev := func(k types.NamespacedName) metric.MeasurementOption {
		return metric.WithAttributes(attribute.String("k8s.namespace.name", k.Namespace), attribute.String("kn.revision.name", k.Name))
	}
	ctx := context.Background()
	// checkout: 3 held at zero, the gauge not yet reporting them; cart: the
	// gauge alone (an activator before Serving 1.22) at 2; one request of
	// cart came and went.
	queued.Add(ctx, 3, rev(checkout))
	cc.Record(ctx, 2, rev(cart))
	queued.Add(ctx, 1, rev(cart))
	queued.Add(ctx, -1, rev(cart))
	active.Add(ctx, 1, rev(cart))
	active.Add(ctx, -1, rev(cart))

	var accept atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		accept.Store(r.Header.Get("Accept"))
		promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(w, r)
	}))
	defer srv.Close()
	got, err := Scrape(ctx, srv.Client(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	want := map[types.NamespacedName]float64{checkout: 3, cart: 2}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Scrape() (-want, +got):\n%s", diff)
	}
	if a, _ := accept.Load().(string); !strings.HasPrefix(a, "application/vnd.google.protobuf") {
		t.Errorf("Accept = %q, want protobuf first", a)
	}
}

func TestScraperSumsActivatorsAndReportsChanges(t *testing.T) {
	var second atomic.Value
	second.Store(`kn_revision_request_concurrency{k8s_namespace_name="shop",kn_revision_name="checkout-00001"} 1` + "\n")
	a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, activatorMetrics) }))
	defer a.Close()
	b := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, second.Load().(string)) }))
	defer b.Close()
	var mu sync.Mutex
	var changed []types.NamespacedName
	s := &Scraper{
		Targets:  func(context.Context) ([]Target, error) { return []Target{{URL: a.URL}, {URL: b.URL}}, nil },
		Period:   func() time.Duration { return time.Second },
		OnChange: func(k types.NamespacedName) { mu.Lock(); changed = append(changed, k); mu.Unlock() },
	}
	s.ScrapeOnce(context.Background())
	if got := s.Demand(checkout); got != 3.5 {
		t.Errorf("Demand(checkout) = %v, want 3.5 (2.5 + 1)", got)
	}
	if got := s.Demand(cart); got != 0 {
		t.Errorf("Demand(cart) = %v, want 0", got)
	}
	if diff := cmp.Diff([]types.NamespacedName{checkout}, changed); diff != "" {
		t.Errorf("changes after the first scrape (-want, +got):\n%s", diff)
	}
	// A second scrape with the same non-zero demand reports nothing.
	changed = nil
	s.ScrapeOnce(context.Background())
	if len(changed) != 0 {
		t.Errorf("changes with the same demand: %v", changed)
	}
	// Gone from both: zero, and a change.
	a.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {})
	second.Store("")
	s.ScrapeOnce(context.Background())
	if got := s.Demand(checkout); got != 0 {
		t.Errorf("Demand(checkout) = %v after it left, want 0", got)
	}
	if diff := cmp.Diff([]types.NamespacedName{checkout}, changed); diff != "" {
		t.Errorf("changes after the demand left (-want, +got):\n%s", diff)
	}
}

func TestServer(t *testing.T) {
	var demand atomic.Int64
	var hold, released atomic.Bool
	s := &Server{
		Demand: func(k types.NamespacedName) float64 {
			if k == checkout {
				return float64(demand.Load())
			}
			return 0
		},
		Hold:     func(k types.NamespacedName) bool { return k == checkout && hold.Load() },
		Released: func(k types.NamespacedName) bool { return k == checkout && released.Load() },
		Tick:     time.Hour, // only Notify wakes the stream in this test
	}
	client, _, _ := serve(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ref := &externalscaler.ScaledObjectRef{Name: "checkout-00001", Namespace: "shop",
		ScalerMetadata: map[string]string{"scalerAddress": "x:1", "namespace": "shop", "revision": "checkout-00001"}}

	if r, err := client.IsActive(ctx, ref); err != nil || r.Result {
		t.Errorf("IsActive at rest = %v, %v; want false", r, err)
	}
	spec, err := client.GetMetricSpec(ctx, ref)
	if err != nil || len(spec.MetricSpecs) != 1 || spec.MetricSpecs[0].MetricName != MetricName || spec.MetricSpecs[0].TargetSizeFloat != 1 {
		t.Errorf("GetMetricSpec = %v, %v; want one %s with target 1", spec, err, MetricName)
	}

	stream, err := client.StreamIsActive(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	recv := func(want bool) {
		t.Helper()
		r, err := stream.Recv()
		if err != nil || r.Result != want {
			t.Fatalf("stream: %v, %v; want %v", r, err, want)
		}
	}
	recv(false) // the state at once
	demand.Store(3)
	s.Notify()
	recv(true)
	if r, err := client.GetMetrics(ctx, &externalscaler.GetMetricsRequest{ScaledObjectRef: ref, MetricName: MetricName}); err != nil ||
		len(r.MetricValues) != 1 || r.MetricValues[0].MetricValue != 3 {
		t.Errorf("GetMetrics = %v, %v; want 3", r, err)
	}
	// A hold keeps it active when the demand goes (TestServerHoldWithoutDemand
	// covers the stream); without either, it is pushed inactive.
	hold.Store(true)
	demand.Store(0)
	if r, err := client.IsActive(ctx, ref); err != nil || !r.Result {
		t.Errorf("IsActive held after the demand went = %v, %v; want true", r, err)
	}
	hold.Store(false)
	s.Notify()
	recv(false)
	if r, err := client.IsActive(ctx, &externalscaler.ScaledObjectRef{Name: "cart-00002", Namespace: "shop"}); err != nil || r.Result {
		t.Errorf("IsActive(cart) = %v, %v; want false", r, err)
	}

	// A revision whose activation timed out is released: requests held for
	// it keep nothing active and ask for no pod, so KEDA takes it to zero.
	demand.Store(3)
	released.Store(true)
	if r, err := client.IsActive(ctx, ref); err != nil || r.Result {
		t.Errorf("IsActive released with demand 3 = %v, %v; want false", r, err)
	}
	if r, err := client.GetMetrics(ctx, &externalscaler.GetMetricsRequest{ScaledObjectRef: ref, MetricName: MetricName}); err != nil ||
		len(r.MetricValues) != 1 || r.MetricValues[0].MetricValueFloat != 0 {
		t.Errorf("GetMetrics released = %v, %v; want 0", r, err)
	}
	// A hold still holds (it is what keeps a revision out of zero while its
	// demand cannot be read).
	hold.Store(true)
	if r, err := client.IsActive(ctx, ref); err != nil || !r.Result {
		t.Errorf("IsActive released but held = %v, %v; want true", r, err)
	}
}

// TestServerHoldWithoutDemand: the hold alone, with no request held at the
// activator, makes the trigger active, in the polled call and on the
// stream (issue 22 item 1: with the hold left out of Active, KEDA would
// remove a last pod before the activator is in the path).
func TestServerHoldWithoutDemand(t *testing.T) {
	var hold atomic.Bool
	s := &Server{
		Demand: func(types.NamespacedName) float64 { return 0 },
		Hold:   func(k types.NamespacedName) bool { return k == checkout && hold.Load() },
		Tick:   time.Hour, // only Notify wakes the stream
	}
	client, _, _ := serve(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ref := &externalscaler.ScaledObjectRef{Name: "checkout-00001", Namespace: "shop"}

	if r, err := client.IsActive(ctx, ref); err != nil || r.Result {
		t.Fatalf("IsActive without demand or hold = %v, %v; want false", r, err)
	}
	hold.Store(true)
	if r, err := client.IsActive(ctx, ref); err != nil || !r.Result {
		t.Errorf("IsActive held, zero demand = %v, %v; want true", r, err)
	}
	if r, err := client.IsActive(ctx, &externalscaler.ScaledObjectRef{Name: "cart-00002", Namespace: "shop"}); err != nil || r.Result {
		t.Errorf("IsActive of another revision = %v, %v; want false (the hold is per revision)", r, err)
	}
	if m, err := client.GetMetrics(ctx, &externalscaler.GetMetricsRequest{ScaledObjectRef: ref, MetricName: MetricName}); err != nil ||
		len(m.MetricValues) != 1 || m.MetricValues[0].MetricValueFloat != 0 {
		t.Errorf("GetMetrics held, zero demand = %v, %v; want 0: a hold keeps a pod, it asks for none", m, err)
	}

	hold.Store(false)
	stream, err := client.StreamIsActive(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := stream.Recv(); err != nil || r.Result {
		t.Fatalf("stream at rest: %v, %v; want false", r, err)
	}
	hold.Store(true)
	s.Notify()
	if r, err := stream.Recv(); err != nil || !r.Result {
		t.Fatalf("stream once held, zero demand: %v, %v; want true pushed", r, err)
	}
	hold.Store(false)
	s.Notify()
	if r, err := stream.Recv(); err != nil || r.Result {
		t.Fatalf("stream once the hold ends: %v, %v; want false pushed", r, err)
	}
}

// serve runs s on a loopback gRPC server and returns a client of it, the
// server and its address; both are stopped when the test ends.
func serve(t *testing.T, s *Server) (externalscaler.ExternalScalerClient, *grpc.Server, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := grpc.NewServer()
	s.Register(g)
	go func() { _ = g.Serve(l) }()
	t.Cleanup(g.Stop)
	conn, err := grpc.NewClient(l.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return externalscaler.NewExternalScalerClient(conn), g, l.Addr().String()
}

// TestScraperSignal: the signal is unreadable at once when an activator's
// metrics were never read (Serving's default metrics-protocol, none, serves
// none), or when no activator is listed; readable when all answer; a
// failing activator keeps its last share, and the signal, for KeepFor,
// then both go (issue 19, defects 5 and 7).
func TestScraperSignal(t *testing.T) {
	var down atomic.Bool
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, activatorMetrics)
	}))
	defer up.Close()
	// refused: a port nothing listens on, as on a default install.
	second := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `kn_revision_request_concurrency{k8s_namespace_name="shop",kn_revision_name="checkout-00001"} 1`+"\n")
	}))
	defer second.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + l.Addr().String() + "/metrics"
	l.Close()

	now := time.Unix(1000, 0)
	var targets atomic.Value
	var signals []Signal
	var changed []types.NamespacedName
	s := &Scraper{
		Targets:  func(context.Context) ([]Target, error) { return targets.Load().([]Target), nil },
		Period:   func() time.Duration { return time.Second },
		KeepFor:  func() time.Duration { return 3 * time.Second },
		OnSignal: func(sig Signal) { signals = append(signals, sig) },
		OnChange: func(k types.NamespacedName) { changed = append(changed, k) },
		now:      func() time.Time { return now },
	}
	if got := s.Signal(); got.State != SignalUnknown {
		t.Errorf("Signal() before any scrape = %v, want Unknown", got)
	}

	targets.Store([]Target{{URL: refused}})
	s.ScrapeOnce(context.Background())
	sig := s.Signal()
	if sig.State != SignalUnreadable || !strings.Contains(sig.Reason, refused) || !strings.Contains(sig.Reason, "connection refused") {
		t.Errorf("Signal() with the only activator refusing = %+v; want Unreadable naming %s and the refusal", sig, refused)
	}

	targets.Store([]Target{{URL: up.URL}})
	s.ScrapeOnce(context.Background())
	if got := s.Signal(); got != (Signal{State: SignalReadable}) {
		t.Errorf("Signal() with every activator read = %+v, want Readable", got)
	}
	if got := s.Demand(checkout); got != 2.5 {
		t.Fatalf("Demand(checkout) = %v, want 2.5", got)
	}

	// The activator fails for a moment: its share stays, still readable.
	down.Store(true)
	now = now.Add(2 * time.Second)
	s.ScrapeOnce(context.Background())
	if got, sig := s.Demand(checkout), s.Signal(); got != 2.5 || sig.State != SignalReadable {
		t.Errorf("2s after the last good read: Demand = %v, Signal = %v; want 2.5 kept, Readable", got, sig)
	}
	// Past KeepFor: gone, and unreadable.
	now = now.Add(1500 * time.Millisecond)
	s.ScrapeOnce(context.Background())
	if got, sig := s.Demand(checkout), s.Signal(); got != 0 || sig.State != SignalUnreadable || !strings.Contains(sig.Reason, "503") {
		t.Errorf("3.5s after the last good read: Demand = %v, Signal = %+v; want 0, Unreadable naming the 503", got, sig)
	}

	targets.Store([]Target{})
	s.ScrapeOnce(context.Background())
	if sig := s.Signal(); sig.State != SignalUnreadable || !strings.Contains(sig.Reason, "no activator") {
		t.Errorf("Signal() with no activator listed = %+v, want Unreadable, no activator", sig)
	}

	// A draining activator (not ready: shutting down) may still hold
	// requests: they count; it failing does not make the signal unreadable.
	down.Store(false)
	targets.Store([]Target{{URL: up.URL, Draining: true}, {URL: refused, Draining: true}, {URL: second.URL}})
	s.ScrapeOnce(context.Background())
	if got, sig := s.Demand(checkout), s.Signal(); got != 3.5 || sig.State != SignalReadable {
		t.Errorf("with a draining activator holding 2.5 and another refusing: Demand = %v, Signal = %+v; want 3.5 (2.5 + 1), Readable", got, sig)
	}
	targets.Store([]Target{{URL: up.URL, Draining: true}})
	s.ScrapeOnce(context.Background())
	if sig := s.Signal(); sig.State != SignalUnreadable || !strings.Contains(sig.Reason, "no activator") {
		t.Errorf("Signal() with only a draining activator = %+v, want Unreadable, no activator ready", sig)
	}

	want := []SignalState{SignalUnreadable, SignalReadable, SignalUnreadable, SignalReadable, SignalUnreadable}
	var got []SignalState
	for _, sig := range signals {
		got = append(got, sig.State)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("OnSignal calls (-want, +got):\n%s", diff)
	}
	if diff := cmp.Diff([]types.NamespacedName{checkout, checkout, checkout}, changed); diff != "" {
		t.Errorf("OnChange calls (-want, +got):\n%s", diff)
	}
}

// TestServerMetricTarget: the demand metric aims at the trigger's
// targetConcurrency per pod, and asks for activationScale pods while there
// is any demand: eight requests held in a cold start ask for one pod at a
// target of 70, not eight (issue 19, defect 6).
func TestServerMetricTarget(t *testing.T) {
	var demand atomic.Int64
	s := &Server{Demand: func(types.NamespacedName) float64 { return float64(demand.Load()) }}
	client, _, _ := serve(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ref := func(md map[string]string) *externalscaler.ScaledObjectRef {
		m := map[string]string{"scalerAddress": "x:1", "namespace": "shop", "revision": "checkout-00001"}
		maps.Copy(m, md)
		return &externalscaler.ScaledObjectRef{Name: "checkout-00001", Namespace: "shop", ScalerMetadata: m}
	}
	// pods is what the HPA asks for with an AverageValue target.
	pods := func(md map[string]string) float64 {
		t.Helper()
		spec, err := client.GetMetricSpec(ctx, ref(md))
		if err != nil || len(spec.MetricSpecs) != 1 {
			t.Fatalf("GetMetricSpec = %v, %v", spec, err)
		}
		m, err := client.GetMetrics(ctx, &externalscaler.GetMetricsRequest{ScaledObjectRef: ref(md), MetricName: MetricName})
		if err != nil || len(m.MetricValues) != 1 {
			t.Fatalf("GetMetrics = %v, %v", m, err)
		}
		return math.Ceil(m.MetricValues[0].MetricValueFloat / spec.MetricSpecs[0].TargetSizeFloat)
	}
	target := map[string]string{"targetConcurrency": "70"}
	for _, tc := range []struct {
		name   string
		demand int64
		md     map[string]string
		want   float64
	}{
		{"no demand", 0, target, 0},
		{"8 held, target 70", 8, target, 1},
		{"150 held, target 70", 150, target, 3},
		{"1 held, activation-scale 3", 1, map[string]string{"targetConcurrency": "70", "activationScale": "3"}, 3},
		{"no demand, activation-scale 3", 0, map[string]string{"targetConcurrency": "70", "activationScale": "3"}, 0},
		{"a trigger without a target: 1 per pod", 8, nil, 8},
	} {
		demand.Store(tc.demand)
		if got := pods(tc.md); got != tc.want {
			t.Errorf("%s: the HPA would ask for %v pods, want %v", tc.name, got, tc.want)
		}
	}
}

// TestServerRequestMetric: for a revision that scales on requests, the HPA
// asks for the decider's desired pods, at least activation-scale while the
// activator holds requests, and the trigger is active while the decider
// wants any pod, or the activator holds any request.
func TestServerRequestMetric(t *testing.T) {
	var demand, desired atomic.Int64
	known := atomic.Bool{}
	s := &Server{
		Demand:  func(types.NamespacedName) float64 { return float64(demand.Load()) },
		Desired: func(types.NamespacedName) (int32, bool) { return int32(desired.Load()), known.Load() },
	}
	client, _, _ := serve(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ref := func(md map[string]string) *externalscaler.ScaledObjectRef {
		m := map[string]string{"scalerAddress": "x:1", "namespace": "shop", "revision": "checkout-00001", "metric": "concurrency"}
		maps.Copy(m, md)
		return &externalscaler.ScaledObjectRef{Name: "checkout-00001", Namespace: "shop", ScalerMetadata: m}
	}
	for _, tc := range []struct {
		name            string
		demand, desired int64
		known           bool
		md              map[string]string
		wantValue       float64
		wantActive      bool
		wantErr         bool
	}{
		// Not 0: the HPA would take the revision to min-scale.
		{name: "no decision (no stats within the window), nothing held: an error", wantErr: true},
		{name: "the decider wants 4", desired: 4, known: true, wantValue: 4, wantActive: true},
		{name: "the decider wants 0: idle", known: true, wantValue: 0},
		{name: "held at the activator before a decision", demand: 3, wantValue: 1, wantActive: true},
		{name: "held, activation-scale 3, the decider wants 1", demand: 3, desired: 1, known: true,
			md: map[string]string{"activationScale": "3"}, wantValue: 3, wantActive: true},
		{name: "the decider's 7 beside 2 held", demand: 2, desired: 7, known: true, wantValue: 7, wantActive: true},
	} {
		demand.Store(tc.demand)
		desired.Store(tc.desired)
		known.Store(tc.known)
		spec, err := client.GetMetricSpec(ctx, ref(tc.md))
		if err != nil || len(spec.MetricSpecs) != 1 {
			t.Fatalf("%s: GetMetricSpec = %v, %v", tc.name, spec, err)
		}
		if got := spec.MetricSpecs[0]; got.TargetSizeFloat != 1 || got.MetricName != "knative-requests" {
			t.Errorf("%s: metric spec = %v, want knative-requests aimed at 1 per pod", tc.name, got)
		}
		m, err := client.GetMetrics(ctx, &externalscaler.GetMetricsRequest{ScaledObjectRef: ref(tc.md), MetricName: MetricName})
		switch {
		case tc.wantErr:
			if err == nil || !strings.Contains(err.Error(), "no request statistics for revision shop/checkout-00001") {
				t.Errorf("%s: GetMetrics = %v, %v; want the error naming the revision", tc.name, m, err)
			}
		case err != nil || len(m.MetricValues) != 1:
			t.Fatalf("%s: GetMetrics = %v, %v", tc.name, m, err)
		default:
			if got := m.MetricValues[0].MetricValueFloat; got != tc.wantValue {
				t.Errorf("%s: metric = %v, want %v", tc.name, got, tc.wantValue)
			}
		}
		a, err := client.IsActive(ctx, ref(tc.md))
		if err != nil {
			t.Fatal(err)
		}
		if a.Result != tc.wantActive {
			t.Errorf("%s: IsActive = %v, want %v", tc.name, a.Result, tc.wantActive)
		}
	}

	// A released revision (its activation timed out) keeps nothing.
	s.Released = func(types.NamespacedName) bool { return true }
	demand.Store(2)
	desired.Store(5)
	known.Store(true)
	if a, err := client.IsActive(ctx, ref(nil)); err != nil || a.Result {
		t.Errorf("released: IsActive = %v, %v, want false", a, err)
	}
}

// TestServerStopEndsStreamsCleanly: on shutdown an open StreamIsActive ends
// with an OK status, which KEDA's client reads as io.EOF and answers by
// dialing again 2 s later; a stream cut by grpc.Server.Stop is an error,
// after which KEDA v2.21 doubles its back-off on each restart (issue 19,
// HA). The server stops without waiting out its grace, and a new
// connection is refused.
func TestServerStopEndsStreamsCleanly(t *testing.T) {
	s := &Server{
		Demand: func(types.NamespacedName) float64 { return 0 },
		Tick:   time.Hour, // nothing but Stop ends the stream
	}
	client, g, addr := serve(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stream, err := client.StreamIsActive(ctx, &externalscaler.ScaledObjectRef{Name: "checkout-00001", Namespace: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := stream.Recv(); err != nil || r.Result {
		t.Fatalf("stream at rest: %v, %v; want false", r, err)
	}

	const grace = 20 * time.Second
	stopped := make(chan time.Duration)
	t0 := time.Now()
	go func() {
		s.Stop(g, grace)
		stopped <- time.Since(t0)
	}()
	if r, err := stream.Recv(); err != io.EOF { //nolint:errorlint // Recv returns io.EOF itself
		t.Errorf("stream on shutdown: %v, %v; want io.EOF (a clean end), not an error status", r, err)
	}
	if took := <-stopped; took > grace/2 {
		t.Errorf("Stop took %v (grace %v): the streams' clean end should let the graceful stop finish at once", took, grace)
	} else {
		t.Logf("stopped in %v", took)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("a new connection after Stop was accepted; want refused")
	}
}

// TestServerStopBounded: a call that does not end holds the graceful stop
// for grace at most; then the server is stopped hard.
func TestServerStopBounded(t *testing.T) {
	s := &Server{Demand: func(types.NamespacedName) float64 { return 0 }}
	block := make(chan struct{})
	entered := make(chan struct{})
	// A handler that ignores shutdown, for a method the server does not know.
	g := grpc.NewServer(grpc.UnknownServiceHandler(func(any, grpc.ServerStream) error {
		close(entered)
		<-block
		return nil
	}))
	s.Register(g)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = g.Serve(l) }()
	defer g.Stop()
	// First (deferred last): the graceful stop left behind holds the
	// server's lock until the handler returns.
	defer close(block)
	conn, err := grpc.NewClient(l.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cs, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, "/test.Stuck/Call")
	if err != nil {
		t.Fatal(err)
	}
	if err := cs.CloseSend(); err != nil {
		t.Fatal(err)
	}
	<-entered

	const grace = 500 * time.Millisecond
	t0 := time.Now()
	s.Stop(g, grace)
	if took := time.Since(t0); took < grace || took > grace+5*time.Second {
		t.Errorf("Stop with a stuck call took %v; want about its grace %v, then a hard stop", took, grace)
	}
	if err := cs.RecvMsg(new(struct{})); err == nil || err == io.EOF { //nolint:errorlint // as above
		t.Errorf("the stuck call after the hard stop: %v; want an error (cut)", err)
	}
}

// TestScraperWake: between health reads (a long HealthPeriod, no revision
// behind the activator) Wake makes the scraper look again at once, so a
// revision that just went behind the activator is read every Period from
// then on, not from the end of the health period.
func TestScraperWake(t *testing.T) {
	var reads atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		reads.Add(1)
		_, _ = io.WriteString(w, activatorMetrics)
	}))
	defer srv.Close()
	var needed atomic.Bool
	s := &Scraper{
		Targets:      func(context.Context) ([]Target, error) { return []Target{{URL: srv.URL}}, nil },
		Needed:       needed.Load,
		Period:       func() time.Duration { return 50 * time.Millisecond },
		HealthPeriod: time.Hour,
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	waitFor := func(n int32) bool {
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if reads.Load() >= n {
				return true
			}
		}
		return false
	}
	if !waitFor(1) {
		t.Fatal("no first (health) read")
	}
	time.Sleep(200 * time.Millisecond)
	if got := reads.Load(); got != 1 {
		t.Fatalf("%d reads within 200ms of a one-hour health period, want 1", got)
	}
	needed.Store(true)
	s.Wake()
	if !waitFor(4) {
		t.Errorf("%d reads 5 s after Wake with a revision behind the activator, want reads every 50ms", reads.Load())
	}
}
