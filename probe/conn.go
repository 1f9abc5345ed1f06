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
	// rtt is how long the first request took.
	rtt time.Duration
	// end is when the probe's time (Config.Max) runs out: no step waits past it.
	end time.Time
}

// errOutOfTime ends a step cut short by the end of the probe: it is not
// evidence of anything the server did.
var errOutOfTime = errors.New("the probe's time (--max) ran out")

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
	// A header the user gives replaces lbdoctor's of the same name, as
	// curl's -H does: a second Host makes servers answer 400 (Apache).
	// Connection stays keep-alive: it is what is measured.
	defaults := [][2]string{{"Host", t.host}, {"User-Agent", "lbdoctor-probe"}, {"Accept", "*/*"}}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\n", t.method, path)
	for _, d := range defaults {
		if vs := cfg.Header.Values(d[0]); len(vs) > 0 {
			d[1] = vs[len(vs)-1]
		}
		fmt.Fprintf(&b, "%s: %s\r\n", d[0], d[1])
	}
	b.WriteString("Connection: keep-alive\r\n")
	for k, vs := range cfg.Header {
		if k == "Host" || k == "User-Agent" || k == "Accept" || k == "Connection" {
			continue
		}
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
	cr *capReader
	br *bufio.Reader
	// idleSince is when the last response was completely read.
	idleSince time.Time
	// snippet is the start of the last response body, to explain errors.
	snippet []byte
}

// snippetWriter keeps the first 256 bytes written to it and drops the rest.
type snippetWriter struct{ b *[]byte }

func (w snippetWriter) Write(p []byte) (int, error) {
	if room := 256 - len(*w.b); room > 0 {
		*w.b = append(*w.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
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
			var rh tls.RecordHeaderError
			if errors.As(err, &rh) {
				return nil, &Unmeasurable{Reason: fmt.Sprintf("%s does not speak TLS (its first bytes are not a TLS record)", t.addr),
					Advice: "use an http:// URL", Err: err}
			}
			return nil, fmt.Errorf("TLS handshake with %s: %w (--insecure skips certificate verification)", t.addr, err)
		}
		c = tc
	}
	cr := &capReader{r: c}
	return &conn{c: c, cr: cr, br: bufio.NewReader(cr)}, nil
}

// roundTrip sends the request and reads the whole response, within the
// limits of limits.go. A connection's first request may take stepTimeout; a
// reuse, t.reuseTimeout; neither goes past t.end. Errors that leave nothing to
// measure are *Unmeasurable; a close, reset or timeout of a reused connection
// before any byte of the response is returned as is (see explain).
func (t *target) roundTrip(cn *conn) (*http.Response, error) {
	reused := !cn.idleSince.IsZero()
	timeout := stepTimeout
	if reused && t.reuseTimeout > 0 {
		timeout = t.reuseTimeout
	}
	began := time.Now()
	deadline, cut := began.Add(timeout), false
	if !t.end.IsZero() && t.end.Before(deadline) {
		deadline, cut = t.end, true
	}
	cn.c.SetDeadline(deadline)
	fail := func(err error, headers bool) error {
		// A reuse cut short by the probe's end still shows a silent drop if
		// it waited long enough: a live server answers within a few RTTs.
		timedOut := errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(cn.cr.err, os.ErrDeadlineExceeded)
		if cut && timedOut &&
			!(reused && headers && cn.cr.got == 0 && time.Since(began) >= min(timeout, max(time.Second, 10*t.rtt))) {
			return errOutOfTime
		}
		return explain(err, cn.cr, headers, reused, time.Since(began))
	}
	if _, err := cn.c.Write(t.request); err != nil {
		if reused {
			return nil, err
		}
		return nil, &Unmeasurable{Reason: "sending the request failed: " + err.Error(), Err: err}
	}
	req := &http.Request{Method: t.method}
	cn.cr.phase(MaxHeaderBytes)
	var resp *http.Response
	for interim := 0; ; interim++ {
		var err error
		resp, err = http.ReadResponse(cn.br, req)
		if err != nil {
			if interim > 0 && errors.Is(cn.cr.err, os.ErrDeadlineExceeded) && !cut {
				return nil, &Unmeasurable{Reason: fmt.Sprintf("the server sent %d interim (1xx) response(s) and then no final response", interim),
					Advice: "probe an endpoint that answers GET directly", Err: err}
			}
			return nil, fail(err, true)
		}
		// Interim responses (100 Continue, 103 Early Hints) precede the
		// real one; 101 would switch protocols, which nothing here speaks.
		if resp.StatusCode < 100 || resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			break
		}
		if interim == maxInterim {
			return nil, &Unmeasurable{Reason: fmt.Sprintf("the server sent more than %d interim (1xx) responses", maxInterim)}
		}
	}
	if resp.StatusCode == http.StatusSwitchingProtocols {
		return nil, &Unmeasurable{Reason: "the server switched protocols (101): the connection is no longer HTTP/1.1",
			Advice: "probe a plain HTTP endpoint, such as the health check"}
	}
	// The body budget leaves room for chunk framing and trailers.
	cn.cr.phase(MaxBodyBytes + 64<<10)
	cn.snippet = cn.snippet[:0]
	n, err := io.Copy(snippetWriter{&cn.snippet}, io.LimitReader(resp.Body, MaxBodyBytes+1))
	resp.Body.Close()
	if err == nil && n > MaxBodyBytes {
		err = errLimit
	}
	if err != nil {
		return nil, fail(err, false)
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
	var um *Unmeasurable
	if errors.As(err, &um) {
		return "unmeasurable: " + um.Reason
	}
	return "error: " + err.Error()
}

// waitClose blocks until the server closes the idle connection or deadline.
// It returns how long the connection was idle and how it ended.
func (cn *conn) waitClose(deadline time.Time) (time.Duration, string) {
	cn.c.SetReadDeadline(deadline)
	cn.cr.phase(MaxHeaderBytes) // what an idle server may say before closing
	buf := make([]byte, 512)
	for {
		_, err := cn.br.Read(buf)
		if err != nil {
			// Some servers send a 408 before closing; the close is what counts.
			return time.Since(cn.idleSince), closeKind(err)
		}
	}
}
