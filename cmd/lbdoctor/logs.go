package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"

	"time"

	"github.com/lbdoctor/lbdoctor/alblog"
	"github.com/lbdoctor/lbdoctor/analysis"
	"github.com/lbdoctor/lbdoctor/awsaudit"
	"github.com/lbdoctor/lbdoctor/logscan"
	"github.com/lbdoctor/lbdoctor/report"
	"github.com/lbdoctor/lbdoctor/s3logs"
)

const logsUsage = `Usage: lbdoctor logs [flags] PATH...
       lbdoctor logs --lb NAME [flags]

Reads AWS Application Load Balancer access logs and names the root cause of
every error the load balancer generated (keep-alive race, unreachable target,
timeouts, WAF, ...), with evidence, per-target and per-minute views.

PATH is a file (plain or gzip, detected by content), a directory (read
recursively), - for standard input, or s3://BUCKET[/PREFIX]: ALB's key layout
below it is followed, and with --since/--until only the objects that can hold
entries in range are listed and read. Files are read in parallel. With --lb
and no PATH, the load balancer's access-log location is asked of the ELBv2 API
(elasticloadbalancing:DescribeLoadBalancers and DescribeLoadBalancerAttributes).

Examples:
  lbdoctor logs ./AWSLogs/123456789012/elasticloadbalancing/eu-west-1/2024/05/01/
  lbdoctor logs --status 502 --since 2h app.log.gz
  lbdoctor logs --since 2024-05-01T10:00:00Z --until 2024-05-01T11:00:00Z logs/
  zcat *.log.gz | lbdoctor logs --format json - | jq '.causes[0]'
  lbdoctor logs s3://my-alb-logs/prod --since 2h --lb shop-prod
  lbdoctor logs --format html -o report.html ./alb-logs/

Exit status: 0 analysis done; 1 analysis done but some input could not be read
or parsed; 2 usage error or nothing readable.
`

// logsMemoryLimit is the soft memory limit of a logs run (GOMEMLIMIT).
const logsMemoryLimit = 48 << 20

