//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lbdoctor/lbdoctor/internal/hostile"
)

// TestMain lets the hostile tests run this test binary as the lbdoctor
// command in a child process, whose peak memory the kernel then reports.
func TestMain(m *testing.M) {
	if os.Getenv("LBDOCTOR_AS_MAIN") == "1" {
		main()
	}
	os.Exit(m.Run())
}

// maxRSS is the memory bound of issue 17: probe and lab stay under it
// whatever a peer sends.
const maxRSS = 64 << 20

// child is lbdoctor running as a separate process.
type child struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer
	stderr lockedBuffer // read while the child runs (labChild)
}

// lockedBuffer is a bytes.Buffer that one goroutine may write while another
// reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func startChild(t *testing.T, args ...string) *child {
	t.Helper()
	c := &child{cmd: exec.Command(os.Args[0], args...)}
	c.cmd.Env = append(os.Environ(), "LBDOCTOR_AS_MAIN=1")
	c.cmd.Stdout, c.cmd.Stderr = &c.stdout, &c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.cmd.Process.Kill() })
	return c
}

// wait waits at most limit for the child and returns its exit code and peak RSS.
func (c *child) wait(t *testing.T, limit time.Duration) (int, int64) {
	t.Helper()
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(limit):
		c.cmd.Process.Kill()
		<-done
		t.Errorf("lbdoctor %v still running after %s; stderr: %s", c.cmd.Args[1:], limit, c.stderr.String())
	}
	ru := c.cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return c.cmd.ProcessState.ExitCode(), maxrssBytes(ru.Maxrss)
}

// TestProbeHostileServers runs lbdoctor probe against every hostile server:
// it must end within --max plus a second (asserted with slack for a loaded
// machine), stay under 64 MiB, say "unknown" with a reason and exit 2.
func TestProbeHostileServers(t *testing.T) {
	if testing.Short() {
		t.Skip("hostile servers take a few seconds each")
	}
	const maxWait = 4 * time.Second
	type tc struct {
		name, url, reason string
	}
	var cases []tc
	want := map[string]string{
		"endless headers":                   "headers are larger than 64 KiB",
		"one huge header line":              "headers are larger than 64 KiB",
		"endless body with Content-Length":  "body is larger than 1 MiB",
		"endless body until close":          "body is larger than 1 MiB",
		"endless chunked body":              "body is larger than 1 MiB",
		"endless trailers":                  "malformed",
		"slow headers":                      "no complete response within --max",
		"slow body":                         "no complete response within --max",
		"garbage":                           "not HTTP/1.x",
		"TLS alert on a plain port":         "TLS on a plain-HTTP connection",
		"TLS on a plain port":               "the port expects TLS",
		"reset in mid-headers":              "reset the connection",
		"100-continue that never continues": "no complete response within --max",
		"HTTP/0.9 reply":                    "not HTTP/1.x",
	}
	for _, s := range hostile.Servers() {
		reason, ok := want[s.Name]
		if !ok {
			t.Fatalf("no expectation for hostile server %q", s.Name)
		}
		cases = append(cases, tc{s.Name, "http://" + hostile.Start(t, s) + "/", reason})
	}
	// The reverse of TLS on a plain port: an https:// URL for a plain server.
	cases = append(cases, tc{"plain HTTP on an https URL", "https://" + okServer(t) + "/", "does not speak TLS"})

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			began := time.Now()
			ch := startChild(t, "probe", "--format", "json", "--max", maxWait.String(), "--lb-idle", "2s", "--margin", "1s", c.url)
			code, rss := ch.wait(t, maxWait+10*time.Second)
			took := time.Since(began)
			t.Logf("%-36s exit %d in %.2f s, peak RSS %.1f MiB", c.name, code, took.Seconds(), float64(rss)/(1<<20))
			if took > maxWait+2*time.Second {
				t.Errorf("took %s, want at most --max %s plus a second (plus slack)", took, maxWait)
			}
			if rss > maxRSS {
				t.Errorf("peak RSS %d MiB, want under 64 MiB", rss>>20)
			}
			if code != exitUsage {
				t.Errorf("exit %d, want 2 (unknown); stdout %s stderr %s", code, ch.stdout.String(), ch.stderr.String())
			}
			var res struct{ Verdict, Reason, Recommendation string }
			if err := json.Unmarshal(ch.stdout.Bytes(), &res); err != nil {
				// A connection failure is an error on stderr, not a result.
				if !strings.Contains(ch.stderr.String(), c.reason) {
					t.Fatalf("no JSON result (%v) and stderr %q does not say %q", err, ch.stderr.String(), c.reason)
				}
				return
			}
			if res.Verdict != "unknown" || !strings.Contains(res.Reason, c.reason) || res.Recommendation == "" {
				t.Errorf("got verdict %q reason %q advice %q; want unknown, a reason with %q and advice", res.Verdict, res.Reason, res.Recommendation, c.reason)
			}
		})
	}
}

