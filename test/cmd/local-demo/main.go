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

	kedaclientset "github.com/kedacore/keda/v2/pkg/generated/clientset/versioned"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	networkingclientset "knative.dev/networking/pkg/client/clientset/versioned"
	"knative.dev/pkg/ptr"
	"knative.dev/serving/pkg/apis/autoscaling"
	servingclientset "knative.dev/serving/pkg/client/clientset/versioned"

	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/pkg/translate"
	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/deploy"
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

	logf("starting etcd, kube-apiserver, kube-controller-manager and KEDA's operator")
	// The HPA controller fills the HPA's replica counts from the Deployment;
	// with no metrics API it cannot change them, which is fine for a demo.
	c, err := cluster.Start(ctx, cluster.Options{Logf: logf, KeepLogs: true, HPAController: true})
	if err != nil {
		return err
	}
	defer func() {
		logf("stopping everything the demo started")
		if err := c.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stop:", err)
		}
	}()

	// The sample metric: a request rate that drifts between 5 and 30, so
	// KEDA has a real metric to read.
	prom, err := prometheus.Start(0)
	if err != nil {
		return err
	}
	defer prom.Close()
	prom.SetFunc(func(_ string, now time.Time) float64 { return 17.5 + 12.5*math.Sin(float64(now.Unix())/60) })
	promURL := prom.URL
	logf("a Prometheus-compatible endpoint for the sample metric answers at %s", promURL)

	logf("installing config/ (RBAC, config-autoscaler-keda) and Serving's config maps")
	if err := deploy.Install(ctx, c); err != nil {
		return err
	}
	kube := c.Client()
	cm, err := kube.CoreV1().ConfigMaps(deploy.SystemNamespace).Get(ctx, config.KEDAConfigName, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if cm.Data == nil {
		cm.Data = map[string]string{}
	}
	cm.Data[config.PrometheusAddressKey] = promURL
	if _, err := kube.CoreV1().ConfigMaps(deploy.SystemNamespace).Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		return err
	}

	logf("building and starting autoscaler-keda under its ServiceAccount")
	bin, err := deploy.Build(ctx, c.WorkDir())
	if err != nil {
		return err
	}
	if _, err := deploy.Start(ctx, c, bin, deploy.Options{}); err != nil {
		return err
	}

	logf("creating the sample revision %s/%s (its Deployment and PodAutoscaler, as Serving would)", namespace, revision)
	if err := c.CreateNamespace(ctx, namespace); err != nil {
		return err
	}
	if err := createRevision(ctx, c); err != nil {
		return err
	}

	cfg := c.RESTConfig()
	keda, err := kedaclientset.NewForConfig(cfg)
	if err != nil {
		return err
	}
	sv, err := servingclientset.NewForConfig(cfg)
	if err != nil {
		return err
	}
	if err := waitForHPA(ctx, kube, revision); err != nil {
		return err
	}
	if err := markSKSReady(ctx, c); err != nil {
		return err
	}
	logf("waiting for the PodAutoscaler to become Ready (KEDA queries the metric, the HPA controller syncs)")
	if err := waitForReady(ctx, sv); err != nil {
		fmt.Println("   ", err)
	}

	fmt.Println()
	if err := printObjects(ctx, kube, keda, sv); err != nil {
		return err
	}
	fmt.Printf(`
The local control plane runs. In another shell:

  export KUBECONFIG=%s
  kubectl get scaledobjects,hpa,podautoscalers -n %s
  kubectl get podautoscaler %s -n %s -o yaml

Component logs are in %s (the controller's is autoscaler-keda*.log).
Press Ctrl-C to stop everything.
`, c.Kubeconfig(), namespace, revision, namespace, c.LogDir())

	ticker := time.NewTicker(30 * time.Second)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			fmt.Println()
			return nil
		case <-ticker.C:
			if err := c.Healthy(); err != nil {
				return err
			}
		}
	}
}

// createRevision creates what Serving creates for the revision of a
// Knative Service annotated for this controller.
func createRevision(ctx context.Context, c *cluster.Cluster) error {
	d, pa := deploy.Revision(namespace, revision, service, map[string]string{
		autoscaling.MetricAnnotationKey:   "http_requests_per_second",
		autoscaling.TargetAnnotationKey:   "10",
		autoscaling.MinScaleAnnotationKey: "1",
		autoscaling.MaxScaleAnnotationKey: "10",
		autoscaling.WindowAnnotationKey:   "1m",
		translate.PrometheusQueryKey:      `sum(rate(http_requests_total{namespace="{{.Namespace}}",service="{{.Service}}"}[1m]))`,
		translate.PollingIntervalKey:      "5",
	})
	if _, err := c.Client().AppsV1().Deployments(namespace).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		return err
	}
	sv, err := servingclientset.NewForConfig(c.RESTConfig())
	if err != nil {
		return err
	}
	_, err = sv.AutoscalingV1alpha1().PodAutoscalers(namespace).Create(ctx, pa, metav1.CreateOptions{})
	return err
}

// markSKSReady does what Serving's ServerlessService reconciler (not part
// of this control plane) does once the revision's endpoints exist.
func markSKSReady(ctx context.Context, c *cluster.Cluster) error {
	nc, err := networkingclientset.NewForConfig(c.RESTConfig())
	if err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		sks, err := nc.NetworkingV1alpha1().ServerlessServices(namespace).Get(ctx, revision, metav1.GetOptions{})
		if err == nil {
			sks.Status.InitializeConditions()
			sks.Status.ServiceName = revision
			sks.Status.PrivateServiceName = revision + "-private"
			sks.Status.MarkEndpointsReady()
			sks.Status.ObservedGeneration = sks.Generation
			_, err = nc.NetworkingV1alpha1().ServerlessServices(namespace).UpdateStatus(ctx, sks, metav1.UpdateOptions{})
			if err == nil {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("marking the ServerlessService ready: %w", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// waitForReady waits until the PA is Ready, as a revision would before
// taking traffic.
func waitForReady(ctx context.Context, sv servingclientset.Interface) error {
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		pa, err := sv.AutoscalingV1alpha1().PodAutoscalers(namespace).Get(ctx, revision, metav1.GetOptions{})
		if err == nil && pa.IsReady() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	return fmt.Errorf("the PodAutoscaler is not Ready after 90s; see its conditions below")
}

func waitForHPA(ctx context.Context, kube kubernetes.Interface, name string) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := kube.AutoscalingV2().HorizontalPodAutoscalers(namespace).Get(ctx, name, metav1.GetOptions{}); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("KEDA created no HPA %s/%s within 60s", namespace, name)
}

// printObjects prints what `kubectl get scaledobjects,hpa,podautoscalers`
// shows, so the demo needs no kubectl.
func printObjects(ctx context.Context, kube kubernetes.Interface, keda kedaclientset.Interface, sv servingclientset.Interface) error {
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
