// Package probe measures the idle keep-alive timeout a live HTTP/1.1 server
// really enforces on the wire, and judges it against the idle timeout of the
// load balancer in front of it.
//
// It combines three measurements, all run in parallel so that a probe takes
// about the server's timeout: the Keep-Alive response header (a hint), the time
// from the end of a response to the server's FIN or RST on several idle
// connections, and requests sent on idle connections just below and above the
// measured value, as a load balancer would. A server that drops connections
// silently is found by reuse at staggered idle times up to Config.Max.
package probe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// How an idle connection ended.
const (
	CloseFIN    = "fin"    // orderly close
	CloseRST    = "rst"    // connection reset
	CloseSilent = "silent" // no close seen, but reuse failed after some idle time
	CloseNone   = "none"   // no close and reuse worked for as long as the probe waited
)

// Verdicts.
const (
	Safe        = "safe"
	Racy        = "racy"
	Unsafe      = "unsafe"
	NoKeepalive = "no-keepalive"
	Unknown     = "unknown"
)

// Config describes one probe.
type Config struct {
	URL    string
	Method string
	Header http.Header
	// Resolve maps "host:port" to the address to connect to instead.
	Resolve  map[string]string
	Insecure bool
	// LBIdle is the idle timeout of what reuses connections to the server.
	LBIdle time.Duration
	// LBIdleAssumed says LBIdle is a default the user did not give.
	LBIdleAssumed bool
	Margin        time.Duration
	// Max is how long to wait for the server to close an idle connection.
	Max time.Duration
	// Samples is how many connections time the close (for a range).
	Samples int
	// Progress, if set, is called about once a second while waiting.
	Progress func(waited, max time.Duration)
}

// Result is a probe's outcome; its JSON form is documented in the README.
type Result struct {
	URL                    string        `json:"url"`
	Status                 int           `json:"status"`
	Server                 string        `json:"server"`
	Stack                  string        `json:"stack"`
	KeepaliveHeaderSeconds *float64      `json:"keepalive_header_seconds"`
	IdleTimeoutSeconds     *float64      `json:"idle_timeout_seconds"`
	RangeSeconds           *[2]float64   `json:"range_seconds"`
	SamplesSeconds         []float64     `json:"samples_seconds"`
	Close                  string        `json:"close"`
	Confirm                *Confirmation `json:"confirm"`
	LBIdleSeconds          float64       `json:"lb_idle_seconds"`
	LBIdleAssumed          bool          `json:"lb_idle_assumed"`
	MarginSeconds          float64       `json:"margin_seconds"`
	Verdict                string        `json:"verdict"`
	Method                 string        `json:"method"`
	Reason                 string        `json:"reason"`
	Recommendation         string        `json:"recommendation"`
	Alternative            string        `json:"alternative"`
	WallSeconds            float64       `json:"wall_seconds"`
}

// Confirmation is what happened to requests sent on idle connections just
// below and above the measured timeout.
type Confirmation struct {
	BelowIdleSeconds float64 `json:"below_idle_seconds"`
	BelowOK          bool    `json:"below_ok"`
	BelowError       string  `json:"below_error,omitempty"`
	AboveIdleSeconds float64 `json:"above_idle_seconds"`
	AboveOK          bool    `json:"above_ok"`
	AboveError       string  `json:"above_error,omitempty"`
}

// precision is how close to the load balancer's timeout a measurement must
// be to count as equal to it (about a round trip plus timer jitter).
const precision = 0.025 // seconds

// delta separates the confirmation requests from the measured close.
const delta = 250 * time.Millisecond

// reuseProbes is how many staggered reuse connections look for silent drops.
const reuseProbes = 5

