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

// Package manifests checks the install manifests in config/ without a
// cluster: every document decodes strictly into its Kubernetes type, the
// Deployment meets the "restricted" Pod Security Standard and matches what
// the knative.dev/pkg sharedmain binary serves and parses, and the RBAC grants
// exactly the permissions the controller needs (no secrets, no wildcards).
package manifests

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
	"knative.dev/pkg/environment"
	"knative.dev/pkg/injection"
)

const (
	configDir       = "../../config"
	goModFile       = "../../go.mod"
	systemNamespace = "knative-serving"
	deploymentName  = "autoscaler-keda"
	serviceAccount  = "autoscaler-keda"
)

// header is the licence header every manifest starts with.
var header = []string{
	"# Copyright 2026 The serving-keda Authors",
	"#",
	`# Licensed under the Apache License, Version 2.0 (the "License");`,
}

// grant is one (API group, resource, verb) triple, with the resource names it
// is limited to, if any.
type grant struct {
	group, resource, verb string
	names                 string
}

// wantClusterGrants is everything the ClusterRole may grant: exactly what the
// controller uses (see the comments in config/200-clusterrole.yaml). Adding a
// permission means adding it here too, on purpose.
var wantClusterGrants = grants(
	"autoscaling.internal.knative.dev", "podautoscalers", "get,list,watch", "",
	"autoscaling.internal.knative.dev", "podautoscalers/status", "update", "",
	"autoscaling.internal.knative.dev", "podautoscalers/finalizers", "update", "",
	"keda.sh", "scaledobjects", "get,list,watch,create,update", "",
	"autoscaling", "horizontalpodautoscalers", "get,list,watch", "",
	"networking.internal.knative.dev", "serverlessservices", "get,list,watch,create,update", "",
	"", "events", "create,patch", "",
	"apps", "deployments", "get,list,watch", "",
	"apps", "deployments/scale", "patch", "",
	"", "limitranges", "get,list,watch", "",
	"", "pods", "list,watch", "", // the request signal: each revision's pods to scrape (pkg/requestsignal)
)

// wantNamespaceGrants is everything the Role in knative-serving may grant.
var wantNamespaceGrants = grants(
	"", "configmaps", "get,list,watch", "",
	"coordination.k8s.io", "leases", "get,create,update", "",
	"apps", "deployments", "get", "autoscaler-hpa",
	"", "endpoints", "get", "activator-service",
)

func grants(flat ...string) []grant {
	var out []grant
	for i := 0; i < len(flat); i += 4 {
		for _, v := range strings.Split(flat[i+2], ",") {
			out = append(out, grant{group: flat[i], resource: flat[i+1], verb: v, names: flat[i+3]})
		}
	}
	sortGrants(out)
	return out
}

func sortGrants(g []grant) {
	sort.Slice(g, func(i, j int) bool {
		return fmt.Sprint(g[i]) < fmt.Sprint(g[j])
	})
}

// object is one decoded YAML document.
type object struct {
	file string
	obj  runtime.Object
	meta metav1.Object
}

func (o object) String() string {
	return fmt.Sprintf("%s: %T %s", o.file, o.obj, o.meta.GetName())
}

// load decodes every document of every config/*.yaml, strictly: unknown or
// duplicated fields are errors.
func load(t *testing.T) []object {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(configDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in %s: %v", configDir, err)
	}
	decoder := serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()
	var objs []object
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		checkHeader(t, name, data)
		r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
		for {
			doc, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if isEmpty(doc) {
				continue
			}
			obj, _, err := decoder.Decode(doc, nil, nil)
			if err != nil {
				t.Errorf("%s: cannot decode a document: %v", name, err)
				continue
			}
			m, err := metaOf(obj)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			objs = append(objs, object{file: name, obj: obj, meta: m})
		}
	}
	return objs
}

func metaOf(obj runtime.Object) (metav1.Object, error) {
	m, ok := obj.(metav1.Object)
	if !ok {
		return nil, fmt.Errorf("%T has no object metadata", obj)
	}
	return m, nil
}

// isEmpty reports whether a YAML document holds only comments and blanks.
func isEmpty(doc []byte) bool {
	for _, line := range strings.Split(string(doc), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && line != "---" && !strings.HasPrefix(line, "#") {
			return false
		}
	}
	return true
}

func checkHeader(t *testing.T, name string, data []byte) {
	t.Helper()
	lines := strings.SplitN(string(data), "\n", len(header)+1)
	if len(lines) < len(header) || !slices.Equal(lines[:len(header)], header) {
		t.Errorf("%s does not start with the Apache-2.0 header %q", name, header)
	}
	if !bytes.Contains(data, []byte("http://www.apache.org/licenses/LICENSE-2.0")) {
		t.Errorf("%s: the licence header has no licence URL", name)
	}
}

