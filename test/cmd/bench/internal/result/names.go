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

package result

// Contenders.
const (
	KEDA = "autoscaler-keda" // this project's controller
	HPA  = "autoscaler-hpa"  // Serving's, the component it replaces
	Bare = "bare"            // a client that only creates ScaledObjects
)

// The played KEDA profile: KEDA's operator does not run, the benchmark's
// KEDA player (client PlayerClient, PlayerWorkers workers) writes its HPAs
// and ScaledObject status instead.
const (
	Played        = "played"
	PlayerClient  = "keda-player"
	PlayerWorkers = 32
)

// KEDAClient is the audit-log client that does KEDA's work in a run.
func (r *Result) KEDAClient() string {
	if r.KEDAProfile == Played {
		return PlayerClient
	}
	return "keda-operator"
}
