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

	"knative.dev/pkg/controller"
)

// TestDeferFirstStatusRequeue: a deferred first status is looked at again
// when the grace ends, never later than FirstStatusGrace from now, and only
// a reconcile that can skip its status write defers it.
func TestDeferFirstStatusRequeue(t *testing.T) {
	created := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	waiting := pa(withGeneration(1), withActivating(ReasonWaitingForHPA, "waiting"))
	so := scaledObject(waiting, withSOCreated(created))

	for _, tc := range []struct {
		name  string
		now   time.Time
		ctx   context.Context
		after time.Duration // 0: the status is written now
	}{
		{"3s after the ScaledObject's creation", created.Add(3 * time.Second), withStatusDeferral(context.Background()), 17 * time.Second},
		{"the controller's clock behind the API server's", created.Add(-time.Minute), withStatusDeferral(context.Background()), FirstStatusGrace},
		{"grace over", created.Add(FirstStatusGrace), withStatusDeferral(context.Background()), 0},
		{"a reconcile that cannot skip its status write", created.Add(time.Second), context.Background(), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &Reconciler{clock: func() time.Time { return tc.now }, kedaHPAs: &lastSeen{}}
			checkDeferral(t, tc.ctx, r.deferFirstStatus(tc.ctx, waiting.DeepCopy(), so), tc.after)
		})
	}

	// A ScaledObject without a creation time (never from the API server) defers nothing.
	ctx := withStatusDeferral(context.Background())
	r := &Reconciler{clock: func() time.Time { return created }}
	if err := r.deferFirstStatus(ctx, waiting.DeepCopy(), scaledObject(waiting, withSOCreated(time.Time{}))); err != nil || statusDeferred(ctx) {
		t.Errorf("deferFirstStatus() without a creation time = %v, skipped %v; want nil, false", err, statusDeferred(ctx))
	}
}

// TestDeferFirstStatusWhileKEDAAtWork: past FirstStatusGrace a first status
// still waits while KEDA created another revision's HPA less than 10 s ago
// (a backlog its HPA is queued in), looking again every 10 s, and never
// past FirstStatusBusyGrace (2 minutes) after the ScaledObject's creation.
func TestDeferFirstStatusWhileKEDAAtWork(t *testing.T) {
	created := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	waiting := pa(withGeneration(1), withActivating(ReasonWaitingForHPA, "waiting"))
	so := scaledObject(waiting, withSOCreated(created))

	for _, tc := range []struct {
		name    string
		age     time.Duration // since the ScaledObject's creation
		lastHPA time.Duration // KEDA's last HPA create, before now (0: never)
		after   time.Duration // 0: the status is written now
	}{
		{"in the grace, KEDA idle", 5 * time.Second, 0, 15 * time.Second},
		{"grace over, KEDA created an HPA 3s ago", 20 * time.Second, 3 * time.Second, 10 * time.Second},
		{"a minute on, KEDA still at work", time.Minute, time.Second, 10 * time.Second},
		{"grace over, KEDA's last HPA 11s ago", 25 * time.Second, 11 * time.Second, 0},
		{"grace over, KEDA never seen at work", 25 * time.Second, 0, 0},
		{"5s before the busy grace ends", 115 * time.Second, time.Second, 5 * time.Second},
		{"busy grace over, KEDA at work", 2 * time.Minute, time.Second, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := created.Add(tc.age)
			r := &Reconciler{clock: func() time.Time { return now }, kedaHPAs: &lastSeen{}}
			if tc.lastHPA != 0 {
				r.kedaHPAs.mark(now.Add(-tc.lastHPA))
			}
			ctx := withStatusDeferral(context.Background())
			checkDeferral(t, ctx, r.deferFirstStatus(ctx, waiting.DeepCopy(), so), tc.after)
		})
	}
}

// checkDeferral fails t unless deferFirstStatus's err and its reconcile's
// ctx say: status written now (want 0), or skipped and looked at again
// after want.
func checkDeferral(t *testing.T, ctx context.Context, err error, want time.Duration) {
	t.Helper()
	requeue, after := controller.IsRequeueKey(err)
	switch {
	case want == 0 && err != nil:
		t.Errorf("deferFirstStatus() = %v, want nil (status written now)", err)
	case want != 0 && (!requeue || after != want):
		t.Errorf("deferFirstStatus() = %v, want a requeue after %v", err, want)
	}
	if deferred := statusDeferred(ctx); deferred != (want != 0) {
		t.Errorf("status write skipped = %v, want %v", deferred, want != 0)
	}
}
