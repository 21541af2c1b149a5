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

// Package translatetest holds the annotations the translation refuses, with
// the condition reason and message each must produce, for the unit tests of
// pkg/translate and for the integration tests that check the same refusals
// on a live PodAutoscaler: one table, so the two cannot drift apart.
//
// The messages are literal, in testdata/invalid.golden: reviewed text, not
// computed by the code under test. `go test ./pkg/translate -run
// TestInvalidCases -update` rewrites the file after a deliberate change of
// wording; review its diff.
package translatetest

import (
	_ "embed"
	"encoding/json"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/serving/pkg/apis/autoscaling"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	"knative.dev/serving/pkg/apis/serving"

	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/pkg/translate"
)

// The revision every case applies to.
const (
	Revision      = "checkout-00001"
	Service       = "checkout"
	PromAddress   = "http://prometheus.monitoring.svc:9090"
	Query         = `sum(rate(http_requests_total{namespace="{{.Namespace}}",revision="{{.Revision}}"}[1m]))`
	CustomMetric  = "http_requests_per_second"
	ServiceLabel  = serving.ServiceLabelKey
	deploymentFor = "-deployment"
)

// Case is a revision the translation refuses.
type Case struct {
	Name string
	// Annotations of the revision (the class is added by PodAutoscaler).
	Annotations map[string]string
	// Autoscaler and KEDA are the data of config-autoscaler and
	// config-autoscaler-keda the revision is refused under.
	Autoscaler map[string]string
	KEDA       map[string]string
	// DropLabels are removed from the revision's usual labels.
	DropLabels []string
	// Keys are the annotations the error names, sorted.
	Keys []string
	// Reason is the condition reason, when the case pins it.
	Reason string
}

// Want is what a Case must produce, from testdata/invalid.golden.
type Want struct {
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

//go:embed testdata/invalid.golden
var golden []byte

// Golden returns the reviewed reason and message of every case, by name.
func Golden() map[string]Want {
	out := map[string]Want{}
	if err := json.Unmarshal(golden, &out); err != nil {
		panic("translatetest: testdata/invalid.golden: " + err.Error())
	}
	return out
}

// GoldenPath is the golden file's path from pkg/translate, for -update.
const GoldenPath = "translatetest/testdata/invalid.golden"

// PodAutoscaler is the revision's PodAutoscaler as Serving makes it, in ns,
// with anns and the hpa class.
func PodAutoscaler(ns string, anns map[string]string, dropLabels ...string) *autoscalingv1alpha1.PodAutoscaler {
	all := map[string]string{autoscaling.ClassAnnotationKey: autoscaling.HPA}
	for k, v := range anns {
		all[k] = v
	}
	labels := map[string]string{
		serving.RevisionLabelKey:      Revision,
		serving.ConfigurationLabelKey: Service,
		serving.ServiceLabelKey:       Service,
	}
	for _, l := range dropLabels {
		delete(labels, l)
	}
	return &autoscalingv1alpha1.PodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: Revision, Namespace: ns, UID: "4a1c-uid", Labels: labels, Annotations: all},
		Spec: autoscalingv1alpha1.PodAutoscalerSpec{
			ScaleTargetRef: corev1.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: Revision + deploymentFor},
		},
	}
}

// Workload is the revision's Deployment as Serving v0.48 makes it for a
// Knative Service whose container requests cpu and memory: user-container,
// and queue-proxy with Serving's default sidecar request (25m cpu, no memory).
func Workload() *translate.Workload {
	return &translate.Workload{Name: Revision + deploymentFor, Containers: []translate.Container{
		{Name: "user-container", Ports: true, Sized: []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory}},
		{Name: translate.QueueProxyContainer, Ports: true, Sized: []corev1.ResourceName{corev1.ResourceCPU}},
	}}
}

