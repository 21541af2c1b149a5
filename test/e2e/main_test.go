//go:build integration

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

// Package e2e shows, on a healthy local control plane with KEDA's real
// operator (test/harness), what a user of the controller sees: revisions
// of every metric kind get their ScaledObject and KEDA's HPA, status flows
// back, deletion collects, users' edits and their own ScaledObjects are
// handled, configuration changes apply. Faults, every invalid annotation
// and security are test/reliability's.
package e2e

import (
	"testing"
	"time"

	"github.com/serving-keda/serving-keda/test/harness"
)

// shared is the env most tests share, each in its own namespace; tests
// that change cluster-wide state start their own (harness.StartForTest).
var shared = &harness.Shared{}

func TestMain(m *testing.M) { harness.Main(m, shared) }

// createTimeout bounds the wait for a revision's ScaledObject: the first
// test of a run may meet a controller whose caches are still warming.
const createTimeout = 30 * time.Second
