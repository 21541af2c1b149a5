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
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"
	"knative.dev/pkg/ptr"
	"knative.dev/serving/pkg/apis/autoscaling"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	"knative.dev/serving/pkg/apis/serving"
	asconfig "knative.dev/serving/pkg/autoscaler/config"

	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/pkg/translate/translatetest"
	"github.com/serving-keda/serving-keda/test/deploy"
	"github.com/serving-keda/serving-keda/test/harness"
)

// goldenNamespace is the namespace pkg/translate's TestInvalidCases puts
// the revision in; the one golden message naming the namespace names it.
const goldenNamespace = "shop"

// TestInvalidAnnotations: every case of pkg/translate/translatetest, as a
// PodAutoscaler on the real API server (which has no Serving webhook here,
// so the keys Serving validates reach the controller too) next to the
// Deployment the table describes, gets Ready=False with the table's
// reviewed reason and message, a Warning Event with that reason and
// message, and no ScaledObject. Each case has a namespace of its own (the
// messages name the revision the table names); cases that need other
// config maps run in a later round under them.
func TestInvalidAnnotations(t *testing.T) {
	e := shared.Get(t)
	ctx := context.Background()
	golden := translatetest.Golden()

	// Rounds of cases by the config maps they need, default first.
	type round struct {
		autoscaler, keda map[string]string
		cases            []int
	}
	var rounds []*round
	byConfig := map[string]*round{}
	for i, c := range translatetest.Cases {
		key := fmt.Sprint(c.Autoscaler, c.KEDA)
		rd := byConfig[key]
		if rd == nil {
			rd = &round{autoscaler: c.Autoscaler, keda: c.KEDA}
			byConfig[key] = rd
			rounds = append(rounds, rd)
		}
		rd.cases = append(rd.cases, i)
	}
	restore := e.SaveConfigMaps(t, asconfig.ConfigName, config.KEDAConfigName)
	defer func() {
		restore()
		e.RestartController(t, deploy.Options{})
	}()

	for _, rd := range rounds {
		if rd.autoscaler != nil || rd.keda != nil {
			// A controller reads both config maps before it starts, so a
			// restart makes sure no PA of this round meets the old ones.
			if err := e.SetConfigMap(ctx, asconfig.ConfigName, rd.autoscaler); err != nil {
				t.Fatal(err)
			}
			if err := e.SetConfigMap(ctx, config.KEDAConfigName, rd.keda); err != nil {
				t.Fatal(err)
			}
			e.RestartController(t, deploy.Options{})
		}
		type want struct {
			c    translatetest.Case
			ns   string
			anns map[string]string // the PA's, with its class
			translatetest.Want
		}
		var wants []want
		for _, i := range rd.cases {
			c := translatetest.Cases[i]
			w, ok := golden[c.Name]
			if !ok {
				t.Fatalf("%s: no golden reason and message", c.Name)
			}
			ns := fmt.Sprintf("invalid-%02d", i)
			if err := e.Cluster.CreateNamespace(ctx, ns); err != nil {
				t.Fatal(err)
			}
			pa := translatetest.PodAutoscaler(ns, c.Annotations, c.DropLabels...)
			pa.UID = ""
			created, err := e.CreateRevision(ctx, tableDeployment(ns, pa), pa)
			if err != nil {
				t.Fatalf("%s: the API server refused the revision: %v", c.Name, err)
			}
			w.Message = strings.ReplaceAll(w.Message, strconv.Quote(goldenNamespace), strconv.Quote(ns))
			wants = append(wants, want{c: c, ns: ns, anns: created.Annotations, Want: w})
		}

		// One wait for the whole round, then one verdict per case.
		harness.EventuallyEvery(t, 250*time.Millisecond, 90*time.Second, "every invalid PA refused", func() (bool, string) {
			var missing []string
			for _, w := range wants {
				pa, err := e.Serving.AutoscalingV1alpha1().PodAutoscalers(w.ns).Get(ctx, translatetest.Revision, metav1.GetOptions{})
				if err != nil {
					return false, err.Error()
				}
				if ready := pa.Status.GetCondition(apis.ConditionReady); ready == nil || !ready.IsFalse() || ready.Reason != w.Reason {
					missing = append(missing, fmt.Sprintf("%s (%s, want %s)", w.c.Name, harness.Condition(pa, "Ready"), w.Reason))
				}
			}
			return len(missing) == 0, fmt.Sprintf("%d waiting: %s", len(missing), strings.Join(missing, "; "))
		})

		for _, w := range wants {
			t.Run(w.c.Name, func(t *testing.T) {
				r := report(t, "invalid annotation: "+w.c.Name, describeCase(ctx, w.c, w.anns))
				r.Objects = 1
				pa := e.PodAutoscaler(t, w.ns, translatetest.Revision)
				ready := pa.Status.GetCondition(apis.ConditionReady)
				ev := e.WarningEvent(t, w.ns, translatetest.Revision, w.Reason, 5*time.Second)
				e.NoScaledObject(t, w.ns, translatetest.Revision)
				if t.Failed() {
					r.Lost = 1
				}
				r.Result = fmt.Sprintf("Ready=False %s; Warning Event %s; no ScaledObject", ready.Reason, ev.Reason)
				if !strings.Contains(ev.Message, w.Message) {
					t.Errorf("Event message %q does not hold the reviewed message %q", ev.Message, w.Message)
				}
				if ready.Message != w.Message {
					bug := fmt.Sprintf("the Ready message %s is not the reviewed message %s", quote(ready.Message, 300), quote(w.Message, 300))
					r.Result += "; FAILED: " + bug
					t.Error(bug)
				}
				t.Logf("%s: %s", w.c.Name, ready.Message)
			})
		}
	}
}

