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
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
)

// Reconciled is the positive sign a test waits for before it says that
// nothing happened: it gives a PA a new generation with a change no
// reconciler of the HPA class reads (spec.containerConcurrency, which only
// Serving's KPA uses) and waits until the controller has written that
// generation as observed, which it does at the end of a whole reconcile,
// even one that refuses the PA. Whatever that reconcile would write (a
// ScaledObject, the PA's status) is written by then, with the
// configuration and objects the controller had seen when it ran.
func (e *Env) Reconciled(t testing.TB, ns, name string, timeout time.Duration) *autoscalingv1alpha1.PodAutoscaler {
	t.Helper()
	ctx := context.Background()
	pas := e.Serving.AutoscalingV1alpha1().PodAutoscalers(ns)
	var generation int64
	if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		pa, err := pas.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		pa.Spec.ContainerConcurrency++
		pa, err = pas.Update(ctx, pa, metav1.UpdateOptions{})
		if err == nil {
			generation = pa.Generation
		}
		return err
	}); err != nil {
		t.Fatalf("giving PA %s/%s a new generation: %v", ns, name, err)
	}
	return Get(t, timeout, fmt.Sprintf("PA %s/%s generation %d observed", ns, name, generation), func() (*autoscalingv1alpha1.PodAutoscaler, error) {
		pa, err := pas.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		if pa.Status.ObservedGeneration < generation {
			return nil, fmt.Errorf("observedGeneration %d", pa.Status.ObservedGeneration)
		}
		return pa, nil
	})
}
