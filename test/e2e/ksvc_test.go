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
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	netv1alpha1 "knative.dev/networking/pkg/apis/networking/v1alpha1"
	"knative.dev/pkg/apis"
	"knative.dev/serving/pkg/apis/autoscaling"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	"knative.dev/serving/pkg/apis/serving"
	servingv1 "knative.dev/serving/pkg/apis/serving/v1"

	"github.com/serving-keda/serving-keda/pkg/translate"
	"github.com/serving-keda/serving-keda/test/harness"
	"github.com/serving-keda/serving-keda/test/harness/prometheus"
)

// TestKnativeServicePrometheus starts from what a user applies, a Knative
// Service of the HPA class scaled on a Prometheus metric, on a control
// plane running Serving's real controller and webhook: Serving makes the
// Configuration, the Revision, its Deployment (user-container and
// queue-proxy) and its PodAutoscaler; this controller the ScaledObject and
// the ServerlessService; KEDA the HPA. Deleting the ksvc collects them all.
// Pods stay Pending (no nodes), so the Revision is not Ready: that needs
// kwok (issue 12).
func TestKnativeServicePrometheus(t *testing.T) {
	e := harness.StartServing(t, harness.ServingObjects)
	ctx := context.Background()
	ns := e.Namespace(t)
	prom := prometheus.StartForTest(t, 5)

	const (
		name     = "hello"
		revision = name + "-00001"
		image    = harness.KnativeServiceImage
	)
	anns := map[string]string{
		autoscaling.ClassAnnotationKey:           autoscaling.HPA,
		autoscaling.MetricAnnotationKey:          "http_requests",
		autoscaling.TargetAnnotationKey:          "10",
		autoscaling.MinScaleAnnotationKey:        "1",
		autoscaling.MaxScaleAnnotationKey:        "3",
		translate.PrometheusAddressAnnotationKey: prom.URL,
		translate.PrometheusQueryAnnotationKey:   `sum(rate({{.Metric}}{namespace="{{.Namespace}}",service="{{.Service}}",revision="{{.Revision}}"}[1m]))`,
		translate.PollingIntervalAnnotationKey:   "1",
	}
	ksvc := &servingv1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: servingv1.ServiceSpec{ConfigurationSpec: servingv1.ConfigurationSpec{Template: servingv1.RevisionTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Annotations: anns},
			Spec: servingv1.RevisionSpec{PodSpec: corev1.PodSpec{Containers: []corev1.Container{{
				Image: image,
				Ports: []corev1.ContainerPort{{ContainerPort: 8080}},
			}}}},
		}}},
	}
	created, err := e.Serving.ServingV1().Services(ns).Create(ctx, ksvc, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating ksvc: %v", err)
	}
	// Serving's defaulting webhook ran: the container got its name.
	if c := created.Spec.Template.Spec.Containers; len(c) != 1 || c[0].Name != "user-container" {
		t.Errorf("ksvc containers after admission = %+v, want one named user-container (Serving's defaulting)", c)
	}

	// Serving: ksvc -> Configuration -> Revision -> Deployment + PA.
	cfg := harness.Get(t, harness.ServingTimeout, "Configuration "+ns+"/"+name, func() (*servingv1.Configuration, error) {
		return e.Serving.ServingV1().Configurations(ns).Get(ctx, name, metav1.GetOptions{})
	})
	if !metav1.IsControlledBy(cfg, created) {
		t.Errorf("Configuration owners = %+v, want controlled by the ksvc", cfg.OwnerReferences)
	}
	rev := harness.Get(t, harness.ServingTimeout, "Revision "+ns+"/"+revision, func() (*servingv1.Revision, error) {
		return e.Serving.ServingV1().Revisions(ns).Get(ctx, revision, metav1.GetOptions{})
	})
	if !metav1.IsControlledBy(rev, cfg) {
		t.Errorf("Revision owners = %+v, want controlled by the Configuration", rev.OwnerReferences)
	}
	for k, v := range anns {
		if rev.Annotations[k] != v {
			t.Errorf("Revision annotation %s = %q, want %q (from the template)", k, rev.Annotations[k], v)
		}
	}
	if rev.Labels[serving.ServiceLabelKey] != name || rev.Labels[serving.ConfigurationLabelKey] != name {
		t.Errorf("Revision labels = %v, want service and configuration %s", rev.Labels, name)
	}

	dep := harness.Get(t, harness.ServingTimeout, "Deployment "+ns+"/"+revision+"-deployment", func() (*appsv1.Deployment, error) {
		return e.Kube.AppsV1().Deployments(ns).Get(ctx, revision+"-deployment", metav1.GetOptions{})
	})
	if !metav1.IsControlledBy(dep, rev) {
		t.Errorf("Deployment owners = %+v, want controlled by the Revision", dep.OwnerReferences)
	}
	if dep.Spec.Replicas == nil || *dep.Spec.Replicas != 1 {
		t.Errorf("Deployment replicas = %v, want 1 (config-autoscaler initial-scale)", dep.Spec.Replicas)
	}
	containers := map[string]string{}
	for _, c := range dep.Spec.Template.Spec.Containers {
		containers[c.Name] = c.Image
	}
	if queue := e.Cluster.ServingQueueImage(); len(containers) != 2 || containers["user-container"] != image || containers["queue-proxy"] != queue {
		t.Errorf("Deployment containers (name: image) = %v, want user-container: %s and queue-proxy: %s", containers, image, queue)
	}

	pa := e.ServingPodAutoscaler(t, ns, revision)
	if !metav1.IsControlledBy(pa, rev) {
		t.Errorf("PodAutoscaler owners = %+v, want controlled by the Revision", pa.OwnerReferences)
	}
	if pa.Class() != autoscaling.HPA || pa.Spec.ScaleTargetRef.Kind != "Deployment" || pa.Spec.ScaleTargetRef.Name != dep.Name {
		t.Errorf("PodAutoscaler class %q, scale target %+v; want %s and Deployment %s", pa.Class(), pa.Spec.ScaleTargetRef, autoscaling.HPA, dep.Name)
	}

	// This controller: the ScaledObject (its query rendered from the labels
	// Serving set) and the ServerlessService, in Serve mode.
	so := e.ScaledObject(t, ns, revision, createTimeout)
	if !metav1.IsControlledBy(so, pa) {
		t.Errorf("ScaledObject owners = %+v, want controlled by the PodAutoscaler", so.OwnerReferences)
	}
	wantQuery := fmt.Sprintf(`sum(rate(http_requests{namespace=%q,service=%q,revision=%q}[1m]))`, ns, name, revision)
	if so.Spec.ScaleTargetRef == nil || so.Spec.ScaleTargetRef.Name != dep.Name {
		t.Errorf("ScaledObject scaleTargetRef = %+v, want Deployment %s", so.Spec.ScaleTargetRef, dep.Name)
	}
	if so.Spec.MinReplicaCount == nil || *so.Spec.MinReplicaCount != 1 || so.Spec.MaxReplicaCount == nil || *so.Spec.MaxReplicaCount != 3 {
		t.Errorf("ScaledObject replicas min %v max %v, want 1 and 3", so.Spec.MinReplicaCount, so.Spec.MaxReplicaCount)
	}
	if got := so.Spec.Triggers; len(got) != 1 || got[0].Type != "prometheus" ||
		got[0].Metadata["serverAddress"] != prom.URL || got[0].Metadata["query"] != wantQuery || got[0].Metadata["threshold"] != "10" {
		t.Errorf("triggers = %+v, want one prometheus trigger querying %s at %s, threshold 10", got, wantQuery, prom.URL)
	}
	sks := harness.Get(t, harness.ControllerTimeout, "ServerlessService "+ns+"/"+revision, func() (*netv1alpha1.ServerlessService, error) {
		return e.Networking.NetworkingV1alpha1().ServerlessServices(ns).Get(ctx, revision, metav1.GetOptions{})
	})
	if sks.Spec.Mode != netv1alpha1.SKSOperationModeServe {
		t.Errorf("SKS mode = %q, want Serve", sks.Spec.Mode)
	}

	// KEDA: the HPA, on the Deployment Serving made, and KEDA queries the
	// fake Prometheus with the rendered query.
	hpa := e.HPA(t, ns, revision, harness.KEDATimeout)
	if !metav1.IsControlledBy(hpa, so) {
		t.Errorf("HPA owners = %+v, want controlled by the ScaledObject", hpa.OwnerReferences)
	}
	if hpa.Spec.ScaleTargetRef.Kind != "Deployment" || hpa.Spec.ScaleTargetRef.Name != dep.Name ||
		hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas != 1 || hpa.Spec.MaxReplicas != 3 {
		t.Errorf("HPA target %+v, replicas %v-%d; want Deployment %s, 1-3", hpa.Spec.ScaleTargetRef, hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas, dep.Name)
	}
	if m := hpa.Spec.Metrics; len(m) != 1 || m[0].Type != autoscalingv2.ExternalMetricSourceType {
		t.Errorf("HPA metrics = %+v, want one external metric", m)
	}
	harness.Eventually(t, harness.KEDATimeout, "KEDA queries the fake Prometheus with the rendered query", func() (bool, string) {
		for _, q := range prom.Queries() {
			if q.Query == wantQuery {
				return true, ""
			}
		}
		return false, fmt.Sprintf("queries so far: %+v", prom.Queries())
	})
	harness.Eventually(t, harness.KEDATimeout, "ScaledObject Ready", func() (bool, string) {
		got, err := e.KEDA.KedaV1alpha1().ScaledObjects(ns).Get(ctx, revision, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		ready := got.Status.Conditions.GetReadyCondition()
		return ready.IsTrue(), harness.SOCondition(got, kedav1alpha1.ConditionReady)
	})
	// Pods stay Pending: what Serving says of the Revision, for the log.
	rev, _ = e.Serving.ServingV1().Revisions(ns).Get(ctx, revision, metav1.GetOptions{})
	if c := rev.Status.GetCondition("Ready"); c != nil {
		t.Logf("Revision Ready=%s reason=%q message=%q (pods Pending without nodes)", c.Status, c.Reason, c.Message)
	}

	// Deleting the ksvc collects everything down to KEDA's HPA.
	if err := e.Serving.ServingV1().Services(ns).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	const gcTimeout = 30 * time.Second
	harness.NotFound(t, gcTimeout, "Revision "+revision, func() error {
		_, err := e.Serving.ServingV1().Revisions(ns).Get(ctx, revision, metav1.GetOptions{})
		return err
	})
	harness.NotFound(t, gcTimeout, "ScaledObject "+revision, func() error {
		_, err := e.KEDA.KedaV1alpha1().ScaledObjects(ns).Get(ctx, revision, metav1.GetOptions{})
		return err
	})
	harness.NotFound(t, gcTimeout, "HPA "+revision, func() error {
		_, err := e.Kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, revision, metav1.GetOptions{})
		return err
	})
	harness.NotFound(t, gcTimeout, "Deployment "+dep.Name, func() error {
		_, err := e.Kube.AppsV1().Deployments(ns).Get(ctx, dep.Name, metav1.GetOptions{})
		return err
	})
}