func modulePath(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(goModFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	t.Fatal("go.mod has no module line")
	return ""
}

func TestObjectsAreLabelledAndNamespaced(t *testing.T) {
	for _, o := range load(t) {
		for _, l := range []string{"app.kubernetes.io/name", "app.kubernetes.io/component"} {
			if o.meta.GetLabels()[l] == "" {
				t.Errorf("%s: no label %s", o, l)
			}
		}
		switch o.obj.(type) {
		case *rbacv1.ClusterRole, *rbacv1.ClusterRoleBinding:
			if ns := o.meta.GetNamespace(); ns != "" {
				t.Errorf("%s: cluster-scoped object with namespace %q", o, ns)
			}
		default:
			if ns := o.meta.GetNamespace(); ns != systemNamespace {
				t.Errorf("%s: namespace %q, want %q", o, ns, systemNamespace)
			}
		}
	}
}

func theDeployment(t *testing.T, objs []object) *appsv1.Deployment {
	t.Helper()
	var found []*appsv1.Deployment
	for _, o := range objs {
		if d, ok := o.obj.(*appsv1.Deployment); ok {
			found = append(found, d)
		}
	}
	if len(found) != 1 || found[0].Name != deploymentName {
		t.Fatalf("want exactly one Deployment %q, got %d", deploymentName, len(found))
	}
	return found[0]
}

func TestDeployment(t *testing.T) {
	objs := load(t)
	d := theDeployment(t, objs)
	spec := d.Spec.Template.Spec

	// Two: KEDA's external-push scaler must answer while one restarts.
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 2 {
		t.Errorf("replicas = %s, want 2", ptrString(d.Spec.Replicas))
	}
	if sel := d.Spec.Selector; sel == nil || len(sel.MatchLabels) == 0 {
		t.Error("Deployment has no selector")
	} else {
		for k, v := range sel.MatchLabels {
			if d.Spec.Template.Labels[k] != v {
				t.Errorf("selector %s=%s does not match the pod template's labels", k, v)
			}
		}
	}
	if spec.ServiceAccountName != serviceAccount {
		t.Errorf("serviceAccountName = %q, want %q", spec.ServiceAccountName, serviceAccount)
	}
	if len(spec.Containers) != 1 {
		t.Fatalf("want one container, got %d", len(spec.Containers))
	}
	c := spec.Containers[0]

	if want := "ko://" + modulePath(t) + "/cmd/autoscaler-keda"; c.Image != want {
		t.Errorf("image = %q, want %q", c.Image, want)
	}

	// Environment that sharedmain and knative.dev/pkg/system read.
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	for name, field := range map[string]string{"SYSTEM_NAMESPACE": "metadata.namespace", "POD_NAME": "metadata.name"} {
		e, ok := env[name]
		if !ok || e.ValueFrom == nil || e.ValueFrom.FieldRef == nil || e.ValueFrom.FieldRef.FieldPath != field {
			t.Errorf("env %s must come from the field %s, got %+v", name, field, e)
		}
	}
	for name, value := range map[string]string{"CONFIG_LOGGING_NAME": "config-logging", "CONFIG_OBSERVABILITY_NAME": "config-observability"} {
		if env[name].Value != value {
			t.Errorf("env %s = %q, want %q", name, env[name].Value, value)
		}
	}

	// Every argument is a flag that sharedmain really parses (the client
	// config flags of knative.dev/pkg/environment), with a valid value.
	fs := flag.NewFlagSet("autoscaler-keda", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var cc environment.ClientConfig
	cc.InitFlags(fs)
	if err := fs.Parse(c.Args); err != nil {
		t.Errorf("args %q: %v", c.Args, err)
	}
	if len(c.Command) != 0 {
		t.Errorf("command %q overrides the image's entrypoint", c.Command)
	}
	if cc.QPS < 100 || cc.Burst < int(cc.QPS) {
		t.Errorf("kube-api-qps=%v kube-api-burst=%v: too low for 1,000 revisions in 30 s", cc.QPS, cc.Burst)
	}

	// Ports, and probes on the port and paths sharedmain serves.
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	for name, port := range map[string]int32{"metrics": 9090, "profiling": 8008, "probes": int32(injection.HealthCheckDefaultPort)} {
		if ports[name] != port {
			t.Errorf("container port %q = %d, want %d", name, ports[name], port)
		}
	}
	for kind, p := range map[string]struct {
		probe *corev1.Probe
		path  string
	}{"liveness": {c.LivenessProbe, "/health"}, "readiness": {c.ReadinessProbe, "/readiness"}} {
		if p.probe == nil || p.probe.HTTPGet == nil {
			t.Errorf("no HTTP %s probe", kind)
			continue
		}
		g := p.probe.HTTPGet
		if g.Path != p.path || resolvePort(g.Port, ports) != int32(injection.HealthCheckDefaultPort) {
			t.Errorf("%s probe %s on port %s, want %s on %d", kind, g.Path, g.Port.String(), p.path, injection.HealthCheckDefaultPort)
		}
	}

	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, lim := c.Resources.Requests[r], c.Resources.Limits[r]
		if req.IsZero() || lim.IsZero() {
			t.Errorf("%s: want both a request and a limit", r)
		} else if req.Cmp(lim) > 0 {
			t.Errorf("%s: request %s above limit %s", r, req.String(), lim.String())
		}
	}

	for _, v := range restrictedViolations(&spec) {
		t.Errorf("restricted Pod Security Standard: %s", v)
	}
}

func resolvePort(p intstr.IntOrString, named map[string]int32) int32 {
	if p.Type == intstr.Int {
		return p.IntVal
	}
	return named[p.StrVal]
}

// restrictedViolations checks a pod spec against the "restricted" Pod
// Security Standard (policy version latest, which includes "baseline"), as
// k8s.io/pod-security-admission evaluates it. That module is not a dependency
// of this one, so its checks are written out here.
func restrictedViolations(spec *corev1.PodSpec) []string {
	var v []string
	add := func(format string, args ...any) { v = append(v, fmt.Sprintf(format, args...)) }

	if spec.HostNetwork || spec.HostPID || spec.HostIPC {
		add("host namespaces")
	}
	if spec.SecurityContext != nil {
		psc := spec.SecurityContext
		if psc.RunAsUser != nil && *psc.RunAsUser == 0 {
			add("pod runAsUser 0")
		}
		if psc.SeccompProfile != nil && !allowedSeccomp(psc.SeccompProfile) {
			add("pod seccompProfile %q", psc.SeccompProfile.Type)
		}
		for _, s := range psc.Sysctls {
			add("pod sysctl %s (only the safe set is allowed; none is needed)", s.Name)
		}
		if psc.SELinuxOptions != nil && (psc.SELinuxOptions.User != "" || psc.SELinuxOptions.Role != "") {
			add("pod SELinux user/role")
		}
		if psc.AppArmorProfile != nil && psc.AppArmorProfile.Type == corev1.AppArmorProfileTypeUnconfined {
			add("pod AppArmor unconfined")
		}
	}
	podNonRoot := spec.SecurityContext != nil && spec.SecurityContext.RunAsNonRoot != nil && *spec.SecurityContext.RunAsNonRoot
	podSeccomp := spec.SecurityContext != nil && spec.SecurityContext.SeccompProfile != nil

	for _, vol := range spec.Volumes {
		src := vol.VolumeSource
		if src.ConfigMap == nil && src.CSI == nil && src.DownwardAPI == nil && src.EmptyDir == nil &&
			src.Ephemeral == nil && src.PersistentVolumeClaim == nil && src.Projected == nil && src.Secret == nil {
			add("volume %s has a type outside the restricted set", vol.Name)
		}
	}

	containers := slices.Concat(spec.InitContainers, spec.Containers)
	for _, ec := range spec.EphemeralContainers {
		containers = append(containers, corev1.Container(ec.EphemeralContainerCommon))
	}
	for _, c := range containers {
		sc := c.SecurityContext
		if sc == nil {
			add("container %s has no securityContext", c.Name)
			continue
		}
		if sc.Privileged != nil && *sc.Privileged {
			add("container %s is privileged", c.Name)
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			add("container %s: allowPrivilegeEscalation must be false", c.Name)
		}
		nonRoot := podNonRoot
		if sc.RunAsNonRoot != nil {
			nonRoot = *sc.RunAsNonRoot
		}
		if !nonRoot {
			add("container %s: runAsNonRoot must be true", c.Name)
		}
		if sc.RunAsUser != nil && *sc.RunAsUser == 0 {
			add("container %s: runAsUser 0", c.Name)
		}
		if sc.SeccompProfile != nil {
			if !allowedSeccomp(sc.SeccompProfile) {
				add("container %s: seccompProfile %q", c.Name, sc.SeccompProfile.Type)
			}
		} else if !podSeccomp {
			add("container %s: no seccompProfile (RuntimeDefault or Localhost)", c.Name)
		}
		if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
			add("container %s: capabilities must drop ALL", c.Name)
		} else {
			for _, a := range sc.Capabilities.Add {
				if a != "NET_BIND_SERVICE" {
					add("container %s adds capability %s", c.Name, a)
				}
			}
		}
		if sc.ProcMount != nil && *sc.ProcMount != corev1.DefaultProcMount {
			add("container %s: procMount %s", c.Name, *sc.ProcMount)
		}
		if sc.SELinuxOptions != nil && (sc.SELinuxOptions.User != "" || sc.SELinuxOptions.Role != "") {
			add("container %s: SELinux user/role", c.Name)
		}
		if sc.AppArmorProfile != nil && sc.AppArmorProfile.Type == corev1.AppArmorProfileTypeUnconfined {
			add("container %s: AppArmor unconfined", c.Name)
		}
		for _, p := range c.Ports {
			if p.HostPort != 0 {
				add("container %s uses hostPort %d", c.Name, p.HostPort)
			}
		}
	}
	return v
}

