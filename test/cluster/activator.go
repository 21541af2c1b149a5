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
	"bufio"
	"context"
	"crypto/sha1" //nolint:gosec // RFC 6455's handshake is defined with SHA-1.
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// Knative's activator (Options.Activator), as a local process built from
// the pinned Serving, in the request path of revisions whose SKS is in
// Proxy mode, with "pods" that answer HTTP on their kwok IPs. Every packet
// stays inside network namespaces of this machine:
//
//	test's namespace (the one the test runs in: unshare -n)        pod namespace (made here)
//	  kube-apiserver, Serving, KEDA, ... on 127.0.0.1
//	  activator  :8012 :8013, metrics ActivatorAddr:9090
//	  ActivatorAddr 10.250.0.1/24 ── veth pair ──────────────────── 10.250.0.2/24
//	  route 10.244.0.0/16 via 10.250.0.2                             lo: 10.244.0.1/16 (every pod IP local)
//	                                                                 FakePods on :8012 (queue-proxy's port)
//	                                                                 stat sink on 10.250.0.2:8080
//
// Why two namespaces: the activator listens on :8012, and so does every
// pod's queue-proxy; one namespace cannot hold both. The activator dials
// ws://autoscaler.knative-serving.svc.cluster.local:8080 (Serving's
// autoscaler; not configurable) and is healthy only while connected: it
// runs in a mount namespace of its own whose /etc/hosts names the stat
// sink, which the harness serves (a minimal websocket server that answers
// pings and counts the activator's stat messages). The pod namespace's
// listeners are sockets this process opens from a thread moved into that
// namespace (setns), so the test serves the pods itself. The activator's
// address is in knative-serving/activator-service's Endpoints (they
// refuse 127.0.0.0/8), so Serving's SKS reconciler puts it in a
// revision's public Endpoints in Proxy mode.
//
// Options.Activator refuses to run in a network namespace with any
// interface besides loopback (the machine's, say): it adds a veth pair and
// a route.

// Addresses of the activator's network (see above).
const (
	ActivatorAddr     = "10.250.0.1"
	podNamespaceAddr  = "10.250.0.2"
	activatorNetCIDR  = "/24"
	ActivatorHTTPPort = 8012
	// ActivatorMetricsPort serves the activator's Prometheus metrics on
	// ActivatorAddr, the port of activator-service's http-metrics.
	ActivatorMetricsPort = 9090
	// statSinkPort is Serving's autoscaler's websocket port.
	statSinkPort = 8080
	// queueProxyPort is the port a revision's private Service targets.
	queueProxyPort = 8012
)

// Headers of the requests the activator routes (Serving's ingress sets
// them): the revision's namespace and name.
const (
	ActivatorNamespaceHeader = "Knative-Serving-Namespace"
	ActivatorRevisionHeader  = "Knative-Serving-Revision"
)

var vethSeq atomic.Int32

// vethPrefix names the harness's end of each veth pair.
const vethPrefix = "skact"

// FakePods answers HTTP on every pod IP of the pod range, as each pod's
// queue-proxy would: the activator's readiness probe of queue-proxy (GET
// with K-Network-Probe: queue, answered 200 "queue") and requests, which
// go to Handler.
type FakePods struct {
	mu      sync.Mutex
	handler http.Handler
	down    map[string]bool
	served  atomic.Int64
	probes  atomic.Int64
}

// SetHandler sets what answers requests (default: 200 "hello from <pod
// IP>").
func (p *FakePods) SetHandler(h http.Handler) {
	p.mu.Lock()
	p.handler = h
	p.mu.Unlock()
}

// SetDown makes the pod at ip refuse probes and requests with 503 (down
// true), as a queue-proxy whose container is not ready.
func (p *FakePods) SetDown(ip string, down bool) {
	p.mu.Lock()
	if p.down == nil {
		p.down = map[string]bool{}
	}
	p.down[ip] = down
	p.mu.Unlock()
}

// Served is how many requests (probes excluded) the pods answered;
// Probes how many queue-proxy probes.
func (p *FakePods) Served() int64 { return p.served.Load() }
func (p *FakePods) Probes() int64 { return p.probes.Load() }

