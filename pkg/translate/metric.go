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

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/api/resource"
	"knative.dev/pkg/apis"
	"knative.dev/serving/pkg/apis/autoscaling"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"

	"github.com/serving-keda/serving-keda/pkg/config"
)

// maxResourceTarget bounds cpu and memory targets (percent, millicores or
// MiB) far above any real pod and well inside the integer types they end in.
const maxResourceTarget = 1e9

// defaultTrigger is the trigger for the revision's own metric: KEDA's cpu or
// memory scaler, or a Prometheus query for any other metric name.
func defaultTrigger(pa *autoscalingv1alpha1.PodAutoscaler, cfg *config.Config) (*kedav1alpha1.ScaleTriggers, *apis.FieldError) {
	anns := pa.Annotations
	metric := autoscaling.CPU // the HPA class's default metric
	if m, ok := anns[autoscaling.MetricAnnotationKey]; ok {
		metric = m
	}

	metricType, hasType := anns[MetricTypeAnnotationKey]
	if hasType && metricType != Utilization && metricType != AverageValue && metricType != Value {
		return nil, invalid(MetricTypeAnnotationKey, metricType, "must be Utilization, AverageValue or Value")
	}

	target, hasTarget := pa.Target()
	if hasTarget && (math.IsNaN(target) || math.IsInf(target, 0)) {
		return nil, invalid(autoscaling.TargetAnnotationKey, anns[autoscaling.TargetAnnotationKey], "must be a finite number")
	}

	if _, ok := RequestMetric(pa); ok {
		return nil, requestMetric(pa, cfg, metric, hasType)
	}

	switch metric {
	case autoscaling.CPU, autoscaling.Memory:
		var errs *apis.FieldError
		if _, ok := anns[ActivationThresholdAnnotationKey]; ok {
			errs = invalidf(ActivationThresholdAnnotationKey, anns[ActivationThresholdAnnotationKey],
				"applies to custom (Prometheus) metrics; KEDA's %s scaler has no activation", metric)
		}
		t, err := resourceTrigger(metric, metricType, target, hasTarget, anns)
		return t, errs.Also(err)
	default:
		if metricType == Utilization {
			return nil, invalidf(MetricTypeAnnotationKey, metricType,
				"custom metric %q takes AverageValue (per pod) or Value (total); Utilization is for cpu and memory", metric)
		}
		if metricType == "" {
			metricType = AverageValue
		}
		return prometheusTrigger(pa, cfg, metric, metricType, target, hasTarget)
	}
}

// resourceTrigger builds KEDA's cpu or memory trigger with the target in the
// unit its type implies: Utilization in percent of the pods' requests,
// AverageValue in millicores (cpu) or MiB (memory, as in Serving).
func resourceTrigger(metric, metricType string, target float64, hasTarget bool, anns map[string]string) (*kedav1alpha1.ScaleTriggers, *apis.FieldError) {
	if metricType == Value {
		return nil, invalidf(MetricTypeAnnotationKey, metricType, "%s takes Utilization or AverageValue; Value is for custom metrics", metric)
	}
	if metricType == "" {
		// Serving reads a memory target as MiB; without one, fall back to a
		// utilization like cpu rather than Serving's silent switch to cpu.
		metricType = Utilization
		if metric == autoscaling.Memory && hasTarget {
			metricType = AverageValue
		}
	}
	if hasTarget && target > maxResourceTarget {
		return nil, invalidf(autoscaling.TargetAnnotationKey, anns[autoscaling.TargetAnnotationKey],
			"%s target must be at most %g", metric, float64(maxResourceTarget))
	}

	var value string
	switch metricType {
	case Utilization:
		pct := int64(DefaultUtilization)
		if hasTarget {
			pct = int64(math.Ceil(target)) // the HPA counts whole percents
		}
		value = strconv.FormatInt(pct, 10)
	case AverageValue:
		if !hasTarget {
			return nil, missing(autoscaling.TargetAnnotationKey,
				"metric-type AverageValue needs a target: millicores for cpu, MiB for memory")
		}
		var q *resource.Quantity
		if metric == autoscaling.CPU {
			q = resource.NewMilliQuantity(int64(math.Ceil(target)), resource.DecimalSI)
		} else {
			q = resource.NewQuantity(int64(math.Round(target*1024*1024)), resource.BinarySI)
		}
		value = q.String()
	}
	return &kedav1alpha1.ScaleTriggers{
		Type:       metric,
		MetricType: autoscalingv2.MetricTargetType(metricType),
		Metadata:   map[string]string{"value": value},
	}, nil
}

// missing is the error for a required annotation that is absent.
func missing(key, why string) *apis.FieldError {
	return &apis.FieldError{Message: "missing annotation", Paths: []string{key}, Details: why}
}

// parseFloat reads a finite, non-negative number.
func parseFloat(key, v string) (float64, *apis.FieldError) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, invalid(key, v, "must be a number")
	}
	if f < 0 {
		return 0, invalid(key, v, "must not be negative")
	}
	return f, nil
}

// formatFloat writes a number the shortest way that reads back the same, so
// a threshold of 0.5 stays 0.5.
func formatFloat(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// requestMetric checks a revision scaled on concurrency or rps through the
// request trigger (RequestMetric): Serving's target, target-utilization
// and container-concurrency mean here what they mean for the KPA, and
// Serving has validated them; what is left is that this controller serves
// the trigger.
func requestMetric(pa *autoscalingv1alpha1.PodAutoscaler, cfg *config.Config, metric string, hasType bool) *apis.FieldError {
	var errs *apis.FieldError
	if hasType {
		errs = invalidf(MetricTypeAnnotationKey, pa.Annotations[MetricTypeAnnotationKey],
			"does not apply to metric %q: Serving's decider aims at target per pod (and container-concurrency, target-utilization-percentage)", metric)
	}
	if _, ok := pa.Annotations[ActivationThresholdAnnotationKey]; ok {
		errs = errs.Also(invalidf(ActivationThresholdAnnotationKey, pa.Annotations[ActivationThresholdAnnotationKey],
			"does not apply to metric %q: a revision on requests is active while it has had any within its window", metric))
	}
	if cfg.KEDA.ActivatorScalerAddress == "" {
		errs = errs.Also(invalidf(autoscaling.MetricAnnotationKey, metric,
			"scaling on Knative's request signal needs this controller's scaler: set %s in %s (the address of the controller's %s port), "+
				"or give a %s to read %s from Prometheus", config.ActivatorScalerAddressKey, config.KEDAConfigName,
			"ACTIVATOR_SCALER_PORT", PrometheusQueryAnnotationKey, metric))
	}
	return errs
}
