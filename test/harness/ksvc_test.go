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
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"
)

// errorsOnly records Errorf calls; the rest goes to the real T.
type errorsOnly struct {
	testing.TB
	errs []string
}

func (e *errorsOnly) Errorf(format string, args ...any) {
	e.errs = append(e.errs, fmt.Sprintf(format, args...))
}

func TestReplicaHistoryCheckBounds(t *testing.T) {
	tests := []struct {
		name     string
		values   []int32
		from     int
		min, max int32
		wantErr  bool
	}{
		{name: "within", values: []int32{1, 3, 1, 5}, min: 1, max: 5},
		{name: "above max", values: []int32{1, 6, 5}, min: 1, max: 5, wantErr: true},
		{name: "below min before reaching it", values: []int32{1, 2, 4, 2}, min: 2, max: 4},
		{name: "below min after reaching it", values: []int32{1, 2, 1}, min: 2, max: 4, wantErr: true},
		{name: "from a mark, the count then included", values: []int32{1, 3}, from: 1, min: 1, max: 1, wantErr: true},
		{name: "from a mark, earlier counts ignored", values: []int32{5, 1, 1}, from: 2, min: 1, max: 1},
		{name: "stayed", values: []int32{1}, from: 1, min: 1, max: 1},
		{name: "nothing seen", min: 1, max: 5, wantErr: true},
		{name: "nothing seen from a mark", from: 1, min: 1, max: 5, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := &ReplicaHistory{what: "Deployment d"}
			for _, v := range tc.values {
				h.record(v)
			}
			rec := &errorsOnly{TB: t}
			h.CheckBounds(rec, tc.from, tc.min, tc.max)
			if got := len(rec.errs) > 0; got != tc.wantErr {
				t.Errorf("CheckBounds(%v from %d, [%d, %d]) errors %q, want error %v", tc.values, tc.from, tc.min, tc.max, rec.errs, tc.wantErr)
			}
		})
	}
}

// session is what one Watch call of the fake API server gives: an error,
// or events and then the end of the stream.
type session struct {
	err    error
	events []watch.Event
}

func deploymentEvent(typ watch.EventType, rv string, replicas int32) watch.Event {
	return watch.Event{Type: typ, Object: &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "d", ResourceVersion: rv},
		Spec:       appsv1.DeploymentSpec{Replicas: ptr.To(replicas)},
	}}
}

func errorEvent(err *apierrors.StatusError) watch.Event {
	return watch.Event{Type: watch.Error, Object: &err.ErrStatus}
}

// runWatch plays sessions to ReplicaHistory.watch, one per Watch call,
// then a stream that stays open until the watch is stopped, and answers a
// List with list. It returns the resource version each Watch asked for and
// what the watch logged.
func runWatch(t *testing.T, list *appsv1.DeploymentList, sessions ...session) (h *ReplicaHistory, rvs, logs []string) {
	t.Helper()
	cs := fake.NewClientset()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	idle := make(chan struct{})
	var mu sync.Mutex
	cs.PrependWatchReactor("deployments", func(a k8stesting.Action) (bool, watch.Interface, error) {
		mu.Lock()
		defer mu.Unlock()
		r := a.(k8stesting.WatchAction).GetWatchRestrictions()
		if got := r.Fields.String(); got != "metadata.name=d" {
			t.Errorf("Watch with field selector %q, want metadata.name=d", got)
		}
		rvs = append(rvs, r.ResourceVersion)
		if len(rvs) > len(sessions) {
			if len(rvs) == len(sessions)+1 {
				close(idle)
			}
			ch := make(chan watch.Event)
			go func() { <-ctx.Done(); close(ch) }()
			return true, watch.NewProxyWatcher(ch), nil
		}
		s := sessions[len(rvs)-1]
		if s.err != nil {
			return true, nil, s.err
		}
		ch := make(chan watch.Event, len(s.events))
		for _, ev := range s.events {
			ch <- ev
		}
		close(ch)
		return true, watch.NewProxyWatcher(ch), nil
	})
	cs.PrependReactor("list", "deployments", func(k8stesting.Action) (bool, runtime.Object, error) {
		if list == nil {
			t.Error("unexpected List")
			return true, nil, errors.New("unexpected List")
		}
		return true, list, nil
	})
	h = &ReplicaHistory{what: "Deployment ns/d"}
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.watch(ctx, cs.AppsV1().Deployments("ns"), "d", time.Millisecond, func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			logs = append(logs, fmt.Sprintf(format, args...))
		})
	}()
	select {
	case <-idle:
	case <-time.After(10 * time.Second):
		t.Fatal("the watch did not play every session")
	}
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	return h, rvs, logs
}

