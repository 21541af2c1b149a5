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

// Command local-demo is `make run`: a local control plane (etcd,
// kube-apiserver, kube-controller-manager), KEDA's operator and this
// controller, with a sample revision scaled on a Prometheus metric. It
// prints the objects and the KUBECONFIG to inspect them with, and runs
// until Ctrl-C, then stops everything it started.
package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/ptr"
	"knative.dev/serving/pkg/apis/autoscaling"

	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/pkg/translate"
	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/deploy"
	"github.com/serving-keda/serving-keda/test/harness"
	"github.com/serving-keda/serving-keda/test/harness/prometheus"
)

const (
	namespace = "demo"
	service   = "hello"
	revision  = "hello-00001"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "local-demo:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logf := func(format string, args ...any) { fmt.Printf("==> "+format+"\n", args...) }

	// The sample metric: a request rate that drifts between 5 and 30, so
	// KEDA has a real metric to read.
	prom, err := prometheus.Start(0)
	if err != nil {
		return err
	}
	defer prom.Close()
	prom.SetFunc(func(_ string, now time.Time) float64 { return 17.5 + 12.5*math.Sin(float64(now.Unix())/60) })
	logf("a Prometheus-compatible endpoint for the sample metric answers at %s", prom.URL)

	logf("starting etcd, kube-apiserver, kube-controller-manager and KEDA's operator; installing config/; building and starting autoscaler-keda under its ServiceAccount")
	defer harness.Cleanup()
	e, err := harness.Start(ctx, harness.Options{
		// The HPA controller fills the HPA's replica counts from the
		// Deployment; with no metrics API it cannot change them, which is
		// fine for a demo.
		Cluster: cluster.Options{Logf: logf, KeepLogs: true, HPAController: true},
		Before: func(ctx context.Context, e *harness.Env) error {
			return e.SetConfigMap(ctx, config.KEDAConfigName, map[string]string{config.PrometheusAddressKey: prom.URL})
		},
	})
	if err != nil {
		return err
	}
	defer func() {
		logf("stopping everything the demo started")
		if err := e.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stop:", err)
		}
	}()

	logf("creating the sample revision %s/%s (its Deployment and PodAutoscaler, as Serving would)", namespace, revision)
	if err := e.Cluster.CreateNamespace(ctx, namespace); err != nil {
		return err
	}
	d, pa := deploy.Revision(namespace, revision, service, map[string]string{
		autoscaling.MetricAnnotationKey:        "http_requests_per_second",
		autoscaling.TargetAnnotationKey:        "10",
		autoscaling.MinScaleAnnotationKey:      "1",
		autoscaling.MaxScaleAnnotationKey:      "10",
		autoscaling.WindowAnnotationKey:        "1m",
		translate.PrometheusQueryAnnotationKey: `sum(rate(http_requests_total{namespace="{{.Namespace}}",service="{{.Service}}"}[1m]))`,
		translate.PollingIntervalAnnotationKey: "5",
	})
	if _, err := e.CreateRevision(ctx, d, pa); err != nil {
		return err
	}
	if err := harness.Poll(ctx, 200*time.Millisecond, 60*time.Second, func() (bool, string) {
		_, err := e.Kube.AutoscalingV2().HorizontalPodAutoscalers(namespace).Get(ctx, revision, metav1.GetOptions{})
		return err == nil, fmt.Sprint(err)
	}); err != nil {
		return fmt.Errorf("KEDA's HPA %s/%s: %w", namespace, revision, err)
	}
	if err := markSKSReady(ctx, e); err != nil {
		return err
	}
	logf("waiting for the PodAutoscaler to become Ready (KEDA queries the metric, the HPA controller syncs)")
	if err := harness.Poll(ctx, 500*time.Millisecond, 90*time.Second, func() (bool, string) {
		pa, err := e.Serving.AutoscalingV1alpha1().PodAutoscalers(namespace).Get(ctx, revision, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return pa.IsReady(), harness.Condition(pa, "Ready")
	}); err != nil {
		fmt.Println("    the PodAutoscaler is not Ready:", err)
	}

	fmt.Println()
	if err := printObjects(ctx, e); err != nil {
		return err
	}
	fmt.Printf(`
The local control plane runs. In another shell:

  export KUBECONFIG=%s
  kubectl get scaledobjects,hpa,podautoscalers -n %s
  kubectl get podautoscaler %s -n %s -o yaml

Component logs are in %s (the controller's is autoscaler-keda*.log).
Press Ctrl-C to stop everything.
`, e.Cluster.Kubeconfig(), namespace, revision, namespace, e.Cluster.LogDir())

	ticker := time.NewTicker(30 * time.Second)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			fmt.Println()
			return nil
		case <-ticker.C:
			if err := e.Cluster.Healthy(); err != nil {
				return err
			}
		}
	}
}