func (p *FakePods) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ip, _, _ := net.SplitHostPort(r.Context().Value(http.LocalAddrContextKey).(net.Addr).String())
	p.mu.Lock()
	h, down := p.handler, p.down[ip]
	p.mu.Unlock()
	if r.Header.Get("K-Network-Probe") == "queue" {
		p.probes.Add(1)
		if down {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "queue")
		return
	}
	if down {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	p.served.Add(1)
	if h == nil {
		_, _ = io.WriteString(w, "hello from "+ip)
		return
	}
	h.ServeHTTP(w, withPodIP(r, ip))
}

// podIPKey is the context key of RequestPodIP.
type podIPKey struct{}

func withPodIP(r *http.Request, ip string) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), podIPKey{}, ip))
}

// RequestPodIP is the IP of the pod whose (fake) container a handler set
// by SetHandler is answering r for: a handler that delays its answer can
// still say which pod answered, as the default one does ("hello from
// <ip>").
func RequestPodIP(r *http.Request) string {
	ip, _ := r.Context().Value(podIPKey{}).(string)
	return ip
}

// statSink plays Serving's autoscaler's websocket endpoint for the
// activator: it answers pings (the activator drops a connection whose
// pongs stop) and counts binary messages (the activator's stats).
type statSink struct {
	messages atomic.Int64
	conns    atomic.Int64
}

const websocketGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

func (s *statSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Sec-WebSocket-Key")
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") || key == "" {
		http.Error(w, "websocket only", http.StatusBadRequest)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "no hijack", http.StatusInternalServerError)
		return
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	sum := sha1.Sum([]byte(key + websocketGUID)) //nolint:gosec // RFC 6455.
	fmt.Fprintf(rw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
		base64.StdEncoding.EncodeToString(sum[:]))
	if rw.Flush() != nil {
		return
	}
	s.conns.Add(1)
	for {
		op, payload, err := readFrame(rw.Reader)
		if err != nil {
			return
		}
		switch op {
		case 0x8: // close
			return
		case 0x9: // ping: pong with the same payload
			if writeFrame(conn, 0xA, payload) != nil {
				return
			}
		case 0x1, 0x2:
			s.messages.Add(1)
		}
	}
}

// readFrame reads one client frame (always masked, RFC 6455 5.2).
func readFrame(r *bufio.Reader) (byte, []byte, error) {
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	op := h[0] & 0x0F
	n := uint64(h[1] & 0x7F)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	if n > 16<<20 {
		return 0, nil, fmt.Errorf("frame of %d bytes", n)
	}
	var mask [4]byte
	masked := h[1]&0x80 != 0
	if masked {
		if _, err := io.ReadFull(r, mask[:]); err != nil {
			return 0, nil, err
		}
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		return 0, nil, err
	}
	if masked {
		for i := range payload {
			payload[i] ^= mask[i%4]
		}
	}
	return op, payload, nil
}

// writeFrame writes one unmasked server frame with a short payload.
func writeFrame(w io.Writer, op byte, payload []byte) error {
	if len(payload) > 125 {
		payload = payload[:125]
	}
	_, err := w.Write(append([]byte{0x80 | op, byte(len(payload))}, payload...))
	return err
}

// StatMessages is how many stat messages the activator sent to the stat
// sink, StatConnections how many times it connected.
func (c *Cluster) StatMessages() int64    { return c.statSink.messages.Load() }
func (c *Cluster) StatConnections() int64 { return c.statSink.conns.Load() }

// ActivatorURL is the activator's HTTP address, for requests a test sends
// with ActivatorNamespaceHeader and ActivatorRevisionHeader.
func (c *Cluster) ActivatorURL() string {
	return "http://" + net.JoinHostPort(ActivatorAddr, strconv.Itoa(ActivatorHTTPPort))
}

// GetThroughActivator sends GET / to revision ns/rev through the activator,
// with the routing headers Serving's ingress sets, and returns the status
// and the body (its first 64 KiB). hc nil: http.DefaultClient.
func (c *Cluster) GetThroughActivator(ctx context.Context, hc *http.Client, ns, rev string) (int, string, error) {
	return GetRevision(ctx, hc, c.ActivatorURL(), ns, rev)
}

