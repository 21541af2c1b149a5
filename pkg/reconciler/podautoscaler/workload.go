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
	"context"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrs "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	appsv1listers "k8s.io/client-go/listers/apps/v1"
	corev1listers "k8s.io/client-go/listers/core/v1"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	"knative.dev/serving/pkg/apis/serving"

	"github.com/serving-keda/serving-keda/pkg/translate"
)

// RevisionDeploymentSelector selects the Deployments Serving makes for
// revisions: the only ones this controller reads.
const RevisionDeploymentSelector = serving.RevisionLabelKey

// workloads reads what the translation and the status need of a
// revision's Deployment.
type workloads struct {
	deployments appsv1listers.DeploymentLister
	limitRanges corev1listers.LimitRangeLister
	// kube reads a Deployment the informer has not delivered yet.
	kube kubernetes.Interface
}

// deployment returns the Deployment pa scales, or nil while it does not
// exist (its informer event wakes the PA). Serving creates it before the
// PA, but the two informers race: one GET when the cache lags is cheaper
// than a status write that says "waiting" and a second reconcile.
func (w workloads) deployment(ctx context.Context, pa *autoscalingv1alpha1.PodAutoscaler) *appsv1.Deployment {
	ref := pa.Spec.ScaleTargetRef
	if ref.Kind != "Deployment" || (ref.APIVersion != "" && ref.APIVersion != "apps/v1") {
		return nil
	}
	d, err := w.deployments.Deployments(pa.Namespace).Get(ref.Name)
	if err == nil {
		return d
	}
	if !apierrs.IsNotFound(err) || w.kube == nil {
		return nil
	}
	if d, err = w.kube.AppsV1().Deployments(pa.Namespace).Get(ctx, ref.Name, metav1.GetOptions{}); err != nil {
		return nil
	}
	return d
}

// describe is the translation's view of d.
func (w workloads) describe(d *appsv1.Deployment) *translate.Workload {
	if d == nil {
		return nil
	}
	return translate.WorkloadFromPodSpec(d.Name, &d.Spec.Template.Spec, w.limitRangeDefaults(d.Namespace))
}

// limitRangeDefaults lists the resources a LimitRange of ns gives every
// container, which KEDA's webhook accepts in place of a request.
func (w workloads) limitRangeDefaults(ns string) []corev1.ResourceName {
	lrs, err := w.limitRanges.LimitRanges(ns).List(labels.Everything())
	if err != nil {
		return nil
	}
	var out []corev1.ResourceName
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
	search:
		for _, lr := range lrs {
			for _, item := range lr.Spec.Limits {
				req, hasReq := item.DefaultRequest[r]
				lim, hasLim := item.Default[r]
				if item.Type == corev1.LimitTypeContainer && ((hasReq && req.Sign() > 0) || (hasLim && lim.Sign() > 0)) {
					out = append(out, r)
					break search
				}
			}
		}
	}
	return out
}
