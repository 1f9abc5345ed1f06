package stacks

import (
	"strings"
	"testing"
	"time"
)

func TestSettings(t *testing.T) {
	want := map[string]string{
		"spring-boot-tomcat": "server.tomcat.keep-alive-timeout=65000ms",
		"tomcat":             `keepAliveTimeout="65000"`,
		"node":               "server.keepAliveTimeout = 65000; server.headersTimeout = 66000;",
		"nginx":              "keepalive_timeout 65s;",
		"apache":             "KeepAliveTimeout 65",
		"haproxy":            "timeout http-keep-alive 65s",
		"gunicorn":           "--keep-alive 65",
		"uvicorn":            "--timeout-keep-alive 65",
		"puma":               "persistent_timeout 65",
		"go":                 "IdleTimeout: 65 * time.Second",
	}
	d := Recommended(60*time.Second, 5*time.Second)
	for id, w := range want {
		s, ok := Lookup(id)
		if !ok {
			t.Fatalf("no stack %s", id)
		}
		if got := s.Setting(d); !strings.Contains(got, w) {
			t.Errorf("%s: %q does not contain %q", id, got, w)
		}
	}
	// Fractions of a second round up: 65.5 s must not become 65 s.
	nginx, _ := Lookup("nginx")
	if got := nginx.Setting(65500 * time.Millisecond); got != "keepalive_timeout 66s;" {
		t.Errorf("rounding: %q", got)
	}
}

func TestIdentify(t *testing.T) {
	tests := []struct{ server, powered, want string }{
		{"nginx/1.22.1", "", "nginx"},
		{"openresty/1.21.4.1", "", "openresty"},
		{"Apache/2.4.57 (Debian)", "", "apache"},
		{"Apache/2.4.52 (Ubuntu)", "", "apache"}, // not Bun
		{"Apache-Coyote/1.1", "", "tomcat"},
		{"Jetty(9.4.57.v20241219)", "", "jetty"},
		{"Kestrel", "", "kestrel"},
		{"Caddy", "", "caddy"},
		{"envoy", "", "envoy"},
		{"lighttpd/1.4.69", "", "lighttpd"},
		{"hypercorn-h11", "", "hypercorn"},
		{"waitress", "", "waitress"},
		{"daphne", "", "daphne"},
		{"gunicorn", "", "gunicorn"},
		{"uvicorn", "", "uvicorn"},
		{"thin", "", "thin"},
		{"nginx/1.24.0 + Phusion Passenger(R) 6.0.18", "", "passenger"},
		{"", "Phusion Passenger(R) 6.0.17", "passenger"},
		{"", "Express", "node"},
		{"", "Next.js", "nextjs"},
		{"granian", "", "granian"},
		{"WSGIServer/0.2 CPython/3.11.2", "", ""},
		{"thinking-machine/1", "", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		s, ok := Identify(tt.server, tt.powered)
		if got := s.ID; got != tt.want || ok != (tt.want != "") {
			t.Errorf("Identify(%q, %q) = %q, want %q", tt.server, tt.powered, got, tt.want)
		}
	}
}

// TestTable checks every stack is complete: a default, a source for it, and a
// setting that names the value asked for.
func TestTable(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range All() {
		if seen[s.ID] {
			t.Errorf("duplicate %s", s.ID)
		}
		seen[s.ID] = true
		if s.Name == "" || s.Default == "" || s.Source == "" || s.setting == nil {
			t.Errorf("%s: incomplete", s.ID)
		}
		set := s.Setting(125 * time.Second)
		if s.DefaultIdle != NoKeepalive && s.ID != "daphne" && !strings.Contains(set, "125") && !strings.Contains(set, "00:02:05") {
			t.Errorf("%s: setting %q does not name 125 s", s.ID, set)
		}
	}
	for _, id := range []string{"thin", "puma", "unicorn", "passenger", "jetty", "undertow", "reactor-netty", "kestrel", "caddy",
		"traefik", "envoy", "lighttpd", "openresty", "hypercorn", "waitress", "daphne", "node", "fastify", "deno", "bun", "cowboy", "bandit"} {
		if !seen[id] {
			t.Errorf("no stack %s", id)
		}
	}
}
