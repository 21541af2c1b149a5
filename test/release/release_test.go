//go:build release

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

// Package release checks the release YAML hack/release.sh builds, on the
// local control plane.
package release

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"regexp"
	"testing"
	"time"

	apierrs "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"

	"github.com/serving-keda/serving-keda/test/cluster"
)

// digestRef is an image by digest, as ko resolve writes it: the repository
// ko pushed to, the binary's base name (--base-import-paths), the digest.
var digestRef = regexp.MustCompile(`^[^/\s]+/[^\s@]+/autoscaler-keda@sha256:[0-9a-f]{64}$`)

// TestReleaseYAML server-side-dry-run-applies every object of release.yaml
// ($RELEASE_YAML): the API server validates each, as `kubectl apply
// --server-side --dry-run=server -f release.yaml` would, and writes nothing.
func TestReleaseYAML(t *testing.T) {
	path := os.Getenv("RELEASE_YAML")
	if path == "" {
		t.Fatal("RELEASE_YAML is not set: `make release-check` builds release.yaml with hack/release.sh --local and runs this test")
	}
	objs := readObjects(t, path)

	start := time.Now()
	c := cluster.StartForTest(t, cluster.Options{SkipKEDA: true, SkipKEDAWebhook: true})
	t.Logf("control plane up in %v", time.Since(start).Round(time.Millisecond))

	ctx := context.Background()
	cfg := c.RESTConfig()
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	disco, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	groups, err := restmapper.GetAPIGroupResources(disco)
	if err != nil {
		t.Fatal(err)
	}
	mapper := restmapper.NewDiscoveryRESTMapper(groups)

	applied := time.Now()
	var images []string
	for _, obj := range objs {
		gvk := obj.GroupVersionKind()
		m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			t.Fatalf("%s %s: %v", gvk.Kind, obj.GetName(), err)
		}
		var ri dynamic.ResourceInterface = dyn.Resource(m.Resource)
		if m.Scope.Name() == meta.RESTScopeNameNamespace {
			ri = dyn.Resource(m.Resource).Namespace(obj.GetNamespace())
		}
		data, err := obj.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		got, err := ri.Patch(ctx, obj.GetName(), types.ApplyPatchType, data, metav1.PatchOptions{
			DryRun: []string{metav1.DryRunAll}, FieldManager: "release-check", Force: ptrTo(true),
		})
		if err != nil {
			t.Errorf("server-side dry-run apply of %s %s/%s: %v", gvk.Kind, obj.GetNamespace(), obj.GetName(), err)
			continue
		}
		t.Logf("%s %s/%s: accepted", gvk.Kind, obj.GetNamespace(), obj.GetName())
		if gvk.Kind != "Deployment" {
			continue
		}
		containers, _, _ := unstructured.NestedSlice(got.Object, "spec", "template", "spec", "containers")
		for _, ctr := range containers {
			image, _, _ := unstructured.NestedString(ctr.(map[string]interface{}), "image")
			images = append(images, image)
			if !digestRef.MatchString(image) {
				t.Errorf("Deployment %s: image %q, want <registry>/…/autoscaler-keda@sha256:<digest>", obj.GetName(), image)
			}
		}
		// A dry run writes nothing.
		if _, err := ri.Get(ctx, obj.GetName(), metav1.GetOptions{}); !apierrs.IsNotFound(err) {
			t.Errorf("Deployment %s after a dry run: %v, want NotFound", obj.GetName(), err)
		}
	}
	if len(images) != 1 {
		t.Errorf("release.yaml's Deployments run images %v, want exactly one", images)
	}
	t.Logf("%d objects dry-run applied in %v; image %v", len(objs), time.Since(applied).Round(time.Millisecond), images)
}

func readObjects(t *testing.T, path string) []*unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []*unstructured.Unstructured
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		obj := &unstructured.Unstructured{}
		if err := utilyaml.Unmarshal(doc, &obj.Object); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(obj.Object) == 0 {
			continue
		}
		out = append(out, obj)
	}
	if len(out) == 0 {
		t.Fatalf("%s holds no objects", path)
	}
	return out
}

func ptrTo[T any](v T) *T { return &v }
