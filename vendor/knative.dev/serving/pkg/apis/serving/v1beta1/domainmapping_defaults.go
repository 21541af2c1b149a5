/*
Copyright 2021 The Knative Authors

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

package v1beta1

import (
	"context"

	"knative.dev/pkg/apis"
	"knative.dev/serving/pkg/apis/serving"
)

// SetDefaults implements apis.Defaultable.
func (dm *DomainMapping) SetDefaults(ctx context.Context) {
	ctx = apis.WithinParent(ctx, dm.ObjectMeta)
	dm.Spec.Ref.SetDefaults(apis.WithinSpec(ctx))

	if apis.IsInUpdate(ctx) {
		serving.SetUserInfo(ctx, apis.GetBaseline(ctx).(*DomainMapping).Spec, dm.Spec, dm)
	} else {
		serving.SetUserInfo(ctx, nil, dm.Spec, dm)
	}
}
