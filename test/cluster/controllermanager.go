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
	"fmt"
	"path/filepath"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// kube-controller-manager, with the admin kubeconfig and without leader
// election, running only the controllers a test's components need: the
// defaults below, the HPA controller with Options.HPAController, Serving's
// and kwok's additions (ServingControllers, KwokControllers). It signs
// ServiceAccount tokens with the API server's key pair.

// DefaultControllers are the kube-controller-manager controllers started.
var DefaultControllers = []string{
	"deployment-controller",
	"replicaset-controller",
	"garbage-collector-controller",
	"namespace-controller",
	"serviceaccount-controller",
	"serviceaccount-token-controller",
	"root-ca-certificate-publisher-controller",
}

func (c *Cluster) startControllerManager(ctx context.Context) error {
	t0 := time.Now()
	controllers := append(append([]string{}, DefaultControllers...), c.opts.ExtraControllers...)
	if c.opts.HPAController {
		controllers = append(controllers, "horizontal-pod-autoscaler-controller")
	}
	if c.opts.Serving {
		controllers = append(controllers, ServingControllers...)
	}
	if c.opts.Kwok {
		controllers = append(controllers, KwokControllers...)
	}
	args := append([]string{
		"--kubeconfig=" + c.kubeconfig,
		"--leader-elect=false",
		"--secure-port=0",
		"--controllers=" + strings.Join(controllers, ","),
		"--service-account-private-key-file=" + filepath.Join(c.workDir, "apiserver", "sa-signer.key"),
		"--root-ca-file=" + c.caFile,
		"--kube-api-qps=200",
		"--kube-api-burst=400",
		"--v=2",
	}, c.opts.ControllerManagerArgs...)
	var err error
	if c.ControllerManager, err = c.StartProcess(KubeControllerManager, c.bin(KubeControllerManager), args, nil); err != nil {
		return err
	}
	if err := c.waitControllerManager(ctx); err != nil {
		return err
	}
	c.opts.logf("cluster: kube-controller-manager ready in %v", time.Since(t0).Round(time.Millisecond))
	return nil
}

func (c *Cluster) waitControllerManager(ctx context.Context) error {
	// Ready when its controllers have acted: the serviceaccount controller
	// made "default" in namespace default, and the root-ca publisher wrote
	// kube-root-ca.crt there.
	var last error
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, c.opts.StartTimeout, true, func(ctx context.Context) (bool, error) {
		if err := c.ControllerManager.unexpectedExit(); err != nil {
			return false, err
		}
		if _, last = c.client.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{}); last != nil {
			return false, nil
		}
		if _, last = c.client.CoreV1().ConfigMaps("default").Get(ctx, "kube-root-ca.crt", metav1.GetOptions{}); last != nil {
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("kube-controller-manager not ready: %w (last: %v)\n%s", err, last, tailFile(c.ControllerManager.LogPath, 20))
	}
	return nil
}
