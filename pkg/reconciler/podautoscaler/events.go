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
	"reflect"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	appsv1informers "k8s.io/client-go/informers/apps/v1"
	autoscalingv2informers "k8s.io/client-go/informers/autoscaling/v2"
	corev1informers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/tools/cache"
	nv1alpha1 "knative.dev/networking/pkg/apis/networking/v1alpha1"
	networkinginformers "knative.dev/networking/pkg/client/informers/externalversions/networking/v1alpha1"
	"knative.dev/pkg/controller"
	pkgreconciler "knative.dev/pkg/reconciler"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	servinginformers "knative.dev/serving/pkg/client/informers/externalversions/autoscaling/v1alpha1"

	kedainformers "github.com/kedacore/keda/v2/pkg/generated/informers/externalversions/keda/v1alpha1"
)

// informers are the reconciler's informers, whose events wake a PA.
type informers struct {
	pa         servinginformers.PodAutoscalerInformer
	sks        networkinginformers.ServerlessServiceInformer
	so         kedainformers.ScaledObjectInformer
	hpa        autoscalingv2informers.HorizontalPodAutoscalerInformer
	deployment appsv1informers.DeploymentInformer
	limitRange corev1informers.LimitRangeInformer
}

// wakeOnChanges enqueues a PA when something it is reconciled from changes,
// and only then: most updates to these objects change nothing it reads.
func wakeOnChanges(impl *controller.Impl, inf informers, ours func(interface{}) bool) {
	inf.pa.Informer().AddEventHandler(cache.FilteringResourceEventHandler{
		FilterFunc: ours,
		Handler:    controller.HandleAll(impl.Enqueue),
	})
	wakeOnSKS(impl, inf, ours)
	wakeByName(impl, inf, ours)
	wakeOnDeployments(impl, inf, ours)
	wakeOnLimitRanges(impl, inf, ours)
}

// The reconcile that creates an SKS or a ScaledObject already acted on
// what it created: their informers' Add, before anyone else wrote a status
// on them, would only reconcile the PA again, and as the PA informer
// usually lags the reconcile's own status update, that costs a failed
// (409) update and a GET per new revision.
func wakeOnSKS(impl *controller.Impl, inf informers, ours func(interface{}) bool) {
	inf.sks.Informer().AddEventHandler(cache.FilteringResourceEventHandler{
		FilterFunc: pkgreconciler.ChainFilterFuncs(ours, controller.FilterController(&autoscalingv1alpha1.PodAutoscaler{})),
		Handler: cache.ResourceEventHandlerFuncs{
			AddFunc: func(obj interface{}) {
				if !createdWithoutStatus(obj) {
					impl.EnqueueControllerOf(obj)
				}
			},
			UpdateFunc: controller.PassNew(impl.EnqueueControllerOf),
			DeleteFunc: impl.EnqueueControllerOf,
		},
	})
}

// A ScaledObject and an HPA are named after their revision, so their
// name is the PA's key, also for a bring-your-own ScaledObject that the
// PA does not own. Updates that change nothing this controller reads
// (KEDA rewrites every ScaledObject's status several times a minute, the
// HPA controller its metrics every 15s) are dropped here, before they
// cost a reconcile.
func wakeByName(impl *controller.Impl, inf informers, ours func(interface{}) bool) {
	enqueueByName := func(obj interface{}) {
		if m, err := metaOf(obj); err == nil {
			impl.EnqueueKey(types.NamespacedName{Namespace: m.GetNamespace(), Name: m.GetName()})
		}
	}
	hasHPAClassPA := func(obj interface{}) bool {
		m, err := metaOf(obj)
		if err != nil {
			return false
		}
		pa, err := inf.pa.Lister().PodAutoscalers(m.GetNamespace()).Get(m.GetName())
		return err == nil && ours(pa)
	}
	inf.so.Informer().AddEventHandler(cache.FilteringResourceEventHandler{
		FilterFunc: hasHPAClassPA,
		Handler: cache.ResourceEventHandlerFuncs{
			AddFunc: func(obj interface{}) {
				if !createdWithoutStatus(obj) {
					enqueueByName(obj)
				}
			},
			UpdateFunc: func(old, cur interface{}) {
				if scaledObjectChanged(old.(*kedav1alpha1.ScaledObject), cur.(*kedav1alpha1.ScaledObject)) {
					enqueueByName(cur)
				}
			},
			DeleteFunc: enqueueByName,
		},
	})
	inf.hpa.Informer().AddEventHandler(cache.FilteringResourceEventHandler{
		FilterFunc: hasHPAClassPA,
		Handler: cache.ResourceEventHandlerFuncs{
			AddFunc: enqueueByName,
			UpdateFunc: func(old, cur interface{}) {
				if hpaChanged(old.(*autoscalingv2.HorizontalPodAutoscaler), cur.(*autoscalingv2.HorizontalPodAutoscaler)) {
					enqueueByName(cur)
				}
			},
			DeleteFunc: enqueueByName,
		},
	})
}

