package main

import (
	"context"
	"fmt"
	"io"

	"github.com/lbdoctor/lbdoctor/demo"
	"github.com/lbdoctor/lbdoctor/report"
)

const demoUsage = `Usage: lbdoctor demo [flags]

Reproduces the keep-alive 502 on this machine and proves the fix, in about a
minute, on 127.0.0.1 only: a backend whose idle keep-alive timeout (1 s) is
shorter than the lab load balancer's (3 s) - Tomcat's 20 s behind ALB's 60 s,
scaled 20 times down - a bounded client workload, lbdoctor logs on the ALB
access logs the lab wrote, lbdoctor probe on the backend, then the same
workload after the fix (and with equal timeouts, which still race).

Examples:
  lbdoctor demo
  lbdoctor demo --out ./demo-logs --format json   # logs and report.html in ./demo-logs
  lbdoctor demo --equal --requests 400

Exit status: 0 when there were 502s before the fix and none after; 1 otherwise;
2 when the demo could not run.
`

func runDemo(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cfg := demo.Default()
	fs := newFlagSet("demo", demoUsage, stderr)
	format := fs.String("format", "text", "output format: text or json")
	fs.IntVar(&cfg.Requests, "requests", cfg.Requests, "requests per run")
	fs.StringVar(&cfg.Dir, "out", "", "directory for everything the demo writes: each run's access logs (default: a new temporary directory)")
	fs.StringVar(&cfg.Dir, "dir", "", "the same as --out (older name)")
	equal := fs.Bool("equal", false, "also run with equal timeouts (they race only when a reuse lands in the instant both timers fire, so a short run may show none)")
	if _, err := parseInterleaved(fs, args); err != nil {
		if isHelp(err) {
			return exitOK
		}
		return exitUsage
	}
	cfg.Equal = *equal
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "lbdoctor demo: --format must be text or json, not %q\n", *format)
		return exitUsage
	}
	if *format == "text" {
		cfg.Story = stdout
	}
	res, err := demo.Execute(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "lbdoctor demo: %v\n", err)
		return exitUsage
	}
	if *format == "text" {
		fmt.Fprintf(stdout, "Everything the demo wrote is in %s\n", res.Dir)
	}
	if *format == "json" {
		if err := report.JSON(stdout, res); err != nil {
			return exitUsage
		}
	}
	if !res.OK {
		return exitProblem
	}
	return exitOK
}
