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
	"context"
	"sync/atomic"

	kedaclientset "github.com/kedacore/keda/v2/pkg/generated/clientset/versioned"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	asconfig "knative.dev/serving/pkg/autoscaler/config"
	servingclientset "knative.dev/serving/pkg/client/clientset/versioned"

	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/pkg/translate"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/keyworkers"
	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/workload"
)

// bareClient is the lower bound: a client that does nothing but create the
// ScaledObject this project's translation computes for each new PA, with
// many workers, limited only by the same client QPS and burst.
type bareClient struct {
	*keyworkers.Workers
	keda     kedaclientset.Interface
	cfg      *config.Config
	failures atomic.Int64
}

// TranslateConfig is the configuration the bare client translates PAs
// with: Serving's autoscaler defaults and promURL as KEDA's Prometheus.
func TranslateConfig(promURL string) (*config.Config, error) {
	as, err := asconfig.NewConfigFromMap(nil)
	if err != nil {
		return nil, err
	}
	kcfg, err := config.NewKEDAFromMap(map[string]string{config.PrometheusAddressKey: promURL})
	if err != nil {
		return nil, err
	}
	return &config.Config{Autoscaler: as, KEDA: kcfg}, nil
}

// StartBare starts the bare client (rc's cluster, e's limits, workers
// concurrent requests) until ctx ends.
func StartBare(ctx context.Context, e Env, rc *rest.Config, workers int) error {
	rc = rest.CopyConfig(rc)
	rc.UserAgent = bareAgent
	rc.QPS, rc.Burst = float32(e.QPS), e.Burst
	sc, err := servingclientset.NewForConfig(rc)
	if err != nil {
		return err
	}
	kc, err := kedaclientset.NewForConfig(rc)
	if err != nil {
		return err
	}
	cfg, err := TranslateConfig(e.PromURL)
	if err != nil {
		return err
	}
	pas := sc.AutoscalingV1alpha1().PodAutoscalers("")
	b := &bareClient{
		Workers: keyworkers.New(cache.NewSharedIndexInformer(keyworkers.ListWatch(pas.List, pas.Watch), &autoscalingv1alpha1.PodAutoscaler{}, 0, cache.Indexers{})),
		keda:    kc,
		cfg:     cfg,
	}
	return b.Start(ctx, "bare client", cache.ResourceEventHandlerFuncs{AddFunc: b.Enqueue}, workers, b.create, func(key string, err error) {
		if n := b.failures.Add(1); n <= 10 {
			e.Logf("bare client: %s: %v", key, err)
		}
	})
}

func (b *bareClient) create(ctx context.Context, key string) error {
	obj, err := b.Get(key)
	if obj == nil {
		return err
	}
	so, err := translate.ScaledObject(translate.Input{PA: obj.(*autoscalingv1alpha1.PodAutoscaler), Config: b.cfg, Workload: workload.Shape})
	if err != nil {
		return err
	}
	_, err = b.keda.KedaV1alpha1().ScaledObjects(so.Namespace).Create(ctx, so, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}
