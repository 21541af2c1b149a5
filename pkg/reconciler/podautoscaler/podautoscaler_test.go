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
	"math"
	"testing"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apierrs "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	ktesting "k8s.io/client-go/testing"
	"knative.dev/networking/pkg/apis/networking"
	nv1alpha1 "knative.dev/networking/pkg/apis/networking/v1alpha1"
	networkingclient "knative.dev/networking/pkg/client/injection/client"
	"knative.dev/pkg/apis"
	fakekubeclient "knative.dev/pkg/client/injection/kube/client/fake"
	"knative.dev/pkg/configmap"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/logging"
	"knative.dev/pkg/ptr"
	pkgreconciler "knative.dev/pkg/reconciler"
	"knative.dev/serving/pkg/apis/autoscaling"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	"knative.dev/serving/pkg/apis/serving"
	asconfig "knative.dev/serving/pkg/autoscaler/config"
	servingclient "knative.dev/serving/pkg/client/injection/client"
	areconciler "knative.dev/serving/pkg/reconciler/autoscaling"
	aresources "knative.dev/serving/pkg/reconciler/autoscaling/resources"
	"knative.dev/serving/pkg/reconciler/serverlessservice/resources/names"

	kedaclient "github.com/serving-keda/serving-keda/pkg/client/injection/client"
	"github.com/serving-keda/serving-keda/pkg/config"
	. "github.com/serving-keda/serving-keda/pkg/reconciler/testing"
	"github.com/serving-keda/serving-keda/pkg/translate"

	. "knative.dev/pkg/reconciler/testing"
	. "knative.dev/serving/pkg/testing"
)

const (
	testNamespace = "test-namespace"
	testRevision  = "test-revision"
	deployName    = testRevision + "-deployment"
	promAddr      = "http://prometheus.monitoring:9090"
)

var customMetric = map[string]string{
	autoscaling.MetricAnnotationKey:          "rps",
	autoscaling.TargetAnnotationKey:          "10",
	translate.PrometheusQueryAnnotationKey:   `sum(rate(http_requests_total{revision="{{.Revision}}"}[1m]))`,
	translate.PrometheusAddressAnnotationKey: promAddr,
}

