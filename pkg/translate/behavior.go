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
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"knative.dev/pkg/apis"
	"knative.dev/pkg/ptr"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	"knative.dev/serving/pkg/autoscaler/config/autoscalerconfig"
)

// Bounds Kubernetes puts on HPAScalingRules.
const (
	maxStabilizationSeconds = 3600
	maxPolicyPeriodSeconds  = 1800
)

// scalingBehavior maps Serving's window and scale-down-delay onto the HPA
// behaviour, direction by direction:
//   - hpa-scale-up-rules / hpa-scale-down-rules, when set, are that
//     direction's behaviour as written;
//   - otherwise window sets the stabilization window of both directions, and
//     scale-down-delay (the annotation, else config-autoscaler's default)
//     lengthens the scale-down one to max(window, delay): the HPA then keeps
//     the highest replica count recommended during that time, so no
//     scale-down happens until load has stayed low for the delay.
//
// A direction with neither keeps the HPA's defaults (no stabilization up,
// 300s down).
//
// A revision that scales on requests (RequestMetric) has both in Serving's
// decider already, which is what the request trigger reports: the HPA adds
// no window of its own on either side (scale-down stabilization 0), unless
// a rules annotation says otherwise.
func scalingBehavior(pa *autoscalingv1alpha1.PodAutoscaler, asCfg *autoscalerconfig.Config, requests bool) (*autoscalingv2.HorizontalPodAutoscalerBehavior, *apis.FieldError) {
	up, errs := scalingRules(pa.Annotations, ScaleUpRulesAnnotationKey)
	down, err := scalingRules(pa.Annotations, ScaleDownRulesAnnotationKey)
	errs = errs.Also(err)
	if errs != nil {
		return nil, errs
	}

	if requests {
		if down == nil {
			down = &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: ptr.Int32(0)}
		}
		return &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: up, ScaleDown: down}, nil
	}

	// Serving's validation has already bounded both to whole seconds within an hour.
	window, hasWindow := pa.Window()
	delay, hasDelay := pa.ScaleDownDelay()
	if !hasDelay {
		delay = asCfg.ScaleDownDelay
	}
	if up == nil && hasWindow {
		up = &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: seconds(window)}
	}
	if down == nil {
		if d := max(window, delay); (hasWindow || delay > 0) && d > 0 {
			down = &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: seconds(d)}
		}
	}
	if up == nil && down == nil {
		return nil, nil
	}
	return &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: up, ScaleDown: down}, nil
}

func seconds(d time.Duration) *int32 {
	return ptr.Int32(int32(d / time.Second))
}

// scalingRules decodes and checks one direction's HPAScalingRules as the API
// server would, so a mistake is reported on the revision, not as a KEDA error.
func scalingRules(anns map[string]string, key string) (*autoscalingv2.HPAScalingRules, *apis.FieldError) {
	v, ok := anns[key]
	if !ok {
		return nil, nil
	}
	var r autoscalingv2.HPAScalingRules
	if err := decodeJSON(v, &r); err != nil {
		return nil, invalidf(key, v, "not JSON HPAScalingRules (stabilizationWindowSeconds, selectPolicy, policies): %v", err)
	}
	var errs *apis.FieldError
	if s := r.StabilizationWindowSeconds; s != nil && (*s < 0 || *s > maxStabilizationSeconds) {
		errs = errs.Also(invalidf(key, v, "stabilizationWindowSeconds=%d must be between 0 and %d", *s, maxStabilizationSeconds))
	}
	if p := r.SelectPolicy; p != nil {
		switch *p {
		case autoscalingv2.MaxChangePolicySelect, autoscalingv2.MinChangePolicySelect, autoscalingv2.DisabledPolicySelect:
		default:
			errs = errs.Also(invalidf(key, v, "selectPolicy %q must be Max, Min or Disabled", *p))
		}
	}
	if len(r.Policies) == 0 {
		errs = errs.Also(invalid(key, v, "at least one policy is required"))
	}
	for i, p := range r.Policies {
		if p.Type != autoscalingv2.PodsScalingPolicy && p.Type != autoscalingv2.PercentScalingPolicy {
			errs = errs.Also(invalidf(key, v, "policies[%d].type %q must be Pods or Percent", i, p.Type))
		}
		if p.Value <= 0 {
			errs = errs.Also(invalidf(key, v, "policies[%d].value=%d must be greater than 0", i, p.Value))
		}
		if p.PeriodSeconds <= 0 || p.PeriodSeconds > maxPolicyPeriodSeconds {
			errs = errs.Also(invalidf(key, v, "policies[%d].periodSeconds=%d must be between 1 and %d", i, p.PeriodSeconds, maxPolicyPeriodSeconds))
		}
	}
	if t := r.Tolerance; t != nil && t.Sign() < 0 {
		errs = errs.Also(invalidf(key, v, "tolerance %s must not be negative", t.String()))
	}
	if errs != nil {
		return nil, errs
	}
	return &r, nil
}
