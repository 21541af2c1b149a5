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
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
)

// Serving's real queue-proxy in front of every revision pod
// (Options.QueueProxy, with Options.Activator). kwok runs no container, so
// the harness plays that part of the kubelet: each pod that has a
// queue-proxy container and an IP from kwok gets
//
//   - a network namespace of its own holding the pod IP on eth0, one end of
//     a veth pair whose other end is in the activator's pod namespace,
//     which routes the pod IP to it (and forwards between the pods and the
//     test's namespace, where the activator runs);
//   - Serving's queue-proxy binary (knative.dev/serving/cmd/queue at
//     ServingVersion) in that namespace, with the environment of the pod's
//     queue-proxy container (downward-API fields resolved as the kubelet
//     would), so it serves :8012 (requests, the activator's probes), :8022
//     (admin) and :9090 (the stats Serving's autoscaler scrapes), and
//     reports concurrency measured on real requests;
//   - the user container: FakePods' handler, served by this process on
//     127.0.0.1:USER_PORT inside that namespace (queue-proxy proxies there
//     and probes it, TCP by default, before it answers ready).
//
//	test's namespace                 pod namespace (router)                 a pod's namespace
//	  activator 10.250.0.1 ── veth ── 10.250.0.2, ip_forward ── veth skqpN ── eth0 <pod IP>/32
//	  route 10.244.0.0/16 via           route <pod IP>/32 dev skqpN              queue-proxy :8012 :8022 :9090
//	  10.250.0.2                                                                  user container 127.0.0.1:8080
//
// A pod that is deleted (or goes away) has its queue-proxy killed, its
// user container closed and its veth removed at once: kwok deletes a pod
// without a grace period, and may hand its IP to the next pod. What is not
// played: the pod's readiness. kwok marks a pod Ready as soon as it runs,
// before its queue-proxy is up (a kubelet would wait for queue-proxy's
// readiness probe); the activator probes queue-proxy itself before it
// sends a request, so no request reaches a pod that cannot answer.

// queueProxyContainer is the name Serving gives the sidecar.
const queueProxyContainer = "queue-proxy"

// qpVethPrefix names the router's end of each pod's veth pair.
const qpVethPrefix = "skqp"

// queueProxies runs the pods' queue-proxies.
type queueProxies struct {
	c        *Cluster
	bin      string
	router   string // pid holding the pod (router) namespace
	mu       sync.Mutex
	byUID    map[types.UID]*qpPod
	lastByIP map[string]*qpPod // the latest pod given each IP
	seq      int
	started  int
}

// qpPod is one pod's queue-proxy, user container and network.
type qpPod struct {
	ns, name, ip, veth string
	prev               *qpPod        // the pod that had this IP before, torn down first
	setUp              chan struct{} // closed once set up (or failed)
	gone               chan struct{} // closed once torn down
	proc               *Process
	user               *http.Server
	err                error
}

// startQueueProxies enables forwarding in the pod namespace (router, held
// by pid routerPID) and runs a queue-proxy for every revision pod from now
// on, until the cluster stops.
func (c *Cluster) startQueueProxies(ctx context.Context, routerPID string) error {
	bin, err := c.releases.BinaryPath(c.opts.BinDir, ServingQueue)
	if err != nil {
		return fmt.Errorf("Options.QueueProxy: %w (hack/build-cluster.sh %s)", err, ServingQueue)
	}
	if out, err := exec.CommandContext(ctx, "nsenter", "-t", routerPID, "-n", "sh", "-c",
		"echo 1 > /proc/sys/net/ipv4/ip_forward && echo 0 > /proc/sys/net/ipv4/conf/all/rp_filter").CombinedOutput(); err != nil {
		return fmt.Errorf("forwarding in the pod namespace: %w: %s", err, out)
	}
	q := &queueProxies{c: c, bin: bin, router: routerPID, byUID: map[types.UID]*qpPod{}, lastByIP: map[string]*qpPod{}}
	factory := informers.NewSharedInformerFactory(c.client, 0)
	inf := factory.Core().V1().Pods().Informer()
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { q.sync(o, false) },
		UpdateFunc: func(_, o any) { q.sync(o, false) },
		DeleteFunc: func(o any) { q.sync(o, true) },
	}); err != nil {
		return err
	}
	stop := make(chan struct{})
	factory.Start(stop)
	factory.WaitForCacheSync(stop)
	c.mu.Lock()
	c.kpa.queueProxies = q
	c.closers = append(c.closers, closerFunc(func() error {
		close(stop)
		factory.Shutdown()
		q.stopAll()
		return nil
	}))
	c.mu.Unlock()
	return nil
}

