package check

import "testing"

// The command of an ECS container definition runs instead of the image's
// CMD: read in every form a repository keeps it (Terraform's jsonencode or
// heredoc, a template file, a task definition JSON, CloudFormation), with
// the flags on the lines below the server's name, placeholders known only at
// deployment, and the container's environment.
func TestECSContainerCommands(t *testing.T) {
	r, _ := checkFiles(t, map[string]string{
		// jsonencode: uvicorn with its default keep-alive, linked to the ALB.
		"infra/main.tf": `resource "aws_lb" "api" {
  name               = "api"
  load_balancer_type = "application"
}

resource "aws_ecs_task_definition" "api" {
  family = "api"
  container_definitions = jsonencode([
    {
      name         = "api"
      image        = var.image
      essential    = true
      portMappings = [{ containerPort = 8000 }]
      command      = ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
      healthCheck  = { command = ["CMD-SHELL", "curl -f http://localhost:8000/health || exit 1"] }
    }
  ])
}

resource "aws_ecs_task_definition" "worker" {
  family                = "worker"
  container_definitions = <<DEFINITION
[
  {
    "name": "web",
    "image": "${var.image}",
    "memory": ${var.memory},
    "command": ["gunicorn", "app:app"],
    "environment": [{"name": "GUNICORN_CMD_ARGS", "value": "-k gthread --keep-alive 75"}]
  }
]
DEFINITION
}

resource "aws_ecs_task_definition" "var" {
  family = "var"
  container_definitions = jsonencode([{
    name    = "var"
    image   = var.image
    command = ["gunicorn", "-k", "gthread", "--keep-alive", var.keepalive, "app:app"]
  }])
}
`,
		// A template file that templatefile() renders: placeholders outside
		// quotes, flags on their own lines.
		"infra/templates/app.json.tpl": `[
  {
    "name": "app",
    "image": "${image}",
    "cpu": ${cpu},
    "essential": true,
    "command": [
      "gunicorn",
      "--worker-class", "gthread",
      "--keep-alive", "75",
      "app.wsgi"
    ]
  }
]
`,
		// A task definition as the AWS CLI registers it.
		"deploy/task-definition.json": `{
  "family": "site",
  "containerDefinitions": [
    {
      "name": "site",
      "image": "site:latest",
      "entryPoint": ["sh", "-c"],
      "command": ["exec uvicorn site.asgi:app --timeout-keep-alive 65"]
    }
  ]
}
`,
		// CloudFormation: a parameter is known only when the stack is deployed.
		"cfn/service.yaml": `Resources:
  Task:
    Type: AWS::ECS::TaskDefinition
    Properties:
      ContainerDefinitions:
        - Name: app
          Image: app:1
          Command: [uvicorn, app:app, --timeout-keep-alive, !Ref KeepAlive]
`,
	})
	wantHops(t, r, map[string]string{
		"aws_lb infra/main.tf:1":                  "60s",
		"uvicorn infra/main.tf:14":                "5s uvicorn's default",
		"gunicorn infra/main.tf:28":               "75s keepalive 75 with the gthread worker",
		"gunicorn infra/main.tf:40":               "2s --keep-alive is set at run time",
		"gunicorn infra/templates/app.json.tpl:7": "75s",
		"uvicorn deploy/task-definition.json:7":   "65s --timeout-keep-alive 65",
		"uvicorn cfn/service.yaml:8":              "5s --timeout-keep-alive is set at run time",
	})
	for _, h := range r.Hops {
		if run := h.Location.Line == 40 || h.Location.File == "cfn/service.yaml"; run == h.Known {
			t.Errorf("%s %s: known %v", h.Kind, h.Location, h.Known)
		}
	}
	found := false
	for _, f := range r.Findings {
		if f.Location.String() == "infra/main.tf:14" && f.Rule.ID == "LBD001" {
			found = true
		}
	}
	if !found {
		t.Errorf("no LBD001 for uvicorn's 5 s behind the ALB's 60 s; findings: %v", r.Findings)
	}
}

