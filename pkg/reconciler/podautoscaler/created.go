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
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
)

// createdMemory is how long an object this controller created stands in for
// the informer's copy while the informer has not shown it yet.
const createdMemory = 30 * time.Second

// createdObjects remembers the objects of one kind (ScaledObjects,
// ServerlessServices) this controller created until its informer shows
// them. When many revisions converge at once the ScaledObject informer
// lagged its creates by 5 to 8 s (1,000 revisions on 2 cores), while KEDA's
// HPA, on another connection, was seen sooner: the HPA's event reconciled
// the PA, its lister had no ScaledObject, and the create was sent again,
// through KEDA's webhook, to fail with AlreadyExists and be read back (266
// of 1,000 revisions). The SKS informer lags likewise (3 of 1,000 SKS
// creates repeated, each costing a requeue and a second status write). A
// remembered object is used instead.
type createdObjects[T metav1.Object] struct {
	mu sync.Mutex
	m  map[types.NamespacedName]created[T]
}

type created[T metav1.Object] struct {
	obj T
	at  time.Time
}

func newCreatedObjects[T metav1.Object]() *createdObjects[T] {
	return &createdObjects[T]{m: map[types.NamespacedName]created[T]{}}
}

// add remembers obj, just created.
func (c *createdObjects[T]) add(obj T, now time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[types.NamespacedName{Namespace: obj.GetNamespace(), Name: obj.GetName()}] = created[T]{obj: obj, at: now}
}

// seen forgets the object the informer now shows.
func (c *createdObjects[T]) seen(ns, name string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, types.NamespacedName{Namespace: ns, Name: name})
}

// lookup returns the object named name that this controller created for pa
// less than createdMemory ago and the informer does not show yet.
func (c *createdObjects[T]) lookup(pa *autoscalingv1alpha1.PodAutoscaler, name string, now time.Time) (T, bool) {
	var none T
	if c == nil {
		return none, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	key := types.NamespacedName{Namespace: pa.Namespace, Name: name}
	e, ok := c.m[key]
	if !ok {
		return none, false
	}
	if now.Sub(e.at) >= createdMemory || !metav1.IsControlledBy(e.obj, pa) {
		delete(c.m, key)
		return none, false
	}
	return e.obj, true
}
