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

// Package row holds the record test/reliability writes per test (one JSON
// line to $RELIABILITY_REPORT) and test/cmd/reliability-report reads.
package row

// Row is one row of docs/reliability.md: the fault or bad input, how the
// test caused it, what happened, and how many objects were lost (a
// PodAutoscaler without its ScaledObject, ServerlessService or status at the
// end) or duplicated.
type Row struct {
	Test       string `json:"test"`
	Fault      string `json:"fault"`
	How        string `json:"how"`
	Result     string `json:"result"`
	Objects    int    `json:"objects"`
	Lost       int    `json:"lost"`
	Duplicated int    `json:"duplicated"`
	// Passed is false for a skipped test: a skip proves nothing.
	Passed  bool    `json:"passed"`
	Skipped bool    `json:"skipped,omitempty"`
	Seconds float64 `json:"seconds"`
	When    string  `json:"when"`
	Tree    string  `json:"tree"`
}
