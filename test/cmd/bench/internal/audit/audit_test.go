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
	"github.com/serving-keda/serving-keda/test/harness/apimetrics"
)

func TestReqCounts(t *testing.T) {
	c := apimetrics.Counts{
		{Verb: "create", Group: "keda.sh", Resource: "scaledobjects", Code: "201"}:                       40,
		{Verb: "create", Group: "keda.sh", Resource: "scaledobjects", Code: "409"}:                       2,
		{Verb: "patch", Group: "keda.sh", Resource: "scaledobjects", Subresource: "status", Code: "200"}: 7,
		{Verb: "get", Subresource: "/readyz", Code: "200"}:                                               3,
	}
	want := []result.ReqCount{
		{Request: "create scaledobjects", Write: true, Count: 42},
		{Request: "patch scaledobjects/status", Write: true, Count: 7},
		{Request: "get //readyz", Count: 3},
	}
	if diff := cmp.Diff(want, audit.ReqCounts(c)); diff != "" {
		t.Errorf("ReqCounts (-want +got):\n%s", diff)
	}
	if w, r, x := audit.Writes(c), audit.Reads(c), audit.Conflicts(c); w != 49 || r != 3 || x != 2 {
		t.Errorf("writes %v, reads %v, conflicts %v; want 49, 3, 2", w, r, x)
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
	if got := audit.Writes(a.Requests[result.KEDA]["converge"]); got != 2 {
		t.Errorf("controller writes while converging = %v, want 2", got)
	}
	if got := audit.Conflicts(a.Requests[result.KEDA]["converge"]); got != 1 {
		t.Errorf("conflicts = %v, want 1", got)
	}
	if got := audit.Writes(a.Requests["keda-operator"]["steady"]); got != 1 {
		t.Errorf("KEDA writes in the steady window = %v, want 1 (the other is after it)", got)
	}
}
