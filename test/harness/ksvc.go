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

package harness

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	appsv1client "k8s.io/client-go/kubernetes/typed/apps/v1"
	"k8s.io/utils/ptr"
	netv1alpha1 "knative.dev/networking/pkg/apis/networking/v1alpha1"
	"knative.dev/pkg/apis"
	"knative.dev/serving/pkg/apis/autoscaling"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	"knative.dev/serving/pkg/apis/serving"
	servingv1 "knative.dev/serving/pkg/apis/serving/v1"

	"github.com/serving-keda/serving-keda/test/cluster"
)

// Knative Services, for an Env whose cluster runs Serving
// (cluster.Options.Serving): what a user applies, from which Serving's own
// controller makes the Revision, its Deployment and its PodAutoscaler.

// KnativeServiceImage is the image of the ksvcs the tests create: a
// dev.local reference, which Serving never resolves (no registry is asked)
// and no kubelet pulls.
const KnativeServiceImage = "dev.local/hello:v1"

// ServingTimeout bounds the wait for what Serving's controller makes from a
// ksvc: a few reconciles, each through the API server and Serving's webhook.
const ServingTimeout = 30 * time.Second

// KnativeService is a ksvc of the HPA class (unless anns names another)
// with anns on its template and one container of KnativeServiceImage.
func KnativeService(ns, name string, anns map[string]string) *servingv1.Service {
	a := map[string]string{autoscaling.ClassAnnotationKey: autoscaling.HPA}
	for k, v := range anns {
		a[k] = v
	}
	return &servingv1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: servingv1.ServiceSpec{ConfigurationSpec: servingv1.ConfigurationSpec{Template: servingv1.RevisionTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Annotations: a},
			Spec: servingv1.RevisionSpec{PodSpec: corev1.PodSpec{Containers: []corev1.Container{{
				Image: KnativeServiceImage,
			}}}},
		}}},
	}
}

// CreateKnativeService creates ksvc (through Serving's webhooks) and
// returns it as admitted.
func (e *Env) CreateKnativeService(t testing.TB, ksvc *servingv1.Service) *servingv1.Service {
	t.Helper()
	got, err := e.Serving.ServingV1().Services(ksvc.Namespace).Create(context.Background(), ksvc, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating ksvc %s/%s: %v", ksvc.Namespace, ksvc.Name, err)
	}
	return got
}

// ServingPodAutoscaler waits until Serving has made a revision's
// PodAutoscaler (PACondition, unlike this, needs it to exist).
func (e *Env) ServingPodAutoscaler(t testing.TB, ns, revision string) *autoscalingv1alpha1.PodAutoscaler {
	t.Helper()
	return Get(t, ServingTimeout, "PodAutoscaler "+ns+"/"+revision+" (made by Serving)", func() (*autoscalingv1alpha1.PodAutoscaler, error) {
		return e.Serving.AutoscalingV1alpha1().PodAutoscalers(ns).Get(context.Background(), revision, metav1.GetOptions{})
	})
}

