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

package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"

	"github.com/serving-keda/serving-keda/test/harness"
)

// depState is what the scale-to-zero sample reads of its Deployment: the
// replicas its spec asks for (what KEDA's HPA wrote), the pods it has and
// how many are ready.
type depState struct {
	spec, pods, ready int32
}

func (s depState) String() string {
	return fmt.Sprintf("%d replicas wanted, %d pods, %d ready", s.spec, s.pods, s.ready)
}

func specZero(s depState) bool { return s.spec == 0 }
func atZero(s depState) bool   { return s.spec == 0 && s.pods == 0 }
func scaledUp(s depState) bool { return s.spec >= 1 }

type depEvent struct {
	at time.Time
	depState
}

// depHistory is every change of one Deployment's state, with the time the
// demo's watch saw it: a cold start's times are read from it, so a change
// between two looks is not missed.
type depHistory struct {
	mu      sync.Mutex
	events  []depEvent
	changed chan struct{} // closed and replaced on every change
}

func newDepHistory() *depHistory { return &depHistory{changed: make(chan struct{})} }

// record adds s seen at at, and reports whether it is a change.
func (h *depHistory) record(at time.Time, s depState) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if n := len(h.events); n > 0 && h.events[n-1].depState == s {
		return false
	}
	h.events = append(h.events, depEvent{at: at, depState: s})
	close(h.changed)
	h.changed = make(chan struct{})
	return true
}

// current is the latest state (spec -1: none seen yet).
func (h *depHistory) current() depState {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.events) == 0 {
		return depState{spec: -1}
	}
	return h.events[len(h.events)-1].depState
}

// firstSince returns when a state that satisfies ok was first seen at or
// after since.
func (h *depHistory) firstSince(since time.Time, ok func(depState) bool) (time.Time, bool, <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ev := range h.events {
		if !ev.at.Before(since) && ok(ev.depState) {
			return ev.at, true, h.changed
		}
	}
	return time.Time{}, false, h.changed
}

// waitFirstSince waits until firstSince finds a state: found false when
// none came within timeout; an error only when ctx ends.
func (h *depHistory) waitFirstSince(ctx context.Context, since time.Time, ok func(depState) bool, timeout time.Duration) (time.Time, bool, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		at, found, changed := h.firstSince(since, ok)
		if found {
			return at, true, nil
		}
		select {
		case <-changed:
		case <-deadline.C:
			return time.Time{}, false, nil
		case <-ctx.Done():
			return time.Time{}, false, ctx.Err()
		}
	}
}

// watchDeployment records every change of Deployment ns/name (which may
// not exist yet) until ctx ends, printing each change of its wanted and
// ready replicas as the load sample's watch does.
func watchDeployment(ctx context.Context, o *out, e *harness.Env, ns, name string) (*depHistory, error) {
	h := newDepHistory()
	factory := informers.NewSharedInformerFactoryWithOptions(e.Kube, 0, informers.WithNamespace(ns),
		informers.WithTweakListOptions(func(lo *metav1.ListOptions) {
			lo.FieldSelector = fields.OneTermEqualSelector("metadata.name", name).String()
		}))
	inf := factory.Apps().V1().Deployments().Informer()
	var lastSpec, lastReady int32 = -1, -1
	seen := func(obj any) {
		d, ok := obj.(*appsv1.Deployment)
		if !ok {
			return
		}
		s := depState{spec: 1, pods: d.Status.Replicas, ready: d.Status.ReadyReplicas}
		if d.Spec.Replicas != nil {
			s.spec = *d.Spec.Replicas
		}
		if h.record(time.Now(), s) && (s.spec != lastSpec || s.ready != lastReady) {
			o.logf("Deployment %s: %d replicas wanted, %d ready", name, s.spec, s.ready)
			lastSpec, lastReady = s.spec, s.ready
		}
	}
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    seen,
		UpdateFunc: func(_, obj any) { seen(obj) },
	}); err != nil {
		return nil, err
	}
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return nil, fmt.Errorf("watching Deployment %s/%s: %w", ns, name, ctx.Err())
	}
	return h, nil
}
