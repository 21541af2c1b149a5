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
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	ktesting "k8s.io/client-go/testing"
	nv1alpha1 "knative.dev/networking/pkg/apis/networking/v1alpha1"
	"knative.dev/pkg/configmap"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/logging"
	"knative.dev/serving/pkg/apis/autoscaling"
	servingclient "knative.dev/serving/pkg/client/injection/client"
	"knative.dev/serving/pkg/reconciler/serverlessservice/resources/names"

	"github.com/serving-keda/serving-keda/pkg/config"
	. "github.com/serving-keda/serving-keda/pkg/reconciler/testing"
	"github.com/serving-keda/serving-keda/pkg/scaletozero"

	. "knative.dev/pkg/reconciler/testing"
	. "knative.dev/serving/pkg/testing"
)

type burstKey struct{}

// TestReconcileBurstCapacity: a revision on Knative's request signal with
// pods (min-scale 1) keeps the activator in its path while its pods fall
// short of its target-burst-capacity, as the KPA does; any other revision
// is served as under Serving's HPA class.
func TestReconcileBurstCapacity(t *testing.T) {
	concurrency := map[string]string{autoscaling.MetricAnnotationKey: "concurrency", autoscaling.TargetAnnotationKey: "10"}
	ready := []PodAutoscalerOption{WithPASKSReady, WithPAStatusService(testRevision), WithPAMetricsService(names.PrivateService(testRevision)),
		WithScaleTargetInitialized, withSOReadyCondition, WithTraffic, withScales(1, 1)}
	onRequests := func(anns map[string]string) []PodAutoscalerOption {
		return append([]PodAutoscalerOption{withAnnotations(anns)}, ready...)
	}
	// The ScaledObject of the concurrency revision.
	requestsSO := scaledObject(pa(withAnnotations(concurrency)), withSOReady, withRequestsTrigger("concurrency"))
	promSO := scaledObject(pa(withAnnotations(customMetric)), withPromTrigger, withSOReady)
	short := func(ctx context.Context) context.Context { return context.WithValue(ctx, burstKey{}, true) }
	on := func() context.Context {
		return config.ToContext(context.Background(), testConfig(map[string]string{config.ActivatorScalerAddressKey: testScalerAddress}))
	}
	toMode := func(m nv1alpha1.ServerlessServiceOperationMode) SKSOption {
		return func(s *nv1alpha1.ServerlessService) { s.Spec.Mode = m }
	}

	TableTest{{
		Name: "on requests, its pods short of burst capacity: the activator in the path, still Active",
		Ctx:  short(on()),
		Objects: []runtime.Object{deployment(),
			pa(onRequests(concurrency)...), requestsSO, hpa(withHPAReplicas(1, 1)), sks(WithSKSReady),
		},
		Key:         key(),
		WantUpdates: []ktesting.UpdateActionImpl{{Object: sks(WithSKSReady, WithProxyMode)}},
	}, {
		Name: "on requests, burst capacity covered again: the activator leaves the path",
		Ctx:  on(),
		Objects: []runtime.Object{deployment(),
			pa(onRequests(concurrency)...), requestsSO, hpa(withHPAReplicas(1, 1)), sks(WithSKSReady, WithProxyMode),
		},
		Key:         key(),
		WantUpdates: []ktesting.UpdateActionImpl{{Object: sks(WithSKSReady, WithProxyMode, toMode(nv1alpha1.SKSOperationModeServe))}},
	}, {
		Name: "on requests, still short: stays in Proxy, nothing written",
		Ctx:  short(on()),
		Objects: []runtime.Object{deployment(),
			pa(onRequests(concurrency)...), requestsSO, hpa(withHPAReplicas(1, 1)), sks(WithSKSReady, WithProxyMode),
		},
		Key: key(),
	}, {
		Name: "on Prometheus, whatever the request signal says: Serve, as under Serving's HPA class",
		Ctx:  short(on()),
		Objects: []runtime.Object{deployment(),
			pa(onRequests(customMetric)...), promSO, hpa(withHPAReplicas(1, 1)), sks(WithSKSReady),
		},
		Key: key(),
	}}.Test(t, MakeFactory(func(ctx context.Context, l *Listers, _ configmap.Watcher) controller.Reconciler {
		r := newTestReconciler(ctx, l)
		s, _ := ctx.Value(burstKey{}).(bool)
		r.zero = fixedDemand{signal: scaletozero.Signal{State: scaletozero.SignalReadable}, short: s}
		return newPAReconciler(ctx, logging.FromContext(ctx), servingclient.Get(ctx), l.GetPodAutoscalerLister(),
			controller.GetEventRecorder(ctx), r, autoscaling.HPA, controller.Options{ConfigStore: &testConfigStore{}})
	}))
}
