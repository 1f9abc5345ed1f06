// Package awsaudit walks an AWS account's load balancers the way the original
// incident's hunt did by hand: attributes (idle timeout, access logs),
// listeners, target groups and target health from Elastic Load Balancing v2,
// error metrics from CloudWatch, and a verdict per load balancer on whether
// its metrics show the keep-alive race's signature, with the exact
// `lbdoctor logs` command that confirms it.
//
// It only reads (Describe*, GetMetricData, GetCallerIdentity). With Probe set
// it also measures the keep-alive timeout of each registered IP target.
package awsaudit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/lbdoctor/lbdoctor/probe"
)

// Options say what to audit.
type Options struct {
	// Regions to walk; empty means the configured default region.
	Regions []string
	// Profile selects a shared-config profile.
	Profile string
	// EndpointURL sends every API call (ELBv2, CloudWatch, STS) there.
	EndpointURL string
	// LBs selects load balancers by name or ARN; empty means all.
	LBs []string
	// Since is how far back the metrics go; Now is the end (zero: time.Now).
	Since time.Duration
	Now   time.Time
	// Probe measures each registered IP target's keep-alive timeout;
	// ProbeMax bounds each probe (0: the probe's default).
	Probe    bool
	ProbeMax time.Duration
	// HTTPClient, when set, sends the API requests.
	HTTPClient *http.Client
}

// Report is what an audit found. Its JSON field names are a public interface.
type Report struct {
	Account       string    `json:"account"`
	Since         time.Time `json:"since"`
	Until         time.Time `json:"until"`
	PeriodSeconds int       `json:"period_seconds"`
	Regions       []Region  `json:"regions"`
	// Errors are API failures that did not stop the run, one line each.
	Errors []string `json:"errors"`
}

// Region is one region's load balancers.
type Region struct {
	Name          string         `json:"name"`
	LoadBalancers []LoadBalancer `json:"load_balancers"`
	// Error is set when the region could not be read at all.
	Error string `json:"error,omitempty"`
}

// LoadBalancer is one load balancer's configuration, metrics and verdicts.
type LoadBalancer struct {
	Name    string `json:"name"`
	ARN     string `json:"arn"`
	Type    string `json:"type"`
	Scheme  string `json:"scheme"`
	DNSName string `json:"dns_name"`
	// IdleTimeoutSeconds is idle_timeout.timeout_seconds (nil: unknown).
	IdleTimeoutSeconds     *int         `json:"idle_timeout_seconds"`
	ClientKeepAliveSeconds *int         `json:"client_keep_alive_seconds"`
	DesyncMitigationMode   string       `json:"desync_mitigation_mode,omitempty"`
	AccessLogs             LogSetting   `json:"access_logs"`
	ConnectionLogs         LogSetting   `json:"connection_logs"`
	Listeners              []Listener   `json:"listeners"`
	TargetGroups           []TargetGrp  `json:"target_groups"`
	Metrics                *Totals      `json:"metrics"`
	Verdicts               []Verdict    `json:"verdicts"`
	Next                   *NextCommand `json:"next,omitempty"`
	Notes                  []string     `json:"notes,omitempty"`
	// ElasticBeanstalkEnvironment names the Elastic Beanstalk environment
	// that made the load balancer (its elasticbeanstalk:environment-name tag).
	ElasticBeanstalkEnvironment string `json:"elastic_beanstalk_environment,omitempty"`
}

// Problem reports whether any verdict is a problem.
func (lb *LoadBalancer) Problem() bool {
	for _, v := range lb.Verdicts {
		if v.Problem {
			return true
		}
	}
	return false
}

// LogSetting is where a log type goes, if enabled.
type LogSetting struct {
	Enabled bool   `json:"enabled"`
	Bucket  string `json:"bucket,omitempty"`
	Prefix  string `json:"prefix,omitempty"`
}

