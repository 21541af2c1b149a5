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

// Package keyworkers feeds the keys of an informer's objects to a pool of
// workers, as a controller does: the bare client and the KEDA player are
// built on it.
package keyworkers

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// Workers is an informer and the queue of its objects' keys.
type Workers struct {
	informer cache.SharedIndexInformer
	queue    workqueue.TypedRateLimitingInterface[string]
}

// New makes the queue of informer's keys.
func New(informer cache.SharedIndexInformer) *Workers {
	return &Workers{
		informer: informer,
		queue:    workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]()),
	}
}

// Enqueue adds obj's key.
func (k *Workers) Enqueue(obj any) {
	if key, err := cache.MetaNamespaceKeyFunc(obj); err == nil {
		k.queue.Add(key)
	}
}

// Start runs the informer with handler, waits for it to sync, and starts
// workers that call do for each key until ctx ends; a key do fails on is
// retried with backoff after onErr saw the error.
func (k *Workers) Start(ctx context.Context, what string, handler cache.ResourceEventHandler, workers int,
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

func (k *Workers) work(ctx context.Context, do func(context.Context, string) error, onErr func(string, error)) {
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

// Get returns the informer's object for key, or nil.
func (k *Workers) Get(key string) (any, error) {
	obj, ok, err := k.informer.GetStore().GetByKey(key)
	if err != nil || !ok {
		return nil, err
	}
	return obj, nil
}

// ListWatch is the ListWatch of a typed client's List and Watch, for
// an informer.
func ListWatch[T runtime.Object](list func(context.Context, metav1.ListOptions) (T, error), w func(context.Context, metav1.ListOptions) (watch.Interface, error)) *cache.ListWatch {
	return &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return list(ctx, o)
		},
		WatchFuncWithContext: w,
	}
}
