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

package translate

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/kmeta"
	"knative.dev/pkg/ptr"
	"knative.dev/serving/pkg/apis/autoscaling"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	"knative.dev/serving/pkg/apis/serving"
	asconfig "knative.dev/serving/pkg/autoscaler/config"

	"github.com/serving-keda/serving-keda/pkg/config"
)

const (
	testNS       = "shop"
	testRevision = "checkout-00001"
	promAddress  = "http://prometheus.monitoring.svc:9090"
)

func pa(anns map[string]string) *autoscalingv1alpha1.PodAutoscaler {
	all := map[string]string{autoscaling.ClassAnnotationKey: autoscaling.HPA}
	for k, v := range anns {
		all[k] = v
	}
	return &autoscalingv1alpha1.PodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{
			Name:      testRevision,
			Namespace: testNS,
			UID:       "4a1c-uid",
			Labels: map[string]string{
				serving.RevisionLabelKey:      testRevision,
				serving.ConfigurationLabelKey: "checkout",
				serving.ServiceLabelKey:       "checkout",
			},
			Annotations: all,
		},
		Spec: autoscalingv1alpha1.PodAutoscalerSpec{
			ScaleTargetRef: corev1.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: testRevision + "-deployment"},
		},
	}
}

// testWorkload is the revision's pod as Serving makes it when the user's
// container requests cpu and memory (translatetest.Workload, which this
// package's own tests cannot import).
func testWorkload() *Workload {
	return &Workload{Name: testRevision + "-deployment", Containers: []Container{
		{Name: "user-container", Ports: true, Sized: []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory}},
		{Name: QueueProxyContainer, Ports: true, Sized: []corev1.ResourceName{corev1.ResourceCPU}},
	}}
}

func testConfig(t testing.TB, autoscaler map[string]string, keda map[string]string) *config.Config {
	t.Helper()
	as, err := asconfig.NewConfigFromMap(autoscaler)
	if err != nil {
		t.Fatal(err)
	}
	k, err := config.NewKEDAFromMap(keda)
	if err != nil {
		t.Fatal(err)
	}
	return &config.Config{Autoscaler: as, KEDA: k}
}

// want is the ScaledObject for a cpu revision with no other annotations;
// cases change what their annotations change.
func want(p *autoscalingv1alpha1.PodAutoscaler, mutate ...func(*kedav1alpha1.ScaledObject)) *kedav1alpha1.ScaledObject {
	so := &kedav1alpha1.ScaledObject{
		ObjectMeta: metav1.ObjectMeta{
			Name:            p.Name,
			Namespace:       p.Namespace,
			Labels:          p.Labels,
			Annotations:     withTransfer(p.Annotations),
			OwnerReferences: []metav1.OwnerReference{*kmeta.NewControllerRef(p)},
		},
		Spec: kedav1alpha1.ScaledObjectSpec{
			ScaleTargetRef:  &kedav1alpha1.ScaleTarget{APIVersion: "apps/v1", Kind: "Deployment", Name: testRevision + "-deployment"},
			MinReplicaCount: ptr.Int32(1),
			MaxReplicaCount: ptr.Int32(math.MaxInt32),
			Advanced: &kedav1alpha1.AdvancedConfig{
				HorizontalPodAutoscalerConfig: &kedav1alpha1.HorizontalPodAutoscalerConfig{Name: testRevision},
			},
			Triggers: []kedav1alpha1.ScaleTriggers{{
				Type: "cpu", MetricType: autoscalingv2.UtilizationMetricType, Metadata: map[string]string{"value": "80", "containerName": "user-container"},
			}},
		},
	}
	for _, m := range mutate {
		m(so)
	}
	return so
}

// withTransfer is the revision's annotations plus KEDA's HPA ownership transfer.
func withTransfer(anns map[string]string) map[string]string {
	out := copyMap(anns)
	out[TransferHPAOwnershipAnnotation] = "true"
	return out
}

func withTrigger(t kedav1alpha1.ScaleTriggers) func(*kedav1alpha1.ScaledObject) {
	return func(so *kedav1alpha1.ScaledObject) { so.Spec.Triggers = []kedav1alpha1.ScaleTriggers{t} }
}