// URL is s3://bucket[/prefix].
func (l LogSetting) URL() string {
	if l.Prefix == "" {
		return "s3://" + l.Bucket
	}
	return "s3://" + l.Bucket + "/" + strings.Trim(l.Prefix, "/")
}

// Listener is a listener's protocol and port.
type Listener struct {
	Protocol string `json:"protocol"`
	Port     int    `json:"port"`
}

// TargetGrp is a target group and its targets.
type TargetGrp struct {
	Name            string   `json:"name"`
	ARN             string   `json:"arn"`
	Protocol        string   `json:"protocol"`
	ProtocolVersion string   `json:"protocol_version,omitempty"`
	TargetType      string   `json:"target_type"`
	Port            int      `json:"port"`
	HealthCheckPath string   `json:"health_check_path,omitempty"`
	Targets         []Target `json:"targets"`
	Metrics         *Totals  `json:"metrics"`
}

// Target is a registered target, its health and, with --probe, its measured
// keep-alive timeout.
type Target struct {
	ID          string        `json:"id"`
	Port        int           `json:"port"`
	State       string        `json:"state"`
	Reason      string        `json:"reason,omitempty"`
	Description string        `json:"description,omitempty"`
	Probe       *probe.Result `json:"probe,omitempty"`
	// ProbeNote says why a target was not probed.
	ProbeNote string `json:"probe_note,omitempty"`
}

// Totals sums a load balancer's or target group's metrics over the period.
// A metric that does not apply is 0.
type Totals struct {
	Requests         int64 `json:"requests"`
	ELB502           int64 `json:"elb_502"`
	ELB504           int64 `json:"elb_504"`
	ELB5XX           int64 `json:"elb_5xx"`
	Target5XX        int64 `json:"target_5xx"`
	ConnectionErrors int64 `json:"target_connection_errors"`
	UnhealthyMax     int64 `json:"unhealthy_hosts_max"`
}

// NextCommand is what to run next: the logs command for the worst window, or
// how to turn access logs on.
type NextCommand struct {
	Command   string `json:"command,omitempty"`
	EnableCLI string `json:"enable_cli,omitempty"`
	Terraform string `json:"terraform,omitempty"`
}

// Problems counts the load balancers with a problem verdict.
func (r *Report) Problems() int {
	n := 0
	for _, rg := range r.Regions {
		for i := range rg.LoadBalancers {
			if rg.LoadBalancers[i].Problem() {
				n++
			}
		}
	}
	return n
}

// LoadBalancerCount is how many load balancers the report holds.
func (r *Report) LoadBalancerCount() int {
	n := 0
	for _, rg := range r.Regions {
		n += len(rg.LoadBalancers)
	}
	return n
}

// Read reports whether anything at all was read from the account.
func (r *Report) Read() bool {
	for _, rg := range r.Regions {
		if rg.Error == "" {
			return true
		}
	}
	return false
}

