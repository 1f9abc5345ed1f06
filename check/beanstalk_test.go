package check

import (
	"slices"
	"testing"
)

// Elastic Beanstalk bundles: the environment's load balancer from option
// settings (.ebextensions, Terraform), the platform's nginx in front of the
// application (keepalive_timeout 60 in its server block; 75 s on the Docker
// platform), the conf.d trap (an http-level keepalive_timeout the server
// block overrides), a replaced nginx.conf, no proxy, a single instance.
func TestBeanstalk(t *testing.T) {
	ebALB := func(idle string) string {
		return "option_settings:\n  aws:elasticbeanstalk:environment:\n    LoadBalancerType: application\n  aws:elbv2:loadbalancer:\n    IdleTimeout: " + idle + "\n"
	}
	node := map[string]string{"package.json": `{"dependencies":{"express":"^4"}}`, "server.js": "const express = require('express')\nexpress().listen(8080)\n"}
	with := func(base map[string]string, more map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range base {
			out[k] = v
		}
		for k, v := range more {
			out[k] = v
		}
		return out
	}
	for _, c := range []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"ALB raised, nginx's server block left at 60", map[string]string{
			".ebextensions/alb.config":             ebALB("120"),
			".platform/nginx/conf.d/timeouts.conf": "keepalive_timeout 120;\nclient_max_body_size 20M;\n",
			"Procfile":                             "web: gunicorn application:application --workers 3 --threads 4\n",
			"requirements.txt":                     "flask\ngunicorn\n",
		}, []string{"LBD001 error .platform/nginx/conf.d/timeouts.conf:1"}},
		{"no load balancer settings: the platform's 60 s against ALB's default", with(node, map[string]string{
			".ebextensions/env.config": "option_settings:\n  aws:elasticbeanstalk:application:environment:\n    NODE_ENV: production\n",
		}), []string{"LBD002 warning .ebextensions/env.config:1"}},
		{"the list form of option_settings, JSON", with(node, map[string]string{
			".ebextensions/lb.config": `{"option_settings": [{"namespace": "aws:elbv2:loadbalancer", "option_name": "IdleTimeout", "value": "30"}]}`,
		}), nil},
		{"a replaced nginx.conf", with(node, map[string]string{
			".ebextensions/alb.config":   ebALB("60"),
			".platform/nginx/nginx.conf": "events {}\nhttp {\n  include conf.d/*.conf;\n  server {\n    listen 80 default_server;\n    keepalive_timeout 65;\n    location / { proxy_pass http://127.0.0.1:8080; }\n  }\n}\n",
		}), nil},
		{"no proxy: the application faces the load balancer", with(node, map[string]string{
			".ebextensions/alb.config":   ebALB("60"),
			".ebextensions/proxy.config": "option_settings:\n  aws:elasticbeanstalk:environment:proxy:\n    ProxyServer: none\n",
		}), []string{"LBD001 error server.js:2"}},
		{"Apache as the proxy: not known, and the application behind it is not compared", with(node, map[string]string{
			".ebextensions/alb.config":   ebALB("60"),
			".ebextensions/proxy.config": "option_settings:\n  aws:elasticbeanstalk:environment:proxy:\n    ProxyServer: apache\n",
		}), nil},
		{"a single instance: no load balancer", with(node, map[string]string{
			".ebextensions/single.config": "option_settings:\n  aws:elasticbeanstalk:environment:\n    EnvironmentType: SingleInstance\n",
		}), nil},
		{"Docker platform: nginx's 75 s", map[string]string{
			".ebextensions/alb.config": ebALB("60"), "Dockerfile": "FROM node:20\nCMD node server.js\n",
			"server.js": "require('http').createServer().listen(8080)\n", "package.json": "{}",
		}, nil},
		{"Terraform environment linked to the one bundle", map[string]string{
			"infra/eb.tf": `resource "aws_elastic_beanstalk_environment" "web" {
  name        = "shop-prod"
  application = "shop"
  setting {
    namespace = "aws:elbv2:loadbalancer"
    name      = "IdleTimeout"
    value     = var.idle
  }
}
variable "idle" { default = 300 }
`,
			"app/.ebextensions/env.config": "option_settings:\n  aws:elasticbeanstalk:application:environment:\n    A: b\n",
			"app/Procfile":                 "web: gunicorn app:app\n", "app/requirements.txt": "gunicorn\n",
		}, []string{"LBD001 error app/.ebextensions/env.config:1"}},
		{"CloudFormation environment linked to the one bundle", map[string]string{
			"template.yaml":            "Resources:\n  Env:\n    Type: AWS::ElasticBeanstalk::Environment\n    Properties:\n      OptionSettings:\n        - Namespace: aws:elasticbeanstalk:environment\n          OptionName: LoadBalancerType\n          Value: application\n        - Namespace: aws:elbv2:loadbalancer\n          OptionName: IdleTimeout\n          Value: \"180\"\n",
			".ebextensions/env.config": "option_settings:\n  aws:elasticbeanstalk:application:environment:\n    A: b\n",
		}, []string{"LBD001 error .ebextensions/env.config:1"}},
		{"CloudFormation: a single instance through its configuration template", map[string]string{
			"eb.yml":                   "Resources:\n  Env:\n    Type: AWS::ElasticBeanstalk::Environment\n    Properties:\n      TemplateName: !Ref Tmpl\n  Tmpl:\n    Type: AWS::ElasticBeanstalk::ConfigurationTemplate\n    Properties:\n      OptionSettings:\n        - Namespace: aws:elasticbeanstalk:environment\n          OptionName: EnvironmentType\n          Value: SingleInstance\n",
			".ebextensions/env.config": "option_settings:\n  aws:elasticbeanstalk:application:environment:\n    A: b\n",
			"Procfile":                 "web: gunicorn app:app --threads 4\n",
		}, nil},
		{"the EB CLI names the Docker platform", with(node, map[string]string{
			".elasticbeanstalk/config.yml": "global:\n  default_platform: Docker running on 64bit Amazon Linux 2023\n",
			".ebextensions/alb.config":     ebALB("90"),
		}), []string{"LBD001 error .ebextensions/alb.config:1"}},
		{"a Dockerfile, but the bundle's nginx proxies to the instance: not Docker", map[string]string{
			".ebextensions/alb.config": ebALB("70"), "Dockerfile": "FROM node:20\n", "package.json": "{}",
			".platform/nginx/conf.d/elasticbeanstalk/00_application.conf": "location / {\n    proxy_pass http://localhost:3000/;\n}\n",
		}, []string{"LBD001 error .platform/nginx/conf.d/elasticbeanstalk/00_application.conf:1"}},
		{"HTTPS on the instance and no load balancer settings: a single instance", with(node, map[string]string{
			".ebextensions/https-instance.config": "files:\n  /etc/pki/tls/certs/server.crt:\n    content: x\n",
			".platform/nginx/conf.d/https.conf":   "server {\n    listen 443 ssl;\n    location / { proxy_pass http://127.0.0.1:8080; }\n}\n",
		}), nil},
		{"an upstream pool in conf.d: the application behind it is compared", with(node, map[string]string{
			".ebextensions/alb.config":                                    ebALB("50"),
			".platform/nginx/conf.d/upstream.conf":                        "upstream web {\n    server 127.0.0.1:8080;\n    keepalive 64;\n}\n",
			".platform/nginx/conf.d/elasticbeanstalk/00_application.conf": "location / {\n    proxy_pass http://web;\n    proxy_http_version 1.1;\n    proxy_set_header Connection \"\";\n}\n",
		}), []string{"LBD001 error server.js:2"}},
		{"Docker Compose: the platform's proxy is not known", map[string]string{
			".ebextensions/alb.config": ebALB("120"), "docker-compose.yml": "services:\n  web:\n    build: .\n",
		}, nil},
		{"keepalive_timeout in the server block's includes: nginx refuses a duplicate", with(node, map[string]string{
			".ebextensions/alb.config":                              ebALB("120"),
			".platform/nginx/conf.d/elasticbeanstalk/timeouts.conf": "keepalive_timeout 150s;\n",
		}), nil}, // nginx refuses the deployment: the hop says why and is not compared
		{"Terraform environment, no bundle directory: the root's application behind the platform's nginx", with(node, map[string]string{
			"eb.tf": "resource \"aws_elastic_beanstalk_environment\" \"web\" {\n  name = \"web-prod\"\n}\n",
		}), []string{"LBD002 error package.json:1"}},
		{"Terraform environment on ECS (multi-container Docker): no platform nginx", with(node, map[string]string{
			"eb.tf": "resource \"aws_elastic_beanstalk_environment\" \"web\" {\n  solution_stack_name = \"64bit Amazon Linux 2 v3.3.1 running ECS\"\n}\n",
		}), []string{"LBD001 error server.js:2"}},
		{"CloudFormation names the Docker platform for a bundle with a Procfile", map[string]string{
			"eb.yaml":                  "Resources:\n  Env:\n    Type: AWS::ElasticBeanstalk::Environment\n    Properties:\n      SolutionStackName: 64bit Amazon Linux 2023 v4.3.0 running Docker\n      OptionSettings:\n        - Namespace: aws:elbv2:loadbalancer\n          OptionName: IdleTimeout\n          Value: \"70\"\n",
			".ebextensions/env.config": "option_settings:\n  aws:elasticbeanstalk:application:environment:\n    A: b\n",
			"Procfile":                 "web: gunicorn app:app --threads 4\n",
		}, nil},
		{"Platform.sh's .platform is not Elastic Beanstalk's", with(node, map[string]string{
			".platform/routes.yaml":   "\"https://{default}/\":\n  type: upstream\n  upstream: \"app:http\"\n",
			".platform/services.yaml": "db:\n  type: postgresql:15\n",
			".platform.app.yaml":      "name: app\ntype: nodejs:20\n",
		}), []string{"LBD001 warning server.js:2"}},
		{"a Worker tier has no load balancer", map[string]string{
			"eb.tf": "resource \"aws_elastic_beanstalk_environment\" \"w\" {\n  tier = \"Worker\"\n}\n",
		}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, _ := checkFiles(t, c.files)
			if got := findingList(r); !slices.Equal(got, c.want) {
				t.Errorf("findings %q, want %q", got, c.want)
				for _, h := range r.Hops {
					t.Logf("hop %s %s %v %s (%s)", h.Role, h.Name, h.Idle, h.Source, h.Location)
				}
			}
		})
	}
}
