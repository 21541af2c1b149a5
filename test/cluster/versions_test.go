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
	"regexp"
	"strings"
	"testing"
)

func TestParseReleases(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Releases
		wantErr string
	}{
		{in: "", want: PinnedReleases},
		{in: "knative-1.21,keda-2.19", want: Releases{Knative: "1.21", KEDA: "2.19"}},
		{in: "keda-2.19,knative-1.21", want: Releases{Knative: "1.21", KEDA: "2.19"}},
		{in: "knative-1.21", want: Releases{Knative: "1.21", KEDA: PinnedReleases.KEDA}},
		{in: "keda-2.19", want: Releases{Knative: PinnedReleases.Knative, KEDA: "2.19"}},
		{in: ",keda-2.19,", want: Releases{Knative: PinnedReleases.Knative, KEDA: "2.19"}},
		{in: "knative-1.21,knative-1.23", want: Releases{Knative: "1.23", KEDA: PinnedReleases.KEDA}},
		{in: "serving-1.21", wantErr: `unknown entry "serving-1.21"`},
		{in: "knative-1.21, keda-2.19", wantErr: `unknown entry " keda-2.19"`},
	} {
		got, err := ParseReleases(tc.in)
		switch {
		case tc.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseReleases(%q) = %v, %v; want an error with %s", tc.in, got, err, tc.wantErr)
			}
		case err != nil || got != tc.want:
			t.Errorf("ParseReleases(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

// hack/build-cluster.sh defaults to the same pair, and the pinned pair's
// wrapper modules build the Serving and KEDA the main module compiles
// against: the harness runs what the product is built for.
func TestPinnedReleases(t *testing.T) {
	script, err := os.ReadFile(filepath.Join(RepoRoot(), "hack", "build-cluster.sh"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"KNATIVE_RELEASE=" + PinnedReleases.Knative + "\n", "KEDA_RELEASE=" + PinnedReleases.KEDA + "\n"} {
		if !strings.Contains(string(script), want) {
			t.Errorf("hack/build-cluster.sh has no default %q", strings.TrimSpace(want))
		}
	}
	mainMod := filepath.Join(RepoRoot(), "go.mod")
	for _, tc := range []struct{ wrapper, mod string }{
		{PinnedReleases.ServingModule(), servingModule},
		{PinnedReleases.KEDAModule(), kedaModule},
	} {
		want, err := requiredVersion(mainMod, tc.mod)
		if err != nil {
			t.Fatal(err)
		}
		got, err := requiredVersion(filepath.Join(tc.wrapper, "go.mod"), tc.mod)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s requires %s %s, the main module %s", relToRepo(tc.wrapper), tc.mod, got, want)
		}
	}
}

// Every binary hack/build-cluster.sh builds has a version for every
// release wrapper module there is (its cache file name), read from the
// go.mod that builds it.
func TestBinaryVersions(t *testing.T) {
	script, err := os.ReadFile(filepath.Join(RepoRoot(), "hack", "build-cluster.sh"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^(?:ALL|ON_REQUEST)=\((.*)\)$`).FindAllStringSubmatch(string(script), -1) {
		names = append(names, strings.Fields(m[1])...)
	}
	if len(names) < 10 {
		t.Fatalf("found only %v in hack/build-cluster.sh's ALL and ON_REQUEST", names)
	}
	for _, n := range names {
		if _, ok := binaryModules[n]; !ok {
			t.Errorf("hack/build-cluster.sh builds %s, test/cluster does not know it", n)
		}
	}
	semver := regexp.MustCompile(`^v\d+\.\d+\.\d+$`)
	var all []Releases
	for _, w := range wrapperModules() {
		base := filepath.Base(w)
		if v, ok := strings.CutPrefix(base, "serving-"); ok {
			all = append(all, Releases{Knative: v, KEDA: PinnedReleases.KEDA})
		} else if v, ok := strings.CutPrefix(base, "keda-"); ok {
			all = append(all, Releases{Knative: PinnedReleases.Knative, KEDA: v})
		}
	}
	if len(all) < 4 {
		t.Fatalf("wrapper modules: %v", wrapperModules())
	}
	for _, r := range all {
		for n := range binaryModules {
			v, err := r.Version(n)
			if err != nil || !semver.MatchString(v) {
				t.Errorf("%v: version of %s = %q, %v", r, n, v, err)
			}
		}
	}
	for _, tc := range []struct {
		r          Releases
		name, want string
	}{
		{Releases{Knative: "1.21", KEDA: "2.19"}, ServingController, "v0.48.0"},
		{Releases{Knative: "1.21", KEDA: "2.19"}, KEDAAdapter, "v2.19.0"},
		{Releases{Knative: "1.23", KEDA: "2.21"}, ServingActivator, "v0.50.0"},
		{Releases{Knative: "1.23", KEDA: "2.21"}, KEDAWebhooks, "v2.21.0"},
		{Releases{Knative: "1.21", KEDA: "2.21"}, KubeAPIServer, "v1.34.3"},
	} {
		if got, err := tc.r.Version(tc.name); err != nil || got != tc.want {
			t.Errorf("%v: version of %s = %q, %v; want %s", tc.r, tc.name, got, err, tc.want)
		}
	}
}

// A release without its wrapper module, or a binary not built, is refused
// with what to do about it.
func TestSelectionErrors(t *testing.T) {
	t.Setenv(ReleasesEnv, "knative-1.99")
	_, err := SelectedReleases()
	if err == nil || !strings.Contains(err.Error(), "no wrapper module hack/cluster/serving-1.99") || !strings.Contains(err.Error(), "hack/cluster/serving-1.21") {
		t.Errorf("SelectedReleases with knative-1.99: %v", err)
	}
	if _, err := BinaryPath(t.TempDir(), KEDAOperator); err == nil || !strings.Contains(err.Error(), "serving-1.99") {
		t.Errorf("BinaryPath with knative-1.99: %v", err)
	}

	t.Setenv(ReleasesEnv, "keda-2.19,knative-1.21")
	dir := t.TempDir()
	_, err = BinaryPath(dir, KEDAAdapter)
	want := "keda-adapter v2.19.0 not found at " + filepath.Join(dir, "keda-adapter-v2.19.0") + ": run SERVING_KEDA_VERSIONS=knative-1.21,keda-2.19 hack/build-cluster.sh keda-adapter"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("BinaryPath of a missing binary: %v\nwant %s", err, want)
	}
	if err := os.WriteFile(filepath.Join(dir, "keda-adapter-v2.19.0"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if p, err := BinaryPath(dir, KEDAAdapter); err != nil || p != filepath.Join(dir, "keda-adapter-v2.19.0") {
		t.Errorf("BinaryPath of a present binary = %q, %v", p, err)
	}
}
