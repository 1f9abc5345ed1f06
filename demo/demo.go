// Package demo reproduces the keep-alive 502 on one machine and proves the fix:
// a backend whose idle keep-alive timeout is shorter than the lab load
// balancer's, a bounded client workload, lbdoctor's log analysis and probe on
// the result, then the same workload after the recommended fix (and with equal
// timeouts, which still race). Everything runs on 127.0.0.1 with time scaled
// down: by default 1 s of demo stands for 20 s of production.
package demo

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/lbdoctor/lbdoctor/analysis"
	"github.com/lbdoctor/lbdoctor/classify"
	"github.com/lbdoctor/lbdoctor/lab"
	"github.com/lbdoctor/lbdoctor/logscan"
	"github.com/lbdoctor/lbdoctor/probe"
	"github.com/lbdoctor/lbdoctor/report"
)

// Config sets the story's numbers (in demo time).
type Config struct {
	LBIdle      time.Duration // the lab load balancer's idle timeout (ALB's 60 s, scaled)
	BackendIdle time.Duration // the backend's idle keep-alive timeout before the fix
	Margin      time.Duration // what the fix adds on top of LBIdle
	Scale       int           // production seconds per demo second, for the narration
	Requests    int           // requests per run
	Clients     int           // client connections, used in turn
	Targets     int           // backend instances behind the load balancer
	FINNotice   time.Duration // see lab.Config.FINNotice
	Equal       bool          // also run with backend = LB idle timeout
	Seed        uint64
	// Dir receives each run's access logs (a temporary directory if empty).
	Dir string
	// Story, if set, receives the narration as the demo goes.
	Story io.Writer
}

// Default is the demo's standard story: Tomcat's 20 s behind ALB's 60 s,
// scaled 20 times down.
func Default() Config {
	return Config{LBIdle: 3 * time.Second, BackendIdle: time.Second, Margin: 250 * time.Millisecond, Scale: 20,
		Requests: 200, Clients: 4, Targets: 12, FINNotice: 50 * time.Millisecond, Seed: 1}
}

// Run is one workload against one backend configuration.
type Run struct {
	BackendIdleSeconds float64        `json:"backend_idle_seconds"`
	LBIdleSeconds      float64        `json:"lb_idle_seconds"`
	Requests           int            `json:"requests"`
	ELB502             int            `json:"elb_502"`
	Status             map[string]int `json:"status"`
	ClientErrors       int            `json:"client_errors"`
	KeepaliveRaces     int64          `json:"keepalive_race_in_logs"`
	LogDir             string         `json:"log_dir"`
	Seconds            float64        `json:"seconds"`
	summary            *analysis.Summary
}

// Result is the whole story.
type Result struct {
	Before  Run            `json:"before"`
	After   Run            `json:"after"`
	Equal   *Run           `json:"equal,omitempty"`
	Probe   *probe.Result  `json:"probe"`
	Logs    LogsResult     `json:"logs"`
	OK      bool           `json:"ok"`
	Seconds float64        `json:"seconds"`
	Config  map[string]any `json:"config"`
	// Dir holds everything the demo wrote (each run's access logs).
	Dir string `json:"dir"`
	// Report is the HTML report of the "before" run's logs.
	Report string `json:"report"`
}

// LogsResult is what `lbdoctor logs` found in the "before" run's logs.
type LogsResult struct {
	Entries int64            `json:"entries"`
	Causes  map[string]int64 `json:"causes"`
	Example string           `json:"example"`
}

