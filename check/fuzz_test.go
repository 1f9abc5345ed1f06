package check

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzConfigParsers feeds arbitrary text to the hand-written parsers: they
// must return hops or an error, never panic or hang.
func FuzzConfigParsers(f *testing.F) {
	for _, s := range []string{
		"http { keepalive_timeout 65; server { listen 80; location / { keepalive_timeout 5s; } } upstream a { keepalive 2; } }",
		"defaults\n timeout http-request 10s\nfrontend f\n bind :80\n",
		"server.tomcat.keep-alive-timeout=65s\nserver.tomcat.connection-timeout: 20000\n",
		"CMD gunicorn -k gthread --threads 4 --keep-alive 62 app:app\nENV UVICORN_TIMEOUT_KEEP_ALIVE=75\nuvicorn a:b --timeout-keep-alive 3",
		"const s = http.createServer(); s.keepAliveTimeout = 65_000; s.headersTimeout = 66000;",
		"const app = express();\napp.keepAliveTimeout = 65000;\nconst server = http.createServer(app);\nserver.keepAliveTimeout = 1;\napp.getHttpAdapter().getInstance().keepAliveTimeout = 2;\nnew Agent({ keepAliveTimeout: 3 });\napp.listen(3000);",
		"new elbv2.ApplicationLoadBalancer(this, 'LB', { idleTimeout: Duration.seconds(IDLE) });\nconst IDLE = 90;\nimport 'aws-cdk-lib';",
		"idle_timeout.timeout_seconds = 300, a\\,b=c,\\",
		"entryPoints:\n  web:\n    transport:\n      respondingTimeouts:\n        idleTimeout: 65\n{%- if x %}\n",
		"[serversTransport.forwardingTimeouts]\n idleConnTimeout = \"1m\"\n",
		"image: traefik:v3\ncommand: --entrypoints.web.address=:80 --serverstransport.maxidleconnsperhost=-1",
		"{\n\tservers {\n\t\ttimeouts {\n\t\t\tidle 30s\n}}}\nx {\n reverse_proxy a {\n transport http {\n keepalive off\n}}}\n",
		"[server:main]\nuse = egg:waitress#main\nchannel_timeout = 5\n",
		"from waitress import serve\nserve(app, channel_timeout=9)\nfrom hypercorn.config import Config\nconfig.keep_alive_timeout = 3\nserve(app, config)",
		"CMD hypercorn --keep-alive 7 a:b\nwaitress-serve --channel-timeout=4 a:b\nbundle exec thin -t 9 start",
		"---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: Service\n- name: X\n---\n# Source: c/templates/a.yaml\n",
		"akka {\n http.server { idle-timeout = 90s }\n x = [1,\n 2]\n y = \"\"\"\n}\n\"\"\"\n}\n}}}\ninclude \"a.conf\"\n",
		"HttpServer::new(|| App::new()).keep_alive(a)b));",
		"io.quarkus quarkus-rest\n%prod.quarkus.http.idle-timeout=P1DT2H30.5S\nENV QUARKUS_HTTP_IDLE_TIMEOUT=${X:${Y:30s}}\n",
		"option_settings:\n  aws:elbv2:loadbalancer:\n    IdleTimeout: 120\n  - namespace: aws:elb:policies\n",
		"CMD [\"./bin/thrust\", \"./bin/rails\", \"server\"]\nENV HTTP_IDLE_TIMEOUT=75s THRUSTER_HTTP_IDLE_TIMEOUT=$X\n",
		"[{\"name\": \"a\", \"image\": \"${i}\", \"cpu\": ${c}, \"command\": [\"gunicorn\", \"--keep-alive\", \"75\"]}]",
		"services:\n  a:\n    <<: *x\n    command: >\n      uvicorn m:app\n    environment: [A=1]\n",
		"resource \"aws_ecs_task_definition\" \"a\" {\n container_definitions = <<EOF\n[{\"command\": [\"gunicorn\"]}]\nEOF\n}\n",
		"Javalin.create(c -> {}).start(); new ServerConnector(s).setIdleTimeout(70_000L);",
		"CMD [\"granian\", \"--http1-header-read-timeout\", \"45000\", \"--no-http1-keep-alive\", \"a:app\"]\nENV GRANIAN_HTTP=2\n",
		"{\"name\": \"a\", \"buildpacks\": [{\"url\": \"heroku/ruby\"}]}", "build:\n  docker:\n    web: {dockerfile: D}\nrun:\n  web: x\n",
		"name: api\ntype: Load Balanced Web Service\nhttp: false\nimage:\n  build: {dockerfile: ../D, context: .}\ncommand: [gunicorn]\nCOPY --from=a . b\nCOPY [\"x\", \"y\"]\n",
		"- op: add\n  value:\n    Key: idle_timeout.timeout_seconds\n    Value: 99999999999999999999\n",
		"Resources:\n  W:\n    Type: AWS::EC2::Instance\n    Properties:\n      UserData: !Base64 {a: b, c: d}\n  X:\n    Type: AWS::EC2::Instance\n    Properties:\n      UserData: {\"Fn::Base64\": {\"Fn::Join\": [\"\\n\", [\"apt-get install -y nginx\", {\"Ref\": \"P\"}]]}}\n",
		"resource \"aws_instance\" \"a\" {\n  user_data = base64encode(templatefile(\"${path.module}/../x.sh\", {}))\n}\nresource \"aws_launch_template\" \"b\" {\n  user_data = <<-EOF\n  yum install -y httpd \\\n  EOF\n}\n",
		"import 'aws-cdk-lib';\nconst d = `yum install -y httpd\nsystemctl start httpd`;\nasg.addUserData(d, 'a', \"b\\\"c\");\nud.add_commands(readFileSync('x.sh'));\nx.add_user_data(\"\"\"\nyum\n\"\"\"",
		"\"unterminated", "{{{", "}", ";", "include *;", "a.addCommands('", "a.add_commands(\"\"\"",
	} {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, s string) {
		src := []byte(s)
		path := filepath.Join(dir, "nginx.conf")
		os.WriteFile(path, src, 0o644)
		if root, err := parseNginxConf(path, map[string]bool{}, 0); err == nil {
			nginxHops(root)
		}
		parseHAProxy("haproxy.cfg", src)
		parseProperties("application.properties", src)
		parseCommandLines("Dockerfile", joinEntrypoint(src))
		parseGunicornConf("gunicorn.conf.py", src)
		parseNodeSource("server.js", src, nodeProject{hasVersion: true, version: version{10, 0, 0}})
		parsePuma("puma.rb", src, src, nil)
		parseServerXML("server.xml", src)
		parseGo("main.go", src)
		findServerEnv("compose.yml", "p", false, src)
		findTomcatCode("src/main/java/A.java", src)
		parseCloudFormation("t.yaml", src)
		parseKubernetes("k.yaml", src)
		parseSpringYAML("application.yml", src)
		parseTerraform("a.tf", src)
		parseTerraformDirWith([]tfFile{newTFFile("a.tf", src)}, nil, func(string) ([]byte, error) { return src, nil })
		userDataHops(userData{owner: "aws_instance.a", file: "a.sh", src: src, at: []int{3}}, nil)
		cdkUserData("lib/stack.ts", src, ".", func(string) ([]byte, error) { return src, nil })
		firstStringLiteral(s)
		parseTraefikFile("traefik.yml", src)
		parseTraefikFile("traefik.toml", src)
		parseTraefikFlags("compose.yaml", src)
		parseCaddyfile("Caddyfile", src)
		parseHypercornConfig("hypercorn.toml", src)
		parsePythonServers("main.py", src)
		parsePasteIni("production.ini", src)
		parseBunServe("index.ts", src, true, true)
		parseMixProject(dir, "mix.exs", src)
		parseUwsgiIni("uwsgi.ini", src)
		findSpringOverrides("Dockerfile", "app", src)
		parsePulumi("index.ts", src)
		parseCDK("lib/stack.ts", src)
		albAttributesIdle(string(src))
		parseDropwizardConfig("config.yml", src)
		for _, v := range readHOCON("application.conf", src, "", 0) {
			hoconDuration(v.value)
		}
		findJVMOverrides("Dockerfile", src)
		jvmServerOfBuild(src)
		propertyServerOfBuild(src)
		parseEBExtension(".ebextensions/a.config", src)
		parseEBSavedConfig("a.cfg.yml", src)
		quarkusDuration(s)
		micronautDuration(s)
		placeholderValue(s, quarkusDuration)
		parseKtorCIO("Main.kt", append([]byte("io.ktor\n"), src...))
		parseActix("main.rs", append([]byte("actix_web\n"), src...))
		findRocketCode("main.rs", append([]byte("rocket keep_alive\n"), src...))
		isRocketLaunch(src)
		parseUvicornRun("main.py", src)
		herokuManifest("app.json", src)
		herokuManifest("heroku.yml", src)
		herokuWeb(src)
		granianEnv(src)
		dockerfileImageHops("Dockerfile", src)
		dockerfileImageHops("Dockerfile", append([]byte("FROM tomcat:9\n"), src...))
		dockerfileImageHops("Dockerfile", append([]byte("FROM jetty:12\n"), src...))
		if isLibertyServerXML(src) {
			parseLibertyServerXML("server.xml", src)
		}
		parseWildFly("standalone.xml", src)
		parseWildFlyCLI("config.cli", src)
		csTimeSpan(s)
		libertyDuration(s)
		parseCopilotManifest("copilot/api/manifest.yml", src, func(string) ([]byte, error) { return src, nil })
		copilotEnvIdle("copilot/environments/overrides/cfn.patches.yml", src)
		cdkAssetDirs("lib/stack.ts", src, func(string) bool { return true })
		applyCopilotVariables(nil, []copilotEnv{{dockerfile: "Dockerfile", lines: "UVICORN_TIMEOUT_KEEP_ALIVE=7\n"}}, func(string) ([]byte, error) { return src, nil })
		tiangoloImageHop("Dockerfile", append([]byte("FROM tiangolo/uvicorn-gunicorn-fastapi\n"), src...))
		docs, _ := yamlDocs("compose.yaml", src)
		composeImageHops("compose.yaml", docs)
		for _, s := range findHyperSites("src/main.rs", append([]byte("hyper axum\n"), src...)) {
			hyperDuration(s.header)
		}
		parseSanic(dir, "server.py", append([]byte("from sanic import Sanic\n"), src...))
		dropwizardApp(src)
		uwsgiCommand(s, Location{"Dockerfile", 1}, uwsgiEnv("Dockerfile", src))
		ecsContainers("task.json", src)
		ecsContainerDocument("app.json.tpl", templatePlaceholders(src))
		composeCommands("compose.yaml", docs)
		terraformContainerCommands(newTFFile("main.tf", src))
		parseJetty("Main.java", append([]byte("import io.javalin.Javalin;\n"), src...))
		parseJetty("Main.kt", append([]byte("import org.eclipse.jetty.server.Server\nfun main() {}\n"), src...))
		servesOtherProtocol(src)
		applyGunicornConfFiles(append(parseGunicornConf("gunicorn.conf.py", src), parseCommandLines("Dockerfile", src)...))
		// helm template's output, and its lines taken back to a template.
		for _, g := range renderedBySource(src) {
			m := newLineMap(g.text, src, []templateFile{{"_helpers.tpl", []string{s}}})
			for l := 0; l <= g.docs+2; l++ {
				m.locate("t.yaml", l)
			}
		}
	})
}