func allowedSeccomp(p *corev1.SeccompProfile) bool {
	return p.Type == corev1.SeccompProfileTypeRuntimeDefault || p.Type == corev1.SeccompProfileTypeLocalhost
}

func TestService(t *testing.T) {
	objs := load(t)
	d := theDeployment(t, objs)
	ports := map[int32]bool{}
	for _, p := range d.Spec.Template.Spec.Containers[0].Ports {
		ports[p.ContainerPort] = true
	}
	n := 0
	for _, o := range objs {
		s, ok := o.obj.(*corev1.Service)
		if !ok {
			continue
		}
		n++
		if len(s.Spec.Selector) == 0 {
			t.Errorf("%s selects nothing", o)
		}
		for k, v := range s.Spec.Selector {
			if d.Spec.Template.Labels[k] != v {
				t.Errorf("%s: selector %s=%s does not match the Deployment's pods", o, k, v)
			}
		}
		for _, p := range s.Spec.Ports {
			if p.TargetPort.Type != intstr.Int || !ports[p.TargetPort.IntVal] {
				t.Errorf("%s: port %s targets %s, not a container port", o, p.Name, p.TargetPort.String())
			}
		}
	}
	if n != 1 {
		t.Errorf("want one Service, got %d", n)
	}
}

func ptrString(p *int32) string {
	if p == nil {
		return "unset"
	}
	return fmt.Sprint(*p)
}

