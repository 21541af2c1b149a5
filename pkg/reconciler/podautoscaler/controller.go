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
	"reflect"
	"sync/atomic"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	"go.uber.org/zap"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	apierrs "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/tools/cache"
	networkingclient "knative.dev/networking/pkg/client/injection/client"
	sksinformer "knative.dev/networking/pkg/client/injection/informers/networking/v1alpha1/serverlessservice"
	kubeclient "knative.dev/pkg/client/injection/kube/client"
	deploymentinformer "knative.dev/pkg/client/injection/kube/informers/apps/v1/deployment/filtered"
	hpainformer "knative.dev/pkg/client/injection/kube/informers/autoscaling/v2/horizontalpodautoscaler/filtered"
	limitrangeinformer "knative.dev/pkg/client/injection/kube/informers/core/v1/limitrange"
	"knative.dev/pkg/configmap"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/logging"
	pkgreconciler "knative.dev/pkg/reconciler"
	"knative.dev/pkg/system"
	"knative.dev/serving/pkg/apis/autoscaling"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	servingclient "knative.dev/serving/pkg/client/injection/client"
	painformer "knative.dev/serving/pkg/client/injection/informers/autoscaling/v1alpha1/podautoscaler"
	pareconciler "knative.dev/serving/pkg/client/injection/reconciler/autoscaling/v1alpha1/podautoscaler"
	areconciler "knative.dev/serving/pkg/reconciler/autoscaling"

	kedaclient "github.com/serving-keda/serving-keda/pkg/client/injection/client"
	soinformer "github.com/serving-keda/serving-keda/pkg/client/injection/informers/keda/v1alpha1/scaledobject"
	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/pkg/translate"
)

// synced is set once every informer the reconciler reads has synced.
var synced atomic.Bool

// Synced reports whether the controller's informers have synced, which is
// when it can reconcile: its readiness. It stays false while KEDA's CRDs are
// missing, as the ScaledObject informer cannot list then.
func Synced() bool { return synced.Load() }

// KEDAHPASelector selects the HPAs KEDA's operator creates: the only ones
// this controller reads, so other HPAs cost it no memory.
const KEDAHPASelector = translate.HPAManagedByLabel + "=" + translate.HPAManagedByValue

// Workers is how many PodAutoscalers are reconciled at once. A reconcile
// mostly waits on the API server (a ScaledObject create, an SKS create, a
// status update), so knative's default of 2 workers, not the client's QPS,
// would bound how fast a burst of new revisions gets its ScaledObjects.
const Workers = 16

// ServingHPAAutoscaler is the Serving deployment this controller replaces.
const ServingHPAAutoscaler = "autoscaler-hpa"

