/*
Copyright The serving-keda Authors

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

package cluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	kedaclientset "github.com/kedacore/keda/v2/pkg/generated/clientset/versioned"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"knative.dev/pkg/ptr"
)

// KEDA's admission webhook, as KEDA's Helm chart installs it by default
// (Deployment keda-admission-webhooks): here a local process on a free port
// of 127.0.0.1, registered with a ValidatingWebhookConfiguration whose
// clientConfig is a URL. Its ScaledObject check reads the target workload:
// a cpu or memory trigger is refused when a container of the Deployment
// (only the trigger's containerName, when it names one) has no request for
// that resource. That is what a revision's Deployment, as Serving makes it,
// runs into on a real install; without the webhook the tests would never
// see it.

// KEDAWebhookConfigName is the ValidatingWebhookConfiguration the harness
// registers (KEDA's own manifests call theirs keda-admission).
const KEDAWebhookConfigName = "keda-admission"

// KEDAScaledObjectWebhookPath is the path KEDA v2.19 to v2.21 serve
// ScaledObject validation on (the kubebuilder marker in
// apis/keda/v1alpha1/scaledobject_webhook.go).
const KEDAScaledObjectWebhookPath = "/validate-keda-sh-v1alpha1-scaledobject"

// kedaWebhookProbeMessage is part of KEDA's refusal of a ScaledObject whose
// triggers share a name (ValidateTriggers); the harness waits for it to know
// that the API server consults the webhook.
const kedaWebhookProbeMessage = "is defined multiple times"

// StartKEDAWebhook starts KEDA's admission webhook, waits until it serves,
// registers it for ScaledObject creates and updates (failurePolicy Fail)
// and waits until the API server consults it. Start calls it whenever
// KEDA's CRDs are installed (unless Options.SkipKEDAWebhook); StartKEDA
// calls it when it is not running yet. It sets KEDAWebhook and
// KEDAWebhookURL.
func (c *Cluster) StartKEDAWebhook(ctx context.Context) error {
	c.mu.Lock()
	running := c.KEDAWebhook != nil
	c.mu.Unlock()
	if running {
		if done, _ := c.KEDAWebhook.Exited(); !done {
			return errors.New("KEDA's admission webhook already runs")
		}
	}
	if err := c.resolveBin(KEDAWebhooks); err != nil {
		return err
	}
	return c.startKEDAWebhook(ctx)
}

func (c *Cluster) startKEDAWebhook(ctx context.Context) error {
	bin := c.bin(KEDAWebhooks)
	t0 := time.Now()
	certDir := filepath.Join(c.workDir, "keda-webhook-certs")
	ns := KEDANamespace
	// The API server calls https://127.0.0.1:PORT: the certificate carries
	// that IP (WriteServingCerts adds it) besides the Service names the
	// chart's certificate has.
	if err := WriteServingCerts(certDir,
		"keda-admission-webhooks", "keda-admission-webhooks."+ns, "keda-admission-webhooks."+ns+".svc", "localhost"); err != nil {
		return err
	}
	caPEM, err := os.ReadFile(filepath.Join(certDir, "ca.crt"))
	if err != nil {
		return err
	}
	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	port := ports[0]
	probe := "127.0.0.1:" + strconv.Itoa(ports[2])
	// KEDA's webhooks binary has no flag for the listening host: it binds
	// PORT on every interface (this machine's are loopback only in CI; the
	// API server dials 127.0.0.1).
	args := []string{
		"--kubeconfig=" + c.kubeconfig,
		"--cert-dir=" + certDir,
		"--port=" + strconv.Itoa(port),
		"--metrics-bind-address=127.0.0.1:" + strconv.Itoa(ports[1]),
		"--health-probe-bind-address=" + probe,
	}
	args = append(args, c.opts.KEDAWebhookArgs...)
	env := []string{
		"POD_NAMESPACE=" + ns,
		"KEDA_CLUSTER_OBJECT_NAMESPACE=" + ns,
	}
	p, err := c.StartProcess(KEDAWebhooks, bin, args, env)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.KEDAWebhook = p
	c.KEDAWebhookURL = "https://127.0.0.1:" + strconv.Itoa(port) + KEDAScaledObjectWebhookPath
	c.KEDAWebhookCertDir = certDir
	c.KEDAWebhookMetricsAddr = "127.0.0.1:" + strconv.Itoa(ports[1])
	c.mu.Unlock()

	// Serving: its readiness probe (a ping: up once the manager runs) and
	// a TLS handshake on the webhook port verified against the CA for
	// 127.0.0.1, as the API server will do it.
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return errors.New("KEDA webhook CA: no certificate")
	}
	hc := &http.Client{Timeout: 2 * time.Second}
	var last error
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, c.opts.StartTimeout, true, func(ctx context.Context) (bool, error) {
		if err := p.unexpectedExit(); err != nil {
			return false, err
		}
		resp, err := hc.Get("http://" + probe + "/readyz")
		if err != nil {
			last = err
			return false, nil
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			last = fmt.Errorf("readyz: %s", resp.Status)
			return false, nil
		}
		d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 2 * time.Second}, Config: &tls.Config{
			RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12,
		}}
		conn, err := d.DialContext(ctx, "tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			last = err
			return false, nil
		}
		conn.Close()
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("KEDA admission webhook not serving: %w (last: %v)\n%s", err, last, tailFile(p.LogPath, 20))
	}

	if err := c.registerKEDAWebhook(ctx, caPEM); err != nil {
		return err
	}
	if err := c.waitKEDAWebhookConsulted(ctx); err != nil {
		return err
	}
	c.opts.logf("cluster: KEDA admission webhook ready and registered in %v (%s)", time.Since(t0).Round(time.Millisecond), c.KEDAWebhookURL)
	return nil
}

// registerKEDAWebhook creates (or replaces, after a restart on another
// port) the ValidatingWebhookConfiguration: KEDA's vscaledobject.kb.io
// webhook with a URL client config. KEDA's manifests use failurePolicy
// Ignore; Fail here makes a webhook that is down visible in the tests
// rather than silently skipped (a refusal is a refusal either way).
func (c *Cluster) registerKEDAWebhook(ctx context.Context, caPEM []byte) error {
	fail := admissionregistrationv1.Fail
	none := admissionregistrationv1.SideEffectClassNone
	equivalent := admissionregistrationv1.Equivalent
	vwc := &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{
			Name: KEDAWebhookConfigName,
			Labels: map[string]string{
				"app.kubernetes.io/component": "admission-webhooks",
				"app.kubernetes.io/part-of":   "keda",
			},
		},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name: "vscaledobject.kb.io",
			ClientConfig: admissionregistrationv1.WebhookClientConfig{
				URL:      ptr.String(c.KEDAWebhookURL),
				CABundle: caPEM,
			},
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
				Rule: admissionregistrationv1.Rule{
					APIGroups:   []string{kedav1alpha1.SchemeGroupVersion.Group},
					APIVersions: []string{kedav1alpha1.SchemeGroupVersion.Version},
					Resources:   []string{"scaledobjects"},
				},
			}},
			FailurePolicy:           &fail,
			MatchPolicy:             &equivalent,
			SideEffects:             &none,
			AdmissionReviewVersions: []string{"v1"},
			TimeoutSeconds:          ptr.Int32(10),
		}},
	}
	api := c.client.AdmissionregistrationV1().ValidatingWebhookConfigurations()
	old, err := api.Get(ctx, vwc.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = api.Create(ctx, vwc, metav1.CreateOptions{})
	case err == nil:
		vwc.ResourceVersion = old.ResourceVersion
		_, err = api.Update(ctx, vwc, metav1.UpdateOptions{})
	}
	if err != nil {
		return fmt.Errorf("registering KEDA's admission webhook: %w", err)
	}
	return nil
}

// waitKEDAWebhookConsulted dry-run creates a ScaledObject KEDA refuses
// whatever the cluster holds (two triggers of the same name) until the API
// server answers with KEDA's refusal: the API server picks up a new webhook
// configuration asynchronously, and a test's first write must not slip
// through before it does.
func (c *Cluster) waitKEDAWebhookConsulted(ctx context.Context) error {
	kc, err := kedaclientset.NewForConfig(c.config)
	if err != nil {
		return err
	}
	probe := &kedav1alpha1.ScaledObject{
		ObjectMeta: metav1.ObjectMeta{Namespace: KEDANamespace, Name: "harness-webhook-probe"},
		Spec: kedav1alpha1.ScaledObjectSpec{
			ScaleTargetRef: &kedav1alpha1.ScaleTarget{Name: "harness-webhook-probe"},
			Triggers: []kedav1alpha1.ScaleTriggers{
				{Type: "cron", Name: "same", Metadata: map[string]string{"timezone": "Etc/UTC", "start": "0 * * * *", "end": "1 * * * *", "desiredReplicas": "1"}},
				{Type: "cron", Name: "same", Metadata: map[string]string{"timezone": "Etc/UTC", "start": "2 * * * *", "end": "3 * * * *", "desiredReplicas": "1"}},
			},
		},
	}
	var last error
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, c.opts.StartTimeout, true, func(ctx context.Context) (bool, error) {
		if err := c.KEDAWebhook.unexpectedExit(); err != nil {
			return false, err
		}
		_, last = kc.KedaV1alpha1().ScaledObjects(KEDANamespace).Create(ctx, probe, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		return last != nil && strings.Contains(last.Error(), kedaWebhookProbeMessage), nil
	})
	if err != nil {
		return fmt.Errorf("the API server does not consult KEDA's admission webhook: %w (last answer to a ScaledObject KEDA refuses: %v)\n%s",
			err, last, tailFile(c.KEDAWebhook.LogPath, 20))
	}
	return nil
}

// Counters of KEDA's webhook, from its own metrics.
const (
	kedaWebhookValidationsMetric = "keda_webhook_scaled_object_validations_total"
	kedaWebhookErrorsMetric      = "keda_webhook_scaled_object_validation_errors_total"
)

// KEDAWebhookCounts is what KEDA's webhook counted for the ScaledObjects
// of one namespace since it started.
type KEDAWebhookCounts struct {
	// Validations is how many ScaledObject creates and updates it judged:
	// above 0 once a write in the namespace went through KEDA's checks.
	Validations float64
	// Errors counts the validation errors it recorded, by KEDA's reason
	// (missing-requests, other-hpa, scale-to-zero-requirements-not-met, ...).
	// KEDA 2.19 counts "incorrect-replicas" without refusing (2.20+
	// refuse), and refuses some writes (a target it cannot read) without
	// counting them.
	Errors map[string]float64
}

// KEDAWebhookCounts reads keda_webhook_scaled_object_validations_total and
// keda_webhook_scaled_object_validation_errors_total for namespace from
// the webhook's metrics endpoint.
func (c *Cluster) KEDAWebhookCounts(ctx context.Context, namespace string) (KEDAWebhookCounts, error) {
	out := KEDAWebhookCounts{Errors: map[string]float64{}}
	c.mu.Lock()
	addr := c.KEDAWebhookMetricsAddr
	c.mu.Unlock()
	if addr == "" {
		return out, errors.New("KEDA's admission webhook is not running")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		return out, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return out, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return out, fmt.Errorf("GET %s/metrics: %s", addr, resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return out, fmt.Errorf("parsing the webhook's metrics: %w", err)
	}
	for name, fam := range families {
		if name != kedaWebhookValidationsMetric && name != kedaWebhookErrorsMetric {
			continue
		}
		for _, m := range fam.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["namespace"] != namespace {
				continue
			}
			v := m.GetCounter().GetValue()
			if name == kedaWebhookValidationsMetric {
				out.Validations += v
			} else {
				out.Errors[labels["reason"]] += v
			}
		}
	}
	return out, nil
}
