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

package keda

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	kedaclientset "github.com/kedacore/keda/v2/pkg/generated/clientset/versioned"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"

	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/keyworkers"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/result"
)

// The played profile: KEDA v2.19's operator needs about 31 writes per
// ScaledObject and minutes to create 1,000 HPAs, saturating the API server
// of a small machine, which hides this controller's own speed. In this
// profile the operator does not run; a player in the benchmark process does,
// for every new ScaledObject, what the operator does that the controller
// reads, with the fewest writes: it creates the HPA KEDA would create and
// writes the ScaledObject's status once, as after KEDA's first good
// reconcile. It plays no scale loop, no finalizer, no label on the
// ScaledObject, no pause and no idle status churn.

// Player creates KEDA's HPAs and status for ScaledObjects as they appear.
type Player struct {
	*keyworkers.Workers
	kube kubernetes.Interface
	keda kedaclientset.Interface
	logf func(string, ...any)

	// Write requests by kind; conflicts and already-existing HPAs are among them.
	hpaCreates, hpaExisted, statusUpdates, conflicts, failures atomic.Int64
}

// StartPlayer starts the player: a client of rc's cluster at qps and burst
// with workers workers, on a ScaledObject informer, until ctx ends.
func StartPlayer(ctx context.Context, rc *rest.Config, qps, burst, workers int, logf func(string, ...any)) (*Player, error) {
	rc = rest.CopyConfig(rc)
	rc.UserAgent = result.PlayerClient
	rc.QPS, rc.Burst = float32(qps), burst
	kube, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, err
	}
	kc, err := kedaclientset.NewForConfig(rc)
	if err != nil {
		return nil, err
	}
	sos := kc.KedaV1alpha1().ScaledObjects("")
	p := &Player{
		Workers: keyworkers.New(cache.NewSharedIndexInformer(keyworkers.ListWatch(sos.List, sos.Watch), &kedav1alpha1.ScaledObject{}, 0, cache.Indexers{})),
		kube:    kube,
		keda:    kc,
		logf:    logf,
	}
	enqueue := func(obj any) {
		if so, ok := obj.(*kedav1alpha1.ScaledObject); ok && !Played(so) {
			p.Enqueue(so)
		}
	}
	err = p.Start(ctx, "KEDA player", cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, cur any) { enqueue(cur) },
	}, workers, p.play, func(key string, err error) {
		if n := p.failures.Add(1); n <= 10 {
			p.logf("KEDA player: %s: %v", key, err)
		}
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// play creates the ScaledObject's HPA (an existing one is KEDA's already)
// and writes its status, re-reading it on a conflict.
func (p *Player) play(ctx context.Context, key string) error {
	obj, err := p.Get(key)
	if obj == nil {
		return err
	}
	so := obj.(*kedav1alpha1.ScaledObject)
	if Played(so) || so.DeletionTimestamp != nil {
		return nil
	}
	hpa := HPAForScaledObject(so)
	p.hpaCreates.Add(1)
	_, err = p.kube.AutoscalingV2().HorizontalPodAutoscalers(hpa.Namespace).Create(ctx, hpa, metav1.CreateOptions{})
	switch {
	case apierrors.IsAlreadyExists(err):
		p.hpaExisted.Add(1)
	case err != nil:
		return fmt.Errorf("creating HPA %s: %w", hpa.Name, err)
	}
	for attempt := 0; ; attempt++ {
		upd := so.DeepCopy()
		upd.Status = PlayedStatus(so, hpa.Name)
		p.statusUpdates.Add(1)
		_, err := p.keda.KedaV1alpha1().ScaledObjects(so.Namespace).UpdateStatus(ctx, upd, metav1.UpdateOptions{})
		if !apierrors.IsConflict(err) || attempt >= 5 {
			return err
		}
		p.conflicts.Add(1)
		if so, err = p.keda.KedaV1alpha1().ScaledObjects(so.Namespace).Get(ctx, so.Name, metav1.GetOptions{}); err != nil {
			return err
		}
		if Played(so) {
			return nil
		}
	}
}

// Counts returns the player's write requests so far.
func (p *Player) Counts() *result.PlayerCounts {
	return &result.PlayerCounts{
		HPACreates:    p.hpaCreates.Load(),
		HPAExisted:    p.hpaExisted.Load(),
		StatusUpdates: p.statusUpdates.Load(),
		Conflicts:     p.conflicts.Load(),
	}
}

// Played: the ScaledObject carries the status the player (or KEDA) writes
// after a good reconcile.
func Played(so *kedav1alpha1.ScaledObject) bool {
	ready := so.Status.Conditions.GetReadyCondition()
	return so.Status.HpaName != "" && ready.IsTrue()
}

// kedaVersion is the version of the KEDA operator the bench runs (the
// selected release's), which KEDA writes into its HPAs' labels.
func kedaVersion() string {
	v, err := cluster.Version(cluster.KEDAOperator)
	if err != nil {
		return "unknown"
	}
	return v
}

// hpaName is KEDA's getHPAName.
func hpaName(so *kedav1alpha1.ScaledObject) string {
	if a := so.Spec.Advanced; a != nil && a.HorizontalPodAutoscalerConfig != nil && a.HorizontalPodAutoscalerConfig.Name != "" {
		return a.HorizontalPodAutoscalerConfig.Name
	}
	return "keda-hpa-" + so.Name
}

// scaleTarget is the ScaledObject's target as KEDA's ParseGVKR resolves it:
// apps/v1 Deployment by default. KEDA asks the REST mapper for other kinds'
// resource; the workload scales only Deployments.
func scaleTarget(so *kedav1alpha1.ScaledObject) kedav1alpha1.GroupVersionKindResource {
	gv, kind := schema.GroupVersion{Group: "apps", Version: "v1"}, ""
	if t := so.Spec.ScaleTargetRef; t != nil {
		if t.APIVersion != "" {
			if parsed, err := schema.ParseGroupVersion(t.APIVersion); err == nil {
				gv = parsed
			}
		}
		kind = t.Kind
	}
	if kind == "" {
		kind = "Deployment"
	}
	return kedav1alpha1.GroupVersionKindResource{Group: gv.Group, Version: gv.Version, Kind: kind, Resource: strings.ToLower(kind) + "s"}
}

// HPAForScaledObject is the HPA KEDA v2.19's newHPAForScaledObject builds,
// without what the workload does not use (paused replicas, paused scale-in
// or -out, scaling modifiers' composite metric).
func HPAForScaledObject(so *kedav1alpha1.ScaledObject) *autoscalingv2.HorizontalPodAutoscaler {
	name := hpaName(so)
	labelName := name
	if len(labelName) > 63 {
		labelName = strings.TrimRightFunc(labelName[:63], func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
	}
	labels := map[string]string{
		"app.kubernetes.io/name":       labelName,
		"app.kubernetes.io/version":    kedaVersion(),
		"app.kubernetes.io/part-of":    so.Name,
		"app.kubernetes.io/managed-by": "keda-operator",
	}
	excluded := map[string]bool{}
	if l, ok := so.Annotations[kedav1alpha1.ScaledObjectExcludedLabelsAnnotation]; ok {
		for _, k := range strings.Split(l, ",") {
			excluded[k] = true
		}
	}
	for k, v := range so.Labels {
		if !excluded[k] {
			labels[k] = v
		}
	}
	// KEDA first writes this label on the ScaledObject (one more write) and
	// copies it from there; the player only puts it on the HPA.
	labels[kedav1alpha1.ScaledObjectOwnerAnnotation] = so.Name
	var annotations map[string]string
	if len(so.Annotations) > 0 {
		annotations = make(map[string]string, len(so.Annotations))
		for k, v := range so.Annotations {
			annotations[k] = v
		}
	}
	var behavior *autoscalingv2.HorizontalPodAutoscalerBehavior
	if a := so.Spec.Advanced; a != nil && a.HorizontalPodAutoscalerConfig != nil && a.HorizontalPodAutoscalerConfig.Behavior != nil {
		behavior = a.HorizontalPodAutoscalerConfig.Behavior.DeepCopy()
	}
	target := scaleTarget(so)
	var targetName string
	if so.Spec.ScaleTargetRef != nil {
		targetName = so.Spec.ScaleTargetRef.Name
	}
	minReplicas := *so.GetHPAMinReplicas()
	return &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{
			Name:            name,
			Namespace:       so.Namespace,
			Labels:          labels,
			Annotations:     annotations,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(so, kedav1alpha1.SchemeGroupVersion.WithKind("ScaledObject"))},
		},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{
				APIVersion: target.GroupVersion().String(),
				Kind:       target.Kind,
				Name:       targetName,
			},
			MinReplicas: &minReplicas,
			MaxReplicas: so.GetHPAMaxReplicas(),
			Metrics:     hpaMetrics(so),
			Behavior:    behavior,
		},
	}
}