// A revision's Deployment decides its cpu and memory triggers, and gives
// the scale while no HPA does (paused, or not scalable on the resource
// asked for). Serving labels it with the revision, the PA's name. While
// KEDA's HPA exists, its events already report replica changes.
func wakeOnDeployments(impl *controller.Impl, inf informers, ours func(interface{}) bool) {
	enqueueRevision := func(obj interface{}) {
		if m, err := metaOf(obj); err == nil {
			impl.EnqueueKey(types.NamespacedName{Namespace: m.GetNamespace(), Name: m.GetLabels()[RevisionDeploymentSelector]})
		}
	}
	hasHPAClassRevision := func(obj interface{}) bool {
		m, err := metaOf(obj)
		if err != nil {
			return false
		}
		pa, err := inf.pa.Lister().PodAutoscalers(m.GetNamespace()).Get(m.GetLabels()[RevisionDeploymentSelector])
		return err == nil && ours(pa)
	}
	inf.deployment.Informer().AddEventHandler(cache.FilteringResourceEventHandler{
		FilterFunc: hasHPAClassRevision,
		Handler: cache.ResourceEventHandlerFuncs{
			AddFunc: enqueueRevision,
			UpdateFunc: func(old, cur interface{}) {
				o, c := old.(*appsv1.Deployment), cur.(*appsv1.Deployment)
				if deploymentChanged(o, c) {
					enqueueRevision(cur)
					return
				}
				if o.Status.Replicas != c.Status.Replicas || !reflect.DeepEqual(o.Spec.Replicas, c.Spec.Replicas) {
					if _, err := inf.hpa.Lister().HorizontalPodAutoscalers(c.Namespace).Get(c.Labels[RevisionDeploymentSelector]); err != nil {
						enqueueRevision(cur)
					}
				}
			},
			DeleteFunc: enqueueRevision,
		},
	})
}

// A LimitRange's defaults count as requests for KEDA's webhook: a change
// may make a namespace's cpu and memory revisions scalable, or not.
func wakeOnLimitRanges(impl *controller.Impl, inf informers, ours func(interface{}) bool) {
	inf.limitRange.Informer().AddEventHandler(controller.HandleAll(func(obj interface{}) {
		m, err := metaOf(obj)
		if err != nil {
			return
		}
		impl.FilteredGlobalResync(func(obj interface{}) bool {
			pa, ok := obj.(*autoscalingv1alpha1.PodAutoscaler)
			return ok && pa.Namespace == m.GetNamespace() && ours(pa)
		}, inf.pa.Informer())
	}))
}

