//go:build integration

/*
Copyright The serving-keda Authors

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

package cluster

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	kedaclientset "github.com/kedacore/keda/v2/pkg/generated/clientset/versioned"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"knative.dev/pkg/ptr"
)

// TestKEDAWebhook checks that a default cluster runs KEDA's admission
// webhook and that the API server really consults it: a ScaledObject KEDA
// refuses (a memory trigger on a Deployment shaped as Serving makes a
// revision's, whose containers have no memory request) is refused with
// KEDA's own message, on create and on update, and one it admits (the
// trigger scoped to a container with the request) is created. The webhook
// logs to LogDir and stops with the cluster.
func TestKEDAWebhook(t *testing.T) {
	c := StartForTest(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	kube := c.Client()
	keda, err := kedaclientset.NewForConfig(c.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}

	if c.KEDAWebhook == nil || c.KEDAOperator == nil {
		t.Fatalf("webhook %v, operator %v: want both started by default", c.KEDAWebhook, c.KEDAOperator)
	}
	if !strings.HasPrefix(c.KEDAWebhook.LogPath, c.LogDir()+string(os.PathSeparator)) {
		t.Errorf("webhook log %s is not in LogDir %s", c.KEDAWebhook.LogPath, c.LogDir())
	}

	// The registration, as KEDA's vscaledobject.kb.io webhook, by URL.
	vwc, err := kube.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, KEDAWebhookConfigName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(vwc.Webhooks) != 1 {
		t.Fatalf("webhooks = %+v, want one", vwc.Webhooks)
	}
	w := vwc.Webhooks[0]
	if u := ptr.StringValue(w.ClientConfig.URL); !strings.HasPrefix(u, "https://127.0.0.1:") || !strings.HasSuffix(u, "/validate-keda-sh-v1alpha1-scaledobject") || u != c.KEDAWebhookURL {
		t.Errorf("url = %q, want https://127.0.0.1:PORT/validate-keda-sh-v1alpha1-scaledobject (%s)", u, c.KEDAWebhookURL)
	}
	if w.ClientConfig.Service != nil || len(w.ClientConfig.CABundle) == 0 {
		t.Errorf("clientConfig = %+v, want a URL and a CA bundle", w.ClientConfig)
	}
	if *w.FailurePolicy != admissionregistrationv1.Fail || *w.SideEffects != admissionregistrationv1.SideEffectClassNone ||
		len(w.AdmissionReviewVersions) != 1 || w.AdmissionReviewVersions[0] != "v1" {
		t.Errorf("failurePolicy %s sideEffects %s versions %v, want Fail, None, [v1]", *w.FailurePolicy, *w.SideEffects, w.AdmissionReviewVersions)
	}
	if len(w.Rules) != 1 || strings.Join(w.Rules[0].APIGroups, ",") != "keda.sh" || strings.Join(w.Rules[0].APIVersions, ",") != "v1alpha1" ||
		strings.Join(w.Rules[0].Resources, ",") != "scaledobjects" || len(w.Rules[0].Operations) != 2 {
		t.Errorf("rules = %+v, want keda.sh/v1alpha1 scaledobjects CREATE, UPDATE", w.Rules)
	}

	// A revision's Deployment as Serving v0.48 makes it by default: the
	// user's container with no requests, queue-proxy with cpu 25m only;
	// here the user asked for memory.
	ns := "default"
	labels := map[string]string{"app": "shaped"}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "shaped"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name:  "user-container",
					Image: "example.invalid/app",
					Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
						corev1.ResourceMemory: resource.MustParse("128Mi"),
					}},
				}, {
					Name:  "queue-proxy",
					Image: "example.invalid/queue",
					Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
						corev1.ResourceCPU: resource.MustParse("25m"),
					}},
				}}},
			},
		},
	}
	if _, err := kube.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	so := func(name, containerName string) *kedav1alpha1.ScaledObject {
		md := map[string]string{"value": "100Mi"}
		if containerName != "" {
			md["containerName"] = containerName
		}
		return &kedav1alpha1.ScaledObject{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec: kedav1alpha1.ScaledObjectSpec{
				ScaleTargetRef:  &kedav1alpha1.ScaleTarget{APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name},
				MinReplicaCount: ptr.Int32(1),
				Triggers:        []kedav1alpha1.ScaleTriggers{{Type: "memory", MetricType: "AverageValue", Metadata: md}},
			},
		}
	}
	sos := keda.KedaV1alpha1().ScaledObjects(ns)
	// create retries only while KEDA's webhook has not seen the new
	// Deployment in its informer cache yet (it answers "not found").
	create := func(obj *kedav1alpha1.ScaledObject) (*kedav1alpha1.ScaledObject, error) {
		var got *kedav1alpha1.ScaledObject
		var err error
		_ = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
			got, err = sos.Create(ctx, obj, metav1.CreateOptions{})
			return err == nil || !strings.Contains(err.Error(), "not found"), nil
		})
		return got, err
	}

	// Refused: without containerName every container is checked, and
	// queue-proxy has no memory request.
	const refusal = `admission webhook "vscaledobject.kb.io" denied the request: the scaledobject has a memory trigger but the container queue-proxy doesn't have the memory request defined`
	if _, err := create(so("whole-pod", "")); err == nil || !strings.Contains(err.Error(), refusal) {
		t.Errorf("memory trigger over every container: err = %v, want KEDA's refusal %q", err, refusal)
	}
	if _, err := sos.Get(ctx, "whole-pod", metav1.GetOptions{}); err == nil {
		t.Error("the refused ScaledObject exists")
	}

	// Admitted: the trigger is scoped to the container with the request.
	admitted, err := create(so("user-container", "user-container"))
	if err != nil {
		t.Fatalf("memory trigger with containerName user-container: %v", err)
	}

	// Updates are judged too: dropping containerName is refused.
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		cur, err := sos.Get(ctx, admitted.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		delete(cur.Spec.Triggers[0].Metadata, "containerName")
		_, err = sos.Update(ctx, cur, metav1.UpdateOptions{})
		switch {
		case err == nil:
			return false, errUpdateAdmitted
		case strings.Contains(err.Error(), refusal):
			return true, nil
		case strings.Contains(err.Error(), "the object has been modified"):
			return false, nil // KEDA's operator wrote it meanwhile
		default:
			return false, err
		}
	}); err != nil {
		t.Errorf("update dropping containerName: %v, want KEDA's refusal %q", err, refusal)
	}

	// The refusals are in the webhook's log, in LogDir.
	if log := tailFile(c.KEDAWebhook.LogPath, 200); !strings.Contains(log, "doesn't have the memory request defined") {
		t.Errorf("webhook log %s does not show the refusal:\n%s", c.KEDAWebhook.LogPath, tailFile(c.KEDAWebhook.LogPath, 20))
	}

	// KEDA's own counters: every write above was judged, two refused for
	// missing requests.
	counts, err := c.KEDAWebhookCounts(ctx, ns)
	if err != nil {
		t.Fatal(err)
	}
	if counts.Validations < 3 || counts.Errors["missing-requests"] < 2 {
		t.Errorf("webhook counts in %s = %+v, want at least 3 validations and 2 missing-requests errors", ns, counts)
	}
	if other, err := c.KEDAWebhookCounts(ctx, "nowhere"); err != nil || other.Validations != 0 || len(other.Errors) != 0 {
		t.Errorf("webhook counts in an unused namespace = %+v, %v; want none", other, err)
	}

	// Stopped with the cluster.
	p := c.KEDAWebhook
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if done, _ := p.Exited(); !done {
		t.Errorf("KEDA's webhook (pid %d) still runs after Stop", p.PID())
	}
}

var errUpdateAdmitted = errors.New("the update was admitted")
