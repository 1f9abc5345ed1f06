package check

import (
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/gocty"
)

// link says that a load balancer sends traffic to something the repository
// names: an ECS service, a module, a Kubernetes Service. Names are matched
// against the projects the backends live in (see projectName).
type link struct {
	lb    string   // the load balancer hop's Name
	names []string // candidate service names, lower case
	where Location // the block that links them
	dir   string   // when set, the load balancer is in front of what lives under dir ("." for all), or of dir if it is a file
	// image, with dir, says that what lives there is built into a
	// container image: other Dockerfiles, compose files and Procfiles
	// there describe other images and deployments, not that one. Such a
	// link is to the load balancer hop at where, whatever its name.
	image bool
	// lbAt, when set, is where the load balancer's hop is (another
	// directory may have one of the same name).
	lbAt Location
	// sameFile narrows a link by names to the backends of the file that
	// holds it (a CloudFormation template's ECS service and its task
	// definition's containers).
	sameFile bool
	// owner, when set, narrows it to the servers of that block's user
	// data (two instances may share one script).
	owner string
	// span, when set, narrows the link to those lines of the file dir
	// (a script written inline in a .tf file).
	span [2]int
	// jar marks a link to the Spring Boot application an instance's user
	// data runs with java -jar: names holds the jar's stem (see jarLinks).
	jar bool
}

// albModules are Terraform module sources that create an Application Load
// Balancer; their idle_timeout input defaults to 60 in every major version.
var albModules = []string{"terraform-aws-modules/alb/aws", "terraform-aws-modules/terraform-aws-alb", "cloudposse/alb/aws"}

// tfFile is one Terraform file of a directory.
type tfFile struct {
	path string // relative to the root
	src  []byte
	body *hclsyntax.Body // nil when the file is not valid HCL; then err says why
	err  *ParseError
}

// newTFFile parses a Terraform file once, for every reader of it.
func newTFFile(path string, src []byte) tfFile {
	f := tfFile{path: path, src: src}
	file, diags := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
	if diags.HasErrors() {
		line := 0
		if diags[0].Subject != nil {
			line = diags[0].Subject.Start.Line
		}
		f.err = &ParseError{Location{path, line}, fmt.Errorf("HCL: %s", diags[0].Summary)}
		return f
	}
	f.body, _ = file.Body.(*hclsyntax.Body)
	return f
}

// parseTerraformDir reads the .tf and .tfvars files of one directory
// together: load balancers (aws_lb, aws_alb, aws_elb, ALB modules) with
// idle_timeout resolved through variable defaults and .tfvars literals, and
// the blocks that route their target groups to services.
func parseTerraformDir(files []tfFile) ([]Hop, []Finding, []link, []*ParseError) {
	hops, findings, links, _, errs := parseTerraformDirWith(files, nil, nil)
	return hops, findings, links, errs
}

// moduleInputs finds the literal inputs that module blocks in files pass to
// local modules ("./x", "../x"), by the module's directory (relative to the
// root, slash-separated).
func moduleInputs(dir string, files []tfFile) map[string]map[string]cty.Value {
	out := map[string]map[string]cty.Value{}
	// An input may be the caller's own variable (idle_timeout = var.idle_timeout
	// in an example that calls the module): evaluated with the caller's values.
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(terraformVars(files))}}
	for _, f := range files {
		if !strings.HasSuffix(f.path, ".tf") || f.body == nil {
			continue
		}
		for _, b := range f.body.Blocks {
			src, _ := stringAttr(b.Body, "source")
			if b.Type != "module" || !(strings.HasPrefix(src, "./") || strings.HasPrefix(src, "../")) {
				continue
			}
			target := filepath.ToSlash(filepath.Clean(filepath.Join(dir, src)))
			in := map[string]cty.Value{}
			for name, a := range b.Body.Attributes {
				if v, d := a.Expr.Value(ctx); !d.HasErrors() && v.IsWhollyKnown() {
					in[name] = v
				} else {
					in[name] = cty.DynamicVal // passed, but not a literal
				}
			}
			out[target] = in
		}
	}
	return out
}

