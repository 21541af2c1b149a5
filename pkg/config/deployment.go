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
	"time"

	corev1 "k8s.io/api/core/v1"
	cm "knative.dev/pkg/configmap"
	"knative.dev/serving/pkg/deployment"
)

// Deployment is what this controller reads of Serving's config-deployment:
// the progress deadline, from which a revision woken from zero times out
// as with the KPA (its activation timeout is the deadline plus a margin).
// Serving's own parser is not used: it refuses a config map without
// queue-sidecar-image, which this controller has no use for, and the
// config map is watched with a default so an install without it still
// starts.
type Deployment struct {
	ProgressDeadline time.Duration
}

// DeploymentConfigName is Serving's config-deployment.
const DeploymentConfigName = deployment.ConfigName

// NewDeploymentFromConfigMap reads progress-deadline with Serving's key,
// default and rules (positive, whole seconds).
func NewDeploymentFromConfigMap(c *corev1.ConfigMap) (*Deployment, error) {
	d := &Deployment{ProgressDeadline: deployment.ProgressDeadlineDefault}
	if err := cm.Parse(c.Data, cm.AsDuration(deployment.ProgressDeadlineKey, &d.ProgressDeadline)); err != nil {
		return nil, fmt.Errorf("%s: %w", DeploymentConfigName, err)
	}
	if d.ProgressDeadline <= 0 || d.ProgressDeadline.Truncate(time.Second) != d.ProgressDeadline {
		return nil, fmt.Errorf("%s: %s must be a positive whole number of seconds, was %v",
			DeploymentConfigName, deployment.ProgressDeadlineKey, d.ProgressDeadline)
	}
	return d, nil
}

// DeepCopy copies d.
func (d *Deployment) DeepCopy() *Deployment {
	out := *d
	return &out
}
