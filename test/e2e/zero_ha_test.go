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
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"
	"knative.dev/pkg/ptr"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"

	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/pkg/scaletozero"
	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/deploy"
	"github.com/serving-keda/serving-keda/test/harness"
)

// streamIsActive is the gRPC method of KEDA's push stream.
const streamIsActive = "/externalscaler.ExternalScaler/StreamIsActive"

// cleanReconnect bounds the time from a replica's SIGTERM to KEDA's stream
// on the other: KEDA (v2.19 to v2.21) dials again 2 s after a stream that
// ended cleanly, plus a margin for a loaded machine. After a stream that
// ended with an error it waits 2 s, then 4, 8, ... up to a minute.
const cleanReconnect = 3500 * time.Millisecond

// haLease is config-leader-election's lease-duration in TestScaleFromZeroHA:
// a killed replica's buckets move within it, not Serving's default minute.
const haLease = 4 * time.Second

// haReplica is one of the controller's two processes, each serving KEDA's
// external-push scaler on its own port.
type haReplica struct {
	name string
	port int
	p    *cluster.Process
}

func (r *haReplica) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port)) }

// TestScaleFromZeroHA is issue 19's HA: two replicas of the controller,
// each serving KEDA's external-push scaler, behind one address KEDA dials
// that spreads new connections over the live ones (cluster.Balancer, the
// ClusterIP Service's stand-in).
//
// Kill: a min-scale "0" revision at zero; requests sent through the
// activator; the replica KEDA's stream is on is killed (SIGKILL) before it
// can push them; the other replica wakes the revision, and every request
// is answered 200.
//
// Restart: twice, the replica KEDA's stream is on gets SIGTERM; it ends the
// stream cleanly, so KEDA opens it again on the other replica within
// cleanReconnect, and logs no stream error. Its own network namespace.
func TestScaleFromZeroHA(t *testing.T) {
	if cluster.InOwnNetNamespace(t) {
		return
	}
	ctx := context.Background()
	ports := make([]int, 2)
	for i := range ports {
		p, err := cluster.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		ports[i] = p
	}
	reps := []*haReplica{{name: "autoscaler-keda-a", port: ports[0]}, {name: "autoscaler-keda-b", port: ports[1]}}
	bal, err := cluster.StartBalancer(reps[0].addr(), reps[1].addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bal.Close() })
	e, ns, _, anns := startScaleToZero(t, func(o *harness.Options) {
		o.NoController = true
		before := o.Before
		o.Before = func(ctx context.Context, e *harness.Env) error {
			if err := before(ctx, e); err != nil {
				return err
			}
			if err := e.SetConfigMap(ctx, "config-leader-election", map[string]string{
				"lease-duration": haLease.String(), "renew-deadline": "3s", "retry-period": "1s",
			}); err != nil {
				return err
			}
			return e.SetConfigMap(ctx, config.KEDAConfigName, map[string]string{config.ActivatorScalerAddressKey: bal.Addr()})
		}
	})
	start := func(r *haReplica) error {
		var err error
		r.p, err = deploy.Start(ctx, e.Cluster, e.Binary, deploy.Options{
			Name: r.name,
			Env:  []string{scaletozero.ScalerPortEnv + "=" + strconv.Itoa(r.port)},
		})
		return err
	}
	var wg sync.WaitGroup
	errs := make([]error, len(reps))
	for i, r := range reps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = start(r)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	byAddr := map[string]*haReplica{reps[0].addr(): reps[0], reps[1].addr(): reps[1]}
	other := func(r *haReplica) *haReplica {
		if r == reps[0] {
			return reps[1]
		}
		return reps[0]
	}
	// streamOn is the replica KEDA's push stream is on: where the last
	// StreamIsActive went, on a connection still open (KEDA opens another
	// only once the last has ended).
	streamOn := func() *haReplica {
		var on *haReplica
		harness.Eventually(t, 30*time.Second, "KEDA's StreamIsActive on an open connection", func() (bool, string) {
			calls := bal.Calls()
			for i := len(calls) - 1; i >= 0; i-- {
				if calls[i].Path == streamIsActive {
					on = byAddr[calls[i].Backend]
					return calls[i].Open, fmt.Sprintf("the last to %s, connection closed", calls[i].Backend)
				}
			}
			return false, fmt.Sprintf("none among %d calls", len(calls))
		})
		return on
	}
	// streamAfter waits for KEDA's stream on r opened after t0.
	streamAfter := func(r *haReplica, t0 time.Time, timeout time.Duration) (time.Time, bool) {
		deadline := time.Now().Add(timeout)
		for time.Now().Before(deadline) {
			for _, c := range bal.Calls() {
				if c.Path == streamIsActive && c.Backend == r.addr() && c.At.After(t0) {
					return c.At, true
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		return time.Time{}, false
	}

	const (
		name     = "ha"
		revision = name + "-00001"
		n        = 8
	)
	dep := revision + "-deployment"
	e.CreateKnativeService(t, harness.KnativeService(ns, name, anns))
	waitReplicas(t, e, ns, dep, 0, 3*time.Minute)
	e.PACondition(t, ns, revision, "Active", harness.ControllerTimeout, func(c *apis.Condition) bool {
		return c.IsFalse() && c.Reason == scaletozero.ReasonNoTraffic
	})

	// Kill: requests held at the activator, the replica KEDA's stream is on
	// killed the moment they are written, before its next scrape (1 s)
	// could see them.
	victim := streamOn()
	survivor := other(victim)
	t.Logf("KEDA's stream is on %s (%s): it will be killed during the cold start", victim.name, victim.addr())
	rctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	var written sync.WaitGroup
	written.Add(n)
	rctx = httptrace.WithClientTrace(rctx, &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { written.Done() }})
	type answer struct {
		code int
		err  error
		at   time.Time
	}
	answers := make([]answer, n)
	sent := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _, err := throughActivator(rctx, e.Cluster, ns, revision)
			answers[i] = answer{code, err, time.Now()}
		}()
	}
	allWritten := make(chan struct{})
	go func() {
		written.Wait()
		close(allWritten)
	}()
	select {
	case <-allWritten:
	case <-time.After(30 * time.Second):
		t.Fatal("the requests were not all written to the activator within 30s")
	}
	if err := victim.p.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	if d, err := e.Kube.AppsV1().Deployments(ns).Get(ctx, dep, metav1.GetOptions{}); err != nil || d.Spec.Replicas == nil || *d.Spec.Replicas != 0 {
		t.Errorf("when %s was killed, %s was already scaled (err %v): the kill came too late to test anything", victim.name, dep, err)
	}
	scaled := waitReplicas(t, e, ns, dep, 1, 2*time.Minute)
	wg.Wait()
	var first time.Time
	for i, a := range answers {
		if a.err != nil || a.code != http.StatusOK {
			t.Errorf("request %d: %d %v; want 200", i, a.code, a.err)
		} else if first.IsZero() || a.at.Before(first) {
			first = a.at
		}
	}
	reopened, ok := streamAfter(survivor, killed, time.Second)
	streamNote := "no stream on it yet"
	if ok {
		streamNote = fmt.Sprintf("KEDA's stream on it %v after the kill", reopened.Sub(killed).Round(10*time.Millisecond))
	}
	t.Logf("cold start with %s killed %v after the requests were sent: Deployment scaled to 1 %v after the kill (%v after the requests), ready %v, first answer %v after the kill; %d/%d answered 200; survivor %s: %s",
		victim.name, killed.Sub(sent).Round(time.Millisecond), scaled.spec.Sub(killed).Round(10*time.Millisecond), scaled.spec.Sub(sent).Round(10*time.Millisecond),
		scaled.ready.Sub(killed).Round(10*time.Millisecond), first.Sub(killed).Round(10*time.Millisecond), countOK(answers, func(a answer) bool { return a.err == nil && a.code == http.StatusOK }), n, survivor.name, streamNote)
	// The PA follows once the survivor leads its bucket: at once, or after
	// the dead replica's lease ran out. If the dead replica led it, nobody
	// held the woken revision for the stable window meanwhile, and KEDA may
	// already have taken it back to zero after its cooldown (its requests
	// were all answered): then the survivor's PA is idle at zero, not
	// active. Either way the PA must agree with the Deployment, as the
	// survivor reconciles it.
	harness.Eventually(t, haLease+2*harness.ControllerTimeout, "the survivor leads and the PA agrees with the Deployment", func() (bool, string) {
		log, err := os.ReadFile(survivor.p.LogPath)
		if err != nil {
			return false, err.Error()
		}
		// client-go logs "successfully acquired lease" up to v0.35 and
		// "Successfully acquired lease" from v0.36.
		if !strings.Contains(string(log), "uccessfully acquired lease") {
			return false, survivor.name + " does not lead yet"
		}
		d, err := e.Kube.AppsV1().Deployments(ns).Get(ctx, revision+"-deployment", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		pa, err := e.Serving.AutoscalingV1alpha1().PodAutoscalers(ns).Get(ctx, revision, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		active := pa.Status.GetCondition(autoscalingv1alpha1.PodAutoscalerConditionActive)
		replicas := ptr.Int32Value(d.Spec.Replicas)
		state := fmt.Sprintf("Deployment spec %d ready %d; PA Active %+v", replicas, d.Status.ReadyReplicas, active)
		switch {
		case active == nil:
			return false, state
		case active.IsTrue():
			return d.Status.ReadyReplicas > 0, state
		case active.IsFalse() && active.Reason == scaletozero.ReasonNoTraffic:
			return replicas == 0, state
		}
		return false, state
	})
	t.Logf("the survivor leads and the PA agrees with the Deployment %v after the kill", time.Since(killed).Round(100*time.Millisecond))

	// Restart, twice: SIGTERM the replica KEDA's stream is on (both are
	// up), KEDA's stream moves to the other within cleanReconnect.
	if err := start(victim); err != nil {
		t.Fatal(err)
	}
	for round := 1; round <= 2; round++ {
		from := streamOn()
		to := other(from)
		streamErrors := kedaStreamErrors(t, e)
		t0 := time.Now()
		if err := from.p.Stop(); err != nil {
			t.Errorf("round %d: stopping %s: %v", round, from.name, err)
		}
		stopped := time.Since(t0)
		at, ok := streamAfter(to, t0, 15*time.Second)
		if !ok {
			t.Errorf("round %d: after %s's SIGTERM, no KEDA stream on %s within 15s", round, from.name, to.name)
		} else {
			d := at.Sub(t0)
			t.Logf("round %d: SIGTERM to %s (exited in %v); KEDA's stream on %s %v later", round, from.name, stopped.Round(time.Millisecond), to.name, d.Round(10*time.Millisecond))
			if d > cleanReconnect {
				t.Errorf("round %d: KEDA's stream reached %s %v after %s's SIGTERM; want at most %v (KEDA's 2 s after a stream that ended cleanly)", round, to.name, d.Round(10*time.Millisecond), from.name, cleanReconnect)
			}
		}
		if now := kedaStreamErrors(t, e); now != streamErrors {
			t.Errorf("round %d: KEDA's operator logged %d stream errors after %s's SIGTERM; want none (a clean end is io.EOF)", round, now-streamErrors, from.name)
		}
		if err := start(from); err != nil {
			t.Fatal(err)
		}
	}
}

func countOK[T any](xs []T, ok func(T) bool) int {
	n := 0
	for _, x := range xs {
		if ok(x) {
			n++
		}
	}
	return n
}

// kedaStreamErrors counts the push-stream errors in KEDA's operator log
// (v2.21 "error running StreamIsActive", v2.19 "error running
// internalRun"): a stream that ended with an error, not io.EOF.
func kedaStreamErrors(t *testing.T, e *harness.Env) int {
	t.Helper()
	b, err := os.ReadFile(e.Cluster.KEDAOperator.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte("error running StreamIsActive")) + bytes.Count(b, []byte("error running internalRun"))
}
