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

package translate_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"knative.dev/serving/pkg/apis/autoscaling"

	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/pkg/translate"
	"github.com/serving-keda/serving-keda/pkg/translate/translatetest"
)

// servingPod is a revision's pod spec as Serving v0.48 makes it:
// user-container with the ksvc's requests, queue-proxy with Serving's
// default sidecar request (25m cpu, no memory).
func servingPod(userRequests corev1.ResourceList) *corev1.PodSpec {
	return &corev1.PodSpec{Containers: []corev1.Container{{
		Name:      "user-container",
		Ports:     []corev1.ContainerPort{{Name: "user-port", ContainerPort: 8080}},
		Resources: corev1.ResourceRequirements{Requests: userRequests},
	}, {
		Name:      "queue-proxy",
		Ports:     []corev1.ContainerPort{{Name: "http-queueadm", ContainerPort: 8022}, {Name: "queue-port", ContainerPort: 8012}},
		Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("25m")}},
	}}}
}

func translateWith(t *testing.T, anns map[string]string, w *translate.Workload) (*kedav1alpha1.ScaledObject, error) {
	t.Helper()
	return translate.ScaledObject(translate.Input{
		PA: translatetest.PodAutoscaler("shop", anns), Config: caseConfig(t, nil, nil), Workload: w,
	})
}

func TestResourceTriggersOnServingPods(t *testing.T) {
	both := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")}
	memoryOnly := corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")}
	tests := []struct {
		name       string
		anns       map[string]string
		pod        *corev1.PodSpec
		limitRange []corev1.ResourceName
		want       []kedav1alpha1.ScaleTriggers
		wantErr    string
	}{{
		name: "cpu with the user's request: scoped to user-container",
		pod:  servingPod(both),
		want: []kedav1alpha1.ScaleTriggers{{Type: "cpu", MetricType: autoscalingv2.UtilizationMetricType,
			Metadata: map[string]string{"value": "80", "containerName": "user-container"}}},
	}, {
		name: "memory with the user's request, though queue-proxy has none",
		anns: map[string]string{autoscaling.MetricAnnotationKey: "memory", autoscaling.TargetAnnotationKey: "100"},
		pod:  servingPod(memoryOnly),
		want: []kedav1alpha1.ScaleTriggers{{Type: "memory", MetricType: autoscalingv2.AverageValueMetricType,
			Metadata: map[string]string{"value": "100Mi", "containerName": "user-container"}}},
	}, {
		name: "cpu on Knative's default pod (no requests)",
		pod:  servingPod(nil),
		wantErr: `autoscaling.knative.dev/metric scales on cpu, but container "user-container" of Deployment ` +
			`"checkout-00001-deployment" requests no cpu, so the HPA could not compute a utilization and KEDA's ` +
			`admission webhook refuses the ScaledObject: set resources.requests.cpu on that container in the ` +
			`Knative Service (or revision-cpu-request in config-defaults), or scale on another metric`,
	}, {
		name:       "cpu on Knative's default pod, with a LimitRange default request",
		pod:        servingPod(nil),
		limitRange: []corev1.ResourceName{corev1.ResourceCPU},
		want: []kedav1alpha1.ScaleTriggers{{Type: "cpu", MetricType: autoscalingv2.UtilizationMetricType,
			Metadata: map[string]string{"value": "80", "containerName": "user-container"}}},
	}, {
		name: "an extra memory trigger naming queue-proxy is checked against queue-proxy",
		anns: translatetest.Custom(map[string]string{translate.ExtraTriggersAnnotationKey: `[{"type":"memory","metricType":"AverageValue","metadata":{"value":"64Mi","containerName":"queue-proxy"}}]`}),
		pod:  servingPod(both),
		wantErr: `autoscaling.knative.dev/extra-prometheus-triggers scales on memory, but container "queue-proxy" of ` +
			`Deployment "checkout-00001-deployment" requests no memory, so the HPA could not compute a utilization ` +
			`and KEDA's admission webhook refuses the ScaledObject: set resources.requests.memory on that ` +
			`container in the Knative Service (or revision-memory-request in config-defaults), or scale on another metric`,
	}, {
		name: "a multi-container revision scales on the container with the port",
		pod: &corev1.PodSpec{Containers: []corev1.Container{
			{Name: "sidecar", Resources: corev1.ResourceRequirements{Requests: both}},
			{Name: "server", Ports: []corev1.ContainerPort{{ContainerPort: 8080}}, Resources: corev1.ResourceRequirements{Requests: both}},
			{Name: "queue-proxy", Ports: []corev1.ContainerPort{{ContainerPort: 8012}}},
		}},
		want: []kedav1alpha1.ScaleTriggers{{Type: "cpu", MetricType: autoscalingv2.UtilizationMetricType,
			Metadata: map[string]string{"value": "80", "containerName": "server"}}},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			so, err := translateWith(t, tc.anns, translate.WorkloadFromPodSpec("checkout-00001-deployment", tc.pod, tc.limitRange))
			if tc.wantErr != "" {
				var rre *translate.ResourceRequestError
				if !errors.As(err, &rre) {
					t.Fatalf("ScaledObject() = %v, %v; want a ResourceRequestError", so, err)
				}
				if err.Error() != tc.wantErr {
					t.Errorf("error =\n%s\nwant\n%s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ScaledObject() = %v", err)
			}
			if diff := cmp.Diff(tc.want, so.Spec.Triggers); diff != "" {
				t.Errorf("triggers (-want, +got):\n%s", diff)
			}
		})
	}
}

