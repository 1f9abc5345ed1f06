// Command albgen writes synthetic ALB access logs with a known mix of causes,
// in ALB's S3 layout, for benchmarks and experiments. It prints what it wrote
// (lines, bytes, true causes) as JSON.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/lbdoctor/lbdoctor/synth"
)

func main() {
	cfg := synth.DefaultConfig()
	out := flag.String("out", "", "directory to write into (required)")
	size := flag.Float64("mb", 100, "approximate uncompressed size in MB; sets the request rate")
	plain := flag.Bool("plain", false, "write plain .log files instead of .log.gz")
	flag.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "random seed")
	flag.DurationVar(&cfg.Duration, "duration", cfg.Duration, "time span of the logs")
	flag.IntVar(&cfg.Targets, "targets", cfg.Targets, "targets in the target group")
	flag.IntVar(&cfg.RaceEvery, "race-every", cfg.RaceEvery, "requests to a healthy target per keep-alive race, on average")
	flag.DurationVar(&cfg.Churn, "churn", 0, "each target's lifetime: it then gets a new IP address (0: targets never change)")
	flag.IntVar(&cfg.LBs, "lbs", 1, "load balancers sharing the traffic and the targets")
	flag.IntVar(&cfg.Nodes, "nodes", cfg.Nodes, "load balancer nodes (each writes its own files)")
	lines := flag.Int64("lines", 0, "approximate number of lines; overrides --mb")
	workers := flag.Int("workers", runtime.GOMAXPROCS(0), "files written at once")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "albgen: --out is required")
		os.Exit(2)
	}
	// About 630 bytes a line on average.
	cfg.Rate = *size * 1e6 / 630 / cfg.Duration.Seconds() / float64(cfg.Nodes)
	if *lines > 0 {
		cfg.Rate = float64(*lines) / cfg.Duration.Seconds() / float64(cfg.Nodes)
	}
	start := time.Now()
	truth, err := synth.WriteDir(*out, cfg, !*plain, *workers)
	if err != nil {
		fmt.Fprintln(os.Stderr, "albgen:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "albgen: %d lines, %.1f MB in %s\n", truth.Lines, float64(truth.Bytes)/1e6, time.Since(start).Round(time.Millisecond))
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(truth)
}
