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
	"net/http"
	"path/filepath"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// KEDA's operator, out of cluster: every namespace watched, no leader
// election, no certificate rotation or webhook patching (the harness makes
// the certificates: KEDACertDir, which KEDA's metrics adapter also uses),
// its metrics, probes and gRPC metrics service (KEDAMetricsServiceAddr, for
// the adapter) on free ports of 127.0.0.1. Ready when its /readyz answers.
// StartKEDA (faults.go) starts it on a cluster started without it.

func (c *Cluster) startKEDAOperator(ctx context.Context) error {
	t0 := time.Now()
	c.KEDACertDir = filepath.Join(c.workDir, "keda-certs")
	ns := KEDANamespace
	if err := WriteServingCerts(c.KEDACertDir,
		"keda-operator", "keda-operator."+ns, "keda-operator."+ns+".svc", "keda-operator."+ns+".svc.cluster.local", "localhost"); err != nil {
		return err
	}
	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	probe := "127.0.0.1:" + strconv.Itoa(ports[1])
	c.KEDAMetricsServiceAddr = "127.0.0.1:" + strconv.Itoa(ports[2])
	args := append([]string{
		"--kubeconfig=" + c.kubeconfig,
		"--leader-elect=false",
		"--enable-cert-rotation=false",
		"--enable-webhook-patching=false",
		"--cert-dir=" + c.KEDACertDir,
		"--ca-dir=" + c.KEDACertDir,
		"--metrics-bind-address=127.0.0.1:" + strconv.Itoa(ports[0]),
		"--health-probe-bind-address=" + probe,
		"--metrics-service-bind-address=" + c.KEDAMetricsServiceAddr,
	}, c.opts.KEDAArgs...)
	env := append([]string{
		"WATCH_NAMESPACE=",
		"POD_NAMESPACE=" + ns,
		"POD_NAME=keda-operator-local",
		"KEDA_CLUSTER_OBJECT_NAMESPACE=" + ns,
	}, c.opts.KEDAEnv...)
	if c.KEDAOperator, err = c.StartProcess(KEDAOperator, c.bin(KEDAOperator), args, env); err != nil {
		return err
	}
	hc := &http.Client{Timeout: 2 * time.Second}
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, c.opts.StartTimeout, true, func(ctx context.Context) (bool, error) {
		if err := c.KEDAOperator.unexpectedExit(); err != nil {
			return false, err
		}
		resp, err := hc.Get("http://" + probe + "/readyz")
		if err != nil {
			return false, nil //nolint:nilerr // not listening yet
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
	if err != nil {
		return fmt.Errorf("KEDA operator not ready: %w\n%s", err, tailFile(c.KEDAOperator.LogPath, 20))
	}
	c.opts.logf("cluster: KEDA operator ready in %v", time.Since(t0).Round(time.Millisecond))
	return nil
}
