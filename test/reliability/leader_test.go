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
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/utils/ptr"
	"knative.dev/pkg/hash"

	"github.com/serving-keda/serving-keda/pkg/reconciler/podautoscaler"
	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/deploy"
	"github.com/serving-keda/serving-keda/test/harness"
)

// Leader election for TestLeaderElectionBuckets.
const (
	leBuckets       = 3
	leLeaseDuration = 4 * time.Second
	// leMargin is added to the lease duration for a hand-over: the
	// survivor's retry period (1s), its reconcile, and a loaded machine.
	leMargin = 6 * time.Second
)

// replica is one controller process of several.
type replica struct {
	name string
	p    *cluster.Process
	id   string // its leader-election identity
}

var identityRE = regexp.MustCompile(`will run in leader-elected mode with id "([^"]+)"`)

// TestLeaderElectionBuckets: two replicas share config-leader-election's
// three buckets; each PA is reconciled (its ScaledObject created) by
// exactly one replica, the one holding its bucket's lease. Killing the
// replica with the most buckets (SIGKILL, so it releases nothing) hands
// them to the other within the lease duration, and revisions created after
// the kill in the dead replica's buckets converge within lease duration +
// margin.
func TestLeaderElectionBuckets(t *testing.T) {
	const before, after = 45, 30
	r := report(t, "two replicas with leader election; one killed (SIGKILL)",
		fmt.Sprintf("config-leader-election buckets 3, lease 4s/renew 3s/retry 1s; two replicas; %d revisions; the replica holding most buckets killed; %d revisions created right after", before, after))
	r.Objects = before + after
	e := harness.StartForTest(t, harness.Options{
		Cluster:      cluster.Options{SkipKEDA: true},
		NoController: true,
		Before: setLeaderElection(map[string]string{
			"buckets":        fmt.Sprint(leBuckets),
			"lease-duration": leLeaseDuration.String(),
			"renew-deadline": "3s",
			"retry-period":   "1s",
		}),
	})
	ctx := context.Background()

	// Both replicas at once, so that they split the buckets.
	reps := []*replica{{name: "autoscaler-keda-a"}, {name: "autoscaler-keda-b"}}
	var wg sync.WaitGroup
	errs := make([]error, len(reps))
	for i, rep := range reps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep.p, errs[i] = deploy.Start(ctx, e.Cluster, e.Binary, deploy.Options{Name: rep.name})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	byID := map[string]*replica{}
	for _, rep := range reps {
		harness.Eventually(t, 30*time.Second, rep.name+"'s leader-election identity", func() (bool, string) {
			for _, le := range readLog(t, rep.p.LogPath) {
				if m := identityRE.FindStringSubmatch(le.Message); m != nil {
					rep.id = m[1]
					return true, ""
				}
			}
			return false, "no identity in " + rep.p.LogPath
		})
		byID[rep.id] = rep
	}

	// Every bucket held; the bucket set the replicas hash keys with.
	var holders map[string]string // lease -> holder identity
	harness.Eventually(t, 30*time.Second, "all buckets held", func() (bool, string) {
		var err error
		holders, err = leases(ctx, e)
		if err != nil {
			return false, err.Error()
		}
		return allHeldByReplicas(holders, byID, leBuckets), fmt.Sprintf("leases %v", holders)
	})
	// Whichever replica starts first takes every bucket. Real replicas
	// split them when their leases come free at once; do that (up to five
	// times) until each replica holds at least one.
	split := splitOf(holders, byID)
	for round := 1; len(split) < len(reps) && round <= 5; round++ {
		t.Logf("buckets: %s; freeing them all at once (round %d)", describeSplit(split), round)
		if err := freeLeases(ctx, e, holders); err != nil {
			t.Fatal(err)
		}
		harness.Eventually(t, 30*time.Second, "all buckets held again", func() (bool, string) {
			h, err := leases(ctx, e)
			if err != nil {
				return false, err.Error()
			}
			holders = h
			return allHeldByReplicas(h, byID, leBuckets), fmt.Sprintf("leases %v", h)
		})
		split = splitOf(holders, byID)
	}
	bs := hash.NewBucketSet(sets.KeySet(holders))
	t.Logf("buckets: %v", describeSplit(split))

	ns := e.Namespace(t)
	names := revisionNames("le", before)
	if err := e.Revisions(ctx, ns, names, nil, harness.CPURequest, nil); err != nil {
		t.Fatal(err)
	}
	st, _ := converge(t, e, ns, names, false, 60*time.Second)
	r.Lost, r.Duplicated = st.want-st.converged, st.duplicated

	// Each ScaledObject was created by exactly one replica: its bucket's holder.
	logs := map[string]map[string]int{}
	for _, rep := range reps {
		logs[rep.name] = creates(t, rep.p.LogPath)
	}
	wrong := 0
	for _, name := range names {
		owner := byID[holders[bs.Owner(ns+"/"+name)]].name
		var by []string
		for _, rep := range reps {
			for range logs[rep.name][name] {
				by = append(by, rep.name)
			}
		}
		if len(by) != 1 || by[0] != owner {
			wrong++
			t.Errorf("ScaledObject %s created by %v, want once by %s (bucket %s)", name, by, owner, bs.Owner(ns+"/"+name))
		}
	}
	t.Logf("%d ScaledObjects, each created by its bucket's holder only: %d by %s, %d by %s",
		len(names), sum(logs[reps[0].name]), reps[0].name, sum(logs[reps[1].name]), reps[1].name)

	// The buckets did not move meanwhile (a renewal missed on a loaded
	// machine would move one; then the check above is not meaningful).
	if now, err := leases(ctx, e); err != nil || fmt.Sprint(now) != fmt.Sprint(holders) {
		t.Fatalf("bucket leases moved during the test: %v, then %v (err %v)", holders, now, err)
	}

	// Kill the replica with the most buckets.
	victim, survivor := reps[0], reps[1]
	if len(split[survivor.name]) > len(split[victim.name]) {
		victim, survivor = survivor, victim
	}
	if err := victim.p.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	newNames := revisionNames("after", after)
	if err := e.Revisions(ctx, ns, newNames, nil, harness.CPURequest, nil); err != nil {
		t.Fatal(err)
	}
	created := time.Since(killed)
	victimBuckets := sets.New(split[victim.name]...)
	var orphaned []string // new revisions in the dead replica's buckets
	for _, name := range newNames {
		if victimBuckets.Has(bs.Owner(ns + "/" + name)) {
			orphaned = append(orphaned, name)
		}
	}

	// Hand-over: every lease held by the survivor; the orphaned revisions
	// converge.
	var handover time.Duration
	convergedAt := map[string]time.Duration{}
	// A revision's first status waits up to FirstStatusGrace for KEDA's
	// HPA (none here), so it converges that long after the survivor
	// creates its ScaledObject.
	convergeBound := leLeaseDuration + leMargin + podautoscaler.FirstStatusGrace
	deadline := killed.Add(leLeaseDuration + 4*leMargin + podautoscaler.FirstStatusGrace)
	for time.Now().Before(deadline) && (handover == 0 || len(convergedAt) < len(orphaned)) {
		now := time.Since(killed)
		if handover == 0 {
			if h, err := leases(ctx, e); err == nil && allHeldBy(h, survivor.id, leBuckets) {
				handover = now
			}
		}
		if len(convergedAt) < len(orphaned) {
			for _, name := range orphaned {
				if _, done := convergedAt[name]; done {
					continue
				}
				if st, err := inspect(ctx, e, ns, []string{name}, false); err == nil && st.converged == 1 {
					convergedAt[name] = now
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	var slowest time.Duration
	for _, d := range convergedAt {
		slowest = max(slowest, d)
	}
	t.Logf("killed %s (%s) at %v; %d revisions created in %v, %d of them in its buckets; %s held every bucket %v after the kill; those revisions converged within %v of the kill",
		victim.name, describeSplit(map[string][]string{victim.name: split[victim.name]}), killed.Format("15:04:05.000"), after, created.Round(time.Millisecond), len(orphaned), survivor.name, handover.Round(time.Millisecond), slowest.Round(time.Millisecond))
	if handover == 0 || handover > leLeaseDuration+leMargin {
		t.Errorf("hand-over took %v (0: not seen within %v), want at most lease duration %v + %v", handover, deadline.Sub(killed), leLeaseDuration, leMargin)
	}
	if len(convergedAt) < len(orphaned) || slowest > convergeBound {
		t.Errorf("%d/%d revisions in the killed replica's buckets converged, the slowest after %v; want all within %v", len(convergedAt), len(orphaned), slowest, convergeBound)
	}
	if len(orphaned) == 0 {
		t.Errorf("no new revision fell in the killed replica's buckets %v", split[victim.name])
	}

	// Everything converged; the new ScaledObjects were created once, by the survivor.
	all := append(append([]string{}, names...), newNames...)
	st, _ = converge(t, e, ns, all, false, 30*time.Second)
	r.Lost, r.Duplicated = st.want-st.converged, st.duplicated+wrong
	got := creates(t, survivor.p.LogPath)
	dead := creates(t, victim.p.LogPath)
	for _, name := range newNames {
		if got[name] != 1 || dead[name] != 0 {
			t.Errorf("ScaledObject %s: %d creates by %s, %d by the killed %s; want 1 and 0", name, got[name], survivor.name, dead[name], victim.name)
		}
	}
	r.Result = fmt.Sprintf("buckets split %s; %d/%d ScaledObjects created once, by their bucket's holder; after the SIGKILL of the replica holding %d buckets, the other held all %d after %.1fs (lease 4s) and the %d new revisions in the dead replica's buckets converged within %.1fs",
		describeSplit(split), before-wrong, before, len(split[victim.name]), leBuckets, handover.Seconds(), len(orphaned), slowest.Seconds())
}

// leases returns the controller's bucket leases and their holders.
func leases(ctx context.Context, e *harness.Env) (map[string]string, error) {
	l, err := e.Kube.CoordinationV1().Leases(cluster.ServingNamespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	suffix := fmt.Sprintf("-of-%02d", leBuckets)
	for _, lease := range l.Items {
		if !strings.HasPrefix(lease.Name, "autoscaler-keda.") || !strings.HasSuffix(lease.Name, suffix) {
			continue
		}
		h := ""
		if lease.Spec.HolderIdentity != nil {
			h = *lease.Spec.HolderIdentity
		}
		out[lease.Name] = h
	}
	return out, nil
}

// freeLeases hands every bucket lease to a holder that never renews, valid
// for 5 s: longer than the renew deadline (3 s), so the replica that held
// a bucket stops leading it before the other can take it; then both race
// for each bucket.
func freeLeases(ctx context.Context, e *harness.Env, holders map[string]string) error {
	for name := range holders {
		lease, err := e.Kube.CoordinationV1().Leases(cluster.ServingNamespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		now := metav1.NewMicroTime(time.Now())
		placeholder := "reliability-test-placeholder"
		lease.Spec.HolderIdentity = &placeholder
		lease.Spec.LeaseDurationSeconds = ptr.To[int32](5)
		lease.Spec.AcquireTime, lease.Spec.RenewTime = &now, &now
		lease.Spec.LeaseTransitions = ptr.To(ptr.Deref(lease.Spec.LeaseTransitions, 0) + 1)
		if _, err := e.Kube.CoordinationV1().Leases(cluster.ServingNamespace).Update(ctx, lease, metav1.UpdateOptions{}); err != nil {
			return err
		}
	}
	return nil
}

func allHeldByReplicas(holders map[string]string, byID map[string]*replica, n int) bool {
	if len(holders) != n {
		return false
	}
	for _, h := range holders {
		if byID[h] == nil {
			return false
		}
	}
	return true
}

// splitOf groups the leases by the replica holding them.
func splitOf(holders map[string]string, byID map[string]*replica) map[string][]string {
	split := map[string][]string{}
	for lease, h := range holders {
		if rep := byID[h]; rep != nil {
			split[rep.name] = append(split[rep.name], lease)
		}
	}
	return split
}

func allHeldBy(holders map[string]string, id string, n int) bool {
	if len(holders) != n {
		return false
	}
	for _, h := range holders {
		if h != id {
			return false
		}
	}
	return true
}

// describeSplit renders which replica holds which buckets ("a: 00, 02; b: 01").
func describeSplit(split map[string][]string) string {
	var parts []string
	for rep, leases := range split {
		var ords []string
		for _, l := range leases {
			ords = append(ords, strings.TrimSuffix(l[strings.LastIndex(l, ".")+1:], fmt.Sprintf("-of-%02d", leBuckets)))
		}
		sort.Strings(ords)
		parts = append(parts, strings.TrimPrefix(rep, "autoscaler-keda-")+": "+strings.Join(ords, ","))
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}
