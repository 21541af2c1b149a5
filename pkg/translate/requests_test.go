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
	"strings"
	"testing"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"knative.dev/pkg/ptr"
	"knative.dev/serving/pkg/apis/autoscaling"
)

func TestRequestMetric(t *testing.T) {
	on := map[string]string{"activator-scaler-address": scalerAddress}
	requests := func(metric string) kedav1alpha1.ScaleTriggers {
		return kedav1alpha1.ScaleTriggers{
			Type: "external-push", Name: "knative-requests",
			Metadata: map[string]string{"scalerAddress": scalerAddress, "namespace": testNS, "revision": testRevision, "metric": metric},
		}
	}
	// Serving's decider has the window; the HPA adds none.
	noHPAWindow := func(so *kedav1alpha1.ScaledObject) {
		so.Spec.Advanced.HorizontalPodAutoscalerConfig.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{
			ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: ptr.Int32(0)},
		}
	}
	triggers := func(ts ...kedav1alpha1.ScaleTriggers) func(*kedav1alpha1.ScaledObject) {
		return func(so *kedav1alpha1.ScaledObject) { so.Spec.Triggers = ts }
	}

	for _, tc := range []struct {
		name string
		anns map[string]string
		want []func(*kedav1alpha1.ScaledObject)
	}{{
		name: "concurrency: the request trigger alone, min 1",
		anns: map[string]string{autoscaling.MetricAnnotationKey: "concurrency", autoscaling.TargetAnnotationKey: "10"},
		want: []func(*kedav1alpha1.ScaledObject){triggers(requests("concurrency")), noHPAWindow},
	}, {
		name: "rps, with a window and max-scale",
		anns: map[string]string{
			autoscaling.MetricAnnotationKey: "rps", autoscaling.TargetAnnotationKey: "150",
			autoscaling.WindowAnnotationKey: "2m", autoscaling.MaxScaleAnnotationKey: "8",
		},
		want: []func(*kedav1alpha1.ScaledObject){triggers(requests("rps")), noHPAWindow,
			func(so *kedav1alpha1.ScaledObject) { so.Spec.MaxReplicaCount = ptr.Int32(8) }},
	}, {
		name: "concurrency, min-scale 0: one trigger, minReplicaCount 0",
		anns: map[string]string{autoscaling.MetricAnnotationKey: "concurrency", autoscaling.MinScaleAnnotationKey: "0"},
		want: []func(*kedav1alpha1.ScaledObject){triggers(requests("concurrency")), noHPAWindow,
			func(so *kedav1alpha1.ScaledObject) { so.Spec.MinReplicaCount = ptr.Int32(0) }},
	}, {
		name: "concurrency beside a Prometheus trigger: the requests first, the HPA takes the larger",
		anns: map[string]string{
			autoscaling.MetricAnnotationKey: "concurrency",
			ExtraTriggersAnnotationKey:      `[{"type":"prometheus","name":"waiting","metadata":{"serverAddress":"http://p:9090","query":"sum(vllm:num_requests_waiting)","threshold":"5"}}]`,
		},
		want: []func(*kedav1alpha1.ScaledObject){triggers(requests("concurrency"), kedav1alpha1.ScaleTriggers{
			Type: "prometheus", Name: "waiting",
			Metadata: map[string]string{"serverAddress": "http://p:9090", "query": "sum(vllm:num_requests_waiting)", "threshold": "5"},
		}), noHPAWindow},
	}, {
		name: "hpa-scale-down-rules still win over the decider's window",
		anns: map[string]string{
			autoscaling.MetricAnnotationKey: "concurrency",
			ScaleDownRulesAnnotationKey:     `{"stabilizationWindowSeconds":30,"policies":[{"type":"Pods","value":1,"periodSeconds":10}]}`,
		},
		want: []func(*kedav1alpha1.ScaledObject){triggers(requests("concurrency")), func(so *kedav1alpha1.ScaledObject) {
			so.Spec.Advanced.HorizontalPodAutoscalerConfig.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{
				ScaleDown: &autoscalingv2.HPAScalingRules{
					StabilizationWindowSeconds: ptr.Int32(30),
					Policies:                   []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PodsScalingPolicy, Value: 1, PeriodSeconds: 10}},
				},
			}
		}},
	}, {
		// Before the request trigger, concurrency needed a query; one given
		// still means Prometheus.
		name: "concurrency with a prometheus-query of its own stays on Prometheus",
		anns: custom(map[string]string{autoscaling.MetricAnnotationKey: "concurrency"}),
		want: []func(*kedav1alpha1.ScaledObject){triggers(promTrigger("concurrency", renderedQuery, "10", autoscalingv2.AverageValueMetricType))},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			p := pa(tc.anns)
			translatesTo(t, p, testConfig(t, nil, on), tc.want...)
		})
	}
}

func TestRequestMetricRefused(t *testing.T) {
	on := map[string]string{"activator-scaler-address": scalerAddress}
	for _, tc := range []struct {
		name     string
		anns     map[string]string
		keda     map[string]string
		wantMsgs []string
	}{{
		name: "no scaler address",
		anns: map[string]string{autoscaling.MetricAnnotationKey: "concurrency"},
		wantMsgs: []string{"invalid value: concurrency: autoscaling.knative.dev/metric",
			"set activator-scaler-address in config-autoscaler-keda", "or give a autoscaling.knative.dev/prometheus-query"},
	}, {
		name:     "metric-type does not apply",
		anns:     map[string]string{autoscaling.MetricAnnotationKey: "rps", MetricTypeAnnotationKey: "Value"},
		keda:     on,
		wantMsgs: []string{"invalid value: Value: autoscaling.knative.dev/metric-type", `does not apply to metric "rps"`},
	}, {
		name:     "activation-threshold does not apply",
		anns:     map[string]string{autoscaling.MetricAnnotationKey: "concurrency", ActivationThresholdAnnotationKey: "3"},
		keda:     on,
		wantMsgs: []string{"invalid value: 3: autoscaling.knative.dev/keda-activation-threshold", `does not apply to metric "concurrency"`},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			so, err := ScaledObject(Input{PA: pa(tc.anns), Config: testConfig(t, nil, tc.keda), Workload: testWorkload()})
			if err == nil {
				t.Fatalf("ScaledObject() = %+v, want an error", so.Spec)
			}
			for _, m := range tc.wantMsgs {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not say %q", err, m)
				}
			}
		})
	}
}