// markSKSReady does what Serving's ServerlessService reconciler (not part
// of this control plane) does once the revision's endpoints exist.
func markSKSReady(ctx context.Context, e *harness.Env) error {
	skss := e.Networking.NetworkingV1alpha1().ServerlessServices(namespace)
	err := harness.Poll(ctx, 200*time.Millisecond, 30*time.Second, func() (bool, string) {
		sks, err := skss.Get(ctx, revision, metav1.GetOptions{})
		if err == nil {
			sks.Status.InitializeConditions()
			sks.Status.ServiceName = revision
			sks.Status.PrivateServiceName = revision + "-private"
			sks.Status.MarkEndpointsReady()
			sks.Status.ObservedGeneration = sks.Generation
			_, err = skss.UpdateStatus(ctx, sks, metav1.UpdateOptions{})
		}
		return err == nil, fmt.Sprint(err)
	})
	if err != nil {
		return fmt.Errorf("marking the ServerlessService ready: %w", err)
	}
	return nil
}

// printObjects prints what `kubectl get scaledobjects,hpa,podautoscalers`
// shows, so the demo needs no kubectl.
func printObjects(ctx context.Context, e *harness.Env) error {
	kube, keda, sv := e.Kube, e.KEDA, e.Serving
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 3, ' ', 0)
	sos, err := keda.KedaV1alpha1().ScaledObjects(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "NAME\tSCALETARGETNAME\tMIN\tMAX\tTRIGGERS\tREADY\tACTIVE")
	for _, so := range sos.Items {
		var types []string
		for _, t := range so.Spec.Triggers {
			types = append(types, t.Type)
		}
		ready, active := "Unknown", "Unknown"
		for _, cnd := range so.Status.Conditions {
			switch cnd.Type {
			case "Ready":
				ready = string(cnd.Status)
			case "Active":
				active = string(cnd.Status)
			}
		}
		fmt.Fprintf(w, "scaledobject.keda.sh/%s\t%s\t%d\t%d\t%s\t%s\t%s\n", so.Name, so.Spec.ScaleTargetRef.Name,
			ptr.Int32Value(so.Spec.MinReplicaCount), ptr.Int32Value(so.Spec.MaxReplicaCount), strings.Join(types, ","), ready, active)
	}
	fmt.Fprintln(w)
	hpas, err := kube.AutoscalingV2().HorizontalPodAutoscalers(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "NAME\tREFERENCE\tMINPODS\tMAXPODS\tREPLICAS")
	for _, h := range hpas.Items {
		fmt.Fprintf(w, "horizontalpodautoscaler.autoscaling/%s\t%s/%s\t%d\t%d\t%d\n", h.Name, h.Spec.ScaleTargetRef.Kind, h.Spec.ScaleTargetRef.Name,
			ptr.Int32Value(h.Spec.MinReplicas), h.Spec.MaxReplicas, h.Status.CurrentReplicas)
	}
	fmt.Fprintln(w)
	pas, err := sv.AutoscalingV1alpha1().PodAutoscalers(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "NAME\tDESIREDSCALE\tACTUALSCALE\tREADY\tREASON")
	for _, pa := range pas.Items {
		ready, reason := "Unknown", ""
		if cnd := pa.Status.GetCondition("Ready"); cnd != nil {
			ready, reason = string(cnd.Status), cnd.Reason
		}
		fmt.Fprintf(w, "podautoscaler.autoscaling.internal.knative.dev/%s\t%d\t%d\t%s\t%s\n", pa.Name,
			ptr.Int32Value(pa.Status.DesiredScale), ptr.Int32Value(pa.Status.ActualScale), ready, reason)
	}
	return w.Flush()
}