// Execute runs the demo. It returns an error only when the demo could not run
// (ports, files); Result.OK says whether the story came out as it should:
// 502s before the fix, none after.
func Execute(ctx context.Context, cfg Config) (*Result, error) {
	start := time.Now()
	say := func(format string, args ...any) {
		if cfg.Story != nil {
			fmt.Fprintf(cfg.Story, format, args...)
		}
	}
	if cfg.Dir == "" {
		d, err := os.MkdirTemp("", "lbdoctor-demo-")
		if err != nil {
			return nil, err
		}
		cfg.Dir = d
	}
	prod := func(d time.Duration) string {
		return fmt.Sprintf("%gs (%ds in production)", d.Seconds(), int(d.Seconds()*float64(cfg.Scale)+0.5))
	}
	res := &Result{Config: map[string]any{"lb_idle_seconds": cfg.LBIdle.Seconds(), "backend_idle_seconds": cfg.BackendIdle.Seconds(),
		"margin_seconds": cfg.Margin.Seconds(), "scale": cfg.Scale, "requests": cfg.Requests, "clients": cfg.Clients,
		"fin_notice_seconds": cfg.FINNotice.Seconds()}, Dir: cfg.Dir}

	say("1. The bug: a backend that closes idle connections after %s\n   behind a load balancer that keeps them for %s.\n", prod(cfg.BackendIdle), prod(cfg.LBIdle))
	say("   %d instances behind it; %d requests from %d clients, with idle gaps spread up to the LB's timeout...\n", cfg.Targets, cfg.Requests, cfg.Clients)
	before, err := runOnce(ctx, cfg, cfg.BackendIdle, filepath.Join(cfg.Dir, "before"))
	if err != nil {
		return nil, err
	}
	res.Before = *before
	say("   clients got %d x 502 Bad Gateway out of %d requests (%s).\n\n", before.ELB502, before.Requests, statusLine(before.Status))

	say("2. lbdoctor logs %s\n", before.LogDir)
	s := before.summary
	res.Report = filepath.Join(cfg.Dir, "report.html")
	if err := writeReport(res.Report, s); err != nil {
		return nil, err
	}
	say("   (the same report as a page: %s)\n", res.Report)
	res.Logs = LogsResult{Entries: s.Entries, Causes: map[string]int64{}}
	for _, c := range s.Causes {
		res.Logs.Causes[string(c.ID)] = c.Count
		say("   %-28s %4d  %s\n", c.ID, c.Count, c.Explanation)
		if c.ID == classify.KeepaliveRace && len(c.Examples) > 0 {
			ex := c.Examples[0]
			res.Logs.Example = fmt.Sprintf("%s:%d", ex.File, ex.Line)
			say("   e.g. %s:%d  %s/%s  times %g %g %g  (%s)\n", filepath.Base(ex.File), ex.Line, ex.ELBStatusCode, ex.TargetStatusCode,
				ex.RequestProcessingTime, ex.TargetProcessingTime, ex.ResponseProcessingTime, ex.Evidence)
		}
	}
	say("\n")

	say("3. lbdoctor probe on the backend, against the load balancer's %gs\n", cfg.LBIdle.Seconds())
	backendURL, stop, err := startBackend(cfg.BackendIdle)
	if err != nil {
		return nil, err
	}
	pr, err := probe.Run(ctx, probe.Config{URL: backendURL, LBIdle: cfg.LBIdle, Margin: cfg.Margin, Max: cfg.LBIdle + cfg.Margin + time.Second})
	stop()
	if err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	res.Probe = pr
	if pr.IdleTimeoutSeconds != nil {
		say("   measured idle close: %.3fs (%s); verdict: %s\n\n", *pr.IdleTimeoutSeconds, pr.Close, pr.Verdict)
	} else {
		say("   verdict: %s (%s)\n\n", pr.Verdict, pr.Reason)
	}

	fixed := cfg.LBIdle + cfg.Margin
	say("4. The fix lbdoctor recommends: backend idle timeout %s > load balancer %s.\n   Same workload again...\n", prod(fixed), prod(cfg.LBIdle))
	after, err := runOnce(ctx, cfg, fixed, filepath.Join(cfg.Dir, "after"))
	if err != nil {
		return nil, err
	}
	res.After = *after
	say("   clients got %d x 502 out of %d requests (%s).\n\n", after.ELB502, after.Requests, statusLine(after.Status))

	if cfg.Equal {
		say("5. The trap: equal timeouts (%s each). Same workload again...\n", prod(cfg.LBIdle))
		eq, err := runOnce(ctx, cfg, cfg.LBIdle, filepath.Join(cfg.Dir, "equal"))
		if err != nil {
			return nil, err
		}
		res.Equal = eq
		if eq.ELB502 > 0 {
			say("   clients got %d x 502 out of %d: equal values still race.\n\n", eq.ELB502, eq.Requests)
		} else {
			say("   no 502 in this short run; equal values race only when a reuse lands in the instant both timers fire.\n\n")
		}
	}
	res.OK = before.ELB502 > 0 && after.ELB502 == 0
	res.Seconds = time.Since(start).Seconds()
	if res.OK {
		say("Result: %d x 502 before the fix, 0 after. Logs in %s (%.0fs)\n", before.ELB502, cfg.Dir, res.Seconds)
	} else {
		say("Result: the story did not come out as expected (before %d, after %d 502s).\n", before.ELB502, after.ELB502)
	}
	return res, nil
}

