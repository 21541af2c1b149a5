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

package report

import (
	"os"
	"path/filepath"
	"testing"
)

// The committed page is what Write makes of the committed results: the
// page is generated, and the program that generates it must not drift.
func TestWriteMatchesCommittedPage(t *testing.T) {
	docs := filepath.Join("..", "..", "..", "..", "..", "docs", "benchmarks")
	files, err := filepath.Glob(filepath.Join(docs, "results-n*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no results in %s: %v", docs, err)
	}
	out := t.TempDir()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := Write(out); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(out, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(docs, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("docs/benchmarks/README.md is not what the report makes of the results: run go run ./test/cmd/bench -report-only")
	}
	for _, n := range []int{1000, 3000, 5000} {
		if _, err := os.Stat(filepath.Join(out, plotName(n))); err != nil {
			t.Errorf("plot of N=%d: %v", n, err)
		}
	}
}
