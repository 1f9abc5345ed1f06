// Package hostile runs misbehaving HTTP peers on 127.0.0.1 for tests: servers
// that send endless or huge headers, endless bodies, bytes at one per second,
// garbage, TLS where HTTP is expected, resets and interim responses without
// end, and clients that do the same to a server. Every peer stops by itself:
// a connection lasts at most Config.MaxConn, and the listener closes when the
// test ends.
package hostile

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A Server is one misbehaviour: Serve is called for each accepted connection
// after the request headers were read (unless RawTLS), and writes the reply.
type Server struct {
	Name string
	// Serve writes the hostile reply on c; it must stop when a write fails.
	Serve func(c net.Conn)
	// TLS wraps the listener in TLS (for "TLS on a plain port").
	TLS bool
}

// Servers is the table of hostile servers.
func Servers() []Server {
	return []Server{
		{Name: "endless headers", Serve: func(c net.Conn) {
			write(c, "HTTP/1.1 200 OK\r\n")
			for i := 0; ; i++ {
				if !write(c, "X-Header-"+itoa(i)+": "+strings.Repeat("v", 100)+"\r\n") {
					return
				}
			}
		}},
		{Name: "one huge header line", Serve: func(c net.Conn) {
			write(c, "HTTP/1.1 200 OK\r\nX-Huge: ")
			stream(c, 'a')
		}},
		{Name: "endless body with Content-Length", Serve: func(c net.Conn) {
			write(c, "HTTP/1.1 200 OK\r\nContent-Length: 100000000000\r\nContent-Type: text/plain\r\n\r\n")
			stream(c, 'b')
		}},
		{Name: "endless body until close", Serve: func(c net.Conn) {
			write(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
			stream(c, 'c')
		}},
		{Name: "endless chunked body", Serve: func(c net.Conn) {
			write(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
			chunk := "1000\r\n" + strings.Repeat("d", 0x1000) + "\r\n"
			for write(c, chunk) {
			}
		}},
		{Name: "endless trailers", Serve: func(c net.Conn) {
			write(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n")
			for i := 0; write(c, "X-Trailer-"+itoa(i)+": v\r\n"); i++ {
			}
		}},
		{Name: "slow headers", Serve: func(c net.Conn) {
			slow(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Slow: "+strings.Repeat("s", 200)+"\r\n\r\nok")
		}},
		{Name: "slow body", Serve: func(c net.Conn) {
			write(c, "HTTP/1.1 200 OK\r\nContent-Length: 200\r\n\r\n")
			slow(c, strings.Repeat("z", 200))
		}},
		{Name: "garbage", Serve: func(c net.Conn) {
			write(c, "\x00\x01\x02garbage \xff\xfe not HTTP at all\r\n\r\n")
			c.Close()
		}},
		{Name: "TLS on a plain port", TLS: true},
		{Name: "TLS alert on a plain port", Serve: func(c net.Conn) {
			write(c, "\x15\x03\x01\x00\x02\x02\x46") // TLS record: fatal alert, protocol_version
			c.Close()
		}},
		{Name: "reset in mid-headers", Serve: func(c net.Conn) {
			write(c, "HTTP/1.1 200 OK\r\nContent-Le")
			if tc, ok := c.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
			c.Close()
		}},
		{Name: "100-continue that never continues", Serve: func(c net.Conn) {
			write(c, "HTTP/1.1 100 Continue\r\n\r\n")
			hold(c)
		}},
		{Name: "HTTP/0.9 reply", Serve: func(c net.Conn) {
			write(c, "<html>hello from 1991</html>\n")
			c.Close()
		}},
	}
}

// MaxConn bounds how long a hostile server keeps one connection.
const MaxConn = 30 * time.Second

// Start runs s on 127.0.0.1 until the test ends and returns its address.
func Start(t testing.TB, s Server) string {
	t.Helper()
	if s.TLS {
		// A well-behaved TLS server: the hostility is that the client speaks
		// plain HTTP to it.
		ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
		ts.Config.ErrorLog = nil
		ts.StartTLS()
		t.Cleanup(ts.Close)
		return ts.Listener.Addr().String()
	}
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
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(MaxConn))
				// Read the request headers first, like a real server.
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil {
						return
					}
					if line == "\r\n" || line == "\n" {
						break
					}
				}
				s.Serve(c)
			}()
		}
	}()
	return l.Addr().String()
}

func write(c net.Conn, s string) bool {
	_, err := io.WriteString(c, s)
	return err == nil
}

// stream writes b without end (until the peer goes or MaxConn passes).
func stream(c net.Conn, b byte) {
	buf := []byte(strings.Repeat(string(b), 32<<10))
	for {
		if _, err := c.Write(buf); err != nil {
			return
		}
	}
}

// slow writes s one byte per second.
func slow(c net.Conn, s string) {
	for i := 0; i < len(s); i++ {
		if !write(c, s[i:i+1]) {
			return
		}
		time.Sleep(time.Second)
	}
}

// hold keeps the connection open without writing until the peer goes.
func hold(c net.Conn) {
	io.Copy(io.Discard, c)
}

func itoa(i int) string { return strconv.Itoa(i) }