// terraformVars gives the values of a directory's variables: their literal
// defaults, overridden by literals in its *.tfvars files.
func terraformVars(files []tfFile) map[string]cty.Value {
	vars := map[string]cty.Value{}
	for _, f := range files {
		if f.body == nil || strings.HasSuffix(f.path, ".tfvars") {
			continue
		}
		for _, b := range f.body.Blocks {
			if b.Type == "variable" && len(b.Labels) == 1 {
				if a, ok := b.Body.Attributes["default"]; ok {
					if v, d := a.Expr.Value(nil); !d.HasErrors() && v.IsWhollyKnown() {
						vars[b.Labels[0]] = v
					}
				}
			}
		}
	}
	for _, f := range files {
		if !strings.HasSuffix(f.path, ".tfvars") {
			continue
		}
		if f.body != nil {
			for name, a := range f.body.Attributes {
				if v, d := a.Expr.Value(nil); !d.HasErrors() && v.IsWhollyKnown() {
					vars[name] = v
				}
			}
		}
	}
	return vars
}

// parseTerraformDirWith is parseTerraformDir for a module whose callers pass
// inputs: each input overrides the variable's default (cty.DynamicVal when a
// caller passes something lbdoctor cannot evaluate, or callers disagree).
// With read (which reads a file by its path from the repository's root), it
// also reads the instances' user data (see userdata.go) and returns the
// script files it read as such, whose hops these replace.
func parseTerraformDirWith(files []tfFile, inputs map[string]cty.Value, read func(string) ([]byte, error)) ([]Hop, []Finding, []link, []string, []*ParseError) {
	var errs []*ParseError
	var bodies []tfFile // the .tf files that parsed
	for _, f := range files {
		if f.err != nil {
			errs = append(errs, f.err)
			continue
		}
		if f.body != nil && !strings.HasSuffix(f.path, ".tfvars") {
			bodies = append(bodies, f)
		}
	}
	vars := terraformVars(files)
	for name, v := range inputs {
		if v == cty.DynamicVal {
			delete(vars, name) // unknown: the expression will not evaluate
			continue
		}
		vars[name] = v
	}
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(vars)}}
	// locals that evaluate from literals and variables (local.ingress_class_name).
	locals := map[string]cty.Value{}
	for _, p := range bodies {
		for _, b := range p.body.Blocks {
			if b.Type != "locals" {
				continue
			}
			for name, a := range b.Body.Attributes {
				if v, d := a.Expr.Value(ctx); !d.HasErrors() && v.IsWhollyKnown() {
					locals[name] = v
				}
			}
		}
	}
	ctx.Variables["local"] = cty.ObjectVal(locals)

	var hops []Hop
	var findings []Finding
	var lbs []lbRef
	var links []link
	for _, p := range bodies {
		for _, b := range p.body.Blocks {
			if hop, services, ok := terraformIngress(p.path, b, ctx); ok {
				hops = append(hops, hop)
				if len(services) > 0 {
					links = append(links, link{lb: hop.Name, names: services, where: Location{p.path, b.DefRange().Start.Line}})
				}
				continue
			}
			if hop, ok := terraformBeanstalk(p.path, b, ctx); ok {
				hops = append(hops, hop)
				if names := blockNames(b, ctx); len(names) > 0 {
					links = append(links, link{lb: hop.Name, names: names, where: hop.Location})
				}
				continue
			}
			hop, ref, ok := terraformLB(p.path, b)
			if !ok {
				continue
			}
			if a, ok := b.Body.Attributes["idle_timeout"]; ok {
				hop.Location = Location{p.path, a.SrcRange.Start.Line}
				v, diags := a.Expr.Value(ctx)
				var secs int64
				if !diags.HasErrors() && v.IsKnown() && v.IsNull() {
					// null leaves the argument unset: AWS's default applies.
					hop.Source = fmt.Sprintf("%s is null, so unset: the default (%d s)", exprText(p.src, a.Expr.Range()), int64(hop.Idle/time.Second))
				} else if diags.HasErrors() || !v.IsKnown() || gocty.FromCtyValue(v, &secs) != nil {
					hop.Known = false
					hop.Source = "idle_timeout is an expression lbdoctor cannot evaluate"
					findings = append(findings, Finding{Rule: RuleUnknown, Location: hop.Location,
						Message: fmt.Sprintf("%s: idle_timeout is not a literal or a variable with a literal value; lbdoctor cannot check it", hop.Name)})
				} else {
					hop.Idle = time.Duration(secs) * time.Second
					hop.Source = fmt.Sprintf("idle_timeout = %d", secs)
					if len(a.Expr.Variables()) > 0 {
						hop.Source += " (from " + exprText(p.src, a.Expr.Range()) + ")"
					}
				}
			}
			hops = append(hops, hop)
			lbs = append(lbs, lbRef{hop.Name, ref, hop.Location})
		}
	}
	// CloudFront distributions whose origin is one of them.
	for _, p := range bodies {
		for _, b := range p.body.Blocks {
			findings = append(findings, terraformCloudFront(p.path, p.src, b, ctx, hops)...)
		}
	}
	// Blocks that mention a load balancer's target groups route it to the
	// services they name.
	for _, p := range bodies {
		for _, b := range p.body.Blocks {
			if b.Type != "resource" && b.Type != "module" {
				continue
			}
			text := exprText(p.src, b.Range())
			for _, lb := range lbs {
				if lb.ref == "" || !strings.Contains(text, lb.ref) || strings.HasPrefix(lb.name, blockAddr(b)) {
					continue
				}
				names := append(blockNames(b, ctx), taskDefinitionImages(bodies, text)...)
				if len(names) > 0 {
					links = append(links, link{lb: lb.name, names: names, where: Location{p.path, b.DefRange().Start.Line}})
				}
			}
		}
	}
	var scripts []string
	if read != nil && len(bodies) > 0 {
		blocks := tfBlocks(bodies)
		for _, u := range terraformUserData(path.Dir(bodies[0].path), bodies, ctx, read) {
			fronts, where, routed, through, ports := userDataFronts(u.owner, blocks, lbs)
			if through != "" {
				routed = false
			}
			found := userDataHops(u, &userDataRoute{u.owner, routed, through, ports})
			hops = append(hops, found...)
			var these []link
			for _, lb := range fronts {
				these = append(these, link{lb: lb.name, lbAt: lb.at, dir: u.file, span: u.span, where: where, owner: u.owner})
			}
			links = append(append(links, these...), jarLinks(u, found, these)...)
			if u.span[0] == 0 {
				scripts = append(scripts, u.file)
			}
		}
	}
	return hops, findings, links, scripts, errs
}