// QueueProxiesStarted is how many pods got a queue-proxy so far
// (Options.QueueProxy).
func (c *Cluster) QueueProxiesStarted() int {
	c.mu.Lock()
	q := c.kpa.queueProxies
	c.mu.Unlock()
	if q == nil {
		return 0
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.started
}

// sync starts or stops the queue-proxy of the pod o (deleted: o left the
// cluster).
func (q *queueProxies) sync(o any, deleted bool) {
	if d, ok := o.(cache.DeletedFinalStateUnknown); ok {
		o, deleted = d.Obj, true
	}
	pod, ok := o.(*corev1.Pod)
	if !ok || !hasQueueProxy(pod) {
		return
	}
	want := !deleted && pod.DeletionTimestamp == nil && pod.Spec.NodeName != "" && pod.Status.PodIP != "" &&
		pod.Status.Phase == corev1.PodRunning
	q.mu.Lock()
	defer q.mu.Unlock()
	cur := q.byUID[pod.UID]
	switch {
	case want && cur == nil:
		q.seq++
		p := &qpPod{
			ns: pod.Namespace, name: pod.Name, ip: pod.Status.PodIP,
			veth:  qpVethPrefix + strconv.Itoa(q.seq),
			prev:  q.lastByIP[pod.Status.PodIP],
			setUp: make(chan struct{}), gone: make(chan struct{}),
		}
		q.byUID[pod.UID] = p
		q.lastByIP[p.ip] = p
		q.started++
		go q.run(p, pod.DeepCopy())
	case !want && cur != nil:
		delete(q.byUID, pod.UID)
		go q.tearDown(cur)
	}
}

func hasQueueProxy(pod *corev1.Pod) bool {
	for _, c := range pod.Spec.Containers {
		if c.Name == queueProxyContainer {
			return true
		}
	}
	return false
}

// run sets up pod p once the pod that had its IP before is gone.
func (q *queueProxies) run(p *qpPod, pod *corev1.Pod) {
	defer close(p.setUp)
	if p.prev != nil {
		select {
		case <-p.prev.gone:
		case <-time.After(30 * time.Second):
			q.c.opts.logf("queue-proxy of pod %s/%s: %s still held by pod %s/%s after 30 s; going on", p.ns, p.name, p.ip, p.prev.ns, p.prev.name)
		}
	}
	t0 := time.Now()
	if p.err = q.setUp(p, pod); p.err != nil {
		q.c.opts.logf("queue-proxy of pod %s/%s (%s): %v", p.ns, p.name, p.ip, p.err)
		return
	}
	q.c.opts.logf("queue-proxy of pod %s/%s up at %s in %v", p.ns, p.name, p.ip, time.Since(t0).Round(time.Millisecond))
}

func (q *queueProxies) setUp(p *qpPod, pod *corev1.Pod) error {
	var qp *corev1.Container
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == queueProxyContainer {
			qp = &pod.Spec.Containers[i]
		}
	}
	env, userPort, err := queueProxyEnv(pod, qp)
	if err != nil {
		return err
	}
	proc, err := q.c.StartProcess("queue-proxy_"+p.ns+"_"+p.name, "unshare", []string{"-n", "--", q.bin}, env)
	if err != nil {
		return err
	}
	proc.mu.Lock()
	proc.killOnStop = true // its drain sleeps 30 s; the pod is gone already
	proc.mu.Unlock()
	p.proc = proc
	pid := strconv.Itoa(proc.PID())
	nsPath := "/proc/" + pid + "/ns/net"
	self, _ := os.Readlink("/proc/self/ns/net")
	if err := wait.PollUntilContextTimeout(context.Background(), 2*time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
		if done, err := proc.Exited(); done {
			return false, fmt.Errorf("queue-proxy exited: %v (log %s)", err, proc.LogPath)
		}
		other, err := os.Readlink(nsPath)
		return err == nil && other != self, nil
	}); err != nil {
		return fmt.Errorf("queue-proxy (pid %s) has no network namespace of its own: %w", pid, err)
	}
	router := fmt.Sprintf("ip link add %[1]s type veth peer name eth0 netns %[2]s && ip link set %[1]s up && ip route add %[3]s/32 dev %[1]s",
		p.veth, pid, p.ip)
	if out, err := exec.Command("nsenter", "-t", q.router, "-n", "sh", "-c", router).CombinedOutput(); err != nil {
		return fmt.Errorf("the pod's veth: %w: %s", err, out)
	}
	inPod := fmt.Sprintf("ip link set lo up && ip addr add %[1]s/32 dev eth0 && ip link set eth0 up && ip route add %[2]s dev eth0 && ip route add default via %[2]s dev eth0",
		p.ip, podNamespaceAddr)
	if out, err := exec.Command("nsenter", "-t", pid, "-n", "sh", "-c", inPod).CombinedOutput(); err != nil {
		return fmt.Errorf("the pod's network: %w: %s", err, out)
	}
	l, err := listenInNamespace(nsPath, net.JoinHostPort("127.0.0.1", userPort))
	if err != nil {
		return fmt.Errorf("the user container on port %s: %w", userPort, err)
	}
	p.user = &http.Server{Handler: q.c.Pods.userContainer(p.ip), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.user.Serve(l) }()
	return nil
}

