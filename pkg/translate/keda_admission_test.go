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

package translate

import (
	"context"
	"fmt"
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
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
)

// KEDAAdmission gives the external tests of this package the same oracle.
var KEDAAdmission = kedaAdmission

// kedaAdmission runs KEDA's own admission checks for ScaledObjects
// (apis/keda/v1alpha1 scaledobject_webhook.go: the workload's requests,
// replica bounds, fallback, names, triggers, scaling modifiers, HPA and
// ScaledObject clashes) against a cluster holding objs. It is the code path
// of KEDA's webhook process, not the four helpers the translation calls
// itself, so it also catches what the translation forgot to check.
//
// KEDA keeps the manager's client in package variables: the returned
// function checks against the objs of the latest call.
func kedaAdmission(t testing.TB, objs ...client.Object) func(*kedav1alpha1.ScaledObject) error {
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
	c := &objectsClient{objs: objs, indexes: map[string]bool{}}
	mgr := &fakeManager{scheme: scheme, mapper: mapper, client: c, server: webhook.NewServer(webhook.Options{})}
	if err := (&kedav1alpha1.ScaledObject{}).SetupWebhookWithManager(mgr, false); err != nil {
		t.Fatalf("setting up KEDA's webhook: %v", err)
	}
	return func(so *kedav1alpha1.ScaledObject) error {
		// KEDA's check rewrites a scaling-modifiers formula in place.
		_, err := so.DeepCopy().ValidateCreate(ptr.Bool(false))
		return err
	}
}

// servingDeployment is a revision's Deployment as Serving makes it: the
// user's container (with userRequests) and queue-proxy, which requests 25m
// of cpu and no memory with Serving's defaults.
func servingDeployment(namespace, name string, userRequests corev1.ResourceList) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name:      "user-container",
			Ports:     []corev1.ContainerPort{{Name: "user-port", ContainerPort: 8080}},
			Resources: corev1.ResourceRequirements{Requests: userRequests},
		}, {
			Name:      QueueProxyContainer,
			Ports:     []corev1.ContainerPort{{Name: "http-queueadm", ContainerPort: 8022}, {Name: "queue-port", ContainerPort: 8012}},
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("25m")}},
		}}}}},
	}
}

// testDeployment is the Deployment testWorkload describes.
func testDeployment() *appsv1.Deployment {
	return servingDeployment(testNS, testRevision+"-deployment",
		corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")})
}

// TestTestDeploymentIsTestWorkload keeps the oracle's Deployment and the
// translation's view of it the same pod.
func TestTestDeploymentIsTestWorkload(t *testing.T) {
	d := testDeployment()
	got := WorkloadFromPodSpec(d.Name, &d.Spec.Template.Spec, nil)
	if fmt.Sprint(got) != fmt.Sprint(testWorkload()) {
		t.Errorf("testDeployment reads as %+v, testWorkload is %+v", got, testWorkload())
	}
}

// fakeManager is the part of a controller-runtime manager KEDA's webhook
// set-up reads; any other method panics through the nil interface.
type fakeManager struct {
	ctrl.Manager
	scheme *runtime.Scheme
	mapper meta.RESTMapper
	client *objectsClient
	server webhook.Server
}

func (m *fakeManager) GetClient() client.Client                     { return m.client }
func (m *fakeManager) GetFieldIndexer() client.FieldIndexer         { return m.client }
func (m *fakeManager) GetRESTMapper() meta.RESTMapper               { return m.mapper }
func (m *fakeManager) GetScheme() *runtime.Scheme                   { return m.scheme }
func (m *fakeManager) GetConfig() *rest.Config                      { return &rest.Config{} }
func (m *fakeManager) GetWebhookServer() webhook.Server             { return m.server }
func (m *fakeManager) GetAPIReader() client.Reader                  { return m.client }
func (m *fakeManager) GetEventRecorder(string) events.EventRecorder { return nil }

// objectsClient serves Get over a fixed set of Deployments, and List of
// the kinds KEDA's webhook lists as empty (no ScaledObject, HPA or
// LimitRange in the namespace), refusing, as a cache does, a field
// selector on an index nobody registered.
type objectsClient struct {
	client.Client
	objs    []client.Object
	indexes map[string]bool
}

func (c *objectsClient) IndexField(_ context.Context, obj client.Object, field string, _ client.IndexerFunc) error {
	c.indexes[fmt.Sprintf("%T/%s", obj, field)] = true
	return nil
}

func (c *objectsClient) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	for _, o := range c.objs {
		if d, ok := o.(*appsv1.Deployment); ok && o.GetName() == key.Name && o.GetNamespace() == key.Namespace {
			if dst, ok := obj.(*appsv1.Deployment); ok {
				*dst = *d.DeepCopy()
				return nil
			}
		}
	}
	return fmt.Errorf("%T %s not found", obj, key)
}

func (c *objectsClient) List(_ context.Context, list client.ObjectList, opts ...client.ListOption) error {
	var item client.Object
	switch list.(type) {
	case *corev1.LimitRangeList:
		item = &corev1.LimitRange{}
	case *kedav1alpha1.ScaledObjectList:
		item = &kedav1alpha1.ScaledObject{}
	case *autoscalingv2.HorizontalPodAutoscalerList:
		item = &autoscalingv2.HorizontalPodAutoscaler{}
	default:
		return fmt.Errorf("unexpected List of %T", list)
	}
	lo := (&client.ListOptions{}).ApplyOptions(opts)
	if lo.FieldSelector != nil {
		for _, r := range lo.FieldSelector.Requirements() {
			if !c.indexes[fmt.Sprintf("%T/%s", item, r.Field)] {
				return fmt.Errorf("index with name field:%s does not exist for %T", r.Field, item)
			}
		}
	}
	return nil // none in the namespace
}
