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

// Package probe asks a local process's health or readiness endpoint, as
// the kubelet would. It imports nothing of the harness, so that every
// layer (test/deploy starting the controller, the benchmark starting
// autoscaler-hpa) can use it.
package probe

import (
	"context"
	"net/http"
	"time"
)

// Timeout bounds one probe, as a kubelet's timeoutSeconds does.
const Timeout = time.Second

// Status GETs url and returns the response's status code, or 0 when
// nothing answers within Timeout.
func Status(ctx context.Context, url string) int {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// OK reports whether url answers 200.
func OK(ctx context.Context, url string) bool {
	return Status(ctx, url) == http.StatusOK
}