// TestKnativeServiceReady: with kwok's fake Node the revision's pod runs
// (kwok plays the kubelet; no container starts), its Service gets
// Endpoints, Serving's SKS becomes Ready, the real HPA controller writes
// the HPA's replicas (its metric stays unavailable: no metrics adapter yet),
// this controller reports them on the PA and Serving marks the Revision
// Ready. The ksvc itself stays Ready=Unknown: no networking layer runs.
func TestKnativeServiceReady(t *testing.T) {
	e := harness.StartServing(t, harness.ServingPods)
	ctx := context.Background()
	ns := e.Namespace(t)
	prom := prometheus.StartForTest(t, 5)

	const (
		name     = "ready"
		revision = name + "-00001"
	)
	e.CreateKnativeService(t, harness.KnativeService(ns, name, map[string]string{
		autoscaling.MetricAnnotationKey:          "http_requests",
		autoscaling.TargetAnnotationKey:          "10",
		translate.PrometheusAddressAnnotationKey: prom.URL,
		translate.PrometheusQueryAnnotationKey:   `sum(rate(http_requests{revision="{{.Revision}}"}[1m]))`,
	}))
	const readyTimeout = 90 * time.Second
	harness.Eventually(t, readyTimeout, "a Running and Ready pod of "+revision, func() (bool, string) {
		pods, err := e.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: serving.RevisionLabelKey + "=" + revision})
		if err != nil {
			return false, err.Error()
		}
		for _, p := range pods.Items {
			for _, c := range p.Status.Conditions {
				if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue && p.Status.Phase == corev1.PodRunning && p.Status.PodIP != "" {
					return true, ""
				}
			}
		}
		return false, fmt.Sprintf("%d pods, none Running and Ready with an IP", len(pods.Items))
	})
	harness.Eventually(t, readyTimeout, "SKS "+revision+" Ready", func() (bool, string) {
		sks, err := e.Networking.NetworkingV1alpha1().ServerlessServices(ns).Get(ctx, revision, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		c := sks.Status.GetCondition("Ready")
		return sks.IsReady(), fmt.Sprintf("Ready: %+v", c)
	})
	e.ServingPodAutoscaler(t, ns, revision)
	e.PACondition(t, ns, revision, "Ready", readyTimeout, (*apis.Condition).IsTrue)
	// The HPA controller's replicas on the PA: actualScale the one running
	// pod, as the HPA counts it, and desiredScale what the HPA wants (it
	// keeps the value it had while its metric is unavailable).
	harness.Eventually(t, readyTimeout, "PA "+revision+" scale as its HPA reports it", func() (bool, string) {
		hpa, err := e.Kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, revision, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		pa := e.PodAutoscaler(t, ns, revision)
		why := fmt.Sprintf("PA actualScale %s desiredScale %s; HPA currentReplicas %d desiredReplicas %d",
			scaleString(pa.Status.ActualScale), scaleString(pa.Status.DesiredScale), hpa.Status.CurrentReplicas, hpa.Status.DesiredReplicas)
		return pa.Status.ActualScale != nil && pa.Status.DesiredScale != nil && hpa.Status.CurrentReplicas == 1 &&
			*pa.Status.ActualScale == hpa.Status.CurrentReplicas && *pa.Status.DesiredScale == hpa.Status.DesiredReplicas, why
	})
	e.RevisionCondition(t, ns, revision, servingv1.RevisionConditionReady, readyTimeout, (*apis.Condition).IsTrue)
	// The ksvc: its Configuration is Ready, its Route never is (no
	// networking layer reconciles the Ingress).
	got := harness.Get(t, readyTimeout, "ksvc "+name+" ConfigurationsReady", func() (*servingv1.Service, error) {
		got, err := e.Serving.ServingV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		if c := got.Status.GetCondition(servingv1.ServiceConditionConfigurationsReady); !c.IsTrue() {
			return nil, fmt.Errorf("ConfigurationsReady: %+v", c)
		}
		return got, nil
	})
	if c := got.Status.GetCondition(servingv1.ServiceConditionRoutesReady); c.IsTrue() {
		t.Errorf("ksvc RoutesReady = %+v, want not True without a networking layer", c)
	}
	t.Logf("ksvc Ready: %+v; RoutesReady: %+v", got.Status.GetCondition("Ready"), got.Status.GetCondition(servingv1.ServiceConditionRoutesReady))
}

