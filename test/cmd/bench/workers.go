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

import (
	"context"
	"fmt"

	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// keyWorkers feeds the keys of an informer's objects to a pool of workers,
// as a controller does: the bare client and the KEDA player are built on it.
type keyWorkers struct {
	informer cache.SharedIndexInformer
	queue    workqueue.TypedRateLimitingInterface[string]
}

func newKeyWorkers(informer cache.SharedIndexInformer) *keyWorkers {
	return &keyWorkers{
		informer: informer,
		queue:    workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]()),
	}
}

// enqueue adds obj's key.
func (k *keyWorkers) enqueue(obj any) {
	if key, err := cache.MetaNamespaceKeyFunc(obj); err == nil {
		k.queue.Add(key)
	}
}

// start runs the informer with handler, waits for it to sync, and starts
// workers that call do for each key until ctx ends; a key do fails on is
// retried with backoff after onErr saw the error.
func (k *keyWorkers) start(ctx context.Context, what string, handler cache.ResourceEventHandler, workers int,
	do func(context.Context, string) error, onErr func(key string, err error)) error {
	if _, err := k.informer.AddEventHandler(handler); err != nil {
		return err
	}
	go k.informer.RunWithContext(ctx)
	if !cache.WaitForCacheSync(ctx.Done(), k.informer.HasSynced) {
		return fmt.Errorf("%s: informer did not sync", what)
	}
	for w := 0; w < workers; w++ {
		go k.work(ctx, do, onErr)
	}
	go func() {
		<-ctx.Done()
		k.queue.ShutDown()
	}()
	return nil
}

func (k *keyWorkers) work(ctx context.Context, do func(context.Context, string) error, onErr func(string, error)) {
	for {
		key, quit := k.queue.Get()
		if quit {
			return
		}
		if err := do(ctx, key); err != nil && ctx.Err() == nil {
			onErr(key, err)
			k.queue.AddRateLimited(key)
		} else {
			k.queue.Forget(key)
		}
		k.queue.Done(key)
	}
}

// get returns the informer's object for key, or nil.
func (k *keyWorkers) get(key string) (any, error) {
	obj, ok, err := k.informer.GetStore().GetByKey(key)
	if err != nil || !ok {
		return nil, err
	}
	return obj, nil
}