// tearDown closes pod p's user container, kills its queue-proxy and
// removes its veth (with it the route), once it is set up.
func (q *queueProxies) tearDown(p *qpPod) {
	<-p.setUp
	defer close(p.gone)
	// queue-proxy first: a request it holds is then cut (its connection
	// reset), as when a pod goes without a grace period. The other order
	// left a window in which it answered 502, its user container gone
	// (CI saw one in TestConcurrencyScales), which no pod would do.
	if p.proc != nil {
		_ = p.proc.Kill()
	}
	if p.user != nil {
		_ = p.user.Close()
	}
	// Its namespace, and the veth's other end, go with the last
	// reference; the router's end is removed here so the IP is free at once.
	out, err := exec.Command("nsenter", "-t", q.router, "-n", "ip", "link", "del", p.veth).CombinedOutput()
	if err != nil && !strings.Contains(string(out), "Cannot find device") {
		q.c.opts.logf("queue-proxy of pod %s/%s: removing %s: %v: %s", p.ns, p.name, p.veth, err, out)
	}
}

// stopAll tears every pod down (the cluster stops).
func (q *queueProxies) stopAll() {
	q.mu.Lock()
	pods := make([]*qpPod, 0, len(q.byUID))
	for uid, p := range q.byUID {
		pods = append(pods, p)
		delete(q.byUID, uid)
	}
	q.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range pods {
		wg.Add(1)
		go func() { defer wg.Done(); q.tearDown(p) }()
	}
	wg.Wait()
}

// queueProxyEnv is the environment of container qp of pod, with the
// downward-API fields Serving uses resolved as the kubelet would, and the
// user container's port (USER_PORT).
func queueProxyEnv(pod *corev1.Pod, qp *corev1.Container) ([]string, string, error) {
	var env []string
	userPort := ""
	for _, e := range qp.Env {
		v := e.Value
		if e.ValueFrom != nil {
			f := e.ValueFrom.FieldRef
			if f == nil {
				return nil, "", fmt.Errorf("env %s: only fieldRef is played, got %+v", e.Name, e.ValueFrom)
			}
			switch f.FieldPath {
			case "metadata.name":
				v = pod.Name
			case "metadata.namespace":
				v = pod.Namespace
			case "status.podIP":
				v = pod.Status.PodIP
			case "status.hostIP":
				v = pod.Status.HostIP
			case "spec.nodeName":
				v = pod.Spec.NodeName
			default:
				return nil, "", fmt.Errorf("env %s: field %s is not played", e.Name, f.FieldPath)
			}
		}
		if e.Name == "USER_PORT" {
			userPort = v
		}
		env = append(env, e.Name+"="+v)
	}
	if userPort == "" {
		return nil, "", errors.New("the queue-proxy container has no USER_PORT")
	}
	return env, userPort, nil
}

// userContainer answers requests as the user container of the pod at ip
// (queue-proxy proxies them from 127.0.0.1): the handler SetHandler set,
// or 200 "hello from <ip>".
func (p *FakePods) userContainer(ip string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		h := p.handler
		p.mu.Unlock()
		p.served.Add(1)
		if h == nil {
			_, _ = io.WriteString(w, "hello from "+ip)
			return
		}
		h.ServeHTTP(w, withPodIP(r, ip))
	})
}
