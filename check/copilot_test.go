package check

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
)

// findingsOf lists a report's findings as "file:line severity rule front".
func findingsOf(r *Report) []string {
	var out []string
	for _, f := range r.Findings {
		sev := string(f.Rule.Severity)
		if f.Severity != "" {
			sev = string(f.Severity)
		}
		front, _, _ := strings.Cut(f.Chain, " -> ")
		out = append(out, fmt.Sprintf("%s %s %s %s", f.Location, sev, f.Rule.ID, front))
	}
	sort.Strings(out)
	return out
}

// A Copilot workspace: each service's manifest says what is in front of
// it, and its image's Dockerfile (and what that copies) what runs there.
func TestCopilotServices(t *testing.T) {
	nodeServer := "const http = require('http');\nconst server = http.createServer(app);\nserver.listen(3000);\n"
	r, _ := checkFiles(t, map[string]string{
		// A Load Balanced Web Service: the environment's public ALB, 60 s.
		"copilot/web/manifest.yml": "name: web\ntype: Load Balanced Web Service\nhttp:\n  path: '/'\nimage:\n  build: web/Dockerfile\n  port: 3000\n",
		"web/Dockerfile":           "FROM node:20\nCOPY . /app\nCMD [\"node\", \"server.js\"]\n",
		"web/server.js":            nodeServer,
		// A developer's compose file beside it is not what Copilot runs.
		"web/docker-compose.yml": "services:\n  web:\n    build: .\n    command: gunicorn -k gthread app:app\n",
		// Two services built from the root, each with its own Dockerfile:
		// each ALB is in front of what its Dockerfile copies only.
		"copilot/api/manifest.yml":   "name: api\ntype: Load Balanced Web Service\nhttp:\n  path: '/api'\nimage:\n  build:\n    dockerfile: docker/Dockerfile.api\n    context: .\n  port: 8080\n",
		"docker/Dockerfile.api":      "FROM tiangolo/uvicorn-gunicorn-fastapi:python3.11\nCOPY ./api/requirements.txt /app/\nCOPY [\"./api/app\", \"/app/app\"]\nCOPY --from=build /x /y\n",
		"api/app/main.py":            "from fastapi import FastAPI\napp = FastAPI()\n",
		"copilot/admin/manifest.yml": "name: admin\ntype: Load Balanced Web Service\nhttp:\n  path: '/admin'\nimage:\n  build:\n    dockerfile: docker/Dockerfile.admin\n    context: .\n",
		"docker/Dockerfile.admin":    "FROM node:20\nCOPY ./admin /srv\nCMD node /srv/server.js\n",
		"admin/server.js":            nodeServer,
		// A Backend Service with a path: the internal ALB; its command,
		// from the manifest, with the manifest's variables.
		"copilot/search/manifest.yml": "name: search\ntype: Backend Service\nhttp:\n  path: '/search'\nimage:\n  build: search/Dockerfile\ncommand: gunicorn -k gthread app:app\nvariables:\n  GUNICORN_CMD_ARGS: --keep-alive 30\n",
		"search/Dockerfile":           "FROM python:3.12\nCOPY . /app\nCMD uvicorn app:app\n",
		// A Backend Service without one, and an NLB-only web service: no
		// ALB, so their servers are not compared with an assumed one.
		"copilot/tracker/manifest.yml": "name: tracker\ntype: Backend Service\nimage:\n  build: tracker/Dockerfile\n  port: 8080\n",
		"tracker/Dockerfile":           "FROM node:20\nCOPY . .\n",
		"tracker/main.js":              nodeServer,
		"copilot/tcp/manifest.yml":     "name: tcp\ntype: Load Balanced Web Service\nhttp: false\nnlb:\n  port: 443/tcp\nimage:\n  build: tcp/Dockerfile\n",
		"tcp/Dockerfile":               "FROM node:20\nCOPY . .\n",
		"tcp/main.js":                  nodeServer,
		// Workers and jobs serve nothing; an environment's manifest and a
		// pipeline's are not services.
		"copilot/jobs/manifest.yml":              "name: jobs\ntype: Worker Service\nimage:\n  build: jobs/Dockerfile\n",
		"copilot/environments/prod/manifest.yml": "name: prod\ntype: Environment\n",
		"copilot/pipelines/p/manifest.yml":       "name: p\nversion: 1\nsource:\n  provider: GitHub\n",
	})
	wantHops(t, r, map[string]string{
		"aws-copilot copilot/web/manifest.yml:2":    "60s Copilot sets no idle timeout on its environments' ALBs",
		"aws-copilot copilot/api/manifest.yml:2":    "60s Copilot sets no idle timeout",
		"aws-copilot copilot/admin/manifest.yml:2":  "60s Copilot sets no idle timeout",
		"aws-copilot copilot/search/manifest.yml:2": "60s Copilot sets no idle timeout",
		"node web/server.js:2":                      "5s",
		"gunicorn web/docker-compose.yml:4":         "2s",
		"node admin/server.js:2":                    "5s",
		"node tracker/main.js:2":                    "5s",
		"node tcp/main.js:2":                        "5s",
		"gunicorn docker/Dockerfile.api:1":          "5s FROM tiangolo/uvicorn-gunicorn-fastapi:python3.11",
		"gunicorn copilot/search/manifest.yml:7":    "30s keepalive 30 with the gthread worker",
		// Replaced by the manifest's command: not linked.
		"uvicorn search/Dockerfile:3": "5s",
	})
	got := findingsOf(r)
	want := []string{
		"admin/server.js:2 error LBD001 Copilot service admin (environment's public ALB) 60s (Copilot sets no idle timeout on its environments' ALBs: ALB's default (60 s))",
		"copilot/search/manifest.yml:7 error LBD001 Copilot service search (environment's internal ALB) 60s (Copilot sets no idle timeout on its environments' ALBs: ALB's default (60 s))",
		"docker/Dockerfile.api:1 error LBD001 Copilot service api (environment's public ALB) 60s (Copilot sets no idle timeout on its environments' ALBs: ALB's default (60 s))",
		"search/Dockerfile:3 warning LBD001 load balancer (assumed: ALB default 60s, --lb-idle) 60s (no load balancer in the repository is linked to it)",
		"web/docker-compose.yml:4 warning LBD001 load balancer (assumed: ALB default 60s, --lb-idle) 60s (no load balancer in the repository is linked to it)",
		"web/server.js:2 error LBD001 Copilot service web (environment's public ALB) 60s (Copilot sets no idle timeout on its environments' ALBs: ALB's default (60 s))",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(r.Notes) != 2 || !strings.Contains(strings.Join(r.Notes, "\n"), `Copilot Backend Service "tracker" has no Application Load Balancer in front (tracker)`) {
		t.Errorf("notes: %q", r.Notes)
	}
}

// The ALB sends requests to an nginx sidecar built from proxy/: that is
// what it fronts, not the service's own server, which is behind the
// sidecar (not modelled: not compared).
func TestCopilotSidecar(t *testing.T) {
	r, _ := checkFiles(t, map[string]string{
		"copilot/shop/manifest.yml": "name: shop\ntype: Load Balanced Web Service\nhttp:\n  path: '/shop'\n  target_container: nginx\nimage:\n  build: shop/Dockerfile\nsidecars:\n  nginx:\n    port: 80\n    image:\n      build: proxy/Dockerfile\n",
		"shop/Dockerfile":           "FROM python:3.12\nCOPY . .\nCMD uvicorn app:app\n",
		"proxy/Dockerfile":          "FROM nginx:1.27\nCOPY nginx.conf /etc/nginx/nginx.conf\n",
		"proxy/nginx.conf":          "events {}\nhttp {\n  keepalive_timeout 30;\n  server {\n    listen 80;\n    location / { proxy_pass http://localhost:8000; }\n  }\n}\n",
	})
	wantHops(t, r, map[string]string{
		"aws-copilot copilot/shop/manifest.yml:2": "60s",
		"nginx proxy/nginx.conf:3":                "30s",
		"uvicorn shop/Dockerfile:3":               "5s",
	})
	got := findingsOf(r)
	if len(got) != 1 || !strings.HasPrefix(got[0], "proxy/nginx.conf:3 error LBD001 Copilot service shop (environment's public ALB) 60s") {
		t.Errorf("findings: %q", got)
	}
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], `its ALB sends requests to the sidecar "nginx"`) {
		t.Errorf("notes: %q", r.Notes)
	}
}

