package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"
)

// target is where and how to connect.
type target struct {
	u        *url.URL
	addr     string // host:port to dial
	host     string // Host header and SNI
	tls      bool
	insecure bool
	request  []byte
	method   string
	// reuseTimeout bounds a request on a reused idle connection: a silently
	// dropped connection never answers, so waiting stepTimeout would be waste.
	reuseTimeout time.Duration
}

// stepTimeout bounds every network step except the idle waits.
const stepTimeout = 10 * time.Second

func newTarget(cfg Config) (*target, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("bad URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("bad URL %q: the scheme must be http or https", cfg.URL)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("bad URL %q: no host", cfg.URL)
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	t := &target{u: u, host: u.Host, tls: u.Scheme == "https", insecure: cfg.Insecure, method: cfg.Method}
	t.addr = net.JoinHostPort(u.Hostname(), port)
	if a, ok := cfg.Resolve[net.JoinHostPort(u.Hostname(), port)]; ok {
		t.addr = net.JoinHostPort(a, port)
	}
	if t.method == "" {
		t.method = http.MethodGet
	}
	path := u.RequestURI()
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: lbdoctor-probe\r\nAccept: */*\r\nConnection: keep-alive\r\n", t.method, path, t.host)
	for k, vs := range cfg.Header {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	b.WriteString("\r\n")
	t.request = []byte(b.String())
	return t, nil
}

// conn is one probe connection.
type conn struct {
	c  net.Conn
	br *bufio.Reader
	// idleSince is when the last response was completely read.
	idleSince time.Time
}

func (t *target) dial(ctx context.Context) (*conn, error) {
	d := net.Dialer{Timeout: stepTimeout}
	c, err := d.DialContext(ctx, "tcp", t.addr)
	if err != nil {
		return nil, fmt.Errorf("connect %s: %w", t.addr, err)
	}
	if t.tls {
		tc := tls.Client(c, &tls.Config{ServerName: t.u.Hostname(), InsecureSkipVerify: t.insecure, NextProtos: []string{"http/1.1"}})
		hctx, cancel := context.WithTimeout(ctx, stepTimeout)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("TLS handshake with %s: %w", t.addr, err)
		}
		c = tc
	}
	return &conn{c: c, br: bufio.NewReader(c)}, nil
}

// roundTrip sends the request and reads the whole response. A connection's
// first request may take stepTimeout; a reuse, t.reuseTimeout.
func (t *target) roundTrip(cn *conn) (*http.Response, error) {
	timeout := stepTimeout
	if !cn.idleSince.IsZero() && t.reuseTimeout > 0 {
		timeout = t.reuseTimeout
	}
	cn.c.SetDeadline(time.Now().Add(timeout))
	if _, err := cn.c.Write(t.request); err != nil {
		return nil, err
	}
	req := &http.Request{Method: t.method}
	resp, err := http.ReadResponse(cn.br, req)
	if err != nil {
		return nil, err
	}
	_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<20))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	cn.idleSince = time.Now()
	cn.c.SetDeadline(time.Time{})
	return resp, nil
}

// closeKind names how an idle connection ended.
func closeKind(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return CloseFIN
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return CloseRST
	case errors.Is(err, os.ErrDeadlineExceeded):
		return CloseSilent
	}
	return "error: " + err.Error()
}

// waitClose blocks until the server closes the idle connection or deadline.
// It returns how long the connection was idle and how it ended.
func (cn *conn) waitClose(deadline time.Time) (time.Duration, string) {
	cn.c.SetReadDeadline(deadline)
	buf := make([]byte, 512)
	for {
		_, err := cn.br.Read(buf)
		if err != nil {
			// Some servers send a 408 before closing; the close is what counts.
			return time.Since(cn.idleSince), closeKind(err)
		}
	}
}
