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
	"fmt"
	"math"
	"strconv"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	"knative.dev/pkg/apis"
	"knative.dev/serving/pkg/apis/autoscaling"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	"knative.dev/serving/pkg/autoscaler/config/autoscalerconfig"

	"github.com/serving-keda/serving-keda/pkg/config"
)

// Knative's request signal as a KEDA trigger (docs/requests.md,
// docs/scale-to-zero.md): KEDA's external-push scaler, served by this
// controller from Serving's own collector (every pod's queue-proxy and the
// activator) and decider. A revision gets it when it scales on requests
// (RequestMetric: its metric is concurrency or rps, with no PromQL query of
// its own), and when it may go to zero (ScaleToZero: minReplicaCount 0).
// The trigger is active while the revision has had requests within its
// stable window, while the activator holds requests for it, or while it is
// not yet safe to remove the last pod; its metric is the decider's desired
// pod count when the revision scales on requests, else the activator's
// demand, which only steers a wake from zero.
const (
	// DemandTriggerName names the trigger; a revision's own triggers may
	// not take the name.
	DemandTriggerName = "knative-requests"
	// DemandTriggerType is KEDA's external push scaler.
	DemandTriggerType = "external-push"
	// Metadata keys of the trigger: where KEDA dials, and which revision
	// it asks about (KEDA sends the metadata with every call).
	DemandScalerAddressKey = "scalerAddress"
	DemandNamespaceKey     = "namespace"
	DemandRevisionKey      = "revision"
	// DemandTargetKey is the requests per pod the demand metric aims at
	// (DemandTarget); DemandActivationScaleKey the revision's
	// activation-scale, when above 1.
	DemandTargetKey          = "targetConcurrency"
	DemandActivationScaleKey = "activationScale"
	// DemandMetricKey is the revision's metric (concurrency or rps) when
	// it scales on requests: the trigger then reports the desired pods.
	DemandMetricKey = "metric"
)

// RequestMetric is the request metric pa scales on through the request
// trigger: concurrency or rps, unless a prometheus-query of the
// revision's own asks for them from Prometheus (as before this trigger
// existed).
func RequestMetric(pa *autoscalingv1alpha1.PodAutoscaler) (string, bool) {
	m := pa.Annotations[autoscaling.MetricAnnotationKey]
	if m != autoscaling.Concurrency && m != autoscaling.RPS {
		return "", false
	}
	if _, _, ok := prometheusQuery.Get(pa.Annotations); ok {
		return "", false
	}
	return m, true
}

// DemandTarget is the requests per pod the demand trigger's metric aims
// at: the concurrency target the KPA would give the revision (its
// containerConcurrency, else container-concurrency-target-default, times
// container-concurrency-target-percentage or the revision's
// target-utilization-percentage). One per pod would ask for a pod per
// request held during a slow cold start. The revision's own target
// annotation is its own metric's, not this one's.
func DemandTarget(pa *autoscalingv1alpha1.PodAutoscaler, as *autoscalerconfig.Config) float64 {
	total := float64(pa.Spec.ContainerConcurrency)
	if total == 0 {
		total = as.ContainerConcurrencyTargetDefault
	}
	tu := as.ContainerConcurrencyTargetFraction
	if v, ok := pa.TargetUtilization(); ok {
		tu = v
	}
	return math.Max(autoscaling.TargetMin, total*tu)
}

// ScaleToZero reports whether pa may go to zero through the activator:
// config-autoscaler-keda names the scaler, config-autoscaler enables scale
// to zero, and the revision sets min-scale "0" itself. Serving's default
// min-scale (0) is not enough: under the HPA class it has always meant 1,
// and a revision changes behaviour only when it asks.
func ScaleToZero(pa *autoscalingv1alpha1.PodAutoscaler, cfg *config.Config) bool {
	if cfg.KEDA.ActivatorScalerAddress == "" || !cfg.Autoscaler.EnableScaleToZero {
		return false
	}
	_, v, ok := autoscaling.MinScaleAnnotation.Get(pa.Annotations)
	if !ok {
		return false
	}
	n, err := strconv.ParseInt(v, 10, 32)
	return err == nil && n == 0
}

// demandTrigger is the external-push trigger of a revision that scales on
// requests or may go to zero.
func demandTrigger(pa *autoscalingv1alpha1.PodAutoscaler, cfg *config.Config) kedav1alpha1.ScaleTriggers {
	t := kedav1alpha1.ScaleTriggers{
		Type: DemandTriggerType,
		Name: DemandTriggerName,
		Metadata: map[string]string{
			DemandScalerAddressKey: cfg.KEDA.ActivatorScalerAddress,
			DemandNamespaceKey:     pa.Namespace,
			DemandRevisionKey:      pa.Name,
			DemandTargetKey:        strconv.FormatFloat(DemandTarget(pa, cfg.Autoscaler), 'f', -1, 64),
		},
	}
	if n, ok := pa.ActivationScale(); ok && n > 1 {
		t.Metadata[DemandActivationScaleKey] = strconv.Itoa(int(n))
	}
	if m, ok := RequestMetric(pa); ok {
		// The decider aims at the revision's own target: the demand
		// target does not apply.
		t.Metadata[DemandMetricKey] = m
		delete(t.Metadata, DemandTargetKey)
	}
	return t
}

