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
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// kwok (Options.Kwok): fake Nodes whose Pods become Running and Ready with
// an IP, without any container. kwok plays the kubelet's status writes
// only: it runs no container, dials no pod and, without --server-address
// or --node-port, listens on nothing. It does not schedule: the harness
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

func (c *Cluster) startKwok(ctx context.Context, bin string) error {
	// An empty configuration, so no kwok.yaml of the user's home is read:
	// kwok then plays its default stages (pods Running and Ready).
	cfg := filepath.Join(c.workDir, "kwok.yaml")
	if err := os.WriteFile(cfg, nil, 0o600); err != nil {
		return err
	}
	args := []string{
		"--kubeconfig=" + c.kubeconfig,
		"--config=" + cfg,
		"--manage-all-nodes=true",
		"--cidr=" + KwokPodCIDR,
		"--node-ip=127.0.0.1",
		// kwok's own default, which an empty configuration leaves at 0: then
		// kwok renews no Lease and updates the Node's status about once a
		// minute, past kube-controller-manager's 50 s grace period, and the
		// node-lifecycle controller marks the Node NotReady and every pod on
		// it not Ready (seen in tests that run more than a minute).
		"--node-lease-duration-seconds=40",
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
			Annotations: map[string]string{"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
			Labels: map[string]string{
				"type":                   "kwok",
				"kubernetes.io/hostname": KwokNode,
				"kubernetes.io/os":       "linux",
				"kubernetes.io/arch":     "amd64",
			},
		},
		Status: corev1.NodeStatus{
			Allocatable: kwokCapacity(),
			Capacity:    kwokCapacity(),
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
