package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/lbdoctor/lbdoctor/awsaudit"
	"github.com/lbdoctor/lbdoctor/report"
)

const awsUsage = `Usage: lbdoctor aws [flags]

Walks the load balancers of an AWS account, as the caller's credentials see
them: idle timeout, client keep-alive, desync mitigation, access and connection
logs, listeners, target groups, targets and their health, and CloudWatch error
metrics over --since. For each Application Load Balancer it gives a verdict
from the metrics (race-signature, outage-burst, target-errors, lb-timeouts,
healthy, ...) with the numbers that decided it, and the exact lbdoctor logs
command for its log location and worst window. Metrics suggest; logs confirm.

Read-only: elasticloadbalancing:Describe*, cloudwatch:GetMetricData,
sts:GetCallerIdentity. Credentials and region come from the AWS SDK's default
chain (environment, shared config and profiles, SSO, web identity, IMDS).
With --probe it also measures the keep-alive idle timeout of every registered
IP target reachable from here, and sends traffic to nothing else.

Examples:
  lbdoctor aws
  lbdoctor aws --region eu-west-1 --region us-east-1 --since 3d
  lbdoctor aws --all-regions --format json > audit.json
  lbdoctor aws --lb shop-prod --probe

Exit status: 0 no load balancer shows a problem; 1 one does; 2 nothing could
be read (credentials, region, endpoint) or a usage error.
`

func runAWS(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("aws", awsUsage, stderr)
	var regions, lbs multiFlag
	fs.Var(&regions, "region", "region to walk (repeatable, or comma-separated; default: the AWS configuration's)")
	allRegions := fs.Bool("all-regions", false, "walk every commercial region that has Application Load Balancers")
	profile := fs.String("profile", "", "the AWS shared-config profile (default: AWS_PROFILE or default)")
	fs.Var(&lbs, "lb", "only this load balancer, by name or ARN (repeatable)")
	since := fs.String("since", "7d", "how far back the metrics go: e.g. 7d, 36h (1-minute data for 15 days, 5-minute to 63, hourly beyond)")
	doProbe := fs.Bool("probe", false, "also measure each registered IP target's keep-alive idle timeout (sends requests to those targets only)")
	probeMax := fs.Duration("probe-max", 0, "longest wait per probed target (default: idle timeout + 15s)")
	format := fs.String("format", "text", "output format: text or json")
	endpoint := fs.String("endpoint-url", "", "send every API call (ELBv2, CloudWatch, STS) to this endpoint instead of AWS")
	if code, ok := parseFlagsOnly(fs, args, stderr, " (load balancers are selected with --lb)"); !ok {
		return code
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "lbdoctor aws: --format must be text or json, not %q\n", *format)
		return exitUsage
	}
	back, err := parseDays(*since)
	if err != nil || back < time.Hour || back > 455*24*time.Hour {
		fmt.Fprintf(stderr, "lbdoctor aws: --since %q: want a duration from 1h to 455d (CloudWatch keeps hourly data 455 days), e.g. 7d or 36h\n", *since)
		return exitUsage
	}
	o := awsaudit.Options{Profile: *profile, EndpointURL: *endpoint, Since: back, Probe: *doProbe, ProbeMax: *probeMax}
	for _, r := range regions {
		for _, x := range strings.Split(r, ",") {
			if x = strings.TrimSpace(x); x != "" {
				o.Regions = append(o.Regions, x)
			}
		}
	}
	if *allRegions {
		if len(o.Regions) > 0 {
			fmt.Fprintln(stderr, "lbdoctor aws: --all-regions and --region exclude each other")
			return exitUsage
		}
		o.Regions = awsaudit.AllRegions
	}
	o.LBs = lbs
	r, err := awsaudit.Run(ctx, o)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(stderr, "lbdoctor aws: interrupted")
			return exitInterrupted
		}
		fmt.Fprintf(stderr, "lbdoctor aws: %s\n", report.Safe(err.Error()))
		return exitUsage
	}
	if *format == "json" {
		err = report.JSON(stdout, r)
	} else {
		err = report.AWSText(stdout, r)
	}
	if err != nil {
		fmt.Fprintf(stderr, "lbdoctor aws: %v\n", err)
		return exitUsage
	}
	for _, e := range r.Errors {
		fmt.Fprintf(stderr, "lbdoctor aws: %s\n", report.Safe(e))
	}
	switch {
	case !r.Read() || (r.LoadBalancerCount() == 0 && len(o.LBs) > 0):
		return exitUsage
	case r.Problems() > 0:
		return exitProblem
	}
	return exitOK
}

// parseDays is time.ParseDuration plus a "d" (24h) unit: 7d, 1d12h.
func parseDays(s string) (time.Duration, error) {
	var total time.Duration
	if i := strings.Index(s, "d"); i >= 0 {
		n, err := strconv.Atoi(s[:i])
		if err != nil || n < 0 {
			return 0, fmt.Errorf("bad duration %q", s)
		}
		total = time.Duration(n) * 24 * time.Hour
		s = s[i+1:]
		if s == "" {
			return total, nil
		}
	}
	d, err := time.ParseDuration(s)
	return total + d, err
}
