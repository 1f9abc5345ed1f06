package check

import (
	"slices"
	"testing"
)

// A single service with its Terraform beside it at the repository root:
// the ECS service is named unlike the checkout's directory, yet the load
// balancer that routes to it is the one in front of the root's server.
// Judged against the repository's 30 s ALB, Node's 45 s is safe; judged
// against an assumed 60 s ALB it was a false LBD001. In a monorepo, a link
// that names another project is not the root's; a repository whose only
// backend is in a directory of its own gives it the link, as the root's.
func TestRootServiceTakesUnmatchedLink(t *testing.T) {
	tf := `resource "aws_lb" "web" {
  load_balancer_type = "application"
  idle_timeout       = 30
}
resource "aws_lb_target_group" "web" {
  port = 80
}
resource "aws_ecs_service" "svc" {
  name = "express_app_service"
  load_balancer {
    target_group_arn = aws_lb_target_group.web.arn
    container_name   = "express_app"
    container_port   = 80
  }
}
`
	server := "const express = require('express')\nconst app = express()\nconst server = app.listen(80)\nserver.keepAliveTimeout = 45000\nserver.headersTimeout = 46000\n"
	for _, c := range []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"root service", map[string]string{
			"alb.tf": tf, "Dockerfile": "FROM node:20\nCMD node server.js\n", "package.json": `{"dependencies":{"express":"^4"}}`, "server.js": server,
		}, nil},
		{"root service too short", map[string]string{
			"alb.tf": tf, "Dockerfile": "FROM node:20\nCMD node server.js\n", "package.json": `{"dependencies":{"express":"^4"}}`,
			"server.js": "const express = require('express')\nconst app = express()\nconst server = app.listen(80)\nserver.keepAliveTimeout = 20000\n",
		}, []string{"LBD001 error server.js:4"}},
		{"the only backend, in a directory of its own", map[string]string{
			"infra/alb.tf": tf, "app/Dockerfile": "FROM node:20\nCMD node server.js\n", "app/package.json": `{"dependencies":{"express":"^4"}}`,
			"app/server.js": "const express = require('express')\nconst app = express()\nconst server = app.listen(80)\nserver.keepAliveTimeout = 20000\n",
		}, []string{"LBD001 error app/server.js:4"}},
		{"the only backend, two orphan services behind two load balancers: no link", map[string]string{
			"infra/alb.tf": tf + `resource "aws_lb" "ops" {
  load_balancer_type = "application"
  idle_timeout       = 120
}
resource "aws_lb_target_group" "ops" {
  port = 3000
}
resource "aws_ecs_service" "grafana" {
  name = "grafana"
  load_balancer {
    target_group_arn = aws_lb_target_group.ops.arn
    container_name   = "grafana"
    container_port   = 3000
  }
}
`, "app/Dockerfile": "FROM node:20\nCMD node server.js\n", "app/package.json": `{"dependencies":{"express":"^4"}}`,
			"app/server.js": "const express = require('express')\nconst app = express()\nconst server = app.listen(80)\nserver.keepAliveTimeout = 20000\n",
		}, []string{"LBD001 warning app/server.js:4"}},
		{"two backends: neither takes the link", map[string]string{
			"infra/alb.tf": tf, "app/Dockerfile": "FROM node:20\nCMD node server.js\n", "app/package.json": `{"dependencies":{"express":"^4"}}`,
			"app/server.js":      "const express = require('express')\nconst app = express()\nconst server = app.listen(80)\nserver.keepAliveTimeout = 20000\n",
			"admin/package.json": `{"dependencies":{"express":"^4"}}`, "admin/server.js": server,
		}, []string{"LBD001 warning admin/server.js:4", "LBD001 warning app/server.js:4"}},
		{"monorepo: the link names another project", map[string]string{
			"infra/alb.tf":           tf,
			"express-app/Dockerfile": "FROM node:20\n", "express-app/package.json": `{"dependencies":{"express":"^4"}}`, "express-app/server.js": server,
			"package.json": `{"dependencies":{"express":"^4"}}`, "server.js": "const express = require('express')\nexpress().listen(3000)\n",
		}, []string{"LBD001 warning server.js:2"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, _ := checkFiles(t, c.files)
			if got := findingList(r); !slices.Equal(got, c.want) {
				t.Errorf("findings %q, want %q", got, c.want)
			}
		})
	}
}

// findingList is a report's findings as "RULE level file:line", in order.
func findingList(r *Report) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Rule.ID+" "+string(f.Level())+" "+f.Location.String())
	}
	return out
}

// A service named through a variable or a local is linked by the value
// they evaluate to (a variable's default, terraform.tfvars).
func TestLinkNamesFromVariables(t *testing.T) {
	tf := `variable "app_name" {
  default = "orders"
}
locals {
  svc = "${var.app_name}-svc"
}
resource "aws_lb" "main" {
  load_balancer_type = "application"
  idle_timeout       = 120
}
resource "aws_lb_target_group" "tg" {
  port = 3000
}
resource "aws_ecs_service" "svc" {
  name = local.svc
  load_balancer {
    target_group_arn = aws_lb_target_group.tg.arn
    container_name   = var.app_name
    container_port   = 3000
  }
}
`
	server := "const express = require('express')\nconst server = express().listen(3000)\nserver.keepAliveTimeout = 20000\n"
	r, _ := checkFiles(t, map[string]string{
		"infra/main.tf":       tf,
		"orders/package.json": `{"dependencies":{"express":"^4"}}`, "orders/server.js": server,
		"carts/package.json": `{"dependencies":{"express":"^4"}}`, "carts/server.js": server,
	})
	want := []string{"LBD001 warning carts/server.js:3", "LBD001 error orders/server.js:3"}
	if got := findingList(r); !slices.Equal(got, want) {
		t.Errorf("findings %q, want %q", got, want)
	}
}
