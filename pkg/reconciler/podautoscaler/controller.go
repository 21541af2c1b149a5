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
	"strings"
	"sync/atomic"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	"go.uber.org/zap"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	nv1alpha1 "knative.dev/networking/pkg/apis/networking/v1alpha1"
	networkingclient "knative.dev/networking/pkg/client/injection/client"
	sksinformer "knative.dev/networking/pkg/client/injection/informers/networking/v1alpha1/serverlessservice"
	kubeclient "knative.dev/pkg/client/injection/kube/client"
	limitrangeinformer "knative.dev/pkg/client/injection/kube/informers/core/v1/limitrange"
	"knative.dev/pkg/configmap"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/injection"
	"knative.dev/pkg/logging"
	"knative.dev/pkg/logging/logkey"
	servingclient "knative.dev/serving/pkg/client/injection/client"
	painformer "knative.dev/serving/pkg/client/injection/informers/autoscaling/v1alpha1/podautoscaler"
	areconciler "knative.dev/serving/pkg/reconciler/autoscaling"

	kedaclient "github.com/serving-keda/serving-keda/pkg/client/injection/client"
	soinformer "github.com/serving-keda/serving-keda/pkg/client/injection/informers/keda/v1alpha1/scaledobject"
	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/pkg/scaletozero"
	"github.com/serving-keda/serving-keda/pkg/translate"
)

// Readiness says whether the controller can reconcile: once every informer
// the reconciler reads has synced. It stays false while KEDA's CRDs are
// missing, as the ScaledObject informer cannot list then. The process's
// readiness probe reads it.
type Readiness struct{ synced atomic.Bool }

// Ready reports whether the informers have synced.
func (r *Readiness) Ready() bool { return r.synced.Load() }

// KEDAHPASelector selects the HPAs KEDA's operator creates: the only ones
// this controller reads, so other HPAs cost it no memory.
const KEDAHPASelector = translate.HPAManagedByLabel + "=" + translate.HPAManagedByValue

// Workers is how many PodAutoscalers are reconciled at once. A reconcile
// mostly waits on the API server (a ScaledObject create, which KEDA's
// admission webhook answers too, an SKS create, a status update), so
// knative's default of 2 workers, not the client's QPS, would bound how fast
// a burst of new revisions gets its ScaledObjects. At 1,000 new revisions
// on 2 cores, 16 workers were that bound: each spent ~350 ms per first
// reconcile, mostly waiting (the controller used an eighth of a core) while
// the API server took more (docs/benchmarks).
const Workers = 64

// ServingHPAAutoscaler is the Serving deployment this controller replaces.
const ServingHPAAutoscaler = "autoscaler-hpa"

// NewConstructor returns the controller's constructor for sharedmain,
// which marks ready once the informers have synced. The context must carry
// KEDAHPASelector and RevisionDeploymentSelector for knative's filtered
// informer factory.
func NewConstructor(ready *Readiness) injection.ControllerConstructor {
	return func(ctx context.Context, cmw configmap.Watcher) *controller.Impl {
		return newController(ctx, cmw, ready)
	}
}

// eventRecorder is the context's event recorder, else one recording to the
// API server, as knative's generated controllers make it.
func eventRecorder(ctx context.Context) record.EventRecorder {
	if recorder := controller.GetEventRecorder(ctx); recorder != nil {
		return recorder
	}
	logger := logging.FromContext(ctx)
	broadcaster := record.NewBroadcaster()
	watches := []watch.Interface{
		broadcaster.StartLogging(logger.Named("event-broadcaster").Infof),
		broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: kubeclient.Get(ctx).CoreV1().Events("")}),
	}
	go func() {
		<-ctx.Done()
		for _, w := range watches {
			w.Stop()
		}
	}()
	return broadcaster.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "podautoscaler-controller"})
}

