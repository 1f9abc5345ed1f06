package check

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"
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
// (slash-separated).
func moduleLinks(dirs map[string][]tfFile, lbs map[string][]Hop) []link {
	var out []link
	for _, d := range sortedKeys(dirs) {
		// The local modules called here, by label.
		called := map[string]string{}
		for _, f := range dirs[d] {
			if f.body == nil || !strings.HasSuffix(f.path, ".tf") {
				continue
			}
			for _, b := range f.body.Blocks {
				if src, ok := stringAttr(b.Body, "source"); ok && b.Type == "module" && len(b.Labels) == 1 && (strings.HasPrefix(src, "./") || strings.HasPrefix(src, "../")) {
					called[b.Labels[0]] = filepath.ToSlash(filepath.Clean(filepath.Join(d, src)))
				}
			}
		}
		// A resource here that takes a called module's target group: an
		// aws_ecs_service with target_group_arn = module.alb.target_group_arn.
		for _, f := range dirs[d] {
			if f.body == nil || !strings.HasSuffix(f.path, ".tf") {
				continue
			}
			for _, b := range f.body.Blocks {
				if b.Type != "resource" || len(b.Labels) != 2 {
					continue
				}
				var hops []Hop
				for _, m := range moduleOutputRe.FindAllStringSubmatch(exprText(f.src, b.Range()), -1) {
					if dir := called[m[1]]; dir != "" && targetGroupOutput(dirs[dir], m[2]) {
						hops = append(hops, lbs[dir]...)
					}
				}
				if len(hops) == 0 {
					continue
				}
				names := moduleServiceNames(dirs[d], nil, b.Labels[0]+"."+b.Labels[1])
				for _, h := range hops {
					out = append(out, link{lb: h.Name, lbAt: h.Location, names: names, where: Location{f.path, b.DefRange().Start.Line}})
				}
			}
		}
		for _, f := range dirs[d] {
			if f.body == nil || !strings.HasSuffix(f.path, ".tf") {
				continue
			}
			for _, b := range f.body.Blocks {
				if b.Type != "module" || len(b.Labels) != 1 || called[b.Labels[0]] == "" {
					continue
				}
				target := called[b.Labels[0]]
				// The inputs that bring it a load balancer, and whose.
				fronts := map[string][]Hop{} // input -> load balancers
				for name, a := range b.Body.Attributes {
					text := exprText(f.src, a.Expr.Range())
					for label, dir := range called {
						if label == b.Labels[0] || dir == target {
							continue
						}
						for _, m := range moduleOutputRe.FindAllStringSubmatch(text, -1) {
							if m[1] == label && targetGroupOutput(dirs[dir], m[2]) {
								fronts[name] = append(fronts[name], lbs[dir]...)
								break
							}
						}
					}
					if strings.Contains(text, "aws_lb_target_group.") || strings.Contains(text, "aws_alb_target_group.") {
						fronts[name] = append(fronts[name], lbs[d]...)
					}
				}
				var inputs []string
				var hops []Hop
				for name, h := range fronts {
					if len(h) > 0 {
						inputs = append(inputs, name)
						hops = append(hops, h...)
					}
				}
				if len(hops) == 0 {
					continue
				}
				names := moduleServiceNames(dirs[target], inputs, "")
				if len(names) == 0 {
					continue
				}
				where := Location{f.path, b.DefRange().Start.Line}
				for _, h := range hops {
					out = append(out, link{lb: h.Name, lbAt: h.Location, names: names, where: where})
				}
			}
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
	for _, f := range files {
		if f.body == nil || !strings.HasSuffix(f.path, ".tf") {
			continue
		}
		for _, b := range f.body.Blocks {
			if b.Type == "resource" && len(b.Labels) == 2 {
				addr := b.Labels[0] + "." + b.Labels[1]
				blocks[addr], texts[addr] = b, exprText(f.src, b.Range())
			}
		}
	}
	var names []string
	for _, addr := range sortedKeys(blocks) {
		uses := addr == address || slices.ContainsFunc(inputs, func(in string) bool {
			return regexp.MustCompile(`\bvar\.` + regexp.QuoteMeta(in) + `\b`).MatchString(texts[addr])
		})
		if !uses {
			continue
		}
		names = append(names, blockNames(blocks[addr], nil)...)
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
