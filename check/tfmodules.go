package check

import (
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Terraform projects often keep the load balancer and the services in
// local modules of their own, wired by the root module:
//
//	module "alb" { source = "./alb" }
//	module "ecs" { source = "./ecs"; target_group_arn = module.alb.target_group_arn }
//
// and in ./ecs, aws_ecs_service's load_balancer takes var.target_group_arn.
// Each directory alone links nothing: the service's block mentions no
// target group of its own directory. moduleLinks reads the wiring.

// moduleLinks returns the links from the load balancers made in one local
// module to the services of another local module called beside it with an
// input that refers to the first (module.alb.*), or with an input that
// refers to a target group of the calling directory, whose load balancers
// are then the ones in front. dirs holds each directory's Terraform files
// and lbs its load balancer hops, by directory relative to the root
// (slash-separated); exists says whether a file (relative to the root) is
// there.
//
// It also links a service's containers written in a template file
// (container_definitions = data.template_file.app.rendered, or
// templatefile("app.json.tpl", ...), given by the caller or by the module
// itself) to the load balancers in front of that service: their command
// lines are read from the template, whose container names are often
// template expressions that name nothing.
func moduleLinks(dirs map[string][]tfFile, lbs map[string][]Hop, exists func(string) bool) []link {
	var out []link
	for _, d := range sortedKeys(dirs) {
		// The local modules called here, by label.
		called := map[string]string{}
		for _, f := range tfSources(dirs[d]) {
			for _, b := range f.body.Blocks {
				if src, ok := stringAttr(b.Body, "source"); ok && b.Type == "module" && len(b.Labels) == 1 && (strings.HasPrefix(src, "./") || strings.HasPrefix(src, "../")) {
					called[b.Labels[0]] = filepath.ToSlash(filepath.Clean(filepath.Join(d, src)))
				}
			}
		}
		// lbsOf returns the load balancers an expression's text brings: a
		// called module's target group output, or (with here) a target
		// group of this directory.
		lbsOf := func(text, except string, here bool) []Hop {
			var hops []Hop
			for _, m := range moduleOutputRe.FindAllStringSubmatch(text, -1) {
				if dir := called[m[1]]; dir != "" && dir != except && targetGroupOutput(dirs[dir], m[2]) {
					hops = append(hops, lbs[dir]...)
				}
			}
			if here && (strings.Contains(text, "aws_lb_target_group.") || strings.Contains(text, "aws_alb_target_group.")) {
				hops = append(hops, lbs[d]...)
			}
			return hops
		}
		// A resource here that takes a called module's target group: an
		// aws_ecs_service with target_group_arn = module.alb.target_group_arn.
		for _, f := range tfSources(dirs[d]) {
			for _, b := range f.body.Blocks {
				if b.Type != "resource" || len(b.Labels) != 2 {
					continue
				}
				text := exprText(f.src, b.Range())
				where := Location{f.path, b.DefRange().Start.Line}
				// Its task definitions' templates are behind these load
				// balancers and those of this directory's target groups; its
				// names, behind the modules' only (the directory's own are
				// linked by parseTerraformDirWith).
				hops := lbsOf(text, "", true)
				if len(hops) == 0 {
					continue
				}
				if fromModules := lbsOf(text, "", false); len(fromModules) > 0 {
					names := moduleServiceNames(dirs[d], nil, b.Labels[0]+"."+b.Labels[1])
					for _, h := range fromModules {
						out = append(out, link{lb: h.Name, lbAt: h.Location, names: names, where: where})
					}
				}
				for _, tpl := range serviceTemplates(d, dirs[d], text, nil, exists) {
					for _, h := range hops {
						out = append(out, link{lb: h.Name, lbAt: h.Location, dir: tpl, where: where})
					}
				}
			}
		}
		for _, f := range tfSources(dirs[d]) {
			for _, b := range f.body.Blocks {
				if b.Type != "module" || len(b.Labels) != 1 || called[b.Labels[0]] == "" {
					continue
				}
				target := called[b.Labels[0]]
				where := Location{f.path, b.DefRange().Start.Line}
				// The inputs that bring it a load balancer, and those that
				// bring it a template.
				fronts := map[string][]Hop{}
				templates := map[string]string{}
				for name, a := range b.Body.Attributes {
					if tfMetaArguments[name] {
						continue
					}
					if h := lbsOf(exprText(f.src, a.Expr.Range()), target, true); len(h) > 0 {
						fronts[name] = h
					}
					if tpl := templateOf(d, dirs[d], a.Expr, exists, 0); tpl != "" {
						templates[name] = tpl
					}
				}
				if len(fronts) == 0 {
					continue
				}
				inputs := sortedKeys(fronts)
				var hops []Hop
				for _, in := range inputs {
					hops = append(hops, fronts[in]...)
				}
				if names := moduleServiceNames(dirs[target], inputs, ""); len(names) > 0 {
					for _, h := range hops {
						out = append(out, link{lb: h.Name, lbAt: h.Location, names: names, where: where})
					}
				}
				// The module's services that use an input with load
				// balancers: their task definitions' templates.
				for _, tf := range tfSources(dirs[target]) {
					for _, sb := range tf.body.Blocks {
						if sb.Type != "resource" || len(sb.Labels) != 2 {
							continue
						}
						text := exprText(tf.src, sb.Range())
						var these []Hop
						for _, in := range inputs {
							if usesVar(text, in) {
								these = append(these, fronts[in]...)
							}
						}
						if len(these) == 0 {
							continue
						}
						for _, tpl := range serviceTemplates(target, dirs[target], text, templates, exists) {
							for _, h := range these {
								out = append(out, link{lb: h.Name, lbAt: h.Location, dir: tpl, where: where})
							}
						}
					}
				}
			}
		}
	}
	return out
}

// tfServiceTypes are the resources that put what runs behind a target
// group: ECS services (and CodeDeploy's blue/green deployments of them),
// Auto Scaling groups and attachments of instances.
var tfServiceTypes = map[string]bool{
	"aws_ecs_service": true, "aws_codedeploy_deployment_group": true,
	"aws_autoscaling_group": true, "aws_autoscaling_attachment": true,
	"aws_lb_target_group_attachment": true, "aws_alb_target_group_attachment": true,
}

// tfMetaArguments are a module block's arguments that are not inputs.
var tfMetaArguments = map[string]bool{"source": true, "version": true, "depends_on": true, "providers": true, "count": true, "for_each": true}

// tfSources are the .tf files of a directory that parsed.
func tfSources(files []tfFile) []tfFile {
	var out []tfFile
	for _, f := range files {
		if f.body != nil && strings.HasSuffix(f.path, ".tf") {
			out = append(out, f)
		}
	}
	return out
}

// usesVar reports whether text refers to var.name.
func usesVar(text, name string) bool {
	return regexp.MustCompile(`\bvar\.` + regexp.QuoteMeta(name) + `\b`).MatchString(text)
}

// serviceTemplates returns the template files of the container definitions
// of the task definitions (in dir) that a service's text refers to: their
// own (templatefile, file, data.template_file), or the one the caller
// passes as an input they use (inputs: input name -> template).
func serviceTemplates(dir string, files []tfFile, service string, inputs map[string]string, exists func(string) bool) []string {
	var out []string
	for _, c := range containerDefinitionsOf(files, service) {
		if tpl := templateOf(dir, files, c.expr, exists, 0); tpl != "" {
			out = append(out, tpl)
			continue
		}
		text := exprText(c.file.src, c.expr.Range())
		for _, in := range sortedKeys(inputs) {
			if usesVar(text, in) {
				out = append(out, inputs[in])
			}
		}
	}
	return out
}

// containerDefs is a task definition's container_definitions expression
// and the file it is in.
type containerDefs struct {
	file tfFile
	expr hclsyntax.Expression
}

// containerDefinitionsOf returns the container definitions of the
// aws_ecs_task_definition resources that a service's text refers to.
func containerDefinitionsOf(files []tfFile, service string) []containerDefs {
	var out []containerDefs
	for _, f := range tfSources(files) {
		for _, b := range f.body.Blocks {
			if b.Type != "resource" || len(b.Labels) != 2 || b.Labels[0] != "aws_ecs_task_definition" || !strings.Contains(service, "aws_ecs_task_definition."+b.Labels[1]+".") {
				continue
			}
			if a, ok := b.Body.Attributes["container_definitions"]; ok {
				out = append(out, containerDefs{f, a.Expr})
			}
		}
	}
	return out
}

// templateOf returns the file (relative to the root) that an expression of
// directory dir renders: templatefile("p", ...), file("p"), or
// data.template_file.X.rendered whose template is one of those. A relative
// path is taken from dir, and but for path.module, from the directories
// above it too (Terraform reads it from where it runs, the root module).
func templateOf(dir string, files []tfFile, e hclsyntax.Expression, exists func(string) bool, depth int) string {
	if depth > 4 {
		return ""
	}
	switch e := e.(type) {
	case *hclsyntax.FunctionCallExpr:
		if (e.Name != "templatefile" && e.Name != "file") || len(e.Args) == 0 {
			return ""
		}
		dot := cty.StringVal(".")
		ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"path": cty.ObjectVal(map[string]cty.Value{"module": dot, "root": dot, "cwd": dot})}}
		for _, p := range tfFileCandidates(dir, e.Args[0], ctx) {
			if exists(p) {
				return p
			}
		}
	case *hclsyntax.ScopeTraversalExpr:
		t := e.Traversal
		if len(t) < 3 || t.RootName() != "data" {
			return ""
		}
		kind, ok1 := t[1].(hcl.TraverseAttr)
		name, ok2 := t[2].(hcl.TraverseAttr)
		if !ok1 || !ok2 || kind.Name != "template_file" {
			return ""
		}
		for _, f := range tfSources(files) {
			for _, b := range f.body.Blocks {
				if b.Type == "data" && len(b.Labels) == 2 && b.Labels[0] == "template_file" && b.Labels[1] == name.Name {
					if a, ok := b.Body.Attributes["template"]; ok {
						return templateOf(dir, files, a.Expr, exists, depth+1)
					}
				}
			}
		}
	}
	return ""
}

