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
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Versions of the control-plane binaries. They must match the modules under
// hack/cluster/ that hack/build-cluster.sh builds them from (a unit test checks).
const (
	KubeVersion = "v1.34.3"
	EtcdVersion = "v3.6.4"
	KEDAVersion = "v2.21.0"
	// ServingVersion is knative.dev/serving's version, as the main module
	// and hack/cluster/serving-1.23 pin it.
	ServingVersion = "v0.50.0"
	KwokVersion    = "v0.7.0"
	// MetricsServerVersion is sigs.k8s.io/metrics-server's, as
	// hack/cluster/metrics-server pins it.
	MetricsServerVersion = "v0.9.0"
)

// Names of the binaries, as hack/build-cluster.sh names them (without version).
const (
	Etcd                  = "etcd"
	KubeAPIServer         = "kube-apiserver"
	KubeControllerManager = "kube-controller-manager"
	KEDAOperator          = "keda-operator"
	KEDAAdapter           = "keda-adapter"
	KEDAWebhooks          = "keda-webhooks"
	// Built on request only (hack/build-cluster.sh NAME, or make
	// cluster-serving): Serving itself, kwok and metrics-server.
	ServingController    = "serving-controller"
	ServingWebhook       = "serving-webhook"
	ServingActivator     = "serving-activator"
	ServingAutoscalerHPA = "serving-autoscaler-hpa"
	Kwok                 = "kwok"
	MetricsServer        = "metrics-server"
	// Kubectl is for the tests that run hack/'s scripts.
	Kubectl = "kubectl"
)

// Serving's KPA autoscaler (cmd/autoscaler) and queue-proxy (cmd/queue),
// built on request: Options.ServingAutoscaler and Options.QueueProxy.
const (
	ServingAutoscaler = "serving-autoscaler"
	ServingQueue      = "serving-queue"
)

// versionOf maps a binary name to the version it is cached under.
var versionOf = map[string]string{
	Etcd:                  EtcdVersion,
	KubeAPIServer:         KubeVersion,
	KubeControllerManager: KubeVersion,
	KEDAOperator:          KEDAVersion,
	KEDAAdapter:           KEDAVersion,
	KEDAWebhooks:          KEDAVersion,
	ServingController:     ServingVersion,
	ServingWebhook:        ServingVersion,
	ServingActivator:      ServingVersion,
	ServingAutoscalerHPA:  ServingVersion,
	ServingAutoscaler:     ServingVersion,
	ServingQueue:          ServingVersion,
	Kwok:                  KwokVersion,
	MetricsServer:         MetricsServerVersion,
	Kubectl:               KubeVersion,
}

// CacheDir is $SERVING_KEDA_CACHE, or $HOME/.cache/serving-keda: the cache
// outside the repository shared with hack/build-cluster.sh.
func CacheDir() string {
	if d := os.Getenv("SERVING_KEDA_CACHE"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		home = os.TempDir()
	}
	return filepath.Join(home, ".cache", "serving-keda")
}

// DefaultBinDir is where hack/build-cluster.sh puts the binaries.
func DefaultBinDir() string {
	return filepath.Join(CacheDir(), "bin")
}

// BinaryPath returns the path of the named binary (one of the constants
// above) in binDir ("" means DefaultBinDir), or an error telling how to
// build it when it is missing.
func BinaryPath(binDir, name string) (string, error) {
	if binDir == "" {
		binDir = DefaultBinDir()
	}
	version, ok := versionOf[name]
	if !ok {
		return "", fmt.Errorf("unknown control-plane binary %q", name)
	}
	p := filepath.Join(binDir, name+"-"+version)
	st, err := os.Stat(p)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "", fmt.Errorf("%s %s not found at %s: run hack/build-cluster.sh (set SERVING_KEDA_CACHE to the same cache dir for both)", name, version, p)
	case err != nil:
		return "", err
	case st.IsDir() || st.Mode()&0o111 == 0:
		return "", fmt.Errorf("%s is not an executable file: remove it and run hack/build-cluster.sh", p)
	}
	return p, nil
}

// binaries resolves several binaries at once and reports all missing ones.
func binaries(binDir string, names ...string) (map[string]string, error) {
	out := make(map[string]string, len(names))
	var errs []error
	for _, n := range names {
		p, err := BinaryPath(binDir, n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[n] = p
	}
	return out, errors.Join(errs...)
}

// ServingBinaries is nil when the binaries Options.Serving starts are in
// binDir ("" means DefaultBinDir); otherwise its error names the missing
// ones and how to build them. make test does not build them yet, so the
// tests that start Serving skip on it.
func ServingBinaries(binDir string) error {
	_, err := binaries(binDir, ServingWebhook, ServingController)
	if err != nil {
		return fmt.Errorf("%w (make cluster-serving builds them all)", err)
	}
	return nil
}
