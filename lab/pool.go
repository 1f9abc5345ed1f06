package lab

import (
	"bufio"
	"context"
	"errors"
	"math"
	"net"
	"os"
	"sync"
	"time"
)

// backendConn is a connection from the load balancer to a target.
type backendConn struct {
	net.Conn
	lim *limitReader // under br: bounds response headers
	br  *bufio.Reader

	// Set while the connection is idle in the pool.
	idleSince time.Time
	watchDone chan error // the idle watcher's result
	evict     *time.Timer
}

// pool keeps idle connections to one target the way ALB does: reused oldest
// first, closed by the load balancer after its idle timeout, never checked for
// liveness before reuse. A close by the target is noticed by a watcher, but
// only finNotice after it arrives (the network and event-loop latency of a
// real load balancer); a request that takes the connection in that window
// is the keep-alive race.
type pool struct {
	addr        string
	idleTimeout time.Duration
	finNotice   time.Duration
	connect     time.Duration

	mu   sync.Mutex
	idle []*backendConn // oldest first
	all  map[*backendConn]bool
}

func newPool(addr string, idleTimeout, finNotice, connect time.Duration) *pool {
	return &pool{addr: addr, idleTimeout: idleTimeout, finNotice: finNotice, connect: connect, all: map[*backendConn]bool{}}
}

// errConnect marks a failure to open a connection (no request was sent).
type errConnect struct{ err error }

func (e errConnect) Error() string { return "connect: " + e.err.Error() }
func (e errConnect) Unwrap() error { return e.err }

// get returns an idle connection (reused) or a new one.
func (p *pool) get(ctx context.Context) (bc *backendConn, reused bool, err error) {
	p.mu.Lock()
	for len(p.idle) > 0 {
		bc = p.idle[0]
		p.idle = p.idle[1:]
		p.mu.Unlock()
		bc.evict.Stop()
		// Stop the watcher. Whatever it saw (even a FIN not yet "noticed") does
		// not stop reuse: ALB does not check liveness before reusing.
		bc.SetReadDeadline(time.Unix(1, 0))
		<-bc.watchDone
		bc.SetReadDeadline(time.Time{})
		return bc, true, nil
	}
	p.mu.Unlock()
	d := net.Dialer{Timeout: p.connect}
	c, err := d.DialContext(ctx, "tcp", p.addr)
	if err != nil {
		return nil, false, errConnect{err}
	}
	lim := &limitReader{r: c, remaining: math.MaxInt64}
	bc = &backendConn{Conn: c, lim: lim, br: bufio.NewReader(lim)}
	p.mu.Lock()
	p.all[bc] = true
	p.mu.Unlock()
	return bc, false, nil
}

// put returns a healthy connection to the pool after a complete response.
func (p *pool) put(bc *backendConn) {
	bc.idleSince = time.Now()
	bc.watchDone = make(chan error, 1)
	p.mu.Lock()
	p.idle = append(p.idle, bc)
	p.mu.Unlock()
	bc.evict = time.AfterFunc(p.idleTimeout, func() { p.remove(bc) })
	go func() {
		_, err := bc.br.Peek(1)
		if err == nil {
			err = errors.New("unexpected data from an idle target connection")
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			// The target closed (or spoke): forget the connection once the
			// load balancer would have noticed.
			time.AfterFunc(p.finNotice, func() { p.remove(bc) })
		}
		bc.watchDone <- err
	}()
}

// remove closes bc if it is still idle in the pool.
func (p *pool) remove(bc *backendConn) {
	p.mu.Lock()
	for i, c := range p.idle {
		if c == bc {
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			p.mu.Unlock()
			bc.Conn.Close()
			p.forget(bc)
			return
		}
	}
	p.mu.Unlock()
}

// discard closes a connection that is not in the pool.
func (p *pool) discard(bc *backendConn) {
	bc.Conn.Close()
	p.forget(bc)
}

func (p *pool) forget(bc *backendConn) {
	p.mu.Lock()
	delete(p.all, bc)
	p.mu.Unlock()
}

// closeAll closes every connection.
func (p *pool) closeAll() {
	p.mu.Lock()
	conns := make([]*backendConn, 0, len(p.all))
	for c := range p.all {
		conns = append(conns, c)
	}
	p.idle = nil
	p.mu.Unlock()
	for _, c := range conns {
		if c.evict != nil {
			c.evict.Stop()
		}
		c.Conn.Close()
	}
}