// lbRef is a load balancer of a directory: its hop's name, and the text by
// which other blocks reach its target groups.
type lbRef struct {
	name, ref string
	at        Location // its hop's
}

// terraformLB recognises a load balancer block and returns its hop and the
// text by which other blocks reach its target groups.
func terraformLB(path string, b *hclsyntax.Block) (Hop, string, bool) {
	setting := func(d time.Duration) string { return fmt.Sprintf("idle_timeout = %d", int64(d/time.Second)) }
	switch {
	case b.Type == "resource" && len(b.Labels) == 2 && (b.Labels[0] == "aws_lb" || b.Labels[0] == "aws_alb" || b.Labels[0] == "aws_elb"):
		if b.Labels[0] != "aws_elb" {
			if t, ok := stringAttr(b.Body, "load_balancer_type"); ok && t != "application" {
				return Hop{}, "", false
			}
		} else if !classicHTTP(b.Body) {
			return Hop{}, "", false // TCP/SSL listeners pass connections through: no pool to race
		}
		name := b.Labels[0] + "." + b.Labels[1]
		return Hop{Role: LB, Kind: b.Labels[0], Name: name, Idle: 60 * time.Second, Known: true, Setting: setting,
			Source: "default idle_timeout (60 s)", Location: Location{path, b.DefRange().Start.Line}}, "aws_lb_target_group.", true
	case b.Type == "module" && len(b.Labels) == 1:
		src, _ := stringAttr(b.Body, "source")
		for _, m := range albModules {
			if strings.Contains(src, m) {
				if t, ok := stringAttr(b.Body, "load_balancer_type"); ok && t != "application" {
					return Hop{}, "", false
				}
				name := "module." + b.Labels[0]
				return Hop{Role: LB, Kind: "terraform-module-alb", Name: name + " (" + m + ")", Idle: 60 * time.Second, Known: true, Setting: setting,
					Source: "the module's default idle_timeout (60 s)", Location: Location{path, b.DefRange().Start.Line}}, name + ".target_group", true
			}
		}
	}
	return Hop{}, "", false
}