func TestReconcile(t *testing.T) {
	now := time.Now()
	privateSvc := names.PrivateService(testRevision)
	waitingForHPA := fmt.Sprintf("waiting for KEDA to reconcile ScaledObject %q and create HPA %q", testRevision, testRevision)
	ready := []PodAutoscalerOption{WithPASKSReady, WithPAStatusService(testRevision), WithPAMetricsService(privateSvc)}

	table := TableTest{{
		Name: "bad workqueue key",
		Key:  "too/many/parts",
	}, {
		Name: "key not found",
		Key:  "foo/not-found",
	}, {
		Name:    "another class is not ours",
		Objects: []runtime.Object{deployment(), pa(withAnnotations(map[string]string{autoscaling.ClassAnnotationKey: autoscaling.KPA}))},
		Key:     key(),
	}, {
		// The first of a new revision's reconciles. With the next row, its
		// one status update per revision (autoscaler-hpa needs one too).
		Name:         "new revision: create ScaledObject and SKS; no status update while KEDA makes its HPA",
		Objects:      []runtime.Object{deployment(), pa(withGeneration(1))},
		Key:          key(),
		WithReactors: []ktesting.ReactionFunc{stampCreation(now)},
		WantCreates: []runtime.Object{
			sks(),
			scaledObject(pa()),
		},
		// controller.NewRequeueAfter(FirstStatusGrace): an error for the row, no Event.
		WantErr: true,
	}, {
		Name: "new revision, KEDA's HPA there: the first status update carries its scale",
		Objects: []runtime.Object{deployment(),
			pa(withGeneration(1)),
			scaledObject(pa(), withSOReady, withSOCreated(now.Add(-2*time.Second))),
			hpa(withHPAReplicas(1, 1)),
			sks(),
		},
		Key: key(),
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(withGeneration(1), WithObservedGeneration(1), WithTraffic, withScales(1, 1), withSOReadyCondition,
				WithPASKSNotReady("SKS Services are not ready yet")),
		}},
	}, {
		Name: "new revision, KEDA's HPA there but its ScaledObject not reported on: still no status update",
		Objects: []runtime.Object{deployment(),
			pa(withGeneration(1)),
			scaledObject(pa(), withKEDAInitialized, withSOCreated(now.Add(-2*time.Second))),
			hpa(withHPAReplicas(1, 1)),
			sks(),
		},
		Key:     key(),
		WantErr: true,
	}, {
		Name: "new revision, no HPA FirstStatusGrace after its ScaledObject: the waiting status is written",
		Objects: []runtime.Object{deployment(),
			pa(withGeneration(1)),
			scaledObject(pa(), withKEDAInitialized, withSOCreated(now.Add(-FirstStatusGrace-time.Second))),
			sks(),
		},
		Key: key(),
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(withGeneration(1), WithObservedGeneration(1), withActivating(ReasonWaitingForHPA, waitingForHPA),
				WithPASKSNotReady("SKS Services are not ready yet")),
		}},
	}, {
		Name: "new revision, KEDA refused its ScaledObject before any HPA: written at once",
		Objects: []runtime.Object{deployment(),
			pa(withGeneration(1)),
			scaledObject(pa(), withSOCondition(kedav1alpha1.ConditionReady, metav1.ConditionFalse, "ScaledObjectCheckFailed", "no metric"),
				withSOCreated(now.Add(-2*time.Second))),
			sks(),
		},
		Key: key(),
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(withGeneration(1), WithObservedGeneration(1), withActivating(ReasonWaitingForHPA, waitingForHPA),
				withCondition(ConditionScaledObjectReady, corev1.ConditionFalse, apis.ConditionSeverityWarning, "ScaledObjectCheckFailed", "no metric"),
				WithPASKSNotReady("SKS Services are not ready yet")),
		}},
	}, {
		Name: "a status written before (waiting for the Deployment) changes to waiting for the HPA at once",
		Objects: []runtime.Object{deployment(),
			pa(withGeneration(1), WithObservedGeneration(1), withActivating(ReasonWaitingForDeployment, "waiting for Deployment"),
				WithPASKSNotReady("SKS Services are not ready yet")),
			sks(),
		},
		Key:          key(),
		WithReactors: []ktesting.ReactionFunc{stampCreation(now)},
		WantCreates:  []runtime.Object{scaledObject(pa())},
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(withGeneration(1), WithObservedGeneration(1), withActivating(ReasonWaitingForHPA, waitingForHPA),
				WithPASKSNotReady("SKS Services are not ready yet")),
		}},
	}, {
		Name: "a new revision's changed spec is observed at once, waiting or not",
		Objects: []runtime.Object{deployment(),
			pa(withGeneration(2)),
			scaledObject(pa(), withSOCreated(now.Add(-2*time.Second))),
			sks(),
		},
		Key: key(),
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(withGeneration(2), WithObservedGeneration(2), withActivating(ReasonWaitingForHPA, waitingForHPA),
				WithPASKSNotReady("SKS Services are not ready yet")),
		}},
	}, {
		Name: "KEDA's first write (bare Unknown conditions) costs no status update",
		Objects: []runtime.Object{deployment(),
			pa(withActivating(ReasonWaitingForHPA, waitingForHPA), WithPASKSNotReady("SKS Services are not ready yet")),
			scaledObject(pa(), withKEDAInitialized),
			sks(),
		},
		Key: key(),
	}, {
		Name: "HPA appeared before KEDA reported on the ScaledObject: still waiting, no status update",
		Objects: []runtime.Object{deployment(),
			pa(withActivating(ReasonWaitingForHPA, waitingForHPA), WithPASKSNotReady("SKS Services are not ready yet")),
			scaledObject(pa(), withKEDAInitialized),
			hpa(withHPAReplicas(3, 1)),
			sks(),
		},
		Key: key(),
	}, {
		Name: "HPA appeared: scale from its status, active, initialized",
		Objects: []runtime.Object{deployment(),
			pa(withActivating(ReasonWaitingForHPA, waitingForHPA), WithPASKSNotReady("SKS Services are not ready yet")),
			scaledObject(pa(), withSOReady),
			hpa(withHPAReplicas(3, 1)),
			sks(WithSKSReady),
		},
		Key: key(),
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(append(ready, WithTraffic, WithScaleTargetInitialized, withScales(3, 1), withSOReadyCondition)...),
		}},
	}, {
		Name: "steady state writes nothing",
		Objects: []runtime.Object{deployment(),
			pa(append(ready, WithTraffic, WithScaleTargetInitialized, withScales(3, 3), withSOReadyCondition)...),
			scaledObject(pa(), withSOReady, withKEDAMetadata),
			hpa(withHPAReplicas(3, 3)),
			sks(WithSKSReady),
		},
		Key: key(),
	}, {
		Name: "HPA status change flows to the PA",
		Objects: []runtime.Object{deployment(),
			pa(append(ready, WithTraffic, WithScaleTargetInitialized, withScales(3, 3), withSOReadyCondition)...),
			scaledObject(pa(), withSOReady),
			hpa(withHPAReplicas(7, 4)),
			sks(WithSKSReady),
		},
		Key: key(),
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(append(ready, WithTraffic, WithScaleTargetInitialized, withScales(7, 4), withSOReadyCondition)...),
		}},
	}, {
		Name: "not initialized until min-scale replicas run",
		Objects: []runtime.Object{deployment(),
			pa(withAnnotations(map[string]string{autoscaling.MinScaleAnnotationKey: "3"})),
			scaledObject(pa(withAnnotations(map[string]string{autoscaling.MinScaleAnnotationKey: "3"})), withSOMin(3), withSOReady),
			hpa(withHPAReplicas(3, 2)),
			sks(WithSKSReady),
		},
		Key: key(),
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(append(ready, withAnnotations(map[string]string{autoscaling.MinScaleAnnotationKey: "3"}),
				WithTraffic, withScales(3, 2), withSOReadyCondition)...),
		}},
	}, {
		Name: "initial-scale above min-scale sets the bar",
		Objects: []runtime.Object{deployment(),
			pa(withAnnotations(map[string]string{autoscaling.InitialScaleAnnotationKey: "4"})),
			scaledObject(pa(withAnnotations(map[string]string{autoscaling.InitialScaleAnnotationKey: "4"})), withSOReady),
			hpa(withHPAReplicas(4, 4)),
			sks(WithSKSReady),
		},
		Key: key(),
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(append(ready, withAnnotations(map[string]string{autoscaling.InitialScaleAnnotationKey: "4"}),
				WithTraffic, WithScaleTargetInitialized, withScales(4, 4), withSOReadyCondition)...),
		}},
	}, {
		Name: "a user's edit of the ScaledObject is undone",
		Objects: []runtime.Object{deployment(),
			pa(append(ready, WithTraffic, WithScaleTargetInitialized, withScales(1, 1), withSOReadyCondition)...),
			scaledObject(pa(), withSOEdited, withKEDAMetadata, withSOReady),
			hpa(withHPAReplicas(1, 1)),
			sks(WithSKSReady),
		},
		Key: key(),
		WantUpdates: []ktesting.UpdateActionImpl{{
			Object: scaledObject(pa(), withKEDAMetadata, withSOReady),
		}},
	}, {
		Name: "a removed pause annotation is removed from the ScaledObject",
		Objects: []runtime.Object{deployment(),
			pa(append(ready, WithTraffic, WithScaleTargetInitialized, withScales(1, 1), withSOReadyCondition)...),
			scaledObject(pa(), withSOAnnotation(translate.KEDAPausedAnnotation, "true"), withSOReady),
			hpa(withHPAReplicas(1, 1)),
			sks(WithSKSReady),
		},
		Key: key(),
		WantUpdates: []ktesting.UpdateActionImpl{{
			Object: scaledObject(pa(), withSOReady),
		}},
	}, {
		Name: "annotations changed on the revision reach the ScaledObject",
		Objects: []runtime.Object{deployment(),
			pa(append(ready, WithTraffic, WithScaleTargetInitialized, withScales(1, 1), withAnnotations(customMetric), withSOReadyCondition)...),
			scaledObject(pa(), withSOReady),
			hpa(withHPAReplicas(1, 1)),
			sks(WithSKSReady),
		},
		Key: key(),
		WantUpdates: []ktesting.UpdateActionImpl{{
			Object: scaledObject(pa(withAnnotations(customMetric)), withPromTrigger, withSOReady),
		}},
	}, {
		Name: "a ScaledObject the PA does not own is left alone",
		Objects: []runtime.Object{deployment(),
			pa(),
			scaledObject(pa(), withSOOwnersRemoved),
		},
		Key:     key(),
		WantErr: true,
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(withNotOwned("ScaledObject")),
		}},
		WantEvents: []string{
			Eventf(corev1.EventTypeWarning, "NotOwned", `PodAutoscaler %q does not own ScaledObject %q: it writes nothing to it; delete it, or set %s to "false" to use it`,
				testRevision, testRevision, translate.AutoCreateAnnotationKey),
		},
	}, {
		Name:         "ScaledObject create fails",
		Objects:      []runtime.Object{deployment(), pa()},
		Key:          key(),
		WantErr:      true,
		WithReactors: []ktesting.ReactionFunc{InduceFailure("create", "scaledobjects")},
		WantCreates:  []runtime.Object{scaledObject(pa())},
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(withInactive("FailedCreate", `failed to create ScaledObject "test-revision": inducing failure for create scaledobjects`)),
		}},
		WantEvents: []string{
			Eventf(corev1.EventTypeWarning, "FailedCreate", `failed to create ScaledObject %q: inducing failure for create scaledobjects`, testRevision),
		},
	}, {
		Name:    "KEDA's webhook has not seen the new Deployment yet: a quiet requeue, no FailedCreate",
		Objects: []runtime.Object{deployment(), pa()},
		Key:     key(),
		WithReactors: []ktesting.ReactionFunc{func(action ktesting.Action) (bool, runtime.Object, error) {
			if action.Matches("create", "scaledobjects") {
				return true, nil, apierrs.NewForbidden(kedav1alpha1.Resource("scaledobjects"), testRevision, fmt.Errorf(
					`admission webhook "vscaledobject.kb.io" denied the request: deployments.apps %q not found`, deployName))
			}
			return false, nil, nil
		}},
		WantCreates: []runtime.Object{scaledObject(pa())},
		// controller.NewRequeueAfter: an error for the row, no Event.
		WantErr: true,
	}, {
		Name:    "KEDA v2.21's webhook has not seen the new Deployment yet (its message names the kind): a quiet requeue, no FailedCreate",
		Objects: []runtime.Object{deployment(), pa()},
		Key:     key(),
		WithReactors: []ktesting.ReactionFunc{func(action ktesting.Action) (bool, runtime.Object, error) {
			if action.Matches("create", "scaledobjects") {
				return true, nil, apierrs.NewForbidden(kedav1alpha1.Resource("scaledobjects"), testRevision, fmt.Errorf(
					`admission webhook "vscaledobject.kb.io" denied the request: Deployment.apps %q not found`, deployName))
			}
			return false, nil, nil
		}},
		WantCreates: []runtime.Object{scaledObject(pa())},
		WantErr:     true,
	}, {
		Name:    "create finds the object exists (lagging informer): read it and carry on",
		Objects: []runtime.Object{deployment(), pa()},
		Key:     key(),
		WithReactors: []ktesting.ReactionFunc{
			func(action ktesting.Action) (bool, runtime.Object, error) {
				if action.Matches("create", "scaledobjects") {
					return true, nil, apierrs.NewAlreadyExists(kedav1alpha1.Resource("scaledobjects"), testRevision)
				}
				return false, nil, nil
			},
			func(action ktesting.Action) (bool, runtime.Object, error) {
				if action.Matches("get", "scaledobjects") {
					return true, scaledObject(pa()), nil
				}
				return false, nil, nil
			},
		},
		WantCreates: []runtime.Object{sks(), scaledObject(pa())},
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(withActivating(ReasonWaitingForHPA, waitingForHPA), WithPASKSNotReady("SKS Services are not ready yet")),
		}},
	}, {
		Name:    "create finds an object of someone else's (lagging informer): read back, refused as not owned, nothing written",
		Objects: []runtime.Object{deployment(), pa()},
		Key:     key(),
		WithReactors: []ktesting.ReactionFunc{
			func(action ktesting.Action) (bool, runtime.Object, error) {
				if action.Matches("create", "scaledobjects") {
					return true, nil, apierrs.NewAlreadyExists(kedav1alpha1.Resource("scaledobjects"), testRevision)
				}
				return false, nil, nil
			},
			func(action ktesting.Action) (bool, runtime.Object, error) {
				if action.Matches("get", "scaledobjects") {
					return true, scaledObject(pa(), withSOOwnersRemoved), nil
				}
				return false, nil, nil
			},
		},
		WantErr:     true,
		WantCreates: []runtime.Object{scaledObject(pa())},
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(withNotOwned("ScaledObject")),
		}},
		WantEvents: []string{
			Eventf(corev1.EventTypeWarning, "NotOwned", `PodAutoscaler %q does not own ScaledObject %q: it writes nothing to it; delete it, or set %s to "false" to use it`,
				testRevision, testRevision, translate.AutoCreateAnnotationKey),
		},
	}, {
		Name:    "create finds its own object, edited (lagging informer): read back and brought back to the desired spec",
		Objects: []runtime.Object{deployment(), pa()},
		Key:     key(),
		WithReactors: []ktesting.ReactionFunc{
			func(action ktesting.Action) (bool, runtime.Object, error) {
				if action.Matches("create", "scaledobjects") {
					return true, nil, apierrs.NewAlreadyExists(kedav1alpha1.Resource("scaledobjects"), testRevision)
				}
				return false, nil, nil
			},
			func(action ktesting.Action) (bool, runtime.Object, error) {
				if action.Matches("get", "scaledobjects") {
					return true, scaledObject(pa(), withSOEdited, withKEDAMetadata), nil
				}
				return false, nil, nil
			},
			func(action ktesting.Action) (bool, runtime.Object, error) {
				if action.Matches("update", "scaledobjects") {
					return true, action.(ktesting.UpdateAction).GetObject(), nil
				}
				return false, nil, nil
			},
		},
		WantCreates: []runtime.Object{sks(), scaledObject(pa())},
		WantUpdates: []ktesting.UpdateActionImpl{{
			Object: scaledObject(pa(), withKEDAMetadata),
		}},
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(withActivating(ReasonWaitingForHPA, waitingForHPA), WithPASKSNotReady("SKS Services are not ready yet")),
		}},
	}, {
		Name:    "create finds the object exists, gone when read back: a quiet requeue",
		Objects: []runtime.Object{deployment(), pa()},
		Key:     key(),
		WithReactors: []ktesting.ReactionFunc{
			func(action ktesting.Action) (bool, runtime.Object, error) {
				if action.Matches("create", "scaledobjects") {
					return true, nil, apierrs.NewAlreadyExists(kedav1alpha1.Resource("scaledobjects"), testRevision)
				}
				return false, nil, nil
			},
			func(action ktesting.Action) (bool, runtime.Object, error) {
				if action.Matches("get", "scaledobjects") {
					return true, nil, apierrs.NewNotFound(kedav1alpha1.Resource("scaledobjects"), testRevision)
				}
				return false, nil, nil
			},
		},
		WantCreates: []runtime.Object{scaledObject(pa())},
		// controller.NewRequeueAfter: an error for the row, no Event.
		WantErr: true,
	}, {
		Name: "SKS created meanwhile (lagging informer): requeue without an event",
		Objects: []runtime.Object{deployment(),
			pa(),
			scaledObject(pa()),
		},
		Key: key(),
		WithReactors: []ktesting.ReactionFunc{
			func(action ktesting.Action) (bool, runtime.Object, error) {
				if action.Matches("create", "serverlessservices") {
					return true, nil, apierrs.NewAlreadyExists(nv1alpha1.Resource("serverlessservices"), testRevision)
				}
				return false, nil, nil
			},
		},
		WantCreates: []runtime.Object{sks()},
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(withActivating(ReasonWaitingForHPA, waitingForHPA)),
		}},
		// A requeue, not a failure: the row's error is controller.NewRequeueAfter
		// and WantEvents stays empty.
		WantErr: true,
	}, {
		Name:    "a bad value with a per cent sign is shown as written",
		Objects: []runtime.Object{deployment(), pa(withAnnotations(percentQuery))},
		Key:     key(),
		WantErr: true,
		// The SKS is made all the same: Serving fails the Revision with the
		// PA's reason only once the PA names its service.
		WantCreates: []runtime.Object{sksOf(pa(withAnnotations(percentQuery)))},
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(withAnnotations(percentQuery), func(p *autoscalingv1alpha1.PodAutoscaler) {
				p.Status.MarkInactive("InvalidPrometheusQuery", literal(percentQueryMsg))
			}, WithPASKSNotReady("SKS Services are not ready yet")),
		}},
		WantEvents: []string{
			Eventf(corev1.EventTypeWarning, "InvalidPrometheusQuery", "PodAutoscaler %s/%s: %s", testNamespace, testRevision, percentQueryMsg),
		},
	}, {
		Name: "ScaledObject update fails",
		Objects: []runtime.Object{deployment(),
			pa(),
			scaledObject(pa(), withSOEdited),
		},
		Key:          key(),
		WantErr:      true,
		WithReactors: []ktesting.ReactionFunc{InduceFailure("update", "scaledobjects")},
		WantUpdates:  []ktesting.UpdateActionImpl{{Object: scaledObject(pa())}},
		WantEvents: []string{
			Eventf(corev1.EventTypeWarning, "InternalError", `failed to update ScaledObject %q: inducing failure for update scaledobjects`, testRevision),
		},
	}, {
		Name:        "invalid annotation: condition, event, no ScaledObject, no retry",
		Objects:     []runtime.Object{deployment(), pa(withAnnotations(badMetricType))},
		Key:         key(),
		WantErr:     true,
		WantCreates: []runtime.Object{sksOf(pa(withAnnotations(badMetricType)))},
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(withAnnotations(badMetricType), withInactive("InvalidMetricType", badMetricTypeMsg),
				WithPASKSNotReady("SKS Services are not ready yet")),
		}},
		WantEvents: []string{
			Eventf(corev1.EventTypeWarning, "InvalidMetricType", "PodAutoscaler %s/%s: %s", testNamespace, testRevision, badMetricTypeMsg),
		},
		PostConditions: []func(*testing.T, *TableRow){assertPermanent},
	}, {
		Name: "invalid annotation on a running revision keeps its last good ScaledObject",
		Objects: []runtime.Object{deployment(),
			pa(append(ready, WithTraffic, WithScaleTargetInitialized, withScales(2, 2),
				withAnnotations(map[string]string{translate.PausedAnnotationKey: "perhaps"}))...),
			scaledObject(pa()),
			hpa(withHPAReplicas(2, 2)),
			sks(WithSKSReady),
		},
		Key:     key(),
		WantErr: true,
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(append(ready, WithScaleTargetInitialized, withScales(2, 2),
				withAnnotations(map[string]string{translate.PausedAnnotationKey: "perhaps"}),
				withInactive("InvalidKedaPaused", `invalid value: perhaps: autoscaling.knative.dev/keda-paused`+"\n"+`must be "true" or "false"`))...),
		}},
		WantEvents: []string{
			Eventf(corev1.EventTypeWarning, "InvalidKedaPaused", `PodAutoscaler %s/%s: invalid value: perhaps: autoscaling.knative.dev/keda-paused`+"\n"+`must be "true" or "false"`, testNamespace, testRevision),
		},
	}, {
		Name: "KEDA reports the ScaledObject not ready: the PA says why",
		Objects: []runtime.Object{deployment(),
			pa(append(ready, WithTraffic, WithScaleTargetInitialized, withScales(1, 1), withAnnotations(customMetric))...),
			scaledObject(pa(withAnnotations(customMetric)), withPromTrigger, withSOCondition(kedav1alpha1.ConditionReady, metav1.ConditionFalse,
				"ScaledObjectCheckFailed", `prometheus query api - error: Get "http://prometheus.monitoring:9090": dial tcp: connection refused`)),
			hpa(withHPAReplicas(1, 1)),
			sks(WithSKSReady),
		},
		Key: key(),
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(append(ready, WithTraffic, WithScaleTargetInitialized, withScales(1, 1), withAnnotations(customMetric),
				withCondition(ConditionScaledObjectReady, corev1.ConditionFalse, apis.ConditionSeverityWarning,
					"ScaledObjectCheckFailed", `prometheus query api - error: Get "http://prometheus.monitoring:9090": dial tcp: connection refused`))...),
		}},
	}, {
		Name: "KEDA's fallback and pause are mirrored while they hold",
		Objects: []runtime.Object{deployment(),
			pa(append(ready, WithTraffic, WithScaleTargetInitialized, withScales(1, 1), withAnnotations(customMetric),
				withCondition(ConditionScaledObjectFallback, corev1.ConditionTrue, apis.ConditionSeverityWarning, "Old", "stale"))...),
			scaledObject(pa(withAnnotations(customMetric)), withPromTrigger, withSOReady,
				withSOCondition(kedav1alpha1.ConditionPaused, metav1.ConditionTrue, "ScaledObjectPaused", "ScaledObject is paused")),
			hpa(withHPAReplicas(1, 1)),
			sks(WithSKSReady),
		},
		Key: key(),
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(append(ready, WithTraffic, WithScaleTargetInitialized, withScales(1, 1), withAnnotations(customMetric),
				withSOReadyCondition,
				withCondition(ConditionScaledObjectPaused, corev1.ConditionTrue, apis.ConditionSeverityInfo, "ScaledObjectPaused", "ScaledObject is paused"))...),
		}},
	}, {
		Name: "KEDA's HPA cannot read the metric (HPAActive False): the PA says so, and stops saying it once it reads again",
		Objects: []runtime.Object{deployment(),
			pa(append(ready, WithTraffic, WithScaleTargetInitialized, withScales(1, 1), withAnnotations(customMetric))...),
			scaledObject(pa(withAnnotations(customMetric)), withPromTrigger, withSOReady,
				withSOCondition(kedav1alpha1.ConditionHPAActive, metav1.ConditionFalse, "HPAMetricsUnavailable",
					`the HPA was unable to compute the replica count: unable to get external metric default/s0-prometheus`)),
			hpa(withHPAReplicas(1, 1)),
			sks(WithSKSReady),
		},
		Key: key(),
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(append(ready, WithTraffic, WithScaleTargetInitialized, withScales(1, 1), withAnnotations(customMetric),
				withSOReadyCondition,
				withCondition(ConditionScaledObjectHPAActive, corev1.ConditionFalse, apis.ConditionSeverityWarning, "HPAMetricsUnavailable",
					`the HPA was unable to compute the replica count: unable to get external metric default/s0-prometheus`))...),
		}},
	}, {
		Name: "KEDA's HPA reads its metric again: the HPAActive condition goes",
		Objects: []runtime.Object{deployment(),
			pa(append(ready, WithTraffic, WithScaleTargetInitialized, withScales(1, 1), withAnnotations(customMetric), withSOReadyCondition,
				withCondition(ConditionScaledObjectHPAActive, corev1.ConditionFalse, apis.ConditionSeverityWarning, "HPAMetricsUnavailable", "old"))...),
			scaledObject(pa(withAnnotations(customMetric)), withPromTrigger, withSOReady,
				withSOCondition(kedav1alpha1.ConditionHPAActive, metav1.ConditionTrue, "HPAActive", "the HPA was able to successfully calculate a replica count")),
			hpa(withHPAReplicas(1, 1)),
			sks(WithSKSReady),
		},
		Key: key(),
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(append(ready, WithTraffic, WithScaleTargetInitialized, withScales(1, 1), withAnnotations(customMetric),
				withSOReadyCondition)...),
		}},
	}, {
		Name: "an HPA of another ScaledObject is reported, not used",
		Objects: []runtime.Object{deployment(),
			pa(),
			scaledObject(pa()),
			hpa(withHPAReplicas(9, 9), withHPAOwner("someone-else")),
			sks(WithSKSReady),
		},
		Key: key(),
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(append(ready, withInactive(ReasonHPANotOwned,
				`HPA "test-revision" is managed by KEDA but not for ScaledObject "test-revision"; delete it or the ScaledObject it belongs to`))...),
		}},
	}, {
		Name:    "cpu revision on Knative's default pod (no requests): nothing written, serves with its replicas, says which request to set",
		Objects: []runtime.Object{deployment(withoutUserRequests), pa(), sks(WithSKSReady)},
		Key:     key(),
		WantErr: true,
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(append(ready, WithScaleTargetInitialized, withScales(1, 1),
				withCondition(ConditionScaledObjectReady, corev1.ConditionFalse, apis.ConditionSeverityWarning, "MissingResourceRequest", missingCPUMsg),
				withActiveReason("MissingResourceRequest", "not autoscaled: "+missingCPUMsg))...),
		}},
		WantEvents: []string{
			Eventf(corev1.EventTypeWarning, "MissingResourceRequest", "PodAutoscaler %s/%s: %s", testNamespace, testRevision, missingCPUMsg),
		},
	}, {
		Name: "an unscalable revision is held at min-scale, as the HPA would hold it",
		Objects: []runtime.Object{
			deployment(withoutUserRequests), pa(withAnnotations(minTwo)), sksOf(pa(withAnnotations(minTwo)), WithSKSReady),
		},
		Key:     key(),
		WantErr: true,
		WantPatches: []ktesting.PatchActionImpl{{
			ActionImpl: ktesting.ActionImpl{Namespace: testNamespace, Subresource: "scale"},
			Name:       deployName,
			PatchType:  types.MergePatchType,
			Patch:      []byte(`{"spec":{"replicas":2}}`),
		}},
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(append(ready, withAnnotations(minTwo), withScales(1, 1),
				withCondition(ConditionScaledObjectReady, corev1.ConditionFalse, apis.ConditionSeverityWarning, "MissingResourceRequest", missingCPUMsg),
				withActiveReason("MissingResourceRequest", "not autoscaled: "+missingCPUMsg))...),
		}},
		WantEvents: []string{
			Eventf(corev1.EventTypeWarning, "MissingResourceRequest", "PodAutoscaler %s/%s: %s", testNamespace, testRevision, missingCPUMsg),
		},
	}, {
		Name:        "cpu revision before its Deployment is seen: waits, SKS made, nothing else written",
		Objects:     []runtime.Object{pa()},
		Key:         key(),
		WantCreates: []runtime.Object{sks()},
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(withActivating("WaitingForDeployment", `waiting for Deployment "test-revision-deployment", whose containers the cpu or memory trigger measures`),
				WithPASKSNotReady("SKS Services are not ready yet")),
		}},
	}, {
		Name: "memory revision: the trigger measures user-container, which queue-proxy's missing memory request cannot spoil",
		Objects: []runtime.Object{deployment(), pa(withAnnotations(memoryMetric)), sks(WithSKSReady, func(s *nv1alpha1.ServerlessService) {
			s.Annotations = map[string]string{autoscaling.ClassAnnotationKey: autoscaling.HPA, autoscaling.MetricAnnotationKey: "memory", autoscaling.TargetAnnotationKey: "100"}
		})},
		Key: key(),
		WantCreates: []runtime.Object{scaledObject(pa(withAnnotations(memoryMetric)), func(so *kedav1alpha1.ScaledObject) {
			so.Spec.Triggers = []kedav1alpha1.ScaleTriggers{{
				Type: "memory", MetricType: autoscalingv2.AverageValueMetricType,
				Metadata: map[string]string{"value": "100Mi", "containerName": "user-container"},
			}}
		})},
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(append(ready, withAnnotations(memoryMetric), withActivating(ReasonWaitingForHPA, waitingForHPA))...),
		}},
	}, {
		Name: "paused revision: KEDA deleted the HPA, the Deployment's scale is reported, Active with reason Paused",
		Objects: []runtime.Object{
			deployment(withDeploymentReplicas(2, 2)),
			pa(withAnnotations(paused), withActivating(ReasonWaitingForHPA, waitingForHPA)),
			scaledObject(pa(withAnnotations(paused)), withSOAnnotation(translate.KEDAPausedAnnotation, "true"), withSOReady,
				withSOCondition(kedav1alpha1.ConditionPaused, metav1.ConditionTrue, "ScaledObjectPaused", "ScaledObject is paused")),
			sksOf(pa(withAnnotations(paused)), WithSKSReady),
		},
		Key: key(),
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(append(ready, withAnnotations(paused), WithScaleTargetInitialized, withScales(2, 2),
				withActiveReason("Paused", `autoscaling is paused (autoscaling.knative.dev/keda-paused): the Deployment keeps its replicas until the annotation is removed`),
				withSOReadyCondition,
				withCondition(ConditionScaledObjectPaused, corev1.ConditionTrue, apis.ConditionSeverityInfo, "ScaledObjectPaused", "ScaledObject is paused"))...),
		}},
	}, {
		// After the swap: autoscaler-hpa left the PA Ready, Active and
		// initialized at 2 replicas, and an HPA this controller's informer
		// does not hold (not KEDA's yet).
		Name: "swap from autoscaler-hpa: ScaledObject created, Active with the Deployment's scale until KEDA adopts the HPA",
		Objects: []runtime.Object{
			deployment(withDeploymentReplicas(2, 2)),
			pa(append(ready, WithTraffic, WithScaleTargetInitialized, withScales(2, 2))...),
			sks(WithSKSReady),
		},
		Key: key(),
		WantCreates: []runtime.Object{
			scaledObject(pa()),
		},
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(append(ready, WithScaleTargetInitialized, withScales(2, 2),
				withActiveReason(ReasonAdoptingHPA, `KEDA has not made HPA "test-revision" its own yet (ScaledObject "test-revision"); until then the scale is Deployment "test-revision-deployment"'s`))...),
		}},
	}, {
		Name: "swap from autoscaler-hpa: KEDA has adopted the HPA, its scale, Active without a reason",
		Objects: []runtime.Object{
			deployment(withDeploymentReplicas(2, 2)),
			pa(append(ready, WithScaleTargetInitialized, withScales(2, 2),
				withActiveReason(ReasonAdoptingHPA, `KEDA has not made HPA "test-revision" its own yet (ScaledObject "test-revision"); until then the scale is Deployment "test-revision-deployment"'s`))...),
			scaledObject(pa(), withSOReady),
			hpa(withHPAReplicas(2, 2)),
			sks(WithSKSReady),
		},
		Key: key(),
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(append(ready, WithTraffic, WithScaleTargetInitialized, withScales(2, 2), withSOReadyCondition)...),
		}},
	}, {
		Name: "running revision over a lowered max-scale-limit keeps its ScaledObject and writes nothing",
		Ctx:  config.ToContext(context.Background(), testConfigWith(map[string]string{"max-scale-limit": "5", "max-scale": "5"}, nil)),
		Objects: []runtime.Object{
			deployment(),
			pa(append(ready, withAnnotations(bigMax), WithTraffic, WithScaleTargetInitialized, withScales(1, 1), withSOReadyCondition)...),
			scaledObject(pa(withAnnotations(bigMax)), withSOMax(50), withSOReady),
			hpa(withHPAReplicas(1, 1)),
			sksOf(pa(withAnnotations(bigMax)), WithSKSReady),
		},
		Key: key(),
	}, {
		Name:    "a new revision over max-scale-limit is refused, as Serving's webhook would",
		Ctx:     config.ToContext(context.Background(), testConfigWith(map[string]string{"max-scale-limit": "5", "max-scale": "5"}, nil)),
		Objects: []runtime.Object{deployment(), pa(withAnnotations(bigMax)), sksOf(pa(withAnnotations(bigMax)))},
		Key:     key(),
		WantErr: true,
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(withAnnotations(bigMax), withInactive("InvalidMaxScale", "expected 1 <= 50 <= 5: autoscaling.knative.dev/max-scale"),
				WithPASKSNotReady("SKS Services are not ready yet")),
		}},
		WantEvents: []string{
			Eventf(corev1.EventTypeWarning, "InvalidMaxScale", "PodAutoscaler %s/%s: expected 1 <= 50 <= 5: autoscaling.knative.dev/max-scale", testNamespace, testRevision),
		},
	}, {
		Name:        "a typo in an annotation is a Warning Event when the ScaledObject is written",
		Objects:     []runtime.Object{deployment(), pa(withAnnotations(typo)), sksOf(pa(withAnnotations(typo)))},
		Key:         key(),
		WantCreates: []runtime.Object{scaledObject(pa(withAnnotations(typo)))},
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(withAnnotations(typo), withActivating(ReasonWaitingForHPA, waitingForHPA), WithPASKSNotReady("SKS Services are not ready yet")),
		}},
		WantEvents: []string{
			Eventf(corev1.EventTypeWarning, "UnknownAnnotation", "annotation autoscaling.knative.dev/keda-polling-intervall is not read by anything; did you mean autoscaling.knative.dev/keda-polling-interval?"),
		},
	}, {
		Name: "SKS not owned",
		Objects: []runtime.Object{deployment(),
			pa(),
			scaledObject(pa()),
			hpa(withHPAReplicas(1, 1)),
			sks(WithSKSReady, WithSKSOwnersRemoved),
		},
		Key:     key(),
		WantErr: true,
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(withNotOwned("ServerlessService")),
		}},
		WantEvents: []string{
			Eventf(corev1.EventTypeWarning, "InternalError", "error reconciling SKS: PA: %s does not own SKS: %s", testRevision, testRevision),
		},
	}, {
		Name:    "bring your own: waiting for the user's ScaledObject",
		Objects: []runtime.Object{deployment(), pa(withAnnotations(byo))},
		Key:     key(),
		WantCreates: []runtime.Object{
			sksOf(pa(withAnnotations(byo))),
		},
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(withAnnotations(byo),
				withActivating(ReasonWaitingForScaledObject, `autoscaling.knative.dev/scaled-object-auto-create is false: waiting for a ScaledObject named "test-revision" in namespace "test-namespace"`),
				WithPASKSNotReady("SKS Services are not ready yet")),
		}},
	}, {
		Name: "bring your own: the user's ScaledObject is read, never written",
		Objects: []runtime.Object{deployment(),
			pa(withAnnotations(byo)),
			scaledObject(pa(), withSOOwnersRemoved, withSOEdited, withSOReady),
			hpa(withHPAReplicas(2, 2)),
			sksOf(pa(withAnnotations(byo)), WithSKSReady),
		},
		Key: key(),
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(append(ready, withAnnotations(byo), WithTraffic, WithScaleTargetInitialized, withScales(2, 2), withSOReadyCondition)...),
		}},
	}, {
		Name: "bring your own: a ScaledObject scaling another Deployment",
		Objects: []runtime.Object{deployment(),
			pa(withAnnotations(byo)),
			scaledObject(pa(), withSOOwnersRemoved, withSOTarget("payments")),
			sksOf(pa(withAnnotations(byo)), WithSKSReady),
		},
		Key: key(),
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(append(ready, withAnnotations(byo), withInactive(ReasonScaledObjectMismatch,
				`ScaledObject "test-revision" scales Deployment "payments", not the revision's Deployment "test-revision-deployment"`))...),
		}},
	}, {
		Name: "bring your own: a ScaledObject with KEDA's default HPA name",
		Objects: []runtime.Object{deployment(),
			pa(withAnnotations(byo)),
			scaledObject(pa(), withSOOwnersRemoved, withSOHPAName("")),
			sksOf(pa(withAnnotations(byo)), WithSKSReady),
		},
		Key: key(),
		WantStatusUpdates: []ktesting.UpdateActionImpl{{
			Object: pa(append(ready, withAnnotations(byo), withInactive(ReasonScaledObjectMismatch,
				`ScaledObject "test-revision" names its HPA "keda-hpa-test-revision"; set spec.advanced.horizontalPodAutoscalerConfig.name to "test-revision" so the revision's scale can be reported`))...),
		}},
	}, {
		Name: "config-autoscaler-keda change: the ScaledObject follows",
		Ctx:  config.ToContext(context.Background(), testConfig(map[string]string{config.PollingIntervalKey: "5s"})),
		Objects: []runtime.Object{deployment(),
			pa(append(ready, WithTraffic, WithScaleTargetInitialized, withScales(1, 1), withSOReadyCondition)...),
			scaledObject(pa(), withSOReady),
			hpa(withHPAReplicas(1, 1)),
			sks(WithSKSReady),
		},
		Key: key(),
		WantUpdates: []ktesting.UpdateActionImpl{{
			Object: scaledObject(pa(), withSOReady, func(so *kedav1alpha1.ScaledObject) { so.Spec.PollingInterval = ptr.Int32(5) }),
		}},
	}}

	table.Test(t, MakeFactory(func(ctx context.Context, l *Listers, _ configmap.Watcher) controller.Reconciler {
		r := newTestReconciler(ctx, l)
		return newPAReconciler(ctx, logging.FromContext(ctx), servingclient.Get(ctx), l.GetPodAutoscalerLister(),
			controller.GetEventRecorder(ctx), r, autoscaling.HPA, controller.Options{ConfigStore: &testConfigStore{}})
	}))
}