// Run audits the account.
func Run(ctx context.Context, o Options) (*Report, error) {
	cfg, err := loadConfig(ctx, o.Profile, o.HTTPClient)
	if err != nil {
		return nil, err
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	if o.Since <= 0 {
		o.Since = 7 * 24 * time.Hour
	}
	period := PeriodFor(o.Since)
	until := now.UTC().Truncate(period)
	r := &Report{Since: until.Add(-o.Since).Truncate(period), Until: until, PeriodSeconds: int(period / time.Second), Errors: []string{}}

	regions := o.Regions
	byARN := map[string][]string{} // ARNs to look up, by region
	var names []string
	for _, s := range o.LBs {
		if a, err := arn.Parse(s); err == nil {
			byARN[a.Region] = append(byARN[a.Region], s)
			if !slices.Contains(regions, a.Region) && len(o.Regions) == 0 {
				regions = append(regions, a.Region)
			}
			continue
		}
		names = append(names, s)
	}
	if len(regions) == 0 {
		if cfg.Region == "" {
			return nil, errors.New("no region: pass --region (or --all-regions), or set AWS_REGION or a profile's region")
		}
		regions = []string{cfg.Region}
	}

	// The caller's account; its failure is told once, with the reason.
	stsc := sts.NewFromConfig(cfg, func(so *sts.Options) {
		so.Region = regions[0]
		if o.EndpointURL != "" {
			so.BaseEndpoint = aws.String(o.EndpointURL)
		}
	})
	if id, err := stsc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err == nil {
		r.Account = aws.ToString(id.Account)
	} else {
		e := explain(err, "sts:GetCallerIdentity", regions[0])
		if fatal(err) {
			return nil, e
		}
		r.Errors = append(r.Errors, e.Error())
	}

	// Regions are independent: walk a few at once (--all-regions has ~35).
	auditors := make([]*auditor, len(regions))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i, region := range regions {
		a := &auditor{o: o, cfg: cfg, region: region, report: r, period: period, found: map[string]bool{}}
		auditors[i] = a
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			a.result = a.region1(ctx, names, byARN[region])
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	found := map[string]bool{}
	for _, a := range auditors {
		r.Regions = append(r.Regions, a.result)
		r.Errors = append(r.Errors, a.errs...)
		for n := range a.found {
			found[n] = true
		}
	}
	for _, n := range names {
		if !found[n] {
			r.Errors = append(r.Errors, fmt.Sprintf("load balancer %q not found in %s", n, strings.Join(regions, ", ")))
		}
	}
	return r, nil
}

// PeriodFor is the metric period CloudWatch still keeps for data that old:
// 1 minute for 15 days, 5 minutes for 63 days, 1 hour beyond.
func PeriodFor(since time.Duration) time.Duration {
	switch {
	case since <= 15*24*time.Hour:
		return time.Minute
	case since <= 63*24*time.Hour:
		return 5 * time.Minute
	}
	return time.Hour
}

func loadConfig(ctx context.Context, profile string, hc *http.Client) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{
		// Describe* calls on a big account get throttled: retry more.
		config.WithRetryMaxAttempts(5),
	}
	if profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(profile))
	}
	if hc != nil {
		opts = append(opts, config.WithHTTPClient(hc))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return cfg, fmt.Errorf("AWS configuration: %w", err)
	}
	return cfg, nil
}

// auditor walks one region.
type auditor struct {
	o      Options
	cfg    aws.Config
	region string
	report *Report
	period time.Duration
	elb    *elb.Client
	cw     *cloudwatch.Client
	// What the walk found; merged by Run in region order.
	result Region
	errs   []string
	found  map[string]bool // --lb names seen here
}

func (a *auditor) errorf(err error, action string) {
	a.errs = append(a.errs, explain(err, action, a.region).Error())
}

func (a *auditor) region1(ctx context.Context, names, arns []string) Region {
	rg := Region{Name: a.region, LoadBalancers: []LoadBalancer{}}
	a.elb = elb.NewFromConfig(a.cfg, func(eo *elb.Options) {
		eo.Region = a.region
		if a.o.EndpointURL != "" {
			eo.BaseEndpoint = aws.String(a.o.EndpointURL)
		}
	})
	a.cw = cloudwatch.NewFromConfig(a.cfg, func(co *cloudwatch.Options) {
		co.Region = a.region
		if a.o.EndpointURL != "" {
			co.BaseEndpoint = aws.String(a.o.EndpointURL)
		}
	})
	var lbs []elbtypes.LoadBalancer
	var err error
	if len(names) == 0 && len(arns) == 0 {
		lbs, err = a.describe(ctx, nil, nil)
	} else {
		// One call per name: an unknown name fails the whole call.
		for _, n := range names {
			got, e := a.describe(ctx, []string{n}, nil)
			if e != nil && !isCode(e, "LoadBalancerNotFound") {
				err = e
				break
			}
			if len(got) > 0 {
				a.found[n] = true
			}
			lbs = append(lbs, got...)
		}
		for _, s := range arns {
			got, e := a.describe(ctx, nil, []string{s})
			if e != nil {
				if isCode(e, "LoadBalancerNotFound") {
					a.errs = append(a.errs, fmt.Sprintf("load balancer %s not found", s))
					continue
				}
				err = e
				break
			}
			lbs = append(lbs, got...)
		}
	}
	if err != nil {
		rg.Error = explain(err, "elasticloadbalancing:DescribeLoadBalancers", a.region).Error()
		return rg
	}
	sort.Slice(lbs, func(i, j int) bool {
		return aws.ToString(lbs[i].LoadBalancerName) < aws.ToString(lbs[j].LoadBalancerName)
	})
	for _, l := range lbs {
		rg.LoadBalancers = append(rg.LoadBalancers, a.lb(ctx, l))
	}
	a.beanstalk(ctx, rg.LoadBalancers)
	if a.o.Probe {
		a.probeAll(ctx, rg.LoadBalancers)
	}
	return rg
}

