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

package harness

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/wait"
	"knative.dev/pkg/apis"
	"knative.dev/pkg/ptr"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"

	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/deploy"
	"github.com/serving-keda/serving-keda/test/harness/apimetrics"
)

// Service is the Knative Service the revisions of the fixtures belong to.
const Service = "demo"

// ControllerFieldManager is the field manager of the controller's writes
// (its client's user agent starts with the binary's name).
const ControllerFieldManager = "autoscaler-keda"

// Namespace creates a namespace named after t.
func (e *Env) Namespace(t testing.TB) string {
	t.Helper()
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	if len(name) > 50 {
		name = name[:50]
	}
	name = strings.Trim(name, "-")
	if err := e.Cluster.CreateNamespace(context.Background(), name); err != nil {
		t.Fatal(err)
	}
	return name
}

// Resources of a ksvc's container, for the tests whose point needs a
// ScaledObject for a cpu or memory revision: KEDA scales on the user
// container's request, and its admission webhook refuses a cpu or memory
// trigger on a container without one. Knative's default sets none
// (deploy.Revision), which test/e2e/realinstall_test.go covers.
var (
	CPURequest       = deploy.Requests("100m", "")
	MemoryRequest    = deploy.Requests("", "128Mi")
	CPUMemoryRequest = deploy.Requests("100m", "128Mi")
)

// Revision creates what Serving creates for a new revision of a ksvc that
// sets no resources (Knative's default): its Deployment (user-container
// with no requests, queue-proxy with Serving's default 25m cpu) and its
// PodAutoscaler of the HPA class with anns.
func (e *Env) Revision(t testing.TB, ns, name string, anns map[string]string) *autoscalingv1alpha1.PodAutoscaler {
	t.Helper()
	return e.RevisionWith(t, ns, name, anns, corev1.ResourceRequirements{})
}

// RevisionWith is Revision for a ksvc whose container sets res. The
// Deployment may exist already (made by Deployment).
func (e *Env) RevisionWith(t testing.TB, ns, name string, anns map[string]string, res corev1.ResourceRequirements) *autoscalingv1alpha1.PodAutoscaler {
	t.Helper()
	d, pa := deploy.RevisionWithResources(ns, name, Service, anns, res)
	pa, err := e.CreateRevision(context.Background(), d, pa)
	if err != nil {
		t.Fatal(err)
	}
	return pa
}

// Deployment creates only a revision's Deployment (Serving creates it
// before the PA), for a test that writes a ScaledObject of its own for the
// revision before the PA exists: KEDA's webhook reads the target of a cpu or
// memory trigger and refuses a ScaledObject whose Deployment is missing.
func (e *Env) Deployment(t testing.TB, ns, name string, res corev1.ResourceRequirements) {
	t.Helper()
	d, _ := deploy.RevisionWithResources(ns, name, Service, nil, res)
	if _, err := e.Kube.AppsV1().Deployments(ns).Create(context.Background(), d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// CreateUserScaledObject creates a ScaledObject as a user would. KEDA's
// webhook reads the target Deployment from its informer cache, which may
// lag a Deployment created just before: while it answers "not found" the
// create is retried, for up to 5 s; any other refusal fails the test.
func (e *Env) CreateUserScaledObject(t testing.TB, so *kedav1alpha1.ScaledObject, opts metav1.CreateOptions) *kedav1alpha1.ScaledObject {
	t.Helper()
	var created *kedav1alpha1.ScaledObject
	var err error
	_ = wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 5*time.Second, true, func(ctx context.Context) (bool, error) {
		created, err = e.KEDA.KedaV1alpha1().ScaledObjects(so.Namespace).Create(ctx, so, opts)
		return err == nil || !strings.Contains(err.Error(), "not found"), nil
	})
	if err != nil {
		t.Fatalf("creating the user's ScaledObject %s/%s: %v", so.Namespace, so.Name, err)
	}
	return created
}

// CreateRevision creates d (unless nil; an existing one is fine) and pa.
func (e *Env) CreateRevision(ctx context.Context, d *appsv1.Deployment, pa *autoscalingv1alpha1.PodAutoscaler) (*autoscalingv1alpha1.PodAutoscaler, error) {
	if d != nil {
		if _, err := e.Kube.AppsV1().Deployments(d.Namespace).Create(ctx, d, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("creating Deployment %s: %w", d.Name, err)
		}
	}
	created, err := e.Serving.AutoscalingV1alpha1().PodAutoscalers(pa.Namespace).Create(ctx, pa, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("creating PodAutoscaler %s: %w", pa.Name, err)
	}
	return created, nil
}

// Revisions creates revisions named names concurrently (8 at a time), their
// user containers with resources res, calling created (if not nil) after each PodAutoscaler. Failed creations
// (the API server may be away) are retried for up to 2 minutes; a
// PodAutoscaler that exists already (created by a request whose answer
// was lost) counts as created.
func (e *Env) Revisions(ctx context.Context, ns string, names []string, anns map[string]string, res corev1.ResourceRequirements, created func(i int)) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan int)
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				d, pa := deploy.RevisionWithResources(ns, names[i], Service, anns, res)
				var last error
				err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
					_, last = e.CreateRevision(ctx, d, pa)
					return last == nil || apierrors.IsAlreadyExists(errors.Unwrap(last)), nil
				})
				if err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("creating revision %s: %w (last error: %v)", names[i], err, last)
					}
					mu.Unlock()
					continue
				}
				if created != nil {
					created(i)
				}
			}
		}()
	}
	for i := range names {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}