// assertPermanent checks that an invalid revision is not retried: the
// reconciler's error is permanent, so the workqueue drops the key.
func assertPermanent(t *testing.T, row *TableRow) {
	ls := NewListers(append(row.Objects, sksOf(pa(withAnnotations(badMetricType)))))
	err := newTestReconciler(row.Ctx, &ls).ReconcileKind(config.ToContext(row.Ctx, testConfig(nil)), pa(withAnnotations(badMetricType)))
	if !controller.IsPermanentError(err) {
		t.Errorf("ReconcileKind() = %v, want a permanent error", err)
	}
}

// newTestReconciler is the reconciler on a row's fake clients and listers.
func newTestReconciler(ctx context.Context, l *Listers) *Reconciler {
	return &Reconciler{
		Base: &areconciler.Base{
			Client:           servingclient.Get(ctx),
			NetworkingClient: networkingclient.Get(ctx),
			SKSLister:        l.GetServerlessServiceLister(),
		},
		kedaClient: kedaclient.Get(ctx),
		soLister:   l.GetScaledObjectLister(),
		hpaLister:  l.GetHorizontalPodAutoscalerLister(),
		workloads: workloads{
			deployments: l.GetDeploymentLister(), limitRanges: l.GetLimitRangeLister(), kube: fakekubeclient.Get(ctx),
		},
	}
}