// An environment override that sets the ALB's idle timeout (a YAML patch,
// as `copilot env override` writes them) applies to the services of its
// workspace, the longest when several environments set one.
func TestCopilotEnvironmentOverride(t *testing.T) {
	r, _ := checkFiles(t, map[string]string{
		"infra/copilot/web/manifest.yml":                        "name: web\ntype: Load Balanced Web Service\nhttp:\n  path: '/'\nimage:\n  build: ../web/Dockerfile\n",
		"infra/copilot/environments/overrides/cfn.patches.yml":  "- op: add\n  path: /Resources/PublicLoadBalancer/Properties/LoadBalancerAttributes/-\n  value:\n    Key: idle_timeout.timeout_seconds\n    Value: 120\n",
		"infra/copilot/environments/staging/overrides/stack.ts": "lb.addPropertyOverride('LoadBalancerAttributes', [{ key: 'idle_timeout.timeout_seconds', value: '90' }]);\n",
		"web/Dockerfile": "FROM python:3.12\nCOPY . /app\nCMD gunicorn -k gthread --keep-alive 75 app:app\n",
	})
	wantHops(t, r, map[string]string{
		"aws-copilot infra/copilot/web/manifest.yml:2": "120s idle_timeout.timeout_seconds 120 in an environment override (infra/copilot/environments/overrides/cfn.patches.yml:4)",
		"gunicorn web/Dockerfile:3":                    "75s",
	})
	got := findingsOf(r)
	if len(got) != 1 || !strings.HasPrefix(got[0], "web/Dockerfile:3 error LBD001 Copilot service web of infra (environment's public ALB) 120s") {
		t.Errorf("findings: %q", got)
	}
}

