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

package deploy

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"knative.dev/networking/pkg/apis/networking"
	"knative.dev/pkg/ptr"
	"knative.dev/serving/pkg/apis/autoscaling"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	"knative.dev/serving/pkg/apis/serving"
	servingv1 "knative.dev/serving/pkg/apis/serving/v1"
	servingdeployment "knative.dev/serving/pkg/deployment"
	servingnetworking "knative.dev/serving/pkg/networking"
)

// Container names of a revision's pod, as Serving names them.
const (
	// UserContainerName is Serving's default name of a ksvc's (only)
	// container (config-defaults container-name-template).
	UserContainerName = "user-container"
	// QueueContainerName is Serving's sidecar.
	QueueContainerName = "queue-proxy"
)

// Revision returns what Serving v0.50 creates for a new revision of service
// on a default install (the control plane runs no Serving controller): its
// Deployment, whose pod has the user's container with no resources (a
// ksvc that sets none, Knative's default: config-defaults has no
// revision-cpu-request) and queue-proxy with Serving's default sidecar
// resources (config-deployment queue-sidecar-cpu-request 25m, no memory
// request, no limits), and its PodAutoscaler of the HPA class with anns.
// RevisionWithResources sets the user container's resources.
func Revision(ns, name, service string, anns map[string]string) (*appsv1.Deployment, *autoscalingv1alpha1.PodAutoscaler) {
	return RevisionWithResources(ns, name, service, anns, corev1.ResourceRequirements{})
}

// Requests are the resources of a ksvc's container that requests cpu and
// memory ("" for none), for RevisionWithResources.
func Requests(cpu, memory string) corev1.ResourceRequirements {
	r := corev1.ResourceRequirements{Requests: corev1.ResourceList{}}
	if cpu != "" {
		r.Requests[corev1.ResourceCPU] = resource.MustParse(cpu)
	}
	if memory != "" {
		r.Requests[corev1.ResourceMemory] = resource.MustParse(memory)
	}
	return r
}

// RevisionWithResources is Revision for a ksvc whose container sets user
// (Serving copies them unchanged onto user-container).
//
// The objects follow knative.dev/serving v0.50.0's
// pkg/reconciler/revision/resources (MakeDeployment, makeQueueContainer,
// MakePA, makeLabels) with Serving's default config maps, except: no owner
// references (there is no Revision object, and the garbage collector would
// delete dependents of a missing owner), no image digests, no
// OBSERVABILITY_CONFIG, the revision's UIDs are made up from its name
// (stable, so two calls agree), and the Deployment's deployment-hash label
// hashes the same parts as Serving's but not with Serving's encoding.
func RevisionWithResources(ns, name, service string, anns map[string]string, user corev1.ResourceRequirements) (*appsv1.Deployment, *autoscalingv1alpha1.PodAutoscaler) {
	// The revision's own labels and annotations (Serving's Configuration
	// reconciler sets these; the template's annotations come with them).
	revAnns := map[string]string{autoscaling.ClassAnnotationKey: autoscaling.HPA}
	for k, v := range anns {
		revAnns[k] = v
	}
	// makeLabels: the revision's labels (minus routingState) plus the
	// revision's name and UID, and app=<revision> when the user set none.
	labels := map[string]string{
		serving.ConfigurationLabelKey:           service,
		serving.ConfigurationGenerationLabelKey: "1",
		serving.ConfigurationUIDLabelKey:        string(fakeUID("configuration", ns, service)),
		serving.ServiceLabelKey:                 service,
		serving.ServiceUIDLabelKey:              string(fakeUID("service", ns, service)),
		serving.RevisionLabelKey:                name,
		serving.RevisionUID:                     string(fakeUID("revision", ns, name)),
		"app":                                   name,
	}
	// deploymentAnnotations / podAnnotations: the revision's annotations
	// without autoscaling.knative.dev/*; the pod's name its default
	// container.
	depAnns := map[string]string{}
	for k, v := range revAnns {
		if !strings.HasPrefix(k, autoscaling.GroupName) {
			depAnns[k] = v
		}
	}
	podAnns := map[string]string{"kubectl.kubernetes.io/default-container": UserContainerName}
	for k, v := range depAnns {
		podAnns[k] = v
	}

	// config-autoscaler initial-scale (1) unless the revision sets one
	// (Serving's webhook has validated it).
	replicas := int32(1)
	if _, v, ok := autoscaling.InitialScaleAnnotation.Get(revAnns); ok {
		if n, err := strconv.ParseInt(v, 10, 32); err == nil {
			replicas = int32(n)
		}
	}
	const timeoutSeconds = 300 // config-defaults revision-timeout-seconds
	userPort := int32(servingv1.DefaultUserPort)
	maxUnavailable := intstr.FromInt(0)

	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{
			Namespace:   ns,
			Name:        name + "-deployment",
			Labels:      copyMap(labels),
			Annotations: depAnns,
		},
		Spec: appsv1.DeploymentSpec{
			Replicas:                ptr.Int32(replicas),
			Selector:                &metav1.LabelSelector{MatchLabels: map[string]string{serving.RevisionUID: labels[serving.RevisionUID]}},
			ProgressDeadlineSeconds: ptr.Int32(600), // config-deployment progress-deadline
			RevisionHistoryLimit:    ptr.Int32(0),
			Strategy: appsv1.DeploymentStrategy{
				Type:          appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: &maxUnavailable},
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: copyMap(labels), Annotations: podAnns},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{
						userContainer(name, service, userPort, user),
						queueContainer(ns, name, service, userPort, timeoutSeconds),
					},
					EnableServiceLinks:            ptr.Bool(false), // config-defaults enable-service-links
					TerminationGracePeriodSeconds: ptr.Int64(timeoutSeconds),
				},
			},
		},
	}
	setDeploymentHash(d)
	pa := &autoscalingv1alpha1.PodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: copyMap(labels), Annotations: revAnns},
		Spec: autoscalingv1alpha1.PodAutoscalerSpec{
			ContainerConcurrency: 0, // config-defaults container-concurrency
			ScaleTargetRef:       corev1.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name},
			ProtocolType:         networking.ProtocolHTTP1,
			Reachability:         autoscalingv1alpha1.ReachabilityReachable,
		},
	}
	return d, pa
}

