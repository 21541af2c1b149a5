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
	"testing"

	"knative.dev/pkg/observability/resource"
	_ "knative.dev/pkg/system/testing"
)

// sharedmain builds its OpenTelemetry resource with resource.Default, which
// panics when the OpenTelemetry SDK and knative.dev/pkg speak different
// semantic-convention schemas (KEDA's requirements pull a newer SDK; go.mod
// holds it back). This is the check that the module graph keeps them in
// step: with go.opentelemetry.io/otel/sdk v1.46.0 it panics with
// "conflicting Schema URL".
func TestOpenTelemetryResourceSchemasAgree(t *testing.T) {
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("resource.Default panicked, the controller would crash at start-up: %v", r)
		}
	}()
	r := resource.Default("autoscaler-keda")
	if r.SchemaURL() == "" {
		t.Fatalf("resource.Default has no schema URL: %v", r)
	}
}
