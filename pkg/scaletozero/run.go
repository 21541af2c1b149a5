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
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	kedalisters "github.com/kedacore/keda/v2/pkg/generated/listers/keda/v1alpha1"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	nv1alpha1 "knative.dev/networking/pkg/apis/networking/v1alpha1"
	netlisters "knative.dev/networking/pkg/client/listers/networking/v1alpha1"
	"knative.dev/pkg/logging"
	pkgreconciler "knative.dev/pkg/reconciler"
	"knative.dev/pkg/system"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	palisters "knative.dev/serving/pkg/client/listers/autoscaling/v1alpha1"

	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/pkg/requestsignal"
)

// ScalerPortEnv names the port this process serves KEDA's external-push
// scaler on (every replica, leader or not); unset, it serves none, and
// scale to zero through the activator cannot wake a revision.
const ScalerPortEnv = "ACTIVATOR_SCALER_PORT"

// activatorService is Serving's activator Service, whose Endpoints list the
// activators; activatorMetricsPort its default http-metrics port.
const (
	activatorService     = "activator-service"
	activatorMetricsPort = 9090
)

// healthPeriod is how often the activators' metrics are read while no
// revision is held at the activator: often enough that a setting hiding
// them is found, and said, long before a revision idles to zero.
const healthPeriod = 10 * time.Second

// Deps is what the zero path reads of the controller: its caches, its
// configuration and how it reconciles a PodAutoscaler.
type Deps struct {
	Store     pkgreconciler.ConfigStore
	PALister  palisters.PodAutoscalerLister
	SOLister  kedalisters.ScaledObjectLister
	SKSLister netlisters.ServerlessServiceLister
	// Deployment reads a revision's Deployment from the cache (nil: not
	// there).
	Deployment func(ctx context.Context, pa *autoscalingv1alpha1.PodAutoscaler) *appsv1.Deployment
	Kube       kubernetes.Interface
	// Ready is true once the informers, and so the config store, are
	// loaded: before that nothing is held and nothing scraped.
	Ready func() bool
	// Enqueue reconciles one revision's PA; Resync the PAs filter passes.
	Enqueue func(types.NamespacedName)
	Resync  func(filter func(interface{}) bool)
}

// Source is what the reconciler reads of the zero path.
type Source struct {
	deps     Deps
	scraper  *Scraper
	server   *Server
	requests *requestsignal.Signal
	// signal is the demand signal as last reported, its reason completed
	// with config-observability's setting.
	signal atomic.Pointer[Signal]
}

// Demand is the activators' concurrency for a revision.
func (s *Source) Demand(key types.NamespacedName) float64 { return s.scraper.Demand(key) }

// Signal is the state of the activators' demand signal.
func (s *Source) Signal() Signal { return *s.signal.Load() }

// BurstShort reports whether a revision on Knative's request signal keeps
// the activator in its path for burst capacity (requestsignal's
// BurstShort), only while the activators' demand is readable: what the
// activator holds counts in the revision's signal only then.
func (s *Source) BurstShort(key types.NamespacedName) bool {
	return s.Signal().State == SignalReadable && s.requests.BurstShort(key)
}

// Notify makes KEDA's open streams re-evaluate now: what a hold is
// computed from changed.
func (s *Source) Notify() { s.server.Notify() }