// GetRevision sends GET / to revision ns/rev at base (the activator's URL,
// or a pod's queue-proxy as http://<pod IP>:8012 where the revision's
// public Service sends it), with the routing headers Serving's ingress
// sets, and returns the status and the body (its first 64 KiB). hc nil:
// http.DefaultClient.
func GetRevision(ctx context.Context, hc *http.Client, base, ns, rev string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/", nil)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set(ActivatorNamespaceHeader, ns)
	req.Header.Set(ActivatorRevisionHeader, rev)
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, string(b), err
}

// ActivatorMetricsURL is the activator's Prometheus endpoint (the
// http-metrics port of activator-service), as the controller scrapes it.
func (c *Cluster) ActivatorMetricsURL() string {
	return "http://" + net.JoinHostPort(ActivatorAddr, strconv.Itoa(ActivatorMetricsPort)) + "/metrics"
}

// inSharedNetNamespace reports whether this process's network namespace
// has an interface other than loopback and the harness's own veths: then
// it is the machine's (or the container's), not one made for the test.
// (Comparing /proc/self/ns/net with PID 1's does not work under every
// sandbox: gVisor shows the same link for both.)
func inSharedNetNamespace() (bool, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return false, err
	}
	for _, i := range ifs {
		if i.Flags&net.FlagLoopback == 0 && !strings.HasPrefix(i.Name, vethPrefix) {
			return true, nil
		}
	}
	return false, nil
}

// startActivator builds the pod namespace and its link, serves the fake
// pods and the stat sink there, starts the activator and waits for its
// health, then writes its address into activator-service's Endpoints.
func (c *Cluster) startActivator(ctx context.Context) error {
	bin := c.bin(ServingActivator)
	shared, err := inSharedNetNamespace()
	if err != nil {
		return err
	}
	if shared {
		return errors.New("Options.Activator adds a veth pair and a route: run the test in its own network namespace (unshare -n)")
	}
	for _, tool := range []string{"ip", "unshare", "nsenter", "mount"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("Options.Activator needs %s: %w", tool, err)
		}
	}
	t0 := time.Now()
	// A process holds the pod namespace; it goes when the cluster stops.
	holder, err := c.StartProcess("pod-netns", "unshare", []string{"-n", "sleep", "infinity"}, nil)
	if err != nil {
		return err
	}
	pid := strconv.Itoa(holder.PID())
	nsPath := "/proc/" + pid + "/ns/net"
	if err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
		self, _ := os.Readlink("/proc/self/ns/net")
		other, err := os.Readlink(nsPath)
		return err == nil && other != self, nil
	}); err != nil {
		return fmt.Errorf("the pod namespace's holder (pid %s) has no namespace of its own: %w", pid, err)
	}
	seq := vethSeq.Add(1)
	outer, inner := fmt.Sprintf("%s%d", vethPrefix, seq), fmt.Sprintf("skpod%d", seq)
	run := func(args ...string) error {
		out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %w: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	in := func(args ...string) error { return run(append([]string{"nsenter", "-t", pid, "-n"}, args...)...) }
	for _, step := range [][]string{
		{"ip", "link", "add", outer, "type", "veth", "peer", "name", inner, "netns", pid},
		{"ip", "addr", "add", ActivatorAddr + activatorNetCIDR, "dev", outer},
		{"ip", "link", "set", outer, "up"},
	} {
		if err := run(step...); err != nil {
			return err
		}
	}
	innerSteps := [][]string{
		{"ip", "link", "set", "lo", "up"},
		{"ip", "addr", "add", podNamespaceAddr + activatorNetCIDR, "dev", inner},
		{"ip", "link", "set", inner, "up"},
	}
	if !c.opts.QueueProxy {
		// A /16 on lo makes every address of it local: each kwok pod IP.
		// (With QueueProxy each pod has a namespace of its own instead.)
		innerSteps = append(innerSteps, []string{"ip", "addr", "add", KwokPodCIDR, "dev", "lo"})
	}
	for _, step := range innerSteps {
		if err := in(step...); err != nil {
			return err
		}
	}
	_, podNet, err := net.ParseCIDR(KwokPodCIDR)
	if err != nil {
		return err
	}
	if err := run("ip", "route", "add", podNet.String(), "via", podNamespaceAddr, "dev", outer); err != nil {
		return err
	}

	c.Pods = &FakePods{}
	c.statSink = &statSink{}
	if c.opts.QueueProxy {
		// Serving's queue-proxy in a namespace per pod (queueproxy.go).
		if err := c.startQueueProxies(ctx, pid); err != nil {
			return err
		}
	} else if err := c.serveInNamespace(nsPath, ":"+strconv.Itoa(queueProxyPort), c.Pods); err != nil {
		return fmt.Errorf("serving the pods: %w", err)
	}
	if c.opts.ServingAutoscaler {
		// Serving's autoscaler takes the stat sink's address (servingautoscaler.go).
		if err := c.startServingAutoscaler(ctx, pid); err != nil {
			return err
		}
	} else if err := c.serveInNamespace(nsPath, net.JoinHostPort(podNamespaceAddr, strconv.Itoa(statSinkPort)), c.statSink); err != nil {
		return fmt.Errorf("serving the stat sink: %w", err)
	}

	// The activator serves its per-revision concurrency gauge only with
	// Prometheus metrics on (config-observability's default is none).
	if !c.opts.ActivatorDefaultMetrics {
		if err := c.EnablePrometheusMetrics(ctx); err != nil {
			return err
		}
	}
	// The activator's own /etc/hosts: Serving's autoscaler is the stat sink.
	hosts := filepath.Join(c.workDir, "activator-hosts")
	if err := os.WriteFile(hosts, []byte("127.0.0.1 localhost\n"+podNamespaceAddr+" autoscaler."+ServingNamespace+".svc.cluster.local\n"), 0o644); err != nil {
		return err
	}
	args := []string{"-m", "--", "/bin/sh", "-c", `mount --bind "$0" /etc/hosts && exec "$@"`,
		hosts, bin, "--kubeconfig=" + c.kubeconfig}
	env := []string{
		"SYSTEM_NAMESPACE=" + ServingNamespace,
		"CONFIG_LOGGING_NAME=config-logging",
		"CONFIG_OBSERVABILITY_NAME=config-observability",
		"POD_NAME=activator-local",
		"POD_IP=" + ActivatorAddr,
		"METRICS_PROMETHEUS_HOST=" + ActivatorAddr,
		"METRICS_PROMETHEUS_PORT=" + strconv.Itoa(ActivatorMetricsPort),
		"PROFILING_PORT=0",
		"CLUSTER_DOMAIN=cluster.local",
	}
	c.activatorArgs, c.activatorEnv = args, env
	if err := c.runActivator(ctx); err != nil {
		return err
	}
	if err := c.publishActivator(ctx); err != nil {
		return err
	}
	c.opts.logf("cluster: activator healthy at %s (stat sink connected) and in %s's Endpoints in %v",
		c.ActivatorURL(), ActivatorService, time.Since(t0).Round(time.Millisecond))
	return nil
}

