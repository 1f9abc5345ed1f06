// Package lab is an ALB-like HTTP/1.1 load balancer for loopback. It pools
// connections to its targets the way ALB does (reuse without a liveness check,
// no retry, closed by the load balancer after its idle timeout), answers with
// ALB's status codes (502, 503, 504, 460), and writes access logs in the exact
// ALB format, rotated into ALB-named .log.gz files, so that `lbdoctor logs`
// reads them unchanged. It reproduces the keep-alive race on one machine.
package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/lbdoctor/lbdoctor/alblog"
)

// Config configures a lab load balancer.
type Config struct {
	// Targets are the backends' base URLs (http://host:port), used round-robin.
	Targets []string
	// IdleTimeout is the load balancer's idle timeout: for pooled target
	// connections, client connections, and waiting for response headers.
	IdleTimeout time.Duration
	// ConnectTimeout bounds opening a target connection (ALB: 10 s).
	ConnectTimeout time.Duration
	// FINNotice is how long after a target's FIN the load balancer notices it
	// (network and event-loop latency). Requests sent in that window race.
	FINNotice time.Duration
	// LogDir receives the access logs; empty means no logs.
	LogDir string
	// LBName is the load balancer's resource id, e.g. app/lab/0123456789abcdef.
	LBName string
	// Rotate is the log file interval (ALB: 5 minutes).
	Rotate time.Duration
	// Clock returns the time (tests may scale or fix it); nil means time.Now.
	Clock func() time.Time
	// MaxConns caps concurrent client connections (0: DefaultMaxConns).
	MaxConns int
}

// DefaultConfig returns ALB's defaults.
func DefaultConfig() Config {
	return Config{IdleTimeout: 60 * time.Second, ConnectTimeout: 10 * time.Second, FINNotice: 5 * time.Millisecond,
		LBName: "app/lbdoctor-lab/0123456789abcdef", Rotate: 5 * time.Minute}
}

// Stats counts what the load balancer answered.
type Stats struct {
	Requests int64         `json:"requests"`
	Status   map[int]int64 `json:"status"`
	Reused   int64         `json:"reused_connections"`
	Opened   int64         `json:"opened_connections"`
	// Rejected counts client connections closed at once because MaxConns
	// were open.
	Rejected int64 `json:"rejected_connections"`
}

// LB is a running lab load balancer.
type LB struct {
	cfg     Config
	targets []*upstream
	next    atomic.Uint64
	logs    *logWriter
	tgARN   []byte
	srv     *http.Server

	rejected atomic.Int64
	mu       sync.Mutex
	stats    Stats
}

type upstream struct {
	hostPort string
	pool     *pool
}

// New checks cfg and prepares the load balancer and its log writer.
func New(cfg Config) (*LB, error) {
	d := DefaultConfig()
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = d.IdleTimeout
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = d.ConnectTimeout
	}
	if cfg.LBName == "" {
		cfg.LBName = d.LBName
	}
	if cfg.Rotate <= 0 {
		cfg.Rotate = d.Rotate
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	lb := &LB{cfg: cfg, stats: Stats{Status: map[int]int64{}},
		tgARN: []byte("arn:aws:elasticloadbalancing:lab:000000000000:targetgroup/lbdoctor-lab/0123456789abcdef")}
	// Request headers must arrive within the idle timeout, and Go's server
	// holds at most MaxRequestHeaders (plus its 4 KiB slack) of them; the
	// finer ALB limits are checked in ServeHTTP. Made here, not in Serve,
	// so that a Shutdown that comes first (Ctrl-C at once) stops it too.
	lb.srv = &http.Server{Handler: lb, IdleTimeout: cfg.IdleTimeout, ReadHeaderTimeout: cfg.IdleTimeout,
		MaxHeaderBytes: MaxRequestHeaders}
	for _, t := range cfg.Targets {
		u, err := url.Parse(t)
		if err != nil || u.Scheme != "http" || u.Host == "" {
			return nil, fmt.Errorf("target %q: want http://host:port", t)
		}
		host := u.Host
		if u.Port() == "" {
			host = net.JoinHostPort(u.Hostname(), "80")
		}
		lb.targets = append(lb.targets, &upstream{hostPort: host, pool: newPool(host, cfg.IdleTimeout, cfg.FINNotice, cfg.ConnectTimeout)})
	}
	if cfg.LogDir != "" {
		w, err := newLogWriter(cfg.LogDir, cfg.LBName, cfg.Rotate)
		if err != nil {
			return nil, err
		}
		lb.logs = w
	}
	return lb, nil
}

