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

package harness

import (
	"context"
	"fmt"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/wait"
)

// Timeouts of a step, about three times the slowest seen on a loaded
// 2-core machine, rounded up (the controller reacts in well under a
// second, KEDA's operator in about one).
const (
	// ControllerTimeout bounds the controller's reaction to a change.
	ControllerTimeout = 5 * time.Second
	// KEDATimeout bounds a step that waits for KEDA's operator (an HPA, a
	// ScaledObject condition, a Prometheus query).
	KEDATimeout = 10 * time.Second
)

// Cond is a condition polled until it holds; why says what it saw, for the
// message when it never holds.
type Cond func() (ok bool, why string)

// Poll checks cond every interval until it holds (nil), ctx ends or
// timeout passes (an error with the last why).
func Poll(ctx context.Context, every, timeout time.Duration, cond Cond) error {
	var last string
	err := wait.PollUntilContextTimeout(ctx, every, timeout, true, func(context.Context) (bool, error) {
		ok, why := cond()
		last = why
		return ok, nil
	})
	if err != nil {
		return fmt.Errorf("not within %v: %s", timeout, last)
	}
	return nil
}

// Eventually polls cond every 50ms until it holds, failing t after
// timeout with what and the last reason cond gave.
func Eventually(t testing.TB, timeout time.Duration, what string, cond Cond) {
	t.Helper()
	EventuallyEvery(t, 50*time.Millisecond, timeout, what, cond)
}

// EventuallyEvery is Eventually polling every every (for conditions that
// list many objects).
func EventuallyEvery(t testing.TB, every, timeout time.Duration, what string, cond Cond) {
	t.Helper()
	if err := Poll(context.Background(), every, timeout, cond); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// Get polls get until it succeeds and returns what it got; t fails after
// timeout with what and get's last error.
func Get[T any](t testing.TB, timeout time.Duration, what string, get func() (T, error)) T {
	t.Helper()
	var got T
	Eventually(t, timeout, what, func() (bool, string) {
		var err error
		got, err = get()
		if err != nil {
			return false, err.Error()
		}
		return true, ""
	})
	return got
}

// NotFound polls get until it returns NotFound.
func NotFound(t testing.TB, timeout time.Duration, what string, get func() error) {
	t.Helper()
	Eventually(t, timeout, what+" gone", func() (bool, string) {
		err := get()
		if apierrors.IsNotFound(err) {
			return true, ""
		}
		return false, fmt.Sprintf("still there (err %v)", err)
	})
}
