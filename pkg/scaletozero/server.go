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
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/kedacore/keda/v2/pkg/scalers/externalscaler"
	"google.golang.org/grpc"
	"k8s.io/apimachinery/pkg/types"

	"github.com/serving-keda/serving-keda/pkg/translate"
)

// MetricName is the metric the request trigger reports to KEDA's HPA.
// For a revision that scales on requests (the trigger's metric metadata)
// it is the desired pod count of Serving's decider, aimed at 1 per pod, so
// the HPA's replicas are the decider's. For any other revision it is the
// requests the activator holds or forwards for the revision, aimed at the
// trigger's targetConcurrency per pod, and while there is any demand at
// least activationScale pods' worth (the KPA's first step from zero): zero
// whenever the activator is out of the path, so it never steers the HPA
// above the revision's own metric.
const MetricName = translate.DemandTriggerName

// Server answers KEDA's external-push scaler protocol for the demand
// triggers (translate.DemandTriggerType). Every replica of the controller
// runs one, from the same inputs, so KEDA gets the same answer from any.
type Server struct {
	externalscaler.UnimplementedExternalScalerServer

	// Demand is the activators' concurrency for a revision.
	Demand func(types.NamespacedName) float64
	// Desired is the request signal's desired pod count for a revision:
	// non-zero while it has had requests within its stable window; false
	// while not known (nil: never).
	Desired func(types.NamespacedName) (int32, bool)
	// Hold says the revision must keep its pods for now (not yet safe to
	// remove the last one).
	Hold func(types.NamespacedName) bool
	// Released says the revision's activation timed out and it still has
	// pods: its demand keeps nothing, so KEDA takes it to zero, as the KPA
	// does with a revision that could not be activated (nil: never).
	Released func(types.NamespacedName) bool
	// Tick is how often open streams re-evaluate: a hold ends with time.
	Tick time.Duration

	mu       sync.Mutex
	wake     chan struct{} // closed and replaced by Notify
	stopped  chan struct{} // closed by Stop
	stopOnce sync.Once
}

var _ externalscaler.ExternalScalerServer = (*Server)(nil)

// Register adds the server to a gRPC server.
func (s *Server) Register(g *grpc.Server) { externalscaler.RegisterExternalScalerServer(g, s) }

// Notify makes every open stream re-evaluate now (the demand or a hold
// changed).
func (s *Server) Notify() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wake != nil {
		close(s.wake)
	}
	s.wake = make(chan struct{})
}

func (s *Server) waitChan() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wake == nil {
		s.wake = make(chan struct{})
	}
	return s.wake
}

func (s *Server) stopChan() chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped == nil {
		s.stopped = make(chan struct{})
	}
	return s.stopped
}

// Stop ends every open StreamIsActive cleanly, then stops g gracefully,
// for at most grace before it cuts what is left. A stream ended by its
// handler reaches KEDA as io.EOF, and KEDA's push scaler dials again 2 s
// later; one cut (grpc.Server.Stop) is an error, after which KEDA doubles
// its back-off on each restart, up to a minute with no push.
func (s *Server) Stop(g *grpc.Server, grace time.Duration) {
	s.stopOnce.Do(func() { close(s.stopChan()) })
	done := make(chan struct{})
	go func() {
		defer close(done)
		g.GracefulStop()
	}()
	select {
	case <-done:
	case <-time.After(grace):
		// Closes every connection; a handler that never returns would
		// still hold GracefulStop, so do not wait for it.
		g.Stop()
	}
}

// Key is the revision a KEDA call is about: the trigger's metadata, else
// the ScaledObject's own name (it is named after the revision).
func Key(ref *externalscaler.ScaledObjectRef) types.NamespacedName {
	key := types.NamespacedName{Namespace: ref.GetNamespace(), Name: ref.GetName()}
	if v := ref.GetScalerMetadata()[translate.DemandNamespaceKey]; v != "" {
		key.Namespace = v
	}
	if v := ref.GetScalerMetadata()[translate.DemandRevisionKey]; v != "" {
		key.Name = v
	}
	return key
}

// Active is the trigger's activity: requests within the revision's stable
// window, requests held at the activator, or a hold.
func (s *Server) Active(key types.NamespacedName) bool {
	d, pods, _ := s.requests(key)
	return d > 0 || pods > 0 || (s.Hold != nil && s.Hold(key))
}

