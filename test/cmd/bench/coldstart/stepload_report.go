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
	"fmt"
	"strings"

	"knative.dev/serving/pkg/apis/autoscaling"
)

// StepResults is what one step-load run measured, as stepload.json holds
// it. Durations are seconds.
type StepResults struct {
	Run
	// Wanted is the pods both classes should reach under the step;
	// MinScale where they start and end.
	Wanted      int     `json:"wanted"`
	MinScale    int     `json:"minScale"`
	Concurrency int     `json:"concurrency"`
	HoldSeconds float64 `json:"holdSeconds"`
	// ContainerConcurrency is the revisions' hard limit of requests a pod
	// (0: none).
	ContainerConcurrency int     `json:"containerConcurrency"`
	DelaySeconds         float64 `json:"delaySeconds"`
	// HPASyncs are kube-controller-manager's HPA sync periods, in the order
	// measured.
	HPASyncs []string `json:"hpaSyncs"`
	// KPA is Serving's autoscaler (class kpa.autoscaling.knative.dev), KEDA
	// this controller (class hpa.autoscaling.knative.dev); nil when not run.
	KPA  *StepContender `json:"kpa,omitempty"`
	KEDA *StepContender `json:"keda,omitempty"`
}

// StepContender is one class's steps.
type StepContender struct {
	Name        string            `json:"name"`
	Class       string            `json:"class"`
	Annotations map[string]string `json:"annotations"`
	Steps       []Step            `json:"steps"`
}

// Step is one step load: from the first request (t 0) to the Deployment
// back at min-scale.
type Step struct {
	HPASync string `json:"hpaSync"`
	Round   int    `json:"round"`
	// ToWanted: t 0 -> spec.replicas at the pods wanted or more;
	// ToWantedReady: -> that many pods ready. -1: never.
	ToWanted      float64 `json:"toWantedSeconds"`
	ToWantedReady float64 `json:"toWantedReadySeconds"`
	// Peak is the most replicas the spec asked for; Overshoot how many of
	// them above the pods wanted.
	Peak      int `json:"peak"`
	Overshoot int `json:"overshoot"`
	// LoadSeconds: t 0 -> the last request's end; BackDown: the end of the
	// hold (the clients send no more) -> spec.replicas at min-scale for
	// good, from the Timeline (0: it was there before the hold ended; -1:
	// not within the timeout).
	LoadSeconds float64 `json:"loadSeconds"`
	BackDown    float64 `json:"backDownSeconds"`
	// Sent requests (ThroughActivator of them sent to the activator, the
	// others straight to a pod), Answered 200 by a pod, Failed the others.
	Sent             int      `json:"sent"`
	ThroughActivator int      `json:"throughActivator"`
	Answered         int      `json:"answered"`
	Failed           int      `json:"failed"`
	Failures         []string `json:"failures,omitempty"`
	// Latency of the answered requests.
	Latency Stats `json:"latency"`
	// Timeline is the Deployment's states; HPA what KEDA's HPA said (this
	// controller's class only).
	Timeline []Point    `json:"timeline"`
	HPA      []HPAPoint `json:"hpa,omitempty"`
}

// backDown is the time from the end of the hold (hold seconds) until the
// timeline's spec.replicas is at min-scale for the rest of it (the step
// ends once it is there): 0 if it already was when the hold ended, -1 if
// the timeline does not end there.
func backDown(timeline []Point, hold float64, minScale int) float64 {
	i := len(timeline) - 1
	if i < 0 || timeline[i].Spec > int32(minScale) {
		return -1
	}
	for i > 0 && timeline[i-1].Spec <= int32(minScale) {
		i--
	}
	return max(0, round2(timeline[i].T-hold))
}

// steps of c measured under HPA sync period sync.
func (c *StepContender) steps(sync string) []Step {
	if c == nil {
		return nil
	}
	var out []Step
	for _, s := range c.Steps {
		if s.HPASync == sync {
			out = append(out, s)
		}
	}
	return out
}

func stepField(steps []Step, f func(Step) float64) Stats {
	out := make([]float64, 0, len(steps))
	for _, s := range steps {
		out = append(out, f(s))
	}
	return stats(out)
}

// stepRow is one figure of both classes in a table.
type stepRow struct {
	what      string
	kpa, keda string
	ratio     string
}

