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

// Package observe watches, through the benchmark's own informers, what the
// contenders and KEDA create, and records when each object was first seen.
package observe

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	kedaclientset "github.com/kedacore/keda/v2/pkg/generated/clientset/versioned"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	servingclientset "knative.dev/serving/pkg/client/clientset/versioned"

	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/keyworkers"
)

// Observer watches, through informers of the benchmark's own client, the
// objects the contenders and KEDA create, and records when each one was
// first seen: ScaledObjects, HPAs, and PAs carrying status from their HPA.
type Observer struct {
	pa, so, hpa cache.SharedIndexInformer

	mu         sync.Mutex
	soSeen     map[string]time.Time
	hpaSeen    map[string]time.Time
	statusSeen map[string]time.Time
	waiters    map[string]paWaiter

	// trace, if set, logs every update of the PA with that key.
	trace string
	logf  func(string, ...any)
}

type paWaiter struct {
	ok func(*autoscalingv1alpha1.PodAutoscaler) bool
	ch chan time.Time
}

// hasHPAStatus: the PA reports its HPA's scale (DesiredScale is set from
// the HPA's status by both reconcilers, and only once they have read the HPA).
func hasHPAStatus(pa *autoscalingv1alpha1.PodAutoscaler) bool {
	return pa.Status.DesiredScale != nil
}

func ptrStr(p *int32) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}

// Start runs the informers until ctx ends and waits for them to sync;
// trace, if set, is a PA (namespace/name) whose every update is logged.
func Start(ctx context.Context, kube kubernetes.Interface, sc servingclientset.Interface, kc kedaclientset.Interface, trace string, logf func(string, ...any)) (*Observer, error) {
	o := &Observer{
		trace:      trace,
		logf:       logf,
		soSeen:     map[string]time.Time{},
		hpaSeen:    map[string]time.Time{},
		statusSeen: map[string]time.Time{},
		waiters:    map[string]paWaiter{},
	}
	pas := sc.AutoscalingV1alpha1().PodAutoscalers("")
	sos := kc.KedaV1alpha1().ScaledObjects("")
	hpas := kube.AutoscalingV2().HorizontalPodAutoscalers("")
	o.pa = cache.NewSharedIndexInformer(keyworkers.ListWatch(pas.List, pas.Watch), &autoscalingv1alpha1.PodAutoscaler{}, 0, cache.Indexers{})
	o.so = cache.NewSharedIndexInformer(keyworkers.ListWatch(sos.List, sos.Watch), &kedav1alpha1.ScaledObject{}, 0, cache.Indexers{})
	o.hpa = cache.NewSharedIndexInformer(keyworkers.ListWatch(hpas.List, hpas.Watch), &autoscalingv2.HorizontalPodAutoscaler{}, 0, cache.Indexers{})

	firstSeen := func(m map[string]time.Time) func(any) {
		return func(obj any) {
			now := time.Now()
			key, err := cache.MetaNamespaceKeyFunc(obj)
			if err != nil {
				return
			}
			o.mu.Lock()
			if _, seen := m[key]; !seen {
				m[key] = now
			}
			o.mu.Unlock()
		}
	}
	for _, h := range []struct {
		inf cache.SharedIndexInformer
		add func(any)
	}{
		{o.pa, o.onPA},
		{o.so, firstSeen(o.soSeen)},
		{o.hpa, firstSeen(o.hpaSeen)},
	} {
		add := h.add
		if _, err := h.inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    add,
			UpdateFunc: func(_, cur any) { add(cur) },
		}); err != nil {
			return nil, err
		}
		go h.inf.RunWithContext(ctx)
	}
	if !cache.WaitForCacheSync(ctx.Done(), o.pa.HasSynced, o.so.HasSynced, o.hpa.HasSynced) {
		return nil, fmt.Errorf("observer informers did not sync")
	}
	return o, nil
}

// onPA records when a PA first carried HPA status, wakes its waiter,
// and logs it if it is traced.
func (o *Observer) onPA(obj any) {
	pa, ok := obj.(*autoscalingv1alpha1.PodAutoscaler)
	if !ok {
		return
	}
	now := time.Now()
	key := pa.Namespace + "/" + pa.Name
	if key == o.trace {
		var conds []string
		for _, c := range pa.Status.Conditions {
			conds = append(conds, fmt.Sprintf("%s=%s(%s)", c.Type, c.Status, c.Reason))
		}
		o.logf("trace %s rv=%s desired=%v actual=%v sks=%q %s", key, pa.ResourceVersion,
			ptrStr(pa.Status.DesiredScale), ptrStr(pa.Status.ActualScale), pa.Status.ServiceName, strings.Join(conds, " "))
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, seen := o.statusSeen[key]; !seen && hasHPAStatus(pa) {
		o.statusSeen[key] = now
	}
	if w, ok := o.waiters[key]; ok && w.ok(pa) {
		w.ch <- now
		delete(o.waiters, key)
	}
}

// Counts returns how many ScaledObjects, HPAs and PAs with HPA status have
// been seen.
func (o *Observer) Counts() (so, hpa, status int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.soSeen), len(o.hpaSeen), len(o.statusSeen)
}

// Times returns a copy of the first-seen times of one kind ("so", "hpa", "status").
func (o *Observer) Times(kind string) map[string]time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	src := map[string]map[string]time.Time{"so": o.soSeen, "hpa": o.hpaSeen, "status": o.statusSeen}[kind]
	out := make(map[string]time.Time, len(src))
	for k, v := range src {
		out[k] = v
	}
	return out
}

// WaitPA returns a channel that receives the time the PA key is first seen
// satisfying ok (after this call).
func (o *Observer) WaitPA(key string, ok func(*autoscalingv1alpha1.PodAutoscaler) bool) (<-chan time.Time, func()) {
	ch := make(chan time.Time, 1)
	o.mu.Lock()
	o.waiters[key] = paWaiter{ok: ok, ch: ch}
	o.mu.Unlock()
	return ch, func() {
		o.mu.Lock()
		delete(o.waiters, key)
		o.mu.Unlock()
	}
}

// HPA returns the cached HPA.
func (o *Observer) HPA(key string) (*autoscalingv2.HorizontalPodAutoscaler, bool) {
	obj, ok, err := o.hpa.GetStore().GetByKey(key)
	if err != nil || !ok {
		return nil, false
	}
	return obj.(*autoscalingv2.HorizontalPodAutoscaler), true
}