// newController wires the reconciler to its informers.
func newController(ctx context.Context, cmw configmap.Watcher, ready *Readiness) *controller.Impl {
	logger := logging.FromContext(ctx)

	paInformer := painformer.Get(ctx)
	sksInformer := sksinformer.Get(ctx)
	soInformer := soinformer.Get(ctx)
	hpaInformer := kedaHPAs(ctx)
	deploymentInformer := revisionDeployments(ctx)
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
	go reportMissingKEDA(ctx, kubeclient.Get(ctx).Discovery(), time.Minute)
	go func() {
		if cache.WaitForCacheSync(ctx.Done(), paInformer.Informer().HasSynced, sksInformer.Informer().HasSynced,
			soInformer.Informer().HasSynced, hpaInformer.Informer().HasSynced,
			deploymentInformer.Informer().HasSynced, limitRangeInformer.Informer().HasSynced) {
			ready.synced.Store(true)
		}
	}()

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
		created:    newCreatedObjects[*kedav1alpha1.ScaledObject](),
		createdSKS: newCreatedObjects[*nv1alpha1.ServerlessService](),
		kedaHPAs:   &lastSeen{},
		soLister:   soInformer.Lister(),
		hpaLister:  hpaInformer.Lister(),
		workloads: workloads{
			deployments: deploymentInformer.Lister(), limitRanges: limitRangeInformer.Lister(), kube: kubeclient.Get(ctx),
		},
	}

	classes := &classReconciler{lister: paInformer.Lister(), byClass: map[string]controller.Reconciler{}}
	var implRef atomic.Pointer[controller.Impl]
	var zeroRef atomic.Pointer[scaletozero.Source]
	store := config.NewStore(logger.Named("config-store"), func(_ string, value interface{}) {
		// The start-up warning, and again whenever the HPA class is added:
		// only then would Serving's autoscaler-hpa and this controller fight.
		if k, ok := value.(*config.KEDA); ok && classes.setClasses(k.Classes) {
			warnIfServingHPAAutoscalerRuns(ctx)
		}
		if impl := implRef.Load(); impl != nil {
			impl.FilteredGlobalResync(classes.reconciles, paInformer.Informer())
		}
		if z := zeroRef.Load(); z != nil {
			z.SyncAll(ctx)
		}
	})
	store.WatchConfigs(cmw)
	classes.store = store

	name := strings.ReplaceAll(reflect.TypeOf(Reconciler{}).PkgPath()+".Reconciler", "/", ".")
	logger = logger.With(zap.String(logkey.ControllerType, name),
		zap.String(logkey.Kind, "autoscaling.internal.knative.dev.PodAutoscaler"))
	recorder := eventRecorder(ctx)
	for _, class := range config.Classes {
		classes.byClass[class] = newPAReconciler(ctx, logger, servingclient.Get(ctx), paInformer.Lister(),
			recorder, r, class, controller.Options{ConfigStore: sharedSnapshot{store}})
	}
	impl := controller.NewContext(ctx, classes, controller.ControllerOptions{WorkQueueName: name, Logger: logger})
	implRef.Store(impl)
	zero := scaletozero.Start(ctx, scaletozero.Deps{
		Store: sharedSnapshot{store}, PALister: paInformer.Lister(), SOLister: soInformer.Lister(), SKSLister: sksInformer.Lister(),
		Deployment: workloads{deployments: deploymentInformer.Lister()}.deployment,
		Kube:       onceKube(ctx), Ready: ready.Ready,
		Enqueue: impl.EnqueueKey,
		Resync:  func(filter func(interface{}) bool) { impl.FilteredGlobalResync(filter, paInformer.Informer()) },
	})
	r.zero = zero
	zeroRef.Store(zero)

	impl.Concurrency = Workers

	inf := informers{
		pa: paInformer, sks: sksInformer, so: soInformer, hpa: hpaInformer,
		deployment: deploymentInformer, limitRange: limitRangeInformer,
	}
	wakeOnChanges(impl, inf, classes.reconciles)
	// KEDA's HPA creates, any revision's: KEDA at work (deferFirstStatus).
	hpaInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(interface{}) { r.kedaHPAs.mark(r.now()) },
	})
	notifyOnHoldChanges(inf, classes.reconciles, zero.Notify)
	syncRequestSignal(inf, classes.reconciles, func(key types.NamespacedName) { zero.Sync(ctx, key) })
	return impl
}
