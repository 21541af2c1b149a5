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

// Command autoscaler-keda replaces Knative Serving's autoscaler-hpa: it
// reconciles hpa-class PodAutoscalers into KEDA ScaledObjects.
package main

import (
	"flag"
	"log"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"

	filteredfactory "knative.dev/pkg/client/injection/kube/informers/factory/filtered"
	"knative.dev/pkg/injection"
	"knative.dev/pkg/injection/sharedmain"
	"knative.dev/pkg/signals"

	"github.com/serving-keda/serving-keda/pkg/reconciler/podautoscaler"
)

// defaultGCPercent is the controller's GC target unless GOGC is set.
const defaultGCPercent = 25

func main() {
	// KEDA's API types import controller-runtime, whose init registers
	// -kubeconfig on flag.CommandLine; sharedmain registers it again and
	// would panic. A fresh flag set leaves sharedmain the only owner.
	flag.CommandLine = flag.NewFlagSet(os.Args[0], flag.ExitOnError)

	// The live heap is mostly informer caches, long-lived, and allocation
	// comes in bursts (watch events of many new revisions): a GC target of
	// 50% rather than 100% took a fifth off the peak resident memory at 3,000
	// revisions for no measurable CPU, and 25% rather than 50% keeps the peak
	// below autoscaler-hpa's, which holds less per revision but runs at 100%;
	// the controller waits on the API server most of the time, so the extra
	// collections cost little (docs/benchmarks). GOGC overrides it.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}

	ctx := filteredfactory.WithSelectors(signals.NewContext(),
		podautoscaler.KEDAHPASelector, podautoscaler.RevisionDeploymentSelector)

	// sharedmain would serve its probes only once every informer has synced,
	// so while KEDA's CRDs are missing the liveness probe would fail and the
	// kubelet would restart the controller in a loop. Serve them from the
	// start instead: alive while the process runs, ready once synced.
	// PROBES_PORT moves them from 8080, so several controllers can share a
	// host (the local control plane's tests and demo).
	port := injection.HealthCheckDefaultPort
	if v := os.Getenv("PROBES_PORT"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil {
			log.Fatalf("PROBES_PORT=%q is not a port number", v)
		}
		port = p
	}
	ready := &podautoscaler.Readiness{}
	ctx = sharedmain.WithHealthProbesDisabled(ctx)
	ctx = injection.AddReadiness(ctx, func(w http.ResponseWriter, _ *http.Request) {
		if ctx.Err() != nil || !ready.Ready() {
			http.Error(w, "informers not synced", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	go func() {
		if err := injection.ServeHealthProbes(ctx, port); err != nil {
			log.Fatalf("serving probes on %d: %v", port, err)
		}
	}()
	sharedmain.MainWithContext(ctx, "autoscaler-keda", podautoscaler.NewConstructor(ready))
}
