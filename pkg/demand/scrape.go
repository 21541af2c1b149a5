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

// Package demand turns the requests Knative's activator holds for a
// revision into KEDA activation (docs/scale-to-zero.md): a Scraper reads
// every activator's per-revision concurrency from its Prometheus endpoint,
// and a Server answers KEDA's external-push scaler protocol with it.
package demand

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// ConcurrencyMetric is the activator's gauge of the requests it holds or
// forwards per revision (Serving v0.48's kn.revision.request.concurrency,
// as its Prometheus exporter names it), with the revision in
// RevisionLabel and its namespace in NamespaceLabel.
const (
	ConcurrencyMetric = "kn_revision_request_concurrency"
	RevisionLabel     = "kn_revision_name"
	NamespaceLabel    = "k8s_namespace_name"
)

// Scraper keeps the activators' total concurrency per revision, read every
// period while Needed says a revision is held at the activator.
type Scraper struct {
	// Targets lists the activators' metrics URLs (http://ip:port/metrics).
	Targets func(ctx context.Context) ([]string, error)
	// Needed reports whether any revision is in Proxy mode: only then is
	// the activator in a path whose demand matters.
	Needed func() bool
	// Period is the scrape period.
	Period func() time.Duration
	// OnChange is called for each revision whose demand changed between
	// zero and non-zero.
	OnChange func(types.NamespacedName)
	// Client is the HTTP client; default one with a 2 s timeout.
	Client *http.Client
	// Logf reports failed scrapes.
	Logf func(format string, args ...any)

	mu     sync.RWMutex
	demand map[types.NamespacedName]float64
}

// Demand is the activators' concurrency for a revision (0 when unknown).
func (s *Scraper) Demand(key types.NamespacedName) float64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.demand[key]
}

// Run scrapes until ctx ends.
func (s *Scraper) Run(ctx context.Context) {
	for {
		if s.Needed == nil || s.Needed() {
			s.ScrapeOnce(ctx)
		} else {
			s.set(nil)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.Period()):
		}
	}
}

// ScrapeOnce reads every target once and replaces the demand with the
// sum over them. A target that fails keeps no stale value: its part is
// missing until it answers again (KEDA's poll, and the hold, cover a
// lost scrape).
func (s *Scraper) ScrapeOnce(ctx context.Context) {
	targets, err := s.Targets(ctx)
	if err != nil {
		s.logf("listing the activators: %v", err)
		return
	}
	hc := s.Client
	if hc == nil {
		hc = &http.Client{Timeout: 2 * time.Second}
	}
	total := map[types.NamespacedName]float64{}
	for _, u := range targets {
		got, err := scrape(ctx, hc, u)
		if err != nil {
			s.logf("scraping activator %s: %v", u, err)
			continue
		}
		for k, v := range got {
			total[k] += v
		}
	}
	s.set(total)
}

func (s *Scraper) set(next map[types.NamespacedName]float64) {
	s.mu.Lock()
	prev := s.demand
	s.demand = next
	s.mu.Unlock()
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

func (s *Scraper) logf(format string, args ...any) {
	if s.Logf != nil {
		s.Logf(format, args...)
	}
}

func scrape(ctx context.Context, hc *http.Client, url string) (map[types.NamespacedName]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s", resp.Status)
	}
	return ParseConcurrency(resp.Body)
}

// ParseConcurrency reads ConcurrencyMetric's samples from Prometheus's text
// format, summed per revision (one activator may report several series of
// a revision, one per other label).
func ParseConcurrency(r io.Reader) (map[types.NamespacedName]float64, error) {
	out := map[types.NamespacedName]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, ConcurrencyMetric)
		if !ok || !strings.HasPrefix(rest, "{") {
			continue
		}
		labels, value, err := splitSample(rest)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", line, err)
		}
		key := types.NamespacedName{Namespace: labels[NamespaceLabel], Name: labels[RevisionLabel]}
		if key.Name == "" || key.Namespace == "" {
			continue
		}
		out[key] += value
	}
	return out, sc.Err()
}

// splitSample parses `{a="x",b="y"} 1.5 [timestamp]`.
func splitSample(s string) (map[string]string, float64, error) {
	labels := map[string]string{}
	i := 1 // past '{'
	for {
		for i < len(s) && (s[i] == ',' || s[i] == ' ') {
			i++
		}
		if i >= len(s) {
			return nil, 0, fmt.Errorf("unterminated labels")
		}
		if s[i] == '}' {
			i++
			break
		}
		eq := strings.IndexByte(s[i:], '=')
		if eq < 0 || i+eq+1 >= len(s) || s[i+eq+1] != '"' {
			return nil, 0, fmt.Errorf("bad label at %d", i)
		}
		name := s[i : i+eq]
		i += eq + 2
		var b strings.Builder
		for ; i < len(s) && s[i] != '"'; i++ {
			if s[i] == '\\' && i+1 < len(s) {
				i++
				switch s[i] {
				case 'n':
					b.WriteByte('\n')
				default:
					b.WriteByte(s[i])
				}
				continue
			}
			b.WriteByte(s[i])
		}
		if i >= len(s) {
			return nil, 0, fmt.Errorf("unterminated value of %s", name)
		}
		i++ // past '"'
		labels[name] = b.String()
	}
	fields := strings.Fields(s[i:])
	if len(fields) == 0 {
		return nil, 0, fmt.Errorf("no value")
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return nil, 0, err
	}
	return labels, v, nil
}
