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

package cluster

import (
	"context"
	"strings"
	"testing"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	kedaclientset "github.com/kedacore/keda/v2/pkg/generated/clientset/versioned"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"knative.dev/serving/pkg/apis/autoscaling"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	"knative.dev/serving/pkg/apis/serving"
	asconfig "knative.dev/serving/pkg/autoscaler/config"

	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/pkg/translate"
)

// TestKEDAAdmitsTranslations: every kind of ScaledObject the controller
// writes passes the admission of the KEDA release the harness runs (its CRD
// schema, which KEDA 2.20 made strict, and its webhook), and KEDA's operator
// makes the revision's HPA from it, under the revision's own name, also for
// the longest name Kubernetes allows a revision (63 characters: KEDA 2.20
// refuses longer ScaledObject and HPA names). KEDA is the oracle here: the
// objects are the translation's output, exactly what the controller creates.
func TestKEDAAdmitsTranslations(t *testing.T) {
	c := StartForTest(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	kube := c.Client()
	keda, err := kedaclientset.NewForConfig(c.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	ns := "default"

	long := strings.Repeat("l", 63-len("-00001")) + "-00001"
	if len(long) != 63 {
		t.Fatalf("name has %d characters", len(long))
	}
	prom := map[string]string{
		autoscaling.MetricAnnotationKey:          "http_requests_per_second",
		autoscaling.TargetAnnotationKey:          "10",
		translate.PrometheusQueryAnnotationKey:   `sum(rate(http_requests_total{revision="{{.Revision}}"}[1m]))`,
		translate.PrometheusAddressAnnotationKey: "http://prometheus.monitoring.svc:9090",
	}
	cases := []struct {
		name string
		anns map[string]string
		keda map[string]string
		// hpa: KEDA's operator must make the HPA (false where the trigger
		// needs a server this test does not run).
		hpa bool
	}{
		{name: "cpu-00001", anns: map[string]string{autoscaling.MetricAnnotationKey: "cpu", autoscaling.TargetAnnotationKey: "70", autoscaling.MaxScaleAnnotationKey: "5"}, hpa: true},
		{name: "memory-00001", anns: map[string]string{autoscaling.MetricAnnotationKey: "memory", autoscaling.TargetAnnotationKey: "64", autoscaling.MinScaleAnnotationKey: "2", autoscaling.MaxScaleAnnotationKey: "2"}, hpa: true},
		{name: long, anns: map[string]string{autoscaling.MetricAnnotationKey: "cpu"}, hpa: true},
		{name: "prom-00001", anns: prom},
		{name: "window-00001", anns: merge(prom, map[string]string{autoscaling.WindowAnnotationKey: "20s", translate.PollingIntervalAnnotationKey: "5", translate.CooldownPeriodAnnotationKey: "30"})},
		{name: "zero-00001", anns: merge(prom, map[string]string{autoscaling.MinScaleAnnotationKey: "0"}),
			keda: map[string]string{config.ActivatorScalerAddressKey: "autoscaler-keda.knative-serving.svc:9443"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := servingShapedDeployment(ns, tc.name+"-deployment", tc.name)
			if _, err := kube.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			pa := servingShapedPA(ns, tc.name, d.Name, tc.anns)
			as, err := asconfig.NewConfigFromMap(map[string]string{"enable-scale-to-zero": "true"})
			if err != nil {
				t.Fatal(err)
			}
			kc, err := config.NewKEDAFromMap(tc.keda)
			if err != nil {
				t.Fatal(err)
			}
			so, err := translate.ScaledObject(translate.Input{PA: pa, Config: &config.Config{Autoscaler: as, KEDA: kc}, Workload: translate.WorkloadFromPodSpec(d.Name, &d.Spec.Template.Spec, nil)})
			if err != nil {
				t.Fatalf("translation: %v", err)
			}
			// The owner is not in the API server; KEDA does not check it,
			// and without a PA the garbage collector would delete the
			// ScaledObject at once.
			so.OwnerReferences = nil
			if _, err := keda.KedaV1alpha1().ScaledObjects(ns).Create(ctx, so, metav1.CreateOptions{}); err != nil {
				t.Fatalf("KEDA refused the ScaledObject the controller writes: %v", err)
			}
			if !tc.hpa {
				return
			}
			var hpaErr error
			if err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
				_, hpaErr = kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, tc.name, metav1.GetOptions{})
				return hpaErr == nil, nil
			}); err != nil {
				got, _ := keda.KedaV1alpha1().ScaledObjects(ns).Get(ctx, tc.name, metav1.GetOptions{})
				t.Fatalf("KEDA made no HPA named %q (%d characters): %v; ScaledObject conditions %+v", tc.name, len(tc.name), hpaErr, conditionsOf(got))
			}
		})
	}
}

func conditionsOf(so *kedav1alpha1.ScaledObject) kedav1alpha1.Conditions {
	if so == nil {
		return nil
	}
	return so.Status.Conditions
}

func merge(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// servingShapedDeployment is a revision's Deployment as Serving makes it for
// a container that requests cpu and memory: user-container, and queue-proxy
// with the default sidecar request (25m cpu, no memory).
func servingShapedDeployment(ns, name, revision string) *appsv1.Deployment {
	labels := map[string]string{serving.RevisionLabelKey: revision}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name:  "user-container",
					Image: "example.invalid/app",
					Ports: []corev1.ContainerPort{{Name: "user-port", ContainerPort: 8080}},
					Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
						corev1.ResourceCPU:    resource.MustParse("100m"),
						corev1.ResourceMemory: resource.MustParse("128Mi"),
					}},
				}, {
					Name:  translate.QueueProxyContainer,
					Image: "example.invalid/queue",
					Ports: []corev1.ContainerPort{{Name: "http-queueadm", ContainerPort: 8022}},
					Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
						corev1.ResourceCPU: resource.MustParse("25m"),
					}},
				}}},
			},
		},
	}
}

// servingShapedPA is the PodAutoscaler Serving makes for the revision, with
// the hpa class and anns.
func servingShapedPA(ns, revision, deployment string, anns map[string]string) *autoscalingv1alpha1.PodAutoscaler {
	all := map[string]string{autoscaling.ClassAnnotationKey: autoscaling.HPA}
	for k, v := range anns {
		all[k] = v
	}
	return &autoscalingv1alpha1.PodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: revision, UID: types.UID("uid-" + revision[:8]), Annotations: all,
			Labels: map[string]string{serving.RevisionLabelKey: revision, serving.ConfigurationLabelKey: "svc", serving.ServiceLabelKey: "svc"}},
		Spec: autoscalingv1alpha1.PodAutoscalerSpec{
			ScaleTargetRef: corev1.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: deployment},
		},
	}
}