var (
	percentQuery = map[string]string{
		autoscaling.MetricAnnotationKey: "rps", autoscaling.TargetAnnotationKey: "1",
		translate.PrometheusAddressAnnotationKey: promAddr, translate.PrometheusQueryAnnotationKey: `{{printf "%s" .Revision}}`,
	}
	percentQueryMsg = `invalid value: "{{printf \"%s\" .Revision}}": autoscaling.knative.dev/prometheus-query` + "\n" +
		`a template may only use {{.Configuration}}, {{.Metric}}, {{.Namespace}}, {{.Revision}}, {{.Service}}; got {{printf "%s" .Revision}}`
	byo           = map[string]string{translate.AutoCreateAnnotationKey: "false"}
	memoryMetric  = map[string]string{autoscaling.MetricAnnotationKey: "memory", autoscaling.TargetAnnotationKey: "100"}
	paused        = map[string]string{translate.PausedAnnotationKey: "true"}
	minTwo        = map[string]string{autoscaling.MinScaleAnnotationKey: "2"}
	bigMax        = map[string]string{autoscaling.MaxScaleAnnotationKey: "50"}
	typo          = map[string]string{autoscaling.GroupName + "/keda-polling-intervall": "5"}
	missingCPUMsg = `autoscaling.knative.dev/metric scales on cpu, but container "user-container" of Deployment "test-revision-deployment" ` +
		`requests no cpu, so the HPA could not compute a utilization and KEDA's admission webhook refuses the ScaledObject: ` +
		`set resources.requests.cpu on that container in the Knative Service (or revision-cpu-request in config-defaults), ` +
		`or scale on another metric`
	badMetricType    = map[string]string{translate.MetricTypeAnnotationKey: "Average"}
	badMetricTypeMsg = "invalid value: Average: autoscaling.knative.dev/metric-type\nmust be Utilization, AverageValue or Value"
)

