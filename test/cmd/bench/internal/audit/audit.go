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

// Package audit counts the requests the API server served, by client,
// from its audit log (one line per request, with the client's user and user
// agent, which the API server's own counters do not have), and reads those
// counters (apiserver_request_total, all clients together).
package audit

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/result"
)

// Request is a kind of request: a verb (as the audit log spells it: create,
// update, patch, delete, get, list, watch) on a resource and subresource.
type Request struct {
	Verb        string `json:"verb"`
	Group       string `json:"group,omitempty"`
	Resource    string `json:"resource"`
	Subresource string `json:"subresource,omitempty"`
}

func (k Request) String() string {
	r := k.Resource
	if k.Subresource != "" {
		r += "/" + k.Subresource
	}
	if r == "" {
		r = "(non-resource)"
	}
	return k.Verb + " " + r
}

// IsWrite reports whether a verb changes state.
func IsWrite(verb string) bool {
	switch verb {
	case "create", "update", "patch", "delete", "deletecollection", "apply":
		return true
	}
	return false
}

// Counts maps kinds of requests to how many there were.
type Counts map[Request]float64

// Sub returns c minus base (for counters read at two times).
func (c Counts) Sub(base Counts) Counts {
	out := Counts{}
	for k, v := range c {
		if d := v - base[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

// Total sums the requests whose verb satisfies keep (nil: all).
func (c Counts) Total(keep func(verb string) bool) float64 {
	var t float64
	for k, v := range c {
		if keep == nil || keep(k.Verb) {
			t += v
		}
	}
	return t
}

// ReqCounts lists the counts as the results file keeps them, most first.
func (c Counts) ReqCounts() []result.ReqCount {
	out := []result.ReqCount{}
	for _, k := range c.Sorted() {
		out = append(out, result.ReqCount{Request: k.String(), Write: IsWrite(k.Verb), Count: c[k]})
	}
	return out
}

// Sorted returns the keys, most requests first.
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

// metricsVerb maps apiserver_request_total's verbs to the audit log's.
var metricsVerb = map[string]string{
	"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete",
	"DELETECOLLECTION": "deletecollection", "GET": "get", "LIST": "list",
	"WATCH": "watch", "WATCHLIST": "watch", "APPLY": "apply", "CONNECT": "connect",
}

// ScrapeRequestTotals reads apiserver_request_total from the API server's
// own /metrics, summed over response codes and components.
func ScrapeRequestTotals(ctx context.Context, kube kubernetes.Interface) (Counts, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	b, err := kube.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("GET /metrics: %w", err)
	}
	return ParseRequestTotals(string(b))
}

// ParseRequestTotals reads apiserver_request_total from a Prometheus text
// exposition.
func ParseRequestTotals(text string) (Counts, error) {
	const name = "apiserver_request_total{"
	out := Counts{}
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, name) {
			continue
		}
		end := strings.LastIndexByte(line, '}')
		if end < 0 {
			return nil, fmt.Errorf("bad sample %q", line)
		}
		labels, err := parseLabels(line[len(name):end])
		if err != nil {
			return nil, fmt.Errorf("bad sample %q: %w", line, err)
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(line[end+1:]), 64)
		if err != nil {
			return nil, fmt.Errorf("bad sample %q: %w", line, err)
		}
		verb := metricsVerb[labels["verb"]]
		if verb == "" {
			verb = strings.ToLower(labels["verb"])
		}
		out[Request{Verb: verb, Group: labels["group"], Resource: labels["resource"], Subresource: labels["subresource"]}] += v
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no apiserver_request_total samples")
	}
	return out, nil
}

