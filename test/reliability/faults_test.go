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
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/deploy"
	"github.com/serving-keda/serving-keda/test/harness"
	"github.com/serving-keda/serving-keda/test/harness/apimetrics"
)

// burstLease is config-leader-election for the burst tests: a controller
// restarted after SIGKILL has a new identity and waits for the dead one's
// leases to expire, so Serving's 60 s default would only make the tests
// wait. The wait is measured and reported.
var burstLease = map[string]string{"lease-duration": "10s", "renew-deadline": "7s", "retry-period": "2s"}

// kedaForBursts lifts the KEDA operator's default client limits (QPS 20,
// about half a second per ScaledObject here) and reconciles more
// ScaledObjects at once.
var kedaForBursts = cluster.Options{
	KEDAArgs: []string{"--kube-api-qps=200", "--kube-api-burst=400"},
	KEDAEnv:  []string{"KEDA_SCALEDOBJECT_CTRL_MAX_RECONCILES=10"},
}

// convergeTimeout is generous: KEDA's operator makes the HPAs at its own
// pace, and the machine is shared.
func convergeTimeout(n int) time.Duration {
	return 2*time.Minute + time.Duration(n)*400*time.Millisecond
}

// TestControllerKilledDuringBurst: the controller is killed with SIGKILL
// halfway through a burst of new revisions and started again at once; every
// revision converges (one ScaledObject, one SKS, PA Active with KEDA's HPA),
// exactly one successful ScaledObject create per revision (the API
// server's count and the two processes' logs agree), and no Warning Event
// on any PA (none saying an object already exists, in particular).
func TestControllerKilledDuringBurst(t *testing.T) {
	b := newBurst(t, "controller killed (SIGKILL) during a burst of new revisions",
		"SIGKILL when half exist, restarted at once (lease-duration 10s)")
	e, n := b.e, len(b.names)
	before := scaledObjectRequests(t, e)
	b.untilHalf(t)
	first := e.Controller
	if err := first.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := b.hit(t, "the controller")
	p, err := deploy.Start(context.Background(), e.Cluster, e.Binary, deploy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e.Controller = p
	restarted := time.Now()
	t.Logf("restarted in %v", restarted.Sub(killed).Round(time.Millisecond))
	b.converge(t)
	convergedAt := time.Now()
	// client-go logs "successfully acquired lease" up to v0.35 and
	// "Successfully acquired lease" from v0.36.
	leading := firstLine(t, p.LogPath, "uccessfully acquired lease")
	t.Logf("converged %v after the kill; the new process led %v after the kill", time.Since(killed).Round(time.Millisecond), leading.Sub(killed).Round(time.Millisecond))

	// Exactly one successful create per revision, and no ScaledObject
	// deleted or rewritten by the controller. The one ambiguity is the
	// kill itself: a create the first process sent but never heard back
	// from (it logged "Creating" but not "Created") that the API server
	// committed, so the new process found the object (in its informer, or
	// read back on a 409) and created none. The API server may or may not
	// have counted that one as 201.
	d := scaledObjectRequests(t, e).Sub(before)
	count := func(verb, code string) float64 {
		return d.Where(func(r apimetrics.Request) bool { return r.Verb == verb && r.Code == code }).Total()
	}
	c1, c2 := creates(t, first.LogPath), creates(t, p.LogPath)
	var unacknowledged []string
	for name, n1 := range attempts(t, first.LogPath) {
		if n1 > 0 && c1[name] == 0 && c2[name] == 0 {
			unacknowledged = append(unacknowledged, name)
		}
	}
	var wrong []string
	for _, name := range b.names {
		want := 1
		if slices.Contains(unacknowledged, name) {
			want = 0
		}
		if got := c1[name] + c2[name]; got != want {
			wrong = append(wrong, fmt.Sprintf("%s: %d before the kill + %d after, want %d", name, c1[name], c2[name], want))
			if got > want {
				b.r.Duplicated++
			}
		}
	}
	if len(wrong) > 0 {
		t.Errorf("successful ScaledObject creates logged per revision (%d sent at the kill and committed unacknowledged: %v): %v", len(unacknowledged), unacknowledged, wrong)
	}
	posts := int(count("create", "201"))
	if posts > n || posts < n-len(unacknowledged) {
		t.Errorf("API server counted %d successful ScaledObject creates for %d revisions (%d of them unacknowledged at the kill): %v", posts, n, len(unacknowledged), d)
		if posts > n {
			b.r.Duplicated += posts - n
		}
	}
	if del := count("delete", "200"); del != 0 {
		t.Errorf("API server counted %v ScaledObject deletions", del)
	}
	updates := strings.Count(readFile(t, first.LogPath)+readFile(t, p.LogPath), "Updating ScaledObject")
	if updates != 0 {
		t.Errorf("the controller updated ScaledObjects %d times", updates)
	}
	w := warnings(t, e, b.ns)
	noAlreadyExists(t, e, b.ns)
	// Nothing failed: a restart is no reason for a Warning (a FailedCreate
	// from KEDA's webhook not having seen a new Deployment yet is a quiet
	// requeue too).
	if len(w) > 0 {
		t.Errorf("Warning Events on PAs across the kill and restart: %s", counts(w))
	}
	t.Logf("ScaledObject requests: %v; creates logged: %d before the kill, %d after; Warning Events on PAs: %v; KEDA restarts: %s", d, sum(c1), sum(c2), w, b.kedaRestarts())
	b.r.Result = fmt.Sprintf("%s; the new process led after %.1fs (lease expiry); all converged %.1fs after the kill (%.1fs after the restart); API server: %d ScaledObject creates (201; %d sent at the kill, unacknowledged), %v refused as existing (409), no delete; one create per revision; no ScaledObject update; Warning Events on PAs: %s; KEDA operator restarts: %s",
		b.atHit, leading.Sub(killed).Seconds(), convergedAt.Sub(killed).Seconds(), convergedAt.Sub(restarted).Seconds(), posts, len(unacknowledged), count("create", "409"), counts(w), b.kedaRestarts())
}

// TestAPIServerKilledDuringConvergence: kube-apiserver is killed with
// SIGKILL (etcd keeps running) while a burst of revisions is being created
// and converged, and started again 5 s later on the same port, etcd and
// certificates; the controller, KEDA and kube-controller-manager ride it
// out and every revision converges, nothing duplicated or lost.
func TestAPIServerKilledDuringConvergence(t *testing.T) {
	b := newBurst(t, "kube-apiserver killed (SIGKILL) and restarted while revisions converge",
		"kube-apiserver SIGKILLed when half exist, down 5 s, restarted on the same etcd")
	e, n := b.e, len(b.names)
	pid := e.Controller.PID()
	b.untilHalf(t)
	if err := e.Cluster.KillAPIServer(); err != nil {
		t.Fatal(err)
	}
	killed := b.hit(t, "kube-apiserver")
	time.Sleep(5 * time.Second)
	if err := e.Cluster.StartAPIServer(context.Background()); err != nil {
		t.Fatal(err)
	}
	back := time.Now()
	t.Logf("kube-apiserver ready again %v after the kill", back.Sub(killed).Round(time.Millisecond))
	b.converge(t)
	convergedAt := time.Now()
	t.Logf("converged %v after kube-apiserver was back", convergedAt.Sub(back).Round(time.Millisecond))
	if e.Controller.PID() != pid {
		t.Errorf("the controller was restarted")
	}
	if done, err := e.Cluster.ControllerManager.Exited(); done {
		t.Errorf("kube-controller-manager exited: %v", err)
	}
	log := readFile(t, e.Controller.LogPath)
	lost := strings.Count(log, "has stopped leading")
	updates := strings.Count(log, "Updating ScaledObject")
	if updates != 0 {
		t.Errorf("the controller updated ScaledObjects %d times", updates)
	}
	c := creates(t, e.Controller.LogPath)
	for name, k := range c {
		if k > 1 {
			t.Errorf("ScaledObject %s created %d times", name, k)
		}
	}
	w := warnings(t, e, b.ns)
	noAlreadyExists(t, e, b.ns)
	t.Logf("controller: %d create attempts logged for %d revisions; leadership lost %d times; Warning Events on PAs: %v; KEDA restarts: %s", sum(c), n, lost, w, b.kedaRestarts())
	b.r.Result = fmt.Sprintf("%s; API server back after %.1fs; same controller process (leadership lost and taken back %d times); all converged %.1fs after the API server was back; %d create attempts logged for %d ScaledObjects, no update; Warning Events on PAs: %s; KEDA operator restarts: %s",
		b.atHit, back.Sub(killed).Seconds(), lost, convergedAt.Sub(back).Seconds(), sum(c), n, counts(w), b.kedaRestarts())
}

// burstRun is what the burst tests share: an env of their own with KEDA
// tuned for bursts and short leases, KEDA's operator restarted when it
// crashes, and $RELIABILITY_PAS revisions created in the background, 8 at
// a time, with the fault hitting when half of them exist.
type burstRun struct {
	e            *harness.Env
	r            *result
	ns           string
	names        []string
	kedaRestarts func() string

	created   *atomic.Int32
	half      chan struct{}
	done      chan error
	begin     time.Time
	sosAtHalf int    // ScaledObjects when half the PAs existed
	atHit     string // what existed when the fault hit, for the report
}

func newBurst(t *testing.T, fault, how string) *burstRun {
	n := pas(t)
	b := &burstRun{r: report(t, fault, fmt.Sprintf("%d revisions created 8 at a time; %s", n, how))}
	b.r.Objects = n
	b.e = harness.StartForTest(t, harness.Options{Cluster: kedaForBursts, Before: setLeaderElection(burstLease)})
	b.kedaRestarts = keepKEDARunning(t, b.e)
	b.ns = b.e.Namespace(t)
	b.names = revisionNames("burst", n)
	return b
}

// untilHalf starts the burst and returns once half the PAs exist (the
// creation goes on).
func (b *burstRun) untilHalf(t *testing.T) {
	b.created, b.half, b.done = new(atomic.Int32), make(chan struct{}), make(chan error, 1)
	b.begin = time.Now()
	go func() {
		b.done <- b.e.Revisions(context.Background(), b.ns, b.names, nil, harness.CPURequest, func(int) {
			if int(b.created.Add(1)) == (len(b.names)+1)/2 {
				close(b.half)
			}
		})
	}()
	<-b.half
	sos, err := b.e.KEDA.KedaV1alpha1().ScaledObjects(b.ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b.sosAtHalf = len(sos.Items)
}

// hit records, right after the fault hit what, when and how many PAs
// existed.
func (b *burstRun) hit(t *testing.T, what string) time.Time {
	at := time.Now()
	pas := b.created.Load()
	b.atHit = fmt.Sprintf("killed with %d/%d PAs and %d ScaledObjects created", pas, len(b.names), b.sosAtHalf)
	t.Logf("killed %s %v into the burst: %d PAs created, %d ScaledObjects", what, at.Sub(b.begin).Round(time.Millisecond), pas, b.sosAtHalf)
	return at
}

// converge waits for the rest of the burst and for every revision to
// converge, and records what was lost or duplicated.
func (b *burstRun) converge(t *testing.T) {
	if err := <-b.done; err != nil {
		t.Fatal(err)
	}
	t.Logf("all %d PAs created %v after the start of the burst", len(b.names), time.Since(b.begin).Round(time.Millisecond))
	st, _ := converge(t, b.e, b.ns, b.names, true, convergeTimeout(len(b.names)))
	b.r.Lost, b.r.Duplicated = st.want-st.converged, st.duplicated
}

// keepKEDARunning restarts KEDA's operator whenever it exits, as the
// kubelet would restart its pod, until the test ends; it returns the
// number of restarts so far. KEDA v2.19.0's operator can panic with a nil
// pointer in GetCurrentReplicas when a ScaledObject's status has no
// scaleTargetGVKR yet (a status write it lost, e.g. to an API server
// outage): upstream kedacore/keda#7863, fixed by kedacore/keda#7661.
func keepKEDARunning(t *testing.T, e *harness.Env) func() string {
	t.Helper()
	var restarts atomic.Int32
	var why atomic.Value
	stop := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			p := e.Cluster.KEDAOperator
			select {
			case <-stop:
				return
			case <-p.Done():
			}
			_, err := p.Exited()
			why.Store(panicLine(p.LogPath))
			t.Logf("KEDA's operator exited (%v): %s; restarting it", err, why.Load())
			_ = p.Stop() // marks the exit as handled
			restarts.Add(1)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			err = e.Cluster.StartKEDA(ctx)
			cancel()
			if err != nil {
				t.Errorf("restarting KEDA's operator: %v", err)
				return
			}
		}
	}()
	t.Cleanup(func() {
		close(stop)
		<-stopped
	})
	return func() string {
		n := restarts.Load()
		if n == 0 {
			return "0"
		}
		return fmt.Sprintf("%d (KEDA v2.19.0's known panic, kedacore/keda#7863: %s)", n, why.Load())
	}
}

