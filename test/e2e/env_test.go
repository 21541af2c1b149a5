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

package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	kedaclientset "github.com/kedacore/keda/v2/pkg/generated/clientset/versioned"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	networkingclientset "knative.dev/networking/pkg/client/clientset/versioned"
	"knative.dev/pkg/apis"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	servingclientset "knative.dev/serving/pkg/client/clientset/versioned"

	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/deploy"
)

// env is one control plane, KEDA and this controller, shared by the tests
// of this package; each test works in its own namespace. Tests that kill or
// restart components start an env of their own.
type env struct {
	c          *cluster.Cluster
	controller *cluster.Process
	binary     string
	kube       kubernetes.Interface
	serving    servingclientset.Interface
	networking networkingclientset.Interface
	keda       kedaclientset.Interface
}

var shared *env

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	// Tests that need no controller (the smoke test) still run when the
	// shared env cannot start; those that do fail with its error.
	code := m.Run()
	if shared != nil {
		_ = shared.c.Stop()
	}
	if build.dir != "" {
		_ = os.RemoveAll(build.dir)
	}
	return code
}

// build is the controller binary, built once for all the envs of a run.
var build struct {
	once      sync.Once
	dir, path string
	err       error
}

func controllerBinary(ctx context.Context) (string, error) {
	build.once.Do(func() {
		if build.dir, build.err = os.MkdirTemp("", "serving-keda-e2e-bin-"); build.err == nil {
			build.path, build.err = deploy.Build(ctx, build.dir)
		}
	})
	return build.path, build.err
}

// sharedEnv starts the shared env on first use.
func sharedEnv(t *testing.T) *env {
	t.Helper()
	if shared == nil {
		// It outlives the test that starts it: log to stderr, not t.
		logf := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "shared env: "+format+"\n", args...) }
		e, err := startEnv(t, cluster.Options{Logf: logf}, deploy.Options{})
		if err != nil {
			t.Fatal(err)
		}
		shared = e
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("component logs in %s:\n%s", shared.c.LogDir(), cluster.LogReport(shared.c.LogDir(), 40))
		}
	})
	if err := shared.c.Healthy(); err != nil {
		t.Fatalf("shared control plane unhealthy: %v", err)
	}
	return shared
}

// startEnv starts a control plane with KEDA, installs config/ and runs the
// controller under its ServiceAccount.
func startEnv(t *testing.T, copts cluster.Options, dopts deploy.Options) (*env, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := cluster.Start(ctx, copts)
	if err != nil {
		return nil, err
	}
	e := &env{c: c}
	fail := func(err error) (*env, error) {
		_ = c.Stop()
		return nil, err
	}
	cfg := c.RESTConfig()
	e.kube = c.Client()
	if e.serving, err = servingclientset.NewForConfig(cfg); err != nil {
		return fail(err)
	}
	if e.networking, err = networkingclientset.NewForConfig(cfg); err != nil {
		return fail(err)
	}
	if e.keda, err = kedaclientset.NewForConfig(cfg); err != nil {
		return fail(err)
	}
	if err := deploy.Install(ctx, c); err != nil {
		return fail(err)
	}
	if e.binary, err = controllerBinary(ctx); err != nil {
		return fail(err)
	}
	if e.controller, err = deploy.Start(ctx, c, e.binary, dopts); err != nil {
		return fail(err)
	}
	return e, nil
}

// namespace creates a namespace for one test.
func (e *env) namespace(t *testing.T) string {
	t.Helper()
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	if len(name) > 50 {
		name = name[:50]
	}
	name = strings.Trim(name, "-")
	if err := e.c.CreateNamespace(context.Background(), name); err != nil {
		t.Fatal(err)
	}
	return name
}

// Resources of a ksvc's container, for the tests whose point needs a
// request: KEDA scales cpu and memory on the user container's request, and
// its admission webhook refuses a cpu or memory trigger on a container
// without one. Knative's default sets none (deploy.Revision), which
// realinstall_test.go covers.
var (
	cpuRequest       = deploy.Requests("100m", "")
	memoryRequest    = deploy.Requests("", "128Mi")
	cpuMemoryRequest = deploy.Requests("100m", "128Mi")
)

// revision creates what Serving creates for a new revision of a ksvc that
// sets no resources (Knative's default): its Deployment (user-container
// with no requests, queue-proxy with Serving's default 25m cpu) and its
// PodAutoscaler of the HPA class with the given annotations.
func (e *env) revision(t *testing.T, ns, name string, anns map[string]string) *autoscalingv1alpha1.PodAutoscaler {
	t.Helper()
	return e.revisionWith(t, ns, name, anns, corev1.ResourceRequirements{})
}

