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

package main

import (
	"strings"
	"testing"
)

// A skipped test proved nothing: its row says skipped, never yes, and the
// summary counts it apart from passes and failures.
func TestSkippedIsNotPassed(t *testing.T) {
	in := strings.Join([]string{
		`{"test":"TestA","fault":"a fault","how":"h","result":"ok","passed":true,"when":"2026-01-01T00:00:00Z"}`,
		`{"test":"TestB","fault":"b fault","how":"h","result":"skipped","passed":false,"skipped":true,"when":"2026-01-01T00:01:00Z"}`,
		`{"test":"TestC","fault":"invalid annotation: c","how":"h","result":"bad","passed":false,"when":"2026-01-01T00:02:00Z"}`,
		`{"test":"TestD","fault":"invalid annotation: d","how":"h","result":"skipped","skipped":true,"when":"2026-01-01T00:03:00Z"}`,
	}, "\n")
	rows, err := read(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	render(&out, rows, "cmd")
	md := out.String()
	for _, want := range []string{
		"**4 rows, 1 failed, 2 skipped;",
		"| ok | 0 | 0 | 0 | yes | TestA (0) |",
		"| skipped | 0 | 0 | 0 | skipped | TestB (0) |",
		"| c | h | bad | 0 | **no** |",
		"| d | h | skipped | 0 | skipped |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}
