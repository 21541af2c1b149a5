//go:build tools

package tools

import (
	_ "k8s.io/code-generator"
	_ "knative.dev/pkg/codegen/cmd/injection-gen"
	_ "knative.dev/pkg/configmap/hash-gen"
)