// Start starts the activators' scraper and, when ScalerPortEnv is set, the
// external-push scaler, until ctx ends.
func Start(ctx context.Context, deps Deps) *Source {
	logger := logging.FromContext(ctx).Named("scaletozero")
	src := &Source{deps: deps, server: &Server{Tick: time.Second}}
	src.signal.Store(&Signal{})
	var failing atomic.Bool // log a failing scrape once, not every period
	src.scraper = &Scraper{
		Targets: src.activatorTargets,
		Enabled: func() bool { return src.config(ctx).KEDA.ActivatorScalerAddress != "" },
		Needed: func() bool {
			// A revision short of burst capacity is behind the activator,
			// or about to be (its reconcile follows the decider).
			held := src.anyHeld(ctx) || src.requests.AnyBurstShort()
			src.requests.SetActivatorRead(held)
			return held
		},
		Period:       func() time.Duration { return src.config(ctx).KEDA.ActivatorScrapePeriod },
		HealthPeriod: healthPeriod,
		OnChange: func(key types.NamespacedName) {
			deps.Enqueue(key)
			src.server.Notify()
		},
		OnSignal: func(sig Signal) {
			if sig.State == SignalUnreadable {
				sig.Reason += src.observabilitySetting(ctx)
				logger.Warnw("Cannot read the activators' request metrics: no revision goes to zero, "+
					"each min-scale \"0\" revision keeps one pod until they can be read. Set metrics-protocol: prometheus in "+
					system.Namespace()+"/config-observability and restart the activator", zap.String("reason", sig.Reason))
			} else if sig.State == SignalReadable {
				failing.Store(false)
				logger.Info("The activators' request metrics are readable: min-scale \"0\" revisions may go to zero")
			}
			src.signal.Store(&sig)
			deps.Resync(src.onRequestSignal)
			src.server.Notify()
		},
		Logf: func(format string, args ...any) {
			if failing.CompareAndSwap(false, true) {
				logger.Infof(format, args...)
			} else {
				logger.Debugf(format, args...)
			}
		},
	}
	src.scraper.OnRead = func(demand map[types.NamespacedName]float64, at time.Time) {
		if src.requests.ActivatorRead() {
			src.requests.RecordActivator(demand, at)
		}
	}
	src.requests = requestsignal.New(ctx, deps.Kube, func(key types.NamespacedName, burstFlipped bool) {
		src.server.Notify()
		if burstFlipped {
			deps.Enqueue(key) // the SKS mode follows it (BurstShort)
			src.scraper.Wake()
		}
	})
	src.server.Demand = src.scraper.Demand
	src.server.Desired = src.requests.Desired
	src.server.Hold = func(key types.NamespacedName) bool {
		pa, sks, in, ok := src.revision(ctx, key)
		if !ok {
			return false
		}
		held, _ := Hold(pa, sks, in)
		return held
	}
	src.server.Released = func(key types.NamespacedName) bool {
		pa, _, in, ok := src.revision(ctx, key)
		return ok && Released(pa, in)
	}

	port := os.Getenv(ScalerPortEnv)
	if port != "" {
		if _, err := strconv.Atoi(port); err != nil {
			logger.Fatalw("Bad "+ScalerPortEnv, zap.String("value", port))
		}
	}
	go func() {
		for !deps.Ready() {
			select {
			case <-ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
		go src.scraper.Run(ctx)
		if port != "" {
			// Only now: a replica whose caches are not loaded would answer
			// "not held" for every revision, and KEDA could remove a last
			// pod on its word. Until it listens, KEDA reaches another
			// replica (the Service routes to ready pods only).
			src.serve(ctx, ":"+port)
		}
	}()
	return src
}

// Sync starts or stops the request signal of a revision: collected and
// decided while its ScaledObject carries the request trigger. Every
// replica runs it from its informers, leader or not, so KEDA gets the same
// answer from any.
func (s *Source) Sync(ctx context.Context, key types.NamespacedName) {
	so := s.scaledObject(key)
	pa, err := s.deps.PALister.PodAutoscalers(key.Namespace).Get(key.Name)
	if err != nil || !HasRequestTrigger(so) {
		s.requests.Forget(key)
		return
	}
	if err := s.requests.Track(pa, s.config(ctx).Autoscaler); err != nil {
		logging.FromContext(ctx).Named("scaletozero").Warnw("Cannot collect the revision's requests", zap.String("revision", key.String()), zap.Error(err))
	}
}

// SyncAll is Sync of every PodAutoscaler: config-autoscaler changed.
func (s *Source) SyncAll(ctx context.Context) {
	all, err := s.deps.PALister.List(labels.Everything())
	if err != nil {
		return
	}
	for _, pa := range all {
		s.Sync(ctx, types.NamespacedName{Namespace: pa.Namespace, Name: pa.Name})
	}
}

// serve answers KEDA on addr until ctx ends.
func (s *Source) serve(ctx context.Context, addr string) {
	logger := logging.FromContext(ctx).Named("scaletozero")
	l, err := net.Listen("tcp", addr)
	if err != nil {
		logger.Fatalw("Cannot serve KEDA's external-push scaler", zap.Error(err))
	}
	g := grpc.NewServer()
	s.server.Register(g)
	go func() {
		<-ctx.Done()
		// End KEDA's streams cleanly: it dials again 2 s later, reaching a
		// replica still serving, instead of backing off up to a minute.
		// The bound: a stream blocked on a slow reader would hold it.
		s.server.Stop(g, 5*time.Second)
	}()
	logger.Infof("Serving KEDA's external-push scaler on %s", l.Addr())
	if err := g.Serve(l); err != nil {
		logger.Errorw("External-push scaler stopped", zap.Error(err))
	}
}

func (s *Source) config(ctx context.Context) *config.Config {
	return config.FromContext(s.deps.Store.ToContext(ctx))
}

// activatorTargets lists the activators' metrics URLs: the ready ones,
// and those not ready (draining) whose held requests still count.
func (s *Source) activatorTargets(ctx context.Context) ([]Target, error) {
	//nolint:staticcheck // Serving publishes the activators as Endpoints.
	ep, err := s.deps.Kube.CoreV1().Endpoints(system.Namespace()).Get(ctx, activatorService, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	var out []Target
	for _, ss := range ep.Subsets { //nolint:staticcheck // as above
		port := int32(activatorMetricsPort)
		for _, p := range ss.Ports {
			if p.Name == "http-metrics" {
				port = p.Port
			}
		}
		url := func(a corev1.EndpointAddress) string { //nolint:staticcheck // as above
			return "http://" + net.JoinHostPort(a.IP, strconv.Itoa(int(port))) + "/metrics"
		}
		for _, a := range ss.Addresses {
			out = append(out, Target{URL: url(a)})
		}
		for _, a := range ss.NotReadyAddresses {
			out = append(out, Target{URL: url(a), Draining: true})
		}
	}
	return out, nil
}

// scaledObject is key's ScaledObject from the cache (nil: none).
func (s *Source) scaledObject(key types.NamespacedName) *kedav1alpha1.ScaledObject {
	so, err := s.deps.SOLister.ScaledObjects(key.Namespace).Get(key.Name)
	if err != nil {
		return nil
	}
	return so
}

// anyHeld reports whether a revision on Knative's request signal (on the
// zero path, or behind the activator for burst capacity) has its SKS in
// Proxy mode: only then can the activator hold its requests, which its
// signal must count.
func (s *Source) anyHeld(ctx context.Context) bool {
	if s.config(ctx).KEDA.ActivatorScalerAddress == "" {
		return false
	}
	all, err := s.deps.SKSLister.List(labels.Everything())
	if err != nil {
		return false
	}
	for _, sks := range all {
		if sks.Spec.Mode == nv1alpha1.SKSOperationModeProxy && HasRequestTrigger(s.scaledObject(types.NamespacedName{Namespace: sks.Namespace, Name: sks.Name})) {
			return true
		}
	}
	return false
}

// revision reads a revision on the zero path from the caches, with its
// Input; false for any other. The scaler serves only once the caches are
// loaded (Start), so what it reads here is what the reconciler reads.
func (s *Source) revision(ctx context.Context, key types.NamespacedName) (*autoscalingv1alpha1.PodAutoscaler, *nv1alpha1.ServerlessService, Input, bool) {
	so := s.scaledObject(key)
	if !Enabled(so) {
		return nil, nil, Input{}, false
	}
	pa, err := s.deps.PALister.PodAutoscalers(key.Namespace).Get(key.Name)
	if err != nil {
		return nil, nil, Input{}, false
	}
	sks, err := s.deps.SKSLister.ServerlessServices(key.Namespace).Get(key.Name)
	if err != nil {
		sks = nil
	}
	cctx := s.deps.Store.ToContext(ctx)
	in := NewInput(config.FromContext(cctx), pa, so, s.deps.Deployment(cctx, pa), time.Now(), s.Demand(key), s.Signal())
	return pa, sks, in, true
}

// onRequestSignal filters the PAs whose ScaledObject carries the request
// trigger: those on the zero path, and those the activator may be in the
// path of for burst capacity (BurstShort); both depend on the activators'
// signal.
func (s *Source) onRequestSignal(obj interface{}) bool {
	pa, ok := obj.(*autoscalingv1alpha1.PodAutoscaler)
	return ok && HasRequestTrigger(s.scaledObject(types.NamespacedName{Namespace: pa.Namespace, Name: pa.Name}))
}

// observabilitySetting names config-observability's metrics-protocol when
// it is what hides the activators' metrics.
func (s *Source) observabilitySetting(ctx context.Context) string {
	cm, err := s.deps.Kube.CoreV1().ConfigMaps(system.Namespace()).Get(ctx, observabilityConfigMap, metav1.GetOptions{})
	if err != nil {
		return ""
	}
	protocol, set := cm.Data[metricsProtocolKey]
	switch {
	case !set:
		return fmt.Sprintf(" (%s sets no %s: Serving's default, none, serves no metrics)", observabilityConfigMap, metricsProtocolKey)
	case protocol != "prometheus":
		return fmt.Sprintf(" (%s has %s: %q, which serves no Prometheus metrics)", observabilityConfigMap, metricsProtocolKey, protocol)
	}
	return ""
}

// Serving's observability config map and its key that makes the activator
// serve Prometheus metrics.
const (
	observabilityConfigMap = "config-observability"
	metricsProtocolKey     = "metrics-protocol"
)
