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

import "time"

// step is a load held for a while.
type step struct {
	value  float64
	length time.Duration
}

// profile is a load over time: the steps of first once, then those of
// repeat over and over.
type profile struct {
	first, repeat []step
}

// at returns the step in force d after the profile started, and its index
// counted from the start (it grows with every step, repeated ones too, so
// a change of step is a change of index). repeat must not be empty.
func (p profile) at(d time.Duration) (int, step) {
	i := 0
	for _, s := range p.first {
		if d < s.length {
			return i, s
		}
		d -= s.length
		i++
	}
	var cycle time.Duration
	for _, s := range p.repeat {
		cycle += s.length
	}
	n := int(d / cycle)
	d -= time.Duration(n) * cycle
	i += n * len(p.repeat)
	for _, s := range p.repeat {
		if d < s.length {
			return i, s
		}
		d -= s.length
		i++
	}
	// Unreachable: d < cycle.
	return i, p.repeat[len(p.repeat)-1]
}
