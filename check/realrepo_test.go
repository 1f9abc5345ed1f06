package check

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestGitignore(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ".gitignore"), []byte("# comment\n*.log\n/build-out/\ngenerated/**/*.yaml\n!keep.log\nsecrets[0-9].env\n"), 0o644)
	g := &gitignore{}
	g.load(dir, "")
	tests := []struct {
		path  string
		dir   bool
		wants bool
	}{
		{"app.log", false, true},
		{"sub/app.log", false, true},
		{"keep.log", false, false}, // negated
		{"build-out", true, true},
		{"sub/build-out", true, false}, // anchored at the root
		{"generated/a/b/c.yaml", false, true},
		{"generated/c.yaml", false, true},
		{"secrets1.env", false, true},
		{"secretsX.env", false, false},
		{"app.yaml", false, false},
	}
	for _, tt := range tests {
		if got := g.ignored(tt.path, tt.dir); got != tt.wants {
			t.Errorf("ignored(%q) = %v, want %v", tt.path, got, tt.wants)
		}
	}
}

func TestSameService(t *testing.T) {
	for _, tt := range []struct {
		name, project string
		want          bool
	}{
		{"ui", "ui", true}, {"ui-service", "ui", true}, {"UI_SVC", "ui", true}, {"retail-store-ui", "ui", true},
		{"cart", "carts", false}, {"ui", "build", false}, {"", "ui", false}, {"guide", "ui", false},
	} {
		if got := sameService(tt.name, tt.project); got != tt.want {
			t.Errorf("sameService(%q, %q) = %v", tt.name, tt.project, got)
		}
	}
}

func TestSpringServer(t *testing.T) {
	pom := func(arts ...string) string {
		var b strings.Builder
		b.WriteString("<project><dependencies>")
		for _, a := range arts {
			b.WriteString("<dependency><artifactId>" + a + "</artifactId></dependency>")
		}
		b.WriteString("</dependencies></project>")
		return b.String()
	}
	tests := []struct{ build, file, want string }{
		{pom("spring-boot-starter-web"), "pom.xml", serverTomcat},
		{pom("spring-boot-starter-webflux"), "pom.xml", serverNetty},
		{pom("spring-boot-starter-webflux", "spring-boot-starter-web"), "pom.xml", serverTomcat}, // MVC wins
		{pom("spring-boot-starter-web", "spring-boot-starter-jetty"), "pom.xml", serverJetty},
		{pom("spring-boot-starter-web", "spring-boot-starter-undertow"), "pom.xml", serverUndertow},
		{pom("spring-cloud-starter-gateway-server-webflux"), "pom.xml", serverNetty},
		{pom("spring-boot-starter-webflux-test"), "pom.xml", ""}, // a test artifact brings no server
		{"dependencies {\n implementation 'org.springframework.boot:spring-boot-starter-webflux'\n}", "build.gradle", serverNetty},
		{"dependencies {\n implementation(\"org.springframework.boot:spring-boot-starter-jetty:3.3.0\")\n}", "build.gradle.kts", serverJetty},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, tt.file), []byte(tt.build), 0o644)
		if got, _, _ := springServer(dir, dir); got != tt.want {
			t.Errorf("%s %q: server %q, want %q", tt.file, tt.build, got, tt.want)
		}
	}
}

func TestClientPools(t *testing.T) {
	tests := []struct {
		path, src, kind string
		idle            time.Duration
	}{
		{"A.java", `WebClient.builder().build()`, "Reactor Netty (Spring WebClient)", Infinite},
		{"A.java", `ConnectionProvider.builder("x").maxIdleTime(Duration.ofSeconds(20)); WebClient.builder()`, "Reactor Netty (Spring WebClient)", 20 * time.Second},
		{"A.kt", `val c = OkHttpClient.Builder().build()`, "OkHttp", 5 * time.Minute},
		{"A.java", `new OkHttpClient.Builder().connectionPool(new ConnectionPool(5, 30, TimeUnit.SECONDS))`, "OkHttp", 30 * time.Second},
		{"A.java", `HttpClients.custom().evictIdleConnections(10L, TimeUnit.SECONDS)`, "Apache HttpClient", 10 * time.Second},
		{"a.go", "import \"net/http\"\nvar t = &http.Transport{IdleConnTimeout: 30 * time.Second}", "Go http.Transport", 30 * time.Second},
		{"a.go", "import \"net/http\"\nfunc f() { http.Get(u) }", "Go http.DefaultTransport", 90 * time.Second},
		{"a.py", "s = requests.Session()", "Python requests (urllib3)", Infinite},
	}
	for _, tt := range tests {
		got := findClientPools(tt.path, []byte(tt.src))
		if len(got) != 1 || got[0].kind != tt.kind || got[0].idle != tt.idle {
			t.Errorf("%s %q: %+v, want one %s with %s", tt.path, tt.src, got, tt.kind, tt.idle)
		}
	}
	if got := findClientPools("a.go", []byte("package main // no net/http")); len(got) != 0 {
		t.Errorf("pools in a file without net/http: %+v", got)
	}
}