// stepRows are the figures under HPA sync period sync: each a median and
// the worst over the steps.
func (r *StepResults) stepRows(sync string) []stepRow {
	kpa, keda := r.KPA.steps(sync), r.KEDA.steps(sync)
	var out []stepRow
	dur := func(what string, f func(Step) float64) {
		k, e := stepField(kpa, f), stepField(keda, f)
		out = append(out, stepRow{what, medMax(k, "s"), medMax(e, "s"), ratio2(k, e)})
	}
	num := func(what string, f func(Step) float64) {
		k, e := stepField(kpa, f), stepField(keda, f)
		out = append(out, stepRow{what, medMax(k, ""), medMax(e, ""), ratio2(k, e)})
	}
	dur(fmt.Sprintf("step -> Deployment asks for the %d pods wanted", r.Wanted), func(s Step) float64 { return s.ToWanted })
	dur(fmt.Sprintf("step -> %d pods ready", r.Wanted), func(s Step) float64 { return s.ToWantedReady })
	num("overshoot: most pods asked for above the pods wanted", func(s Step) float64 { return float64(s.Overshoot) })
	dur(fmt.Sprintf("load stopped -> back to min-scale %d", r.MinScale), func(s Step) float64 { return s.BackDown })
	dur("request latency: a step's p50", func(s Step) float64 { return latencyOr(s, s.Latency.P50) })
	dur("request latency: a step's p95", func(s Step) float64 { return latencyOr(s, s.Latency.P95) })
	sum := func(steps []Step) (sent, ok, failed int) {
		for _, s := range steps {
			sent, ok, failed = sent+s.Sent, ok+s.Answered, failed+s.Failed
		}
		return
	}
	ks, ka, kf := sum(kpa)
	es, ea, ef := sum(keda)
	failRatio := "–"
	if kf > 0 && ks > 0 && es > 0 {
		failRatio = fmt.Sprintf("%.2f×", (float64(ef)/float64(es))/(float64(kf)/float64(ks)))
	}
	out = append(out, stepRow{"requests failed (not answered 200), of all sent", countOf(kf, ks, len(kpa)), countOf(ef, es, len(keda)), failRatio})
	ta := func(steps []Step) (n int) {
		for _, s := range steps {
			n += s.ThroughActivator
		}
		return n
	}
	out = append(out, stepRow{"requests sent through the activator (the others straight to a pod)", countOf(ta(kpa), ks, len(kpa)), countOf(ta(keda), es, len(keda)), "–"})
	answeredRatio := "–"
	if ka > 0 && len(kpa) > 0 && len(keda) > 0 {
		answeredRatio = fmt.Sprintf("%.2f×", (float64(ea)/float64(len(keda)))/(float64(ka)/float64(len(kpa))))
	}
	out = append(out, stepRow{"requests answered, all steps", countOf(ka, -1, len(kpa)), countOf(ea, -1, len(keda)), answeredRatio})
	return out
}

func latencyOr(s Step, v float64) float64 {
	if s.Latency.N == 0 {
		return -1
	}
	return v
}

// medMax renders "median / max" over the steps, in unit.
func medMax(s Stats, unit string) string {
	if unit == "s" {
		return cellOf(s, "%.2f / %.2f s", p50, pmax)
	}
	return cellOf(s, "%g / %g", p50, pmax)
}

// ratio2 renders keda / kpa for the median and the max.
func ratio2(kpa, keda Stats) string { return ratioOf(kpa, keda, p50, pmax) }

// countOf renders n (of all, unless all < 0), or "–" without steps.
func countOf(n, all, steps int) string {
	if steps == 0 {
		return "–"
	}
	if all < 0 {
		return fmt.Sprint(n)
	}
	return fmt.Sprintf("%d of %d", n, all)
}

// Table renders one markdown table per HPA sync period.
func (r *StepResults) Table() string {
	var b strings.Builder
	for i, sync := range r.HPASyncs {
		if i > 0 {
			b.WriteString("\n")
		}
		n := max(len(r.KPA.steps(sync)), len(r.KEDA.steps(sync)))
		fmt.Fprintf(&b, "HPA sync period %s%s, %d steps per class (median / max over the steps):\n\n", sync, syncNote(sync), n)
		fmt.Fprintf(&b, "| figure | KPA (%s) | this controller (%s) | ratio (ours / KPA) |\n|---|---|---|---|\n", classOf(r.KPA), classOf(r.KEDA))
		for _, row := range r.stepRows(sync) {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", row.what, row.kpa, row.keda, row.ratio)
		}
	}
	return b.String()
}

