/*
Copyright The serving-keda Authors

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

package cluster

import (
	"net"
	"strconv"
	"testing"
)

func TestFreePortsNotEphemeral(t *testing.T) {
	below := portsBelow()
	seen := map[int]bool{}
	for range 50 {
		ps, err := freePorts(3)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if p >= below || p < 1024 {
				t.Fatalf("port %d is not below the ephemeral range (from %d)", p, below)
			}
			if seen[p] {
				t.Fatalf("port %d handed out twice", p)
			}
			seen[p] = true
		}
	}
	// At the top of the range the walk wraps to its bottom, never above.
	ports.Lock()
	ports.next = ports.hi - 2
	ports.Unlock()
	ps, err := freePorts(5)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p >= below {
			t.Fatalf("port %d is not below the ephemeral range (from %d)", p, below)
		}
	}

	// A port held by someone else is skipped.
	ports.Lock()
	next := ports.next // what FreePort tries first
	ports.Unlock()
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(next)))
	if err == nil { // else someone else holds it, as well
		defer l.Close()
	}
	p, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	if p == next {
		t.Fatalf("FreePort returned %d, which is bound", p)
	}
}
