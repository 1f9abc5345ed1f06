package check

import (
	"testing"
)

// An Ingress is an ALB's when its IngressClass (named, or the cluster's
// default) is the AWS Load Balancer Controller's, and takes the idle timeout
// of that class's IngressClassParams, which wins over its own annotation.
func TestIngressClasses(t *testing.T) {
	const params = "apiVersion: elbv2.k8s.aws/v1beta1\nkind: IngressClassParams\nmetadata:\n  name: public-params\nspec:\n  loadBalancerAttributes:\n  - key: idle_timeout.timeout_seconds\n    value: \"120\"\n"
	class := func(name, controller, params string, def bool) string {
		s := "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n  name: " + name + "\n"
		if def {
			s += "  annotations:\n    ingressclass.kubernetes.io/is-default-class: \"true\"\n"
		}
		s += "spec:\n  controller: " + controller + "\n"
		if params != "" {
			s += "  parameters:\n    apiGroup: elbv2.k8s.aws\n    kind: IngressClassParams\n    name: " + params + "\n"
		}
		return s
	}
	ingress := func(class, annotations string) string {
		s := "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n"
		if annotations != "" {
			s += "  annotations:\n" + annotations
		}
		s += "spec:\n"
		if class != "" {
			s += "  ingressClassName: " + class + "\n"
		}
		return s + "  defaultBackend:\n    service:\n      name: web\n      port:\n        number: 80\n"
	}
	cases := []struct {
		name  string
		files map[string]string
		want  map[string]string
	}{
		{"params of the named class, in another file", map[string]string{
			"k8s/class.yaml": class("public", "ingress.k8s.aws/alb", "public-params", false), "k8s/params.yaml": params,
			"k8s/ingress.yaml": ingress("public", "")},
			map[string]string{"aws-load-balancer-controller k8s/params.yaml:7": "120s IngressClassParams public-params (of IngressClass public)"}},
		{"the params win over the annotation", map[string]string{
			"k8s/class.yaml": class("public", "ingress.k8s.aws/alb", "public-params", false), "k8s/params.yaml": params,
			"k8s/ingress.yaml": ingress("public", "    alb.ingress.kubernetes.io/load-balancer-attributes: idle_timeout.timeout_seconds=30\n")},
			map[string]string{"aws-load-balancer-controller k8s/params.yaml:7": "120s IngressClassParams public-params"}},
		{"the default class", map[string]string{
			"k8s/class.yaml": class("public", "eks.amazonaws.com/alb", "", true), "k8s/ingress.yaml": ingress("", "")},
			map[string]string{"aws-load-balancer-controller k8s/ingress.yaml:1": "60s ALB default"}},
		{"a class named otherwise, with ALB annotations", map[string]string{
			"k8s/ingress.yaml": ingress("shared-lb", "    alb.ingress.kubernetes.io/scheme: internet-facing\n")},
			map[string]string{"aws-load-balancer-controller k8s/ingress.yaml:1": "60s ALB default"}},
		{"another controller's class", map[string]string{
			"k8s/class.yaml": class("web", "k8s.io/ingress-nginx", "", false), "k8s/ingress.yaml": ingress("web", "")},
			map[string]string{}},
		{"params no Ingress uses stay", map[string]string{"k8s/params.yaml": params},
			map[string]string{"aws-load-balancer-controller k8s/params.yaml:7": "120s loadBalancerAttributes"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _ := checkFiles(t, c.files)
			wantHops(t, r, c.want)
		})
	}
}
