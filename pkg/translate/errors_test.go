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

package translate_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	asconfig "knative.dev/serving/pkg/autoscaler/config"

	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/pkg/translate"
	"github.com/serving-keda/serving-keda/pkg/translate/translatetest"
)

var update = flag.Bool("update", false, "rewrite translatetest's golden messages (review the diff)")

// TestInvalidCases checks every refused revision of translatetest: nothing
// is returned but the error, which names the annotations and carries the
// reviewed reason and message.
func TestInvalidCases(t *testing.T) {
	golden := translatetest.Golden()
	got := map[string]translatetest.Want{}
	for _, tc := range translatetest.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			if _, dup := got[tc.Name]; dup {
				t.Fatalf("two cases are named %q", tc.Name)
			}
			so, err := translate.ScaledObject(translate.Input{
				PA:       translatetest.PodAutoscaler("shop", tc.Annotations, tc.DropLabels...),
				Config:   caseConfig(t, tc.Autoscaler, tc.KEDA),
				Workload: translatetest.Workload(),
			})
			if err == nil {
				t.Fatalf("ScaledObject() = %+v, want an error", so.Spec)
			}
			if so != nil {
				t.Errorf("ScaledObject() returned an object with its error")
			}
			if diff := cmp.Diff(tc.Keys, translate.Keys(err)); diff != "" {
				t.Errorf("Keys(%q) (-want, +got):\n%s", err, diff)
			}
			w := translatetest.Want{Reason: translate.Reason(err), Message: err.Error()}
			got[tc.Name] = w
			if tc.Reason != "" && w.Reason != tc.Reason {
				t.Errorf("Reason() = %q, want %q", w.Reason, tc.Reason)
			}
			if *update {
				return
			}
			if diff := cmp.Diff(golden[tc.Name], w); diff != "" {
				t.Errorf("reason and message (-golden, +got):\n%s", diff)
			}
		})
	}
	if *update {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(got); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(translatetest.GoldenPath, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	for name := range golden {
		if _, ok := got[name]; !ok {
			t.Errorf("golden message for %q, which is no case", name)
		}
	}
}

func caseConfig(t *testing.T, autoscaler, keda map[string]string) *config.Config {
	t.Helper()
	as, err := asconfig.NewConfigFromMap(autoscaler)
	if err != nil {
		t.Fatal(err)
	}
	k, err := config.NewKEDAFromMap(keda)
	if err != nil {
		t.Fatal(err)
	}
	return &config.Config{Autoscaler: as, KEDA: k}
}

func TestErrorsShortenLongValues(t *testing.T) {
	_, err := translate.ScaledObject(translate.Input{
		PA:     translatetest.PodAutoscaler("shop", map[string]string{translate.ScaleUpRulesAnnotationKey: strings.Repeat("z", 5000)}),
		Config: caseConfig(t, nil, nil),
	})
	if err == nil {
		t.Fatal("want an error")
	}
	if len(err.Error()) > 1000 {
		t.Errorf("error is %d bytes long; a condition message should not repeat the whole value", len(err.Error()))
	}
}
