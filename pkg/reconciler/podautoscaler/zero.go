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

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/types"
	nv1alpha1 "knative.dev/networking/pkg/apis/networking/v1alpha1"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/ptr"
	"knative.dev/serving/pkg/apis/autoscaling"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"

	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/pkg/scaletozero"
)

// zeroSource is what the reconciler reads of the activators' demand and of
// Knative's request signal (scaletozero.Source; a test sets its own).
type zeroSource interface {
	Demand(types.NamespacedName) float64
	Signal() scaletozero.Signal
	BurstShort(types.NamespacedName) bool
}

// reconcileZero reports a revision on the zero path: its mode and Active
// condition as scaletozero decides them, KEDA deciding the replicas; the
// scale reported is its ready pods, as with the KPA.
func (r *Reconciler) reconcileZero(ctx context.Context, pa *autoscalingv1alpha1.PodAutoscaler, so *kedav1alpha1.ScaledObject,
	d *appsv1.Deployment, scale *scaleSource, sks *nv1alpha1.ServerlessService) error {
	var demand float64
	var sig scaletozero.Signal
	if r.zero != nil {
		demand = r.zero.Demand(types.NamespacedName{Namespace: pa.Namespace, Name: pa.Name})
		sig = r.zero.Signal()
	}
	scaletozero.MarkSignal(ctx, pa, sig)
	in := scaletozero.NewInput(config.FromContext(ctx), pa, so, d, r.now(), demand, sig)
	in.DeciderShort = pa.Metric() == autoscaling.Concurrency && r.burstShort(pa, so)
	r.markInitialized(ctx, pa, sks, in.Ready)
	dec := scaletozero.Decide(pa, sks, in)

	var desired *int32
	switch {
	case in.Replicas == 0:
		desired = ptr.Int32(0)
	case scale != nil && scale.known:
		desired = ptr.Int32(scale.desired)
	}
	if err := r.reconcileSKSStatus(ctx, pa, sks, dec.Mode, ptr.Int32(in.Ready), desired); err != nil {
		return err
	}
	if dec.Requeue > 0 {
		return controller.NewRequeueAfter(dec.Requeue)
	}
	return nil
}