func syncNote(sync string) string {
	switch sync {
	case "15s":
		return " (Kubernetes' default)"
	case hpaSync:
		return " (the harness's)"
	}
	return ""
}

func classOf(c *StepContender) string {
	if c == nil {
		return "not run"
	}
	return c.Class
}

// LoadSteps reads out/stepload.json.
func LoadSteps(out string) (*StepResults, error) {
	var r StepResults
	if err := loadJSON(out, "stepload.json", &r); err != nil {
		return nil, err
	}
	// BackDown is read from the timeline again: a run before it was
	// measured from the end of the hold waited from the last answer.
	for _, c := range []*StepContender{r.KPA, r.KEDA} {
		if c == nil {
			continue
		}
		for i := range c.Steps {
			c.Steps[i].BackDown = backDown(c.Steps[i].Timeline, r.HoldSeconds, r.MinScale)
		}
	}
	return &r, nil
}

// Save writes stepload.json and stepload.md into out.
func (r *StepResults) Save(out string) error {
	return saveReport(out, "stepload", r, r.Markdown())
}

// Markdown is docs/benchmarks/stepload.md: the tables, how it was
// measured, and every step.
func (r *StepResults) Markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("# A step load beside the KPA")
	p("")
	p("<!-- Generated by test/cmd/bench/coldstart -stepload (make bench-stepload) from stepload.json: edit the program, not this file. -->")
	p("")
	p("The same Knative Service, scaled on concurrency (the same target, window and scale bounds), once by Knative's")
	p("own KPA (class `%s`, Serving's autoscaler) and once by this controller through KEDA (class `%s`:", autoscaling.KPA, autoscaling.HPA)
	p("Serving's collector and decider in the controller, the desired pods served to KEDA's HPA by the external-push")
	p("scaler), on one local control plane, the two classes taking turns. A step: %d clients each sending requests", r.Concurrency)
	p("back to back for %.0f s (each answered by the pod after %.0f ms, so %d requests are in flight), then none.", r.HoldSeconds, r.DelaySeconds*1000, r.Concurrency)
	if r.ContainerConcurrency > 0 {
		p("A pod takes at most %d requests at once (`containerConcurrency`, both classes): while there are too few pods", r.ContainerConcurrency)
		p("the activator holds the rest, so a slower scale-up costs latency and requests answered.")
	} else {
		p("A pod takes any number of requests at once (`containerConcurrency` 0): one pod answers every client after the")
		p("delay, so latency and requests answered do not depend on the scaling.")
	}
	p("Both classes should reach %d pods (%d in flight over a target of %s a pod, utilization 100 %%), starting", r.Wanted, r.Concurrency, r.annotation(autoscaling.TargetAnnotationKey))
	p("from and returning to min-scale %d. The program prints the figures and fails on none.", r.MinScale)
	p("")
	p("## Results")
	p("")
	p("%s", r.Table())
	p("")
	p("Ratio: this controller's figure divided by the KPA's (median / max); above 1, this controller is slower or")
	p("overshoots more. For requests answered, the ratio of the totals per step.")
	p("")
	p("- **step -> pods wanted**: from the first request until the Deployment's `spec.replicas` is at least the pods")
	p("  wanted (what the KPA or KEDA's HPA wrote), and until that many pods are ready (kwok starts a pod at once; its")
	p("  queue-proxy starts in the harness).")
	p("- **overshoot**: the most replicas the Deployment asked for, from the step until back at min-scale, above the")
	p("  pods wanted (0: never above).")
	p("- **back to min-scale**: from the end of the last request until `spec.replicas` is min-scale again.")
	p("- **requests**: every request the clients sent through the activator; *failed*: not answered 200 by a pod;")
	p("  latency from send to answer, each step's p50 and p95.")
	p("")
	if r.Settings["route (-route)"] != routeSetting["activator"] {
		p("How the requests travel: as an ingress sends them, to the revision's public Service, whose Endpoints Serving's")
		p("SKS reconciler points at the activator (Proxy mode) or at the pods (Serve mode). Both classes keep a revision")
		p("in Proxy mode while its excess burst capacity is negative (Serving's default `target-burst-capacity`, 211, is")
		p("more than max-scale × containerConcurrency): the KPA from its decider, this controller from the same decider")
		p("run in the controller (docs/requests.md). Its requests then go through the activator, which spreads them over")
		p("the pods by their capacity and holds the rest, counted in the signal (the KPA's over the activator's stream,")
		p("this controller's from the activators' metrics, read every second). In Serve mode a request goes straight to")
		p("a pod's queue-proxy, picked at random as kube-proxy does, which queues what is above containerConcurrency.")
		p("The row *requests sent through the activator* shows the split.")
		p("")
	}
	p("The HPA controller's sync period bounds this controller's reaction: KEDA's HPA reads the desired pods every")
	p("sync period. The harness runs kube-controller-manager with `--horizontal-pod-autoscaler-sync-period=%s`;", hpaSync)
	p("Kubernetes' default is 15 s: the run measures under each period in turn, each on a control plane of its own.")
	p("The KPA does not use the HPA; it is measured again under each period (the same conditions on the machine).")
	p("")
	p("## Reproduce")
	p("")
	p("```sh")
	p("make bench-stepload                                     # builds what is missing, then the run below (as root)")
	p("make bench-stepload STEPLOAD_FLAGS=\"-step-rounds 1 -hpa-syncs 3s\"   # a quicker look")
	p("```")
	p("")
	r.Run.reproduced(p)
	p("")
	p("## Setup")
	p("")
	route := "requests go to an address of the revision's public Service's Endpoints, chosen at random\n" +
		"  per request as kube-proxy would (the activator in Proxy mode, the pods in Serve mode, as Serving's SKS\n" +
		"  reconciler writes them), with Serving's routing headers;"
	if r.Settings["route (-route)"] == routeSetting["activator"] {
		route = "requests go straight to the activator with Serving's routing headers, whatever the SKS mode;"
	}
	harnessSetup(p, fmt.Sprintf("after %.0f ms", r.DelaySeconds*1000), route, ".")
	p("")
	p("Template annotations:")
	p("")
	annotationsTable(p, r.KPA.annotations(), r.KEDA.annotations())
	p("")
	p("Settings:")
	p("")
	r.Run.settingsTable(p)
	p("")
	r.Run.machineTable(p)
	r.Run.notes(p)
	p("")
	p("## Every step")
	p("")
	p("t in seconds from the first request; the Deployment's `spec.replicas` as the benchmark's watch saw it change,")
	p("from the step until back at min-scale; for this controller, what KEDA's HPA said (metric value, desired and")
	p("current replicas) where it changed.")
	for _, c := range []*StepContender{r.KPA, r.KEDA} {
		if c == nil {
			continue
		}
		for _, s := range c.Steps {
			p("")
			p("- %s, HPA sync %s, step %d: %s", c.Class, s.HPASync, s.Round, s.summary(r.Wanted))
			var spec []string
			last := int32(-1)
			for _, pt := range s.Timeline {
				if pt.Spec != last {
					spec = append(spec, fmt.Sprintf("%.1f: %d", pt.T, pt.Spec))
					last = pt.Spec
				}
			}
			p("  - replicas: %s", strings.Join(spec, ", "))
			if len(s.HPA) > 0 {
				var h []string
				for _, pt := range s.HPA {
					h = append(h, fmt.Sprintf("%.0f: %s -> %d (%d)", pt.T, pt.Metric, pt.Desired, pt.Current))
				}
				p("  - HPA: %s", strings.Join(h, "; "))
			}
			for _, f := range s.Failures {
				p("  - failed: %s", f)
			}
		}
	}
	return b.String()
}

func (c *StepContender) annotations() map[string]string {
	if c == nil {
		return nil
	}
	return c.Annotations
}

// annotation is a template annotation key's value, the KPA's or ours.
func (r *StepResults) annotation(key string) string {
	for _, c := range []*StepContender{r.KPA, r.KEDA} {
		if v := c.annotations()[key]; v != "" {
			return v
		}
	}
	return "?"
}
