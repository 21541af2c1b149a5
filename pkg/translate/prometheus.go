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

package translate

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"text/template"
	"text/template/parse"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/util/validation"
	"knative.dev/pkg/apis"
	"knative.dev/serving/pkg/apis/autoscaling"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	"knative.dev/serving/pkg/apis/serving"

	"github.com/serving-keda/serving-keda/pkg/config"
)

const (
	// MaxQueryBytes bounds a prometheus-query template and what it renders to.
	MaxQueryBytes = 8 << 10
	// TriggerAuthentication kinds an authenticationRef may name.
	triggerAuthKind        = "TriggerAuthentication"
	clusterTriggerAuthKind = "ClusterTriggerAuthentication"
)

// QueryData is what a prometheus-query template may refer to, for example
// sum(rate(http_requests_total{namespace="{{.Namespace}}",service="{{.Service}}"}[1m])).
type QueryData struct {
	// Revision is the revision's name (the PodAutoscaler's).
	Revision string
	// Service and Configuration come from the revision's
	// serving.knative.dev/service and serving.knative.dev/configuration labels.
	Service       string
	Configuration string
	// Namespace is the revision's namespace.
	Namespace string
	// Metric is the value of autoscaling.knative.dev/metric.
	Metric string
}

// queryFields are QueryData's field names, the only things a template may use.
var queryFields = []string{"Configuration", "Metric", "Namespace", "Revision", "Service"}

// authModes are the values KEDA's Prometheus scaler accepts in authModes.
var authModes = map[string]bool{"basic": true, "bearer": true, "tls": true, "custom": true}

// triggerNameRE keeps trigger names usable in a scaling-modifiers formula.
var triggerNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// prometheusTrigger builds the trigger of a custom metric.
func prometheusTrigger(pa *autoscalingv1alpha1.PodAutoscaler, cfg *config.Config, metric, metricType string, target float64, hasTarget bool) (*kedav1alpha1.ScaleTriggers, *apis.FieldError) {
	anns := pa.Annotations
	var errs *apis.FieldError

	address, ok := anns[PrometheusAddressAnnotationKey]
	switch {
	case ok:
		if err := config.ValidateServerAddress(address); err != nil {
			errs = errs.Also(invalid(PrometheusAddressAnnotationKey, address, err.Error()))
		}
	case cfg.KEDA.PrometheusAddress != "":
		address = cfg.KEDA.PrometheusAddress
	default:
		errs = errs.Also(missing(PrometheusAddressAnnotationKey, fmt.Sprintf(
			"custom metric %q needs a Prometheus server: set this annotation or %s in %s "+
				"(there is no default; knative-extensions/autoscaler-keda's was %s)",
			metric, config.PrometheusAddressKey, config.KEDAConfigName, legacyPrometheusAddress)))
	}

	query, err := renderQuery(pa, metric)
	errs = errs.Also(err)

	if !hasTarget {
		errs = errs.Also(missing(autoscaling.TargetAnnotationKey, fmt.Sprintf(
			"custom metric %q needs a target: the query's value per pod (AverageValue) or in total (Value)", metric)))
	}

	name := defaultTriggerName(metric)
	if v, ok := anns[PrometheusTriggerNameAnnotationKey]; ok {
		if !triggerNameRE.MatchString(v) {
			errs = errs.Also(invalid(PrometheusTriggerNameAnnotationKey, v,
				"must be a letter or _ followed by up to 62 letters, digits or _, so a formula can name it"))
		}
		name = v
	}

	trigger := &kedav1alpha1.ScaleTriggers{
		Type:       "prometheus",
		Name:       name,
		MetricType: autoscalingv2.MetricTargetType(metricType),
		Metadata: map[string]string{
			"serverAddress": address,
			"query":         query,
			"threshold":     formatFloat(target),
			"namespace":     pa.Namespace,
		},
	}
	if v, ok := anns[ActivationThresholdAnnotationKey]; ok {
		f, err := parseFloat(ActivationThresholdAnnotationKey, v)
		errs = errs.Also(err)
		trigger.Metadata["activationThreshold"] = formatFloat(f)
	}

	ref, modes, err := prometheusAuth(anns, cfg.KEDA)
	errs = errs.Also(err)
	if ref != nil {
		trigger.AuthenticationRef = ref
		trigger.Metadata["authModes"] = modes
	}
	if errs != nil {
		return nil, errs
	}
	return trigger, nil
}

