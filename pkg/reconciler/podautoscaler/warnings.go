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

package podautoscaler

import (
	"context"
	"sync"

	"go.uber.org/zap"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	kubeclient "knative.dev/pkg/client/injection/kube/client"
	"knative.dev/pkg/injection"
	"knative.dev/pkg/logging"
)

// onceKube is the kube client with each distinct API warning logged once.
// The scale-to-zero scraper reads the activators' Endpoints every scrape
// period, and the API server warns that v1 Endpoints is deprecated on every
// read: a Warning line a second otherwise.
func onceKube(ctx context.Context) kubernetes.Interface {
	cfg := injection.GetConfig(ctx)
	if cfg == nil {
		return kubeclient.Get(ctx)
	}
	cfg = rest.CopyConfig(cfg)
	cfg.WarningHandler = &onceWarnings{logger: logging.FromContext(ctx)}
	kc, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return kubeclient.Get(ctx)
	}
	return kc
}

// onceWarnings logs each distinct API warning once.
type onceWarnings struct {
	logger *zap.SugaredLogger
	seen   sync.Map
}

var _ rest.WarningHandler = (*onceWarnings)(nil)

// HandleWarningHeader implements rest.WarningHandler.
func (w *onceWarnings) HandleWarningHeader(code int, _ string, text string) {
	if code != 299 || text == "" {
		return
	}
	if _, said := w.seen.LoadOrStore(text, struct{}{}); !said {
		w.logger.Warnw("API warning (logged once)", zap.String("warning", text))
	}
}
