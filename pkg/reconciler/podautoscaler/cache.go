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
	"unique"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	nv1alpha1 "knative.dev/networking/pkg/apis/networking/v1alpha1"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
)

// The informers' transforms keep in the cache only what the reconciler reads,
// and one copy of the strings that recur on the objects, so the controller's
// memory grows slowly with the number of revisions.

// slimMeta drops an object's managed fields, often the largest part of it
// (each writer of a status adds an entry) and never read here; updates built
// from a cached copy without them leave the server's as they are. It also
// interns the names, labels, annotations and owners: a revision's PA, SKS,
// ScaledObject and HPA carry the same ones (the ScaledObject copies the PA's
// labels and annotations, KEDA copies those onto the HPA).
func slimMeta(m *metav1.ObjectMeta) {
	m.ManagedFields = nil
	m.Name = intern(m.Name)
	m.Namespace = intern(m.Namespace)
	m.UID = types.UID(intern(string(m.UID)))
	m.Labels = internMap(m.Labels)
	m.Annotations = internMap(m.Annotations)
	for i := range m.OwnerReferences {
		o := &m.OwnerReferences[i]
		o.APIVersion, o.Kind, o.Name = intern(o.APIVersion), intern(o.Kind), intern(o.Name)
		o.UID = types.UID(intern(string(o.UID)))
	}
}

func intern(s string) string { return unique.Make(s).Value() }

func internMap(in map[string]string) map[string]string {
	if in == nil {
		return nil
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[intern(k)] = intern(v)
	}
	return out
}

// slimPA is the PodAutoscalers' transform.
func slimPA(obj interface{}) (interface{}, error) {
	if pa, ok := obj.(*autoscalingv1alpha1.PodAutoscaler); ok {
		slimMeta(&pa.ObjectMeta)
	}
	return obj, nil
}

// slimSKS is the ServerlessServices' transform.
func slimSKS(obj interface{}) (interface{}, error) {
	if sks, ok := obj.(*nv1alpha1.ServerlessService); ok {
		slimMeta(&sks.ObjectMeta)
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
		return obj, nil
	}
	slimMeta(&so.ObjectMeta)
	so.Status = kedav1alpha1.ScaledObjectStatus{Conditions: so.Status.Conditions}
	return so, nil
}

// trimHPA keeps of an HPA what the reconciler reads: its identity, owners
// and replica counts. HPAs are KEDA's and never written here, and the
// informer selects KEDA's by label on the server, so the labels, spec,
// metrics and conditions are not needed.
func trimHPA(obj interface{}) (interface{}, error) {
	hpa, ok := obj.(*autoscalingv2.HorizontalPodAutoscaler)
	if !ok {
		return obj, nil
	}
	t := &autoscalingv2.HorizontalPodAutoscaler{
		TypeMeta: hpa.TypeMeta,
		ObjectMeta: metav1.ObjectMeta{
			Name:              hpa.Name,
			Namespace:         hpa.Namespace,
			UID:               hpa.UID,
			ResourceVersion:   hpa.ResourceVersion,
			Generation:        hpa.Generation,
			CreationTimestamp: hpa.CreationTimestamp,
			DeletionTimestamp: hpa.DeletionTimestamp,
			OwnerReferences:   hpa.OwnerReferences,
		},
		Status: autoscalingv2.HorizontalPodAutoscalerStatus{
			CurrentReplicas: hpa.Status.CurrentReplicas,
			DesiredReplicas: hpa.Status.DesiredReplicas,
		},
	}
	slimMeta(&t.ObjectMeta)
	return t, nil
}

// trimDeployment keeps of a revision's Deployment what the reconciler reads:
// its identity and revision label, its replica counts, and of each container
// what the translation reads (translate.WorkloadFromPodSpec): its name,
// whether it has ports, and which of cpu and memory it requests or limits,
// as values every cached Deployment shares (sizedContainer). The rest of the
// pod template (env, probes, volumes, the queue-proxy's long argument list)
// is Serving's.
func trimDeployment(obj interface{}) (interface{}, error) {
	d, ok := obj.(*appsv1.Deployment)
	if !ok {
		return obj, nil
	}
	t := &appsv1.Deployment{
		TypeMeta: d.TypeMeta,
		ObjectMeta: metav1.ObjectMeta{
			Name:              d.Name,
			Namespace:         d.Namespace,
			UID:               d.UID,
			ResourceVersion:   d.ResourceVersion,
			Generation:        d.Generation,
			CreationTimestamp: d.CreationTimestamp,
			DeletionTimestamp: d.DeletionTimestamp,
			Labels:            map[string]string{RevisionDeploymentSelector: d.Labels[RevisionDeploymentSelector]},
		},
		Spec: appsv1.DeploymentSpec{Replicas: d.Spec.Replicas},
		Status: appsv1.DeploymentStatus{
			Replicas:      d.Status.Replicas,
			ReadyReplicas: d.Status.ReadyReplicas,
		},
	}
	for i := range d.Spec.Template.Spec.Containers {
		t.Spec.Template.Spec.Containers = append(t.Spec.Template.Spec.Containers, sizedContainer(&d.Spec.Template.Spec.Containers[i]))
	}
	slimMeta(&t.ObjectMeta)
	return t, nil
}

// sizedContainer is c as the translation sees it: its name; a port if it has
// any; a request of 1 for each of cpu and memory it requests or limits with a
// positive quantity (KEDA's webhook accepts either), none for the others.
// Its ports and requests are shared by all cached containers (never written
// to: an informer's objects are read-only), so a trimmed container costs its
// name and a few words, not the maps and quantities decoded from the API.
func sizedContainer(c *corev1.Container) corev1.Container {
	out := corev1.Container{Name: intern(c.Name)}
	if len(c.Ports) > 0 {
		out.Ports = aPort
	}
	i := 0
	for bit, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, hasReq := c.Resources.Requests[r]
		lim, hasLim := c.Resources.Limits[r]
		if (hasReq && req.Sign() > 0) || (hasLim && lim.Sign() > 0) {
			i |= 1 << bit
		}
	}
	out.Resources.Requests = sizedRequests[i]
	return out
}

var (
	aPort         = []corev1.ContainerPort{{ContainerPort: 1}}
	one           = resource.MustParse("1")
	sizedRequests = [4]corev1.ResourceList{
		nil,
		{corev1.ResourceCPU: one},
		{corev1.ResourceMemory: one},
		{corev1.ResourceCPU: one, corev1.ResourceMemory: one},
	}
)

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
