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

package testing

import (
	"context"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	ktesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
	fakenetworkingclient "knative.dev/networking/pkg/client/injection/client/fake"
	fakekubeclient "knative.dev/pkg/client/injection/kube/client/fake"
	"knative.dev/pkg/configmap"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/logging"
	logtesting "knative.dev/pkg/logging/testing"
	"knative.dev/pkg/reconciler"
	rtesting "knative.dev/pkg/reconciler/testing"
	fakeservingclient "knative.dev/serving/pkg/client/injection/client/fake"

	fakekedaclient "github.com/serving-keda/serving-keda/pkg/client/injection/client/fake"
)

const maxEventBufferSize = 20

// WantRequeueAfter is the OtherTestData key of a row whose reconcile must
// ask to be requeued after exactly this delay (controller.NewRequeueAfter):
// WantErr alone is true for any error.
const WantRequeueAfter = "wantRequeueAfter"

// requeueChecker fails the test unless the reconcile asks for the row's
// requeue delay.
type requeueChecker struct {
	controller.Reconciler
	t    *testing.T
	want time.Duration
}

func (c requeueChecker) Reconcile(ctx context.Context, key string) error {
	err := c.Reconciler.Reconcile(ctx, key)
	if ok, got := controller.IsRequeueKey(err); !ok || got != c.want {
		c.t.Errorf("Reconcile() = %v; want a requeue after exactly %v", err, c.want)
	}
	return err
}

// Ctor builds the reconciler under test from fake clients and listers.
type Ctor func(context.Context, *Listers, configmap.Watcher) controller.Reconciler

// MakeFactory returns a TableTest factory whose action recorders include
// the KEDA client, so a row that creates or updates a ScaledObject must say so.
func MakeFactory(ctor Ctor) rtesting.Factory {
	return func(t *testing.T, r *rtesting.TableRow) (controller.Reconciler, rtesting.ActionRecorderList, rtesting.EventList) {
		ls := NewListers(r.Objects)

		ctx := r.Ctx
		if ctx == nil {
			ctx = context.Background()
		}
		ctx = logging.WithLogger(ctx, logtesting.TestLogger(t))

		ctx, kubeClient := fakekubeclient.With(ctx, ls.GetKubeObjects()...)
		ctx, servingClient := fakeservingclient.With(ctx, ls.GetServingObjects()...)
		ctx, networkingClient := fakenetworkingclient.With(ctx, ls.GetNetworkingObjects()...)
		ctx, kedaClient := fakekedaclient.With(ctx, ls.GetKEDAObjects()...)

		eventRecorder := record.NewFakeRecorder(maxEventBufferSize)
		ctx = controller.WithEventRecorder(ctx, eventRecorder)

		c := ctor(ctx, &ls, configmap.NewStaticWatcher())
		r.Ctx = ctx

		// The reconciler does nothing until it leads.
		if la, ok := c.(reconciler.LeaderAware); ok {
			la.Promote(reconciler.UniversalBucket(), func(reconciler.Bucket, types.NamespacedName) {})
		}

		for _, reactor := range r.WithReactors {
			kubeClient.PrependReactor("*", "*", reactor)
			servingClient.PrependReactor("*", "*", reactor)
			networkingClient.PrependReactor("*", "*", reactor)
			kedaClient.PrependReactor("*", "*", reactor)
		}
		// Objects are validated on create and update as the API server would.
		servingClient.PrependReactor("create", "*", func(action ktesting.Action) (bool, runtime.Object, error) {
			return rtesting.ValidateCreates(ctx, action)
		})
		servingClient.PrependReactor("update", "*", func(action ktesting.Action) (bool, runtime.Object, error) {
			return rtesting.ValidateUpdates(ctx, action)
		})

		actions := rtesting.ActionRecorderList{servingClient, networkingClient, kubeClient, kedaClient}
		if want, ok := r.OtherTestData[WantRequeueAfter].(time.Duration); ok {
			c = requeueChecker{Reconciler: c, t: t, want: want}
		}
		return c, actions, rtesting.EventList{Recorder: eventRecorder}
	}
}