// parseLabels parses `a="x",b="y"` (Prometheus text format label values,
// with \\, \" and \n escapes).
func parseLabels(s string) (map[string]string, error) {
	out := map[string]string{}
	for len(s) > 0 {
		eq := strings.IndexByte(s, '=')
		if eq < 0 || eq+1 >= len(s) || s[eq+1] != '"' {
			return nil, fmt.Errorf("label syntax near %q", s)
		}
		key := strings.TrimSpace(s[:eq])
		var val strings.Builder
		i := eq + 2
		for ; i < len(s) && s[i] != '"'; i++ {
			if s[i] == '\\' && i+1 < len(s) {
				i++
				if s[i] == 'n' {
					val.WriteByte('\n')
					continue
				}
			}
			val.WriteByte(s[i])
		}
		if i >= len(s) {
			return nil, fmt.Errorf("unterminated label value in %q", s)
		}
		out[key] = val.String()
		s = strings.TrimPrefix(s[i+1:], ",")
	}
	return out, nil
}

// policy logs every request once, when it completes, at the Metadata
// level (who, what, which object; no bodies). Health checks and metric
// scrapes are left out.
const policy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived", "ResponseStarted"]
rules:
- level: None
  nonResourceURLs: ["/metrics", "/healthz*", "/readyz*", "/livez*", "/version", "/openapi*", "/api*"]
- level: Metadata
`

// Flags writes the policy into dir and returns the kube-apiserver
// flags that log to dir/audit.log.
func Flags(dir string) (map[string]string, string, error) {
	policyFile := filepath.Join(dir, "audit-policy.yaml")
	if err := os.WriteFile(policyFile, []byte(policy), 0o644); err != nil {
		return nil, "", err
	}
	log := filepath.Join(dir, "audit.log")
	return map[string]string{
		"audit-policy-file": policyFile,
		"audit-log-path":    log,
		"audit-log-maxsize": "0",
		"audit-log-mode":    "blocking",
	}, log, nil
}

type event struct {
	Stage     string `json:"stage"`
	Verb      string `json:"verb"`
	UserAgent string `json:"userAgent"`
	User      struct {
		Username string `json:"username"`
	} `json:"user"`
	ObjectRef *struct {
		Resource    string `json:"resource"`
		Subresource string `json:"subresource"`
		APIGroup    string `json:"apiGroup"`
	} `json:"objectRef"`
	ResponseStatus *struct {
		Code int `json:"code"`
	} `json:"responseStatus"`
	RequestReceivedTimestamp time.Time `json:"requestReceivedTimestamp"`
}

// Window is a named time interval [From, To).
type Window struct {
	Name     string
	From, To time.Time
}

// ByClient holds, per client and window, the requests the audit log
// recorded (by their arrival time), and the conflicts (HTTP 409) among them.
type ByClient struct {
	Requests  map[string]map[string]Counts // client -> window -> counts
	Conflicts map[string]map[string]float64
	Agents    map[string]string // client -> one user agent seen, for the report
}

// Read classifies every request of the audit log by client with
// classify(username, userAgent) and counts it in the windows it falls in.
func Read(path string, windows []Window, classify func(user, agent string) string) (*ByClient, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := &ByClient{
		Requests:  map[string]map[string]Counts{},
		Conflicts: map[string]map[string]float64{},
		Agents:    map[string]string{},
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var ev event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if ev.Stage != "ResponseComplete" && ev.Stage != "Panic" {
			continue
		}
		client := classify(ev.User.Username, ev.UserAgent)
		if _, ok := out.Agents[client]; !ok {
			out.Agents[client] = ev.UserAgent
		}
		k := Request{Verb: ev.Verb}
		if ev.ObjectRef != nil {
			k.Group, k.Resource, k.Subresource = ev.ObjectRef.APIGroup, ev.ObjectRef.Resource, ev.ObjectRef.Subresource
		}
		for _, w := range windows {
			t := ev.RequestReceivedTimestamp
			if t.Before(w.From) || !t.Before(w.To) {
				continue
			}
			if out.Requests[client] == nil {
				out.Requests[client] = map[string]Counts{}
				out.Conflicts[client] = map[string]float64{}
			}
			if out.Requests[client][w.Name] == nil {
				out.Requests[client][w.Name] = Counts{}
			}
			out.Requests[client][w.Name][k]++
			if ev.ResponseStatus != nil && ev.ResponseStatus.Code == 409 {
				out.Conflicts[client][w.Name]++
			}
		}
	}
	return out, sc.Err()
}
