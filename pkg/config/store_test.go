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
	"context"
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	cm "knative.dev/pkg/configmap"
	logtesting "knative.dev/pkg/logging/testing"
	_ "knative.dev/pkg/system/testing" // SYSTEM_NAMESPACE
	asconfig "knative.dev/serving/pkg/autoscaler/config"
)

func TestStore(t *testing.T) {
	var changed []string
	store := NewStore(logtesting.TestLogger(t), func(name string, _ interface{}) { changed = append(changed, name) })
	store.OnConfigChanged(&corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: asconfig.ConfigName},
		Data:       map[string]string{"max-scale": "7"},
	})
	store.OnConfigChanged(&corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: KEDAConfigName},
		Data:       map[string]string{PrometheusAddressKey: "http://prom:9090"},
	})

	ctx := store.ToContext(context.Background())
	cfg := FromContext(ctx)
	if cfg.Autoscaler.MaxScale != 7 {
		t.Errorf("Autoscaler.MaxScale = %d, want 7", cfg.Autoscaler.MaxScale)
	}
	if cfg.KEDA.PrometheusAddress != "http://prom:9090" {
		t.Errorf("KEDA.PrometheusAddress = %q", cfg.KEDA.PrometheusAddress)
	}
	if len(changed) != 2 || changed[0] != asconfig.ConfigName || changed[1] != KEDAConfigName {
		t.Errorf("onAfterStore saw %v, want both config maps in order", changed)
	}

	// Each Load is a copy: a reconcile cannot change what the next one sees.
	cfg.KEDA.PrometheusAddress = "http://changed"
	cfg.Autoscaler.MaxScale = 1
	again := store.Load()
	if again.KEDA.PrometheusAddress != "http://prom:9090" || again.Autoscaler.MaxScale != 7 {
		t.Error("Load() returned shared state")
	}
}

func TestFromContextEmpty(t *testing.T) {
	if FromContext(context.Background()) != nil {
		t.Error("FromContext of a bare context should be nil")
	}
}

func TestStoreDeployment(t *testing.T) {
	store := NewStore(logtesting.TestLogger(t))
	for _, name := range []string{asconfig.ConfigName, KEDAConfigName} {
		store.OnConfigChanged(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}})
	}
	if got := store.Load().Deployment.ProgressDeadline; got != 600*time.Second {
		t.Errorf("without config-deployment: ProgressDeadline = %v, want Serving's default 10m0s", got)
	}
	store.OnConfigChanged(&corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: DeploymentConfigName},
		// Serving's own key; queue-sidecar-image, which Serving requires, is
		// not needed here.
		Data: map[string]string{"progress-deadline": "90s"},
	})
	if got := store.Load().Deployment.ProgressDeadline; got != 90*time.Second {
		t.Errorf("ProgressDeadline = %v, want 1m30s", got)
	}
	for _, bad := range []string{"0s", "-5s", "1.5s", "soon"} {
		if _, err := NewDeploymentFromConfigMap(&corev1.ConfigMap{Data: map[string]string{"progress-deadline": bad}}); err == nil {
			t.Errorf("progress-deadline %q: no error", bad)
		}
	}
}

// recordingWatcher records how each config map is watched.
type recordingWatcher struct {
	watched, defaulted []string
}

func (w *recordingWatcher) Watch(name string, _ ...cm.Observer) { w.watched = append(w.watched, name) }
func (w *recordingWatcher) Start(<-chan struct{}) error         { return nil }
func (w *recordingWatcher) WatchWithDefault(c corev1.ConfigMap, _ ...cm.Observer) {
	w.defaulted = append(w.defaulted, c.Name)
}

func TestStoreWatchConfigs(t *testing.T) {
	w := &recordingWatcher{}
	NewStore(logtesting.TestLogger(t)).WatchConfigs(w)
	if !reflect.DeepEqual(w.watched, []string{asconfig.ConfigName, KEDAConfigName}) {
		t.Errorf("watched %v, want config-autoscaler and config-autoscaler-keda (required)", w.watched)
	}
	if !reflect.DeepEqual(w.defaulted, []string{"config-deployment"}) {
		t.Errorf("watched with a default %v, want config-deployment", w.defaulted)
	}
}
