package check

import (
	"testing"
)

// The load balancer faces the proxies and the applications no proxy
// fronts: a sample's nginx (its own compose project) does not hide another
// sample's Express server, nor a static-only nginx's neighbour in another
// directory. A Procfile's processes and a local environment's servers stay
// out, as they do for proxies' pools.
func TestFacingAppsOutsideProxies(t *testing.T) {
	dir := t.TempDir()
	write := fileWriter(dir)
	write("nginx-sample/compose.yaml", "services:\n  web:\n    image: nginx\n  api:\n    build: ./api\n")
	write("nginx-sample/nginx/nginx.conf", "http {\n  keepalive_timeout 65;\n  server {\n    listen 80;\n    location / { proxy_pass http://api:3000; }\n  }\n}\n")
	write("nginx-sample/api/package.json", `{"name": "api", "dependencies": {"express": "4.19.0"}}`)
	write("nginx-sample/api/index.js", "const app = require('express')();\napp.listen(3000);\n")
	write("express-sample/package.json", `{"name": "backend", "dependencies": {"express": "4.19.0"}}`)
	write("express-sample/server.js", "const express = require('express');\nconst app = express();\napp.listen(8080);\n")
	write("heroku/Procfile", "web: gunicorn -k gthread --threads 4 app:app\n")
	write("compose/local/django/start", "#!/bin/bash\nexec uvicorn config.asgi:application --host 0.0.0.0 --reload\n")
	r, _ := runCheck(t, dir)
	got := map[string]string{}
	for _, f := range r.Findings {
		got[f.Location.File] = f.Rule.ID + " " + string(f.Level())
	}
	want := map[string]string{"express-sample/server.js": "LBD001 warning"}
	if len(got) != len(want) {
		t.Fatalf("findings %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
}

// A compose file in deploy/ that builds ../backend: nginx in deploy/ fronts
// the backend although the backend is not below deploy/.
func TestFacingComposeBuildsElsewhere(t *testing.T) {
	r, _ := checkFiles(t, map[string]string{
		"deploy/docker-compose.yml": "services:\n  web:\n    image: nginx\n    volumes:\n      - ./nginx/nginx.conf:/etc/nginx/nginx.conf\n  api:\n    build:\n      context: ../backend\n",
		"deploy/nginx/nginx.conf":   "http {\n  keepalive_timeout 65;\n  server {\n    listen 80;\n    location / { proxy_pass http://api:3000; }\n  }\n}\n",
		"backend/package.json":      `{"name": "api", "dependencies": {"express": "4.19.0"}}`,
		"backend/index.js":          "const app = require('express')();\napp.listen(3000);\n",
	})
	for _, f := range r.Findings {
		t.Errorf("unexpected finding %s at %s: %s", f.Rule.ID, f.Location, f.Message)
	}
}
