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

package deploy

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/labels"
	"knative.dev/serving/pkg/apis/autoscaling"
)

// The fixture's pod is what Serving v0.50 makes with its default config
// maps; the values are written out here, not taken from the fixture.
func TestRevisionShape(t *testing.T) {
	d, pa := Revision("ns", "hello-00001", "hello", map[string]string{autoscaling.MetricAnnotationKey: "memory"})

	cs := d.Spec.Template.Spec.Containers
	if len(cs) != 2 || cs[0].Name != "user-container" || cs[1].Name != "queue-proxy" {
		t.Fatalf("containers = %v, want user-container and queue-proxy", cs)
	}
	if !equality.Semantic.DeepEqual(cs[0].Resources, corev1.ResourceRequirements{}) {
		t.Errorf("user-container resources = %+v, want none (Knative's default)", cs[0].Resources)
	}
	if q := cs[1].Resources; len(q.Limits) != 0 || len(q.Requests) != 1 || q.Requests.Cpu().String() != "25m" {
		t.Errorf("queue-proxy resources = %+v, want requests cpu 25m only", q)
	}
	if p := cs[0].Ports; len(p) != 1 || p[0].Name != "user-port" || p[0].ContainerPort != 8080 {
		t.Errorf("user-container ports = %+v, want user-port 8080", p)
	}
	if d.Name != "hello-00001-deployment" || pa.Spec.ScaleTargetRef.Name != d.Name || pa.Spec.ScaleTargetRef.Kind != "Deployment" {
		t.Errorf("Deployment %s, PA target %+v", d.Name, pa.Spec.ScaleTargetRef)
	}
	sel, err := labels.ValidatedSelectorFromSet(d.Spec.Selector.MatchLabels)
	if err != nil || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Errorf("selector %v does not match the pod labels %v (%v)", d.Spec.Selector.MatchLabels, d.Spec.Template.Labels, err)
	}
	for k, v := range map[string]string{
		"serving.knative.dev/revision":      "hello-00001",
		"serving.knative.dev/configuration": "hello",
		"serving.knative.dev/service":       "hello",
		"app":                               "hello-00001",
	} {
		if pa.Labels[k] != v || d.Labels[k] != v || d.Spec.Template.Labels[k] != v {
			t.Errorf("label %s: PA %q, Deployment %q, pod %q; want %q", k, pa.Labels[k], d.Labels[k], d.Spec.Template.Labels[k], v)
		}
	}
	// Serving 1.22+ labels the Deployment, not its pods, with a hash.
	if d.Labels["serving.knative.dev/deployment-hash"] == "" {
		t.Errorf("Deployment labels = %v, want serving.knative.dev/deployment-hash", d.Labels)
	}
	if _, ok := d.Spec.Template.Labels["serving.knative.dev/deployment-hash"]; ok {
		t.Errorf("pod labels = %v, want no deployment-hash", d.Spec.Template.Labels)
	}
	// autoscaling.knative.dev/* stays on the PA (Serving filters it from
	// the Deployment and its pods).
	if pa.Annotations["autoscaling.knative.dev/metric"] != "memory" || pa.Annotations["autoscaling.knative.dev/class"] != "hpa.autoscaling.knative.dev" {
		t.Errorf("PA annotations = %v", pa.Annotations)
	}
	if _, ok := d.Annotations["autoscaling.knative.dev/metric"]; ok {
		t.Errorf("Deployment annotations = %v, want no autoscaling.knative.dev keys", d.Annotations)
	}

	// Same name, same objects (UIDs are stable): a Deployment and a PA may
	// come from two calls.
	d2, _ := Revision("ns", "hello-00001", "hello", nil)
	if !equality.Semantic.DeepEqual(d.Spec.Selector, d2.Spec.Selector) {
		t.Errorf("selectors differ between calls: %v, %v", d.Spec.Selector, d2.Spec.Selector)
	}

	d3, _ := RevisionWithResources("ns", "hello-00001", "hello", nil, Requests("100m", "128Mi"))
	u := d3.Spec.Template.Spec.Containers[0].Resources
	if u.Requests.Cpu().String() != "100m" || u.Requests.Memory().String() != "128Mi" || len(u.Limits) != 0 {
		t.Errorf("user-container resources = %+v, want requests cpu 100m, memory 128Mi", u)
	}
}

func TestRevisionInitialScale(t *testing.T) {
	d, _ := Revision("ns", "r-00001", "r", map[string]string{autoscaling.InitialScaleAnnotationKey: "3"})
	if *d.Spec.Replicas != 3 {
		t.Errorf("replicas = %d, want initial-scale 3", *d.Spec.Replicas)
	}
	d, _ = Revision("ns", "r-00001", "r", nil)
	if *d.Spec.Replicas != 1 {
		t.Errorf("replicas = %d, want config-autoscaler's initial-scale 1", *d.Spec.Replicas)
	}
}
