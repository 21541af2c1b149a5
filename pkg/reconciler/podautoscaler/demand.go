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
	"net"
	"os"
	"strconv"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	nv1alpha1 "knative.dev/networking/pkg/apis/networking/v1alpha1"
	netlisters "knative.dev/networking/pkg/client/listers/networking/v1alpha1"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/logging"
	pkgreconciler "knative.dev/pkg/reconciler"
	"knative.dev/pkg/system"
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

// demandWiring is what the scraper and the scaler read.
type demandWiring struct {
	store     pkgreconciler.ConfigStore
	paLister  palisters.PodAutoscalerLister
	sksLister netlisters.ServerlessServiceLister
	kube      kubernetes.Interface
	impl      func() *controller.Impl
	// ready is true once the informers, and so the config store, are
	// loaded: before that nothing is held and nothing scraped.
	ready func() bool
}

// demandSource is what the controller reads of the zero path's demand.
type demandSource struct {
	// Demand is the activators' concurrency for a revision.
	Demand func(types.NamespacedName) float64
	// Notify makes KEDA's open streams re-evaluate now.
	Notify func()
}

// startDemand starts the activators' scraper and, when the port is set, the
// external-push scaler; it returns the reconciler's demand source.
func startDemand(ctx context.Context, w demandWiring) demandSource {
	logger := logging.FromContext(ctx).Named("demand")
	server := &demand.Server{Tick: time.Second}
	scraper := &demand.Scraper{
		Targets: w.activatorTargets,
		Needed:  func() bool { return w.anyHeld(ctx) },
		Period: func() time.Duration {
			return config.FromContext(w.store.ToContext(ctx)).KEDA.ActivatorScrapePeriod
		},
		OnChange: func(key types.NamespacedName) {
			if impl := w.impl(); impl != nil {
				impl.EnqueueKey(key)
			}
			server.Notify()
		},
		Logf: logger.Infof,
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

	src := demandSource{Demand: scraper.Demand, Notify: server.Notify}
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
		g.Stop()
	}()
	go func() {
		if err := g.Serve(l); err != nil {
			logger.Errorw("External-push scaler stopped", zap.Error(err))
		}
	}()
	logger.Infof("Serving KEDA's external-push scaler on %s", l.Addr())
	return src
}

// activatorTargets lists the activators' metrics URLs.
func (w demandWiring) activatorTargets(ctx context.Context) ([]string, error) {
	//nolint:staticcheck // Serving v0.48 publishes the activators as Endpoints.
	ep, err := w.kube.CoreV1().Endpoints(system.Namespace()).Get(ctx, activatorService, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, ss := range ep.Subsets { //nolint:staticcheck // as above
		port := int32(activatorMetricsPort)
		for _, p := range ss.Ports {
			if p.Name == "http-metrics" {
				port = p.Port
			}
		}
		for _, a := range ss.Addresses {
			out = append(out, "http://"+net.JoinHostPort(a.IP, strconv.Itoa(int(port)))+"/metrics")
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
	held, _ := Hold(pa, sks, time.Now(), idleWindow(pa, cfg.Autoscaler))
	return held
}