// Serve accepts clients on l until Shutdown.
func (lb *LB) Serve(l net.Listener) error {
	err := lb.srv.Serve(&capListener{Listener: l, slots: make(chan struct{}, lb.cfg.MaxConns), rejected: &lb.rejected})
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting, lets in-flight requests finish (until ctx ends),
// closes target connections and flushes the logs: no log line is lost.
func (lb *LB) Shutdown(ctx context.Context) error {
	err := lb.srv.Shutdown(ctx)
	for _, t := range lb.targets {
		t.pool.closeAll()
	}
	if lb.logs != nil {
		if cerr := lb.logs.close(); err == nil {
			err = cerr
		}
	}
	return err
}

// Stats returns a copy of the counters.
func (lb *LB) Stats() Stats {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	s := lb.stats
	s.Rejected = lb.rejected.Load()
	s.Status = map[int]int64{}
	for k, v := range lb.stats.Status {
		s.Status[k] = v
	}
	return s
}

// LogFiles returns the log files written so far.
func (lb *LB) LogFiles() []string {
	if lb.logs == nil {
		return nil
	}
	return lb.logs.files()
}

// outcome is what happened to one request, for the log.
type outcome struct {
	target               string
	status, targetStatus int
	reqT, targetT, respT int64 // microseconds, alblog.Missing for -1
	sent                 int64
}

// ServeHTTP proxies one request.
func (lb *LB) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	received := lb.cfg.Clock()
	o := outcome{reqT: alblog.Missing, targetT: alblog.Missing, respT: alblog.Missing, targetStatus: alblog.Missing}
	trace := fmt.Sprintf("Root=1-%08x-%024x", received.Unix(), rand.Uint64()&(1<<63-1))
	switch {
	case !withinHeaderLimits(r):
		o.status = http.StatusBadRequest
		o.sent = writeError(w, o.status)
	case len(lb.targets) == 0:
		o.status = http.StatusServiceUnavailable
		o.sent = writeError(w, o.status)
	default:
		t := lb.targets[int(lb.next.Add(1)-1)%len(lb.targets)]
		o.target = t.hostPort
		lb.forward(w, r, t, received, trace, &o)
	}
	lb.record(r, received, trace, &o)
}

