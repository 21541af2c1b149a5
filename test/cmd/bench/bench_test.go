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

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/ptr"
	asconfig "knative.dev/serving/pkg/autoscaler/config"

	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/pkg/translate"
	"github.com/serving-keda/serving-keda/test/cluster"
)

// Serving's autoscaler-hpa is built from hack/cluster/serving and looked up
// under the version the main module pins: both must agree.
func TestServingVersionsAgree(t *testing.T) {
	version := func(path string) string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "require "))
			if len(f) >= 2 && f[0] == "knative.dev/serving" {
				return f[1]
			}
		}
		t.Fatalf("%s does not require knative.dev/serving", path)
		return ""
	}
	root := filepath.Join("..", "..", "..")
	main, wrapper := version(filepath.Join(root, "go.mod")), version(filepath.Join(root, "hack", "cluster", "serving", "go.mod"))
	if main != wrapper {
		t.Errorf("go.mod pins knative.dev/serving %s, hack/cluster/serving/go.mod %s", main, wrapper)
	}
}

func TestParseRequestTotals(t *testing.T) {
	text := `# HELP apiserver_request_total [STABLE] Counter of apiserver requests
# TYPE apiserver_request_total counter
apiserver_request_total{code="201",component="apiserver",dry_run="",group="keda.sh",resource="scaledobjects",scope="resource",subresource="",verb="POST",version="v1alpha1"} 40
apiserver_request_total{code="409",component="apiserver",dry_run="",group="keda.sh",resource="scaledobjects",scope="resource",subresource="",verb="POST",version="v1alpha1"} 2
apiserver_request_total{code="200",component="apiserver",dry_run="",group="keda.sh",resource="scaledobjects",scope="resource",subresource="status",verb="PATCH",version="v1alpha1"} 7
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="",scope="",subresource="/readyz",verb="GET",version=""} 3
apiserver_request_duration_seconds_count{verb="POST"} 99
`
	got, err := parseRequestTotals(text)
	if err != nil {
		t.Fatal(err)
	}
	want := counts{
		{Verb: "create", Group: "keda.sh", Resource: "scaledobjects"}:                       42,
		{Verb: "patch", Group: "keda.sh", Resource: "scaledobjects", Subresource: "status"}: 7,
		{Verb: "get", Subresource: "/readyz"}:                                               3,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseRequestTotals (-want +got):\n%s", diff)
	}
	if w := got.Total(isWrite); w != 49 {
		t.Errorf("writes = %v, want 49", w)
	}
	base := counts{{Verb: "create", Group: "keda.sh", Resource: "scaledobjects"}: 40}
	if d := got.Sub(base)[reqKey{Verb: "create", Group: "keda.sh", Resource: "scaledobjects"}]; d != 2 {
		t.Errorf("Sub = %v, want 2", d)
	}
}

func TestReadAudit(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	lines := []string{
		`{"stage":"ResponseComplete","verb":"create","userAgent":"autoscaler-keda/v0.0.0","user":{"username":"system:serviceaccount:knative-serving:autoscaler-keda"},"objectRef":{"resource":"scaledobjects","apiGroup":"keda.sh"},"responseStatus":{"code":201},"requestReceivedTimestamp":"2026-01-01T00:00:01.000000Z"}`,
		`{"stage":"ResponseComplete","verb":"update","userAgent":"autoscaler-keda/v0.0.0","user":{"username":"system:serviceaccount:knative-serving:autoscaler-keda"},"objectRef":{"resource":"podautoscalers","subresource":"status","apiGroup":"autoscaling.internal.knative.dev"},"responseStatus":{"code":409},"requestReceivedTimestamp":"2026-01-01T00:00:02.000000Z"}`,
		`{"stage":"ResponseComplete","verb":"patch","userAgent":"keda-operator-v2.19.0/v0.0.0","user":{"username":"admin"},"objectRef":{"resource":"scaledobjects","subresource":"status","apiGroup":"keda.sh"},"responseStatus":{"code":200},"requestReceivedTimestamp":"2026-01-01T00:00:12.000000Z"}`,
		`{"stage":"ResponseComplete","verb":"patch","userAgent":"keda-operator-v2.19.0/v0.0.0","user":{"username":"admin"},"objectRef":{"resource":"scaledobjects","subresource":"status","apiGroup":"keda.sh"},"responseStatus":{"code":200},"requestReceivedTimestamp":"2026-01-01T00:00:30.000000Z"}`,
	}
	path := filepath.Join(t.TempDir(), "audit.log")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &run{contender: contenderKEDA}
	windows := []window{{"converge", t0, t0.Add(10 * time.Second)}, {"steady", t0.Add(10 * time.Second), t0.Add(20 * time.Second)}}
	a, err := readAudit(path, windows, r.classify)
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Requests[contenderKEDA]["converge"].Total(isWrite); got != 2 {
		t.Errorf("controller writes while converging = %v, want 2", got)
	}
	if got := a.Conflicts[contenderKEDA]["converge"]; got != 1 {
		t.Errorf("conflicts = %v, want 1", got)
	}
	if got := a.Requests["keda-operator"]["steady"].Total(isWrite); got != 1 {
		t.Errorf("KEDA writes in the steady window = %v, want 1 (the other is after it)", got)
	}
}

