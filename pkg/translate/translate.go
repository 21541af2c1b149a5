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

// Package translate turns a Knative PodAutoscaler and the cluster's
// configuration into the KEDA ScaledObject that should exist for it. It holds
// pure functions only, no clients: every annotation's parsing, defaulting and
// error lives here, where it is easiest to read, test and fuzz.
package translate

import (
	"math"
	"strconv"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"
	"knative.dev/pkg/kmeta"
	"knative.dev/pkg/ptr"
	"knative.dev/serving/pkg/apis/autoscaling"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	"knative.dev/serving/pkg/autoscaler/config/autoscalerconfig"

	"github.com/serving-keda/serving-keda/pkg/config"
)

// Input is what ScaledObject translates.
type Input struct {
	PA     *autoscalingv1alpha1.PodAutoscaler
	Config *config.Config
	// Workload describes the revision's Deployment; nil while it has not
	// been seen. Only cpu and memory triggers need it.
	Workload *Workload
	// Established says the revision has been admitted before (its
	// ScaledObject exists, or it has initialized). Serving checks the
	// annotations against config-autoscaler's limits (max-scale-limit,
	// allow-zero-initial-scale) only when a revision is created; a later
	// change of those limits must not break a running revision, so they
	// are not checked again, while every value is still parsed.
	Established bool
}

// ScaledObject returns the ScaledObject this controller should maintain for
// in.PA. It returns (nil, nil) when the revision brings its own ScaledObject
// (scaled-object-auto-create: "false"). On bad input it returns an
// *apis.FieldError listing every offending annotation with its value and why
// (Reason names it for a condition); a *ResourceRequestError when KEDA could
// not scale the revision's pods on the resource asked for; ErrWorkloadUnknown
// when that cannot be told yet.
func ScaledObject(in Input) (*kedav1alpha1.ScaledObject, error) {
	pa, cfg := in.PA, in.Config
	anns := pa.Annotations

	autoCreate, errs := AutoCreate(pa, cfg.KEDA)
	if errs != nil {
		return nil, errs
	}
	if !autoCreate {
		return nil, nil
	}

	// Serving's own rules first, so its keys mean here what they mean there.
	asCfg := cfg.Autoscaler
	if in.Established {
		asCfg = withoutCreationLimits(asCfg)
	}
	errs = errs.Also(autoscaling.ValidateAnnotations(nil, asCfg, anns)) //nolint:staticcheck // ctx is unused by Serving.
	errs = errs.Also(checkSizes(anns))
	errs = errs.Also(checkAliases(anns))
	if errs != nil {
		// Later steps parse the same values; stop before they report them twice.
		return nil, errs
	}

	so := &kedav1alpha1.ScaledObject{
		ObjectMeta: metav1.ObjectMeta{
			Name:            pa.Name,
			Namespace:       pa.Namespace,
			Labels:          copyLabels(pa.Labels),
			Annotations:     copyMap(pa.Annotations),
			OwnerReferences: []metav1.OwnerReference{*kmeta.NewControllerRef(pa)},
		},
		Spec: kedav1alpha1.ScaledObjectSpec{
			ScaleTargetRef: &kedav1alpha1.ScaleTarget{
				APIVersion: pa.Spec.ScaleTargetRef.APIVersion,
				Kind:       pa.Spec.ScaleTargetRef.Kind,
				Name:       pa.Spec.ScaleTargetRef.Name,
			},
			Advanced: &kedav1alpha1.AdvancedConfig{
				HorizontalPodAutoscalerConfig: &kedav1alpha1.HorizontalPodAutoscalerConfig{Name: HPAName(pa)},
			},
		},
	}

	if _, set := so.Annotations[TransferHPAOwnershipAnnotation]; !set {
		so.Annotations = setKey(so.Annotations, TransferHPAOwnershipAnnotation, "true")
	}

	minScale, maxScale := pa.ScaleBounds(cfg.Autoscaler)
	if maxScale == 0 {
		maxScale = math.MaxInt32 // no limit, as in Serving's HPA class
	}
	// Without the activator nothing buffers requests while a revision has
	// no pods, so, like Serving's HPA class, keep at least one (or go to
	// zero by explicit choice, keda-idle-replica-count). With it
	// (ScaleToZero), the demand trigger wakes the revision.
	zero := ScaleToZero(pa, cfg)
	_, requests := RequestMetric(pa)
	so.Spec.MinReplicaCount = ptr.Int32(max(minScale, 1))
	if zero {
		so.Spec.MinReplicaCount = ptr.Int32(0)
	}
	so.Spec.MaxReplicaCount = ptr.Int32(maxScale)

	// sources[i] is the annotation trigger i came from, for messages.
	var sources []string
	trigger, err := defaultTrigger(pa, cfg)
	errs = errs.Also(err)
	switch {
	case trigger != nil:
		so.Spec.Triggers = append(so.Spec.Triggers, *trigger)
		sources = append(sources, autoscaling.MetricAnnotationKey)
	case requests && err == nil:
		// The revision's own metric, first like any other: the request
		// trigger.
		so.Spec.Triggers = append(so.Spec.Triggers, demandTrigger(pa, cfg))
		sources = append(sources, autoscaling.MetricAnnotationKey)
	}

	extra, err := extraTriggers(anns, cfg.KEDA)
	errs = errs.Also(err)
	so.Spec.Triggers = append(so.Spec.Triggers, extra...)
	for range extra {
		sources = append(sources, ExtraTriggersAnnotationKey)
	}
	if zero && !requests {
		so.Spec.Triggers = append(so.Spec.Triggers, demandTrigger(pa, cfg))
		sources = append(sources, autoscaling.MinScaleAnnotationKey)
	}

	behavior, err := scalingBehavior(pa, cfg.Autoscaler, requests)
	errs = errs.Also(err)
	so.Spec.Advanced.HorizontalPodAutoscalerConfig.Behavior = behavior

	modifiers, err := scalingModifiers(anns)
	errs = errs.Also(err)
	if modifiers != nil {
		so.Spec.Advanced.ScalingModifiers = *modifiers
	}

	errs = errs.Also(kedaKnobs(so, anns, cfg.KEDA))
	if errs != nil {
		return nil, errs
	}

	replaced, errs := applyOverride(so, pa, cfg.KEDA)
	if errs != nil {
		return nil, errs
	}
	if replaced {
		sources = make([]string, len(so.Spec.Triggers))
		for i := range sources {
			sources[i] = OverrideAnnotationKey
		}
	}
	defaultFallback(so, cfg.KEDA)
	if f := so.Spec.Fallback; f != nil && f.Behavior == "" {
		// The API server would default it; writing it here keeps the desired
		// object equal to the stored one, so a resync writes nothing.
		f.Behavior = fallbackBehaviorStatic
	}

	if errs = checkWithKEDA(so, anns); errs != nil {
		return nil, errs
	}
	if zero {
		if errs = checkScaleToZero(so, pa, cfg); errs != nil {
			return nil, errs
		}
	} else if errs = checkActivity(so, anns); errs != nil {
		return nil, errs
	}
	if err := scopeResourceTriggers(so.Spec.Triggers, in.Workload, func(i int) string { return sources[i] }); err != nil {
		return nil, err
	}
	return so, nil
}