type testConfigStore struct{}

// ToContext keeps a row's own configuration, else the defaults.
func (testConfigStore) ToContext(ctx context.Context) context.Context {
	if config.FromContext(ctx) != nil {
		return ctx
	}
	return config.ToContext(ctx, testConfig(nil))
}

var _ pkgreconciler.ConfigStore = testConfigStore{}

func testConfig(keda map[string]string) *config.Config {
	return testConfigWith(nil, keda)
}

func testConfigWith(autoscaler, keda map[string]string) *config.Config {
	as, err := asconfig.NewConfigFromMap(autoscaler)
	if err != nil {
		panic(err)
	}
	k, err := config.NewKEDAFromMap(keda)
	if err != nil {
		panic(err)
	}
	// config-deployment's progress-deadline shortened from Serving's 600s
	// default, so that rows show it is what times an activation out.
	d, err := config.NewDeploymentFromConfigMap(&corev1.ConfigMap{Data: map[string]string{"progress-deadline": "100s"}})
	if err != nil {
		panic(err)
	}
	return &config.Config{Autoscaler: as, KEDA: k, Deployment: d}
}

func key() string { return testNamespace + "/" + testRevision }

func pa(opts ...PodAutoscalerOption) *autoscalingv1alpha1.PodAutoscaler {
	p := &autoscalingv1alpha1.PodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{
			Name:        testRevision,
			Namespace:   testNamespace,
			Annotations: map[string]string{autoscaling.ClassAnnotationKey: autoscaling.HPA},
		},
		Spec: autoscalingv1alpha1.PodAutoscalerSpec{
			ScaleTargetRef: corev1.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: deployName},
			ProtocolType:   networking.ProtocolHTTP1,
		},
	}
	p.Status.InitializeConditions()
	for _, o := range opts {
		o(p)
	}
	return p
}