func TestPercentiles(t *testing.T) {
	var s []float64
	for i := 1; i <= 200; i++ {
		s = append(s, float64(i))
	}
	got := percentiles(s)
	want := Pcts{N: 200, P50: 100, P90: 180, P99: 198, Max: 200}
	if got != want {
		t.Errorf("percentiles = %+v, want %+v", got, want)
	}
	if (percentiles(nil) != Pcts{}) {
		t.Error("percentiles of nothing should be zero")
	}
}

func TestGlyphs(t *testing.T) {
	for r, g := range glyphs {
		for _, row := range g {
			if len(row) != 5 || strings.Trim(row, ".#") != "" {
				t.Errorf("glyph %q: row %q is not 5 of '.' and '#'", r, row)
			}
		}
	}
}

func TestWorkloadMix(t *testing.T) {
	revs := workload(8, 3)
	mixes := map[string]int{}
	for _, r := range revs {
		mixes[r.Mix]++
	}
	if diff := cmp.Diff(map[string]int{"cpu": 2, "cpu-window": 2, "memory": 2, "prometheus": 2}, mixes); diff != "" {
		t.Errorf("mix (-want +got):\n%s", diff)
	}
	if revs[4].Namespace != "bench-01" || revs[4].Name != "rev-00004" {
		t.Errorf("revision 4 = %+v", revs[4])
	}
}

func TestDist(t *testing.T) {
	var s []float64
	for i := 0; i < 1000; i++ {
		s = append(s, float64(i))
	}
	d := toDist(s)
	if d.Count != 1000 || len(d.Q) != distPoints || d.Q[0] != 0 || d.Last() != 999 {
		t.Fatalf("toDist: count %d, %d points, first %v, last %v", d.Count, len(d.Q), d.Q[0], d.Last())
	}
	ranks, values := d.Points()
	for i := range ranks {
		if float64(ranks[i]) != values[i] {
			t.Fatalf("point %d: rank %d, value %v", i, ranks[i], values[i])
		}
	}
	small := toDist([]float64{1, 2, 3})
	if r, _ := small.Points(); len(r) != 3 || r[2] != 2 {
		t.Errorf("small sample ranks %v", r)
	}
}

func TestCPUMeter(t *testing.T) {
	if machineBusy() <= 0 {
		t.Fatal("machineBusy read nothing from /proc/stat")
	}
	m := readCPUMeter()
	deadline := time.Now().Add(200 * time.Millisecond)
	for x := 0; time.Now().Before(deadline); x++ {
		_ = x * x
	}
	if now := readCPUMeter(); now.mine <= m.mine {
		t.Errorf("the test's own CPU did not grow: %v then %v", m.mine, now.mine)
	}
	if f := m.foreign(); f < 0 {
		t.Errorf("foreign CPU %v < 0", f)
	}
}

