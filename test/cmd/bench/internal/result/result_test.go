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

package result

import (
	"testing"
)

func TestPercentiles(t *testing.T) {
	var s []float64
	for i := 1; i <= 200; i++ {
		s = append(s, float64(i))
	}
	got := Percentiles(s)
	want := Pcts{N: 200, P50: 100, P90: 180, P99: 198, Max: 200}
	if got != want {
		t.Errorf("percentiles = %+v, want %+v", got, want)
	}
	if (Percentiles(nil) != Pcts{}) {
		t.Error("percentiles of nothing should be zero")
	}
}

func TestDist(t *testing.T) {
	var s []float64
	for i := 0; i < 1000; i++ {
		s = append(s, float64(i))
	}
	d := ToDist(s)
	if d.Count != 1000 || len(d.Q) != DistPoints || d.Q[0] != 0 || d.Last() != 999 {
		t.Fatalf("ToDist: count %d, %d points, first %v, last %v", d.Count, len(d.Q), d.Q[0], d.Last())
	}
	ranks, values := d.Points()
	for i := range ranks {
		if float64(ranks[i]) != values[i] {
			t.Fatalf("point %d: rank %d, value %v", i, ranks[i], values[i])
		}
	}
	small := ToDist([]float64{1, 2, 3})
	if r, _ := small.Points(); len(r) != 3 || r[2] != 2 {
		t.Errorf("small sample ranks %v", r)
	}
}