// The Kubernetes provider's container blocks: command and args together.
func TestTerraformKubernetesContainer(t *testing.T) {
	r, _ := checkFiles(t, map[string]string{
		"k8s.tf": `resource "kubernetes_deployment_v1" "api" {
  spec {
    template {
      spec {
        container {
          name    = "api"
          image   = "api:1"
          command = ["gunicorn"]
          args    = ["--worker-class", "gthread", "--keep-alive", "30", "app:app"]
        }
      }
    }
  }
}
`,
	})
	wantHops(t, r, map[string]string{"gunicorn k8s.tf:8": "30s"})
}

// A Kubernetes container's env sets GUNICORN_CMD_ARGS for its command.
func TestKubernetesContainerEnvironment(t *testing.T) {
	r, _ := checkFiles(t, map[string]string{
		"k8s/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: api:1
          command: ["gunicorn", "app:app"]
          env:
            - name: GUNICORN_CMD_ARGS
              value: "--worker-class gthread --keep-alive 75"
        - name: plain
          image: api:1
          command: ["gunicorn", "-k", "gthread", "app:app"]
`,
	})
	wantHops(t, r, map[string]string{
		"gunicorn k8s/deployment.yaml:11": "75s",
		"gunicorn k8s/deployment.yaml:17": "2s",
	})
}

// A compose service's command is read whole, whatever its YAML form: a
// list with one word per line, a folded string, settings shared through a
// merge key, and the service's environment.
func TestComposeCommands(t *testing.T) {
	r, _ := checkFiles(t, map[string]string{
		"docker-compose.yml": `x-python: &python
  build: .
  environment:
    GUNICORN_CMD_ARGS: "--worker-class gthread --keep-alive 75"

services:
  list:
    build: .
    command:
      - gunicorn
      - --worker-class=gthread
      - --keep-alive
      - "75"
      - app:app
  folded:
    build: ./api
    command: >
      uvicorn main:app
      --timeout-keep-alive 70
  shared:
    <<: *python
    command: gunicorn app:app
  listenv:
    build: .
    environment:
      - UVICORN_TIMEOUT_KEEP_ALIVE=90
    entrypoint: ["uvicorn"]
    command: ["main:app"]
  migrate:
    build: .
    command: python manage.py migrate
`,
	})
	wantHops(t, r, map[string]string{
		"gunicorn docker-compose.yml:10": "75s",
		"uvicorn docker-compose.yml:17":  "70s --timeout-keep-alive 70",
		"gunicorn docker-compose.yml:22": "75s",
		"uvicorn docker-compose.yml:27":  "90s UVICORN_TIMEOUT_KEEP_ALIVE=90",
	})
}

// gunicorn 20+ reads ./gunicorn.conf.py when its command names no -c: the
// file beside the command (or above it) completes the command's flags,
// which win over it.
func TestGunicornConfBesideCommand(t *testing.T) {
	r, _ := checkFiles(t, map[string]string{
		"a/gunicorn.conf.py":      "worker_class = \"gthread\"\nkeepalive = 75\n",
		"a/Dockerfile":            "FROM python:3.12\nCMD [\"gunicorn\", \"app:app\"]\n",
		"a/docker/start.sh":       "#!/bin/sh\nexec gunicorn -k gthread --keep-alive 30 app:app\n",
		"b/gunicorn.conf.py":      "keepalive = int(settings.KEEPALIVE)\nworker_class = \"gevent\"\n",
		"b/Procfile":              "web: gunicorn app:app\n",
		"c/Dockerfile":            "FROM python:3.12\nCMD gunicorn -k gthread app:app\n",
		"c/conf/gunicorn.conf.py": "keepalive = 75\n",
	})
	wantHops(t, r, map[string]string{
		"gunicorn a/gunicorn.conf.py:2":      "75s",
		"gunicorn a/Dockerfile:2":            "75s keepalive 75 with the gthread worker (command line with a/gunicorn.conf.py",
		"gunicorn a/docker/start.sh:2":       "30s",
		"gunicorn b/gunicorn.conf.py:1":      "2s keepalive = int(settings.KEEPALIVE)",
		"gunicorn b/Procfile:1":              "no keep-alive gunicorn also reads b/gunicorn.conf.py",
		"gunicorn c/conf/gunicorn.conf.py:1": "no keep-alive sync worker",
		"gunicorn c/Dockerfile:2":            "2s gunicorn's default",
	})
}
