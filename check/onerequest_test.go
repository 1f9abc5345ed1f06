package check

import (
	"strings"
	"testing"
)

// A limit of one request per connection turns keep-alive off in nginx
// (keepalive_requests 1 or 0), Tomcat (maxKeepAliveRequests="1"; 0 and -1
// are no limit), Spring Boot 2.5+ (server.tomcat.max-keep-alive-requests)
// and Node 16.10+ (maxRequestsPerSocket = 1); Go servers turn it off with
// SetKeepAlivesEnabled(false) or fasthttp's DisableKeepalive, HAProxy with
// option httpclose (a frontend's, a listen's or defaults'). The cases
// the real servers measure are in onerequest_real_test.go.
func TestOneRequestPerConnection(t *testing.T) {
	const pom = `<project><parent><artifactId>spring-boot-starter-parent</artifactId><version>VERSION</version></parent><dependencies><dependency><artifactId>spring-boot-starter-web</artifactId></dependency></dependencies></project>`
	pomOf := func(v string) string { return strings.Replace(pom, "VERSION", v, 1) }
	goMod := "module x\ngo 1.22\n"
	cases := []struct {
		name  string
		files map[string]string
		want  map[string]string
	}{
		{"nginx: a server block lifts the http block's limit",
			map[string]string{"nginx.conf": "http {\n keepalive_requests 1;\n server { listen 80; }\n server { listen 81;\n  keepalive_requests 1000;\n }\n}\n"},
			map[string]string{"nginx nginx.conf:2": "no keep-alive keepalive_requests 1 (http block)", "nginx nginx.conf:4": "75s nginx's default"}},
		{"nginx: a server block sets it, whatever the timeout",
			map[string]string{"nginx.conf": "http {\n server { listen 80;\n  keepalive_timeout $KA;\n  keepalive_requests 0;\n }\n}\n"},
			map[string]string{"nginx nginx.conf:4": "no keep-alive keepalive_requests 0 (server block)"}},
		{"nginx: a file of server blocks (conf.d)",
			map[string]string{"conf.d/app.conf": "keepalive_requests 1;\nserver { listen 80; }\n"},
			map[string]string{"nginx conf.d/app.conf:1": "no keep-alive keepalive_requests 1 (http block)"}},
		{"haproxy: a frontend's no option httpclose wins over defaults; a backend's does not close the client's",
			map[string]string{"haproxy.cfg": "defaults\n  mode http\n  timeout http-keep-alive 70s\n  option httpclose\nfrontend a\n  bind :80\nfrontend b\n  bind :81\n  no option httpclose\nlisten c\n  bind :82\n  option forceclose\nbackend be\n  option httpclose\n"},
			map[string]string{"haproxy haproxy.cfg:4": "no keep-alive option httpclose (defaults)", "haproxy haproxy.cfg:3": "70s timeout http-keep-alive 70s (defaults)", "haproxy haproxy.cfg:12": "no keep-alive option forceclose (listen)"}},
		{"tomcat: 0 and -1 are no limit",
			map[string]string{"a/server.xml": `<Server><Service><Connector port="8080" maxKeepAliveRequests="0" keepAliveTimeout="20000"/></Service></Server>`,
				"b/server.xml": `<Server><Service><Connector port="8081" maxKeepAliveRequests="-1" keepAliveTimeout="20000"/></Service></Server>`},
			map[string]string{"tomcat a/server.xml:1": "20s", "tomcat b/server.xml:1": "20s"}},
		{"spring boot 3: a placeholder's default",
			map[string]string{"pom.xml": pomOf("3.2.0"), "src/main/resources/application.yml": "server:\n  tomcat:\n    keep-alive-timeout: 20s\n    max-keep-alive-requests: ${MAX_REQUESTS:1}\n"},
			map[string]string{"spring-boot-tomcat src/main/resources/application.yml:4": "no keep-alive server.tomcat.max-keep-alive-requests=${MAX_REQUESTS:1}"}},
		{"spring boot 2.4 has no such property",
			map[string]string{"pom.xml": pomOf("2.4.13"), "src/main/resources/application.properties": "server.tomcat.max-keep-alive-requests=1\nserver.tomcat.connection-timeout=20s\n"},
			map[string]string{"spring-boot-tomcat src/main/resources/application.properties:2": "20s server.tomcat.connection-timeout=20s"}},
		{"spring boot: a limit above one",
			map[string]string{"pom.xml": pomOf("3.2.0"), "src/main/resources/application.properties": "server.tomcat.max-keep-alive-requests=100\n"},
			map[string]string{"spring-boot-tomcat src/main/resources/application.properties:1": "60s Tomcat's default"}},
		{"spring boot: a customizer's setMaxKeepAliveRequests(1) wins over the properties",
			map[string]string{"pom.xml": pomOf("3.2.0"), "src/main/resources/application.properties": "server.tomcat.keep-alive-timeout=20s\n",
				"src/main/java/x/TomcatConfig.java": "package x;\nclass C implements WebServerFactoryCustomizer<TomcatServletWebServerFactory> {\n  public void customize(TomcatServletWebServerFactory f) {\n    f.addConnectorCustomizers(c -> ((AbstractHttp11Protocol<?>) c.getProtocolHandler()).setMaxKeepAliveRequests(ONE));\n  }\n  static final int ONE = 1;\n}\n"},
			map[string]string{"spring-boot-tomcat src/main/resources/application.properties:1": "no keep-alive setMaxKeepAliveRequests(ONE) at src/main/java/x/TomcatConfig.java:4"}},
		{"spring boot: setMaxKeepAliveRequests(100) changes nothing",
			map[string]string{"pom.xml": pomOf("3.2.0"), "src/main/resources/application.properties": "server.tomcat.keep-alive-timeout=20s\n",
				"src/main/java/x/TomcatConfig.java": "package x;\nclass C implements WebServerFactoryCustomizer<TomcatServletWebServerFactory> {\n  public void customize(TomcatServletWebServerFactory f) {\n    f.addConnectorCustomizers(c -> c.setProperty(\"maxKeepAliveRequests\", \"100\"));\n  }\n}\n"},
			map[string]string{"spring-boot-tomcat src/main/resources/application.properties:1": "20s server.tomcat.keep-alive-timeout=20s"}},
		{"spring boot: the environment's SERVER_TOMCAT_MAXKEEPALIVEREQUESTS",
			map[string]string{"pom.xml": pomOf("3.2.0"), "src/main/resources/application.properties": "server.tomcat.keep-alive-timeout=20s\n",
				"Dockerfile": "FROM eclipse-temurin:21\nENV SERVER_TOMCAT_MAX_KEEP_ALIVE_REQUESTS=1\nCMD [\"java\", \"-jar\", \"app.jar\"]\n"},
			map[string]string{"spring-boot-tomcat src/main/resources/application.properties:1": "no keep-alive SERVER_TOMCAT_MAX_KEEP_ALIVE_REQUESTS=1 (environment) at Dockerfile:2"}},
		{"node before 16.10 has no maxRequestsPerSocket",
			map[string]string{"package.json": `{"engines":{"node":"14.17.0"},"dependencies":{"express":"^4.18.0"}}`,
				"server.js": "const app = require('express')();\nconst server = app.listen(3000);\nserver.keepAliveTimeout = 65000;\nserver.maxRequestsPerSocket = 1;\n"},
			map[string]string{"node server.js:3": "65s keepAliveTimeout = 65000"}},
		{"go: the call on another server",
			map[string]string{"go.mod": goMod, "main.go": "package main\nimport (\"net/http\"; \"time\")\nfunc main() {\n\tapi := &http.Server{Addr: \":8080\", IdleTimeout: 75 * time.Second}\n\tadmin := &http.Server{Addr: \":9090\"}\n\tadmin.SetKeepAlivesEnabled(false)\n\tgo admin.ListenAndServe()\n\tapi.ListenAndServe()\n}\n"},
			map[string]string{"go main.go:4": "75s IdleTimeout", "go main.go:6": "no keep-alive SetKeepAlivesEnabled(false)"}},
		{"go: the file's only server, by another name",
			map[string]string{"go.mod": goMod, "main.go": "package main\nimport (\"net/http\"; \"time\")\nfunc newServer() *http.Server { return &http.Server{IdleTimeout: 30 * time.Second} }\nfunc main() {\n\ts := newServer()\n\ts.SetKeepAlivesEnabled(false)\n\ts.ListenAndServe()\n}\n"},
			map[string]string{"go main.go:6": "no keep-alive SetKeepAlivesEnabled(false)"}},
		{"go: started by Serve inside another call",
			map[string]string{"go.mod": goMod, "main.go": "package main\nimport (\"log\"; \"net\"; \"net/http\"; \"time\")\nfunc main() {\n\tln, _ := net.Listen(\"tcp\", \":8080\")\n\ts := &http.Server{ReadTimeout: 5 * time.Second}\n\ts.SetKeepAlivesEnabled(false)\n\tlog.Fatal(s.Serve(ln))\n}\n"},
			map[string]string{"go main.go:6": "no keep-alive SetKeepAlivesEnabled(false)"}},
		{"go: started in a goroutine",
			map[string]string{"go.mod": goMod, "main.go": "package main\nimport (\"context\"; \"net/http\"; \"time\")\nfunc main() {\n\tsrv := &http.Server{IdleTimeout: 30 * time.Second}\n\tsrv.SetKeepAlivesEnabled(false)\n\tgo func() { srv.ListenAndServe() }()\n\ttime.Sleep(time.Hour)\n\tsrv.Shutdown(context.Background())\n}\n"},
			map[string]string{"go main.go:5": "no keep-alive SetKeepAlivesEnabled(false)"}},
		{"go: turned off on the way to Shutdown (a graceful stop)",
			map[string]string{"go.mod": goMod, "main.go": "package main\nimport (\"context\"; \"net/http\"; \"os\"; \"os/signal\"; \"time\")\nfunc main() {\n\ts := &http.Server{IdleTimeout: 30 * time.Second}\n\tgo s.ListenAndServe()\n\tch := make(chan os.Signal, 1)\n\tsignal.Notify(ch, os.Interrupt)\n\t<-ch\n\ts.SetKeepAlivesEnabled(false)\n\ts.Shutdown(context.Background())\n}\n"},
			map[string]string{"go main.go:4": "30s IdleTimeout"}},
		{"go: turned off only when a flag says so",
			map[string]string{"go.mod": goMod, "main.go": "package main\nimport (\"flag\"; \"net/http\"; \"time\")\nfunc main() {\n\tka := flag.Bool(\"keep-alive\", true, \"\")\n\tflag.Parse()\n\tsrv := &http.Server{IdleTimeout: 30 * time.Second}\n\tif !*ka {\n\t\tsrv.SetKeepAlivesEnabled(false)\n\t}\n\tsrv.ListenAndServe()\n}\n"},
			map[string]string{"go main.go:6": "30s IdleTimeout"}},
		{"go: SetKeepAlivesEnabled(true) changes nothing",
			map[string]string{"go.mod": goMod, "main.go": "package main\nimport (\"net/http\"; \"time\")\nfunc main() {\n\ts := &http.Server{IdleTimeout: 30 * time.Second}\n\ts.SetKeepAlivesEnabled(true)\n\ts.ListenAndServe()\n}\n"},
			map[string]string{"go main.go:4": "30s IdleTimeout"}},
		{"fasthttp: DisableKeepalive false changes nothing",
			map[string]string{"go.mod": goMod, "main.go": "package main\nimport (\"time\"; \"github.com/valyala/fasthttp\")\nfunc main() {\n\ts := &fasthttp.Server{IdleTimeout: 30 * time.Second, DisableKeepalive: false}\n\ts.ListenAndServe(\":8080\")\n}\n"},
			map[string]string{"fasthttp main.go:4": "30s IdleTimeout"}},
		{"fasthttp: DisableKeepalive",
			map[string]string{"go.mod": goMod, "main.go": "package main\nimport (\"time\"; \"github.com/valyala/fasthttp\")\nfunc main() {\n\ts := &fasthttp.Server{IdleTimeout: 30 * time.Second,\n\t\tDisableKeepalive: true}\n\ts.ListenAndServe(\":8080\")\n}\n"},
			map[string]string{"fasthttp main.go:5": "no keep-alive DisableKeepalive: true"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _ := checkFiles(t, c.files)
			wantHops(t, r, c.want)
		})
	}
}
