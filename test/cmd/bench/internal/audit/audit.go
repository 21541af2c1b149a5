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
// from its audit log: one line per request, with the client's user and
// user agent, which the API server's own counters (test/harness/apimetrics)
// do not have. The counts are apimetrics.Counts, so both read alike.
package audit

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/result"
	"github.com/serving-keda/serving-keda/test/harness/apimetrics"
)

// ReqCounts lists c, summed over response codes, as the results file keeps
// it: most requests first.
func ReqCounts(c apimetrics.Counts) []result.ReqCount {
	c = c.Map(apimetrics.WithoutCode)
	out := []result.ReqCount{}
	for _, k := range c.Sorted() {
		out = append(out, result.ReqCount{Request: k.String(), Write: k.IsWrite(), Count: c[k]})
	}
	return out
}

// Writes counts the requests that change state.
func Writes(c apimetrics.Counts) float64 { return c.Where(apimetrics.Request.IsWrite).Total() }

// Reads counts the others.
func Reads(c apimetrics.Counts) float64 {
	return c.Where(func(r apimetrics.Request) bool { return !r.IsWrite() }).Total()
}

// Conflicts counts the requests answered 409 Conflict.
func Conflicts(c apimetrics.Counts) float64 {
	return c.Where(func(r apimetrics.Request) bool { return r.Code == "409" }).Total()
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
// recorded (by their arrival time), by kind and response code.
type ByClient struct {
	Requests map[string]map[string]apimetrics.Counts // client -> window -> counts
	Agents   map[string]string                       // client -> one user agent seen, for the report
}

// Read classifies every request of the audit log by client with
// classify(username, userAgent) and counts it in the windows it falls in.
func Read(path string, windows []Window, classify func(user, agent string) string) (*ByClient, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := &ByClient{Requests: map[string]map[string]apimetrics.Counts{}, Agents: map[string]string{}}
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
		for _, w := range windows {
			if t := ev.RequestReceivedTimestamp; !t.Before(w.From) && t.Before(w.To) {
				out.add(client, w.Name, ev.request())
			}
		}
	}
	return out, sc.Err()
}

// request is the kind of request of ev, as apimetrics names them.
func (ev *event) request() apimetrics.Request {
	k := apimetrics.Request{Verb: ev.Verb}
	if ev.ObjectRef != nil {
		k.Group, k.Resource, k.Subresource = ev.ObjectRef.APIGroup, ev.ObjectRef.Resource, ev.ObjectRef.Subresource
	}
	if ev.ResponseStatus != nil {
		k.Code = strconv.Itoa(ev.ResponseStatus.Code)
	}
	return k
}

func (b *ByClient) add(client, window string, k apimetrics.Request) {
	if b.Requests[client] == nil {
		b.Requests[client] = map[string]apimetrics.Counts{}
	}
	if b.Requests[client][window] == nil {
		b.Requests[client][window] = apimetrics.Counts{}
	}
	b.Requests[client][window][k]++
}
