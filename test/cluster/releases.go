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
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Which Knative and KEDA releases the control plane runs. Each release has
// a wrapper module under hack/cluster/ (serving-<Knative release>,
// keda-<KEDA release>) that hack/build-cluster.sh builds its binaries from;
// SERVING_KEDA_VERSIONS picks them, here as there. A binary's version, and
// so its cached file name, is what its wrapper module's go.mod requires,
// and the CRDs, config maps and webhook configurations installed beside it
// come from the same wrapper module's module graph (ModuleDir): the
// binaries and their manifests always agree.

// ReleasesEnv names the releases to run, as hack/build-cluster.sh reads it:
// comma-separated knative-X.Y and keda-X.Y entries, e.g.
// "knative-1.21,keda-2.19"; an entry left out means the pinned one.
const ReleasesEnv = "SERVING_KEDA_VERSIONS"

// Releases is a Knative release and a KEDA release ("1.23", "2.21").
type Releases struct {
	Knative, KEDA string
}

// PinnedReleases is the pair the main module's go.mod pins, the default of
// SERVING_KEDA_VERSIONS (hack/build-cluster.sh's too; a unit test checks
// both).
var PinnedReleases = Releases{Knative: "1.23", KEDA: "2.21"}

// String is the SERVING_KEDA_VERSIONS value that selects r.
func (r Releases) String() string {
	return "knative-" + r.Knative + ",keda-" + r.KEDA
}

// ParseReleases reads a SERVING_KEDA_VERSIONS value as hack/build-cluster.sh
// does: entries separated by commas, empty ones ignored, the last of each
// kind wins, a kind left out is the pinned release.
func ParseReleases(s string) (Releases, error) {
	r := PinnedReleases
	if s == "" {
		return r, nil
	}
	for _, e := range strings.Split(s, ",") {
		switch {
		case e == "":
		case strings.HasPrefix(e, "knative-"):
			r.Knative = strings.TrimPrefix(e, "knative-")
		case strings.HasPrefix(e, "keda-"):
			r.KEDA = strings.TrimPrefix(e, "keda-")
		default:
			return Releases{}, fmt.Errorf("%s=%q: unknown entry %q (want knative-X.Y or keda-X.Y)", ReleasesEnv, s, e)
		}
	}
	return r, nil
}

// SelectedReleases is the pair SERVING_KEDA_VERSIONS names, each release
// checked to have its wrapper module.
func SelectedReleases() (Releases, error) {
	s := os.Getenv(ReleasesEnv)
	r, err := ParseReleases(s)
	if err != nil {
		return Releases{}, err
	}
	for _, dir := range []string{r.ServingModule(), r.KEDAModule()} {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
			return Releases{}, fmt.Errorf("%s=%q: no wrapper module %s (there are: %s)", ReleasesEnv, s, relToRepo(dir), strings.Join(wrapperModules(), ", "))
		}
	}
	return r, nil
}

// ServingModule is the wrapper module that builds r's Serving commands.
func (r Releases) ServingModule() string {
	return filepath.Join(wrappersDir(), "serving-"+r.Knative)
}

// KEDAModule is the wrapper module that builds r's KEDA commands.
func (r Releases) KEDAModule() string {
	return filepath.Join(wrappersDir(), "keda-"+r.KEDA)
}

// builtFrom says which wrapper module builds a binary, and which module of
// its graph the binary's version is.
type builtFrom struct {
	// wrapper is the wrapper module's directory for r.
	wrapper func(r Releases) string
	module  string
}

func fixed(name string) func(Releases) string {
	return func(Releases) string { return filepath.Join(wrappersDir(), name) }
}

// binaryModules lists every binary hack/build-cluster.sh builds.
var binaryModules = map[string]builtFrom{
	Etcd:                  {fixed("etcd"), "go.etcd.io/etcd/server/v3"},
	KubeAPIServer:         {fixed("kube"), "k8s.io/kubernetes"},
	KubeControllerManager: {fixed("kube"), "k8s.io/kubernetes"},
	Kubectl:               {fixed("kube"), "k8s.io/kubernetes"},
	KEDAOperator:          {Releases.KEDAModule, kedaModule},
	KEDAAdapter:           {Releases.KEDAModule, kedaModule},
	KEDAWebhooks:          {Releases.KEDAModule, kedaModule},
	ServingController:     {Releases.ServingModule, servingModule},
	ServingWebhook:        {Releases.ServingModule, servingModule},
	ServingActivator:      {Releases.ServingModule, servingModule},
	ServingAutoscalerHPA:  {Releases.ServingModule, servingModule},
	ServingAutoscaler:     {Releases.ServingModule, servingModule},
	ServingQueue:          {Releases.ServingModule, servingModule},
	Kwok:                  {fixed("kwok"), kwokModule},
	MetricsServer:         {fixed("metrics-server"), "sigs.k8s.io/metrics-server"},
}

// Modules whose files the harness installs.
const (
	servingModule    = "knative.dev/serving"
	networkingModule = "knative.dev/networking"
	cachingModule    = "knative.dev/caching"
	kedaModule       = "github.com/kedacore/keda/v2"
	kwokModule       = "sigs.k8s.io/kwok"
)

// Version is the version of the named binary (one of the constants of
// binaries.go) for r: what its wrapper module's go.mod requires.
func (r Releases) Version(name string) (string, error) {
	b, ok := binaryModules[name]
	if !ok {
		return "", fmt.Errorf("unknown control-plane binary %q", name)
	}
	gomod := filepath.Join(b.wrapper(r), "go.mod")
	v, err := requiredVersion(gomod, b.module)
	if err != nil {
		return "", fmt.Errorf("version of %s: %w", name, err)
	}
	return v, nil
}

// Version is the version of the named binary the selected releases run.
func Version(name string) (string, error) {
	r, err := SelectedReleases()
	if err != nil {
		return "", err
	}
	return r.Version(name)
}

// requiredVersion reads the version of mod a go.mod requires (single-line
// or block require).
func requiredVersion(gomod, mod string) (string, error) {
	data, err := os.ReadFile(gomod)
	if err != nil {
		return "", err
	}
	inBlock := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, "//"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		switch {
		case line == "require (":
			inBlock = true
			continue
		case inBlock && line == ")":
			inBlock = false
			continue
		case strings.HasPrefix(line, "require "):
			line = strings.TrimSpace(strings.TrimPrefix(line, "require "))
		case !inBlock:
			continue
		}
		if f := strings.Fields(line); len(f) == 2 && f[0] == mod {
			return f[1], nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("%s does not require %s", relToRepo(gomod), mod)
}

// RepoRoot is the repository's top directory (from this file's path: the
// harness runs from a checkout).
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

func wrappersDir() string { return filepath.Join(RepoRoot(), "hack", "cluster") }

// wrapperModules lists the release wrapper modules present.
func wrapperModules() []string {
	var out []string
	for _, pattern := range []string{"serving-*", "keda-*"} {
		m, _ := filepath.Glob(filepath.Join(wrappersDir(), pattern, "go.mod"))
		for _, p := range m {
			out = append(out, relToRepo(filepath.Dir(p)))
		}
	}
	return out
}

func relToRepo(p string) string {
	if r, err := filepath.Rel(RepoRoot(), p); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return p
}
