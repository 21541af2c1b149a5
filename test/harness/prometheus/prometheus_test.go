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

package prometheus

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// get queries s as KEDA's prometheus scaler does and returns the value.
func get(t *testing.T, s *Server, query string) string {
	t.Helper()
	resp, err := http.Get(s.URL + "/api/v1/query?" + url.Values{"query": {query}, "namespace": {"ns"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string
		Data   struct {
			ResultType string
			Result     []struct{ Value []any }
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if body.Status != "success" || body.Data.ResultType != "vector" || len(body.Data.Result) != 1 || len(body.Data.Result[0].Value) != 2 {
		t.Fatalf("answer %+v, want a one-sample vector", body)
	}
	v, _ := body.Data.Result[0].Value[1].(string)
	return v
}

func TestServer(t *testing.T) {
	s := StartForTest(t, 5)
	if v := get(t, s, "up"); v != "5" {
		t.Errorf("value %q, want 5", v)
	}
	s.Set(0.25)
	if v := get(t, s, "up"); v != "0.25" {
		t.Errorf("after Set: %q, want 0.25", v)
	}
	s.SetFunc(func(q string, _ time.Time) float64 { return float64(len(q)) })
	if v := get(t, s, "abc"); v != "3" {
		t.Errorf("after SetFunc: %q, want 3", v)
	}
	resp, err := http.Get(s.URL + "/api/v1/series")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("other path: %d, want 404", resp.StatusCode)
	}
	q := s.Queries()
	if s.Count() != 4 || len(q) != 4 || q[0] != (Query{Path: "/api/v1/query", Query: "up", Namespace: "ns"}) || q[3].Path != "/api/v1/series" {
		t.Errorf("count %d, queries %+v", s.Count(), q)
	}
}

func TestQueriesBounded(t *testing.T) {
	s := StartForTest(t, 1)
	for i := 0; i < keep+5; i++ {
		get(t, s, strings.Repeat("x", i%3))
	}
	if n := len(s.Queries()); n != keep || s.Count() != keep+5 {
		t.Errorf("%d queries kept of %d, want %d", n, s.Count(), keep)
	}
}
