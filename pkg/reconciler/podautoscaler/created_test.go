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
	"context"
	"testing"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgotesting "k8s.io/client-go/testing"
	nv1alpha1 "knative.dev/networking/pkg/apis/networking/v1alpha1"
	fakenetworkingclient "knative.dev/networking/pkg/client/injection/client/fake"
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
	r.created = newCreatedObjects[*kedav1alpha1.ScaledObject]()
	r.clock = func() time.Time { return now }
	creates := func() int { return countCreates(fakekedaclient.Get(ctx).Actions(), "scaledobjects") }

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

// TestCreatedSKSNotCreatedAgain: the same for the ServerlessService, whose
// informer lags likewise: a reconcile before the informer shows the SKS
// the previous one created does not create it again (which failed with
// AlreadyExists, requeued and wrote the PA's status twice); a change of
// mode is not hidden by the remembered copy; after createdMemory the
// informer is believed.
func TestCreatedSKSNotCreatedAgain(t *testing.T) {
	ctx, _ := rtesting.SetupFakeContext(t, withSelector)
	ctx = config.ToContext(ctx, testConfig(nil))
	ls := NewListers([]runtime.Object{deployment(), pa()})
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	r := newTestReconciler(ctx, &ls)
	r.createdSKS = newCreatedObjects[*nv1alpha1.ServerlessService]()
	r.clock = func() time.Time { return now }
	creates := func() int { return countCreates(fakenetworkingclient.Get(ctx).Actions(), "serverlessservices") }
	// reconcile is a reconcile's SKS tail, after it read the informer.
	reconcile := func(mode nv1alpha1.ServerlessServiceOperationMode) error {
		current, err := r.currentSKS(pa())
		if err != nil {
			return err
		}
		return r.reconcileSKSStatus(ctx, pa(), current, mode, nil, nil)
	}
	serve := func() error { return reconcile(nv1alpha1.SKSOperationModeServe) }

	for i, at := range []time.Duration{0, time.Second, 5 * time.Second} {
		now = now.Add(at)
		if err := serve(); err != nil {
			t.Fatalf("reconcile %d: %v", i+1, err)
		}
		if got := creates(); got != 1 {
			t.Fatalf("reconcile %d: %d SKS creates, want 1", i+1, got)
		}
	}
	// Proxy now: the remembered Serve copy does not answer for it; Serving's
	// ReconcileSKS runs (and, the informer still lagging, tries the create).
	_ = reconcile(nv1alpha1.SKSOperationModeProxy)
	if got := creates(); got != 2 {
		t.Errorf("mode changed: %d SKS creates, want 2", got)
	}
	// The informer never showed it, long after: created again.
	now = now.Add(createdMemory)
	_ = serve()
	if got := creates(); got != 3 {
		t.Errorf("after createdMemory: %d creates, want 3", got)
	}
	// Seen by the informer: forgotten.
	sks, err := fakenetworkingclient.Get(ctx).NetworkingV1alpha1().ServerlessServices(testNamespace).Get(context.Background(), testRevision, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := ls.IndexerFor(sks).Add(sks); err != nil {
		t.Fatal(err)
	}
	_ = serve()
	if len(r.createdSKS.m) != 0 {
		t.Errorf("remembered after the informer showed it: %v", r.createdSKS.m)
	}
}

// countCreates is how many of actions create resource.
func countCreates(actions []clientgotesting.Action, resource string) int {
	n := 0
	for _, a := range actions {
		if a.Matches("create", resource) {
			n++
		}
	}
	return n
}
