package check

import (
	"slices"
	"strings"
	"testing"
)

func TestImageApache(t *testing.T) {
	for ref, want := range map[string]bool{
		"php:8.2-apache": true, "php:8.3-apache-bookworm": true, "docker.io/library/php:apache": true, `"php:8.1-apache"`: true,
		"wordpress": true, "wordpress:6.5": true, "wordpress:latest": true, "wordpress:6.5-php8.2-apache": true,
		"drupal:10": true, "httpd:2.4": true, "httpd:2.4-alpine": true, "php:8.2-apache@sha256:abc": true,
		"php:8.2-fpm": false, "php:8.2-cli": false, "php:8.2": false, "wordpress:6.5-fpm": false, "wordpress:cli": false,
		"bitnami/wordpress:6": false, "ghcr.io/acme/php:8.2-apache": false, "nginx:1.27": false, "php:${PHP_VERSION}-apache": true,
		"wordpress:${TAG}": false, "tomcat:10": false,
	} {
		if got := imageApache(ref); got != want {
			t.Errorf("imageApache(%q) = %v, want %v", ref, got, want)
		}
	}
}

// A container that runs an official Apache image as it ships keeps idle
// connections 5 s; one whose configuration the repository changes is not read.
func TestApacheImageHops(t *testing.T) {
	r, _ := checkFiles(t, map[string]string{
		"php/Dockerfile":       "FROM composer:2 AS deps\nRUN composer install\n\nFROM php:8.2-apache\nCOPY --from=deps /app /var/www/html\n",
		"staged/Dockerfile":    "FROM php:8.0-apache AS base\nCMD [\"apache2-foreground\"]\n\nFROM base AS dev\nRUN apt-get update\n",
		"tuned/Dockerfile":     "FROM php:8.2-apache\nRUN echo 'KeepAliveTimeout 65' > /etc/apache2/conf-enabled/keepalive.conf\n",
		"conf/Dockerfile":      "FROM httpd:2.4\nCOPY my-httpd.conf /usr/local/apache2/conf/httpd.conf\n",
		"builder/Dockerfile":   "FROM php:8.2-apache AS build\nRUN make\n\nFROM nginx:1.27\nCOPY --from=build /out /usr/share/nginx/html\n",
		"fpm/Dockerfile":       "FROM wordpress:6.5-fpm\n",
		"remoteip/Dockerfile":  "FROM php:8.4-apache\nRUN a2enmod headers rewrite remoteip ; \\\n    { \\\n     echo 'RemoteIPHeader X-Real-IP'; \\\n    } > /etc/apache2/conf-available/remoteip.conf; \\\n    a2enconf remoteip\n",
		"fetched/Dockerfile":   "FROM php:8.4-apache\nRUN curl -fsSL -o /etc/apache2/conf-enabled/site.conf https://example.com/site.conf\n",
		"worker/Dockerfile":    "FROM php:8.2-apache\nCMD [\"php\", \"artisan\", \"queue:work\"]\n",
		"k8s/wordpress.yaml":   "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: wordpress\nspec:\n  template:\n    spec:\n      containers:\n        - name: wordpress\n          image: wordpress:6.5-apache\n        - name: tuned\n          image: php:8.2-apache\n          volumeMounts:\n            - name: conf\n              mountPath: /etc/apache2/conf-enabled/keepalive.conf\n        - name: other\n          image: php:8.2-apache\n          command: [\"php\", \"worker.php\"]\n",
		"compose/compose.yaml": "services:\n  wordpress:\n    image: wordpress:6.5   # the blog\n    ports:\n      - 80:80\n  db:\n    image: mariadb:11\n  custom:\n    image: wordpress\n    volumes:\n      - ./apache.conf:/etc/apache2/conf-enabled/custom.conf\n  long:\n    image: php:8.3-apache\n    volumes:\n      - type: bind\n        source: ./ka.conf\n        target: /etc/apache2/conf-enabled/ka.conf\n  built:\n    build: .\n    image: wordpress\n  worker:\n    image: wordpress\n    command: wp cron event run --due-now\n",
	})
	wantHops(t, r, map[string]string{
		"apache php/Dockerfile:4":       "5s FROM php:8.2-apache: the image's Apache keeps KeepAliveTimeout 5",
		"apache staged/Dockerfile:4":    "5s FROM php:8.0-apache",
		"apache remoteip/Dockerfile:1":  "5s FROM php:8.4-apache",
		"apache compose/compose.yaml:3": "5s image: wordpress:6.5",
		"apache k8s/wordpress.yaml:10":  "5s image: wordpress:6.5-apache",
	})
}

