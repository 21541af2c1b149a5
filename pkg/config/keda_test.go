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

package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/sets"
	cmtesting "knative.dev/pkg/configmap/testing"
	"knative.dev/serving/pkg/apis/autoscaling"
)

func TestKEDAConfigMapExample(t *testing.T) {
	cm, example := cmtesting.ConfigMapsFromTestFile(t, KEDAConfigName)
	got, err := NewKEDAFromConfigMap(cm)
	if err != nil {
		t.Fatal("NewKEDAFromConfigMap(shipped) =", err)
	}
	if diff := cmp.Diff(DefaultKEDA(), got); diff != "" {
		t.Errorf("shipped config map differs from the defaults (-want, +got):\n%s", diff)
	}
	fromExample, err := NewKEDAFromConfigMap(example)
	if err != nil {
		t.Fatal("NewKEDAFromConfigMap(_example) =", err)
	}
	// The _example documents the defaults: copying it out changes nothing.
	if diff := cmp.Diff(DefaultKEDA(), fromExample); diff != "" {
		t.Errorf("_example values differ from the defaults (-want, +got):\n%s", diff)
	}
}

func TestNewKEDAFromMap(t *testing.T) {
	tests := []struct {
		name    string
		data    map[string]string
		want    *KEDA
		wantErr string
	}{{
		name: "empty",
		want: DefaultKEDA(),
	}, {
		name: "everything",
		data: map[string]string{
			PrometheusAddressKey:         "https://prom.monitoring:9090/api",
			AutoCreateKey:                "false",
			ClusterTriggerAuthAllowedKey: " shared-prom ,\nteam-b,,",
			PollingIntervalKey:           "15s",
			CooldownPeriodKey:            "2m",
			FallbackFailureThresholdKey:  "3",
			FallbackReplicasKey:          "4",
			ClassesKey:                   "keda.autoscaling.serving-keda.dev, hpa.autoscaling.knative.dev",
			ActivatorScalerAddressKey:    "autoscaler-keda.knative-serving.svc:9443",
			ActivatorScrapePeriodKey:     "500ms",
		},
		want: &KEDA{
			ActivatorScalerAddress:               "autoscaler-keda.knative-serving.svc:9443",
			ActivatorScrapePeriod:                500 * time.Millisecond,
			Classes:                              sets.New(KEDAClass, autoscaling.HPA),
			PrometheusAddress:                    "https://prom.monitoring:9090/api",
			AllowedClusterTriggerAuthentications: sets.New("shared-prom", "team-b"),
			PollingInterval:                      15 * time.Second,
			CooldownPeriod:                       2 * time.Minute,
			FallbackFailureThreshold:             3,
			FallbackReplicas:                     4,
		},
	}, {
		name:    "bad address",
		data:    map[string]string{PrometheusAddressKey: "prometheus:9090"},
		wantErr: "prometheus-address",
	}, {
		name:    "address with credentials",
		data:    map[string]string{PrometheusAddressKey: "http://admin:pw@prom:9090"},
		wantErr: "credentials",
	}, {
		name:    "bad bool",
		data:    map[string]string{AutoCreateKey: "sure"},
		wantErr: AutoCreateKey,
	}, {
		name:    "fractional polling",
		data:    map[string]string{PollingIntervalKey: "1500ms"},
		wantErr: PollingIntervalKey,
	}, {
		name:    "negative cooldown",
		data:    map[string]string{CooldownPeriodKey: "-1s"},
		wantErr: CooldownPeriodKey,
	}, {
		name:    "fallback replicas without threshold",
		data:    map[string]string{FallbackReplicasKey: "2"},
		wantErr: FallbackFailureThresholdKey,
	}, {
		name:    "scaler address without a port",
		data:    map[string]string{ActivatorScalerAddressKey: "autoscaler-keda.knative-serving"},
		wantErr: `config-autoscaler-keda: activator-scaler-address="autoscaler-keda.knative-serving" must be host:port`,
	}, {
		name:    "scrape period too short",
		data:    map[string]string{ActivatorScrapePeriodKey: "10ms"},
		wantErr: "activator-scrape-period=10ms must be between 100ms and 1m",
	}, {
		name:    "negative fallback",
		data:    map[string]string{FallbackFailureThresholdKey: "-2"},
		wantErr: "must not be negative",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NewKEDAFromMap(tc.data)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one naming %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want, +got):\n%s", diff)
			}
		})
	}
}

func TestClasses(t *testing.T) {
	for _, tc := range []struct {
		value   string
		want    sets.Set[string]
		wantErr string
	}{{
		value: "keda.autoscaling.serving-keda.dev",
		want:  sets.New(KEDAClass),
	}, {
		value: "hpa.autoscaling.knative.dev\nkeda.autoscaling.serving-keda.dev\n",
		want:  sets.New(autoscaling.HPA, KEDAClass),
	}, {
		value:   "kpa.autoscaling.knative.dev",
		wantErr: `config-autoscaler-keda: pod-autoscaler-classes: "kpa.autoscaling.knative.dev" is not a class this controller reconciles; use hpa.autoscaling.knative.dev or keda.autoscaling.serving-keda.dev`,
	}, {
		value:   "keda",
		wantErr: `config-autoscaler-keda: pod-autoscaler-classes: "keda" is not a class this controller reconciles; use hpa.autoscaling.knative.dev or keda.autoscaling.serving-keda.dev`,
	}, {
		value:   " , ",
		wantErr: "config-autoscaler-keda: pod-autoscaler-classes is empty: list at least one of hpa.autoscaling.knative.dev, keda.autoscaling.serving-keda.dev",
	}} {
		t.Run(tc.value, func(t *testing.T) {
			got, err := NewKEDAFromMap(map[string]string{ClassesKey: tc.value})
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error = %v, want %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Classes.Equal(tc.want) {
				t.Errorf("Classes = %v, want %v", sets.List(got.Classes), sets.List(tc.want))
			}
		})
	}
}

func TestDeepCopyOwnsItsAllowList(t *testing.T) {
	c, err := NewKEDAFromMap(map[string]string{ClusterTriggerAuthAllowedKey: "a"})
	if err != nil {
		t.Fatal(err)
	}
	cp := c.DeepCopy()
	cp.AllowedClusterTriggerAuthentications.Insert("b")
	if c.AllowedClusterTriggerAuthentications.Has("b") {
		t.Error("DeepCopy shares the allow-list with its original")
	}
}
