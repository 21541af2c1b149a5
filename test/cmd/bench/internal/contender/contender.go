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

// Package contender starts what the benchmark measures: this project's
// autoscaler-keda, Serving's autoscaler-hpa (the component it replaces),
// and a bare client that only creates the ScaledObjects; and it names the
// clients of the requests in the API server's audit log.
package contender

import (
	"context"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/result"
	"github.com/serving-keda/serving-keda/test/deploy"
)

// User agents of the benchmark's own clients.
const (
	BenchAgent = "serving-keda-bench"
	bareAgent  = "bench-bare-client"
)

// Env is where a contender starts and the client limits it gets.
type Env struct {
	Cluster    *cluster.Cluster
	Kube       kubernetes.Interface // the benchmark's own client
	QPS, Burst int
	PromURL    string // the fake Prometheus KEDA's scalers query
	Logf       func(string, ...any)
}

// Process is a contender's process and the ports of its metrics (the Go
// heap) and profiling endpoints.
type Process struct {
	*cluster.Process
	MetricsPort, PprofPort int
}

// Classify names the client of an audited request: a contender, the
// benchmark, KEDA's operator or its player, or a control-plane component.
func Classify(user, agent string) string {
	switch {
	case user == "system:serviceaccount:"+deploy.SystemNamespace+":"+deploy.ServiceAccount,
		strings.HasPrefix(agent, "autoscaler-keda"):
		return result.KEDA
	case strings.HasPrefix(agent, "serving-autoscaler-hpa"), strings.HasPrefix(agent, "autoscaler-hpa"):
		return result.HPA
	case strings.HasPrefix(agent, bareAgent):
		return result.Bare
	case strings.HasPrefix(agent, BenchAgent):
		return "benchmark"
	case strings.HasPrefix(agent, result.PlayerClient):
		return result.PlayerClient
	case strings.HasPrefix(agent, "keda"):
		return "keda-operator"
	case strings.HasPrefix(agent, "kube-controller-manager"):
		return "kube-controller-manager"
	case strings.HasPrefix(agent, "kube-apiserver"), user == "system:apiserver":
		return "kube-apiserver"
	}
	return "other"
}

// Resync writes config-autoscaler with a key set to its default value:
// nothing changes, but both controllers reconcile every PA again.
func Resync(ctx context.Context, kube kubernetes.Interface) error {
	return updateConfigMap(ctx, kube, "config-autoscaler", map[string]string{
		"container-concurrency-target-default": "100",
	})
}

func updateConfigMap(ctx context.Context, kube kubernetes.Interface, name string, data map[string]string) error {
	cm, err := kube.CoreV1().ConfigMaps(deploy.SystemNamespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if cm.Data == nil {
		cm.Data = map[string]string{}
	}
	for k, v := range data {
		cm.Data[k] = v
	}
	_, err = kube.CoreV1().ConfigMaps(deploy.SystemNamespace).Update(ctx, cm, metav1.UpdateOptions{})
	return err
}

// observable turns on the Prometheus metrics endpoint (for the Go heap) and
// the profiling handler of a knative sharedmain binary in
// config-observability, and picks their ports: it returns the Process to
// fill in and the environment that sets the ports.
func observable(ctx context.Context, kube kubernetes.Interface) (*Process, []string, error) {
	if err := updateConfigMap(ctx, kube, "config-observability", map[string]string{
		"metrics-protocol":  "prometheus",
		"runtime-profiling": "enabled",
	}); err != nil {
		return nil, nil, err
	}
	metrics, pprof, err := ports()
	if err != nil {
		return nil, nil, err
	}
	env := []string{fmt.Sprintf("METRICS_PROMETHEUS_PORT=%d", metrics), fmt.Sprintf("PROFILING_PORT=%d", pprof)}
	return &Process{MetricsPort: metrics, PprofPort: pprof}, env, nil
}

// ports picks two distinct free ports: metrics and profiling.
func ports() (metrics, pprof int, err error) {
	if metrics, err = cluster.FreePort(); err != nil {
		return 0, 0, err
	}
	for {
		if pprof, err = cluster.FreePort(); err != nil || pprof != metrics {
			return metrics, pprof, err
		}
	}
}
