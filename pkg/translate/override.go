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
	"strings"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	"knative.dev/pkg/apis"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"

	"github.com/serving-keda/serving-keda/pkg/config"
)

// applyOverride merges scaled-object-override, a JSON ScaledObject, into so.
// Every spec field the override sets replaces the computed one (triggers as
// a whole list); fields it leaves out keep their computed values. Its labels
// and annotations are added, the revision's labels winning. What ties the
// object to its revision is not negotiable: name, namespace, owner, scale
// target, HPA name and the labels the controller finds the HPA by. An
// override that tries to change one of those is refused, never silently
// rewritten. It reports whether the override replaced the triggers.
func applyOverride(so *kedav1alpha1.ScaledObject, pa *autoscalingv1alpha1.PodAutoscaler, cfg *config.KEDA) (bool, *apis.FieldError) {
	v, ok := pa.Annotations[OverrideAnnotationKey]
	if !ok {
		return false, nil
	}
	var o kedav1alpha1.ScaledObject
	if err := decodeJSON(v, &o); err != nil {
		return false, invalidf(OverrideAnnotationKey, v, "not JSON of a KEDA ScaledObject: %v", err)
	}

	var errs *apis.FieldError
	refuse := func(format string, args ...any) {
		errs = errs.Also(invalidf(OverrideAnnotationKey, v, format, args...))
	}
	if o.Name != "" && o.Name != so.Name {
		refuse("metadata.name %q: the ScaledObject is always named after the revision, %q", o.Name, so.Name)
	}
	if o.Namespace != "" && o.Namespace != so.Namespace {
		refuse("metadata.namespace %q: the ScaledObject always lives in the revision's namespace, %q", o.Namespace, so.Namespace)
	}
	if len(o.OwnerReferences) > 0 {
		refuse("metadata.ownerReferences: the revision's PodAutoscaler is always the ScaledObject's only owner")
	}
	if len(o.Finalizers) > 0 {
		refuse("metadata.finalizers: an override may not hold the ScaledObject's deletion")
	}
	for _, l := range []string{HPAManagedByLabel, HPAScaledObjectLabel} {
		if _, ok := o.Labels[l]; ok {
			refuse("metadata.labels: %s is reserved for finding the HPA KEDA creates", l)
		}
	}
	own := so.Spec.ScaleTargetRef
	if t := o.Spec.ScaleTargetRef; t != nil &&
		(t.Name != "" && t.Name != own.Name || t.Kind != "" && t.Kind != own.Kind || t.APIVersion != "" && t.APIVersion != own.APIVersion) {
		refuse("spec.scaleTargetRef points at %s; the ScaledObject always scales the revision's own %s %q",
			strings.Join(strings.Fields(fmt.Sprintf("%s %s %q", t.APIVersion, t.Kind, t.Name)), " "), own.Kind, own.Name)
	}
	if a := o.Spec.Advanced; a != nil && a.HorizontalPodAutoscalerConfig != nil &&
		a.HorizontalPodAutoscalerConfig.Name != "" && a.HorizontalPodAutoscalerConfig.Name != HPAName(pa) {
		refuse("spec.advanced.horizontalPodAutoscalerConfig.name %q: the HPA is always named after the revision, %q",
			a.HorizontalPodAutoscalerConfig.Name, HPAName(pa))
	}
	if len(o.Spec.Triggers) > 0 {
		errs = errs.Also(checkTriggers(o.Spec.Triggers, OverrideAnnotationKey, v, cfg))
	}
	if errs != nil {
		return false, errs
	}

	for k, val := range o.Labels {
		if _, revisionHas := so.Labels[k]; !revisionHas {
			so.Labels = setKey(so.Labels, k, val)
		}
	}
	for k, val := range o.Annotations {
		so.Annotations = setKey(so.Annotations, k, val)
	}

	spec, in := &so.Spec, &o.Spec
	if t := in.ScaleTargetRef; t != nil && t.EnvSourceContainerName != "" {
		spec.ScaleTargetRef.EnvSourceContainerName = t.EnvSourceContainerName
	}
	replaceIfSet(&spec.PollingInterval, in.PollingInterval)
	replaceIfSet(&spec.InitialCooldownPeriod, in.InitialCooldownPeriod)
	replaceIfSet(&spec.CooldownPeriod, in.CooldownPeriod)
	replaceIfSet(&spec.IdleReplicaCount, in.IdleReplicaCount)
	replaceIfSet(&spec.MinReplicaCount, in.MinReplicaCount)
	replaceIfSet(&spec.MaxReplicaCount, in.MaxReplicaCount)
	if in.Fallback != nil {
		spec.Fallback = in.Fallback
	}
	if len(in.Triggers) > 0 {
		spec.Triggers = in.Triggers
	}
	// The computed object always has Advanced and its HPA config; an override
	// may have neither.
	if a := in.Advanced; a != nil {
		spec.Advanced.RestoreToOriginalReplicaCount = a.RestoreToOriginalReplicaCount
		if a.ScalingModifiers != (kedav1alpha1.ScalingModifiers{}) {
			spec.Advanced.ScalingModifiers = a.ScalingModifiers
		}
		if h := a.HorizontalPodAutoscalerConfig; h != nil && h.Behavior != nil {
			spec.Advanced.HorizontalPodAutoscalerConfig.Behavior = h.Behavior
		}
	}
	return len(in.Triggers) > 0, nil
}

func replaceIfSet(dst **int32, src *int32) {
	if src != nil {
		*dst = src
	}
}
