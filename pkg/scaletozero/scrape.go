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
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"k8s.io/apimachinery/pkg/types"
)

// The activator's per-revision metrics, as its Prometheus exporter names
// them, with the revision in RevisionLabel and its namespace in
// NamespaceLabel:
//   - ConcurrencyMetric (every Serving release): the requests it holds or
//     forwards, averaged over its 1 s report tick; a revision's first
//     report leaves out the first request, so it shows a tick late.
//   - QueuedMetric and ActiveMetric (Serving 1.22 and later): the requests
//     waiting for capacity and those being proxied, counted as they
//     happen.
//
// A revision's demand is the larger of the concurrency and queued+active:
// the newer counters where the activator has them, the gauge elsewhere.
const (
	ConcurrencyMetric = "kn_revision_request_concurrency"
	QueuedMetric      = "kn_revision_request_queued"
	ActiveMetric      = "kn_revision_request_active"
	RevisionLabel     = "kn_revision_name"
	NamespaceLabel    = "k8s_namespace_name"
)

// SignalState says whether the activators' demand can be read.
type SignalState int

const (
	// SignalUnknown: not checked yet (starting, or scale to zero is off).
	SignalUnknown SignalState = iota
	// SignalReadable: every activator's metrics were read lately.
	SignalReadable
	// SignalUnreadable: some activator's metrics cannot be read (or none
	// is listed): a request it holds would wake nothing.
	SignalUnreadable
)

func (s SignalState) String() string {
	return [...]string{"Unknown", "Readable", "Unreadable"}[s]
}

// Signal is the state of the demand signal, and why when unreadable.
type Signal struct {
	State  SignalState
	Reason string
}

// Scraper keeps the activators' total demand per revision, and whether it
// can read it. It reads every Period while Needed says a revision is held
// at the activator, and every HealthPeriod otherwise, so that a setting
// that hides the activators' metrics is found before any revision relies
// on them.
type Scraper struct {
	// Targets lists the activators' metrics endpoints.
	Targets func(ctx context.Context) ([]Target, error)
	// Enabled reports whether scale to zero through the activator is on;
	// off, nothing is read and the signal is Unknown.
	Enabled func() bool
	// Needed reports whether any revision is in Proxy mode: only then is
	// the activator in a path whose demand matters.
	Needed func() bool
	// Period is the scrape period while Needed; HealthPeriod otherwise.
	Period       func() time.Duration
	HealthPeriod time.Duration
	// KeepFor is how long a failing activator's last share of the demand
	// is kept, and the signal still counts as readable; default 3 periods.
	KeepFor func() time.Duration
	// OnChange is called for each revision whose demand changed between
	// zero and non-zero.
	OnChange func(types.NamespacedName)
	// OnSignal is called when the signal's state changes.
	OnSignal func(Signal)
	// OnRead is called with the demand after each scrape, and when it was
	// read.
	OnRead func(map[types.NamespacedName]float64, time.Time)
	// Client is the HTTP client; default one with a 2 s timeout.
	Client *http.Client
	// Logf reports failed scrapes.
	Logf func(format string, args ...any)
	// now is time.Now unless a test sets it.
	now func() time.Time

	// wake cuts a wait short (Wake).
	wakeOnce sync.Once
	wake     chan struct{}

	mu     sync.RWMutex
	demand map[types.NamespacedName]float64
	signal Signal
	// last is each target's last good read.
	last map[string]read
}

// Target is one activator's metrics URL (http://ip:port/metrics).
// Draining: the activator is not ready (shutting down, or starting): what
// it reads is counted, as it may still hold requests, but it failing says
// nothing about the signal.
type Target struct {
	URL      string
	Draining bool
}

type read struct {
	at     time.Time
	demand map[types.NamespacedName]float64
}

// Demand is the activators' demand for a revision (0 when unknown).
func (s *Scraper) Demand(key types.NamespacedName) float64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.demand[key]
}

// Signal is the state of the demand signal.
func (s *Scraper) Signal() Signal {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.signal
}

// Wake makes Run look again now whether it is Needed, rather than at the
// end of a health period: a revision just went behind the activator.
func (s *Scraper) Wake() {
	select {
	case s.wakeCh() <- struct{}{}:
	default: // a wake is pending already
	}
}

func (s *Scraper) wakeCh() chan struct{} {
	s.wakeOnce.Do(func() { s.wake = make(chan struct{}, 1) })
	return s.wake
}

