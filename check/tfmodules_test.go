package check

import (
	"strings"
	"testing"
)

// A load balancer made in one local module and an ECS service in another,
// wired by the root module (module.alb.target_group_arn passed to the
// service's module, or used by a service of the root), link the service's
// application to that load balancer: an error, not a warning against an
// assumed one. Boora-Raman/Better-Intern-Assignment is laid out so.
func TestTerraformModuleLinks(t *testing.T) {
	alb := map[string]string{
		"infra/alb/alb.tf": "resource \"aws_lb\" \"web\" {\n  name = \"web\"\n}\nresource \"aws_lb_target_group\" \"tg\" {\n  port = 3000\n}\n" +
			"resource \"aws_lb_listener\" \"http\" {\n  load_balancer_arn = aws_lb.web.arn\n  default_action {\n    type = \"forward\"\n    target_group_arn = aws_lb_target_group.tg.arn\n  }\n}\n",
		"infra/alb/outputs.tf": "output \"target_group_arn\" {\n  value = aws_lb_target_group.tg.arn\n}\noutput \"dns_name\" {\n  value = aws_lb.web.dns_name\n}\n",
		"api/package.json":     `{"name": "api", "dependencies": {"express": "4.19.0"}}`,
		"api/index.js":         "const app = require('express')();\napp.listen(3000);\n",
	}
	ecsModule := "resource \"aws_ecs_service\" \"svc\" {\n  name = \"api\"\n  load_balancer {\n    target_group_arn = var.%s\n    container_port = 3000\n  }\n}\n"
	for _, tt := range []struct {
		name  string
		files map[string]string
		want  Severity
		chain string
	}{
		{"module to module", map[string]string{
			"infra/main.tf":    "module \"alb\" {\n  source = \"./alb\"\n}\nmodule \"ecs\" {\n  source = \"./ecs\"\n  target_group_arn = module.alb.target_group_arn\n}\n",
			"infra/ecs/ecs.tf": strings.ReplaceAll(ecsModule, "%s", "target_group_arn"),
		}, Error, "linked at infra/main.tf:4 (\"api\")"},
		{"a service of the caller", map[string]string{
			"infra/main.tf": "module \"alb\" {\n  source = \"./alb\"\n}\nresource \"aws_ecs_service\" \"api\" {\n  name = \"api\"\n  load_balancer {\n    target_group_arn = module.alb.target_group_arn\n  }\n}\n",
		}, Error, "linked at infra/main.tf:4 (\"api\")"},
		{"only the load balancer's DNS name passed", map[string]string{
			"infra/main.tf":    "module \"alb\" {\n  source = \"./alb\"\n}\nmodule \"ecs\" {\n  source = \"./ecs\"\n  upstream = module.alb.dns_name\n}\n",
			"infra/ecs/ecs.tf": strings.ReplaceAll(ecsModule, "%s", "upstream"),
		}, Warning, "link assumed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{}
			for k, v := range alb {
				files[k] = v
			}
			for k, v := range tt.files {
				files[k] = v
			}
			r, _ := checkFiles(t, files)
			if len(r.Findings) != 1 {
				t.Fatalf("findings %+v", r.Findings)
			}
			f := r.Findings[0]
			if f.Level() != tt.want || !strings.Contains(f.Chain+" "+f.Message, tt.chain) {
				t.Errorf("%s %q, want %s with %q", f.Level(), f.Chain+" "+f.Message, tt.want, tt.chain)
			}
		})
	}
}