// tfFileCandidates returns where the file that a file(), filebase64() or
// templatefile() path argument of directory dir names may be, relative to
// the root, in the order to try them. ctx evaluates the argument, with
// path.module, path.root and path.cwd as ".". The path is relative to the
// module's directory; path.root, path.cwd and a plain path are relative to
// where terraform runs, the root module: a directory above, when this is a
// module. An absolute path or one that does not evaluate gives none.
func tfFileCandidates(dir string, arg hclsyntax.Expression, ctx *hcl.EvalContext) []string {
	v, diags := arg.Value(ctx)
	if diags.HasErrors() || !v.IsWhollyKnown() || v.Type() != cty.String || path.IsAbs(v.AsString()) {
		return nil
	}
	dirs := []string{dir}
	if !slices.ContainsFunc(arg.Variables(), func(t hcl.Traversal) bool {
		a, ok := t.SimpleSplit().Rel[0].(hcl.TraverseAttr)
		return t.RootName() == "path" && len(t) > 1 && ok && a.Name == "module"
	}) {
		for d := path.Dir(dir); d != dirs[len(dirs)-1]; d = path.Dir(d) {
			dirs = append(dirs, d)
		}
	}
	var out []string
	for _, d := range dirs {
		if p := path.Clean(path.Join(d, v.AsString())); p != ".." && !strings.HasPrefix(p, "../") {
			out = append(out, p)
		}
	}
	return out
}