// hpaMetrics are the metrics KEDA's scalers give the HPA: a Resource metric
// for cpu and memory triggers, an External metric "s<index>-<type>" with
// KEDA's selector for the others (the prometheus scaler's threshold is the
// target; other scalers' targets are not played).
func hpaMetrics(so *kedav1alpha1.ScaledObject) []autoscalingv2.MetricSpec {
	var specs []autoscalingv2.MetricSpec
	for i, t := range so.Spec.Triggers {
		switch t.Type {
		case "cpu", "memory":
			mt := t.MetricType
			if mt == "" {
				mt = autoscalingv2.UtilizationMetricType
			}
			target := autoscalingv2.MetricTarget{Type: mt}
			if mt == autoscalingv2.UtilizationMetricType {
				v, _ := strconv.ParseInt(t.Metadata["value"], 10, 32)
				u := int32(v)
				target.AverageUtilization = &u
			} else if q, err := resource.ParseQuantity(t.Metadata["value"]); err == nil {
				target.AverageValue = &q
			}
			specs = append(specs, autoscalingv2.MetricSpec{
				Type:     autoscalingv2.ResourceMetricSourceType,
				Resource: &autoscalingv2.ResourceMetricSource{Name: corev1.ResourceName(t.Type), Target: target},
			})
		default:
			mt := t.MetricType
			if mt == "" {
				mt = autoscalingv2.AverageValueMetricType
			}
			threshold := 1.0
			if v, err := strconv.ParseFloat(t.Metadata["threshold"], 64); err == nil {
				threshold = v
			}
			q := resource.NewMilliQuantity(int64(threshold*1000), resource.DecimalSI)
			target := autoscalingv2.MetricTarget{Type: mt}
			if mt == autoscalingv2.AverageValueMetricType {
				target.AverageValue = q
			} else {
				target.Value = q
			}
			specs = append(specs, autoscalingv2.MetricSpec{
				Type: autoscalingv2.ExternalMetricSourceType,
				External: &autoscalingv2.ExternalMetricSource{
					Metric: autoscalingv2.MetricIdentifier{
						Name:     fmt.Sprintf("s%d-%s", i, t.Type),
						Selector: &metav1.LabelSelector{MatchLabels: map[string]string{kedav1alpha1.ScaledObjectOwnerAnnotation: so.Name}},
					},
					Target: target,
				},
			})
		}
	}
	// KEDA sorts by type so that its reconciles compare equal.
	sort.SliceStable(specs, func(i, j int) bool { return specs[i].Type < specs[j].Type })
	return specs
}

