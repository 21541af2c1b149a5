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

// Package testing holds the listers and the TableTest factory for this
// project's reconcilers: Serving's, with KEDA's fake client added, so every
// ScaledObject create and update is an action the tests assert.
package testing

import (
	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	kedafake "github.com/kedacore/keda/v2/pkg/generated/clientset/versioned/fake"
	kedalisters "github.com/kedacore/keda/v2/pkg/generated/listers/keda/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	fakekubeclientset "k8s.io/client-go/kubernetes/fake"
	appsv1listers "k8s.io/client-go/listers/apps/v1"
	autoscalingv2listers "k8s.io/client-go/listers/autoscaling/v2"
	corev1listers "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	nv1alpha1 "knative.dev/networking/pkg/apis/networking/v1alpha1"
	fakenetworkingclientset "knative.dev/networking/pkg/client/clientset/versioned/fake"
	networkinglisters "knative.dev/networking/pkg/client/listers/networking/v1alpha1"
	rtesting "knative.dev/pkg/reconciler/testing"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	fakeservingclientset "knative.dev/serving/pkg/client/clientset/versioned/fake"
	palisters "knative.dev/serving/pkg/client/listers/autoscaling/v1alpha1"
)

var clientSetSchemes = []func(*runtime.Scheme) error{
	fakekubeclientset.AddToScheme,
	fakeservingclientset.AddToScheme,
	fakenetworkingclientset.AddToScheme,
	kedafake.AddToScheme,
}

// Listers serves a TableRow's objects through listers, sorted by client.
type Listers struct {
	sorter rtesting.ObjectSorter
}

// NewListers indexes objs.
func NewListers(objs []runtime.Object) Listers {
	ls := Listers{sorter: rtesting.NewObjectSorter(NewScheme())}
	ls.sorter.AddObjects(objs...)
	return ls
}

// NewScheme knows every type the fake clients serve.
func NewScheme() *runtime.Scheme {
	scheme := runtime.NewScheme()
	for _, addTo := range clientSetSchemes {
		if err := addTo(scheme); err != nil {
			panic(err)
		}
	}
	return scheme
}

// IndexerFor returns the indexer holding objects of obj's type.
func (l *Listers) IndexerFor(obj runtime.Object) cache.Indexer {
	return l.sorter.IndexerForObjectType(obj)
}

// GetKubeObjects returns the objects for the fake kube client.
func (l *Listers) GetKubeObjects() []runtime.Object {
	return l.sorter.ObjectsForSchemeFunc(fakekubeclientset.AddToScheme)
}

// GetServingObjects returns the objects for the fake serving client.
func (l *Listers) GetServingObjects() []runtime.Object {
	return l.sorter.ObjectsForSchemeFunc(fakeservingclientset.AddToScheme)
}

// GetNetworkingObjects returns the objects for the fake networking client.
func (l *Listers) GetNetworkingObjects() []runtime.Object {
	return l.sorter.ObjectsForSchemeFunc(fakenetworkingclientset.AddToScheme)
}

// GetKEDAObjects returns the objects for the fake KEDA client.
func (l *Listers) GetKEDAObjects() []runtime.Object {
	return l.sorter.ObjectsForSchemeFunc(kedafake.AddToScheme)
}

// GetPodAutoscalerLister lists PodAutoscalers.
func (l *Listers) GetPodAutoscalerLister() palisters.PodAutoscalerLister {
	return palisters.NewPodAutoscalerLister(l.IndexerFor(&autoscalingv1alpha1.PodAutoscaler{}))
}

// GetMetricLister lists Metrics.
func (l *Listers) GetMetricLister() palisters.MetricLister {
	return palisters.NewMetricLister(l.IndexerFor(&autoscalingv1alpha1.Metric{}))
}

// GetServerlessServiceLister lists ServerlessServices.
func (l *Listers) GetServerlessServiceLister() networkinglisters.ServerlessServiceLister {
	return networkinglisters.NewServerlessServiceLister(l.IndexerFor(&nv1alpha1.ServerlessService{}))
}

// GetHorizontalPodAutoscalerLister lists HPAs.
func (l *Listers) GetHorizontalPodAutoscalerLister() autoscalingv2listers.HorizontalPodAutoscalerLister {
	return autoscalingv2listers.NewHorizontalPodAutoscalerLister(l.IndexerFor(&autoscalingv2.HorizontalPodAutoscaler{}))
}

// GetScaledObjectLister lists KEDA ScaledObjects.
func (l *Listers) GetScaledObjectLister() kedalisters.ScaledObjectLister {
	return kedalisters.NewScaledObjectLister(l.IndexerFor(&kedav1alpha1.ScaledObject{}))
}

// GetDeploymentLister lists Deployments.
func (l *Listers) GetDeploymentLister() appsv1listers.DeploymentLister {
	return appsv1listers.NewDeploymentLister(l.IndexerFor(&appsv1.Deployment{}))
}

// GetLimitRangeLister lists LimitRanges.
func (l *Listers) GetLimitRangeLister() corev1listers.LimitRangeLister {
	return corev1listers.NewLimitRangeLister(l.IndexerFor(&corev1.LimitRange{}))
}
