package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/lbdoctor/lbdoctor/check"
	"github.com/lbdoctor/lbdoctor/report"
)

const checkUsage = `Usage: lbdoctor check [flags] DIR|FILE

Reads configuration in DIR: load balancers (Terraform, CloudFormation, CDK,
Pulumi, Kubernetes and Helm charts, Elastic Beanstalk), proxies (nginx, Apache,
HAProxy, Traefik, Caddy, Thruster, Elastic Beanstalk's nginx) and application
servers (Spring Boot, Tomcat, Jetty, Javalin, Quarkus, Micronaut, Node,
gunicorn, uvicorn, Puma, Go, Kestrel, axum, Apache in official Docker images,
...; the README lists them all), with the commands that containers run (ECS
task definitions, Kubernetes, compose, Terraform). It
resolves the effective idle keep-alive timeout of every hop, defaults included,
and reports each hop whose timeout is not strictly greater than the hop in
front of it. Without a load balancer in DIR it assumes one (--lb-idle).

A FILE is read alone (a Terraform file with the rest of its module), from
its repository's checkout, so that its build file and paths are found.

Examples:
  lbdoctor check .
  lbdoctor check src/main/resources/application.properties
  lbdoctor check --format sarif . > lbdoctor.sarif

Exit status: 1 when a finding at or above --fail-on exists, 0 otherwise,
2 on usage errors.
`

func runCheck(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("check", checkUsage, stderr)
	lbIdle := fs.Duration("lb-idle", 60*time.Second, "idle timeout assumed for the load balancer when DIR has none")
	margin := fs.Duration("margin", 5*time.Second, "least a backend should exceed the hop in front")
	format := fs.String("format", "text", "output format: text, json or sarif")
	failOn := fs.String("fail-on", "error", "exit 1 for findings at or above: error, warning or info")
	noIgnore := fs.Bool("no-ignore", false, "also read files that .gitignore excludes")
	helm := fs.String("helm", "", "the helm program that renders Helm charts (default: helm on PATH); off: do not render")
	var helmValues, helmSet multiFlag
	fs.Var(&helmValues, "helm-values", "a values `FILE` for every Helm chart rendered (helm template -f); repeatable")
	fs.Var(&helmSet, "helm-set", "a `key=value` for every Helm chart rendered (helm template --set); repeatable")
	dirs, err := parseInterleaved(fs, args)
	if err != nil {
		if isHelp(err) {
			return exitOK
		}
		return exitUsage
	}
	if len(dirs) != 1 {
		fmt.Fprintln(stderr, "lbdoctor check: exactly one DIR or FILE is needed")
		return exitUsage
	}
	threshold := check.Severity(*failOn).Rank()
	if threshold == 0 {
		fmt.Fprintf(stderr, "lbdoctor check: --fail-on must be error, warning or info, not %q\n", *failOn)
		return exitUsage
	}
	r, err := check.Run(ctx, dirs[0], check.Options{LBIdle: *lbIdle, Margin: *margin, NoIgnore: *noIgnore, Helm: *helm, HelmValues: helmValues, HelmSet: helmSet})
	if err != nil {
		fmt.Fprintf(stderr, "lbdoctor check: %s\n", report.Safe(err.Error()))
		return exitUsage
	}
	switch *format {
	case "text":
		err = report.CheckText(stdout, r)
	case "json":
		err = report.JSON(stdout, report.CheckJSONOf(r))
	case "sarif":
		err = report.CheckSARIF(stdout, r, sarifVersion(currentVersion().Version))
	default:
		fmt.Fprintf(stderr, "lbdoctor check: --format must be text, json or sarif, not %q\n", *format)
		return exitUsage
	}
	if err != nil {
		return exitUsage
	}
	for _, f := range r.Findings {
		if f.Level().Rank() >= threshold {
			return exitProblem
		}
	}
	return exitOK
}