func statusLine(m map[string]int) string {
	s := ""
	for _, k := range []string{"200", "502", "503", "504"} {
		if m[k] > 0 {
			if s != "" {
				s += ", "
			}
			s += fmt.Sprintf("%d x %s", m[k], k)
		}
	}
	return s
}

// startBackend starts a Go HTTP server on loopback with the given idle timeout.
func startBackend(idle time.Duration) (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{IdleTimeout: idle, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	})}
	go srv.Serve(l)
	return "http://" + l.Addr().String(), func() { srv.Close() }, nil
}

// runOnce runs the workload through a fresh lab load balancer in front of
// cfg.Targets fresh Go backends.
func runOnce(ctx context.Context, cfg Config, backendIdle time.Duration, logDir string) (*Run, error) {
	var targets []string
	for i := 0; i < max(cfg.Targets, 1); i++ {
		backend, stopBackend, err := startBackend(backendIdle)
		if err != nil {
			return nil, err
		}
		defer stopBackend()
		targets = append(targets, backend)
	}
	run, err := RunAgainst(ctx, cfg, targets, logDir)
	if err != nil {
		return nil, err
	}
	run.BackendIdleSeconds = backendIdle.Seconds()
	return run, nil
}

// RunAgainst runs the demo's workload through a fresh lab load balancer in
// front of the given target URLs (a URL may repeat: each entry is a target
// with its own connection pool), then analyses the logs the lab wrote.
func RunAgainst(ctx context.Context, cfg Config, targets []string, logDir string) (*Run, error) {
	began := time.Now()
	lb, err := lab.New(lab.Config{Targets: targets, IdleTimeout: cfg.LBIdle, ConnectTimeout: 2 * time.Second,
		FINNotice: cfg.FINNotice, LogDir: logDir, Rotate: 5 * time.Minute})
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go lb.Serve(l)
	run := &Run{LBIdleSeconds: cfg.LBIdle.Seconds(), Status: map[string]int{}, LogDir: logDir}
	workload(ctx, cfg, "http://"+l.Addr().String()+"/api/items", run)
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := lb.Shutdown(sctx); err != nil {
		return nil, fmt.Errorf("lab shutdown: %w", err)
	}
	run.ELB502 = run.Status["502"]
	x := &logscan.Expander{}
	inputs, errs := x.Expand(ctx, []string{logDir})
	if len(errs) > 0 {
		return nil, errs[0]
	}
	s, err := analysis.Analyze(ctx, inputs, analysis.Options{})
	if err != nil {
		return nil, err
	}
	run.summary = s
	for _, c := range s.Causes {
		if c.ID == classify.KeepaliveRace {
			run.KeepaliveRaces = c.Count
		}
	}
	run.Seconds = time.Since(began).Seconds()
	return run, nil
}

// workload sends cfg.Requests requests, in turn over cfg.Clients client
// connections. The load balancer spreads them round-robin over its targets, so
// each target's pooled connection idles for the sum of Targets think times:
// short gaps add up to idle times around 35% of the LB idle timeout, and one gap
// in forty is long (up to the LB idle timeout). Idle times thus cover the whole
// window up to the LB's timeout, which is where the race lives.
func workload(ctx context.Context, cfg Config, url string, run *Run) {
	rng := rand.New(rand.NewPCG(cfg.Seed, 7))
	clients := make([]*http.Client, max(cfg.Clients, 1))
	for i := range clients {
		clients[i] = &http.Client{Timeout: cfg.LBIdle + 5*time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
		defer clients[i].CloseIdleConnections()
	}
	short := 2 * 0.35 * float64(cfg.LBIdle) / float64(max(cfg.Targets, 1))
	run.Requests = cfg.Requests
	for i := 0; i < cfg.Requests && ctx.Err() == nil; i++ {
		think := time.Duration(rng.Float64() * short)
		if rng.IntN(40) == 0 {
			think = time.Duration(rng.Float64() * float64(cfg.LBIdle))
		}
		select {
		case <-time.After(think):
		case <-ctx.Done():
			return
		}
		resp, err := clients[i%len(clients)].Get(url)
		if err != nil {
			run.ClientErrors++
			continue
		}
		run.Status[fmt.Sprint(resp.StatusCode)]++
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// writeReport writes the HTML report of a run's logs.
func writeReport(path string, s *analysis.Summary) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := report.HTML(f, s); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
