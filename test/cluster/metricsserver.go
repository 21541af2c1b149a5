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

package cluster

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"time"
)

// metrics-server (Options.MetricsServer): metrics.k8s.io, the resource
// metrics API the HPA controller reads for cpu and memory targets, served
// by the real metrics-server through the API server's aggregation layer.
// It scrapes kwok's Node as it would a kubelet: at the Node's InternalIP
// (127.0.0.1, kwok's --node-ip), on the port the Node reports for its
// kubelet (kwok's server), at the path the Node's
// ResourceMetricsPathAnnotation names; kwok's certificate is its own, so
// --kubelet-insecure-tls. The usage itself is simulated (SetKwokUsage);
// everything from the scrape on is real. As for KEDA's adapter, the API
// server reaches metrics-server, which listens on 127.0.0.1 only, through
// an ExternalName localhost Service.

// MetricsServerService is the ExternalName Service (in kube-system) the
// APIService names.
const MetricsServerService = "metrics-server"

// MetricsServerResolution is metrics-server's scrape period, the smallest
// it accepts. A cpu rate needs two scrapes of a container.
const MetricsServerResolution = 10 * time.Second

// resourceMetricsAPIService is the APIService metrics-server serves.
const resourceMetricsAPIService = "v1beta1.metrics.k8s.io"

func (c *Cluster) startMetricsServer(ctx context.Context) error {
	bin := c.bin(MetricsServer)
	t0 := time.Now()
	c.mu.Lock()
	kwokPort := c.kwokPort
	c.mu.Unlock()
	if kwokPort == 0 {
		return fmt.Errorf("metrics-server needs kwok's server (Options.Kwok)")
	}
	port, err := FreePort()
	if err != nil {
		return err
	}
	dir := filepath.Join(c.workDir, "metrics-server")
	if err := WriteServingCerts(dir, "localhost", MetricsServerService+".kube-system.svc"); err != nil {
		return err
	}
	args := []string{
		"--kubeconfig=" + c.kubeconfig,
		"--authentication-kubeconfig=" + c.kubeconfig,
		"--authorization-kubeconfig=" + c.kubeconfig,
		"--secure-port=" + strconv.Itoa(port),
		"--bind-address=127.0.0.1",
		"--tls-cert-file=" + filepath.Join(dir, "tls.crt"),
		"--tls-private-key-file=" + filepath.Join(dir, "tls.key"),
		"--metric-resolution=" + MetricsServerResolution.String(),
		// At most 9/10 of the resolution (metrics-server checks).
		"--kubelet-request-timeout=5s",
		"--kubelet-preferred-address-types=InternalIP",
		"--kubelet-use-node-status-port",
		"--kubelet-port=" + strconv.Itoa(kwokPort),
		"--kubelet-insecure-tls",
		"--v=2",
	}
	p, err := c.StartProcess(MetricsServer, bin, args, nil)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.MetricsServer = p
	c.mu.Unlock()
	if err := c.registerAPIService(ctx, p, resourceMetricsAPIService, "metrics.k8s.io", "kube-system", MetricsServerService, port); err != nil {
		return fmt.Errorf("metrics-server: %w", err)
	}
	c.opts.logf("cluster: metrics-server available through the aggregation layer in %v", time.Since(t0).Round(time.Millisecond))
	return nil
}