// labChild starts lbdoctor lab in front of target and returns its address.
// The lab picks its own port and says which: a port picked here and closed
// could be taken by another test's server before the lab listened on it,
// and the test would then talk to that server and interrupt a lab still
// starting.
func labChild(t *testing.T, target string, extra ...string) (*child, string) {
	t.Helper()
	args := append([]string{"lab", "--listen", "127.0.0.1:0", "--target", "http://" + target, "--idle-timeout", "2s", "--connect-timeout", "2s"}, extra...)
	ch := startChild(t, args...)
	listening := regexp.MustCompile(`listening on http://(\S+),`)
	for i := 0; ; i++ {
		if m := listening.FindStringSubmatch(ch.stderr.String()); m != nil {
			return ch, m[1]
		}
		if i == 200 {
			t.Fatalf("lab did not start: %s", ch.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stopLab interrupts the lab and returns its peak RSS.
func stopLab(t *testing.T, ch *child) int64 {
	t.Helper()
	ch.cmd.Process.Signal(os.Interrupt)
	code, rss := ch.wait(t, 15*time.Second)
	if code != exitOK {
		t.Errorf("lab exit %d: %s", code, ch.stderr.String())
	}
	return rss
}

// TestLabHostileTargets puts lbdoctor lab in front of every hostile server:
// the client gets what ALB would answer (502 for unreadable responses and
// headers over 32 KiB, 504 when headers never complete, the target's status
// with a body cut at the idle timeout), within the idle timeout plus a
// second, and the lab stays under 64 MiB.
func TestLabHostileTargets(t *testing.T) {
	if testing.Short() {
		t.Skip("hostile servers take a few seconds each")
	}
	want := map[string]int{
		"endless headers": 502, "one huge header line": 502, "endless body with Content-Length": 200,
		"endless body until close": 200, "endless chunked body": 200, "endless trailers": 200,
		"slow headers": 504, "slow body": 200, "garbage": 502, "TLS alert on a plain port": 502,
		"TLS on a plain port":  400, // Go's TLS server answers plain HTTP with its own 400, which ALB relays
		"reset in mid-headers": 502, "100-continue that never continues": 504, "HTTP/0.9 reply": 502,
	}
	for _, s := range hostile.Servers() {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			ch, addr := labChild(t, hostile.Start(t, s))
			client := &http.Client{Timeout: 10 * time.Second}
			began := time.Now()
			resp, err := client.Get("http://" + addr + "/")
			if err != nil {
				t.Fatalf("%v; lab stderr %s", err, ch.stderr.String())
			}
			n, _ := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			took := time.Since(began)
			rss := stopLab(t, ch)
			t.Logf("%-36s %d, %d body bytes in %.2f s, lab peak RSS %.1f MiB", s.Name, resp.StatusCode, n, took.Seconds(), float64(rss)/(1<<20))
			if resp.StatusCode != want[s.Name] {
				t.Errorf("status %d, want %d", resp.StatusCode, want[s.Name])
			}
			if took > 2*time.Second+2*time.Second {
				t.Errorf("took %s, want the idle timeout (2s) plus a second (plus slack)", took)
			}
			if rss > maxRSS {
				t.Errorf("lab peak RSS %d MiB, want under 64 MiB", rss>>20)
			}
		})
	}
}

// okServer is a well-behaved target for the hostile-client tests.
func okServer(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/big" {
			for i := 0; i < 64<<10; i++ { // 2 GiB at most; the lab must cut a client that does not read
				if _, err := w.Write(bytes.Repeat([]byte("x"), 32<<10)); err != nil {
					return
				}
			}
		}
		io.WriteString(w, "ok")
	}), IdleTimeout: 30 * time.Second}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

// rawRequest sends raw bytes to addr (optionally one byte per interval) and
// returns the status line of the reply, or "" when the connection closed
// without one.
func rawRequest(addr, req string, interval time.Duration) (string, time.Duration, error) {
	began := time.Now()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return "", 0, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(15 * time.Second))
	if interval == 0 {
		if _, err := io.WriteString(c, req); err != nil {
			return "", time.Since(began), nil
		}
	} else {
		go func() {
			for i := 0; i < len(req); i++ {
				if _, err := io.WriteString(c, req[i:i+1]); err != nil {
					return
				}
				time.Sleep(interval)
			}
		}()
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil && line == "" {
		return "", time.Since(began), nil
	}
	return strings.TrimSpace(line), time.Since(began), nil
}

