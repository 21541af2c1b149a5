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

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"knative.dev/pkg/apis"
	"knative.dev/pkg/ptr"
	"knative.dev/serving/pkg/apis/autoscaling"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"

	"github.com/serving-keda/serving-keda/pkg/reconciler/podautoscaler"
	"github.com/serving-keda/serving-keda/pkg/translate"
	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/deploy"
	"github.com/serving-keda/serving-keda/test/harness"
	"github.com/serving-keda/serving-keda/test/harness/prometheus"
)

// TestSwapAutoscalerHPA runs hack/swap-autoscaler-hpa.sh, unchanged, against
// a cluster where Serving's real autoscaler-hpa scales revisions made from
// Knative Services, one of each metric kind Serving's HPA class has (cpu,
// memory, a custom metric), each Deployment above the HPA class's floor of
// one replica; then runs it again with --rollback.
//
// The swap: KEDA's operator adopts every existing HPA (same UID, now
// controlled by the revision's ScaledObject, its metrics KEDA's), through
// KEDA's admission webhook (failurePolicy Fail). The rollback: the HPAs stay
// (same UID again), controlled by their PodAutoscaler and rewritten by
// autoscaler-hpa, and the ScaledObjects are gone, but for one of the user's
// own (for a workload of theirs), left as it was. Throughout, watches on the
// Deployments and HPAs see no revision's replicas below what they were and
// no HPA deleted or created, no revision with fewer ready pods than it
// had, and one on the PodAutoscalers sees each stay Ready and Active, with
// reason AdoptingHPA from the swap until KEDA has adopted its HPA.
//
// On this control plane the two autoscalers are processes, not pods: the
// Deployments autoscaler-hpa (Serving's config/hpa-autoscaling manifest) and
// autoscaler-keda (config/, as `ko resolve` renders it) exist for real, and
// the harness plays kube-scheduler and the kubelet for their pods
// (cluster.RunPodsAsProcesses): a pod starts its process and is Ready once
// the process is, a pod being deleted stops it and only then goes. So the
// script's `kubectl scale`, `delete`, `apply` and `rollout status` start and
// stop the real controllers, as on a cluster. autoscaler-hpa runs in a
// network namespace of its own (its health probes' port, 8080, is Serving's
// controller's too).
//
// Metrics: none for cpu and memory (no metrics-server), none for the
// custom metric under Serving's HPA (no custom metrics API): the HPA
// controller keeps those Deployments where they are. Under KEDA the custom
// metric comes from the fake Prometheus through KEDA's metrics adapter, at
// the value that keeps its revision at its replicas.
func TestSwapAutoscalerHPA(t *testing.T) {
	if err := cluster.ServingBinaries(""); err != nil {
		t.Fatalf("Serving's binaries are not built (make cluster-serving): %v", err)
	}
	var bins = map[string]string{}
	for _, b := range []string{cluster.Kwok, cluster.KEDAAdapter, cluster.ServingAutoscalerHPA, cluster.Kubectl} {
		p, err := cluster.BinaryPath("", b)
		if err != nil {
			t.Fatalf("%s is not built (make cluster-serving): %v", b, err)
		}
		bins[b] = p
	}
	e := harness.StartForTest(t, harness.Options{
		Cluster: cluster.Options{
			Serving: true, Kwok: true, KEDAAdapter: true, HPAController: true,
			ControllerManagerArgs: []string{"--horizontal-pod-autoscaler-sync-period=3s"},
		},
		// The script installs config/.
		NoInstall: true,
	})
	ctx := context.Background()
	runAutoscalerPods(t, e, bins[cluster.ServingAutoscalerHPA])
	installAutoscalerHPA(t, e)

	ns := e.Namespace(t)
	t.Cleanup(func() { checkAdmitted(t, e, ns) })
	// ceil(20 / 10) = 2 pods: what the custom-metric revision runs already.
	prom := prometheus.StartForTest(t, 20)
	revs := []swapRevision{{
		name: "cpu", replicas: 2, metricType: autoscalingv2.ContainerResourceMetricSourceType,
		anns: map[string]string{
			autoscaling.MetricAnnotationKey: autoscaling.CPU, autoscaling.TargetAnnotationKey: "70",
			autoscaling.MinScaleAnnotationKey: "2", autoscaling.MaxScaleAnnotationKey: "5",
		},
		requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")},
	}, {
		// Above its min-scale: initial-scale 3, and no metric to scale down on.
		name: "memory", replicas: 3, metricType: autoscalingv2.ContainerResourceMetricSourceType,
		anns: map[string]string{
			autoscaling.MetricAnnotationKey: autoscaling.Memory, autoscaling.TargetAnnotationKey: "200",
			autoscaling.InitialScaleAnnotationKey: "3", autoscaling.MaxScaleAnnotationKey: "5",
		},
		requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")},
	}, {
		name: "custom", replicas: 2, metricType: autoscalingv2.ExternalMetricSourceType,
		anns: map[string]string{
			autoscaling.MetricAnnotationKey: "http_requests", autoscaling.TargetAnnotationKey: "10",
			autoscaling.MinScaleAnnotationKey: "2", autoscaling.MaxScaleAnnotationKey: "5",
			translate.PrometheusAddressAnnotationKey: prom.URL,
			translate.PrometheusQueryAnnotationKey:   `sum(rate(http_requests{revision="{{.Revision}}"}[1m]))`,
			translate.PollingIntervalAnnotationKey:   "1",
		},
	}}

	// Serving and autoscaler-hpa: ksvc -> Revision -> Deployment, PA, HPA.
	start := time.Now()
	for _, r := range revs {
		ksvc := harness.KnativeService(ns, r.name, r.anns)
		ksvc.Spec.Template.Spec.Containers[0].Resources.Requests = r.requests
		e.CreateKnativeService(t, ksvc)
	}
	hpaUIDs := map[string]types.UID{}
	for _, r := range revs {
		pa := e.ServingPodAutoscaler(t, ns, r.revision())
		hpa := harness.Get(t, 2*time.Minute, fmt.Sprintf("autoscaler-hpa's HPA %s at %d replicas", r.revision(), r.replicas), func() (*autoscalingv2.HorizontalPodAutoscaler, error) {
			return r.settled(ctx, e, ns, pa)
		})
		hpaUIDs[r.revision()] = hpa.UID
	}
	t.Logf("autoscaler-hpa: %d revisions with their HPAs and replicas in %v", len(revs), time.Since(start).Round(time.Millisecond))
	for _, r := range revs {
		e.PACondition(t, ns, r.revision(), "Ready", time.Minute, (*apis.Condition).IsTrue)
	}

	// A ScaledObject of the user's own, for a workload of theirs: the
	// rollback must leave it and its HPA alone.
	const userApp = "user-app"
	e.Deployment(t, ns, userApp, harness.CPURequest)
	e.CreateUserScaledObject(t, harness.UserScaledObject(ns, userApp), metav1.CreateOptions{})
	userHPA := e.HPA(t, ns, userApp, harness.KEDATimeout)

	w := watchSwap(t, e, ns, revs)

	// The swap, as a user runs it, with the manifest `ko resolve` would make.
	kubectl := kubectlPath(t, bins[cluster.Kubectl])
	manifest := renderConfig(t)
	start = time.Now()
	runScript(t, e, kubectl, "--kubeconfig", e.Cluster.Kubeconfig(), "--manifest", manifest, "--timeout", "120s")
	t.Logf("swap script: %v", time.Since(start).Round(time.Millisecond))
	assertDeployment(t, e, "autoscaler-hpa", 0)
	assertDeployment(t, e, "autoscaler-keda", 2) // config/'s replicas

	for _, r := range revs {
		pa := e.PodAutoscaler(t, ns, r.revision())
		so := e.ScaledObject(t, ns, r.revision(), createTimeout)
		if !metav1.IsControlledBy(so, pa) {
			t.Errorf("ScaledObject %s is controlled by %+v, want its PodAutoscaler", so.Name, so.OwnerReferences)
		}
		if so.Annotations[translate.TransferHPAOwnershipAnnotation] != "true" {
			t.Errorf("ScaledObject %s annotations %v: no %s", so.Name, so.Annotations, translate.TransferHPAOwnershipAnnotation)
		}
		hpa := harness.Get(t, time.Minute, "HPA "+r.revision()+" adopted by KEDA", func() (*autoscalingv2.HorizontalPodAutoscaler, error) {
			return adopted(ctx, e, ns, r, so)
		})
		if hpa.UID != hpaUIDs[r.revision()] {
			t.Errorf("HPA %s has UID %s, want %s (autoscaler-hpa's): it was re-created, not adopted", hpa.Name, hpa.UID, hpaUIDs[r.revision()])
		}
		e.PACondition(t, ns, r.revision(), "Ready", harness.KEDATimeout*3, (*apis.Condition).IsTrue)
		e.PACondition(t, ns, r.revision(), "ScaledObjectReady", harness.KEDATimeout*3, (*apis.Condition).IsTrue)
	}
	t.Logf("KEDA adopted every HPA %v after the swap began", time.Since(start).Round(time.Millisecond))
	// A few of the HPA controller's periods (3 s) under KEDA's metrics.
	harness.Eventually(t, 30*time.Second, "the custom-metric HPA scaling on KEDA's metric", func() (bool, string) {
		hpa, err := e.Kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, revs[2].revision(), metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		for _, c := range hpa.Status.Conditions {
			if c.Type == autoscalingv2.ScalingActive {
				return c.Status == corev1.ConditionTrue, fmt.Sprintf("ScalingActive=%s %s: %s", c.Status, c.Reason, c.Message)
			}
		}
		return false, "no ScalingActive condition"
	})
	time.Sleep(10 * time.Second)
	w.check(t, "after the swap")
	w.checkAdoption(t, revs)
	// Every ScaledObject, the revisions' and the user's, judged and
	// admitted by KEDA's webhook, while they all exist.
	checkAdmitted(t, e, ns)

	// And back.
	start = time.Now()
	runScript(t, e, kubectl, "--rollback", "--kubeconfig", e.Cluster.Kubeconfig(), "--timeout", "120s")
	t.Logf("rollback script: %v", time.Since(start).Round(time.Millisecond))
	if _, err := e.Kube.AppsV1().Deployments(deploy.SystemNamespace).Get(ctx, "autoscaler-keda", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("Deployment autoscaler-keda after --rollback: err = %v, want NotFound", err)
	}
	assertDeployment(t, e, "autoscaler-hpa", 1)
	for _, r := range revs {
		if _, err := e.KEDA.KedaV1alpha1().ScaledObjects(ns).Get(ctx, r.revision(), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("ScaledObject %s after --rollback: err = %v, want NotFound", r.revision(), err)
		}
		pa := e.PodAutoscaler(t, ns, r.revision())
		// autoscaler-hpa may first wait for its previous pod's leases.
		hpa := harness.Get(t, 2*time.Minute, "HPA "+r.revision()+" given back to autoscaler-hpa", func() (*autoscalingv2.HorizontalPodAutoscaler, error) {
			return r.settled(ctx, e, ns, pa)
		})
		if hpa.UID != hpaUIDs[r.revision()] {
			t.Errorf("HPA %s has UID %s after --rollback, want %s: it was re-created", hpa.Name, hpa.UID, hpaUIDs[r.revision()])
		}
		// As autoscaler-hpa makes an HPA: the PA's labels, none of KEDA's.
		if !equality.Semantic.DeepEqual(hpa.Labels, pa.Labels) {
			t.Errorf("HPA %s labels after --rollback = %v, want its PA's %v", hpa.Name, hpa.Labels, pa.Labels)
		}
		pa = e.PACondition(t, ns, r.revision(), "Ready", harness.KEDATimeout*3, (*apis.Condition).IsTrue)
		for _, c := range pa.Status.Conditions {
			if strings.HasPrefix(string(c.Type), "ScaledObject") {
				t.Errorf("PA %s keeps this controller's condition %s=%s after --rollback", pa.Name, c.Type, c.Status)
			}
		}
	}
	t.Logf("autoscaler-hpa owns every HPA again %v after the rollback began", time.Since(start).Round(time.Millisecond))
	userSO, err := e.KEDA.KedaV1alpha1().ScaledObjects(ns).Get(ctx, userApp, metav1.GetOptions{})
	if err != nil {
		t.Errorf("the user's own ScaledObject after --rollback: %v", err)
	} else if h, err := e.Kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, userApp, metav1.GetOptions{}); err != nil || h.UID != userHPA.UID || !metav1.IsControlledBy(h, userSO) {
		t.Errorf("the user's HPA after --rollback: %+v, err %v; want UID %s controlled by their ScaledObject", h, err, userHPA.UID)
	}
	time.Sleep(10 * time.Second)
	w.check(t, "after the rollback")
	w.stop()
}