func runLogs(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("logs", logsUsage, stderr)
	format := fs.String("format", "text", "output format: text, json or html (one self-contained page)")
	outPath := fs.String("o", "", "write the report to this file instead of standard output")
	since := fs.String("since", "", "only entries at or after this time: RFC 3339, or a duration back from the newest entry (e.g. 2h)")
	until := fs.String("until", "", "only entries at or before this time: RFC 3339, or a duration back from the newest entry")
	status := fs.String("status", "", "only count errors with these elb_status_code values, e.g. 502,504 or 5xx")
	strict := fs.Bool("strict", false, "stop at the first malformed line (exit 2)")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "parsing goroutines")
	stats := fs.Bool("stats", false, "print throughput and peak memory to standard error")
	lbIdle := fs.Duration("lb-idle", 0, "the load balancer's idle timeout, if you know it (default: inferred from 504s, else ALB's 60s assumed)")
	var s3o s3logs.Options
	fs.StringVar(&s3o.Region, "region", "", "s3://: the region to start from (default: the AWS configuration's; the bucket's own region is followed)")
	fs.StringVar(&s3o.Profile, "profile", "", "s3://: the AWS shared-config profile (default: AWS_PROFILE or default)")
	fs.StringVar(&s3o.EndpointURL, "endpoint-url", "", "s3://: an S3-compatible endpoint (path-style), e.g. http://127.0.0.1:7070")
	fs.StringVar(&s3o.LB, "lb", "", "s3://: read only this load balancer's objects (its name, as in the key: app.NAME.ID); without PATH, read its logs where it writes them")
	s3Concurrency := fs.Int("s3-concurrency", 8, "s3://: objects downloaded at once")
	quiet := fs.Bool("quiet", false, "no progress line (it is shown only when standard error is a terminal)")
	paths, err := parseInterleaved(fs, args)
	if err != nil {
		if isHelp(err) {
			return exitOK
		}
		return exitUsage
	}
	if len(paths) == 0 && s3o.LB != "" {
		// Where that load balancer writes its logs, from the ELBv2 API.
		o := awsaudit.Options{Profile: s3o.Profile}
		if s3o.Region != "" {
			o.Regions = []string{s3o.Region}
		}
		url, region, err := awsaudit.LogLocation(ctx, o, s3o.LB)
		if err != nil {
			fmt.Fprintf(stderr, "lbdoctor logs: --lb %s: %s\n", report.Safe(s3o.LB), report.Safe(err.Error()))
			return exitUsage
		}
		fmt.Fprintf(stderr, "lbdoctor logs: %s writes its access logs to %s\n", report.Safe(s3o.LB), report.Safe(url))
		paths, s3o.Region = []string{url}, region
	}
	if len(paths) == 0 {
		fmt.Fprintln(stderr, "lbdoctor logs: no PATH given (use - for standard input, or --lb NAME to read that load balancer's logs from S3)")
		return exitUsage
	}
	if *format != "text" && *format != "json" && *format != "html" {
		fmt.Fprintf(stderr, "lbdoctor logs: --format must be text, json or html, not %q\n", *format)
		return exitUsage
	}
	var opt analysis.Options
	if *lbIdle != 0 && (*lbIdle < time.Second || *lbIdle > 4000*time.Second || *lbIdle%time.Second != 0) {
		fmt.Fprintf(stderr, "lbdoctor logs: --lb-idle %s: ALB's idle timeout is a whole number of seconds from 1s to 4000s\n", *lbIdle)
		return exitUsage
	}
	opt.LBIdle = *lbIdle
	opt.Strict = *strict
	opt.Scan.Workers = *workers
	if opt.Filter.Since, opt.Window.Last, err = parseTimeBound(*since); err != nil {
		fmt.Fprintf(stderr, "lbdoctor logs: --since: %v\n", err)
		return exitUsage
	}
	if opt.Filter.Until, opt.Window.Before, err = parseTimeBound(*until); err != nil {
		fmt.Fprintf(stderr, "lbdoctor logs: --until: %v\n", err)
		return exitUsage
	}
	if *status != "" {
		if opt.Filter.Status, err = analysis.ParseStatusSet(*status); err != nil {
			fmt.Fprintf(stderr, "lbdoctor logs: --status: %v\n", err)
			return exitUsage
		}
	}

	// Pruning S3 listings needs absolute times: a relative --since (2h) counts
	// back from now there, and from the newest entry in the report.
	now := time.Now().UTC()
	if opt.Filter.Since != 0 {
		s3o.Since = time.UnixMicro(opt.Filter.Since).UTC()
	} else if opt.Window.Last > 0 {
		s3o.Since = now.Add(-opt.Window.Last - time.Minute)
	}
	if opt.Filter.Until != 0 {
		s3o.Until = time.UnixMicro(opt.Filter.Until).UTC()
	}
	s3o.Warn = func(msg string) { fmt.Fprintf(stderr, "lbdoctor logs: %s\n", msg) }
	x := &logscan.Expander{Stdin: stdin, Schemes: remoteSchemes(s3o), Skip: otherLogFile}
	inputs, expandErrs := x.Expand(ctx, paths)
	for _, e := range expandErrs {
		fmt.Fprintf(stderr, "lbdoctor logs: %s\n", report.Safe(e.Error()))
	}
	for _, why := range slices.Sorted(maps.Keys(x.Skipped)) {
		fmt.Fprintf(stderr, "lbdoctor logs: %d file(s) skipped: %s\n", x.Skipped[why], why)
	}
	if len(inputs) == 0 {
		fmt.Fprintln(stderr, "lbdoctor logs: nothing to read")
		return exitUsage
	}
	var total int64
	remote := false
	for _, in := range inputs {
		total += max(in.Size, 0)
		remote = remote || strings.HasPrefix(in.Name, "s3://")
	}
	if remote {
		opt.Scan.Readers = max(*s3Concurrency, *workers)
	}
	// The engine's live state stays small (analysis seals by time); a soft
	// memory limit keeps the garbage collector from letting the heap grow to
	// twice it. GOMEMLIMIT, when set, wins.
	if os.Getenv("GOMEMLIMIT") == "" {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(logsMemoryLimit))
	}
	start := time.Now()
	if !*quiet && isTerminal(stderr) {
		opt.Scan.Progress = progressLine(stderr, len(inputs), total, start)
		defer fmt.Fprint(stderr, "\r\033[K")
	}
	if !*quiet {
		erase := "" // the progress line, when there is one
		if opt.Scan.Progress != nil {
			erase = "\r\033[K"
		}
		opt.Rereading = func(disorder int64) {
			fmt.Fprintf(stderr, "%slbdoctor logs: entries are out of time order by up to %d minutes: reading the input again, holding that much history\n", erase, disorder)
		}
	}
	sum, err := analysis.Analyze(ctx, inputs, opt)
	if err != nil {
		var se *analysis.StrictError
		if errors.As(err, &se) {
			fmt.Fprintf(stderr, "lbdoctor logs: --strict: %s\n", report.Safe(se.Error()))
		} else if errors.Is(err, context.Canceled) {
			fmt.Fprintln(stderr, "lbdoctor logs: interrupted")
			return exitInterrupted
		} else {
			fmt.Fprintf(stderr, "lbdoctor logs: %v\n", err)
		}
		return exitUsage
	}
	if *stats {
		printStats(stderr, sum, time.Since(start))
	}
	out := stdout
	var file *os.File
	if *outPath != "" {
		if file, err = os.Create(*outPath); err != nil {
			fmt.Fprintf(stderr, "lbdoctor logs: %v\n", err)
			return exitUsage
		}
		out = file
	}
	switch *format {
	case "json":
		err = report.JSON(out, sum)
	case "html":
		err = report.HTML(out, sum)
	default:
		err = report.LogsText(out, sum, report.LogsOptions{})
	}
	if file != nil {
		if cerr := file.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "lbdoctor logs: writing report: %v\n", err)
		return exitUsage
	}
	readable := false
	for _, in := range sum.Inputs {
		if in.Error == "" || in.Lines > 0 {
			readable = true
		}
	}
	switch {
	case !readable || (sum.Entries == 0 && sum.Skipped > 0):
		return exitUsage
	case len(expandErrs) > 0 || sum.ErrorsTotal > 0 || sum.Skipped > 0:
		return exitProblem
	}
	return exitOK
}

