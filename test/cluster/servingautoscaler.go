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
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// Serving's own autoscaler (Options.ServingAutoscaler): the KPA class's
// reconciler and scaler, knative.dev/serving/cmd/autoscaler at
// ServingVersion, as a local process in the activator's pod namespace, at
// podNamespaceAddr, where the activator's /etc/hosts sends
// autoscaler.knative-serving.svc.cluster.local: it takes the stand-in stat
// sink's place and receives the activator's stats on :8080, as on a
// cluster. From there it reaches every pod IP (it scrapes queue-proxy's
// :9090, so it needs Options.QueueProxy), the API server at its usual
// address (test/cmd/netns-exec's relay, as StartProcessInNetNS), and the
// cluster's ClusterIP Services by name (services.go: it probes a revision's
// public Service before taking its last pod). Its own ports (:8080 stats
// and probes, metrics, profiling) do not meet Serving's controller's 8080
// in the test's namespace.
//
// It runs as Serving's config/core/deployments/autoscaler.yaml runs it:
// SYSTEM_NAMESPACE, POD_NAME, POD_IP, the config maps the harness
// installed, Standard leader election over config-leader-election's buckets
// (one by default: it owns autoscaler-bucket-00-of-01 and processes every
// stat itself).

// servingAutoscalerPod is the autoscaler's POD_NAME.
const servingAutoscalerPod = "autoscaler-local"

// kpaState is what Options.QueueProxy and Options.ServingAutoscaler run.
type kpaState struct {
	queueProxies *queueProxies
	services     *serviceProxy
	autoscaler   *Process
}

// ServingAutoscalerProcess is Serving's autoscaler (nil without
// Options.ServingAutoscaler).
func (c *Cluster) ServingAutoscalerProcess() *Process {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.kpa.autoscaler
}

// startServingAutoscaler starts Serving's autoscaler in the pod namespace
// (held by routerPID) and waits until it serves its stats endpoint and
// holds its bucket's lease.
func (c *Cluster) startServingAutoscaler(ctx context.Context, routerPID string) error {
	if !c.opts.QueueProxy {
		return errors.New("Options.ServingAutoscaler needs Options.QueueProxy: Serving's autoscaler scrapes every pod's queue-proxy")
	}
	bin, err := c.releases.BinaryPath(c.opts.BinDir, ServingAutoscaler)
	if err != nil {
		return fmt.Errorf("Options.ServingAutoscaler: %w (hack/build-cluster.sh %s)", err, ServingAutoscaler)
	}
	t0 := time.Now()
	hosts := filepath.Join(c.workDir, "autoscaler-hosts")
	svcs, err := c.startServiceProxy(ctx, routerPID, hosts)
	if err != nil {
		return err
	}
	helper, socket, err := c.netnsRelay(ctx)
	if err != nil {
		return err
	}
	api, err := c.apiServerHostPort()
	if err != nil {
		return err
	}
	args := []string{"--net=/proc/" + routerPID + "/ns/net", "--",
		"unshare", "-m", "--", "/bin/sh", "-c", `mount --bind "$0" /etc/hosts && exec "$@"`, hosts,
		helper, "--listen=" + api, "--socket=" + socket, "--",
		bin, "--kubeconfig=" + c.kubeconfig}
	env := []string{
		"SYSTEM_NAMESPACE=" + ServingNamespace,
		"CONFIG_LOGGING_NAME=config-logging",
		"CONFIG_OBSERVABILITY_NAME=config-observability",
		"POD_NAME=" + servingAutoscalerPod,
		"POD_IP=" + podNamespaceAddr,
		"PROFILING_PORT=0",
		"CLUSTER_DOMAIN=cluster.local",
	}
	p, err := c.StartProcess(ServingAutoscaler, "nsenter", args, env)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.kpa.autoscaler, c.kpa.services = p, svcs
	c.mu.Unlock()

	// Up: its stats server answers a kubelet probe, and it holds the
	// lease of every bucket (it then processes the stats itself).
	hc := &http.Client{Timeout: 2 * time.Second}
	leases := c.client.CoordinationV1().Leases(ServingNamespace)
	var last string
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, c.opts.StartTimeout, true, func(ctx context.Context) (bool, error) {
		if err := p.unexpectedExit(); err != nil {
			return false, err
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+podNamespaceAddr+":"+strconv.Itoa(statSinkPort)+"/", nil)
		req.Header.Set("User-Agent", "kube-probe/1.34")
		resp, err := hc.Do(req)
		if err != nil {
			last = err.Error()
			return false, nil
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			last = "stats server probe: " + resp.Status
			return false, nil
		}
		list, err := leases.List(ctx, metav1.ListOptions{})
		if err != nil {
			last = err.Error()
			return false, nil
		}
		held := 0
		for _, l := range list.Items {
			if strings.HasPrefix(l.Name, "autoscaler-bucket-") && l.Spec.HolderIdentity != nil && strings.Contains(*l.Spec.HolderIdentity, podNamespaceAddr) {
				held++
			}
		}
		last = fmt.Sprintf("holds %d autoscaler bucket leases", held)
		return held > 0, nil
	})
	if err != nil {
		return fmt.Errorf("Serving's autoscaler not ready: %w (last: %s)\n%s", err, last, tailFile(p.LogPath, 20))
	}
	c.opts.logf("cluster: Serving's autoscaler (KPA) serving stats at %s:%d and holding its bucket in %v",
		podNamespaceAddr, statSinkPort, time.Since(t0).Round(time.Millisecond))
	return nil
}
