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
	"errors"
	"fmt"
	"strconv"
	"strings"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/api/resource"
	"knative.dev/pkg/apis"

	"github.com/serving-keda/serving-keda/pkg/config"
)

// extraTriggers reads extra-prometheus-triggers, a JSON list of KEDA triggers
// added after the revision's own.
func extraTriggers(anns map[string]string, cfg *config.KEDA) ([]kedav1alpha1.ScaleTriggers, *apis.FieldError) {
	v, ok := anns[ExtraTriggersAnnotationKey]
	if !ok {
		return nil, nil
	}
	var triggers []kedav1alpha1.ScaleTriggers
	if err := decodeJSON(v, &triggers); err != nil {
		return nil, invalidf(ExtraTriggersAnnotationKey, v, "not a JSON list of KEDA triggers: %v", err)
	}
	return triggers, checkTriggers(triggers, ExtraTriggersAnnotationKey, v, cfg)
}

// checkTriggers catches what the API server or KEDA would refuse later, with
// the annotation the triggers came from.
func checkTriggers(triggers []kedav1alpha1.ScaleTriggers, key, value string, cfg *config.KEDA) *apis.FieldError {
	var errs *apis.FieldError
	for i, t := range triggers {
		switch {
		case strings.TrimSpace(t.Type) == "":
			errs = errs.Also(invalidf(key, value, "trigger %d has no type", i))
		case t.Metadata == nil:
			errs = errs.Also(invalidf(key, value, "trigger %d (%s) has no metadata", i, t.Type))
		}
		switch t.MetricType {
		case "", autoscalingv2.UtilizationMetricType, autoscalingv2.AverageValueMetricType, autoscalingv2.ValueMetricType:
		default:
			errs = errs.Also(invalidf(key, value, "trigger %d has metricType %q; want Utilization, AverageValue or Value", i, t.MetricType))
		}
		if t.MetricType == autoscalingv2.UtilizationMetricType && t.Type != "cpu" && t.Type != "memory" {
			errs = errs.Also(invalidf(key, value, "trigger %d (%s): Utilization is only for cpu and memory", i, t.Type))
		}
		if err := checkTriggerMetadata(t); err != nil {
			errs = errs.Also(invalidf(key, value, "trigger %d (%s): %v", i, t.Type, err))
		}
		if t.AuthenticationRef != nil {
			switch t.AuthenticationRef.Kind {
			case "", triggerAuthKind, clusterTriggerAuthKind:
			default:
				errs = errs.Also(invalidf(key, value, "trigger %d: authenticationRef kind %q; want %s or %s",
					i, t.AuthenticationRef.Kind, triggerAuthKind, clusterTriggerAuthKind))
			}
			errs = errs.Also(checkAuthRef(t.AuthenticationRef, key, cfg))
		}
	}
	return errs
}

// scalingModifiers reads KEDA's advanced.scalingModifiers; the formula itself
// is compiled against the final triggers by checkWithKEDA.
func scalingModifiers(anns map[string]string) (*kedav1alpha1.ScalingModifiers, *apis.FieldError) {
	v, ok := anns[ScalingModifiersAnnotationKey]
	if !ok {
		return nil, nil
	}
	var sm kedav1alpha1.ScalingModifiers
	if err := decodeJSON(v, &sm); err != nil {
		return nil, invalidf(ScalingModifiersAnnotationKey, v, "not JSON of KEDA's scalingModifiers (formula, target, activationTarget, metricType): %v", err)
	}
	if strings.TrimSpace(sm.Formula) == "" {
		return nil, invalid(ScalingModifiersAnnotationKey, v, "formula is required")
	}
	if err := checkFormula(sm.Formula); err != nil {
		return nil, invalid(ScalingModifiersAnnotationKey, v, err.Error())
	}
	switch sm.MetricType {
	case "", autoscalingv2.AverageValueMetricType, autoscalingv2.ValueMetricType:
	default:
		return nil, invalid(ScalingModifiersAnnotationKey, v, fmt.Sprintf("metricType %q; want AverageValue or Value", sm.MetricType))
	}
	return &sm, nil
}

// checkTriggerMetadata parses a cpu, memory or prometheus trigger's metadata
// as KEDA's scaler will, and says why it would fail, or nil. KEDA learns of a
// bad value only when the operator builds the scaler (its cpu scaler even
// panics on an unparsable AverageValue), long after the webhook admitted the
// object; other trigger types are left to KEDA, whose verdict the PA mirrors.
func checkTriggerMetadata(t kedav1alpha1.ScaleTriggers) error {
	switch t.Type {
	case "cpu", "memory":
		v, ok := t.Metadata["value"]
		if !ok {
			return errors.New("metadata.value is required")
		}
		switch t.MetricType {
		case autoscalingv2.UtilizationMetricType:
			n, err := strconv.ParseInt(v, 10, 32)
			if err != nil || n < 1 {
				return fmt.Errorf("metadata.value %q must be a whole percent of at least 1 for Utilization", v)
			}
		case autoscalingv2.AverageValueMetricType:
			q, err := resource.ParseQuantity(v)
			if err != nil || q.Sign() <= 0 {
				return fmt.Errorf("metadata.value %q must be a positive quantity (such as 250m or 512Mi) for AverageValue", v)
			}
		default:
			return fmt.Errorf("metricType %q: KEDA's %s scaler takes Utilization or AverageValue", t.MetricType, t.Type)
		}
	case "prometheus":
		for _, k := range []string{"serverAddress", "query", "threshold"} {
			if strings.TrimSpace(t.Metadata[k]) == "" {
				return fmt.Errorf("metadata.%s is required", k)
			}
		}
		for _, k := range []string{"threshold", "activationThreshold"} {
			if v, ok := t.Metadata[k]; ok {
				if _, err := strconv.ParseFloat(v, 64); err != nil {
					return fmt.Errorf("metadata.%s %q is not a number", k, v)
				}
			}
		}
		for _, k := range []string{"ignoreNullValues", "unsafeSsl"} {
			if v, ok := t.Metadata[k]; ok {
				if _, err := strconv.ParseBool(v); err != nil {
					return fmt.Errorf("metadata.%s %q is not true or false", k, v)
				}
			}
		}
	}
	return nil
}
