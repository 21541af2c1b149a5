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

package reliability

import (
	"strings"

	"knative.dev/serving/pkg/apis/autoscaling"

	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/pkg/translate"
)

// invalidCase is a case of pkg/translate/errors_test.go's
// TestScaledObjectErrors: annotations the translation refuses, and the
// config maps it refuses them under.
type invalidCase struct {
	name       string
	anns       map[string]string
	autoscaler map[string]string // config-autoscaler data
	keda       map[string]string // config-autoscaler-keda data
}

// maxQueryBytes is pkg/translate's (unexported) limit on a query.
const maxQueryBytes = 8 << 10

// promAddress is the Prometheus address of the translate tests' custom
// metric revisions.
const promAddress = "http://prometheus.monitoring.svc:9090"

// custom is the translate tests' custom-metric revision, with extra
// annotations set ("" removes one).
func custom(extra map[string]string) map[string]string {
	m := map[string]string{
		autoscaling.MetricAnnotationKey:          "http_requests_per_second",
		autoscaling.TargetAnnotationKey:          "10",
		translate.PrometheusQueryAnnotationKey:   `sum(rate(http_requests_total{namespace="{{.Namespace}}",revision="{{.Revision}}"}[1m]))`,
		translate.PrometheusAddressAnnotationKey: promAddress,
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

// lacksServiceLabel is the case whose revision has no
// serving.knative.dev/service label (its query template names .Service).
const lacksServiceLabel = "template using a label the revision lacks"

// invalidCases mirrors TestScaledObjectErrors's table, in its order, without
// its expectations: TestInvalidCasesMirrorTranslate keeps the names in
// step, and TestInvalidAnnotations derives each expectation from
// translate.ScaledObject itself.
func invalidCases() []invalidCase {
	deep := strings.Repeat("[", translate.MaxJSONDepth+1) + strings.Repeat("]", translate.MaxJSONDepth+1)
	huge := `[{"type":"prometheus","metadata":{"query":"` + strings.Repeat("x", translate.MaxJSONBytes) + `"}}]`
	return []invalidCase{{
		name: "non-numeric target",
		anns: map[string]string{autoscaling.TargetAnnotationKey: "lots"},
	}, {
		name: "negative target",
		anns: map[string]string{autoscaling.TargetAnnotationKey: "-5"},
	}, {
		name: "NaN target",
		anns: map[string]string{autoscaling.TargetAnnotationKey: "NaN"},
	}, {
		name: "infinite target",
		anns: map[string]string{autoscaling.TargetAnnotationKey: "+Inf"},
	}, {
		name: "absurd cpu target",
		anns: map[string]string{autoscaling.TargetAnnotationKey: "1e300"},
	}, {
		name: "non-numeric min-scale",
		anns: map[string]string{autoscaling.MinScaleAnnotationKey: "one"},
	}, {
		name: "negative max-scale",
		anns: map[string]string{autoscaling.MaxScaleAnnotationKey: "-1"},
	}, {
		name: "min above max",
		anns: map[string]string{autoscaling.MinScaleAnnotationKey: "5", autoscaling.MaxScaleAnnotationKey: "2"},
	}, {
		name:       "max above config's max-scale-limit",
		anns:       map[string]string{autoscaling.MaxScaleAnnotationKey: "50"},
		autoscaler: map[string]string{"max-scale-limit": "20", "max-scale": "10"},
	}, {
		name: "zero initial-scale not allowed by the cluster",
		anns: map[string]string{autoscaling.InitialScaleAnnotationKey: "0"},
	}, {
		name: "bad window",
		anns: map[string]string{autoscaling.WindowAnnotationKey: "1s"},
	}, {
		name: "bad scale-down-delay",
		anns: map[string]string{autoscaling.ScaleDownDelayAnnotationKey: "soon"},
	}, {
		name: "unknown metric-type",
		anns: map[string]string{translate.MetricTypeAnnotationKey: "Average"},
	}, {
		name: "Value for cpu",
		anns: map[string]string{translate.MetricTypeAnnotationKey: "Value", autoscaling.TargetAnnotationKey: "5"},
	}, {
		name: "Value for memory",
		anns: map[string]string{autoscaling.MetricAnnotationKey: "memory", translate.MetricTypeAnnotationKey: "Value"},
	}, {
		name: "Utilization for a custom metric",
		anns: custom(map[string]string{translate.MetricTypeAnnotationKey: "Utilization"}),
	}, {
		name: "cpu AverageValue without target",
		anns: map[string]string{translate.MetricTypeAnnotationKey: "AverageValue"},
	}, {
		name: "activation threshold on cpu",
		anns: map[string]string{translate.ActivationThresholdAnnotationKey: "1"},
	}, {
		name: "custom metric without query",
		anns: custom(map[string]string{translate.PrometheusQueryAnnotationKey: ""}),
	}, {
		name: "custom metric without target",
		anns: custom(map[string]string{autoscaling.TargetAnnotationKey: ""}),
	}, {
		name: "custom metric without any address",
		anns: custom(map[string]string{translate.PrometheusAddressAnnotationKey: ""}),
	}, {
		name: "address that is not http",
		anns: custom(map[string]string{translate.PrometheusAddressAnnotationKey: "ftp://prom:21"}),
	}, {
		name: "address without host",
		anns: custom(map[string]string{translate.PrometheusAddressAnnotationKey: "http://"}),
	}, {
		name: "address with credentials",
		anns: custom(map[string]string{translate.PrometheusAddressAnnotationKey: "http://u:p@prom:9090"}),
	}, {
		name: "template that does not parse",
		anns: custom(map[string]string{translate.PrometheusQueryAnnotationKey: "sum({{.Revision)"}),
	}, {
		name: "template with an unknown field",
		anns: custom(map[string]string{translate.PrometheusQueryAnnotationKey: "sum(x{a=\"{{.Secret}}\"})"}),
	}, {
		name: "template calling a function",
		anns: custom(map[string]string{translate.PrometheusQueryAnnotationKey: `{{printf "%s" .Revision}}`}),
	}, {
		name: "template with an unbounded range",
		anns: custom(map[string]string{translate.PrometheusQueryAnnotationKey: `{{range 1000000000}}x{{end}}`}),
	}, {
		name: "template defining templates",
		anns: custom(map[string]string{translate.PrometheusQueryAnnotationKey: `{{define "a"}}{{template "a"}}{{end}}{{template "a"}}`}),
	}, {
		name: "template using a label the revision lacks",
		anns: custom(map[string]string{translate.PrometheusQueryAnnotationKey: `sum(x{service="{{.Service}}"})`}),
	}, {
		name: "bad trigger name",
		anns: custom(map[string]string{translate.PrometheusTriggerNameAnnotationKey: "my trigger"}),
	}, {
		name: "bad activation threshold",
		anns: custom(map[string]string{translate.ActivationThresholdAnnotationKey: "-1"}),
	}, {
		name: "auth name without modes",
		anns: custom(map[string]string{translate.PrometheusAuthNameAnnotationKey: "creds"}),
	}, {
		name: "auth modes without name",
		anns: custom(map[string]string{translate.PrometheusAuthModesAnnotationKey: "basic"}),
	}, {
		name: "auth kind without name",
		anns: custom(map[string]string{translate.PrometheusAuthKindAnnotationKey: "TriggerAuthentication", translate.PrometheusAuthModesAnnotationKey: "basic"}),
	}, {
		name: "unknown auth kind",
		anns: custom(map[string]string{translate.PrometheusAuthNameAnnotationKey: "c", translate.PrometheusAuthModesAnnotationKey: "basic", translate.PrometheusAuthKindAnnotationKey: "Secret"}),
	}, {
		name: "unknown auth mode",
		anns: custom(map[string]string{translate.PrometheusAuthNameAnnotationKey: "c", translate.PrometheusAuthModesAnnotationKey: "basic,oauth"}),
	}, {
		name: "cluster trigger authentication not allowed by default",
		anns: custom(map[string]string{translate.PrometheusAuthNameAnnotationKey: "admin-creds", translate.PrometheusAuthModesAnnotationKey: "bearer", translate.PrometheusAuthKindAnnotationKey: "ClusterTriggerAuthentication"}),
	}, {
		name: "cluster trigger authentication outside the allow-list",
		anns: custom(map[string]string{translate.PrometheusAuthNameAnnotationKey: "admin-creds", translate.PrometheusAuthModesAnnotationKey: "bearer", translate.PrometheusAuthKindAnnotationKey: "ClusterTriggerAuthentication"}),
		keda: map[string]string{config.ClusterTriggerAuthAllowedKey: "shared-prom"},
	}, {
		name: "extra triggers that are not JSON",
		anns: map[string]string{translate.ExtraTriggersAnnotationKey: `[{"type":`},
	}, {
		name: "extra triggers with a misspelt field",
		anns: map[string]string{translate.ExtraTriggersAnnotationKey: `[{"type":"prometheus","metdata":{}}]`},
	}, {
		name: "extra trigger without type",
		anns: map[string]string{translate.ExtraTriggersAnnotationKey: `[{"metadata":{}}]`},
	}, {
		name: "extra trigger with Utilization on an external metric",
		anns: map[string]string{translate.ExtraTriggersAnnotationKey: `[{"type":"prometheus","metricType":"Utilization","metadata":{}}]`},
	}, {
		name: "extra trigger borrowing a cluster trigger authentication",
		anns: map[string]string{translate.ExtraTriggersAnnotationKey: `[{"type":"prometheus","metadata":{},"authenticationRef":{"name":"root","kind":"ClusterTriggerAuthentication"}}]`},
	}, {
		name: "extra trigger with a duplicate name",
		anns: custom(map[string]string{translate.ExtraTriggersAnnotationKey: `[{"type":"prometheus","name":"http_requests_per_second","metadata":{}}]`}),
	}, {
		name: "scaling modifiers that are not JSON",
		anns: custom(map[string]string{translate.ScalingModifiersAnnotationKey: `formula: a+b`}),
	}, {
		name: "scaling modifiers without formula",
		anns: custom(map[string]string{translate.ScalingModifiersAnnotationKey: `{"target":"2"}`}),
	}, {
		name: "formula naming an unknown trigger",
		anns: custom(map[string]string{translate.ScalingModifiersAnnotationKey: `{"formula":"http_requests_per_second + queue","target":"2"}`}),
	}, {
		name: "formula building a huge range",
		anns: custom(map[string]string{translate.ScalingModifiersAnnotationKey: `{"formula":"len(1..1000000000) + http_requests_per_second","target":"2"}`}),
	}, {
		name: "formula repeating strings",
		anns: custom(map[string]string{translate.ScalingModifiersAnnotationKey: `{"formula":"float(len(repeat(\"x\", 1000000000)))","target":"2"}`}),
	}, {
		name: "formula mapping over a collection",
		anns: custom(map[string]string{translate.ScalingModifiersAnnotationKey: `{"formula":"sum(map([1,2], # * http_requests_per_second))","target":"2"}`}),
	}, {
		name: "override formula building a huge range",
		anns: custom(map[string]string{translate.OverrideAnnotationKey: `{"spec":{"advanced":{"scalingModifiers":{"formula":"len(1..1000000000)","target":"2"}}}}`}),
	}, {
		name: "formula without target",
		anns: custom(map[string]string{translate.ScalingModifiersAnnotationKey: `{"formula":"http_requests_per_second"}`}),
	}, {
		name: "scale-up rules that are not JSON",
		anns: map[string]string{translate.ScaleUpRulesAnnotationKey: `fast`},
	}, {
		name: "scale-down rules with bad policies",
		anns: map[string]string{translate.ScaleDownRulesAnnotationKey: `{"stabilizationWindowSeconds":4000,"selectPolicy":"Most","policies":[{"type":"Nodes","value":0,"periodSeconds":0}]}`},
	}, {
		name: "scale-up rules without policies",
		anns: map[string]string{translate.ScaleUpRulesAnnotationKey: `{"stabilizationWindowSeconds":10}`},
	}, {
		name: "bad polling interval",
		anns: map[string]string{translate.PollingIntervalAnnotationKey: "often"},
	}, {
		name: "zero polling interval",
		anns: map[string]string{translate.PollingIntervalAnnotationKey: "0"},
	}, {
		name: "fractional cooldown",
		anns: map[string]string{translate.CooldownPeriodAnnotationKey: "1.5s"},
	}, {
		name: "negative idle replica count",
		anns: map[string]string{translate.IdleReplicaCountAnnotationKey: "-1"},
	}, {
		name: "idle replica count not below min",
		anns: custom(map[string]string{translate.IdleReplicaCountAnnotationKey: "1"}),
	}, {
		name: "fallback threshold without replicas",
		anns: custom(map[string]string{translate.FallbackFailureThresholdAnnotationKey: "3"}),
	}, {
		name: "fallback replicas without threshold",
		anns: custom(map[string]string{translate.FallbackReplicasAnnotationKey: "3"}),
	}, {
		name: "fallback of zero failures",
		anns: custom(map[string]string{translate.FallbackFailureThresholdAnnotationKey: "0", translate.FallbackReplicasAnnotationKey: "3"}),
	}, {
		name: "fallback on cpu",
		anns: map[string]string{translate.FallbackFailureThresholdAnnotationKey: "3", translate.FallbackReplicasAnnotationKey: "2"},
	}, {
		name: "paused not a bool",
		anns: map[string]string{translate.PausedAnnotationKey: "maybe"},
	}, {
		name: "override that is not JSON",
		anns: map[string]string{translate.OverrideAnnotationKey: `{"spec":`},
	}, {
		name: "override pointing at another deployment",
		anns: map[string]string{translate.OverrideAnnotationKey: `{"spec":{"scaleTargetRef":{"name":"payments"}}}`},
	}, {
		name: "override pointing at another kind",
		anns: map[string]string{translate.OverrideAnnotationKey: `{"spec":{"scaleTargetRef":{"kind":"StatefulSet","name":"checkout-00001-deployment"}}}`},
	}, {
		name: "override moving to another namespace",
		anns: map[string]string{translate.OverrideAnnotationKey: `{"metadata":{"namespace":"kube-system"}}`},
	}, {
		name: "override renaming the object",
		anns: map[string]string{translate.OverrideAnnotationKey: `{"metadata":{"name":"other"}}`},
	}, {
		name: "override renaming the HPA",
		anns: map[string]string{translate.OverrideAnnotationKey: `{"spec":{"advanced":{"horizontalPodAutoscalerConfig":{"name":"other"}}}}`},
	}, {
		name: "override with owners",
		anns: map[string]string{translate.OverrideAnnotationKey: `{"metadata":{"ownerReferences":[{"apiVersion":"v1","kind":"Namespace","name":"x","uid":"u"}]}}`},
	}, {
		name: "override with finalizers",
		anns: map[string]string{translate.OverrideAnnotationKey: `{"metadata":{"finalizers":["hold"]}}`},
	}, {
		name: "override with a reserved label",
		anns: map[string]string{translate.OverrideAnnotationKey: `{"metadata":{"labels":{"app.kubernetes.io/part-of":"x"}}}`},
	}, {
		name: "override with min above max",
		anns: map[string]string{translate.OverrideAnnotationKey: `{"spec":{"minReplicaCount":5,"maxReplicaCount":2}}`},
	}, {
		name: "override with a cluster trigger authentication",
		anns: map[string]string{translate.OverrideAnnotationKey: `{"spec":{"triggers":[{"type":"prometheus","metadata":{},"authenticationRef":{"name":"root","kind":"ClusterTriggerAuthentication"}}]}}`},
	}, {
		name: "JSON too large",
		anns: map[string]string{translate.ExtraTriggersAnnotationKey: huge},
	}, {
		name: "JSON too deep",
		anns: map[string]string{translate.OverrideAnnotationKey: deep},
	}, {
		name: "query too large",
		anns: custom(map[string]string{translate.PrometheusQueryAnnotationKey: strings.Repeat("x", maxQueryBytes+1)}),
	}, {
		name: "every bad annotation is reported at once",
		anns: custom(map[string]string{translate.MetricTypeAnnotationKey: "Utilization", translate.PollingIntervalAnnotationKey: "x", translate.PausedAnnotationKey: "x"}),
	}}
}