// TestKnativeServiceScales: the whole loop from a ksvc, up, down and up
// again on a custom metric, the scenario of Serving's hpa e2e test
// (TestHPAAutoscaleUpDownUp) and autoscaler-keda's (TestUpDownCustomMetric),
// which drive real traffic. Here the load is the fake Prometheus's value;
// KEDA's operator reads it, its metrics adapter serves it through the
// aggregation layer, kube-controller-manager's HPA controller computes the
// replicas and kwok runs the pods. Target 10 per pod, min-scale 1,
// max-scale 5, a 6 s window: the value 25 takes the Deployment Serving made
// 1 -> 3, the value 0 back to 1 (min-scale, not 0), the value 100 up to 5
// (max-scale, not 10). Every replica count the Deployment asks for, as a
// watch sees it, stays within [1, 5].
func TestKnativeServiceScales(t *testing.T) {
	e := harness.StartServing(t, harness.ServingLoop)
	ctx := context.Background()
	ns := e.Namespace(t)
	prom := prometheus.StartForTest(t, 5)

	const (
		name     = "scales"
		revision = name + "-00001"
	)
	history := e.WatchReplicas(t, ns, revision)
	e.CreateKnativeService(t, harness.KnativeService(ns, name, map[string]string{
		autoscaling.MetricAnnotationKey:          "http_requests",
		autoscaling.TargetAnnotationKey:          "10",
		autoscaling.MinScaleAnnotationKey:        "1",
		autoscaling.MaxScaleAnnotationKey:        "5",
		autoscaling.WindowAnnotationKey:          "6s",
		translate.PrometheusAddressAnnotationKey: prom.URL,
		translate.PrometheusQueryAnnotationKey:   `sum(rate(http_requests{revision="{{.Revision}}"}[1m]))`,
		translate.PollingIntervalAnnotationKey:   "1",
	}))
	// The PA reports the HPA's scale (the HPA's status, a moment after the
	// Deployment's).
	actualScale := func(want int32) {
		t.Helper()
		harness.Eventually(t, harness.KEDATimeout, fmt.Sprintf("PA %s actualScale %d", revision, want), func() (bool, string) {
			pa, err := e.Serving.AutoscalingV1alpha1().PodAutoscalers(ns).Get(ctx, revision, metav1.GetOptions{})
			if err != nil {
				return false, err.Error()
			}
			if pa.Status.ActualScale == nil {
				return false, "no actualScale"
			}
			return *pa.Status.ActualScale == want, fmt.Sprintf("actualScale %d", *pa.Status.ActualScale)
		})
	}
	e.WaitReplicas(t, ns, revision, 1, 90*time.Second)
	e.PACondition(t, ns, revision, "Ready", 60*time.Second, (*apis.Condition).IsTrue)

	prom.Set(25) // ceil(25 / 10) = 3 pods
	e.WaitReplicas(t, ns, revision, 3, 60*time.Second)
	prom.Set(0) // no pod wanted: min-scale holds 1
	e.WaitReplicas(t, ns, revision, 1, 60*time.Second)
	actualScale(1)

	prom.Set(100) // 10 pods wanted: max-scale holds 5
	e.WaitReplicas(t, ns, revision, 5, 60*time.Second)
	actualScale(5)
	// The HPA says why it stops there.
	harness.Eventually(t, 30*time.Second, "HPA "+revision+" ScalingLimited TooManyReplicas", func() (bool, string) {
		hpa, err := e.Kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, revision, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		for _, c := range hpa.Status.Conditions {
			if c.Type == autoscalingv2.ScalingLimited {
				return c.Status == corev1.ConditionTrue && c.Reason == "TooManyReplicas", fmt.Sprintf("ScalingLimited %s %s: %s", c.Status, c.Reason, c.Message)
			}
		}
		return false, fmt.Sprintf("conditions %+v", hpa.Status.Conditions)
	})
	history.CheckBounds(t, 0, 1, 5)
}

