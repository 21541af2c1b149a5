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

	"knative.dev/pkg/apis"
	"knative.dev/pkg/kmap"
	"knative.dev/serving/pkg/apis/autoscaling"
)

// Spellings of users carried over from the seed of this project and from
// knative-extensions/autoscaler-keda. Each either works here, as an alias,
// or is refused with the spelling to use; docs/migration.md lists them all.
const (
	// LegacyQueryAnnotationKey is the seed's name for prometheus-query.
	LegacyQueryAnnotationKey = autoscaling.GroupName + "/query"

	// legacyTriggerName is autoscaler-keda's name for the custom metric's
	// trigger, which its users' scaling-modifiers formulas refer to.
	legacyTriggerName = "default-trigger-custom"

	// legacyPrometheusAddress is autoscaler-keda's default Prometheus
	// server; here there is none, so a revision relying on it is told.
	legacyPrometheusAddress = "http://prometheus-operated.default.svc:9090"
)

// prometheusQuery is the query annotation in either spelling, the current
// one first, as Serving reads its camelCase legacy keys.
var prometheusQuery = kmap.KeyPriority{PrometheusQueryAnnotationKey, LegacyQueryAnnotationKey}

// checkAliases refuses a revision that sets a key in two spellings with two
// values: neither can be picked without silently ignoring the other.
func checkAliases(anns map[string]string) *apis.FieldError {
	var errs *apis.FieldError
	for _, kp := range append(servingAliases(), prometheusQuery) {
		var set []string
		for _, k := range kp {
			if _, ok := anns[k]; ok {
				set = append(set, k)
			}
		}
		if len(set) > 1 && anns[set[0]] != anns[set[1]] {
			errs = errs.Also(invalidf(set[1], anns[set[1]], "is another spelling of %s, which is also set, to %s; set only %s",
				set[0], shorten(anns[set[0]]), kp[0]))
		}
	}
	return errs
}

// servingAliases are Serving's keys with a legacy camelCase spelling.
func servingAliases() []kmap.KeyPriority {
	return []kmap.KeyPriority{
		autoscaling.InitialScaleAnnotation, autoscaling.MaxScaleAnnotation, autoscaling.MinScaleAnnotation,
		autoscaling.ScaleDownDelayAnnotation, autoscaling.TargetUtilizationPercentageAnnotation,
	}
}

// knownKeys are every autoscaling.knative.dev annotation Serving or this
// controller reads, in any spelling, without the group prefix.
var knownKeys = func() []string {
	keys := []string{
		autoscaling.ClassAnnotationKey, autoscaling.MetricAnnotationKey, autoscaling.TargetAnnotationKey,
		autoscaling.WindowAnnotationKey, autoscaling.ActivationScaleKey, autoscaling.ScaleToZeroPodRetentionPeriodKey,
		autoscaling.MetricAggregationAlgorithmKey, autoscaling.TargetBurstCapacityKey,
		autoscaling.PanicWindowPercentageAnnotationKey, autoscaling.PanicThresholdPercentageAnnotationKey,
		MetricTypeAnnotationKey, PrometheusAddressAnnotationKey, PrometheusTriggerNameAnnotationKey, PrometheusAuthNameAnnotationKey,
		PrometheusAuthKindAnnotationKey, PrometheusAuthModesAnnotationKey, ExtraTriggersAnnotationKey, ScalingModifiersAnnotationKey, ScaleUpRulesAnnotationKey,
		ScaleDownRulesAnnotationKey, PollingIntervalAnnotationKey, CooldownPeriodAnnotationKey, FallbackFailureThresholdAnnotationKey, FallbackReplicasAnnotationKey,
		IdleReplicaCountAnnotationKey, ActivationThresholdAnnotationKey, PausedAnnotationKey, OverrideAnnotationKey, AutoCreateAnnotationKey,
	}
	for _, kp := range append(servingAliases(), prometheusQuery, autoscaling.MetricAggregationAlgorithmAnnotation,
		autoscaling.PanicThresholdPercentageAnnotation, autoscaling.PanicWindowPercentageAnnotation,
		autoscaling.ScaleToZeroPodRetentionPeriodAnnotation, autoscaling.TargetBurstCapacityAnnotation) {
		keys = append(keys, kp...)
	}
	seen := map[string]bool{}
	out := keys[:0]
	for _, k := range keys {
		k = strings.TrimPrefix(k, autoscaling.GroupName+"/")
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}()

// UnknownKeys warns of autoscaling.knative.dev annotations that nothing
// reads but that are close to a key that something does: a typo such as
// prometheus-querry would otherwise be silently ignored. Each warning names
// the key and the nearest known one.
func UnknownKeys(anns map[string]string) []string {
	known := make(map[string]bool, len(knownKeys))
	for _, k := range knownKeys {
		known[k] = true
	}
	var out []string
	for k := range anns {
		name, ok := strings.CutPrefix(k, autoscaling.GroupName+"/")
		if !ok || known[name] {
			continue
		}
		best, dist := "", len(name)
		for _, cand := range knownKeys {
			if d := editDistance(strings.ToLower(name), strings.ToLower(cand)); d < dist {
				best, dist = cand, d
			}
		}
		// Close means a slip of a few characters, not another word.
		if best != "" && dist <= max(2, len(name)/5) {
			out = append(out, fmt.Sprintf("annotation %s is not read by anything; did you mean %s/%s?", k, autoscaling.GroupName, best))
		}
	}
	sort.Strings(out)
	return out
}

// editDistance is the Levenshtein distance of a and b, bytewise.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