func (lb *LB) forward(w http.ResponseWriter, r *http.Request, t *upstream, received time.Time, trace string, o *outcome) {
	ctx := r.Context()
	// The client must finish sending its request, and later take the
	// response, within the idle timeout: a slow client cannot hold the lab.
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(received.Add(lb.cfg.IdleTimeout))
	bc, reused, err := t.pool.get(ctx)
	lb.mu.Lock()
	if reused {
		lb.stats.Reused++
	} else if err == nil {
		lb.stats.Opened++
	}
	lb.mu.Unlock()
	if err != nil {
		var ne net.Error
		switch {
		case ctx.Err() != nil:
			o.status = 460
		case errors.As(err, &ne) && ne.Timeout():
			o.status = http.StatusGatewayTimeout
		default: // refused, unreachable
			o.status = http.StatusBadGateway
		}
		o.sent = writeError(w, o.status)
		return
	}
	out := r.Clone(ctx)
	out.RequestURI = ""
	body := &clientBody{r: r.Body}
	if r.Body != nil && r.Body != http.NoBody {
		out.Body = body
	}
	out.Header.Set("X-Amzn-Trace-Id", trace)
	out.Header.Set("X-Forwarded-For", clientIP(r.RemoteAddr))
	out.Header.Set("X-Forwarded-Proto", "http")
	out.Header.Del("Connection")
	sentAt := lb.cfg.Clock()
	o.reqT = sentAt.Sub(received).Microseconds()
	bc.SetDeadline(time.Now().Add(lb.cfg.IdleTimeout))
	stop := context.AfterFunc(ctx, func() { bc.SetDeadline(time.Unix(1, 0)) }) // client left: abandon
	err = out.Write(bc)
	// The request is sent: from here the deadline would only cancel the
	// request's context through Go's background read.
	rc.SetReadDeadline(time.Time{})
	var resp *http.Response
	if err == nil {
		resp, err = readResponse(bc, out)
	}
	stop()
	if err != nil {
		t.pool.discard(bc)
		var ne net.Error
		switch {
		case body.err != nil && !errors.Is(body.err, io.EOF):
			// The client stalled or left while sending its body.
			o.status, o.targetT, o.reqT = 460, alblog.Missing, alblog.Missing
			if errors.As(body.err, &ne) && ne.Timeout() {
				o.status = http.StatusRequestTimeout
			}
		case ctx.Err() != nil:
			o.status, o.targetT = 460, alblog.Missing
		case errors.As(err, &ne) && ne.Timeout():
			o.status = http.StatusGatewayTimeout
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
			o.status = http.StatusBadGateway // closed before response headers
		default:
			o.status = http.StatusBadGateway // malformed response, or headers over 32 KiB
			o.targetT = lb.cfg.Clock().Sub(sentAt).Microseconds()
			o.respT = 0
		}
		if o.status == 460 || o.status == http.StatusGatewayTimeout || o.targetT == alblog.Missing {
			o.reqT = alblog.Missing
		}
		o.sent = writeError(w, o.status)
		return
	}
	headersAt := lb.cfg.Clock()
	o.targetT = headersAt.Sub(sentAt).Microseconds()
	o.targetStatus = resp.StatusCode
	o.status = resp.StatusCode
	for k, vs := range resp.Header {
		if k == "Connection" || k == "Keep-Alive" {
			continue
		}
		w.Header()[k] = vs
	}
	rc.SetWriteDeadline(time.Now().Add(lb.cfg.IdleTimeout))
	w.WriteHeader(resp.StatusCode)
	rc.Flush() // like ALB, send the headers at once and stream the body
	o.respT = lb.cfg.Clock().Sub(headersAt).Microseconds()
	bc.SetDeadline(time.Now().Add(lb.cfg.IdleTimeout))
	n, cerr := io.Copy(flushWriter{w, rc}, resp.Body)
	resp.Body.Close()
	o.sent = n + headerSize(resp)
	bc.SetDeadline(time.Time{})
	if cerr != nil || resp.Close {
		t.pool.discard(bc)
		return
	}
	t.pool.put(bc)
}

// readResponse reads a target's final response headers, skipping interim 1xx
// responses, with at most MaxResponseHeaders read in all; the body that
// follows is streamed without limit.
func readResponse(bc *backendConn, req *http.Request) (*http.Response, error) {
	bc.lim.remaining, bc.lim.err = MaxResponseHeaders+int64(bc.br.Size()), nil
	defer func() { bc.lim.remaining = math.MaxInt64 }()
	var size int64
	for interim := 0; ; interim++ {
		resp, err := http.ReadResponse(bc.br, req)
		if err != nil {
			if bc.lim.err != nil && !errors.Is(err, errHeaderLimit) {
				return nil, bc.lim.err // timeout, close or reset, not "malformed"
			}
			return nil, err
		}
		size += headerSize(resp)
		if size > MaxResponseHeaders {
			resp.Body.Close()
			return nil, errHeaderLimit
		}
		switch {
		case resp.StatusCode == http.StatusSwitchingProtocols:
			return nil, errors.New("target switched protocols (101) though the lab never asks to")
		case resp.StatusCode >= 200 || resp.StatusCode < 100:
			return resp, nil
		case interim == maxInterim:
			return nil, errors.New("target sent too many interim (1xx) responses")
		}
	}
}