func TestHPAForScaledObject(t *testing.T) {
	so := &kedav1alpha1.ScaledObject{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "rev", UID: "uid-1", Labels: map[string]string{"app": "x"}},
		Spec: kedav1alpha1.ScaledObjectSpec{
			ScaleTargetRef:  &kedav1alpha1.ScaleTarget{Name: "rev-deployment"},
			MinReplicaCount: ptr.Int32(0),
			Triggers: []kedav1alpha1.ScaleTriggers{
				{Type: "prometheus", Metadata: map[string]string{"threshold": "10"}},
				{Type: "cpu", MetricType: autoscalingv2.UtilizationMetricType, Metadata: map[string]string{"value": "70"}},
			},
		},
	}
	hpa := hpaForScaledObject(so)
	if hpa.Name != "keda-hpa-rev" || hpa.Namespace != "ns" {
		t.Errorf("HPA %s/%s, want ns/keda-hpa-rev", hpa.Namespace, hpa.Name)
	}
	wantLabels := map[string]string{
		"app":                          "x",
		"app.kubernetes.io/managed-by": "keda-operator",
		"app.kubernetes.io/name":       "keda-hpa-rev",
		"app.kubernetes.io/part-of":    "rev",
		"app.kubernetes.io/version":    cluster.KEDAVersion,
		"scaledobject.keda.sh/name":    "rev",
	}
	if diff := cmp.Diff(wantLabels, hpa.Labels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	if hpa.Labels[translate.HPAManagedByLabel] != translate.HPAManagedByValue || hpa.Labels[translate.HPAScaledObjectLabel] != so.Name {
		t.Error("the controller would not find this HPA by its labels")
	}
	tr := true
	wantOwner := []metav1.OwnerReference{{APIVersion: "keda.sh/v1alpha1", Kind: "ScaledObject", Name: "rev", UID: "uid-1", Controller: &tr, BlockOwnerDeletion: &tr}}
	if diff := cmp.Diff(wantOwner, hpa.OwnerReferences); diff != "" {
		t.Errorf("owner (-want +got):\n%s", diff)
	}
	if got := hpa.Spec.ScaleTargetRef; got != (autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "rev-deployment"}) {
		t.Errorf("scaleTargetRef = %+v", got)
	}
	// KEDA's defaults: min 0 (or unset) is 1 on the HPA, max unset is 100.
	if *hpa.Spec.MinReplicas != 1 || hpa.Spec.MaxReplicas != 100 {
		t.Errorf("min/max = %d/%d, want 1/100", *hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas)
	}
	m := hpa.Spec.Metrics
	if len(m) != 2 || m[0].Type != autoscalingv2.ExternalMetricSourceType || m[1].Type != autoscalingv2.ResourceMetricSourceType {
		t.Fatalf("metrics = %+v, want External then Resource", m)
	}
	if e := m[0].External; e.Metric.Name != "s0-prometheus" || e.Target.AverageValue.String() != "10" || e.Metric.Selector.MatchLabels["scaledobject.keda.sh/name"] != "rev" {
		t.Errorf("external metric = %+v", e)
	}
	if r := m[1].Resource; r.Name != "cpu" || r.Target.AverageUtilization == nil || *r.Target.AverageUtilization != 70 {
		t.Errorf("resource metric = %+v", r)
	}

	so.Spec.MinReplicaCount, so.Spec.MaxReplicaCount = ptr.Int32(2), ptr.Int32(7)
	so.Spec.Advanced = &kedav1alpha1.AdvancedConfig{HorizontalPodAutoscalerConfig: &kedav1alpha1.HorizontalPodAutoscalerConfig{
		Name:     "custom",
		Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: ptr.Int32(30)}},
	}}
	hpa = hpaForScaledObject(so)
	if hpa.Name != "custom" || hpa.Labels["app.kubernetes.io/name"] != "custom" || *hpa.Spec.MinReplicas != 2 || hpa.Spec.MaxReplicas != 7 ||
		hpa.Spec.Behavior == nil || *hpa.Spec.Behavior.ScaleDown.StabilizationWindowSeconds != 30 {
		t.Errorf("with advanced config: %s, min %d, max %d, behavior %+v", hpa.Name, *hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas, hpa.Spec.Behavior)
	}

	st := playedStatus(so, hpa.Name)
	if st.HpaName != "custom" || st.ScaleTargetKind != "apps/v1.Deployment" || st.ScaleTargetGVKR == nil || st.ScaleTargetGVKR.Resource != "deployments" {
		t.Errorf("status = %+v", st)
	}
	want := kedav1alpha1.Conditions{
		{Type: kedav1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: "ScaledObjectReady", Message: "ScaledObject is defined correctly and is ready for scaling"},
		{Type: kedav1alpha1.ConditionActive, Status: metav1.ConditionFalse, Reason: "ScalerNotActive", Message: "Scaling is not performed because triggers are not active"},
		{Type: kedav1alpha1.ConditionFallback, Status: metav1.ConditionFalse, Reason: "NoFallbackFound", Message: "No fallbacks are active on this scaled object"},
		{Type: kedav1alpha1.ConditionPaused, Status: metav1.ConditionFalse},
	}
	if diff := cmp.Diff(want, st.Conditions); diff != "" {
		t.Errorf("conditions (-want +got):\n%s", diff)
	}
	if played(so) {
		t.Error("a ScaledObject without status counts as played")
	}
	so.Status = st
	if !played(so) {
		t.Error("a ScaledObject with the played status does not count as played")
	}
}

// The player's HPA for each ScaledObject of the workload is named after the
// revision, where the controller and the latency test look for it.
func TestPlayedWorkloadHPAs(t *testing.T) {
	as, err := asconfig.NewConfigFromMap(nil)
	if err != nil {
		t.Fatal(err)
	}
	kcfg, err := config.NewKEDAFromMap(map[string]string{config.PrometheusAddressKey: "http://127.0.0.1:9090"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{Autoscaler: as, KEDA: kcfg}
	for i, rev := range workload(4, 1) {
		pa := rev.podAutoscaler(i)
		pa.UID = "pa-uid"
		so, err := translate.ScaledObject(translate.Input{PA: pa, Config: cfg, Workload: benchWorkload})
		if err != nil {
			t.Fatalf("%s: %v", rev.Mix, err)
		}
		hpa := hpaForScaledObject(so)
		if hpa.Name != rev.Name || len(hpa.Spec.Metrics) != 1 || *hpa.Spec.MinReplicas < 1 || hpa.Spec.MaxReplicas < *hpa.Spec.MinReplicas {
			t.Errorf("%s: HPA %s, %d metrics, min %d, max %d", rev.Mix, hpa.Name, len(hpa.Spec.Metrics), *hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas)
		}
	}
}

func TestClassifyPlayer(t *testing.T) {
	r := &run{contender: contenderKEDA}
	if got := r.classify("admin", kedaPlayerAgent); got != kedaPlayerAgent {
		t.Errorf("classify(keda-player) = %q", got)
	}
	if got := r.classify("admin", "keda-operator-v2.19.0/v0.0.0"); got != "keda-operator" {
		t.Errorf("classify(keda-operator) = %q", got)
	}
}
