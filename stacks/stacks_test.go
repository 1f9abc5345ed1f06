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
