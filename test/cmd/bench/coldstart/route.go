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

package main

import (
	"context"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// publicRoutes sends requests the way an ingress does on a cluster: to the
// revision's public Service, whose Endpoints Serving's ServerlessService
// reconciler writes (the activator in Proxy mode, the revision's pods in
// Serve mode), one address at random per request as kube-proxy picks.
// The harness has no kube-proxy, so the benchmark reads those Endpoints
// itself.
type publicRoutes struct {
	mu    sync.Mutex
	addrs map[string][]string // namespace/revision -> http://ip:port
}

// watchPublicEndpoints follows the public Endpoints of namespace ns.
func watchPublicEndpoints(ctx context.Context, kube kubernetes.Interface, ns string) (*publicRoutes, error) {
	r := &publicRoutes{addrs: map[string][]string{}}
	factory := informers.NewSharedInformerFactoryWithOptions(kube, 0, informers.WithNamespace(ns))
	inf := factory.Core().V1().Endpoints().Informer()
	set := func(o any) {
		if ep, ok := o.(*corev1.Endpoints); ok && ep.Labels["networking.internal.knative.dev/serviceType"] == "Public" {
			r.set(ep)
		}
	}
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    set,
		UpdateFunc: func(_, o any) { set(o) },
	}); err != nil {
		return nil, err
	}
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	return r, nil
}

func (r *publicRoutes) set(ep *corev1.Endpoints) {
	var addrs []string
	for _, ss := range ep.Subsets {
		port := 0
		for _, p := range ss.Ports {
			if p.Name == "http" || port == 0 {
				port = int(p.Port)
			}
		}
		for _, a := range ss.Addresses {
			addrs = append(addrs, "http://"+net.JoinHostPort(a.IP, strconv.Itoa(port)))
		}
	}
	r.mu.Lock()
	r.addrs[ep.Namespace+"/"+ep.Name] = addrs
	r.mu.Unlock()
}

// pick returns one address of revision ns/rev's public Service, or "" if
// it has none.
func (r *publicRoutes) pick(ns, rev string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	addrs := r.addrs[ns+"/"+rev]
	if len(addrs) == 0 {
		return ""
	}
	return addrs[rand.IntN(len(addrs))]
}
