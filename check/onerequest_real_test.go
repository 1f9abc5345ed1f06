package check_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lbdoctor/lbdoctor/check"
	"github.com/lbdoctor/lbdoctor/internal/realserver"
	"github.com/lbdoctor/lbdoctor/probe"
)

// TestOneRequestPerConnectionReal starts real servers with a limit of one
// request per connection (or keep-alive turned off some other way: HAProxy's
// option httpclose) and
// checks that lbdoctor check, reading the same setting from a repository,
// and lbdoctor probe, measuring the running server, agree on whether the
// server keeps connections alive. Apache's MaxKeepAliveRequests 1 is the
// counter-example: it still keeps the first connection alive.
func TestOneRequestPerConnectionReal(t *testing.T) {
	const express = `const app=require('express')();app.get('/',(q,r)=>r.send('ok'));const s=app.listen(PORT,'127.0.0.1');s.keepAliveTimeout=30000;`
	tests := []struct {
		name  string
		files map[string]string // the repository check reads
		start func(t *testing.T) string
		// keep is whether the server keeps an idle connection open after
		// its first response (false: Connection: close).
		keep bool
	}{
		{"nginx keepalive_requests 1",
			map[string]string{"nginx.conf": "events {}\nhttp {\n  keepalive_timeout 30s;\n  keepalive_requests 1;\n  server { listen 80; }\n}\n"},
			func(t *testing.T) string {
				return realserver.Nginx(t, "keepalive_timeout 30s; keepalive_requests 1;").URL()
			}, false},
		{"nginx keepalive_requests 0",
			map[string]string{"nginx.conf": "events {}\nhttp {\n  keepalive_timeout 30s;\n  keepalive_requests 0;\n  server { listen 80; }\n}\n"},
			func(t *testing.T) string {
				return realserver.Nginx(t, "keepalive_timeout 30s; keepalive_requests 0;").URL()
			}, false},
		{"nginx keepalive_requests 2 keeps the first",
			map[string]string{"nginx.conf": "events {}\nhttp {\n  keepalive_timeout 2s;\n  keepalive_requests 2;\n  server { listen 80; }\n}\n"},
			func(t *testing.T) string {
				return realserver.Nginx(t, "keepalive_timeout 2s; keepalive_requests 2;").URL()
			}, true},
		{"apache MaxKeepAliveRequests 1 keeps the first",
			map[string]string{"httpd.conf": "Listen 80\nKeepAlive On\nKeepAliveTimeout 2\nMaxKeepAliveRequests 1\n"},
			func(t *testing.T) string {
				return realserver.Apache(t, "KeepAlive On\nKeepAliveTimeout 2\nMaxKeepAliveRequests 1").URL()
			}, true},
		{"haproxy option httpclose",
			map[string]string{"haproxy.cfg": "defaults\n  mode http\n  timeout client 30s\n  option httpclose\nfrontend fe\n  bind :80\n"},
			func(t *testing.T) string { return realserver.HAProxy(t, "option httpclose").URL() }, false},
		{"haproxy option http-server-close keeps the client's",
			map[string]string{"haproxy.cfg": "defaults\n  mode http\n  timeout client 30s\n  timeout http-keep-alive 2s\n  option http-server-close\nfrontend fe\n  bind :80\n"},
			func(t *testing.T) string {
				return realserver.HAProxy(t, "timeout http-keep-alive 2s\n  option http-server-close").URL()
			}, true},
		{"tomcat maxKeepAliveRequests 1",
			map[string]string{"conf/server.xml": `<Server port="-1"><Service name="Catalina"><Connector port="8080" protocol="HTTP/1.1" maxKeepAliveRequests="1" keepAliveTimeout="30000"/></Service></Server>`},
			func(t *testing.T) string {
				return realserver.Tomcat(t, `maxKeepAliveRequests="1" keepAliveTimeout="30000"`).URL()
			}, false},
		{"node maxRequestsPerSocket 1",
			map[string]string{"package.json": `{"name":"api","dependencies":{"express":"^4.18.0"}}`,
				"server.js": strings.ReplaceAll(express, ";", ";\n") + "\ns.maxRequestsPerSocket = 1;\n"},
			func(t *testing.T) string {
				return realserver.NodeScript(t, "express", express+"s.maxRequestsPerSocket=1;").URL()
			}, false},
		{"go SetKeepAlivesEnabled(false)",
			map[string]string{"go.mod": "module api\n\ngo 1.22\n", "main.go": `package main

import (
	"net/http"
	"time"
)

func main() {
	srv := &http.Server{Addr: ":8080", IdleTimeout: 30 * time.Second}
	srv.SetKeepAlivesEnabled(false)
	srv.ListenAndServe()
}
`},
			func(t *testing.T) string {
				s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
				s.Config.IdleTimeout = 30 * time.Second
				s.Config.SetKeepAlivesEnabled(false)
				s.Start()
				t.Cleanup(s.Close)
				return s.URL + "/"
			}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for name, content := range tt.files {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			rep, err := check.Run(ctx, dir, check.Options{LBIdle: 60 * time.Second, Margin: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			var hops []check.Hop
			for _, h := range rep.Hops {
				if h.Role != check.LB {
					hops = append(hops, h)
				}
			}
			if len(hops) != 1 {
				t.Fatalf("check found %d server hops, want 1: %+v", len(hops), hops)
			}
			h := hops[0]
			if !h.Known || (h.Idle != check.NoKeepalive) != tt.keep {
				t.Errorf("check: %s %v (known %v, %s); want keep-alive %v", h.Name, h.Idle, h.Known, h.Source, tt.keep)
			}

			url := tt.start(t)
			res, err := probe.Run(ctx, probe.Config{URL: url, LBIdle: 3 * time.Second, Margin: time.Second, Max: 6 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if (res.Verdict != probe.NoKeepalive) != tt.keep {
				t.Errorf("probe: verdict %s (%s); want keep-alive %v", res.Verdict, res.Reason, tt.keep)
			}
			if res.Verdict == probe.NoKeepalive && res.Recommendation != "nothing to change" {
				t.Errorf("probe: recommendation %q for a server without keep-alive", res.Recommendation)
			}
		})
	}
}
