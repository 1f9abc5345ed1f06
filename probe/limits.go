package probe

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
)

// Limits on what the probe reads from a server it does not control. Whatever
// a peer sends, a probe holds at most this much per connection, and it has at
// most 3 + 2 + reuseProbes connections open.
const (
	// MaxHeaderBytes caps a response's status line and headers (interim 1xx
	// responses included).
	MaxHeaderBytes = 64 << 10
	// MaxBodyBytes caps a response body that the probe drains to reuse the
	// connection; a larger body makes the connection unmeasurable.
	MaxBodyBytes = 1 << 20
	// maxInterim is how many 1xx responses may precede the final one.
	maxInterim = 8
)

// Unmeasurable is the error for a connection that answered in a way that
// leaves nothing to measure: headers or body over the limits, not HTTP/1.x,
// TLS on a plain port, a response too slow, a reset before any response.
// The probe reports it as the verdict "unknown" with Reason and Advice.
type Unmeasurable struct {
	Reason string // what happened, e.g. "response headers larger than 64 KiB"
	Advice string // what the user can do instead
	Err    error  // the underlying error, if any
}

func (e *Unmeasurable) Error() string { return e.Reason }
func (e *Unmeasurable) Unwrap() error { return e.Err }

// errLimit is returned by capReader once its budget is spent.
var errLimit = errors.New("read limit reached")

// capReader sits between the socket and the bufio.Reader: it enforces a byte
// budget per phase (headers, then body) so that no parser above it can grow
// without bound, and it remembers the first bytes of a response to explain a
// reply that is not HTTP.
type capReader struct {
	r         io.Reader
	remaining int64
	got       int64 // bytes read in this phase
	first     []byte
	err       error // the socket's last error in this phase
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.remaining <= 0 {
		return 0, errLimit
	}
	if int64(len(p)) > c.remaining {
		p = p[:c.remaining]
	}
	n, err := c.r.Read(p)
	if err != nil {
		c.err = err
	}
	c.remaining -= int64(n)
	c.got += int64(n)
	if len(c.first) < 16 {
		c.first = append(c.first, p[:min(n, 16-len(c.first))]...)
	}
	return n, err
}

// phase starts a new budget of n bytes.
func (c *capReader) phase(n int64) {
	c.remaining, c.got, c.err = n, 0, nil
	c.first = c.first[:0]
}

// explain turns a failed read of a response into an Unmeasurable error. On a
// reused idle connection a close, reset or timeout before the first byte is
// returned unchanged: that is the evidence the probe looks for (the server
// ended the idle connection). On a fresh connection it only means the server
// cannot be measured.
func explain(err error, cr *capReader, headers, reused bool, timeout time.Duration) error {
	// Parsers above report a cut-off line as malformed; the socket knows why.
	if cr.err != nil && !errors.Is(err, errLimit) {
		err = cr.err
	}
	limitHit := errors.Is(err, errLimit) || cr.remaining <= 0
	timedOut := errors.Is(err, os.ErrDeadlineExceeded)
	closed := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
	reset := errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
	small := "probe an endpoint with a small, fast response, such as the health check"
	switch {
	case limitHit && headers:
		return &Unmeasurable{Reason: fmt.Sprintf("the response headers are larger than %d KiB", MaxHeaderBytes>>10), Advice: small, Err: err}
	case limitHit:
		return &Unmeasurable{Reason: fmt.Sprintf("the response body is larger than %d MiB, too large to drain before reusing the connection", MaxBodyBytes>>20),
			Advice: small, Err: err}
	case len(cr.first) > 0 && (cr.first[0] == 0x15 || cr.first[0] == 0x16):
		return &Unmeasurable{Reason: "the server answered with TLS on a plain-HTTP connection", Advice: "use an https:// URL", Err: err}
	case headers && cr.got > 0 && !bytes.HasPrefix(cr.first, []byte("HTTP/")) && !bytes.HasPrefix([]byte("HTTP/"), cr.first):
		return &Unmeasurable{Reason: fmt.Sprintf("the server's reply is not HTTP/1.x (it begins %q)", cr.first),
			Advice: "check the URL's scheme and port; lbdoctor probes HTTP/1.1 servers", Err: err}
	case (timedOut || closed || reset) && cr.got == 0 && reused && headers:
		return err // evidence: the idle connection was closed, reset or dropped
	case timedOut && cr.got > 0:
		part := "body"
		if headers {
			part = "headers"
		}
		return &Unmeasurable{Reason: fmt.Sprintf("the server sent its response %s too slowly (%d bytes in %s)", part, cr.got, timeout.Round(time.Millisecond)),
			Advice: small, Err: err}
	case timedOut:
		return &Unmeasurable{Reason: fmt.Sprintf("no response within %s", timeout.Round(time.Millisecond)), Advice: small, Err: err}
	case reset:
		return &Unmeasurable{Reason: fmt.Sprintf("the server reset the connection before the response was complete (%d bytes received)", cr.got),
			Advice: "check the server's logs and that the URL's port speaks HTTP", Err: err}
	case closed:
		return &Unmeasurable{Reason: fmt.Sprintf("the server closed the connection before the response was complete (%d bytes received)", cr.got),
			Advice: "check the server's logs; " + small, Err: err}
	}
	return &Unmeasurable{Reason: "the server's response is malformed: " + err.Error(),
		Advice: "inspect the raw response (curl -v) and " + small, Err: err}
}
