/*
Copyright 2023 The KEDA Authors

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

package v1alpha1

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/kedacore/keda/v2/pkg/eventreason"
	metricscollector "github.com/kedacore/keda/v2/pkg/metricscollector/webhook"
)

var scaledobjectlog = logf.Log.WithName("scaledobject-validation-webhook")

var kc client.Client
var cacheMissToDirectClient bool
var directClient client.Client
var restMapper meta.RESTMapper
var eventRecorder events.EventRecorder

var memoryString = "memory"
var cpuString = "cpu"

// maxK8sLabelValueLength is the Kubernetes label value limit. The ScaledObject name is used as a label value (scaledobject.keda.sh/name=<so.Name>) on the SO and HPA, and the generated HPA name (keda-hpa-<so.Name> when no custom name is set) is itself a DNS-1123 label.
const maxK8sLabelValueLength = 63

// Cache field indexes used by verifyScaledObjects and verifyHpas to avoid full
// namespace List scans on every admission. Without these indexes each
// admission DeepCopies every ScaledObject (and HPA) in the namespace, which at
// high SO counts allocates enough memory to OOMKill the webhook under
// creation bursts. With the indexes each List narrows to candidates that
// share the indexed field value, then the existing loop disambiguates by GVK.
const (
	// scaleTargetRefNameIdx indexes both ScaledObjects and HPAs by
	// spec.scaleTargetRef.name. controller-runtime keys field indexes
	// per-GVK so it is safe to reuse the same path string for both objects.
	scaleTargetRefNameIdx = "spec.scaleTargetRef.name"
	// hpaNameIdx indexes ScaledObjects by the HPA name they own (computed
	// default keda-hpa-<so.Name> or the explicit spec.advanced.hpa.name
	// override) so HPA-ownership conflicts can be detected without scanning
	// every SO in the namespace.
	hpaNameIdx = "spec.hpaName"
)

func (so *ScaledObject) SetupWebhookWithManager(mgr ctrl.Manager, cacheMissFallback bool) error {
	// Register field indexes before wiring the webhook so verifyScaledObjects
	// and verifyHpas can use cached, narrowed lookups instead of full
	// namespace scans. See the index constants above for context.
	ctx := context.Background()
	if err := mgr.GetFieldIndexer().IndexField(ctx, &ScaledObject{}, scaleTargetRefNameIdx,
		func(obj client.Object) []string {
			return []string{obj.(*ScaledObject).Spec.ScaleTargetRef.Name}
		}); err != nil {
		return fmt.Errorf("failed to register ScaledObject index %q: %w", scaleTargetRefNameIdx, err)
	}
	if err := mgr.GetFieldIndexer().IndexField(ctx, &ScaledObject{}, hpaNameIdx,
		func(obj client.Object) []string {
			return []string{getHpaName(*obj.(*ScaledObject))}
		}); err != nil {
		return fmt.Errorf("failed to register ScaledObject index %q: %w", hpaNameIdx, err)
	}
	if err := mgr.GetFieldIndexer().IndexField(ctx, &autoscalingv2.HorizontalPodAutoscaler{}, scaleTargetRefNameIdx,
		func(obj client.Object) []string {
			return []string{obj.(*autoscalingv2.HorizontalPodAutoscaler).Spec.ScaleTargetRef.Name}
		}); err != nil {
		return fmt.Errorf("failed to register HPA index %q: %w", scaleTargetRefNameIdx, err)
	}

	err := setupKubernetesClients(mgr, cacheMissFallback)
	if err != nil {
		return fmt.Errorf("failed to setup kubernetes clients: %w", err)
	}

	// Setup event recorder
	eventRecorder = mgr.GetEventRecorder("keda-admission")

	return ctrl.NewWebhookManagedBy(mgr, so).
		WithValidator(&ScaledObjectCustomValidator{}).
		Complete()
}

func setupKubernetesClients(mgr ctrl.Manager, cacheMissFallback bool) error {
	kc = mgr.GetClient()
	restMapper = mgr.GetRESTMapper()
	cacheMissToDirectClient = cacheMissFallback
	if cacheMissToDirectClient {
		cfg := mgr.GetConfig()
		opts := client.Options{
			HTTPClient: mgr.GetHTTPClient(),
			Scheme:     mgr.GetScheme(),
			Mapper:     restMapper,
			Cache:      nil, // this disables the cache and explicitly uses the direct client
		}
		var err error
		directClient, err = client.New(cfg, opts)
		if err != nil {
			return fmt.Errorf("failed to initialize direct client: %w", err)
		}
	}

	return nil
}

// +kubebuilder:webhook:path=/validate-keda-sh-v1alpha1-scaledobject,mutating=false,failurePolicy=ignore,sideEffects=None,groups=keda.sh,resources=scaledobjects,verbs=create;update,versions=v1alpha1,name=vscaledobject.kb.io,admissionReviewVersions=v1

// ScaledObjectCustomValidator is a custom validator for ScaledObject objects
type ScaledObjectCustomValidator struct{}

func (socv ScaledObjectCustomValidator) ValidateCreate(ctx context.Context, so *ScaledObject) (warnings admission.Warnings, err error) {
	request, err := admission.RequestFromContext(ctx)
	if err != nil {
		return nil, err
	}
	return so.ValidateCreate(request.DryRun)
}

func (socv ScaledObjectCustomValidator) ValidateUpdate(ctx context.Context, old, so *ScaledObject) (warnings admission.Warnings, err error) {
	request, err := admission.RequestFromContext(ctx)
	if err != nil {
		return nil, err
	}
	return so.ValidateUpdate(old, request.DryRun)
}

func (socv ScaledObjectCustomValidator) ValidateDelete(ctx context.Context, so *ScaledObject) (warnings admission.Warnings, err error) {
	request, err := admission.RequestFromContext(ctx)
	if err != nil {
		return nil, err
	}
	return so.ValidateDelete(request.DryRun)
}

var _ admission.Validator[*ScaledObject] = &ScaledObjectCustomValidator{}

// ValidateCreate implements webhook.Validator so a webhook will be registered for the type
func (so *ScaledObject) ValidateCreate(dryRun *bool) (admission.Warnings, error) {
	scaledobjectlog.V(1).Info("validating scaledobject creation", "namespace", so.Namespace, "name", so.Name, "scaledobject", so)
	return validateWorkload(so, "create", *dryRun)
}

func (so *ScaledObject) ValidateUpdate(old runtime.Object, dryRun *bool) (admission.Warnings, error) {
	scaledobjectlog.V(1).Info("validating scaledobject update", "namespace", so.Namespace, "name", so.Name, "scaledobject", so)

	if isRemovingFinalizer(so, old) {
		scaledobjectlog.V(1).Info("finalizer removal, skipping validation", "namespace", so.Namespace, "name", so.Name)
		return nil, nil
	}

	return validateWorkload(so, "update", *dryRun)
}

func (so *ScaledObject) ValidateDelete(_ *bool) (admission.Warnings, error) {
	return nil, nil
}

func isRemovingFinalizer(so *ScaledObject, old runtime.Object) bool {
	oldSo := old.(*ScaledObject)
	return len(so.Finalizers) < len(oldSo.Finalizers) && equality.Semantic.DeepEqual(so.Spec, oldSo.Spec)
}

func validateWorkload(so *ScaledObject, action string, dryRun bool) (admission.Warnings, error) {
	metricscollector.RecordScaledObjectValidatingTotal(so.Namespace, action)

	var allWarnings admission.Warnings

	verifyFunctions := map[string]func(*ScaledObject, string, bool) (admission.Warnings, error){
		"verifyScaledObjects":    verifyScaledObjects,
		"verifyCPUMemoryScalers": verifyCPUMemoryScalers,
		"verifyHpas":             verifyHpas,
		"verifyReplicaCount":     verifyReplicaCount,
		"verifyFallback":         verifyFallback,
		"verifyName":             verifyName,
	}

	for functionName, function := range verifyFunctions {
		scaledobjectlog.V(1).Info("validating scaledobject", "function", functionName, "name", so.Name)
		warnings, err := function(so, action, dryRun)
		if err != nil {
			return nil, err
		}
		allWarnings = append(allWarnings, warnings...)
	}

	verifyCommonFunctions := map[string]func(any, string, bool) error{
		"verifyTriggers": verifyTriggers,
	}

	for functionName, function := range verifyCommonFunctions {
		scaledobjectlog.V(1).Info("validating scaledobject", "function", functionName, "name", so.Name)
		err := function(so, action, dryRun)
		if err != nil {
			return nil, err
		}
	}

	scaledobjectlog.V(1).Info("scaledobject is valid", "namespace", so.Namespace, "name", so.Name)
	return allWarnings, nil
}

func verifyReplicaCount(incomingSo *ScaledObject, action string, _ bool) (admission.Warnings, error) {
	err := CheckReplicaCountBoundsAreValid(incomingSo)
	if err != nil {
		scaledobjectlog.WithValues("name", incomingSo.Name).Error(err, "validation error")
		metricscollector.RecordScaledObjectValidatingErrors(incomingSo.Namespace, action, "incorrect-replicas")
	}
	return nil, err
}

func verifyName(incomingSo *ScaledObject, action string, _ bool) (admission.Warnings, error) {
	if len(incomingSo.Name) > maxK8sLabelValueLength {
		err := fmt.Errorf("scaledobject name %q is %d characters long; must be no more than %d characters because it is used as the %q label value", incomingSo.Name, len(incomingSo.Name), maxK8sLabelValueLength, ScaledObjectOwnerAnnotation)
		scaledobjectlog.WithValues("name", incomingSo.Name).Error(err, "validation error")
		metricscollector.RecordScaledObjectValidatingErrors(incomingSo.Namespace, action, "name-too-long")
		return nil, err
	}
	hpaName := getHpaName(*incomingSo)
	if len(hpaName) > maxK8sLabelValueLength {
		err := fmt.Errorf("HPA name %q derived from scaledobject is %d characters long; must be no more than %d characters; set spec.advanced.horizontalPodAutoscalerConfig.name to a shorter name or shorten the scaledobject name", hpaName, len(hpaName), maxK8sLabelValueLength)
		scaledobjectlog.WithValues("name", incomingSo.Name).Error(err, "validation error")
		metricscollector.RecordScaledObjectValidatingErrors(incomingSo.Namespace, action, "hpa-name-too-long")
		return nil, err
	}
	return nil, nil
}

func verifyFallback(incomingSo *ScaledObject, action string, _ bool) (admission.Warnings, error) {
	err := CheckFallbackValid(incomingSo)
	if err != nil {
		scaledobjectlog.WithValues("name", incomingSo.Name).Error(err, "validation error")
		metricscollector.RecordScaledObjectValidatingErrors(incomingSo.Namespace, action, "incorrect-fallback")
	}
	return nil, err
}

func verifyTriggers(incomingObject any, action string, _ bool) error {
	var triggers []ScaleTriggers
	var name string
	var namespace string
	switch obj := incomingObject.(type) {
	case *ScaledObject:
		triggers = obj.Spec.Triggers
		name = obj.Name
		namespace = obj.Namespace
	case *ScaledJob:
		triggers = obj.Spec.Triggers
		name = obj.Name
		namespace = obj.Namespace
	default:
		return fmt.Errorf("unknown scalable object type %v", incomingObject)
	}

	err := ValidateTriggers(triggers)
	if err != nil {
		scaledobjectlog.WithValues("name", name).Error(err, "validation error")
		metricscollector.RecordScaledObjectValidatingErrors(namespace, action, "incorrect-triggers")
	}
	return err
}

func verifyHpas(incomingSo *ScaledObject, action string, _ bool) (admission.Warnings, error) {
	// Narrow to HPAs targeting the same workload name via the
	// scaleTargetRefNameIdx index; the loop below still disambiguates by GVK.
	hpaList := &autoscalingv2.HorizontalPodAutoscalerList{}
	err := kc.List(context.Background(), hpaList,
		client.InNamespace(incomingSo.Namespace),
		client.MatchingFields{scaleTargetRefNameIdx: incomingSo.Spec.ScaleTargetRef.Name},
	)
	if err != nil {
		return nil, err
	}

	var incomingSoGvkr GroupVersionKindResource
	incomingSoGvkr, err = ParseGVKR(restMapper, incomingSo.Spec.ScaleTargetRef.APIVersion, incomingSo.Spec.ScaleTargetRef.Kind)
	if err != nil {
		scaledobjectlog.Error(err, "Failed to parse Group, Version, Kind, Resource from incoming ScaledObject", "apiVersion", incomingSo.Spec.ScaleTargetRef.APIVersion, "kind", incomingSo.Spec.ScaleTargetRef.Kind)
		return nil, err
	}

	for _, hpa := range hpaList.Items {
		if hpa.Annotations[ValidationsHpaOwnershipAnnotation] == "false" {
			continue
		}
		scaledobjectlog.V(1).Info("checking hpa", "name", hpa.Name, "namespace", hpa.Namespace, "hpa", hpa)

		hpaGvkr, err := ParseGVKR(restMapper, hpa.Spec.ScaleTargetRef.APIVersion, hpa.Spec.ScaleTargetRef.Kind)
		if err != nil {
			scaledobjectlog.Error(err, "Failed to parse Group, Version, Kind, Resource from HPA", "hpaName", hpa.Name, "apiVersion", hpa.Spec.ScaleTargetRef.APIVersion, "kind", hpa.Spec.ScaleTargetRef.Kind)
			return nil, err
		}

		if hpaGvkr.GVKString() == incomingSoGvkr.GVKString() &&
			hpa.Spec.ScaleTargetRef.Name == incomingSo.Spec.ScaleTargetRef.Name {
			owned := false
			for _, owner := range hpa.OwnerReferences {
				if owner.Kind == incomingSo.Kind {
					if owner.Name == incomingSo.Name {
						owned = true
						break
					}
				}
			}

			if !owned {
				if incomingSo.Annotations[ScaledObjectTransferHpaOwnershipAnnotation] == "true" {
					if incomingSo.Spec.Advanced != nil && incomingSo.Spec.Advanced.HorizontalPodAutoscalerConfig != nil && incomingSo.Spec.Advanced.HorizontalPodAutoscalerConfig.Name == hpa.Name {
						scaledobjectlog.Info(fmt.Sprintf("%s hpa ownership being transferred to %s", hpa.Name, incomingSo.Name))
					} else {
						err = fmt.Errorf("the existing hpa '%s' for workload '%s' of type '%s' must be specified by name in advanced settings to enable ownership transfer", hpa.Name, incomingSo.Spec.ScaleTargetRef.Name, incomingSoGvkr.GVKString())
						scaledobjectlog.Error(err, "validation error")
						metricscollector.RecordScaledObjectValidatingErrors(incomingSo.Namespace, action, "transfer-ownership-missing-hpa-name")
						return nil, err
					}
				} else {
					err = fmt.Errorf("the workload '%s' of type '%s' is already managed by the hpa '%s'", incomingSo.Spec.ScaleTargetRef.Name, incomingSoGvkr.GVKString(), hpa.Name)
					scaledobjectlog.Error(err, "validation error")
					metricscollector.RecordScaledObjectValidatingErrors(incomingSo.Namespace, action, "other-hpa")
					return nil, err
				}
			}
		}
	}
	return nil, nil
}

func verifyScaledObjects(incomingSo *ScaledObject, action string, _ bool) (admission.Warnings, error) {
	var warnings admission.Warnings

	minReplicas := int32(0)
	if incomingSo.Spec.MinReplicaCount != nil {
		minReplicas = *incomingSo.Spec.MinReplicaCount
	}

	// PollingInterval warning: warn when pollingInterval no longer affects scaling because the HPA
	// drives it all. UsesHPAObservations is the very condition the scale loop evaluates to decide
	// whether to keep querying the trigger sources itself, so the warning cannot drift away from the
	// actual behaviour. ScaledObjects using scaling modifiers are excluded, because the scale loop
	// keeps querying every trigger source on pollingInterval there to evaluate the composite formula,
	// so the interval still drives the queries. The scale loop also still runs on pollingInterval to
	// refresh the status, so the message must not claim it does nothing at all.
	if incomingSo.Spec.PollingInterval != nil && incomingSo.UsesHPAObservations() {
		msg := "PollingInterval is configured but is not relevant for scaling. It only affects scaling when minReplicaCount = 0, idleReplicaCount is set, or useCachedMetrics is enabled, but it still controls how often KEDA refreshes the ScaledObject status conditions and events"
		warnings = append(warnings, msg)
		if eventRecorder != nil {
			eventRecorder.Eventf(incomingSo, nil, corev1.EventTypeNormal, eventreason.KEDAScalersInfo, eventreason.KEDAScalersInfo, "%s", msg)
		}
	}

	// CooldownPeriod warning: if minReplicaCount > 0 AND idleReplicaCount is not set (idle mode disabled).
	// When idle mode is enabled, the target still scales down to the idle replica count on inactivity,
	// so cooldownPeriod stays relevant regardless of the idle value.
	if incomingSo.Spec.CooldownPeriod != nil {
		idleModeDisabled := incomingSo.Spec.IdleReplicaCount == nil
		if minReplicas > 0 && idleModeDisabled {
			msg := "CooldownPeriod is configured but is not relevant. CooldownPeriod is only relevant when minReplicaCount = 0 or idleReplicaCount is set"
			warnings = append(warnings, msg)
			if eventRecorder != nil {
				eventRecorder.Eventf(incomingSo, nil, corev1.EventTypeNormal, eventreason.KEDAScalersInfo, eventreason.KEDAScalersInfo, "%s", msg)
			}
		}
	}

	// Check for conflicts with other ScaledObjects.
	//
	// Two conditions must hold for the incoming SO to be valid:
	//   1. No other SO in the namespace already targets the same workload
	//      (same GVK + same scaleTargetRef.name).
	//   2. No other SO in the namespace already owns the same HPA name.
	//
	// Both used to be evaluated by listing every SO in the namespace. With
	// the scaleTargetRefNameIdx and hpaNameIdx field indexes we issue two
	// narrow indexed Lists instead; each returns the small set of candidates
	// that share the indexed value (typically 0–1) and the loops still
	// post-filter by GVK / identity.
	ctx := context.Background()
	incomingSoGckr, err := ParseGVKR(restMapper, incomingSo.Spec.ScaleTargetRef.APIVersion, incomingSo.Spec.ScaleTargetRef.Kind)
	if err != nil {
		scaledobjectlog.Error(err, "Failed to parse Group, Version, Kind, Resource from incoming ScaledObject", "apiVersion", incomingSo.Spec.ScaleTargetRef.APIVersion, "kind", incomingSo.Spec.ScaleTargetRef.Kind)
		return nil, err
	}

	// Check 1: duplicate scaleTargetRef. SOs in the index share the target
	// name; GVK is checked in the loop so e.g. a Deployment "foo" and a
	// StatefulSet "foo" can coexist.
	targetCandidates := &ScaledObjectList{}
	if err := kc.List(ctx, targetCandidates,
		client.InNamespace(incomingSo.Namespace),
		client.MatchingFields{scaleTargetRefNameIdx: incomingSo.Spec.ScaleTargetRef.Name},
	); err != nil {
		return nil, err
	}
	for _, so := range targetCandidates.Items {
		if so.Name == incomingSo.Name {
			continue
		}
		scaledobjectlog.V(1).Info("checking scaledobject for duplicate scaleTarget", "name", so.Name, "namespace", so.Namespace)

		soGckr, err := ParseGVKR(restMapper, so.Spec.ScaleTargetRef.APIVersion, so.Spec.ScaleTargetRef.Kind)
		if err != nil {
			scaledobjectlog.Error(err, "Failed to parse Group, Version, Kind, Resource from ScaledObject", "soName", so.Name, "apiVersion", so.Spec.ScaleTargetRef.APIVersion, "kind", so.Spec.ScaleTargetRef.Kind)
			return nil, err
		}

		if soGckr.GVKString() == incomingSoGckr.GVKString() {
			err = fmt.Errorf("the workload '%s' of type '%s' is already managed by the ScaledObject '%s'", so.Spec.ScaleTargetRef.Name, incomingSoGckr.GVKString(), so.Name)
			scaledobjectlog.Error(err, "validation error")
			metricscollector.RecordScaledObjectValidatingErrors(incomingSo.Namespace, action, "other-scaled-object")
			return nil, err
		}
	}

	// Check 2: duplicate HPA name. Anything in the hpaName index for the
	// incoming SO's computed HPA name is a real conflict regardless of GVK.
	incomingSoHpaName := getHpaName(*incomingSo)
	hpaOwnerCandidates := &ScaledObjectList{}
	if err := kc.List(ctx, hpaOwnerCandidates,
		client.InNamespace(incomingSo.Namespace),
		client.MatchingFields{hpaNameIdx: incomingSoHpaName},
	); err != nil {
		return nil, err
	}
	for _, so := range hpaOwnerCandidates.Items {
		if so.Name == incomingSo.Name {
			continue
		}
		err := fmt.Errorf("the HPA '%s' is already managed by the ScaledObject '%s'", incomingSoHpaName, so.Name)
		scaledobjectlog.Error(err, "validation error")
		metricscollector.RecordScaledObjectValidatingErrors(incomingSo.Namespace, action, "other-scaled-object-hpa")
		return nil, err
	}

	// verify ScalingModifiers structure if defined in ScaledObject
	if incomingSo.IsUsingModifiers() {
		_, err = ValidateAndCompileScalingModifiers(incomingSo)
		if err != nil {
			scaledobjectlog.Error(err, "error validating ScalingModifiers")
			metricscollector.RecordScaledObjectValidatingErrors(incomingSo.Namespace, action, "scaling-modifiers")
			return nil, err
		}
	}

	// verify scalingModifiers fallback behavior requirements
	if incomingSo.FallbackScalingModifiers() {
		if !incomingSo.IsUsingModifiers() || incomingSo.Spec.Advanced.ScalingModifiers.Formula == "" {
			err := fmt.Errorf("scalingModifiers fallback behavior requires scalingModifiers.formula to be defined")
			scaledobjectlog.Error(err, "error validating 'scalingModifiers' so.spec.fallback behavior")
			metricscollector.RecordScaledObjectValidatingErrors(incomingSo.Namespace, action, "scaling-modifiers-fallback")
			return nil, err
		}
	}

	return warnings, nil
}

// getFromCacheOrDirect is a helper function that tries to get an object from the cache
// if it fails, it tries to get it from the direct client
func getFromCacheOrDirect(ctx context.Context, key client.ObjectKey, obj client.Object) error {
	err := kc.Get(ctx, key, obj, &client.GetOptions{})
	if cacheMissToDirectClient {
		if kerrors.IsNotFound(err) {
			return directClient.Get(ctx, key, obj, &client.GetOptions{})
		}
	}
	return err
}

func verifyCPUMemoryScalers(incomingSo *ScaledObject, action string, dryRun bool) (admission.Warnings, error) {
	if dryRun {
		return nil, nil
	}

	var podSpec *corev1.PodSpec
	for _, trigger := range incomingSo.Spec.Triggers {
		if trigger.Type == cpuString || trigger.Type == memoryString {
			if podSpec == nil {
				key := types.NamespacedName{
					Namespace: incomingSo.Namespace,
					Name:      incomingSo.Spec.ScaleTargetRef.Name,
				}
				incomingSoGvkr, err := ParseGVKR(restMapper, incomingSo.Spec.ScaleTargetRef.APIVersion, incomingSo.Spec.ScaleTargetRef.Kind)
				if err != nil {
					scaledobjectlog.Error(err, "Failed to parse Group, Version, Kind, Resource from incoming ScaledObject", "apiVersion", incomingSo.Spec.ScaleTargetRef.APIVersion, "kind", incomingSo.Spec.ScaleTargetRef.Kind)
					return nil, err
				}

				switch incomingSoGvkr.GVKString() {
				case "apps/v1.Deployment":
					deployment := &appsv1.Deployment{}
					if err := getFromCacheOrDirect(context.Background(), key, deployment); err != nil {
						return nil, err
					}
					podSpec = &deployment.Spec.Template.Spec
				case "apps/v1.StatefulSet":
					statefulset := &appsv1.StatefulSet{}
					if err := getFromCacheOrDirect(context.Background(), key, statefulset); err != nil {
						return nil, err
					}
					podSpec = &statefulset.Spec.Template.Spec
				default:
					return nil, nil
				}
			}
			containerName := trigger.Metadata["containerName"]
			resourceType := corev1.ResourceName(trigger.Type)

			// The HPA uses the pod-level request (KEP-2837) only for Resource metrics; a containerName
			// trigger yields a ContainerResource metric, which ignores it and needs the container request.
			podLevelRequestApplies := containerName == "" && podSpec.Resources != nil && isWorkloadResourceSet(*podSpec.Resources, resourceType)

			if !podLevelRequestApplies {
				for _, container := range podSpec.Containers {
					if containerName != "" && container.Name != containerName {
						continue
					}

					// Fail if neither pod's container spec has particular resource limit specified, nor a default limit is
					// specified in LimitRange in the same namespace as the deployment
					if !isWorkloadResourceSet(container.Resources, resourceType) &&
						!isContainerResourceLimitSet(context.Background(), incomingSo.Namespace, resourceType) {
						err := fmt.Errorf("the scaledobject has a %v trigger but the container %s doesn't have the %v request defined", resourceType, container.Name, resourceType)
						scaledobjectlog.Error(err, "validation error")
						metricscollector.RecordScaledObjectValidatingErrors(incomingSo.Namespace, action, "missing-requests")
						return nil, err
					}
				}
			}

			// validate scaledObject with cpu/mem triggers:
			// If scaled object has only cpu/mem triggers AND has minReplicaCount 0
			// return an error because it will never scale to zero
			scaleToZeroErr := true
			for _, trig := range incomingSo.Spec.Triggers {
				if trig.Type != cpuString && trig.Type != memoryString {
					scaleToZeroErr = false
					break
				}
			}

			if (scaleToZeroErr && incomingSo.Spec.MinReplicaCount == nil) || (scaleToZeroErr && *incomingSo.Spec.MinReplicaCount == 0) {
				err := fmt.Errorf("scaledobject has only cpu/memory triggers AND minReplica is 0 (scale to zero doesn't work in this case)")
				scaledobjectlog.Error(err, "validation error")
				metricscollector.RecordScaledObjectValidatingErrors(incomingSo.Namespace, action, "scale-to-zero-requirements-not-met")
				return nil, err
			}
		}
	}
	return nil, nil
}

// ValidateAndCompileScalingModifiers validates all combinations of given arguments
// and their values. Expects the whole structure's path to be defined (like .Advanced).
// As part of formula validation this function also compiles the formula
// (with dummy values that determine whether all necessary triggers are defined)
// and returns it to be stored in cache and reused.
func ValidateAndCompileScalingModifiers(so *ScaledObject) (*vm.Program, error) {
	sm := so.Spec.Advanced.ScalingModifiers

	if sm.Formula == "" {
		return nil, fmt.Errorf("error ScalingModifiers.Formula is mandatory")
	}

	// cast return value of formula to float if necessary to avoid wrong value return
	// type (ternary operator doesn't return float)
	so.Spec.Advanced.ScalingModifiers.Formula = castToFloatIfNecessary(sm.Formula)

	// validate formula if not empty
	compiledFormula, err := validateScalingModifiersFormula(so)
	if err != nil {
		err := errors.Join(fmt.Errorf("error validating formula in ScalingModifiers"), err)
		return nil, err
	}
	// validate target if not empty
	err = validateScalingModifiersTarget(so)
	if err != nil {
		err := errors.Join(fmt.Errorf("error validating target in ScalingModifiers"), err)
		return nil, err
	}
	return compiledFormula, nil
}

// validateScalingModifiersFormula helps validate the ScalingModifiers struct,
// specifically the formula.
func validateScalingModifiersFormula(so *ScaledObject) (*vm.Program, error) {
	sm := so.Spec.Advanced.ScalingModifiers

	// if formula is empty, nothing to validate
	if sm.Formula == "" {
		return nil, nil
	}
	// formula needs target because it's always transformed to composite-scaler
	if sm.Target == "" {
		return nil, fmt.Errorf("formula is given but target is empty")
	}

	// dummy value for compiled map of triggers
	dummyValue := -1.0

	// Compile & Run with dummy values to determine if all triggers in formula are
	// defined (have names)
	triggersMap := make(map[string]float64)
	for _, trig := range so.Spec.Triggers {
		// if resource metrics are given, skip
		if trig.Type == cpuString || trig.Type == memoryString {
			continue
		}
		if trig.Name != "" {
			triggersMap[trig.Name] = dummyValue
		}
	}
	compiled, err := expr.Compile(sm.Formula, expr.Env(triggersMap))
	if err != nil {
		return nil, err
	}
	_, err = expr.Run(compiled, triggersMap)
	if err != nil {
		return nil, err
	}
	return compiled, nil
}

func validateScalingModifiersTarget(so *ScaledObject) error {
	sm := so.Spec.Advanced.ScalingModifiers

	if sm.Target == "" {
		return nil
	}

	// convert string to float
	num, err := strconv.ParseFloat(sm.Target, 64)
	if err != nil || num <= 0.0 {
		return fmt.Errorf("error converting target for scalingModifiers (string->float) to valid target: %w", err)
	}

	if so.Spec.Advanced.ScalingModifiers.MetricType == autoscalingv2.UtilizationMetricType {
		err := fmt.Errorf("error trigger type is Utilization, but it needs to be AverageValue or Value for external metrics")
		return err
	}

	return nil
}

// castToFloatIfNecessary takes input formula and casts its return value to float
// if necessary to avoid wrong return value type like ternary operator has and/or
// to relief user of having to add it to the formula themselves.
// Formulas that contain ?? for fallback behavior that would evaluate to nil are
// kept as nil so the default fallback can trigger
func castToFloatIfNecessary(formula string) string {
	if strings.Contains(formula, "??") {
		if strings.HasPrefix(formula, "let _kedaCompositeResult = ") {
			return formula
		}
		return fmt.Sprintf("let _kedaCompositeResult = (%s); _kedaCompositeResult == nil ? nil : float(_kedaCompositeResult)", formula)
	}
	if strings.HasPrefix(formula, "float(") {
		return formula
	}
	return "float(" + formula + ")"
}

func isWorkloadResourceSet(rr corev1.ResourceRequirements, name corev1.ResourceName) bool {
	requests, requestsSet := rr.Requests[name]
	limits, limitsSet := rr.Limits[name]
	return (requestsSet || limitsSet) && (requests.AsApproximateFloat64() > 0 || limits.AsApproximateFloat64() > 0)
}

// isContainerResourceSetInLimitRangeObject checks if the LimitRange item has the default limits and requests
// specified for the container type. Returns false if the default limit/request value is not set, or if set to zero,
// for the container.
func isContainerResourceSetInLimitRangeObject(item corev1.LimitRangeItem, resourceName corev1.ResourceName) bool {
	request, isRequestSet := item.DefaultRequest[resourceName]
	limit, isLimitSet := item.Default[resourceName]

	return (isRequestSet || isLimitSet) &&
		(request.AsApproximateFloat64() > 0 || limit.AsApproximateFloat64() > 0) &&
		item.Type == corev1.LimitTypeContainer
}

// isContainerResourceLimitSet checks if the default limit/request is set for the container type in LimitRanges,
// in the namespace.
func isContainerResourceLimitSet(ctx context.Context, namespace string, triggerType corev1.ResourceName) bool {
	limitRangeList := &corev1.LimitRangeList{}
	listOps := &client.ListOptions{
		Namespace: namespace,
	}

	// List limit ranges in the namespace
	if err := kc.List(ctx, limitRangeList, listOps); err != nil {
		scaledobjectlog.WithValues("namespace", namespace).
			Error(err, "failed to list limitRanges in namespace")

		return false
	}

	// Check in the LimitRange's list if at least one item has the default limit/request set
	for _, limitRange := range limitRangeList.Items {
		for _, limit := range limitRange.Spec.Limits {
			if isContainerResourceSetInLimitRangeObject(limit, triggerType) {
				return true
			}
		}
	}

	// When no LimitRanges are found in the namespace, or if the default limit/request is not set for container type
	// in all of the LimitRanges, return false
	scaledobjectlog.WithValues("namespace", namespace).
		Error(nil, "no container limit range found in namespace")

	return false
}

func getHpaName(so ScaledObject) string {
	if so.Spec.Advanced == nil || so.Spec.Advanced.HorizontalPodAutoscalerConfig == nil || so.Spec.Advanced.HorizontalPodAutoscalerConfig.Name == "" {
		return fmt.Sprintf("keda-hpa-%s", so.Name)
	}

	return so.Spec.Advanced.HorizontalPodAutoscalerConfig.Name
}