// Run probes the server. An error means nothing could be measured (bad URL,
// unreachable, TLS failure, no HTTP response).
func Run(ctx context.Context, cfg Config) (*Result, error) {
	start := time.Now()
	if cfg.Samples <= 0 {
		cfg.Samples = 3
	}
	if cfg.Max <= 0 {
		cfg.Max = cfg.LBIdle + cfg.Margin + 10*time.Second
	}
	t, err := newTarget(cfg)
	if err != nil {
		return nil, err
	}
	// Every step ends by start+Max; the context, a moment later, closes any
	// connection still open, so a probe never outlives --max by much.
	t.end = start.Add(cfg.Max)
	res := &Result{URL: cfg.URL, LBIdleSeconds: cfg.LBIdle.Seconds(), LBIdleAssumed: cfg.LBIdleAssumed, MarginSeconds: cfg.Margin.Seconds()}
	parent := ctx
	ctx, cancel := context.WithDeadline(ctx, t.end.Add(500*time.Millisecond))
	defer cancel()
	var mu sync.Mutex
	var conns []*conn
	track := func(c *conn) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
	}
	// Ctrl-C or the end of the probe closes every connection at once.
	defer func() {
		mu.Lock()
		for _, c := range conns {
			c.c.Close()
		}
		mu.Unlock()
	}()
	stopAfter := context.AfterFunc(ctx, func() {
		mu.Lock()
		for _, c := range conns {
			c.c.Close()
		}
		mu.Unlock()
	})
	defer stopAfter()

	// unmeasurable ends the probe with "unknown": the server answered, but
	// not in a way that can be measured; the result says why and what to do.
	unmeasurable := func(um *Unmeasurable) (*Result, error) {
		res.Verdict, res.Method = Unknown, "none"
		res.Reason = "cannot measure: " + um.Reason
		res.Recommendation = um.Advice
		if res.Recommendation == "" {
			res.Recommendation = "probe an endpoint with a small, fast response, such as the health check"
		}
		res.WallSeconds = time.Since(start).Seconds()
		return res, nil
	}
	var um *Unmeasurable

	// The first connection learns the basics: status, headers, keep-alive.
	first, err := t.dial(ctx)
	if errors.As(err, &um) {
		return unmeasurable(um)
	}
	if err != nil {
		return nil, err
	}
	track(first)
	began := time.Now()
	resp, err := t.roundTrip(first)
	if parent.Err() != nil {
		return nil, parent.Err()
	}
	if errors.As(err, &um) {
		return unmeasurable(um)
	}
	if errors.Is(err, errOutOfTime) {
		return unmeasurable(&Unmeasurable{Reason: fmt.Sprintf("no complete response within --max %s", cfg.Max), Advice: "probe with a longer --max or an endpoint that answers quickly"})
	}
	if err != nil {
		return nil, fmt.Errorf("no HTTP response from %s: %w", t.addr, err)
	}
	t.rtt = time.Since(began)
	t.reuseTimeout = max(2*time.Second, 5*t.rtt)
	res.Status = resp.StatusCode
	res.Server = resp.Header.Get("Server")
	poweredBy := resp.Header.Get("X-Powered-By")
	if v, ok := keepAliveTimeout(resp.Header.Get("Keep-Alive")); ok {
		res.KeepaliveHeaderSeconds = &v
	}
	closes := resp.Close || resp.ProtoMajor == 1 && resp.ProtoMinor == 0 && !strings.EqualFold(resp.Header.Get("Connection"), "keep-alive")
	if closes && resp.StatusCode >= 400 {
		// Servers close the connection after many errors (nginx after a
		// 400, Go's TLS server to a plain-HTTP client): that says nothing
		// about keep-alive on the requests that succeed.
		um := &Unmeasurable{Reason: fmt.Sprintf("the server answered %d and closed the connection; a close after an error says nothing about keep-alive", resp.StatusCode),
			Advice: "probe a URL that answers 2xx or 3xx, such as the health check"}
		if resp.StatusCode == http.StatusBadRequest && bytes.Contains(bytes.ToLower(first.snippet), []byte("https")) {
			um.Reason += " (the reply mentions HTTPS: the port expects TLS)"
			um.Advice = "use an https:// URL"
		}
		return unmeasurable(um)
	}
	if closes {
		res.Verdict, res.Method, res.Close = NoKeepalive, "header", CloseNone
		res.Reason = "the server answers with Connection: close, so each request needs a new connection: no race is possible, at the cost of a TCP (and TLS) handshake per request"
		res.Stack = fingerprint(res, poweredBy, nil)
		recommend(res, cfg)
		res.WallSeconds = time.Since(start).Seconds()
		return res, nil
	}

	m := measure(ctx, t, cfg, first, track)
	if parent.Err() != nil {
		return nil, parent.Err()
	}
	if len(m.samples) == 0 && m.reuseOK == nil && m.reuseFail == nil {
		if errors.As(m.err, &um) {
			return unmeasurable(um)
		}
		if m.err != nil && !errors.Is(m.err, errOutOfTime) {
			return nil, m.err
		}
	}
	judge(res, cfg, m)
	res.Stack = fingerprint(res, poweredBy, m.samples)
	recommend(res, cfg)
	res.WallSeconds = time.Since(start).Seconds()
	return res, nil
}

// measurement is the raw outcome of the parallel connections.
type measurement struct {
	samples []time.Duration // idle time until FIN/RST, one per sample connection
	kind    string          // how the first of them ended
	confirm *Confirmation
	// reuseOK and reuseFail are the longest idle with a working reuse and the
	// shortest with a failed one, among the staggered reuse probes.
	reuseOK, reuseFail *time.Duration
	err                error
}