func withAnnotations(anns map[string]string) PodAutoscalerOption {
	return func(p *autoscalingv1alpha1.PodAutoscaler) {
		for k, v := range anns {
			p.Annotations[k] = v
		}
	}
}

func withScales(desired, actual int32) PodAutoscalerOption {
	return func(p *autoscalingv1alpha1.PodAutoscaler) {
		p.Status.DesiredScale, p.Status.ActualScale = ptr.Int32(desired), ptr.Int32(actual)
	}
}

func withActivating(reason, msg string) PodAutoscalerOption {
	return func(p *autoscalingv1alpha1.PodAutoscaler) { p.Status.MarkActivating(reason, msg) }
}

func withActiveReason(reason, msg string) PodAutoscalerOption {
	return func(p *autoscalingv1alpha1.PodAutoscaler) {
		p.GetConditionSet().Manage(&p.Status).MarkTrueWithReason(autoscalingv1alpha1.PodAutoscalerConditionActive, reason, msg)
	}
}

func withInactive(reason, msg string) PodAutoscalerOption {
	return func(p *autoscalingv1alpha1.PodAutoscaler) { p.Status.MarkInactive(reason, msg) }
}

func withNotOwned(kind string) PodAutoscalerOption {
	return func(p *autoscalingv1alpha1.PodAutoscaler) { p.Status.MarkResourceNotOwned(kind, testRevision) }
}