// revisionWith is revision for a ksvc whose container sets res. The
// Deployment may exist already (made by e.deployment).
func (e *env) revisionWith(t *testing.T, ns, name string, anns map[string]string, res corev1.ResourceRequirements) *autoscalingv1alpha1.PodAutoscaler {
	t.Helper()
	ctx := context.Background()
	d, pa := deploy.RevisionWithResources(ns, name, "demo", anns, res)
	if _, err := e.kube.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	pa, err := e.serving.AutoscalingV1alpha1().PodAutoscalers(ns).Create(ctx, pa, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return pa
}

// deployment creates only a revision's Deployment (Serving creates it
// before the PA), for a test that writes a ScaledObject of its own for the
// revision before the PA exists: KEDA's webhook reads the target of a cpu or
// memory trigger and refuses a ScaledObject whose Deployment is missing.
func (e *env) deployment(t *testing.T, ns, name string, res corev1.ResourceRequirements) {
	t.Helper()
	d, _ := deploy.RevisionWithResources(ns, name, "demo", nil, res)
	if _, err := e.kube.AppsV1().Deployments(ns).Create(context.Background(), d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// createUserScaledObject creates a ScaledObject as a user would. KEDA's
// webhook reads the target Deployment from its informer cache, which may
// lag a Deployment created just before: while it answers "not found" the
// create is retried, for up to 5 s; any other refusal fails the test.
func (e *env) createUserScaledObject(t *testing.T, so *kedav1alpha1.ScaledObject, opts metav1.CreateOptions) *kedav1alpha1.ScaledObject {
	t.Helper()
	var created *kedav1alpha1.ScaledObject
	var err error
	_ = wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 5*time.Second, true, func(ctx context.Context) (bool, error) {
		created, err = e.keda.KedaV1alpha1().ScaledObjects(so.Namespace).Create(ctx, so, opts)
		return err == nil || !strings.Contains(err.Error(), "not found"), nil
	})
	if err != nil {
		t.Fatalf("creating the user's ScaledObject %s/%s: %v", so.Namespace, so.Name, err)
	}
	return created
}

// eventually polls cond every 50ms until it holds or timeout passes; the
// last reason it gave is the failure message.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	var last string
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		ok, why := cond()
		last = why
		return ok, nil
	})
	if err != nil {
		t.Fatalf("%s: not within %v: %s", what, timeout, last)
	}
}

// scaledObject waits for the revision's ScaledObject.
func (e *env) scaledObject(t *testing.T, ns, name string) *kedav1alpha1.ScaledObject {
	t.Helper()
	var so *kedav1alpha1.ScaledObject
	eventually(t, 30*time.Second, "ScaledObject "+name, func() (bool, string) {
		var err error
		so, err = e.keda.KedaV1alpha1().ScaledObjects(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return true, ""
	})
	return so
}

// podAutoscaler fetches a PA.
func (e *env) podAutoscaler(t *testing.T, ns, name string) *autoscalingv1alpha1.PodAutoscaler {
	t.Helper()
	pa, err := e.serving.AutoscalingV1alpha1().PodAutoscalers(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return pa
}

// condition describes a PA condition for messages.
func condition(pa *autoscalingv1alpha1.PodAutoscaler, typ string) string {
	for _, c := range pa.Status.Conditions {
		if string(c.Type) == typ {
			return fmt.Sprintf("%s=%s reason=%q message=%q", c.Type, c.Status, c.Reason, c.Message)
		}
	}
	return typ + " absent"
}

// Timeouts of the new scenarios: about three times the slowest seen on a
// loaded 2-core machine, rounded up (the controller reacts in well under a
// second, KEDA in about one).
const (
	// controllerTimeout bounds the controller's reaction to a change.
	controllerTimeout = 5 * time.Second
	// kedaTimeout bounds a step that waits for KEDA's operator (an HPA, a
	// ScaledObject condition, a Prometheus query).
	kedaTimeout = 10 * time.Second
)

// dedicatedEnv starts an env of the test's own (for tests that change global
// state or restart components); it stops with the test and keeps its logs,
// printing their tails, when the test fails.
func dedicatedEnv(t *testing.T, copts cluster.Options, dopts deploy.Options) *env {
	t.Helper()
	if copts.Logf == nil {
		copts.Logf = t.Logf
	}
	e, err := startEnv(t, copts, dopts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.c.Stop(); err != nil {
			t.Errorf("stopping the dedicated env: %v", err)
		}
	})
	e.c.KeepLogsOnFailure(t)
	return e
}

// hpa waits for the HPA KEDA makes for a revision.
func (e *env) hpa(t *testing.T, ns, name string, timeout time.Duration) *autoscalingv2.HorizontalPodAutoscaler {
	t.Helper()
	var hpa *autoscalingv2.HorizontalPodAutoscaler
	eventually(t, timeout, "KEDA's HPA "+ns+"/"+name, func() (bool, string) {
		var err error
		hpa, err = e.kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return true, ""
	})
	return hpa
}

// paCondition waits until a PA condition satisfies ok and returns the PA.
func (e *env) paCondition(t *testing.T, ns, name, typ string, timeout time.Duration, ok func(*apis.Condition) bool) *autoscalingv1alpha1.PodAutoscaler {
	t.Helper()
	var pa *autoscalingv1alpha1.PodAutoscaler
	eventually(t, timeout, "PA "+ns+"/"+name+" condition "+typ, func() (bool, string) {
		pa = e.podAutoscaler(t, ns, name)
		c := pa.Status.GetCondition(apis.ConditionType(typ))
		return c != nil && ok(c), condition(pa, typ)
	})
	return pa
}

// soCondition describes a ScaledObject condition for messages.
func soCondition(so *kedav1alpha1.ScaledObject, typ kedav1alpha1.ConditionType) string {
	for _, c := range so.Status.Conditions {
		if c.Type == typ {
			return fmt.Sprintf("%s=%s reason=%q message=%q", c.Type, c.Status, c.Reason, c.Message)
		}
	}
	return string(typ) + " absent"
}

// notFound polls get until it returns NotFound.
func notFound(t *testing.T, timeout time.Duration, what string, get func() error) {
	t.Helper()
	eventually(t, timeout, what+" gone", func() (bool, string) {
		err := get()
		if apierrors.IsNotFound(err) {
			return true, ""
		}
		return false, fmt.Sprintf("still there (err %v)", err)
	})
}

// managers lists an object's field managers, with the operation and
// subresource each wrote through ("keda-operator/Update/status").
func managers(m metav1.Object) []string {
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