func TestWorkloadOnlyNeededForResourceTriggers(t *testing.T) {
	if _, err := translateWith(t, nil, nil); !errors.Is(err, translate.ErrWorkloadUnknown) {
		t.Errorf("cpu revision without its Deployment: error = %v, want ErrWorkloadUnknown", err)
	}
	if _, err := translateWith(t, translatetest.Custom(nil), nil); err != nil {
		t.Errorf("custom-metric revision without its Deployment: %v", err)
	}
}

// TestMigratedSpellings checks that every alias of docs/migration.md makes
// the same ScaledObject as the current spelling.
func TestMigratedSpellings(t *testing.T) {
	const rendered = `sum(rate(http_requests_total{namespace="shop",revision="checkout-00001"}[1m]))`
	wantTrigger := kedav1alpha1.ScaleTriggers{
		Type: "prometheus", Name: translatetest.CustomMetric, MetricType: autoscalingv2.AverageValueMetricType,
		Metadata: map[string]string{"serverAddress": translatetest.PromAddress, "query": rendered, "threshold": "10", "namespace": "shop"},
	}
	tests := []struct {
		name string
		anns map[string]string
		keda map[string]string
	}{{
		name: "current spellings",
		anns: translatetest.Custom(nil),
	}, {
		name: "the seed's query key",
		anns: translatetest.Custom(map[string]string{translate.PrometheusQueryAnnotationKey: "", translate.LegacyQueryAnnotationKey: translatetest.Query}),
	}, {
		name: "autoscaler-keda's {{ .revisionName }}",
		anns: translatetest.Custom(map[string]string{translate.PrometheusQueryAnnotationKey: `sum(rate(http_requests_total{namespace="{{.Namespace}}",revision="{{ .revisionName }}"}[1m]))`}),
	}, {
		name: "autoscaler-keda's config key for the Prometheus address",
		anns: translatetest.Custom(map[string]string{translate.PrometheusAddressAnnotationKey: ""}),
		keda: map[string]string{"autoscaler.keda.prometheus-address": translatetest.PromAddress},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			so, err := translate.ScaledObject(translate.Input{
				PA: translatetest.PodAutoscaler("shop", tc.anns), Config: caseConfig(t, nil, tc.keda), Workload: translatetest.Workload(),
			})
			if err != nil {
				t.Fatalf("ScaledObject() = %v", err)
			}
			if diff := cmp.Diff([]kedav1alpha1.ScaleTriggers{wantTrigger}, so.Spec.Triggers); diff != "" {
				t.Errorf("triggers (-want, +got):\n%s", diff)
			}
		})
	}

	t.Run("minScale and maxScale", func(t *testing.T) {
		so, err := translateWith(t, map[string]string{autoscaling.GroupName + "/minScale": "2", autoscaling.GroupName + "/maxScale": "5"}, translatetest.Workload())
		if err != nil {
			t.Fatal(err)
		}
		if *so.Spec.MinReplicaCount != 2 || *so.Spec.MaxReplicaCount != 5 {
			t.Errorf("replicas %d..%d, want 2..5", *so.Spec.MinReplicaCount, *so.Spec.MaxReplicaCount)
		}
	})
	t.Run("scaledobject-autocreate", func(t *testing.T) {
		k, err := config.NewKEDAFromMap(map[string]string{"autoscaler.keda.scaledobject-autocreate": "false"})
		if err != nil {
			t.Fatal(err)
		}
		if k.AutoCreate {
			t.Error("autoscaler.keda.scaledobject-autocreate: false left AutoCreate true")
		}
	})
}

