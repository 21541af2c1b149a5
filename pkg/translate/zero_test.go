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
	"maps"
	"testing"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"knative.dev/pkg/ptr"
	"knative.dev/serving/pkg/apis/autoscaling"
)

const scalerAddress = "autoscaler-keda.knative-serving.svc:9443"

func TestScaleToZero(t *testing.T) {
	on := map[string]string{"activator-scaler-address": scalerAddress}
	demand := kedav1alpha1.ScaleTriggers{
		Type: "external-push", Name: "knative-requests",
		Metadata: map[string]string{"scalerAddress": scalerAddress, "namespace": testNS, "revision": testRevision, "targetConcurrency": "70"},
	}
	demandWith := func(md map[string]string) kedav1alpha1.ScaleTriggers {
		d := *demand.DeepCopy()
		maps.Copy(d.Metadata, md)
		return d
	}
	prom := promTrigger("http_requests_per_second", renderedQuery, "10", autoscalingv2.AverageValueMetricType)
	zeroWith := func(triggers ...kedav1alpha1.ScaleTriggers) func(*kedav1alpha1.ScaledObject) {
		return func(so *kedav1alpha1.ScaledObject) {
			so.Spec.MinReplicaCount = ptr.Int32(0)
			so.Spec.Triggers = triggers
		}
	}
	minZero := map[string]string{autoscaling.MinScaleAnnotationKey: "0"}

	for _, tc := range []struct {
		name       string
		anns       map[string]string
		cc         int64
		autoscaler map[string]string
		keda       map[string]string
		want       []func(*kedav1alpha1.ScaledObject)
	}{{
		// The demand metric's target is the KPA's concurrency target, not 1
		// per pod (issue 19, defect 6).
		name: "demand target: containerConcurrency 10 times 70%",
		anns: custom(minZero),
		cc:   10,
		keda: on,
		want: []func(*kedav1alpha1.ScaledObject){zeroWith(prom, demandWith(map[string]string{"targetConcurrency": "7"}))},
	}, {
		name:       "demand target: config-autoscaler's default and target percentage",
		anns:       custom(minZero),
		autoscaler: map[string]string{"container-concurrency-target-default": "40", "container-concurrency-target-percentage": "50"},
		keda:       on,
		want:       []func(*kedav1alpha1.ScaledObject){zeroWith(prom, demandWith(map[string]string{"targetConcurrency": "20"}))},
	}, {
		name: "demand target: the revision's target-utilization-percentage; activation-scale 3",
		anns: custom(map[string]string{autoscaling.MinScaleAnnotationKey: "0", autoscaling.TargetUtilizationPercentageKey: "25", autoscaling.ActivationScaleKey: "3"}),
		keda: on,
		want: []func(*kedav1alpha1.ScaledObject){zeroWith(prom, demandWith(map[string]string{"targetConcurrency": "25", "activationScale": "3"}))},
	}, {
		name: "off by default: min-scale 0 means 1, no demand trigger",
		anns: custom(minZero),
		want: []func(*kedav1alpha1.ScaledObject){withTrigger(prom)},
	}, {
		name: "on: minReplicaCount 0 and the demand trigger after the revision's own",
		anns: custom(minZero),
		keda: on,
		want: []func(*kedav1alpha1.ScaledObject){zeroWith(prom, demand)},
	}, {
		name: "legacy minScale spelling",
		anns: custom(map[string]string{autoscaling.GroupName + "/minScale": "0"}),
		keda: on,
		want: []func(*kedav1alpha1.ScaledObject){zeroWith(prom, demand)},
	}, {
		name: "on, but min-scale unset: Serving's default 0 still means 1",
		anns: custom(nil),
		keda: on,
		want: []func(*kedav1alpha1.ScaledObject){withTrigger(prom)},
	}, {
		name: "on, min-scale 2: no demand trigger",
		anns: custom(map[string]string{autoscaling.MinScaleAnnotationKey: "2"}),
		keda: on,
		want: []func(*kedav1alpha1.ScaledObject){withTrigger(prom), func(so *kedav1alpha1.ScaledObject) { so.Spec.MinReplicaCount = ptr.Int32(2) }},
	}, {
		name:       "enable-scale-to-zero false: min-scale 0 means 1",
		anns:       custom(minZero),
		autoscaler: map[string]string{"enable-scale-to-zero": "false"},
		keda:       on,
		want:       []func(*kedav1alpha1.ScaledObject){withTrigger(prom)},
	}, {
		name: "the shortest cooldown: polling interval + 3s",
		anns: custom(map[string]string{autoscaling.MinScaleAnnotationKey: "0", PollingIntervalAnnotationKey: "1", CooldownPeriodAnnotationKey: "4"}),
		keda: on,
		want: []func(*kedav1alpha1.ScaledObject){zeroWith(prom, demand), func(so *kedav1alpha1.ScaledObject) {
			so.Spec.PollingInterval = ptr.Int32(1)
			so.Spec.CooldownPeriod = ptr.Int32(4)
		}},
	}, {
		// KEDA counts cpu always active only when every trigger is cpu or
		// memory; beside the request trigger, the requests decide.
		name: "cpu: minReplicaCount 0, the cpu trigger and the request trigger",
		anns: minZero,
		keda: on,
		want: []func(*kedav1alpha1.ScaledObject){zeroWith(kedav1alpha1.ScaleTriggers{
			Type: "cpu", MetricType: autoscalingv2.UtilizationMetricType, Metadata: map[string]string{"value": "80", "containerName": "user-container"},
		}, demand)},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			p := pa(tc.anns)
			p.Spec.ContainerConcurrency = tc.cc
			translatesTo(t, p, testConfig(t, tc.autoscaler, tc.keda), tc.want...)
		})
	}
}

