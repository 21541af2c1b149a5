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
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
)

// Ports handed to processes that bind them later come from below the
// kernel's ephemeral range. A port picked with ":0" comes from that range, so
// between the pick and the process's own bind any outgoing connection (the
// control plane makes thousands) may take it as its local port: CI once saw
// the controller's external-push scaler fail with "address already in use"
// that way. Outgoing connections never take a port outside the range.
var ports struct {
	sync.Mutex
	next, lo, hi int
	given        map[int]bool
}

// portsBelow is the lowest ephemeral port, read from the kernel (the
// setting is per network namespace; a fresh one has the default).
func portsBelow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if lo, err := strconv.Atoi(f[0]); err == nil {
				return lo
			}
		}
	}
	return 32768
}

// freePorts returns n distinct TCP ports on 127.0.0.1 that are free now and
// are not ephemeral ports; none is handed out twice by this process.
func freePorts(n int) ([]int, error) {
	ports.Lock()
	defer ports.Unlock()
	if ports.given == nil {
		ports.hi = portsBelow()
		ports.lo = ports.hi - 12000
		if ports.lo < 1024 {
			ports.lo = 1024
		}
		// A random start keeps two test processes (packages run side by
		// side) from walking the same sequence.
		ports.next = ports.lo + rand.IntN(ports.hi-ports.lo)
		ports.given = map[int]bool{}
	}
	out := make([]int, 0, n)
	for tries := 0; len(out) < n && tries < ports.hi-ports.lo; tries++ {
		p := ports.next
		ports.next++
		if ports.next >= ports.hi {
			ports.next = ports.lo
		}
		if ports.given[p] {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			continue // in use
		}
		l.Close()
		ports.given[p] = true
		out = append(out, p)
	}
	if len(out) < n {
		return nil, fmt.Errorf("no %d free ports in [%d, %d)", n, ports.lo, ports.hi)
	}
	return out, nil
}

// FreePort returns a free TCP port on 127.0.0.1 (for an extra process).
func FreePort() (int, error) {
	p, err := freePorts(1)
	if err != nil {
		return 0, err
	}
	return p[0], nil
}