func measure(ctx context.Context, t *target, cfg Config, first *conn, track func(*conn)) measurement {
	var m measurement
	var mu sync.Mutex
	// closed is closed at the first FIN/RST; firstClose is then that
	// connection's idle time. samplersDone is closed when no close can come.
	closed := make(chan struct{})
	samplersDone := make(chan struct{})
	var firstClose time.Duration
	var once sync.Once
	var wg, samplers sync.WaitGroup
	waitFirstClose := func() (time.Duration, bool) {
		select {
		case <-closed:
			return firstClose, true
		case <-samplersDone:
			select { // a close and the end of sampling can come together
			case <-closed:
				return firstClose, true
			default:
				return 0, false
			}
		case <-ctx.Done():
			return 0, false
		}
	}

	// Sample connections: the first one plus Samples-1 more.
	for i := 0; i < cfg.Samples; i++ {
		wg.Add(1)
		samplers.Add(1)
		go func(i int) {
			defer wg.Done()
			defer samplers.Done()
			cn := first
			if i > 0 {
				var err error
				if cn, err = t.dial(ctx); err != nil {
					mu.Lock()
					m.err = err
					mu.Unlock()
					return
				}
				track(cn)
				if _, err := t.roundTrip(cn); err != nil {
					mu.Lock()
					m.err = err
					mu.Unlock()
					return
				}
			}
			d, kind := cn.waitClose(earliest(cn.idleSince.Add(cfg.Max), t.end))
			if kind != CloseFIN && kind != CloseRST {
				if kind != CloseSilent {
					mu.Lock()
					m.err = fmt.Errorf("waiting for the close: %s", kind)
					mu.Unlock()
				}
				return
			}
			mu.Lock()
			m.samples = append(m.samples, d)
			if m.kind == "" {
				m.kind = kind
			}
			mu.Unlock()
			once.Do(func() { firstClose = d; close(closed) })
		}(i)
	}
	go func() { samplers.Wait(); close(samplersDone) }()

	// Confirmation: one connection idles delta less than the first close, one delta more.
	conf := &Confirmation{}
	confirm := func(startAfter time.Duration, idleFor func(firstClose time.Duration) time.Duration, set func(idle float64, err error)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			idle, err, ok := reuseAfter(ctx, t, track, startAfter, waitFirstClose, idleFor)
			if !ok {
				return
			}
			mu.Lock()
			set(idle.Seconds(), err)
			m.confirm = conf
			mu.Unlock()
		}()
	}
	// Started delta later, sent at the first close: idle just below it.
	confirm(delta, func(time.Duration) time.Duration { return 0 }, func(idle float64, err error) {
		conf.BelowIdleSeconds, conf.BelowOK, conf.BelowError = idle, err == nil, closeKind(err)
	})
	// Started with the samples, sent delta after the first close: just above it.
	confirm(0, func(d time.Duration) time.Duration { return d + delta }, func(idle float64, err error) {
		conf.AboveIdleSeconds, conf.AboveOK, conf.AboveError = idle, err == nil, closeKind(err)
	})

	// Staggered reuse probes find silent drops (or no timeout at all) up to
	// Max. The last one is sent early enough for its answer to arrive before
	// the probe's end; a failure only counts if the connection closed, reset or
	// stayed silent (not if the answer was unmeasurable or time ran out).
	span := time.Until(t.end) - max(250*time.Millisecond, 5*t.rtt)
	for k := 1; k <= reuseProbes; k++ {
		wg.Add(1)
		go func(after time.Duration) {
			defer wg.Done()
			cn, err := t.dial(ctx)
			if err != nil {
				return
			}
			track(cn)
			if _, err := t.roundTrip(cn); err != nil {
				return
			}
			select {
			case <-time.After(time.Until(cn.idleSince.Add(after))):
			case <-closed: // a real close was seen: timing it is better than this
				cn.c.Close()
				return
			case <-ctx.Done():
				return
			}
			_, err = t.roundTrip(cn)
			var um *Unmeasurable
			mu.Lock()
			switch {
			case err == nil:
				if m.reuseOK == nil || after > *m.reuseOK {
					m.reuseOK = &after
				}
			case errors.As(err, &um), errors.Is(err, errOutOfTime), ctx.Err() != nil:
				if m.err == nil {
					m.err = err
				}
			default:
				if m.reuseFail == nil || after < *m.reuseFail {
					m.reuseFail = &after
				}
			}
			mu.Unlock()
			cn.c.Close()
		}(max(span, time.Second) * time.Duration(k) / reuseProbes)
	}

	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	began := time.Now()
	for {
		select {
		case <-done:
			sort.Slice(m.samples, func(i, j int) bool { return m.samples[i] < m.samples[j] })
			return m
		case <-tick.C:
			if cfg.Progress != nil {
				cfg.Progress(time.Since(began), cfg.Max)
			}
		}
	}
}

