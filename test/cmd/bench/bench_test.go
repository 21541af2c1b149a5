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
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/serving-keda/serving-keda/pkg/translate"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/contender"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/keda"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/workload"
)

// Serving's autoscaler-hpa is built from hack/cluster/serving-1.23 and looked up
// under the version the main module pins: both must agree.
func TestServingVersionsAgree(t *testing.T) {
	version := func(path string) string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "require "))
			if len(f) >= 2 && f[0] == "knative.dev/serving" {
				return f[1]
			}
		}
		t.Fatalf("%s does not require knative.dev/serving", path)
		return ""
	}
	root := filepath.Join("..", "..", "..")
	main, wrapper := version(filepath.Join(root, "go.mod")), version(filepath.Join(root, "hack", "cluster", "serving-1.23", "go.mod"))
	if main != wrapper {
		t.Errorf("go.mod pins knative.dev/serving %s, hack/cluster/serving-1.23/go.mod %s", main, wrapper)
	}
}

// The player's HPA for each ScaledObject of the workload is named after the
// revision, where the controller and the latency test look for it.
func TestPlayedWorkloadHPAs(t *testing.T) {
	cfg, err := contender.TranslateConfig("http://127.0.0.1:9090")
	if err != nil {
		t.Fatal(err)
	}
	for i, rev := range workload.New(4, 1) {
		pa := rev.PodAutoscaler(i)
		pa.UID = "pa-uid"
		so, err := translate.ScaledObject(translate.Input{PA: pa, Config: cfg, Workload: workload.Shape})
		if err != nil {
			t.Fatalf("%s: %v", rev.Mix, err)
		}
		hpa := keda.HPAForScaledObject(so)
		if hpa.Name != rev.Name || len(hpa.Spec.Metrics) != 1 || *hpa.Spec.MinReplicas < 1 || hpa.Spec.MaxReplicas < *hpa.Spec.MinReplicas {
			t.Errorf("%s: HPA %s, %d metrics, min %d, max %d", rev.Mix, hpa.Name, len(hpa.Spec.Metrics), *hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas)
		}
	}
}
