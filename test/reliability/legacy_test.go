//go:build integration

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

package reliability

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	servingclientset "knative.dev/serving/pkg/client/clientset/versioned"

	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/harness"
)

// The names invalid_test.go uses, until it moves to
// pkg/translate/translatetest's table and this file goes: a view of the
// shared harness.Env under the old field and method names.

type env struct {
	h          *harness.Env
	c          *cluster.Cluster
	controller *cluster.Process
	binary     string
	kube       kubernetes.Interface
	serving    servingclientset.Interface
}

// sharedEnv returns the shared env; a controller the test restarts is
// handed back to it when the test ends.
func sharedEnv(t *testing.T) *env {
	t.Helper()
	h := shared.Get(t)
	e := &env{h: h, c: h.Cluster, controller: h.Controller, binary: h.Binary, kube: h.Kube, serving: h.Serving}
	t.Cleanup(func() { h.Controller = e.controller })
	return e
}

var (
	eventuallyEvery = harness.EventuallyEvery
	condition       = harness.Condition
)

func (e *env) namespace(t *testing.T) string { return e.h.Namespace(t) }

func (e *env) setConfigMap(ctx context.Context, name string, data map[string]string) error {
	return e.h.SetConfigMap(ctx, name, data)
}

func (e *env) createRevision(ctx context.Context, d *appsv1.Deployment, pa *autoscalingv1alpha1.PodAutoscaler) (*autoscalingv1alpha1.PodAutoscaler, error) {
	return e.h.CreateRevision(ctx, d, pa)
}

func (e *env) podAutoscaler(t *testing.T, ns, name string) *autoscalingv1alpha1.PodAutoscaler {
	return e.h.PodAutoscaler(t, ns, name)
}

func (e *env) warningEvent(t *testing.T, ns, name, reason string, timeout time.Duration) corev1.Event {
	return e.h.WarningEvent(t, ns, name, reason, timeout)
}

func (e *env) noScaledObject(t *testing.T, ns, name string) { e.h.NoScaledObject(t, ns, name) }