// hasDemandTrigger reports whether so still carries the revision's demand
// trigger (an override may replace every trigger).
func hasDemandTrigger(so *kedav1alpha1.ScaledObject, want kedav1alpha1.ScaleTriggers) bool {
	for _, t := range so.Spec.Triggers {
		if t.Type == want.Type && t.Name == want.Name &&
			t.Metadata[DemandScalerAddressKey] == want.Metadata[DemandScalerAddressKey] &&
			t.Metadata[DemandNamespaceKey] == want.Metadata[DemandNamespaceKey] &&
			t.Metadata[DemandRevisionKey] == want.Metadata[DemandRevisionKey] &&
			t.Metadata[DemandTargetKey] == want.Metadata[DemandTargetKey] &&
			t.Metadata[DemandActivationScaleKey] == want.Metadata[DemandActivationScaleKey] &&
			t.Metadata[DemandMetricKey] == want.Metadata[DemandMetricKey] {
			return true
		}
	}
	return false
}

// checkScaleToZero refuses what would let a min-scale "0" revision reach
// zero without the activator waking it, or never let it idle.
func checkScaleToZero(so *kedav1alpha1.ScaledObject, pa *autoscalingv1alpha1.PodAutoscaler, full *config.Config) *apis.FieldError {
	cfg := full.KEDA
	key, value, _ := autoscaling.MinScaleAnnotation.Get(pa.Annotations)
	if so.IsUsingModifiers() {
		return invalid(key, value, "scale to zero through the activator does not combine with scaling-modifiers: "+
			"KEDA would judge activity by the formula alone, and the activator's demand could not wake the revision")
	}
	if !hasDemandTrigger(so, demandTrigger(pa, full)) {
		return invalid(OverrideAnnotationKey, pa.Annotations[OverrideAnnotationKey], "replaces the triggers of a min-scale \"0\" revision: "+
			"keep the "+DemandTriggerName+" trigger, or the activator cannot wake the revision")
	}
	// A revision scaled on cpu or memory may go to zero too: KEDA counts
	// those triggers always active only when no other trigger is there,
	// and the request trigger's activity is the revision's requests.
	return checkCooldown(so, pa, cfg)
}

// HoldLead is how long, at least, KEDA's cooldown must outlast its polling
// interval for a revision that scales to zero. KEDA removes the last pod
// once cooldownPeriod has passed since its last active poll, and first
// says Active=False at its next poll, one polling interval later; in what
// is left this controller must see that, mark the revision idle, and push
// the hold that keeps the last pod until the activator is in the path (an
// informer event, a reconcile and a stream message: well under a second
// on a loaded controller).
const HoldLead = 3 * time.Second

// KEDA's defaults of pollingInterval and cooldownPeriod.
const (
	kedaDefaultPollingSeconds  = 30
	kedaDefaultCooldownSeconds = 300
)

// checkCooldown refuses a cooldown too short for the hold to reach KEDA.
func checkCooldown(so *kedav1alpha1.ScaledObject, pa *autoscalingv1alpha1.PodAutoscaler, cfg *config.KEDA) *apis.FieldError {
	polling, cooldown := int32(kedaDefaultPollingSeconds), int32(kedaDefaultCooldownSeconds)
	if p := so.Spec.PollingInterval; p != nil {
		polling = *p
	}
	if c := so.Spec.CooldownPeriod; c != nil {
		cooldown = *c
	}
	need := time.Duration(polling)*time.Second + HoldLead
	if time.Duration(cooldown)*time.Second >= need {
		return nil
	}
	why := fmt.Sprintf("a min-scale \"0\" revision needs a KEDA cooldown of at least its polling interval (%ds) + %v = %v: "+
		"KEDA removes the last pod once the cooldown has passed since its last active poll, "+
		"and the activator must be put in the revision's path before that", polling, HoldLead, need)
	key, value := CooldownPeriodAnnotationKey, pa.Annotations[CooldownPeriodAnnotationKey]
	switch {
	case value != "":
	case cfg.CooldownPeriod > 0 && int32(cfg.CooldownPeriod/time.Second) == cooldown:
		value = strconv.Itoa(int(cooldown))
		why += fmt.Sprintf(" (the cooldown is %s's %s: set this annotation, or raise that)", config.KEDAConfigName, config.CooldownPeriodKey)
	case pa.Annotations[OverrideAnnotationKey] != "":
		key, value = OverrideAnnotationKey, pa.Annotations[OverrideAnnotationKey]
	default:
		value = strconv.Itoa(int(cooldown))
	}
	return invalid(key, value, why)
}

// InitialTarget is the replica count a new revision must reach before it
// is initialized: max(min-scale, initial-scale), as Serving computes it.
func InitialTarget(pa *autoscalingv1alpha1.PodAutoscaler, as *autoscalerconfig.Config) int32 {
	minScale, _ := pa.ScaleBounds(as)
	initial := as.InitialScale
	if v, ok := pa.InitialScale(); ok && (v > 0 || as.AllowZeroInitialScale) {
		initial = v
	}
	return max(minScale, initial)
}
