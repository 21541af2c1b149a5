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

	"github.com/serving-keda/serving-keda/pkg/config"
	"github.com/serving-keda/serving-keda/test/deploy"
)

// StartAutoscalerKEDA installs this project's controller (config/'s RBAC and
// config maps, test/deploy) and runs binary under its ServiceAccount, with
// extraEnv (K=V) added.
func StartAutoscalerKEDA(ctx context.Context, e Env, binary string, extraEnv []string) (*Process, error) {
	if err := deploy.Install(ctx, e.Cluster); err != nil {
		return nil, err
	}
	if err := updateConfigMap(ctx, e.Kube, config.KEDAConfigName, map[string]string{config.PrometheusAddressKey: e.PromURL}); err != nil {
		return nil, err
	}
	p, env, err := observable(ctx, e.Kube)
	if err != nil {
		return nil, err
	}
	if p.Process, err = deploy.Start(ctx, e.Cluster, binary, deploy.Options{
		QPS: e.QPS, Burst: e.Burst, Env: append(env, extraEnv...),
	}); err != nil {
		return nil, err
	}
	e.Logf("autoscaler-keda running (pid %d) under ServiceAccount %s/%s", p.PID(), deploy.SystemNamespace, deploy.ServiceAccount)
	return p, nil
}
