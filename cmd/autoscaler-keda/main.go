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
	"os"
	"strconv"

	filteredfactory "knative.dev/pkg/client/injection/kube/informers/factory/filtered"
	"knative.dev/pkg/injection"
	"knative.dev/pkg/injection/sharedmain"
	"knative.dev/pkg/signals"

	"github.com/serving-keda/serving-keda/pkg/reconciler/podautoscaler"
)

func main() {
	// KEDA's API types import controller-runtime, whose init registers
	// -kubeconfig on flag.CommandLine; sharedmain registers it again and
	// would panic. A fresh flag set leaves sharedmain the only owner.
	flag.CommandLine = flag.NewFlagSet(os.Args[0], flag.ExitOnError)

	ctx := filteredfactory.WithSelectors(signals.NewContext(), podautoscaler.KEDAHPASelector)

	// sharedmain serves its probes on 8080, which config/ uses. PROBES_PORT
	// moves them, so several controllers can run side by side on one host
	// (the local control plane's tests and demo).
	if v := os.Getenv("PROBES_PORT"); v != "" {
		port, err := strconv.Atoi(v)
		if err != nil {
			log.Fatalf("PROBES_PORT=%q is not a port number", v)
		}
		ctx = sharedmain.WithHealthProbesDisabled(ctx)
		go func() {
			if err := injection.ServeHealthProbes(ctx, port); err != nil {
				log.Fatalf("serving probes on %d: %v", port, err)
			}
		}()
	}
	sharedmain.MainWithContext(ctx, "autoscaler-keda", podautoscaler.NewController)
}
