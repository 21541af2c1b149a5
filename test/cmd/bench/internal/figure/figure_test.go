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

package figure

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/result"
)

func TestDecadeTicks(t *testing.T) {
	var labels []string
	minor := 0
	for _, tk := range decadeTicks(0.1, 100) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		} else {
			minor++
		}
	}
	if got := len(labels); got != 4 || labels[0] != "0.1" || labels[3] != "100" {
		t.Errorf("labels %v, want 0.1 1 10 100", labels)
	}
	if minor != 3*8 {
		t.Errorf("%d minor ticks, want 24", minor)
	}
}

func TestConvergence(t *testing.T) {
	times := result.ToDist([]float64{0, 0.5, 2, 3, 40})
	lat := result.ToDist([]float64{8, 9, 12})
	rs := []*result.Result{
		{Label: "autoscaler-keda, KEDA played", Contender: result.KEDA, KEDAProfile: result.Played, N: 5,
			ObjectTimes: times, HPATimes: times, StatusTimes: times, ObjectLatencies: times, UpdateLatencies: lat},
		{Label: "bare, KEDA played", Contender: result.Bare, KEDAProfile: result.Played, N: 5, ObjectTimes: times, ObjectLatencies: times},
	}
	path := filepath.Join(t.TempDir(), "c.png")
	if err := Convergence(path, rs); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != widthPx || b.Dy() != heightPx {
		t.Errorf("image %v, want %dx%d", b, widthPx, heightPx)
	}
}