func promTrigger(name, query, threshold string, mt autoscalingv2.MetricTargetType) kedav1alpha1.ScaleTriggers {
	return kedav1alpha1.ScaleTriggers{
		Type: "prometheus", Name: name, MetricType: mt,
		Metadata: map[string]string{"serverAddress": promAddress, "query": query, "threshold": threshold, "namespace": testNS},
	}
}

func custom(extra map[string]string) map[string]string {
	m := map[string]string{
		autoscaling.MetricAnnotationKey: "http_requests_per_second",
		autoscaling.TargetAnnotationKey: "10",
		PrometheusQueryAnnotationKey:    `sum(rate(http_requests_total{namespace="{{.Namespace}}",revision="{{.Revision}}"}[1m]))`,
		PrometheusAddressAnnotationKey:  promAddress,
	}
	for k, v := range extra {
		if v == "" {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	return m
}

const renderedQuery = `sum(rate(http_requests_total{namespace="shop",revision="checkout-00001"}[1m]))`

func TestScaledObject(t *testing.T) {
	stab := func(up, down *int32) func(*kedav1alpha1.ScaledObject) {
		return func(so *kedav1alpha1.ScaledObject) {
			b := &autoscalingv2.HorizontalPodAutoscalerBehavior{}
			if up != nil {
				b.ScaleUp = &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: up}
			}
			if down != nil {
				b.ScaleDown = &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: down}
			}
			so.Spec.Advanced.HorizontalPodAutoscalerConfig.Behavior = b
		}
	}
	defaultProm := promTrigger("http_requests_per_second", renderedQuery, "10", autoscalingv2.AverageValueMetricType)

	tests := []struct {
		name       string
		anns       map[string]string
		autoscaler map[string]string
		keda       map[string]string
		want       []func(*kedav1alpha1.ScaledObject)
	}{{
		name: "cpu by default at 80 percent",
	}, {
		name: "cpu utilization target rounds up to whole percents",
		anns: map[string]string{autoscaling.MetricAnnotationKey: "cpu", autoscaling.TargetAnnotationKey: "75.2"},
		want: []func(*kedav1alpha1.ScaledObject){withTrigger(kedav1alpha1.ScaleTriggers{
			Type: "cpu", MetricType: autoscalingv2.UtilizationMetricType, Metadata: map[string]string{"value": "76", "containerName": "user-container"}})},
	}, {
		name: "cpu average value in millicores",
		anns: map[string]string{autoscaling.TargetAnnotationKey: "250", MetricTypeAnnotationKey: "AverageValue"},
		want: []func(*kedav1alpha1.ScaledObject){withTrigger(kedav1alpha1.ScaleTriggers{
			Type: "cpu", MetricType: autoscalingv2.AverageValueMetricType, Metadata: map[string]string{"value": "250m", "containerName": "user-container"}})},
	}, {
		name: "cpu average value of whole cores",
		anns: map[string]string{autoscaling.TargetAnnotationKey: "2000", MetricTypeAnnotationKey: "AverageValue"},
		want: []func(*kedav1alpha1.ScaledObject){withTrigger(kedav1alpha1.ScaleTriggers{
			Type: "cpu", MetricType: autoscalingv2.AverageValueMetricType, Metadata: map[string]string{"value": "2", "containerName": "user-container"}})},
	}, {
		name: "memory target is MiB of average value, as in Serving",
		anns: map[string]string{autoscaling.MetricAnnotationKey: "memory", autoscaling.TargetAnnotationKey: "100"},
		want: []func(*kedav1alpha1.ScaledObject){withTrigger(kedav1alpha1.ScaleTriggers{
			Type: "memory", MetricType: autoscalingv2.AverageValueMetricType, Metadata: map[string]string{"value": "100Mi", "containerName": "user-container"}})},
	}, {
		name: "memory fraction of a MiB",
		anns: map[string]string{autoscaling.MetricAnnotationKey: "memory", autoscaling.TargetAnnotationKey: "0.5"},
		want: []func(*kedav1alpha1.ScaledObject){withTrigger(kedav1alpha1.ScaleTriggers{
			Type: "memory", MetricType: autoscalingv2.AverageValueMetricType, Metadata: map[string]string{"value": "512Ki", "containerName": "user-container"}})},
	}, {
		name: "memory utilization is a percent",
		anns: map[string]string{autoscaling.MetricAnnotationKey: "memory", autoscaling.TargetAnnotationKey: "70", MetricTypeAnnotationKey: "Utilization"},
		want: []func(*kedav1alpha1.ScaledObject){withTrigger(kedav1alpha1.ScaleTriggers{
			Type: "memory", MetricType: autoscalingv2.UtilizationMetricType, Metadata: map[string]string{"value": "70", "containerName": "user-container"}})},
	}, {
		name: "memory without target is 80 percent of the request",
		anns: map[string]string{autoscaling.MetricAnnotationKey: "memory"},
		want: []func(*kedav1alpha1.ScaledObject){withTrigger(kedav1alpha1.ScaleTriggers{
			Type: "memory", MetricType: autoscalingv2.UtilizationMetricType, Metadata: map[string]string{"value": "80", "containerName": "user-container"}})},
	}, {
		name: "custom metric becomes a prometheus trigger",
		anns: custom(nil),
		want: []func(*kedav1alpha1.ScaledObject){withTrigger(defaultProm)},
	}, {
		name: "custom threshold keeps its fraction",
		anns: custom(map[string]string{autoscaling.TargetAnnotationKey: "0.5"}),
		want: []func(*kedav1alpha1.ScaledObject){withTrigger(promTrigger("http_requests_per_second", renderedQuery, "0.5", autoscalingv2.AverageValueMetricType))},
	}, {
		name: "custom metric of type Value",
		anns: custom(map[string]string{MetricTypeAnnotationKey: "Value"}),
		want: []func(*kedav1alpha1.ScaledObject){withTrigger(promTrigger("http_requests_per_second", renderedQuery, "10", autoscalingv2.ValueMetricType))},
	}, {
		name: "custom metric address from the config map, template with service and configuration",
		anns: custom(map[string]string{
			PrometheusAddressAnnotationKey:  "",
			PrometheusQueryAnnotationKey:    `sum(vllm:num_requests_waiting{service="{{.Service}}",configuration="{{.Configuration}}",metric="{{ .Metric }}"})`,
			autoscaling.MetricAnnotationKey: "vllm:num_requests_waiting",
		}),
		keda: map[string]string{config.PrometheusAddressKey: promAddress},
		want: []func(*kedav1alpha1.ScaledObject){withTrigger(promTrigger("vllm_num_requests_waiting",
			`sum(vllm:num_requests_waiting{service="checkout",configuration="checkout",metric="vllm:num_requests_waiting"})`, "10",
			autoscalingv2.AverageValueMetricType))},
	}, {
		name: "trigger name, activation threshold and namespaced auth",
		anns: custom(map[string]string{
			PrometheusTriggerNameAnnotationKey: "rps",
			ActivationThresholdAnnotationKey:   "0.25",
			PrometheusAuthNameAnnotationKey:    "prom-creds",
			PrometheusAuthModesAnnotationKey:   "bearer, tls",
		}),
		want: []func(*kedav1alpha1.ScaledObject){withTrigger(func() kedav1alpha1.ScaleTriggers {
			t := promTrigger("rps", renderedQuery, "10", autoscalingv2.AverageValueMetricType)
			t.Metadata["activationThreshold"] = "0.25"
			t.Metadata["authModes"] = "bearer,tls"
			t.AuthenticationRef = &kedav1alpha1.AuthenticationRef{Name: "prom-creds", Kind: "TriggerAuthentication"}
			return t
		}())},
	}, {
		name: "allowed cluster trigger authentication",
		anns: custom(map[string]string{
			PrometheusAuthNameAnnotationKey:  "shared-prom",
			PrometheusAuthKindAnnotationKey:  "ClusterTriggerAuthentication",
			PrometheusAuthModesAnnotationKey: "basic",
		}),
		keda: map[string]string{config.ClusterTriggerAuthAllowedKey: "other, shared-prom"},
		want: []func(*kedav1alpha1.ScaledObject){withTrigger(func() kedav1alpha1.ScaleTriggers {
			t := defaultProm
			t.Metadata = copyMap(t.Metadata)
			t.Metadata["authModes"] = "basic"
			t.AuthenticationRef = &kedav1alpha1.AuthenticationRef{Name: "shared-prom", Kind: "ClusterTriggerAuthentication"}
			return t
		}())},
	}, {
		name: "min and max scale",
		anns: map[string]string{autoscaling.MinScaleAnnotationKey: "2", autoscaling.MaxScaleAnnotationKey: "10"},
		want: []func(*kedav1alpha1.ScaledObject){func(so *kedav1alpha1.ScaledObject) {
			so.Spec.MinReplicaCount, so.Spec.MaxReplicaCount = ptr.Int32(2), ptr.Int32(10)
		}},
	}, {
		name: "legacy minScale and maxScale",
		anns: map[string]string{autoscaling.GroupName + "/minScale": "3", autoscaling.GroupName + "/maxScale": "4"},
		want: []func(*kedav1alpha1.ScaledObject){func(so *kedav1alpha1.ScaledObject) {
			so.Spec.MinReplicaCount, so.Spec.MaxReplicaCount = ptr.Int32(3), ptr.Int32(4)
		}},
	}, {
		name:       "scale bounds from config-autoscaler",
		autoscaler: map[string]string{"min-scale": "2", "max-scale": "7"},
		want: []func(*kedav1alpha1.ScaledObject){func(so *kedav1alpha1.ScaledObject) {
			so.Spec.MinReplicaCount, so.Spec.MaxReplicaCount = ptr.Int32(2), ptr.Int32(7)
		}},
	}, {
		name: "min-scale 0 keeps one pod: nothing buffers requests at zero",
		anns: custom(map[string]string{autoscaling.MinScaleAnnotationKey: "0"}),
		want: []func(*kedav1alpha1.ScaledObject){withTrigger(defaultProm)},
	}, {
		name: "window stabilizes both directions",
		anns: map[string]string{autoscaling.WindowAnnotationKey: "2m"},
		want: []func(*kedav1alpha1.ScaledObject){stab(ptr.Int32(120), ptr.Int32(120))},
	}, {
		name: "scale-down-delay lengthens the scale-down window",
		anns: map[string]string{autoscaling.WindowAnnotationKey: "1m", autoscaling.ScaleDownDelayAnnotationKey: "15m"},
		want: []func(*kedav1alpha1.ScaledObject){stab(ptr.Int32(60), ptr.Int32(900))},
	}, {
		name: "scale-down-delay shorter than window changes nothing",
		anns: map[string]string{autoscaling.WindowAnnotationKey: "5m", autoscaling.ScaleDownDelayAnnotationKey: "1m"},
		want: []func(*kedav1alpha1.ScaledObject){stab(ptr.Int32(300), ptr.Int32(300))},
	}, {
		name: "scale-down-delay alone",
		anns: map[string]string{autoscaling.ScaleDownDelayAnnotationKey: "10m"},
		want: []func(*kedav1alpha1.ScaledObject){stab(nil, ptr.Int32(600))},
	}, {
		name:       "scale-down-delay default from config-autoscaler",
		autoscaler: map[string]string{"scale-down-delay": "90s"},
		want:       []func(*kedav1alpha1.ScaledObject){stab(nil, ptr.Int32(90))},
	}, {
		name: "scale-down-delay 0s keeps the HPA default",
		anns: map[string]string{autoscaling.ScaleDownDelayAnnotationKey: "0s"},
	}, {
		name: "scaling rules replace their direction",
		anns: map[string]string{
			autoscaling.WindowAnnotationKey: "1m",
			ScaleUpRulesAnnotationKey:       `{"stabilizationWindowSeconds":0,"selectPolicy":"Max","policies":[{"type":"Percent","value":100,"periodSeconds":15},{"type":"Pods","value":4,"periodSeconds":15}]}`,
		},
		want: []func(*kedav1alpha1.ScaledObject){func(so *kedav1alpha1.ScaledObject) {
			maxPolicy := autoscalingv2.MaxChangePolicySelect
			so.Spec.Advanced.HorizontalPodAutoscalerConfig.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{
				ScaleUp: &autoscalingv2.HPAScalingRules{
					StabilizationWindowSeconds: ptr.Int32(0),
					SelectPolicy:               &maxPolicy,
					Policies: []autoscalingv2.HPAScalingPolicy{
						{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15},
						{Type: autoscalingv2.PodsScalingPolicy, Value: 4, PeriodSeconds: 15},
					},
				},
				ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: ptr.Int32(60)},
			}
		}},
	}, {
		name: "scale-down rules win over scale-down-delay",
		anns: map[string]string{
			autoscaling.ScaleDownDelayAnnotationKey: "10m",
			ScaleDownRulesAnnotationKey:             `{"policies":[{"type":"Pods","value":1,"periodSeconds":60}]}`,
		},
		want: []func(*kedav1alpha1.ScaledObject){func(so *kedav1alpha1.ScaledObject) {
			so.Spec.Advanced.HorizontalPodAutoscalerConfig.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{
				ScaleDown: &autoscalingv2.HPAScalingRules{Policies: []autoscalingv2.HPAScalingPolicy{
					{Type: autoscalingv2.PodsScalingPolicy, Value: 1, PeriodSeconds: 60}}},
			}
		}},
	}, {
		name: "KEDA knobs",
		anns: custom(map[string]string{
			PollingIntervalAnnotationKey:          "15",
			CooldownPeriodAnnotationKey:           "2m",
			FallbackFailureThresholdAnnotationKey: "3",
			FallbackReplicasAnnotationKey:         "6",
			IdleReplicaCountAnnotationKey:         "0",
			PausedAnnotationKey:                   "true",
		}),
		want: []func(*kedav1alpha1.ScaledObject){withTrigger(defaultProm), func(so *kedav1alpha1.ScaledObject) {
			so.Spec.PollingInterval = ptr.Int32(15)
			so.Spec.CooldownPeriod = ptr.Int32(120)
			so.Spec.IdleReplicaCount = ptr.Int32(0)
			so.Spec.Fallback = &kedav1alpha1.Fallback{FailureThreshold: 3, Replicas: 6, Behavior: "static"}
			so.Annotations = copyMap(so.Annotations)
			so.Annotations["autoscaling.keda.sh/paused"] = "true"
		}},
	}, {
		name: "keda-paused false removes KEDA's own paused annotation",
		anns: map[string]string{PausedAnnotationKey: "false", "autoscaling.keda.sh/paused": "true"},
		want: []func(*kedav1alpha1.ScaledObject){func(so *kedav1alpha1.ScaledObject) {
			so.Annotations = copyMap(so.Annotations)
			delete(so.Annotations, "autoscaling.keda.sh/paused")
		}},
	}, {
		name: "config defaults for polling, cooldown and fallback",
		anns: custom(nil),
		keda: map[string]string{
			config.PollingIntervalKey: "10s", config.CooldownPeriodKey: "1m",
			config.FallbackFailureThresholdKey: "5", config.FallbackReplicasKey: "2",
		},
		want: []func(*kedav1alpha1.ScaledObject){withTrigger(defaultProm), func(so *kedav1alpha1.ScaledObject) {
			so.Spec.PollingInterval = ptr.Int32(10)
			so.Spec.CooldownPeriod = ptr.Int32(60)
			so.Spec.Fallback = &kedav1alpha1.Fallback{FailureThreshold: 5, Replicas: 2, Behavior: "static"}
		}},
	}, {
		name: "config fallback skips a cpu revision, which KEDA cannot fall back for",
		keda: map[string]string{config.FallbackFailureThresholdKey: "5", config.FallbackReplicasKey: "2"},
	}, {
		name: "extra triggers and a scaling modifier formula",
		anns: custom(map[string]string{
			PrometheusTriggerNameAnnotationKey: "rps",
			ExtraTriggersAnnotationKey:         `[{"type":"prometheus","name":"queue","metadata":{"serverAddress":"http://p:9090","query":"sum(queue)","threshold":"5"}}]`,
			ScalingModifiersAnnotationKey:      `{"formula":"max(rps, queue) > 100 ? 100 : ceil(max(rps, queue))","target":"10","metricType":"AverageValue"}`,
		}),
		want: []func(*kedav1alpha1.ScaledObject){func(so *kedav1alpha1.ScaledObject) {
			so.Spec.Triggers = []kedav1alpha1.ScaleTriggers{
				promTrigger("rps", renderedQuery, "10", autoscalingv2.AverageValueMetricType),
				{Type: "prometheus", Name: "queue", Metadata: map[string]string{"serverAddress": "http://p:9090", "query": "sum(queue)", "threshold": "5"}},
			}
			so.Spec.Advanced.ScalingModifiers = kedav1alpha1.ScalingModifiers{Formula: "max(rps, queue) > 100 ? 100 : ceil(max(rps, queue))", Target: "10", MetricType: autoscalingv2.AverageValueMetricType}
		}},
	}, {
		name: "override fields replace computed ones, forced fields stay",
		anns: map[string]string{
			autoscaling.MaxScaleAnnotationKey: "10",
			OverrideAnnotationKey: `{"metadata":{"name":"checkout-00001","labels":{"team":"pay","serving.knative.dev/service":"evil"},"annotations":{"note":"x"}},` +
				`"spec":{"scaleTargetRef":{"name":"checkout-00001-deployment","envSourceContainerName":"user-container"},"pollingInterval":5,"minReplicaCount":2,` +
				`"triggers":[{"type":"cpu","metricType":"Utilization","metadata":{"value":"50"}}],"advanced":{"restoreToOriginalReplicaCount":true}}}`,
		},
		want: []func(*kedav1alpha1.ScaledObject){func(so *kedav1alpha1.ScaledObject) {
			so.Labels = copyMap(so.Labels)
			so.Labels["team"] = "pay"
			so.Annotations = copyMap(so.Annotations)
			so.Annotations["note"] = "x"
			so.Spec.ScaleTargetRef.EnvSourceContainerName = "user-container"
			so.Spec.PollingInterval = ptr.Int32(5)
			so.Spec.MinReplicaCount = ptr.Int32(2)
			so.Spec.MaxReplicaCount = ptr.Int32(10)
			so.Spec.Triggers[0].Metadata["value"] = "50"
			so.Spec.Advanced.RestoreToOriginalReplicaCount = true
		}},
	}, {
		name: "override without an advanced section",
		anns: map[string]string{OverrideAnnotationKey: `{"spec":{"cooldownPeriod":30}}`},
		want: []func(*kedav1alpha1.ScaledObject){func(so *kedav1alpha1.ScaledObject) { so.Spec.CooldownPeriod = ptr.Int32(30) }},
	}, {
		name: "override with an empty advanced section",
		anns: map[string]string{OverrideAnnotationKey: `{"spec":{"advanced":{}}}`},
	}, {
		name: "override behaviour",
		anns: map[string]string{OverrideAnnotationKey: `{"spec":{"advanced":{"horizontalPodAutoscalerConfig":{"behavior":{"scaleDown":{"stabilizationWindowSeconds":30}}}}}}`},
		want: []func(*kedav1alpha1.ScaledObject){stab(nil, ptr.Int32(30))},
	}}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := pa(tc.anns)
			translatesTo(t, p, testConfig(t, tc.autoscaler, tc.keda), tc.want...)
		})
	}
}

