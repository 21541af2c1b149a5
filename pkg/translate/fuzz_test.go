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
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/serving/pkg/apis/autoscaling"
)

// fuzzKeys are the annotations the fuzzer fills, in the order of its arguments.
var fuzzKeys = []string{
	autoscaling.MetricAnnotationKey,
	autoscaling.TargetAnnotationKey,
	MetricTypeAnnotationKey,
	PrometheusQueryAnnotationKey,
	PrometheusAddressAnnotationKey,
	autoscaling.MinScaleAnnotationKey,
	autoscaling.MaxScaleAnnotationKey,
	autoscaling.WindowAnnotationKey,
	autoscaling.ScaleDownDelayAnnotationKey,
	ExtraTriggersAnnotationKey,
	ScalingModifiersAnnotationKey,
	ScaleUpRulesAnnotationKey,
	OverrideAnnotationKey,
	IdleReplicaCountAnnotationKey,
	FallbackFailureThresholdAnnotationKey,
	PrometheusAuthNameAnnotationKey,
}

// FuzzScaledObject checks, for any annotations, that the translation never
// panics and either names the bad annotations or returns an object that
// stays tied to its revision and that KEDA's admission webhook admits for
// the revision's Deployment as Serving makes it (acceptedByKEDA: the
// webhook's own entry point, not the helpers the translation calls).
// testdata/fuzz/FuzzScaledObject holds the seed corpus `go test` runs.
func FuzzScaledObject(f *testing.F) {
	f.Add("cpu", "80", "", "", "", "1", "10", "", "", "", "", "", "", "", "", "")
	f.Add("rps", "0.5", "Value", "sum(rate(x{r=\"{{.Revision}}\"}[1m]))", "http://p:9090", "0", "", "2m", "10m",
		`[{"type":"prometheus","name":"q","metadata":{"query":"q"}}]`, `{"formula":"rps + q","target":"3"}`,
		`{"policies":[{"type":"Pods","value":2,"periodSeconds":30}]}`, `{"spec":{"advanced":{}}}`, "0", "3", "creds")
	// A pod-wide memory trigger next to a custom metric: admitted only once
	// scoped to the user's container (queue-proxy requests no memory).
	f.Add("rps", "1", "", "sum(x)", "http://p:9090", "", "", "", "",
		`[{"type":"memory","metricType":"Utilization","metadata":{"value":"70"}}]`, "", "", "", "", "", "")
	// The same trigger on queue-proxy, which requests no memory: refused.
	f.Add("rps", "1", "", "sum(x)", "http://p:9090", "", "", "", "",
		`[{"type":"memory","metricType":"Utilization","metadata":{"value":"70","containerName":"queue-proxy"}}]`, "", "", "", "", "", "")
	f.Fuzz(func(t *testing.T, metric, target, metricType, query, address, minScale, maxScale, window, delay,
		extra, modifiers, upRules, override, idle, fallback, authName string) {
		values := []string{metric, target, metricType, query, address, minScale, maxScale, window, delay,
			extra, modifiers, upRules, override, idle, fallback, authName}
		anns := map[string]string{}
		for i, v := range values {
			if v != "" {
				anns[fuzzKeys[i]] = v
			}
		}
		if fallback != "" {
			anns[FallbackReplicasAnnotationKey] = "1"
		}
		if authName != "" {
			anns[PrometheusAuthModesAnnotationKey] = "bearer"
		}
		p := pa(anns)
		so, err := ScaledObject(Input{PA: p, Config: testConfig(t, nil, nil), Workload: testWorkload()})
		if err != nil {
			if so != nil {
				t.Fatal("an object came with an error")
			}
			// KEDA could not measure the pods on a resource: the error
			// names the annotation whose trigger asked for it.
			var unscalable *ResourceRequestError
			if errors.As(err, &unscalable) {
				if !strings.HasPrefix(unscalable.Key, autoscaling.GroupName+"/") {
					t.Fatalf("error names %q, not an annotation: %v", unscalable.Key, err)
				}
				return
			}
			keys := Keys(err)
			if len(keys) == 0 {
				t.Fatalf("error names no annotation: %v", err)
			}
			for _, k := range keys {
				if !strings.HasPrefix(k, autoscaling.GroupName+"/") {
					t.Fatalf("error names %q, not an annotation: %v", k, err)
				}
			}
			if r := Reason(err); r == "" || strings.ContainsAny(r, " /.-=") {
				t.Fatalf("Reason(%v) = %q is not a CamelCase reason", err, r)
			}
			return
		}
		acceptedByKEDA(t, so)
		if so.Name != p.Name || so.Namespace != p.Namespace {
			t.Fatalf("object is %s/%s, want %s/%s", so.Namespace, so.Name, p.Namespace, p.Name)
		}
		if so.Spec.ScaleTargetRef.Name != p.Spec.ScaleTargetRef.Name || so.Spec.ScaleTargetRef.Kind != p.Spec.ScaleTargetRef.Kind ||
			so.Spec.ScaleTargetRef.APIVersion != p.Spec.ScaleTargetRef.APIVersion {
			t.Fatalf("object targets %+v, want the revision's %+v", so.Spec.ScaleTargetRef, p.Spec.ScaleTargetRef)
		}
		if so.Spec.Advanced.HorizontalPodAutoscalerConfig.Name != HPAName(p) {
			t.Fatalf("HPA name %q, want %q", so.Spec.Advanced.HorizontalPodAutoscalerConfig.Name, HPAName(p))
		}
		if !metav1.IsControlledBy(so, p) || len(so.OwnerReferences) != 1 {
			t.Fatalf("object is not controlled by its PodAutoscaler alone: %+v", so.OwnerReferences)
		}
		for _, l := range []string{HPAManagedByLabel, HPAScaledObjectLabel} {
			if _, ok := so.Labels[l]; ok {
				t.Fatalf("reserved label %s set", l)
			}
		}
	})
}

// BenchmarkScaledObject translates a typical revision: a custom Prometheus
// metric with a templated query, bounds, a window and a scale-up policy.
func BenchmarkScaledObject(b *testing.B) {
	p := pa(custom(map[string]string{
		autoscaling.MinScaleAnnotationKey: "1",
		autoscaling.MaxScaleAnnotationKey: "20",
		autoscaling.WindowAnnotationKey:   "2m",
		ScaleUpRulesAnnotationKey:         `{"policies":[{"type":"Percent","value":100,"periodSeconds":15}]}`,
	}))
	cfg := testConfig(b, nil, nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ScaledObject(Input{PA: p, Config: cfg, Workload: testWorkload()}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScaledObjectCPU translates the simplest revision, cpu by default.
func BenchmarkScaledObjectCPU(b *testing.B) {
	p := pa(nil)
	cfg := testConfig(b, nil, nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ScaledObject(Input{PA: p, Config: cfg, Workload: testWorkload()}); err != nil {
			b.Fatal(err)
		}
	}
}
