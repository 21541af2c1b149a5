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
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// Balancer is the stand-in for kube-proxy in front of a ClusterIP Service
// with several endpoints (the controller's replicas, say): one address
// whose every new TCP connection is relayed to one live backend, the
// backends tried in turn from the one after the last pick (kube-proxy's
// iptables mode picks at random). A backend that refuses the connection (a
// process stopped or killed) is skipped, as kube-proxy leaves out an
// endpoint that is not ready; a connection stays on the backend it landed
// on until either end closes it, so only new connections move.
//
// It also reads the HTTP/2 requests each connection carries (a gRPC call
// is a request whose path names the method), so a test can tell which
// backend a client's calls and streams went to, and when.
type Balancer struct {
	l        net.Listener
	backends []string

	mu    sync.Mutex
	next  int
	conns []*balancedConn
	calls []BalancedCall
}

type balancedConn struct {
	id      int
	backend string
	closed  bool
}

// BalancedCall is one HTTP/2 request seen on a relayed connection.
type BalancedCall struct {
	// Path is the request's :path (for gRPC, /package.Service/Method).
	Path string
	// Backend is where its connection was relayed.
	Backend string
	// At is when its headers passed through.
	At time.Time
	// Conn numbers its connection (from 1, in the order accepted); Open
	// says that connection is still relayed.
	Conn int
	Open bool
}

// StartBalancer listens on a free port of 127.0.0.1 and relays to the
// backends (host:port) until Close.
func StartBalancer(backends ...string) (*Balancer, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b := &Balancer{l: l, backends: backends}
	go b.serve()
	return b, nil
}

// Addr is the address clients dial (the Service's ClusterIP:port).
func (b *Balancer) Addr() string { return b.l.Addr().String() }

// Close stops accepting; relayed connections end with their ends.
func (b *Balancer) Close() error { return b.l.Close() }

// Calls returns every request seen so far, in the order seen.
func (b *Balancer) Calls() []BalancedCall {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]BalancedCall, len(b.calls))
	for i, c := range b.calls {
		c.Open = !b.conns[c.Conn-1].closed
		out[i] = c
	}
	return out
}

func (b *Balancer) serve() {
	for {
		conn, err := b.l.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		} else if err != nil {
			continue
		}
		go b.relay(conn)
	}
}

// pick dials the backends in turn from the one after the last pick and
// returns the first that accepts.
func (b *Balancer) pick() (net.Conn, string) {
	b.mu.Lock()
	start := b.next
	b.mu.Unlock()
	for i := range b.backends {
		addr := b.backends[(start+i)%len(b.backends)]
		be, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			continue
		}
		b.mu.Lock()
		b.next = (start + i + 1) % len(b.backends)
		b.mu.Unlock()
		return be, addr
	}
	return nil, ""
}

func (b *Balancer) relay(conn net.Conn) {
	defer conn.Close()
	be, addr := b.pick()
	if be == nil {
		return // no live backend: refused, as a Service without endpoints
	}
	defer be.Close()
	b.mu.Lock()
	c := &balancedConn{id: len(b.conns) + 1, backend: addr}
	b.conns = append(b.conns, c)
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		c.closed = true
		b.mu.Unlock()
	}()

	// The client's bytes go to the backend and, through a pipe, to the
	// HTTP/2 reader; either direction ending ends both, as a backend that
	// dies resets its connections.
	pr, pw := io.Pipe()
	go b.sniff(pr, c)
	done := make(chan struct{}, 2)
	go func() {
		_, _ = io.Copy(be, io.TeeReader(conn, pw))
		done <- struct{}{}
	}()
	go func() {
		_, _ = io.Copy(conn, be)
		done <- struct{}{}
	}()
	<-done
	pw.Close()
}

// sniff records the path of each request the client sends on c (HTTP/2
// with prior knowledge, as gRPC speaks without TLS); anything else is only
// drained.
func (b *Balancer) sniff(r io.Reader, c *balancedConn) {
	defer func() { _, _ = io.Copy(io.Discard, r) }()
	preface := make([]byte, len(http2.ClientPreface))
	if _, err := io.ReadFull(r, preface); err != nil || string(preface) != http2.ClientPreface {
		return
	}
	fr := http2.NewFramer(nil, r)
	fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			return
		}
		if h, ok := f.(*http2.MetaHeadersFrame); ok {
			if path := h.PseudoValue("path"); path != "" {
				b.mu.Lock()
				b.calls = append(b.calls, BalancedCall{Path: path, Backend: c.backend, At: time.Now(), Conn: c.id})
				b.mu.Unlock()
			}
		}
	}
}