func (a *auditor) describe(ctx context.Context, names, arns []string) ([]elbtypes.LoadBalancer, error) {
	var out []elbtypes.LoadBalancer
	p := elb.NewDescribeLoadBalancersPaginator(a.elb, &elb.DescribeLoadBalancersInput{Names: names, LoadBalancerArns: arns})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return out, err
		}
		out = append(out, page.LoadBalancers...)
	}
	return out, nil
}

// lb reads one load balancer's attributes, listeners, target groups, health
// and metrics, and judges it.
func (a *auditor) lb(ctx context.Context, l elbtypes.LoadBalancer) LoadBalancer {
	lb := LoadBalancer{
		Name: aws.ToString(l.LoadBalancerName), ARN: aws.ToString(l.LoadBalancerArn),
		Type: string(l.Type), Scheme: string(l.Scheme), DNSName: aws.ToString(l.DNSName),
		Listeners: []Listener{}, TargetGroups: []TargetGrp{}, Verdicts: []Verdict{},
	}
	if l.Type != elbtypes.LoadBalancerTypeEnumApplication {
		lb.Verdicts = append(lb.Verdicts, Verdict{ID: NotCovered, Summary: fmt.Sprintf(
			"a %s load balancer: lbdoctor judges Application Load Balancers, whose HTTP connection reuse causes the keep-alive race", l.Type)})
		return lb
	}
	if out, err := a.elb.DescribeLoadBalancerAttributes(ctx, &elb.DescribeLoadBalancerAttributesInput{LoadBalancerArn: l.LoadBalancerArn}); err != nil {
		a.errorf(err, "elasticloadbalancing:DescribeLoadBalancerAttributes")
	} else {
		attrs := map[string]string{}
		for _, at := range out.Attributes {
			attrs[aws.ToString(at.Key)] = aws.ToString(at.Value)
		}
		lb.IdleTimeoutSeconds = intAttr(attrs, "idle_timeout.timeout_seconds")
		lb.ClientKeepAliveSeconds = intAttr(attrs, "client_keep_alive.seconds")
		lb.DesyncMitigationMode = attrs["routing.http.desync_mitigation_mode"]
		lb.AccessLogs = LogSetting{attrs["access_logs.s3.enabled"] == "true", attrs["access_logs.s3.bucket"], attrs["access_logs.s3.prefix"]}
		lb.ConnectionLogs = LogSetting{attrs["connection_logs.s3.enabled"] == "true", attrs["connection_logs.s3.bucket"], attrs["connection_logs.s3.prefix"]}
	}
	lp := elb.NewDescribeListenersPaginator(a.elb, &elb.DescribeListenersInput{LoadBalancerArn: l.LoadBalancerArn})
	for lp.HasMorePages() {
		page, err := lp.NextPage(ctx)
		if err != nil {
			a.errorf(err, "elasticloadbalancing:DescribeListeners")
			break
		}
		for _, x := range page.Listeners {
			lb.Listeners = append(lb.Listeners, Listener{string(x.Protocol), int(aws.ToInt32(x.Port))})
		}
	}
	tp := elb.NewDescribeTargetGroupsPaginator(a.elb, &elb.DescribeTargetGroupsInput{LoadBalancerArn: l.LoadBalancerArn})
	for tp.HasMorePages() {
		page, err := tp.NextPage(ctx)
		if err != nil {
			a.errorf(err, "elasticloadbalancing:DescribeTargetGroups")
			break
		}
		for _, g := range page.TargetGroups {
			lb.TargetGroups = append(lb.TargetGroups, a.group(ctx, g))
		}
	}
	idle := 0
	if lb.IdleTimeoutSeconds != nil {
		idle = *lb.IdleTimeoutSeconds
	}
	m, err := a.metrics(ctx, &lb)
	if err != nil {
		a.errorf(err, "cloudwatch:GetMetricData")
		lb.Verdicts = append(lb.Verdicts, Verdict{ID: NoMetrics, Summary: "CloudWatch metrics could not be read: " + explain(err, "cloudwatch:GetMetricData", a.region).Error()})
	} else {
		lb.Verdicts = append(lb.Verdicts, Judge(*m, idle)...)
	}
	lb.Next = next(&lb, a.region)
	return lb
}

