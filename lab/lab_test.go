package lab

import (
	"bufio"
	"compress/gzip"
	"context"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lbdoctor/lbdoctor/alblog"
	"github.com/lbdoctor/lbdoctor/classify"
)

var update = flag.Bool("update", false, "rewrite golden files")

// startLab runs a lab load balancer on loopback and returns its URL; stop
// shuts it down (flushing logs) and returns the parsed log entries.
func startLab(t *testing.T, cfg Config) (url string, stop func() []string) {
	t.Helper()
	if cfg.LogDir == "" {
		cfg.LogDir = t.TempDir()
	}
	lb, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go lb.Serve(l)
	stopped := false
	stop = func() []string {
		if !stopped {
			stopped = true
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := lb.Shutdown(ctx); err != nil {
				t.Errorf("shutdown: %v", err)
			}
		}
		return readLines(t, lb.LogFiles())
	}
	t.Cleanup(func() { stop() })
	return "http://" + l.Addr().String(), stop
}

func readLines(t *testing.T, files []string) []string {
	t.Helper()
	var lines []string
	for _, f := range files {
		if !strings.HasSuffix(filepath.Base(f), ".log.gz") || !strings.Contains(f, "elasticloadbalancing") {
			t.Errorf("log file name %s is not ALB's", f)
		}
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(fh)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(zr)
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		fh.Close()
	}
	return lines
}

func backend(t *testing.T, h http.HandlerFunc, idle time.Duration) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, IdleTimeout: idle}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String()
}

func get(t *testing.T, c *http.Client, url string) int {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func parse(t *testing.T, line string) (*alblog.Entry, classify.Decision) {
	t.Helper()
	var e alblog.Entry
	if err := alblog.Parse([]byte(line), &e); err != nil {
		t.Fatalf("the lab wrote a line the parser rejects: %v\n%s", err, line)
	}
	return &e, classify.Entry(&e)
}

func TestStatusCodes(t *testing.T) {
	ok := backend(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }, time.Minute)
	slow := backend(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	}, time.Minute)
	garbage, _ := net.Listen("tcp", "127.0.0.1:0")
	go func() {
		for {
			c, err := garbage.Accept()
			if err != nil {
				return
			}
			go func() { c.Read(make([]byte, 4096)); io.WriteString(c, "NOT HTTP AT ALL\r\n\r\n"); c.Close() }()
		}
	}()
	defer garbage.Close()
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	refused := "http://" + closed.Addr().String()
	closed.Close()

	tests := []struct {
		name   string
		target []string
		client time.Duration
		status int
		cause  classify.Cause
	}{
		{"ok", []string{ok}, 0, 200, ""},
		{"refused", []string{refused}, 0, 502, ""}, // pending: unreachable by context
		{"malformed response", []string{"http://" + garbage.Addr().String()}, 0, 502, classify.TargetBadResponse},
		{"timeout", []string{slow}, 0, 504, classify.TargetResponseTimeout},
		{"no targets", nil, 0, 503, classify.NoTargets},
		{"client gives up", []string{slow}, 200 * time.Millisecond, 460, classify.ClientClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// 1.1 s: ALB's shortest idle timeout is 1 s, and a 504 faster than
			// that is not a response timeout (lb-timeout-unexplained).
			url, stop := startLab(t, Config{Targets: tt.target, IdleTimeout: 1100 * time.Millisecond})
			c := &http.Client{Timeout: tt.client}
			got := get(t, c, url+"/x")
			if tt.status != 460 && got != tt.status {
				t.Errorf("status %d, want %d", got, tt.status)
			}
			time.Sleep(50 * time.Millisecond) // let the lab notice a client that left
			lines := stop()
			if len(lines) != 1 {
				t.Fatalf("%d log lines, want 1", len(lines))
			}
			e, d := parse(t, lines[0])
			if d.Timeout { // a 504 after >= 1 s: a response timeout once the idle timeout is known
				elapsed, _ := e.Elapsed()
				d.Cause, _, _ = classify.ResolveTimeout((elapsed+500_000)/1_000_000, classify.IdleTimeout{Seconds: 1, Source: "declared"})
			}
			if e.ELBStatusCode != tt.status || d.Cause != tt.cause {
				t.Errorf("logged %d %q (%s), want %d %q\n%s", e.ELBStatusCode, d.Cause, d.Rule, tt.status, tt.cause, lines[0])
			}
			if tt.name == "refused" && !d.Pending {
				t.Errorf("refused connection should be a fast headerless 502: %s", lines[0])
			}
		})
	}
}