func TestScaleToZeroRefused(t *testing.T) {
	on := map[string]string{"activator-scaler-address": scalerAddress}
	for _, tc := range []struct {
		name       string
		anns       map[string]string
		keda       map[string]string
		wantReason string
		wantMsg    string
	}{{
		name:       "scaling modifiers",
		anns:       custom(map[string]string{autoscaling.MinScaleAnnotationKey: "0", ScalingModifiersAnnotationKey: `{"formula":"http_requests_per_second * 2","target":"10"}`}),
		wantReason: "InvalidMinScale",
		wantMsg: "invalid value: 0: autoscaling.knative.dev/min-scale\n" +
			`scale to zero through the activator does not combine with scaling-modifiers: ` +
			`KEDA would judge activity by the formula alone, and the activator's demand could not wake the revision`,
	}, {
		name:       "an override that drops the demand trigger",
		anns:       custom(map[string]string{autoscaling.MinScaleAnnotationKey: "0", OverrideAnnotationKey: `{"spec":{"triggers":[{"type":"cpu","metricType":"Utilization","metadata":{"value":"50"}}]}}`}),
		wantReason: "InvalidScaledObjectOverride",
	}, {
		name:       "a cooldown of 0",
		anns:       custom(map[string]string{autoscaling.MinScaleAnnotationKey: "0", CooldownPeriodAnnotationKey: "0"}),
		wantReason: "InvalidKedaCooldownPeriod",
		wantMsg: "invalid value: 0: autoscaling.knative.dev/keda-cooldown-period\n" +
			`a min-scale "0" revision needs a KEDA cooldown of at least its polling interval (30s) + 3s = 33s: ` +
			`KEDA removes the last pod once the cooldown has passed since its last active poll, and the activator must be put in the revision's path before that`,
	}, {
		name:       "a cooldown 1s short of the polling interval + 3s",
		anns:       custom(map[string]string{autoscaling.MinScaleAnnotationKey: "0", PollingIntervalAnnotationKey: "10", CooldownPeriodAnnotationKey: "12s"}),
		wantReason: "InvalidKedaCooldownPeriod",
	}, {
		name:       "a cluster-wide cooldown too short: the config map's key",
		anns:       custom(map[string]string{autoscaling.MinScaleAnnotationKey: "0"}),
		keda:       map[string]string{"cooldown-period": "20s"},
		wantReason: "InvalidKedaCooldownPeriod",
		wantMsg: "invalid value: 20: autoscaling.knative.dev/keda-cooldown-period\n" +
			`a min-scale "0" revision needs a KEDA cooldown of at least its polling interval (30s) + 3s = 33s: ` +
			`KEDA removes the last pod once the cooldown has passed since its last active poll, and the activator must be put in the revision's path before that ` +
			`(the cooldown is config-autoscaler-keda's cooldown-period: set this annotation, or raise that)`,
	}, {
		name:       "a revision's own trigger named like the demand trigger",
		anns:       custom(map[string]string{autoscaling.MinScaleAnnotationKey: "0", PrometheusTriggerNameAnnotationKey: "knative-requests"}),
		wantReason: "InvalidTriggerPrometheusName",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			keda := map[string]string{}
			maps.Copy(keda, on)
			maps.Copy(keda, tc.keda)
			got, err := ScaledObject(Input{PA: pa(tc.anns), Config: testConfig(t, nil, keda), Workload: testWorkload()})
			if err == nil {
				t.Fatalf("ScaledObject() = %+v, want an error", got.Spec)
			}
			if r := Reason(err); r != tc.wantReason {
				t.Errorf("Reason = %s, want %s (error: %v)", r, tc.wantReason, err)
			}
			if tc.wantMsg != "" && err.Error() != tc.wantMsg {
				t.Errorf("error =\n%s\nwant\n%s", err.Error(), tc.wantMsg)
			}
		})
	}
}
