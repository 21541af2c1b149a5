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
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// depState is what the benchmark reads of a Deployment: the replicas its
// spec asks for (what the KPA or KEDA wrote), the pods it has and how
// many are ready.
type depState struct {
	spec, pods, ready int32
}

func (s depState) String() string {
	return fmt.Sprintf("spec %d, pods %d, ready %d", s.spec, s.pods, s.ready)
}

func atZero(s depState) bool   { return s.spec == 0 && s.pods == 0 }
func specZero(s depState) bool { return s.spec == 0 }
func scaledUp(s depState) bool { return s.spec >= 1 }
func readyOne(s depState) bool { return s.ready >= 1 }
func anyState(depState) bool   { return true }
func (s depState) known() bool { return s.spec >= 0 }

type depEvent struct {
	at time.Time
	depState
}

// depWatch records, for every Deployment, each change of its state with
// the time the benchmark's watch saw it.
type depWatch struct {
	mu      sync.Mutex
	hist    map[string][]depEvent // namespace/name
	changed chan struct{}         // closed and replaced on every change
}

func watchDeployments(ctx context.Context, kube kubernetes.Interface) (*depWatch, error) {
	w := &depWatch{hist: map[string][]depEvent{}, changed: make(chan struct{})}
	factory := informers.NewSharedInformerFactory(kube, 0)
	inf := factory.Apps().V1().Deployments().Informer()
	record := func(o any) {
		if d, ok := o.(*appsv1.Deployment); ok {
			w.record(d)
		}
	}
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    record,
		UpdateFunc: func(_, o any) { record(o) },
	}); err != nil {
		return nil, err
	}
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	return w, nil
}

func (w *depWatch) record(d *appsv1.Deployment) {
	now := time.Now()
	s := depState{spec: 1, pods: d.Status.Replicas, ready: d.Status.ReadyReplicas}
	if d.Spec.Replicas != nil {
		s.spec = *d.Spec.Replicas
	}
	key := d.Namespace + "/" + d.Name
	w.mu.Lock()
	defer w.mu.Unlock()
	h := w.hist[key]
	if n := len(h); n > 0 && h[n-1].depState == s {
		return
	}
	w.hist[key] = append(h, depEvent{at: now, depState: s})
	close(w.changed)
	w.changed = make(chan struct{})
}

// current is the Deployment's latest state (spec -1: never seen).
func (w *depWatch) current(key string) depState {
	w.mu.Lock()
	defer w.mu.Unlock()
	h := w.hist[key]
	if len(h) == 0 {
		return depState{spec: -1}
	}
	return h[len(h)-1].depState
}

// firstSince returns when the Deployment first satisfied ok at or after
// since, as the watch saw it.
func (w *depWatch) firstSince(key string, since time.Time, ok func(depState) bool) (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, ev := range w.hist[key] {
		if !ev.at.Before(since) && ok(ev.depState) {
			return ev.at, true
		}
	}
	return time.Time{}, false
}

// runStart returns when the Deployment's current run of states that
// satisfy ok began (the earliest of the latest events that all do), or
// false if its current state does not.
func (w *depWatch) runStart(key string, ok func(depState) bool) (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	h := w.hist[key]
	var at time.Time
	found := false
	for i := len(h) - 1; i >= 0 && ok(h[i].depState); i-- {
		at, found = h[i].at, true
	}
	return at, found
}

// waitSince waits until firstSince finds a state that satisfies ok.
func (w *depWatch) waitSince(ctx context.Context, key string, since time.Time, ok func(depState) bool, timeout time.Duration) (time.Time, error) {
	deadline := time.After(timeout)
	for {
		w.mu.Lock()
		ch := w.changed
		w.mu.Unlock()
		if t, found := w.firstSince(key, since, ok); found {
			return t, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-deadline:
			return time.Time{}, fmt.Errorf("Deployment %s: not reached within %v (now %v)", key, timeout, w.current(key))
		}
	}
}

// waitNow waits until the Deployment's current state satisfies ok.
func (w *depWatch) waitNow(ctx context.Context, key string, ok func(depState) bool, timeout time.Duration) error {
	deadline := time.After(timeout)
	for {
		w.mu.Lock()
		ch := w.changed
		w.mu.Unlock()
		if s := w.current(key); s.known() && ok(s) {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline:
			return fmt.Errorf("Deployment %s: not there within %v (now %v)", key, timeout, w.current(key))
		}
	}
}

// Point is a Deployment's state at T seconds from a step.
type Point struct {
	T     float64 `json:"t"`
	Spec  int32   `json:"spec"`
	Pods  int32   `json:"pods"`
	Ready int32   `json:"ready"`
}

// timeline is the Deployment's states from from (the one it was in then,
// at 0) to to, in seconds from from.
func (w *depWatch) timeline(key string, from, to time.Time) []Point {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []Point
	for _, ev := range w.hist[key] {
		if ev.at.After(to) {
			break
		}
		p := Point{T: max(0, round2(ev.at.Sub(from).Seconds())), Spec: ev.spec, Pods: ev.pods, Ready: ev.ready}
		if !ev.at.After(from) && len(out) > 0 {
			out[0] = p
			continue
		}
		out = append(out, p)
	}
	return out
}
