package check

import (
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// An Ingress for the AWS Load Balancer Controller written with Terraform's
// kubernetes provider (resource kubernetes_ingress_v1, or kubernetes_ingress
// before it): the ALB and its idle timeout come from the same annotations as
// in a manifest, and the Services it routes to from its backend blocks.

// terraformIngress returns the load balancer of an ALB ingress resource and
// the names of the Services it routes to; ok is false for other blocks and
// for ingresses of another class.
func terraformIngress(path string, b *hclsyntax.Block, ctx *hcl.EvalContext) (hop Hop, services []string, ok bool) {
	if b.Type != "resource" || len(b.Labels) != 2 || (b.Labels[0] != "kubernetes_ingress_v1" && b.Labels[0] != "kubernetes_ingress") {
		return Hop{}, nil, false
	}
	var class string
	annotations := map[string]string{}
	var attrsLine int
	for _, blk := range b.Body.Blocks {
		switch blk.Type {
		case "metadata":
			a, found := blk.Body.Attributes["annotations"]
			if !found {
				continue
			}
			obj, isObj := a.Expr.(*hclsyntax.ObjectConsExpr)
			if !isObj {
				continue
			}
			// Item by item, so that one value lbdoctor cannot evaluate
			// ("${var.env}-ingress") does not hide the others.
			for _, item := range obj.Items {
				k, d1 := item.KeyExpr.Value(ctx)
				v, d2 := item.ValueExpr.Value(ctx)
				if d1.HasErrors() || d2.HasErrors() || !k.IsKnown() || !v.IsKnown() || k.IsNull() || v.IsNull() ||
					k.Type() != cty.String || v.Type() != cty.String {
					continue
				}
				annotations[k.AsString()] = v.AsString()
				if k.AsString() == "alb.ingress.kubernetes.io/load-balancer-attributes" {
					attrsLine = item.ValueExpr.Range().Start.Line
				}
			}
		case "spec":
			if a, found := blk.Body.Attributes["ingress_class_name"]; found {
				if v, d := a.Expr.Value(ctx); !d.HasErrors() && v.IsKnown() && !v.IsNull() && v.Type() == cty.String {
					class = v.AsString()
				}
			}
			services = append(services, backendServices(blk.Body)...)
		}
	}
	if c, found := annotations["kubernetes.io/ingress.class"]; found {
		class = c
	}
	attrs, hasAttrs := annotations["alb.ingress.kubernetes.io/load-balancer-attributes"]
	if class != "alb" && !hasAttrs {
		return Hop{}, nil, false
	}
	name := b.Labels[0] + "." + b.Labels[1]
	hop = Hop{Role: LB, Kind: "aws-load-balancer-controller", Name: name, Idle: 60 * time.Second, Known: true,
		Source: "ALB default (60 s): no idle_timeout.timeout_seconds annotation", Location: Location{path, b.DefRange().Start.Line},
		Setting: func(d time.Duration) string {
			return fmt.Sprintf(`"alb.ingress.kubernetes.io/load-balancer-attributes" = "idle_timeout.timeout_seconds=%d"`, int64(d/time.Second))
		}}
	if idle, source, set, known := albAttributesIdle(attrs); hasAttrs && set {
		hop.Idle, hop.Source, hop.Known, hop.Location.Line = idle, source, known, attrsLine
	}
	return hop, services, true
}

// backendServices finds the names in the service blocks of an ingress spec
// (rule/http/path/backend/service, and default_backend).
func backendServices(body *hclsyntax.Body) []string {
	var names []string
	for _, blk := range body.Blocks {
		if blk.Type == "service" {
			if a, ok := blk.Body.Attributes["name"]; ok {
				if v, d := a.Expr.Value(nil); !d.HasErrors() && v.IsKnown() && !v.IsNull() && v.Type() == cty.String {
					names = append(names, strings.ToLower(v.AsString()))
				}
			}
		}
		if a, ok := blk.Body.Attributes["service_name"]; ok { // kubernetes_ingress (v1beta1)
			if v, d := a.Expr.Value(nil); !d.HasErrors() && v.IsKnown() && !v.IsNull() && v.Type() == cty.String {
				names = append(names, strings.ToLower(v.AsString()))
			}
		}
		names = append(names, backendServices(blk.Body)...)
	}
	return names
}
