package check

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDurations(t *testing.T) {
	for in, want := range map[string]time.Duration{"65": 65 * time.Second, "65s": 65 * time.Second, "1m": time.Minute, "500ms": 500 * time.Millisecond, "1h30m": 90 * time.Minute} {
		if got, ok := nginxDuration(in); !ok || got != want {
			t.Errorf("nginx %q = %v %v", in, got, ok)
		}
	}
	for in, want := range map[string]time.Duration{"20000": 20 * time.Second, "20s": 20 * time.Second, "70000ms": 70 * time.Second, "PT65S": 65 * time.Second, "1d": 24 * time.Hour, "-1": Infinite} {
		if got, ok := springDuration(in); !ok || got != want {
			t.Errorf("spring %q = %v %v", in, got, ok)
		}
	}
	if _, ok := springDuration("${KEEPALIVE:65000}"); ok {
		t.Error("placeholder resolved")
	}
	// A placeholder resolves to its default, as Spring resolves it when the
	// variable is not set (public application.yml files write
	// keep-alive-timeout: ${SERVER_TOMCAT_KEEP_ALIVE_TIMEOUT:20000}); one
	// without a default does not resolve.
	for in, want := range map[string]time.Duration{"${KEEPALIVE:65000}": 65 * time.Second, "${A:${B:30s}}": 30 * time.Second, "70s": 70 * time.Second} {
		if got, note, ok := springValue(in); !ok || got != want || (in[0] == '$') != (note != "") {
			t.Errorf("springValue(%q) = %v %q %v, want %v", in, got, note, ok, want)
		}
	}
	for _, in := range []string{"${KEEPALIVE}", "${response-timeout}", "${A:${B}}"} {
		if _, _, ok := springValue(in); ok {
			t.Errorf("springValue(%q) resolved", in)
		}
	}
}

func TestVersions(t *testing.T) {
	v, _ := parseVersion("2.4.5")
	if !propTomcatConnTO.existsIn(v) || propKeepAlive.existsIn(v) || propGenericConnTO.existsIn(v) {
		t.Errorf("2.4.5: keys wrong")
	}
	v, _ = parseVersion("3.2.1")
	if !propKeepAlive.existsIn(v) || propGenericConnTO.existsIn(v) {
		t.Errorf("3.2.1: keys wrong")
	}
	for src, want := range map[string]string{
		`plugins { id("org.springframework.boot") version "3.1.0" }`:                    "3.1.0",
		`classpath("org.springframework.boot:spring-boot-gradle-plugin:2.1.4.RELEASE")`: "2.1.4.RELEASE",
	} {
		if _, s, ok := springBootVersion("build.gradle.kts", []byte(src)); !ok || s != want {
			t.Errorf("%s: %q %v", src, s, ok)
		}
	}
}

func TestServerXML(t *testing.T) {
	tests := map[string]time.Duration{
		`<Connector port="8080" protocol="HTTP/1.1" connectionTimeout="20000" keepAliveTimeout="5000"/>`: 5 * time.Second,
		`<Connector port="8080" protocol="HTTP/1.1" connectionTimeout="20000"/>`:                         20 * time.Second,
		`<Connector port="8080"/>`:                        60 * time.Second,
		`<Connector port="8080" connectionTimeout="-1"/>`: Infinite,
	}
	for x, want := range tests {
		hops, err := parseServerXML("server.xml", []byte("<Server>\n"+x+"\n</Server>"))
		if err != nil || len(hops) != 1 || hops[0].Idle != want || hops[0].Location.Line != 2 {
			t.Errorf("%s: %+v %v", x, hops, err)
		}
	}
	if _, err := parseServerXML("server.xml", []byte("<Server><Connector")); err == nil {
		t.Error("broken XML accepted")
	}
}

func TestNginx(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(`http {
  keepalive_timeout 30s 25s; # second arg is the header value
  upstream app { server a:1; keepalive 8; keepalive_timeout 90s; }
  server { listen 443 ssl; keepalive_timeout "120"; location / { return 200 "a;b{c}"; } }
  server { listen 80; }
}`), 0o644)
	root, err := parseNginxConf(filepath.Join(dir, "nginx.conf"), map[string]bool{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	hops := nginxHops(root)
	if len(hops) != 2 || hops[0].Idle != 120*time.Second || hops[1].Idle != 30*time.Second || hops[0].UpstreamIdle != 90*time.Second {
		t.Errorf("hops: %+v", hops)
	}
	for _, bad := range []string{"http {", "http { a b }", "}", "a;}", "{"} {
		os.WriteFile(filepath.Join(dir, "bad.conf"), []byte(bad), 0o644)
		if _, err := parseNginxConf(filepath.Join(dir, "bad.conf"), map[string]bool{}, 0); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestTerraform(t *testing.T) {
	hops, findings, err := parseTerraform("a.tf", []byte(`resource "aws_lb" "a" {}
resource "aws_lb" "n" { load_balancer_type = "network" }
resource "aws_elb" "c" { idle_timeout = 400 }
resource "aws_alb" "v" { idle_timeout = var.x }
`))
	if err != nil || len(hops) != 3 || hops[0].Idle != 60*time.Second || hops[1].Idle != 400*time.Second || hops[2].Known || len(findings) != 1 {
		t.Errorf("%+v %+v %v", hops, findings, err)
	}
	if _, _, err := parseTerraform("b.tf", []byte(`resource "aws_lb" {`)); err == nil {
		t.Error("broken HCL accepted")
	}
}

// TestBrokenFilesAreReported: every parser reports, none panics, the rest goes on.
func TestBrokenFilesAreReported(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"infra/bad.tf":                    "resource \"aws_lb\" {{{",
		"nginx/nginx.conf":                "http { server { listen 80; ",
		"tomcat/server.xml":               "<Server><Connector port=",
		"app/application.properties":      "server.tomcat.connection-timeout=10s\n\x00\xff garbage",
		"node_modules/x/nginx/nginx.conf": "this must never be read {",
	}
	for name, content := range files {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644)
	}
	r, err := Run(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Errors) != 3 {
		t.Errorf("errors: %v", r.Errors)
	}
	for _, e := range r.Errors {
		if strings.Contains(e.Location.File, "node_modules") {
			t.Errorf("read a file under node_modules: %v", e)
		}
	}
	if len(r.Findings) != 1 || r.Findings[0].Rule.ID != "LBD001" {
		t.Errorf("the readable application.properties was not checked: %+v", r.Findings)
	}
}
