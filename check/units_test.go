package check

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// Spring Boot reads a duration without a unit as milliseconds: a
// keep-alive-timeout=70 meant as seconds is 70 ms, and the hop says so.
func TestSpringUnitlessMillis(t *testing.T) {
	for _, tt := range []struct {
		val  string
		want time.Duration
		note string
	}{
		{"70", 70 * time.Millisecond, "a number without a unit is milliseconds: 70s would be seconds"},
		{"${KEEP_ALIVE:70}", 70 * time.Millisecond, "70s would be seconds"},
		{"70000", 70 * time.Second, ""},
		{"500ms", 500 * time.Millisecond, ""},
		{"70s", 70 * time.Second, ""},
	} {
		d, note, ok := springValue(tt.val)
		if !ok || d != tt.want || tt.note == "" && strings.Contains(note, "milliseconds") || !strings.Contains(note, tt.note) {
			t.Errorf("%s: %v %q %v, want %v and a note with %q", tt.val, d, note, ok, tt.want, tt.note)
		}
	}
}

// The same slip elsewhere: Node's and Tomcat's milliseconds, Go's
// nanoseconds (an untyped constant is a time.Duration of that many ns).
func TestUnitSlips(t *testing.T) {
	for _, tt := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"Node", map[string]string{"package.json": `{"dependencies": {"express": "4.19.0"}}`,
			"index.js": "const app = require('express')();\nconst server = app.listen(3000);\nserver.keepAliveTimeout = 65;\n"},
			"0.065s keepAliveTimeout = 65 (milliseconds: 65000 would be 65 s)"},
		{"Tomcat", map[string]string{"conf/server.xml": `<Server port="8005"><Service name="Catalina"><Connector port="8080" protocol="HTTP/1.1" keepAliveTimeout="75"/></Service></Server>`},
			"0.075s keepAliveTimeout=\"75\" (milliseconds: 75000 would be 75 s)"},
		{"HAProxy", map[string]string{"haproxy.cfg": "defaults\n  mode http\n  timeout http-keep-alive 65\nfrontend f\n  bind :80\n"},
			"0.065s timeout http-keep-alive 65 (defaults) (a number without a unit is milliseconds: 65s would be seconds)"},
		{"Go", map[string]string{"go.mod": "module x\n\ngo 1.22\n",
			"main.go": "package main\n\nimport \"net/http\"\n\nfunc main() {\n\tsrv := &http.Server{Addr: \":8080\", IdleTimeout: 120}\n\tsrv.ListenAndServe()\n}\n"},
			"0.00000012s IdleTimeout: 120ns (a bare number is nanoseconds: 120 * time.Second would be seconds)"},
	} {
		r, _ := checkFiles(t, tt.files)
		if len(r.Hops) != 1 {
			t.Fatalf("%s: hops %+v", tt.name, r.Hops)
		}
		h := r.Hops[0]
		if s := fmtIdle(h.Idle) + " " + h.Source; !strings.HasPrefix(s, tt.want) {
			t.Errorf("%s: %q, want it to start with %q", tt.name, s, tt.want)
		}
	}
}

// fmtIdle shows sub-second timeouts in seconds, as the expectations above.
func fmtIdle(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
}

// Apache reads a time as ap_timeout_parameter_parse does (checked with
// apache2 -t on Apache 2.4): seconds by default, "ms", "mi..." for minutes,
// "h" for hours; "2m" is refused ("has wrong format"), so Apache does not
// start and the hop is unknown (it read 2 ms).
func TestApacheTimeout(t *testing.T) {
	for v, want := range map[string]time.Duration{"65": 65 * time.Second, "3s": 3 * time.Second, "500ms": 500 * time.Millisecond,
		"2min": 2 * time.Minute, "2mi": 2 * time.Minute, "1h": time.Hour, "2m": -1, "3x": -1, "": -1, "ms": -1} {
		d, ok := apacheTimeout(v)
		if want < 0 && ok || want >= 0 && (!ok || d != want) {
			t.Errorf("%q: %v %v, want %v", v, d, ok, want)
		}
	}
	r, _ := checkFiles(t, map[string]string{"apache2.conf": "KeepAlive On\nKeepAliveTimeout 2m\nListen 80\n"})
	if len(r.Hops) != 1 || r.Hops[0].Known || !strings.Contains(r.Hops[0].Source, "Apache refuses it") {
		t.Errorf("hops %+v", r.Hops)
	}
}

// An nginx keepalive_timeout lbdoctor cannot read (an envsubst variable, a
// value nginx refuses) makes the hop unknown; it was nginx's default.
func TestNginxKeepaliveUnread(t *testing.T) {
	for value, want := range map[string]string{"${NGINX_KEEPALIVE}": "set from the container's environment", "5x": "not a time nginx reads"} {
		r, _ := checkFiles(t, map[string]string{"nginx/nginx.conf": "events {}\nhttp {\n  server {\n    listen 80;\n    keepalive_timeout " + value + ";\n    location / { proxy_pass http://app:3000; }\n  }\n}\n"})
		if len(r.Hops) != 1 || r.Hops[0].Known || !strings.Contains(r.Hops[0].Source, want) {
			t.Errorf("%s: hops %+v", value, r.Hops)
		}
	}
}
