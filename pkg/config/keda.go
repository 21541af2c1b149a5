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
	"fmt"
	"net"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	cm "knative.dev/pkg/configmap"
	"knative.dev/serving/pkg/apis/autoscaling"
)

// KEDAConfigName is the name of this project's config map in the system namespace.
const KEDAConfigName = "config-autoscaler-keda"

// Keys of config-autoscaler-keda. config/config-autoscaler-keda.yaml documents
// each of them in its _example block.
const (
	PrometheusAddressKey         = "prometheus-address"
	AutoCreateKey                = "scaled-object-auto-create"
	ClusterTriggerAuthAllowedKey = "allowed-cluster-trigger-authentications"
	PollingIntervalKey           = "polling-interval"
	CooldownPeriodKey            = "cooldown-period"
	FallbackFailureThresholdKey  = "fallback-failure-threshold"
	FallbackReplicasKey          = "fallback-replicas"
	ClassesKey                   = "pod-autoscaler-classes"
	ActivatorScalerAddressKey    = "activator-scaler-address"
	ActivatorScrapePeriodKey     = "activator-scrape-period"
)

// KEDAClass is this project's own PodAutoscaler class, for clusters where
// Serving's autoscaler-hpa keeps hpa.autoscaling.knative.dev. It lies outside
// knative.dev, whose classes Serving's webhook limits to its own two, and
// outside keda.sh, which is KEDA's to name; like Serving's classes it reads
// <autoscaler>.autoscaling.<owner's domain>.
const KEDAClass = "keda.autoscaling.serving-keda.dev"

// Classes are the PodAutoscaler classes this controller can reconcile; it
// treats both alike.
var Classes = []string{autoscaling.HPA, KEDAClass}

// KEDA is the parsed config-autoscaler-keda.
type KEDA struct {
	// PrometheusAddress is the server a custom-metric trigger queries when the
	// revision does not name one. Empty means every custom metric must name it.
	PrometheusAddress string

	// AutoCreate is whether the controller creates and owns a ScaledObject for a
	// revision that does not say otherwise. When false the user brings their own.
	AutoCreate bool

	// AllowedClusterTriggerAuthentications lists the ClusterTriggerAuthentications
	// a revision may reference. Empty by default: whoever may edit a Knative
	// Service must not borrow cluster-wide credentials unless an operator says so.
	AllowedClusterTriggerAuthentications sets.Set[string]

	// PollingInterval and CooldownPeriod are KEDA's pollingInterval and
	// cooldownPeriod for revisions that do not set them; zero leaves KEDA's own
	// defaults (30s and 300s).
	PollingInterval time.Duration
	CooldownPeriod  time.Duration

	// FallbackFailureThreshold and FallbackReplicas give every revision whose
	// triggers support it a KEDA fallback; a zero threshold means no fallback.
	FallbackFailureThreshold int32
	FallbackReplicas         int32

	// Classes are the PodAutoscaler classes reconciled, a subset of Classes.
	// By default only the HPA class, as a drop-in for Serving's autoscaler-hpa.
	Classes sets.Set[string]

	// ActivatorScalerAddress is the host:port of this controller's KEDA
	// external-push scaler, which revisions that may go to zero through
	// the activator get a trigger for. Empty: scale to zero through the
	// activator is off (docs/scale-to-zero.md).
	ActivatorScalerAddress string
	// ActivatorScrapePeriod is how often the activators' concurrency is
	// read while a revision is held at the activator.
	ActivatorScrapePeriod time.Duration
}

// DefaultKEDA returns the configuration used when the config map is empty.
func DefaultKEDA() *KEDA {
	return &KEDA{
		AutoCreate:                           true,
		AllowedClusterTriggerAuthentications: sets.New[string](),
		Classes:                              sets.New(autoscaling.HPA),
		ActivatorScrapePeriod:                DefaultActivatorScrapePeriod,
	}
}

// DefaultActivatorScrapePeriod is activator-scrape-period's default: the
// activator's own report tick.
const DefaultActivatorScrapePeriod = time.Second

// LegacyKeys are knative-extensions/autoscaler-keda's spellings of keys of
// this config map (it is named config-autoscaler-keda too), read as aliases.
var LegacyKeys = map[string]string{
	"autoscaler.keda.prometheus-address":      PrometheusAddressKey,
	"autoscaler.keda.scaledobject-autocreate": AutoCreateKey,
}

