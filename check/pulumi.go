package check

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Pulumi programs (TypeScript, JavaScript, Python, Go, C#): an Application
// Load Balancer made with aws.lb.LoadBalancer (also aws.alb), whose type is
// application unless it says otherwise, or with awsx's
// ApplicationLoadBalancer. idleTimeout defaults to 60 s, as in Terraform
// (the same provider). Read by pattern matching, as CDK programs are.
var (
	pulumiImportRe  = regexp.MustCompile(`@pulumi/awsx?\b|\bpulumi_awsx?\b|github\.com/pulumi/pulumi-aws(?:x)?/|\bPulumi\.Awsx?\b`)
	pulumiLBRe      = regexp.MustCompile(`\b(?:aws\.(?:lb|alb)\.LoadBalancer|awsx\.lb\.ApplicationLoadBalancer|(?:lb|alb)\.NewLoadBalancer|Aws\.(?:LB|Alb)\.LoadBalancer)\s*\(`)
	pulumiIdleRe    = regexp.MustCompile(`\b(?:idleTimeout\s*:|idle_timeout\s*=|IdleTimeout\s*[:=])\s*()`)
	pulumiTypeNetRe = regexp.MustCompile(`(?i)load_?balancer_?type\s*[:=]\s*(?:pulumi\.String\(\s*)?["'](network|gateway)["']`)
)

// parsePulumi finds the Application Load Balancer a Pulumi program defines.
func parsePulumi(path string, src []byte) []Hop {
	if !pulumiImportRe.Match(src) {
		return nil
	}
	m := pulumiLBRe.FindIndex(src)
	if m == nil || pulumiTypeNetRe.Match(src[m[0]:]) {
		return nil
	}
	line := func(i int) int { return bytes.Count(src[:i], []byte{'\n'}) + 1 }
	name := string(bytes.TrimRight(src[m[0]:m[1]], "( "))
	hop := Hop{Role: LB, Kind: "pulumi", Name: "Pulumi " + name, Idle: 60 * time.Second, Known: true, Pattern: true,
		Source: "the provider's default idle timeout (60 s)", Location: Location{path, line(m[0])},
		Setting: func(d time.Duration) string {
			return fmt.Sprintf("idleTimeout: %d  (the load balancer's args; idle_timeout in Python, IdleTimeout in Go and C#)", int64(d/time.Second))
		}}
	i := pulumiIdleRe.FindSubmatchIndex(src[m[0]:])
	if i == nil {
		return []Hop{hop}
	}
	hop.Location.Line = line(m[0] + i[0])
	expr := pyArg(string(src[m[0]+i[2] : min(len(src), m[0]+i[2]+200)]))
	if inner, ok := strings.CutPrefix(expr, "pulumi.Int("); ok { // Go
		expr = strings.TrimSpace(strings.TrimSuffix(inner, ")"))
	}
	n, how, ok := numberOrConstant(expr, src)
	if !ok {
		hop.Known, hop.Idle, hop.Source = false, 0, "idleTimeout: "+expr+": an expression lbdoctor cannot read"
		return []Hop{hop}
	}
	hop.Idle, hop.Source = time.Duration(n)*time.Second, "idleTimeout "+strconv.FormatInt(n, 10)+how
	return []Hop{hop}
}
