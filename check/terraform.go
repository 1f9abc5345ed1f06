package check

import (
	"os"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// parseTerraform finds AWS load balancers in a single .tf file (see
// parseTerraformDir, which reads a directory's files together): aws_lb /
// aws_alb of type application and Classic aws_elb (idle_timeout, default 60),
// and ALB modules. Network and gateway load balancers do not pool HTTP
// connections and are skipped.
func parseTerraform(path string, src []byte) ([]Hop, []Finding, error) {
	hops, findings, _, errs := parseTerraformDir([]tfFile{newTFFile(path, src)})
	if len(errs) > 0 {
		return hops, findings, errs[0]
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

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
