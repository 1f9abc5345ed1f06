package check

import (
	"slices"
	"strings"
	"testing"
)

// An application wrapped for Lambda is not judged: its listen() or
// uvicorn.run serves local runs; the same file without the adapter is.
func TestLambdaWrappedApps(t *testing.T) {
	const express = "const express = require('express');\nconst app = express();\n%s\nif (process.env.LOCAL) {\n  app.listen(3000);\n}\n"
	for _, tt := range []struct {
		name, file, src, note string
	}{
		{"serverless-http", "app.js", strings.Replace(express, "%s", "const serverless = require('serverless-http');\nmodule.exports.handler = serverless(app);", 1), "serverless-http"},
		{"serverless-express, imported", "src/main.ts", strings.Replace(express, "%s", "import serverlessExpress from '@vendia/serverless-express';\nexport const handler = serverlessExpress({ app });", 1), "@vendia/serverless-express"},
		{"Cloud Functions for Firebase", "functions/index.js", strings.Replace(express, "%s", "const functions = require('firebase-functions/v2/https');\nexports.api = functions.onRequest(app);", 1), "firebase-functions/v2/https"},
		{"Mangum", "main.py", "from fastapi import FastAPI\nfrom mangum import Mangum\nimport uvicorn\napp = FastAPI()\nhandler = Mangum(app)\nif __name__ == '__main__':\n    uvicorn.run(app, host='0.0.0.0', port=8000)\n", "mangum"},
		{"no adapter", "app.js", strings.Replace(express, "%s", "", 1), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{tt.file: tt.src, "package.json": `{"dependencies": {"express": "^4"}}`}
			r, _ := checkFiles(t, files)
			got := findingsOf(r)
			if tt.note == "" {
				if len(got) != 1 {
					t.Errorf("findings %q, want one warning", got)
				}
				return
			}
			if len(got) != 0 {
				t.Errorf("findings %q, want none", got)
			}
			if want := lambdaNote(tt.file, tt.note); !slices.Contains(r.Notes, want) {
				t.Errorf("notes %q, want %q", r.Notes, want)
			}
		})
	}
}

// A project that depends on a Lambda adapter runs its dev server file
// locally, unless something in it runs a server (a Dockerfile).
func TestLambdaProjects(t *testing.T) {
	const dev = "const { app } = require('./lambda');\napp.listen(8000);\n"
	const pkg = `{"dependencies": {"express": "^4", "serverless-http": "^3"}}`
	r, _ := checkFiles(t, map[string]string{"server/dev.js": dev, "server/package.json": pkg})
	if got := findingsOf(r); len(got) != 0 {
		t.Errorf("findings %q, want none", got)
	}
	if want := lambdaNote("server/dev.js", "serverless-http"); !slices.Contains(r.Notes, want) {
		t.Errorf("notes %q, want %q", r.Notes, want)
	}
	r, _ = checkFiles(t, map[string]string{"server/dev.js": dev, "server/package.json": pkg, "server/Dockerfile": "FROM node:20\nCMD node dev.js\n"})
	if got := findingsOf(r); len(got) != 1 {
		t.Errorf("with a Dockerfile: findings %q, want one", got)
	}
}

