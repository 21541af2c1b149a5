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
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/util/retry"
)

// kwok (Options.Kwok): fake Nodes whose Pods become Running and Ready with
// an IP, without any container. kwok plays the kubelet's status writes
// only: it runs no container, dials no pod and, unless metrics-server
// scrapes it (Options.MetricsServer: then it serves the kubelet's resource
// metrics on 127.0.0.1), listens on nothing. It does not schedule: the harness
// binds every Pending pod to the node itself (pods/binding, as
// kube-scheduler would). The pod IPs (KwokPodCIDR) are addresses no
// process here listens on or dials, as the Service cluster IPs
// (10.0.0.0/24) already are: Endpoints refuse 127.0.0.0/8, and only the
// addresses' presence in Endpoints matters to Serving (the SKS's private
// Service).

// KwokNode is the fake Node the harness creates; KwokPodCIDR the pod IPs
// kwok hands out (its default, 10.0.0.1/24, overlaps the Service range).
const (
	KwokNode    = "kwok-node-0"
	KwokPodCIDR = "10.244.0.1/16"
)

// KwokControllers are the kube-controller-manager controllers Options.Kwok
// adds: the node lifecycle controller, for kwok's Node leases.
var KwokControllers = []string{"node-lifecycle-controller"}

func (c *Cluster) startKwok(ctx context.Context) error {
	bin := c.bin(Kwok)
	t0 := time.Now()
	// An explicit configuration, so no kwok.yaml of the user's home is
	// read: kwok then plays its default stages (pods Running and Ready).
	// It is empty unless metrics-server scrapes kwok (kwokResourceMetrics).
	var conf []byte
	if c.opts.MetricsServer {
		conf = []byte(kwokResourceMetrics)
	}
	cfg := filepath.Join(c.workDir, "kwok.yaml")
	if err := os.WriteFile(cfg, conf, 0o600); err != nil {
		return err
	}
	args := []string{
		"--kubeconfig=" + c.kubeconfig,
		"--config=" + cfg,
		"--manage-all-nodes=true",
		"--cidr=" + KwokPodCIDR,
		"--node-ip=127.0.0.1",
		// kwok's own default when a configuration file sets it: a Node
		// Lease renewed every 10 s and status heartbeats. With 0 (the
		// flag's default) kwok renews neither within the node lifecycle
		// controller's 50 s grace period: the Node turns NotReady and its
		// pods unready about a minute after start, again and again.
		"--node-lease-duration-seconds=40",
	}
	nodeAnns := map[string]string{"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"}
	var daemon corev1.NodeDaemonEndpoints
	if c.opts.MetricsServer {
		port, err := FreePort()
		if err != nil {
			return err
		}
		c.mu.Lock()
		c.kwokPort = port
		c.mu.Unlock()
		args = append(args,
			// kwok's server (HTTPS with its own certificate, and HTTP, on
			// one port) plays the kubelet's: the Node reports the port as
			// its kubelet's (daemonEndpoints), as a real node would.
			"--server-address=127.0.0.1:"+strconv.Itoa(port),
			"--node-port="+strconv.Itoa(port),
			// The simulated usage comes from ClusterResourceUsage and
			// ResourceUsage objects (SetKwokUsage), read as they change.
			"--enable-crds="+kwokUsageKinds,
		)
		nodeAnns[ResourceMetricsPathAnnotation] = KwokResourceMetricsPath
		daemon.KubeletEndpoint.Port = int32(port)
	}
	p, err := c.StartProcess(Kwok, bin, args, nil)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.Kwok = p
	c.mu.Unlock()
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        KwokNode,
			Annotations: nodeAnns,
			Labels: map[string]string{
				"type":                   "kwok",
				"kubernetes.io/hostname": KwokNode,
				"kubernetes.io/os":       "linux",
				"kubernetes.io/arch":     "amd64",
			},
		},
		Status: corev1.NodeStatus{
			Allocatable:     kwokCapacity(),
			Capacity:        kwokCapacity(),
			DaemonEndpoints: daemon,
		},
	}
	if _, err := c.client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating Node %s: %w", KwokNode, err)
	}
	// kwok marks the node Ready once it manages it.
	var last string
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, c.opts.StartTimeout, true, func(ctx context.Context) (bool, error) {
		if err := p.unexpectedExit(); err != nil {
			return false, err
		}
		n, err := c.client.CoreV1().Nodes().Get(ctx, KwokNode, metav1.GetOptions{})
		if err != nil {
			last = err.Error()
			return false, nil
		}
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady {
				last = fmt.Sprintf("Ready=%s", cond.Status)
				return cond.Status == corev1.ConditionTrue, nil
			}
		}
		last = "no Ready condition"
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("kwok's Node %s not Ready: %w (last: %s)\n%s", KwokNode, err, last, tailFile(p.LogPath, 20))
	}
	bctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	c.mu.Lock()
	c.stopBinder = func() { cancel(); <-done }
	c.mu.Unlock()
	go func() {
		defer close(done)
		c.bindPending(bctx)
	}()
	c.opts.logf("cluster: kwok and its Node %s ready in %v", KwokNode, time.Since(t0).Round(time.Millisecond))
	return nil
}

