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
	"sort"
	"strings"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	"knative.dev/pkg/apis"
	"knative.dev/serving/pkg/apis/autoscaling"
)

// checkWithKEDA runs KEDA's own ScaledObject validation, the checks its
// admission webhook makes without a cluster, so that whatever passes here is
// accepted by KEDA. An error names the annotations that shaped the failing
// part, since KEDA's message speaks of fields the user never wrote.
func checkWithKEDA(so *kedav1alpha1.ScaledObject, anns map[string]string) *apis.FieldError {
	var errs *apis.FieldError
	if err := kedav1alpha1.ValidateTriggers(so.Spec.Triggers); err != nil {
		errs = errs.Also(blame(anns, err.Error(), PrometheusTriggerNameAnnotationKey, ExtraTriggersAnnotationKey, OverrideAnnotationKey))
	}
	if err := kedav1alpha1.CheckReplicaCountBoundsAreValid(so); err != nil {
		errs = errs.Also(blame(anns, err.Error(), IdleReplicaCountAnnotationKey, autoscaling.MinScaleAnnotationKey,
			autoscaling.GroupName+"/minScale", autoscaling.MaxScaleAnnotationKey, autoscaling.GroupName+"/maxScale", OverrideAnnotationKey))
	}
	if err := kedav1alpha1.CheckFallbackValid(so); err != nil {
		errs = errs.Also(blame(anns, err.Error(), FallbackFailureThresholdAnnotationKey, FallbackReplicasAnnotationKey, OverrideAnnotationKey))
	}
	if so.IsUsingModifiers() {
		// An override's formula has not been through checkFormula yet.
		if err := checkFormula(so.Spec.Advanced.ScalingModifiers.Formula); err != nil {
			return errs.Also(blame(anns, err.Error(), ScalingModifiersAnnotationKey, OverrideAnnotationKey))
		}
		// KEDA's check rewrites the formula in place; keep ours as written.
		if _, err := kedav1alpha1.ValidateAndCompileScalingModifiers(so.DeepCopy()); err != nil {
			msg := strings.ReplaceAll(err.Error(), "\n", ": ") + "; triggers a formula can name: " + formulaNames(so.Spec.Triggers)
			if strings.Contains(so.Spec.Advanced.ScalingModifiers.Formula, legacyTriggerName) {
				msg += fmt.Sprintf("; %s is knative-extensions/autoscaler-keda's name for the custom metric's trigger: "+
					"name it in the formula as listed, or choose the name with %s", legacyTriggerName, PrometheusTriggerNameAnnotationKey)
			}
			errs = errs.Also(blame(anns, msg, ScalingModifiersAnnotationKey, OverrideAnnotationKey))
		}
	}
	return errs
}

// blame attributes a KEDA validation message to those of keys that are set,
// or to the first key when none is.
func blame(anns map[string]string, msg string, keys ...string) *apis.FieldError {
	var present []string
	for _, k := range keys {
		if _, ok := anns[k]; ok {
			present = append(present, k)
		}
	}
	if len(present) == 0 {
		present = keys[:1]
	}
	return &apis.FieldError{Message: "rejected by KEDA's validation", Paths: present, Details: msg}
}

// formulaNames lists the trigger names a scaling-modifiers formula may use:
// named triggers other than cpu and memory, as KEDA counts them.
func formulaNames(triggers []kedav1alpha1.ScaleTriggers) string {
	var names []string
	for _, t := range triggers {
		if t.Name != "" && t.Type != "cpu" && t.Type != "memory" {
			names = append(names, t.Name)
		}
	}
	if len(names) == 0 {
		return "none (name a non-cpu, non-memory trigger)"
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
