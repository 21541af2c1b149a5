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

	apierrs "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
)

// ownWrites remembers, for each PodAutoscaler, the resourceVersions that
// this controller's own status updates replaced, until the informer shows a
// newer one. A reconcile that starts while the informer still shows one of
// them would compute the status again from the old copy, with new condition
// transition times, and write it again (or fail with a conflict and read
// the PA back): a PA's own status update, the HPA's and the ScaledObject's
// events and the first status's requeue often come within the informer's
// lag of each other when many revisions converge at once. Such a reconcile
// is skipped instead: the informer's event of the update, which it delivers
// (or, after a broken watch, its relist), enqueues the PA again.
type ownWrites struct {
	mu         sync.Mutex
	superseded map[types.NamespacedName]map[string]bool
}

func newOwnWrites() *ownWrites {
	return &ownWrites{superseded: map[types.NamespacedName]map[string]bool{}}
}

// wrote records the outcome of a status update sent from resourceVersion
// rv: on success, or on a conflict (someone else wrote first), rv is no
// longer the PA's latest.
func (o *ownWrites) wrote(key types.NamespacedName, rv string, err error) {
	if rv == "" || (err != nil && !apierrs.IsConflict(err)) {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.superseded[key] == nil {
		o.superseded[key] = map[string]bool{}
	}
	o.superseded[key][rv] = true
}

// stale reports whether rv, the informer's resourceVersion of the PA, is one
// its own status updates replaced. Any other forgets what was recorded.
func (o *ownWrites) stale(key types.NamespacedName, rv string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	rvs, ok := o.superseded[key]
	if ok && rvs[rv] {
		return true
	}
	delete(o.superseded, key)
	return false
}

// forget drops what was recorded of a deleted PA.
func (o *ownWrites) forget(key types.NamespacedName) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.superseded, key)
}
