package probe

import (
	"context"
	"crypto/tls"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/lbdoctor/lbdoctor/internal/realserver"
)

type expect struct {
	timeout   float64 // seconds; 0 = no timeout expected
	tolerance float64 // extra allowance for coarse timers
	early     float64 // allowance for timers that may fire early (uWSGI's router: a 1 s tick)
	close     string
	verdict   string
	stack     string
}

func probeOK(t *testing.T, url string, cfg Config, want expect) *Result {
	t.Helper()
	cfg.URL = url
	if cfg.LBIdle == 0 {
		cfg.LBIdle, cfg.LBIdleAssumed = 60*time.Second, true
	}
	if cfg.Margin == 0 {
		cfg.Margin = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := Run(ctx, cfg)
	if err != nil {
		t.Fatalf("probe %s: %v", url, err)
	}
	t.Logf("%s: verdict %s close %s samples %v range %v confirm %+v stack %q wall %.2fs", url, res.Verdict, res.Close, res.SamplesSeconds, res.RangeSeconds, res.Confirm, res.Stack, res.WallSeconds)
	if res.Verdict != want.verdict || res.Close != want.close {
		t.Errorf("verdict %s close %s, want %s %s (%s)", res.Verdict, res.Close, want.verdict, want.close, res.Reason)
	}
	if want.timeout > 0 {
		if res.IdleTimeoutSeconds == nil {
			t.Fatalf("no timeout measured")
		}
		tol := math.Max(0.1, 0.03*want.timeout) + want.tolerance
		// A loaded machine can read the response a little after the server
		// started its idle timer, so a close may be timed slightly early.
		if got := *res.IdleTimeoutSeconds; got < want.timeout-0.05-want.early || got > want.timeout+tol {
			t.Errorf("measured %.3f s, want %.3f s (+%.3f)", got, want.timeout, tol)
		}
	}
	if want.stack != "" && res.Stack != want.stack {
		t.Errorf("stack %q, want %q", res.Stack, want.stack)
	}
	if res.Verdict == Unsafe || res.Verdict == Racy {
		if res.Recommendation == "" {
			t.Error("no recommendation")
		}
	}
	return res
}

func TestRealServers(t *testing.T) {
	tests := []struct {
		name  string
		start func(t *testing.T) string
		cfg   Config
		want  expect
	}{
		{"nginx keepalive_timeout 2s", func(t *testing.T) string { return realserver.Nginx(t, "keepalive_timeout 2s;").URL() },
			Config{LBIdle: 3 * time.Second, Margin: time.Second}, expect{timeout: 2, close: CloseFIN, verdict: Unsafe, stack: "nginx"}},
		{"apache KeepAliveTimeout 3", func(t *testing.T) string {
			return realserver.Apache(t, "KeepAlive On\nKeepAliveTimeout 3").URL()
		}, Config{LBIdle: time.Second, Margin: time.Second}, expect{timeout: 3, close: CloseFIN, verdict: Safe, stack: "apache"}},
		{"haproxy timeout http-keep-alive 2500ms", func(t *testing.T) string {
			return realserver.HAProxy(t, "timeout http-keep-alive 2500ms").URL()
		}, Config{LBIdle: 2400 * time.Millisecond, Margin: time.Second}, expect{timeout: 2.5, close: CloseFIN, verdict: Racy}},
		{"tomcat keepAliveTimeout 2000", func(t *testing.T) string {
			return realserver.Tomcat(t, `connectionTimeout="20000" keepAliveTimeout="2000"`).URL()
		}, Config{}, expect{timeout: 2, tolerance: 1.1, close: CloseFIN, verdict: Unsafe, stack: "tomcat"}}, // NIO poller: closes within [T, T+1]
		{"tomcat connectionTimeout 3000 fallback", func(t *testing.T) string {
			return realserver.Tomcat(t, `connectionTimeout="3000"`).URL()
		}, Config{}, expect{timeout: 3, tolerance: 1.1, close: CloseFIN, verdict: Unsafe, stack: "tomcat"}},
		{"gunicorn gthread --keep-alive 2", func(t *testing.T) string {
			return realserver.Gunicorn(t, "-k", "gthread", "--threads", "4", "--keep-alive", "2").URL()
		}, Config{}, expect{timeout: 2, tolerance: 1.1, close: CloseFIN, verdict: Unsafe, stack: "gunicorn"}},
		{"gunicorn sync worker", func(t *testing.T) string { return realserver.Gunicorn(t).URL() },
			Config{}, expect{close: CloseNone, verdict: NoKeepalive, stack: "gunicorn"}},
		{"gunicorn uvicorn worker, KEEP_ALIVE=2 (tiangolo's images)", func(t *testing.T) string { return realserver.GunicornUvicorn(t, 2).URL() },
			Config{}, expect{timeout: 2, close: CloseFIN, verdict: Unsafe, stack: "uvicorn"}},
		{"uvicorn --timeout-keep-alive 2", func(t *testing.T) string { return realserver.Uvicorn(t, 2).URL() },
			Config{}, expect{timeout: 2, close: CloseFIN, verdict: Unsafe, stack: "uvicorn"}},
		{"node keepAliveTimeout 2000 closes at 3 s", func(t *testing.T) string { return realserver.Node(t, 2000).URL() },
			Config{}, expect{timeout: 3, close: CloseFIN, verdict: Unsafe, stack: "node"}},
		{"lighttpd server.max-keep-alive-idle 2", func(t *testing.T) string {
			return realserver.Lighttpd(t, "server.max-keep-alive-idle = 2").URL()
		}, Config{}, expect{timeout: 2, tolerance: 2.1, close: CloseFIN, verdict: Unsafe, stack: "lighttpd"}}, // whole-second clock: within (T, T+2)
		{"lighttpd default 5 s", func(t *testing.T) string { return realserver.Lighttpd(t, "").URL() },
			Config{LBIdle: 3 * time.Second, Margin: time.Second}, expect{timeout: 5, tolerance: 2.1, close: CloseFIN, verdict: Safe, stack: "lighttpd"}},
		{"caddy idle 2s", func(t *testing.T) string { return realserver.Caddy(t, "2s").URL() },
			Config{}, expect{timeout: 2, close: CloseFIN, verdict: Unsafe, stack: "caddy"}},
		{"waitress --channel-timeout=2", func(t *testing.T) string {
			return realserver.Waitress(t, "--channel-timeout=2", "--cleanup-interval=1").URL()
		}, Config{}, expect{timeout: 2, tolerance: 1.1, close: CloseFIN, verdict: Unsafe, stack: "waitress"}},
		// Hypercorn 0.13 (Debian 12) never restarts its keep-alive timer after
		// the first request, so --keep-alive has no effect on an idle
		// connection that has served one: the probe sees no close.
		{"hypercorn 0.13 --keep-alive 2 is not enforced", func(t *testing.T) string { return realserver.Hypercorn(t, 2).URL() },
			Config{LBIdle: time.Second, Margin: time.Second, Max: 4 * time.Second}, expect{close: CloseNone, verdict: Safe, stack: "hypercorn"}},
		{"aiohttp keepalive_timeout 2", func(t *testing.T) string { return realserver.Aiohttp(t, "2").URL() },
			Config{}, expect{timeout: 2, close: CloseFIN, verdict: Unsafe, stack: "aiohttp"}},
		{"aiohttp default keepalive_timeout 75 s", func(t *testing.T) string { return realserver.Aiohttp(t, "").URL() },
			Config{LBIdle: 60 * time.Second, Margin: 5 * time.Second, Max: 85 * time.Second}, expect{timeout: 75, close: CloseFIN, verdict: Safe, stack: "aiohttp"}},
		{"daphne keeps idle connections (12 h)", func(t *testing.T) string { return realserver.Daphne(t).URL() },
			Config{LBIdle: time.Second, Margin: time.Second, Max: 4 * time.Second}, expect{close: CloseNone, verdict: Safe, stack: "daphne"}},
		{"thin --timeout 2", func(t *testing.T) string { return realserver.Thin(t, 2).URL() },
			Config{}, expect{timeout: 2, tolerance: 1.1, close: CloseFIN, verdict: Unsafe, stack: "thin"}},
		{"puma persistent_timeout 2", func(t *testing.T) string { return realserver.Puma(t, "persistent_timeout 2").URL() },
			Config{}, expect{timeout: 2, tolerance: 1.1, close: CloseFIN, verdict: Unsafe}},
		// uWSGI: what lbdoctor check reads from its options (check/uwsgi.go).
		// Without keep-alive uWSGI closes right after each response but does
		// not say Connection: close: the probe times the FIN at 0 s, and a
		// request sent at once fails, as it would from a pooling LB.
		{"uwsgi --http: closes after each response, unannounced", func(t *testing.T) string { return realserver.UWSGI(t, "http").URL() },
			Config{}, expect{close: CloseFIN, verdict: Unsafe}},
		{"uwsgi --http --http-keepalive=2", func(t *testing.T) string { return realserver.UWSGI(t, "http", "--http-keepalive=2").URL() },
			Config{}, expect{timeout: 2, tolerance: 0.5, early: 1, close: CloseFIN, verdict: Unsafe}}, // measured 1.25-2.26 s
		{"uwsgi --http-socket: closes after each response, unannounced", func(t *testing.T) string { return realserver.UWSGI(t, "http-socket").URL() },
			Config{}, expect{close: CloseFIN, verdict: Unsafe}},
		{"uwsgi --http11-socket --socket-timeout 2", func(t *testing.T) string {
			return realserver.UWSGI(t, "http11-socket", "--socket-timeout", "2").URL()
		}, Config{}, expect{timeout: 2, close: CloseFIN, verdict: Unsafe}},
		{"unicorn: no keep-alive", func(t *testing.T) string { return realserver.Unicorn(t).URL() },
			Config{}, expect{close: CloseNone, verdict: NoKeepalive}},
		{"jetty 9 idleTimeout 2000", func(t *testing.T) string { return realserver.Jetty(t, 2000).URL() },
			Config{}, expect{timeout: 2, tolerance: 0.5, close: CloseFIN, verdict: Unsafe, stack: "jetty"}},
		{"express (node) keepAliveTimeout 2000", func(t *testing.T) string {
			return realserver.NodeScript(t, "express", `const app=require('express')();app.get('/',(q,r)=>r.send('ok'));const s=app.listen(PORT,'127.0.0.1');s.keepAliveTimeout=2000;`).URL()
		}, Config{}, expect{timeout: 3, close: CloseFIN, verdict: Unsafe, stack: "node"}},
		{"fastify default keepAliveTimeout 72 s", func(t *testing.T) string {
			return realserver.NodeScript(t, "fastify", `const f=require('fastify')();f.get('/',async()=>'ok');f.listen({port:PORT,host:'127.0.0.1'});`).URL()
		}, Config{LBIdle: 60 * time.Second, Margin: 5 * time.Second, Max: 80 * time.Second}, expect{timeout: 73, close: CloseFIN, verdict: Safe, stack: "fastify"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			probeOK(t, tt.start(t), tt.cfg, tt.want)
		})
	}
}

func goServer(t *testing.T, s *http.Server, tlsOn bool) string {
	s.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	ts := httptest.NewUnstartedServer(s.Handler)
	ts.Config = s
	if tlsOn {
		ts.StartTLS()
	} else {
		ts.Start()
	}
	t.Cleanup(ts.Close)
	return ts.URL + "/"
}

func TestGoServers(t *testing.T) {
	t.Run("IdleTimeout", func(t *testing.T) {
		t.Parallel()
		url := goServer(t, &http.Server{IdleTimeout: time.Second}, false)
		res := probeOK(t, url, Config{LBIdle: 500 * time.Millisecond, Margin: 200 * time.Millisecond}, expect{timeout: 1, close: CloseFIN, verdict: Safe})
		if c := res.Confirm; c == nil || !c.BelowOK || c.AboveOK {
			t.Errorf("confirmation: %+v", c)
		}
	})
	t.Run("ReadTimeout fallback", func(t *testing.T) {
		t.Parallel()
		url := goServer(t, &http.Server{ReadTimeout: 1500 * time.Millisecond}, false)
		probeOK(t, url, Config{LBIdle: 1500 * time.Millisecond, Margin: time.Second}, expect{timeout: 1.5, close: CloseFIN, verdict: Racy})
	})
	t.Run("no idle timeout", func(t *testing.T) {
		t.Parallel()
		url := goServer(t, &http.Server{}, false)
		probeOK(t, url, Config{LBIdle: time.Second, Margin: time.Second, Max: 3 * time.Second}, expect{close: CloseNone, verdict: Safe})
	})
	t.Run("TLS", func(t *testing.T) {
		t.Parallel()
		url := goServer(t, &http.Server{IdleTimeout: time.Second, TLSConfig: &tls.Config{}}, true)
		probeOK(t, url, Config{Insecure: true}, expect{timeout: 1, close: CloseFIN, verdict: Unsafe, stack: ""})
		// Without --insecure the self-signed certificate is refused with a clear error.
		if _, err := Run(context.Background(), Config{URL: url, LBIdle: time.Minute, Margin: 5 * time.Second}); err == nil {
			t.Error("self-signed certificate accepted without Insecure")
		}
	})
}

// silentRelay forwards to backend but, once a client connection has been idle
// for dropAfter, blackholes it: no FIN, no RST, no answer (like a NAT timeout).
func silentRelay(t *testing.T, backend string, dropAfter time.Duration) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var open []net.Conn
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range open {
			c.Close()
		}
		mu.Unlock()
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			b, err := net.Dial("tcp", backend)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			open = append(open, c, b)
			mu.Unlock()
			var last sync.Mutex
			lastActive := time.Now()
			go func() { // backend -> client
				buf := make([]byte, 4096)
				for {
					n, err := b.Read(buf)
					if err != nil {
						return
					}
					last.Lock()
					lastActive = time.Now()
					last.Unlock()
					c.Write(buf[:n])
				}
			}()
			go func() { // client -> backend, until the idle limit passes
				buf := make([]byte, 4096)
				for {
					n, err := c.Read(buf)
					if err != nil {
						return
					}
					last.Lock()
					dead := time.Since(lastActive) > dropAfter
					last.Unlock()
					if dead {
						continue // swallow: the connection is dead but nobody says so
					}
					b.Write(buf[:n])
				}
			}()
		}
	}()
	return "http://" + l.Addr().String() + "/"
}