// Custom is a custom-metric revision's annotations with extra set ("" removes one).
func Custom(extra map[string]string) map[string]string {
	m := map[string]string{
		autoscaling.MetricAnnotationKey:          CustomMetric,
		autoscaling.TargetAnnotationKey:          "10",
		translate.PrometheusQueryAnnotationKey:   Query,
		translate.PrometheusAddressAnnotationKey: PromAddress,
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

var (
	deep = strings.Repeat("[", translate.MaxJSONDepth+1) + strings.Repeat("]", translate.MaxJSONDepth+1)
	huge = `[{"type":"prometheus","metadata":{"query":"` + strings.Repeat("x", translate.MaxJSONBytes) + `"}}]`
	_    = config.PrometheusAddressKey
)

// Cases are the refused revisions.
var Cases = []Case{{
	Name:        "non-numeric target",
	Annotations: map[string]string{autoscaling.TargetAnnotationKey: "lots"},
	Keys:        []string{autoscaling.TargetAnnotationKey},
	Reason:      "InvalidTarget",
}, {
	Name:        "negative target",
	Annotations: map[string]string{autoscaling.TargetAnnotationKey: "-5"},
	Keys:        []string{autoscaling.TargetAnnotationKey},
}, {
	Name:        "NaN target",
	Annotations: map[string]string{autoscaling.TargetAnnotationKey: "NaN"},
	Keys:        []string{autoscaling.TargetAnnotationKey},
}, {
	Name:        "infinite target",
	Annotations: map[string]string{autoscaling.TargetAnnotationKey: "+Inf"},
	Keys:        []string{autoscaling.TargetAnnotationKey},
}, {
	Name:        "absurd cpu target",
	Annotations: map[string]string{autoscaling.TargetAnnotationKey: "1e300"},
	Keys:        []string{autoscaling.TargetAnnotationKey},
}, {
	Name:        "non-numeric min-scale",
	Annotations: map[string]string{autoscaling.MinScaleAnnotationKey: "one"},
	Keys:        []string{autoscaling.MinScaleAnnotationKey},
	Reason:      "InvalidMinScale",
}, {
	Name:        "negative max-scale",
	Annotations: map[string]string{autoscaling.MaxScaleAnnotationKey: "-1"},
	Keys:        []string{autoscaling.MaxScaleAnnotationKey},
}, {
	Name:        "min above max",
	Annotations: map[string]string{autoscaling.MinScaleAnnotationKey: "5", autoscaling.MaxScaleAnnotationKey: "2"},
	Keys:        []string{autoscaling.MaxScaleAnnotationKey, autoscaling.MinScaleAnnotationKey},
	Reason:      "InvalidAnnotations",
}, {
	Name:        "max above config's max-scale-limit",
	Annotations: map[string]string{autoscaling.MaxScaleAnnotationKey: "50"},
	Autoscaler:  map[string]string{"max-scale-limit": "20", "max-scale": "10"},
	Keys:        []string{autoscaling.MaxScaleAnnotationKey},
}, {
	Name:        "zero initial-scale not allowed by the cluster",
	Annotations: map[string]string{autoscaling.InitialScaleAnnotationKey: "0"},
	Keys:        []string{autoscaling.InitialScaleAnnotationKey},
	Reason:      "InvalidInitialScale",
}, {
	Name:        "bad window",
	Annotations: map[string]string{autoscaling.WindowAnnotationKey: "1s"},
	Keys:        []string{autoscaling.WindowAnnotationKey},
}, {
	Name:        "bad scale-down-delay",
	Annotations: map[string]string{autoscaling.ScaleDownDelayAnnotationKey: "soon"},
	Keys:        []string{autoscaling.ScaleDownDelayAnnotationKey},
}, {
	Name:        "unknown metric-type",
	Annotations: map[string]string{translate.MetricTypeAnnotationKey: "Average"},
	Keys:        []string{translate.MetricTypeAnnotationKey},
	Reason:      "InvalidMetricType",
}, {
	Name:        "Value for cpu",
	Annotations: map[string]string{translate.MetricTypeAnnotationKey: "Value", autoscaling.TargetAnnotationKey: "5"},
	Keys:        []string{translate.MetricTypeAnnotationKey},
}, {
	Name:        "Value for memory",
	Annotations: map[string]string{autoscaling.MetricAnnotationKey: "memory", translate.MetricTypeAnnotationKey: "Value"},
	Keys:        []string{translate.MetricTypeAnnotationKey},
}, {
	Name:        "Utilization for a custom metric",
	Annotations: Custom(map[string]string{translate.MetricTypeAnnotationKey: "Utilization"}),
	Keys:        []string{translate.MetricTypeAnnotationKey},
}, {
	Name:        "cpu AverageValue without target",
	Annotations: map[string]string{translate.MetricTypeAnnotationKey: "AverageValue"},
	Keys:        []string{autoscaling.TargetAnnotationKey},
}, {
	Name:        "activation threshold on cpu",
	Annotations: map[string]string{translate.ActivationThresholdAnnotationKey: "1"},
	Keys:        []string{translate.ActivationThresholdAnnotationKey},
}, {
	Name:        "custom metric without query",
	Annotations: Custom(map[string]string{translate.PrometheusQueryAnnotationKey: ""}),
	Keys:        []string{translate.PrometheusQueryAnnotationKey},
}, {
	Name:        "custom metric without target",
	Annotations: Custom(map[string]string{autoscaling.TargetAnnotationKey: ""}),
	Keys:        []string{autoscaling.TargetAnnotationKey},
}, {
	Name:        "custom metric without any address",
	Annotations: Custom(map[string]string{translate.PrometheusAddressAnnotationKey: ""}),
	Keys:        []string{translate.PrometheusAddressAnnotationKey},
}, {
	Name:        "address that is not http",
	Annotations: Custom(map[string]string{translate.PrometheusAddressAnnotationKey: "ftp://prom:21"}),
	Keys:        []string{translate.PrometheusAddressAnnotationKey},
}, {
	Name:        "address without host",
	Annotations: Custom(map[string]string{translate.PrometheusAddressAnnotationKey: "http://"}),
	Keys:        []string{translate.PrometheusAddressAnnotationKey},
}, {
	Name:        "address with credentials",
	Annotations: Custom(map[string]string{translate.PrometheusAddressAnnotationKey: "http://u:p@prom:9090"}),
	Keys:        []string{translate.PrometheusAddressAnnotationKey},
}, {
	Name:        "template that does not parse",
	Annotations: Custom(map[string]string{translate.PrometheusQueryAnnotationKey: "sum({{.Revision)"}),
	Keys:        []string{translate.PrometheusQueryAnnotationKey},
}, {
	Name:        "template with an unknown field",
	Annotations: Custom(map[string]string{translate.PrometheusQueryAnnotationKey: "sum(x{a=\"{{.Secret}}\"})"}),
	Keys:        []string{translate.PrometheusQueryAnnotationKey},
}, {
	Name:        "template calling a function",
	Annotations: Custom(map[string]string{translate.PrometheusQueryAnnotationKey: `{{printf "%s" .Revision}}`}),
	Keys:        []string{translate.PrometheusQueryAnnotationKey},
}, {
	Name:        "template with an unbounded range",
	Annotations: Custom(map[string]string{translate.PrometheusQueryAnnotationKey: `{{range 1000000000}}x{{end}}`}),
	Keys:        []string{translate.PrometheusQueryAnnotationKey},
}, {
	Name:        "template defining templates",
	Annotations: Custom(map[string]string{translate.PrometheusQueryAnnotationKey: `{{define "a"}}{{template "a"}}{{end}}{{template "a"}}`}),
	Keys:        []string{translate.PrometheusQueryAnnotationKey},
}, {
	Name:        "template using a label the revision lacks",
	Annotations: Custom(map[string]string{translate.PrometheusQueryAnnotationKey: `sum(x{service="{{.Service}}"})`}),
	DropLabels:  []string{ServiceLabel},
	Keys:        []string{translate.PrometheusQueryAnnotationKey},
}, {
	Name:        "bad trigger name",
	Annotations: Custom(map[string]string{translate.PrometheusTriggerNameAnnotationKey: "my trigger"}),
	Keys:        []string{translate.PrometheusTriggerNameAnnotationKey},
}, {
	Name:        "bad activation threshold",
	Annotations: Custom(map[string]string{translate.ActivationThresholdAnnotationKey: "-1"}),
	Keys:        []string{translate.ActivationThresholdAnnotationKey},
}, {
	Name:        "auth name without modes",
	Annotations: Custom(map[string]string{translate.PrometheusAuthNameAnnotationKey: "creds"}),
	Keys:        []string{translate.PrometheusAuthModesAnnotationKey},
}, {
	Name:        "auth modes without name",
	Annotations: Custom(map[string]string{translate.PrometheusAuthModesAnnotationKey: "basic"}),
	Keys:        []string{translate.PrometheusAuthNameAnnotationKey},
}, {
	Name:        "auth kind without name",
	Annotations: Custom(map[string]string{translate.PrometheusAuthKindAnnotationKey: "TriggerAuthentication", translate.PrometheusAuthModesAnnotationKey: "basic"}),
	Keys:        []string{translate.PrometheusAuthNameAnnotationKey},
}, {
	Name:        "unknown auth kind",
	Annotations: Custom(map[string]string{translate.PrometheusAuthNameAnnotationKey: "c", translate.PrometheusAuthModesAnnotationKey: "basic", translate.PrometheusAuthKindAnnotationKey: "Secret"}),
	Keys:        []string{translate.PrometheusAuthKindAnnotationKey},
	Reason:      "InvalidTriggerPrometheusAuthKind",
}, {
	Name:        "unknown auth mode",
	Annotations: Custom(map[string]string{translate.PrometheusAuthNameAnnotationKey: "c", translate.PrometheusAuthModesAnnotationKey: "basic,oauth"}),
	Keys:        []string{translate.PrometheusAuthModesAnnotationKey},
}, {
	Name:        "cluster trigger authentication not allowed by default",
	Annotations: Custom(map[string]string{translate.PrometheusAuthNameAnnotationKey: "admin-creds", translate.PrometheusAuthModesAnnotationKey: "bearer", translate.PrometheusAuthKindAnnotationKey: "ClusterTriggerAuthentication"}),
	Keys:        []string{translate.PrometheusAuthNameAnnotationKey},
}, {
	Name:        "cluster trigger authentication outside the allow-list",
	Annotations: Custom(map[string]string{translate.PrometheusAuthNameAnnotationKey: "admin-creds", translate.PrometheusAuthModesAnnotationKey: "bearer", translate.PrometheusAuthKindAnnotationKey: "ClusterTriggerAuthentication"}),
	KEDA:        map[string]string{config.ClusterTriggerAuthAllowedKey: "shared-prom"},
	Keys:        []string{translate.PrometheusAuthNameAnnotationKey},
}, {
	Name:        "extra triggers that are not JSON",
	Annotations: map[string]string{translate.ExtraTriggersAnnotationKey: `[{"type":`},
	Keys:        []string{translate.ExtraTriggersAnnotationKey},
}, {
	Name:        "extra triggers with a misspelt field",
	Annotations: map[string]string{translate.ExtraTriggersAnnotationKey: `[{"type":"prometheus","metdata":{}}]`},
	Keys:        []string{translate.ExtraTriggersAnnotationKey},
}, {
	Name:        "extra trigger without type",
	Annotations: map[string]string{translate.ExtraTriggersAnnotationKey: `[{"metadata":{}}]`},
	Keys:        []string{translate.ExtraTriggersAnnotationKey},
}, {
	Name:        "extra trigger with Utilization on an external metric",
	Annotations: map[string]string{translate.ExtraTriggersAnnotationKey: `[{"type":"prometheus","metricType":"Utilization","metadata":{"serverAddress":"http://p:9090","query":"up","threshold":"1"}}]`},
	Keys:        []string{translate.ExtraTriggersAnnotationKey},
}, {
	Name:        "extra trigger borrowing a cluster trigger authentication",
	Annotations: map[string]string{translate.ExtraTriggersAnnotationKey: `[{"type":"prometheus","metadata":{"serverAddress":"http://p:9090","query":"up","threshold":"1"},"authenticationRef":{"name":"root","kind":"ClusterTriggerAuthentication"}}]`},
	Keys:        []string{translate.ExtraTriggersAnnotationKey},
}, {
	Name:        "extra trigger with a duplicate name",
	Annotations: Custom(map[string]string{translate.ExtraTriggersAnnotationKey: `[{"type":"prometheus","name":"http_requests_per_second","metadata":{"serverAddress":"http://p:9090","query":"up","threshold":"1"}}]`}),
	Keys:        []string{translate.ExtraTriggersAnnotationKey},
}, {
	Name:        "scaling modifiers that are not JSON",
	Annotations: Custom(map[string]string{translate.ScalingModifiersAnnotationKey: `formula: a+b`}),
	Keys:        []string{translate.ScalingModifiersAnnotationKey},
}, {
	Name:        "scaling modifiers without formula",
	Annotations: Custom(map[string]string{translate.ScalingModifiersAnnotationKey: `{"target":"2"}`}),
	Keys:        []string{translate.ScalingModifiersAnnotationKey},
}, {
	Name:        "formula naming an unknown trigger",
	Annotations: Custom(map[string]string{translate.ScalingModifiersAnnotationKey: `{"formula":"http_requests_per_second + queue","target":"2"}`}),
	Keys:        []string{translate.ScalingModifiersAnnotationKey},
}, {
	Name:        "formula building a huge range",
	Annotations: Custom(map[string]string{translate.ScalingModifiersAnnotationKey: `{"formula":"len(1..1000000000) + http_requests_per_second","target":"2"}`}),
	Keys:        []string{translate.ScalingModifiersAnnotationKey},
}, {
	Name:        "formula repeating strings",
	Annotations: Custom(map[string]string{translate.ScalingModifiersAnnotationKey: `{"formula":"float(len(repeat(\"x\", 1000000000)))","target":"2"}`}),
	Keys:        []string{translate.ScalingModifiersAnnotationKey},
}, {
	Name:        "formula mapping over a collection",
	Annotations: Custom(map[string]string{translate.ScalingModifiersAnnotationKey: `{"formula":"sum(map([1,2], # * http_requests_per_second))","target":"2"}`}),
	Keys:        []string{translate.ScalingModifiersAnnotationKey},
}, {
	Name:        "override formula building a huge range",
	Annotations: Custom(map[string]string{translate.OverrideAnnotationKey: `{"spec":{"advanced":{"scalingModifiers":{"formula":"len(1..1000000000)","target":"2"}}}}`}),
	Keys:        []string{translate.OverrideAnnotationKey},
}, {
	Name:        "formula without target",
	Annotations: Custom(map[string]string{translate.ScalingModifiersAnnotationKey: `{"formula":"http_requests_per_second"}`}),
	Keys:        []string{translate.ScalingModifiersAnnotationKey},
}, {
	Name:        "scale-up rules that are not JSON",
	Annotations: map[string]string{translate.ScaleUpRulesAnnotationKey: `fast`},
	Keys:        []string{translate.ScaleUpRulesAnnotationKey},
}, {
	Name:        "scale-down rules with bad policies",
	Annotations: map[string]string{translate.ScaleDownRulesAnnotationKey: `{"stabilizationWindowSeconds":4000,"selectPolicy":"Most","policies":[{"type":"Nodes","value":0,"periodSeconds":0}]}`},
	Keys:        []string{translate.ScaleDownRulesAnnotationKey},
}, {
	Name:        "scale-up rules without policies",
	Annotations: map[string]string{translate.ScaleUpRulesAnnotationKey: `{"stabilizationWindowSeconds":10}`},
	Keys:        []string{translate.ScaleUpRulesAnnotationKey},
}, {
	Name:        "bad polling interval",
	Annotations: map[string]string{translate.PollingIntervalAnnotationKey: "often"},
	Keys:        []string{translate.PollingIntervalAnnotationKey},
}, {
	Name:        "zero polling interval",
	Annotations: map[string]string{translate.PollingIntervalAnnotationKey: "0"},
	Keys:        []string{translate.PollingIntervalAnnotationKey},
}, {
	Name:        "fractional cooldown",
	Annotations: map[string]string{translate.CooldownPeriodAnnotationKey: "1.5s"},
	Keys:        []string{translate.CooldownPeriodAnnotationKey},
}, {
	Name:        "negative idle replica count",
	Annotations: map[string]string{translate.IdleReplicaCountAnnotationKey: "-1"},
	Keys:        []string{translate.IdleReplicaCountAnnotationKey},
}, {
	Name:        "idle replica count not below min",
	Annotations: Custom(map[string]string{translate.IdleReplicaCountAnnotationKey: "1"}),
	Keys:        []string{translate.IdleReplicaCountAnnotationKey},
}, {
	Name:        "fallback threshold without replicas",
	Annotations: Custom(map[string]string{translate.FallbackFailureThresholdAnnotationKey: "3"}),
	Keys:        []string{translate.FallbackReplicasAnnotationKey},
}, {
	Name:        "fallback replicas without threshold",
	Annotations: Custom(map[string]string{translate.FallbackReplicasAnnotationKey: "3"}),
	Keys:        []string{translate.FallbackFailureThresholdAnnotationKey},
}, {
	Name:        "fallback of zero failures",
	Annotations: Custom(map[string]string{translate.FallbackFailureThresholdAnnotationKey: "0", translate.FallbackReplicasAnnotationKey: "3"}),
	Keys:        []string{translate.FallbackFailureThresholdAnnotationKey},
}, {
	Name:        "fallback on cpu",
	Annotations: map[string]string{translate.FallbackFailureThresholdAnnotationKey: "3", translate.FallbackReplicasAnnotationKey: "2"},
	Keys:        []string{translate.FallbackFailureThresholdAnnotationKey, translate.FallbackReplicasAnnotationKey},
}, {
	Name:        "paused not a bool",
	Annotations: map[string]string{translate.PausedAnnotationKey: "maybe"},
	Keys:        []string{translate.PausedAnnotationKey},
}, {
	Name:        "override that is not JSON",
	Annotations: map[string]string{translate.OverrideAnnotationKey: `{"spec":`},
	Keys:        []string{translate.OverrideAnnotationKey},
}, {
	Name:        "override pointing at another deployment",
	Annotations: map[string]string{translate.OverrideAnnotationKey: `{"spec":{"scaleTargetRef":{"name":"payments"}}}`},
	Keys:        []string{translate.OverrideAnnotationKey},
}, {
	Name:        "override pointing at another kind",
	Annotations: map[string]string{translate.OverrideAnnotationKey: `{"spec":{"scaleTargetRef":{"kind":"StatefulSet","name":"checkout-00001-deployment"}}}`},
	Keys:        []string{translate.OverrideAnnotationKey},
}, {
	Name:        "override moving to another namespace",
	Annotations: map[string]string{translate.OverrideAnnotationKey: `{"metadata":{"namespace":"kube-system"}}`},
	Keys:        []string{translate.OverrideAnnotationKey},
}, {
	Name:        "override renaming the object",
	Annotations: map[string]string{translate.OverrideAnnotationKey: `{"metadata":{"name":"other"}}`},
	Keys:        []string{translate.OverrideAnnotationKey},
}, {
	Name:        "override renaming the HPA",
	Annotations: map[string]string{translate.OverrideAnnotationKey: `{"spec":{"advanced":{"horizontalPodAutoscalerConfig":{"name":"other"}}}}`},
	Keys:        []string{translate.OverrideAnnotationKey},
}, {
	Name:        "override with owners",
	Annotations: map[string]string{translate.OverrideAnnotationKey: `{"metadata":{"ownerReferences":[{"apiVersion":"v1","kind":"Namespace","name":"x","uid":"u"}]}}`},
	Keys:        []string{translate.OverrideAnnotationKey},
}, {
	Name:        "override with finalizers",
	Annotations: map[string]string{translate.OverrideAnnotationKey: `{"metadata":{"finalizers":["hold"]}}`},
	Keys:        []string{translate.OverrideAnnotationKey},
}, {
	Name:        "override with a reserved label",
	Annotations: map[string]string{translate.OverrideAnnotationKey: `{"metadata":{"labels":{"app.kubernetes.io/part-of":"x"}}}`},
	Keys:        []string{translate.OverrideAnnotationKey},
}, {
	Name:        "override with min above max",
	Annotations: map[string]string{translate.OverrideAnnotationKey: `{"spec":{"minReplicaCount":5,"maxReplicaCount":2}}`},
	Keys:        []string{translate.OverrideAnnotationKey},
}, {
	Name:        "override with a cluster trigger authentication",
	Annotations: map[string]string{translate.OverrideAnnotationKey: `{"spec":{"triggers":[{"type":"prometheus","metadata":{"serverAddress":"http://p:9090","query":"up","threshold":"1"},"authenticationRef":{"name":"root","kind":"ClusterTriggerAuthentication"}}]}}`},
	Keys:        []string{translate.OverrideAnnotationKey},
}, {
	Name:        "JSON too large",
	Annotations: map[string]string{translate.ExtraTriggersAnnotationKey: huge},
	Keys:        []string{translate.ExtraTriggersAnnotationKey},
}, {
	Name:        "JSON too deep",
	Annotations: map[string]string{translate.OverrideAnnotationKey: deep},
	Keys:        []string{translate.OverrideAnnotationKey},
}, {
	Name:        "query too large",
	Annotations: Custom(map[string]string{translate.PrometheusQueryAnnotationKey: strings.Repeat("x", translate.MaxQueryBytes+1)}),
	Keys:        []string{translate.PrometheusQueryAnnotationKey},
}, {
	Name:        "every bad annotation is reported at once",
	Annotations: Custom(map[string]string{translate.MetricTypeAnnotationKey: "Utilization", translate.PollingIntervalAnnotationKey: "x", translate.PausedAnnotationKey: "x"}),
	Keys:        []string{translate.PausedAnnotationKey, translate.PollingIntervalAnnotationKey, translate.MetricTypeAnnotationKey},
}, {
	// What KEDA would accept and then not do, or refuse later: issue 10.
	Name:        "idle replica count with cpu alone",
	Annotations: map[string]string{translate.IdleReplicaCountAnnotationKey: "0"},
	Keys:        []string{translate.IdleReplicaCountAnnotationKey},
	Reason:      "InvalidKedaIdleReplicaCount",
}, {
	Name:        "override to zero replicas with memory alone",
	Annotations: map[string]string{autoscaling.MetricAnnotationKey: "memory", translate.OverrideAnnotationKey: `{"spec":{"minReplicaCount":0}}`},
	Keys:        []string{translate.OverrideAnnotationKey},
}, {
	Name:        "extra cpu trigger whose value KEDA cannot parse",
	Annotations: Custom(map[string]string{translate.ExtraTriggersAnnotationKey: `[{"type":"cpu","metricType":"AverageValue","metadata":{"value":"abc"}}]`}),
	Keys:        []string{translate.ExtraTriggersAnnotationKey},
}, {
	Name:        "extra memory trigger without a metric type",
	Annotations: Custom(map[string]string{translate.ExtraTriggersAnnotationKey: `[{"type":"memory","metadata":{"value":"80"}}]`}),
	Keys:        []string{translate.ExtraTriggersAnnotationKey},
}, {
	Name:        "extra cpu trigger with a zero utilization",
	Annotations: Custom(map[string]string{translate.ExtraTriggersAnnotationKey: `[{"type":"cpu","metricType":"Utilization","metadata":{"value":"0"}}]`}),
	Keys:        []string{translate.ExtraTriggersAnnotationKey},
}, {
	Name:        "extra prometheus trigger without a query",
	Annotations: Custom(map[string]string{translate.ExtraTriggersAnnotationKey: `[{"type":"prometheus","metadata":{"serverAddress":"http://p:9090","threshold":"1"}}]`}),
	Keys:        []string{translate.ExtraTriggersAnnotationKey},
}, {
	Name:        "extra prometheus trigger with a word for a threshold",
	Annotations: Custom(map[string]string{translate.ExtraTriggersAnnotationKey: `[{"type":"prometheus","metadata":{"serverAddress":"http://p:9090","query":"up","threshold":"ten"}}]`}),
	Keys:        []string{translate.ExtraTriggersAnnotationKey},
}, {
	Name:        "extra cpu trigger on a container the pod lacks",
	Annotations: Custom(map[string]string{translate.ExtraTriggersAnnotationKey: `[{"type":"cpu","metricType":"Utilization","metadata":{"value":"70","containerName":"sidecar"}}]`}),
	Keys:        []string{translate.ExtraTriggersAnnotationKey},
}, {
	// Spellings of users carried over (docs/migration.md).
	Name:        "query in both spellings",
	Annotations: Custom(map[string]string{translate.LegacyQueryAnnotationKey: "sum(up)"}),
	Keys:        []string{translate.LegacyQueryAnnotationKey},
}, {
	Name:        "min-scale in both spellings",
	Annotations: map[string]string{autoscaling.MinScaleAnnotationKey: "1", autoscaling.GroupName + "/minScale": "2"},
	Keys:        []string{autoscaling.GroupName + "/minScale"},
}, {
	Name:        "formula naming autoscaler-keda's default trigger",
	Annotations: Custom(map[string]string{translate.ScalingModifiersAnnotationKey: `{"formula":"default-trigger-custom * 2","target":"5"}`}),
	Keys:        []string{translate.ScalingModifiersAnnotationKey},
}}
