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

package procstat

import (
	"testing"
	"time"
)

func TestCPUMeter(t *testing.T) {
	if MachineBusy() <= 0 {
		t.Fatal("MachineBusy read nothing from /proc/stat")
	}
	m := ReadCPUMeter()
	deadline := time.Now().Add(200 * time.Millisecond)
	for x := 0; time.Now().Before(deadline); x++ {
		_ = x * x
	}
	if now := ReadCPUMeter(); now.Mine() <= m.Mine() {
		t.Errorf("the test's own CPU did not grow: %v then %v", m.Mine(), now.Mine())
	}
	if f := m.Foreign(); f < 0 {
		t.Errorf("foreign CPU %v < 0", f)
	}
}
