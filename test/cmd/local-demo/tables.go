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
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

// The demo prints what kubectl would, without kubectl: like kubectl get,
// it asks the API server for each list as a Table (the server's own
// printer columns: the built-in ones for pods and HPAs, the CRDs'
// additionalPrinterColumns for ksvcs and ScaledObjects) and renders it.

// tableAccept asks for the server-side Table rendering of a list.
const tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io"

// resource is a kind to list: the name kubectl get takes, the prefix
// kubectl puts before each name when it prints several kinds, and the
// list's path in a namespace.
type resource struct {
	short  string
	prefix string
	path   string // with one %s, the namespace
}

var (
	ksvcList = resource{"ksvc", "service.serving.knative.dev", "/apis/serving.knative.dev/v1/namespaces/%s/services"}
	sksList  = resource{"sks", "serverlessservice.networking.internal.knative.dev", "/apis/networking.internal.knative.dev/v1alpha1/namespaces/%s/serverlessservices"}
	soList   = resource{"scaledobjects", "scaledobject.keda.sh", "/apis/keda.sh/v1alpha1/namespaces/%s/scaledobjects"}
	hpaList  = resource{"hpa", "horizontalpodautoscaler.autoscaling", "/apis/autoscaling/v2/namespaces/%s/horizontalpodautoscalers"}
	podList  = resource{"pods", "pod", "/api/v1/namespaces/%s/pods"}
)

// demoResources are `kubectl get ksvc,scaledobjects,hpa,pods`.
var demoResources = []resource{ksvcList, soList, hpaList, podList}

// getTables lists each resource in ns as a Table and renders them one
// after the other, as kubectl get does.
func getTables(ctx context.Context, client rest.Interface, ns string, resources []resource) (string, error) {
	tables := make([]*metav1.Table, 0, len(resources))
	for _, r := range resources {
		raw, err := client.Get().AbsPath(fmt.Sprintf(r.path, ns)).SetHeader("Accept", tableAccept).Do(ctx).Raw()
		if err != nil {
			return "", fmt.Errorf("listing %s: %w", r.prefix, err)
		}
		t, err := decodeTable(raw)
		if err != nil {
			return "", fmt.Errorf("listing %s: %w", r.prefix, err)
		}
		tables = append(tables, t)
	}
	return renderTables(ns, resources, tables), nil
}

// decodeTable decodes a Table, keeping numbers as the server wrote them.
func decodeTable(raw []byte) (*metav1.Table, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var t metav1.Table
	if err := d.Decode(&t); err != nil {
		return nil, err
	}
	if t.Kind != "Table" {
		return nil, fmt.Errorf("the API server answered a %q, not a Table", t.Kind)
	}
	return &t, nil
}

// renderTables renders tables[i] (of resources[i]) as kubectl get prints
// several kinds (without trailing blanks): the columns of priority 0 (the others are -o wide),
// headers in capitals, each name prefixed with its kind, a blank line
// between kinds, and kinds without objects left out.
func renderTables(ns string, resources []resource, tables []*metav1.Table) string {
	var b strings.Builder
	for i, t := range tables {
		if len(t.Rows) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		w := tabwriter.NewWriter(&b, 0, 8, 3, ' ', 0)
		var cols []int
		var header []string
		for j, c := range t.ColumnDefinitions {
			if c.Priority == 0 {
				cols = append(cols, j)
				header = append(header, strings.ToUpper(c.Name))
			}
		}
		fmt.Fprintln(w, strings.Join(header, "\t"))
		for _, row := range t.Rows {
			cells := make([]string, 0, len(cols))
			for _, j := range cols {
				cell := ""
				if j < len(row.Cells) {
					cell = cellString(row.Cells[j])
				}
				if t.ColumnDefinitions[j].Format == "name" {
					cell = resources[i].prefix + "/" + cell
				}
				cells = append(cells, cell)
			}
			fmt.Fprintln(w, strings.Join(cells, "\t"))
		}
		_ = w.Flush() // a strings.Builder does not fail
	}
	if b.Len() == 0 {
		return fmt.Sprintf("No resources found in %s namespace.\n", ns)
	}
	// An empty last cell leaves the padding of the one before it.
	lines := strings.Split(b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// cellString renders a cell: a missing value (a CRD column whose path
// has none) as nothing.
func cellString(c any) string {
	switch v := c.(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}
