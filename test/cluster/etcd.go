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
	"context"
	"os"
	"path/filepath"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// etcd, for kube-apiserver alone: controller-runtime's envtest starts it
// (on a free port of localhost, with --unsafe-no-fsync when the binary has
// it) right before the API server, so its start-up here only configures
// it: binary, data directory under WorkDir, log.
func (c *Cluster) configureEtcd(context.Context) error {
	dir := filepath.Join(c.workDir, "etcd")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	log, err := c.openLog(Etcd)
	if err != nil {
		return err
	}
	c.env = &envtest.Environment{
		ControlPlane: envtest.ControlPlane{
			Etcd: &envtest.Etcd{Path: c.bin(Etcd), DataDir: dir, Out: log, Err: log},
		},
		ControlPlaneStartTimeout: c.opts.StartTimeout,
		ControlPlaneStopTimeout:  30 * time.Second,
	}
	return nil
}
