package check

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// AWS CDK (TypeScript, JavaScript, Python, Java, Go, C#): an Application Load
// Balancer made by the L2 construct, by the ecs-patterns constructs that
// create one, or by the L1 CfnLoadBalancer. Read by pattern matching (the
// program is not run), so findings about it have medium confidence.
var (
	cdkImportRe  = regexp.MustCompile(`aws-cdk-lib|aws_cdk|software\.amazon\.awscdk|awscdk|Amazon\.CDK`)
	cdkALBRe     = regexp.MustCompile(`\b(?:New)?(ApplicationLoadBalancer|ApplicationLoadBalancedFargateService|ApplicationLoadBalancedEc2Service|CfnLoadBalancer)\s*(?:\.\s*Builder\s*\.\s*create\s*)?\(`)
	cdkIdleRe    = regexp.MustCompile(`(?i)idle_?timeout\s*[:=(]\s*(?:\w+\.)?Duration[._]?(?:seconds|Seconds|minutes|Minutes)\s*\(\s*(?:jsii\.Number\()?\s*(\d+)`)
	cdkIdleMinRe = regexp.MustCompile(`(?i)idle_?timeout\s*[:=(]\s*(?:\w+\.)?Duration[._]?minutes`)
	cdkAttrRe    = regexp.MustCompile(`idle_timeout\.timeout_seconds["']?\s*,?\s*(?:value\s*[:=]\s*)?["']?(\d+)`)
)

// parseCDK finds the load balancers a CDK program defines.
func parseCDK(path string, src []byte) []Hop {
	if !cdkImportRe.Match(src) {
		return nil
	}
	m := cdkALBRe.FindSubmatchIndex(src)
	if m == nil {
		return nil
	}
	if string(src[m[2]:m[3]]) == "CfnLoadBalancer" && bytes.Contains(src, []byte(`"network"`)) {
		return nil
	}
	line := func(i int) int { return bytes.Count(src[:i], []byte{'\n'}) + 1 }
	hop := Hop{Role: LB, Kind: "aws-cdk", Name: "CDK " + string(src[m[2]:m[3]]), Idle: 60 * time.Second, Known: true, Pattern: true,
		Source: "the construct's default idle timeout (60 s)", Location: Location{path, line(m[0])},
		Setting: func(d time.Duration) string {
			return fmt.Sprintf("idleTimeout: Duration.seconds(%d)  (loadBalancer props; idle_timeout in Python)", int64(d/time.Second))
		}}
	switch {
	case cdkIdleRe.Match(src):
		i := cdkIdleRe.FindSubmatchIndex(src)
		n, _ := strconv.Atoi(string(src[i[2]:i[3]]))
		d := time.Duration(n) * time.Second
		if cdkIdleMinRe.Match(src[i[0]:i[1]]) {
			d = time.Duration(n) * time.Minute
		}
		hop.Idle, hop.Source, hop.Location.Line = d, "idleTimeout "+secs(d), line(i[0])
	case cdkAttrRe.Match(src):
		i := cdkAttrRe.FindSubmatchIndex(src)
		n, _ := strconv.Atoi(string(src[i[2]:i[3]]))
		hop.Idle, hop.Source, hop.Location.Line = time.Duration(n)*time.Second, "attribute idle_timeout.timeout_seconds="+strconv.Itoa(n), line(i[0])
	}
	return []Hop{hop}
}