// tableDeployment is the revision's Deployment as translatetest.Workload
// describes it (the containers, their ports and requests), with the
// revision's labels, which the controller's Deployment informer selects on.
func tableDeployment(ns string, pa *autoscalingv1alpha1.PodAutoscaler) *appsv1.Deployment {
	w := translatetest.Workload()
	request := map[corev1.ResourceName]resource.Quantity{
		corev1.ResourceCPU:    resource.MustParse("25m"),
		corev1.ResourceMemory: resource.MustParse("128Mi"),
	}
	var containers []corev1.Container
	for _, c := range w.Containers {
		ctr := corev1.Container{Name: c.Name, Image: "example.invalid/" + c.Name + ":latest"}
		if c.Ports {
			ctr.Ports = []corev1.ContainerPort{{ContainerPort: int32(8080 + len(containers))}}
		}
		if len(c.Sized) > 0 {
			ctr.Resources.Requests = corev1.ResourceList{}
			for _, r := range c.Sized {
				ctr.Resources.Requests[r] = request[r]
			}
		}
		containers = append(containers, ctr)
	}
	selector := map[string]string{serving.RevisionLabelKey: translatetest.Revision}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: w.Name, Labels: pa.Labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.Int32(1),
			Selector: &metav1.LabelSelector{MatchLabels: selector},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: selector},
				Spec:       corev1.PodSpec{Containers: containers},
			},
		},
	}
}

// describeCase renders a case for the report: its annotations (values
// shortened), config maps and dropped labels, and whether Serving's own
// webhook would have refused the revision first.
func describeCase(ctx context.Context, c translatetest.Case, anns map[string]string) string {
	var parts []string
	for k, v := range c.Annotations {
		k = strings.TrimPrefix(k, autoscaling.GroupName+"/")
		if len(v) > 40 {
			v = fmt.Sprintf("%s… (%d bytes)", v[:40], len(v))
		}
		parts = append(parts, fmt.Sprintf("%s=%s", k, v))
	}
	sort.Strings(parts)
	s := strings.Join(parts, ", ")
	for _, m := range []map[string]string{c.Autoscaler, c.KEDA} {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			s += fmt.Sprintf("; config %s=%s", k, m[k])
		}
	}
	for _, l := range c.DropLabels {
		s += "; revision without label " + l
	}
	if as, err := asconfig.NewConfigFromMap(c.Autoscaler); err == nil && autoscaling.ValidateAnnotations(ctx, as, anns) != nil {
		s += " (Serving's webhook would refuse it first)"
	}
	return s
}