// RevisionCondition waits until a Revision's condition typ satisfies ok
// ((*apis.Condition).IsTrue, say) and returns the Revision.
func (e *Env) RevisionCondition(t testing.TB, ns, revision string, typ apis.ConditionType, timeout time.Duration, ok func(*apis.Condition) bool) *servingv1.Revision {
	t.Helper()
	return Get(t, timeout, fmt.Sprintf("Revision %s/%s %s", ns, revision, typ), func() (*servingv1.Revision, error) {
		rev, err := e.Serving.ServingV1().Revisions(ns).Get(context.Background(), revision, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		if c := rev.Status.GetCondition(typ); !ok(c) {
			return nil, fmt.Errorf("%s: %+v", typ, c)
		}
		return rev, nil
	})
}

// ServingParts chooses what runs around Serving in a test that starts from
// a ksvc; each level adds to the one before.
type ServingParts int

const (
	// ServingObjects is Serving's controller and webhook: a ksvc yields its
	// Configuration, Revision, Deployment and PodAutoscaler, but pods stay
	// Pending (no nodes) and no Revision becomes Ready.
	ServingObjects ServingParts = iota
	// ServingPods adds kwok's Node and kube-controller-manager's HPA
	// controller: pods run (no container starts) and Revisions become
	// Ready; the HPA has no metric to scale on.
	ServingPods
	// ServingLoop adds KEDA's metrics adapter and a 3 s HPA sync period:
	// the HPA scales the Deployment on the fake Prometheus's value.
	ServingLoop
)

// ServingOptions are the Options of an Env running parts; t fails when a
// binary they need is not built (make cluster-serving builds them all).
func ServingOptions(t testing.TB, parts ServingParts) Options {
	t.Helper()
	if err := cluster.ServingBinaries(""); err != nil {
		t.Fatalf("Serving's binaries are not built (make cluster-serving): %v", err)
	}
	var opts cluster.Options
	opts.Serving = true
	var need []string
	if parts >= ServingPods {
		opts.Kwok, opts.HPAController = true, true
		need = append(need, cluster.Kwok)
	}
	if parts >= ServingLoop {
		opts.KEDAAdapter = true
		opts.ControllerManagerArgs = []string{"--horizontal-pod-autoscaler-sync-period=3s"}
		need = append(need, cluster.KEDAAdapter)
	}
	for _, b := range need {
		if _, err := cluster.BinaryPath("", b); err != nil {
			t.Fatalf("%s is not built (make cluster-serving): %v", b, err)
		}
	}
	return Options{Cluster: opts}
}

// StartServing starts an Env of t's own running parts (StartForTest).
func StartServing(t testing.TB, parts ServingParts) *Env {
	t.Helper()
	return StartForTest(t, ServingOptions(t, parts))
}

// UpdateKnativeService applies change to the ksvc as it is now, again on a
// conflict (Serving writes its status meanwhile).
func (e *Env) UpdateKnativeService(t testing.TB, ns, name string, change func(*servingv1.Service)) *servingv1.Service {
	t.Helper()
	ctx := context.Background()
	var got *servingv1.Service
	err := Poll(ctx, 200*time.Millisecond, 10*time.Second, func() (bool, string) {
		ksvc, err := e.Serving.ServingV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		change(ksvc)
		if got, err = e.Serving.ServingV1().Services(ns).Update(ctx, ksvc, metav1.UpdateOptions{}); err != nil {
			return false, err.Error()
		}
		return true, ""
	})
	if err != nil {
		t.Fatalf("updating ksvc %s/%s: %v", ns, name, err)
	}
	return got
}

// RevisionRouting waits until Serving has labeled a revision with the
// routing state state and given its PodAutoscaler the reachability reach
// (active: Reachable, reserve: Unreachable), and returns both.
func (e *Env) RevisionRouting(t testing.TB, ns, revision string, state servingv1.RoutingState, reach autoscalingv1alpha1.ReachabilityType, timeout time.Duration) (*servingv1.Revision, *autoscalingv1alpha1.PodAutoscaler) {
	t.Helper()
	ctx := context.Background()
	var rev *servingv1.Revision
	var pa *autoscalingv1alpha1.PodAutoscaler
	Eventually(t, timeout, fmt.Sprintf("Revision %s/%s routingState %s, PA reachability %s", ns, revision, state, reach), func() (bool, string) {
		var err error
		if rev, err = e.Serving.ServingV1().Revisions(ns).Get(ctx, revision, metav1.GetOptions{}); err != nil {
			return false, err.Error()
		}
		if pa, err = e.Serving.AutoscalingV1alpha1().PodAutoscalers(ns).Get(ctx, revision, metav1.GetOptions{}); err != nil {
			return false, err.Error()
		}
		return rev.GetRoutingState() == state && pa.Spec.Reachability == reach,
			fmt.Sprintf("routingState %q, reachability %q", rev.Labels[serving.RoutingStateLabelKey], pa.Spec.Reachability)
	})
	return rev, pa
}

// WaitReplicas waits until a revision's Deployment has want replicas, in
// its spec and ready, saying what the revision's HPA reported while it
// waits, and logs how long that took.
func (e *Env) WaitReplicas(t testing.TB, ns, revision string, want int32, timeout time.Duration) {
	t.Helper()
	ctx := context.Background()
	dep := revision + "-deployment"
	start := time.Now()
	Eventually(t, timeout, fmt.Sprintf("Deployment %s/%s at %d ready replicas", ns, dep, want), func() (bool, string) {
		d, err := e.Kube.AppsV1().Deployments(ns).Get(ctx, dep, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		why := fmt.Sprintf("spec %v, ready %d", ptr.Deref(d.Spec.Replicas, -1), d.Status.ReadyReplicas)
		if hpa, err := e.Kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, revision, metav1.GetOptions{}); err == nil {
			why += fmt.Sprintf("; HPA desired %d current %d, conditions %+v", hpa.Status.DesiredReplicas, hpa.Status.CurrentReplicas, hpa.Status.Conditions)
		}
		return d.Spec.Replicas != nil && *d.Spec.Replicas == want && d.Status.ReadyReplicas == want, why
	})
	t.Logf("%s: %d ready replicas after %v", dep, want, time.Since(start).Round(100*time.Millisecond))
}

// ReplicaHistory is every replica count a revision's Deployment asked for
// (spec.replicas, each change once, in order), as a watch saw them.
type ReplicaHistory struct {
	what   string
	mu     sync.Mutex
	values []int32
	// gaps are where the watch could not resume (its resource version had
	// been compacted away): counts may be missing there.
	gaps []string
}

// WatchReplicas records a revision's Deployment's spec.replicas from now
// until t ends; the Deployment need not exist yet. Watch errors are
// logged, and the watch resumes from the last resource version it saw, so
// no change is missed; when the API server no longer has it, the history
// records a gap and CheckBounds fails.
func (e *Env) WatchReplicas(t testing.TB, ns, revision string) *ReplicaHistory {
	t.Helper()
	dep := revision + "-deployment"
	h := &ReplicaHistory{what: "Deployment " + ns + "/" + dep}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		h.watch(ctx, e.Kube.AppsV1().Deployments(ns), dep, 200*time.Millisecond, t.Logf)
	}()
	return h
}