// acceptedByKEDA is the oracle: KEDA's admission webhook, as its process
// runs it (ValidateCreate), admits the object for the revision's Deployment
// as Serving makes it (testDeployment, the pod testWorkload describes). It
// does not reuse the translation's own calls into KEDA's helpers: it also
// reads the workload's requests and checks names, scaling modifiers and
// clashes, so it fails when the translation lets through what KEDA refuses.
// translatesTo fails t unless p, with cfg, translates to want(p, mutate...),
// which KEDA's webhook accepts.
func translatesTo(t *testing.T, p *autoscalingv1alpha1.PodAutoscaler, cfg *config.Config, mutate ...func(*kedav1alpha1.ScaledObject)) {
	t.Helper()
	got, err := ScaledObject(Input{PA: p, Config: cfg, Workload: testWorkload()})
	if err != nil {
		t.Fatalf("ScaledObject() = %v", err)
	}
	if diff := cmp.Diff(want(p, mutate...), got); diff != "" {
		t.Errorf("ScaledObject() (-want, +got):\n%s", diff)
	}
	acceptedByKEDA(t, got)
}

func acceptedByKEDA(t testing.TB, so *kedav1alpha1.ScaledObject) {
	t.Helper()
	if err := kedaAdmission(t, testDeployment())(so); err != nil {
		t.Errorf("KEDA's webhook refuses the ScaledObject: %v", err)
	}
	if so.Spec.ScaleTargetRef == nil || so.Spec.ScaleTargetRef.Name == "" {
		t.Error("no scale target")
	}
	if so.Spec.Advanced == nil || so.Spec.Advanced.HorizontalPodAutoscalerConfig == nil || so.Spec.Advanced.HorizontalPodAutoscalerConfig.Name == "" {
		t.Error("no HPA name")
	}
}