func TestReplicaHistoryWatch(t *testing.T) {
	for _, tc := range []struct {
		name     string
		sessions []session
		list     *appsv1.DeploymentList
		wantRVs  []string
		want     []int32
		wantLogs []string
		wantGap  bool
	}{{
		name: "an error event: resumed from the last version seen, nothing lost",
		sessions: []session{
			{events: []watch.Event{deploymentEvent(watch.Added, "10", 1), deploymentEvent(watch.Modified, "11", 3),
				errorEvent(apierrors.NewInternalError(errors.New("etcd leader changed")))}},
			{events: []watch.Event{deploymentEvent(watch.Modified, "12", 2)}},
		},
		wantRVs:  []string{"", "11", "12"},
		want:     []int32{1, 3, 2},
		wantLogs: []string{`etcd leader changed (resuming from resource version "11"`},
	}, {
		name: "the server ends the stream: resumed from the last version",
		sessions: []session{
			{events: []watch.Event{deploymentEvent(watch.Added, "10", 1)}},
			{events: []watch.Event{deploymentEvent(watch.Modified, "11", 1), deploymentEvent(watch.Modified, "12", 4)}},
		},
		wantRVs: []string{"", "10", "12"},
		want:    []int32{1, 4},
	}, {
		name: "a Watch call fails: said, and tried again from the same version",
		sessions: []session{
			{events: []watch.Event{deploymentEvent(watch.Added, "10", 2)}},
			{err: errors.New("connection refused")},
			{events: []watch.Event{deploymentEvent(watch.Modified, "11", 3)}},
		},
		wantRVs:  []string{"", "10", "10", "11"},
		want:     []int32{2, 3},
		wantLogs: []string{`from resource version "10": connection refused`},
	}, {
		name: "the version expired: listed again, the gap recorded",
		sessions: []session{
			{events: []watch.Event{deploymentEvent(watch.Added, "10", 1)}},
			{events: []watch.Event{errorEvent(apierrors.NewResourceExpired("too old resource version: 10 (20)"))}},
			{events: []watch.Event{deploymentEvent(watch.Modified, "21", 3)}},
		},
		list: &appsv1.DeploymentList{ListMeta: metav1.ListMeta{ResourceVersion: "20"},
			Items: []appsv1.Deployment{*deploymentEvent(watch.Added, "19", 4).Object.(*appsv1.Deployment)}},
		wantRVs:  []string{"", "10", "20", "21"},
		want:     []int32{1, 4, 3},
		wantLogs: []string{`resource version "10" expired`},
		wantGap:  true,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			h, rvs, logs := runWatch(t, tc.list, tc.sessions...)
			if !slices.Equal(rvs, tc.wantRVs) {
				t.Errorf("Watch calls from resource versions %q, want %q", rvs, tc.wantRVs)
			}
			if got := h.Values(); !slices.Equal(got, tc.want) {
				t.Errorf("Values() = %v, want %v", got, tc.want)
			}
			if len(logs) != len(tc.wantLogs) {
				t.Errorf("logged %q, want %d lines containing %q", logs, len(tc.wantLogs), tc.wantLogs)
			}
			for i := range min(len(logs), len(tc.wantLogs)) {
				if !strings.Contains(logs[i], tc.wantLogs[i]) {
					t.Errorf("log line %d = %q, want it to contain %q", i, logs[i], tc.wantLogs[i])
				}
			}
			rec := &errorsOnly{TB: t}
			h.CheckBounds(rec, 0, 0, 10)
			if gotGap := len(rec.errs) > 0; gotGap != tc.wantGap {
				t.Errorf("CheckBounds errors %q, want an error for a gap: %v", rec.errs, tc.wantGap)
			}
		})
	}
}
