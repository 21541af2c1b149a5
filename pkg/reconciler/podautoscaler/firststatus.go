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
	"sync/atomic"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	"go.uber.org/zap"
	apierrs "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/logging"
	pkgreconciler "knative.dev/pkg/reconciler"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	servingclientset "knative.dev/serving/pkg/client/clientset/versioned"
	autoscalingclient "knative.dev/serving/pkg/client/clientset/versioned/typed/autoscaling/v1alpha1"
	pareconciler "knative.dev/serving/pkg/client/injection/reconciler/autoscaling/v1alpha1/podautoscaler"
	palisters "knative.dev/serving/pkg/client/listers/autoscaling/v1alpha1"
)

// A new revision's first reconcile creates its ScaledObject and SKS, and
// KEDA's HPA follows a moment later. Serving's autoscaler-hpa creates the HPA
// itself and writes the PA's status once; written at once here, the first
// status would only say "waiting for KEDA's HPA" and be replaced by the real
// one a moment later: a second status update per revision, a fifth of all
// the writes of a burst of new revisions, and a reconcile of every PA
// behind it in the queue (docs/benchmarks). So a PA whose status has never
// been written, and that only waits for KEDA's HPA of a ScaledObject that
// this controller made and that KEDA has not reported on yet, keeps its
// status unwritten for up to FirstStatusGrace after the ScaledObject's
// creation, or up to FirstStatusBusyGrace while KEDA is seen creating other
// revisions' HPAs: the HPA's and the ScaledObject's informer events wake it,
// and its first status is the one that carries the HPA's scale. After the
// grace (KEDA slow or not running), the waiting status is written as before.

// FirstStatusGrace is how long after creating a revision's ScaledObject the
// PA's first status may wait for KEDA's HPA. At 3,000 new revisions at once
// on 2 cores, KEDA's part (the benchmark's player: the HPA, then the
// ScaledObject's status) took 9.4 s after the ScaledObject's creation at the
// median and 11.3 s at most; with 10 s, a fifth of the PAs wrote the waiting
// status first.
const FirstStatusGrace = 20 * time.Second

// FirstStatusBusyGrace is how long the first status may wait while KEDA is
// at work: it created an HPA for another revision less than kedaAtWork ago.
// KEDA then works through a backlog, and this revision's HPA is queued
// behind it: at 3,000 new revisions at once on 2 cores, where the API server
// took 35 s for the benchmark's own PA creates, KEDA's part took longer
// than FirstStatusGrace for 1,855 revisions, each of which wrote its status
// twice (3.62 writes per PA). A KEDA that created no HPA for kedaAtWork is
// not waited for past FirstStatusGrace.
const FirstStatusBusyGrace = 2 * time.Minute

// kedaAtWork is how recent KEDA's last HPA create must be for KEDA to count
// as at work, and how often a first status waiting past FirstStatusGrace
// looks again whether it still is (the HPA's event wakes it sooner).
const kedaAtWork = 10 * time.Second

// lastSeen is when something was last seen (zero: never).
type lastSeen struct{ at atomic.Int64 }

func (l *lastSeen) mark(t time.Time) { l.at.Store(t.UnixNano()) }

// within reports whether it was seen less than d before now.
func (l *lastSeen) within(now time.Time, d time.Duration) bool {
	if l == nil {
		return false
	}
	at := l.at.Load()
	return at != 0 && now.Sub(time.Unix(0, at)) < d
}

// deferStatusKey is the context key of a reconcile's *statusDeferral.
type deferStatusKey struct{}

// statusDeferral is set by a reconcile whose status write is to be skipped.
type statusDeferral struct{ deferred bool }

// withStatusDeferral lets the reconcile run with ctx skip its status write.
func withStatusDeferral(ctx context.Context) context.Context {
	return context.WithValue(ctx, deferStatusKey{}, &statusDeferral{})
}

// deferStatus asks that this reconcile's status write be skipped, and says
// whether it will be (only under withStatusDeferral).
func deferStatus(ctx context.Context) bool {
	d, ok := ctx.Value(deferStatusKey{}).(*statusDeferral)
	if ok {
		d.deferred = true
	}
	return ok
}

func statusDeferred(ctx context.Context) bool {
	d, ok := ctx.Value(deferStatusKey{}).(*statusDeferral)
	return ok && d.deferred
}