// classicHTTP reports whether a Classic Load Balancer (aws_elb) may speak
// HTTP to its instances: false only when every listener's instance_protocol
// is a literal tcp or ssl.
func classicHTTP(body *hclsyntax.Body) bool {
	seen := false
	for _, l := range body.Blocks {
		if l.Type != "listener" {
			continue
		}
		seen = true
		if p, ok := stringAttr(l.Body, "instance_protocol"); !ok || !isTCPProtocol(p) {
			return true
		}
	}
	return !seen
}

func blockAddr(b *hclsyntax.Block) string {
	if b.Type == "module" && len(b.Labels) == 1 {
		return "module." + b.Labels[0]
	}
	return strings.Join(b.Labels, ".")
}

// blockNames collects the names a block gives its service: string values
// (literals, or variables and locals that evaluate in ctx) of
// attributes whose name says "name", and the words of image references
// (module.images.result.ui.url names "ui").
func blockNames(b *hclsyntax.Block, ctx *hcl.EvalContext) []string {
	seen := map[string]bool{}
	var walk func(body *hclsyntax.Body)
	walk = func(body *hclsyntax.Body) {
		for name, a := range body.Attributes {
			switch {
			case strings.Contains(name, "name") && !strings.Contains(name, "environment") && !strings.Contains(name, "cluster"):
				if v, d := a.Expr.Value(ctx); !d.HasErrors() && v.IsKnown() && !v.IsNull() && v.Type() == cty.String {
					seen[strings.ToLower(v.AsString())] = true
				}
			case strings.Contains(name, "image"):
				for _, tr := range a.Expr.Variables() {
					for _, step := range tr {
						switch s := step.(type) {
						case hcl.TraverseAttr:
							seen[strings.ToLower(s.Name)] = true
						case hcl.TraverseIndex:
							if s.Key.Type() == cty.String {
								seen[strings.ToLower(s.Key.AsString())] = true
							}
						}
					}
				}
			}
		}
		for _, nb := range body.Blocks {
			walk(nb.Body)
		}
	}
	walk(b.Body)
	var out []string
	for n := range seen {
		if n != "" {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func exprText(src []byte, r hcl.Range) string {
	if r.Start.Byte < 0 || r.End.Byte > len(src) || r.Start.Byte > r.End.Byte {
		return ""
	}
	return string(src[r.Start.Byte:r.End.Byte])
}

// projectName is the name of the project a file belongs to: the directory
// that holds its build file, Dockerfile or manifest (pom.xml, package.json,
// go.mod, ...), lower case, found from the file's directory up to the root.
func projectName(root, file string) string {
	name, _ := projectOf(root, file)
	return name
}

// projectOf is projectName and whether the project is the repository root
// (a monorepo's root manifest says nothing about which service a file is for).
func projectOf(root, file string) (string, bool) {
	dir := filepath.Dir(filepath.Join(root, filepath.FromSlash(file)))
	for {
		for _, n := range append([]string{"Dockerfile"}, projectMarkers...) {
			if fileExists(filepath.Join(dir, n)) {
				abs, _ := filepath.Abs(dir)
				rootAbs, _ := filepath.Abs(root)
				return strings.ToLower(filepath.Base(abs)), abs == rootAbs
			}
		}
		if filepath.Clean(dir) == filepath.Clean(root) || filepath.Dir(dir) == dir {
			return "", false
		}
		dir = filepath.Dir(dir)
	}
}

// sameService reports whether a link's name names a project: equal, or
// equal once common suffixes and prefixes are removed ("ui-service", "ui").
func sameService(name, project string) bool {
	if name == "" || project == "" {
		return false
	}
	norm := func(s string) string {
		s = strings.NewReplacer("_", "-").Replace(strings.ToLower(s))
		for _, x := range []string{"-service", "-svc", "-app", "-api", "-server"} {
			s = strings.TrimSuffix(s, x)
		}
		return s
	}
	n, p := norm(name), norm(project)
	return n == p || strings.HasSuffix(n, "-"+p) // "retail-store-ui" names "ui"
}