// requests is the activators' demand and the desired pods (known: the
// request signal has a decision from stats within the stable window), both
// zero while the revision is released (looked up only when either is
// non-zero: the common idle answer needs no cache reads).
func (s *Server) requests(key types.NamespacedName) (demand float64, pods int32, known bool) {
	demand = s.Demand(key)
	if s.Desired != nil {
		pods, known = s.Desired(key)
	}
	if (demand > 0 || pods > 0) && s.Released != nil && s.Released(key) {
		return 0, 0, true
	}
	return demand, pods, known
}

// IsActive implements the polled call (KEDA's pollingInterval).
func (s *Server) IsActive(_ context.Context, ref *externalscaler.ScaledObjectRef) (*externalscaler.IsActiveResponse, error) {
	return &externalscaler.IsActiveResponse{Result: s.Active(Key(ref))}, nil
}

// StreamIsActive sends the activity at once, then only its changes: a push
// costs KEDA a scale check and often a status write.
func (s *Server) StreamIsActive(ref *externalscaler.ScaledObjectRef, stream grpc.ServerStreamingServer[externalscaler.IsActiveResponse]) error {
	key := Key(ref)
	tick := s.Tick
	if tick <= 0 {
		tick = time.Second
	}
	first, last := true, false
	stopped := s.stopChan()
	for {
		select {
		case <-stopped:
			return nil // shutting down: a clean end (Stop)
		default:
		}
		wake := s.waitChan()
		if now := s.Active(key); first || now != last {
			if err := stream.Send(&externalscaler.IsActiveResponse{Result: now}); err != nil {
				return err
			}
			first, last = false, now
		}
		select {
		case <-stream.Context().Done():
			return nil
		case <-stopped:
			return nil
		case <-wake:
		case <-time.After(tick):
		}
	}
}

// GetMetricSpec implements the HPA side: one metric, its target 1 pod for
// a revision on requests, else the trigger's targetConcurrency per pod (1
// when it names none).
func (s *Server) GetMetricSpec(_ context.Context, ref *externalscaler.ScaledObjectRef) (*externalscaler.GetMetricSpecResponse, error) {
	target := 1.0
	if !onRequests(ref) {
		target = TargetPerPod(ref)
	}
	return &externalscaler.GetMetricSpecResponse{MetricSpecs: []*externalscaler.MetricSpec{{
		MetricName: MetricName, TargetSize: int64(math.Ceil(target)), TargetSizeFloat: target,
	}}}, nil
}

// GetMetrics reports, for a revision on requests, the desired pods, and
// for any other the activators' demand; either raised while the activator
// holds any request to activationScale pods' worth.
func (s *Server) GetMetrics(_ context.Context, req *externalscaler.GetMetricsRequest) (*externalscaler.GetMetricsResponse, error) {
	ref := req.GetScaledObjectRef()
	key := Key(ref)
	demand, pods, known := s.requests(key)
	var d float64
	switch {
	case onRequests(ref) && !known && demand == 0:
		// Not 0: the HPA would take the revision to min-scale on a
		// missing signal. An error keeps its replicas (and KEDA's
		// fallback applies, when set).
		return nil, fmt.Errorf("no request statistics for revision %s within its stable window: "+
			"the queue-proxy stats of its pods (port 9090) cannot be read yet", key)
	case onRequests(ref):
		d = float64(pods)
		if demand > 0 {
			d = max(d, float64(activationScale(ref)))
		}
	case demand > 0:
		d = max(demand, float64(activationScale(ref))*TargetPerPod(ref))
	}
	return &externalscaler.GetMetricsResponse{MetricValues: []*externalscaler.MetricValue{{
		MetricName: MetricName, MetricValue: int64(math.Ceil(d)), MetricValueFloat: d,
	}}}, nil
}

// TargetPerPod is the requests per pod the trigger aims at (translate.DemandTarget).
func TargetPerPod(ref *externalscaler.ScaledObjectRef) float64 {
	if v, err := strconv.ParseFloat(ref.GetScalerMetadata()[translate.DemandTargetKey], 64); err == nil && v > 0 {
		return v
	}
	return 1
}

// onRequests reports whether the trigger's revision scales on requests.
func onRequests(ref *externalscaler.ScaledObjectRef) bool {
	return ref.GetScalerMetadata()[translate.DemandMetricKey] != ""
}

func activationScale(ref *externalscaler.ScaledObjectRef) int {
	if n, err := strconv.Atoi(ref.GetScalerMetadata()[translate.DemandActivationScaleKey]); err == nil && n > 1 {
		return n
	}
	return 1
}
