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
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"knative.dev/pkg/apis"

	"github.com/serving-keda/serving-keda/pkg/translate"
)

// TestInvalidAnnotation: a bad annotation gives Ready=False with a reason
// and message naming the key and value, a Warning Event on the PA, and no
// ScaledObject, while a good revision next to it is served; fixing the
// annotation on the PA brings the ScaledObject.
func TestInvalidAnnotation(t *testing.T) {
	e := sharedEnv(t)
	ns := e.namespace(t)
	ctx := context.Background()
	const bad, good = "bad-00001", "good-00001"
	// Both cpu revisions with a cpu request: the good one, and the bad one
	// once fixed, get a ScaledObject.
	e.revisionWith(t, ns, bad, map[string]string{translate.MetricTypeKey: "Average"}, cpuRequest)
	e.revisionWith(t, ns, good, nil, cpuRequest)

	pa := e.paCondition(t, ns, bad, "Ready", controllerTimeout, func(c *apis.Condition) bool {
		return c.IsFalse() && c.Reason == "InvalidMetricType"
	})
	msg := pa.Status.GetCondition(apis.ConditionReady).Message
	if !strings.Contains(msg, translate.MetricTypeKey) || !strings.Contains(msg, "Average") {
		t.Errorf("Ready message %q does not name the key %s and the value Average", msg, translate.MetricTypeKey)
	}
	t.Logf("bad PA: %s", condition(pa, "Ready"))

	var ev corev1.Event
	eventually(t, controllerTimeout, "Warning Event InvalidMetricType on the PA", func() (bool, string) {
		l, err := e.kube.CoreV1().Events(ns).List(ctx, metav1.ListOptions{
			FieldSelector: fields.OneTermEqualSelector("involvedObject.name", bad).String(),
		})
		if err != nil {
			return false, err.Error()
		}
		var seen []string
		for _, x := range l.Items {
			if x.Type == corev1.EventTypeWarning && x.Reason == "InvalidMetricType" && x.InvolvedObject.Kind == "PodAutoscaler" {
				ev = x
				return true, ""
			}
			seen = append(seen, x.Type+"/"+x.Reason)
		}
		return false, fmt.Sprintf("events: %v", seen)
	})
	if !strings.Contains(ev.Message, translate.MetricTypeKey) || !strings.Contains(ev.Message, "Average") {
		t.Errorf("Event message %q does not name the key and the value", ev.Message)
	}

	// The good revision is served normally meanwhile.
	e.scaledObject(t, ns, good)
	e.hpa(t, ns, good, kedaTimeout)
	e.paCondition(t, ns, good, "Active", controllerTimeout, (*apis.Condition).IsTrue)

	// By now the bad one has been reconciled repeatedly; it has no ScaledObject.
	if _, err := e.keda.KedaV1alpha1().ScaledObjects(ns).Get(ctx, bad, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("ScaledObject for the bad PA: err = %v, want NotFound", err)
	}

	// Fix the annotation on the PA (as a new revision would carry it).
	pa = e.podAutoscaler(t, ns, bad)
	pa.Annotations[translate.MetricTypeKey] = translate.Utilization
	if _, err := e.serving.AutoscalingV1alpha1().PodAutoscalers(ns).Update(ctx, pa, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	so := e.scaledObject(t, ns, bad)
	if got := so.Spec.Triggers; len(got) != 1 || got[0].Type != "cpu" || string(got[0].MetricType) != translate.Utilization {
		t.Errorf("triggers = %+v, want one cpu Utilization trigger", got)
	}
	e.hpa(t, ns, bad, kedaTimeout)
	pa = e.paCondition(t, ns, bad, "Active", controllerTimeout, (*apis.Condition).IsTrue)
	for _, c := range pa.Status.Conditions {
		if c.Reason == "InvalidMetricType" {
			t.Errorf("after the fix, condition %s still says InvalidMetricType: %q", c.Type, c.Message)
		}
	}
}
