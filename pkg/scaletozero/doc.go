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

// Package scaletozero is the one home of scale to zero through Knative's
// activator (docs/scale-to-zero.md), in the order a request's demand
// travels:
//
//   - scrape.go: a Scraper reads every activator's per-revision requests
//     from its Prometheus endpoint, and says whether it can read them at
//     all (the Signal);
//   - policy.go: from that demand and the API state, whether KEDA must keep
//     the last pod (Hold), and the revision's SKS mode and Active condition
//     (Decide), with the KPA's rules and reasons;
//   - server.go: a Server answers KEDA's external-push scaler protocol:
//     active while there is demand or a hold;
//   - run.go: Start wires the three to the controller's informers.
//
// Whether a revision is on this path at all is decided once, by the
// translation (translate.ScaleToZero adds the demand trigger); everything
// here reads it back from the ScaledObject (Enabled).
package scaletozero