// NewController wires the reconciler to its informers. The context must
// carry KEDAHPASelector and RevisionDeploymentSelector for knative's
// filtered informer factory.
func NewController(ctx context.Context, cmw configmap.Watcher) *controller.Impl {
	logger := logging.FromContext(ctx)

	paInformer := painformer.Get(ctx)
	sksInformer := sksinformer.Get(ctx)
	soInformer := soinformer.Get(ctx)
	hpaInformer := hpainformer.Get(ctx, KEDAHPASelector)
	deploymentInformer := deploymentinformer.Get(ctx, RevisionDeploymentSelector)
	limitRangeInformer := limitrangeinformer.Get(ctx)

	for inf, trim := range map[cache.SharedIndexInformer]cache.TransformFunc{
		paInformer.Informer():         slimPA,
		sksInformer.Informer():        slimSKS,
		soInformer.Informer():         trimScaledObject,
		hpaInformer.Informer():        trimHPA,
		deploymentInformer.Informer(): trimDeployment,
	} {
		if err := inf.SetTransform(trim); err != nil {
			logger.Warnw("Informer already started, its cache keeps whole objects", zap.Error(err))
		}
	}
	warnIfServingHPAAutoscalerRuns(ctx)
	go reportMissingKEDA(ctx, kubeclient.Get(ctx).Discovery(), time.Minute)
	go func() {
		if cache.WaitForCacheSync(ctx.Done(), paInformer.Informer().HasSynced, sksInformer.Informer().HasSynced,
			soInformer.Informer().HasSynced, hpaInformer.Informer().HasSynced,
			deploymentInformer.Informer().HasSynced, limitRangeInformer.Informer().HasSynced) {
			synced.Store(true)
		}
	}()

	onlyHPAClass := pkgreconciler.AnnotationFilterFunc(autoscaling.ClassAnnotationKey, autoscaling.HPA, false)

	r := &Reconciler{
		Base: &areconciler.Base{
			Client:           servingclient.Get(ctx),
			NetworkingClient: networkingclient.Get(ctx),
			SKSLister:        sksInformer.Lister(),
			// No MetricLister: Base reads Metrics only in ReconcileMetric,
			// which the HPA class never calls, and an informer for them would
			// need RBAC on Metrics for nothing.
		},
		kedaClient: kedaclient.Get(ctx),
		soLister:   soInformer.Lister(),
		hpaLister:  hpaInformer.Lister(),
		workloads:  workloads{deployments: deploymentInformer.Lister(), limitRanges: limitRangeInformer.Lister()},
	}

	impl := pareconciler.NewImpl(ctx, r, autoscaling.HPA, func(impl *controller.Impl) controller.Options {
		resync := func(string, interface{}) {
			impl.FilteredGlobalResync(onlyHPAClass, paInformer.Informer())
		}
		store := config.NewStore(logger.Named("config-store"), resync)
		store.WatchConfigs(cmw)
		return controller.Options{
			ConfigStore:       store,
			PromoteFilterFunc: onlyHPAClass,
		}
	})

	impl.Concurrency = Workers

	paInformer.Informer().AddEventHandler(cache.FilteringResourceEventHandler{
		FilterFunc: onlyHPAClass,
		Handler:    controller.HandleAll(impl.Enqueue),
	})

	// The reconcile that creates an SKS or a ScaledObject already acted on
	// what it created: their informers' Add, before anyone else wrote a status
	// on them, would only reconcile the PA again, and as the PA informer
	// usually lags the reconcile's own status update, that costs a failed
	// (409) update and a GET per new revision.
	sksInformer.Informer().AddEventHandler(cache.FilteringResourceEventHandler{
		FilterFunc: pkgreconciler.ChainFilterFuncs(onlyHPAClass, controller.FilterController(&autoscalingv1alpha1.PodAutoscaler{})),
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

	// A ScaledObject and an HPA are named after their revision, so their
	// name is the PA's key, also for a bring-your-own ScaledObject that the
	// PA does not own. Updates that change nothing this controller reads
	// (KEDA rewrites every ScaledObject's status several times a minute, the
	// HPA controller its metrics every 15s) are dropped here, before they
	// cost a reconcile.
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
		pa, err := paInformer.Lister().PodAutoscalers(m.GetNamespace()).Get(m.GetName())
		return err == nil && onlyHPAClass(pa)
	}
	soInformer.Informer().AddEventHandler(cache.FilteringResourceEventHandler{
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
	hpaInformer.Informer().AddEventHandler(cache.FilteringResourceEventHandler{
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

	// A revision's Deployment decides its cpu and memory triggers, and gives
	// the scale while no HPA does (paused, or not scalable on the resource
	// asked for). Serving labels it with the revision, the PA's name. While
	// KEDA's HPA exists, its events already report replica changes.
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
		pa, err := paInformer.Lister().PodAutoscalers(m.GetNamespace()).Get(m.GetLabels()[RevisionDeploymentSelector])
		return err == nil && onlyHPAClass(pa)
	}
	deploymentInformer.Informer().AddEventHandler(cache.FilteringResourceEventHandler{
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
					if _, err := hpaInformer.Lister().HorizontalPodAutoscalers(c.Namespace).Get(c.Labels[RevisionDeploymentSelector]); err != nil {
						enqueueRevision(cur)
					}
				}
			},
			DeleteFunc: enqueueRevision,
		},
	})
	// A LimitRange's defaults count as requests for KEDA's webhook: a change
	// may make a namespace's cpu and memory revisions scalable, or not.
	limitRangeInformer.Informer().AddEventHandler(controller.HandleAll(func(obj interface{}) {
		m, err := metaOf(obj)
		if err != nil {
			return
		}
		impl.FilteredGlobalResync(func(obj interface{}) bool {
			pa, ok := obj.(*autoscalingv1alpha1.PodAutoscaler)
			return ok && pa.Namespace == m.GetNamespace() && onlyHPAClass(pa)
		}, paInformer.Informer())
	}))
	return impl
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
// ScaledObject: its spec, labels, annotations, owners, deletion, and the
// conditions the PA mirrors.
func scaledObjectChanged(old, cur *kedav1alpha1.ScaledObject) bool {
	return old.Generation != cur.Generation ||
		!reflect.DeepEqual(old.Labels, cur.Labels) ||
		!reflect.DeepEqual(old.Annotations, cur.Annotations) ||
		!reflect.DeepEqual(old.OwnerReferences, cur.OwnerReferences) ||
		!old.DeletionTimestamp.Equal(cur.DeletionTimestamp) ||
		!reflect.DeepEqual(old.Spec, cur.Spec) ||
		mirroredConditions(old.Status.Conditions) != mirroredConditions(cur.Status.Conditions)
}

// hpaChanged reports changes to what the reconciler reads of an HPA: its
// replica counts and owners.
func hpaChanged(old, cur *autoscalingv2.HorizontalPodAutoscaler) bool {
	return old.Status.CurrentReplicas != cur.Status.CurrentReplicas ||
		old.Status.DesiredReplicas != cur.Status.DesiredReplicas ||
		!reflect.DeepEqual(old.OwnerReferences, cur.OwnerReferences)
}

// reportMissingKEDA says clearly, until it is fixed, that KEDA's ScaledObject
// API is not served: the ScaledObject informer cannot sync then, so the
// controller waits (not ready, not crashing) and starts by itself once the
// CRDs are installed. Client-go's own messages about it are easy to miss.
func reportMissingKEDA(ctx context.Context, disco discovery.DiscoveryInterface, every time.Duration) {
	logger := logging.FromContext(ctx)
	for missing := false; ; {
		_, err := disco.ServerResourcesForGroupVersion(kedav1alpha1.SchemeGroupVersion.String())
		switch {
		case err == nil && missing:
			logger.Infof("KEDA's %s API is served now; starting", kedav1alpha1.SchemeGroupVersion)
			return
		case err == nil:
			return
		case apierrs.IsNotFound(err):
			missing = true
			logger.Errorf("KEDA's CRDs are not installed (%s ScaledObject is not served): this controller "+
				"waits, not ready, until they are; install KEDA v2.19 or its CRDs", kedav1alpha1.SchemeGroupVersion)
		default:
			logger.Warnf("Checking for KEDA's %s API: %v", kedav1alpha1.SchemeGroupVersion, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

// warnIfServingHPAAutoscalerRuns logs loudly when Serving's autoscaler-hpa
// still runs: both would reconcile the same PodAutoscalers and fight.
func warnIfServingHPAAutoscalerRuns(ctx context.Context) {
	logger := logging.FromContext(ctx)
	d, err := kubeclient.Get(ctx).AppsV1().Deployments(system.Namespace()).Get(ctx, ServingHPAAutoscaler, metav1.GetOptions{})
	if err != nil {
		return // absent, or not readable: nothing to warn about
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas > 0 {
		logger.Warnf("Serving's %s deployment still runs in %s: it and this controller would both reconcile "+
			"hpa-class PodAutoscalers. Scale it to zero (hack/swap-autoscaler-hpa.sh) before relying on this controller.",
			ServingHPAAutoscaler, system.Namespace())
	}
}