// runActivator starts the activator process and waits for its health.
func (c *Cluster) runActivator(ctx context.Context) error {
	p, err := c.StartProcess(ServingActivator, "unshare", c.activatorArgs, c.activatorEnv)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.killOnStop = true // its drain sleeps 45 s; it keeps no state
	p.mu.Unlock()
	c.mu.Lock()
	c.Activator = p
	c.mu.Unlock()
	return c.waitActivatorHealthy(ctx)
}

// KillActivator kills the activator at once (SIGKILL): the requests it
// holds fail. Its address stays in activator-service's Endpoints, as a
// pod's would until the kubelet reports it.
func (c *Cluster) KillActivator() error {
	c.mu.Lock()
	p := c.Activator
	c.mu.Unlock()
	if p == nil {
		return errors.New("no activator (Options.Activator)")
	}
	return p.Kill()
}

// RestartActivator starts a killed activator again, as its Deployment
// would, and waits until it is healthy.
func (c *Cluster) RestartActivator(ctx context.Context) error {
	if c.activatorArgs == nil {
		return errors.New("no activator (Options.Activator)")
	}
	if done, _ := c.Activator.Exited(); !done {
		return errors.New("the activator still runs: KillActivator first")
	}
	return c.runActivator(ctx)
}

// waitActivatorHealthy waits for the activator's kubelet probe to pass:
// it passes only while its stat sink connection is up.
func (c *Cluster) waitActivatorHealthy(ctx context.Context) error {
	hc := &http.Client{Timeout: 2 * time.Second}
	var last string
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, c.opts.StartTimeout, true, func(ctx context.Context) (bool, error) {
		if err := c.Activator.unexpectedExit(); err != nil {
			return false, err
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.ActivatorURL()+"/", nil)
		req.Header.Set("User-Agent", "kube-probe/1.34")
		resp, err := hc.Do(req)
		if err != nil {
			last = err.Error()
			return false, nil
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		last = fmt.Sprintf("%s %s", resp.Status, strings.TrimSpace(string(b)))
		return resp.StatusCode == http.StatusOK, nil
	})
	if err != nil {
		return fmt.Errorf("activator not healthy: %w (last probe: %s; stat sink connections %d)\n%s",
			err, last, c.StatConnections(), tailFile(c.Activator.LogPath, 20))
	}
	return nil
}

