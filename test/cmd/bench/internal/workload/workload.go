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

// Package workload is what Serving creates for N new revisions, spread over
// a few namespaces: each revision's Deployment (one replica, cpu and memory
// requests, as KEDA's resource scalers need) and its PodAutoscaler of the
// HPA class with one of four annotation sets (the "mix").
package workload

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"knative.dev/serving/pkg/apis/autoscaling"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	"knative.dev/serving/pkg/apis/serving"
	servingclientset "knative.dev/serving/pkg/client/clientset/versioned"

	"github.com/serving-keda/serving-keda/pkg/translate"
	"github.com/serving-keda/serving-keda/test/deploy"
)

// Revision names one revision of the workload.
type Revision struct {
	Namespace, Name string
	Mix             string // cpu, cpu-window, memory, prometheus
}

// Key is namespace/name.
func (r Revision) Key() string { return r.Namespace + "/" + r.Name }

// New is the workload of n revisions over namespaces namespaces.
func New(n, namespaces int) []Revision {
	out := make([]Revision, n)
	for i := range out {
		out[i] = Revision{
			Namespace: fmt.Sprintf("bench-%02d", i%namespaces),
			Name:      fmt.Sprintf("rev-%05d", i),
			Mix:       []string{"cpu", "cpu-window", "memory", "prometheus"}[i%4],
		}
	}
	return out
}

// MixDescription documents the annotation sets for the report.
const MixDescription = "25% `metric: cpu, target: 70, min-scale: 1, max-scale: 10`; " +
	"25% `metric: cpu, target: 50-90, window: 2m, max-scale: 20`; " +
	"25% `metric: memory, target: 256` (MiB), `max-scale: 10`; " +
	"25% custom `metric: http_requests_per_second, target: 10, max-scale: 10` with " +
	"`prometheus-query: sum(rate(http_requests_total{namespace=\"{{.Namespace}}\",revision=\"{{.Revision}}\"}[1m]))` " +
	"(address from config-autoscaler-keda: a Prometheus-compatible stub in the benchmark process)"

func (r Revision) annotations(i int) map[string]string {
	a := map[string]string{autoscaling.ClassAnnotationKey: autoscaling.HPA}
	switch r.Mix {
	case "cpu":
		a[autoscaling.MetricAnnotationKey] = autoscaling.CPU
		a[autoscaling.TargetAnnotationKey] = "70"
		a[autoscaling.MinScaleAnnotationKey] = "1"
		a[autoscaling.MaxScaleAnnotationKey] = "10"
	case "cpu-window":
		a[autoscaling.MetricAnnotationKey] = autoscaling.CPU
		a[autoscaling.TargetAnnotationKey] = strconv.Itoa(50 + 10*(i%5))
		a[autoscaling.WindowAnnotationKey] = "2m"
		a[autoscaling.MaxScaleAnnotationKey] = "20"
	case "memory":
		a[autoscaling.MetricAnnotationKey] = autoscaling.Memory
		a[autoscaling.TargetAnnotationKey] = "256"
		a[autoscaling.MaxScaleAnnotationKey] = "10"
	case "prometheus":
		a[autoscaling.MetricAnnotationKey] = "http_requests_per_second"
		a[autoscaling.TargetAnnotationKey] = "10"
		a[autoscaling.MaxScaleAnnotationKey] = "10"
		a[translate.PrometheusQueryAnnotationKey] = `sum(rate(http_requests_total{namespace="{{.Namespace}}",revision="{{.Revision}}"}[1m]))`
	}
	return a
}

// deployment is the revision's Deployment as Serving makes it, the ksvc
// requesting what its mix scales on: KEDA's cpu and memory triggers need
// the user container's request (its webhook refuses them without one), a
// Prometheus revision keeps Knative's default (no request).
func (r Revision) deployment() *appsv1.Deployment {
	var res corev1.ResourceRequirements
	switch r.Mix {
	case "cpu", "cpu-window":
		res = deploy.Requests("100m", "")
	case "memory":
		res = deploy.Requests("", "128Mi")
	}
	d, _ := deploy.RevisionWithResources(r.Namespace, r.Name, "svc-"+r.Name, nil, res)
	return d
}

// PodAutoscaler is revision i's PA.
func (r Revision) PodAutoscaler(i int) *autoscalingv1alpha1.PodAutoscaler {
	_, pa := deploy.Revision(r.Namespace, r.Name, "svc-"+r.Name, r.annotations(i))
	return pa
}

// parallel runs f for 0..n-1 on workers goroutines and returns the first error.
func parallel(n, workers int, f func(i int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}

// CreateDeployments creates every revision's Deployment and waits until the
// deployment controller has made their pods (Pending: there are no nodes),
// so that work is over before the measured window starts.
func CreateDeployments(ctx context.Context, kube kubernetes.Interface, revs []Revision, logf func(string, ...any)) (time.Duration, error) {
	begin := time.Now()
	err := parallel(len(revs), 32, func(i int) error {
		_, err := kube.AppsV1().Deployments(revs[i].Namespace).Create(ctx, revs[i].deployment(), metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			return nil
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("creating Deployments: %w", err)
	}
	for {
		pods, err := kube.CoreV1().Pods("").List(ctx, metav1.ListOptions{LabelSelector: serving.RevisionLabelKey, ResourceVersion: "0"})
		if err != nil {
			return 0, err
		}
		if len(pods.Items) >= len(revs) {
			break
		}
		if time.Since(begin) > 10*time.Minute {
			return 0, fmt.Errorf("only %d of %d pods after 10 minutes", len(pods.Items), len(revs))
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(time.Second):
		}
	}
	logf("%d Deployments and their pods created in %v", len(revs), time.Since(begin).Round(time.Millisecond))
	return time.Since(begin), nil
}

// CreatePodAutoscalers creates every PA at once (32 parallel requests,
// unthrottled client) and returns the time each create call returned.
func CreatePodAutoscalers(ctx context.Context, sc servingclientset.Interface, revs []Revision) (map[string]time.Time, error) {
	var mu sync.Mutex
	created := make(map[string]time.Time, len(revs))
	err := parallel(len(revs), 32, func(i int) error {
		if _, err := sc.AutoscalingV1alpha1().PodAutoscalers(revs[i].Namespace).Create(ctx, revs[i].PodAutoscaler(i), metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("creating PA %s: %w", revs[i].Key(), err)
		}
		now := time.Now()
		mu.Lock()
		created[revs[i].Key()] = now
		mu.Unlock()
		return nil
	})
	return created, err
}

// Shape is the pod shape of the workload's Deployments as the translation
// sees it: one serving container with cpu and memory requests.
var Shape = &translate.Workload{Containers: []translate.Container{{
	Name: "user-container", Ports: true, Sized: []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory},
}}}
