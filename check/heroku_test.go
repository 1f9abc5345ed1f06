package check

import (
	"strings"
	"testing"
)

// TestHeroku: the web process of an app with a Heroku manifest is judged
// against Heroku's Router 2.0 (90 s to dynos), not against an assumed ALB.
func TestHeroku(t *testing.T) {
	herokuApp := `{"name": "demo", "buildpacks": [{"url": "heroku/python"}], "addons": ["heroku-postgresql"]}`
	tests := []struct {
		name  string
		files map[string]string
		want  string // the finding's rule and front, "" for none
	}{
		{"procfile", map[string]string{"app.json": herokuApp, "Procfile": "release: python manage.py migrate\nweb: gunicorn --threads 4 app.wsgi\nworker: celery -A app worker\n"},
			"LBD001 Heroku Router 2.0"},
		{"long enough", map[string]string{"app.json": herokuApp, "Procfile": "web: uvicorn app:app --timeout-keep-alive 100\n"}, ""},
		{"above the ALB, below the router", map[string]string{"app.json": herokuApp, "Procfile": "web: uvicorn app:app --timeout-keep-alive 75\n"},
			"LBD001 Heroku Router 2.0"},
		{"expo", map[string]string{"app.json": `{"expo": {"name": "demo", "slug": "demo"}}`, "Procfile": "web: uvicorn app:app --timeout-keep-alive 75\n"}, ""},
		{"dokku", map[string]string{"app.json": `{"scripts": {"dokku": {"predeploy": "python manage.py migrate"}}}`, "Procfile": "web: uvicorn app:app --timeout-keep-alive 75\n"}, ""},
		{"heroku.yml builds", map[string]string{"heroku.yml": "build:\n  docker:\n    web: Dockerfile\n", "Dockerfile": "FROM python:3.12\nCMD gunicorn -k gthread app:app\n"},
			"LBD001 Heroku Router 2.0"},
		{"heroku.yml runs", map[string]string{"heroku.yml": "build:\n  docker:\n    web: Dockerfile\nrun:\n  web: uvicorn app:app --timeout-keep-alive 30\n", "Dockerfile": "FROM python:3.12\nCMD uvicorn app:app --timeout-keep-alive 300\n"},
			"LBD001 Heroku Router 2.0"},
		{"puma 8 reads the buildpack's variable", map[string]string{"app.json": `{"name": "x", "image": "heroku/ruby", "repository": "https://example.com/x"}`,
			"Procfile": "web: bundle exec puma -C config/puma.rb\n", "config/puma.rb": "port ENV.fetch('PORT') { 3000 }\n",
			"Gemfile.lock": "GEM\n  specs:\n    puma (8.0.2)\n      nio4r (~> 2.0)\n"}, ""},
		{"puma 6 does not", map[string]string{"app.json": `{"name": "x", "image": "heroku/ruby"}`,
			"Procfile": "web: bundle exec puma -C config/puma.rb\n", "config/puma.rb": "port ENV.fetch('PORT') { 3000 }\n",
			"Gemfile.lock": "GEM\n  specs:\n    puma (6.4.2)\n      nio4r (~> 2.0)\n"}, "LBD001 Heroku Router 2.0"},
		{"puma 7 set below", map[string]string{"app.json": `{"name": "x", "image": "heroku/ruby"}`,
			"Procfile": "web: bundle exec puma -C config/puma.rb\n", "config/puma.rb": "persistent_timeout 30\n",
			"Gemfile.lock": "GEM\n  specs:\n    puma (7.1.0)\n"}, "LBD001 Heroku Router 2.0"},
		{"gunicorn config named", map[string]string{"app.json": `{"name": "x", "env": {"A": {"value": "1"}}}`,
			"Procfile": "web: gunicorn --config gunicorn.conf.py app.wsgi\n", "gunicorn.conf.py": "workers = 2\nthreads = 4\nkeepalive = 30\n"},
			"LBD001 Heroku Router 2.0"},
		{"spring boot jar", map[string]string{"app.json": `{"name": "x", "addons": ["heroku-postgresql"]}`,
			"Procfile": "web: java -Dserver.port=$PORT $JAVA_OPTS -jar target/app-1.0.jar\n",
			"pom.xml":  "<project><parent><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-parent</artifactId><version>3.3.0</version></parent><dependencies><dependency><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-web</artifactId></dependency></dependencies></project>\n",
			"src/main/resources/application.properties": "server.port=${PORT:5000}\n"},
			"LBD001 Heroku Router 2.0"},
		{"npm start", map[string]string{"app.json": `{"name": "x", "buildpacks": [{"url": "heroku/nodejs"}]}`,
			"Procfile": "web: npm start\n", "package.json": `{"name": "x", "scripts": {"start": "node index.js"}, "dependencies": {"express": "^4.19.0"}}`,
			"index.js": "const express = require('express')\nconst app = express()\nconst server = app.listen(process.env.PORT)\nserver.keepAliveTimeout = 65000\n"},
			"LBD001 Heroku Router 2.0"},
		{"worker only", map[string]string{"app.json": herokuApp, "Procfile": "worker: uvicorn app:app\n"}, "LBD001 load balancer (assumed"},
		// No Procfile: Heroku's Node.js buildpack runs npm start.
		{"npm start by default", map[string]string{"app.json": `{"name": "x", "repository": "https://example.com/x"}`,
			"package.json": `{"name": "x", "scripts": {"start": "node index.js"}, "dependencies": {"express": "^4.19.0"}}`,
			"index.js":     "const express = require('express')\nconst app = express()\napp.listen(process.env.PORT)\n"},
			"LBD001 Heroku Router 2.0"},
		{"npm start by default, long enough", map[string]string{"app.json": `{"name": "x", "repository": "https://example.com/x"}`,
			"package.json": `{"name": "x", "scripts": {"start": "node index.js"}, "dependencies": {"express": "^4.19.0"}}`,
			"index.js":     "const express = require('express')\nconst app = express()\nconst server = app.listen(process.env.PORT)\nserver.keepAliveTimeout = 95000\nserver.headersTimeout = 96000\n"},
			""},
		{"server.js by default", map[string]string{"app.json": `{"name": "x", "logo": "https://example.com/x.png"}`,
			"package.json": `{"name": "x", "dependencies": {"express": "^4.19.0"}}`,
			"server.js":    "const express = require('express')\nexpress().listen(process.env.PORT)\n"},
			"LBD001 Heroku Router 2.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := checkFiles(t, tt.files)
			var got []string
			for _, f := range r.Findings {
				got = append(got, f.Rule.ID+" "+f.Chain)
			}
			if tt.want == "" {
				if len(got) > 0 {
					t.Fatalf("findings %q, want none", got)
				}
				return
			}
			if len(got) != 1 || !strings.HasPrefix(got[0], tt.want) {
				t.Fatalf("findings %q, want one starting with %q", got, tt.want)
			}
			f := r.Findings[0]
			onHeroku := strings.HasPrefix(tt.want, "LBD001 Heroku")
			// (heroku.yml's run.web leaves the Dockerfile's CMD to other
			// places, judged against the assumed load balancer.)
			if onHeroku && (f.Severity != Warning || r.AssumedLB != (tt.name == "heroku.yml runs") || !strings.Contains(f.Message, "on Heroku")) {
				t.Errorf("severity %s, assumed LB %v, message %q", f.Severity, r.AssumedLB, f.Message)
			}
		})
	}
}
