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
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/serving/pkg/apis/autoscaling"

	"github.com/serving-keda/serving-keda/pkg/translate"
	"github.com/serving-keda/serving-keda/test/cluster"
	"github.com/serving-keda/serving-keda/test/deploy"
	"github.com/serving-keda/serving-keda/test/harness"
	"github.com/serving-keda/serving-keda/test/harness/probe"
)

// TestKEDAOperatorNotRunning: with KEDA's CRDs but no operator, every
// revision still gets its ScaledObject, and its PA says it waits for the
// HPA, by name (Active=Unknown, WaitingForHPA); no HPA appears.
func TestKEDAOperatorNotRunning(t *testing.T) {
	e := shared.Get(t)
	const n = 20
	r := report(t, "KEDA's operator not running",
		fmt.Sprintf("KEDA's CRDs installed, its operator never started; %d revisions of 4 shapes (cpu, cpu with bounds, memory, Prometheus)", n))
	r.Objects = n
	ns := e.Namespace(t)
	shapes := []map[string]string{
		nil,
		{autoscaling.TargetAnnotationKey: "70", autoscaling.MaxScaleAnnotationKey: "5"},
		{autoscaling.MetricAnnotationKey: autoscaling.Memory},
		{
			autoscaling.MetricAnnotationKey:          "queue",
			autoscaling.TargetAnnotationKey:          "4",
			translate.PrometheusAddressAnnotationKey: "http://prometheus.invalid:9090",
			translate.PrometheusQueryAnnotationKey:   `sum(queue{revision="{{.Revision}}"})`,
		},
	}
	names := revisionNames("rev", n)
	for i, name := range names {
		e.RevisionWith(t, ns, name, shapes[i%len(shapes)], harness.CPUMemoryRequest)
	}
	st, took := converge(t, e, ns, names, false, 60*time.Second)
	r.Lost, r.Duplicated = st.want-st.converged, st.duplicated
	t.Logf("%d PAs waiting for their HPA after %v", st.converged, took.Round(time.Millisecond))

	pa := e.PodAutoscaler(t, ns, names[0])
	ready := pa.Status.GetCondition("Ready")
	if ready == nil || ready.Status != "Unknown" {
		t.Errorf("Ready = %s, want Unknown while waiting for the HPA", harness.Condition(pa, "Ready"))
	}
	t.Logf("example: %s; %s", harness.Condition(pa, "Active"), harness.Condition(pa, "Ready"))
	hpas, err := e.Kube.AutoscalingV2().HorizontalPodAutoscalers(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(hpas.Items) != 0 {
		t.Errorf("%d HPAs exist without KEDA's operator", len(hpas.Items))
	}
	r.Result = fmt.Sprintf("%d/%d ScaledObjects created in %.1fs; every PA Active=Unknown reason WaitingForHPA, message %s; no HPA",
		st.converged, n, took.Seconds(), quote(waitingForHPA("REVISION"), 200))
}

// TestKEDACRDsInstalledLater: the controller starts on a cluster without
// KEDA's CRDs. It says so clearly in its log and does not exit; while it
// waits its probes answer alive (/health 200) and not ready (/readiness
// 503), on PROBES_PORT and with config/'s settings (port 8080). Once the
// CRDs are installed, it starts by itself (same process), becomes ready, and
// a PA created before gets its ScaledObject. The test runs in a network
// namespace of its own, so port 8080 is free for the process in production
// mode whatever else the machine runs.
func TestKEDACRDsInstalledLater(t *testing.T) {
	if cluster.InOwnNetNamespace(t) {
		return
	}
	r := report(t, "KEDA's CRDs absent at start, installed later",
		"cluster without keda.sh CRDs; controller started (PROBES_PORT, and a second one with config/'s port 8080); one revision created; CRDs installed 20 s later")
	r.Objects = 1
	probes, err := cluster.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	e := harness.StartForTest(t, harness.Options{
		Cluster:    cluster.Options{SkipKEDACRDs: true},
		Controller: deploy.Options{ProbesPort: probes, NoWait: true},
	})
	ctx := context.Background()
	ns := e.Namespace(t)
	e.RevisionWith(t, ns, "early-00001", nil, harness.CPURequest)
	log := e.Controller.LogPath
	pid := e.Controller.PID()

	// Production mode: without PROBES_PORT the probes are on 8080, as
	// config/'s Deployment has them. Nothing else of this test listens
	// there; something that does is a broken test set-up, said loudly.
	l, err := net.Listen("tcp", "127.0.0.1:8080")
	if err != nil {
		t.Fatalf("port 8080 is taken in this test's own network namespace, so config/'s probe port cannot be checked: %v", err)
	}
	l.Close()
	prod, err := deploy.Start(ctx, e.Cluster, e.Binary, deploy.Options{Name: "autoscaler-keda-8080", NoWait: true, Env: []string{"PROBES_PORT="}})
	if err != nil {
		t.Fatal(err)
	}
	prodPID := prod.PID()

	for _, p := range []*cluster.Process{e.Controller, prod} {
		harness.Eventually(t, 60*time.Second, p.Name+"'s log says KEDA's CRDs are missing", func() (bool, string) {
			return logContains(p.LogPath, "KEDA's CRDs are not installed"), "no such line yet in " + p.LogPath
		})
	}
	t.Logf("log: %s", grepLine(log, "KEDA's CRDs are not installed"))

	// Still waiting 20 s later: alive, informers not synced, no reconcile.
	var readiness, liveness, prodReadiness, prodLiveness []int
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Second) {
		for _, p := range []*cluster.Process{e.Controller, prod} {
			if done, err := p.Exited(); done {
				t.Fatalf("%s exited without KEDA's CRDs: %v", p.Name, err)
			}
		}
		readiness = append(readiness, probeAt(probes, "/readiness"))
		liveness = append(liveness, probeAt(probes, "/health"))
		prodReadiness = append(prodReadiness, probeAt(8080, "/readiness"))
		prodLiveness = append(prodLiveness, probeAt(8080, "/health"))
	}
	if logContains(log, "Starting controllers...") || logContains(prod.LogPath, "Starting controllers...") {
		t.Errorf("the controller started its controllers without KEDA's CRDs")
	}
	e.NoScaledObject(t, ns, "early-00001")
	t.Logf("while waiting: PROBES_PORT=%d /readiness answered %v, /health %v; port 8080 /readiness %v, /health %v",
		probes, readiness, liveness, prodReadiness, prodLiveness)

	installed := time.Now()
	if err := e.Cluster.InstallKEDACRDs(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("KEDA's CRDs installed in %v", time.Since(installed).Round(time.Millisecond))
	e.ScaledObject(t, ns, "early-00001", 2*time.Minute)
	recovered := time.Since(installed)
	t.Logf("ScaledObject for the PA created before the CRDs %v after installing them", recovered.Round(time.Millisecond))
	st, _ := converge(t, e, ns, []string{"early-00001"}, false, 30*time.Second)
	r.Lost, r.Duplicated = st.want-st.converged, st.duplicated
	if e.Controller.PID() != pid || prod.PID() != prodPID {
		t.Errorf("controller pid changed")
	}
	for _, p := range []*cluster.Process{e.Controller, prod} {
		if done, err := p.Exited(); done {
			t.Fatalf("%s exited: %v", p.Name, err)
		}
	}
	// Ready once started: a /readiness stuck at 503 is a controller the
	// kubelet never sends traffic to nor counts as available.
	afterReady := map[int]int{}
	for _, port := range []int{probes, 8080} {
		harness.Eventually(t, 30*time.Second, fmt.Sprintf("readiness 200 on port %d once started", port), func() (bool, string) {
			afterReady[port] = probeAt(port, "/readiness")
			return afterReady[port] == http.StatusOK, fmt.Sprint(afterReady[port])
		})
	}
	prodHealthAfter := probeAt(8080, "/health")
	if err := prod.Stop(); err != nil {
		t.Error(err)
	}

	r.Result = fmt.Sprintf("log: %s; process stayed up, no reconcile while waiting; recovered without restart %.1fs after the CRDs were installed (ScaledObject created, PA WaitingForHPA)",
		quote(logMessage(t, log, "KEDA's CRDs are not installed"), 300), recovered.Seconds())
	t.Run("probes while waiting", func(t *testing.T) {
		// Alive and not ready on every probe, in both modes: a /health
		// other than 200 (refused: 0) has the kubelet restart the
		// container in a loop (config/: period 5s, failureThreshold 5); a
		// /readiness other than 503 says ready (200) or nothing.
		var bugs []string
		for _, m := range []struct {
			mode           string
			ready, healthy []int
		}{
			{fmt.Sprintf("with PROBES_PORT=%d", probes), readiness, liveness},
			{"with config/'s settings (port 8080, no PROBES_PORT)", prodReadiness, prodLiveness},
		} {
			if n := count(m.healthy, http.StatusOK); n != len(m.healthy) {
				bugs = append(bugs, fmt.Sprintf("%s, /health answered %v while waiting, want 200 every time (0: nothing listening; the kubelet would restart the container)", m.mode, m.healthy))
			}
			if n := count(m.ready, http.StatusServiceUnavailable); n != len(m.ready) {
				bugs = append(bugs, fmt.Sprintf("%s, /readiness answered %v while the informers were not synced, want 503 every time", m.mode, m.ready))
			}
		}
		if prodHealthAfter != http.StatusOK {
			bugs = append(bugs, fmt.Sprintf("with config/'s settings, /health answered %d once started", prodHealthAfter))
		}
		if len(bugs) == 0 {
			r.Result += fmt.Sprintf("; while waiting /health answered 200 and /readiness 503 every time, with PROBES_PORT (%d probes) and with config/'s port 8080 (%d probes); /readiness 200 on both once started",
				len(readiness), len(prodReadiness))
			return
		}
		msg := strings.Join(bugs, "; ")
		r.Result += "; FAILED: " + msg
		t.Fatal(msg)
	})
}

// probeAt GETs a probe path on 127.0.0.1:port: the status code, or 0 when
// nothing answers.
func probeAt(port int, path string) int {
	return probe.Status(context.Background(), fmt.Sprintf("http://127.0.0.1:%d%s", port, path))
}

func count(xs []int, v int) int {
	n := 0
	for _, x := range xs {
		if x == v {
			n++
		}
	}
	return n
}

// logMessage returns the message of the first log entry holding s.
func logMessage(t *testing.T, path, s string) string {
	t.Helper()
	for _, le := range readLog(t, path) {
		if strings.Contains(le.Message, s) {
			return le.Message
		}
	}
	return ""
}

// grepLine returns the first line of a file holding s.
func grepLine(path, s string) string {
	b, _ := os.ReadFile(path)
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}