// TestPodDisruptionBudget: one PDB, of the Deployment's pods, that keeps
// at least one replica through a voluntary disruption (a drain) and still
// lets one go, so a drain can proceed.
func TestPodDisruptionBudget(t *testing.T) {
	objs := load(t)
	d := theDeployment(t, objs)
	replicas := int(*d.Spec.Replicas)
	var pdbs []*policyv1.PodDisruptionBudget
	for _, o := range objs {
		if p, ok := o.obj.(*policyv1.PodDisruptionBudget); ok {
			pdbs = append(pdbs, p)
		}
	}
	if len(pdbs) != 1 {
		t.Fatalf("want one PodDisruptionBudget (policy/v1), got %d", len(pdbs))
	}
	p := pdbs[0]
	if p.Spec.Selector == nil || len(p.Spec.Selector.MatchExpressions) != 0 || len(p.Spec.Selector.MatchLabels) == 0 {
		t.Fatalf("%s: selector %+v, want matchLabels only", p.Name, p.Spec.Selector)
	}
	for k, v := range p.Spec.Selector.MatchLabels {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("%s: selector %s=%s does not match the Deployment's pods", p.Name, k, v)
		}
	}
	// Disruptions allowed with every replica healthy; replicas that must stay.
	var allowed, kept int
	switch {
	case p.Spec.MinAvailable != nil && p.Spec.MaxUnavailable == nil:
		n, err := intstr.GetScaledValueFromIntOrPercent(p.Spec.MinAvailable, replicas, true)
		if err != nil {
			t.Fatal(err)
		}
		allowed, kept = replicas-n, n
	case p.Spec.MaxUnavailable != nil && p.Spec.MinAvailable == nil:
		n, err := intstr.GetScaledValueFromIntOrPercent(p.Spec.MaxUnavailable, replicas, true)
		if err != nil {
			t.Fatal(err)
		}
		allowed, kept = n, replicas-n
	default:
		t.Fatalf("%s: want exactly one of minAvailable and maxUnavailable", p.Name)
	}
	if kept < 1 || allowed < 1 {
		t.Errorf("%s: of %d replicas it keeps %d and lets %d go; want at least one of each", p.Name, replicas, kept, allowed)
	}
}

