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
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/serving/pkg/apis/autoscaling"

	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/deploy"
	"github.com/serving-keda/serving-keda/test/harness"
)

// TestKEDAClass: with only this controller's own class configured, a
// revision of that class gets its ScaledObject and KEDA's HPA, and one of
// the HPA class is left alone (for Serving's autoscaler-hpa); adding the HPA
// class to the config map, without a restart, takes that revision too. It
// runs on an env of its own, as it changes cluster-wide configuration.
func TestKEDAClass(t *testing.T) {
	e := harness.StartForTest(t, harness.Options{Before: func(ctx context.Context, e *harness.Env) error {
		return e.SetConfigMap(ctx, config.KEDAConfigName, map[string]string{config.ClassesKey: config.KEDAClass})
	}})
	ctx := context.Background()
	ns := e.Namespace(t)
	const keda, hpa = "keda-class-00001", "hpa-class-00001"
	// The HPA-class revision first: the controller's PodAutoscaler watch
	// delivers it before the other, so once the other is handled, this
	// one has been filtered (or queued ahead of it).
	e.RevisionWith(t, ns, hpa, nil, harness.CPURequest)
	// The metric as Serving's defaulting leaves it on a PodAutoscaler of a
	// class it does not know: empty (the HPA class gets cpu).
	e.RevisionWith(t, ns, keda, map[string]string{
		autoscaling.ClassAnnotationKey: config.KEDAClass, autoscaling.MetricAnnotationKey: "",
	}, harness.CPURequest)

	start := time.Now()
	so := e.ScaledObject(t, ns, keda, createTimeout)
	if got := so.Annotations[autoscaling.ClassAnnotationKey]; got != config.KEDAClass {
		t.Errorf("ScaledObject's class annotation = %q, want %q", got, config.KEDAClass)
	}
	if len(so.Spec.Triggers) != 1 || so.Spec.Triggers[0].Type != "cpu" {
		t.Errorf("ScaledObject's triggers = %+v, want the HPA class's default: one cpu trigger", so.Spec.Triggers)
	}
	e.HPA(t, ns, keda, harness.KEDATimeout)
	t.Logf("KEDA-class revision: ScaledObject and KEDA's HPA in %v", time.Since(start).Round(time.Millisecond))

	// The HPA-class revision, created just before: nothing of ours once the
	// other was handled (a whole reconcile, its generation observed, after
	// its ScaledObject and KEDA's HPA), neither ScaledObject nor status.
	e.Reconciled(t, ns, keda, harness.ControllerTimeout)
	assertUntouched := func() {
		t.Helper()
		if _, err := e.KEDA.KedaV1alpha1().ScaledObjects(ns).Get(ctx, hpa, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("ScaledObject of the HPA-class revision: err = %v, want NotFound", err)
		}
		pa, err := e.Serving.AutoscalingV1alpha1().PodAutoscalers(ns).Get(ctx, hpa, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(pa.Status.Conditions) != 0 {
			t.Errorf("HPA-class PA has conditions %+v, want none (left to Serving's autoscaler-hpa)", pa.Status.Conditions)
		}
	}
	assertUntouched()

	// Both classes: the HPA-class revision is taken at once.
	if err := e.SetConfigMap(ctx, config.KEDAConfigName, map[string]string{
		config.ClassesKey: fmt.Sprintf("%s,%s", config.KEDAClass, autoscaling.HPA),
	}); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	e.ScaledObject(t, ns, hpa, harness.ControllerTimeout)
	t.Logf("HPA class added to %s: the HPA-class revision's ScaledObject %v later, no restart",
		config.ClassesKey, time.Since(start).Round(time.Millisecond))
}

// TestKEDAClassBesideAutoscalerHPA: Serving's autoscaler-hpa and this
// controller, configured with its own class only, on one cluster: each
// revision is handled by exactly one of them. The HPA-class revision gets
// the HPA autoscaler-hpa writes (controlled by its PodAutoscaler) and no
// ScaledObject; the KEDA-class revision gets a ScaledObject and KEDA's HPA,
// and autoscaler-hpa writes nothing for it. Needs autoscaler-hpa, which
// make cluster-serving builds (hack/build-cluster.sh serving-autoscaler-hpa).
func TestKEDAClassBesideAutoscalerHPA(t *testing.T) {
	ctx := context.Background()
	servingDir, err := cluster.ModuleDir(ctx, "knative.dev/serving")
	if err != nil {
		t.Fatal(err)
	}
	binary, err := cluster.BinaryPath("", cluster.ServingAutoscalerHPA)
	if err != nil {
		t.Fatalf("Serving's autoscaler-hpa is not built (make cluster-serving): %v", err)
	}
	e := harness.StartForTest(t, harness.Options{Before: func(ctx context.Context, e *harness.Env) error {
		return e.SetConfigMap(ctx, config.KEDAConfigName, map[string]string{config.ClassesKey: config.KEDAClass})
	}})
	startAutoscalerHPA(t, e, servingDir, binary)

	ns := e.Namespace(t)
	// In this order, so that each controller's PodAutoscaler watch delivers
	// a revision of the class it must leave alone before one it handles:
	// once this controller has handled keda, it has filtered before; once
	// autoscaler-hpa has handled hpa, it has filtered keda.
	const before, keda, hpa = "beside-hpa-before-00001", "beside-keda-00001", "beside-hpa-00001"
	beforePA := e.RevisionWith(t, ns, before, nil, harness.CPURequest)
	kedaPA := e.RevisionWith(t, ns, keda, map[string]string{
		autoscaling.ClassAnnotationKey: config.KEDAClass, autoscaling.MetricAnnotationKey: "",
	}, harness.CPURequest)
	hpaPA := e.RevisionWith(t, ns, hpa, nil, harness.CPURequest)

	start := time.Now()
	for name, pa := range map[string]metav1.Object{before: beforePA, hpa: hpaPA} {
		servingHPA := harness.Get(t, createTimeout, "autoscaler-hpa's HPA "+name, func() (*autoscalingv2.HorizontalPodAutoscaler, error) {
			return e.Kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, name, metav1.GetOptions{})
		})
		if !metav1.IsControlledBy(servingHPA, pa) {
			t.Errorf("HPA %s is controlled by %+v, want its PodAutoscaler (autoscaler-hpa's)", name, servingHPA.OwnerReferences)
		}
	}
	t.Logf("HPA-class revisions: autoscaler-hpa's HPAs in %v", time.Since(start).Round(time.Millisecond))

	so := e.ScaledObject(t, ns, keda, createTimeout)
	if !metav1.IsControlledBy(so, kedaPA) {
		t.Errorf("ScaledObject %s is controlled by %+v, want its PodAutoscaler", keda, so.OwnerReferences)
	}
	kedaHPA := e.HPA(t, ns, keda, harness.KEDATimeout)
	if !metav1.IsControlledBy(kedaHPA, so) {
		t.Errorf("HPA %s is controlled by %+v, want KEDA's ScaledObject (and not autoscaler-hpa)", keda, kedaHPA.OwnerReferences)
	}
	t.Logf("KEDA-class revision: ScaledObject and KEDA's HPA %v after start", time.Since(start).Round(time.Millisecond))

	// Still one owner each, after one more whole reconcile of this
	// controller (its generation observed) and after autoscaler-hpa's
	// reconcile of the revision created after keda.
	e.Reconciled(t, ns, keda, harness.ControllerTimeout)
	for _, name := range []string{before, hpa} {
		if _, err := e.KEDA.KedaV1alpha1().ScaledObjects(ns).Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("ScaledObject of the HPA-class revision %s: err = %v, want NotFound", name, err)
		}
	}
	for name, owner := range map[string]metav1.Object{before: beforePA, hpa: hpaPA, keda: so} {
		h, err := e.Kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !metav1.IsControlledBy(h, owner) {
			t.Errorf("HPA %s now controlled by %+v", name, h.OwnerReferences)
		}
	}
	// autoscaler-hpa, had it taken keda, would have found KEDA's HPA not
	// its own and said so on the PA.
	for _, c := range e.PodAutoscaler(t, ns, keda).Status.Conditions {
		if c.Reason == "NotOwned" {
			t.Errorf("KEDA-class PA %s=%s NotOwned: %s (autoscaler-hpa reconciled it)", c.Type, c.Status, c.Message)
		}
	}
}

