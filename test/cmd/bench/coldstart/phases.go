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
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// defaultIdleTimeout bounds the idle-to-zero wait with default settings:
// KEDA's default cooldownPeriod alone is 300 s.
const defaultIdleTimeout = 12 * time.Minute

// defaultQuiet is the quiet period with default settings: a scale-up
// without a request comes at KEDA's next poll (30 s by default).
const defaultQuiet = 40 * time.Second

// turn is the order the classes take in round i: they alternate, so
// neither always goes first.
func turn[C any](classes []C, i int) []C {
	out := slices.Clone(classes)
	if i%2 == 1 {
		slices.Reverse(out)
	}
	return out
}

// short names a class's ksvcs.
func (c *class) short() string {
	if c.anns["autoscaling.knative.dev/class"] == "kpa.autoscaling.knative.dev" {
		return "kpa"
	}
	return "keda"
}

// waitAllAtZero waits until every named ksvc's Deployment has no replica
// and no pod.
func (b *bench) waitAllAtZero(ctx context.Context, ns string, names []string, timeout time.Duration) error {
	var errs []error
	deadline := time.Now().Add(timeout)
	for _, n := range names {
		if err := b.deps.waitNow(ctx, deploymentKey(ns, n), atZero, time.Until(deadline)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// coldStart sends one request to ksvc ns/name at zero and returns the
// sample (idle-to-zero still to measure) and when the answer came.
func (b *bench) coldStart(ctx context.Context, c *Contender, ns, name string) (Sample, time.Time) {
	key := deploymentKey(ns, name)
	s := Sample{Service: ns + "/" + name, Scaled: -1, Answer: -1, IdleToZero: -1, IdleToStableZero: -1}
	t0 := time.Now()
	code, err := b.request(ctx, c, ns, revisionOf(name))
	answered := time.Now()
	s.Code = code
	if err != nil {
		s.Error = err.Error()
	} else {
		s.Answer = seconds(answered.Sub(t0))
	}
	if t, err := b.deps.waitSince(ctx, key, t0, scaledUp, 10*time.Second); err == nil {
		s.Scaled = seconds(t.Sub(t0))
	}
	return s, answered
}

// idleToZero fills s.IdleToZero (from the answer to spec.replicas 0) and
// s.IdleToStableZero (to the spec.replicas 0 after which no scale-up came
// for quiet), counting the scale-ups in between (no request was sent) in
// s.Bounces.
func (b *bench) idleToZero(ctx context.Context, s *Sample, ns, name string, answered time.Time, timeout, quiet time.Duration) {
	key := deploymentKey(ns, name)
	deadline := time.Now().Add(timeout)
	t, err := b.deps.waitSince(ctx, key, answered, specZero, timeout)
	if err != nil {
		b.logf("%s: %v", s.Service, err)
		return
	}
	s.IdleToZero = seconds(t.Sub(answered))
	for ctx.Err() == nil {
		if err := b.deps.waitNow(ctx, key, atZero, time.Until(deadline)); err != nil {
			b.logf("%s: after %d scale-ups without a request: %v", s.Service, s.Bounces, err)
			return
		}
		zeroAt, _ := b.deps.runStart(key, specZero)
		sleep(ctx, time.Until(zeroAt.Add(quiet)))
		if _, up := b.deps.firstSince(key, zeroAt, scaledUp); !up {
			s.IdleToStableZero = seconds(zeroAt.Sub(answered))
			return
		}
		s.Bounces++
	}
}

// readyToWake waits until ksvc ns/name is at zero and stays there for
// o.settle (a scale-up meanwhile, without a request, is noted: it came
// after the quiet period).
func (b *bench) readyToWake(ctx context.Context, c *Contender, ns, name string) error {
	key := deploymentKey(ns, name)
	for {
		if err := b.deps.waitNow(ctx, key, atZero, b.o.zeroTimeout); err != nil {
			return err
		}
		zeroAt, _ := b.deps.runStart(key, specZero)
		sleep(ctx, b.o.settle)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if _, up := b.deps.firstSince(key, zeroAt, scaledUp); !up && atZero(b.deps.current(key)) {
			return nil
		}
		b.note("%s %s/%s scaled up from zero without a request, later than the %v quiet period", c.Class, ns, name, b.o.quiet)
	}
}

// waitAllReady is readyToWake for every named ksvc, at once.
func (b *bench) waitAllReady(ctx context.Context, c *Contender, ns string, names []string) error {
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = b.readyToWake(ctx, c, ns, name) }()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// coldStarts runs the single-service series: one ksvc per class, woken
// by one request at zero, o.coldStarts times each, the classes in turn.
func (b *bench) coldStarts(ctx context.Context, classes []*class) error {
	const ns = "cold"
	var names []string
	for _, c := range classes {
		if err := b.createServices(ctx, ns, []string{c.short()}, c.anns); err != nil {
			return err
		}
		names = append(names, c.short())
	}
	defer b.deleteNamespace(context.Background(), ns)
	b.logf("cold starts: ksvcs %s/%s created; waiting until both are at zero (initial scale 1, then idle)", ns, strings.Join(names, ", "))
	if err := b.waitAllAtZero(ctx, ns, names, 2*b.o.zeroTimeout); err != nil {
		return err
	}
	for i := range b.o.coldStarts {
		type pending struct {
			c        *class
			idx      int
			answered time.Time
		}
		var round []pending
		for _, c := range turn(classes, i) {
			name := c.short()
			if err := b.readyToWake(ctx, c.c, ns, name); err != nil {
				b.note("cold start %d of %s skipped: %v", i+1, c.c.Class, err)
				continue
			}
			s, answered := b.coldStart(ctx, c.c, ns, name)
			c.c.ColdStarts = append(c.c.ColdStarts, s)
			round = append(round, pending{c, len(c.c.ColdStarts) - 1, answered})
		}
		var line []string
		for _, p := range round {
			s := &p.c.c.ColdStarts[p.idx]
			b.idleToZero(ctx, s, ns, p.c.short(), p.answered, b.o.zeroTimeout, b.o.quiet)
			line = append(line, fmt.Sprintf("%s: scaled %s, answer %s, back to zero %s (for good %s, %d scale-ups without a request)",
				p.c.short(), secs(s.Scaled), secs(s.Answer), secs(s.IdleToZero), secs(s.IdleToStableZero), s.Bounces))
		}
		b.logf("cold start %d/%d: %s", i+1, b.o.coldStarts, strings.Join(line, "; "))
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}

// wakeGroups runs Serving's scale-from-zero benchmark for n services per
// class: all at zero, one request each at once, o.wakeRounds times, the
// classes in turn.
func (b *bench) wakeGroups(ctx context.Context, classes []*class, n int) error {
	ns := fmt.Sprintf("wake-%d", n)
	names := map[*class][]string{}
	var all []string
	for _, c := range classes {
		for i := 1; i <= n; i++ {
			names[c] = append(names[c], fmt.Sprintf("%s-%d", c.short(), i))
		}
		if err := b.createServices(ctx, ns, names[c], c.anns); err != nil {
			return err
		}
		all = append(all, names[c]...)
	}
	defer b.deleteNamespace(context.Background(), ns)
	b.logf("%d services woken at once: %d ksvcs per class created in %s; waiting until all are at zero", n, n, ns)
	if err := b.waitAllAtZero(ctx, ns, all, 2*b.o.zeroTimeout+time.Duration(n)*2*time.Second); err != nil {
		return err
	}
	wakes := map[*class]*Wake{}
	for _, c := range classes {
		c.c.Wakes = append(c.c.Wakes, Wake{N: n})
		wakes[c] = &c.c.Wakes[len(c.c.Wakes)-1]
	}
	for round := range b.o.wakeRounds {
		type pending struct {
			c        *class
			from     int
			answered []time.Time
		}
		var woken []pending
		for _, c := range turn(classes, round) {
			if err := b.waitAllReady(ctx, c.c, ns, names[c]); err != nil {
				b.note("%d services woken at once, round %d of %s skipped: %v", n, round+1, c.c.Class, err)
				continue
			}
			samples, answered := b.wakeAll(ctx, c.c, ns, names[c])
			w := wakes[c]
			from := len(w.Samples)
			w.Samples = append(w.Samples, samples...)
			w.Rounds++
			woken = append(woken, pending{c, from, answered})
		}
		var line []string
		for _, p := range woken {
			w := wakes[p.c]
			var wg sync.WaitGroup
			for i, name := range names[p.c] {
				wg.Add(1)
				go func() {
					defer wg.Done()
					b.idleToZero(ctx, &w.Samples[p.from+i], ns, name, p.answered[i], b.o.zeroTimeout, b.o.quiet)
				}()
			}
			wg.Wait()
			got := w.Samples[p.from:]
			bounced, _ := bounces(got)
			line = append(line, fmt.Sprintf("%s: answer p50 %s max %s; scaled max %s; back to zero max %s (for good %s), %d came back up without a request", p.c.short(),
				secs(stats(field(got, answerOf)).P50), secs(stats(field(got, answerOf)).Max), secs(stats(field(got, scaledOf)).Max),
				secs(stats(field(got, idleOf)).Max), secs(stats(field(got, stableOf)).Max), bounced))
		}
		b.logf("%d services woken at once, round %d/%d: %s", n, round+1, b.o.wakeRounds, strings.Join(line, "; "))
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}

// wakeAll sends one request to each named ksvc at once.
func (b *bench) wakeAll(ctx context.Context, c *Contender, ns string, names []string) ([]Sample, []time.Time) {
	samples := make([]Sample, len(names))
	answered := make([]time.Time, len(names))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			samples[i], answered[i] = b.coldStart(ctx, c, ns, name)
		}()
	}
	close(start)
	wg.Wait()
	return samples, answered
}

// defaultIdle measures idle-to-zero once per class with each class's
// defaults: config-autoscaler as Serving ships it, no window, polling or
// cooldown annotation. One request wakes nothing here: it reaches the
// revision's first pod (initial scale 1); then both idle at once.
func (b *bench) defaultIdle(ctx context.Context, classes []*class) error {
	const ns = "defaults"
	if err := b.e.SetConfigMap(ctx, "config-autoscaler", map[string]string{}); err != nil {
		return err
	}
	for _, c := range classes {
		if err := b.createServices(ctx, ns, []string{c.short()}, c.defaults); err != nil {
			return err
		}
	}
	defer b.deleteNamespace(context.Background(), ns)
	b.logf("idle to zero with defaults: config-autoscaler reset to Serving's defaults, ksvcs %s/kpa and %s/keda without window, polling or cooldown; up to %v", ns, ns, defaultIdleTimeout)
	var wg sync.WaitGroup
	for _, c := range classes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := c.short()
			c.c.DefaultIdleToZero, c.c.DefaultIdleToStableZero = -1, -1
			if err := b.deps.waitNow(ctx, deploymentKey(ns, name), readyOne, 2*time.Minute); err != nil {
				b.note("idle to zero with defaults, %s: its first pod: %v", c.c.Class, err)
				return
			}
			s := Sample{Service: ns + "/" + name, IdleToZero: -1, IdleToStableZero: -1}
			if _, err := b.request(ctx, c.c, ns, revisionOf(name)); err != nil {
				b.note("idle to zero with defaults, %s: request: %v", c.c.Class, err)
			}
			answered := time.Now()
			b.idleToZero(ctx, &s, ns, name, answered, defaultIdleTimeout, defaultQuiet)
			c.c.DefaultIdleToZero, c.c.DefaultIdleToStableZero = s.IdleToZero, s.IdleToStableZero
			b.logf("idle to zero with defaults, %s: %s (for good %s, %d scale-ups without a request)", c.short(), secs(s.IdleToZero), secs(s.IdleToStableZero), s.Bounces)
		}()
	}
	wg.Wait()
	return nil
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// secs renders seconds, or "–" for a value not reached.
func secs(v float64) string {
	if v < 0 {
		return "–"
	}
	return fmt.Sprintf("%.2fs", v)
}