// EnablePrometheusMetrics sets config-observability's metrics-protocol to
// prometheus, so Serving's components (whose metrics hosts and ports the
// harness sets) serve Prometheus metrics from their next start.
func (c *Cluster) EnablePrometheusMetrics(ctx context.Context) error {
	cms := c.client.CoreV1().ConfigMaps(ServingNamespace)
	cm, err := cms.Get(ctx, "config-observability", metav1.GetOptions{})
	if err != nil {
		return err
	}
	if cm.Data == nil {
		cm.Data = map[string]string{}
	}
	cm.Data["metrics-protocol"] = "prometheus"
	_, err = cms.Update(ctx, cm, metav1.UpdateOptions{})
	return err
}

// publishActivator writes the activator's address into activator-service's
// Endpoints, with the ports Serving's activator Service names.
func (c *Cluster) publishActivator(ctx context.Context) error {
	//nolint:staticcheck // Serving v0.48-v0.50 read Endpoints.
	eps := c.client.CoreV1().Endpoints(ServingNamespace)
	ep, err := eps.Get(ctx, ActivatorService, metav1.GetOptions{})
	if err != nil {
		return err
	}
	ep.Subsets = []corev1.EndpointSubset{{ //nolint:staticcheck // as above
		Addresses: []corev1.EndpointAddress{{IP: ActivatorAddr}},
		Ports: []corev1.EndpointPort{
			{Name: "http", Port: ActivatorHTTPPort, Protocol: corev1.ProtocolTCP},
			{Name: "http2", Port: ActivatorHTTPPort + 1, Protocol: corev1.ProtocolTCP},
			{Name: "http-metrics", Port: ActivatorMetricsPort, Protocol: corev1.ProtocolTCP},
		},
	}}
	_, err = eps.Update(ctx, ep, metav1.UpdateOptions{})
	return err
}

// serveInNamespace serves h on addr inside the network namespace at nsPath
// until the cluster stops.
func (c *Cluster) serveInNamespace(nsPath, addr string, h http.Handler) error {
	l, err := listenInNamespace(nsPath, addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	c.mu.Lock()
	c.closers = append(c.closers, srv)
	c.mu.Unlock()
	return nil
}

// listenInNamespace opens a TCP listener inside the network namespace at
// nsPath: the socket stays there, whichever thread later accepts on it. It
// runs on a goroutine of its own, locked to its thread: should the thread
// fail to return to this namespace, it ends with the goroutine.
func listenInNamespace(nsPath, addr string) (net.Listener, error) {
	type result struct {
		l   net.Listener
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		target, err := os.Open(nsPath)
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{err: err}
			return
		}
		defer target.Close()
		self, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{err: err}
			return
		}
		defer self.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			ch <- result{err: fmt.Errorf("setns %s: %w", nsPath, err)}
			return
		}
		l, lerr := net.Listen("tcp", addr)
		if err := unix.Setns(int(self.Fd()), unix.CLONE_NEWNET); err != nil {
			if l != nil {
				l.Close()
			}
			ch <- result{err: fmt.Errorf("setns back: %w", err)} // the thread stays locked and ends
			return
		}
		runtime.UnlockOSThread()
		ch <- result{l: l, err: lerr}
	}()
	r := <-ch
	return r.l, r.err
}
