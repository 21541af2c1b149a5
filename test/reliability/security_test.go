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
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"knative.dev/pkg/apis"
	"knative.dev/serving/pkg/apis/autoscaling"

	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/pkg/translate"
	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/deploy"
	"github.com/serving-keda/serving-keda/test/harness"
)

// clusterRole is config/'s ClusterRole for the controller.
const clusterRole = "knative-serving-autoscaler-keda"

// TestDeniedCreate: under a copy of config/'s ClusterRole without create
// on ScaledObjects, a new revision's PA says FailedCreate and a Warning
// Event says forbidden; the controller retries with exponential backoff
// (counted in its log and by the API server over 20 s), and meanwhile
// serves work that needs no create: an invalid revision gets its condition,
// a bring-your-own revision finds its ScaledObject.
func TestDeniedCreate(t *testing.T) {
	r := report(t, "RBAC denies create on ScaledObjects",
		"config/'s ClusterRole with create removed from the keda.sh scaledobjects rule; one revision; then an invalid and a bring-your-own revision")
	r.Objects = 3
	e := harness.StartForTest(t, harness.Options{Cluster: cluster.Options{SkipKEDA: true}, Before: func(ctx context.Context, e *harness.Env) error {
		role, err := e.Kube.RbacV1().ClusterRoles().Get(ctx, clusterRole, metav1.GetOptions{})
		if err != nil {
			return err
		}
		found := false
		for i, rule := range role.Rules {
			if slices.Contains(rule.APIGroups, "keda.sh") && slices.Contains(rule.Resources, "scaledobjects") {
				role.Rules[i].Verbs = slices.DeleteFunc(slices.Clone(rule.Verbs), func(v string) bool { return v == "create" })
				found = true
			}
		}
		if !found {
			return errors.New("no keda.sh scaledobjects rule in " + clusterRole)
		}
		_, err = e.Kube.RbacV1().ClusterRoles().Update(ctx, role, metav1.UpdateOptions{})
		return err
	}})
	ctx := context.Background()
	ns := e.Namespace(t)
	const denied = "denied-00001"
	e.RevisionWith(t, ns, denied, nil, harness.CPURequest)

	pa := e.PACondition(t, ns, denied, "Ready", 30*time.Second, func(c *apis.Condition) bool {
		return c.IsFalse() && c.Reason == "FailedCreate"
	})
	t.Logf("PA: %s", harness.Condition(pa, "Ready"))
	var ev corev1.Event
	harness.Eventually(t, 30*time.Second, "a Warning Event saying forbidden", func() (bool, string) {
		evs, err := e.PAEvents(context.Background(), ns, denied)
		if err != nil {
			return false, err.Error()
		}
		for _, x := range evs {
			if x.Type == corev1.EventTypeWarning && strings.Contains(x.Message, "forbidden") {
				ev = x
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d events", len(evs))
	})
	t.Logf("Event %s: %s", ev.Reason, ev.Message)

	// Other work goes on meanwhile.
	const invalid, byo = "invalid-00001", "byo-00001"
	e.Revision(t, ns, invalid, map[string]string{translate.MetricTypeAnnotationKey: "Average"})
	// The Deployment first, as Serving makes it: KEDA's webhook reads it to
	// admit the user's cpu trigger, which needs every container's cpu
	// request (queue-proxy has Serving's 25m).
	e.Deployment(t, ns, byo, harness.CPURequest)
	e.CreateUserScaledObject(t, harness.UserScaledObject(ns, byo), metav1.CreateOptions{})
	e.RevisionWith(t, ns, byo, map[string]string{translate.AutoCreateAnnotationKey: "false"}, harness.CPURequest)
	e.PACondition(t, ns, invalid, "Ready", 15*time.Second, func(c *apis.Condition) bool {
		return c.IsFalse() && c.Reason == "InvalidMetricType"
	})
	e.PACondition(t, ns, byo, "Active", 15*time.Second, func(c *apis.Condition) bool {
		return c.Reason == "WaitingForHPA"
	})

	// Backoff: the create attempts for the denied revision over the 20 s
	// after the first, from the controller's log (it logs each attempt,
	// and each refusal) and the Event's count. The API server counts
	// requests refused by authorization in no metric (RBAC refuses them
	// before the request metrics).
	type attempt struct {
		at     time.Time
		denied bool
	}
	attempts := func() (out []attempt) {
		for _, le := range readLog(t, e.Controller.LogPath) {
			switch {
			case le.Key != ns+"/"+denied:
			case strings.HasPrefix(le.Message, "Creating ScaledObject"):
				out = append(out, attempt{at: le.Time})
			case le.Message == "Returned an error" || le.Message == "Reconcile error":
				if len(out) > 0 {
					out[len(out)-1].denied = true
				}
			}
		}
		return out
	}
	first := attempts()[0].at
	time.Sleep(time.Until(first.Add(21 * time.Second)))
	var window []attempt
	for _, a := range attempts() {
		if a.at.Sub(first) <= 20*time.Second {
			window = append(window, a)
		}
	}
	var gaps []string
	var longest time.Duration
	refusals := 0
	for i, a := range window {
		if a.denied {
			refusals++
		}
		if i > 0 {
			g := a.at.Sub(window[i-1].at)
			longest = max(longest, g)
			gaps = append(gaps, g.Round(time.Millisecond).String())
		}
	}
	evs, err := e.PAEvents(context.Background(), ns, denied)
	if err != nil {
		t.Fatal(err)
	}
	var evCount int32
	for _, x := range evs {
		if x.Reason == ev.Reason && strings.Contains(x.Message, "forbidden") {
			evCount += max(x.Count, 1)
		}
	}
	t.Logf("%d create attempts (%d refusals logged) in the 20 s after the first; gaps %v; the forbidden Event counted %d", len(window), refusals, gaps, evCount)
	if len(window) > 20 {
		t.Errorf("%d create attempts in 20 s: not backing off", len(window))
	}
	if longest < 2*time.Second {
		t.Errorf("longest gap between attempts %v: not backing off", longest)
	}
	if refusals != len(window) {
		t.Errorf("%d of %d attempts ended in a logged error", refusals, len(window))
	}
	if l, err := e.KEDA.KedaV1alpha1().ScaledObjects(ns).List(ctx, metav1.ListOptions{}); err != nil || len(l.Items) != 1 {
		t.Errorf("ScaledObjects in the namespace: %v (err %v), want only the bring-your-own one", l, err)
	}
	if done, err := e.Controller.Exited(); done {
		t.Errorf("the controller exited: %v", err)
	}
	r.Result = fmt.Sprintf("PA Ready=False FailedCreate %s; Warning Event %s %s (count %d); %d create attempts in the 20 s after the first, gaps %v; an invalid and a bring-your-own revision were served meanwhile; the process stayed up",
		quote(pa.Status.GetCondition(apis.ConditionReady).Message, 100), ev.Reason, quote(ev.Message, 220), evCount, len(window), strings.Join(gaps, " "))
}

// TestRefusedOverridesAndAuth: what the per-case table of
// TestInvalidAnnotations (new revisions) cannot show: a revision whose
// ScaledObject exists, edited to retarget it or move it to another
// namespace, is refused and its ScaledObject stays exactly as it was
// (nothing anywhere scales the other Deployment); and a
// ClusterTriggerAuthentication put on config-autoscaler-keda's allow-list
// is used.
func TestRefusedOverridesAndAuth(t *testing.T) {
	e := shared.Get(t)
	r := report(t, "an override that retargets an existing revision; a ClusterTriggerAuthentication on the allow-list",
		"existing revision edited (scaled-object-override) to retarget to another Deployment, then to move namespace; allow-list set to shared-prom, a revision using shared-prom")
	r.Objects = 2
	ctx := context.Background()
	ns := e.Namespace(t)

	const moving = "moving-00001"
	pa := e.RevisionWith(t, ns, moving, nil, harness.CPURequest)
	so := e.ScaledObject(t, ns, moving, 15*time.Second)
	var msgs []string
	for _, override := range []string{`{"spec":{"scaleTargetRef":{"name":"payments"}}}`, `{"metadata":{"namespace":"kube-system"}}`} {
		patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, translate.OverrideAnnotationKey, override)
		if _, err := e.Serving.AutoscalingV1alpha1().PodAutoscalers(ns).Patch(ctx, moving, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		refused := e.PACondition(t, ns, moving, "Ready", 15*time.Second, func(c *apis.Condition) bool {
			return c.IsFalse() && c.Reason == "InvalidScaledObjectOverride" && strings.Contains(c.Message, override)
		})
		msgs = append(msgs, refused.Status.GetCondition(apis.ConditionReady).Message)
	}
	time.Sleep(2 * time.Second) // anything the controller would write, it has written by now
	now, err := e.KEDA.KedaV1alpha1().ScaledObjects(ns).Get(ctx, moving, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if now.ResourceVersion != so.ResourceVersion || now.Spec.ScaleTargetRef.Name != pa.Spec.ScaleTargetRef.Name {
		t.Errorf("existing ScaledObject written: resourceVersion %s -> %s, target %q", so.ResourceVersion, now.ResourceVersion, now.Spec.ScaleTargetRef.Name)
		r.Lost = 1
	}
	e.NoScaledObject(t, "kube-system", moving)
	all, err := e.KEDA.KedaV1alpha1().ScaledObjects("").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range all.Items {
		if x.Spec.ScaleTargetRef != nil && x.Spec.ScaleTargetRef.Name == "payments" {
			t.Errorf("ScaledObject %s/%s scales payments", x.Namespace, x.Name)
		}
	}

	// With shared-prom on the allow-list, the revision's trigger uses it.
	restore := e.SaveConfigMaps(t, config.KEDAConfigName)
	defer func() {
		restore()
		e.RestartController(t, deploy.Options{})
	}()
	if err := e.SetConfigMap(ctx, config.KEDAConfigName, map[string]string{config.ClusterTriggerAuthAllowedKey: "shared-prom"}); err != nil {
		t.Fatal(err)
	}
	e.RestartController(t, deploy.Options{})
	e.Revision(t, ns, "cta-allowed-00001", map[string]string{
		autoscaling.MetricAnnotationKey:            "queue",
		autoscaling.TargetAnnotationKey:            "4",
		translate.PrometheusAddressAnnotationKey:   "http://prometheus.invalid:9090",
		translate.PrometheusQueryAnnotationKey:     `sum(queue{revision="{{.Revision}}"})`,
		translate.PrometheusAuthNameAnnotationKey:  "shared-prom",
		translate.PrometheusAuthKindAnnotationKey:  "ClusterTriggerAuthentication",
		translate.PrometheusAuthModesAnnotationKey: "bearer",
	})
	allowed := e.ScaledObject(t, ns, "cta-allowed-00001", 15*time.Second)
	ref := allowed.Spec.Triggers[0].AuthenticationRef
	used := "none"
	if ref != nil {
		used = ref.Kind + " " + ref.Name
	}
	if used != "ClusterTriggerAuthentication shared-prom" {
		t.Errorf("allowed ClusterTriggerAuthentication not used: authenticationRef %s", used)
		r.Lost++
	}
	r.Result = fmt.Sprintf("existing revision: Ready=False InvalidScaledObjectOverride (%s; %s), its ScaledObject unchanged, none in kube-system, none scaling payments; with shared-prom on the allow-list the trigger's authenticationRef is %s",
		quote(msgs[0], 200), quote(msgs[1], 200), used)
}

// TestPodSecurityRestricted: the Pod that config/'s Deployment makes passes
// the API server's own Pod Security admission at "restricted"; the same Pod
// without each of its hardening settings does not, which shows the check is
// real.
func TestPodSecurityRestricted(t *testing.T) {
	e := shared.Get(t)
	r := report(t, "config/ Deployment's pod under Pod Security \"restricted\"",
		"namespace labelled pod-security.kubernetes.io/enforce=restricted; a Pod from config/500-autoscaler-keda.yaml's template (image replaced) created there, then the same Pod without seccompProfile, runAsNonRoot, capabilities drop or with privilege escalation")
	ctx := context.Background()
	ns := "psa-restricted"
	if _, err := e.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name:   ns,
		Labels: map[string]string{"pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "latest"},
	}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	d := configDeployment(t)
	pod := func(name string, mutate func(*corev1.Container)) *corev1.Pod {
		p := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: d.Spec.Template.Labels},
			Spec:       *d.Spec.Template.Spec.DeepCopy(),
		}
		for i := range p.Spec.Containers {
			p.Spec.Containers[i].Image = "example.invalid/autoscaler-keda:placeholder"
			if mutate != nil {
				mutate(&p.Spec.Containers[i])
			}
		}
		return p
	}
	if _, err := e.Kube.CoreV1().Pods(ns).Create(ctx, pod("autoscaler-keda", nil), metav1.CreateOptions{}); err != nil {
		t.Fatalf("config/'s pod refused under restricted: %v", err)
	}
	variants := []struct {
		name, field string
		mutate      func(*corev1.Container)
	}{
		{"no-seccomp", "seccompProfile", func(c *corev1.Container) { c.SecurityContext.SeccompProfile = nil }},
		{"no-run-as-non-root", "runAsNonRoot", func(c *corev1.Container) { c.SecurityContext.RunAsNonRoot = nil }},
		{"no-capabilities-drop", "capabilities", func(c *corev1.Container) { c.SecurityContext.Capabilities = nil }},
		{"privilege-escalation", "allowPrivilegeEscalation", func(c *corev1.Container) { c.SecurityContext.AllowPrivilegeEscalation = ptrTo(true) }},
	}
	var refusedBy []string
	for _, v := range variants {
		_, err := e.Kube.CoreV1().Pods(ns).Create(ctx, pod(v.name, v.mutate), metav1.CreateOptions{})
		if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "violates PodSecurity \"restricted") || !strings.Contains(err.Error(), v.field) {
			t.Errorf("pod %s: got %v, want Forbidden by PodSecurity naming %s", v.name, err, v.field)
			continue
		}
		refusedBy = append(refusedBy, v.field)
		if v.name == "no-seccomp" {
			t.Logf("without seccompProfile: %v", err)
		}
	}
	r.Result = fmt.Sprintf("config/'s pod admitted under enforce=restricted; refused without: %s (PodSecurity admission is on: envtest disables only ServiceAccount)", strings.Join(refusedBy, ", "))
}

