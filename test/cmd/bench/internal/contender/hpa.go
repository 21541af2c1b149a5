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

package contender

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/result"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/waitfor"
	"github.com/serving-keda/serving-keda/test/deploy"
	"github.com/serving-keda/serving-keda/test/harness/probe"
)

// hpaProbesPort is where Serving's autoscaler-hpa serves its probes: fixed,
// it has no PROBES_PORT.
const hpaProbesPort = 8080

// servingConfigMaps are the config maps Serving's autoscaler-hpa reads.
var servingConfigMaps = []string{"autoscaler.yaml", "deployment.yaml", "logging.yaml", "observability.yaml", "leader-election.yaml"}

// StartAutoscalerHPA runs Serving's autoscaler-hpa (binary) with the admin
// kubeconfig and Serving's config maps, and waits until it is ready.
func StartAutoscalerHPA(ctx context.Context, e Env, binary string) (*Process, error) {
	if err := applyServingConfig(ctx, e); err != nil {
		return nil, err
	}
	p, env, err := observable(ctx, e.Kube)
	if err != nil {
		return nil, err
	}
	readiness := fmt.Sprintf("http://127.0.0.1:%d/readiness", hpaProbesPort)
	if probe.OK(ctx, readiness) {
		return nil, fmt.Errorf("something already answers on 127.0.0.1:%d, where Serving's autoscaler-hpa serves its probes", hpaProbesPort)
	}
	p.Process, err = e.Cluster.StartProcess(result.HPA, binary, []string{
		"--kubeconfig=" + e.Cluster.Kubeconfig(),
		fmt.Sprintf("--kube-api-qps=%d", e.QPS),
		fmt.Sprintf("--kube-api-burst=%d", e.Burst),
	}, append([]string{
		"SYSTEM_NAMESPACE=" + deploy.SystemNamespace,
		"CONFIG_LOGGING_NAME=config-logging",
		"CONFIG_OBSERVABILITY_NAME=config-observability",
		"POD_NAME=autoscaler-hpa",
	}, env...))
	if err != nil {
		return nil, err
	}
	if err := waitHPAReady(ctx, p.Process, readiness); err != nil {
		return nil, err
	}
	e.Logf("autoscaler-hpa running (pid %d) with the admin kubeconfig", p.PID())
	return p, nil
}

// applyServingConfig applies Serving's config maps (config/core/configmaps)
// and networking's config-network from the module cache.
func applyServingConfig(ctx context.Context, e Env) error {
	serving, err := cluster.ModuleDir(ctx, "knative.dev/serving")
	if err != nil {
		return err
	}
	networking, err := cluster.ModuleDir(ctx, "knative.dev/networking")
	if err != nil {
		return err
	}
	var files []string
	for _, f := range servingConfigMaps {
		files = append(files, filepath.Join(serving, "config", "core", "configmaps", f))
	}
	files = append(files, filepath.Join(networking, "config", "config-network.yaml"))
	for _, f := range files {
		if err := deploy.ApplyFile(ctx, e.Kube, f); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	return nil
}

// waitHPAReady waits up to a minute for autoscaler-hpa to start its
// controllers and answer its readiness probe.
func waitHPAReady(ctx context.Context, proc *cluster.Process, readiness string) error {
	deadline := time.Now().Add(time.Minute)
	for {
		if exited, err := proc.Exited(); exited {
			return fmt.Errorf("autoscaler-hpa exited during start-up: %v; log %s", err, proc.LogPath)
		}
		b, _ := os.ReadFile(proc.LogPath)
		if bytes.Contains(b, []byte("Starting controllers...")) && probe.OK(ctx, readiness) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("autoscaler-hpa not ready after 1m; log %s", proc.LogPath)
		}
		if err := waitfor.Sleep(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
}
