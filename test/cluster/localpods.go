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
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

// Pods as local processes (RunPodsAsProcesses): on a real cluster a system
// component is a Deployment whose pods the kubelet runs; here the
// components are processes. For the pods of one Deployment the harness
// plays kube-scheduler and the kubelet, so that whatever drives the
// Deployment (kubectl scale, delete, apply, rollout status) starts and
// stops the real process:
//
//   - a new pod is bound to LocalPodNode (a node name without a Node
//     object, so kwok leaves the pod alone), its process started, and the
//     pod marked Running and Ready once the process is ready, so a
//     Deployment is available only when its process is;
//   - a pod being deleted has its process stopped (SIGTERM, as the kubelet
//     does) and is then removed (grace period 0, as the kubelet does once
//     the containers have exited), so no pod is left while its process
//     runs.
//
// One process per pod, started and stopped one at a time.

// LocalPodNode is the node the pods of RunPodsAsProcesses are bound to.
const LocalPodNode = "local-processes"

// PodStarter starts the process of pod and returns once it is ready.
type PodStarter func(ctx context.Context, pod *corev1.Pod) (*Process, error)

// localPods is one RunPodsAsProcesses registration.
type localPods struct {
	namespace, app string
}

func (l localPods) matches(p *corev1.Pod) bool {
	return p.Namespace == l.namespace && p.Labels["app"] == l.app
}

// isLocalPod tells kwok's binder to leave p to RunPodsAsProcesses.
func (c *Cluster) isLocalPod(p *corev1.Pod) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range c.localPods {
		if l.matches(p) {
			return true
		}
	}
	return false
}

// RunPodsAsProcesses runs each pod labelled app=APP in namespace as a local
// process started by start, until the cluster stops (see above). logf
// reports what it does (t.Logf, say).
func (c *Cluster) RunPodsAsProcesses(namespace, app string, start PodStarter, logf func(string, ...any)) {
	c.mu.Lock()
	c.localPods = append(c.localPods, localPods{namespace: namespace, app: app})
	c.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	procs := map[types.UID]*Process{}
	go func() {
		defer wg.Done()
		for {
			c.superviseLocalPods(ctx, namespace, app, start, procs, logf)
			select {
			case <-ctx.Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
	c.mu.Lock()
	c.closers = append(c.closers, closerFunc(func() error {
		cancel()
		wg.Wait()
		return nil
	}))
	c.mu.Unlock()
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

// superviseLocalPods is one pass over the pods of app.
func (c *Cluster) superviseLocalPods(ctx context.Context, namespace, app string, start PodStarter, procs map[types.UID]*Process, logf func(string, ...any)) {
	pods, err := c.client.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: "app=" + app})
	if err != nil {
		return
	}
	seen := map[types.UID]bool{}
	for i := range pods.Items {
		p := &pods.Items[i]
		seen[p.UID] = true
		switch {
		case p.DeletionTimestamp != nil:
			if proc := procs[p.UID]; proc != nil {
				t0 := time.Now()
				if err := proc.Stop(); err != nil {
					logf("local pod %s/%s: %v", namespace, p.Name, err)
				}
				logf("local pod %s/%s deleted: process stopped in %v", namespace, p.Name, time.Since(t0).Round(time.Millisecond))
				delete(procs, p.UID)
			}
			err := c.client.CoreV1().Pods(namespace).Delete(ctx, p.Name, metav1.DeleteOptions{
				GracePeriodSeconds: ptr.To[int64](0),
				Preconditions:      &metav1.Preconditions{UID: &p.UID},
			})
			if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
				logf("local pod %s/%s: removing: %v", namespace, p.Name, err)
			}
		case p.Spec.NodeName == "":
			b := &corev1.Binding{
				ObjectMeta: metav1.ObjectMeta{Namespace: p.Namespace, Name: p.Name, UID: p.UID},
				Target:     corev1.ObjectReference{Kind: "Node", Name: LocalPodNode},
			}
			if err := c.client.CoreV1().Pods(namespace).Bind(ctx, b, metav1.CreateOptions{}); err != nil {
				logf("local pod %s/%s: binding: %v", namespace, p.Name, err)
			}
		case p.Spec.NodeName == LocalPodNode && procs[p.UID] != nil && p.Status.Phase == corev1.PodPending:
			// The status write after the start failed: again.
			c.setLocalPodStatus(ctx, p, corev1.PodRunning, "")
		case p.Spec.NodeName == LocalPodNode && procs[p.UID] == nil && p.Status.Phase == corev1.PodPending:
			t0 := time.Now()
			proc, err := start(ctx, p)
			if err != nil {
				logf("local pod %s/%s: starting its process: %v", namespace, p.Name, err)
				c.setLocalPodStatus(ctx, p, corev1.PodFailed, err.Error())
				continue
			}
			procs[p.UID] = proc
			c.setLocalPodStatus(ctx, p, corev1.PodRunning, "")
			logf("local pod %s/%s: process %s ready in %v", namespace, p.Name, proc.Name, time.Since(t0).Round(time.Millisecond))
		}
	}
	for uid, proc := range procs {
		if !seen[uid] {
			// Removed without a graceful deletion (kubectl delete --force).
			_ = proc.Stop()
			delete(procs, uid)
		}
	}
}

// setLocalPodStatus writes the status the kubelet would: Running and Ready,
// or Failed with a message.
func (c *Cluster) setLocalPodStatus(ctx context.Context, p *corev1.Pod, phase corev1.PodPhase, message string) {
	now := metav1.Now()
	ready := corev1.ConditionTrue
	if phase != corev1.PodRunning {
		ready = corev1.ConditionFalse
	}
	st := corev1.PodStatus{Phase: phase, Message: message, StartTime: &now}
	for _, t := range []corev1.PodConditionType{corev1.PodScheduled, corev1.PodInitialized, corev1.ContainersReady, corev1.PodReady} {
		s := ready
		if t == corev1.PodScheduled || t == corev1.PodInitialized {
			s = corev1.ConditionTrue
		}
		st.Conditions = append(st.Conditions, corev1.PodCondition{Type: t, Status: s, LastTransitionTime: now})
	}
	for _, ctr := range p.Spec.Containers {
		cs := corev1.ContainerStatus{Name: ctr.Name, Image: ctr.Image, Ready: phase == corev1.PodRunning, Started: ptr.To(phase == corev1.PodRunning)}
		if phase == corev1.PodRunning {
			cs.State.Running = &corev1.ContainerStateRunning{StartedAt: now}
		} else {
			cs.State.Terminated = &corev1.ContainerStateTerminated{ExitCode: 1, Message: message, StartedAt: now, FinishedAt: now}
		}
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
	}
	p = p.DeepCopy()
	p.Status = st
	if _, err := c.client.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		c.opts.logf("local pod %s/%s: status: %v", p.Namespace, p.Name, err)
	}
}
