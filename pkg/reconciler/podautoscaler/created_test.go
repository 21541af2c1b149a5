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
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	rtesting "knative.dev/pkg/reconciler/testing"

	fakekedaclient "github.com/serving-keda/serving-keda/pkg/client/injection/client/fake"
	"github.com/serving-keda/serving-keda/pkg/config"
	. "github.com/serving-keda/serving-keda/pkg/reconciler/testing"
)

// TestCreatedScaledObjectNotCreatedAgain: a reconcile that comes before the
// informer shows the ScaledObject the previous one created (KEDA's HPA
// event, seen sooner) uses the created object instead of sending the create
// again; once it is older than createdMemory, the informer is believed.
func TestCreatedScaledObjectNotCreatedAgain(t *testing.T) {
	ctx, _ := rtesting.SetupFakeContext(t, withSelector)
	ctx = config.ToContext(ctx, testConfig(nil))
	ls := NewListers([]runtime.Object{deployment(), pa(), sks()})
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	r := newTestReconciler(ctx, &ls)
	r.created = newCreatedObjects()
	r.clock = func() time.Time { return now }
	creates := func() int {
		n := 0
		for _, a := range fakekedaclient.Get(ctx).Actions() {
			if a.Matches("create", "scaledobjects") {
				n++
			}
		}
		return n
	}

	for i, at := range []time.Duration{0, time.Second, 5 * time.Second} {
		now = now.Add(at)
		_ = r.ReconcileKind(ctx, pa())
		if got := creates(); got != 1 {
			t.Fatalf("reconcile %d: %d ScaledObject creates, want 1", i+1, got)
		}
	}
	// The informer never showed it, long after: it is created again (and
	// the API server would say whether it exists).
	now = now.Add(createdMemory)
	_ = r.ReconcileKind(ctx, pa())
	if got := creates(); got != 2 {
		t.Errorf("after createdMemory: %d creates, want 2", got)
	}
	// Seen by the informer: forgotten.
	r.created.seen(testNamespace, testRevision)
	if len(r.created.m) != 0 {
		t.Errorf("remembered after the informer showed it: %v", r.created.m)
	}
}
