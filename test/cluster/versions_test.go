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
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// requiredVersion returns the version go.mod at path requires for mod.
func requiredVersion(t *testing.T, path, mod string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "require "))
		if len(f) >= 2 && f[0] == mod {
			return f[1]
		}
	}
	t.Fatalf("%s does not require %s", path, mod)
	return ""
}

// The binaries hack/build-cluster.sh builds are named after the versions
// its modules pin; the harness looks them up by these constants.
func TestVersionsMatchBuildModules(t *testing.T) {
	root := filepath.Join("..", "..")
	for _, tc := range []struct {
		gomod, mod, want string
	}{
		{"hack/cluster/kube/go.mod", "k8s.io/kubernetes", KubeVersion},
		{"hack/cluster/etcd/go.mod", "go.etcd.io/etcd/server/v3", EtcdVersion},
		{"hack/cluster/keda-2.21/go.mod", "github.com/kedacore/keda/v2", KEDAVersion},
		{"hack/cluster/serving-1.23/go.mod", "knative.dev/serving", ServingVersion},
		{"hack/cluster/kwok/go.mod", "sigs.k8s.io/kwok", KwokVersion},
		{"hack/cluster/metrics-server/go.mod", "sigs.k8s.io/metrics-server", MetricsServerVersion},
		// Serving's CRDs, config maps and webhook configurations come from
		// the main module's pin: same version as Serving's binaries.
		{"go.mod", "knative.dev/serving", ServingVersion},
		// The KEDA CRDs come from the main module's pin: same version as
		// the operator binary.
		{"go.mod", "github.com/kedacore/keda/v2", KEDAVersion},
	} {
		if got := requiredVersion(t, filepath.Join(root, tc.gomod), tc.mod); got != tc.want {
			t.Errorf("%s requires %s %s, the harness expects %s", tc.gomod, tc.mod, got, tc.want)
		}
	}
}