func TestRBAC(t *testing.T) {
	objs := load(t)
	roles := map[string][]rbacv1.PolicyRule{} // "ClusterRole/name" or "Role/ns/name"
	var clusterGrants, namespaceGrants []grant
	sa := false
	var bindings []object

	for _, o := range objs {
		switch x := o.obj.(type) {
		case *corev1.ServiceAccount:
			if x.Name == serviceAccount {
				sa = true
			}
			if x.AutomountServiceAccountToken != nil && !*x.AutomountServiceAccountToken {
				t.Errorf("%s: the controller needs its token mounted", o)
			}
		case *rbacv1.ClusterRole:
			if x.AggregationRule != nil {
				t.Errorf("%s aggregates other roles", o)
			}
			for l := range x.Labels {
				if strings.Contains(l, "aggregate-to") {
					t.Errorf("%s is aggregated into other roles by label %s", o, l)
				}
			}
			roles["ClusterRole/"+x.Name] = x.Rules
			clusterGrants = append(clusterGrants, expand(t, o, x.Rules)...)
		case *rbacv1.Role:
			roles["Role/"+x.Namespace+"/"+x.Name] = x.Rules
			namespaceGrants = append(namespaceGrants, expand(t, o, x.Rules)...)
		case *rbacv1.ClusterRoleBinding, *rbacv1.RoleBinding:
			bindings = append(bindings, o)
		}
	}
	if !sa {
		t.Errorf("no ServiceAccount %q", serviceAccount)
	}

	sortGrants(clusterGrants)
	sortGrants(namespaceGrants)
	if !slices.Equal(clusterGrants, wantClusterGrants) {
		t.Errorf("ClusterRole grants\n  %v\nwant\n  %v", clusterGrants, wantClusterGrants)
	}
	if !slices.Equal(namespaceGrants, wantNamespaceGrants) {
		t.Errorf("Role grants\n  %v\nwant\n  %v", namespaceGrants, wantNamespaceGrants)
	}

	// Every role is bound to the controller's ServiceAccount, and only to it.
	bound := map[string]bool{}
	for _, o := range bindings {
		var ref rbacv1.RoleRef
		var subjects []rbacv1.Subject
		key := ""
		switch b := o.obj.(type) {
		case *rbacv1.ClusterRoleBinding:
			ref, subjects = b.RoleRef, b.Subjects
			if ref.Kind != "ClusterRole" {
				t.Errorf("%s binds a %s", o, ref.Kind)
			}
			key = "ClusterRole/" + ref.Name
		case *rbacv1.RoleBinding:
			ref, subjects = b.RoleRef, b.Subjects
			key = ref.Kind + "/" + b.Namespace + "/" + ref.Name
			if ref.Kind == "ClusterRole" {
				key = "ClusterRole/" + ref.Name
			}
		}
		if _, ok := roles[key]; !ok {
			t.Errorf("%s binds %s, which config/ does not define", o, key)
		}
		bound[key] = true
		want := []rbacv1.Subject{{Kind: "ServiceAccount", Name: serviceAccount, Namespace: systemNamespace}}
		if !slices.Equal(subjects, want) {
			t.Errorf("%s: subjects %+v, want %+v", o, subjects, want)
		}
	}
	for key := range roles {
		if !bound[key] {
			t.Errorf("%s is not bound to anything", key)
		}
	}
}

// expand turns rules into grants, refusing what no rule here may hold.
func expand(t *testing.T, o object, rules []rbacv1.PolicyRule) []grant {
	t.Helper()
	var out []grant
	for _, r := range rules {
		if len(r.NonResourceURLs) > 0 {
			t.Errorf("%s grants non-resource URLs %v", o, r.NonResourceURLs)
		}
		for _, v := range r.Verbs {
			if v == "*" || v == "escalate" || v == "bind" || v == "impersonate" {
				t.Errorf("%s grants verb %q", o, v)
			}
		}
		for _, g := range r.APIGroups {
			if g == "*" {
				t.Errorf("%s grants every API group", o)
			}
		}
		for _, res := range r.Resources {
			if res == "*" || strings.HasPrefix(res, "*/") {
				t.Errorf("%s grants every resource (%q)", o, res)
			}
			if res == "secrets" || strings.HasPrefix(res, "secrets/") {
				t.Errorf("%s grants access to %s: the controller must not read Secrets", o, res)
			}
		}
		names := strings.Join(r.ResourceNames, ",")
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					out = append(out, grant{group: g, resource: res, verb: v, names: names})
				}
			}
		}
	}
	return out
}
