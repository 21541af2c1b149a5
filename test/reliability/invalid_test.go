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
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"
	"knative.dev/serving/pkg/apis/autoscaling"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	"knative.dev/serving/pkg/apis/serving"
	asconfig "knative.dev/serving/pkg/autoscaler/config"

	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/pkg/translate"
	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/deploy"
)

// TestInvalidCasesMirrorTranslate fails when pkg/translate/errors_test.go
// gains, loses or renames a case that invalidCases does not mirror.
func TestInvalidCasesMirrorTranslate(t *testing.T) {
	path := filepath.Join(deploy.RepoRoot(), "pkg", "translate", "errors_test.go")
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	ast.Inspect(f, func(n ast.Node) bool {
		if fd, ok := n.(*ast.FuncDecl); ok && fd.Name.Name != "TestScaledObjectErrors" {
			return false
		}
		kv, ok := n.(*ast.KeyValueExpr)
		if !ok {
			return true
		}
		if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "name" {
			if lit, ok := kv.Value.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				s, _ := strconv.Unquote(lit.Value)
				want = append(want, s)
			}
		}
		return true
	})
	var got []string
	for _, c := range invalidCases() {
		got = append(got, c.name)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") || len(want) == 0 {
		t.Errorf("invalidCases (cases_test.go) does not mirror TestScaledObjectErrors in %s:\n got %q\nwant %q", path, got, want)
	}
}

// TestInvalidAnnotations: every case of pkg/translate/errors_test.go, as a
// PodAutoscaler on the real API server (which has no Serving webhook here,
// so the keys Serving validates reach the controller too), gets Ready=False
// with the reason translate.Reason gives for its error, a message naming
// each key at fault, a Warning Event with that reason, and no ScaledObject.
// Cases that need other config maps run in a second round under them.
func TestInvalidAnnotations(t *testing.T) {
	e := sharedEnv(t)
	ctx := context.Background()
	ns := e.namespace(t)
	cases := invalidCases()

	// Rounds of cases by the config maps they need, default first.
	type round struct {
		autoscaler, keda map[string]string
		idx              []int
	}
	var rounds []*round
	byConfig := map[string]*round{}
	for i, c := range cases {
		key := fmt.Sprint(c.autoscaler, c.keda)
		rd := byConfig[key]
		if rd == nil {
			rd = &round{autoscaler: c.autoscaler, keda: c.keda}
			byConfig[key] = rd
			rounds = append(rounds, rd)
		}
		rd.idx = append(rd.idx, i)
	}
	restore := e.saveConfigMaps(t, asconfig.ConfigName, config.KEDAConfigName)
	defer func() {
		restore()
		e.restartController(t)
	}()

	for _, rd := range rounds {
		if rd.autoscaler != nil || rd.keda != nil {
			// A controller reads both config maps before it starts, so a
			// restart makes sure no PA of this round meets the old ones.
			if err := e.setConfigMap(ctx, asconfig.ConfigName, rd.autoscaler); err != nil {
				t.Fatal(err)
			}
			if err := e.setConfigMap(ctx, config.KEDAConfigName, rd.keda); err != nil {
				t.Fatal(err)
			}
			e.restartController(t)
		}
		cfg := e.controllerConfig(t)
		type want struct {
			c      invalidCase
			anns   map[string]string // the PA's, with its class
			name   string
			err    error
			reason string
		}
		var wants []want
		for _, i := range rd.idx {
			c := cases[i]
			name := fmt.Sprintf("inv-%02d", i)
			_, pa := deploy.Revision(ns, name, "demo", c.anns)
			if c.name == lacksServiceLabel {
				delete(pa.Labels, serving.ServiceLabelKey)
			}
			created, err := e.createRevision(ctx, nil, pa)
			if err != nil {
				t.Fatalf("%s: the API server refused the PodAutoscaler: %v", c.name, err)
			}
			so, terr := translate.ScaledObject(translate.Input{PA: created, Config: cfg})
			if terr == nil {
				t.Errorf("%s: translate.ScaledObject accepts it under the cluster's config maps (%+v)", c.name, so.Spec)
				continue
			}
			wants = append(wants, want{c: c, anns: created.Annotations, name: name, err: terr, reason: translate.Reason(terr)})
		}

		// One wait for the whole round, then one verdict per case.
		done := map[string]bool{}
		eventuallyEvery(t, 250*time.Millisecond, 90*time.Second, "every invalid PA refused", func() (bool, string) {
			pas, err := e.serving.AutoscalingV1alpha1().PodAutoscalers(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				return false, err.Error()
			}
			evs, err := e.kube.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				return false, err.Error()
			}
			byName := map[string]*autoscalingv1alpha1.PodAutoscaler{}
			for i := range pas.Items {
				byName[pas.Items[i].Name] = &pas.Items[i]
			}
			events := map[string]bool{}
			for _, ev := range evs.Items {
				if ev.Type == corev1.EventTypeWarning && ev.InvolvedObject.Kind == "PodAutoscaler" {
					events[ev.InvolvedObject.Name+" "+ev.Reason] = true
				}
			}
			var missing []string
			for _, w := range wants {
				pa := byName[w.name]
				ready := pa.Status.GetCondition(apis.ConditionReady)
				if ready != nil && ready.IsFalse() && ready.Reason == w.reason && events[w.name+" "+w.reason] {
					done[w.name] = true
					continue
				}
				missing = append(missing, fmt.Sprintf("%s (%s, want %s; event %v)", w.c.name, condition(pa, "Ready"), w.reason, events[w.name+" "+w.reason]))
			}
			return len(missing) == 0, fmt.Sprintf("%d waiting: %s", len(missing), strings.Join(missing, "; "))
		})

		for _, w := range wants {
			t.Run(w.c.name, func(t *testing.T) {
				servingRejects := autoscaling.ValidateAnnotations(ctx, cfg.Autoscaler, w.anns) != nil
				r := report(t, "invalid annotation: "+w.c.name, describeAnnotations(w.c, servingRejects))
				r.Objects = 1
				pa := e.podAutoscaler(t, ns, w.name)
				ready := pa.Status.GetCondition(apis.ConditionReady)
				for _, k := range translate.Keys(w.err) {
					if !strings.Contains(ready.Message, k) {
						t.Errorf("Ready message %q does not name %s", ready.Message, k)
					}
				}
				ev := e.warningEvent(t, ns, w.name, w.reason, 5*time.Second)
				e.noScaledObject(t, ns, w.name)
				if t.Failed() {
					r.Lost = 1
				}
				r.Result = fmt.Sprintf("Ready=False %s; Warning Event %s; no ScaledObject", ready.Reason, ev.Reason)
				if !strings.Contains(ev.Message, w.err.Error()) {
					t.Errorf("Event message %q does not hold the error %q", ev.Message, w.err.Error())
				}
				// The condition should carry the error as it is.
				if ready.Message != w.err.Error() {
					bug := fmt.Sprintf("the Ready message %s is not the error %s (a %% in the value is read as a format verb)", quote(ready.Message, 300), quote(w.err.Error(), 300))
					r.Result += "; FAILED: " + bug
					t.Error(bug)
				}
				t.Logf("%s: %s", w.c.name, ready.Message)
			})
		}
	}
}