// withoutCreationLimits is config-autoscaler without the limits Serving
// applies only when a revision is created.
func withoutCreationLimits(c *autoscalerconfig.Config) *autoscalerconfig.Config {
	out := *c
	out.MaxScaleLimit = 0
	out.AllowZeroInitialScale = true
	return &out
}

// HPAName is the name of the HPA that KEDA creates for pa's ScaledObject: the
// revision's name, as with Serving's own HPA class.
func HPAName(pa *autoscalingv1alpha1.PodAutoscaler) string {
	return pa.Name
}

// AutoCreate reports whether this controller owns pa's ScaledObject: the
// scaled-object-auto-create annotation, else config-autoscaler-keda's default.
func AutoCreate(pa *autoscalingv1alpha1.PodAutoscaler, cfg *config.KEDA) (bool, *apis.FieldError) {
	v, ok := pa.Annotations[AutoCreateAnnotationKey]
	if !ok {
		return cfg.AutoCreate, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, invalid(AutoCreateAnnotationKey, v, `must be "true" or "false"`)
	}
	return b, nil
}

// copyLabels copies a PodAutoscaler's labels, minus the ones KEDA sets on the
// HPA for this controller to find it by.
func copyLabels(in map[string]string) map[string]string {
	out := copyMap(in)
	delete(out, HPAManagedByLabel)
	delete(out, HPAScaledObjectLabel)
	return out
}

func copyMap(in map[string]string) map[string]string {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}
