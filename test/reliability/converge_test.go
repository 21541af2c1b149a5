//go:build integration

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

package reliability

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"knative.dev/pkg/apis"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"

	"github.com/serving-keda/serving-keda/test/harness"
)

// state is what a namespace holds against the revisions it should hold.
type state struct {
	want       int
	converged  int
	duplicated int      // objects beyond one ScaledObject and one SKS per PA
	problems   []string // the first few PAs that have not converged, and why
}

func (s state) String() string {
	return fmt.Sprintf("%d/%d converged, %d duplicated; %s", s.converged, s.want, s.duplicated, strings.Join(s.problems, "; "))
}

// waitingForHPA is the PA status while KEDA has not made the HPA.
func waitingForHPA(name string) string {
	return fmt.Sprintf("waiting for KEDA to reconcile ScaledObject %q and create HPA %q", name, name)
}

// inspect lists the namespace's PAs, ScaledObjects, SKSs (and HPAs with
// keda) and says which of names have converged: exactly one ScaledObject
// and one SKS, each controlled by the PA, and the PA's Active condition
// True with KEDA running (keda) or Unknown/WaitingForHPA naming the HPA
// without it. Objects that belong to no wanted PA, or several controller
// references, count as duplicated.
func inspect(ctx context.Context, e *harness.Env, ns string, names []string, keda bool) (state, error) {
	st := state{want: len(names)}
	pal, err := e.Serving.AutoscalingV1alpha1().PodAutoscalers(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return st, err
	}
	sol, err := e.KEDA.KedaV1alpha1().ScaledObjects(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return st, err
	}
	sksl, err := e.Networking.NetworkingV1alpha1().ServerlessServices(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return st, err
	}
	hpas := map[string]bool{}
	if keda {
		hl, err := e.Kube.AutoscalingV2().HorizontalPodAutoscalers(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return st, err
		}
		for _, h := range hl.Items {
			hpas[h.Name] = true
		}
	}
	pasByName := map[string]*autoscalingv1alpha1.PodAutoscaler{}
	for i := range pal.Items {
		pasByName[pal.Items[i].Name] = &pal.Items[i]
	}
	wanted := map[string]bool{}
	for _, n := range names {
		wanted[n] = true
	}
	// owner UID -> how many ScaledObjects / SKSs it controls.
	soOwned, sksOwned := map[types.UID]int{}, map[types.UID]int{}
	for _, so := range sol.Items {
		ref := metav1.GetControllerOf(&so)
		pa := pasByName[so.Name]
		if ref == nil || pa == nil || ref.UID != pa.UID || len(so.OwnerReferences) != 1 {
			if wanted[so.Name] || pa == nil {
				st.duplicated++
				st.problems = append(st.problems, fmt.Sprintf("ScaledObject %s not controlled by its PA (owners %v)", so.Name, so.OwnerReferences))
			}
			continue
		}
		soOwned[ref.UID]++
	}
	for _, sks := range sksl.Items {
		if ref := metav1.GetControllerOf(&sks); ref != nil {
			sksOwned[ref.UID]++
		}
	}
	var bad []string
	for _, n := range names {
		pa := pasByName[n]
		if pa == nil {
			bad = append(bad, n+": no PodAutoscaler")
			continue
		}
		if c := soOwned[pa.UID]; c != 1 {
			if c > 1 {
				st.duplicated += c - 1
			}
			bad = append(bad, fmt.Sprintf("%s: %d ScaledObjects", n, c))
			continue
		}
		if c := sksOwned[pa.UID]; c != 1 {
			if c > 1 {
				st.duplicated += c - 1
			}
			bad = append(bad, fmt.Sprintf("%s: %d SKSs", n, c))
			continue
		}
		active := pa.Status.GetCondition(autoscalingv1alpha1.PodAutoscalerConditionActive)
		switch {
		case keda && (active == nil || !active.IsTrue() || !hpas[n]):
			bad = append(bad, fmt.Sprintf("%s: HPA %v, %s", n, hpas[n], harness.Condition(pa, "Active")))
			continue
		case !keda && (active == nil || active.Status != "Unknown" || active.Reason != "WaitingForHPA" || active.Message != waitingForHPA(n)):
			bad = append(bad, n+": "+harness.Condition(pa, "Active"))
			continue
		}
		st.converged++
	}
	sort.Strings(bad)
	if len(bad) > 3 {
		bad = append(bad[:3], fmt.Sprintf("and %d more", len(bad)-3))
	}
	st.problems = append(st.problems, bad...)
	return st, nil
}

// converge waits until every one of names has converged (see inspect),
// polling every second, and returns the last state and how long it took.
// It fails t on timeout, with the state, but returns (for the report).
func converge(t *testing.T, e *harness.Env, ns string, names []string, keda bool, timeout time.Duration) (state, time.Duration) {
	t.Helper()
	begin := time.Now()
	var st state
	ctx := context.Background()
	for {
		var err error
		st, err = inspect(ctx, e, ns, names, keda)
		if err == nil && st.converged == st.want && st.duplicated == 0 {
			return st, time.Since(begin)
		}
		if err != nil {
			st.problems = append(st.problems, err.Error())
		}
		if time.Since(begin) > timeout {
			t.Errorf("not converged within %v: %s", timeout, st)
			return st, time.Since(begin)
		}
		time.Sleep(time.Second)
	}
}

// activeCondition returns a PA's Active condition (nil if absent).
func activeCondition(pa *autoscalingv1alpha1.PodAutoscaler) *apis.Condition {
	return pa.Status.GetCondition(autoscalingv1alpha1.PodAutoscalerConditionActive)
}

// revisionNames returns n revision names with a prefix.
func revisionNames(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%04d", prefix, i)
	}
	return out
}
