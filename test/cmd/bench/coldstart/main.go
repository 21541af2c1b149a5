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

// Command coldstart measures scale from zero beside Knative's KPA, on one
// local control plane (test/cluster): the same Knative Service shape with
// class kpa.autoscaling.knative.dev, scaled by Serving's own autoscaler,
// and with class hpa.autoscaling.knative.dev, scaled by this controller
// through KEDA, both at min-scale 0 behind Serving's activator, every pod
// answering through Serving's real queue-proxy. It reports, per class:
//
//   - cold start: one request sent at zero -> the Deployment scaled to 1,
//     and -> its answer, p50/p95/max over -cold-starts cold starts;
//   - N services woken at once (-wake, Serving's scale-from-zero
//     benchmark wakes 25 in parallel), one request each;
//   - requests lost: every request not answered 200, of all sent;
//   - idle to zero: last answer -> the Deployment scaled to 0, with the
//     benchmark's shortened settings and, once, with each class's defaults.
//
// The two classes take turns (their order alternates) so other work on the
// machine weighs on both alike. It prints the table with the ratio (ours /
// KPA) and writes docs/benchmarks/coldstart.md and coldstart.json. Numbers
// are printed, never asserted.
//
// With -stepload it measures a step load instead, on the same control
// plane: one ksvc per class scaled on concurrency (the same target, window
// and scale bounds), -concurrency clients for -hold, then none; per class
// and per HPA sync period (-hpa-syncs: kube-controller-manager restarted
// with each), the time until the Deployment asks for the pods wanted, the
// overshoot, the time back down to min-scale, the requests failed and
// answered, into docs/benchmarks/stepload.md and stepload.json.
//
// Run it as root (it runs itself again in a network namespace of its own,
// unshare -n, as the activator needs): make bench-coldstart, make
// bench-stepload.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"k8s.io/client-go/rest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/serving-keda/serving-keda/test/cluster"
)

// report is what a scenario measured.
type report interface {
	Table() string
	Save(out string) error
	run() *Run
}

func (r *Results) run() *Run     { return &r.Run }
func (r *StepResults) run() *Run { return &r.Run }

func main() {
	o := parseFlags()
	name := "coldstart"
	if o.stepload {
		name = "stepload"
	}
	if o.reportOnly {
		var r report
		var err error
		if o.stepload {
			r, err = LoadSteps(o.out)
		} else {
			r, err = Load(o.out)
		}
		if err == nil {
			err = r.Save(o.out)
		}
		if err != nil {
			fatal(err)
		}
		fmt.Print(r.Table())
		return
	}
	ctrllog.SetLogger(ctrllog.Log.WithSink(ctrllog.NullLogSink{}))
	// The API server's deprecation warnings (v1 Endpoints, ...) say nothing here.
	rest.SetDefaultWarningHandler(rest.NoWarnings{})
	if ran, code, err := cluster.ProgramInOwnNetNamespace(); err != nil {
		fatal(err)
	} else if ran {
		os.Exit(code)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var r report
	var err error
	if o.stepload {
		var s *StepResults
		if s, err = runStepload(ctx, o); s != nil {
			r = s
		}
	} else {
		var c *Results
		if c, err = run(ctx, o); c != nil {
			r = c
		}
	}
	if r != nil {
		fmt.Println()
		fmt.Print(r.Table())
		for _, n := range r.run().Notes {
			fmt.Println("note:", n)
		}
		if ctx.Err() != nil {
			fmt.Println("interrupted: nothing saved")
		} else if o.out != "" {
			if serr := r.Save(o.out); serr != nil {
				fmt.Fprintln(os.Stderr, "coldstart: saving:", serr)
			} else {
				fmt.Printf("\nwrote %s/%s.md and %s.json\n", o.out, name, name)
			}
		}
	}
	if err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "coldstart:", err)
	os.Exit(1)
}

type options struct {
	coldStarts     int
	wakes          []int
	wakeRounds     int
	defaultIdle    bool
	out            string
	requestTimeout time.Duration
	zeroTimeout    time.Duration
	settle         time.Duration
	quiet          time.Duration
	verbose        bool
	keepLogs       bool
	reportOnly     bool
	// -stepload
	stepload             bool
	concurrency          int
	hold, delay          time.Duration
	target               int
	minScale             int
	maxScale             int
	hpaSyncs             []string
	stepRounds           int
	classes              []string
	kedaMetric           string
	containerConcurrency int
	route                string
}