func TestServiceRefs(t *testing.T) {
	src := "releases:\n  - name: \"ui\"\n    values:\n      - app:\n          endpoints:\n            checkout: http://checkout\n            orders: http://orders:8080/api\n            # carts: http://carts\n  - name: orders\n    values:\n      - db: http://postgres:5432\n"
	refs := findServiceRefs("helmfile.yaml", []byte(src), "")
	got := map[string]string{}
	for _, r := range refs {
		got[r.host] = r.caller
	}
	want := map[string]string{"checkout": "ui", "orders": "ui", "postgres": "orders"}
	if len(got) != len(want) {
		t.Fatalf("refs %v, want %v", got, want)
	}
	for h, c := range want {
		if got[h] != c {
			t.Errorf("%s called by %q, want %q", h, got[h], c)
		}
	}
}

func TestLooksMinified(t *testing.T) {
	if looksMinified([]byte(strings.Repeat("const a = 1;\n", 1000))) {
		t.Error("ordinary source called minified")
	}
	if !looksMinified([]byte("!function(){" + strings.Repeat("var a=1;", 2000) + "}()\n")) {
		t.Error("one long line not called minified")
	}
}

func TestCDK(t *testing.T) {
	tests := []struct {
		path, src string
		idle      time.Duration
		found     bool
	}{
		{"lib/stack.ts", "import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';\nconst lb = new elbv2.ApplicationLoadBalancer(this, 'LB', { vpc, idleTimeout: cdk.Duration.seconds(120) });", 120 * time.Second, true},
		{"app.py", "from aws_cdk import aws_elasticloadbalancingv2 as elbv2\nlb = elbv2.ApplicationLoadBalancer(self, 'LB', vpc=vpc)\n", 60 * time.Second, true},
		{"app.py", "import aws_cdk\nlb = elbv2.ApplicationLoadBalancer(self, 'LB', vpc=vpc)\nlb.set_attribute(key=\"idle_timeout.timeout_seconds\", value=\"30\")\n", 30 * time.Second, true},
		{"Stack.java", "import software.amazon.awscdk.services.ecs.patterns.*;\nApplicationLoadBalancedFargateService.Builder.create(this, \"S\").idleTimeout(Duration.minutes(2)).build();", 2 * time.Minute, true},
		{"lib/stack.ts", "const lb = new ApplicationLoadBalancer(this, 'LB');", 0, false}, // not a CDK program
	}
	for _, tt := range tests {
		hops := parseCDK(tt.path, []byte(tt.src))
		if (len(hops) == 1) != tt.found || tt.found && hops[0].Idle != tt.idle {
			t.Errorf("%s: %+v, want found=%v idle %s", tt.path, hops, tt.found, tt.idle)
		}
	}
}

func TestGunicornCmdArgsAndNestFastify(t *testing.T) {
	hops := parseCommandLines("Dockerfile", []byte("ENV GUNICORN_CMD_ARGS=\"--keep-alive 70 -k gthread --threads 2\"\nCMD gunicorn app:app\n"))
	if len(hops) != 1 || hops[0].Idle != 70*time.Second {
		t.Errorf("GUNICORN_CMD_ARGS: %+v", hops)
	}
	hops = parseCommandLines("compose.yaml", []byte("    environment:\n      GUNICORN_CMD_ARGS: --keep-alive 70 -k gthread\n    command: gunicorn --keep-alive 90 -k gthread app:app\n"))
	if len(hops) != 1 || hops[0].Idle != 90*time.Second {
		t.Errorf("the command line's own flag must win: %+v", hops)
	}
	src := []byte("import { FastifyAdapter } from '@nestjs/platform-fastify';\nconst app = await NestFactory.create(AppModule, new FastifyAdapter());\nawait app.listen(3000);\n")
	hops, _ = parseNodeSource("main.ts", src, nodeProject{})
	if len(hops) != 1 || hops[0].Idle != 72*time.Second {
		t.Errorf("NestJS on Fastify: %+v", hops)
	}
}