// UserScaledObject is a ScaledObject as a user writes it for a revision
// (bring-your-own, or one in the way): no owner, scaling the revision's
// Deployment on cpu, its HPA named after the revision.
func UserScaledObject(ns, revision string) *kedav1alpha1.ScaledObject {
	d, _ := deploy.Revision(ns, revision, Service, nil)
	return &kedav1alpha1.ScaledObject{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: revision, Labels: map[string]string{"owner": "user"}},
		Spec: kedav1alpha1.ScaledObjectSpec{
			ScaleTargetRef:  &kedav1alpha1.ScaleTarget{Name: d.Name},
			MinReplicaCount: ptr.Int32(1),
			MaxReplicaCount: ptr.Int32(3),
			Advanced: &kedav1alpha1.AdvancedConfig{
				HorizontalPodAutoscalerConfig: &kedav1alpha1.HorizontalPodAutoscalerConfig{Name: revision},
			},
			Triggers: []kedav1alpha1.ScaleTriggers{{Type: "cpu", MetricType: "Utilization", Metadata: map[string]string{"value": "60"}}},
		},
	}
}

// PodAutoscaler fetches a PA.
func (e *Env) PodAutoscaler(t testing.TB, ns, name string) *autoscalingv1alpha1.PodAutoscaler {
	t.Helper()
	pa, err := e.Serving.AutoscalingV1alpha1().PodAutoscalers(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return pa
}

// PACondition waits until a PA condition satisfies ok and returns the PA.
func (e *Env) PACondition(t testing.TB, ns, name, typ string, timeout time.Duration, ok func(*apis.Condition) bool) *autoscalingv1alpha1.PodAutoscaler {
	t.Helper()
	var pa *autoscalingv1alpha1.PodAutoscaler
	Eventually(t, timeout, "PA "+ns+"/"+name+" condition "+typ, func() (bool, string) {
		pa = e.PodAutoscaler(t, ns, name)
		c := pa.Status.GetCondition(apis.ConditionType(typ))
		return c != nil && ok(c), Condition(pa, typ)
	})
	return pa
}

// Condition describes a PA condition for messages.
func Condition(pa *autoscalingv1alpha1.PodAutoscaler, typ string) string {
	if pa == nil {
		return "no PodAutoscaler"
	}
	if c := pa.Status.GetCondition(apis.ConditionType(typ)); c != nil {
		return fmt.Sprintf("%s=%s reason=%q message=%q", c.Type, c.Status, c.Reason, c.Message)
	}
	return typ + " absent"
}

// SOCondition describes a ScaledObject condition for messages.
func SOCondition(so *kedav1alpha1.ScaledObject, typ kedav1alpha1.ConditionType) string {
	for _, c := range so.Status.Conditions {
		if c.Type == typ {
			return fmt.Sprintf("%s=%s reason=%q message=%q", c.Type, c.Status, c.Reason, c.Message)
		}
	}
	return string(typ) + " absent"
}

// ScaledObject waits for a ScaledObject.
func (e *Env) ScaledObject(t testing.TB, ns, name string, timeout time.Duration) *kedav1alpha1.ScaledObject {
	t.Helper()
	return Get(t, timeout, "ScaledObject "+ns+"/"+name, func() (*kedav1alpha1.ScaledObject, error) {
		return e.KEDA.KedaV1alpha1().ScaledObjects(ns).Get(context.Background(), name, metav1.GetOptions{})
	})
}

// NoScaledObject fails t unless no ScaledObject named name exists in ns.
func (e *Env) NoScaledObject(t testing.TB, ns, name string) {
	t.Helper()
	_, err := e.KEDA.KedaV1alpha1().ScaledObjects(ns).Get(context.Background(), name, metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("ScaledObject %s/%s: got err=%v, want NotFound (nothing written)", ns, name, err)
	}
}

// HPA waits for an HPA (KEDA makes one per ScaledObject, named after the
// revision).
func (e *Env) HPA(t testing.TB, ns, name string, timeout time.Duration) *autoscalingv2.HorizontalPodAutoscaler {
	t.Helper()
	return Get(t, timeout, "KEDA's HPA "+ns+"/"+name, func() (*autoscalingv2.HorizontalPodAutoscaler, error) {
		return e.Kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(context.Background(), name, metav1.GetOptions{})
	})
}

// PAEvents lists the Events on a PodAutoscaler.
func (e *Env) PAEvents(ctx context.Context, ns, name string) ([]corev1.Event, error) {
	l, err := e.Kube.CoreV1().Events(ns).List(ctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("involvedObject.name", name).String(),
	})
	if err != nil {
		return nil, err
	}
	var out []corev1.Event
	for _, x := range l.Items {
		if x.InvolvedObject.Kind == "PodAutoscaler" {
			out = append(out, x)
		}
	}
	return out, nil
}

