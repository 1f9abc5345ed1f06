package check

import (
	"fmt"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/gocty"
)

// parseTerraform finds AWS load balancers in a .tf file: aws_lb / aws_alb of
// type application (idle_timeout, default 60) and Classic aws_elb
// (idle_timeout, default 60). Network and gateway load balancers do not pool
// HTTP connections and are skipped.
func parseTerraform(path string, src []byte) ([]Hop, []Finding, error) {
	f, diags := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
	if diags.HasErrors() {
		line := 0
		if len(diags) > 0 && diags[0].Subject != nil {
			line = diags[0].Subject.Start.Line
		}
		return nil, nil, &ParseError{Location{path, line}, fmt.Errorf("HCL: %s", diags[0].Summary)}
	}
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return nil, nil, nil
	}
	var hops []Hop
	var findings []Finding
	for _, b := range body.Blocks {
		if b.Type != "resource" || len(b.Labels) != 2 {
			continue
		}
		kind, name := b.Labels[0], b.Labels[1]
		if kind != "aws_lb" && kind != "aws_alb" && kind != "aws_elb" {
			continue
		}
		if kind != "aws_elb" {
			if t, ok := stringAttr(b.Body, "load_balancer_type"); ok && t != "application" {
				continue
			}
		}
		hop := Hop{Role: LB, Kind: kind, Name: kind + "." + name, Idle: 60 * time.Second, Known: true,
			Source: "default idle_timeout (60 s)", Location: Location{path, b.DefRange().Start.Line}}
		hop.Setting = func(d time.Duration) string { return fmt.Sprintf("idle_timeout = %d", int64(d/time.Second)) }
		if a, ok := b.Body.Attributes["idle_timeout"]; ok {
			hop.Location = Location{path, a.SrcRange.Start.Line}
			v, diags := a.Expr.Value(nil)
			var secs int64
			if diags.HasErrors() || !v.IsKnown() || v.Type() != cty.Number || gocty.FromCtyValue(v, &secs) != nil {
				hop.Known = false
				hop.Source = "idle_timeout is an expression lbdoctor cannot evaluate"
				findings = append(findings, Finding{Rule: RuleUnknown, Location: hop.Location,
					Message: fmt.Sprintf("%s: idle_timeout is not a literal (a variable or function); lbdoctor cannot check it", hop.Name)})
			} else {
				hop.Idle = time.Duration(secs) * time.Second
				hop.Source = fmt.Sprintf("idle_timeout = %d", secs)
			}
		}
		hops = append(hops, hop)
	}
	return hops, findings, nil
}

func stringAttr(body *hclsyntax.Body, name string) (string, bool) {
	a, ok := body.Attributes[name]
	if !ok {
		return "", false
	}
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() || !v.IsKnown() || v.Type() != cty.String {
		return "", false
	}
	return v.AsString(), true
}