func withCondition(t apis.ConditionType, status corev1.ConditionStatus, sev apis.ConditionSeverity, reason, msg string) PodAutoscalerOption {
	return func(p *autoscalingv1alpha1.PodAutoscaler) {
		p.GetConditionSet().Manage(&p.Status).SetCondition(apis.Condition{Type: t, Status: status, Severity: sev, Reason: reason, Message: msg})
	}
}

var withSOReadyCondition = withCondition(ConditionScaledObjectReady, corev1.ConditionTrue, apis.ConditionSeverityInfo, "ScaledObjectReady", "ScaledObject is defined correctly and is ready for scaling")

func sks(opts ...SKSOption) *nv1alpha1.ServerlessService {
	return sksOf(pa(), opts...)
}

// sksOf is the ServerlessService Serving's Base makes for p, in Serve mode.
func sksOf(p *autoscalingv1alpha1.PodAutoscaler, opts ...SKSOption) *nv1alpha1.ServerlessService {
	s := aresources.MakeSKS(p, nv1alpha1.SKSOperationModeServe, 0)
	for _, o := range opts {
		o(s)
	}
	return s
}

type soOption func(*kedav1alpha1.ScaledObject)

// scaledObject is the ScaledObject the reconciler must write for p, a cpu
// revision without other annotations, written out by hand; options change
// what a row's annotations change.
func scaledObject(p *autoscalingv1alpha1.PodAutoscaler, opts ...soOption) *kedav1alpha1.ScaledObject {
	// The generated reconciler hands ReconcileKind the PA with Serving's
	// defaults applied: metric cpu for the HPA class.
	anns := map[string]string{"scaledobject.keda.sh/transfer-hpa-ownership": "true", autoscaling.MetricAnnotationKey: "cpu"}
	for k, v := range p.Annotations {
		anns[k] = v
	}
	so := &kedav1alpha1.ScaledObject{
		ObjectMeta: metav1.ObjectMeta{
			Name:        testRevision,
			Namespace:   testNamespace,
			Annotations: anns,
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "autoscaling.internal.knative.dev/v1alpha1", Kind: "PodAutoscaler", Name: testRevision,
				Controller: ptr.Bool(true), BlockOwnerDeletion: ptr.Bool(true),
			}},
		},
		Spec: kedav1alpha1.ScaledObjectSpec{
			ScaleTargetRef:  &kedav1alpha1.ScaleTarget{APIVersion: "apps/v1", Kind: "Deployment", Name: deployName},
			MinReplicaCount: ptr.Int32(1),
			MaxReplicaCount: ptr.Int32(math.MaxInt32),
			Advanced: &kedav1alpha1.AdvancedConfig{
				HorizontalPodAutoscalerConfig: &kedav1alpha1.HorizontalPodAutoscalerConfig{Name: testRevision},
			},
			Triggers: []kedav1alpha1.ScaleTriggers{{
				Type: "cpu", MetricType: autoscalingv2.UtilizationMetricType,
				Metadata: map[string]string{"value": "80", "containerName": "user-container"},
			}},
		},
	}
	for _, o := range opts {
		o(so)
	}
	return so
}

// withGeneration sets the PA's generation, as the API server counts spec changes.
func withGeneration(g int64) PodAutoscalerOption {
	return func(p *autoscalingv1alpha1.PodAutoscaler) { p.Generation = g }
}

// withSOCreated sets the creation time the API server gives an object.
func withSOCreated(at time.Time) soOption {
	return func(so *kedav1alpha1.ScaledObject) { so.CreationTimestamp = metav1.NewTime(at) }
}