func TestTerraformModuleInputs(t *testing.T) {
	dir := t.TempDir()
	write := fileWriter(dir)
	write("modules/alb/main.tf", "resource \"aws_lb\" \"this\" {\n  idle_timeout = var.idle_timeout\n}\n")
	write("modules/alb/variables.tf", "variable \"idle_timeout\" {\n  default = 60\n}\n")
	write("envs/prod/main.tf", "module \"lb\" {\n  source       = \"../../modules/alb\"\n  idle_timeout = 120\n}\n")
	r, err := Run(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Hops) != 1 || r.Hops[0].Idle != 120*time.Second {
		t.Fatalf("hops %+v, want the module's aws_lb at the 120 s its caller passes", r.Hops)
	}
	// A second caller that passes another value makes it unknown.
	write("envs/dev/main.tf", "module \"lb\" {\n  source       = \"../../modules/alb\"\n  idle_timeout = 30\n}\n")
	r, _ = Run(context.Background(), dir, Options{})
	if len(r.Hops) != 1 || r.Hops[0].Known {
		t.Fatalf("hops %+v, want unknown when callers disagree", r.Hops)
	}
}

func TestKestrel(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "Api.csproj"), []byte(`<Project Sdk="Microsoft.NET.Sdk.Web"></Project>`), 0o644)
	if h := parseKestrel(dir, dir, filepath.Join(dir, "Api.csproj")); h.Idle != 130*time.Second {
		t.Errorf("default: %s", h.Idle)
	}
	os.WriteFile(filepath.Join(dir, "Program.cs"), []byte("builder.WebHost.ConfigureKestrel(o => {\n  o.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(30);\n});\n"), 0o644)
	if h := parseKestrel(dir, dir, filepath.Join(dir, "Api.csproj")); h.Idle != 30*time.Second || h.Location.Line != 2 {
		t.Errorf("code: %s at %v", h.Idle, h.Location)
	}
	// appsettings.json's Limits are not bound unless the application
	// binds the section (kestrel_test.go has the cases).
	os.WriteFile(filepath.Join(dir, "appsettings.json"), []byte(`{"Kestrel": {"Limits": {"KeepAliveTimeout": "00:01:00"}}}`), 0o644)
	if h := parseKestrel(dir, dir, filepath.Join(dir, "Api.csproj")); h.Idle != 30*time.Second || !strings.Contains(h.Source, "appsettings.json:1 is not read") {
		t.Errorf("appsettings not bound: %s (%s)", h.Idle, h.Source)
	}
}

// A server call alone is not an HTTP server: GoogleCloudPlatform/
// microservices-demo's paymentservice (index.js: `server.listen()` on a gRPC
// server, no HTTP module in the file or in package.json) was reported as a
// Node HTTP server with the 5 s default.
func TestNodeServerNeedsHTTP(t *testing.T) {
	tests := []struct {
		name, src string
		proj      nodeProject
		found     bool
	}{
		{"gRPC server, the repository's own shape", "const HipsterShopServer = require('./server');\nconst server = new HipsterShopServer(PROTO_PATH, PORT);\nserver.listen();\n", nodeProject{}, false},
		{"TCP server", "const net = require('net');\nnet.createServer(sock => sock.end()).listen(9000);\n", nodeProject{}, false},
		{"WebSocket server", "import { WebSocketServer } from 'ws';\nconst wss = new WebSocketServer({ port: 8080 });\nwss.listen(8080);\n", nodeProject{}, false},
		{"http module", "const http = require(\"node:http\");\nhttp.createServer(h).listen(8080);\n", nodeProject{}, true},
		{"ES module import of express", "import express from 'express';\nconst app = express();\napp.listen(3000);\n", nodeProject{}, true},
		{"app from a local module, express in package.json", "const app = require('./app');\napp.listen(process.env.PORT);\n", nodeProject{httpServer: true}, true},
		{"Koa", "const Koa = require('koa');\nnew Koa().listen(3000);\n", nodeProject{}, true},
	}
	for _, tt := range tests {
		hops, _ := parseNodeSource("index.js", []byte(tt.src), tt.proj)
		if (len(hops) == 1) != tt.found {
			t.Errorf("%s: hops %+v, want found=%v", tt.name, hops, tt.found)
		}
	}
	p, err := readPackageJSON([]byte(`{"dependencies": {"@grpc/grpc-js": "^1.9.0", "pino": "^8"}}`))
	if err != nil || p.httpServer {
		t.Errorf("a gRPC project's package.json: %+v %v", p, err)
	}
	p, _ = readPackageJSON([]byte(`{"dependencies": {"koa": "^2"}}`))
	if !p.httpServer {
		t.Error("a Koa project's package.json names no HTTP server")
	}
}

