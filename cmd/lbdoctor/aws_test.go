package main

import (
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lbdoctor/lbdoctor/awsaudit"
	"github.com/lbdoctor/lbdoctor/internal/awsapi"
	"github.com/lbdoctor/lbdoctor/internal/realserver"
)

func awsServer(t *testing.T, sc *awsapi.Scenario) *awsapi.Server { return awsapi.StartTest(t, sc) }

// TestAWSCommand runs lbdoctor aws as a user would, against the local API
// server holding one load balancer per pattern.
func TestAWSCommand(t *testing.T) {
	srv := awsServer(t, awsapi.Example(time.Now()))
	args := []string{"aws", "--endpoint-url", srv.URL, "--region", awsapi.Region1}
	code, out, stderr := runCLI(t, "", args...)
	if code != exitProblem || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{
		"lbdoctor aws: account 123456789012",
		"api-prod (application, internet-facing)",
		"idle timeout 60 s, client keep-alive 3600 s, desync mitigation defensive",
		"access logs: s3://alb-logs/prod; connection logs: off",
		"target group api (HTTP HTTP1, ip targets, port 8080): 2 registered, 2 healthy",
		"verdict: RACE-SIGNATURE (high confidence)",
		"lbdoctor logs s3://alb-logs/prod --lb api-prod --region us-east-1 --since ",
		"verdict: OUTAGE-BURST (high confidence)",
		"10.0.3.11:8080 unhealthy (Target.ResponseCodeMismatch: Health checks failed with these codes: [502])",
		"verdict: TARGET-ERRORS",
		"verdict: LB-TIMEOUTS",
		"verdict: HEALTHY",
		"verdict: NOT-COVERED",
		"verdict: NO-TRAFFIC",
		"access logs are off; turn them on",
		"aws elbv2 modify-load-balancer-attributes --region us-east-1 --load-balancer-arn arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/legacy/",
		"5 of 8 load balancers show a problem.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q", want)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
	code, js, _ := runCLI(t, "", append(args, "--format", "json", "--lb", awsapi.RaceLB, "--since", "2d")...)
	var r awsaudit.Report
	if err := json.Unmarshal([]byte(js), &r); err != nil || code != exitProblem {
		t.Fatalf("json: exit %d, %v", code, err)
	}
	if r.Regions[0].LoadBalancers[0].Verdicts[0].ID != awsaudit.RaceSignature || r.Until.Sub(r.Since) != 48*time.Hour {
		t.Errorf("json: %+v", r)
	}
}

func TestAWSExitCodes(t *testing.T) {
	srv := awsServer(t, awsapi.Example(time.Now()))
	base := []string{"aws", "--endpoint-url", srv.URL, "--region", awsapi.Region1}
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"healthy", []string{"--lb", awsapi.HealthyLB}, exitOK, ""},
		{"unknown lb", []string{"--lb", "nope"}, exitUsage, `load balancer "nope" not found in us-east-1`},
		{"empty region", []string{"--region", awsapi.Region2, "--lb", awsapi.HealthyLB}, exitOK, ""},
		{"bad since", []string{"--since", "3x"}, exitUsage, "--since"},
		{"argument", []string{"api-prod"}, exitUsage, "--lb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := runCLI(t, "", append(base, tc.args...)...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit %d, stderr %q\n%s", code, stderr, out)
			}
		})
	}
	// eu-west-1 and us-east-1 together: the empty region says so.
	_, out, _ := runCLI(t, "", "aws", "--endpoint-url", srv.URL, "--region", "us-east-1,eu-west-1", "--lb", awsapi.HealthyLB)
	if !strings.Contains(out, "== eu-west-1 ==\n  no load balancers") {
		t.Errorf("empty region:\n%s", out)
	}
}

func TestAWSFaults(t *testing.T) {
	sc := awsapi.Example(time.Now())
	sc.Faults.ExpiredToken = true
	srv := awsServer(t, sc)
	code, _, stderr := runCLI(t, "", "aws", "--endpoint-url", srv.URL, "--region", awsapi.Region1)
	if code != exitUsage || !strings.Contains(stderr, "the credentials have expired (ExpiredToken)") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("expired: exit %d, %q", code, stderr)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	start := time.Now()
	code, _, stderr = runCLI(t, "", "aws", "--endpoint-url", srv.URL, "--region", awsapi.Region1)
	if code != exitUsage || !strings.Contains(stderr, "no AWS credentials found") {
		t.Errorf("no credentials: exit %d, %q", code, stderr)
	}
	t.Logf("no credentials reported after %s", time.Since(start).Round(time.Millisecond))

	// An endpoint that is down: one line, exit 2.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	down := "http://" + l.Addr().String()
	l.Close()
	awsapi.Isolate(t)
	code, _, stderr = runCLI(t, "", "aws", "--endpoint-url", down, "--region", awsapi.Region1)
	if code != exitUsage || !strings.Contains(stderr, "cannot reach the API endpoint") {
		t.Errorf("endpoint down: exit %d, %q", code, stderr)
	}

	// AccessDenied on CloudWatch: the rest is read, the missing permission named.
	sc2 := awsapi.Example(time.Now())
	sc2.Faults.Deny = map[string]bool{"GetMetricData": true}
	srv2 := awsServer(t, sc2)
	code, out, stderr := runCLI(t, "", "aws", "--endpoint-url", srv2.URL, "--region", awsapi.Region1, "--lb", awsapi.RaceLB)
	if code != exitOK || !strings.Contains(stderr, "cloudwatch:GetMetricData in us-east-1: access denied: add cloudwatch:GetMetricData to the caller's policy") ||
		!strings.Contains(out, "verdict: NO-METRICS") || !strings.Contains(out, "target group api ") {
		t.Errorf("denied: exit %d, stderr %q\n%s", code, stderr, out)
	}
}

