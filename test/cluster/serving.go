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
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
	"knative.dev/pkg/ptr"
	servingv1 "knative.dev/serving/pkg/apis/serving/v1"
	servingclientset "knative.dev/serving/pkg/client/clientset/versioned"
)

// Knative Serving itself (Options.Serving): its controller and webhook as
// local processes built from the selected Knative release's wrapper module
// (hack/cluster/serving-<release>), with what
// Serving's config/core installs around them, so that a Knative Service
// yields its Configuration, Revision, Deployment (with queue-proxy),
// PodAutoscaler and ServerlessService as on a cluster:
//
//   - CRDs (Releases.crdPaths, all from the same wrapper module's module
//     graph): config/core/300-resources, networking's ServerlessService,
//     Certificate, Ingress and
//     ClusterDomainClaim, knative.dev/caching's Image (the revision
//     reconciler's informers fail without it);
//   - every config map of config/core/configmaps and networking's
//     config-network, queue-sidecar-image set to ServingQueueImage (a
//     dev.local image: Serving resolves no tag there, so nothing leaves the
//     machine);
//   - config/core/webhooks: the webhook-certs Secret and the three webhook
//     configurations, each clientConfig.service pointing at Service
//     knative-serving/webhook on the webhook's port. That Service is of type
//     ExternalName, externalName localhost: the API server cannot be pointed
//     at 127.0.0.0/8 through Endpoints, and knative.dev/pkg's webhook
//     reconcilers refuse a url clientConfig ("missing service reference");
//     the webhook fills in the caBundle (its certificate names
//     webhook.knative-serving.svc);
//   - an empty Endpoints knative-serving/activator-service: the SKS
//     reconciler needs it, and with no activator address every SKS stays in
//     Serve mode (the HPA class's mode anyway).
//
// No networking layer runs: a ksvc's Route and Ingress stay unreconciled, so
// the ksvc is Ready=Unknown (IngressNotConfigured) even when its Revision is
// Ready. Without nodes (no kwok) revision pods stay Pending and the Revision
// never becomes Ready.
//
// Both processes use the admin kubeconfig. Serving's binaries have no flag
// for a listening host: the webhook serves its port, the controller its
// probes (fixed 8080) on every interface; their metrics are bound to
// 127.0.0.1 (METRICS_PROMETHEUS_HOST) and nothing is pointed at any
// address other than loopback.

// ServingControllers are the kube-controller-manager controllers
// Options.Serving adds: the Endpoints and EndpointSlices of a revision's
// private Service, which Serving's SKS reconciler reads (empty while its
// pods are not Ready).
var ServingControllers = []string{"endpoints-controller", "endpointslice-controller"}

// ServingQueueImage is the queue-proxy image written into config-deployment:
// a dev.local reference tagged with the cluster's Serving version, which
// Serving never resolves (its default registries-skipping-tag-resolving),
// never pulled (no kubelet runs).
func (c *Cluster) ServingQueueImage() string {
	v, _ := c.releases.Version(ServingQueue)
	return "dev.local/knative.dev/serving/cmd/queue:" + v
}

// ServingWebhookService is the ExternalName Service the webhook
// configurations name; ActivatorService the activator's (empty) Endpoints.
const (
	ServingWebhookService = "webhook"
	ActivatorService      = "activator-service"
)

// servingControllerProbesPort is where Serving's controller serves its
// health probes (knative.dev/pkg's injection.HealthCheckDefaultPort, on
// every interface; no flag or variable changes it): one Serving control
// plane at a time on a machine.
const servingControllerProbesPort = 8080

// servingWebhookProbeClass is a class Serving's webhook refuses
// (validateClass: a *.knative.dev class other than KPA and HPA); the harness
// dry-runs a ksvc with it until the API server answers with that refusal.
const servingWebhookProbeClass = "harness-probe.knative.dev"

// servingCRDPaths returns the CRD files Serving's controller needs besides
// those every cluster has: networking's Certificate, Ingress and
// ClusterDomainClaim and knative.dev/caching's Image, at the versions r's
// Serving requires.
func (r Releases) servingCRDPaths(ctx context.Context) ([]string, error) {
	networking, err := r.ModuleDir(ctx, networkingModule)
	if err != nil {
		return nil, err
	}
	caching, err := r.ModuleDir(ctx, cachingModule)
	if err != nil {
		return nil, err
	}
	return globAll(
		filepath.Join(networking, "config", "certificate.yaml"),
		filepath.Join(networking, "config", "ingress.yaml"),
		filepath.Join(networking, "config", "domain-claim.yaml"),
		filepath.Join(caching, "config", "image.yaml"),
	)
}