// Test servers are not deployed: outline/outline's server/test/TestServer.ts
// and server/test/setup.ts were reported next to its real server/main.ts.
// A directory named test may still hold a real environment's configuration.
func TestTestSource(t *testing.T) {
	for rel, want := range map[string]bool{
		"server/test/TestServer.ts":            true,
		"server/test/setup.ts":                 true,
		"src/routes/users.test.ts":             true,
		"web/app.spec.js":                      true,
		"cmd/api/main_test.go":                 true,
		"api/tests/conftest.py":                true,
		"api/test_app.py":                      true,
		"src/Api.Tests/Program.cs":             true,
		"e2e/server.mjs":                       true,
		"scripts/mock-server.js":               true,
		"dev/mockServer.ts":                    true,
		"src/api/payments.mock.ts":             true,
		"mocks/api/index.js":                   true,
		"cypress/plugins/server.js":            true,
		"src/mockingbird/server.js":            false,
		"server/main.ts":                       false,
		"envs/test/main.tf":                    false,
		"k8s/test/ingress.yaml":                false,
		"src/latest/server.js":                 false,
		"src/contest/app.py":                   false,
		"src/main/java/shop/TestimonyApi.java": false,
		// A Java package named test is main code below src/main (found on a
		// public Dropwizard application, com.test.HelloWorldApplication).
		"src/main/java/com/test/App.java":   false,
		"api/src/main/kotlin/test/App.kt":   false,
		"test/src/main/java/com/x/App.java": true,
		"src/test/java/com/x/AppIT.java":    true,
		"src/main/java/com/x/AppTest.java":  true,
	} {
		if got := testSource(rel, path.Base(rel)); got != want {
			t.Errorf("testSource(%q) = %v, want %v", rel, got, want)
		}
	}
}

// A server named on a command line is run only in a command's place:
// netbox-community/netbox-docker's Dockerfile removes gunicorn from its
// requirements with sed, and was read as a gunicorn server.
func TestFindCommand(t *testing.T) {
	for line, want := range map[string]bool{
		"CMD gunicorn app:app":                                    true,
		"CMD [gunicorn -b 0.0.0.0:8000 app:app]":                  true,
		"exec /opt/venv/bin/gunicorn config.wsgi --bind :5000":    true,
		"web: gunicorn app.wsgi":                                  true,
		"command: gunicorn app:app -k gthread":                    true,
		"  - gunicorn":                                            true,
		"cd /app && PORT=80 exec gunicorn app:app":                true,
		"python -m gunicorn app:app":                              true,
		"poetry run gunicorn app:app":                             true,
		"exec gosu app gunicorn app:app":                          true,
		"sudo gunicorn app:app --bind=0.0.0.0:8080 --daemon":      true,
		"sudo -E -u www-data gunicorn app:app":                    true,
		"sudo pip3 install gunicorn":                              false,
		"ddtrace-run gunicorn app:app":                            true,
		"ExecStart=/opt/app/venv/bin/gunicorn -k gthread app:app": true,
		"ExecStart=-gunicorn app:app":                             true,
		"FOO=gunicorn":                                            false,
		"sed -i -e /gunicorn/d /requirements.txt":                 false,
		"RUN pip install gunicorn uvicorn":                        false,
		"echo starting gunicorn now":                              false,
		"RUN which gunicorn":                                      false,
		"COPY gunicorn_conf.py /gunicorn_conf.py":                 false,
	} {
		if got := findCommand(line, gunicornCmdRe) != ""; got != want {
			t.Errorf("%q: command %v, want %v", line, got, want)
		}
	}
	if findCommand("RUN pip install uvicorn main:app", uvicornCmdRe) != "" || findCommand("uv run uvicorn main:app --port 80", uvicornCmdRe) == "" {
		t.Error("uvicorn: an install line read as a server, or uv run not read")
	}
}

