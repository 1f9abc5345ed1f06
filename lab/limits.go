package lab

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// ALB's documented HTTP header quotas, which the lab enforces the way ALB
// does: a client over a request limit gets 400, a target whose response
// headers exceed 32 KiB gets the client a 502.
const (
	MaxRequestLine     = 16 << 10 // request line
	MaxHeaderLine      = 16 << 10 // one request header
	MaxRequestHeaders  = 64 << 10 // all request headers
	MaxResponseHeaders = 32 << 10 // all response headers from a target
	// maxInterim is how many 1xx responses a target may send before its final one.
	maxInterim = 8
)

// DefaultMaxConns caps concurrent client connections: enough for any lab
// workload, small enough that idle or slow clients cannot exhaust memory.
const DefaultMaxConns = 1024

// errHeaderLimit is returned by limitReader once its budget is spent.
var errHeaderLimit = errors.New("target response headers exceed 32 KiB")

// limitReader sits under a target connection's bufio.Reader: while response
// headers are read it allows a bounded number of bytes, so that a target that
// sends headers without end costs at most the limit; bodies are streamed
// through io.Copy and need no budget.
type limitReader struct {
	r         io.Reader
	remaining int64
	err       error // the socket's last error: parsers report a cut-off line as malformed
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.remaining <= 0 {
		return 0, errHeaderLimit
	}
	if int64(len(p)) > l.remaining {
		p = p[:l.remaining]
	}
	n, err := l.r.Read(p)
	if err != nil {
		l.err = err
	}
	l.remaining -= int64(n)
	return n, err
}

// capListener accepts at most max connections at a time; a connection over
// the cap is closed at once and counted, never queued.
type capListener struct {
	net.Listener
	slots    chan struct{}
	rejected *atomic.Int64
}

func (l *capListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.slots <- struct{}{}:
			return &slotConn{Conn: c, release: func() { <-l.slots }}, nil
		default:
			l.rejected.Add(1)
			c.Close()
		}
	}
}

// slotConn gives its slot back when closed.
type slotConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *slotConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
