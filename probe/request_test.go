package probe

import (
	"bufio"
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The request's headers: one Host (a -H Host replaces the URL's, as curl's
// -H does; two made Apache answer 400), the user's other headers as given,
// and Connection: keep-alive always.
func TestRequestHeaders(t *testing.T) {
	h := http.Header{}
	h.Add("Host", "app.example")
	h.Add("User-Agent", "probe-test")
	h.Add("X-Api-Key", "k")
	tg, err := newTarget(Config{URL: "http://127.0.0.1:8080/health?x=1", Header: h})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(tg.request)))
	if err != nil {
		t.Fatalf("%q: %v", tg.request, err)
	}
	if n := bytes.Count(bytes.ToLower(tg.request), []byte("\nhost:")); n != 1 {
		t.Errorf("%d Host headers in %q", n, tg.request)
	}
	if req.Host != "app.example" || req.UserAgent() != "probe-test" || req.Header.Get("X-Api-Key") != "k" ||
		req.Header.Get("Accept") != "*/*" || req.Header.Get("Connection") != "keep-alive" || req.URL.RequestURI() != "/health?x=1" {
		t.Errorf("request %q", tg.request)
	}
	if tg.addr != "127.0.0.1:8080" {
		t.Errorf("address %s, want the URL's", tg.addr)
	}

	// Without -H, the URL's host.
	tg, err = newTarget(Config{URL: "http://api.internal:8080/", Header: http.Header{}})
	if err != nil {
		t.Fatal(err)
	}
	if req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(tg.request))); err != nil || req.Host != "api.internal:8080" || req.UserAgent() != "lbdoctor-probe" {
		t.Errorf("request %q: %v", tg.request, err)
	}
}

// A server's setting of several lines (a Caddyfile block) is recommended as
// lines: joined with "; " it read as Caddyfile it is not.
func TestRecommendationLines(t *testing.T) {
	idle := 3.0
	res := &Result{Verdict: Unsafe, Stack: "caddy", IdleTimeoutSeconds: &idle}
	recommend(res, Config{LBIdle: 60 * time.Second, Margin: 5 * time.Second})
	if !strings.HasPrefix(res.Recommendation, "Caddy:\n{\n") || strings.Contains(res.Recommendation, "; ") {
		t.Errorf("recommendation %q", res.Recommendation)
	}
	res = &Result{Verdict: Unsafe, Stack: "nginx", IdleTimeoutSeconds: &idle}
	recommend(res, Config{LBIdle: 60 * time.Second, Margin: 5 * time.Second})
	if strings.Contains(res.Recommendation, "\n") {
		t.Errorf("a one-line setting: %q", res.Recommendation)
	}
}
