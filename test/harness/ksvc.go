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

package harness

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"
	"knative.dev/serving/pkg/apis/autoscaling"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	servingv1 "knative.dev/serving/pkg/apis/serving/v1"
)

// Knative Services, for an Env whose cluster runs Serving
// (cluster.Options.Serving): what a user applies, from which Serving's own
// controller makes the Revision, its Deployment and its PodAutoscaler.

// KnativeServiceImage is the image of the ksvcs the tests create: a
// dev.local reference, which Serving never resolves (no registry is asked)
// and no kubelet pulls.
const KnativeServiceImage = "dev.local/hello:v1"

// ServingTimeout bounds the wait for what Serving's controller makes from a
// ksvc: a few reconciles, each through the API server and Serving's webhook.
const ServingTimeout = 30 * time.Second

// KnativeService is a ksvc of the HPA class (unless anns names another)
// with anns on its template and one container of KnativeServiceImage.
func KnativeService(ns, name string, anns map[string]string) *servingv1.Service {
	a := map[string]string{autoscaling.ClassAnnotationKey: autoscaling.HPA}
	for k, v := range anns {
		a[k] = v
	}
	return &servingv1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: servingv1.ServiceSpec{ConfigurationSpec: servingv1.ConfigurationSpec{Template: servingv1.RevisionTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Annotations: a},
			Spec: servingv1.RevisionSpec{PodSpec: corev1.PodSpec{Containers: []corev1.Container{{
				Image: KnativeServiceImage,
			}}}},
		}}},
	}
}

// CreateKnativeService creates ksvc (through Serving's webhooks) and
// returns it as admitted.
func (e *Env) CreateKnativeService(t testing.TB, ksvc *servingv1.Service) *servingv1.Service {
	t.Helper()
	got, err := e.Serving.ServingV1().Services(ksvc.Namespace).Create(context.Background(), ksvc, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating ksvc %s/%s: %v", ksvc.Namespace, ksvc.Name, err)
	}
	return got
}

// ServingPodAutoscaler waits until Serving has made a revision's
// PodAutoscaler (PACondition, unlike this, needs it to exist).
func (e *Env) ServingPodAutoscaler(t testing.TB, ns, revision string) *autoscalingv1alpha1.PodAutoscaler {
	t.Helper()
	return Get(t, ServingTimeout, "PodAutoscaler "+ns+"/"+revision+" (made by Serving)", func() (*autoscalingv1alpha1.PodAutoscaler, error) {
		return e.Serving.AutoscalingV1alpha1().PodAutoscalers(ns).Get(context.Background(), revision, metav1.GetOptions{})
	})
}

// RevisionCondition waits until a Revision's condition typ satisfies ok
// ((*apis.Condition).IsTrue, say) and returns the Revision.
func (e *Env) RevisionCondition(t testing.TB, ns, revision string, typ apis.ConditionType, timeout time.Duration, ok func(*apis.Condition) bool) *servingv1.Revision {
	t.Helper()
	return Get(t, timeout, fmt.Sprintf("Revision %s/%s %s", ns, revision, typ), func() (*servingv1.Revision, error) {
		rev, err := e.Serving.ServingV1().Revisions(ns).Get(context.Background(), revision, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		if c := rev.Status.GetCondition(typ); !ok(c) {
			return nil, fmt.Errorf("%s: %+v", typ, c)
		}
		return rev, nil
	})
}