// servingEnv is the environment Serving's webhook and controller share.
var servingEnv = []string{
	"SYSTEM_NAMESPACE=" + ServingNamespace,
	"CONFIG_LOGGING_NAME=config-logging",
	"CONFIG_OBSERVABILITY_NAME=config-observability",
	"METRICS_PROMETHEUS_HOST=127.0.0.1",
	"PROFILING_PORT=0",
}

// startServingWebhook installs what Serving's controller and webhook need
// (config maps, the webhook's Secret and Service, the webhook
// configurations, activator-service), starts the webhook and waits until
// the API server consults it.
func (c *Cluster) startServingWebhook(ctx context.Context) error {
	serving, err := c.releases.ModuleDir(ctx, servingModule)
	if err != nil {
		return err
	}
	networking, err := c.releases.ModuleDir(ctx, networkingModule)
	if err != nil {
		return err
	}
	ports, err := freePorts(2)
	if err != nil {
		return err
	}
	webhookPort, webhookMetrics := ports[0], ports[1]
	c.ServingWebhookPort = webhookPort

	// Config maps and the webhook's Secret, before the webhook
	// configurations: Serving's config map webhook would refuse them while
	// its webhook is not serving yet (failurePolicy Fail).
	files, err := globAll(filepath.Join(serving, "config", "core", "configmaps", "*.yaml"))
	if err != nil {
		return err
	}
	files = append(files,
		filepath.Join(networking, "config", "config-network.yaml"),
		filepath.Join(serving, "config", "core", "webhooks", "secret.yaml"))
	for _, f := range files {
		if err := c.applyServingFile(ctx, f, webhookPort); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	if err := c.createServingServices(ctx, webhookPort); err != nil {
		return err
	}
	for _, f := range []string{"defaulting.yaml", "resource-validation.yaml", "configmap-validation.yaml"} {
		p := filepath.Join(serving, "config", "core", "webhooks", f)
		if err := c.applyServingFile(ctx, p, webhookPort); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}

	t0 := time.Now()
	wh, err := c.StartProcess(ServingWebhook, c.bin(ServingWebhook),
		[]string{"--kubeconfig=" + c.kubeconfig, "--disable-ha"},
		append(append([]string{}, servingEnv...),
			"POD_NAME=webhook-local",
			"WEBHOOK_NAME="+ServingWebhookService,
			"WEBHOOK_PORT="+strconv.Itoa(webhookPort),
			"METRICS_PROMETHEUS_PORT="+strconv.Itoa(webhookMetrics)))
	if err != nil {
		return err
	}
	wh.mu.Lock()
	wh.killOnStop = true // its lame duck lasts 45 s; it keeps no state
	wh.mu.Unlock()
	c.mu.Lock()
	c.ServingWebhook = wh
	c.mu.Unlock()
	if err := c.waitServingWebhookConsulted(ctx); err != nil {
		return err
	}
	c.opts.logf("cluster: Serving's webhook ready and consulted in %v (port %d)", time.Since(t0).Round(time.Millisecond), webhookPort)
	return nil
}

// startServingController starts Serving's controller and waits for its
// readiness probe.
func (c *Cluster) startServingController(ctx context.Context) error {
	metricsPort, err := FreePort()
	if err != nil {
		return err
	}
	t0 := time.Now()
	// Its probes' port is fixed (knative.dev/pkg's 8080, no flag): say so
	// rather than let the controller die of it, or the readiness check
	// below ask another process.
	l, err := net.Listen("tcp", ":"+strconv.Itoa(servingControllerProbesPort))
	if err != nil {
		return fmt.Errorf("Serving's controller serves its probes on port %d, which is in use (another Serving control plane?): %w", servingControllerProbesPort, err)
	}
	l.Close()
	ctl, err := c.StartProcess(ServingController, c.bin(ServingController),
		[]string{"--kubeconfig=" + c.kubeconfig},
		append(append([]string{}, servingEnv...),
			"POD_NAME=controller-local",
			"METRICS_PROMETHEUS_PORT="+strconv.Itoa(metricsPort)))
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.ServingController = ctl
	c.mu.Unlock()
	if err := waitServingController(ctx, ctl, c.opts.StartTimeout); err != nil {
		return err
	}
	c.opts.logf("cluster: Serving's controller ready in %v", time.Since(t0).Round(time.Millisecond))
	return nil
}

// applyServingFile creates the config maps, Secrets and webhook
// configurations of a multi-document YAML file (an existing object is left
// as it is): config-deployment gets ServingQueueImage, every webhook's
// service reference the webhook's port.
func (c *Cluster) applyServingFile(ctx context.Context, path string, webhookPort int) error {
	objs, err := DecodeObjects(path)
	if err != nil {
		return err
	}
	kube := c.client
	opts := metav1.CreateOptions{}
	for _, obj := range objs {
		switch o := obj.(type) {
		case *corev1.ConfigMap:
			if o.Namespace == "" {
				o.Namespace = ServingNamespace
			}
			if o.Name == "config-deployment" {
				o.Data["queue-sidecar-image"] = c.ServingQueueImage()
			}
			_, err = kube.CoreV1().ConfigMaps(o.Namespace).Create(ctx, o, opts)
		case *corev1.Secret:
			_, err = kube.CoreV1().Secrets(o.Namespace).Create(ctx, o, opts)
		case *admissionregistrationv1.MutatingWebhookConfiguration:
			for i := range o.Webhooks {
				if err := pointAtWebhook(&o.Webhooks[i].ClientConfig, webhookPort); err != nil {
					return fmt.Errorf("webhook %s: %w", o.Webhooks[i].Name, err)
				}
			}
			_, err = kube.AdmissionregistrationV1().MutatingWebhookConfigurations().Create(ctx, o, opts)
		case *admissionregistrationv1.ValidatingWebhookConfiguration:
			for i := range o.Webhooks {
				if err := pointAtWebhook(&o.Webhooks[i].ClientConfig, webhookPort); err != nil {
					return fmt.Errorf("webhook %s: %w", o.Webhooks[i].Name, err)
				}
			}
			_, err = kube.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, o, opts)
		default:
			return fmt.Errorf("unexpected %T", obj)
		}
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	return nil
}

// pointAtWebhook sets the port of a Serving webhook's service reference.
func pointAtWebhook(cc *admissionregistrationv1.WebhookClientConfig, port int) error {
	if cc.Service == nil || cc.Service.Name != ServingWebhookService || cc.Service.Namespace != ServingNamespace {
		return fmt.Errorf("clientConfig %+v is not Serving's webhook Service", cc)
	}
	cc.Service.Port = ptr.Int32(int32(port))
	return nil
}

// createServingServices creates the ExternalName Service the webhook
// configurations name and the activator's empty Endpoints.
func (c *Cluster) createServingServices(ctx context.Context, webhookPort int) error {
	labels := map[string]string{"app.kubernetes.io/name": "knative-serving"}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ServingNamespace, Name: ServingWebhookService, Labels: labels},
		Spec: corev1.ServiceSpec{
			Type:         corev1.ServiceTypeExternalName,
			ExternalName: "localhost",
			Ports:        []corev1.ServicePort{{Name: "https-webhook", Port: int32(webhookPort)}},
		},
	}
	if _, err := c.client.CoreV1().Services(ServingNamespace).Create(ctx, svc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("Service %s/%s: %w", ServingNamespace, ServingWebhookService, err)
	}
	//nolint:staticcheck // Serving v0.48-v0.50's SKS reconciler reads Endpoints.
	ep := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Namespace: ServingNamespace, Name: ActivatorService, Labels: labels}}
	if _, err := c.client.CoreV1().Endpoints(ServingNamespace).Create(ctx, ep, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("Endpoints %s/%s: %w", ServingNamespace, ActivatorService, err)
	}
	return nil
}

