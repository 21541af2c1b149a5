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

package contender

import (
	"testing"

	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/result"
)

func TestClassifyPlayer(t *testing.T) {
	if got := Classify("admin", result.PlayerClient); got != result.PlayerClient {
		t.Errorf("classify(keda-player) = %q", got)
	}
	if got := Classify("admin", "keda-operator-v2.19.0/v0.0.0"); got != "keda-operator" {
		t.Errorf("classify(keda-operator) = %q", got)
	}
}
