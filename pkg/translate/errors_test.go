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

	"github.com/google/go-cmp/cmp"
	"knative.dev/serving/pkg/apis/autoscaling"

	"github.com/serving-keda/serving-keda/pkg/config"
)

func TestScaledObjectErrors(t *testing.T) {
	deep := strings.Repeat("[", MaxJSONDepth+1) + strings.Repeat("]", MaxJSONDepth+1)
	huge := `[{"type":"prometheus","metadata":{"query":"` + strings.Repeat("x", MaxJSONBytes) + `"}}]`

	tests := []struct {
		name       string
		anns       map[string]string
		autoscaler map[string]string
		keda       map[string]string
		wantKeys   []string // every annotation the error names
		wantMsg    []string // fragments the message must hold
		wantReason string
	}{{
		name:       "non-numeric target",
		anns:       map[string]string{autoscaling.TargetAnnotationKey: "lots"},
		wantKeys:   []string{autoscaling.TargetAnnotationKey},
		wantMsg:    []string{"lots"},
		wantReason: "InvalidTarget",
	}, {
		name:     "negative target",
		anns:     map[string]string{autoscaling.TargetAnnotationKey: "-5"},
		wantKeys: []string{autoscaling.TargetAnnotationKey},
		wantMsg:  []string{"-5"},
	}, {
		name:     "NaN target",
		anns:     map[string]string{autoscaling.TargetAnnotationKey: "NaN"},
		wantKeys: []string{autoscaling.TargetAnnotationKey},
		wantMsg:  []string{"NaN", "finite"},
	}, {
		name:     "infinite target",
		anns:     map[string]string{autoscaling.TargetAnnotationKey: "+Inf"},
		wantKeys: []string{autoscaling.TargetAnnotationKey},
	}, {
		name:     "absurd cpu target",
		anns:     map[string]string{autoscaling.TargetAnnotationKey: "1e300"},
		wantKeys: []string{autoscaling.TargetAnnotationKey},
		wantMsg:  []string{"at most"},
	}, {
		name:       "non-numeric min-scale",
		anns:       map[string]string{autoscaling.MinScaleAnnotationKey: "one"},
		wantKeys:   []string{autoscaling.MinScaleAnnotationKey},
		wantMsg:    []string{"one"},
		wantReason: "InvalidMinScale",
	}, {
		name:     "negative max-scale",
		anns:     map[string]string{autoscaling.MaxScaleAnnotationKey: "-1"},
		wantKeys: []string{autoscaling.MaxScaleAnnotationKey},
	}, {
		name:       "min above max",
		anns:       map[string]string{autoscaling.MinScaleAnnotationKey: "5", autoscaling.MaxScaleAnnotationKey: "2"},
		wantKeys:   []string{autoscaling.MaxScaleAnnotationKey, autoscaling.MinScaleAnnotationKey},
		wantMsg:    []string{"max-scale=2 is less than min-scale=5"},
		wantReason: "InvalidAnnotations",
	}, {
		name:       "max above config's max-scale-limit",
		anns:       map[string]string{autoscaling.MaxScaleAnnotationKey: "50"},
		autoscaler: map[string]string{"max-scale-limit": "20", "max-scale": "10"},
		wantKeys:   []string{autoscaling.MaxScaleAnnotationKey},
		wantMsg:    []string{"50"},
	}, {
		name:       "zero initial-scale not allowed by the cluster",
		anns:       map[string]string{autoscaling.InitialScaleAnnotationKey: "0"},
		wantKeys:   []string{autoscaling.InitialScaleAnnotationKey},
		wantMsg:    []string{"not allowed by cluster"},
		wantReason: "InvalidInitialScale",
	}, {
		name:     "bad window",
		anns:     map[string]string{autoscaling.WindowAnnotationKey: "1s"},
		wantKeys: []string{autoscaling.WindowAnnotationKey},
	}, {
		name:     "bad scale-down-delay",
		anns:     map[string]string{autoscaling.ScaleDownDelayAnnotationKey: "soon"},
		wantKeys: []string{autoscaling.ScaleDownDelayAnnotationKey},
	}, {
		name:       "unknown metric-type",
		anns:       map[string]string{MetricTypeKey: "Average"},
		wantKeys:   []string{MetricTypeKey},
		wantMsg:    []string{"Average", "Utilization, AverageValue or Value"},
		wantReason: "InvalidMetricType",
	}, {
		name:     "Value for cpu",
		anns:     map[string]string{MetricTypeKey: "Value", autoscaling.TargetAnnotationKey: "5"},
		wantKeys: []string{MetricTypeKey},
		wantMsg:  []string{"cpu takes Utilization or AverageValue"},
	}, {
		name:     "Value for memory",
		anns:     map[string]string{autoscaling.MetricAnnotationKey: "memory", MetricTypeKey: "Value"},
		wantKeys: []string{MetricTypeKey},
	}, {
		name:     "Utilization for a custom metric",
		anns:     custom(map[string]string{MetricTypeKey: "Utilization"}),
		wantKeys: []string{MetricTypeKey},
		wantMsg:  []string{"custom metric", "AverageValue"},
	}, {
		name:     "cpu AverageValue without target",
		anns:     map[string]string{MetricTypeKey: "AverageValue"},
		wantKeys: []string{autoscaling.TargetAnnotationKey},
		wantMsg:  []string{"millicores"},
	}, {
		name:     "activation threshold on cpu",
		anns:     map[string]string{ActivationThresholdKey: "1"},
		wantKeys: []string{ActivationThresholdKey},
	}, {
		name:     "custom metric without query",
		anns:     custom(map[string]string{PrometheusQueryKey: ""}),
		wantKeys: []string{PrometheusQueryKey},
		wantMsg:  []string{"http_requests_per_second", "PromQL"},
	}, {
		name:     "custom metric without target",
		anns:     custom(map[string]string{autoscaling.TargetAnnotationKey: ""}),
		wantKeys: []string{autoscaling.TargetAnnotationKey},
	}, {
		name:     "custom metric without any address",
		anns:     custom(map[string]string{PrometheusAddressKey: ""}),
		wantKeys: []string{PrometheusAddressKey},
		wantMsg:  []string{config.KEDAConfigName},
	}, {
		name:     "address that is not http",
		anns:     custom(map[string]string{PrometheusAddressKey: "ftp://prom:21"}),
		wantKeys: []string{PrometheusAddressKey},
		wantMsg:  []string{"ftp://prom:21", "http or https"},
	}, {
		name:     "address without host",
		anns:     custom(map[string]string{PrometheusAddressKey: "http://"}),
		wantKeys: []string{PrometheusAddressKey},
	}, {
		name:     "address with credentials",
		anns:     custom(map[string]string{PrometheusAddressKey: "http://u:p@prom:9090"}),
		wantKeys: []string{PrometheusAddressKey},
		wantMsg:  []string{"TriggerAuthentication"},
	}, {
		name:     "template that does not parse",
		anns:     custom(map[string]string{PrometheusQueryKey: "sum({{.Revision)"}),
		wantKeys: []string{PrometheusQueryKey},
		wantMsg:  []string{"not a valid template"},
	}, {
		name:     "template with an unknown field",
		anns:     custom(map[string]string{PrometheusQueryKey: "sum(x{a=\"{{.Secret}}\"})"}),
		wantKeys: []string{PrometheusQueryKey},
		wantMsg:  []string{"{{.Revision}}", "{{.Secret}}"},
	}, {
		name:     "template calling a function",
		anns:     custom(map[string]string{PrometheusQueryKey: `{{printf "%s" .Revision}}`}),
		wantKeys: []string{PrometheusQueryKey},
	}, {
		name:     "template with an unbounded range",
		anns:     custom(map[string]string{PrometheusQueryKey: `{{range 1000000000}}x{{end}}`}),
		wantKeys: []string{PrometheusQueryKey},
	}, {
		name:     "template defining templates",
		anns:     custom(map[string]string{PrometheusQueryKey: `{{define "a"}}{{template "a"}}{{end}}{{template "a"}}`}),
		wantKeys: []string{PrometheusQueryKey},
	}, {
		name:     "template using a label the revision lacks",
		anns:     custom(map[string]string{PrometheusQueryKey: `sum(x{service="{{.Service}}"})`}),
		wantKeys: []string{PrometheusQueryKey},
		wantMsg:  []string{"serving.knative.dev/service"},
	}, {
		name:     "bad trigger name",
		anns:     custom(map[string]string{PrometheusTriggerNameKey: "my trigger"}),
		wantKeys: []string{PrometheusTriggerNameKey},
	}, {
		name:     "bad activation threshold",
		anns:     custom(map[string]string{ActivationThresholdKey: "-1"}),
		wantKeys: []string{ActivationThresholdKey},
	}, {
		name:     "auth name without modes",
		anns:     custom(map[string]string{PrometheusAuthNameKey: "creds"}),
		wantKeys: []string{PrometheusAuthModesKey},
	}, {
		name:     "auth modes without name",
		anns:     custom(map[string]string{PrometheusAuthModesKey: "basic"}),
		wantKeys: []string{PrometheusAuthNameKey},
	}, {
		name:     "auth kind without name",
		anns:     custom(map[string]string{PrometheusAuthKindKey: "TriggerAuthentication", PrometheusAuthModesKey: "basic"}),
		wantKeys: []string{PrometheusAuthNameKey},
	}, {
		name:       "unknown auth kind",
		anns:       custom(map[string]string{PrometheusAuthNameKey: "c", PrometheusAuthModesKey: "basic", PrometheusAuthKindKey: "Secret"}),
		wantKeys:   []string{PrometheusAuthKindKey},
		wantMsg:    []string{"Secret"},
		wantReason: "InvalidTriggerPrometheusAuthKind",
	}, {
		name:     "unknown auth mode",
		anns:     custom(map[string]string{PrometheusAuthNameKey: "c", PrometheusAuthModesKey: "basic,oauth"}),
		wantKeys: []string{PrometheusAuthModesKey},
		wantMsg:  []string{"oauth"},
	}, {
		name:     "cluster trigger authentication not allowed by default",
		anns:     custom(map[string]string{PrometheusAuthNameKey: "admin-creds", PrometheusAuthModesKey: "bearer", PrometheusAuthKindKey: "ClusterTriggerAuthentication"}),
		wantKeys: []string{PrometheusAuthNameKey},
		wantMsg:  []string{"admin-creds", "none are allowed"},
	}, {
		name:     "cluster trigger authentication outside the allow-list",
		anns:     custom(map[string]string{PrometheusAuthNameKey: "admin-creds", PrometheusAuthModesKey: "bearer", PrometheusAuthKindKey: "ClusterTriggerAuthentication"}),
		keda:     map[string]string{config.ClusterTriggerAuthAllowedKey: "shared-prom"},
		wantKeys: []string{PrometheusAuthNameKey},
		wantMsg:  []string{"allowed: shared-prom"},
	}, {
		name:     "extra triggers that are not JSON",
		anns:     map[string]string{ExtraTriggersKey: `[{"type":`},
		wantKeys: []string{ExtraTriggersKey},
	}, {
		name:     "extra triggers with a misspelt field",
		anns:     map[string]string{ExtraTriggersKey: `[{"type":"prometheus","metdata":{}}]`},
		wantKeys: []string{ExtraTriggersKey},
		wantMsg:  []string{"metdata"},
	}, {
		name:     "extra trigger without type",
		anns:     map[string]string{ExtraTriggersKey: `[{"metadata":{}}]`},
		wantKeys: []string{ExtraTriggersKey},
		wantMsg:  []string{"no type"},
	}, {
		name:     "extra trigger with Utilization on an external metric",
		anns:     map[string]string{ExtraTriggersKey: `[{"type":"prometheus","metricType":"Utilization","metadata":{}}]`},
		wantKeys: []string{ExtraTriggersKey},
	}, {
		name:     "extra trigger borrowing a cluster trigger authentication",
		anns:     map[string]string{ExtraTriggersKey: `[{"type":"prometheus","metadata":{},"authenticationRef":{"name":"root","kind":"ClusterTriggerAuthentication"}}]`},
		wantKeys: []string{ExtraTriggersKey},
		wantMsg:  []string{"root"},
	}, {
		name:     "extra trigger with a duplicate name",
		anns:     custom(map[string]string{ExtraTriggersKey: `[{"type":"prometheus","name":"http_requests_per_second","metadata":{}}]`}),
		wantKeys: []string{ExtraTriggersKey},
		wantMsg:  []string{"defined multiple times"},
	}, {
		name:     "scaling modifiers that are not JSON",
		anns:     custom(map[string]string{ScalingModifiersKey: `formula: a+b`}),
		wantKeys: []string{ScalingModifiersKey},
	}, {
		name:     "scaling modifiers without formula",
		anns:     custom(map[string]string{ScalingModifiersKey: `{"target":"2"}`}),
		wantKeys: []string{ScalingModifiersKey},
		wantMsg:  []string{"formula is required"},
	}, {
		name:     "formula naming an unknown trigger",
		anns:     custom(map[string]string{ScalingModifiersKey: `{"formula":"http_requests_per_second + queue","target":"2"}`}),
		wantKeys: []string{ScalingModifiersKey},
		wantMsg:  []string{"queue", "triggers a formula can name: http_requests_per_second"},
	}, {
		name:     "formula building a huge range",
		anns:     custom(map[string]string{ScalingModifiersKey: `{"formula":"len(1..1000000000) + http_requests_per_second","target":"2"}`}),
		wantKeys: []string{ScalingModifiersKey},
		wantMsg:  []string{"formula"},
	}, {
		name:     "formula repeating strings",
		anns:     custom(map[string]string{ScalingModifiersKey: `{"formula":"float(len(repeat(\"x\", 1000000000)))","target":"2"}`}),
		wantKeys: []string{ScalingModifiersKey},
	}, {
		name:     "formula mapping over a collection",
		anns:     custom(map[string]string{ScalingModifiersKey: `{"formula":"sum(map([1,2], # * http_requests_per_second))","target":"2"}`}),
		wantKeys: []string{ScalingModifiersKey},
	}, {
		name:     "override formula building a huge range",
		anns:     custom(map[string]string{OverrideKey: `{"spec":{"advanced":{"scalingModifiers":{"formula":"len(1..1000000000)","target":"2"}}}}`}),
		wantKeys: []string{OverrideKey},
	}, {
		name:     "formula without target",
		anns:     custom(map[string]string{ScalingModifiersKey: `{"formula":"http_requests_per_second"}`}),
		wantKeys: []string{ScalingModifiersKey},
	}, {
		name:     "scale-up rules that are not JSON",
		anns:     map[string]string{ScaleUpRulesKey: `fast`},
		wantKeys: []string{ScaleUpRulesKey},
	}, {
		name:     "scale-down rules with bad policies",
		anns:     map[string]string{ScaleDownRulesKey: `{"stabilizationWindowSeconds":4000,"selectPolicy":"Most","policies":[{"type":"Nodes","value":0,"periodSeconds":0}]}`},
		wantKeys: []string{ScaleDownRulesKey},
		wantMsg:  []string{"stabilizationWindowSeconds=4000", "Most", "Nodes", "value=0", "periodSeconds=0"},
	}, {
		name:     "scale-up rules without policies",
		anns:     map[string]string{ScaleUpRulesKey: `{"stabilizationWindowSeconds":10}`},
		wantKeys: []string{ScaleUpRulesKey},
		wantMsg:  []string{"at least one policy"},
	}, {
		name:     "bad polling interval",
		anns:     map[string]string{PollingIntervalKey: "often"},
		wantKeys: []string{PollingIntervalKey},
	}, {
		name:     "zero polling interval",
		anns:     map[string]string{PollingIntervalKey: "0"},
		wantKeys: []string{PollingIntervalKey},
	}, {
		name:     "fractional cooldown",
		anns:     map[string]string{CooldownPeriodKey: "1.5s"},
		wantKeys: []string{CooldownPeriodKey},
	}, {
		name:     "negative idle replica count",
		anns:     map[string]string{IdleReplicaCountKey: "-1"},
		wantKeys: []string{IdleReplicaCountKey},
	}, {
		name:     "idle replica count not below min",
		anns:     custom(map[string]string{IdleReplicaCountKey: "1"}),
		wantKeys: []string{IdleReplicaCountKey},
		wantMsg:  []string{"IdleReplicaCount=1"},
	}, {
		name:     "fallback threshold without replicas",
		anns:     custom(map[string]string{FallbackFailureThresholdKey: "3"}),
		wantKeys: []string{FallbackReplicasKey},
	}, {
		name:     "fallback replicas without threshold",
		anns:     custom(map[string]string{FallbackReplicasKey: "3"}),
		wantKeys: []string{FallbackFailureThresholdKey},
	}, {
		name:     "fallback of zero failures",
		anns:     custom(map[string]string{FallbackFailureThresholdKey: "0", FallbackReplicasKey: "3"}),
		wantKeys: []string{FallbackFailureThresholdKey},
	}, {
		name:     "fallback on cpu",
		anns:     map[string]string{FallbackFailureThresholdKey: "3", FallbackReplicasKey: "2"},
		wantKeys: []string{FallbackFailureThresholdKey, FallbackReplicasKey},
		wantMsg:  []string{"not cpu or memory"},
	}, {
		name:     "paused not a bool",
		anns:     map[string]string{PausedKey: "maybe"},
		wantKeys: []string{PausedKey},
	}, {
		name:     "override that is not JSON",
		anns:     map[string]string{OverrideKey: `{"spec":`},
		wantKeys: []string{OverrideKey},
	}, {
		name:     "override pointing at another deployment",
		anns:     map[string]string{OverrideKey: `{"spec":{"scaleTargetRef":{"name":"payments"}}}`},
		wantKeys: []string{OverrideKey},
		wantMsg:  []string{`"payments"`, "revision's own Deployment"},
	}, {
		name:     "override pointing at another kind",
		anns:     map[string]string{OverrideKey: `{"spec":{"scaleTargetRef":{"kind":"StatefulSet","name":"checkout-00001-deployment"}}}`},
		wantKeys: []string{OverrideKey},
	}, {
		name:     "override moving to another namespace",
		anns:     map[string]string{OverrideKey: `{"metadata":{"namespace":"kube-system"}}`},
		wantKeys: []string{OverrideKey},
		wantMsg:  []string{"kube-system"},
	}, {
		name:     "override renaming the object",
		anns:     map[string]string{OverrideKey: `{"metadata":{"name":"other"}}`},
		wantKeys: []string{OverrideKey},
	}, {
		name:     "override renaming the HPA",
		anns:     map[string]string{OverrideKey: `{"spec":{"advanced":{"horizontalPodAutoscalerConfig":{"name":"other"}}}}`},
		wantKeys: []string{OverrideKey},
	}, {
		name:     "override with owners",
		anns:     map[string]string{OverrideKey: `{"metadata":{"ownerReferences":[{"apiVersion":"v1","kind":"Namespace","name":"x","uid":"u"}]}}`},
		wantKeys: []string{OverrideKey},
	}, {
		name:     "override with finalizers",
		anns:     map[string]string{OverrideKey: `{"metadata":{"finalizers":["hold"]}}`},
		wantKeys: []string{OverrideKey},
	}, {
		name:     "override with a reserved label",
		anns:     map[string]string{OverrideKey: `{"metadata":{"labels":{"app.kubernetes.io/part-of":"x"}}}`},
		wantKeys: []string{OverrideKey},
	}, {
		name:     "override with min above max",
		anns:     map[string]string{OverrideKey: `{"spec":{"minReplicaCount":5,"maxReplicaCount":2}}`},
		wantKeys: []string{OverrideKey},
		wantMsg:  []string{"MinReplicaCount=5"},
	}, {
		name:     "override with a cluster trigger authentication",
		anns:     map[string]string{OverrideKey: `{"spec":{"triggers":[{"type":"prometheus","metadata":{},"authenticationRef":{"name":"root","kind":"ClusterTriggerAuthentication"}}]}}`},
		wantKeys: []string{OverrideKey},
	}, {
		name:     "JSON too large",
		anns:     map[string]string{ExtraTriggersKey: huge},
		wantKeys: []string{ExtraTriggersKey},
		wantMsg:  []string{"bytes; at most"},
	}, {
		name:     "JSON too deep",
		anns:     map[string]string{OverrideKey: deep},
		wantKeys: []string{OverrideKey},
		wantMsg:  []string{"levels deep"},
	}, {
		name:     "query too large",
		anns:     custom(map[string]string{PrometheusQueryKey: strings.Repeat("x", maxQueryBytes+1)}),
		wantKeys: []string{PrometheusQueryKey},
	}, {
		name:     "every bad annotation is reported at once",
		anns:     custom(map[string]string{MetricTypeKey: "Utilization", PollingIntervalKey: "x", PausedKey: "x"}),
		wantKeys: []string{PausedKey, PollingIntervalKey, MetricTypeKey},
	}}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := pa(tc.anns)
			if tc.name == "template using a label the revision lacks" {
				delete(p.Labels, "serving.knative.dev/service")
			}
			so, err := ScaledObject(p, testConfig(t, tc.autoscaler, tc.keda))
			if err == nil {
				t.Fatalf("ScaledObject() = %+v, want an error", so.Spec)
			}
			if so != nil {
				t.Errorf("ScaledObject() returned an object with its error")
			}
			if diff := cmp.Diff(tc.wantKeys, Keys(err)); diff != "" {
				t.Errorf("Keys(%q) (-want, +got):\n%s", err, diff)
			}
			for _, m := range tc.wantMsg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not contain %q", err, m)
				}
			}
			if tc.wantReason != "" && Reason(err) != tc.wantReason {
				t.Errorf("Reason() = %q, want %q", Reason(err), tc.wantReason)
			}
		})
	}
}

func TestErrorsShortenLongValues(t *testing.T) {
	_, err := ScaledObject(pa(map[string]string{ScaleUpRulesKey: strings.Repeat("z", 5000)}), testConfig(t, nil, nil))
	if err == nil {
		t.Fatal("want an error")
	}
	if len(err.Error()) > 1000 {
		t.Errorf("error is %d bytes long; a condition message should not repeat the whole value", len(err.Error()))
	}
}