func TestScaledObjectReservedLabels(t *testing.T) {
	p := pa(nil)
	p.Labels[HPAManagedByLabel] = "someone"
	p.Labels[HPAScaledObjectLabel] = "other"
	got, err := ScaledObject(Input{PA: p, Config: testConfig(t, nil, nil), Workload: testWorkload()})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{HPAManagedByLabel, HPAScaledObjectLabel} {
		if v, ok := got.Labels[l]; ok {
			t.Errorf("label %s = %q copied onto the ScaledObject; KEDA's HPA would carry it", l, v)
		}
	}
	if got.Labels[serving.RevisionLabelKey] != testRevision {
		t.Errorf("revision label = %q, want %q", got.Labels[serving.RevisionLabelKey], testRevision)
	}
	if p.Labels[HPAManagedByLabel] != "someone" {
		t.Error("translation changed the PodAutoscaler's own labels")
	}
}

func TestScaledObjectDoesNotAliasInput(t *testing.T) {
	p := pa(custom(map[string]string{PausedAnnotationKey: "true"}))
	before := p.DeepCopy()
	so, err := ScaledObject(Input{PA: p, Config: testConfig(t, nil, nil), Workload: testWorkload()})
	if err != nil {
		t.Fatal(err)
	}
	so.Labels["x"] = "y"
	so.Annotations["y"] = "z"
	if diff := cmp.Diff(before, p); diff != "" {
		t.Errorf("PodAutoscaler changed (-before, +after):\n%s", diff)
	}
}

