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
	"testing"

	"k8s.io/client-go/rest"
	sksinformer "knative.dev/networking/pkg/client/injection/informers/networking/v1alpha1/serverlessservice"
	limitrangeinformer "knative.dev/pkg/client/injection/kube/informers/core/v1/limitrange"
	filteredfactory "knative.dev/pkg/client/injection/kube/informers/factory/filtered"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/injection"
	painformer "knative.dev/serving/pkg/client/injection/informers/autoscaling/v1alpha1/podautoscaler"

	soinformer "github.com/serving-keda/serving-keda/pkg/client/injection/informers/keda/v1alpha1/scaledobject"
)

// TestOnlyTheInformersRead: the binary's injection (injection.Default, as
// sharedmain sets it up with cmd/autoscaler-keda's selectors) makes exactly
// the informers the controller reads, one cache each: no HPAs by the
// revision's label, no Deployments by KEDA's (knative's generated filtered
// informers make one per selector and type).
func TestOnlyTheInformersRead(t *testing.T) {
	ctx := filteredfactory.WithSelectors(context.Background(), KEDAHPASelector, RevisionDeploymentSelector)
	ctx, infs := injection.Default.SetupInformers(ctx, &rest.Config{Host: "https://127.0.0.1:1"})

	want := map[controller.Informer]string{
		painformer.Get(ctx).Informer():         "PodAutoscalers",
		sksinformer.Get(ctx).Informer():        "ServerlessServices",
		soinformer.Get(ctx).Informer():         "ScaledObjects",
		limitrangeinformer.Get(ctx).Informer(): "LimitRanges",
		revisionDeployments(ctx).Informer():    "Deployments labelled " + RevisionDeploymentSelector,
		kedaHPAs(ctx).Informer():               "HPAs labelled " + KEDAHPASelector,
	}
	got := map[controller.Informer]bool{}
	for _, inf := range infs {
		got[inf] = true
		if _, ok := want[inf]; !ok {
			t.Errorf("an informer nothing reads is started: %T", inf)
		}
	}
	for inf, what := range want {
		if !got[inf] {
			t.Errorf("the informer of %s is not started", what)
		}
	}
	if len(infs) != len(want) {
		t.Errorf("%d informers started, want %d", len(infs), len(want))
	}
}