// watch records dep's spec.replicas until ctx ends, saying through logf
// every error it retries.
func (h *ReplicaHistory) watch(ctx context.Context, deployments appsv1client.DeploymentInterface, dep string, retry time.Duration, logf func(string, ...any)) {
	selector := fields.OneTermEqualSelector("metadata.name", dep).String()
	pause := func() {
		select {
		case <-ctx.Done():
		case <-time.After(retry):
		}
	}
	rv := "" // "": the current state first, then every change
	for ctx.Err() == nil {
		w, err := deployments.Watch(ctx, metav1.ListOptions{FieldSelector: selector, ResourceVersion: rv})
		if err != nil {
			if ctx.Err() == nil {
				logf("watching %s from resource version %q: %v (again in %v)", h.what, rv, err, retry)
			}
			pause()
			continue
		}
		expired, failed := false, false
		for ev := range w.ResultChan() {
			if ev.Type == watch.Error {
				err := apierrors.FromObject(ev.Object)
				if apierrors.IsResourceExpired(err) || apierrors.IsGone(err) {
					expired = true
				} else {
					failed = true
					logf("watching %s: %v (resuming from resource version %q in %v)", h.what, err, rv, retry)
				}
				break
			}
			d, ok := ev.Object.(*appsv1.Deployment)
			if !ok {
				logf("watching %s: unexpected %s event of %T", h.what, ev.Type, ev.Object)
				continue
			}
			rv = d.ResourceVersion
			if ev.Type == watch.Added || ev.Type == watch.Modified {
				h.record(ptr.Deref(d.Spec.Replicas, 1))
			}
		}
		w.Stop()
		if failed {
			pause()
		}
		if !expired {
			continue // the server closed the watch, or an error: resume from rv
		}
		// Resource version rv is gone: what changed since is lost. Start
		// over from the current state, and say so.
		list, err := deployments.List(ctx, metav1.ListOptions{FieldSelector: selector})
		if err != nil {
			if ctx.Err() == nil {
				logf("listing %s after its watch expired: %v (again in %v)", h.what, err, retry)
			}
			pause()
			continue // rv unchanged: expires again, lists again
		}
		gap := fmt.Sprintf("after resource version %q (values then %v)", rv, h.Values())
		logf("watching %s: resource version %q expired; counts may be missing %s", h.what, rv, gap)
		h.mu.Lock()
		h.gaps = append(h.gaps, gap)
		h.mu.Unlock()
		for i := range list.Items {
			h.record(ptr.Deref(list.Items[i].Spec.Replicas, 1))
		}
		rv = list.ResourceVersion
	}
}

