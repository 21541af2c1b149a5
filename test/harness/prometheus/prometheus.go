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

// Package prometheus is a fake Prometheus on 127.0.0.1: it answers the
// instant-query API (GET /api/v1/query), which is all KEDA's prometheus
// scaler asks, with one sample whose value the caller sets. That value is
// the "load" a test or the demo drives; every query is counted and the
// latest ones kept, so a test can check what KEDA really asked.
package prometheus

import (
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Query is a request the server received.
type Query struct {
	Path      string // /api/v1/query unless something else was asked
	Query     string // the PromQL
	Namespace string // KEDA's namespace parameter (the trigger's namespace)
}

// ValueFunc computes the value answered for a query at a time.
type ValueFunc func(query string, now time.Time) float64

// keep bounds the recorded queries: a demo or a benchmark runs for long.
const keep = 1000

// Server is a running fake Prometheus.
type Server struct {
	// URL is its address (http://127.0.0.1:port), for a trigger's
	// serverAddress or config-autoscaler-keda's prometheus-address.
	URL string

	srv     *http.Server
	mu      sync.Mutex
	value   ValueFunc
	count   int64
	queries []Query // the latest keep
}

// Start starts a server answering value to every query.
func Start(value float64) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://" + l.Addr().String()}
	s.Set(value)
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.srv.Serve(l) }()
	return s, nil
}

// TB is the part of testing.TB that StartForTest uses.
type TB interface {
	Helper()
	Fatal(args ...any)
	Cleanup(func())
}

// StartForTest starts a server that closes when t ends.
func StartForTest(t TB, value float64) *Server {
	t.Helper()
	s, err := Start(value)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Set makes every later query answer v.
func (s *Server) Set(v float64) {
	s.SetFunc(func(string, time.Time) float64 { return v })
}

// SetFunc makes every later query answer f(query, now): a value that moves
// with time, or one per revision's query.
func (s *Server) SetFunc(f ValueFunc) {
	s.mu.Lock()
	s.value = f
	s.mu.Unlock()
}

// Count is the number of requests received.
func (s *Server) Count() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// Queries returns the latest requests received (at most 1,000), oldest first.
func (s *Server) Queries() []Query {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Query(nil), s.queries...)
}

// Close stops the server.
func (s *Server) Close() { _ = s.srv.Close() }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	q := Query{Path: r.URL.Path, Query: r.URL.Query().Get("query"), Namespace: r.URL.Query().Get("namespace")}
	s.mu.Lock()
	s.count++
	s.queries = append(s.queries, q)
	if len(s.queries) > keep {
		s.queries = append(s.queries[:0:0], s.queries[len(s.queries)-keep:]...)
	}
	value := s.value
	s.mu.Unlock()
	if r.Method != http.MethodGet || r.URL.Path != "/api/v1/query" {
		http.NotFound(w, r)
		return
	}
	now := time.Now()
	v := value(q.Query, now)
	// Prometheus' vector result: [unix seconds, "value as a string"].
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"status": "success",
		"data": map[string]any{
			"resultType": "vector",
			"result": []any{map[string]any{
				"metric": map[string]string{},
				"value":  []any{float64(now.UnixMilli()) / 1000, strconv.FormatFloat(v, 'f', -1, 64)},
			}},
		},
	})
}