// withinHeaderLimits checks ALB's request quotas: 16 KiB for the request
// line, 16 KiB for one header, 64 KiB for all of them.
func withinHeaderLimits(r *http.Request) bool {
	if len(r.Method)+len(r.RequestURI)+len(r.Proto)+2 > MaxRequestLine {
		return false
	}
	total := 0
	for k, vs := range r.Header {
		for _, v := range vs {
			n := len(k) + len(v) + 4
			if n > MaxHeaderLine {
				return false
			}
			total += n
		}
	}
	return total <= MaxRequestHeaders
}

// flushWriter sends each piece of a streamed body to the client at once.
type flushWriter struct {
	w  io.Writer
	rc *http.ResponseController
}

func (f flushWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	if err == nil {
		err = f.rc.Flush()
	}
	return n, err
}

// clientBody remembers why reading the client's request body failed.
type clientBody struct {
	r   io.ReadCloser
	err error
}

func (b *clientBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil {
		b.err = err
	}
	return n, err
}

func (b *clientBody) Close() error { return b.r.Close() }

func headerSize(resp *http.Response) int64 {
	n := int64(len(resp.Status) + 11)
	for k, vs := range resp.Header {
		for _, v := range vs {
			n += int64(len(k) + len(v) + 4)
		}
	}
	return n + 2
}

// writeError sends the load balancer's own error page and returns its size.
func writeError(w http.ResponseWriter, status int) int64 {
	body := fmt.Sprintf("<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d %s</h1></center>\r\n</body>\r\n</html>\r\n",
		status, http.StatusText(status), status, http.StatusText(status))
	w.Header().Set("Content-Type", "text/html")
	w.Header().Set("Server", "lbdoctor-lab")
	w.WriteHeader(status)
	n, _ := io.WriteString(w, body)
	return int64(n) + 120
}

func clientIP(remote string) string {
	h, _, err := net.SplitHostPort(remote)
	if err != nil {
		return remote
	}
	return h
}

// record counts the request and writes its log entry.
func (lb *LB) record(r *http.Request, received time.Time, trace string, o *outcome) {
	now := lb.cfg.Clock()
	lb.mu.Lock()
	lb.stats.Requests++
	lb.stats.Status[o.status]++
	lb.mu.Unlock()
	if lb.logs == nil {
		return
	}
	e := alblog.Entry{
		Type: []byte("http"), Time: now.UnixMicro(), ELB: []byte(lb.cfg.LBName), Client: []byte(r.RemoteAddr),
		Target: []byte(o.target), RequestProcessingTime: o.reqT, TargetProcessingTime: o.targetT, ResponseProcessingTime: o.respT,
		ELBStatusCode: o.status, TargetStatusCode: o.targetStatus, ReceivedBytes: requestSize(r), SentBytes: o.sent,
		Request:   []byte(fmt.Sprintf("%s http://%s%s %s", r.Method, r.Host, r.URL.RequestURI(), r.Proto)),
		UserAgent: []byte(r.UserAgent()), TargetGroupARN: lb.tgARN, TraceID: []byte(trace),
		MatchedRulePriority: []byte("0"), RequestCreationTime: received.UnixMicro(), ActionsExecuted: []byte("forward"),
		TargetPortList: []byte(o.target), ConnTraceID: []byte("TID_" + strconv.FormatUint(rand.Uint64(), 16)),
	}
	if o.targetStatus != alblog.Missing {
		e.TargetStatusCodeList = []byte(strconv.Itoa(o.targetStatus))
	}
	if len(lb.targets) == 0 {
		e.TargetGroupARN = nil
	}
	lb.logs.write(&e)
}

func requestSize(r *http.Request) int64 {
	n := int64(len(r.Method) + len(r.RequestURI) + len(r.Proto) + 4)
	for k, vs := range r.Header {
		for _, v := range vs {
			n += int64(len(k) + len(v) + 4)
		}
	}
	if r.ContentLength > 0 {
		n += r.ContentLength
	}
	return n + 2
}
