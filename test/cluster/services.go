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
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	corev1listers "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/serving-keda/serving-keda/test/cluster/relay"
)

// ClusterIP Services, reachable by name from the pod namespace
// (Options.ServingAutoscaler): what kube-proxy and the cluster's DNS give a
// pod, played for the processes there. Serving's autoscaler needs it: before
// it takes a KPA revision's last pod away, it probes
// http://<revision>.<ns>.svc.cluster.local/healthz and expects the
// activator to answer (the revision's public Service, whose Endpoints
// Serving's SKS reconciler points at the activator in Proxy mode).
//
//   - names: a hosts file, mounted on the process's /etc/hosts, maps
//     <service>.<namespace>.svc.cluster.local (and .svc, and
//     <service>.<namespace>) to the Service's ClusterIP; it is rewritten as
//     Services come and go (Go's resolver re-reads it within 5 s);
//   - addresses: the Service range is local in the pod namespace (on lo),
//     and this process listens there on each ClusterIP:port and relays each
//     connection to one ready address of the Service's Endpoints at the
//     port of the same name, as kube-proxy does. A port a process of the
//     pod namespace already holds on every address cannot be listened on;
//     it is skipped (SkippedServicePorts).

// serviceCIDR is the API server's --service-cluster-ip-range (cluster.go).
const serviceCIDR = "10.0.0.0/24"

type serviceProxy struct {
	c         *Cluster
	nsPath    string
	hostsPath string
	endpoints corev1listers.EndpointsLister //nolint:staticcheck // Serving v0.50 writes Endpoints.

	mu        sync.Mutex
	hosts     map[string]string                  // ns/name -> host lines
	listeners map[string]map[string]net.Listener // ns/name -> ip:port -> listener
	skipped   map[string]error                   // ip:port -> why
}

// startServiceProxy makes the Service range local in the pod namespace
// (held by routerPID), writes hostsPath and serves every ClusterIP Service
// until the cluster stops.
func (c *Cluster) startServiceProxy(ctx context.Context, routerPID, hostsPath string) (*serviceProxy, error) {
	if out, err := exec.CommandContext(ctx, "nsenter", "-t", routerPID, "-n", "ip", "addr", "add", serviceCIDR, "dev", "lo").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("the Service range in the pod namespace: %w: %s", err, out)
	}
	s := &serviceProxy{
		c: c, nsPath: "/proc/" + routerPID + "/ns/net", hostsPath: hostsPath,
		hosts: map[string]string{}, listeners: map[string]map[string]net.Listener{}, skipped: map[string]error{},
	}
	if err := s.writeHosts(); err != nil {
		return nil, err
	}
	factory := informers.NewSharedInformerFactory(c.client, 0)
	s.endpoints = factory.Core().V1().Endpoints().Lister() //nolint:staticcheck // as above
	svcs := factory.Core().V1().Services().Informer()
	if _, err := svcs.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { s.sync(o, false) },
		UpdateFunc: func(_, o any) { s.sync(o, false) },
		DeleteFunc: func(o any) { s.sync(o, true) },
	}); err != nil {
		return nil, err
	}
	stop := make(chan struct{})
	factory.Start(stop)
	factory.WaitForCacheSync(stop)
	c.mu.Lock()
	c.closers = append(c.closers, closerFunc(func() error {
		close(stop)
		factory.Shutdown()
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, ls := range s.listeners {
			for _, l := range ls {
				l.Close()
			}
		}
		return nil
	}))
	c.mu.Unlock()
	return s, nil
}

