package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/lbdoctor/lbdoctor/lab"
)

const labUsage = `Usage: lbdoctor lab --target http://127.0.0.1:PORT [--target ...] [flags]

Runs an ALB-like HTTP/1.1 load balancer. Like ALB it keeps idle connections to
each target in a pool, reuses them without checking they are alive, never
retries, and closes them itself after --idle-timeout. When a target closes an
idle connection just as the lab reuses it, the client gets a 502: the
keep-alive race. Status codes are ALB's (502, 503, 504, 460) and access logs
are written in the exact ALB format into ALB-named .log.gz files, so
'lbdoctor logs DIR' reads them unchanged. Stop it with Ctrl-C: in-flight
requests finish and the logs are flushed.

Examples:
  lbdoctor lab --listen 127.0.0.1:8080 --target http://127.0.0.1:9000 --idle-timeout 60s --log-dir ./alb-logs
  lbdoctor lab --target http://127.0.0.1:9000 --target http://127.0.0.1:9001 --idle-timeout 3s --fin-notice-delay 50ms
`

func runLab(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cfg := lab.DefaultConfig()
	fs := newFlagSet("lab", labUsage, stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "address to accept clients on")
	public := fs.Bool("allow-non-loopback", false, "allow --listen on an address other than loopback")
	var targets multiFlag
	fs.Var(&targets, "target", "a target's base URL, http://host:port (repeatable; none means every request gets 503)")
	fs.DurationVar(&cfg.IdleTimeout, "idle-timeout", cfg.IdleTimeout, "the load balancer's idle timeout")
	fs.DurationVar(&cfg.ConnectTimeout, "connect-timeout", cfg.ConnectTimeout, "timeout for opening a target connection")
	fs.DurationVar(&cfg.FINNotice, "fin-notice-delay", cfg.FINNotice, "how long after a target's FIN the lab notices it (network latency); requests in that window race")
	fs.StringVar(&cfg.LogDir, "log-dir", "", "directory for ALB-format access logs (none if empty)")
	fs.StringVar(&cfg.LBName, "lb-name", cfg.LBName, "load balancer id written in the logs")
	fs.DurationVar(&cfg.Rotate, "rotate", cfg.Rotate, "start a new log file this often (ALB: 5m)")
	fs.IntVar(&cfg.MaxConns, "max-conns", lab.DefaultMaxConns, "most client connections open at once; more are closed at once")
	if code, ok := parseFlagsOnly(fs, args, stderr, ""); !ok {
		return code
	}
	cfg.Targets = targets
	if err := checkLoopback(*listen, *public); err != nil {
		fmt.Fprintf(stderr, "lbdoctor lab: %v\n", err)
		return exitUsage
	}
	lb, err := lab.New(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "lbdoctor lab: %v\n", err)
		return exitUsage
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "lbdoctor lab: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stderr, "lbdoctor lab: listening on http://%s, %d target(s), idle timeout %s; Ctrl-C to stop\n", l.Addr(), len(cfg.Targets), cfg.IdleTimeout)
	done := make(chan error, 1)
	go func() { done <- lb.Serve(l) }()
	select {
	case err = <-done:
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), cfg.IdleTimeout+5*time.Second)
	defer cancel()
	if serr := lb.Shutdown(sctx); serr != nil && err == nil {
		err = serr
	}
	st := lb.Stats()
	fmt.Fprintf(stderr, "lbdoctor lab: %d requests %v, %d connections rejected over --max-conns; logs: %v\n", st.Requests, st.Status, st.Rejected, lb.LogFiles())
	if err != nil {
		fmt.Fprintf(stderr, "lbdoctor lab: %v\n", err)
		return exitProblem
	}
	return exitOK
}

// checkLoopback refuses a non-loopback listen address unless allowed.
func checkLoopback(addr string, allow bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--listen %q: %v", addr, err)
	}
	if allow {
		return nil
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--listen %q is not a loopback address; add --allow-non-loopback to listen there", addr)
	}
	return nil
}
