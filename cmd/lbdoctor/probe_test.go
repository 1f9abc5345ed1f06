package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestProbeCLI(t *testing.T) {
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Test") != "yes" {
			w.WriteHeader(400)
		}
		io.WriteString(w, "ok")
	}))
	ts.Config.IdleTimeout = 800 * time.Millisecond
	ts.Start()
	defer ts.Close()

	code, out, stderr := runCLI(t, "", "probe", "--format", "json", "-H", "X-Test: yes", ts.URL+"/")
	if code != exitProblem {
		t.Fatalf("exit %d, want 1 (unsafe); %s", code, stderr)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"url", "idle_timeout_seconds", "range_seconds", "close", "keepalive_header_seconds", "server", "lb_idle_seconds", "margin_seconds", "verdict", "method", "recommendation"} {
		if _, ok := r[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	if r["verdict"] != "unsafe" || r["close"] != "fin" || r["lb_idle_assumed"] != true || r["status"] != float64(200) {
		t.Errorf("result: %v", r)
	}

	code, out, _ = runCLI(t, "", "probe", ts.URL+"/", "--lb-idle", "300ms", "--margin", "200ms", "-H", "X-Test: yes")
	if code != exitOK || !strings.Contains(out, "verdict: SAFE") || strings.Contains(out, "assumed") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	for _, args := range [][]string{{"probe"}, {"probe", "a", "b"}, {"probe", "--format", "xml", ts.URL}, {"probe", "-H", "novalue", ts.URL}, {"probe", "-H", "Connection: close", ts.URL}, {"probe", "http://127.0.0.1:1/"}} {
		if code, _, _ := runCLI(t, "", args...); code != exitUsage {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
