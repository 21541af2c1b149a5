//go:build integration

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
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The manifests come from the module graph of the wrapper module that
// builds the binaries: each release's own Serving, networking, caching and
// KEDA, never the main module's.
func TestModuleDirFollowsReleases(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, tc := range []struct {
		r             Releases
		serving, keda string
	}{
		{Releases{Knative: "1.21", KEDA: "2.19"}, "v0.48.0", "v2.19.0"},
		{Releases{Knative: "1.23", KEDA: "2.21"}, "v0.50.0", "v2.21.0"},
	} {
		for mod, want := range map[string]string{servingModule: tc.serving, kedaModule: tc.keda} {
			dir, err := tc.r.ModuleDir(ctx, mod)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(dir, "@"+want) {
				t.Errorf("%v: ModuleDir(%s) = %s, want version %s", tc.r, mod, dir, want)
			}
		}
		// networking and caching at the versions that Serving requires.
		for _, mod := range []string{networkingModule, cachingModule} {
			dir, err := tc.r.ModuleDir(ctx, mod)
			if err != nil {
				t.Fatal(err)
			}
			out, err := goCmdIn(ctx, tc.r.ServingModule(), "mod", "graph")
			if err != nil {
				t.Fatal(err)
			}
			want := ""
			for _, line := range strings.Split(string(out), "\n") {
				if f := strings.Fields(line); len(f) == 2 && f[0] == servingModule+"@"+tc.serving && strings.HasPrefix(f[1], mod+"@") {
					want = strings.TrimPrefix(f[1], mod+"@")
				}
			}
			if want == "" || filepath.Base(dir) != filepath.Base(mod)+"@"+want {
				t.Errorf("%v: ModuleDir(%s) = %s, want the version knative.dev/serving@%s requires (%q)", tc.r, mod, dir, tc.serving, want)
			}
		}
	}
	t.Setenv(ReleasesEnv, "knative-1.21,keda-2.19")
	dir, err := ModuleDir(ctx, servingModule)
	if err != nil || !strings.HasSuffix(dir, "serving@v0.48.0") {
		t.Errorf("ModuleDir(knative.dev/serving) with knative-1.21 = %s, %v", dir, err)
	}
	if _, err := ModuleDir(ctx, "k8s.io/api"); err == nil {
		t.Error("ModuleDir of a module no wrapper builds: no error")
	}
}
