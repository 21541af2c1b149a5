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

package workload

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWorkloadMix(t *testing.T) {
	revs := New(8, 3)
	mixes := map[string]int{}
	for _, r := range revs {
		mixes[r.Mix]++
	}
	if diff := cmp.Diff(map[string]int{"cpu": 2, "cpu-window": 2, "memory": 2, "prometheus": 2}, mixes); diff != "" {
		t.Errorf("mix (-want +got):\n%s", diff)
	}
	if revs[4].Namespace != "bench-01" || revs[4].Name != "rev-00004" {
		t.Errorf("revision 4 = %+v", revs[4])
	}
}
