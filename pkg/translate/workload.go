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
	"errors"
	"fmt"
	"strings"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"knative.dev/serving/pkg/apis/autoscaling"
)

// QueueProxyContainer is the name of the sidecar Serving adds to every
// revision's pod. With Serving's defaults it requests 25m of cpu and no
// memory, so a pod-wide memory trigger is refused by KEDA's webhook on every
// revision, and a pod-wide utilization would count a container the user
// does not size.
const QueueProxyContainer = "queue-proxy"

// containerNameKey is the metadata key of KEDA's cpu and memory scalers that
// scopes them to one container (the HPA then uses a ContainerResource metric).
const containerNameKey = "containerName"

// Workload is what the translation reads of the revision's Deployment: the
// containers of its pod template and what each requests. KEDA's admission
// webhook refuses a cpu or memory trigger when a container it measures has
// no request (or limit) for that resource and no LimitRange of the namespace
// gives one; the translation checks the same before anything is written.
type Workload struct {
	// Name of the Deployment, for messages.
	Name string
	// Containers in the pod template's order.
	Containers []Container
	// LimitRangeDefaults are the resources some LimitRange of the namespace
	// gives every container by default (a default request or limit above 0).
	LimitRangeDefaults []corev1.ResourceName
}

// Container is one container of a Workload.
type Container struct {
	Name string
	// Ports is whether the container declares a port: Serving's serving
	// container is the one user container that does.
	Ports bool
	// Sized lists the resources the container requests or limits above 0.
	Sized []corev1.ResourceName
}

// WorkloadFromPodSpec describes a pod template the way KEDA's webhook reads it.
func WorkloadFromPodSpec(name string, spec *corev1.PodSpec, limitRangeDefaults []corev1.ResourceName) *Workload {
	w := &Workload{Name: name, LimitRangeDefaults: limitRangeDefaults}
	for i := range spec.Containers {
		c := &spec.Containers[i]
		out := Container{Name: c.Name, Ports: len(c.Ports) > 0}
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			req, hasReq := c.Resources.Requests[r]
			lim, hasLim := c.Resources.Limits[r]
			if (hasReq && req.Sign() > 0) || (hasLim && lim.Sign() > 0) {
				out.Sized = append(out.Sized, r)
			}
		}
		w.Containers = append(w.Containers, out)
	}
	return w
}

// ServingContainer is the container whose usage a revision scales on: the
// user container with a port (Serving allows exactly one), else the first
// container that is not queue-proxy.
func (w *Workload) ServingContainer() string {
	first := ""
	for _, c := range w.Containers {
		if c.Name == QueueProxyContainer {
			continue
		}
		if c.Ports {
			return c.Name
		}
		if first == "" {
			first = c.Name
		}
	}
	return first
}

// sized reports whether container may carry a trigger on resource r.
func (w *Workload) sized(container string, r corev1.ResourceName) (found, ok bool) {
	for _, c := range w.Containers {
		if c.Name != container {
			continue
		}
		for _, s := range c.Sized {
			if s == r {
				return true, true
			}
		}
		return true, w.limitRangeSizes(r)
	}
	return false, false
}

func (w *Workload) limitRangeSizes(r corev1.ResourceName) bool {
	for _, d := range w.LimitRangeDefaults {
		if d == r {
			return true
		}
	}
	return false
}

// ErrWorkloadUnknown is returned when the revision scales on cpu or memory
// and its Deployment has not been seen yet: the container to scope the
// trigger to, and whether KEDA would admit it, are not known.
var ErrWorkloadUnknown = errors.New("the revision's Deployment is not known yet")

// ResourceRequestError says that KEDA cannot scale the revision on a
// resource because the container it would measure has no request for it.
// Nothing is written; the revision keeps the replicas it has.
type ResourceRequestError struct {
	Workload  string
	Container string
	Resource  corev1.ResourceName
	// Key is the annotation whose trigger measures the resource.
	Key string
}

// ReasonMissingResourceRequest is the condition reason for a ResourceRequestError.
const ReasonMissingResourceRequest = "MissingResourceRequest"

func (e *ResourceRequestError) Error() string {
	return fmt.Sprintf("%s scales on %s, but container %q of Deployment %q requests no %s, so the HPA "+
		"could not compute a utilization and KEDA's admission webhook refuses the ScaledObject: set "+
		"resources.requests.%s on that container in the Knative Service (or revision-%s-request in "+
		"config-defaults), or scale on another metric",
		e.Key, e.Resource, e.Container, e.Workload, e.Resource, e.Resource, e.Resource)
}

// scopeResourceTriggers gives every cpu and memory trigger the revision's
// serving container unless it names one, and checks that the container it
// measures is sized for it, as KEDA's webhook does. keyOf names the
// annotation a trigger came from.
func scopeResourceTriggers(triggers []kedav1alpha1.ScaleTriggers, w *Workload, keyOf func(i int) string) error {
	for i := range triggers {
		t := &triggers[i]
		if t.Type != autoscaling.CPU && t.Type != autoscaling.Memory {
			continue
		}
		if w == nil {
			return ErrWorkloadUnknown
		}
		name := t.Metadata[containerNameKey]
		if name == "" {
			name = w.ServingContainer()
			t.Metadata = setKey(copyMap(t.Metadata), containerNameKey, name)
		}
		found, ok := w.sized(name, corev1.ResourceName(t.Type))
		if !found {
			return invalidf(keyOf(i), t.Metadata[containerNameKey], "%s trigger names container %q, which Deployment %q does not have (it has %s)",
				t.Type, name, w.Name, containerNames(w))
		}
		if !ok {
			return &ResourceRequestError{Workload: w.Name, Container: name, Resource: corev1.ResourceName(t.Type), Key: keyOf(i)}
		}
	}
	return nil
}

func containerNames(w *Workload) string {
	names := make([]string, len(w.Containers))
	for i, c := range w.Containers {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}
