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
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"knative.dev/pkg/apis"
)

// Limits on JSON annotations. Kubernetes caps all of an object's annotations
// at 256 KiB together; one ScaledObject override needs a few KiB and a depth
// of about 8, so these leave room for real use and none for abuse.
const (
	MaxJSONBytes = 32 << 10
	MaxJSONDepth = 16
)

// jsonKeys are the annotations holding JSON documents.
var jsonKeys = []string{ExtraTriggersAnnotationKey, ScalingModifiersAnnotationKey, ScaleUpRulesAnnotationKey, ScaleDownRulesAnnotationKey, OverrideAnnotationKey}

// checkSizes refuses oversized or too deeply nested JSON annotations before
// anything decodes them.
func checkSizes(anns map[string]string) *apis.FieldError {
	var errs *apis.FieldError
	for _, key := range jsonKeys {
		v, ok := anns[key]
		if !ok {
			continue
		}
		if len(v) > MaxJSONBytes {
			errs = errs.Also(invalidf(key, v, "is %d bytes; at most %d are allowed", len(v), MaxJSONBytes))
		} else if d := jsonDepth(v); d > MaxJSONDepth {
			errs = errs.Also(invalidf(key, v, "nests %d levels deep; at most %d are allowed", d, MaxJSONDepth))
		}
	}
	return errs
}

// jsonDepth is the deepest nesting of objects and arrays in s, counted
// without decoding so a hostile document costs one pass.
func jsonDepth(s string) int {
	depth, deepest := 0, 0
	inString, escaped := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			deepest = max(deepest, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}

// decodeJSON decodes exactly one JSON value into out, refusing unknown
// fields, so a misspelt field is an error rather than silently ignored.
func decodeJSON(s string, out any) error {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("unexpected data after the JSON value")
	}
	return nil
}