func (a *auditor) group(ctx context.Context, g elbtypes.TargetGroup) TargetGrp {
	tg := TargetGrp{
		Name: aws.ToString(g.TargetGroupName), ARN: aws.ToString(g.TargetGroupArn),
		Protocol: string(g.Protocol), ProtocolVersion: aws.ToString(g.ProtocolVersion),
		TargetType: string(g.TargetType), Port: int(aws.ToInt32(g.Port)),
		HealthCheckPath: aws.ToString(g.HealthCheckPath), Targets: []Target{},
	}
	out, err := a.elb.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: g.TargetGroupArn})
	if err != nil {
		a.errorf(err, "elasticloadbalancing:DescribeTargetHealth")
		return tg
	}
	for _, d := range out.TargetHealthDescriptions {
		t := Target{}
		if d.Target != nil {
			t.ID, t.Port = aws.ToString(d.Target.Id), int(aws.ToInt32(d.Target.Port))
		}
		if h := d.TargetHealth; h != nil {
			t.State, t.Reason, t.Description = string(h.State), string(h.Reason), aws.ToString(h.Description)
		}
		tg.Targets = append(tg.Targets, t)
	}
	return tg
}

func intAttr(attrs map[string]string, k string) *int {
	v, err := strconv.Atoi(attrs[k])
	if err != nil {
		return nil
	}
	return &v
}

// next says what to run after the metrics: the logs of the worst window, or
// how to turn access logs on.
func next(lb *LoadBalancer, region string) *NextCommand {
	var w *Window
	for _, v := range lb.Verdicts {
		if v.Problem && v.Window != nil {
			w = v.Window
			break
		}
	}
	if w == nil {
		return nil
	}
	if lb.AccessLogs.Enabled && lb.AccessLogs.Bucket != "" {
		return &NextCommand{Command: fmt.Sprintf("lbdoctor logs %s --lb %s --region %s --since %s --until %s",
			lb.AccessLogs.URL(), lb.Name, region, w.Since.Format(time.RFC3339), w.Until.Format(time.RFC3339))}
	}
	bucket := "BUCKET"
	return &NextCommand{
		EnableCLI: fmt.Sprintf("aws elbv2 modify-load-balancer-attributes --region %s --load-balancer-arn %s --attributes Key=access_logs.s3.enabled,Value=true Key=access_logs.s3.bucket,Value=%s Key=access_logs.s3.prefix,Value=%s",
			region, lb.ARN, bucket, lb.Name),
		Terraform: fmt.Sprintf("access_logs {\n  bucket  = %q\n  prefix  = %q\n  enabled = true\n}", bucket, lb.Name),
	}
}

