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

// Package apimetrics reads what the API server itself counted of the
// requests it served: its apiserver_request_total counter, from its own
// /metrics. Every client's requests are in it (the controller's, KEDA's,
// the test's), which is what makes it the referee of "how many writes".
package apimetrics

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"k8s.io/client-go/kubernetes"
)

// Metric is the counter's name.
const Metric = "apiserver_request_total"

// Request is a kind of request: the verb as the audit log and RBAC spell it
// (create, update, patch, delete, get, list, watch, ...), the resource, and
// the response code. Non-resource requests have an empty Resource and the
// path in Subresource, as the metric has them.
type Request struct {
	Verb        string `json:"verb"`
	Group       string `json:"group,omitempty"`
	Resource    string `json:"resource"`
	Subresource string `json:"subresource,omitempty"`
	Code        string `json:"code,omitempty"`
}

// String renders "create scaledobjects/status 201" (the code only if set).
func (r Request) String() string {
	res := r.Resource
	if r.Subresource != "" {
		res += "/" + r.Subresource
	}
	if res == "" {
		res = "(non-resource)"
	}
	s := r.Verb + " " + res
	if r.Code != "" {
		s += " " + r.Code
	}
	return s
}

// IsWrite reports whether the verb changes state.
func (r Request) IsWrite() bool {
	switch r.Verb {
	case "create", "update", "patch", "delete", "deletecollection", "apply":
		return true
	}
	return false
}

// Succeeded reports whether the response code is 2xx.
func (r Request) Succeeded() bool { return strings.HasPrefix(r.Code, "2") }

// auditVerb maps the metric's verbs (HTTP methods, mostly) to the audit log's.
var auditVerb = map[string]string{
	"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete",
	"DELETECOLLECTION": "deletecollection", "GET": "get", "LIST": "list",
	"WATCH": "watch", "WATCHLIST": "watch", "APPLY": "apply", "CONNECT": "connect",
}

// Counts maps kinds of requests to how many there were, summed over the
// labels Request leaves out (component, scope, version, dry_run).
type Counts map[Request]float64

// Scrape reads the counter from the API server's /metrics.
func Scrape(ctx context.Context, kube kubernetes.Interface) (Counts, error) {
	raw, err := kube.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("GET /metrics: %w", err)
	}
	return Parse(bytes.NewReader(raw))
}

// Parse reads the counter from a Prometheus text exposition; it is an
// error if there is no sample of it.
func Parse(in io.Reader) (Counts, error) {
	// Only the counter's own lines go to the parser: the API server exposes
	// thousands of other series, none of which matter here.
	var own bytes.Buffer
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		rest := bytes.TrimPrefix(bytes.TrimPrefix(line, []byte("# HELP ")), []byte("# TYPE "))
		if bytes.HasPrefix(rest, []byte(Metric+"{")) || bytes.HasPrefix(rest, []byte(Metric+" ")) {
			own.Write(line)
			own.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(&own)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", Metric, err)
	}
	fam := families[Metric]
	if fam == nil || len(fam.GetMetric()) == 0 {
		return nil, errors.New("no " + Metric + " samples")
	}
	out := Counts{}
	for _, m := range fam.GetMetric() {
		l := map[string]string{}
		for _, p := range m.GetLabel() {
			l[p.GetName()] = p.GetValue()
		}
		verb := auditVerb[l["verb"]]
		if verb == "" {
			verb = strings.ToLower(l["verb"])
		}
		var v float64
		switch {
		case m.GetCounter() != nil:
			v = m.GetCounter().GetValue()
		case m.GetUntyped() != nil:
			v = m.GetUntyped().GetValue()
		}
		out[Request{Verb: verb, Group: l["group"], Resource: l["resource"], Subresource: l["subresource"], Code: l["code"]}] += v
	}
	return out, nil
}

// Sub returns c minus base (for counters read at two times); kinds that
// did not change are left out.
func (c Counts) Sub(base Counts) Counts {
	out := Counts{}
	for k, v := range c {
		if d := v - base[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

// Where keeps the kinds of requests keep accepts.
func (c Counts) Where(keep func(Request) bool) Counts {
	out := Counts{}
	for k, v := range c {
		if keep(k) {
			out[k] = v
		}
	}
	return out
}

// Map folds kinds of requests together: each is counted under f(kind),
// e.g. without its Code.
func (c Counts) Map(f func(Request) Request) Counts {
	out := Counts{}
	for k, v := range c {
		out[f(k)] += v
	}
	return out
}

// Total sums all counts.
func (c Counts) Total() float64 {
	var t float64
	for _, v := range c {
		t += v
	}
	return t
}

// Sorted returns the kinds of requests, most first, then by name.
func (c Counts) Sorted() []Request {
	keys := make([]Request, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if c[keys[i]] != c[keys[j]] {
			return c[keys[i]] > c[keys[j]]
		}
		return keys[i].String() < keys[j].String()
	})
	return keys
}

// String renders the counts, most first: "create scaledobjects 201 ×20, ...".
func (c Counts) String() string {
	if len(c) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range c.Sorted() {
		parts = append(parts, fmt.Sprintf("%s ×%g", k, c[k]))
	}
	return strings.Join(parts, ", ")
}

// WithoutCode is a Map function that sums over response codes.
func WithoutCode(r Request) Request {
	r.Code = ""
	return r
}