func TestAutoCreate(t *testing.T) {
	tests := []struct {
		name    string
		anns    map[string]string
		keda    map[string]string
		wantNil bool
		wantErr string
	}{
		{name: "default creates"},
		{name: "annotation false brings your own", anns: map[string]string{AutoCreateAnnotationKey: "false"}, wantNil: true},
		{name: "config false brings your own", keda: map[string]string{config.AutoCreateKey: "false"}, wantNil: true},
		{name: "annotation true over config false", anns: map[string]string{AutoCreateAnnotationKey: "true"}, keda: map[string]string{config.AutoCreateKey: "false"}},
		{name: "bring your own skips validation of unused annotations", anns: map[string]string{AutoCreateAnnotationKey: "false", autoscaling.TargetAnnotationKey: "x"}, wantNil: true},
		{name: "not a bool", anns: map[string]string{AutoCreateAnnotationKey: "yes please"}, wantErr: `invalid value: "yes please": ` + AutoCreateAnnotationKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			so, err := ScaledObject(Input{PA: pa(tc.anns), Config: testConfig(t, nil, tc.keda), Workload: testWorkload()})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (so == nil) != tc.wantNil {
				t.Errorf("ScaledObject() = %v, want nil: %v", so, tc.wantNil)
			}
		})
	}
}

func TestTransferHPAOwnership(t *testing.T) {
	so, err := ScaledObject(Input{PA: pa(nil), Config: testConfig(t, nil, nil), Workload: testWorkload()})
	if err != nil {
		t.Fatal(err)
	}
	if got := so.Annotations[TransferHPAOwnershipAnnotation]; got != "true" {
		t.Errorf("%s = %q, want true so KEDA adopts the HPA Serving's autoscaler-hpa left", TransferHPAOwnershipAnnotation, got)
	}
	so, err = ScaledObject(Input{PA: pa(map[string]string{TransferHPAOwnershipAnnotation: "false"}), Config: testConfig(t, nil, nil), Workload: testWorkload()})
	if err != nil {
		t.Fatal(err)
	}
	if got := so.Annotations[TransferHPAOwnershipAnnotation]; got != "false" {
		t.Errorf("%s = %q, want the revision's own false", TransferHPAOwnershipAnnotation, got)
	}
}