func TestSilentDrop(t *testing.T) {
	t.Parallel()
	backend := goServer(t, &http.Server{}, false)
	url := silentRelay(t, backend[len("http://"):len(backend)-1], 1500*time.Millisecond)
	res := probeOK(t, url, Config{LBIdle: 60 * time.Second, Max: 4 * time.Second}, expect{close: CloseSilent, verdict: Unsafe})
	// The relay times idleness from when it forwarded the response, a moment
	// before the probe read it: allow that moment at either end.
	if r := res.RangeSeconds; r == nil || r[0] > 1.55 || r[1] < 1.45 {
		t.Errorf("range %v does not contain the 1.5 s drop", r)
	}
}

// resetServer answers one request per connection read, then after idle
// resets the connection (SO_LINGER 0) instead of closing it.
func resetServer(t *testing.T, idle time.Duration) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				buf := make([]byte, 4096)
				for {
					c.SetReadDeadline(time.Now().Add(idle))
					if _, err := c.Read(buf); err != nil {
						c.(*net.TCPConn).SetLinger(0)
						c.Close()
						return
					}
					io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
				}
			}(c)
		}
	}()
	return "http://" + l.Addr().String() + "/"
}

func TestResetServer(t *testing.T) {
	t.Parallel()
	probeOK(t, resetServer(t, time.Second), Config{}, expect{timeout: 1, close: CloseRST, verdict: Unsafe})
}

func TestErrors(t *testing.T) {
	t.Parallel()
	port := realserver.FreePort(t) // nothing listens there
	for _, url := range []string{"http://127.0.0.1:" + itoa(port) + "/", "ftp://x/", "http://", "::bad"} {
		_, err := Run(context.Background(), Config{URL: url, LBIdle: time.Minute, Margin: time.Second})
		if err == nil {
			t.Errorf("%s: no error", url)
		}
	}
	// Ctrl-C stops at once.
	url := goServer(t, &http.Server{}, false)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := Run(ctx, Config{URL: url, LBIdle: time.Minute, Margin: time.Second}); err == nil {
		t.Error("cancelled probe: no error")
	}
	if time.Since(start) > 10*time.Second { // generous: only catches a hang
		t.Error("cancelled probe did not stop")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
