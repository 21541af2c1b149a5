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
	"net"
	"net/url"
	"os/exec"
	"path/filepath"
	"sync"

	"github.com/serving-keda/serving-keda/test/cluster/relay"
)

// StartProcessInNetNS is StartProcess in a network namespace of the
// process's own (`unshare -n`, so the test must run as root, as it does in
// CI and under the brief's `unshare -n`), for a component whose ports are
// fixed and taken by another: Serving's autoscaler-hpa and controller both
// serve knative.dev/pkg's health probes on port 8080. Inside, only the API
// server is reachable, at its usual address, so Kubeconfig() works
// unchanged: test/cmd/netns-exec listens there and relays each connection
// over a Unix socket to the API server. Nothing else of the namespace is
// reachable from outside (its probes and metrics ports included).
func (c *Cluster) StartProcessInNetNS(ctx context.Context, name, path string, args, env []string) (*Process, error) {
	helper, socket, err := c.netnsRelay(ctx)
	if err != nil {
		return nil, err
	}
	host, err := c.apiServerHostPort()
	if err != nil {
		return nil, err
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		return nil, fmt.Errorf("a network namespace of its own for %s: %w", name, err)
	}
	full := append([]string{"-n", "--", helper, "--listen=" + host, "--socket=" + socket, "--", path}, args...)
	return c.StartProcess(name, unshare, full, env)
}

// apiServerHostPort is the API server's host:port from the admin config.
func (c *Cluster) apiServerHostPort() (string, error) {
	u, err := url.Parse(c.config.Host)
	if err != nil {
		return "", err
	}
	if u.Port() == "" {
		return "", fmt.Errorf("API server address %q has no port", c.config.Host)
	}
	return u.Host, nil
}

// netnsRelay builds test/cmd/netns-exec once per cluster and serves the
// Unix socket that relays to the API server until the cluster's work
// directory goes.
func (c *Cluster) netnsRelay(ctx context.Context) (helper, socket string, err error) {
	c.netns.once.Do(func() {
		c.netns.helper = filepath.Join(c.workDir, "netns-exec")
		if _, c.netns.err = goCmdIn(ctx, RepoRoot(), "build", "-o", c.netns.helper, "github.com/serving-keda/serving-keda/test/cmd/netns-exec"); c.netns.err != nil {
			return
		}
		var host string
		if host, c.netns.err = c.apiServerHostPort(); c.netns.err != nil {
			return
		}
		c.netns.socket = filepath.Join(c.workDir, "apiserver.sock")
		var l net.Listener
		if l, c.netns.err = net.Listen("unix", c.netns.socket); c.netns.err != nil {
			return
		}
		c.mu.Lock()
		c.closers = append(c.closers, l)
		c.mu.Unlock()
		go func() {
			for {
				conn, err := l.Accept()
				if errors.Is(err, net.ErrClosed) {
					return
				} else if err != nil {
					continue
				}
				go func() {
					defer conn.Close()
					api, err := net.Dial("tcp", host)
					if err != nil {
						return
					}
					defer api.Close()
					relay.Both(conn, api)
				}()
			}
		}()
	})
	return c.netns.helper, c.netns.socket, c.netns.err
}

// netnsState is the per-cluster state of StartProcessInNetNS.
type netnsState struct {
	once           sync.Once
	helper, socket string
	err            error
}
