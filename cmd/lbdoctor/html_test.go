package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromium returns headless Chromium, installed by scripts/install-test-deps.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed: scripts/install-test-deps should have installed it")
	}
	t.Skip("chromium is not installed (run scripts/install-test-deps)")
	return ""
}

// render loads a page in headless Chromium and returns the DOM after its
// scripts ran and what the browser printed (console messages included).
func render(t *testing.T, bin, page string) (dom, console string) {
	t.Helper()
	shot := strings.TrimSuffix(page, ".html") + ".png"
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
		"--virtual-time-budget=3000", "--dump-dom", "file://"+page)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	// A screenshot for whoever debugs the test (in the test's temp dir).
	exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,1800", "--screenshot="+shot, "file://"+page).Run()
	return string(out), stderr.String()
}

const payload = `<img src=x onerror="document.body.setAttribute('data-pwned','img')"></script><script>document.body.setAttribute('data-pwned','script')</script>javascript:alert(1)` + "\u2028\xff\xfe"

// hostileLines are ALB entries whose every free-text field carries the payload.
func hostileLines() string {
	q := strings.ReplaceAll(payload, `"`, `\"`)
	var b strings.Builder
	for i := 0; i < 5; i++ {
		b.WriteString(`http 2024-05-01T00:0` + string(rune('1'+i)) + `:00.000000Z app/shop/1 1.2.3.4:5 10.0.0.1:80 0.001 0.002 0.000 200 200 10 20 "GET http://x/ HTTP/1.1" "ua" - - arn:x "Root=1-x" "-" "-" 0 2024-05-01T00:0` + string(rune('1'+i)) + `:00.000000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-" -` + "\n")
	}
	b.WriteString(`http 2024-05-01T00:03:30.000000Z app/` + strings.ReplaceAll(payload, " ", "_") + `/1 1.2.3.4:5 10.0.0.1:80 -1 -1 -1 502 - 10 20 "GET http://x/ HTTP/1.1" "` + q + `" - - arn:` + strings.ReplaceAll(payload, " ", "_") + ` "Root=1-x" "-" "-" 0 2024-05-01T00:03:29.998000Z "forward" "-" "` + q + `" "10.0.0.1:80" "-" "-" "-" -` + "\n")
	b.WriteString("not a log line " + payload + "\n")
	return b.String()
}

// TestHTMLReportInBrowser renders reports in headless Chromium: the demo
// corpus sample, a hostile input, an empty one, a single error. The timeline
// has one bar group per bucket with errors; the headline names the main
// cause; no script from the logs ran; nothing was refused or failed.
func TestHTMLReportInBrowser(t *testing.T) {
	bin := chromium(t)
	dir := t.TempDir()
	hostile := filepath.Join(dir, "hostile.log")
	os.WriteFile(hostile, []byte(hostileLines()), 0o644)
	empty := filepath.Join(dir, "empty.log")
	os.WriteFile(empty, nil, 0o644)
	single := filepath.Join(dir, "single.log")
	os.WriteFile(single, []byte(strings.SplitAfter(hostileLines(), "\n")[0]+`http 2024-05-01T00:02:00.000000Z app/shop/1 1.2.3.4:5 10.0.0.2:80 -1 -1 -1 504 - 10 20 "GET http://x/ HTTP/1.1" "ua" - - arn:x "Root=1-x" "-" "-" 0 2024-05-01T00:01:00.000000Z "forward" "-" "-" "10.0.0.2:80" "-" "-" "-" -`+"\n"), 0o644)
	cases := []struct {
		name  string
		args  []string
		cause string
	}{
		{"sample", logsArgs, "target-unreachable"},
		{"hostile", []string{hostile}, "unclassified"}, // its error_reason is the payload: an unknown reason
		{"empty", []string{empty}, ""},
		{"single", []string{single}, "target-response-timeout"},
	}
	barRe := regexp.MustCompile(`<g class="bar"`)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			page := filepath.Join(dir, c.name+".html")
			runCLI(t, "", append([]string{"logs", "--format", "html", "-o", page}, c.args...)...)
			_, js, _ := runCLI(t, "", append([]string{"logs", "--format", "json"}, c.args...)...)
			var sum struct {
				Timeline []struct {
					ELBErrors int64 `json:"elb_errors"`
				} `json:"timeline"`
				Causes []struct{ ID, Origin string } `json:"causes"`
			}
			json.Unmarshal([]byte(js), &sum)
			top := ""
			for _, cs := range sum.Causes {
				if cs.Origin == "lb" {
					top = cs.ID
					break
				}
			}
			if top != c.cause {
				t.Errorf("the JSON's main cause is %q, want %q", top, c.cause)
			}
			want := 0
			for _, m := range sum.Timeline {
				if m.ELBErrors > 0 {
					want++ // these spans are short: one bucket a minute
				}
			}
			began := time.Now()
			dom, console := render(t, bin, page)
			t.Logf("%s: rendered in %s", c.name, time.Since(began).Round(time.Millisecond))
			if got := len(barRe.FindAllString(dom, -1)); got != want {
				t.Errorf("%d bar groups in the timeline, want %d", got, want)
			}
			if regexp.MustCompile(`<body[^>]*data-pwned`).MatchString(dom) {
				t.Error("a script from the logs ran")
			}
			for _, bad := range []string{"Uncaught", "Refused to", "Content Security Policy"} {
				if strings.Contains(console, bad) {
					t.Errorf("browser console: %s", console)
				}
			}
			if c.cause != "" && !strings.Contains(dom, `<span id="main-cause">`+c.cause+`</span>`) {
				t.Errorf("headline does not name %s", c.cause)
			}
			if c.cause == "" && !strings.Contains(dom, "No load-balancer errors in these logs.") {
				t.Error("empty input: no empty headline")
			}
		})
	}
}

// TestHTMLReportSize: the page for a day of logs stays small (the timeline
// is bucketed to the span, the target table capped).
func TestHTMLReportGolden(t *testing.T) {
	code, out, _ := runCLI(t, "", append([]string{"logs", "--format", "html"}, logsArgs...)...)
	if code != exitProblem {
		t.Errorf("exit %d", code)
	}
	if !strings.Contains(out, `http-equiv="Content-Security-Policy"`) || strings.Contains(out, "\x1b") {
		t.Error("no CSP, or a raw escape character in the page")
	}
	golden(t, "logs.html", out)
}