// describeAnnotations renders a case's annotations (values shortened) and
// whether Serving's own webhook would have refused them first.
func describeAnnotations(c invalidCase, servingRejects bool) string {
	var parts []string
	for k, v := range c.anns {
		k = strings.TrimPrefix(k, autoscaling.GroupName+"/")
		if len(v) > 40 {
			v = fmt.Sprintf("%s… (%d bytes)", v[:40], len(v))
		}
		parts = append(parts, fmt.Sprintf("%s=%s", k, v))
	}
	sort.Strings(parts)
	s := strings.Join(parts, ", ")
	for _, m := range []map[string]string{c.autoscaler, c.keda} {
		for k, v := range m {
			s += fmt.Sprintf("; config %s=%s", k, v)
		}
	}
	if c.name == lacksServiceLabel {
		s += "; revision without serving.knative.dev/service label"
	}
	if servingRejects {
		s += " (Serving's webhook would refuse it first)"
	}
	return s
}

// controllerConfig reads config-autoscaler and config-autoscaler-keda from
// the cluster, as the controller's store does.
func (e *env) controllerConfig(t *testing.T) *config.Config {
	t.Helper()
	ctx := context.Background()
	ascm, err := e.kube.CoreV1().ConfigMaps(cluster.ServingNamespace).Get(ctx, asconfig.ConfigName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	as, err := asconfig.NewConfigFromConfigMap(ascm)
	if err != nil {
		t.Fatal(err)
	}
	kcm, err := e.kube.CoreV1().ConfigMaps(cluster.ServingNamespace).Get(ctx, config.KEDAConfigName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	k, err := config.NewKEDAFromConfigMap(kcm)
	if err != nil {
		t.Fatal(err)
	}
	return &config.Config{Autoscaler: as, KEDA: k}
}

// restartController stops the controller (SIGTERM: it releases its leases)
// and starts it again.
func (e *env) restartController(t *testing.T) {
	t.Helper()
	if err := e.controller.Stop(); err != nil {
		t.Fatal(err)
	}
	p, err := deploy.Start(context.Background(), e.c, e.binary, deploy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e.controller = p
}

// saveConfigMaps returns a function that puts the config maps' data back.
func (e *env) saveConfigMaps(t *testing.T, names ...string) func() {
	t.Helper()
	saved := map[string]map[string]string{}
	for _, n := range names {
		cm, err := e.kube.CoreV1().ConfigMaps(cluster.ServingNamespace).Get(context.Background(), n, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		saved[n] = cm.Data
	}
	return func() {
		for n, data := range saved {
			if err := e.setConfigMap(context.Background(), n, data); err != nil {
				t.Errorf("restoring %s: %v", n, err)
			}
		}
	}
}
