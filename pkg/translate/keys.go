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

import "knative.dev/serving/pkg/apis/autoscaling"

// Annotation keys this package reads on a PodAutoscaler, beyond Serving's own
// (class, metric, target, min-scale, max-scale, initial-scale, window,
// scale-down-delay and their legacy camelCase forms). Serving copies a
// revision's annotations onto its PodAutoscaler, so users set them on the
// Knative Service template. The README's annotation reference gives each
// key's meaning, default and an example.
const (
	// MetricTypeAnnotationKey is the HPA target type: Utilization, AverageValue or Value.
	MetricTypeAnnotationKey = autoscaling.GroupName + "/metric-type"

	// PrometheusAddressAnnotationKey overrides config-autoscaler-keda's prometheus-address.
	PrometheusAddressAnnotationKey = autoscaling.GroupName + "/prometheus-address"
	// PrometheusQueryAnnotationKey is the PromQL query of a custom metric, a Go template
	// over QueryData.
	PrometheusQueryAnnotationKey = autoscaling.GroupName + "/prometheus-query"
	// PrometheusTriggerNameAnnotationKey names the custom metric's trigger, the name a
	// scaling-modifiers formula refers to it by.
	PrometheusTriggerNameAnnotationKey = autoscaling.GroupName + "/trigger-prometheus-name"
	// PrometheusAuthNameAnnotationKey, PrometheusAuthKindAnnotationKey and PrometheusAuthModesAnnotationKey
	// attach a (Cluster)TriggerAuthentication to the custom metric's trigger.
	PrometheusAuthNameAnnotationKey  = autoscaling.GroupName + "/trigger-prometheus-auth-name"
	PrometheusAuthKindAnnotationKey  = autoscaling.GroupName + "/trigger-prometheus-auth-kind"
	PrometheusAuthModesAnnotationKey = autoscaling.GroupName + "/trigger-prometheus-auth-modes"

	// ExtraTriggersAnnotationKey is a JSON list of further KEDA triggers.
	ExtraTriggersAnnotationKey = autoscaling.GroupName + "/extra-prometheus-triggers"
	// ScalingModifiersAnnotationKey is KEDA's advanced.scalingModifiers as JSON.
	ScalingModifiersAnnotationKey = autoscaling.GroupName + "/scaling-modifiers"

	// ScaleUpRulesAnnotationKey and ScaleDownRulesAnnotationKey are JSON HPAScalingRules that
	// replace the HPA behaviour of their direction.
	ScaleUpRulesAnnotationKey   = autoscaling.GroupName + "/hpa-scale-up-rules"
	ScaleDownRulesAnnotationKey = autoscaling.GroupName + "/hpa-scale-down-rules"

	// KEDA's own knobs.
	PollingIntervalAnnotationKey          = autoscaling.GroupName + "/keda-polling-interval"
	CooldownPeriodAnnotationKey           = autoscaling.GroupName + "/keda-cooldown-period"
	FallbackFailureThresholdAnnotationKey = autoscaling.GroupName + "/keda-fallback-failure-threshold"
	FallbackReplicasAnnotationKey         = autoscaling.GroupName + "/keda-fallback-replicas"
	IdleReplicaCountAnnotationKey         = autoscaling.GroupName + "/keda-idle-replica-count"
	ActivationThresholdAnnotationKey      = autoscaling.GroupName + "/keda-activation-threshold"
	PausedAnnotationKey                   = autoscaling.GroupName + "/keda-paused"

	// OverrideAnnotationKey is a JSON ScaledObject whose fields replace the computed ones.
	OverrideAnnotationKey = autoscaling.GroupName + "/scaled-object-override"
	// AutoCreateAnnotationKey says whether this controller creates the ScaledObject
	// ("true") or the user brings their own ("false").
	AutoCreateAnnotationKey = autoscaling.GroupName + "/scaled-object-auto-create"
)

// KEDAPausedAnnotation is KEDA's annotation that pauses autoscaling of a
// ScaledObject; keda-paused sets or removes it.
const KEDAPausedAnnotation = "autoscaling.keda.sh/paused"

// TransferHPAOwnershipAnnotation lets KEDA take over an HPA that already
// scales the revision: after the swap from Serving's autoscaler-hpa, every
// existing revision has one, named after the revision like KEDA's. KEDA's
// admission webhook refuses the ScaledObject without it.
const TransferHPAOwnershipAnnotation = "scaledobject.keda.sh/transfer-hpa-ownership"

// fallbackBehaviorStatic is the default of spec.fallback.behavior in KEDA's CRD.
const fallbackBehaviorStatic = "static"

// Labels KEDA puts on the HPA it creates; the controller finds a revision's
// HPA by them, so neither a PodAutoscaler's labels nor an override may set them.
const (
	// HPAManagedByLabel marks HPAs created by KEDA's operator.
	HPAManagedByLabel = "app.kubernetes.io/managed-by"
	// HPAManagedByValue is KEDA's value of HPAManagedByLabel.
	HPAManagedByValue = "keda-operator"
	// HPAScaledObjectLabel holds the name of the ScaledObject behind an HPA.
	HPAScaledObjectLabel = "app.kubernetes.io/part-of"
)

// Metric target types.
const (
	Utilization  = "Utilization"
	AverageValue = "AverageValue"
	Value        = "Value"
)

// Defaults, in the units of each metric.
const (
	// DefaultUtilization is the target, in percent of the pods' requests, when
	// a cpu or memory revision sets no target: the value Kubernetes gives an
	// HPA without metrics, which is what Serving's HPA class ends up with.
	DefaultUtilization = 80
)