// defaultTriggerName derives a formula-friendly trigger name from a metric
// name: vllm:num_requests_waiting becomes vllm_num_requests_waiting.
func defaultTriggerName(metric string) string {
	var b strings.Builder
	for i, r := range metric {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '_', i > 0 && r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() == 63 {
			break
		}
	}
	return b.String()
}

// renderQuery renders the prometheus-query template. Templates may only
// substitute QueryData fields: no functions, ranges or nested templates, so
// rendering cannot read anything else, call anything or run long.
func renderQuery(pa *autoscalingv1alpha1.PodAutoscaler, metric string) (string, *apis.FieldError) {
	key, src, ok := prometheusQuery.Get(pa.Annotations)
	if !ok || strings.TrimSpace(src) == "" {
		if !ok {
			key = PrometheusQueryAnnotationKey
		}
		return "", missing(key, fmt.Sprintf("custom metric %q needs a PromQL query", metric))
	}
	if len(src) > MaxQueryBytes {
		return "", invalidf(key, src, "is %d bytes; at most %d are allowed", len(src), MaxQueryBytes)
	}
	tmpl, err := template.New("query").Option("missingkey=error").Parse(src)
	if err != nil {
		return "", invalidf(key, src, "not a valid template: %v", err)
	}
	data := QueryData{
		Revision:      pa.Name,
		Service:       pa.Labels[serving.ServiceLabelKey],
		Configuration: pa.Labels[serving.ConfigurationLabelKey],
		Namespace:     pa.Namespace,
		Metric:        metric,
	}
	values := map[string]string{
		"Revision": data.Revision, "Service": data.Service, "Configuration": data.Configuration,
		"Namespace": data.Namespace, "Metric": data.Metric,
		// autoscaler-keda's only field, kept so its users' queries work as written.
		legacyRevisionField: data.Revision,
	}
	if err := checkQueryNodes(tmpl.Tree.Root, values); err != nil {
		return "", invalid(key, src, err.Error())
	}
	var out strings.Builder
	if err := tmpl.Execute(&out, values); err != nil {
		return "", invalidf(key, src, "template failed: %v", err)
	}
	if out.Len() > MaxQueryBytes {
		return "", invalidf(key, src, "renders to %d bytes; at most %d are allowed", out.Len(), MaxQueryBytes)
	}
	return out.String(), nil
}

// legacyRevisionField is knative-extensions/autoscaler-keda's template field
// for the revision's name, {{.revisionName}}: an alias of {{.Revision}}.
const legacyRevisionField = "revisionName"

// checkQueryNodes allows text and {{.Field}} actions only, and refuses a
// field whose value is empty for this revision (a query for service="" would
// silently match nothing). It says why a template is refused, or nil.
func checkQueryNodes(root *parse.ListNode, values map[string]string) error {
	allowed := "a template may only use " + strings.Join(func() []string {
		out := make([]string, len(queryFields))
		for i, f := range queryFields {
			out[i] = "{{." + f + "}}"
		}
		return out
	}(), ", ")
	for _, n := range root.Nodes {
		switch n := n.(type) {
		case *parse.TextNode:
		case *parse.ActionNode:
			if len(n.Pipe.Decl) != 0 || len(n.Pipe.Cmds) != 1 || len(n.Pipe.Cmds[0].Args) != 1 {
				return fmt.Errorf("%s; got %s", allowed, n.String())
			}
			f, ok := n.Pipe.Cmds[0].Args[0].(*parse.FieldNode)
			if !ok || len(f.Ident) != 1 {
				return fmt.Errorf("%s; got %s", allowed, n.String())
			}
			v, known := values[f.Ident[0]]
			if !known {
				return fmt.Errorf("%s; got %s", allowed, n.String())
			}
			if v == "" {
				return fmt.Errorf("uses %s, which is empty for this revision (no %s label)", n.String(), labelFor(f.Ident[0]))
			}
		default:
			return fmt.Errorf("%s; got %s", allowed, n.String())
		}
	}
	return nil
}

