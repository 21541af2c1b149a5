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
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"knative.dev/pkg/apis"
	"knative.dev/serving/pkg/apis/autoscaling"
	"knative.dev/serving/pkg/apis/serving"
	servingv1 "knative.dev/serving/pkg/apis/serving/v1"

	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/harness"
)

// TestKnativeServiceResourceMetrics: cpu and memory ksvcs scale on the
// real resource metrics API. kwok simulates each container's usage (a
// ClusterResourceUsage the test rewrites, so the ksvc's template and its
// Revision stay as they are) and serves it as a kubelet's
// /metrics/resource; metrics-server scrapes it and serves metrics.k8s.io
// through the aggregation layer; kube-controller-manager's HPA controller
// computes KEDA's HPA's ContainerResource metric on user-container from
// it. Raising the usage takes the Deployment Serving made 1 -> 3 (its
// max), lowering it takes it back to 1, and the PA's actualScale follows.
func TestKnativeServiceResourceMetrics(t *testing.T) {
	if err := cluster.ServingBinaries(""); err != nil {
		t.Fatalf("Serving's binaries are not built (make cluster-serving): %v", err)
	}
	for _, b := range []string{cluster.Kwok, cluster.MetricsServer} {
		if _, err := cluster.BinaryPath("", b); err != nil {
			t.Fatalf("%s is not built (make cluster-serving): %v", b, err)
		}
	}
	e := harness.StartForTest(t, harness.Options{Cluster: cluster.Options{
		Serving: true, Kwok: true, MetricsServer: true, HPAController: true,
		ControllerManagerArgs: []string{"--horizontal-pod-autoscaler-sync-period=3s"},
	}})

	low := cluster.Usage{CPU: resource.MustParse("10m"), Memory: resource.MustParse("10Mi")}
	for _, tc := range []struct {
		name     string
		anns     map[string]string
		requests corev1.ResourceList
		// high is the usage that scales to max: cpu 200m of a 100m
		// request is 200% against a 50% target, ceil(1 * 200/50) = 4
		// pods, capped at 3; memory 200Mi against 64Mi per pod is
		// ceil(200/64) = 4, capped at 3. low is 10% of the cpu request
		// (ceil(3 * 10/50) = 1) and 10Mi (ceil(3 * 10/64) = 1).
		high        cluster.Usage
		wantTrigger kedav1alpha1.ScaleTriggers
		wantMetric  autoscalingv2.MetricSpec
	}{{
		name: "cpu",
		anns: map[string]string{
			autoscaling.MetricAnnotationKey: autoscaling.CPU,
			// Percent of user-container's cpu request.
			autoscaling.TargetAnnotationKey: "50",
		},
		requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")},
		high:     cluster.Usage{CPU: resource.MustParse("200m"), Memory: resource.MustParse("10Mi")},
		wantTrigger: kedav1alpha1.ScaleTriggers{
			Type: "cpu", MetricType: autoscalingv2.UtilizationMetricType,
			Metadata: map[string]string{"value": "50", "containerName": "user-container"},
		},
		wantMetric: autoscalingv2.MetricSpec{
			Type: autoscalingv2.ContainerResourceMetricSourceType,
			ContainerResource: &autoscalingv2.ContainerResourceMetricSource{
				Name: corev1.ResourceCPU, Container: "user-container",
				Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To[int32](50)},
			},
		},
	}, {
		name: "memory",
		anns: map[string]string{
			autoscaling.MetricAnnotationKey: autoscaling.Memory,
			// MiB per pod's user-container, as in Serving.
			autoscaling.TargetAnnotationKey: "64",
		},
		requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")},
		high:     cluster.Usage{CPU: resource.MustParse("10m"), Memory: resource.MustParse("200Mi")},
		wantTrigger: kedav1alpha1.ScaleTriggers{
			Type: "memory", MetricType: autoscalingv2.AverageValueMetricType,
			Metadata: map[string]string{"value": "64Mi", "containerName": "user-container"},
		},
		wantMetric: autoscalingv2.MetricSpec{
			Type: autoscalingv2.ContainerResourceMetricSourceType,
			ContainerResource: &autoscalingv2.ContainerResourceMetricSource{
				Name: corev1.ResourceMemory, Container: "user-container",
				Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr.To(resource.MustParse("64Mi"))},
			},
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			ns := e.Namespace(t)
			name := tc.name
			revision := name + "-00001"
			dep := revision + "-deployment"

			// The usage exists before the pods, so that metrics-server
			// has them from its first scrapes.
			setUsage := func(u cluster.Usage) {
				t.Helper()
				if err := e.Cluster.SetKwokUsage(ctx, ns, map[string]cluster.Usage{"user-container": u}); err != nil {
					t.Fatalf("setting kwok's simulated usage: %v", err)
				}
				t.Logf("user-container usage set to cpu %s memory %s", u.CPU.String(), u.Memory.String())
			}
			setUsage(low)

			anns := map[string]string{
				autoscaling.MinScaleAnnotationKey: "1",
				autoscaling.MaxScaleAnnotationKey: "3",
				autoscaling.WindowAnnotationKey:   "6s",
			}
			for k, v := range tc.anns {
				anns[k] = v
			}
			ksvc := harness.KnativeService(ns, name, anns)
			ksvc.Spec.Template.Spec.Containers[0].Resources.Requests = tc.requests
			e.CreateKnativeService(t, ksvc)

			so := e.ScaledObject(t, ns, revision, harness.ServingTimeout)
			if diff := cmp.Diff([]kedav1alpha1.ScaleTriggers{tc.wantTrigger}, so.Spec.Triggers); diff != "" {
				t.Errorf("ScaledObject triggers (-want +got):\n%s", diff)
			}
			hpa := e.HPA(t, ns, revision, harness.KEDATimeout)
			if diff := cmp.Diff([]autoscalingv2.MetricSpec{tc.wantMetric}, hpa.Spec.Metrics); diff != "" {
				t.Errorf("KEDA's HPA metrics (-want +got):\n%s", diff)
			}
			if hpa.Spec.ScaleTargetRef.Name != dep || ptr.Deref(hpa.Spec.MinReplicas, 0) != 1 || hpa.Spec.MaxReplicas != 3 {
				t.Errorf("HPA target %+v, replicas %v-%d; want Deployment %s, 1-3", hpa.Spec.ScaleTargetRef, hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas, dep)
			}

			const readyTimeout = 90 * time.Second
			e.RevisionCondition(t, ns, revision, servingv1.RevisionConditionReady, readyTimeout, (*apis.Condition).IsTrue)
			resourceReplicas(t, e, ns, revision, 1, readyTimeout)
			// The whole chain computes: metrics.k8s.io reports the
			// simulated usage and the HPA controller uses it.
			resourcePodUsage(t, e, ns, revision, 1, low)
			resourceHPAActive(t, e, ns, revision)

			const scaleTimeout = 2 * time.Minute
			setUsage(tc.high)
			resourceReplicas(t, e, ns, revision, 3, scaleTimeout)
			resourceActualScale(t, e, ns, revision, 3)
			resourcePodUsage(t, e, ns, revision, 3, tc.high)

			setUsage(low)
			resourceReplicas(t, e, ns, revision, 1, scaleTimeout)
			resourceActualScale(t, e, ns, revision, 1)
		})
	}
}