// reuseAfter opens a connection after startAfter, makes a first request, waits
// for the first close seen by the sample connections, lets its own connection
// idle for idleFor(that close's idle time) in all, then sends a second request
// on it. ok is false when the probe ended first.
func reuseAfter(ctx context.Context, t *target, track func(*conn), startAfter time.Duration,
	waitFirstClose func() (time.Duration, bool), idleFor func(time.Duration) time.Duration) (idle time.Duration, err error, ok bool) {
	if !sleep(ctx, startAfter) {
		return 0, nil, false
	}
	cn, err := t.dial(ctx)
	if err != nil {
		return 0, nil, false
	}
	track(cn)
	if _, err := t.roundTrip(cn); err != nil {
		return 0, nil, false
	}
	d, ok := waitFirstClose()
	if !ok || !sleep(ctx, time.Until(cn.idleSince.Add(idleFor(d)))) {
		return 0, nil, false
	}
	idle = time.Since(cn.idleSince)
	_, err = t.roundTrip(cn)
	var um *Unmeasurable
	if errors.As(err, &um) || errors.Is(err, errOutOfTime) {
		return 0, nil, false // says nothing about the idle timeout
	}
	return idle, err, true
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// sleep waits d (or not at all when d <= 0); false if ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	select {
	case <-time.After(d):
		return true
	case <-ctx.Done():
		return false
	}
}

// judge turns the measurement into the timeout, its range and the verdict.
func judge(res *Result, cfg Config, m measurement) {
	res.Confirm = m.confirm
	lb, margin := cfg.LBIdle.Seconds(), cfg.Margin.Seconds()
	var timeout float64
	switch {
	case len(m.samples) > 0:
		for _, s := range m.samples {
			res.SamplesSeconds = append(res.SamplesSeconds, round3(s.Seconds()))
		}
		lo, hi := res.SamplesSeconds[0], res.SamplesSeconds[len(res.SamplesSeconds)-1]
		res.RangeSeconds = &[2]float64{lo, hi}
		res.Close = m.kind
		res.Method = "close-timing"
		timeout = lo // the earliest close is the one a load balancer meets
		res.Reason = fmt.Sprintf("the server closed idle connections with %s after %s s", strings.ToUpper(m.kind), rangeText(lo, hi, median(res.SamplesSeconds)))
	case m.reuseFail != nil:
		lo := 0.0
		if m.reuseOK != nil {
			lo = m.reuseOK.Seconds()
		}
		hi := m.reuseFail.Seconds()
		res.RangeSeconds = &[2]float64{round3(lo), round3(hi)}
		res.Close = CloseSilent
		res.Method = "reuse"
		timeout = lo
		res.Reason = fmt.Sprintf("no FIN or RST arrived within %s, but a request after %.1f s idle failed: something drops idle connections silently (NAT, firewall) between %.1f and %.1f s", cfg.Max, hi, lo, hi)
	case m.reuseOK != nil:
		res.Close = CloseNone
		res.Method = "reuse"
		v := m.reuseOK.Seconds()
		res.RangeSeconds = &[2]float64{round3(v), -1} // -1: no upper bound found
		timeout = v
		res.Reason = fmt.Sprintf("no close within %s and a request after %.1f s idle still worked: the server keeps idle connections at least that long", cfg.Max, v)
		if v >= lb+margin {
			res.Verdict = Safe
			return
		}
		res.Verdict = Unknown
		res.Reason += fmt.Sprintf("; probe longer than the load balancer's idle timeout plus margin (--max %s or more) to decide", time.Duration((lb+margin+5)*float64(time.Second)))
		return
	default:
		res.Verdict, res.Method = Unknown, "none"
		res.Reason = "no close was seen and no reuse request completed"
		if m.err != nil {
			res.Reason += ": " + m.err.Error()
		}
		return
	}
	v := round3(timeout)
	res.IdleTimeoutSeconds = &v
	switch {
	case timeout >= lb+margin:
		res.Verdict = Safe
	case timeout >= lb-precision:
		// Within the measurement's precision of lb counts as equal, and
		// equal still races: the server starts its timer when it has written
		// the response, a millisecond or so before the client has read it.
		res.Verdict = Racy
	default:
		res.Verdict = Unsafe
	}
}

func keepAliveTimeout(h string) (float64, bool) {
	for _, part := range strings.Split(h, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "timeout") {
			if n, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && n >= 0 {
				return n, true
			}
		}
	}
	return 0, false
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

func median(s []float64) float64 { return s[len(s)/2] }

func rangeText(lo, hi, med float64) string {
	if hi-lo < 0.05 {
		return fmt.Sprintf("%.3f", med)
	}
	return fmt.Sprintf("%.3f to %.3f (median %.3f; the server's timer is coarse)", lo, hi, med)
}
