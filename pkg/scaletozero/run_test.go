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

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	kedalisters "github.com/kedacore/keda/v2/pkg/generated/listers/keda/v1alpha1"
	"github.com/kedacore/keda/v2/pkg/scalers/externalscaler"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	fakek8s "k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
	nv1alpha1 "knative.dev/networking/pkg/apis/networking/v1alpha1"
	netlisters "knative.dev/networking/pkg/client/listers/networking/v1alpha1"
	logtesting "knative.dev/pkg/logging/testing"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"

	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/pkg/translate"
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

// TestActivatorReadForRequestRevisions: the activators are read every
// second while some revision on Knative's request signal is behind the
// activator, whether on the zero path (min 0) or for burst capacity
// (min 1): what the activator holds counts in that revision's signal. A
// Prometheus revision in Proxy (waking from zero) needs no such read. The
// same revisions are the ones resynced when the signal's state changes.
func TestActivatorReadForRequestRevisions(t *testing.T) {
	so := func(name string, min int32, triggers ...kedav1alpha1.ScaleTriggers) *kedav1alpha1.ScaledObject {
		return &kedav1alpha1.ScaledObject{
			ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name},
			Spec:       kedav1alpha1.ScaledObjectSpec{MinReplicaCount: &min, Triggers: triggers},
		}
	}
	requests := kedav1alpha1.ScaleTriggers{Type: translate.DemandTriggerType, Name: translate.DemandTriggerName}
	prom := kedav1alpha1.ScaleTriggers{Type: "prometheus"}
	sksIn := func(name string, mode nv1alpha1.ServerlessServiceOperationMode) *nv1alpha1.ServerlessService {
		return &nv1alpha1.ServerlessService{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}, Spec: nv1alpha1.ServerlessServiceSpec{Mode: mode}}
	}
	k, err := config.NewKEDAFromMap(map[string]string{config.ActivatorScalerAddressKey: "autoscaler-keda.knative-serving.svc:9443"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		so   *kedav1alpha1.ScaledObject
		mode nv1alpha1.ServerlessServiceOperationMode
		// want: the activators read every second; resync: on a change of
		// the signal's state.
		want, resync bool
	}{
		{"on requests, min 1, behind the activator for burst capacity", so("rev", 1, requests), nv1alpha1.SKSOperationModeProxy, true, true},
		{"on requests, min 0, behind the activator", so("rev", 0, prom, requests), nv1alpha1.SKSOperationModeProxy, true, true},
		{"on requests, served by its pods", so("rev", 1, requests), nv1alpha1.SKSOperationModeServe, false, true},
		{"on Prometheus, behind the activator", so("rev", 1, prom), nv1alpha1.SKSOperationModeProxy, false, false},
	} {
		sos := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
		skss := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
		sos.Add(tc.so)
		skss.Add(sksIn("rev", tc.mode))
		s := &Source{deps: Deps{
			Store:     staticStore{&config.Config{KEDA: k}},
			SOLister:  kedalisters.NewScaledObjectLister(sos),
			SKSLister: netlisters.NewServerlessServiceLister(skss),
		}}
		if got := s.anyHeld(context.Background()); got != tc.want {
			t.Errorf("%s: activators read every second = %v, want %v", tc.name, got, tc.want)
		}
		pa := &autoscalingv1alpha1.PodAutoscaler{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "rev"}}
		if got := s.onRequestSignal(pa); got != tc.resync {
			t.Errorf("%s: resynced on a signal change = %v, want %v", tc.name, got, tc.resync)
		}
	}
}