// Run scrapes until ctx ends.
func (s *Scraper) Run(ctx context.Context) {
	for {
		wait := s.Period()
		switch {
		case s.Enabled != nil && !s.Enabled():
			s.reset()
		case s.Needed == nil || s.Needed():
			s.ScrapeOnce(ctx)
		default:
			s.ScrapeOnce(ctx)
			if s.HealthPeriod > wait && s.Signal().State == SignalReadable {
				wait = s.HealthPeriod
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		case <-s.wakeCh():
		}
	}
}

// ScrapeOnce reads every target once and replaces the demand with the sum
// over them. A target that fails keeps its last share for KeepFor: a lost
// scrape must not read as "no request held". Past that, or with no good
// read ever, the signal is unreadable.
func (s *Scraper) ScrapeOnce(ctx context.Context) {
	targets, err := s.Targets(ctx)
	if err != nil {
		// The API server's failure, not the activators': the demand and the
		// signal stay as they were.
		s.logf("listing the activators: %v", err)
		return
	}
	hc := s.Client
	if hc == nil {
		hc = &http.Client{Timeout: 2 * time.Second}
	}
	now := s.clock()
	keep := s.keepFor()
	next := map[string]read{}
	var failed []string
	ready := 0
	for _, target := range targets {
		u := target.URL
		if !target.Draining {
			ready++
		}
		got, err := Scrape(ctx, hc, u)
		if err == nil {
			next[u] = read{at: now, demand: got}
			continue
		}
		s.mu.RLock()
		prev, had := s.last[u]
		s.mu.RUnlock()
		if had && now.Sub(prev.at) < keep {
			next[u] = prev
			s.logf("scraping activator %s: %v (its last read, %v old, still counts)", u, err, now.Sub(prev.at).Round(time.Millisecond))
			continue
		}
		if target.Draining {
			continue
		}
		s.logf("scraping activator %s: %v", u, err)
		failed = append(failed, fmt.Sprintf("%s: %v", u, err))
	}
	total := map[types.NamespacedName]float64{}
	for _, r := range next {
		for k, v := range r.demand {
			total[k] += v
		}
	}
	sig := Signal{State: SignalReadable}
	switch {
	case len(failed) > 0:
		sort.Strings(failed)
		sig = Signal{State: SignalUnreadable, Reason: "cannot read the request metrics of activator " + strings.Join(failed, "; ")}
	case ready == 0:
		sig = Signal{State: SignalUnreadable, Reason: "no activator is ready in the activator-service Endpoints"}
	}
	s.set(total, next, sig)
	if s.OnRead != nil {
		s.OnRead(total, now)
	}
}

func (s *Scraper) reset() {
	s.set(nil, nil, Signal{})
}

func (s *Scraper) set(next map[types.NamespacedName]float64, last map[string]read, sig Signal) {
	s.mu.Lock()
	prev, prevSig := s.demand, s.signal
	s.demand, s.last, s.signal = next, last, sig
	s.mu.Unlock()
	if sig.State != prevSig.State && s.OnSignal != nil {
		s.OnSignal(sig)
	}
	if s.OnChange == nil {
		return
	}
	for k, v := range next {
		if (v > 0) != (prev[k] > 0) {
			s.OnChange(k)
		}
	}
	for k, v := range prev {
		if _, still := next[k]; !still && v > 0 {
			s.OnChange(k)
		}
	}
}

func (s *Scraper) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

func (s *Scraper) keepFor() time.Duration {
	if s.KeepFor != nil {
		return s.KeepFor()
	}
	return 3 * s.Period()
}

func (s *Scraper) logf(format string, args ...any) {
	if s.Logf != nil {
		s.Logf(format, args...)
	}
}

// acceptHeader asks for Prometheus's protobuf format, else text.
const acceptHeader = `application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3`

// Scrape reads one activator's demand per revision.
func Scrape(ctx context.Context, hc *http.Client, url string) (map[types.NamespacedName]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", acceptHeader)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s", resp.Status)
	}
	return Parse(resp.Body, expfmt.ResponseFormat(resp.Header))
}

// Parse reads the demand per revision from an activator's metrics in
// format: max(concurrency, queued + active), each summed over its series
// of the revision.
func Parse(r io.Reader, format expfmt.Format) (map[types.NamespacedName]float64, error) {
	dec := expfmt.NewDecoder(r, format) // text unless format says protobuf
	concurrency := map[types.NamespacedName]float64{}
	counted := map[types.NamespacedName]float64{}
	for {
		var mf dto.MetricFamily
		if err := dec.Decode(&mf); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, err
		}
		var into map[types.NamespacedName]float64
		switch mf.GetName() {
		case ConcurrencyMetric:
			into = concurrency
		case QueuedMetric, ActiveMetric:
			into = counted
		default:
			continue
		}
		for _, m := range mf.GetMetric() {
			key := revisionOf(m)
			if key.Name == "" || key.Namespace == "" {
				continue
			}
			into[key] += value(m)
		}
	}
	out := concurrency
	for k, v := range counted {
		out[k] = max(out[k], v)
	}
	return out, nil
}

func revisionOf(m *dto.Metric) types.NamespacedName {
	var key types.NamespacedName
	for _, l := range m.GetLabel() {
		switch l.GetName() {
		case RevisionLabel:
			key.Name = l.GetValue()
		case NamespaceLabel:
			key.Namespace = l.GetValue()
		}
	}
	return key
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	case m.Untyped != nil:
		return m.GetUntyped().GetValue()
	}
	return 0
}