func TestCopilotBuild(t *testing.T) {
	for _, tt := range []struct {
		ws, build       string
		dir, dockerfile string
	}{
		{"", "build: web/Dockerfile", "web", "web/Dockerfile"},
		{"", "build: Dockerfile", ".", "Dockerfile"},
		{"", "build:\n  dockerfile: docker/Dockerfile.api\n  context: ./", ".", "docker/Dockerfile.api"},
		{"", "build:\n  context: svc", "svc", "svc/Dockerfile"},
		{"infra", "build: ../app/Dockerfile", "app", "app/Dockerfile"},
		{"", "build: ../outside/Dockerfile", "", ""},
		{"", "location: 123.dkr.ecr.us-east-1.amazonaws.com/app:1", "", ""},
	} {
		docs, err := yamlDocs("m.yml", []byte("image:\n"+indent(tt.build)))
		if err != nil {
			t.Fatal(err)
		}
		dir, df := copilotBuild(tt.ws, get(docs[0], "image"))
		if dir != tt.dir || df != tt.dockerfile {
			t.Errorf("%q in %q: %q %q, want %q %q", tt.build, tt.ws, dir, df, tt.dir, tt.dockerfile)
		}
	}
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ") + "\n"
}

// The idle timeout of an environment override, in the forms public
// templates and overrides write it; a value that is not a number, or a
// file outside copilot/environments/, sets none.
func TestCopilotEnvIdle(t *testing.T) {
	for _, tt := range []struct {
		path, src string
		want      time.Duration
	}{
		{"copilot/environments/overrides/cfn.patches.yml", "- op: add\n  path: /Resources/PublicLoadBalancer/Properties/LoadBalancerAttributes/-\n  value:\n    Key: idle_timeout.timeout_seconds\n    Value: '3600'  # an hour\n", time.Hour},
		{"copilot/environments/prod/overrides/cfn.patches.yml", "value: {Key: idle_timeout.timeout_seconds, Value: \"300\"}\n", 300 * time.Second},
		{"copilot/environments/overrides/stack.ts", "[{ key: 'idle_timeout.timeout_seconds', value: '90' }]", 90 * time.Second},
		{"copilot/environments/overrides/cfn.patches.yml", "- op: replace\n  path: /Resources/PublicLoadBalancer/Properties/LoadBalancerAttributes/0/Value\n  value: \"300\"\n", 0},
		{"copilot/environments/overrides/cfn.patches.yml", "Key: idle_timeout.timeout_seconds\nValue: \"${IDLE}\"\n", 0},
		{"copilot/api/overrides/cfn.patches.yml", "Key: idle_timeout.timeout_seconds\nValue: 120\n", 0},
		{"cfn/alb.yml", "Key: idle_timeout.timeout_seconds\nValue: 120\n", 0},
	} {
		o, ok := copilotEnvIdle(tt.path, []byte(tt.src))
		if ok != (tt.want != 0) || o.idle != tt.want {
			t.Errorf("%s %q: %v %v, want %v", tt.path, tt.src, o.idle, ok, tt.want)
		}
	}
}