// resourceReplicas waits until the revision's Deployment wants and has want ready
// replicas, and logs how long that took.
func resourceReplicas(t *testing.T, e *harness.Env, ns, revision string, want int32, timeout time.Duration) {
	t.Helper()
	ctx := context.Background()
	dep := revision + "-deployment"
	start := time.Now()
	harness.Eventually(t, timeout, fmt.Sprintf("Deployment %s at %d ready replicas", dep, want), func() (bool, string) {
		d, err := e.Kube.AppsV1().Deployments(ns).Get(ctx, dep, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		why := fmt.Sprintf("spec %d, ready %d", ptr.Deref(d.Spec.Replicas, -1), d.Status.ReadyReplicas)
		if hpa, err := e.Kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, revision, metav1.GetOptions{}); err == nil {
			why += fmt.Sprintf("; HPA desired %d current %d, metrics %s, conditions %s",
				hpa.Status.DesiredReplicas, hpa.Status.CurrentReplicas, resourceCurrentMetrics(hpa), resourceHPAConditions(hpa))
		}
		return ptr.Deref(d.Spec.Replicas, -1) == want && d.Status.ReadyReplicas == want, why
	})
	t.Logf("%d ready replicas after %v", want, time.Since(start).Round(100*time.Millisecond))
}

// resourceActualScale waits until the revision's PA reports want as its
// actualScale (the HPA's status, a moment after the Deployment's).
func resourceActualScale(t *testing.T, e *harness.Env, ns, revision string, want int32) {
	t.Helper()
	harness.Eventually(t, harness.KEDATimeout, fmt.Sprintf("PA %s actualScale %d", revision, want), func() (bool, string) {
		pa, err := e.Serving.AutoscalingV1alpha1().PodAutoscalers(ns).Get(context.Background(), revision, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		if pa.Status.ActualScale == nil {
			return false, "no actualScale"
		}
		return *pa.Status.ActualScale == want, fmt.Sprintf("actualScale %d", *pa.Status.ActualScale)
	})
}

// resourceHPAActive waits until the HPA controller has computed the HPA's
// metric from metrics.k8s.io (ScalingActive=True) and logs what it read.
func resourceHPAActive(t *testing.T, e *harness.Env, ns, revision string) {
	t.Helper()
	var hpa *autoscalingv2.HorizontalPodAutoscaler
	harness.Eventually(t, time.Minute, "HPA "+revision+" ScalingActive", func() (bool, string) {
		var err error
		hpa, err = e.Kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(context.Background(), revision, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		for _, c := range hpa.Status.Conditions {
			if c.Type == autoscalingv2.ScalingActive {
				return c.Status == corev1.ConditionTrue && len(hpa.Status.CurrentMetrics) == 1, resourceHPAConditions(hpa)
			}
		}
		return false, "no ScalingActive condition"
	})
	t.Logf("HPA %s reads %s", revision, resourceCurrentMetrics(hpa))
}

// resourcePodMetrics is metrics.k8s.io/v1beta1's PodMetricsList, as far as
// these tests read it (k8s.io/metrics is not a dependency).
type resourcePodMetrics struct {
	Items []struct {
		Metadata   metav1.ObjectMeta `json:"metadata"`
		Window     metav1.Duration   `json:"window"`
		Containers []struct {
			Name  string              `json:"name"`
			Usage corev1.ResourceList `json:"usage"`
		} `json:"containers"`
	} `json:"items"`
}

// resourcePodUsage waits until metrics.k8s.io, through the aggregation layer,
// reports n pods of the revision whose user-container uses want: memory
// exactly (a gauge), cpu within 5% (metrics-server's rate of kwok's
// counter over two scrapes whose times each side takes a little apart).
func resourcePodUsage(t *testing.T, e *harness.Env, ns, revision string, n int, want cluster.Usage) {
	t.Helper()
	ctx := context.Background()
	start := time.Now()
	// In nanocores, as metrics-server reports cpu (10000702n): MilliValue
	// would round that up to 11m.
	wantCPU := want.CPU.ScaledValue(resource.Nano)
	harness.EventuallyEvery(t, time.Second, time.Minute, fmt.Sprintf("metrics.k8s.io: %d pods of %s with user-container at cpu %s, memory %s", n, revision, want.CPU.String(), want.Memory.String()), func() (bool, string) {
		raw, err := e.Kube.CoreV1().RESTClient().Get().
			AbsPath("/apis/metrics.k8s.io/v1beta1/namespaces", ns, "pods").
			Param("labelSelector", serving.RevisionLabelKey+"="+revision).
			SetHeader("Accept", "application/json").
			DoRaw(ctx)
		if err != nil {
			return false, err.Error()
		}
		var list resourcePodMetrics
		if err := json.Unmarshal(raw, &list); err != nil {
			return false, err.Error()
		}
		var seen []string
		ok := 0
		for _, p := range list.Items {
			for _, c := range p.Containers {
				if c.Name != "user-container" {
					continue
				}
				cpu, mem := c.Usage[corev1.ResourceCPU], c.Usage[corev1.ResourceMemory]
				seen = append(seen, fmt.Sprintf("%s: cpu %s memory %s (window %s)", p.Metadata.Name, cpu.String(), mem.String(), p.Window.Duration))
				if d := cpu.ScaledValue(resource.Nano) - wantCPU; d*20 <= wantCPU && -d*20 <= wantCPU && mem.Cmp(want.Memory) == 0 {
					ok++
				}
			}
		}
		sort.Strings(seen)
		return ok == n && len(list.Items) == n, strings.Join(seen, "; ")
	})
	t.Logf("metrics.k8s.io reported the usage of %d pods after %v", n, time.Since(start).Round(100*time.Millisecond))
}

func resourceCurrentMetrics(hpa *autoscalingv2.HorizontalPodAutoscaler) string {
	var out []string
	for _, m := range hpa.Status.CurrentMetrics {
		if r := m.ContainerResource; r != nil {
			s := fmt.Sprintf("%s/%s", r.Container, r.Name)
			if u := r.Current.AverageUtilization; u != nil {
				s += fmt.Sprintf(" %d%%", *u)
			}
			if v := r.Current.AverageValue; v != nil {
				s += " " + v.String()
			}
			out = append(out, s)
		} else {
			out = append(out, string(m.Type))
		}
	}
	return "[" + strings.Join(out, ", ") + "]"
}

func resourceHPAConditions(hpa *autoscalingv2.HorizontalPodAutoscaler) string {
	var out []string
	for _, c := range hpa.Status.Conditions {
		out = append(out, fmt.Sprintf("%s=%s %s: %s", c.Type, c.Status, c.Reason, c.Message))
	}
	return strings.Join(out, "; ")
}
