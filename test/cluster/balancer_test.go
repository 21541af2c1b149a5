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
	"net"
	"strconv"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// TestBalancer: a dead backend is skipped; a gRPC client's calls are seen
// with the backend their connection went to; once that backend stops, the
// client's next connection goes to the other live one.
func TestBalancer(t *testing.T) {
	serve := func() (*grpc.Server, string) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		g := grpc.NewServer(grpc.UnknownServiceHandler(func(_ any, s grpc.ServerStream) error {
			if err := s.RecvMsg(new(wrapperspb.StringValue)); err != nil {
				return err
			}
			return s.SendMsg(&wrapperspb.StringValue{})
		}))
		go func() { _ = g.Serve(l) }()
		t.Cleanup(g.Stop)
		return g, l.Addr().String()
	}
	dead, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	g1, a1 := serve()
	g2, a2 := serve()
	backends := map[string]*grpc.Server{a1: g1, a2: g2}
	b, err := StartBalancer(net.JoinHostPort("127.0.0.1", strconv.Itoa(dead)), a1, a2)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	conn, err := grpc.NewClient(b.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	if err := conn.Invoke(ctx, "/test.Service/First", &wrapperspb.StringValue{}, &wrapperspb.StringValue{}, grpc.WaitForReady(true)); err != nil {
		t.Fatal(err)
	}
	calls := b.Calls()
	if len(calls) != 1 || calls[0].Path != "/test.Service/First" || backends[calls[0].Backend] == nil || !calls[0].Open {
		t.Fatalf("calls %+v; want /test.Service/First on a live backend (%s or %s), its connection open", calls, a1, a2)
	}
	first := calls[0].Backend
	backends[first].Stop()
	// The client notices (its connection leaves Ready) before it calls again.
	conn.WaitForStateChange(ctx, connectivity.Ready)
	if err := conn.Invoke(ctx, "/test.Service/Second", &wrapperspb.StringValue{}, &wrapperspb.StringValue{}, grpc.WaitForReady(true)); err != nil {
		t.Fatal(err)
	}
	calls = b.Calls()
	if len(calls) != 2 || calls[0].Open || calls[1].Path != "/test.Service/Second" || calls[1].Backend == first || backends[calls[1].Backend] == nil || calls[1].Conn == calls[0].Conn {
		t.Fatalf("calls %+v; want the second on a new connection to the other live backend, the first's connection closed", calls)
	}
}
