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

// Containers whose command lines are in the Terraform itself are linked to
// the load balancer of the ECS service that runs them: by the container's
// name (the service's load_balancer container_name), or, for container
// definitions in a template file, through the task definition that renders
// it, in the same directory or passed to a module by its caller
// (jibespanola/supply-infra: data.template_file's rendered output given to
// ../modules/ecs, whose service takes module.alb's target group).
func TestTerraformContainerLinks(t *testing.T) {
	lb := "resource \"aws_lb\" \"main\" {\n  name = \"main\"\n}\nresource \"aws_lb_target_group\" \"app\" {\n  port = 8000\n}\n"
	service := "resource \"aws_ecs_service\" \"app\" {\n  name = \"svc\"\n  task_definition = aws_ecs_task_definition.app.arn\n  load_balancer {\n    target_group_arn = %s\n    container_name = %s\n    container_port = 8000\n  }\n}\n"
	tpl := "[\n  {\n    \"name\": \"${app}-fastapi\",\n    \"image\": \"${image}\",\n    \"essential\": true,\n    \"portMappings\": [{\"containerPort\": 8000}],\n    \"command\": [\"uvicorn\", \"main:app\", \"--host\", \"0.0.0.0\"]\n  }\n]\n"
	sprintf := func(format string, a ...string) string {
		for _, s := range a {
			format = strings.Replace(format, "%s", s, 1)
		}
		return format
	}
	for _, tt := range []struct {
		name  string
		files map[string]string
	}{
		{"jsonencode, by container name", map[string]string{
			"main.tf": lb + "resource \"aws_ecs_task_definition\" \"app\" {\n  container_definitions = jsonencode([{\n    name = \"fastapi\"\n    image = \"x\"\n    essential = true\n    command = [\"uvicorn\", \"main:app\"]\n  }])\n}\n" +
				sprintf(service, "aws_lb_target_group.app.arn", "\"fastapi\""),
		}},
		{"a template file of the same directory", map[string]string{
			"infra/main.tf": lb + "data \"template_file\" \"app\" {\n  template = file(\"./templates/app.json.tpl\")\n}\nresource \"aws_ecs_task_definition\" \"app\" {\n  container_definitions = data.template_file.app.rendered\n}\n" +
				sprintf(service, "aws_lb_target_group.app.arn", "\"${var.app}-fastapi\""),
			"infra/templates/app.json.tpl": tpl,
		}},
		{"templatefile given to a module", map[string]string{
			"terraform/modules/alb/main.tf":    lb + "output \"tg\" {\n  value = aws_lb_target_group.app.arn\n}\n",
			"terraform/modules/ecs/main.tf":    "resource \"aws_ecs_task_definition\" \"app\" {\n  container_definitions = var.containers\n}\n" + sprintf(service, "var.tg", "var.name"),
			"terraform/dev/main.tf":            "module \"alb\" {\n  source = \"../modules/alb\"\n}\nmodule \"ecs\" {\n  source = \"../modules/ecs\"\n  containers = templatefile(\"../templates/app.json.tpl\", { app = \"a\" })\n  tg = module.alb.tg\n  name = \"a-fastapi\"\n}\n",
			"terraform/templates/app.json.tpl": tpl,
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := checkFiles(t, tt.files)
			if len(r.Findings) != 1 {
				t.Fatalf("findings %+v", r.Findings)
			}
			if f := r.Findings[0]; f.Level() != Error || !strings.Contains(f.Chain, "aws_lb.main 60s") || !strings.Contains(f.Chain, "uvicorn 5s") {
				t.Errorf("%s %s: %q, want an error from aws_lb.main", f.Level(), f.Location, f.Chain)
			}
		})
	}
}

// An ECS service whose name and container name match no project of the
// repository is linked to the project its task definition's image is named
// after: a literal image's repository, or the ECR repository it refers to.
func TestTerraformImageLinks(t *testing.T) {
	base := map[string]string{
		"orders-api/package.json": `{"name": "orders", "dependencies": {"express": "4.19.0"}}`,
		"orders-api/index.js":     "const app = require('express')();\napp.listen(3000);\n",
		"web/package.json":        `{"name": "web", "dependencies": {"express": "4.19.0"}}`,
		"web/index.js":            "const app = require('express')();\napp.listen(3000);\n",
		"infra/ecr.tf":            "resource \"aws_ecr_repository\" \"backend\" {\n  name = \"orders-api\"\n}\n",
	}
	main := "resource \"aws_lb\" \"main\" {\n  name = \"main\"\n}\nresource \"aws_lb_target_group\" \"svc\" {\n  port = 3000\n}\n" +
		"resource \"aws_ecs_task_definition\" \"t\" {\n  container_definitions = jsonencode([{\n    name = \"app\"\n    image = %s\n  }])\n}\n" +
		"resource \"aws_ecs_service\" \"s\" {\n  name = \"backend\"\n  task_definition = aws_ecs_task_definition.t.arn\n  load_balancer {\n    target_group_arn = aws_lb_target_group.svc.arn\n    container_name = \"app\"\n  }\n}\n"
	for _, image := range []string{`"123456789012.dkr.ecr.us-east-1.amazonaws.com/orders-api:1.4"`, `"${aws_ecr_repository.backend.repository_url}:latest"`} {
		files := map[string]string{"infra/main.tf": strings.Replace(main, "%s", image, 1)}
		for k, v := range base {
			files[k] = v
		}
		r, _ := checkFiles(t, files)
		for _, f := range r.Findings {
			linked := f.Level() == Error && strings.Contains(f.Chain, "aws_lb.main")
			if want := f.Location.File == "orders-api/index.js"; linked != want {
				t.Errorf("%s: %s %s %q: linked %v, want %v", image, f.Location, f.Level(), f.Chain, linked, want)
			}
		}
		if len(r.Findings) != 2 {
			t.Errorf("%s: findings %+v", image, r.Findings)
		}
	}
}
