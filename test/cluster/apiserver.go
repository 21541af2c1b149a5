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
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// kube-apiserver, started with etcd by controller-runtime's envtest (etcd's
// configuration: etcd.go), with RBAC, a service-account key pair (so
// ServiceAccount tokens work), the aggregation layer's front-proxy flags
// when KEDA's adapter or metrics-server will register an APIService, and
// the CRDs of the selected releases (Releases.crdPaths), each Established.
// It then writes the admin kubeconfig and the cluster CA, and creates the
// namespaces every cluster has.
func (c *Cluster) startAPIServer(ctx context.Context) error {
	t0 := time.Now()
	crdPaths, err := c.releases.crdPaths(ctx, c.opts)
	if err != nil {
		return fmt.Errorf("finding CRDs: %w", err)
	}
	log, err := c.openLog(KubeAPIServer)
	if err != nil {
		return err
	}
	certDir := filepath.Join(c.workDir, "apiserver")
	if err := os.MkdirAll(certDir, 0o700); err != nil {
		return err
	}
	c.env.ControlPlane.APIServer = &envtest.APIServer{Path: c.bin(KubeAPIServer), CertDir: certDir, Out: log, Err: log}
	c.env.CRDInstallOptions = envtest.CRDInstallOptions{
		Paths:              crdPaths,
		ErrorIfPathMissing: true,
		MaxTime:            c.opts.StartTimeout,
	}
	// envtest already sets --authorization-mode=RBAC, the service-account
	// issuer and key pair (in CertDir), --service-cluster-ip-range and
	// disables the ServiceAccount admission plugin (fine: no pod runs);
	// these are set explicitly so the cluster does not depend on its
	// defaults.
	args := c.env.ControlPlane.GetAPIServer().Configure()
	args.Set("authorization-mode", "RBAC")
	args.Set("service-cluster-ip-range", "10.0.0.0/24")
	args.Set("endpoint-reconciler-type", "none")
	args.Set("service-account-issuer", "https://kubernetes.default.svc.cluster.local")
	args.Set("service-account-key-file", filepath.Join(certDir, "sa-signer.crt"))
	args.Set("service-account-signing-key-file", filepath.Join(certDir, "sa-signer.key"))
	args.Set("advertise-address", "127.0.0.1")
	apiFlags := map[string]string{}
	if c.opts.KEDAAdapter || c.opts.MetricsServer {
		if apiFlags, err = aggregationFlags(filepath.Join(c.workDir, "front-proxy")); err != nil {
			return err
		}
	}
	for k, v := range c.opts.APIServerFlags {
		apiFlags[strings.TrimLeft(k, "-")] = v
	}
	keys := make([]string, 0, len(apiFlags))
	for k := range apiFlags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args.Set(k, apiFlags[k])
	}
	if c.config, err = c.env.Start(); err != nil {
		return fmt.Errorf("starting etcd and kube-apiserver (envtest): %w", err)
	}
	c.recordEnvPIDs(c.bins)
	c.opts.logf("cluster: etcd + kube-apiserver up, %d CRDs installed in %v", len(c.env.CRDs), time.Since(t0).Round(time.Millisecond))
	if c.client, err = kubernetes.NewForConfig(c.config); err != nil {
		return err
	}
	if err := c.waitCRDsEstablished(ctx); err != nil {
		return err
	}
	c.kubeconfig = filepath.Join(c.workDir, "admin.kubeconfig")
	if err := os.WriteFile(c.kubeconfig, c.env.KubeConfig, 0o600); err != nil {
		return err
	}
	c.caFile = filepath.Join(c.workDir, "kube-ca.crt")
	if err := os.WriteFile(c.caFile, c.config.CAData, 0o644); err != nil {
		return err
	}
	for _, ns := range append([]string{ServingNamespace, KEDANamespace}, c.opts.Namespaces...) {
		if err := c.CreateNamespace(ctx, ns); err != nil {
			return err
		}
	}
	return nil
}

func (c *Cluster) waitCRDsEstablished(ctx context.Context) error {
	// envtest waited for the resources to be served; also require the
	// Established condition, as a real installation would.
	cs, err := newAPIExtensionsClient(c.config)
	if err != nil {
		return err
	}
	return wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, c.opts.StartTimeout, true, func(ctx context.Context) (bool, error) {
		for _, crd := range c.env.CRDs {
			ok, err := crdEstablished(ctx, cs, crd.Name)
			if err != nil || !ok {
				return false, nil //nolint:nilerr // retry until timeout
			}
		}
		return true, nil
	})
}