// PlayedStatus is the ScaledObject's status after KEDA's first good
// reconcile and scale loop: its HPA, target and triggers, Ready, not
// Active, no fallback, not paused. (KEDA also records the target's original
// replica count, read from its /scale; nothing here reads it.)
func PlayedStatus(so *kedav1alpha1.ScaledObject, hpa string) kedav1alpha1.ScaledObjectStatus {
	st := *so.Status.DeepCopy()
	target := scaleTarget(so)
	st.HpaName = hpa
	st.ScaleTargetKind = target.GVKString()
	st.ScaleTargetGVKR = &target
	triggers, auths := kedav1alpha1.CombinedTriggersAndAuthenticationsTypes(so.Spec.Triggers)
	st.TriggersTypes, st.AuthenticationsTypes = &triggers, &auths
	st.ExternalMetricNames, st.ResourceMetricNames = nil, nil
	for _, m := range hpaMetrics(so) {
		if m.External != nil {
			st.ExternalMetricNames = append(st.ExternalMetricNames, m.External.Metric.Name)
		} else if m.Resource != nil {
			st.ResourceMetricNames = append(st.ResourceMetricNames, string(m.Resource.Name))
		}
	}
	conds := kedav1alpha1.GetInitializedConditions()
	conds.SetReadyCondition(metav1.ConditionTrue, kedav1alpha1.ScaledObjectConditionReadySuccessReason, kedav1alpha1.ScaledObjectConditionReadySuccessMessage)
	conds.SetActiveCondition(metav1.ConditionFalse, "ScalerNotActive", "Scaling is not performed because triggers are not active")
	conds.SetFallbackCondition(metav1.ConditionFalse, "NoFallbackFound", "No fallbacks are active on this scaled object")
	st.Conditions = *conds
	return st
}