// panicLine returns the panic message and the function of the first frame
// of a crashed process's log, if any.
func panicLine(path string) string {
	b, _ := os.ReadFile(path)
	s := string(b)
	i := strings.Index(s, "panic: ")
	if i < 0 {
		return "no panic in its log"
	}
	lines := strings.Split(s[i:], "\n")
	out := lines[0]
	for _, l := range lines[1:] {
		if strings.HasPrefix(l, "github.com/") {
			if j := strings.IndexByte(l, '('); j > 0 {
				l = l[:j]
			}
			return out + " in " + l
		}
	}
	return out
}

// warnings counts the Warning Events on the namespace's PodAutoscalers by
// reason; Events about an object that already exists are counted apart
// (noAlreadyExists fails on them).
func warnings(t *testing.T, e *harness.Env, ns string) map[string]int {
	t.Helper()
	l, err := e.Kube.CoreV1().Events(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, ev := range l.Items {
		if ev.Type != "Warning" || ev.InvolvedObject.Kind != "PodAutoscaler" {
			continue
		}
		key := ev.Reason
		if strings.Contains(ev.Message, "already exists") {
			key += " (already exists)"
		}
		out[key] += int(max(ev.Count, 1))
	}
	return out
}

// noAlreadyExists fails t on any Warning Event on the namespace's
// PodAutoscalers about an object that already exists: a create for an
// object the controller's informer had not seen yet (after a restart, or a
// broken watch) must be read back from the API server, not reported as a
// failure (FailedCreate, InternalError).
func noAlreadyExists(t *testing.T, e *harness.Env, ns string) {
	t.Helper()
	l, err := e.Kube.CoreV1().Events(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range l.Items {
		if ev.Type == "Warning" && ev.InvolvedObject.Kind == "PodAutoscaler" && strings.Contains(ev.Message, "already exists") {
			t.Errorf("Warning Event on PodAutoscaler %s (×%d): %s: %s", ev.InvolvedObject.Name, max(ev.Count, 1), ev.Reason, ev.Message)
		}
	}
}

func sum(m map[string]int) int {
	s := 0
	for _, v := range m {
		s += v
	}
	return s
}

// firstLine returns the time of the first log entry whose message holds s.
func firstLine(t *testing.T, path, s string) time.Time {
	t.Helper()
	for _, le := range readLog(t, path) {
		if strings.Contains(le.Message, s) {
			return le.Time
		}
	}
	t.Errorf("no %q in %s", s, path)
	return time.Time{}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
