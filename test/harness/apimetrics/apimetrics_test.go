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

package apimetrics

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A sample of kube-apiserver v1.34's /metrics: the counter between other
// families, a label value with an escaped quote, two components summed.
const sample = `# HELP apiserver_request_duration_seconds_count x
# TYPE apiserver_request_duration_seconds_count counter
apiserver_request_duration_seconds_count{verb="POST"} 99
# HELP apiserver_request_total [STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.
# TYPE apiserver_request_total counter
apiserver_request_total{code="201",component="apiserver",dry_run="",group="keda.sh",resource="scaledobjects",scope="resource",subresource="",verb="POST",version="v1alpha1"} 40
apiserver_request_total{code="201",component="other",dry_run="",group="keda.sh",resource="scaledobjects",scope="resource",subresource="",verb="POST",version="v1alpha1"} 1
apiserver_request_total{code="409",component="apiserver",dry_run="",group="keda.sh",resource="scaledobjects",scope="resource",subresource="",verb="POST",version="v1alpha1"} 2
apiserver_request_total{code="200",component="apiserver",dry_run="",group="keda.sh",resource="scaledobjects",scope="resource",subresource="status",verb="PATCH",version="v1alpha1"} 7
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="",scope="",subresource="/readyz \"x\"",verb="GET",version=""} 3
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="cluster",subresource="",verb="WATCHLIST",version="v1"} 1
# HELP apiserver_requested_deprecated_apis x
# TYPE apiserver_requested_deprecated_apis gauge
apiserver_requested_deprecated_apis{group="x"} 1
`

func TestParse(t *testing.T) {
	got, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	so := Request{Verb: "create", Group: "keda.sh", Resource: "scaledobjects"}
	created, conflict := so, so
	created.Code, conflict.Code = "201", "409"
	want := Counts{
		created:  41,
		conflict: 2,
		{Verb: "patch", Group: "keda.sh", Resource: "scaledobjects", Subresource: "status", Code: "200"}: 7,
		{Verb: "get", Subresource: `/readyz "x"`, Code: "200"}:                                           3,
		{Verb: "watch", Resource: "pods", Code: "200"}:                                                   1,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Parse (-want +got):\n%s", diff)
	}
	if w := got.Where(Request.IsWrite).Total(); w != 50 {
		t.Errorf("writes = %v, want 50", w)
	}
	if ok := got.Where(Request.Succeeded).Where(Request.IsWrite).Total(); ok != 48 {
		t.Errorf("successful writes = %v, want 48", ok)
	}
	if n := got.Map(WithoutCode)[so]; n != 43 {
		t.Errorf("creates over all codes = %v, want 43", n)
	}
	if d := got.Sub(Counts{created: 40}); d[created] != 1 || len(d) != len(got) {
		t.Errorf("Sub = %v", d)
	}
	if s := got.Sorted()[0].String(); s != "create scaledobjects 201" {
		t.Errorf("most counted %q", s)
	}
}

func TestParseNoSamples(t *testing.T) {
	if _, err := Parse(strings.NewReader("# HELP x y\nx 1\n")); err == nil {
		t.Error("no error without samples")
	}
}
