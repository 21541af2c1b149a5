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

package scaletozero

import (
	"context"
	"net"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	kedalisters "github.com/kedacore/keda/v2/pkg/generated/listers/keda/v1alpha1"
	"github.com/kedacore/keda/v2/pkg/scalers/externalscaler"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"k8s.io/apimachinery/pkg/types"
	fakek8s "k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
	logtesting "knative.dev/pkg/logging/testing"

	"github.com/serving-keda/serving-keda/pkg/config"
)

// staticStore is a config store with one configuration.
type staticStore struct{ cfg *config.Config }

func (s staticStore) ToContext(ctx context.Context) context.Context {
	return config.ToContext(ctx, s.cfg)
}

// TestStartServesOnceReady: a replica serves KEDA only once its caches are
// loaded; before that it would answer "not held" for every revision, and
// KEDA could take a last pod on its word. Until then the port refuses, so
// KEDA's connection goes to another replica.
func TestStartServesOnceReady(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	t.Setenv(ScalerPortEnv, strconv.Itoa(port))

	k, err := config.NewKEDAFromMap(nil)
	if err != nil {
		t.Fatal(err)
	}
	var ready atomic.Bool
	ctx, cancel := context.WithCancel(logtesting.TestContextWithLogger(t))
	defer cancel()
	Start(ctx, Deps{
		Store:    staticStore{&config.Config{KEDA: k}},
		SOLister: kedalisters.NewScaledObjectLister(cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})),
		Kube:     fakek8s.NewClientset(),
		Ready:    ready.Load,
		Enqueue:  func(types.NamespacedName) {},
		Resync:   func(func(interface{}) bool) {},
	})
	addr := "127.0.0.1:" + strconv.Itoa(port)

	time.Sleep(300 * time.Millisecond) // three of Start's readiness checks
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatal("the scaler accepts connections before the caches are loaded")
	}

	ready.Store(true)
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := externalscaler.NewExternalScalerClient(conn)
	deadline := time.Now().Add(10 * time.Second)
	for {
		rctx, rcancel := context.WithTimeout(ctx, time.Second)
		r, err := client.IsActive(rctx, &externalscaler.ScaledObjectRef{Name: "rev", Namespace: "ns"})
		rcancel()
		if err == nil {
			if r.Result {
				t.Error("IsActive of a revision without a ScaledObject = true, want false")
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the scaler does not answer once ready: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
