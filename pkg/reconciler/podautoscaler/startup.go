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
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	apierrs "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	kubeclient "knative.dev/pkg/client/injection/kube/client"
	"knative.dev/pkg/logging"
	"knative.dev/pkg/system"
)

// reportMissingKEDA says clearly, until it is fixed, that KEDA's ScaledObject
// API is not served: the ScaledObject informer cannot sync then, so the
// controller waits (not ready, not crashing) and starts by itself once the
// CRDs are installed. Client-go's own messages about it are easy to miss.
func reportMissingKEDA(ctx context.Context, disco discovery.DiscoveryInterface, every time.Duration) {
	logger := logging.FromContext(ctx)
	for missing := false; ; {
		_, err := disco.ServerResourcesForGroupVersion(kedav1alpha1.SchemeGroupVersion.String())
		switch {
		case err == nil && missing:
			logger.Infof("KEDA's %s API is served now; starting", kedav1alpha1.SchemeGroupVersion)
			return
		case err == nil:
			return
		case apierrs.IsNotFound(err):
			missing = true
			logger.Errorf("KEDA's CRDs are not installed (%s ScaledObject is not served): this controller "+
				"waits, not ready, until they are; install KEDA v2.19 or its CRDs", kedav1alpha1.SchemeGroupVersion)
		default:
			logger.Warnf("Checking for KEDA's %s API: %v", kedav1alpha1.SchemeGroupVersion, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

// warnIfServingHPAAutoscalerRuns logs loudly when Serving's autoscaler-hpa
// still runs: both would reconcile the same PodAutoscalers and fight.
func warnIfServingHPAAutoscalerRuns(ctx context.Context) {
	logger := logging.FromContext(ctx)
	d, err := kubeclient.Get(ctx).AppsV1().Deployments(system.Namespace()).Get(ctx, ServingHPAAutoscaler, metav1.GetOptions{})
	if err != nil {
		return // absent, or not readable: nothing to warn about
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas > 0 {
		logger.Warnf("Serving's %s deployment still runs in %s: it and this controller would both reconcile "+
			"hpa-class PodAutoscalers. Scale it to zero (hack/swap-autoscaler-hpa.sh) before relying on this controller.",
			ServingHPAAutoscaler, system.Namespace())
	}
}