// A service's variables reach the command its image's Dockerfile runs,
// over the image's own ENV; lines keep their numbers.
func TestCopilotVariables(t *testing.T) {
	r, _ := checkFiles(t, map[string]string{
		"copilot/api/manifest.yml": "name: api\ntype: Load Balanced Web Service\nhttp:\n  path: '/'\nimage:\n  build: api/Dockerfile\nvariables:\n  UVICORN_TIMEOUT_KEEP_ALIVE: 75\n  LOG_LEVEL: info\n",
		"api/Dockerfile":           "FROM python:3.12\nENV UVICORN_TIMEOUT_KEEP_ALIVE=5\nCOPY . .\nCMD [\"uvicorn\", \"main:app\", \"--host\", \"0.0.0.0\"]\n",
		"copilot/web/manifest.yml": "name: web\ntype: Load Balanced Web Service\nhttp:\n  path: '/web'\nimage:\n  build: web/Dockerfile\nvariables:\n  GUNICORN_CMD_ARGS: --keep-alive 3\n",
		"web/Dockerfile":           "FROM python:3.12\nCOPY . .\nCMD gunicorn -k gthread app:app\n",
	})
	wantHops(t, r, map[string]string{
		"aws-copilot copilot/api/manifest.yml:2": "60s",
		"aws-copilot copilot/web/manifest.yml:2": "60s",
		"uvicorn api/Dockerfile:4":               "75s UVICORN_TIMEOUT_KEEP_ALIVE=75 (with the variables of copilot/api/manifest.yml:8)",
		"gunicorn web/Dockerfile:3":              "3s keepalive 3 with the gthread worker",
	})
	got := findingsOf(r)
	if len(got) != 1 || !strings.HasPrefix(got[0], "web/Dockerfile:3 error LBD001 Copilot service web") {
		t.Errorf("findings: %q", got)
	}
}

// An environment's own variables that change the keep-alive leave it
// unknown (which environment runs is not known); ones that do not leave
// it as it is.
func TestCopilotEnvironmentVariables(t *testing.T) {
	r, _ := checkFiles(t, map[string]string{
		"copilot/api/manifest.yml": "name: api\ntype: Load Balanced Web Service\nhttp:\n  path: '/'\nimage:\n  build: api/Dockerfile\nenvironments:\n  prod:\n    variables:\n      GUNICORN_CMD_ARGS: --keep-alive 75\n  test:\n    variables:\n      LOG_LEVEL: debug\n",
		"api/Dockerfile":           "FROM python:3.12\nCOPY . .\nCMD gunicorn -k gthread app:app\n",
		"copilot/web/manifest.yml": "name: web\ntype: Load Balanced Web Service\nhttp:\n  path: '/web'\nimage:\n  build: web/Dockerfile\ncommand: uvicorn main:app\nenvironments:\n  test:\n    variables:\n      LOG_LEVEL: debug\n",
		"web/Dockerfile":           "FROM python:3.12\nCOPY . .\n",
		"copilot/adm/manifest.yml": "name: adm\ntype: Load Balanced Web Service\nhttp:\n  path: '/adm'\nimage:\n  build: adm/Dockerfile\ncommand: uvicorn main:app\nenvironments:\n  prod:\n    variables:\n      UVICORN_TIMEOUT_KEEP_ALIVE: 75\n",
		"adm/Dockerfile":           "FROM python:3.12\nCOPY . .\n",
	})
	wantHops(t, r, map[string]string{
		"aws-copilot copilot/api/manifest.yml:2": "60s",
		"aws-copilot copilot/web/manifest.yml:2": "60s",
		"aws-copilot copilot/adm/manifest.yml:2": "60s",
		"gunicorn api/Dockerfile:3":              `0s the "prod" environment's variables give it another value`,
		"uvicorn copilot/web/manifest.yml:7":     "5s uvicorn's default",
		"uvicorn copilot/adm/manifest.yml:7":     `0s the "prod" environment's variables give it another value`,
	})
	got := findingsOf(r)
	if len(got) != 1 || !strings.HasPrefix(got[0], "copilot/web/manifest.yml:7 error LBD001 Copilot service web") {
		t.Errorf("findings: %q", got)
	}
}
