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
	unreadAttrs := "" // the load-balancer-attributes annotation, set from what does not evaluate
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
				if !d1.HasErrors() && k.IsKnown() && !k.IsNull() && k.Type() == cty.String && k.AsString() == "alb.ingress.kubernetes.io/load-balancer-attributes" &&
					(d2.HasErrors() || !v.IsWhollyKnown() || v.IsNull() || v.Type() != cty.String) && mayNameIdle(item.ValueExpr) {
					// Set, to a value lbdoctor cannot evaluate (a variable
					// without a default): not the default.
					unreadAttrs, attrsLine = traversalNames(item.ValueExpr), item.ValueExpr.Range().Start.Line
					continue
				}
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
	hasAttrs = hasAttrs || unreadAttrs != ""
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
	if unreadAttrs != "" {
		hop.Idle, hop.Known, hop.Location.Line = 0, false, attrsLine
		hop.Source = "annotation load-balancer-attributes from " + unreadAttrs + ": a value lbdoctor cannot evaluate"
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

// traversalNames names what an expression refers to: "var.idle, local.x".
func traversalNames(e hclsyntax.Expression) string {
	var names []string
	for _, tr := range e.Variables() {
		name := tr.RootName()
		for _, step := range tr[1:] {
			if a, ok := step.(hcl.TraverseAttr); ok {
				name += "." + a.Name
			}
		}
		names = append(names, name)
	}
	if len(names) == 0 {
		return "an expression"
	}
	return strings.Join(names, ", ")
}

// mayNameIdle reports whether an annotation value that does not evaluate
// may set the idle timeout: a template whose literal text names it
// ("idle_timeout.timeout_seconds=${var.idle}"), or a value that is all
// expression (var.attributes). "routing.http2.enabled=${var.h2}" does not.
func mayNameIdle(e hclsyntax.Expression) bool {
	t, ok := e.(*hclsyntax.TemplateExpr)
	if !ok {
		return true
	}
	for _, part := range t.Parts {
		if lit, ok := part.(*hclsyntax.LiteralValueExpr); ok && lit.Val.Type() == cty.String && strings.Contains(lit.Val.AsString(), "idle_timeout") {
			return true
		}
	}
	return false
}
