package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/lbdoctor/lbdoctor/probe"
	"github.com/lbdoctor/lbdoctor/report"
)

const probeUsage = `Usage: lbdoctor probe [flags] URL

Measures the idle keep-alive timeout a live server really enforces on the wire
and says whether it is safe behind a load balancer with the given idle timeout.

It reads the Keep-Alive header (a hint), times the server's FIN or RST after a
response on several idle connections at once, and confirms by sending requests
on idle connections just below and just above the measured value, as a load
balancer would. It takes about the server's timeout; at most --max when the
server never closes. Only probe servers you are responsible for.

Examples:
  lbdoctor probe http://127.0.0.1:8080/
  lbdoctor probe --lb-idle 120s --format json https://api.example.internal/health
  lbdoctor probe --resolve api.example.com:443:10.0.1.10 https://api.example.com/

Exit status: 0 safe or no keep-alive; 1 racy or unsafe; 2 error or unknown.
`

func runProbe(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("probe", probeUsage, stderr)
	lbIdle := fs.Duration("lb-idle", 60*time.Second, "idle timeout of the load balancer or proxy in front (ALB default: 60s)")
	margin := fs.Duration("margin", 5*time.Second, "how much longer than --lb-idle the server must keep idle connections")
	maxWait := fs.Duration("max", 0, "longest wait for the server to close an idle connection (default: lb-idle + margin + 10s)")
	method := fs.String("method", "GET", "request method")
	insecure := fs.Bool("insecure", false, "do not verify the server's TLS certificate")
	format := fs.String("format", "text", "output format: text or json")
	quiet := fs.Bool("quiet", false, "no progress line")
	var headers, resolves multiFlag
	fs.Var(&headers, "H", "request header 'Name: value' (repeatable; replaces the probe's Host, User-Agent or Accept)")
	fs.Var(&resolves, "resolve", "connect to ADDR for HOST:PORT, as host:port:addr (repeatable)")
	args, err := parseInterleaved(fs, args)
	if err != nil {
		if isHelp(err) {
			return exitOK
		}
		return exitUsage
	}
	if len(args) != 1 {
		fmt.Fprintln(stderr, "lbdoctor probe: exactly one URL is needed")
		return exitUsage
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "lbdoctor probe: --format must be text or json, not %q\n", *format)
		return exitUsage
	}
	cfg := probe.Config{URL: args[0], Method: *method, Insecure: *insecure, LBIdle: *lbIdle, Margin: *margin, Max: *maxWait,
		Header: http.Header{}, Resolve: map[string]string{}, LBIdleAssumed: true}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "lb-idle" {
			cfg.LBIdleAssumed = false
		}
	})
	for _, h := range headers {
		k, v, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(k) == "" {
			fmt.Fprintf(stderr, "lbdoctor probe: -H %q: want 'Name: value'\n", h)
			return exitUsage
		}
		if strings.EqualFold(strings.TrimSpace(k), "Connection") {
			fmt.Fprintf(stderr, "lbdoctor probe: -H %q: the probe sends Connection: keep-alive, which is what it measures\n", h)
			return exitUsage
		}
		if strings.ContainsAny(h, "\r\n") {
			fmt.Fprintf(stderr, "lbdoctor probe: -H %q: a header cannot hold a line break\n", h)
			return exitUsage
		}
		cfg.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	for _, r := range resolves {
		i := strings.LastIndex(r, ":")
		if i <= 0 || !strings.Contains(r[:i], ":") {
			fmt.Fprintf(stderr, "lbdoctor probe: --resolve %q: want host:port:addr\n", r)
			return exitUsage
		}
		cfg.Resolve[r[:i]] = strings.Trim(r[i+1:], "[]")
	}
	if !*quiet && isTerminal(stderr) {
		cfg.Progress = func(waited, max time.Duration) {
			fmt.Fprintf(stderr, "\rwaiting for the server to close idle connections: %3.0fs (at most %s)  ", waited.Seconds(), max)
		}
	}
	res, err := probe.Run(ctx, cfg)
	if cfg.Progress != nil {
		fmt.Fprint(stderr, "\r\033[K")
	}
	if err != nil {
		fmt.Fprintf(stderr, "lbdoctor probe: %s\n", report.Safe(err.Error()))
		return exitUsage
	}
	if *format == "json" {
		err = report.JSON(stdout, res)
	} else {
		err = report.ProbeText(stdout, res)
	}
	if err != nil {
		return exitUsage
	}
	switch res.Verdict {
	case probe.Safe, probe.NoKeepalive:
		return exitOK
	case probe.Racy, probe.Unsafe:
		return exitProblem
	}
	return exitUsage
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