// waitServingWebhookConsulted waits until every webhook configuration has a
// caBundle (Serving's webhook writes them) and the API server answers a
// dry-run ksvc of a class Serving refuses with Serving's refusal: only then
// does every Serving object a test writes pass through the webhook.
func (c *Cluster) waitServingWebhookConsulted(ctx context.Context) error {
	sc, err := servingclientset.NewForConfig(c.config)
	if err != nil {
		return err
	}
	probe := &servingv1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ServingNamespace, Name: "harness-webhook-probe"},
		Spec: servingv1.ServiceSpec{ConfigurationSpec: servingv1.ConfigurationSpec{Template: servingv1.RevisionTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{"autoscaling.knative.dev/class": servingWebhookProbeClass}},
			Spec:       servingv1.RevisionSpec{PodSpec: corev1.PodSpec{Containers: []corev1.Container{{Image: "dev.local/harness-probe"}}}},
		}}},
	}
	var last error
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, c.opts.StartTimeout, true, func(ctx context.Context) (bool, error) {
		if err := c.ServingWebhook.unexpectedExit(); err != nil {
			return false, err
		}
		if last = c.servingCABundles(ctx); last != nil {
			return false, nil
		}
		_, last = sc.ServingV1().Services(ServingNamespace).Create(ctx, probe, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		return last != nil && strings.Contains(last.Error(), servingWebhookProbeClass), nil
	})
	if err != nil {
		return fmt.Errorf("the API server does not consult Serving's webhook: %w (last: %v)\n%s", err, last, tailFile(c.ServingWebhook.LogPath, 20))
	}
	return nil
}