// Fixture directories are test data whatever their spelling:
// kubernetes-sigs/aws-load-balancer-controller keeps Ingresses under
// pkg/ingress2gateway/utils/test_files, getsentry/self-hosted its nginx for
// one test under _integration-test.
func TestFixtureDirsSkipped(t *testing.T) {
	for _, name := range []string{"testdata", "test_data", "test-data", "test_files", "testfiles", "fixtures", "__tests__", "_integration-test", "integration_tests"} {
		if skipDir("/repo", "pkg/x/"+name, name) != SkipTests {
			t.Errorf("%s not skipped as test sources", name)
		}
	}
	for _, name := range []string{"test", "tests", "testing", "environments"} {
		if skipDir("/repo", "envs/"+name, name) != "" {
			t.Errorf("%s skipped: a directory named so may hold a real environment's configuration", name)
		}
	}
}

// Documents of an application.yml without a profile are one configuration,
// later ones winning, as in Spring: jhipster/jhipster-sample-app's has two
// (and comment-only ones), and its one server was reported twice.
func TestSpringYAMLDocumentsMerge(t *testing.T) {
	src := "# comments only\n---\nspring:\n  config:\n    activate:\n      on-profile: '!api-docs'\nspringdoc:\n  api-docs:\n    enabled: false\n---\nserver:\n  tomcat:\n    keep-alive-timeout: 30s\n---\nserver:\n  tomcat:\n    keep-alive-timeout: 70s\n---\n# application: {}\n"
	sets, err := parseSpringYAML("application.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var base []springProps
	for _, sp := range sets {
		if sp.profile == "" {
			base = append(base, sp)
		}
	}
	if len(base) != 1 || base[0].props["server.tomcat.keep-alive-timeout"] != "70s" || base[0].lines["server.tomcat.keep-alive-timeout"] != 17 {
		t.Errorf("documents without a profile: %+v, want one, with the later 70s at line 17", base)
	}
}

// A module of a multi-module build gets its web starter through the
// project's own modules: macrozheng/mall's mall-admin depends on
// mall-security, which names spring-boot-starter-web. It was "embedded
// server unknown".
func TestSpringServerThroughModules(t *testing.T) {
	dir := t.TempDir()
	write := fileWriter(dir)
	dep := func(a string) string { return "<dependency><artifactId>" + a + "</artifactId></dependency>" }
	write("pom.xml", "<project><artifactId>shop</artifactId><modules><module>shop-admin</module></modules></project>")
	write("shop-admin/pom.xml", "<project><parent><artifactId>shop</artifactId></parent><artifactId>shop-admin</artifactId>"+dep("shop-security")+"</project>")
	write("shop-security/pom.xml", "<project><artifactId>shop-security</artifactId>"+dep("shop-common")+"</project>")
	write("shop-common/pom.xml", "<project><artifactId>shop-common</artifactId>"+dep("spring-boot-starter-undertow")+"</project>")
	write("shop-batch/pom.xml", "<project><artifactId>shop-batch</artifactId>"+dep("spring-boot-starter-batch")+"</project>")
	write("api/build.gradle", "dependencies {\n  implementation project(':core')\n}\n")
	write("core/build.gradle", "dependencies {\n  implementation 'org.springframework.boot:spring-boot-starter-webflux'\n}\n")
	for _, tt := range []struct{ dir, server, build string }{
		{"shop-admin", serverUndertow, "shop-admin/pom.xml via shop-common/pom.xml"},
		{"shop-batch", "", ""},
		{"api", serverNetty, "api/build.gradle via core/build.gradle"},
	} {
		server, build, found := springServer(dir, filepath.Join(dir, tt.dir))
		if server != tt.server || build != tt.build || !found {
			t.Errorf("%s: server %q from %q (found %v), want %q from %q", tt.dir, server, build, found, tt.server, tt.build)
		}
	}
}

// A module's idle_timeout that its variable leaves null is unset (ALB's
// 60 s), and a caller may pass its own variable: cloudposse/terraform-aws-alb's
// example passes var.idle_timeout, set in its tfvars.
func TestTerraformNullAndCallerVariables(t *testing.T) {
	dir := t.TempDir()
	write := fileWriter(dir)
	write("null/main.tf", "resource \"aws_lb\" \"this\" {\n  idle_timeout = var.idle_timeout\n}\nvariable \"idle_timeout\" {\n  type    = number\n  default = null\n}\n")
	write("mod/main.tf", "resource \"aws_lb\" \"default\" {\n  idle_timeout = var.idle_timeout\n}\nvariable \"idle_timeout\" {\n  default = 60\n}\n")
	write("examples/complete/main.tf", "module \"alb\" {\n  source       = \"../../mod\"\n  idle_timeout = var.idle_timeout\n}\nvariable \"idle_timeout\" {\n  type = number\n}\n")
	write("examples/complete/fixtures.tfvars", "idle_timeout = 120\n")
	r, err := Run(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Hop{}
	for _, h := range r.Hops {
		got[h.Location.File] = h
	}
	if h := got["null/main.tf"]; !h.Known || h.Idle != 60*time.Second {
		t.Errorf("null variable: %+v, want the 60 s default", h)
	}
	if h := got["mod/main.tf"]; !h.Known || h.Idle != 120*time.Second {
		t.Errorf("caller's variable: %+v, want the 120 s of its tfvars", h)
	}
}

// Four shapes met in real repositories: frappe/frappe_docker's start.sh
// continues gunicorn's command over lines (its gthread worker was missed),
// and its nginx template holds ${VAR} words (a parse error before); Tomcat's
// own documentation page named server.xml is not a configuration; a NestJS
// seed script creates an application without serving it
// (brocoders/nestjs-boilerplate).
func TestRealRepositoryShapes(t *testing.T) {
	hops := parseCommandLines("start.sh", []byte("#!/bin/bash\nset -e\n\nexec /env/bin/gunicorn \\\n  --bind=0.0.0.0:8000 \\\n  --threads=4 \\\n  --worker-class=gthread \\\n  frappe.app:application\necho done\n"))
	if len(hops) != 1 || hops[0].Idle != 2*time.Second || hops[0].Location.Line != 4 {
		t.Errorf("continued command: %+v, want gthread's 2 s keep-alive at line 4", hops)
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "nginx.conf")
	os.WriteFile(conf, []byte("upstream backend-server {\n\tserver ${BACKEND} fail_timeout=0;\n}\nserver {\n\tlisten 8080;\n\tkeepalive_timeout 15;\n\tclient_max_body_size ${CLIENT_MAX_BODY_SIZE};\n}\n"), 0o644)
	root, err := parseNginxConf(conf, map[string]bool{}, 0)
	if err != nil {
		t.Fatalf("nginx template: %v", err)
	}
	if hops := nginxHops(root); len(hops) != 1 || hops[0].Idle != 15*time.Second {
		t.Errorf("nginx template: %+v", hops)
	}
	if hops, err := parseServerXML("webapps/docs/config/server.xml", []byte("<!DOCTYPE document [\n  <!ENTITY project SYSTEM \"project.xml\">\n]>\n<document url=\"server.html\">\n  &project;\n</document>\n")); err != nil || len(hops) != 0 {
		t.Errorf("documentation page: %+v %v", hops, err)
	}
	seed := "import { NestFactory } from '@nestjs/core';\nconst run = async () => {\n  const app = await NestFactory.create(SeedModule);\n  await app.get(UserSeedService).run();\n  await app.close();\n};\n"
	if hops, _ := parseNodeSource("run-seed.ts", []byte(seed), nodeProject{httpServer: true}); len(hops) != 0 {
		t.Errorf("seed script: %+v", hops)
	}
}

// A gunicorn command that names a config file takes its settings from it:
// netbox-community/netbox runs gunicorn --config gunicorn.py, whose threads = 3
// make the gthread worker (2 s keep-alive). The command line alone would say
// the sync worker.
func TestGunicornConfigFile(t *testing.T) {
	for _, line := range []string{"ExecStart=/opt/netbox/venv/bin/gunicorn --pid /var/tmp/netbox.pid --config /opt/netbox/gunicorn.py netbox.wsgi",
		"CMD gunicorn -c gunicorn_config.py app:app", "exec gunicorn --config=python:app.gunicorn app.wsgi"} {
		if hops := parseCommandLines("Dockerfile", []byte(line)); len(hops) != 0 {
			t.Errorf("%q: %+v, want none (the config file decides)", line, hops)
		}
	}
	src := []byte("bind = '127.0.0.1:8001'\nworkers = 5\nthreads = 3\ntimeout = 120\n")
	if !isGunicornConfig("gunicorn.py") || !looksLikeGunicornConfig("gunicorn.py", src) {
		t.Fatal("netbox's contrib/gunicorn.py not taken for a gunicorn configuration")
	}
	if hops := parseGunicornConf("contrib/gunicorn.py", src); len(hops) != 1 || hops[0].Idle != 2*time.Second {
		t.Errorf("threads = 3: %+v, want gthread's 2 s", hops)
	}
	if looksLikeGunicornConfig("gunicorn_helpers.py", []byte("import gunicorn\ndef post_fork(server, worker):\n    pass\n")) {
		t.Error("a helper module taken for a configuration")
	}
	if !looksLikeGunicornConfig("gunicorn.conf.py", []byte("import os\n")) {
		t.Error("gunicorn.conf.py, gunicorn's default name, not taken for a configuration")
	}
}

// A command that takes more arguments at run time may set its keep-alive
// there: chroma-core/chroma's entrypoint runs
// `exec uvicorn chromadb.app:app $(eval echo "$args")`, and its Dockerfile's
// CMD passes --timeout-keep-alive. The 5 s default would be a false alarm.
func TestRuntimeArguments(t *testing.T) {
	for _, tt := range []struct {
		line  string
		known bool
	}{
		{`exec uvicorn chromadb.app:app $(eval echo "$args")`, false},
		{`exec gunicorn app:app "$@"`, false},
		{`uvicorn main:app --host 0.0.0.0 --port $PORT`, true},
		{`uvicorn main:app --port=${PORT} $EXTRA_ARGS`, false},
		{`uvicorn main:app --timeout-keep-alive 75 "$@"`, true},
		{`gunicorn app:app --keep-alive 75 -k gthread $GUNICORN_OPTS`, true},
	} {
		hops := parseCommandLines("entrypoint.sh", []byte(tt.line))
		if len(hops) != 1 || hops[0].Known != tt.known {
			t.Errorf("%q: %+v, want known=%v", tt.line, hops, tt.known)
		}
	}
}

// A parent's <dependencyManagement> manages versions and adds no
// dependency: a batch module under a parent that manages
// spring-boot-starter-web has no web server.
func TestSpringManagedDependencies(t *testing.T) {
	dir := t.TempDir()
	write := fileWriter(dir)
	write("pom.xml", "<project><artifactId>shop</artifactId><dependencyManagement><dependencies><dependency><artifactId>spring-boot-starter-web</artifactId></dependency></dependencies></dependencyManagement><build><plugins><plugin><artifactId>spring-boot-starter-tomcat</artifactId></plugin></plugins></build></project>")
	write("batch/pom.xml", "<project><artifactId>batch</artifactId><dependencies><dependency><artifactId>spring-boot-starter-batch</artifactId></dependency></dependencies></project>")
	write("api/pom.xml", "<project><artifactId>api</artifactId><dependencies><dependency><artifactId>spring-boot-starter-web</artifactId></dependency></dependencies></project>")
	if server, build, _ := springServer(dir, filepath.Join(dir, "batch")); server != "" {
		t.Errorf("batch: server %q from %s, want none (the parent only manages the web starter's version)", server, build)
	}
	if server, _, _ := springServer(dir, filepath.Join(dir, "api")); server != serverTomcat {
		t.Errorf("api: server %q, want Tomcat", server)
	}
}