func labelFor(field string) string {
	switch field {
	case "Service":
		return serving.ServiceLabelKey
	case "Configuration":
		return serving.ConfigurationLabelKey
	}
	return field
}

// prometheusAuth reads the custom metric's authentication annotations.
func prometheusAuth(anns map[string]string, cfg *config.KEDA) (*kedav1alpha1.AuthenticationRef, string, *apis.FieldError) {
	name, hasName := anns[PrometheusAuthNameAnnotationKey]
	kind, hasKind := anns[PrometheusAuthKindAnnotationKey]
	modes, hasModes := anns[PrometheusAuthModesAnnotationKey]
	if !hasName && !hasKind && !hasModes {
		return nil, "", nil
	}
	var errs *apis.FieldError
	if !hasName {
		errs = errs.Also(missing(PrometheusAuthNameAnnotationKey, "the authentication annotations need a TriggerAuthentication name"))
	} else if msgs := validation.IsDNS1123Subdomain(name); len(msgs) > 0 {
		errs = errs.Also(invalid(PrometheusAuthNameAnnotationKey, name, strings.Join(msgs, "; ")))
	}
	if !hasModes {
		errs = errs.Also(missing(PrometheusAuthModesAnnotationKey, "an authentication reference needs its modes (basic, bearer, tls, custom)"))
	}
	if !hasKind {
		kind = triggerAuthKind
	} else if kind != triggerAuthKind && kind != clusterTriggerAuthKind {
		errs = errs.Also(invalidf(PrometheusAuthKindAnnotationKey, kind, "must be %s or %s", triggerAuthKind, clusterTriggerAuthKind))
	}
	var clean []string
	if hasModes {
		for _, m := range strings.Split(modes, ",") {
			m = strings.TrimSpace(m)
			if !authModes[m] {
				errs = errs.Also(invalidf(PrometheusAuthModesAnnotationKey, modes, "mode %q is not one of basic, bearer, tls, custom", m))
				break
			}
			clean = append(clean, m)
		}
	}
	ref := &kedav1alpha1.AuthenticationRef{Name: name, Kind: kind}
	errs = errs.Also(checkAuthRef(ref, PrometheusAuthNameAnnotationKey, cfg))
	if errs != nil {
		return nil, "", errs
	}
	return ref, strings.Join(clean, ","), nil
}

// checkAuthRef refuses a ClusterTriggerAuthentication that config-autoscaler-keda
// does not allow: a revision's author must not borrow cluster-wide secrets.
func checkAuthRef(ref *kedav1alpha1.AuthenticationRef, key string, cfg *config.KEDA) *apis.FieldError {
	if ref == nil || ref.Kind != clusterTriggerAuthKind {
		return nil
	}
	if cfg.AllowedClusterTriggerAuthentications.Has(ref.Name) {
		return nil
	}
	allowed := cfg.SortedAllowedClusterTriggerAuthentications()
	sort.Strings(allowed)
	list := "none are allowed"
	if len(allowed) > 0 {
		list = "allowed: " + strings.Join(allowed, ", ")
	}
	return invalidf(key, ref.Name, "ClusterTriggerAuthentication %q is not in %s of %s (%s)",
		ref.Name, config.ClusterTriggerAuthAllowedKey, config.KEDAConfigName, list)
}