// TestLeastPrivilege asks the API server (SubjectAccessReview) what
// config/'s ServiceAccount may do: nothing with Secrets, no deletes, no
// writes to Deployments or Pods; and, to show the review works, what it
// needs.
func TestLeastPrivilege(t *testing.T) {
	e := shared.Get(t)
	r := report(t, "what config/'s ClusterRole and Role allow",
		"SubjectAccessReviews for the controller's ServiceAccount on the installed RBAC")
	ctx := context.Background()
	user := "system:serviceaccount:" + cluster.ServingNamespace + ":" + deploy.ServiceAccount
	type access struct{ verb, group, resource, sub, ns string }
	can := func(a access) bool {
		sar, err := e.Kube.AuthorizationV1().SubjectAccessReviews().Create(ctx, &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User:   user,
			Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + cluster.ServingNamespace, "system:authenticated"},
			ResourceAttributes: &authorizationv1.ResourceAttributes{
				Verb: a.verb, Group: a.group, Resource: a.resource, Subresource: a.sub, Namespace: a.ns,
			},
		}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return sar.Status.Allowed
	}
	var denied []string
	secrets := 0
	for _, ns := range []string{"", cluster.ServingNamespace, "user-ns"} {
		for _, verb := range []string{"get", "list", "watch"} {
			if checkDenied(t, can(access{verb, "", "secrets", "", ns}), verb+" secrets in "+orAll(ns)) != "" {
				secrets++
			}
		}
	}
	denied = append(denied, fmt.Sprintf("get, list and watch secrets in all namespaces, knative-serving and a user namespace (%d/9 denied)", secrets))
	for _, a := range []access{
		{"delete", "keda.sh", "scaledobjects", "", "user-ns"},
		{"delete", "networking.internal.knative.dev", "serverlessservices", "", "user-ns"},
		{"delete", "autoscaling.internal.knative.dev", "podautoscalers", "", "user-ns"},
		{"update", "autoscaling.internal.knative.dev", "podautoscalers", "", "user-ns"},
		{"create", "keda.sh", "triggerauthentications", "", "user-ns"},
		{"create", "keda.sh", "clustertriggerauthentications", "", ""},
		{"update", "apps", "deployments", "", "user-ns"},
		{"update", "apps", "deployments", "scale", "user-ns"},
		{"create", "", "pods", "", "user-ns"},
		{"create", "autoscaling", "horizontalpodautoscalers", "", "user-ns"},
		{"get", "", "configmaps", "", "user-ns"},
		{"update", "", "configmaps", "", cluster.ServingNamespace},
	} {
		res := strings.TrimSuffix(a.resource+"/"+a.sub, "/")
		if a.group != "" {
			res += "." + a.group
		}
		denied = append(denied, checkDenied(t, can(a), fmt.Sprintf("%s %s in %s", a.verb, res, orAll(a.ns))))
	}
	for _, a := range []access{
		{"create", "keda.sh", "scaledobjects", "", "user-ns"},
		{"update", "autoscaling.internal.knative.dev", "podautoscalers", "status", "user-ns"},
		{"watch", "autoscaling", "horizontalpodautoscalers", "", ""},
		{"update", "coordination.k8s.io", "leases", "", cluster.ServingNamespace},
		// Raising a revision KEDA cannot scale to its min-scale.
		{"patch", "apps", "deployments", "scale", "user-ns"},
		{"watch", "apps", "deployments", "", ""},
		{"watch", "", "limitranges", "", ""},
	} {
		if !can(a) {
			t.Errorf("%s %s/%s in %s: denied, but the controller needs it", a.verb, a.resource, a.sub, orAll(a.ns))
		}
	}
	r.Result = fmt.Sprintf("denied: %s; allowed (as needed): create scaledobjects, update podautoscalers/status, watch HPAs, Deployments and LimitRanges, patch deployments/scale (min-scale of a revision KEDA cannot scale), update leases in knative-serving", strings.Join(slices.DeleteFunc(denied, func(s string) bool { return s == "" }), "; "))
}

func checkDenied(t *testing.T, allowed bool, what string) string {
	t.Helper()
	if allowed {
		t.Errorf("the controller may %s", what)
		return ""
	}
	return what
}

func orAll(ns string) string {
	if ns == "" {
		return "all namespaces"
	}
	return ns
}

func ptrTo[T any](v T) *T { return &v }

// configDeployment decodes the Deployment of config/500-autoscaler-keda.yaml.
func configDeployment(t *testing.T) *appsv1.Deployment {
	t.Helper()
	objs, err := deploy.Objects(filepath.Join(deploy.RepoRoot(), "config", "500-autoscaler-keda.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, obj := range objs {
		if d, ok := obj.(*appsv1.Deployment); ok {
			return d
		}
	}
	t.Fatal("no Deployment in config/500-autoscaler-keda.yaml")
	return nil
}