// A Dockerfile whose final stage runs the official tomcat image with its
// own server.xml has Tomcat at 20 s (connectionTimeout="20000", which
// keepAliveTimeout falls back to), unless a line may change the connector
// (server.xml or a directory copied into conf/, the timeouts named, a
// wildcard edit there) or a command of its own runs something else. A
// tomcat-users.xml copied into conf/ leaves it as it is. The official jetty
// image the same way: 30 s, jetty.http.idleTimeout's default, unless the
// Dockerfile sets it.
func TestTomcatImageHops(t *testing.T) {
	r, _ := checkFiles(t, map[string]string{
		"war/Dockerfile":        "FROM maven:3-eclipse-temurin-17 AS build\nRUN mvn -q package\n\nFROM tomcat:10.1-jdk17\nCOPY --from=build /src/target/app.war /usr/local/tomcat/webapps/ROOT.war\n",
		"users/Dockerfile":      "FROM docker.io/library/tomcat:9.0\nCOPY tomcat-users.xml context.xml /usr/local/tomcat/conf/\nCMD [\"catalina.sh\", \"run\"]\n",
		"server/Dockerfile":     "FROM tomcat:9.0\nCOPY server.xml /usr/local/tomcat/conf/\n",
		"confdir/Dockerfile":    "FROM tomcat:9.0\nCOPY conf/ /usr/local/tomcat/conf/\n",
		"sed/Dockerfile":        "FROM tomcat:9.0\nRUN sed -i 's/20000/70000/' /usr/local/tomcat/conf/*.xml\n",
		"jar/Dockerfile":        "FROM tomcat:10.1\nCMD [\"java\", \"-jar\", \"/app.jar\"]\n",
		"bitnami/Dockerfile":    "FROM bitnami/tomcat:10.1\nCOPY app.war /opt/bitnami/tomcat/webapps/\n",
		"apache/Dockerfile":     "FROM httpd:2.4\n",
		"compose/compose.yaml":  "services:\n  app:\n    image: tomcat:9.0\n    volumes:\n      - ./webapps:/usr/local/tomcat/webapps\n  tuned:\n    image: tomcat:9.0\n    volumes:\n      - ./server.xml:/usr/local/tomcat/conf/server.xml\n",
		"k8s/app.yaml":          "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: tomcat:10.1\n",
		"jetty/Dockerfile":      "FROM jetty:9.4-jre11\nCOPY target/app.war /var/lib/jetty/webapps/ROOT.war\n",
		"jettytuned/Dockerfile": "FROM jetty:11\nCOPY app.war /var/lib/jetty/webapps/ROOT.war\nCMD [\"java\", \"-jar\", \"/usr/local/jetty/start.jar\", \"jetty.http.idleTimeout=70000\"]\n",
		"ecs/task.json":         `{"family": "app", "containerDefinitions": [{"name": "app", "image": "public.ecr.aws/docker/library/tomcat:9.0", "portMappings": [{"containerPort": 8080}]}]}`,
		"ecr/Dockerfile":        "FROM public.ecr.aws/docker/library/tomcat:9.0\nRUN rm -rf /usr/local/tomcat/webapps/ROOT\nADD target/helloworld.war /usr/local/tomcat/webapps/ROOT.war\n",
		"timeouts/Dockerfile":   "FROM tomcat:9.0\nRUN xmlstarlet ed -i '//Connector' -t attr -n keepAliveTimeout -v 70000 /usr/local/tomcat/conf/server.xml\n",
	})
	wantHops(t, r, map[string]string{
		"tomcat compose/compose.yaml:3": "20s image: tomcat:9.0",
		"jetty jetty/Dockerfile:1":      "30s FROM jetty:9.4-jre11: the image's http module keeps jetty.http.idleTimeout at its default",
		"tomcat k8s/app.yaml:10":        "20s image: tomcat:10.1",
		"tomcat ecs/task.json:1":        "20s image: public.ecr.aws/docker/library/tomcat:9.0",
		"tomcat war/Dockerfile:4":       `20s FROM tomcat:10.1-jdk17: the image's server.xml sets connectionTimeout="20000"`,
		"tomcat users/Dockerfile:1":     "20s FROM docker.io/library/tomcat:9.0",
		"apache apache/Dockerfile:1":    "5s FROM httpd:2.4",
		"tomcat ecr/Dockerfile:1":       "20s FROM public.ecr.aws/docker/library/tomcat:9.0",
	})
}