// startAutoscalerHPA runs Serving's autoscaler-hpa with the admin
// kubeconfig and the config maps it reads, until the test ends.
func startAutoscalerHPA(t *testing.T, e *harness.Env, servingDir, binary string) {
	t.Helper()
	ctx := context.Background()
	networkingDir, err := cluster.ModuleDir(ctx, "knative.dev/networking")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{
		filepath.Join(servingDir, "config", "core", "configmaps", "deployment.yaml"),
		filepath.Join(networkingDir, "config", "config-network.yaml"),
	} {
		if err := deploy.ApplyFile(ctx, e.Kube, f); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatalf("%s: %v", f, err)
		}
	}
	metrics, err := cluster.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.Cluster.StartProcess("serving-autoscaler-hpa", binary, []string{"--kubeconfig=" + e.Cluster.Kubeconfig()}, []string{
		"SYSTEM_NAMESPACE=" + deploy.SystemNamespace,
		"CONFIG_LOGGING_NAME=config-logging",
		"CONFIG_OBSERVABILITY_NAME=config-observability",
		"POD_NAME=autoscaler-hpa",
		fmt.Sprintf("METRICS_PROMETHEUS_PORT=%d", metrics),
		"PROFILING_PORT=0",
	})
	if err != nil {
		t.Fatal(err)
	}
	harness.Eventually(t, time.Minute, "autoscaler-hpa started", func() (bool, string) {
		if exited, err := p.Exited(); exited {
			t.Fatalf("autoscaler-hpa exited: %v; log %s", err, p.LogPath)
		}
		b, _ := os.ReadFile(p.LogPath)
		return bytes.Contains(b, []byte("Starting controllers...")), "no \"Starting controllers...\" in " + p.LogPath
	})
}