// TestLogFormatGolden compares a lab line, with its variable parts masked,
// to the documented field order.
func TestLogFormatGolden(t *testing.T) {
	target := backend(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") }, time.Minute)
	url, stop := startLab(t, Config{Targets: []string{target}, IdleTimeout: time.Second})
	req, _ := http.NewRequest("GET", url+"/path?q=1", nil)
	req.Header.Set("User-Agent", `evil "agent" \ 1`)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	lines := stop()
	if len(lines) != 1 {
		t.Fatalf("%d lines", len(lines))
	}
	e, _ := parse(t, lines[0])
	if e.Fields != 30 || alblog.Unquote(e.UserAgent) != `evil "agent" \ 1` || string(e.TargetPortList) != string(e.Target) || e.RequestCreationTime > e.Time {
		t.Errorf("fields: %+v", e)
	}
	masked := regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z`).ReplaceAllString(lines[0], "TIME")
	masked = regexp.MustCompile(`127\.0\.0\.1:\d+`).ReplaceAllString(masked, "127.0.0.1:PORT")
	masked = regexp.MustCompile(`Root=1-[0-9a-f]{8}-[0-9a-f]{24}`).ReplaceAllString(masked, "Root=1-TRACE")
	masked = regexp.MustCompile(`TID_[0-9a-f]+`).ReplaceAllString(masked, "TID_X")
	masked = regexp.MustCompile(` \d+\.\d{3} \d+\.\d{3} \d+\.\d{3} `).ReplaceAllString(masked, " T T T ")
	masked = regexp.MustCompile(` 200 200 \d+ \d+ `).ReplaceAllString(masked, " 200 200 RB SB ")
	path := filepath.Join("testdata", "golden-line.txt")
	if *update {
		os.MkdirAll("testdata", 0o755)
		os.WriteFile(path, []byte(masked+"\n"), 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if masked+"\n" != string(want) {
		t.Errorf("line layout changed:\n got %s\nwant %s", masked, want)
	}
}

func TestGracefulShutdownKeepsInFlight(t *testing.T) {
	target := backend(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		io.WriteString(w, "late")
	}, time.Minute)
	url, stop := startLab(t, Config{Targets: []string{target}, IdleTimeout: 5 * time.Second})
	done := make(chan int)
	go func() { done <- get(t, http.DefaultClient, url) }()
	time.Sleep(100 * time.Millisecond)
	lines := stop()
	if code := <-done; code != 200 {
		t.Errorf("in-flight request got %d", code)
	}
	if len(lines) != 1 {
		t.Errorf("%d lines after shutdown, want the in-flight one", len(lines))
	}
}

func TestPoolReusesAndEvicts(t *testing.T) {
	target := backend(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }, time.Minute)
	lb, err := New(Config{Targets: []string{target}, IdleTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	go lb.Serve(l)
	defer lb.Shutdown(context.Background())
	c := &http.Client{}
	url := "http://" + l.Addr().String()
	get(t, c, url)
	get(t, c, url) // reuses the pooled connection
	time.Sleep(500 * time.Millisecond)
	get(t, c, url) // the lab closed it after its idle timeout: a new one
	st := lb.Stats()
	if st.Reused != 1 || st.Opened != 2 {
		t.Errorf("reused %d opened %d, want 1 and 2", st.Reused, st.Opened)
	}
}
