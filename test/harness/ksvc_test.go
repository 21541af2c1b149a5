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

package harness

import (
	"fmt"
	"testing"
)

// errorsOnly records Errorf calls; the rest goes to the real T.
type errorsOnly struct {
	testing.TB
	errs []string
}

func (e *errorsOnly) Errorf(format string, args ...any) {
	e.errs = append(e.errs, fmt.Sprintf(format, args...))
}

func TestReplicaHistoryCheckBounds(t *testing.T) {
	tests := []struct {
		name     string
		values   []int32
		from     int
		min, max int32
		wantErr  bool
	}{
		{name: "within", values: []int32{1, 3, 1, 5}, min: 1, max: 5},
		{name: "above max", values: []int32{1, 6, 5}, min: 1, max: 5, wantErr: true},
		{name: "below min before reaching it", values: []int32{1, 2, 4, 2}, min: 2, max: 4},
		{name: "below min after reaching it", values: []int32{1, 2, 1}, min: 2, max: 4, wantErr: true},
		{name: "from a mark, the count then included", values: []int32{1, 3}, from: 1, min: 1, max: 1, wantErr: true},
		{name: "from a mark, earlier counts ignored", values: []int32{5, 1, 1}, from: 2, min: 1, max: 1},
		{name: "stayed", values: []int32{1}, from: 1, min: 1, max: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := &ReplicaHistory{what: "Deployment d"}
			for _, v := range tc.values {
				h.record(v)
			}
			rec := &errorsOnly{TB: t}
			h.CheckBounds(rec, tc.from, tc.min, tc.max)
			if got := len(rec.errs) > 0; got != tc.wantErr {
				t.Errorf("CheckBounds(%v from %d, [%d, %d]) errors %q, want error %v", tc.values, tc.from, tc.min, tc.max, rec.errs, tc.wantErr)
			}
		})
	}
}
