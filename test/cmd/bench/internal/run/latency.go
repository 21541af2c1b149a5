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

package run

import (
	"context"
	"fmt"
	"sort"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"

	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/procstat"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/result"
)

// latencyWindow measures the HPA status -> PA status latency on the idle
// control plane, where the contender writes PA status.
func (r *run) latencyWindow(ctx context.Context, res *result.Result) error {
	if !r.writesStatus() {
		return nil
	}
	meter := procstat.ReadCPUMeter()
	begin := time.Now()
	if err := r.updateLatency(ctx, res); err != nil {
		return err
	}
	res.LatencySeconds = result.Round3(time.Since(begin).Seconds())
	res.ForeignCPULatency = result.Round3(meter.Foreign())
	return nil
}

// updateLatency writes HPA status as the HPA controller would (new current
// and desired replicas) on a sample of the revisions, one at a time, and
// measures how long until the PA reports it.
func (r *run) updateLatency(ctx context.Context, res *result.Result) error {
	keys := make([]string, len(r.revs))
	for i, rev := range r.revs {
		keys[i] = rev.Key()
	}
	sort.Strings(keys)
	var lats []float64
	for i := 0; i < r.opts.Samples; i++ {
		key := keys[(i*7919+i/len(keys))%len(keys)]
		lat, out, err := r.sampleLatency(ctx, key)
		if err != nil {
			return err
		}
		switch out {
		case noHPA:
			continue
		case conflict:
			i-- // the cache was behind: try again
			time.Sleep(100 * time.Millisecond)
			continue
		case timedOut:
			res.UpdateTimeouts++
		case measured:
			lats = append(lats, lat)
		}
		time.Sleep(50 * time.Millisecond)
	}
	sort.Float64s(lats)
	res.UpdateLatencies = result.ToDist(lats)
	res.UpdateLatencyMs = result.Percentiles(lats)
	res.UpdateSamples = len(lats)
	r.logf("HPA status -> PA status: p50 %.1f ms, p99 %.1f ms over %d samples (%d timeouts)",
		res.UpdateLatencyMs.P50, res.UpdateLatencyMs.P99, len(lats), res.UpdateTimeouts)
	return nil
}

// outcome is how one latency sample went.
type outcome int

const (
	measured outcome = iota
	noHPA            // the key has no HPA in the cache: skipped
	conflict         // the cache was behind the HPA
	timedOut         // the PA did not report the change within 10 s
)

// sampleLatency changes the status of key's HPA and returns the
// milliseconds until its PA reports it.
func (r *run) sampleLatency(ctx context.Context, key string) (float64, outcome, error) {
	hpa, ok := r.obs.HPA(key)
	if !ok {
		return 0, noHPA, nil
	}
	v := hpa.Status.CurrentReplicas%4 + 2
	ch, cancel := r.obs.WaitPA(key, func(pa *autoscalingv1alpha1.PodAutoscaler) bool {
		return pa.Status.ActualScale != nil && *pa.Status.ActualScale == v && pa.Status.DesiredScale != nil && *pa.Status.DesiredScale == v
	})
	defer cancel()
	upd := hpa.DeepCopy()
	upd.Status.CurrentReplicas, upd.Status.DesiredReplicas = v, v
	start := time.Now()
	_, err := r.kube.AutoscalingV2().HorizontalPodAutoscalers(upd.Namespace).UpdateStatus(ctx, upd, metav1.UpdateOptions{})
	if apierrors.IsConflict(err) {
		return 0, conflict, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("updating HPA %s status: %w", key, err)
	}
	select {
	case t := <-ch:
		return result.Round3(float64(t.Sub(start).Microseconds()) / 1000), measured, nil
	case <-time.After(10 * time.Second):
		return 0, timedOut, nil
	case <-ctx.Done():
		return 0, 0, ctx.Err()
	}
}
