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
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// file holds one N's results, one per contender label.
type file struct {
	Runs []*Result `json:"runs"`
}

// Path is the results file of N in out.
func Path(out string, n int) string {
	return filepath.Join(out, fmt.Sprintf("results-n%d.json", n))
}

// Save merges results into out/results-n<N>.json, replacing earlier
// results of the same label.
func Save(out string, n int, results []*Result) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	path := Path(out, n)
	var f file
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &f); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	byLabel := map[string]*Result{}
	for _, r := range f.Runs {
		byLabel[r.Label] = r
	}
	for _, r := range results {
		byLabel[r.Label] = r
	}
	f.Runs = f.Runs[:0]
	for _, r := range byLabel {
		f.Runs = append(f.Runs, r)
	}
	Sort(f.Runs)
	b, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// Sort orders results as the report shows them: this controller first
// (KEDA played, then tuned), then Serving's, then bare.
func Sort(rs []*Result) {
	sort.Slice(rs, func(i, j int) bool { return labelOrder(rs[i].Label) < labelOrder(rs[j].Label) })
}

func labelOrder(label string) string {
	switch {
	case strings.HasPrefix(label, KEDA+", KEDA "+Played):
		return "00" + label
	case strings.HasPrefix(label, KEDA+", KEDA tuned"):
		return "01" + label
	case strings.HasPrefix(label, KEDA):
		return "1" + label
	case strings.HasPrefix(label, HPA):
		return "2" + label
	}
	return "3" + label
}

// LoadAll reads every results file in out, by N, each N's results sorted.
func LoadAll(out string) (map[int][]*Result, error) {
	files, err := filepath.Glob(filepath.Join(out, "results-n*.json"))
	if err != nil {
		return nil, err
	}
	all := map[int][]*Result{}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var f file
		if err := json.Unmarshal(b, &f); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		for _, r := range f.Runs {
			all[r.N] = append(all[r.N], r)
		}
	}
	for _, rs := range all {
		Sort(rs)
	}
	return all, nil
}