// An ALB Ingress fronts the containers of the Deployment its Service
// selects: their findings are errors, not warnings against an assumed LB.
func TestIngressLinksWorkloadContainers(t *testing.T) {
	r, _ := checkFiles(t, map[string]string{"k8s/wp.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: blog
spec:
  template:
    metadata:
      labels: {app: blog}
    spec:
      containers:
        - name: web
          image: wordpress:6.5
---
apiVersion: v1
kind: Service
metadata:
  name: blog-svc
spec:
  selector: {app: blog}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: blog
  annotations:
    alb.ingress.kubernetes.io/load-balancer-attributes: idle_timeout.timeout_seconds=120
spec:
  ingressClassName: alb
  rules:
    - http:
        paths:
          - backend:
              service: {name: blog-svc, port: {number: 80}}
`})
	if len(r.Findings) != 1 {
		t.Fatalf("findings %+v, want one", r.Findings)
	}
	f := r.Findings[0]
	if f.Rule.ID != "LBD001" || f.Level() != Error || !strings.Contains(f.Chain, "Ingress blog 120s") {
		t.Errorf("finding %+v, want LBD001 as an error against Ingress blog (120 s)", f)
	}
}

// tiangolo's uvicorn-gunicorn images start gunicorn with uvicorn's worker
// at KEEP_ALIVE, 5 s unless the Dockerfile sets it; a command or a
// gunicorn configuration of the repository's own runs something else, and
// KEEP_ALIVE set in another file leaves the value unknown.
func TestTiangoloImageHops(t *testing.T) {
	r, _ := checkFiles(t, map[string]string{
		"api/Dockerfile":              "FROM tiangolo/uvicorn-gunicorn-fastapi:python3.11\nCOPY ./app /app\n",
		"tuned/Dockerfile":            "FROM tiangolo/uvicorn-gunicorn-fastapi:python3.11-slim\nENV KEEP_ALIVE=75 MAX_WORKERS=2\n",
		"spaced/Dockerfile":           "FROM tiangolo/uvicorn-gunicorn:python3.8\nENV KEEP_ALIVE 3\n",
		"staged/Dockerfile":           "FROM tiangolo/uvicorn-gunicorn-starlette:python3.7 AS base\nENV KEEP_ALIVE=4\n\nFROM base AS prod\nCOPY . /app\n",
		"own/Dockerfile":              "FROM tiangolo/uvicorn-gunicorn-fastapi:python3.11\nCOPY ./gunicorn_conf.py /app/gunicorn_conf.py\n",
		"cmd/Dockerfile":              "FROM tiangolo/uvicorn-gunicorn-fastapi:python3.11\nCMD [\"/start-reload.sh\"]\n",
		"start/Dockerfile":            "FROM tiangolo/uvicorn-gunicorn-fastapi:python3.11\nCMD [\"/start.sh\"]\n",
		"builder/Dockerfile":          "FROM tiangolo/uvicorn-gunicorn-fastapi:python3.11 AS build\nRUN make\n\nFROM python:3.11-slim\nCOPY --from=build /app /app\n",
		"other/Dockerfile":            "FROM acme/tiangolo/uvicorn-gunicorn-fastapi:1\n",
		"meinheld/Dockerfile":         "FROM tiangolo/meinheld-gunicorn-flask:python3.9\n",
		"docker/api.Dockerfile":       "FROM tiangolo/uvicorn-gunicorn-fastapi:python3.11\nCOPY ./api /app\n",
		"docker/name_main.dockerfile": "FROM python:3.12\nCMD [\"uvicorn\", \"main:app\"]\n",
		"args/Dockerfile":             "FROM tiangolo/uvicorn-gunicorn-fastapi:python3.7\nENV KEEP_ALIVE=75\nENV GUNICORN_CMD_ARGS=\"--keep-alive 0\"\n",
		"conf/Dockerfile":             "FROM tiangolo/uvicorn-gunicorn-fastapi:python3.11\nCOPY ./app /app\n",
		"conf/app/gunicorn_conf.py":   "import os\nbind = '0.0.0.0:80'\n",
	})
	wantHops(t, r, map[string]string{
		"gunicorn api/Dockerfile:1":    "5s FROM tiangolo/uvicorn-gunicorn-fastapi:python3.11 runs gunicorn with keepalive 5 s and the uvicorn.workers.UvicornWorker worker (KEEP_ALIVE not set",
		"gunicorn tuned/Dockerfile:1":  "75s FROM tiangolo/uvicorn-gunicorn-fastapi:python3.11-slim runs gunicorn with keepalive 75 s and the uvicorn.workers.UvicornWorker worker (ENV KEEP_ALIVE=75)",
		"gunicorn spaced/Dockerfile:1": "3s FROM tiangolo/uvicorn-gunicorn:python3.8 runs gunicorn with keepalive 3 s",
		"gunicorn staged/Dockerfile:1": "4s FROM tiangolo/uvicorn-gunicorn-starlette:python3.7 runs gunicorn with keepalive 4 s",
		"gunicorn start/Dockerfile:1":  "5s FROM tiangolo/uvicorn-gunicorn-fastapi:python3.11",
		// Dockerfiles named NAME.Dockerfile and NAME.dockerfile are read too.
		"gunicorn docker/api.Dockerfile:1":      "5s FROM tiangolo/uvicorn-gunicorn-fastapi:python3.11",
		"uvicorn docker/name_main.dockerfile:2": "5s uvicorn's default",
		"gunicorn args/Dockerfile:1":            "0s FROM tiangolo/uvicorn-gunicorn-fastapi:python3.7 runs gunicorn with keepalive 0 s and the uvicorn.workers.UvicornWorker worker (ENV GUNICORN_CMD_ARGS=--keep-alive 0)",
		// Its own configuration, run with the image's worker: gunicorn's
		// default keepalive, not the sync worker's none.
		"gunicorn conf/app/gunicorn_conf.py:1": "2s gunicorn's default keepalive (2 s) with the uvicorn.workers.UvicornWorker worker; tiangolo's image (conf/Dockerfile)",
	})
	var fix string
	for _, f := range r.Findings {
		if f.Location.File == "api/Dockerfile" {
			fix = f.Fix
		}
	}
	if !strings.HasPrefix(fix, "ENV KEEP_ALIVE=65") {
		t.Errorf("api/Dockerfile's fix: %q, want ENV KEEP_ALIVE=65", fix)
	}

	// KEEP_ALIVE set for the container elsewhere (compose here): unknown,
	// so no finding; set in the Dockerfile, it stands.
	r, _ = checkFiles(t, map[string]string{
		"Dockerfile":         "FROM tiangolo/uvicorn-gunicorn-fastapi:python3.11\n",
		"tuned/Dockerfile":   "FROM tiangolo/uvicorn-gunicorn-fastapi:python3.11\nENV KEEP_ALIVE=2\n",
		"docker-compose.yml": "services:\n  api:\n    build: .\n    environment:\n      - KEEP_ALIVE=75\n",
	})
	wantHops(t, r, map[string]string{
		"gunicorn Dockerfile:1":       "0s the image's gunicorn reads KEEP_ALIVE and GUNICORN_CMD_ARGS, which docker-compose.yml:5 sets",
		"gunicorn tuned/Dockerfile:1": "2s FROM tiangolo/uvicorn-gunicorn-fastapi:python3.11 runs gunicorn with keepalive 2 s",
	})
	for _, f := range r.Findings {
		if f.Location.File == "Dockerfile" {
			t.Errorf("a finding on a value the compose file may change: %+v", f)
		}
	}
}

// An ECS container that runs an official Apache image as it ships, in a
// task definition's JSON or Terraform's jsonencode, is linked by its name
// to the load balancer of the service that names it.
func TestECSApacheImages(t *testing.T) {
	r, _ := checkFiles(t, map[string]string{
		"ecs/taskdef.json": `{"family": "wp", "containerDefinitions": [
  {"name": "wordpress", "image": "wordpress:6.5", "portMappings": [{"containerPort": 80}]},
  {"name": "tuned", "image": "php:8.3-apache", "essential": true, "mountPoints": [{"sourceVolume": "conf", "containerPath": "/etc/apache2/conf-enabled"}]},
  {"name": "cron", "image": "wordpress:6.5", "essential": false, "command": ["wp", "cron", "event", "run"]}
]}`,
		"infra/main.tf": `resource "aws_lb" "wp" {
  load_balancer_type = "application"
}
resource "aws_lb_target_group" "wp" {
  port = 80
}
resource "aws_ecs_task_definition" "blog" {
  container_definitions = jsonencode([
    {
      name         = "blog"
      image        = "drupal:10"
      portMappings = [{ containerPort = 80 }]
    }
  ])
}
resource "aws_ecs_service" "blog" {
  load_balancer {
    target_group_arn = aws_lb_target_group.wp.arn
    container_name   = "blog"
    container_port   = 80
  }
}
`,
	})
	wantHops(t, r, map[string]string{
		"apache ecs/taskdef.json:2": "5s image: wordpress:6.5",
		"apache infra/main.tf:11":   "5s image: drupal:10",
		"aws_lb infra/main.tf:1":    "60s default idle_timeout",
	})
	got := findingsOf(r)
	want := []string{
		"ecs/taskdef.json:2 warning LBD001 load balancer (assumed: ALB default 60s, --lb-idle) 60s (no load balancer in the repository is linked to it)",
		"infra/main.tf:11 error LBD001 aws_lb.wp 60s (default idle_timeout (60 s))",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings %q, want %q", got, want)
	}
}

// A CloudFormation ECS service links its load balancer (through the target
// group's listener) to the container it names, in its own template only:
// the same stack written again in JSON has its own.
func TestCloudFormationECSService(t *testing.T) {
	const template = `Resources:
  ALB:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      LoadBalancerAttributes:
        - Key: idle_timeout.timeout_seconds
          Value: "30"
  TG:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
  Listener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref ALB
      DefaultActions:
        - Type: forward
          TargetGroupArn: !Ref TG
  Task:
    Type: AWS::ECS::TaskDefinition
    Properties:
      ContainerDefinitions:
        - Name: web
          Image: httpd:2.4
          Essential: "true"
          PortMappings:
            - ContainerPort: 80
  Service:
    Type: AWS::ECS::Service
    Properties:
      LoadBalancers:
        - ContainerName: web
          ContainerPort: "80"
          TargetGroupArn: !Ref TG
`
	r, _ := checkFiles(t, map[string]string{"a/stack.yaml": template, "b/stack.yaml": template})
	want := []string{
		"a/stack.yaml:22 error LBD001 ALB 30s (idle timeout 30)",
		"b/stack.yaml:22 error LBD001 ALB 30s (idle timeout 30)",
	}
	if got := findingsOf(r); !slices.Equal(got, want) {
		t.Errorf("findings %q, want %q", got, want)
	}
}
