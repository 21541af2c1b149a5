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

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
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

func (c *Cluster) startMetricsServer(ctx context.Context, bin string) error {
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
	return nil
}

// registerAPIService points APIService name (group, v1beta1) at a local
// process listening on 127.0.0.1:port, through an ExternalName localhost
// Service ns/svcName, and waits until the aggregator finds it Available.
func (c *Cluster) registerAPIService(ctx context.Context, p *Process, name, group, ns, svcName string, port int) error {
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: svcName},
		Spec: corev1.ServiceSpec{
			Type:         corev1.ServiceTypeExternalName,
			ExternalName: "localhost",
			Ports:        []corev1.ServicePort{{Name: "https", Port: int32(port)}},
		},
	}
	if _, err := c.client.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("Service %s/%s: %w", ns, svcName, err)
	}
	dc, err := dynamic.NewForConfig(c.config)
	if err != nil {
		return err
	}
	// The certificate names localhost, not the Service: no caBundle.
	apiSvc := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiregistration.k8s.io/v1",
		"kind":       "APIService",
		"metadata":   map[string]any{"name": name},
		"spec": map[string]any{
			"group":                 group,
			"version":               "v1beta1",
			"service":               map[string]any{"namespace": ns, "name": svcName, "port": int64(port)},
			"insecureSkipTLSVerify": true,
			"groupPriorityMinimum":  int64(100),
			"versionPriority":       int64(100),
		},
	}}
	if _, err := dc.Resource(apiServices).Create(ctx, apiSvc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("APIService %s: %w", name, err)
	}
	var last string
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, c.opts.StartTimeout, true, func(ctx context.Context) (bool, error) {
		if err := p.unexpectedExit(); err != nil {
			return false, err
		}
		got, err := dc.Resource(apiServices).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			last = err.Error()
			return false, nil
		}
		conds, _, _ := unstructured.NestedSlice(got.Object, "status", "conditions")
		for _, ci := range conds {
			cond, _ := ci.(map[string]any)
			if cond["type"] == "Available" {
				last = fmt.Sprintf("Available=%v %v: %v", cond["status"], cond["reason"], cond["message"])
				return cond["status"] == "True", nil
			}
		}
		last = "no Available condition"
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("APIService %s not available through the aggregation layer: %w (last: %s)\n%s", name, err, last, tailFile(p.LogPath, 20))
	}
	return nil
}