// SkippedServicePorts lists the ClusterIP:port the pod namespace could not
// be given, with why (Options.ServingAutoscaler).
func (c *Cluster) SkippedServicePorts() map[string]string {
	out := map[string]string{}
	c.mu.Lock()
	s := c.kpa.services
	c.mu.Unlock()
	if s == nil {
		return out
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, err := range s.skipped {
		out[k] = err.Error()
	}
	return out
}

// sync serves Service o's ports and names it in the hosts file, or stops
// (deleted).
func (s *serviceProxy) sync(o any, deleted bool) {
	if d, ok := o.(cache.DeletedFinalStateUnknown); ok {
		o, deleted = d.Obj, true
	}
	svc, ok := o.(*corev1.Service)
	if !ok {
		return
	}
	key := svc.Namespace + "/" + svc.Name
	ip := svc.Spec.ClusterIP
	if ip == "" || ip == corev1.ClusterIPNone || svc.Spec.Type == corev1.ServiceTypeExternalName {
		deleted = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.listeners[key]
	if deleted {
		for _, l := range old {
			l.Close()
		}
		delete(s.listeners, key)
		if _, named := s.hosts[key]; named {
			delete(s.hosts, key)
			s.writeHostsLocked()
		}
		return
	}
	want := map[string]corev1.ServicePort{}
	for _, p := range svc.Spec.Ports {
		if p.Protocol == "" || p.Protocol == corev1.ProtocolTCP {
			want[net.JoinHostPort(ip, strconv.Itoa(int(p.Port)))] = p
		}
	}
	cur := map[string]net.Listener{}
	for addr, l := range old {
		if _, ok := want[addr]; ok {
			cur[addr] = l
		} else {
			l.Close()
		}
	}
	for addr, p := range want {
		if _, ok := cur[addr]; ok {
			continue
		}
		l, err := listenInNamespace(s.nsPath, addr)
		if err != nil {
			s.skipped[addr] = err
			continue
		}
		delete(s.skipped, addr)
		cur[addr] = l
		go s.serve(l, svc.Namespace, svc.Name, p.Name)
	}
	s.listeners[key] = cur
	line := fmt.Sprintf("%s %s.%s.svc.cluster.local %s.%s.svc %s.%s\n", ip, svc.Name, svc.Namespace, svc.Name, svc.Namespace, svc.Name, svc.Namespace)
	if s.hosts[key] != line {
		s.hosts[key] = line
		s.writeHostsLocked()
	}
}

func (s *serviceProxy) writeHosts() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writeHostsLocked()
}

// writeHostsLocked rewrites the hosts file in place (it is bind-mounted:
// a rename would not reach the mount).
func (s *serviceProxy) writeHostsLocked() error {
	lines := make([]string, 0, len(s.hosts))
	for _, l := range s.hosts {
		lines = append(lines, l)
	}
	sort.Strings(lines)
	err := os.WriteFile(s.hostsPath, []byte("127.0.0.1 localhost\n"+strings.Join(lines, "")), 0o644)
	if err != nil {
		s.c.opts.logf("cluster: writing %s: %v", s.hostsPath, err)
	}
	return err
}

// serve relays each connection on l to a ready address of Service
// ns/name's Endpoints, at the port named port.
func (s *serviceProxy) serve(l net.Listener, ns, name, port string) {
	for {
		conn, err := l.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		} else if err != nil {
			continue
		}
		go func() {
			defer conn.Close()
			addr, err := s.backend(ns, name, port)
			if err != nil {
				return // refused, as kube-proxy refuses a Service without endpoints
			}
			be, err := net.Dial("tcp", addr)
			if err != nil {
				return
			}
			defer be.Close()
			relay.Both(conn, be)
		}()
	}
}

// backend picks a ready address of Service ns/name at port (its name).
func (s *serviceProxy) backend(ns, name, port string) (string, error) {
	ep, err := s.endpoints.Endpoints(ns).Get(name)
	if err != nil {
		return "", err
	}
	var addrs []string
	for _, ss := range ep.Subsets {
		for _, p := range ss.Ports {
			if p.Name != port {
				continue
			}
			for _, a := range ss.Addresses {
				addrs = append(addrs, net.JoinHostPort(a.IP, strconv.Itoa(int(p.Port))))
			}
		}
	}
	if len(addrs) == 0 {
		return "", fmt.Errorf("service %s/%s has no ready endpoint for port %q", ns, name, port)
	}
	return addrs[rand.IntN(len(addrs))], nil
}