// notifyOnHoldChanges calls notify when what a hold is computed from
// changes: a PA's Active condition or initialization, an SKS's mode or
// activator endpoints. KEDA's open streams then hear of a hold at once,
// not at their next tick: the hold races KEDA's cooldown.
func notifyOnHoldChanges(inf informers, ours func(interface{}) bool, notify func()) {
	inf.pa.Informer().AddEventHandler(cache.FilteringResourceEventHandler{
		FilterFunc: ours,
		Handler: cache.ResourceEventHandlerFuncs{UpdateFunc: func(old, cur interface{}) {
			o, c := old.(*autoscalingv1alpha1.PodAutoscaler), cur.(*autoscalingv1alpha1.PodAutoscaler)
			oa, ca := o.Status.GetCondition(autoscalingv1alpha1.PodAutoscalerConditionActive), c.Status.GetCondition(autoscalingv1alpha1.PodAutoscalerConditionActive)
			if !reflect.DeepEqual(oa, ca) || o.Status.IsScaleTargetInitialized() != c.Status.IsScaleTargetInitialized() {
				notify()
			}
		}},
	})
	inf.sks.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{UpdateFunc: func(old, cur interface{}) {
		o, c := old.(*nv1alpha1.ServerlessService), cur.(*nv1alpha1.ServerlessService)
		if o.Spec.Mode != c.Spec.Mode || o.Status.GetCondition(nv1alpha1.ActivatorEndpointsPopulated).IsTrue() !=
			c.Status.GetCondition(nv1alpha1.ActivatorEndpointsPopulated).IsTrue() {
			notify()
		}
	}})
}

// deploymentChanged reports changes to what the translation reads of a
// revision's Deployment: its containers' names, ports and resources.
func deploymentChanged(old, cur *appsv1.Deployment) bool {
	return !reflect.DeepEqual(old.Spec.Template.Spec.Containers, cur.Spec.Template.Spec.Containers)
}

// metaOf reads an informer object's metadata, unwrapping deletion tombstones.
func metaOf(obj interface{}) (metav1.Object, error) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	return meta.Accessor(obj)
}

// scaledObjectChanged reports changes to what the reconciler reads of a
// ScaledObject: its spec, labels, annotations, owners, deletion, the
// conditions the PA mirrors, and, for a revision that scales to zero,
// whether KEDA sees it active: the SKS mode and the hold follow it, and
// the hold must be on before KEDA's cooldown ends (docs/scale-to-zero.md).
func scaledObjectChanged(old, cur *kedav1alpha1.ScaledObject) bool {
	return old.Generation != cur.Generation ||
		(scalesToZero(cur) && kedaActiveStatus(old) != kedaActiveStatus(cur)) ||
		!reflect.DeepEqual(old.Labels, cur.Labels) ||
		!reflect.DeepEqual(old.Annotations, cur.Annotations) ||
		!reflect.DeepEqual(old.OwnerReferences, cur.OwnerReferences) ||
		!old.DeletionTimestamp.Equal(cur.DeletionTimestamp) ||
		!reflect.DeepEqual(old.Spec, cur.Spec) ||
		mirroredConditions(old.Status.Conditions) != mirroredConditions(cur.Status.Conditions)
}

// scalesToZero reports whether so lets KEDA remove the last pod.
func scalesToZero(so *kedav1alpha1.ScaledObject) bool {
	return so.Spec.MinReplicaCount != nil && *so.Spec.MinReplicaCount == 0
}

// kedaActiveStatus is the status of KEDA's Active condition ("" when none).
func kedaActiveStatus(so *kedav1alpha1.ScaledObject) metav1.ConditionStatus {
	return find(so.Status.Conditions, kedav1alpha1.ConditionActive).Status
}

// hpaChanged reports changes to what the reconciler reads of an HPA: its
// replica counts and owners.
func hpaChanged(old, cur *autoscalingv2.HorizontalPodAutoscaler) bool {
	return old.Status.CurrentReplicas != cur.Status.CurrentReplicas ||
		old.Status.DesiredReplicas != cur.Status.DesiredReplicas ||
		!reflect.DeepEqual(old.OwnerReferences, cur.OwnerReferences)
}

// syncRequestSignal keeps the request signal's tracked revisions those
// whose ScaledObject carries the request trigger, and their deciders in
// step with their PodAutoscaler's annotations and status (its private
// Service names the pods to scrape). It runs in every replica.
func syncRequestSignal(inf informers, ours func(interface{}) bool, sync func(types.NamespacedName)) {
	byKey := func(obj interface{}) {
		if m, err := metaOf(obj); err == nil {
			sync(types.NamespacedName{Namespace: m.GetNamespace(), Name: m.GetName()})
		}
	}
	inf.pa.Informer().AddEventHandler(cache.FilteringResourceEventHandler{
		FilterFunc: ours,
		Handler:    controller.HandleAll(byKey),
	})
	inf.so.Informer().AddEventHandler(controller.HandleAll(byKey))
}