// deferFirstStatus leaves pa's status unwritten, and looks again when the
// grace ends, when pa's status has never been written, its spec never
// changed (a changed one is observed at once), and all its status says is
// that KEDA has not created the HPA of so, a ScaledObject this reconcile's
// translation wants, on which KEDA has reported nothing yet, made less than
// FirstStatusGrace ago. It returns nil when the status is to be written.
func (r *Reconciler) deferFirstStatus(ctx context.Context, pa *autoscalingv1alpha1.PodAutoscaler, so *kedav1alpha1.ScaledObject) error {
	if pa.Status.ObservedGeneration != 0 || pa.Generation > 1 || !waitingForHPA(pa) ||
		mirroredConditions(so.Status.Conditions) != [4]kedav1alpha1.Condition{} {
		return nil
	}
	age := r.now().Sub(so.CreationTimestamp.Time)
	left := FirstStatusGrace - age
	if left <= 0 {
		// Past the grace, only while KEDA is at work, looking again every
		// kedaAtWork whether it still is.
		if age >= FirstStatusBusyGrace || !r.kedaHPAs.within(r.now(), kedaAtWork) {
			return nil
		}
		left = min(kedaAtWork, FirstStatusBusyGrace-age)
	}
	if !deferStatus(ctx) {
		return nil
	}
	// Never longer than the grace, whatever the clocks say.
	return controller.NewRequeueAfter(min(left, FirstStatusGrace))
}

// newPAReconciler is knative's generated PodAutoscaler reconciler of class
// on r, able to leave a status unwritten when r asks (deferFirstStatus).
func newPAReconciler(ctx context.Context, logger *zap.SugaredLogger, client servingclientset.Interface,
	lister palisters.PodAutoscalerLister, recorder record.EventRecorder, r pareconciler.Interface, class string,
	opts controller.Options) leaderAwareReconciler {
	own := newOwnWrites()
	return deferringReconciler{
		leaderAwareReconciler: pareconciler.NewReconciler(ctx, logger, deferringClient{client, own}, lister,
			recorder, r, class, opts).(leaderAwareReconciler),
		lister: lister, own: own,
	}
}

// leaderAwareReconciler is what knative's generated reconcilers are.
type leaderAwareReconciler interface {
	controller.Reconciler
	pkgreconciler.LeaderAware
}

// deferringReconciler gives each reconcile its statusDeferral, and skips
// one that would start from a copy of the PA older than its own last status
// update (ownWrites).
type deferringReconciler struct {
	leaderAwareReconciler
	lister palisters.PodAutoscalerLister
	own    *ownWrites
}

func (d deferringReconciler) Reconcile(ctx context.Context, key string) error {
	if ns, name, err := cache.SplitMetaNamespaceKey(key); err == nil {
		nn := types.NamespacedName{Namespace: ns, Name: name}
		pa, err := d.lister.PodAutoscalers(ns).Get(name)
		switch {
		case apierrs.IsNotFound(err):
			d.own.forget(nn)
		case err == nil && d.own.stale(nn, pa.ResourceVersion):
			logging.FromContext(ctx).Debugf("PA %s: the informer has not shown its last status update yet; its event reconciles it", key)
			return nil
		}
	}
	return d.leaderAwareReconciler.Reconcile(withStatusDeferral(ctx), key)
}

// deferringClient is the generated reconciler's client: its PodAutoscaler
// status updates are skipped when the reconcile deferred its status.
// The updates it sends are recorded in ownWrites.
type deferringClient struct {
	servingclientset.Interface
	own *ownWrites
}

func (c deferringClient) AutoscalingV1alpha1() autoscalingclient.AutoscalingV1alpha1Interface {
	return deferringAutoscaling{c.Interface.AutoscalingV1alpha1(), c.own}
}

type deferringAutoscaling struct {
	autoscalingclient.AutoscalingV1alpha1Interface
	own *ownWrites
}

func (a deferringAutoscaling) PodAutoscalers(ns string) autoscalingclient.PodAutoscalerInterface {
	return deferringPAs{a.AutoscalingV1alpha1Interface.PodAutoscalers(ns), a.own}
}

type deferringPAs struct {
	autoscalingclient.PodAutoscalerInterface
	own *ownWrites
}

func (p deferringPAs) UpdateStatus(ctx context.Context, pa *autoscalingv1alpha1.PodAutoscaler, opts metav1.UpdateOptions) (*autoscalingv1alpha1.PodAutoscaler, error) {
	if statusDeferred(ctx) {
		return pa, nil
	}
	out, err := p.PodAutoscalerInterface.UpdateStatus(ctx, pa, opts)
	p.own.wrote(types.NamespacedName{Namespace: pa.Namespace, Name: pa.Name}, pa.ResourceVersion, err)
	return out, err
}