// TestEstablishedRevisionsKeepRunning: lowering max-scale-limit or turning
// off allow-zero-initial-scale refuses new revisions, as Serving's webhook
// does, and leaves running ones alone.
func TestEstablishedRevisionsKeepRunning(t *testing.T) {
	anns := map[string]string{autoscaling.MaxScaleAnnotationKey: "50", autoscaling.InitialScaleAnnotationKey: "0"}
	cfg := caseConfig(t, map[string]string{"max-scale-limit": "20", "max-scale": "10", "allow-zero-initial-scale": "false"}, nil)
	in := translate.Input{PA: translatetest.PodAutoscaler("shop", anns), Config: cfg, Workload: translatetest.Workload()}

	_, err := translate.ScaledObject(in)
	if diff := cmp.Diff([]string{autoscaling.InitialScaleAnnotationKey, autoscaling.MaxScaleAnnotationKey}, translate.Keys(err)); diff != "" {
		t.Errorf("new revision: keys (-want, +got):\n%s", diff)
	}

	in.Established = true
	so, err := translate.ScaledObject(in)
	if err != nil {
		t.Fatalf("established revision: %v", err)
	}
	if *so.Spec.MaxReplicaCount != 50 {
		t.Errorf("maxReplicaCount = %d, want the revision's 50", *so.Spec.MaxReplicaCount)
	}

	// Parsing still applies: a value that was never valid stays refused.
	in.PA = translatetest.PodAutoscaler("shop", map[string]string{autoscaling.MaxScaleAnnotationKey: "lots"})
	if _, err := translate.ScaledObject(in); err == nil {
		t.Error("established revision with max-scale: lots was accepted")
	}
}

func TestUnknownKeys(t *testing.T) {
	got := translate.UnknownKeys(map[string]string{
		autoscaling.GroupName + "/prometheus-querry":      "x",
		autoscaling.GroupName + "/keda-polling-intervall": "5",
		autoscaling.GroupName + "/minscale":               "1",
		autoscaling.GroupName + "/metric":                 "cpu",   // known
		autoscaling.GroupName + "/something-else-entire":  "x",     // not close to anything
		"example.com/prometheus-querry":                   "other", // not ours
	})
	want := []string{
		"annotation autoscaling.knative.dev/keda-polling-intervall is not read by anything; did you mean autoscaling.knative.dev/keda-polling-interval?",
		"annotation autoscaling.knative.dev/minscale is not read by anything; did you mean autoscaling.knative.dev/minScale?",
		"annotation autoscaling.knative.dev/prometheus-querry is not read by anything; did you mean autoscaling.knative.dev/prometheus-query?",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("UnknownKeys() (-want, +got):\n%s", diff)
	}
}
