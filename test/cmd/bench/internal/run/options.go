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

// Package run measures the contenders: each on a fresh control plane, N
// PodAutoscalers created at once, then a steady window and the HPA status
// -> PA status latency; and it plans the runs of one invocation.
package run

import (
	"fmt"
	"time"

	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/keda"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/result"
)

// Options are the benchmark's flags.
type Options struct {
	N, QPS, Burst  int
	Contenders     []string
	KEDAProfiles   []string
	KEDAQPS        int
	KEDABurst      int
	KEDAReconciles int
	Steady, Settle time.Duration
	Timeout        time.Duration
	Samples        int
	Namespaces     int
	BareWorkers    int
	Out            string
	KeepLogs       bool
	PprofDir       string
	PprofConverge  time.Duration
	MaxLoad        float64
	LoadWait       time.Duration
	KEDARestart    time.Duration
	MaxForeign     float64
	Retries        int
	TracePA        string
	ControllerEnv  []string
	// NoKEDAWebhook starts the control plane without KEDA's admission webhook.
	NoKEDAWebhook bool
	// ControllerBinary, if set, is run instead of building cmd/autoscaler-keda.
	ControllerBinary string

	hpaBinary       string // Serving's autoscaler-hpa, built by hack/build-cluster.sh
	servingVersion  string
	controllerBuild string
}

// profiles are the KEDA profiles by name.
func (o *Options) profiles() map[string]keda.Profile {
	return map[string]keda.Profile{
		"tuned": {
			Name: "tuned",
			Args: []string{fmt.Sprintf("--kube-api-qps=%d", o.KEDAQPS), fmt.Sprintf("--kube-api-burst=%d", o.KEDABurst)},
			Env:  []string{fmt.Sprintf("KEDA_SCALEDOBJECT_CTRL_MAX_RECONCILES=%d", o.KEDAReconciles)},
		},
		"default":     {Name: "default"},
		result.Played: {Name: result.Played, Played: true},
	}
}

// validate checks the contenders and profiles named.
func (o *Options) validate() error {
	for _, c := range o.Contenders {
		switch c {
		case result.KEDA, result.HPA, result.Bare:
		default:
			return fmt.Errorf("unknown contender %q", c)
		}
	}
	profiles := o.profiles()
	for _, p := range o.KEDAProfiles {
		if _, ok := profiles[p]; !ok {
			return fmt.Errorf("unknown KEDA profile %q (%s, tuned, default)", p, result.Played)
		}
	}
	if len(o.KEDAProfiles) == 0 {
		o.KEDAProfiles = []string{result.Played}
	}
	return nil
}

// planned is one run of the plan: a contender with a KEDA profile.
type planned struct {
	contender string
	profile   keda.Profile
}

// plan is every contender with every KEDA profile for autoscaler-keda, the
// first for bare, none for autoscaler-hpa.
func (o *Options) plan() []planned {
	profiles := o.profiles()
	var plan []planned
	for _, c := range o.Contenders {
		switch c {
		case result.KEDA:
			for _, p := range o.KEDAProfiles {
				plan = append(plan, planned{c, profiles[p]})
			}
		case result.Bare:
			plan = append(plan, planned{c, profiles[o.KEDAProfiles[0]]})
		default:
			plan = append(plan, planned{c, keda.Profile{}})
		}
	}
	return plan
}
