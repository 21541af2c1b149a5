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
	"sync/atomic"

	apierrs "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/tools/cache"
	"knative.dev/pkg/controller"
	pkgreconciler "knative.dev/pkg/reconciler"
	"knative.dev/serving/pkg/apis/autoscaling"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	palisters "knative.dev/serving/pkg/client/listers/autoscaling/v1alpha1"

	"github.com/serving-keda/serving-keda/pkg/config"
)

// classReconciler hands each PodAutoscaler to the generated reconciler of
// its class, when config-autoscaler-keda's pod-autoscaler-classes lists that
// class. Knative's generated reconciler is bound to one class at
// construction, so there is one per class this binary knows (config.Classes);
// which of them run is read from the configuration at every reconcile, so a
// change of the list takes effect without a restart. All of them share one
// work queue, one set of informers and one Reconciler.
type classReconciler struct {
	byClass map[string]controller.Reconciler
	lister  palisters.PodAutoscalerLister
	store   pkgreconciler.ConfigStore
	// classes is what the informer filters read: the reconciled classes of
	// the configuration last stored, nil until one is.
	classes atomic.Pointer[sets.Set[string]]
}

var (
	_ controller.Reconciler     = (*classReconciler)(nil)
	_ pkgreconciler.LeaderAware = (*classReconciler)(nil)
)

// Reconcile implements controller.Reconciler. The configuration snapshot it
// decides on is the one the generated reconciler then reconciles with
// (sharedSnapshot).
func (c *classReconciler) Reconcile(ctx context.Context, key string) error {
	ctx = c.store.ToContext(ctx)
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil // the generated reconcilers drop such keys too
	}
	pa, err := c.lister.PodAutoscalers(namespace).Get(name)
	if apierrs.IsNotFound(err) {
		return nil // garbage collection removes what it owned
	} else if err != nil {
		return err
	}
	class := pa.Annotations[autoscaling.ClassAnnotationKey]
	r, known := c.byClass[class]
	if !known || !config.FromContext(ctx).KEDA.Classes.Has(class) {
		return nil
	}
	return r.Reconcile(ctx, key)
}

// Promote implements LeaderAware: every generated reconciler leads the bucket
// (each checks that it does before reconciling), and the PodAutoscalers of
// the reconciled classes are enqueued once.
func (c *classReconciler) Promote(b pkgreconciler.Bucket, enq func(pkgreconciler.Bucket, types.NamespacedName)) error {
	for _, r := range c.byClass {
		if err := r.(pkgreconciler.LeaderAware).Promote(b, func(pkgreconciler.Bucket, types.NamespacedName) {}); err != nil {
			return err
		}
	}
	pas, err := c.lister.List(labels.Everything())
	if err != nil {
		return err
	}
	for _, pa := range pas {
		if c.reconciles(pa) {
			enq(b, types.NamespacedName{Namespace: pa.Namespace, Name: pa.Name})
		}
	}
	return nil
}

// Demote implements LeaderAware.
func (c *classReconciler) Demote(b pkgreconciler.Bucket) {
	for _, r := range c.byClass {
		r.(pkgreconciler.LeaderAware).Demote(b)
	}
}

// setClasses records the classes of a newly stored configuration and says
// whether the HPA class has just become one of them.
func (c *classReconciler) setClasses(classes sets.Set[string]) (hpaAdded bool) {
	old := c.classes.Swap(&classes)
	return classes.Has(autoscaling.HPA) && (old == nil || !old.Has(autoscaling.HPA))
}

// reconciles is the informers' filter: an object (a PodAutoscaler, or its
// SKS, which carries its annotations) of a reconciled class.
func (c *classReconciler) reconciles(obj interface{}) bool {
	o, ok := obj.(metav1.Object)
	if !ok {
		return false
	}
	classes := c.classes.Load()
	return classes != nil && classes.Has(o.GetAnnotations()[autoscaling.ClassAnnotationKey])
}

// sharedSnapshot keeps the configuration classReconciler attached, so one
// reconcile sees one configuration.
type sharedSnapshot struct{ pkgreconciler.ConfigStore }

func (s sharedSnapshot) ToContext(ctx context.Context) context.Context {
	if config.FromContext(ctx) != nil {
		return ctx
	}
	return s.ConfigStore.ToContext(ctx)
}

// asHPAClass returns pa as the translation sees it: a PodAutoscaler of
// config.KEDAClass is translated as one of the HPA class, so that the two
// classes mean the same. Serving's annotation validation, which the
// translation applies, checks the metric only of its own classes
// (validateMetric leaves any other class alone), and Serving's defaulting
// gives a PodAutoscaler of any other class an empty metric where the HPA
// class gets cpu: the HPA class's default is applied here.
func asHPAClass(pa *autoscalingv1alpha1.PodAutoscaler) *autoscalingv1alpha1.PodAutoscaler {
	if pa.Annotations[autoscaling.ClassAnnotationKey] == autoscaling.HPA {
		return pa
	}
	out := *pa
	out.Annotations = make(map[string]string, len(pa.Annotations))
	for k, v := range pa.Annotations {
		out.Annotations[k] = v
	}
	out.Annotations[autoscaling.ClassAnnotationKey] = autoscaling.HPA
	if out.Annotations[autoscaling.MetricAnnotationKey] == "" {
		out.Annotations[autoscaling.MetricAnnotationKey] = autoscaling.CPU
	}
	return &out
}