// instanceIPs maps the instance targets' IDs to their private IPs
// (ec2:DescribeInstances); "error:ID" holds why one is unknown.
func (a *auditor) instanceIPs(ctx context.Context, lbs []LoadBalancer) map[string]string {
	ips := map[string]string{}
	var ids []string
	for _, lb := range lbs {
		for _, g := range lb.TargetGroups {
			if g.TargetType != "instance" {
				continue
			}
			for _, t := range g.Targets {
				if _, seen := ips["error:"+t.ID]; !seen {
					ips["error:"+t.ID] = "not found by ec2:DescribeInstances"
					ids = append(ids, t.ID)
				}
			}
		}
	}
	if len(ids) == 0 {
		return ips
	}
	for start := 0; start < len(ids); start += 1000 {
		part := ids[start:min(start+1000, len(ids))]
		got, err := describeInstances(ctx, a.cfg, a.region, a.o.EndpointURL, part)
		if err != nil {
			a.errorf(err, "ec2:DescribeInstances")
			why := explain(err, "ec2:DescribeInstances", a.region).Error()
			for _, id := range part {
				ips["error:"+id] = why
			}
			continue
		}
		for id, ip := range got {
			ips[id] = ip
		}
	}
	return ips
}

// probeAll measures every registered IP or instance target, a few at a time.
func (a *auditor) probeAll(ctx context.Context, lbs []LoadBalancer) {
	type job struct {
		t    *Target
		url  string
		idle time.Duration
	}
	ips := a.instanceIPs(ctx, lbs)
	var jobs []job
	for i := range lbs {
		lb := &lbs[i]
		if lb.Type != string(elbtypes.LoadBalancerTypeEnumApplication) {
			continue
		}
		idle := 60 * time.Second
		if lb.IdleTimeoutSeconds != nil {
			idle = time.Duration(*lb.IdleTimeoutSeconds) * time.Second
		}
		for j := range lb.TargetGroups {
			g := &lb.TargetGroups[j]
			for k := range g.Targets {
				t := &g.Targets[k]
				host := t.ID
				if g.TargetType == "instance" {
					host = ips[t.ID]
				}
				switch {
				case g.TargetType == "instance" && host == "":
					t.ProbeNote = fmt.Sprintf("not probed: the instance's private IP is unknown (%s); run lbdoctor probe http://PRIVATE-IP:%d%s", ips["error:"+t.ID], t.Port, path(g))
				case g.TargetType != "ip" && g.TargetType != "instance":
					t.ProbeNote = fmt.Sprintf("not probed: a %s target; lbdoctor probes IP and instance targets", g.TargetType)
				case g.ProtocolVersion != "" && g.ProtocolVersion != "HTTP1":
					t.ProbeNote = "not probed: the target group speaks " + g.ProtocolVersion + "; the probe measures HTTP/1.1 keep-alive"
				default:
					scheme := "http"
					if g.Protocol == "HTTPS" {
						scheme = "https"
					}
					if strings.Contains(host, ":") {
						host = "[" + host + "]"
					}
					jobs = append(jobs, job{t, fmt.Sprintf("%s://%s:%d%s", scheme, host, t.Port, path(g)), idle})
				}
			}
		}
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			res, err := probe.Run(ctx, probe.Config{URL: j.url, LBIdle: j.idle, Max: a.o.ProbeMax, Insecure: true})
			if err != nil {
				j.t.ProbeNote = "unreachable: " + err.Error()
				return
			}
			j.t.Probe = res
		}()
	}
	wg.Wait()
	for i := range lbs {
		addProbeVerdict(&lbs[i], a.region)
	}
}

func path(g *TargetGrp) string {
	if strings.HasPrefix(g.HealthCheckPath, "/") {
		return g.HealthCheckPath
	}
	return "/"
}

