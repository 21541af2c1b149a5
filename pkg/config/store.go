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

	cm "knative.dev/pkg/configmap"
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
			},
			onAfterStore...,
		),
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
	}
}
