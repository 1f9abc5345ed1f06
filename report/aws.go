package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/lbdoctor/lbdoctor/awsaudit"
)

// AWSText writes an account audit for people: per load balancer its
// configuration, targets, metric totals and verdicts, then what to run next.
// Everything the API returned passes through Safe.
func AWSText(w io.Writer, r *awsaudit.Report) error {
	p := &printer{w: w}
	account := r.Account
	if account == "" {
		account = "(unknown)"
	}
	p.f("lbdoctor aws: account %s, metrics %s to %s (%s, per %s)\n",
		Safe(account), r.Since.Format(time.RFC3339), r.Until.Format(time.RFC3339),
		awsaudit.SpanName(r.Until.Sub(r.Since)), awsaudit.PeriodName(time.Duration(r.PeriodSeconds)*time.Second))
	p.f("Metrics suggest; the access logs confirm: run the lbdoctor logs command shown.\n")
	for _, rg := range r.Regions {
		p.f("\n== %s ==\n", Safe(rg.Name))
		if rg.Error != "" {
			p.f("  could not be read: %s\n", Safe(rg.Error))
			continue
		}
		if len(rg.LoadBalancers) == 0 {
			p.f("  no load balancers\n")
		}
		for i := range rg.LoadBalancers {
			awsLB(p, &rg.LoadBalancers[i])
		}
	}
	if len(r.Errors) > 0 {
		p.f("\nnot read (the rest of the report stands):\n")
		for _, e := range r.Errors {
			p.f("  %s\n", Safe(e))
		}
	}
	p.f("\n%d of %d load balancers show a problem.\n", r.Problems(), r.LoadBalancerCount())
	return p.err
}

func awsLB(p *printer, lb *awsaudit.LoadBalancer) {
	p.f("\n%s (%s, %s)\n  %s\n", Safe(lb.Name), Safe(lb.Type), Safe(lb.Scheme), Safe(lb.ARN))
	if lb.ElasticBeanstalkEnvironment != "" {
		p.f("  made by Elastic Beanstalk environment %s\n", Safe(lb.ElasticBeanstalkEnvironment))
	}
	if lb.Type == "application" {
		idle := "unknown"
		if lb.IdleTimeoutSeconds != nil {
			idle = fmt.Sprintf("%d s", *lb.IdleTimeoutSeconds)
		}
		p.f("  idle timeout %s", idle)
		if lb.ClientKeepAliveSeconds != nil {
			p.f(", client keep-alive %d s", *lb.ClientKeepAliveSeconds)
		}
		if lb.DesyncMitigationMode != "" {
			p.f(", desync mitigation %s", Safe(lb.DesyncMitigationMode))
		}
		p.f("\n  access logs: %s; connection logs: %s\n", logText(lb.AccessLogs), logText(lb.ConnectionLogs))
	}
	if len(lb.Listeners) > 0 {
		var ls []string
		for _, l := range lb.Listeners {
			ls = append(ls, fmt.Sprintf("%s:%d", Safe(l.Protocol), l.Port))
		}
		p.f("  listeners: %s\n", strings.Join(ls, ", "))
	}
	for _, g := range lb.TargetGroups {
		healthy := 0
		for _, t := range g.Targets {
			if t.State == "healthy" {
				healthy++
			}
		}
		version := ""
		if g.ProtocolVersion != "" {
			version = " " + Safe(g.ProtocolVersion)
		}
		p.f("  target group %s (%s%s, %s targets, port %d): %d registered, %d healthy\n",
			Safe(g.Name), Safe(g.Protocol), version, Safe(g.TargetType), g.Port, len(g.Targets), healthy)
		for _, t := range g.Targets {
			p.f("    %s:%d %s", Safe(t.ID), t.Port, Safe(t.State))
			if t.Reason != "" {
				p.f(" (%s: %s)", Safe(t.Reason), Safe(t.Description))
			}
			switch {
			case t.Probe != nil:
				p.f("; probe: %s", strings.ToUpper(t.Probe.Verdict))
				if t.Probe.IdleTimeoutSeconds != nil {
					p.f(", closes idle connections after %.1f s", *t.Probe.IdleTimeoutSeconds)
				} else if t.Probe.Reason != "" {
					p.f(", %s", Safe(t.Probe.Reason))
				}
			case t.ProbeNote != "":
				p.f("; %s", Safe(t.ProbeNote))
			}
			p.f("\n")
		}
	}
	if m := lb.Metrics; m != nil {
		p.f("  metrics: %s requests; ELB 502 %s, 504 %s, 5XX %s; target 5XX %s; connection errors %s; unhealthy hosts at most %d\n",
			commas(m.Requests), commas(m.ELB502), commas(m.ELB504), commas(m.ELB5XX), commas(m.Target5XX), commas(m.ConnectionErrors), m.UnhealthyMax)
	}
	for _, v := range lb.Verdicts {
		conf := ""
		if v.Confidence != "" {
			conf = " (" + v.Confidence + " confidence)"
		}
		p.f("  verdict: %s%s\n    %s\n", strings.ToUpper(v.ID), conf, Safe(v.Summary))
		if v.Window != nil {
			p.f("    worst window: %s to %s\n", v.Window.Since.Format(time.RFC3339), v.Window.Until.Format(time.RFC3339))
		}
		if v.Fix != "" {
			p.f("    fix: %s\n", Safe(v.Fix))
		}
	}
	if n := lb.Next; n != nil {
		if n.Command != "" {
			p.f("  confirm with the access logs:\n    %s\n", Safe(n.Command))
		} else {
			p.f("  access logs are off; turn them on to confirm (the bucket needs the ELB log-delivery policy):\n    %s\n", Safe(n.EnableCLI))
			p.f("  or in Terraform (aws_lb):\n")
			for _, l := range strings.Split(n.Terraform, "\n") {
				p.f("    %s\n", Safe(l))
			}
		}
	}
	for _, n := range lb.Notes {
		p.f("  note: %s\n", Safe(n))
	}
}

func logText(l awsaudit.LogSetting) string {
	if !l.Enabled {
		return "off"
	}
	return Safe(l.URL())
}
