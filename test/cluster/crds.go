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
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// ModuleDir returns the directory, in the module cache, of module mod as
// the selected releases' binaries are built with it (SelectedReleases,
// Releases.ModuleDir), so that what a caller reads there (CRDs, config
// maps, webhook configurations) matches the running binaries.
func ModuleDir(ctx context.Context, mod string) (string, error) {
	r, err := SelectedReleases()
	if err != nil {
		return "", err
	}
	return r.ModuleDir(ctx, mod)
}

// ModuleDir returns the directory of mod in the module graph of the
// wrapper module that builds r's binaries of it (go list -m, -mod=mod, run
// in that module): knative.dev/* (serving, networking, caching, pkg) from
// hack/cluster/serving-<Knative release>, KEDA from
// hack/cluster/keda-<KEDA release>, kwok from hack/cluster/kwok. It never
// uses vendor/ (which lacks the YAML files) and downloads the module if
// needed. Results are remembered for the life of the process.
func (r Releases) ModuleDir(ctx context.Context, mod string) (string, error) {
	var wrapper string
	switch {
	case mod == kedaModule:
		wrapper = r.KEDAModule()
	case strings.HasPrefix(mod, "knative.dev/"):
		wrapper = r.ServingModule()
	case mod == kwokModule:
		wrapper = fixed("kwok")(r)
	default:
		return "", fmt.Errorf("no wrapper module under hack/cluster builds a binary of %s", mod)
	}
	key := wrapper + "\x00" + mod
	if d, ok := moduleDirs.Load(key); ok {
		return d.(string), nil
	}
	d, err := moduleDirIn(ctx, wrapper, mod)
	if err != nil {
		return "", fmt.Errorf("module %s of %s: %w", mod, relToRepo(wrapper), err)
	}
	moduleDirs.Store(key, d)
	return d, nil
}

// moduleDirs remembers ModuleDir's answers (wrapper + NUL + module -> dir).
var moduleDirs sync.Map

// moduleDirIn returns the directory of mod as the module in dir requires it.
func moduleDirIn(ctx context.Context, dir, mod string) (string, error) {
	out, err := goCmdIn(ctx, dir, "list", "-mod=mod", "-m", "-json", mod)
	if err != nil {
		return "", err
	}
	var m struct {
		Path, Version, Dir string
		Replace            *struct{ Path, Version, Dir string }
	}
	if err := json.Unmarshal(out, &m); err != nil {
		return "", fmt.Errorf("go list -m %s: %w", mod, err)
	}
	if m.Replace != nil {
		m.Path, m.Version, m.Dir = m.Replace.Path, m.Replace.Version, m.Replace.Dir
	}
	if m.Dir != "" {
		return m.Dir, nil
	}
	if m.Version == "" {
		return "", fmt.Errorf("module %s: no version or directory in go list output", mod)
	}
	out, err = goCmdIn(ctx, dir, "mod", "download", "-json", m.Path+"@"+m.Version)
	if err != nil {
		return "", err
	}
	var d struct{ Dir, Error string }
	if err := json.Unmarshal(out, &d); err != nil {
		return "", fmt.Errorf("go mod download %s: %w", mod, err)
	}
	if d.Dir == "" {
		return "", fmt.Errorf("go mod download %s@%s: %s", m.Path, m.Version, d.Error)
	}
	return d.Dir, nil
}

// goCmdIn runs the go command in dir, outside any workspace.
func goCmdIn(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s (in %s): %w: %s", strings.Join(args, " "), relToRepo(dir), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// crdPaths returns the CRD files a cluster of opts installs, from the
// module graphs of r's wrapper modules: Knative Serving's
// config/core/300-resources (PodAutoscaler, Metric, ...),
// knative.dev/networking's ServerlessService, every KEDA CRD (keda.sh and
// eventing.keda.sh) unless SkipKEDACRDs, Serving's others with
// Options.Serving, kwok's with Options.MetricsServer, then opts.CRDPaths.
func (r Releases) crdPaths(ctx context.Context, opts Options) ([]string, error) {
	serving, err := r.ModuleDir(ctx, servingModule)
	if err != nil {
		return nil, err
	}
	networking, err := r.ModuleDir(ctx, networkingModule)
	if err != nil {
		return nil, err
	}
	paths, err := globAll(
		filepath.Join(serving, "config", "core", "300-resources", "*.yaml"),
		filepath.Join(networking, "config", "serverlessservice.yaml"),
	)
	if err != nil {
		return nil, err
	}
	if !opts.SkipKEDACRDs {
		keda, err := r.kedaCRDPaths(ctx)
		if err != nil {
			return nil, err
		}
		paths = append(paths, keda...)
	}
	if opts.Serving {
		more, err := r.servingCRDPaths(ctx)
		if err != nil {
			return nil, fmt.Errorf("finding Serving's CRDs: %w", err)
		}
		paths = append(paths, more...)
	}
	if opts.MetricsServer {
		more, err := r.kwokCRDPaths(ctx)
		if err != nil {
			return nil, fmt.Errorf("finding kwok's CRDs: %w", err)
		}
		paths = append(paths, more...)
	}
	return append(paths, opts.CRDPaths...), nil
}

// kedaCRDPaths returns KEDA's CRD files (keda.sh and eventing.keda.sh) of
// r's KEDA release.
func (r Releases) kedaCRDPaths(ctx context.Context) ([]string, error) {
	keda, err := r.ModuleDir(ctx, kedaModule)
	if err != nil {
		return nil, err
	}
	return globAll(
		filepath.Join(keda, "config", "crd", "bases", "keda.sh_*.yaml"),
		filepath.Join(keda, "config", "crd", "bases", "eventing.keda.sh_*.yaml"),
	)
}

// globAll expands each pattern (sorted), requiring at least one match each.
func globAll(patterns ...string) ([]string, error) {
	var paths []string
	for _, pattern := range patterns {
		m, err := filepath.Glob(pattern)
		if err != nil {
			return nil, err
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("no CRD file matches %s", pattern)
		}
		sort.Strings(m)
		paths = append(paths, m...)
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			return nil, err
		}
	}
	return paths, nil
}