// NewKEDAFromMap parses the data of config-autoscaler-keda.
func NewKEDAFromMap(data map[string]string) (*KEDA, error) {
	data, err := resolveLegacyKeys(data)
	if err != nil {
		return nil, err
	}
	c := DefaultKEDA()
	var allowed, classes []string
	if err := cm.Parse(data,
		cm.AsString(PrometheusAddressKey, &c.PrometheusAddress),
		cm.AsBool(AutoCreateKey, &c.AutoCreate),
		asList(ClusterTriggerAuthAllowedKey, &allowed),
		cm.AsDuration(PollingIntervalKey, &c.PollingInterval),
		cm.AsDuration(CooldownPeriodKey, &c.CooldownPeriod),
		cm.AsInt32(FallbackFailureThresholdKey, &c.FallbackFailureThreshold),
		cm.AsInt32(FallbackReplicasKey, &c.FallbackReplicas),
		asList(ClassesKey, &classes),
		cm.AsString(ActivatorScalerAddressKey, &c.ActivatorScalerAddress),
		cm.AsDuration(ActivatorScrapePeriodKey, &c.ActivatorScrapePeriod),
	); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", KEDAConfigName, err)
	}
	c.AllowedClusterTriggerAuthentications = sets.New(allowed...)
	if _, set := data[ClassesKey]; set {
		if err := checkClasses(classes); err != nil {
			return nil, err
		}
		c.Classes = sets.New(classes...)
	}

	if c.PrometheusAddress != "" {
		if err := ValidateServerAddress(c.PrometheusAddress); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", KEDAConfigName, PrometheusAddressKey, err)
		}
	}
	for key, d := range map[string]time.Duration{PollingIntervalKey: c.PollingInterval, CooldownPeriodKey: c.CooldownPeriod} {
		if d < 0 || d.Truncate(time.Second) != d || d > maxPeriod {
			return nil, fmt.Errorf("%s: %s=%v must be whole seconds between 0s and %v", KEDAConfigName, key, d, maxPeriod)
		}
	}
	if c.ActivatorScalerAddress != "" {
		if _, port, err := net.SplitHostPort(c.ActivatorScalerAddress); err != nil || port == "" {
			return nil, fmt.Errorf("%s: %s=%q must be host:port", KEDAConfigName, ActivatorScalerAddressKey, c.ActivatorScalerAddress)
		}
	}
	if c.ActivatorScrapePeriod < 100*time.Millisecond || c.ActivatorScrapePeriod > time.Minute {
		return nil, fmt.Errorf("%s: %s=%v must be between 100ms and 1m", KEDAConfigName, ActivatorScrapePeriodKey, c.ActivatorScrapePeriod)
	}
	if c.FallbackFailureThreshold < 0 || c.FallbackReplicas < 0 {
		return nil, fmt.Errorf("%s: %s=%d and %s=%d must not be negative", KEDAConfigName,
			FallbackFailureThresholdKey, c.FallbackFailureThreshold, FallbackReplicasKey, c.FallbackReplicas)
	}
	if c.FallbackFailureThreshold == 0 && c.FallbackReplicas != 0 {
		return nil, fmt.Errorf("%s: %s=%d needs %s > 0", KEDAConfigName,
			FallbackReplicasKey, c.FallbackReplicas, FallbackFailureThresholdKey)
	}
	return c, nil
}

// NewKEDAFromConfigMap parses config-autoscaler-keda.
func NewKEDAFromConfigMap(config *corev1.ConfigMap) (*KEDA, error) {
	return NewKEDAFromMap(config.Data)
}

// resolveLegacyKeys returns data with every legacy key read as its current
// spelling; both spellings with different values are an error, as either
// choice would silently ignore one.
func resolveLegacyKeys(data map[string]string) (map[string]string, error) {
	var out map[string]string // a copy, made only when there is a legacy key
	for legacy, current := range LegacyKeys {
		v, ok := data[legacy]
		if !ok {
			continue
		}
		if cur, both := data[current]; both && cur != v {
			return nil, fmt.Errorf("%s: %s=%q and %s=%q: %s is knative-extensions/autoscaler-keda's spelling of %s; set only %s",
				KEDAConfigName, legacy, v, current, cur, legacy, current, current)
		}
		if out == nil {
			out = make(map[string]string, len(data))
			for k, val := range data {
				out[k] = val
			}
		}
		out[current] = v
	}
	if out == nil {
		return data, nil
	}
	return out, nil
}

// checkClasses accepts a non-empty list of the classes this controller knows.
func checkClasses(classes []string) error {
	if len(classes) == 0 {
		return fmt.Errorf("%s: %s is empty: list at least one of %s", KEDAConfigName, ClassesKey, strings.Join(Classes, ", "))
	}
	for _, c := range classes {
		if !slices.Contains(Classes, c) {
			return fmt.Errorf("%s: %s: %q is not a class this controller reconciles; use %s",
				KEDAConfigName, ClassesKey, c, strings.Join(Classes, " or "))
		}
	}
	return nil
}

// maxPeriod bounds the polling interval and cooldown period: a day is far
// beyond any useful value and keeps the seconds within int32.
const maxPeriod = 24 * time.Hour

// SortedAllowedClusterTriggerAuthentications lists the allow-list for messages.
func (c *KEDA) SortedAllowedClusterTriggerAuthentications() []string {
	l := c.AllowedClusterTriggerAuthentications.UnsortedList()
	sort.Strings(l)
	return l
}

// DeepCopy copies the configuration; the store hands each reconcile its own copy.
func (c *KEDA) DeepCopy() *KEDA {
	out := *c
	out.AllowedClusterTriggerAuthentications = c.AllowedClusterTriggerAuthentications.Clone()
	out.Classes = c.Classes.Clone()
	return &out
}

// ValidateServerAddress accepts an absolute http or https URL with a host, the
// only form KEDA's Prometheus scaler can query.
func ValidateServerAddress(address string) error {
	u, err := url.Parse(address)
	if err != nil {
		return fmt.Errorf("not a URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("scheme must be http or https, not %q", u.Scheme)
	}
	if u.Host == "" {
		return fmt.Errorf("URL %q has no host", address)
	}
	if u.User != nil {
		return fmt.Errorf("URL %q must not carry credentials: use a TriggerAuthentication", address)
	}
	return nil
}

// asList parses a comma or newline separated list, trimming blanks.
func asList(key string, target *[]string) cm.ParseFunc {
	return func(data map[string]string) error {
		raw, ok := data[key]
		if !ok {
			return nil
		}
		*target = nil
		for _, f := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == '\n' }) {
			if f = strings.TrimSpace(f); f != "" {
				*target = append(*target, f)
			}
		}
		return nil
	}
}
