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

package requestsignal

import (
	"context"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corev1listers "k8s.io/client-go/listers/core/v1"
	"knative.dev/serving/pkg/apis/serving"
)

// podCache is the revisions' pods (Serving's revision label), holding only
// what Serving's scraper and pod counter read of them.
type podCache struct {
	lister corev1listers.PodLister
	start  func()
}

func newPodCache(ctx context.Context, kube kubernetes.Interface) podCache {
	factory := informers.NewSharedInformerFactoryWithOptions(kube, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = serving.RevisionLabelKey }))
	inf := factory.Core().V1().Pods()
	_ = inf.Informer().SetTransform(slimPod) // not started yet: cannot fail
	var once sync.Once
	return podCache{lister: inf.Lister(), start: func() { once.Do(func() { factory.Start(ctx.Done()) }) }}
}

// slimPod keeps a pod's name, labels, deletion, phase, IP, start time and
// conditions: what resources.PodAccessor reads.
func slimPod(obj interface{}) (interface{}, error) {
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return obj, nil
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: p.Name, Namespace: p.Namespace, Labels: p.Labels, UID: p.UID,
			ResourceVersion: p.ResourceVersion, DeletionTimestamp: p.DeletionTimestamp,
		},
		Status: corev1.PodStatus{Phase: p.Status.Phase, PodIP: p.Status.PodIP, StartTime: p.Status.StartTime, Conditions: p.Status.Conditions},
	}, nil
}