func parseFlags() *options {
	o := &options{}
	var wakes string
	flag.IntVar(&o.coldStarts, "cold-starts", 20, "single-service cold starts per class")
	flag.StringVar(&wakes, "wake", "5,25", "numbers of services woken at once, comma-separated (1 is the cold-start series)")
	flag.IntVar(&o.wakeRounds, "wake-rounds", 3, "times each group of services is woken")
	flag.BoolVar(&o.defaultIdle, "default-idle", true, "also measure idle-to-zero once with each class's defaults (this controller's: KEDA's 300 s cooldown)")
	flag.StringVar(&o.out, "out", "docs/benchmarks", "where coldstart.md and coldstart.json go (empty: print only)")
	flag.DurationVar(&o.requestTimeout, "request-timeout", 2*time.Minute, "give up on a request after this long (it counts as lost)")
	flag.DurationVar(&o.zeroTimeout, "zero-timeout", 3*time.Minute, "give up waiting for a service to reach zero after this long (shortened settings)")
	flag.DurationVar(&o.settle, "settle", 2*time.Second, "a service must stay at zero this long before it is woken again")
	flag.DurationVar(&o.quiet, "quiet", 5*time.Second, "a zero counts as for good when no scale-up follows within this long")
	flag.BoolVar(&o.verbose, "v", false, "print every queue-proxy start")
	flag.BoolVar(&o.keepLogs, "keep-logs", false, "keep the control plane's logs")
	flag.BoolVar(&o.reportOnly, "report-only", false, "only write coldstart.md (stepload.md with -stepload) again from -out's JSON")
	flag.BoolVar(&o.stepload, "stepload", false, "measure a step load instead of scale from zero (the flags below)")
	flag.IntVar(&o.concurrency, "concurrency", 50, "-stepload: clients sending requests back to back during the step")
	flag.DurationVar(&o.hold, "hold", time.Minute, "-stepload: how long the clients send")
	flag.DurationVar(&o.delay, "delay", 300*time.Millisecond, "-stepload: the pod answers each request after this long")
	flag.IntVar(&o.target, "target", 10, "-stepload: the concurrency target a pod (annotation target, both classes)")
	flag.IntVar(&o.containerConcurrency, "container-concurrency", 10, "-stepload: the revisions' containerConcurrency, a pod's hard limit of requests in flight (0: none; then one pod answers every client after -delay, however many are wanted)")
	flag.StringVar(&o.route, "route", "public", "-stepload: public (each request to an address of the revision's public Service's Endpoints, as an ingress) or activator (every request through the activator)")
	flag.IntVar(&o.minScale, "min-scale", 1, "-stepload: min-scale of both classes")
	flag.IntVar(&o.maxScale, "max-scale", 10, "-stepload: max-scale of both classes")
	syncs := flag.String("hpa-syncs", hpaSync+",15s", "-stepload: kube-controller-manager's HPA sync periods to measure under, in turn")
	flag.IntVar(&o.stepRounds, "step-rounds", 2, "-stepload: steps per class and HPA sync period")
	classes := flag.String("classes", "kpa,keda", "-stepload: the classes to measure (kpa, keda)")
	flag.StringVar(&o.kedaMetric, "keda-metric", "", "-stepload: this controller's metric annotation instead of concurrency (to try the harness with another)")
	flag.Parse()
	var err error
	if o.classes, err = classList(*classes); err != nil {
		fatal(err)
	}
	for _, f := range strings.Split(*syncs, ",") {
		if f = strings.TrimSpace(f); f != "" {
			if _, err := time.ParseDuration(f); err != nil {
				fatal(fmt.Errorf("-hpa-syncs: %w", err))
			}
			o.hpaSyncs = append(o.hpaSyncs, f)
		}
	}
	if len(o.hpaSyncs) == 0 || o.concurrency < 1 || o.target < 1 || o.minScale < 1 || o.maxScale < o.minScale || o.stepRounds < 1 || o.containerConcurrency < 0 || routeSetting[o.route] == "" {
		fatal(fmt.Errorf("-stepload: -hpa-syncs, -concurrency, -target, -min-scale (at least 1), -max-scale (at least min-scale), -step-rounds"))
	}
	for _, f := range strings.Split(wakes, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			fatal(fmt.Errorf("-wake: %q is not a positive number", f))
		}
		if n > 1 {
			o.wakes = append(o.wakes, n)
		}
	}
	return o
}
