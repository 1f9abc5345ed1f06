package awsaudit

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lbdoctor/lbdoctor/internal/awsapi"
)

var now = time.Date(2026, 11, 28, 4, 0, 0, 0, time.UTC)

func start(t *testing.T, sc *awsapi.Scenario) *awsapi.Server { return awsapi.StartTest(t, sc) }

func audit(t *testing.T, srv *awsapi.Server, o Options) *Report {
	t.Helper()
	o.EndpointURL, o.Now = srv.URL, now
	if o.Regions == nil {
		o.Regions = []string{awsapi.Region1}
	}
	r, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func find(t *testing.T, r *Report, name string) *LoadBalancer {
	t.Helper()
	for i := range r.Regions {
		for j := range r.Regions[i].LoadBalancers {
			if lb := &r.Regions[i].LoadBalancers[j]; lb.Name == name {
				return lb
			}
		}
	}
	t.Fatalf("load balancer %s not in the report", name)
	return nil
}

func TestVerdictPerPattern(t *testing.T) {
	sc := awsapi.Example(now)
	sc.Faults.PageSize = 2           // 8 load balancers: 4 pages; 3 target groups: 2 pages
	sc.Faults.MaxDatapoints = 25_000 // GetMetricData pages too
	srv := start(t, sc)
	r := audit(t, srv, Options{})
	if r.Account != awsapi.Account || r.PeriodSeconds != 60 {
		t.Errorf("account %q, period %d", r.Account, r.PeriodSeconds)
	}
	if len(r.Errors) != 0 {
		t.Errorf("errors: %v", r.Errors)
	}
	want := map[string]struct{ id, conf string }{
		awsapi.RaceLB:    {RaceSignature, High},
		awsapi.OutageLB:  {OutageBurst, High},
		awsapi.StormLB:   {TargetErrors, High},
		awsapi.TimeoutLB: {LBTimeouts, High},
		awsapi.HealthyLB: {Healthy, ""},
		awsapi.LogsOffLB: {RaceSignature, High},
		awsapi.NetworkLB: {NotCovered, ""},
		awsapi.IdleLB:    {NoTraffic, ""},
	}
	if n := len(r.Regions[0].LoadBalancers); n != len(want) {
		t.Fatalf("%d load balancers, want %d (pagination)", n, len(want))
	}
	for name, w := range want {
		lb := find(t, r, name)
		if len(lb.Verdicts) == 0 || lb.Verdicts[0].ID != w.id || lb.Verdicts[0].Confidence != w.conf {
			t.Errorf("%s: verdicts %+v, want %s (%s) first", name, lb.Verdicts, w.id, w.conf)
		}
		if len(lb.Verdicts) > 1 {
			t.Errorf("%s: extra verdicts %+v", name, lb.Verdicts[1:])
		}
	}
	race := find(t, r, awsapi.RaceLB)
	if len(race.TargetGroups) != 3 || len(race.TargetGroups[0].Targets) != 2 {
		t.Errorf("target groups: %+v", race.TargetGroups)
	}
	if race.Metrics.ELB502 != 104 || race.Metrics.Requests != 7*24*60*120 {
		t.Errorf("race totals %+v", race.Metrics)
	}
	if *race.IdleTimeoutSeconds != 60 || *race.ClientKeepAliveSeconds != 3600 || race.DesyncMitigationMode != "defensive" {
		t.Errorf("attributes: %+v", race)
	}
	if race.Next == nil || !strings.HasPrefix(race.Next.Command, "lbdoctor logs s3://alb-logs/prod --lb api-prod --region us-east-1 --since 2026-11-") {
		t.Errorf("next: %+v", race.Next)
	}
	if !strings.Contains(race.Verdicts[0].Fix, "65 s") {
		t.Errorf("fix: %s", race.Verdicts[0].Fix)
	}
	legacy := find(t, r, awsapi.LogsOffLB)
	if legacy.Next == nil || legacy.Next.Command != "" || !strings.Contains(legacy.Next.EnableCLI, "access_logs.s3.enabled,Value=true") ||
		!strings.Contains(legacy.Next.Terraform, "access_logs {") {
		t.Errorf("logs off: %+v", legacy.Next)
	}
	if !strings.Contains(legacy.Verdicts[0].Fix, "125 s") {
		t.Errorf("the fix follows the idle timeout (120 s): %s", legacy.Verdicts[0].Fix)
	}
	outage := find(t, r, awsapi.OutageLB)
	if w := outage.Verdicts[0].Window; w == nil || w.Until.Sub(w.Since) != 10*time.Minute {
		t.Errorf("outage window %+v", w)
	}
	if outage.TargetGroups[0].Targets[1].Reason != "Target.ResponseCodeMismatch" {
		t.Errorf("unhealthy reason lost: %+v", outage.TargetGroups[0].Targets)
	}
	if r.Problems() != 5 {
		t.Errorf("%d problems, want 5", r.Problems())
	}
	// Batching: 8 application load balancers' queries in few calls.
	if n := srv.Calls("GetMetricData"); n > 30 {
		t.Errorf("%d GetMetricData calls", n)
	}
	if srv.Calls("DescribeLoadBalancers") != 4 {
		t.Errorf("%d DescribeLoadBalancers calls, want 4 pages", srv.Calls("DescribeLoadBalancers"))
	}
}

func TestAccessDeniedOnCloudWatch(t *testing.T) {
	sc := awsapi.Example(now)
	sc.Faults.Deny = map[string]bool{"GetMetricData": true}
	srv := start(t, sc)
	r := audit(t, srv, Options{LBs: []string{awsapi.RaceLB}})
	lb := find(t, r, awsapi.RaceLB)
	if lb.Verdicts[0].ID != NoMetrics || lb.Problem() {
		t.Errorf("verdicts %+v", lb.Verdicts)
	}
	if lb.IdleTimeoutSeconds == nil || len(lb.TargetGroups) != 3 {
		t.Errorf("the rest was not read: %+v", lb)
	}
	if len(r.Errors) != 1 || !strings.Contains(r.Errors[0], "cloudwatch:GetMetricData in us-east-1: access denied") {
		t.Errorf("errors %q", r.Errors)
	}
}

func TestThrottledThenServed(t *testing.T) {
	sc := awsapi.Example(now)
	sc.Faults.Throttle = map[string]int{"DescribeLoadBalancers": 2, "GetMetricData": 1}
	srv := start(t, sc)
	r := audit(t, srv, Options{LBs: []string{awsapi.RaceLB}})
	if lb := find(t, r, awsapi.RaceLB); lb.Verdicts[0].ID != RaceSignature || len(r.Errors) != 0 {
		t.Errorf("verdicts %+v errors %v", lb.Verdicts, r.Errors)
	}
	if srv.Calls("DescribeLoadBalancers") != 3 {
		t.Errorf("%d calls, want 2 throttled + 1", srv.Calls("DescribeLoadBalancers"))
	}
}

func TestUnknownLBAndEmptyRegion(t *testing.T) {
	srv := start(t, awsapi.Example(now))
	r := audit(t, srv, Options{Regions: []string{awsapi.Region1, awsapi.Region2}, LBs: []string{"nope", awsapi.HealthyLB}})
	if len(r.Regions) != 2 || len(r.Regions[0].LoadBalancers) != 1 || len(r.Regions[1].LoadBalancers) != 0 {
		t.Fatalf("regions %+v", r.Regions)
	}
	if len(r.Errors) != 1 || r.Errors[0] != `load balancer "nope" not found in us-east-1, eu-west-1` {
		t.Errorf("errors %q", r.Errors)
	}
}

func TestExpiredCredentialsStop(t *testing.T) {
	sc := awsapi.Example(now)
	sc.Faults.ExpiredToken = true
	srv := start(t, sc)
	_, err := Run(context.Background(), Options{EndpointURL: srv.URL, Regions: []string{awsapi.Region1}, Now: now})
	if err == nil || !strings.Contains(err.Error(), "the credentials have expired (ExpiredToken)") {
		t.Fatalf("err %v", err)
	}
}

func TestNoCredentials(t *testing.T) {
	srv := start(t, awsapi.Example(now))
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := Run(ctx, Options{EndpointURL: srv.URL, Regions: []string{awsapi.Region1}, Now: now})
	if err == nil || !strings.Contains(err.Error(), "no AWS credentials found") {
		t.Fatalf("err %v", err)
	}
	if srv.Calls("GetCallerIdentity") != 0 {
		t.Error("an unsigned call was sent")
	}
}

func TestLogLocation(t *testing.T) {
	srv := start(t, awsapi.Example(now))
	o := Options{EndpointURL: srv.URL, Regions: []string{awsapi.Region1}}
	url, region, err := LogLocation(context.Background(), o, awsapi.RaceLB)
	if err != nil || url != "s3://alb-logs/prod" || region != awsapi.Region1 {
		t.Errorf("got %q %q %v", url, region, err)
	}
	if _, _, err := LogLocation(context.Background(), o, awsapi.LogsOffLB); err == nil || !strings.Contains(err.Error(), "access logs turned off") {
		t.Errorf("logs off: %v", err)
	}
	if _, _, err := LogLocation(context.Background(), o, "nope"); err == nil || !strings.Contains(err.Error(), `"nope" not found in us-east-1`) {
		t.Errorf("unknown: %v", err)
	}
}

// TestInstanceIPDenied: without ec2:DescribeInstances an instance target is
// not probed, and the note says which permission is missing. No traffic is
// sent to any target.
func TestInstanceIPDenied(t *testing.T) {
	sc := &awsapi.Scenario{Account: awsapi.Account, Regions: map[string]*awsapi.Region{awsapi.Region1: {
		LBs: []*awsapi.LB{{Name: "web", ID: "0123456789abcdef", Type: "application", Scheme: "internal",
			Attributes: map[string]string{"idle_timeout.timeout_seconds": "60"},
			Groups: []*awsapi.TargetGroup{{Name: "ec2", ID: "fedcba9876543210", Protocol: "HTTP", ProtocolVersion: "HTTP1",
				TargetType: "instance", Port: 80, Targets: []awsapi.Target{{ID: "i-0598c7d356eba48d7", Port: 80, State: "healthy"}}}}}},
		Instances: map[string]string{"i-0598c7d356eba48d7": "127.0.0.1"}}},
		Faults: awsapi.Faults{Deny: map[string]bool{"DescribeInstances": true}}}
	srv := start(t, sc)
	r := audit(t, srv, Options{Probe: true})
	tg := find(t, r, "web").TargetGroups[0]
	if n := tg.Targets[0].ProbeNote; !strings.Contains(n, "ec2:DescribeInstances in us-east-1: access denied") || tg.Targets[0].Probe != nil {
		t.Errorf("note %q", n)
	}
	if srv.Calls("DescribeInstances") != 1 {
		t.Errorf("%d DescribeInstances calls", srv.Calls("DescribeInstances"))
	}
}

// TestBeanstalkLoadBalancers: a load balancer Elastic Beanstalk made (its
// tag) is named with its environment, and a note says the race is with the
// platform's nginx when the idle timeout is 60 s or more. Without
// elasticloadbalancing:DescribeTags the audit goes on, with one error line.
func TestBeanstalkLoadBalancers(t *testing.T) {
	alb := func(name, id, idle string, tags map[string]string) *awsapi.LB {
		return &awsapi.LB{Name: name, ID: id, Type: "application", Scheme: "internet-facing",
			Attributes: map[string]string{"idle_timeout.timeout_seconds": idle}, Tags: tags}
	}
	scenario := func() *awsapi.Scenario {
		return &awsapi.Scenario{Account: awsapi.Account, Regions: map[string]*awsapi.Region{awsapi.Region1: {LBs: []*awsapi.LB{
			alb("awseb-AWSEB-shop", "0123456789abcdef", "120", map[string]string{ebEnvironmentTag: "shop-prod", "elasticbeanstalk:environment-id": "e-abc"}),
			alb("awseb-AWSEB-docs", "0123456789abcde0", "30", map[string]string{ebEnvironmentTag: "docs-prod"}),
			alb("api", "0123456789abcde1", "60", map[string]string{"team": "payments"}),
		}}}}
	}
	srv := start(t, scenario())
	r := audit(t, srv, Options{})
	shop, docs, api := find(t, r, "awseb-AWSEB-shop"), find(t, r, "awseb-AWSEB-docs"), find(t, r, "api")
	if shop.ElasticBeanstalkEnvironment != "shop-prod" || docs.ElasticBeanstalkEnvironment != "docs-prod" || api.ElasticBeanstalkEnvironment != "" {
		t.Errorf("environments %q %q %q", shop.ElasticBeanstalkEnvironment, docs.ElasticBeanstalkEnvironment, api.ElasticBeanstalkEnvironment)
	}
	if len(shop.Notes) != 1 || !strings.Contains(shop.Notes[0], "shop-prod") || !strings.Contains(shop.Notes[0], "shorter than this idle timeout of 120 s") {
		t.Errorf("shop notes %q", shop.Notes)
	}
	if len(docs.Notes) != 0 || len(api.Notes) != 0 {
		t.Errorf("notes where nginx's 60 s is safe or there is no Beanstalk: %q %q", docs.Notes, api.Notes)
	}
	if srv.Calls("DescribeTags") != 1 || len(r.Errors) != 0 {
		t.Errorf("%d DescribeTags calls, errors %q", srv.Calls("DescribeTags"), r.Errors)
	}

	sc := scenario()
	sc.Faults.Deny = map[string]bool{"DescribeTags": true}
	r = audit(t, start(t, sc), Options{})
	if lb := find(t, r, "awseb-AWSEB-shop"); lb.ElasticBeanstalkEnvironment != "" || lb.IdleTimeoutSeconds == nil {
		t.Errorf("denied tags: %+v", lb)
	}
	if len(r.Errors) != 1 || !strings.Contains(r.Errors[0], "elasticloadbalancing:DescribeTags in us-east-1: access denied") {
		t.Errorf("errors %q", r.Errors)
	}
}