func kwokCapacity() corev1.ResourceList {
	return corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("32"),
		corev1.ResourceMemory: resource.MustParse("256Gi"),
		corev1.ResourcePods:   resource.MustParse("1000"),
	}
}

// bindPending binds every unscheduled pod to KwokNode until ctx ends, as a
// one-node kube-scheduler would, except those RunPodsAsProcesses runs.
func (c *Cluster) bindPending(ctx context.Context) {
	for {
		pods, err := c.client.CoreV1().Pods("").List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName="})
		if err == nil {
			for i := range pods.Items {
				p := &pods.Items[i]
				if p.DeletionTimestamp != nil || c.isLocalPod(p) {
					continue
				}
				b := &corev1.Binding{
					ObjectMeta: metav1.ObjectMeta{Namespace: p.Namespace, Name: p.Name, UID: p.UID},
					Target:     corev1.ObjectReference{Kind: "Node", Name: KwokNode},
				}
				_ = c.client.CoreV1().Pods(p.Namespace).Bind(ctx, b, metav1.CreateOptions{})
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// kwok's simulated resource usage, for metrics-server
// (Options.MetricsServer). kwok serves, per Node, what a kubelet's
// /metrics/resource serves (kwokResourceMetrics); the values come from
// ClusterResourceUsage and ResourceUsage objects (kwok's CRDs, installed
// from kwok's module), which SetKwokUsage writes and kwok
// re-reads as they change, so a test moves a revision's load without
// touching its template.

// ResourceMetricsPathAnnotation on a Node names the path metrics-server
// scrapes instead of the kubelet's /metrics/resource (metrics-server's
// pkg/scraper/client/resource, v0.7 on); KwokResourceMetricsPath is the
// path of kwok's Node, as kwokResourceMetrics serves it.
const (
	ResourceMetricsPathAnnotation = "metrics.k8s.io/resource-metrics-path"
	KwokResourceMetricsPath       = "/metrics/nodes/" + KwokNode + "/metrics/resource"
)

// kwokUsageKinds are the kwok kinds read from the API server.
const kwokUsageKinds = "ClusterResourceUsage,ResourceUsage"

// kwokResourceMetrics is kwok's Metric configuration: the series
// metrics-server reads from a kubelet (its decoder's names and labels),
// computed by kwok from the simulated usage. cpu is a counter that kwok
// integrates over time from the current usage, as the kubelet reports it;
// metrics-server turns two scrapes into a rate.
const kwokResourceMetrics = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Metric
metadata:
  name: resource
spec:
  path: /metrics/nodes/{nodeName}/metrics/resource
  metrics:
  - name: node_cpu_usage_seconds_total
    kind: counter
    dimension: node
    value: node.CumulativeUsage("cpu")
  - name: node_memory_working_set_bytes
    kind: gauge
    dimension: node
    value: node.Usage("memory")
  - name: container_start_time_seconds
    kind: gauge
    dimension: container
    labels:
    - {name: container, value: container.name}
    - {name: namespace, value: pod.metadata.namespace}
    - {name: pod, value: pod.metadata.name}
    value: pod.metadata.creationTimestamp.UnixSecond()
  - name: container_cpu_usage_seconds_total
    kind: counter
    dimension: container
    labels:
    - {name: container, value: container.name}
    - {name: namespace, value: pod.metadata.namespace}
    - {name: pod, value: pod.metadata.name}
    value: pod.CumulativeUsage("cpu", container.name)
  - name: container_memory_working_set_bytes
    kind: gauge
    dimension: container
    labels:
    - {name: container, value: container.name}
    - {name: namespace, value: pod.metadata.namespace}
    - {name: pod, value: pod.metadata.name}
    value: pod.Usage("memory", container.name)
`

// kwokCRDPaths are kwok's ClusterResourceUsage and ResourceUsage CRDs, from
// kwok's module as hack/cluster/kwok (which builds kwok) requires it.
func (r Releases) kwokCRDPaths(ctx context.Context) ([]string, error) {
	dir, err := r.ModuleDir(ctx, kwokModule)
	if err != nil {
		return nil, err
	}
	bases := filepath.Join(dir, "kustomize", "crd", "bases")
	return globAll(
		filepath.Join(bases, "kwok.x-k8s.io_clusterresourceusages.yaml"),
		filepath.Join(bases, "kwok.x-k8s.io_resourceusages.yaml"),
	)
}

// clusterResourceUsages is kwok's ClusterResourceUsage resource (kwok's
// API types are not a dependency of the main module).
var clusterResourceUsages = schema.GroupVersionResource{Group: "kwok.x-k8s.io", Version: "v1alpha1", Resource: "clusterresourceusages"}

// Usage is the simulated cpu and memory use of one container.
type Usage struct {
	CPU, Memory resource.Quantity
}

// KwokBaselineUsage is what SetKwokUsage gives every container it does not
// name: metrics-server drops a pod any of whose containers reports no cpu
// or no memory at all.
var KwokBaselineUsage = Usage{CPU: resource.MustParse("1m"), Memory: resource.MustParse("1Mi")}

// SetKwokUsage makes the pods kwok runs in namespace ns use, from now on,
// byContainer[name] in their container of that name and KwokBaselineUsage
// in every other one: it creates or replaces the ClusterResourceUsage
// "usage-<ns>". Only with Options.MetricsServer. metrics-server sees the
// change at its next scrapes (MetricsServerResolution apart; cpu needs
// two).
func (c *Cluster) SetKwokUsage(ctx context.Context, ns string, byContainer map[string]Usage) error {
	if !c.opts.MetricsServer {
		return errors.New("SetKwokUsage needs Options.MetricsServer")
	}
	dc, err := dynamic.NewForConfig(c.config)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(byContainer))
	for n := range byContainer {
		names = append(names, n)
	}
	sort.Strings(names)
	usages := make([]any, 0, len(names)+1)
	for _, n := range names {
		usages = append(usages, map[string]any{"containers": []any{n}, "usage": usageObject(byContainer[n])})
	}
	// No containers: kwok's default for the containers no entry names.
	usages = append(usages, map[string]any{"usage": usageObject(KwokBaselineUsage)})
	name := "usage-" + ns
	want := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kwok.x-k8s.io/v1alpha1",
		"kind":       "ClusterResourceUsage",
		"metadata":   map[string]any{"name": name},
		"spec": map[string]any{
			"selector": map[string]any{"matchNamespaces": []any{ns}},
			"usages":   usages,
		},
	}}
	res := dc.Resource(clusterResourceUsages)
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		got, err := res.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			_, err = res.Create(ctx, want, metav1.CreateOptions{})
			return err
		}
		if err != nil {
			return err
		}
		want.SetResourceVersion(got.GetResourceVersion())
		_, err = res.Update(ctx, want, metav1.UpdateOptions{})
		return err
	})
}

func usageObject(u Usage) map[string]any {
	return map[string]any{
		"cpu":    map[string]any{"value": u.CPU.String()},
		"memory": map[string]any{"value": u.Memory.String()},
	}
}
