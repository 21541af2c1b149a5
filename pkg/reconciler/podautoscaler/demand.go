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

package podautoscaler

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	nv1alpha1 "knative.dev/networking/pkg/apis/networking/v1alpha1"
	netlisters "knative.dev/networking/pkg/client/listers/networking/v1alpha1"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/logging"
	pkgreconciler "knative.dev/pkg/reconciler"
	"knative.dev/pkg/system"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	palisters "knative.dev/serving/pkg/client/listers/autoscaling/v1alpha1"

	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/pkg/demand"
	"github.com/serving-keda/serving-keda/pkg/translate"
)

// ActivatorScalerPortEnv names the port this process serves KEDA's
// external-push scaler on (every replica, leader or not); unset, it serves
// none, and scale to zero through the activator cannot wake a revision.
const ActivatorScalerPortEnv = "ACTIVATOR_SCALER_PORT"

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

// demandWiring is what the scraper and the scaler read.
type demandWiring struct {
	store      pkgreconciler.ConfigStore
	paLister   palisters.PodAutoscalerLister
	paInformer cache.SharedInformer
	sksLister  netlisters.ServerlessServiceLister
	// workloads reads the revisions' Deployments from the cache only.
	workloads workloads
	kube      kubernetes.Interface
	impl      func() *controller.Impl
	// ready is true once the informers, and so the config store, are
	// loaded: before that nothing is held and nothing scraped.
	ready func() bool
	// signal is the demand signal as last reported, its reason completed
	// with config-observability's setting.
	signal *atomic.Pointer[demand.Signal]
}

// demandSource is what the controller reads of the zero path's demand.
type demandSource struct {
	// Demand is the activators' concurrency for a revision.
	Demand func(types.NamespacedName) float64
	// Signal is the state of the activators' demand signal.
	Signal func() demand.Signal
	// Notify makes KEDA's open streams re-evaluate now.
	Notify func()
}