// moduleServiceNames returns the names of the services a module's blocks
// route the inputs to: the blocks that use var.INPUT (an aws_ecs_service's
// load_balancer), or the block at address only, and the task definitions
// those blocks refer to.
func moduleServiceNames(files []tfFile, inputs []string, address string) []string {
	blocks := map[string]*hclsyntax.Block{} // by address
	texts := map[string]string{}
	for _, f := range tfSources(files) {
		for _, b := range f.body.Blocks {
			if b.Type == "resource" && len(b.Labels) == 2 {
				addr := b.Labels[0] + "." + b.Labels[1]
				blocks[addr], texts[addr] = b, exprText(f.src, b.Range())
			}
		}
	}
	var names []string
	for _, addr := range sortedKeys(blocks) {
		if !tfServiceTypes[blocks[addr].Labels[0]] {
			continue // an alarm or a DNS record given the target group runs nothing
		}
		uses := addr == address || slices.ContainsFunc(inputs, func(in string) bool { return usesVar(texts[addr], in) })
		if !uses {
			continue
		}
		names = append(names, blockNames(blocks[addr], nil)...)
		names = append(names, taskDefinitionImages(files, texts[addr])...)
		for other, b := range blocks {
			if other != addr && strings.HasPrefix(other, "aws_ecs_task_definition.") && strings.Contains(texts[addr], other+".") {
				names = append(names, blockNames(b, nil)...)
			}
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// moduleOutputRe is a reference to a module's output: module.alb.tg_arn.
var moduleOutputRe = regexp.MustCompile(`\bmodule\.([\w-]+)\.([\w-]+)`)

// targetGroupOutput reports whether a module's output gives a target group
// or a listener (which is how a service is put behind a load balancer), not
// the load balancer's DNS name or security group.
func targetGroupOutput(files []tfFile, output string) bool {
	for _, f := range files {
		if f.body == nil || !strings.HasSuffix(f.path, ".tf") {
			continue
		}
		for _, b := range f.body.Blocks {
			if b.Type == "output" && len(b.Labels) == 1 && b.Labels[0] == output {
				if a, ok := b.Body.Attributes["value"]; ok {
					v := exprText(f.src, a.Expr.Range())
					return strings.Contains(v, "target_group") || strings.Contains(v, "listener")
				}
			}
		}
	}
	return false
}

// taskDefinitionImages returns the names that the container images of the
// task definitions a service's text refers to give their service: the
// repository of a literal image ("123.dkr.ecr.../orders-api:1.4" names
// orders-api) and the words of a reference (aws_ecr_repository.orders.
// repository_url names orders). A project built into that image is often
// named so, when the service and its containers are not.
func taskDefinitionImages(files []tfFile, service string) []string {
	var names []string
	for _, c := range containerDefinitionsOf(files, service) {
		hclsyntax.VisitAll(c.expr, func(n hclsyntax.Node) hcl.Diagnostics {
			obj, ok := n.(*hclsyntax.ObjectConsExpr)
			if !ok {
				return nil
			}
			for _, item := range obj.Items {
				if hclKey(item.KeyExpr) != "image" {
					continue
				}
				if v := hclWord(c.file.src, item.ValueExpr); !strings.HasPrefix(v, "${") {
					if name := imageRepository(v); name != "" {
						names = append(names, name)
					}
				}
				for _, tr := range item.ValueExpr.Variables() {
					// aws_ecr_repository.orders.repository_url, and the
					// data source's; not var.image, which names nothing.
					if root := tr.RootName(); root != "aws_ecr_repository" && root != "data" || len(tr) < 2 {
						continue
					}
					for _, step := range tr[1:] {
						if s, ok := step.(hcl.TraverseAttr); ok && s.Name != "repository_url" && s.Name != "aws_ecr_repository" {
							names = append(names, strings.ToLower(s.Name))
							if name := ecrName(files, s.Name); name != "" {
								names = append(names, name) // the repository's own name
							}
						}
					}
				}
			}
			return nil
		})
	}
	return names
}

// imageRepository is imageName of a literal reference, "" for one that
// is not (a template expression).
func imageRepository(ref string) string {
	if name := imageName(strings.TrimSpace(ref)); !strings.ContainsAny(name, "${} ") {
		return name
	}
	return ""
}

// ecrName is the literal name of the aws_ecr_repository (or its data
// source) labelled label in files, or "".
func ecrName(files []tfFile, label string) string {
	for _, f := range tfSources(files) {
		for _, b := range f.body.Blocks {
			if (b.Type == "resource" || b.Type == "data") && len(b.Labels) == 2 && b.Labels[0] == "aws_ecr_repository" && b.Labels[1] == label {
				if v, ok := stringAttr(b.Body, "name"); ok {
					return strings.ToLower(v)
				}
			}
		}
	}
	return ""
}
