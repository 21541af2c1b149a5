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
// KEDA's CRDs. It says so clearly in its log and does not exit; its probes
// are checked and reported as they are. Once the CRDs are installed, it
// starts by itself (same process) and a PA created before gets its
// ScaledObject.
func TestKEDACRDsInstalledLater(t *testing.T) {
	r := report(t, "KEDA's CRDs absent at start, installed later",
		"cluster without keda.sh CRDs; controller started; one revision created; CRDs installed 20 s later")
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

	harness.Eventually(t, 60*time.Second, "the controller's log says KEDA's CRDs are missing", func() (bool, string) {
		return logContains(log, "KEDA's CRDs are not installed"), "no such line yet in " + log
	})
	t.Logf("log: %s", grepLine(log, "KEDA's CRDs are not installed"))

	// Still waiting 20 s later: alive, informers not synced, no reconcile.
	var readiness, liveness []int
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Second) {
		if done, err := e.Controller.Exited(); done {
			t.Fatalf("the controller exited without KEDA's CRDs: %v", err)
		}
		readiness = append(readiness, probeAt(probes, "/readiness"))
		liveness = append(liveness, probeAt(probes, "/health"))
	}
	if logContains(log, "Starting controllers...") {
		t.Errorf("the controller started its controllers without KEDA's CRDs")
	}
	e.NoScaledObject(t, ns, "early-00001")
	t.Logf("while waiting: /readiness answered %v, /health %v (PROBES_PORT=%d)", readiness, liveness, probes)
	readyWhileWaiting := count(readiness, http.StatusOK)

	// Production mode: without PROBES_PORT, sharedmain serves the probes on
	// :8080 only after its informers have synced. Checked with a second
	// process while nothing else listens on 8080; it is stopped before the
	// CRDs arrive, so it never binds the port.
	prodProbe := "not checked: port 8080 is in use on this host"
	if l, err := net.Listen("tcp", "127.0.0.1:8080"); err == nil {
		l.Close()
		prod, err := deploy.Start(ctx, e.Cluster, e.Binary, deploy.Options{Name: "autoscaler-keda-8080", NoWait: true, Env: []string{"PROBES_PORT="}})
		if err != nil {
			t.Fatal(err)
		}
		harness.Eventually(t, 60*time.Second, "the second process reports the missing CRDs", func() (bool, string) {
			return logContains(prod.LogPath, "KEDA's CRDs are not installed"), ""
		})
		time.Sleep(2 * time.Second)
		health, ready := probeAt(8080, "/health"), probeAt(8080, "/readiness")
		if err := prod.Stop(); err != nil {
			t.Error(err)
		}
		switch {
		case health == 0:
			prodProbe = "with config/'s settings (port 8080, no PROBES_PORT) nothing listens while waiting: /health and /readiness refuse connections, so the kubelet's livenessProbe (period 5s, failureThreshold 5) would restart the container every ~25 s, a crash loop"
		case ready == http.StatusOK:
			prodProbe = fmt.Sprintf("with config/'s settings (port 8080, no PROBES_PORT) /readiness answered 200 while waiting (/health %d)", health)
		default:
			prodProbe = fmt.Sprintf("with config/'s settings (port 8080, no PROBES_PORT): /health %d, /readiness %d while waiting", health, ready)
		}
		t.Log(prodProbe)
	}

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
	if e.Controller.PID() != pid {
		t.Errorf("controller pid changed")
	}
	if done, err := e.Controller.Exited(); done {
		t.Fatalf("the controller exited: %v", err)
	}
	harness.Eventually(t, 10*time.Second, "readiness 200 once started", func() (bool, string) {
		c := probeAt(probes, "/readiness")
		return c == http.StatusOK, fmt.Sprint(c)
	})

	r.Result = fmt.Sprintf("log: %s; process stayed up, no reconcile while waiting; recovered without restart %.1fs after the CRDs were installed (ScaledObject created, PA WaitingForHPA)",
		quote(logMessage(t, log, "KEDA's CRDs are not installed"), 300), recovered.Seconds())
	t.Run("probes while waiting", func(t *testing.T) {
		var bugs []string
		if readyWhileWaiting > 0 {
			bugs = append(bugs, fmt.Sprintf("with PROBES_PORT, /readiness answered 200 %d of %d times while the informers were not synced", readyWhileWaiting, len(readiness)))
		} else {
			r.Result += fmt.Sprintf("; with PROBES_PORT, /readiness answered %v and /health %v while waiting", readiness, liveness)
		}
		if strings.Contains(prodProbe, "crash loop") || strings.Contains(prodProbe, "answered 200 while waiting") {
			bugs = append(bugs, prodProbe)
		} else {
			r.Result += "; " + prodProbe
		}
		if len(bugs) == 0 {
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