// startDemand starts the activators' scraper and, when the port is set, the
// external-push scaler; it returns the reconciler's demand source.
func startDemand(ctx context.Context, w demandWiring) demandSource {
	logger := logging.FromContext(ctx).Named("demand")
	server := &demand.Server{Tick: time.Second}
	w.signal = &atomic.Pointer[demand.Signal]{}
	w.signal.Store(&demand.Signal{})
	var failing atomic.Bool // log a failing scrape once, not every period
	scraper := &demand.Scraper{
		Targets: w.activatorTargets,
		Enabled: func() bool { return config.FromContext(w.store.ToContext(ctx)).KEDA.ActivatorScalerAddress != "" },
		Needed:  func() bool { return w.anyHeld(ctx) },
		Period: func() time.Duration {
			return config.FromContext(w.store.ToContext(ctx)).KEDA.ActivatorScrapePeriod
		},
		HealthPeriod: healthPeriod,
		OnChange: func(key types.NamespacedName) {
			if impl := w.impl(); impl != nil {
				impl.EnqueueKey(key)
			}
			server.Notify()
		},
		OnSignal: func(sig demand.Signal) {
			if sig.State == demand.SignalUnreadable {
				sig.Reason += w.observabilitySetting(ctx)
				logger.Warnw("Cannot read the activators' request metrics: no revision goes to zero, "+
					"each min-scale \"0\" revision keeps one pod until they can be read. Set metrics-protocol: prometheus in "+
					system.Namespace()+"/config-observability and restart the activator", zap.String("reason", sig.Reason))
			} else if sig.State == demand.SignalReadable {
				failing.Store(false)
				logger.Info("The activators' request metrics are readable: min-scale \"0\" revisions may go to zero")
			}
			w.signal.Store(&sig)
			if impl := w.impl(); impl != nil {
				impl.FilteredGlobalResync(w.scalesToZero(ctx), w.paInformer)
			}
			server.Notify()
		},
		Logf: func(format string, args ...any) {
			if failing.CompareAndSwap(false, true) {
				logger.Infof(format, args...)
			} else {
				logger.Debugf(format, args...)
			}
		},
	}
	server.Demand = scraper.Demand
	server.Hold = func(key types.NamespacedName) bool { return w.hold(ctx, key) }
	go func() {
		for !w.ready() {
			select {
			case <-ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
		scraper.Run(ctx)
	}()

	src := demandSource{Demand: scraper.Demand, Signal: func() demand.Signal { return *w.signal.Load() }, Notify: server.Notify}
	port := os.Getenv(ActivatorScalerPortEnv)
	if port == "" {
		return src
	}
	if _, err := strconv.Atoi(port); err != nil {
		logger.Fatalw("Bad "+ActivatorScalerPortEnv, zap.String("value", port))
	}
	l, err := net.Listen("tcp", ":"+port)
	if err != nil {
		logger.Fatalw("Cannot serve KEDA's external-push scaler", zap.Error(err))
	}
	g := grpc.NewServer()
	server.Register(g)
	go func() {
		<-ctx.Done()
		// End KEDA's streams cleanly: it dials again 2 s later, reaching a
		// replica still serving, instead of backing off up to a minute.
		// The bound: a stream blocked on a slow reader would hold it.
		server.Stop(g, 5*time.Second)
	}()
	go func() {
		if err := g.Serve(l); err != nil {
			logger.Errorw("External-push scaler stopped", zap.Error(err))
		}
	}()
	logger.Infof("Serving KEDA's external-push scaler on %s", l.Addr())
	return src
}

// activatorTargets lists the activators' metrics URLs: the ready ones,
// and those not ready (draining) whose held requests still count.
func (w demandWiring) activatorTargets(ctx context.Context) ([]demand.Target, error) {
	//nolint:staticcheck // Serving publishes the activators as Endpoints.
	ep, err := w.kube.CoreV1().Endpoints(system.Namespace()).Get(ctx, activatorService, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	var out []demand.Target
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
			out = append(out, demand.Target{URL: url(a)})
		}
		for _, a := range ss.NotReadyAddresses {
			out = append(out, demand.Target{URL: url(a), Draining: true})
		}
	}
	return out, nil
}

// anyHeld reports whether any scale-to-zero revision has its SKS in Proxy
// mode: only then can the activator hold its requests.
func (w demandWiring) anyHeld(ctx context.Context) bool {
	cfg := config.FromContext(w.store.ToContext(ctx))
	if cfg.KEDA.ActivatorScalerAddress == "" {
		return false
	}
	all, err := w.sksLister.List(labels.Everything())
	if err != nil {
		return false
	}
	for _, s := range all {
		if s.Spec.Mode != nv1alpha1.SKSOperationModeProxy {
			continue
		}
		pa, err := w.paLister.PodAutoscalers(s.Namespace).Get(s.Name)
		if err == nil && translate.ScaleToZero(pa, cfg) {
			return true
		}
	}
	return false
}

// hold is Hold for a revision, from the informers' caches.
func (w demandWiring) hold(ctx context.Context, key types.NamespacedName) bool {
	if !w.ready() {
		// A replica starting up cannot tell yet; KEDA removes a last pod
		// only after its cooldown, longer than a start-up.
		return false
	}
	cfg := config.FromContext(w.store.ToContext(ctx))
	pa, err := w.paLister.PodAutoscalers(key.Namespace).Get(key.Name)
	if err != nil || !translate.ScaleToZero(pa, cfg) {
		return false
	}
	sks, err := w.sksLister.ServerlessServices(key.Namespace).Get(key.Name)
	if err != nil {
		sks = nil
	}
	unreadable := w.signal.Load().State == demand.SignalUnreadable
	cctx := w.store.ToContext(ctx)
	held, _ := Hold(pa, sks, holdInput(cctx, pa, w.workloads.deployment(cctx, pa), time.Now(), unreadable))
	return held
}

// scalesToZero filters the PAs that may go to zero through the activator.
func (w demandWiring) scalesToZero(ctx context.Context) func(interface{}) bool {
	cfg := config.FromContext(w.store.ToContext(ctx))
	return func(obj interface{}) bool {
		pa, ok := obj.(*autoscalingv1alpha1.PodAutoscaler)
		return ok && translate.ScaleToZero(pa, cfg)
	}
}

// observabilitySetting names config-observability's metrics-protocol when
// it is what hides the activators' metrics.
func (w demandWiring) observabilitySetting(ctx context.Context) string {
	cm, err := w.kube.CoreV1().ConfigMaps(system.Namespace()).Get(ctx, observabilityConfigMap, metav1.GetOptions{})
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
