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

	appsv1informers "k8s.io/client-go/informers/apps/v1"
	autoscalingv2informers "k8s.io/client-go/informers/autoscaling/v2"
	filteredfactory "knative.dev/pkg/client/injection/kube/informers/factory/filtered"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/injection"
	"knative.dev/pkg/logging"
)

// The revisions' Deployments and KEDA's HPAs each come from knative's
// filtered informer factory of their own label selector. Knative's generated
// filtered informers (…/deployment/filtered, …/horizontalpodautoscaler/
// filtered) would make one informer per selector of the context for each
// type: besides these two, a second, untrimmed cache of every HPA carrying
// a revision's label (KEDA copies it from the ScaledObject onto the HPA,
// so all of them) and a watch of Deployments by KEDA's label, decoding every
// HPA event twice for nothing. These injectors make only the two informers
// read here; sharedmain starts them and waits for them like any other.

func init() {
	injection.Default.RegisterInformer(withRevisionDeployments)
	injection.Default.RegisterInformer(withKEDAHPAs)
}

type revisionDeploymentsKey struct{}

type kedaHPAsKey struct{}

func withRevisionDeployments(ctx context.Context) (context.Context, controller.Informer) {
	inf := filteredfactory.Get(ctx, RevisionDeploymentSelector).Apps().V1().Deployments()
	return context.WithValue(ctx, revisionDeploymentsKey{}, inf), inf.Informer()
}

func withKEDAHPAs(ctx context.Context) (context.Context, controller.Informer) {
	inf := filteredfactory.Get(ctx, KEDAHPASelector).Autoscaling().V2().HorizontalPodAutoscalers()
	return context.WithValue(ctx, kedaHPAsKey{}, inf), inf.Informer()
}

// revisionDeployments is the informer of the Deployments Serving makes for
// revisions (RevisionDeploymentSelector).
func revisionDeployments(ctx context.Context) appsv1informers.DeploymentInformer {
	inf, ok := ctx.Value(revisionDeploymentsKey{}).(appsv1informers.DeploymentInformer)
	if !ok {
		logging.FromContext(ctx).Panic("no informer of the revisions' Deployments in the context")
	}
	return inf
}

// kedaHPAs is the informer of the HPAs KEDA's operator makes (KEDAHPASelector).
func kedaHPAs(ctx context.Context) autoscalingv2informers.HorizontalPodAutoscalerInformer {
	inf, ok := ctx.Value(kedaHPAsKey{}).(autoscalingv2informers.HorizontalPodAutoscalerInformer)
	if !ok {
		logging.FromContext(ctx).Panic("no informer of KEDA's HPAs in the context")
	}
	return inf
}
