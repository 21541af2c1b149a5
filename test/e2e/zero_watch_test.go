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

package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	netv1alpha1 "knative.dev/networking/pkg/apis/networking/v1alpha1"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"

	"github.com/serving-keda/serving-keda/pkg/scaletozero"
	"github.com/serving-keda/serving-keda/test/harness"
)

// zeroWatch checks every time a revision's Deployment goes from pods to
// none that the activator was in its path first, and for long enough: the
// SKS in Proxy mode with the activator's endpoints populated at least the
// grace period before, and the PA idle (NoTraffic) at least the idle
// window before (issue 22, item 2). Conditions' times are whole seconds
// in the API, hence one second of slack.
type zeroWatch struct {
	mu         sync.Mutex
	toZero     int
	violations []string
}

// watchToZero starts a zeroWatch of revision in ns until the test ends.
func watchToZero(t *testing.T, e *harness.Env, ns, revision string, grace, window time.Duration) *zeroWatch {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	dep := revision + "-deployment"
	w, err := e.Kube.AppsV1().Deployments(ns).Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + dep})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	z := &zeroWatch{}
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); w.Stop(); <-done })
	go func() {
		defer close(done)
		last := int32(-1)
		for ev := range w.ResultChan() {
			d, ok := ev.Object.(*appsv1.Deployment)
			if !ok || (ev.Type != watch.Added && ev.Type != watch.Modified) || d.Spec.Replicas == nil {
				continue
			}
			now, replicas := time.Now(), *d.Spec.Replicas
			if last > 0 && replicas == 0 {
				z.check(ctx, e, ns, revision, now, grace, window)
			}
			last = replicas
		}
	}()
	return z
}

func (z *zeroWatch) check(ctx context.Context, e *harness.Env, ns, revision string, at time.Time, grace, window time.Duration) {
	const slack = time.Second
	var bad []string
	sks, err := e.Networking.NetworkingV1alpha1().ServerlessServices(ns).Get(ctx, revision, metav1.GetOptions{})
	switch {
	case err != nil:
		bad = append(bad, "SKS: "+err.Error())
	case sks.Spec.Mode != netv1alpha1.SKSOperationModeProxy:
		bad = append(bad, fmt.Sprintf("SKS in %s mode", sks.Spec.Mode))
	default:
		c := sks.Status.GetCondition(netv1alpha1.ActivatorEndpointsPopulated)
		if c == nil || !c.IsTrue() {
			bad = append(bad, fmt.Sprintf("activator endpoints not populated: %+v", c))
		} else if behind := at.Sub(c.LastTransitionTime.Inner.Time); behind < grace-slack {
			bad = append(bad, fmt.Sprintf("activator in the path for %v only, grace period %v", behind.Round(100*time.Millisecond), grace))
		}
	}
	pa, err := e.Serving.AutoscalingV1alpha1().PodAutoscalers(ns).Get(ctx, revision, metav1.GetOptions{})
	if err != nil {
		bad = append(bad, "PA: "+err.Error())
	} else if c := pa.Status.GetCondition(autoscalingv1alpha1.PodAutoscalerConditionActive); c == nil || !c.IsFalse() || c.Reason != scaletozero.ReasonNoTraffic {
		bad = append(bad, fmt.Sprintf("PA Active %+v, want False NoTraffic", c))
	} else if idle := at.Sub(c.LastTransitionTime.Inner.Time); idle < window-slack {
		bad = append(bad, fmt.Sprintf("PA idle for %v only, window %v", idle.Round(100*time.Millisecond), window))
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	z.toZero++
	for _, b := range bad {
		z.violations = append(z.violations, fmt.Sprintf("to zero #%d at %s: %s", z.toZero, at.Format("15:04:05.000"), b))
	}
}

// verify fails the test on any violation, or when fewer than want
// transitions to zero were seen.
func (z *zeroWatch) verify(t *testing.T, want int) {
	t.Helper()
	z.mu.Lock()
	defer z.mu.Unlock()
	for _, v := range z.violations {
		t.Errorf("the last pod went before the activator was in the path long enough: %s", v)
	}
	if z.toZero < want {
		t.Errorf("saw %d transitions to zero, want at least %d", z.toZero, want)
	}
	t.Logf("%d transitions to zero, each with the activator in the path first", z.toZero)
}