// TestAWSProbe registers real local servers as targets and runs --probe:
// nginx closing idle connections after 1 s behind a 3 s idle timeout is
// unsafe, nginx keeping them 12 s is safe, a closed port is unreachable, an
// instance target is probed at its private IP, and an unknown instance is
// named as not probed.
func TestAWSProbe(t *testing.T) {
	if testing.Short() {
		t.Skip("real servers")
	}
	short := realserver.Nginx(t, "keepalive_timeout 1s;")
	long := realserver.Nginx(t, "keepalive_timeout 12s;")
	closed := realserver.FreePort(t)
	_, sp, _ := net.SplitHostPort(short.Addr)
	shortPort, _ := strconv.Atoi(sp)
	target := func(addr string) awsapi.Target {
		host, port, _ := net.SplitHostPort(addr)
		p, _ := strconv.Atoi(port)
		return awsapi.Target{ID: host, Port: p, State: "healthy"}
	}
	lb := &awsapi.LB{Name: "local", ID: "0123456789abcdef", Type: "application", Scheme: "internal",
		Attributes: map[string]string{"idle_timeout.timeout_seconds": "3", "access_logs.s3.enabled": "false"},
		Groups: []*awsapi.TargetGroup{
			{Name: "web", ID: "fedcba9876543210", Protocol: "HTTP", ProtocolVersion: "HTTP1", TargetType: "ip", Port: 80,
				Targets: []awsapi.Target{target(short.Addr), target(long.Addr), {ID: "127.0.0.1", Port: closed, State: "unhealthy", Reason: "Target.FailedHealthChecks"}}},
			{Name: "ec2", ID: "0f1e2d3c4b5a6978", Protocol: "HTTP", ProtocolVersion: "HTTP1", TargetType: "instance", Port: 80,
				Targets: []awsapi.Target{{ID: "i-0598c7d356eba48d7", Port: shortPort, State: "healthy"}, {ID: "i-0000000000000dead", Port: 80, State: "healthy"}}},
		}}
	srv := awsServer(t, &awsapi.Scenario{Account: awsapi.Account, Regions: map[string]*awsapi.Region{awsapi.Region1: {
		LBs: []*awsapi.LB{lb}, Instances: map[string]string{"i-0598c7d356eba48d7": "127.0.0.1"}}}})
	code, js, stderr := runCLI(t, "", "aws", "--endpoint-url", srv.URL, "--region", awsapi.Region1, "--probe", "--probe-max", "20s", "--format", "json")
	var r awsaudit.Report
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		t.Fatalf("%v: %s %s", err, js, stderr)
	}
	got := r.Regions[0].LoadBalancers[0]
	if code != exitProblem || got.Verdicts[0].ID != awsaudit.UnsafeTarget || !strings.Contains(got.Verdicts[0].Summary, short.Addr+" closes idle connections after 1.") {
		t.Errorf("exit %d, verdicts %+v", code, got.Verdicts)
	}
	web := got.TargetGroups[0].Targets
	if web[0].Probe == nil || web[0].Probe.Verdict != "unsafe" {
		t.Errorf("short: %+v", web[0])
	}
	if web[1].Probe == nil || web[1].Probe.Verdict != "safe" {
		t.Errorf("long: %+v %+v", web[1], web[1].Probe)
	}
	if n := web[2].ProbeNote; web[2].Probe != nil || !strings.HasPrefix(n, "unreachable: ") || !strings.Contains(n, "connection refused") {
		t.Errorf("closed port: %+v", web[2])
	}
	// An instance target is probed at its private IP (ec2:DescribeInstances).
	ec2 := got.TargetGroups[1].Targets
	if ec2[0].Probe == nil || ec2[0].Probe.Verdict != "unsafe" {
		t.Errorf("instance: %+v", ec2[0])
	}
	if n := ec2[1].ProbeNote; !strings.Contains(n, "not probed: the instance's private IP is unknown") {
		t.Errorf("unknown instance: %q", n)
	}
}

// TestAWSBeanstalk: a load balancer Elastic Beanstalk made is named with its
// environment, escaped (a tag value is the account's, not lbdoctor's), with
// the note that its targets are the platform's nginx.
func TestAWSBeanstalk(t *testing.T) {
	sc := &awsapi.Scenario{Account: awsapi.Account, Regions: map[string]*awsapi.Region{awsapi.Region1: {LBs: []*awsapi.LB{{
		Name: "awseb-AWSEB-shop", ID: "0123456789abcdef", Type: "application", Scheme: "internet-facing",
		Attributes: map[string]string{"idle_timeout.timeout_seconds": "60"},
		Tags:       map[string]string{"elasticbeanstalk:environment-name": "shop-prod\x1b[2J"},
	}}}}}
	srv := awsServer(t, sc)
	_, out, stderr := runCLI(t, "", "aws", "--endpoint-url", srv.URL, "--region", awsapi.Region1)
	for _, want := range []string{
		"made by Elastic Beanstalk environment shop-prod\uFFFD[2J", // report.Safe's replacement
		"its targets are the platform's nginx, whose nginx.conf keeps idle connections 60 s in its server block (75 s on the Docker platform), equal to this idle timeout of 60 s",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s%s", want, out, stderr)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("an escape sequence reached the terminal")
	}
}
