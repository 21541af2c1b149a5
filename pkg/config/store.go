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

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	cm "knative.dev/pkg/configmap"
	"knative.dev/pkg/system"
	asconfig "knative.dev/serving/pkg/autoscaler/config"
	"knative.dev/serving/pkg/autoscaler/config/autoscalerconfig"
)

// Config is the configuration one reconcile works with.
type Config struct {
	// Autoscaler is Serving's config-autoscaler: scale bound defaults, the
	// max-scale limit and initial scale rules.
	Autoscaler *autoscalerconfig.Config
	// KEDA is config-autoscaler-keda.
	KEDA *KEDA
	// Deployment is what Serving's config-deployment says of activation.
	Deployment *Deployment
}

type cfgKey struct{}

// FromContext returns the configuration stored by Store.ToContext.
func FromContext(ctx context.Context) *Config {
	c, _ := ctx.Value(cfgKey{}).(*Config)
	return c
}

// ToContext attaches a configuration to a context.
func ToContext(ctx context.Context, c *Config) context.Context {
	return context.WithValue(ctx, cfgKey{}, c)
}

// Store keeps the latest config-autoscaler and config-autoscaler-keda.
type Store struct {
	*cm.UntypedStore
}

// NewStore creates a store; onAfterStore runs after either config map changes.
func NewStore(logger cm.Logger, onAfterStore ...func(name string, value interface{})) *Store {
	return &Store{
		UntypedStore: cm.NewUntypedStore(
			"autoscaler-keda",
			logger,
			cm.Constructors{
				asconfig.ConfigName: asconfig.NewConfigFromConfigMap,
				KEDAConfigName:      NewKEDAFromConfigMap,
				// Watched with a default: WatchConfigs.
				DeploymentConfigName: NewDeploymentFromConfigMap,
			},
			onAfterStore...,
		),
	}
}

// WatchConfigs watches config-autoscaler and config-autoscaler-keda,
// which must exist, and Serving's config-deployment with its defaults when
// it does not (a watcher that cannot default sees it as required).
func (s *Store) WatchConfigs(w cm.Watcher) {
	for _, name := range []string{asconfig.ConfigName, KEDAConfigName} {
		w.Watch(name, s.OnConfigChanged)
	}
	if dw, ok := w.(cm.DefaultingWatcher); ok {
		dw.WatchWithDefault(corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: DeploymentConfigName, Namespace: system.Namespace()}}, s.OnConfigChanged)
	} else {
		w.Watch(DeploymentConfigName, s.OnConfigChanged)
	}
}

// ToContext attaches a snapshot of the current configuration to ctx.
func (s *Store) ToContext(ctx context.Context) context.Context {
	return ToContext(ctx, s.Load())
}

// Load returns a deep copy of the current configuration.
func (s *Store) Load() *Config {
	return &Config{
		Autoscaler: s.UntypedLoad(asconfig.ConfigName).(*autoscalerconfig.Config).DeepCopy(),
		KEDA:       s.UntypedLoad(KEDAConfigName).(*KEDA).DeepCopy(),
		Deployment: s.deployment(),
	}
}

// deployment is config-deployment's settings; Serving's defaults until it
// has been read (a watcher without defaults, a config map that failed to
// parse at start).
func (s *Store) deployment() *Deployment {
	if d, ok := s.UntypedLoad(DeploymentConfigName).(*Deployment); ok && d != nil {
		return d.DeepCopy()
	}
	d, _ := NewDeploymentFromConfigMap(&corev1.ConfigMap{})
	return d
}
