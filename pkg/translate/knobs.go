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
	"math"
	"strconv"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	"knative.dev/pkg/apis"
	"knative.dev/pkg/ptr"

	"github.com/serving-keda/serving-keda/pkg/config"
)

// maxKnobSeconds bounds polling interval and cooldown period (one day).
const maxKnobSeconds = 24 * 60 * 60

// kedaKnobs applies KEDA's own settings: polling interval, cooldown period,
// idle replica count, fallback and pause.
func kedaKnobs(so *kedav1alpha1.ScaledObject, anns map[string]string, cfg *config.KEDA) *apis.FieldError {
	var errs *apis.FieldError

	polling, err := secondsKnob(anns, PollingIntervalAnnotationKey, 1, cfg.PollingInterval)
	errs = errs.Also(err)
	so.Spec.PollingInterval = polling

	cooldown, err := secondsKnob(anns, CooldownPeriodAnnotationKey, 0, cfg.CooldownPeriod)
	errs = errs.Also(err)
	so.Spec.CooldownPeriod = cooldown

	if v, ok := anns[IdleReplicaCountAnnotationKey]; ok {
		n, err := nonNegativeInt32(IdleReplicaCountAnnotationKey, v)
		errs = errs.Also(err)
		so.Spec.IdleReplicaCount = ptr.Int32(n)
	}

	threshold, hasThreshold := anns[FallbackFailureThresholdAnnotationKey]
	replicas, hasReplicas := anns[FallbackReplicasAnnotationKey]
	switch {
	case hasThreshold && hasReplicas:
		t, err := nonNegativeInt32(FallbackFailureThresholdAnnotationKey, threshold)
		errs = errs.Also(err)
		if err == nil && t == 0 {
			errs = errs.Also(invalid(FallbackFailureThresholdAnnotationKey, threshold, "must be at least 1"))
		}
		r, err := nonNegativeInt32(FallbackReplicasAnnotationKey, replicas)
		errs = errs.Also(err)
		so.Spec.Fallback = &kedav1alpha1.Fallback{FailureThreshold: t, Replicas: r}
	case hasThreshold:
		errs = errs.Also(missing(FallbackReplicasAnnotationKey, "a fallback needs both its failure threshold and its replicas"))
	case hasReplicas:
		errs = errs.Also(missing(FallbackFailureThresholdAnnotationKey, "a fallback needs both its failure threshold and its replicas"))
	}

	if v, ok := anns[PausedAnnotationKey]; ok {
		paused, err := strconv.ParseBool(v)
		if err != nil {
			errs = errs.Also(invalid(PausedAnnotationKey, v, `must be "true" or "false"`))
		} else if paused {
			so.Annotations = setKey(so.Annotations, KEDAPausedAnnotation, "true")
		} else {
			delete(so.Annotations, KEDAPausedAnnotation)
		}
	}
	return errs
}

// defaultFallback gives a ScaledObject config-autoscaler-keda's fallback when
// the revision sets none and its triggers can use one; cpu and memory cannot,
// and a cluster default must not break revisions that scale on them.
func defaultFallback(so *kedav1alpha1.ScaledObject, cfg *config.KEDA) {
	if so.Spec.Fallback != nil || cfg.FallbackFailureThreshold == 0 {
		return
	}
	candidate := so.DeepCopy()
	candidate.Spec.Fallback = &kedav1alpha1.Fallback{FailureThreshold: cfg.FallbackFailureThreshold, Replicas: cfg.FallbackReplicas}
	if kedav1alpha1.CheckFallbackValid(candidate) == nil {
		so.Spec.Fallback = candidate.Spec.Fallback
	}
}

// secondsKnob reads a period in whole seconds, written "30" or "30s", at
// least minimum; absent, it takes def from the config map (zero: unset).
func secondsKnob(anns map[string]string, key string, minimum int64, def time.Duration) (*int32, *apis.FieldError) {
	v, ok := anns[key]
	if !ok {
		if def <= 0 {
			return nil, nil
		}
		return ptr.Int32(int32(def / time.Second)), nil
	}
	secs, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		d, derr := time.ParseDuration(v)
		if derr != nil {
			return nil, invalid(key, v, `must be seconds ("30") or a duration ("30s", "5m")`)
		}
		if d.Truncate(time.Second) != d {
			return nil, invalid(key, v, "must be whole seconds")
		}
		secs = int64(d / time.Second)
	}
	if secs < minimum || secs > maxKnobSeconds {
		return nil, invalidf(key, v, "must be between %ds and %ds", minimum, maxKnobSeconds)
	}
	return ptr.Int32(int32(secs)), nil
}

func nonNegativeInt32(key, v string) (int32, *apis.FieldError) {
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0, invalidf(key, v, "must be an integer between 0 and %d", math.MaxInt32)
	}
	if n < 0 {
		return 0, invalid(key, v, "must not be negative")
	}
	return int32(n), nil
}

func setKey(m map[string]string, k, v string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[k] = v
	return m
}

// checkActivity refuses what KEDA cannot do with cpu and memory triggers
// alone: it counts them always active, so such a revision never goes idle
// (keda-idle-replica-count would be accepted and do nothing) and never goes
// to zero (its webhook refuses minReplicaCount 0, which only
// scaled-object-override can set).
func checkActivity(so *kedav1alpha1.ScaledObject, anns map[string]string) *apis.FieldError {
	for _, t := range so.Spec.Triggers {
		if t.Type != "cpu" && t.Type != "memory" {
			return nil
		}
	}
	const why = "KEDA counts cpu and memory triggers as always active, so a revision scaled on them alone never idles; " +
		"add a trigger that can be inactive (a custom metric, extra-prometheus-triggers)"
	_, hasOverride := anns[OverrideAnnotationKey]
	if so.Spec.IdleReplicaCount != nil {
		key := IdleReplicaCountAnnotationKey
		if _, ok := anns[key]; !ok && hasOverride {
			key = OverrideAnnotationKey
		}
		return invalid(key, anns[key], why)
	}
	if m := so.Spec.MinReplicaCount; m != nil && *m == 0 {
		return invalid(OverrideAnnotationKey, anns[OverrideAnnotationKey], "minReplicaCount 0: "+why+" (KEDA's webhook refuses it)")
	}
	return nil
}