// addProbeVerdict turns unsafe or racy probe results into a verdict.
func addProbeVerdict(lb *LoadBalancer, region string) {
	var bad []string
	var fix string
	for _, g := range lb.TargetGroups {
		for _, t := range g.Targets {
			r := t.Probe
			if r == nil || (r.Verdict != probe.Unsafe && r.Verdict != probe.Racy) {
				continue
			}
			what := fmt.Sprintf("%s:%d %s", t.ID, t.Port, r.Verdict)
			if r.IdleTimeoutSeconds != nil {
				what = fmt.Sprintf("%s:%d closes idle connections after %.1f s (%s)", t.ID, t.Port, *r.IdleTimeoutSeconds, r.Verdict)
			}
			bad = append(bad, what)
			if fix == "" {
				fix = r.Recommendation
			}
		}
	}
	if len(bad) == 0 {
		return
	}
	idle := "60 s (assumed)"
	if lb.IdleTimeoutSeconds != nil {
		idle = fmt.Sprintf("%d s", *lb.IdleTimeoutSeconds)
	}
	v := Verdict{ID: UnsafeTarget, Problem: true, Confidence: High, Count: int64(len(bad)),
		Summary: fmt.Sprintf("measured behind an idle timeout of %s: %s", idle, strings.Join(bad, "; ")), Fix: fix}
	// A measurement outranks what the metrics suggest.
	lb.Verdicts = append([]Verdict{v}, withoutHealthy(lb.Verdicts)...)
}

func withoutHealthy(vs []Verdict) []Verdict {
	var out []Verdict
	for _, v := range vs {
		if v.ID != Healthy {
			out = append(out, v)
		}
	}
	return out
}

// ebEnvironmentTag is the tag Elastic Beanstalk puts on the load balancers
// it makes.
const ebEnvironmentTag = "elasticbeanstalk:environment-name"

// beanstalk reads the load balancers' tags (20 per call, as DescribeTags
// takes) and, for those an Elastic Beanstalk environment made, says which
// hop the keep-alive race is with: the platform's nginx on each instance,
// which `lbdoctor check` reads in the application's source bundle.
func (a *auditor) beanstalk(ctx context.Context, lbs []LoadBalancer) {
	var arns []string
	for _, lb := range lbs {
		if lb.Type == string(elbtypes.LoadBalancerTypeEnumApplication) {
			arns = append(arns, lb.ARN)
		}
	}
	env := map[string]string{}
	for batch := range slices.Chunk(arns, 20) {
		out, err := a.elb.DescribeTags(ctx, &elb.DescribeTagsInput{ResourceArns: batch})
		if err != nil {
			a.errorf(err, "elasticloadbalancing:DescribeTags")
			return
		}
		for _, d := range out.TagDescriptions {
			for _, t := range d.Tags {
				if aws.ToString(t.Key) == ebEnvironmentTag {
					env[aws.ToString(d.ResourceArn)] = aws.ToString(t.Value)
				}
			}
		}
	}
	for i := range lbs {
		name := env[lbs[i].ARN]
		if name == "" {
			continue
		}
		lbs[i].ElasticBeanstalkEnvironment = name
		idle := 60
		if lbs[i].IdleTimeoutSeconds != nil {
			idle = *lbs[i].IdleTimeoutSeconds
		}
		if idle < 60 {
			continue // shorter than the platform's nginx: that hop is safe
		}
		than := "shorter than"
		if idle == 60 {
			than = "equal to"
		}
		lbs[i].Notes = append(lbs[i].Notes, fmt.Sprintf(
			"made by Elastic Beanstalk environment %s: its targets are the platform's nginx, whose nginx.conf keeps idle connections 60 s in its server block (75 s on the Docker platform), %s this idle timeout of %d s. Raise keepalive_timeout above %d s in the server block of a .platform/nginx/nginx.conf (.platform/nginx/conf.d cannot change it); lbdoctor check reads the application's bundle",
			name, than, idle, idle))
	}
}
