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

package translate

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"knative.dev/pkg/apis"
	"knative.dev/serving/pkg/apis/autoscaling"
)

// maxShownValue bounds how much of a bad value an error repeats: enough to
// recognise it, not a 64 KiB JSON document in a condition message.
const maxShownValue = 120

// invalid is the error for annotation key holding value, with why it is wrong.
func invalid(key, value, why string) *apis.FieldError {
	return &apis.FieldError{
		Message: fmt.Sprintf("invalid value: %s", shorten(value)),
		Paths:   []string{key},
		Details: why,
	}
}

// invalidf is invalid with a formatted reason.
func invalidf(key, value, format string, args ...any) *apis.FieldError {
	return invalid(key, value, fmt.Sprintf(format, args...))
}

func shorten(v string) string {
	if len(v) <= maxShownValue {
		return quoteIfNeeded(v)
	}
	return quoteIfNeeded(v[:maxShownValue]) + "…"
}

// quoteIfNeeded quotes a value that would otherwise be hard to see in a message.
func quoteIfNeeded(v string) string {
	if v == "" || strings.ContainsFunc(v, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) {
		return fmt.Sprintf("%q", v)
	}
	return v
}

// Keys returns the annotation keys an error from ScaledObject names, sorted.
func Keys(err error) []string {
	var fe *apis.FieldError
	if !errors.As(err, &fe) {
		return nil
	}
	seen := map[string]bool{}
	for _, e := range fe.WrappedErrors() {
		for _, p := range e.Paths {
			// Serving writes some details into the path
			// ("…/initial-scale=0 not allowed by cluster"): keep the key.
			if i := strings.IndexFunc(p, func(r rune) bool { return r == '=' || unicode.IsSpace(r) }); i > 0 {
				p = p[:i]
			}
			seen[p] = true
		}
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Reason is a condition reason for an error from ScaledObject: Invalid
// followed by the annotation's name in CamelCase when one annotation is at
// fault ("InvalidPrometheusQuery"), InvalidAnnotations when several are.
func Reason(err error) string {
	keys := Keys(err)
	if len(keys) != 1 {
		return "InvalidAnnotations"
	}
	name := keys[0]
	name = strings.TrimPrefix(name, autoscaling.GroupName+"/")
	var b strings.Builder
	b.WriteString("Invalid")
	upper := true
	for _, r := range name {
		switch {
		case r == '-' || r == '.' || r == '/' || r == '_':
			upper = true
		case upper:
			b.WriteRune(unicode.ToUpper(r))
			upper = false
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
