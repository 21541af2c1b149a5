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
	"fmt"
	"testing"

	apierrs "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	pkgreconciler "knative.dev/pkg/reconciler"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	fakeservingclient "knative.dev/serving/pkg/client/clientset/versioned/fake"
	palisters "knative.dev/serving/pkg/client/listers/autoscaling/v1alpha1"
)

// countingReconciler stands in for the generated reconciler: it counts the
// reconciles it is handed.
type countingReconciler struct {
	pkgreconciler.LeaderAwareFuncs
	n *int
}

func (c *countingReconciler) Reconcile(context.Context, string) error { *c.n++; return nil }

// TestOwnStatusUpdateNotRewrittenFromAStaleCopy: after a status update, a
// reconcile that would start from the copy the update replaced (the informer
// lags) is skipped; the informer's next version of the PA is reconciled.
func TestOwnStatusUpdateNotRewrittenFromAStaleCopy(t *testing.T) {
	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	p := pa()
	p.ResourceVersion = "1"
	if err := indexer.Add(p); err != nil {
		t.Fatal(err)
	}
	client := fakeservingclient.NewSimpleClientset(p.DeepCopy())
	own := newOwnWrites()
	var reconciles int
	d := deferringReconciler{
		leaderAwareReconciler: &countingReconciler{n: &reconciles},
		lister:                palisters.NewPodAutoscalerLister(indexer), own: own,
	}
	pas := deferringClient{client, own}.AutoscalingV1alpha1().PodAutoscalers(testNamespace)

	if err := d.Reconcile(context.Background(), key()); err != nil || reconciles != 1 {
		t.Fatalf("before any status update: Reconcile() = %v after %d reconciles, want nil after 1", err, reconciles)
	}
	if _, err := pas.UpdateStatus(context.Background(), p.DeepCopy(), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := d.Reconcile(context.Background(), key()); err != nil || reconciles != 1 {
		t.Errorf("informer still at the replaced version: %d reconciles, want it skipped (1)", reconciles)
	}

	// A conflict also says the copy is old; another error does not.
	own.wrote(types.NamespacedName{Namespace: testNamespace, Name: "other"}, "7",
		apierrs.NewConflict(autoscalingv1alpha1.Resource("podautoscalers"), "other", fmt.Errorf("changed")))
	own.wrote(types.NamespacedName{Namespace: testNamespace, Name: "third"}, "7", fmt.Errorf("timeout"))
	if !own.stale(types.NamespacedName{Namespace: testNamespace, Name: "other"}, "7") {
		t.Error("a conflict's version is not recorded as replaced")
	}
	if own.stale(types.NamespacedName{Namespace: testNamespace, Name: "third"}, "7") {
		t.Error("a failed update's version is recorded as replaced")
	}

	// The informer shows the update: reconciled, and nothing is remembered.
	p.ResourceVersion = "2"
	if err := indexer.Update(p); err != nil {
		t.Fatal(err)
	}
	if err := d.Reconcile(context.Background(), key()); err != nil || reconciles != 2 {
		t.Errorf("informer at the new version: %d reconciles, want 2", reconciles)
	}
	if _, ok := own.superseded[types.NamespacedName{Namespace: testNamespace, Name: testRevision}]; ok {
		t.Error("the reconciled PA's replaced versions are still remembered")
	}

	// A deleted PA is forgotten.
	own.wrote(types.NamespacedName{Namespace: testNamespace, Name: testRevision}, "2", nil)
	if err := indexer.Delete(p); err != nil {
		t.Fatal(err)
	}
	_ = d.Reconcile(context.Background(), key())
	if _, ok := own.superseded[types.NamespacedName{Namespace: testNamespace, Name: testRevision}]; ok {
		t.Error("a deleted PA's versions are still remembered")
	}
}