// servingCABundles is nil once every Serving webhook configuration has a
// caBundle.
func (c *Cluster) servingCABundles(ctx context.Context) error {
	api := c.client.AdmissionregistrationV1()
	m, err := api.MutatingWebhookConfigurations().Get(ctx, "webhook.serving.knative.dev", metav1.GetOptions{})
	if err != nil {
		return err
	}
	var ccs []admissionregistrationv1.WebhookClientConfig
	for _, w := range m.Webhooks {
		ccs = append(ccs, w.ClientConfig)
	}
	for _, name := range []string{"validation.webhook.serving.knative.dev", "config.webhook.serving.knative.dev"} {
		v, err := api.ValidatingWebhookConfigurations().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		for _, w := range v.Webhooks {
			ccs = append(ccs, w.ClientConfig)
		}
	}
	for _, cc := range ccs {
		if len(cc.CABundle) == 0 {
			return errors.New("a Serving webhook configuration has no caBundle yet")
		}
	}
	return nil
}

// waitServingController waits until sharedmain has started the controllers
// (it logs "Starting controllers..." then) and the readiness probe, on
// knative.dev/pkg's fixed port 8080, answers.
func waitServingController(ctx context.Context, p *Process, timeout time.Duration) error {
	hc := &http.Client{Timeout: 2 * time.Second}
	var last error
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		if err := p.unexpectedExit(); err != nil {
			return false, err
		}
		b, err := os.ReadFile(p.LogPath)
		if err != nil || !bytes.Contains(b, []byte("Starting controllers...")) {
			last = errors.New(`no "Starting controllers..." in the log yet`)
			return false, nil
		}
		resp, err := hc.Get("http://127.0.0.1:" + strconv.Itoa(servingControllerProbesPort) + "/readiness")
		if err != nil {
			last = err
			return false, nil
		}
		resp.Body.Close()
		last = fmt.Errorf("readiness: %s", resp.Status)
		return resp.StatusCode == http.StatusOK, nil
	})
	if err != nil {
		return fmt.Errorf("Serving's controller not ready: %w (last: %v)\n%s", err, last, tailFile(p.LogPath, 20))
	}
	return nil
}

// DecodeObjects decodes the Kubernetes objects of a multi-document YAML file
// with client-go's scheme, skipping documents of comments only.
func DecodeObjects(path string) ([]k8sruntime.Object, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []k8sruntime.Object
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		if onlyComments(doc) {
			continue
		}
		obj, _, err := scheme.Codecs.UniversalDeserializer().Decode(doc, nil, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, obj)
	}
}

// onlyComments reports whether a YAML document holds nothing but comments
// and blank lines.
func onlyComments(doc []byte) bool {
	for _, line := range bytes.Split(doc, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) > 0 && line[0] != '#' && !bytes.Equal(line, []byte("---")) {
			return false
		}
	}
	return true
}
