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

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
)

// createdMemory is how long a ScaledObject this controller created stands in
// for the informer's copy while the informer has not shown it yet.
const createdMemory = 30 * time.Second

// createdObjects remembers the ScaledObjects this controller created until
// its informer shows them. When many revisions converge at once the
// ScaledObject informer lagged its creates by 5 to 8 s (1,000 revisions on 2
// cores), while KEDA's HPA, on another connection, was seen sooner: the HPA's
// event reconciled the PA, its lister had no ScaledObject, and the create was
// sent again, through KEDA's webhook, to fail with AlreadyExists and be read
// back (266 of 1,000 revisions). A remembered object is used instead.
type createdObjects struct {
	mu sync.Mutex
	m  map[types.NamespacedName]created
}

type created struct {
	so *kedav1alpha1.ScaledObject
	at time.Time
}

func newCreatedObjects() *createdObjects {
	return &createdObjects{m: map[types.NamespacedName]created{}}
}

// add remembers so, just created.
func (c *createdObjects) add(so *kedav1alpha1.ScaledObject, now time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[types.NamespacedName{Namespace: so.Namespace, Name: so.Name}] = created{so: so, at: now}
}

// seen forgets the ScaledObject the informer now shows.
func (c *createdObjects) seen(ns, name string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, types.NamespacedName{Namespace: ns, Name: name})
}

// lookup returns the ScaledObject named name that this controller created
// for pa less than createdMemory ago and the informer does not show yet.
func (c *createdObjects) lookup(pa *autoscalingv1alpha1.PodAutoscaler, name string, now time.Time) *kedav1alpha1.ScaledObject {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	key := types.NamespacedName{Namespace: pa.Namespace, Name: name}
	e, ok := c.m[key]
	if !ok {
		return nil
	}
	if now.Sub(e.at) >= createdMemory || !metav1.IsControlledBy(e.so, pa) {
		delete(c.m, key)
		return nil
	}
	return e.so
}
