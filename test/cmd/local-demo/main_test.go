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

package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

func TestProfileAt(t *testing.T) {
	p := profile{
		first:  []step{{value: 5, length: 20 * time.Second}},
		repeat: []step{{value: 45, length: 60 * time.Second}, {value: 5, length: 60 * time.Second}},
	}
	for _, tc := range []struct {
		at        time.Duration
		wantIndex int
		wantValue float64
	}{
		{0, 0, 5},
		{19 * time.Second, 0, 5},
		{20 * time.Second, 1, 45},
		{79 * time.Second, 1, 45},
		{80 * time.Second, 2, 5},
		{139 * time.Second, 2, 5},
		{140 * time.Second, 3, 45},
		{200 * time.Second, 4, 5},
		{20*time.Second + 10*120*time.Second + 61*time.Second, 22, 5},
	} {
		i, s := p.at(tc.at)
		if i != tc.wantIndex || s.value != tc.wantValue {
			t.Errorf("at(%v) = step %d value %g, want step %d value %g", tc.at, i, s.value, tc.wantIndex, tc.wantValue)
		}
	}
}

func TestDesiredPods(t *testing.T) {
	// target 10, scale 1-5.
	for load, want := range map[float64]int{0: 1, 5: 1, 10: 1, 10.5: 2, 25: 3, 45: 5, 1000: 5} {
		if got := desiredPods(load); got != want {
			t.Errorf("desiredPods(%g) = %d, want %d", load, got, want)
		}
	}
}

// A pod list and an empty HPA list as the API server renders them for
// kubectl (trimmed), and one a CRD's convertor renders with a missing value.
const (
	podTable = `{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{},
"columnDefinitions":[
 {"name":"Name","type":"string","format":"name","description":"","priority":0},
 {"name":"Ready","type":"string","format":"","description":"","priority":0},
 {"name":"Status","type":"string","format":"","description":"","priority":0},
 {"name":"Restarts","type":"string","format":"","description":"","priority":0},
 {"name":"Age","type":"string","format":"","description":"","priority":0},
 {"name":"IP","type":"string","format":"","description":"","priority":1}],
"rows":[
 {"cells":["hello-00001-deployment-7d9f-abcde","2/2","Running","0","75s","10.244.0.2"],"object":{"kind":"PartialObjectMetadata"}},
 {"cells":["hello-00001-deployment-7d9f-fghij","0/2","Pending","0","1s","<none>"],"object":{"kind":"PartialObjectMetadata"}}]}`
	hpaTable = `{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{},
"columnDefinitions":[{"name":"Name","type":"string","format":"name","description":"","priority":0}],"rows":[]}`
	soTable = `{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{},
"columnDefinitions":[
 {"name":"Name","type":"string","format":"name","description":"","priority":0},
 {"name":"Min","type":"integer","format":"","description":"","priority":0},
 {"name":"Ready","type":"string","format":"","description":"","priority":0}],
"rows":[{"cells":["hello-00001",1,null],"object":{"kind":"PartialObjectMetadata"}}]}`
)

func TestGetTables(t *testing.T) {
	answers := map[string]string{
		"/apis/keda.sh/v1alpha1/namespaces/demo/scaledobjects":               soTable,
		"/apis/autoscaling/v2/namespaces/demo/horizontalpodautoscalers":      hpaTable,
		"/api/v1/namespaces/demo/pods":                                       podTable,
		"/apis/serving.knative.dev/v1/namespaces/demo/services":              hpaTable,
		"/apis/serving.knative.dev/v1/namespaces/elsewhere/services":         hpaTable,
		"/apis/keda.sh/v1alpha1/namespaces/elsewhere/scaledobjects":          hpaTable,
		"/apis/autoscaling/v2/namespaces/elsewhere/horizontalpodautoscalers": hpaTable,
		"/api/v1/namespaces/elsewhere/pods":                                  hpaTable,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Accept"); got != tableAccept {
			t.Errorf("%s: Accept %q, want %q", r.URL.Path, got, tableAccept)
		}
		body, ok := answers[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()
	kube, err := kubernetes.NewForConfig(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	client := kube.CoreV1().RESTClient()

	got, err := getTables(context.Background(), client, "demo", demoResources)
	if err != nil {
		t.Fatal(err)
	}
	// The ksvc and HPA lists are empty: left out. The IP column is -o wide.
	want := `NAME                               MIN   READY
scaledobject.keda.sh/hello-00001   1

NAME                                    READY   STATUS    RESTARTS   AGE
pod/hello-00001-deployment-7d9f-abcde   2/2     Running   0          75s
pod/hello-00001-deployment-7d9f-fghij   0/2     Pending   0          1s
`
	if got != want {
		t.Errorf("getTables =\n%s\nwant\n%s", got, want)
	}

	got, err = getTables(context.Background(), client, "elsewhere", demoResources)
	if err != nil {
		t.Fatal(err)
	}
	if want := "No resources found in elsewhere namespace.\n"; got != want {
		t.Errorf("getTables of empty lists = %q, want %q", got, want)
	}

	if _, err := getTables(context.Background(), client, "missing", demoResources); err == nil {
		t.Error("getTables of a namespace the server does not know: no error")
	}
}

func TestDecodeTableRefusesOtherKinds(t *testing.T) {
	if _, err := decodeTable([]byte(`{"kind":"PodList","apiVersion":"v1","items":[]}`)); err == nil {
		t.Error("decodeTable of a PodList: no error (the server ignored the Table Accept header)")
	}
}