// userContainer is makeServingContainer of the ksvc's only container:
// its resources as given, the user port, PORT and K_* env, and the
// preStop hook that waits for queue-proxy to drain. Its default TCP
// readiness probe moves to queue-proxy.
func userContainer(revision, service string, port int32, res corev1.ResourceRequirements) corev1.Container {
	return corev1.Container{
		Name:      UserContainerName,
		Image:     "example.invalid/app:latest",
		Ports:     []corev1.ContainerPort{{Name: servingv1.UserPortName, ContainerPort: port}},
		Resources: *res.DeepCopy(),
		Env: []corev1.EnvVar{
			{Name: "PORT", Value: strconv.Itoa(int(port))},
			{Name: "K_REVISION", Value: revision},
			{Name: "K_CONFIGURATION", Value: service},
			{Name: "K_SERVICE", Value: service},
		},
		Lifecycle: &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{
			Port: intstr.FromInt(servingnetworking.QueueAdminPort),
			Path: "/wait-for-drain",
		}}},
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
	}
}

// queueContainer is makeQueueContainer with Serving's default config maps:
// config-deployment's only default resource is queue-sidecar-cpu-request
// 25m (config-features queueproxy.resource-defaults is disabled, so no
// memory request and no limits).
func queueContainer(ns, revision, service string, userPort int32, timeoutSeconds int) corev1.Container {
	fromField := func(path string) *corev1.EnvVarSource {
		return &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: path}}
	}
	return corev1.Container{
		Name:  QueueContainerName,
		Image: "example.invalid/queue:latest",
		Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
			corev1.ResourceCPU: servingdeployment.QueueSidecarCPURequestDefault,
		}},
		Ports: []corev1.ContainerPort{
			{Name: servingv1.AutoscalingQueueMetricsPortName, ContainerPort: servingnetworking.AutoscalingQueueMetricsPort},
			{Name: servingv1.UserQueueMetricsPortName, ContainerPort: servingnetworking.UserQueueMetricsPort},
			{Name: "queue-port", ContainerPort: servingnetworking.BackendHTTPPort},
			{Name: "https-port", ContainerPort: servingnetworking.BackendHTTPSPort},
		},
		ReadinessProbe: &corev1.Probe{
			ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
				Port:        intstr.FromInt(servingnetworking.BackendHTTPPort),
				HTTPHeaders: []corev1.HTTPHeader{{Name: "K-Network-Probe", Value: "queue"}},
			}},
			SuccessThreshold: 1,
		},
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr.Bool(false),
			ReadOnlyRootFilesystem:   ptr.Bool(true),
			RunAsNonRoot:             ptr.Bool(true),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		Env: []corev1.EnvVar{
			{Name: "SERVING_NAMESPACE", Value: ns},
			{Name: "SERVING_SERVICE", Value: service},
			{Name: "SERVING_CONFIGURATION", Value: service},
			{Name: "SERVING_REVISION", Value: revision},
			{Name: "QUEUE_SERVING_PORT", Value: strconv.Itoa(servingnetworking.BackendHTTPPort)},
			{Name: "QUEUE_SERVING_TLS_PORT", Value: strconv.Itoa(servingnetworking.BackendHTTPSPort)},
			{Name: "CONTAINER_CONCURRENCY", Value: "0"},
			{Name: "REVISION_TIMEOUT_SECONDS", Value: strconv.Itoa(timeoutSeconds)},
			{Name: "REVISION_RESPONSE_START_TIMEOUT_SECONDS", Value: "0"},
			{Name: "REVISION_IDLE_TIMEOUT_SECONDS", Value: "0"},
			{Name: "SERVING_POD", ValueFrom: fromField("metadata.name")},
			{Name: "SERVING_POD_IP", ValueFrom: fromField("status.podIP")},
			{Name: "SERVING_LOGGING_CONFIG", Value: ""},
			{Name: "SERVING_LOGGING_LEVEL", Value: ""},
			{Name: "USER_PORT", Value: strconv.Itoa(int(userPort))},
			{Name: "SYSTEM_NAMESPACE", Value: "knative-serving"},
			{Name: "SERVING_READINESS_PROBE", Value: fmt.Sprintf(`{"tcpSocket":{"port":%d,"host":"127.0.0.1"},"successThreshold":1}`, userPort)},
			{Name: "HOST_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "status.hostIP"}}},
			{Name: "ENABLE_HTTP2_AUTO_DETECTION", Value: "false"},
			{Name: "ENABLE_HTTP_FULL_DUPLEX", Value: "false"},
			{Name: "ROOT_CA", Value: ""},
			// Serving 1.22+: config-deployment queue-sidecar-tls-*, unset.
			{Name: "QUEUE_PROXY_TLS_MIN_VERSION", Value: ""},
			{Name: "QUEUE_PROXY_TLS_MAX_VERSION", Value: ""},
			{Name: "QUEUE_PROXY_TLS_CIPHER_SUITES", Value: ""},
			{Name: "QUEUE_PROXY_TLS_CURVE_PREFERENCES", Value: ""},
			{Name: "ENABLE_MULTI_CONTAINER_PROBES", Value: "false"},
		},
	}
}

// setDeploymentHash labels the Deployment (not its pods) with a hash of its
// spec, annotations and labels, as Serving 1.22+'s UpdateDeploymentHashLabel
// does so that a config map change reaches the Deployment (fnv-32a, base
// 36; JSON stands in for Serving's spew dump).
func setDeploymentHash(d *appsv1.Deployment) {
	delete(d.Labels, serving.RevisionDeploymentHashLabelKey)
	h := fnv.New32a()
	for _, v := range []any{d.Spec, d.Annotations, d.Labels} {
		b, _ := json.Marshal(v)
		h.Write(b)
	}
	d.Labels[serving.RevisionDeploymentHashLabelKey] = strconv.FormatUint(uint64(h.Sum32()), 36)
}

// fakeUID is a stable stand-in for the UID of an object Serving would have
// created (a Revision, Configuration or Service), shaped as a UUID.
func fakeUID(kind, ns, name string) types.UID {
	h := sha256.Sum256([]byte(kind + "/" + ns + "/" + name))
	return types.UID(fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16]))
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
