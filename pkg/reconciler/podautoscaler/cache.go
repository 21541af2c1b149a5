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

package podautoscaler

import (
	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	nv1alpha1 "knative.dev/networking/pkg/apis/networking/v1alpha1"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
)

// The informers' transforms keep in the cache only what the reconciler reads,
// so the controller's memory grows slowly with the number of revisions.

// dropManagedFields: managed fields are often the largest part of an object
// (each writer of a status adds an entry) and nothing here reads them.
// Updates built from a cached copy without them leave the server's as they are.
func dropManagedFields(obj interface{}) (interface{}, error) {
	if m, err := meta.Accessor(obj); err == nil {
		m.SetManagedFields(nil)
	}
	return obj, nil
}

// trimScaledObject keeps a ScaledObject's metadata and spec, which an update
// starts from, and KEDA's conditions, which the PA mirrors. The rest of the
// status (metric names, health, GVKR) is KEDA's bookkeeping; a ScaledObject
// update never carries status, as it is a subresource.
func trimScaledObject(obj interface{}) (interface{}, error) {
	so, ok := obj.(*kedav1alpha1.ScaledObject)
	if !ok {
		return dropManagedFields(obj)
	}
	so.ManagedFields = nil
	so.Status = kedav1alpha1.ScaledObjectStatus{Conditions: so.Status.Conditions}
	return so, nil
}

// trimHPA keeps of an HPA what the reconciler reads: its identity, owners
// and replica counts. HPAs are KEDA's and never written here, so the spec,
// metrics and conditions are not needed.
func trimHPA(obj interface{}) (interface{}, error) {
	hpa, ok := obj.(*autoscalingv2.HorizontalPodAutoscaler)
	if !ok {
		return dropManagedFields(obj)
	}
	return &autoscalingv2.HorizontalPodAutoscaler{
		TypeMeta: hpa.TypeMeta,
		ObjectMeta: metav1.ObjectMeta{
			Name:              hpa.Name,
			Namespace:         hpa.Namespace,
			UID:               hpa.UID,
			ResourceVersion:   hpa.ResourceVersion,
			Generation:        hpa.Generation,
			CreationTimestamp: hpa.CreationTimestamp,
			DeletionTimestamp: hpa.DeletionTimestamp,
			Labels:            hpa.Labels,
			OwnerReferences:   hpa.OwnerReferences,
		},
		Status: autoscalingv2.HorizontalPodAutoscalerStatus{
			CurrentReplicas: hpa.Status.CurrentReplicas,
			DesiredReplicas: hpa.Status.DesiredReplicas,
		},
	}, nil
}

// createdWithoutStatus reports an SKS or ScaledObject that a PA controls and
// that nobody has written a status on yet: one the reconciler just created.
func createdWithoutStatus(obj interface{}) bool {
	var (
		m     metav1.Object
		fresh bool
	)
	switch o := obj.(type) {
	case *kedav1alpha1.ScaledObject:
		m, fresh = o, len(o.Status.Conditions) == 0
	case *nv1alpha1.ServerlessService:
		m, fresh = o, len(o.Status.Conditions) == 0
	default:
		return false
	}
	owner := metav1.GetControllerOf(m)
	return fresh && owner != nil && owner.Kind == "PodAutoscaler" &&
		owner.APIVersion == autoscalingv1alpha1.SchemeGroupVersion.String()
}