// An nginx that passes every request to a load balancer (the web tier of
// a three-tier architecture, proxying to an internal ALB) does not hide
// the applications behind that load balancer; one that proxies to them
// directly does.
func TestProxyToLoadBalancer(t *testing.T) {
	for _, tt := range []struct {
		target string
		judged bool
	}{
		{"http://[REPLACE-WITH-INTERNAL-LB-DNS]:80/", true},
		{"http://internal-app-tier-1234567890.us-east-1.elb.amazonaws.com", true},
		{"http://${INTERNAL_ALB_DNS}:80", true},
		{"http://localhost:4000/", false},
		{"http://app:4000", false},
	} {
		conf := "events {}\nhttp {\n  keepalive_timeout 65;\n  server {\n    listen 80;\n    location / { root /srv; }\n    location /api/ { proxy_pass " + tt.target + "; }\n  }\n}\n"
		r, _ := checkFiles(t, map[string]string{
			"web-tier/nginx.conf":   conf,
			"app-tier/index.js":     "const express = require('express');\nconst app = express();\napp.listen(4000);\n",
			"app-tier/package.json": `{"dependencies": {"express": "^4"}}`,
		})
		if got := len(findingsOf(r)) == 1; got != tt.judged {
			t.Errorf("proxy_pass %s: findings %q, judged %v, want %v", tt.target, findingsOf(r), got, tt.judged)
		}
	}
}

// An Express app that Vercel runs as functions: the project's vercel.json
// names the file, or the file is in api/. A monorepo's top vercel.json (its
// front end's) and a project a Dockerfile runs keep their server judged.
func TestVercelFunctions(t *testing.T) {
	const pkg = `{"dependencies":{"express":"^4"}}`
	const server = "const express = require('express');\nconst app = express();\napp.listen(3000);\nmodule.exports = app;\n"
	cases := []struct {
		name  string
		files map[string]string
		hops  int
	}{
		{"vercel.json names the file", map[string]string{"package.json": pkg, "index.js": server,
			"vercel.json": `{"builds":[{"src":"index.js","use":"@vercel/node"}]}`}, 0},
		{"the file is in api/", map[string]string{"package.json": pkg, "api/index.js": server, "vercel.json": `{"rewrites":[{"source":"/(.*)","destination":"/api"}]}`}, 0},
		{"an api/ function re-exports the server's app", map[string]string{"package.json": pkg, "server.js": server,
			"api/index.js": "const app = require('../server');\nmodule.exports = app;\n", "vercel.json": `{"rewrites":[{"source":"/(.*)","destination":"/api"}]}`}, 0},
		{"a monorepo's vercel.json at the top", map[string]string{"vercel.json": `{"buildCommand":"npm run build"}`,
			"server/package.json": pkg, "server/index.js": server}, 1},
		{"a Dockerfile runs it", map[string]string{"package.json": pkg, "index.js": server, "Dockerfile": "FROM node:20\nCMD node index.js\n",
			"vercel.json": `{"builds":[{"src":"index.js","use":"@vercel/node"}]}`}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _ := checkFiles(t, c.files)
			n := 0
			for _, h := range r.Hops {
				if h.Kind == "node" {
					n++
				}
			}
			if n != c.hops {
				t.Errorf("%d Node hops (%+v), want %d; notes %q", n, r.Hops, c.hops, r.Notes)
			}
		})
	}
}

// A front end's development server (its HTTP framework only a
// devDependency, the file among its tools) is not judged; the same file in
// a project that depends on the framework is.
func TestNodeDevServers(t *testing.T) {
	const server = "const express = require('express');\nexpress().listen(4000);\n"
	cases := []struct {
		name  string
		files map[string]string
		hops  int
	}{
		{"scripts/ of a front end", map[string]string{"package.json": `{"devDependencies":{"express":"^4","vite":"^5"}}`, "scripts/dev-proxy.js": server}, 0},
		{"a mock API", map[string]string{"package.json": `{"devDependencies":{"express":"^4"}}`, "src/mock-api.js": server}, 0},
		{"the framework is a dependency", map[string]string{"package.json": `{"dependencies":{"express":"^4"}}`, "scripts/dev-proxy.js": server}, 1},
		{"a server outside the tools", map[string]string{"package.json": `{"devDependencies":{"express":"^4"}}`, "src/server.js": server}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _ := checkFiles(t, c.files)
			if len(r.Hops) != c.hops {
				t.Errorf("%d hops (%+v), want %d; notes %q", len(r.Hops), r.Hops, c.hops, r.Notes)
			}
		})
	}
}
