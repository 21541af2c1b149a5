/*
Copyright The serving-keda Authors

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
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
)

// apiServices is the APIService resource (k8s.io/kube-aggregator is not a
// dependency of the main module: a dynamic client writes it).
var apiServices = schema.GroupVersionResource{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"}

// KEDA's metrics adapter (Options.KEDAAdapter): external.metrics.k8s.io
// served through the API server's aggregation layer, so that the HPA
// controller reads the values KEDA's operator computes. The API server
// reaches the adapter through an ExternalName localhost Service (an
// APIService cannot point at 127.0.0.0/8 Endpoints); the adapter listens on
// 127.0.0.1 only and reads the metrics from the operator's gRPC service,
// authenticated with the operator's certificates.

// KEDAAdapterService is the ExternalName Service the APIService names.
const KEDAAdapterService = "keda-metrics-apiserver"

// externalMetricsAPIService is the APIService KEDA's adapter serves.
const externalMetricsAPIService = "v1beta1.external.metrics.k8s.io"

// aggregationFlags writes a front-proxy CA and client certificate into dir
// and returns the kube-apiserver flags of the aggregation layer (envtest
// sets none).
func aggregationFlags(dir string) (map[string]string, error) {
	if err := WriteServingCerts(dir, "front-proxy-client"); err != nil {
		return nil, err
	}
	return map[string]string{
		"requestheader-client-ca-file":       filepath.Join(dir, "ca.crt"),
		"requestheader-allowed-names":        "front-proxy-client",
		"requestheader-username-headers":     "X-Remote-User",
		"requestheader-group-headers":        "X-Remote-Group",
		"requestheader-extra-headers-prefix": "X-Remote-Extra-",
		"proxy-client-cert-file":             filepath.Join(dir, "tls.crt"),
		"proxy-client-key-file":              filepath.Join(dir, "tls.key"),
	}, nil
}

func (c *Cluster) startKEDAAdapter(ctx context.Context) error {
	bin := c.bin(KEDAAdapter)
	t0 := time.Now()
	ports, err := freePorts(2)
	if err != nil {
		return err
	}
	securePort := ports[0]
	dir := c.KEDACertDir // the operator's: its gRPC service trusts this CA
	args := []string{
		"--secure-port=" + strconv.Itoa(securePort),
		"--bind-address=127.0.0.1",
		"--cert-dir=" + dir,
		"--tls-cert-file=" + filepath.Join(dir, "tls.crt"),
		"--tls-private-key-file=" + filepath.Join(dir, "tls.key"),
		"--lister-kubeconfig=" + c.kubeconfig,
		"--authentication-kubeconfig=" + c.kubeconfig,
		"--authorization-kubeconfig=" + c.kubeconfig,
		"--metrics-service-address=" + c.KEDAMetricsServiceAddr,
		// Its own Prometheus metrics; it binds every interface (":PORT"),
		// default 8080, which Serving's controller's probes hold.
		"--port=" + strconv.Itoa(ports[1]),
	}
	env := []string{
		// controller-runtime's client (the adapter's ScaledObject reads)
		// takes no flag here.
		"KUBECONFIG=" + c.kubeconfig,
		"WATCH_NAMESPACE=",
		"POD_NAMESPACE=" + KEDANamespace,
		"KEDA_CLUSTER_OBJECT_NAMESPACE=" + KEDANamespace,
	}
	p, err := c.StartProcess(KEDAAdapter, bin, args, env)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.KEDAAdapter = p
	c.mu.Unlock()

	// The operator's certificate names keda-operator.keda.svc, not the
	// adapter's Service: insecureSkipTLSVerify, as KEDA's own manifests do
	// unless cert-manager injects a CA.
	if err := c.registerAPIService(ctx, p, externalMetricsAPIService, "external.metrics.k8s.io", KEDANamespace, KEDAAdapterService, securePort); err != nil {
		return fmt.Errorf("KEDA's metrics adapter: %w", err)
	}
	c.opts.logf("cluster: KEDA's metrics adapter available through the aggregation layer in %v", time.Since(t0).Round(time.Millisecond))
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
	// The local processes' certificates name neither the Service nor a CA
	// the aggregator knows: no caBundle.
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
