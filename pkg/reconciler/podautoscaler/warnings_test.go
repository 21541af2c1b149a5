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

package podautoscaler

import (
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func TestOnceWarnings(t *testing.T) {
	core, logs := observer.New(zap.WarnLevel)
	w := &onceWarnings{logger: zap.New(core).Sugar()}
	const deprecated = "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"
	for range 5 {
		w.HandleWarningHeader(299, "", deprecated)
	}
	w.HandleWarningHeader(299, "", "another")
	w.HandleWarningHeader(199, "", "not a warning header Kubernetes sends")
	var got []string
	for _, e := range logs.All() {
		got = append(got, e.ContextMap()["warning"].(string))
	}
	if len(got) != 2 || got[0] != deprecated || got[1] != "another" {
		t.Errorf("logged %q, want each distinct warning once", got)
	}
}
