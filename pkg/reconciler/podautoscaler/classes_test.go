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
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	ktesting "k8s.io/client-go/testing"
	"knative.dev/pkg/configmap"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/logging"
	"knative.dev/serving/pkg/apis/autoscaling"
	servingclient "knative.dev/serving/pkg/client/injection/client"

	"github.com/serving-keda/serving-keda/pkg/config"
	. "github.com/serving-keda/serving-keda/pkg/reconciler/testing"

	. "knative.dev/pkg/reconciler/testing"
	. "knative.dev/serving/pkg/testing"
)

func TestReconcileClasses(t *testing.T) {
	waitingForHPA := fmt.Sprintf("waiting for KEDA to reconcile ScaledObject %q and create HPA %q", testRevision, testRevision)
	// A PodAutoscaler of the KEDA class as Serving's defaulting leaves it:
	// an empty metric, where the HPA class gets cpu.
	kedaPA := map[string]string{autoscaling.ClassAnnotationKey: config.KEDAClass, autoscaling.MetricAnnotationKey: ""}
	// Its ScaledObject: the HPA class's, cpu, with the revision's own class.
	kedaSO := map[string]string{autoscaling.ClassAnnotationKey: config.KEDAClass}
	onlyKEDA := map[string]string{config.ClassesKey: config.KEDAClass}
	both := map[string]string{config.ClassesKey: autoscaling.HPA + "," + config.KEDAClass}

	table := TableTest{{
		Name:    "KEDA class, not configured (the default): left alone",
		Objects: []runtime.Object{deployment(), pa(withAnnotations(kedaPA))},
		Key:     key(),
	}, {
		Name:    "KEDA class configured: reconciled as the HPA class is",
		Ctx:     config.ToContext(context.Background(), testConfig(onlyKEDA)),
		Objects: []runtime.Object{deployment(), pa(withAnnotations(kedaPA))},
		Key:     key(),
		WantCreates: []runtime.Object{
			sksOf(pa(withAnnotations(kedaPA))),
			scaledObject(pa(withAnnotations(kedaSO))),
		},
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(withAnnotations(kedaPA), withActivating(ReasonWaitingForHPA, waitingForHPA),
				WithPASKSNotReady("SKS Services are not ready yet")),
		}},
	}, {
		Name:    "KEDA class configured: invalid annotations are refused as for the HPA class",
		Ctx:     config.ToContext(context.Background(), testConfig(onlyKEDA)),
		Objects: []runtime.Object{deployment(), pa(withAnnotations(kedaPA), withAnnotations(badMetricType))},
		Key:     key(),
		WantErr: true,
		WantCreates: []runtime.Object{
			sksOf(pa(withAnnotations(kedaPA), withAnnotations(badMetricType))),
		},
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(withAnnotations(kedaPA), withAnnotations(badMetricType), withInactive("InvalidMetricType", badMetricTypeMsg),
				WithPASKSNotReady("SKS Services are not ready yet")),
		}},
		WantEvents: []string{
			Eventf(corev1.EventTypeWarning, "InvalidMetricType", "PodAutoscaler %s/%s: %s", testNamespace, testRevision, badMetricTypeMsg),
		},
	}, {
		Name:    "only the KEDA class configured: the HPA class is left to Serving's autoscaler-hpa",
		Ctx:     config.ToContext(context.Background(), testConfig(onlyKEDA)),
		Objects: []runtime.Object{deployment(), pa()},
		Key:     key(),
	}, {
		Name:    "both classes configured: the HPA class is reconciled",
		Ctx:     config.ToContext(context.Background(), testConfig(both)),
		Objects: []runtime.Object{deployment(), pa()},
		Key:     key(),
		WantCreates: []runtime.Object{
			sks(),
			scaledObject(pa()),
		},
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(withActivating(ReasonWaitingForHPA, waitingForHPA), WithPASKSNotReady("SKS Services are not ready yet")),
		}},
	}, {
		Name:    "another class is never ours",
		Ctx:     config.ToContext(context.Background(), testConfig(both)),
		Objects: []runtime.Object{deployment(), pa(withAnnotations(map[string]string{autoscaling.ClassAnnotationKey: autoscaling.KPA}))},
		Key:     key(),
	}, {
		Name: "key not found",
		Ctx:  config.ToContext(context.Background(), testConfig(both)),
		Key:  "foo/not-found",
	}}

	table.Test(t, MakeFactory(func(ctx context.Context, l *Listers, _ configmap.Watcher) controller.Reconciler {
		r := newTestReconciler(ctx, l)
		c := &classReconciler{lister: l.GetPodAutoscalerLister(), store: &testConfigStore{}, byClass: map[string]controller.Reconciler{}}
		for _, class := range config.Classes {
			c.byClass[class] = newPAReconciler(ctx, logging.FromContext(ctx), servingclient.Get(ctx), l.GetPodAutoscalerLister(),
				controller.GetEventRecorder(ctx), r, class, controller.Options{ConfigStore: sharedSnapshot{&testConfigStore{}}})
		}
		return c
	}))
}

func TestClassFilter(t *testing.T) {
	c := &classReconciler{}
	hpaPA, kedaPA := pa(), pa(withAnnotations(map[string]string{autoscaling.ClassAnnotationKey: config.KEDAClass}))
	if c.reconciles(hpaPA) || c.reconciles(kedaPA) {
		t.Error("reconciles() before any configuration is stored")
	}
	if !c.setClasses(sets.New(autoscaling.HPA)) {
		t.Error("setClasses(HPA) first = false, want true: the HPA class was added")
	}
	if !c.reconciles(hpaPA) || c.reconciles(kedaPA) {
		t.Error("with the HPA class only, want the HPA PA alone reconciled")
	}
	if c.setClasses(sets.New(autoscaling.HPA, config.KEDAClass)) {
		t.Error("setClasses(HPA, KEDA) after HPA = true, want false: HPA was there already")
	}
	if c.setClasses(sets.New(config.KEDAClass)) {
		t.Error("setClasses(KEDA) = true, want false")
	}
	if c.reconciles(hpaPA) || !c.reconciles(kedaPA) {
		t.Error("with the KEDA class only, want the KEDA PA alone reconciled")
	}
	if !c.reconciles(sksOf(kedaPA)) {
		t.Error("the SKS of a KEDA-class PA is not ours")
	}
	if c.reconciles(&metav1.Status{}) {
		t.Error("reconciles(an object without metadata) = true")
	}
	if !c.setClasses(sets.New(autoscaling.HPA)) {
		t.Error("setClasses(HPA) after KEDA alone = false, want true")
	}
}
