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

package audit_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/audit"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/contender"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/result"
)

func TestParseRequestTotals(t *testing.T) {
	text := `# HELP apiserver_request_total [STABLE] Counter of apiserver requests
# TYPE apiserver_request_total counter
apiserver_request_total{code="201",component="apiserver",dry_run="",group="keda.sh",resource="scaledobjects",scope="resource",subresource="",verb="POST",version="v1alpha1"} 40
apiserver_request_total{code="409",component="apiserver",dry_run="",group="keda.sh",resource="scaledobjects",scope="resource",subresource="",verb="POST",version="v1alpha1"} 2
apiserver_request_total{code="200",component="apiserver",dry_run="",group="keda.sh",resource="scaledobjects",scope="resource",subresource="status",verb="PATCH",version="v1alpha1"} 7
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="",scope="",subresource="/readyz",verb="GET",version=""} 3
apiserver_request_duration_seconds_count{verb="POST"} 99
`
	got, err := audit.ParseRequestTotals(text)
	if err != nil {
		t.Fatal(err)
	}
	want := audit.Counts{
		{Verb: "create", Group: "keda.sh", Resource: "scaledobjects"}:                       42,
		{Verb: "patch", Group: "keda.sh", Resource: "scaledobjects", Subresource: "status"}: 7,
		{Verb: "get", Subresource: "/readyz"}:                                               3,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseRequestTotals (-want +got):\n%s", diff)
	}
	if w := got.Total(audit.IsWrite); w != 49 {
		t.Errorf("writes = %v, want 49", w)
	}
	base := audit.Counts{{Verb: "create", Group: "keda.sh", Resource: "scaledobjects"}: 40}
	if d := got.Sub(base)[audit.Request{Verb: "create", Group: "keda.sh", Resource: "scaledobjects"}]; d != 2 {
		t.Errorf("Sub = %v, want 2", d)
	}
}

func TestReadAudit(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	lines := []string{
		`{"stage":"ResponseComplete","verb":"create","userAgent":"autoscaler-keda/v0.0.0","user":{"username":"system:serviceaccount:knative-serving:autoscaler-keda"},"objectRef":{"resource":"scaledobjects","apiGroup":"keda.sh"},"responseStatus":{"code":201},"requestReceivedTimestamp":"2026-01-01T00:00:01.000000Z"}`,
		`{"stage":"ResponseComplete","verb":"update","userAgent":"autoscaler-keda/v0.0.0","user":{"username":"system:serviceaccount:knative-serving:autoscaler-keda"},"objectRef":{"resource":"podautoscalers","subresource":"status","apiGroup":"autoscaling.internal.knative.dev"},"responseStatus":{"code":409},"requestReceivedTimestamp":"2026-01-01T00:00:02.000000Z"}`,
		`{"stage":"ResponseComplete","verb":"patch","userAgent":"keda-operator-v2.19.0/v0.0.0","user":{"username":"admin"},"objectRef":{"resource":"scaledobjects","subresource":"status","apiGroup":"keda.sh"},"responseStatus":{"code":200},"requestReceivedTimestamp":"2026-01-01T00:00:12.000000Z"}`,
		`{"stage":"ResponseComplete","verb":"patch","userAgent":"keda-operator-v2.19.0/v0.0.0","user":{"username":"admin"},"objectRef":{"resource":"scaledobjects","subresource":"status","apiGroup":"keda.sh"},"responseStatus":{"code":200},"requestReceivedTimestamp":"2026-01-01T00:00:30.000000Z"}`,
	}
	path := filepath.Join(t.TempDir(), "audit.log")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	windows := []audit.Window{{Name: "converge", From: t0, To: t0.Add(10 * time.Second)}, {Name: "steady", From: t0.Add(10 * time.Second), To: t0.Add(20 * time.Second)}}
	a, err := audit.Read(path, windows, contender.Classify)
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Requests[result.KEDA]["converge"].Total(audit.IsWrite); got != 2 {
		t.Errorf("controller writes while converging = %v, want 2", got)
	}
	if got := a.Conflicts[result.KEDA]["converge"]; got != 1 {
		t.Errorf("conflicts = %v, want 1", got)
	}
	if got := a.Requests["keda-operator"]["steady"].Total(audit.IsWrite); got != 1 {
		t.Errorf("KEDA writes in the steady window = %v, want 1 (the other is after it)", got)
	}
}
