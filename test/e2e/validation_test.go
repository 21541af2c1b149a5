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
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"

	"github.com/serving-keda/serving-keda/pkg/translate"
	"github.com/serving-keda/serving-keda/test/harness"
)

// TestInvalidAnnotationFixed: a bad annotation stops only its own
// revision: a good revision next to it is served meanwhile, and fixing the
// annotation on the PA brings the ScaledObject and clears the reason.
// What each invalid annotation gives (reason, message, Event, nothing
// written) is test/reliability's TestInvalidAnnotations.
func TestInvalidAnnotationFixed(t *testing.T) {
	e := shared.Get(t)
	ns := e.Namespace(t)
	ctx := context.Background()
	const bad, good = "bad-00001", "good-00001"
	e.RevisionWith(t, ns, bad, map[string]string{translate.MetricTypeAnnotationKey: "Average"}, harness.CPURequest)
	e.RevisionWith(t, ns, good, nil, harness.CPURequest)

	pa := e.PACondition(t, ns, bad, "Ready", harness.ControllerTimeout, func(c *apis.Condition) bool {
		return c.IsFalse() && c.Reason == "InvalidMetricType"
	})
	t.Logf("bad PA: %s", harness.Condition(pa, "Ready"))

	// The good revision is served normally meanwhile.
	e.ScaledObject(t, ns, good, createTimeout)
	e.HPA(t, ns, good, harness.KEDATimeout)
	e.PACondition(t, ns, good, "Active", harness.ControllerTimeout, (*apis.Condition).IsTrue)

	// By now the bad one has been reconciled repeatedly; it has no ScaledObject.
	if _, err := e.KEDA.KedaV1alpha1().ScaledObjects(ns).Get(ctx, bad, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("ScaledObject for the bad PA: err = %v, want NotFound", err)
	}

	// Fix the annotation on the PA (as a new revision would carry it).
	pa = e.PodAutoscaler(t, ns, bad)
	pa.Annotations[translate.MetricTypeAnnotationKey] = translate.Utilization
	if _, err := e.Serving.AutoscalingV1alpha1().PodAutoscalers(ns).Update(ctx, pa, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	so := e.ScaledObject(t, ns, bad, createTimeout)
	if got := so.Spec.Triggers; len(got) != 1 || got[0].Type != "cpu" || string(got[0].MetricType) != translate.Utilization {
		t.Errorf("triggers = %+v, want one cpu Utilization trigger", got)
	}
	e.HPA(t, ns, bad, harness.KEDATimeout)
	pa = e.PACondition(t, ns, bad, "Active", harness.ControllerTimeout, (*apis.Condition).IsTrue)
	for _, c := range pa.Status.Conditions {
		if c.Reason == "InvalidMetricType" {
			t.Errorf("after the fix, condition %s still says InvalidMetricType: %q", c.Type, c.Message)
		}
	}
}