// WarningEvent waits for a Warning Event with reason on a PA and returns it.
func (e *Env) WarningEvent(t testing.TB, ns, name, reason string, timeout time.Duration) corev1.Event {
	t.Helper()
	var ev corev1.Event
	Eventually(t, timeout, "Warning Event "+reason+" on PA "+ns+"/"+name, func() (bool, string) {
		evs, err := e.PAEvents(context.Background(), ns, name)
		if err != nil {
			return false, err.Error()
		}
		var seen []string
		for _, x := range evs {
			if x.Type == corev1.EventTypeWarning && x.Reason == reason {
				ev = x
				return true, ""
			}
			seen = append(seen, x.Type+"/"+x.Reason)
		}
		return false, fmt.Sprintf("events: %v", seen)
	})
	return ev
}

// Managers lists an object's field managers, with the operation and
// subresource each wrote through ("keda-operator/Update/status").
func Managers(m metav1.Object) []string {
	var out []string
	for _, f := range m.GetManagedFields() {
		s := f.Manager + "/" + string(f.Operation)
		if f.Subresource != "" {
			s += "/" + f.Subresource
		}
		out = append(out, s)
	}
	return out
}

// SetConfigMap replaces the data of a config map in knative-serving.
func (e *Env) SetConfigMap(ctx context.Context, name string, data map[string]string) error {
	cms := e.Kube.CoreV1().ConfigMaps(cluster.ServingNamespace)
	cm, err := cms.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	cm.Data = data
	_, err = cms.Update(ctx, cm, metav1.UpdateOptions{})
	return err
}

// SaveConfigMaps returns a function that puts the config maps' data back.
func (e *Env) SaveConfigMaps(t testing.TB, names ...string) (restore func()) {
	t.Helper()
	saved := map[string]map[string]string{}
	for _, n := range names {
		cm, err := e.Kube.CoreV1().ConfigMaps(cluster.ServingNamespace).Get(context.Background(), n, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		saved[n] = cm.Data
	}
	return func() {
		for n, data := range saved {
			if err := e.SetConfigMap(context.Background(), n, data); err != nil {
				t.Errorf("restoring %s: %v", n, err)
			}
		}
	}
}

// RestartController stops the controller (SIGTERM: it releases its
// leases) and starts it again with opts, waiting until it is ready.
func (e *Env) RestartController(t testing.TB, opts deploy.Options) {
	t.Helper()
	if err := e.Controller.Stop(); err != nil {
		t.Fatal(err)
	}
	p, err := deploy.Start(context.Background(), e.Cluster, e.Binary, opts)
	if err != nil {
		t.Fatal(err)
	}
	e.Controller = p
}

// APIRequests reads the API server's request counts (apimetrics.Scrape).
func (e *Env) APIRequests(t testing.TB) apimetrics.Counts {
	t.Helper()
	c, err := apimetrics.Scrape(context.Background(), e.Kube)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