// swapRevision is one ksvc of the swap test.
type swapRevision struct {
	name string
	anns map[string]string
	// requests are the user container's.
	requests corev1.ResourceList
	// replicas is what its Deployment runs under autoscaler-hpa.
	replicas int32
	// metricType is the type of the metric of KEDA's HPA.
	metricType autoscalingv2.MetricSourceType
}

func (r swapRevision) revision() string   { return r.name + "-00001" }
func (r swapRevision) deployment() string { return r.revision() + "-deployment" }

// settled returns the revision's HPA once it is autoscaler-hpa's (controlled
// by pa, with the metric type Serving's HPA class writes) and the HPA
// controller and the Deployment agree on r.replicas.
func (r swapRevision) settled(ctx context.Context, e *harness.Env, ns string, pa *autoscalingv1alpha1.PodAutoscaler) (*autoscalingv2.HorizontalPodAutoscaler, error) {
	hpa, err := e.Kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, r.revision(), metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	if !metav1.IsControlledBy(hpa, pa) {
		return nil, fmt.Errorf("controlled by %+v, not PA %s", hpa.OwnerReferences, pa.Name)
	}
	want := autoscalingv2.ResourceMetricSourceType
	if r.metricType == autoscalingv2.ExternalMetricSourceType {
		want = autoscalingv2.PodsMetricSourceType
	}
	if len(hpa.Spec.Metrics) != 1 || hpa.Spec.Metrics[0].Type != want {
		return nil, fmt.Errorf("metrics %+v, want one of type %s (Serving's)", hpa.Spec.Metrics, want)
	}
	d, err := e.Kube.AppsV1().Deployments(ns).Get(ctx, r.deployment(), metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	if ptr.Int32Value(d.Spec.Replicas) != r.replicas || d.Status.ReadyReplicas != r.replicas || hpa.Status.CurrentReplicas != r.replicas {
		return nil, fmt.Errorf("Deployment spec %d ready %d, HPA current %d desired %d; want %d",
			ptr.Int32Value(d.Spec.Replicas), d.Status.ReadyReplicas, hpa.Status.CurrentReplicas, hpa.Status.DesiredReplicas, r.replicas)
	}
	return hpa, nil
}

// adopted returns the revision's HPA once KEDA has made it its own:
// controlled by so, with KEDA's metric.
func adopted(ctx context.Context, e *harness.Env, ns string, r swapRevision, so *kedav1alpha1.ScaledObject) (*autoscalingv2.HorizontalPodAutoscaler, error) {
	hpa, err := e.Kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, r.revision(), metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	if !metav1.IsControlledBy(hpa, so) {
		return nil, fmt.Errorf("controlled by %+v, not ScaledObject %s", hpa.OwnerReferences, so.Name)
	}
	if len(hpa.Spec.Metrics) != 1 || hpa.Spec.Metrics[0].Type != r.metricType {
		return nil, fmt.Errorf("metrics %+v, want one of type %s (KEDA's)", hpa.Spec.Metrics, r.metricType)
	}
	return hpa, nil
}

// swapWatch watches a namespace's Deployments, HPAs and PAs for the whole
// swap and rollback: every replica count a revision's Deployment is given
// and has ready, every HPA deleted, created or adopted, every PA's Ready
// and Active conditions.
type swapWatch struct {
	cancel context.CancelFunc
	done   sync.WaitGroup

	mu         sync.Mutex
	floor      map[string]int32 // Deployment -> replicas before the swap
	low        map[string]int32 // Deployment -> lowest replicas seen, asked for or ready
	violations []string
	// states is each PA's Ready and Active conditions as they changed.
	states map[string][]paState
	// adoptedAt is the resourceVersion of the write that first made each
	// HPA a ScaledObject's (KEDA's adoption).
	adoptedAt map[string]uint64
}

// paState is a PA's Ready and Active conditions as one write left them;
// rv is that write's resourceVersion. Resource versions of one etcd are
// one sequence across resources, which orders a PA's write and an HPA's.
type paState struct {
	rv            uint64
	at            time.Time
	ready, active corev1.ConditionStatus
	reason        string
}

func (s paState) String() string {
	return fmt.Sprintf("%s Ready=%s Active=%s %s (rv %d)", s.at.Format("15:04:05.000"), s.ready, s.active, s.reason, s.rv)
}

func watchSwap(t *testing.T, e *harness.Env, ns string, revs []swapRevision) *swapWatch {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &swapWatch{cancel: cancel, floor: map[string]int32{}, low: map[string]int32{},
		states: map[string][]paState{}, adoptedAt: map[string]uint64{}}
	deps, err := e.Kube.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range revs {
		w.floor[r.deployment()], w.low[r.deployment()] = r.replicas, r.replicas
	}
	hpas, err := e.Kube.AutoscalingV2().HorizontalPodAutoscalers(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pas, err := e.Serving.AutoscalingV1alpha1().PodAutoscalers(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range pas.Items {
		w.seenPA(&pas.Items[i])
	}
	w.done.Add(3)
	go w.run(ctx, pas.ResourceVersion, func(ctx context.Context, rv string) (watch.Interface, error) {
		return e.Serving.AutoscalingV1alpha1().PodAutoscalers(ns).Watch(ctx, metav1.ListOptions{ResourceVersion: rv})
	}, func(ev watch.Event) {
		if pa, ok := ev.Object.(*autoscalingv1alpha1.PodAutoscaler); ok {
			w.seenPA(pa)
		}
	})
	go w.run(ctx, deps.ResourceVersion, func(ctx context.Context, rv string) (watch.Interface, error) {
		return e.Kube.AppsV1().Deployments(ns).Watch(ctx, metav1.ListOptions{ResourceVersion: rv})
	}, func(ev watch.Event) {
		d, ok := ev.Object.(*appsv1.Deployment)
		if !ok {
			return
		}
		floor, tracked := w.floor[d.Name]
		if !tracked {
			return
		}
		if ev.Type == watch.Deleted {
			w.violateLocked("Deployment %s deleted", d.Name)
		}
		// What it asks for, and what serves: neither may drop.
		for _, c := range []struct {
			what string
			n    int32
		}{{"asked for", ptr.Int32Value(d.Spec.Replicas)}, {"ready", d.Status.ReadyReplicas}} {
			w.low[d.Name] = min(w.low[d.Name], c.n)
			if c.n < floor {
				w.violateLocked("Deployment %s at %d replicas %s, below its %d (resourceVersion %s)", d.Name, c.n, c.what, floor, d.ResourceVersion)
			}
		}
	})
	go w.run(ctx, hpas.ResourceVersion, func(ctx context.Context, rv string) (watch.Interface, error) {
		return e.Kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Watch(ctx, metav1.ListOptions{ResourceVersion: rv})
	}, func(ev watch.Event) {
		h, ok := ev.Object.(*autoscalingv2.HorizontalPodAutoscaler)
		if !ok {
			return
		}
		switch ev.Type {
		case watch.Deleted:
			w.violateLocked("HPA %s (UID %s) deleted", h.Name, h.UID)
		case watch.Added:
			w.violateLocked("HPA %s created (UID %s)", h.Name, h.UID)
		}
		if c := metav1.GetControllerOf(h); c != nil && c.Kind == "ScaledObject" && w.adoptedAt[h.Name] == 0 {
			w.adoptedAt[h.Name] = w.rv(h)
		}
	})
	t.Cleanup(w.stop)
	return w
}

// seenPA records a PA's Ready and Active conditions when they changed;
// both must stay True: its HPA scales the revision throughout. Called with
// w.mu held, or before the watches start.
func (w *swapWatch) seenPA(pa *autoscalingv1alpha1.PodAutoscaler) {
	ready := pa.Status.GetCondition(autoscalingv1alpha1.PodAutoscalerConditionReady)
	active := pa.Status.GetCondition(autoscalingv1alpha1.PodAutoscalerConditionActive)
	if ready == nil || active == nil {
		w.violateLocked("PA %s without Ready or Active: %+v", pa.Name, pa.Status.Conditions)
		return
	}
	if ready.Status != corev1.ConditionTrue {
		w.violateLocked("PA %s Ready=%s %s: %s", pa.Name, ready.Status, ready.Reason, ready.Message)
	}
	if active.Status != corev1.ConditionTrue {
		w.violateLocked("PA %s Active=%s %s: %s", pa.Name, active.Status, active.Reason, active.Message)
	}
	s := paState{rv: w.rv(pa), at: time.Now(), ready: ready.Status, active: active.Status, reason: active.Reason}
	h := w.states[pa.Name]
	if n := len(h); n == 0 || h[n-1].ready != s.ready || h[n-1].active != s.active || h[n-1].reason != s.reason {
		w.states[pa.Name] = append(h, s)
	}
}

// rv is an object's resourceVersion as a number. Called with w.mu held.
func (w *swapWatch) rv(o metav1.Object) uint64 {
	v, err := strconv.ParseUint(o.GetResourceVersion(), 10, 64)
	if err != nil {
		w.violateLocked("%s: resourceVersion %q is not a number: %v", o.GetName(), o.GetResourceVersion(), err)
	}
	return v
}

// checkAdoption fails t unless each revision's PA went Active with reason
// AdoptingHPA once the swap began, and said Active without a reason (its
// scale now KEDA's HPA's) only in writes after KEDA had adopted the HPA.
func (w *swapWatch) checkAdoption(t *testing.T, revs []swapRevision) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range revs {
		states, adopted := w.states[r.revision()], w.adoptedAt[r.revision()]
		first := slices.IndexFunc(states, func(s paState) bool { return s.reason == podautoscaler.ReasonAdoptingHPA })
		switch {
		case adopted == 0:
			t.Errorf("PA %s: no adoption of HPA %s seen; Active went %v", r.revision(), r.revision(), states)
		case first < 0:
			t.Errorf("PA %s: never Active with reason %s; Active went %v", r.revision(), podautoscaler.ReasonAdoptingHPA, states)
		default:
			for _, s := range states[first:] {
				if s.reason != podautoscaler.ReasonAdoptingHPA && (s.reason != "" || s.rv < adopted) {
					t.Errorf("PA %s: %v once the swap began, before or without KEDA's adoption of its HPA (rv %d); Active went %v",
						r.revision(), s, adopted, states)
					break
				}
			}
			if last := states[len(states)-1]; last.reason != "" {
				t.Errorf("PA %s: still Active with reason %q after KEDA adopted its HPA (rv %d): %v", r.revision(), last.reason, adopted, states)
			}
		}
		t.Logf("PA %s (HPA adopted at rv %d): %v", r.revision(), adopted, states)
	}
}

// run watches from rv, again from the last event seen whenever the
// server ends the watch, until ctx ends. A watch it cannot start or resume
// is a violation: what happened meanwhile was not seen.
func (w *swapWatch) run(ctx context.Context, rv string, start func(context.Context, string) (watch.Interface, error), seen func(watch.Event)) {
	defer w.done.Done()
	for ctx.Err() == nil {
		wi, err := start(ctx, rv)
		if err != nil {
			if ctx.Err() == nil {
				w.violate("watch from %s: %v", rv, err)
			}
			return
		}
		for ev := range wi.ResultChan() {
			if ev.Type == watch.Error {
				err := apierrors.FromObject(ev.Object)
				w.violate("watch error after resourceVersion %s: %v", rv, err)
				if apierrors.IsResourceExpired(err) || apierrors.IsGone(err) {
					wi.Stop()
					return
				}
				break
			}
			if m, ok := ev.Object.(metav1.Object); ok {
				rv = m.GetResourceVersion()
			}
			if ev.Type != watch.Bookmark {
				w.mu.Lock()
				seen(ev)
				w.mu.Unlock()
			}
		}
		wi.Stop()
	}
}

func (w *swapWatch) violate(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.violateLocked(format, args...)
}

func (w *swapWatch) violateLocked(format string, args ...any) {
	w.violations = append(w.violations, fmt.Sprintf(format, args...))
}

// check fails t for every violation seen so far, and logs the lowest
// replica counts.
func (w *swapWatch) check(t *testing.T, when string) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, v := range w.violations {
		t.Errorf("%s: %s", when, v)
	}
	w.violations = nil
	var lows []string
	for d, n := range w.low {
		lows = append(lows, fmt.Sprintf("%s %d (was %d)", d, n, w.floor[d]))
	}
	sort.Strings(lows)
	t.Logf("%s: lowest replicas seen (asked for or ready): %s", when, strings.Join(lows, ", "))
	for pa, h := range w.states {
		t.Logf("%s: PA %s: %v", when, pa, h)
	}
}

func (w *swapWatch) stop() {
	w.cancel()
	w.done.Wait()
}

// runAutoscalerPods runs the pods of the Deployments autoscaler-hpa and
// autoscaler-keda as local processes (cluster.RunPodsAsProcesses).
func runAutoscalerPods(t *testing.T, e *harness.Env, autoscalerHPA string) {
	t.Helper()
	e.Cluster.RunPodsAsProcesses(deploy.SystemNamespace, "autoscaler-hpa", func(ctx context.Context, pod *corev1.Pod) (*cluster.Process, error) {
		// Serving's own ServiceAccount and RBAC are not installed here: the
		// admin kubeconfig stands in for them.
		p, err := e.Cluster.StartProcessInNetNS(ctx, pod.Name, autoscalerHPA, []string{"--kubeconfig=" + e.Cluster.Kubeconfig()}, []string{
			"SYSTEM_NAMESPACE=" + pod.Namespace,
			"CONFIG_LOGGING_NAME=config-logging",
			"CONFIG_OBSERVABILITY_NAME=config-observability",
			"POD_NAME=" + pod.Name,
		})
		if err != nil {
			return nil, err
		}
		return p, waitLogged(ctx, p, "Starting controllers...", time.Minute)
	}, t.Logf)
	e.Cluster.RunPodsAsProcesses(deploy.SystemNamespace, "autoscaler-keda", func(ctx context.Context, pod *corev1.Pod) (*cluster.Process, error) {
		// As config/ runs it: its ServiceAccount, RBAC and config map are
		// what the script applied; POD_NAME is the pod's.
		return deploy.Start(ctx, e.Cluster, e.Binary, deploy.Options{Name: pod.Name})
	}, t.Logf)
}

// waitLogged waits until p's log holds line.
func waitLogged(ctx context.Context, p *cluster.Process, line string, timeout time.Duration) error {
	return harness.Poll(ctx, 200*time.Millisecond, timeout, func() (bool, string) {
		if exited, err := p.Exited(); exited {
			return false, fmt.Sprintf("%s exited: %v; log %s", p.Name, err, p.LogPath)
		}
		b, _ := os.ReadFile(p.LogPath)
		return bytes.Contains(b, []byte(line)), fmt.Sprintf("no %q in %s", line, p.LogPath)
	})
}

// installAutoscalerHPA creates Serving's autoscaler-hpa Deployment and
// Service from Serving's config/hpa-autoscaling (its ServiceAccount,
// "controller", too) and waits until it is available.
func installAutoscalerHPA(t *testing.T, e *harness.Env) {
	t.Helper()
	ctx := context.Background()
	servingDir, err := cluster.ModuleDir(ctx, "knative.dev/serving")
	if err != nil {
		t.Fatal(err)
	}
	servingVersion, err := e.Cluster.Releases().Version(cluster.ServingAutoscalerHPA)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := cluster.DecodeObjects(filepath.Join(servingDir, "config", "hpa-autoscaling", "controller.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: deploy.SystemNamespace, Name: "controller"}}
	if _, err := e.Kube.CoreV1().ServiceAccounts(sa.Namespace).Create(ctx, sa, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	for _, obj := range objs {
		switch o := obj.(type) {
		case *appsv1.Deployment:
			// As ko resolve would leave it; no kubelet pulls it.
			o.Spec.Template.Spec.Containers[0].Image = "dev.local/knative.dev/serving/cmd/autoscaler-hpa:" + servingVersion
			_, err = e.Kube.AppsV1().Deployments(o.Namespace).Create(ctx, o, metav1.CreateOptions{})
		case *corev1.Service:
			_, err = e.Kube.CoreV1().Services(o.Namespace).Create(ctx, o, metav1.CreateOptions{})
		default:
			t.Fatalf("unexpected %T in Serving's config/hpa-autoscaling", obj)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	assertDeployment(t, e, "autoscaler-hpa", 1)
}

// assertDeployment waits until the system namespace's Deployment name has
// replicas pods, all available, and no other pod of its app.
func assertDeployment(t *testing.T, e *harness.Env, name string, replicas int32) {
	t.Helper()
	ctx := context.Background()
	harness.Eventually(t, time.Minute, fmt.Sprintf("Deployment %s with %d available replicas", name, replicas), func() (bool, string) {
		d, err := e.Kube.AppsV1().Deployments(deploy.SystemNamespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		pods, err := e.Kube.CoreV1().Pods(deploy.SystemNamespace).List(ctx, metav1.ListOptions{LabelSelector: "app=" + name})
		if err != nil {
			return false, err.Error()
		}
		why := fmt.Sprintf("spec %d, available %d, %d pods", ptr.Int32Value(d.Spec.Replicas), d.Status.AvailableReplicas, len(pods.Items))
		return ptr.Int32Value(d.Spec.Replicas) == replicas && d.Status.AvailableReplicas == replicas && len(pods.Items) == int(replicas), why
	})
}

// kubectlPath returns a directory holding the cached kubectl as "kubectl",
// for the script's PATH.
func kubectlPath(t *testing.T, bin string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Symlink(bin, filepath.Join(dir, "kubectl")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// renderConfig writes config/ as `ko resolve -f config/` would, the image
// reference replaced (no registry here, and no kubelet pulls it).
func renderConfig(t *testing.T) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(deploy.RepoRoot(), "config", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out.WriteString("---\n")
		out.Write(bytes.ReplaceAll(b, []byte("ko://github.com/serving-keda/serving-keda/cmd/autoscaler-keda"),
			[]byte("dev.local/serving-keda/autoscaler-keda:swap-test")))
	}
	p := filepath.Join(t.TempDir(), "autoscaler-keda.yaml")
	if err := os.WriteFile(p, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// runScript runs hack/swap-autoscaler-hpa.sh with args and kubectlDir first
// on PATH, logging its output; it fails t if the script fails.
func runScript(t *testing.T, e *harness.Env, kubectlDir string, args ...string) {
	t.Helper()
	cmd := exec.Command("bash", append([]string{filepath.Join(deploy.RepoRoot(), "hack", "swap-autoscaler-hpa.sh")}, args...)...)
	cmd.Env = append(os.Environ(),
		"PATH="+kubectlDir+string(os.PathListSeparator)+os.Getenv("PATH"),
		"KUBECACHEDIR="+t.TempDir(),
	)
	out, err := cmd.CombinedOutput()
	t.Logf("hack/swap-autoscaler-hpa.sh %s:\n%s", strings.Join(args, " "), out)
	if err != nil {
		t.Fatalf("hack/swap-autoscaler-hpa.sh %s: %v", strings.Join(args, " "), err)
	}
}