// TestKnativeServiceTrafficSplit: two revisions both in the ksvc's traffic
// (50/50 by revision name) and only the loaded one scales, the scenario of
// autoscaler-keda's TestMultiRevisionScalingCM. Serving's labeler reads
// the Route's spec.traffic, so both revisions are labeled routingState
// active and both PAs Reachable although no networking layer runs (the
// Route assigns the split, AllTrafficAssigned, but never becomes Ready). Each ScaledObject queries its own
// revision and the fake Prometheus answers each query with that
// revision's load: load on the second takes it from its min-scale 2 to its
// max-scale 4 while the first stays at its min-scale 1 (its HPA reads the
// metric, 0); load moved to the first takes it to 3 while the second falls
// back to 2, not below.
func TestKnativeServiceTrafficSplit(t *testing.T) {
	e := harness.StartServing(t, harness.ServingLoop)
	ctx := context.Background()
	ns := e.Namespace(t)
	prom := prometheus.StartForTest(t, 0)

	const (
		name   = "pair"
		first  = name + "-00001"
		second = name + "-00002"
	)
	var (
		mu   sync.Mutex
		load = map[string]float64{}
	)
	prom.SetFunc(func(query string, _ time.Time) float64 {
		mu.Lock()
		defer mu.Unlock()
		for rev, v := range load {
			if strings.Contains(query, `revision="`+rev+`"`) {
				return v
			}
		}
		return 0
	})
	setLoad := func(onFirst, onSecond float64) {
		mu.Lock()
		defer mu.Unlock()
		load[first], load[second] = onFirst, onSecond
	}
	history1, history2 := e.WatchReplicas(t, ns, first), e.WatchReplicas(t, ns, second)

	e.CreateKnativeService(t, harness.KnativeService(ns, name, map[string]string{
		autoscaling.MetricAnnotationKey:          "http_requests",
		autoscaling.TargetAnnotationKey:          "10",
		autoscaling.MinScaleAnnotationKey:        "1",
		autoscaling.MaxScaleAnnotationKey:        "4",
		autoscaling.WindowAnnotationKey:          "6s",
		translate.PrometheusAddressAnnotationKey: prom.URL,
		translate.PrometheusQueryAnnotationKey:   `sum(rate(http_requests{revision="{{.Revision}}"}[1m]))`,
		translate.PollingIntervalAnnotationKey:   "1",
	}))
	e.ScaledObject(t, ns, first, harness.ServingTimeout)
	// A second revision, named, with min-scale 2, and the traffic split
	// between both by name.
	e.UpdateKnativeService(t, ns, name, func(ksvc *servingv1.Service) {
		ksvc.Spec.Template.Name = second
		ksvc.Spec.Template.Annotations[autoscaling.MinScaleAnnotationKey] = "2"
		ksvc.Spec.Traffic = []servingv1.TrafficTarget{
			{RevisionName: first, Percent: ptr.To[int64](50)},
			{RevisionName: second, Percent: ptr.To[int64](50)},
		}
	})
	for _, rev := range []string{first, second} {
		e.RevisionRouting(t, ns, rev, servingv1.RoutingStateActive, autoscalingv1alpha1.ReachabilityReachable, harness.ServingTimeout)
	}
	for rev, min := range map[string]int32{first: 1, second: 2} {
		so := e.ScaledObject(t, ns, rev, harness.ServingTimeout)
		query := fmt.Sprintf(`sum(rate(http_requests{revision=%q}[1m]))`, rev)
		if ptr.Deref(so.Spec.MinReplicaCount, -1) != min || ptr.Deref(so.Spec.MaxReplicaCount, -1) != 4 ||
			len(so.Spec.Triggers) != 1 || so.Spec.Triggers[0].Metadata["query"] != query {
			t.Errorf("%s's ScaledObject: replicas %v-%v, triggers %+v; want %d-4 and one trigger querying %s",
				rev, so.Spec.MinReplicaCount, so.Spec.MaxReplicaCount, so.Spec.Triggers, min, query)
		}
	}
	e.WaitReplicas(t, ns, first, 1, 90*time.Second)
	e.WaitReplicas(t, ns, second, 2, 90*time.Second)
	// Serving's Route assigns the split, though no networking layer makes
	// it Ready.
	route := harness.Get(t, 30*time.Second, "Route "+name+" traffic assigned 50/50", func() (*servingv1.Route, error) {
		r, err := e.Serving.ServingV1().Routes(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		split := map[string]int64{}
		for _, tt := range r.Status.Traffic {
			split[tt.RevisionName] += ptr.Deref(tt.Percent, 0)
		}
		if c := r.Status.GetCondition(servingv1.RouteConditionAllTrafficAssigned); !c.IsTrue() || len(split) != 2 || split[first] != 50 || split[second] != 50 {
			return nil, fmt.Errorf("traffic %v, AllTrafficAssigned %+v", split, c)
		}
		return r, nil
	})
	if c := route.Status.GetCondition(servingv1.RouteConditionReady); c.IsTrue() {
		t.Errorf("Route Ready = %+v, want not True without a networking layer", c)
	}
	t.Logf("Route Ready: %+v", route.Status.GetCondition(servingv1.RouteConditionReady))

	// Load on the second only.
	mark1, mark2 := history1.Mark(), history2.Mark()
	setLoad(0, 100) // the second wants 10 pods: max-scale holds 4
	e.WaitReplicas(t, ns, second, 4, 60*time.Second)
	// The first's HPA reads its metric (0) all along, and keeps it at 1.
	hpa1 := harness.Get(t, harness.KEDATimeout, "HPA "+first+" ScalingActive", func() (*autoscalingv2.HorizontalPodAutoscaler, error) {
		hpa, err := e.Kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, first, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		for _, c := range hpa.Status.Conditions {
			if c.Type == autoscalingv2.ScalingActive && c.Status == corev1.ConditionTrue {
				return hpa, nil
			}
		}
		return nil, fmt.Errorf("conditions %+v", hpa.Status.Conditions)
	})
	if hpa1.Status.DesiredReplicas != 1 {
		t.Errorf("HPA %s desired %d, want 1 (no load on it)", first, hpa1.Status.DesiredReplicas)
	}
	history1.CheckBounds(t, mark1, 1, 1)
	history2.CheckBounds(t, mark2, 2, 4)

	// The load moves to the first.
	mark1, mark2 = history1.Mark(), history2.Mark()
	setLoad(25, 0) // the first wants 3; the second none: min-scale holds 2
	e.WaitReplicas(t, ns, first, 3, 60*time.Second)
	e.WaitReplicas(t, ns, second, 2, 60*time.Second)
	history1.CheckBounds(t, mark1, 1, 4)
	history2.CheckBounds(t, mark2, 2, 4)

	// Each revision's query reached the fake Prometheus on its own.
	asked := map[string]bool{}
	for _, q := range prom.Queries() {
		asked[q.Query] = true
	}
	for _, rev := range []string{first, second} {
		if q := fmt.Sprintf(`sum(rate(http_requests{revision=%q}[1m]))`, rev); !asked[q] {
			t.Errorf("the fake Prometheus was never asked %s; asked %v", q, asked)
		}
	}
	history1.CheckBounds(t, 0, 1, 4)
	history2.CheckBounds(t, 0, 2, 4)
}

// TestKnativeServiceBadAnnotation: an annotation Serving's webhook lets
// through but this controller refuses: the PA's reason and message become
// the Revision's Active condition (Serving propagates the PA's Ready
// condition), no ScaledObject is written, and the ksvc is not Ready.
//
// Found here, not yet decided (issue 12): within a second Serving also
// fails the Revision for good, ResourcesAvailable=False
// ProgressDeadlineExceeded "Initial scale was never achieved", although
// its pod runs: the PA is Ready=False, names its service and is not
// ScaleTargetInitialized (PropagateAutoscalerStatus). The ksvc and the
// Configuration then say only that ("Revision ... failed with message:
// Initial scale was never achieved"), not which annotation is wrong.
func TestKnativeServiceBadAnnotation(t *testing.T) {
	e := harness.StartServing(t, harness.ServingPods)
	ctx := context.Background()
	ns := e.Namespace(t)
	prom := prometheus.StartForTest(t, 5)

	const (
		name     = "bad"
		revision = name + "-00001"
		reason   = "InvalidKedaPollingInterval"
	)
	e.CreateKnativeService(t, harness.KnativeService(ns, name, map[string]string{
		autoscaling.MetricAnnotationKey:          "http_requests",
		autoscaling.TargetAnnotationKey:          "10",
		translate.PrometheusAddressAnnotationKey: prom.URL,
		translate.PrometheusQueryAnnotationKey:   `sum(rate(http_requests{revision="{{.Revision}}"}[1m]))`,
		translate.PollingIntervalAnnotationKey:   "soon",
	}))
	const timeout = 60 * time.Second
	e.ServingPodAutoscaler(t, ns, revision)
	pa := e.PACondition(t, ns, revision, "Ready", timeout, (*apis.Condition).IsFalse)
	if c := pa.Status.GetCondition("Ready"); c.Reason != reason {
		t.Errorf("PA Ready reason = %q (%s), want %s", c.Reason, c.Message, reason)
	}
	paMsg := pa.Status.GetCondition("Ready").Message
	rev := e.RevisionCondition(t, ns, revision, servingv1.RevisionConditionActive, timeout, func(c *apis.Condition) bool {
		return c.IsFalse() && c.Reason == reason
	})
	if c := rev.Status.GetCondition(servingv1.RevisionConditionActive); c.Message != paMsg {
		t.Errorf("Revision Active message = %q, want the PA's %q", c.Message, paMsg)
	}
	t.Logf("Revision conditions: %+v", rev.Status.Conditions)
	e.NoScaledObject(t, ns, revision)
	// The ksvc fails; the annotation's reason is on the Revision's Active
	// condition and the PA only (see above).
	ksvcGot := harness.Get(t, timeout, "ksvc "+name+" Ready=False", func() (*servingv1.Service, error) {
		got, err := e.Serving.ServingV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		if c := got.Status.GetCondition("Ready"); !c.IsFalse() {
			return nil, fmt.Errorf("Ready: %+v", c)
		}
		return got, nil
	})
	t.Logf("ksvc conditions: %+v", ksvcGot.Status.Conditions)
	if cfg, err := e.Serving.ServingV1().Configurations(ns).Get(ctx, name, metav1.GetOptions{}); err == nil {
		t.Logf("Configuration conditions: %+v", cfg.Status.Conditions)
	}
	if rev, err := e.Serving.ServingV1().Revisions(ns).Get(ctx, revision, metav1.GetOptions{}); err == nil {
		t.Logf("Revision conditions at the end: %+v", rev.Status.Conditions)
	}
}

// TestKnativeServiceSecondRevision: a template change makes a second
// Revision with its own PodAutoscaler, ScaledObject and HPA, and the Route
// moves all traffic to it. The test plays the networking layer (it marks
// every Ingress ready, harness.PlayNetworking), so the Route becomes Ready
// and Serving's labeler moves the first revision to routingState reserve;
// Serving then sets its PA's reachability Unreachable. The first revision
// keeps its ScaledObject (the same object and trigger) but min-scale no
// longer holds it: minReplicaCount and KEDA's HPA's minReplicas fall from
// 2 to 1 and, with no load, its Deployment follows, 2 -> 1. That is what
// Serving's HPA class does (min-scale ignored when unreachable, the HPA's
// minReplicas then unset, so 1); neither scales it to zero.
func TestKnativeServiceSecondRevision(t *testing.T) {
	e := harness.StartServing(t, harness.ServingLoop)
	ctx := context.Background()
	ns := e.Namespace(t)
	e.PlayNetworking(t, ns)
	prom := prometheus.StartForTest(t, 0)

	const (
		name   = "two"
		first  = name + "-00001"
		second = name + "-00002"
	)
	e.CreateKnativeService(t, harness.KnativeService(ns, name, map[string]string{
		autoscaling.MetricAnnotationKey:          "http_requests",
		autoscaling.TargetAnnotationKey:          "10",
		autoscaling.MinScaleAnnotationKey:        "2",
		autoscaling.WindowAnnotationKey:          "6s",
		translate.PrometheusAddressAnnotationKey: prom.URL,
		translate.PrometheusQueryAnnotationKey:   `sum(rate(http_requests{revision="{{.Revision}}"}[1m]))`,
		translate.PollingIntervalAnnotationKey:   "1",
	}))
	firstSO := e.ScaledObject(t, ns, first, harness.ServingTimeout)
	if got := ptr.Deref(firstSO.Spec.MinReplicaCount, -1); got != 2 {
		t.Errorf("first revision's ScaledObject minReplicaCount = %d, want 2 (min-scale)", got)
	}
	e.WaitReplicas(t, ns, first, 2, 90*time.Second)
	e.RevisionRouting(t, ns, first, servingv1.RoutingStateActive, autoscalingv1alpha1.ReachabilityReachable, harness.ServingTimeout)
	ksvcReady := func(wantTraffic string) {
		t.Helper()
		harness.Get(t, 60*time.Second, "ksvc "+name+" Ready, all traffic to "+wantTraffic, func() (*servingv1.Service, error) {
			got, err := e.Serving.ServingV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return nil, err
			}
			tr := got.Status.Traffic
			if !got.IsReady() || len(tr) != 1 || tr[0].RevisionName != wantTraffic || ptr.Deref(tr[0].Percent, 0) != 100 {
				return nil, fmt.Errorf("Ready %+v, traffic %+v", got.Status.GetCondition("Ready"), tr)
			}
			return got, nil
		})
	}
	ksvcReady(first)

	// The user changes the target: Serving makes two-00002.
	e.UpdateKnativeService(t, ns, name, func(ksvc *servingv1.Service) {
		ksvc.Spec.Template.Annotations[autoscaling.TargetAnnotationKey] = "20"
	})
	secondSO := e.ScaledObject(t, ns, second, harness.ServingTimeout)
	if got := secondSO.Spec.Triggers; len(got) != 1 || got[0].Metadata["threshold"] != "20" ||
		got[0].Metadata["query"] != `sum(rate(http_requests{revision="two-00002"}[1m]))` {
		t.Errorf("second revision's triggers = %+v, want threshold 20 and its own revision in the query", got)
	}
	e.HPA(t, ns, second, harness.KEDATimeout)

	// The first revision's ScaledObject is still the one written for it.
	got, err := e.KEDA.KedaV1alpha1().ScaledObjects(ns).Get(ctx, first, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("first revision's ScaledObject: %v", err)
	}
	if got.UID != firstSO.UID || got.Spec.Triggers[0].Metadata["threshold"] != "10" {
		t.Errorf("first revision's ScaledObject = uid %s threshold %s, want uid %s threshold 10 (untouched)",
			got.UID, got.Spec.Triggers[0].Metadata["threshold"], firstSO.UID)
	}

	// Once the second is Ready the Route sends it all traffic; the first
	// is out of it.
	e.WaitReplicas(t, ns, second, 2, 90*time.Second)
	ksvcReady(second)
	e.RevisionRouting(t, ns, second, servingv1.RoutingStateActive, autoscalingv1alpha1.ReachabilityReachable, harness.ServingTimeout)
	e.RevisionRouting(t, ns, first, servingv1.RoutingStateReserve, autoscalingv1alpha1.ReachabilityUnreachable, harness.ServingTimeout)

	// Its ScaledObject stays, the same object with the same trigger, at
	// minReplicaCount 1; KEDA's HPA follows; the Deployment goes to 1.
	got = harness.Get(t, harness.ControllerTimeout, "first revision's ScaledObject at minReplicaCount 1", func() (*kedav1alpha1.ScaledObject, error) {
		so, err := e.KEDA.KedaV1alpha1().ScaledObjects(ns).Get(ctx, first, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		if m := ptr.Deref(so.Spec.MinReplicaCount, -1); m != 1 {
			return nil, fmt.Errorf("minReplicaCount %d", m)
		}
		return so, nil
	})
	if got.UID != firstSO.UID || len(got.Spec.Triggers) != 1 || got.Spec.Triggers[0].Metadata["threshold"] != "10" ||
		got.Spec.Triggers[0].Metadata["query"] != `sum(rate(http_requests{revision="two-00001"}[1m]))` {
		t.Errorf("first revision's ScaledObject = uid %s triggers %+v, want uid %s and its own trigger, threshold 10",
			got.UID, got.Spec.Triggers, firstSO.UID)
	}
	harness.Eventually(t, harness.KEDATimeout, "HPA "+first+" minReplicas 1", func() (bool, string) {
		hpa, err := e.Kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, first, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return ptr.Deref(hpa.Spec.MinReplicas, -1) == 1, fmt.Sprintf("minReplicas %d", ptr.Deref(hpa.Spec.MinReplicas, -1))
	})
	e.WaitReplicas(t, ns, first, 1, 60*time.Second)
	sks := harness.Get(t, harness.ControllerTimeout, "ServerlessService "+first, func() (*netv1alpha1.ServerlessService, error) {
		return e.Networking.NetworkingV1alpha1().ServerlessServices(ns).Get(ctx, first, metav1.GetOptions{})
	})
	if sks.Spec.Mode != netv1alpha1.SKSOperationModeServe {
		t.Errorf("first revision's SKS mode = %q, want Serve (never scaled to zero)", sks.Spec.Mode)
	}
	// The routed revision keeps its min-scale.
	if so, err := e.KEDA.KedaV1alpha1().ScaledObjects(ns).Get(ctx, second, metav1.GetOptions{}); err != nil || ptr.Deref(so.Spec.MinReplicaCount, -1) != 2 {
		t.Errorf("second revision's ScaledObject: %v, minReplicaCount %v; want 2", err, so.Spec.MinReplicaCount)
	}
	pa1 := e.PodAutoscaler(t, ns, first)
	t.Logf("first revision's PA: conditions %+v, desired %d actual %d", pa1.Status.Conditions, ptr.Deref(pa1.Status.DesiredScale, -1), ptr.Deref(pa1.Status.ActualScale, -1))
}

// scaleString shows a PA scale that may be unset.
func scaleString(v *int32) string {
	if v == nil {
		return "unset"
	}
	return fmt.Sprint(*v)
}