// TestLabHostileClients does to lbdoctor lab what hostile servers do to it:
// oversized request headers get ALB's 400, slow requests end at the idle
// timeout, a client that does not read is cut off, and connections over
// --max-conns are closed at once; the lab stays under 64 MiB throughout.
func TestLabHostileClients(t *testing.T) {
	if testing.Short() {
		t.Skip("slow clients take a few seconds")
	}
	ch, addr := labChild(t, okServer(t), "--max-conns", "200")
	get := func(headers string) string {
		return "GET / HTTP/1.1\r\nHost: lab\r\n" + headers + "\r\n"
	}
	cases := []struct {
		name, req string
		interval  time.Duration
		want      string // status line prefix, or "" for a close
	}{
		{"well-behaved", get(""), 0, "HTTP/1.1 200"},
		{"request line over 16 KiB", "GET /" + strings.Repeat("a", 17<<10) + " HTTP/1.1\r\nHost: lab\r\n\r\n", 0, "HTTP/1.1 400"},
		{"one header over 16 KiB", get("X-Big: " + strings.Repeat("b", 17<<10) + "\r\n"), 0, "HTTP/1.1 400"},
		{"headers over 64 KiB in all", get(strings.Repeat("X-Part: "+strings.Repeat("p", 13<<10)+"\r\n", 5)), 0, "HTTP/1.1 400"},
		{"headers far over 64 KiB", get(strings.Repeat("X-Part: "+strings.Repeat("p", 15<<10)+"\r\n", 8)), 0, "HTTP/1.1 431"},
		{"slow request headers", get("X-Slow: " + strings.Repeat("s", 100) + "\r\n"), 100 * time.Millisecond, ""},
		{"slow request body", "POST / HTTP/1.1\r\nHost: lab\r\nContent-Length: 100\r\n\r\n" + strings.Repeat("y", 100), 0, "HTTP/1.1 408"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, interval := c.req, c.interval
			if c.name == "slow request body" {
				// Headers at once, then the body at 10 bytes a second.
				head := req[:len(req)-100]
				line, took, err := slowBody(addr, head, req[len(head):], 100*time.Millisecond)
				expectStatus(t, c.want, line, took, err)
				return
			}
			line, took, err := rawRequest(addr, req, interval)
			expectStatus(t, c.want, line, took, err)
		})
	}
	t.Run("client that does not read", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		began := time.Now()
		io.WriteString(c, "GET /big HTTP/1.1\r\nHost: lab\r\n\r\n")
		time.Sleep(4 * time.Second) // more than the 2 s idle timeout, reading nothing
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, _ := io.Copy(io.Discard, c)
		if n > 1<<30 {
			t.Errorf("read %d bytes: the lab did not cut a client that stopped reading", n)
		}
		t.Logf("stalled client: connection ended after %.1f s with %d bytes buffered", time.Since(began).Seconds(), n)
	})
	t.Run("many idle connections", func(t *testing.T) {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for i := 0; i < 250; i++ {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				break
			}
			conns = append(conns, c)
		}
		time.Sleep(300 * time.Millisecond)
		closed := 0
		for _, c := range conns {
			c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
			if _, err := c.Read(make([]byte, 1)); err == io.EOF {
				closed++
			}
		}
		if closed < 50 {
			t.Errorf("%d of 250 connections closed at once, want at least the 50 over --max-conns 200", closed)
		}
	})
	rss := stopLab(t, ch)
	t.Logf("lab peak RSS %.1f MiB; %s", float64(rss)/(1<<20), lastLine(ch.stderr.String()))
	if rss > maxRSS {
		t.Errorf("lab peak RSS %d MiB, want under 64 MiB", rss>>20)
	}
	if !strings.Contains(ch.stderr.String(), "connections rejected") || strings.Contains(ch.stderr.String(), " 0 connections rejected") {
		t.Errorf("lab did not count rejected connections: %s", ch.stderr.String())
	}
}

func expectStatus(t *testing.T, want, line string, took time.Duration, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	// Go's server answers a request whose headers time out with 400 (ALB: 408).
	if want == "" && line != "" && !strings.HasPrefix(line, "HTTP/1.1 408") && !strings.HasPrefix(line, "HTTP/1.1 400") {
		t.Errorf("got %q, want the connection closed (or 400/408)", line)
	}
	if want != "" && !strings.HasPrefix(line, want) {
		t.Errorf("got %q, want %q", line, want)
	}
	if took > 2*time.Second+2*time.Second {
		t.Errorf("took %s, want about the 2 s idle timeout at most", took)
	}
}

// slowBody sends head at once and body one byte per interval.
func slowBody(addr, head, body string, interval time.Duration) (string, time.Duration, error) {
	began := time.Now()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return "", 0, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(15 * time.Second))
	io.WriteString(c, head)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for i := 0; i < len(body) && ctx.Err() == nil; i++ {
			io.WriteString(c, body[i:i+1])
			time.Sleep(interval)
		}
	}()
	line, _ := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(line), time.Since(began), nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndex(s, "\n")+1:]
}
