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

package testing

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	nv1alpha1 "knative.dev/networking/pkg/apis/networking/v1alpha1"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
)

// EndpointsSince sets when the SKS's activator endpoints were populated.
func EndpointsSince(s *nv1alpha1.ServerlessService, t time.Time) {
	setSince(s.Status.Conditions, nv1alpha1.ActivatorEndpointsPopulated, t)
}

// ActiveSince sets when the PA's Active condition last changed (its
// GetCondition returns a copy).
func ActiveSince(p *autoscalingv1alpha1.PodAutoscaler, t time.Time) {
	setSince(p.Status.Conditions, autoscalingv1alpha1.PodAutoscalerConditionActive, t)
}

func setSince(conds duckv1.Conditions, typ apis.ConditionType, t time.Time) {
	for i := range conds {
		if conds[i].Type == typ {
			conds[i].LastTransitionTime = apis.VolatileTime{Inner: metav1.NewTime(t)}
		}
	}
}
