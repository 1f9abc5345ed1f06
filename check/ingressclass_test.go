package check

import (
	"strings"
	"testing"
	"time"
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

// The Ingresses of an IngressGroup share one ALB: the idle timeout one of
// them sets is the others' too.
func TestIngressGroups(t *testing.T) {
	ingress := func(name, group, attrs string) string {
		s := "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: " + name + "\n  annotations:\n    alb.ingress.kubernetes.io/group.name: " + group + "\n"
		if attrs != "" {
			s += "    alb.ingress.kubernetes.io/load-balancer-attributes: " + attrs + "\n"
		}
		return s + "spec:\n  ingressClassName: alb\n  defaultBackend:\n    service:\n      name: " + name + "\n      port:\n        number: 80\n"
	}
	r, _ := checkFiles(t, map[string]string{
		"k8s/api.yaml": ingress("api", "shop", "idle_timeout.timeout_seconds=30"),
		"k8s/web.yaml": ingress("web", "shop", ""),
		"k8s/adm.yaml": ingress("adm", "admin", ""),
	})
	wantHops(t, r, map[string]string{
		"aws-load-balancer-controller k8s/api.yaml:7": "30s annotation idle_timeout.timeout_seconds=30",
		"aws-load-balancer-controller k8s/adm.yaml:1": "60s ALB default",
	})
	var web Hop
	for _, h := range r.Hops {
		if h.Name == "Ingress web" {
			web = h
		}
	}
	if !web.Known || web.Idle != 30*time.Second || !strings.Contains(web.Source, "of the same IngressGroup shop") {
		t.Errorf("web: %s known=%v (%s), want the group's 30 s", web.Idle, web.Known, web.Source)
	}
	r, _ = checkFiles(t, map[string]string{
		"k8s/api.yaml": ingress("api", "shop", "idle_timeout.timeout_seconds=30"),
		"k8s/web.yaml": ingress("web", "shop", "idle_timeout.timeout_seconds=120"),
	})
	for _, h := range r.Hops {
		if h.Known {
			t.Errorf("%s: %s (%s), want unknown: the group's Ingresses disagree", h.Name, h.Idle, h.Source)
		}
	}
}
