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

package translate_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/events"
	"knative.dev/pkg/ptr"
	"knative.dev/serving/pkg/apis/autoscaling"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/serving-keda/serving-keda/pkg/translate"
	"github.com/serving-keda/serving-keda/pkg/translate/translatetest"
)

// kedaWebhook runs KEDA's own admission checks (the pinned release's) for ScaledObjects
// (apis/keda/v1alpha1 scaledobject_webhook.go: the workload's requests,
// replica bounds, fallback, triggers, HPA and ScaledObject clashes) against
// a namespace holding objs. KEDA reads the cluster through a
// controller-runtime manager's client; this gives it one over objs.
func kedaWebhook(t *testing.T, objs ...client.Object) func(*kedav1alpha1.ScaledObject) error {
	t.Helper()
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{kedav1alpha1.AddToScheme, appsv1.AddToScheme, corev1.AddToScheme, autoscalingv2.AddToScheme} {
		if err := add(scheme); err != nil {
			t.Fatal(err)
		}
	}
	mapper := meta.NewDefaultRESTMapper(nil)
	mapper.Add(appsv1.SchemeGroupVersion.WithKind("Deployment"), meta.RESTScopeNamespace)
	mapper.Add(appsv1.SchemeGroupVersion.WithKind("StatefulSet"), meta.RESTScopeNamespace)
	mgr := &fakeManager{scheme: scheme, mapper: mapper, objs: objs, server: webhook.NewServer(webhook.Options{})}
	if err := (&kedav1alpha1.ScaledObject{}).SetupWebhookWithManager(mgr, false); err != nil {
		t.Fatalf("setting up KEDA's webhook: %v", err)
	}
	return func(so *kedav1alpha1.ScaledObject) error {
		_, err := so.ValidateCreate(ptr.Bool(false))
		return err
	}
}

// TestKEDAWebhookAdmitsServingRevisions is the check a real install makes:
// what the translation writes for a revision's pod as Serving makes it is
// admitted by KEDA's webhook; pod-wide triggers, as the translation wrote
// them before scoping, are refused there.
func TestKEDAWebhookAdmitsServingRevisions(t *testing.T) {
	requests := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")}
	d := servingDeployment(requests)
	admit := kedaWebhook(t, d)
	for name, anns := range map[string]map[string]string{
		"cpu":        nil,
		"cpu value":  {autoscaling.TargetAnnotationKey: "250", translate.MetricTypeAnnotationKey: "AverageValue"},
		"memory":     {autoscaling.MetricAnnotationKey: "memory", autoscaling.TargetAnnotationKey: "100"},
		"memory pct": {autoscaling.MetricAnnotationKey: "memory"},
		"custom":     translatetest.Custom(nil),
		"custom with extra cpu": translatetest.Custom(map[string]string{
			translate.ExtraTriggersAnnotationKey: `[{"type":"cpu","metricType":"Utilization","metadata":{"value":"70"}}]`,
		}),
		"paused": {translate.PausedAnnotationKey: "true"},
	} {
		t.Run(name, func(t *testing.T) {
			so, err := translate.ScaledObject(translate.Input{
				PA:       translatetest.PodAutoscaler("shop", anns),
				Config:   caseConfig(t, nil, nil),
				Workload: translate.WorkloadFromPodSpec(d.Name, &d.Spec.Template.Spec, nil),
			})
			if err != nil {
				t.Fatalf("ScaledObject() = %v", err)
			}
			if err := admit(so); err != nil {
				t.Errorf("KEDA's webhook refuses the ScaledObject: %v", err)
			}
		})
	}
}

// TestKEDAWebhookRefuses shows the oracle can fail: objects KEDA refuses
// are refused here, with KEDA's message.
func TestKEDAWebhookRefuses(t *testing.T) {
	d := servingDeployment(corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")})
	admit := kedaWebhook(t, d)
	so, err := translate.ScaledObject(translate.Input{
		PA:       translatetest.PodAutoscaler("shop", map[string]string{autoscaling.MetricAnnotationKey: "memory", autoscaling.TargetAnnotationKey: "100"}),
		Config:   caseConfig(t, nil, nil),
		Workload: translate.WorkloadFromPodSpec(d.Name, &d.Spec.Template.Spec, nil),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		mutate func(*kedav1alpha1.ScaledObject)
		want   string
	}{{
		name:   "a pod-wide memory trigger: queue-proxy has no memory request",
		mutate: func(so *kedav1alpha1.ScaledObject) { delete(so.Spec.Triggers[0].Metadata, "containerName") },
		want:   "the scaledobject has a memory trigger but the container queue-proxy doesn't have the memory request defined",
	}, {
		name:   "only resource triggers and zero replicas",
		mutate: func(so *kedav1alpha1.ScaledObject) { so.Spec.MinReplicaCount = ptr.Int32(0) },
		want:   "scaledobject has only cpu/memory triggers AND minReplica is 0",
	}, {
		name: "a fallback on a resource trigger",
		mutate: func(so *kedav1alpha1.ScaledObject) {
			so.Spec.Fallback = &kedav1alpha1.Fallback{FailureThreshold: 3, Replicas: 2}
		},
		want: "fallback",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			bad := so.DeepCopy()
			tc.mutate(bad)
			err := admit(bad)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("KEDA's webhook: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func servingDeployment(userRequests corev1.ResourceList) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: translatetest.Revision + "-deployment", Namespace: "shop"},
		Spec:       appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: *servingPod(userRequests)}},
	}
}

// fakeManager is the part of a controller-runtime manager KEDA's webhook
// set-up reads; any other method panics through the nil interface. KEDA
// (2.21) registers field indexes first and then takes the client, whose List
// calls select by them: the client is controller-runtime's fake, over objs,
// with the indexes KEDA registered.
type fakeManager struct {
	ctrl.Manager
	scheme  *runtime.Scheme
	mapper  meta.RESTMapper
	objs    []client.Object
	indexes []index
	client  client.Client
	server  webhook.Server
}

type index struct {
	obj     client.Object
	field   string
	extract client.IndexerFunc
}

func (m *fakeManager) GetClient() client.Client {
	if m.client == nil {
		b := fake.NewClientBuilder().WithScheme(m.scheme).WithRESTMapper(m.mapper).WithObjects(m.objs...)
		for _, ix := range m.indexes {
			b = b.WithIndex(ix.obj, ix.field, ix.extract)
		}
		m.client = b.Build()
	}
	return m.client
}
func (m *fakeManager) GetFieldIndexer() client.FieldIndexer { return m }
func (m *fakeManager) GetRESTMapper() meta.RESTMapper       { return m.mapper }
func (m *fakeManager) GetScheme() *runtime.Scheme           { return m.scheme }
func (m *fakeManager) GetConfig() *rest.Config              { return &rest.Config{} }
func (m *fakeManager) GetWebhookServer() webhook.Server     { return m.server }
func (m *fakeManager) GetAPIReader() client.Reader          { return m.GetClient() }
func (m *fakeManager) GetEventRecorder(string) events.EventRecorder {
	return events.NewFakeRecorder(100)
}

// IndexField records an index for the client GetClient builds.
func (m *fakeManager) IndexField(_ context.Context, obj client.Object, field string, extract client.IndexerFunc) error {
	if m.client != nil {
		return fmt.Errorf("index %s registered after the client was built", field)
	}
	m.indexes = append(m.indexes, index{obj: obj, field: field, extract: extract})
	return nil
}