// parseTimeBound reads an RFC 3339 time (returned as microseconds) or a
// duration back from the newest entry.
func parseTimeBound(s string) (abs int64, rel time.Duration, err error) {
	if s == "" {
		return 0, 0, nil
	}
	if d, derr := time.ParseDuration(s); derr == nil {
		if d <= 0 {
			return 0, 0, fmt.Errorf("duration must be positive: %q", s)
		}
		return 0, d, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04", "2006-01-02"} {
		if t, terr := time.Parse(layout, s); terr == nil {
			return t.UnixMicro(), 0, nil
		}
	}
	return 0, 0, fmt.Errorf("%q is neither an RFC 3339 time (2024-05-01T10:00:00Z) nor a duration (2h)", s)
}

func printStats(w io.Writer, s *analysis.Summary, d time.Duration) {
	var bytes int64
	for _, in := range s.Inputs {
		bytes += in.Bytes
	}
	secs := d.Seconds()
	rss := "peak RSS unknown on this platform"
	if v, ok := peakRSS(); ok {
		rss = fmt.Sprintf("peak RSS %.1f MiB", float64(v)/(1<<20))
	}
	if v, ok := cpuSeconds(); ok {
		rss += fmt.Sprintf(", CPU %.2f s", v)
	}
	fmt.Fprintf(w, "stats: %d bytes, %d lines in %.3f s: %.1f MB/s, %.0f lines/s, %s\n",
		bytes, s.LinesRead, secs, float64(bytes)/1e6/secs, float64(s.LinesRead)/secs, rss)
	if e := s.Engine; e.Sealing {
		fmt.Fprintf(w, "stats: sealed %d times, disorder %d min (allowed %d), read %d time(s)\n",
			e.Seals, e.Disorder, e.Allowance, e.Readings)
	} else {
		fmt.Fprintf(w, "stats: not sealed, read %d time(s)\n", e.Readings)
	}
}

// remoteSchemes returns the URL schemes logs can read besides local paths:
// s3://, whose AWS configuration is loaded only when an s3:// path is given.
func remoteSchemes(o s3logs.Options) map[string]logscan.Lister {
	var src *s3logs.Source
	return map[string]logscan.Lister{
		"s3": func(ctx context.Context, url string) ([]logscan.Input, error) {
			if src == nil {
				var err error
				if src, err = s3logs.New(ctx, o); err != nil {
					return nil, err
				}
			}
			return src.List(ctx, url)
		},
	}
}

// progressLine renders one live line on a terminal: inputs done of all,
// stored bytes, throughput, time left and errors so far.
func progressLine(w io.Writer, inputs int, total int64, start time.Time) func(done, failed int, stored int64) {
	last := time.Time{}
	return func(done, failed int, stored int64) {
		if time.Since(last) < 200*time.Millisecond && done < inputs {
			return
		}
		last = time.Now()
		secs := time.Since(start).Seconds()
		rate := float64(stored) / 1e6 / max(secs, 1e-3)
		eta := "-"
		if stored > 0 && total > stored {
			eta = (time.Duration(float64(total-stored)/float64(stored)*secs) * time.Second).Round(time.Second).String()
		}
		fmt.Fprintf(w, "\r\033[K%d/%d inputs, %.1f/%.1f MB, %.1f MB/s, %s left, %d errors", done, inputs, float64(stored)/1e6, float64(total)/1e6, rate, eta, failed)
	}
}

// otherLogFile says why a file is not read: another log that ALB writes
// beside its access logs (connection logs, health check logs).
func otherLogFile(name string) string {
	if kind := alblog.OtherLogFile(name); kind != "" {
		return "an ALB " + kind + " (ALB writes them beside its access logs; lbdoctor reads access logs)"
	}
	return ""
}
