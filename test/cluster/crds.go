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
)

// ModuleDir returns the directory of module mod as pinned by the main
// module's go.mod (the go command runs in the current directory, which for
// a test is its package directory), from the module cache. It never uses
// vendor/ (which lacks the YAML files) and downloads the module if needed.
func ModuleDir(ctx context.Context, mod string) (string, error) {
	out, err := goCmd(ctx, "list", "-mod=readonly", "-m", "-json", mod)
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
	out, err = goCmd(ctx, "mod", "download", "-json", m.Path+"@"+m.Version)
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

func goCmd(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// DefaultCRDPaths returns the CRD files the cluster installs, all from the
// module cache at the versions the main module's go.mod pins: Knative
// Serving's config/core/300-resources (PodAutoscaler, Metric, ...),
// knative.dev/networking's ServerlessService, and every KEDA CRD
// (keda.sh and eventing.keda.sh, as KEDACRDPaths).
func DefaultCRDPaths(ctx context.Context) ([]string, error) {
	serving, err := ModuleDir(ctx, "knative.dev/serving")
	if err != nil {
		return nil, err
	}
	networking, err := ModuleDir(ctx, "knative.dev/networking")
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
	keda, err := KEDACRDPaths(ctx)
	if err != nil {
		return nil, err
	}
	return append(paths, keda...), nil
}

// KEDACRDPaths returns KEDA's CRD files (keda.sh and eventing.keda.sh) from
// the module cache at the version go.mod pins.
func KEDACRDPaths(ctx context.Context) ([]string, error) {
	keda, err := ModuleDir(ctx, "github.com/kedacore/keda/v2")
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

// withoutKEDACRDs drops KEDA's CRD files from paths.
func withoutKEDACRDs(ctx context.Context, paths []string) ([]string, error) {
	keda, err := KEDACRDPaths(ctx)
	if err != nil {
		return nil, err
	}
	skip := make(map[string]bool, len(keda))
	for _, p := range keda {
		skip[p] = true
	}
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		if !skip[p] {
			out = append(out, p)
		}
	}
	return out, nil
}
