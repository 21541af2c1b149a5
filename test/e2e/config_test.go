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
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/ptr"
	"knative.dev/serving/pkg/apis/autoscaling"

	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/pkg/translate"
	"github.com/serving-keda/serving-keda/test/deploy"
	"github.com/serving-keda/serving-keda/test/harness"
)

// TestConfigMapChange: a change of config-autoscaler-keda resyncs every
// hpa-class PA: each ScaledObject without its own polling interval takes
// the new default within seconds, and loses it when the key goes. It runs on
// an env of its own, as it changes cluster-wide configuration.
func TestConfigMapChange(t *testing.T) {
	e := harness.StartForTest(t, harness.Options{})
	ctx := context.Background()
	ns := e.Namespace(t)
	follow := []string{"cfg-cpu-00001", "cfg-mem-00001", "cfg-other-00001"}
	e.RevisionWith(t, ns, follow[0], nil, harness.CPURequest)
	e.RevisionWith(t, ns, follow[1], map[string]string{autoscaling.MetricAnnotationKey: autoscaling.Memory}, harness.MemoryRequest)
	e.RevisionWith(t, ns, follow[2], map[string]string{autoscaling.TargetAnnotationKey: "50"}, harness.CPURequest)
	const own = "cfg-own-00001" // sets its own interval, which wins
	e.RevisionWith(t, ns, own, map[string]string{translate.PollingIntervalAnnotationKey: "3"}, harness.CPURequest)
	const kpa = "cfg-kpa-00001" // another class: not this controller's
	e.Revision(t, ns, kpa, map[string]string{autoscaling.ClassAnnotationKey: autoscaling.KPA})

	for _, n := range append(follow, own) {
		e.ScaledObject(t, ns, n, createTimeout)
	}

	pollingIntervals := func(want *int32) func() (bool, string) {
		return func() (bool, string) {
			got := map[string]string{}
			ok := true
			for _, n := range append(follow, own) {
				so, err := e.KEDA.KedaV1alpha1().ScaledObjects(ns).Get(ctx, n, metav1.GetOptions{})
				if err != nil {
					return false, err.Error()
				}
				w := want
				if n == own {
					w = ptr.Int32(3)
				}
				got[n] = fmt.Sprint(ptr.Int32Value(so.Spec.PollingInterval))
				if so.Spec.PollingInterval == nil {
					got[n] = "unset"
				}
				if (w == nil) != (so.Spec.PollingInterval == nil) || (w != nil && *w != *so.Spec.PollingInterval) {
					ok = false
				}
			}
			return ok, fmt.Sprintf("pollingInterval: %v", got)
		}
	}
	harness.Eventually(t, harness.ControllerTimeout, "initial polling intervals (KEDA's default)", pollingIntervals(nil))

	setConfig := func(key, value string) {
		t.Helper()
		cms := e.Kube.CoreV1().ConfigMaps(deploy.SystemNamespace)
		cm, err := cms.Get(ctx, config.KEDAConfigName, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if cm.Data == nil {
			cm.Data = map[string]string{}
		}
		if value == "" {
			delete(cm.Data, key)
		} else {
			cm.Data[key] = value
		}
		if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	setConfig(config.PollingIntervalKey, "7s")
	start := time.Now()
	harness.Eventually(t, harness.ControllerTimeout, "polling-interval 7s applied", pollingIntervals(ptr.Int32(7)))
	t.Logf("polling-interval 7s on every ScaledObject %v after the config map update", time.Since(start).Round(time.Millisecond))

	setConfig(config.PollingIntervalKey, "")
	start = time.Now()
	harness.Eventually(t, harness.ControllerTimeout, "polling-interval removed", pollingIntervals(nil))
	t.Logf("polling-interval gone from every ScaledObject %v after the key's removal", time.Since(start).Round(time.Millisecond))

	if _, err := e.KEDA.KedaV1alpha1().ScaledObjects(ns).Get(ctx, kpa, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("ScaledObject for the kpa-class PA: err = %v, want NotFound", err)
	}
}