func (h *ReplicaHistory) record(v int32) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if n := len(h.values); n == 0 || h.values[n-1] != v {
		h.values = append(h.values, v)
	}
}

// Values returns the replica counts so far.
func (h *ReplicaHistory) Values() []int32 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]int32(nil), h.values...)
}

// Mark is the position now in Values, for a check of what follows.
func (h *ReplicaHistory) Mark() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.values)
}

// CheckBounds fails t unless the replica counts from position from on
// (from Mark; 0 for all, the one current at from included) stayed at most
// max and, once they reached min, never fell below it (a new revision
// starts at initial-scale, below a higher min-scale, until it is raised).
// It fails when no count was seen at all (the watch saw nothing, so there
// is nothing to vouch for) and when the watch lost events.
func (h *ReplicaHistory) CheckBounds(t testing.TB, from int, min, max int32) {
	t.Helper()
	h.mu.Lock()
	values, gaps := append([]int32(nil), h.values...), append([]string(nil), h.gaps...)
	h.mu.Unlock()
	if len(gaps) > 0 {
		t.Errorf("%s: the watch lost events %v, so its replica counts %v prove nothing", h.what, gaps, values)
		return
	}
	if from > 0 {
		from-- // the count current at the mark
	}
	if from >= len(values) {
		t.Errorf("%s: no replica count seen (from position %d of %v): nothing to check", h.what, from, values)
		return
	}
	reached := false
	for _, v := range values[from:] {
		if v > max || (reached && v < min) {
			t.Errorf("%s replicas went %v, want within [%d, %d] (below %d only before first reaching it)", h.what, values[from:], min, max, min)
			return
		}
		reached = reached || v >= min
	}
	t.Logf("%s replicas went %v", h.what, values[from:])
}

// PlayNetworking stands in for a networking layer in ns until t ends: it
// writes on every Ingress the status a networking layer writes once it has
// programmed it (load balancer ready at an internal name, network
// configured, at the Ingress's generation). No traffic flows; Serving's
// Routes, and so ksvcs, become Ready, and Serving's labeler then moves a
// revision the Route no longer names to routingState reserve.
func (e *Env) PlayNetworking(t testing.TB, ns string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
			list, err := e.Networking.NetworkingV1alpha1().Ingresses(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				continue
			}
			for i := range list.Items {
				ing := &list.Items[i]
				if ing.IsReady() {
					continue
				}
				ing.Status.InitializeConditions()
				lb := []netv1alpha1.LoadBalancerIngressStatus{{DomainInternal: "ingress.knative-serving.svc.cluster.local"}}
				ing.Status.MarkLoadBalancerReady(lb, lb)
				ing.Status.MarkNetworkConfigured()
				ing.Status.ObservedGeneration = ing.Generation
				if _, err := e.Networking.NetworkingV1alpha1().Ingresses(ns).UpdateStatus(ctx, ing, metav1.UpdateOptions{}); err != nil && ctx.Err() == nil {
					t.Logf("playing the networking layer: Ingress %s: %v", ing.Name, err)
				}
			}
		}
	}()
}
