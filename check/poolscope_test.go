package check

import (
	"slices"
	"strings"
	"testing"
)

// A proxy's upstream pool fronts the applications of its own example in a
// repository of independent examples (ZiedZinelabidine/DevOps: a lesson's
// ingress-nginx beside its own Express app, other lessons' nginx and
// Traefik), and the whole repository's otherwise.
func TestPoolScope(t *testing.T) {
	nginx := "events {}\nhttp {\n  upstream app {\n    server app:3000;\n    keepalive 16;\n  }\n  server {\n    listen 80;\n    location / {\n      proxy_pass http://app;\n      proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n    }\n  }\n}\n"
	node := "const express = require('express');\nconst app = express();\napp.listen(3000);\n"
	pkg := `{"name": "app", "dependencies": {"express": "^4.18.0"}}`
	ingressNginx := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ingress-nginx-controller\ndata:\n  keep-alive: \"75\"\n"
	traefik := "entryPoints:\n  web:\n    address: \":80\"\n"
	for _, tt := range []struct {
		name  string
		files map[string]string
		// want: for each application file, the pools it is compared with
		// (the front's name as the finding's message gives it).
		want map[string][]string
	}{
		{"examples", map[string]string{
			"lessons/046/k8s/nginx-ingress.yaml": ingressNginx,
			"lessons/046/app/server.js":          node, "lessons/046/app/package.json": pkg,
			"lessons/071/express/server.js": node, "lessons/071/express/package.json": pkg,
			"lessons/144/traefik/traefik.yml": traefik,
			"lessons/219/nginx/nginx.conf":    nginx,
			"lessons/219/app/server.js":       node, "lessons/219/app/package.json": pkg,
		}, map[string][]string{
			"lessons/046/app/server.js":     {"ingress-nginx upstream keepalive pool"},
			"lessons/071/express/server.js": nil,
			"lessons/219/app/server.js":     {"nginx upstream keepalive pool"},
		}},
		{"proxy and application side by side", map[string]string{
			"nginx/nginx.conf": nginx,
			"app/server.js":    node, "app/package.json": pkg,
		}, map[string][]string{"app/server.js": {"nginx upstream keepalive pool"}}},
		{"two proxies in front of one application", map[string]string{
			"lessons/221/nginx/nginx.conf":       nginx,
			"lessons/221/traefik/traefik.yml":    traefik,
			"lessons/221/actix-app/server.js":    node,
			"lessons/221/actix-app/package.json": pkg,
		}, map[string][]string{"lessons/221/actix-app/server.js": {"Traefik serversTransport pool", "nginx upstream keepalive pool"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := checkFiles(t, tt.files)
			got := map[string][]string{}
			for _, f := range r.Findings {
				for _, pool := range []string{"ingress-nginx upstream keepalive pool", "nginx upstream keepalive pool", "Traefik serversTransport pool"} {
					if strings.Contains(f.Message, "of "+pool+" in front") {
						got[f.Location.File] = append(got[f.Location.File], pool)
					}
				}
			}
			for file, want := range tt.want {
				slices.Sort(got[file])
				if !slices.Equal(got[file], want) {
					t.Errorf("%s: compared with %q, want %q", file, got[file], want)
				}
			}
		})
	}
}