// stampCreation gives a created ScaledObject its creation time, as the API
// server does (the fake client does not); the create action keeps the
// object as the reconciler sent it.
func stampCreation(at time.Time) ktesting.ReactionFunc {
	return func(action ktesting.Action) (bool, runtime.Object, error) {
		if action.Matches("create", "scaledobjects") {
			action.(ktesting.CreateAction).GetObject().(*kedav1alpha1.ScaledObject).CreationTimestamp = metav1.NewTime(at.Truncate(time.Second))
		}
		return false, nil, nil
	}
}

// withPromTrigger is the trigger of the customMetric revision.
func withPromTrigger(so *kedav1alpha1.ScaledObject) {
	so.Spec.Triggers = []kedav1alpha1.ScaleTriggers{{
		Type: "prometheus", Name: "rps", MetricType: autoscalingv2.AverageValueMetricType,
		Metadata: map[string]string{
			"serverAddress": promAddr,
			"query":         `sum(rate(http_requests_total{revision="test-revision"}[1m]))`,
			"threshold":     "10",
			"namespace":     testNamespace,
		},
	}}
}

// withRequestsTrigger is the ScaledObject of a revision on Knative's
// request signal (metric concurrency or rps): the knative-requests trigger
// alone, and no HPA window of its own (the decider has it).
func withRequestsTrigger(metric string) soOption {
	return func(so *kedav1alpha1.ScaledObject) {
		so.Spec.Triggers = []kedav1alpha1.ScaleTriggers{{
			Type: "external-push", Name: "knative-requests",
			Metadata: map[string]string{"scalerAddress": testScalerAddress, "namespace": testNamespace, "revision": testRevision, "metric": metric},
		}}
		so.Spec.Advanced.HorizontalPodAutoscalerConfig.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{
			ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: ptr.Int32(0)},
		}
	}
}

type deploymentOption func(*appsv1.Deployment)

// deployment is the revision's Deployment as Serving v0.48 makes it for a
// Knative Service whose container requests cpu and memory: user-container
// and the queue-proxy sidecar with Serving's default request (25m cpu, no
// memory).
func deployment(opts ...deploymentOption) *appsv1.Deployment {
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{
			Name: deployName, Namespace: testNamespace,
			Labels: map[string]string{serving.RevisionLabelKey: testRevision},
		},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.Int32(1),
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{
				Name:  "user-container",
				Ports: []corev1.ContainerPort{{Name: "user-port", ContainerPort: 8080}},
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
					corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi"),
				}},
			}, {
				Name:  "queue-proxy",
				Ports: []corev1.ContainerPort{{Name: "http-queueadm", ContainerPort: 8022}},
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
					corev1.ResourceCPU: resource.MustParse("25m"),
				}},
			}}}},
		},
		Status: appsv1.DeploymentStatus{Replicas: 1, ReadyReplicas: 1},
	}
	for _, o := range opts {
		o(d)
	}
	return d
}

// withoutUserRequests is Knative's default: the ksvc sets no resources.
func withoutUserRequests(d *appsv1.Deployment) {
	d.Spec.Template.Spec.Containers[0].Resources = corev1.ResourceRequirements{}
}

func withDeploymentReplicas(spec, status int32) deploymentOption {
	return func(d *appsv1.Deployment) {
		d.Spec.Replicas = ptr.Int32(spec)
		d.Status.Replicas, d.Status.ReadyReplicas = status, status
	}
}

func withSOReady(so *kedav1alpha1.ScaledObject) {
	withSOCondition(kedav1alpha1.ConditionReady, metav1.ConditionTrue, "ScaledObjectReady", "ScaledObject is defined correctly and is ready for scaling")(so)
}

// withKEDAInitialized sets the conditions KEDA writes on a ScaledObject
// before its first reconcile.
func withKEDAInitialized(so *kedav1alpha1.ScaledObject) {
	so.Status.Conditions = *kedav1alpha1.GetInitializedConditions()
}

func withSOCondition(t kedav1alpha1.ConditionType, status metav1.ConditionStatus, reason, msg string) soOption {
	return func(so *kedav1alpha1.ScaledObject) {
		so.Status.Conditions = append(so.Status.Conditions, kedav1alpha1.Condition{Type: t, Status: status, Reason: reason, Message: msg})
	}
}

// withKEDAMetadata adds what KEDA's operator writes on a ScaledObject: a
// label and a finalizer the reconciler must keep.
func withKEDAMetadata(so *kedav1alpha1.ScaledObject) {
	if so.Labels == nil {
		so.Labels = map[string]string{}
	}
	so.Labels["scaledobject.keda.sh/name"] = so.Name
	so.Finalizers = append(so.Finalizers, "finalizer.keda.sh")
}

// withSOEdited is a user's edit of fields the controller owns.
func withSOEdited(so *kedav1alpha1.ScaledObject) {
	so.Spec.MaxReplicaCount = ptr.Int32(2)
	so.Spec.Triggers[0].Metadata["value"] = "99"
}

func withSOAnnotation(k, v string) soOption {
	return func(so *kedav1alpha1.ScaledObject) {
		if so.Annotations == nil {
			so.Annotations = map[string]string{}
		}
		so.Annotations[k] = v
	}
}

func withSOMin(n int32) soOption {
	return func(so *kedav1alpha1.ScaledObject) { so.Spec.MinReplicaCount = ptr.Int32(n) }
}

func withSOMax(n int32) soOption {
	return func(so *kedav1alpha1.ScaledObject) { so.Spec.MaxReplicaCount = ptr.Int32(n) }
}

func withSOOwnersRemoved(so *kedav1alpha1.ScaledObject) { so.OwnerReferences = nil }

func withSOTarget(name string) soOption {
	return func(so *kedav1alpha1.ScaledObject) { so.Spec.ScaleTargetRef.Name = name }
}

func withSOHPAName(name string) soOption {
	return func(so *kedav1alpha1.ScaledObject) { so.Spec.Advanced.HorizontalPodAutoscalerConfig.Name = name }
}

type hpaOption func(*autoscalingv2.HorizontalPodAutoscaler)

// hpa is the HPA KEDA's operator creates for the revision's ScaledObject.
func hpa(opts ...hpaOption) *autoscalingv2.HorizontalPodAutoscaler {
	h := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{
			Name:      testRevision,
			Namespace: testNamespace,
			Labels: map[string]string{
				translate.HPAManagedByLabel:    translate.HPAManagedByValue,
				translate.HPAScaledObjectLabel: testRevision,
			},
			// KEDA's controller reference to the ScaledObject (whose fixture has no UID).
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "keda.sh/v1alpha1", Kind: "ScaledObject", Name: testRevision,
				Controller: ptr.Bool(true), BlockOwnerDeletion: ptr.Bool(true),
			}},
		},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: deployName},
			MaxReplicas:    100,
		},
	}
	for _, o := range opts {
		o(h)
	}
	return h
}

func withHPAReplicas(desired, current int32) hpaOption {
	return func(h *autoscalingv2.HorizontalPodAutoscaler) {
		h.Status.DesiredReplicas, h.Status.CurrentReplicas = desired, current
	}
}

func withHPAOwner(uid types.UID) hpaOption {
	return func(h *autoscalingv2.HorizontalPodAutoscaler) { h.OwnerReferences[0].UID = uid }
}

func TestLiteralKeepsPerCentSigns(t *testing.T) {
	p := pa()
	const msg = `invalid value: {{printf "%s" .Revision}} at 100%`
	p.Status.MarkInactive("InvalidPrometheusQuery", literal(msg))
	if got := p.Status.GetCondition("Active").Message; got != msg {
		t.Errorf("condition message = %q, want %q", got, msg)
	}
}
