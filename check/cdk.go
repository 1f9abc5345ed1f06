package check

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// AWS CDK (TypeScript, JavaScript, Python, Java, Go, C#): an Application Load
// Balancer made by the L2 construct, by the ecs-patterns constructs that
// create one, or by the L1 CfnLoadBalancer. Read by pattern matching (the
// program is not run), so findings about it have medium confidence.
var (
	cdkImportRe = regexp.MustCompile(`aws-cdk-lib|aws_cdk|software\.amazon\.awscdk|awscdk|Amazon\.CDK`)
	cdkALBRe    = regexp.MustCompile(`\b(?:New)?(ApplicationLoadBalancer|ApplicationLoadBalancedFargateService|ApplicationLoadBalancedEc2Service|CfnLoadBalancer)\s*(?:\.\s*Builder\s*\.\s*create\s*)?\(`)
	// cdkIdleAnyRe is where a load balancer's idle timeout is given:
	// idleTimeout: (TypeScript), idle_timeout= (Python), .idleTimeout( (Java).
	cdkIdleAnyRe = regexp.MustCompile(`(?i)\bidle_?timeout\s*[:=(]\s*`)
	// cdkDurationRe is a CDK Duration of a unit: Duration.seconds(65),
	// cdk.Duration.minutes(5), Duration_Seconds(jsii.Number(65)) (Go).
	cdkDurationRe = regexp.MustCompile(`(?i)^(?:\w+\.)*Duration[._]?(seconds|minutes|millis|hours)\s*\(\s*(?:jsii\.Number\(\s*)?([\w.]+)\s*\)`)
	cdkAttrRe     = regexp.MustCompile(`idle_timeout\.timeout_seconds["']?\s*,?\s*(?:value\s*[:=]\s*)?["']?(\d+)`)
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
	case cdkIdleValue(src) != nil:
		i := cdkIdleValue(src)
		hop.Location.Line = line(i[0])
		text := string(src[i[1]:min(len(src), i[1]+200)])
		d, how, ok := cdkDuration(text, src)
		if !ok {
			hop.Known, hop.Idle, hop.Source = false, 0, "idleTimeout: "+pyArg(text)+": an expression lbdoctor cannot read"
			break
		}
		hop.Idle, hop.Source = d, "idleTimeout "+secs(d)+how
	case cdkAttrRe.Match(src):
		i := cdkAttrRe.FindSubmatchIndex(src)
		n, _ := strconv.Atoi(string(src[i[2]:i[3]]))
		hop.Idle, hop.Source, hop.Location.Line = time.Duration(n)*time.Second, "attribute idle_timeout.timeout_seconds="+strconv.Itoa(n), line(i[0])
	}
	return []Hop{hop}
}

// cdkAssetRe finds a container image built from a directory of the
// repository: ContainerImage.fromAsset (TypeScript, JavaScript, Java),
// from_asset (Python), FromAsset (C#), ContainerImage_FromAsset (Go).
var (
	cdkAssetRe    = regexp.MustCompile(`ContainerImage[._](?:fromAsset|from_asset|FromAsset)\s*\(`)
	cdkPathCallRe = regexp.MustCompile(`^\s*(?:path\.(?:join|resolve)|os\.path\.join|Path\.Combine|filepath\.Join)\s*\(`)
	cdkLiteralRe  = regexp.MustCompile(`["']([^"'\n]+)["']`)
)

// cdkAssetDirs returns the directories (relative to the checked root) of
// the container images a CDK program builds from assets. A path built
// from __dirname (path.join/path.resolve) is the source file's; a plain
// one is relative to where the CDK CLI runs, the nearest directory above
// the file with a cdk.json (else the file's). exists reports whether a
// path exists under the root.
func cdkAssetDirs(relp string, src []byte, exists func(string) bool) []string {
	var out []string
	fileDir := path.Dir(relp)
	for _, m := range cdkAssetRe.FindAllIndex(src, -1) {
		args := string(callArgs(src[:min(len(src), m[1]+400)], m[1]-1))
		var parts []string
		base := ""
		if loc := cdkPathCallRe.FindStringIndex(args); loc != nil {
			inner := string(callArgs([]byte(args), loc[1]-1))
			if strings.Contains(inner, "__dirname") || strings.Contains(inner, "__file__") {
				base = fileDir
			}
			for _, l := range cdkLiteralRe.FindAllStringSubmatch(inner, -1) {
				parts = append(parts, l[1])
			}
		} else if l := cdkLiteralRe.FindStringSubmatch(strings.SplitN(args, "{", 2)[0]); l != nil {
			parts = []string{l[1]} // the directory; what follows is options
		}
		if len(parts) == 0 {
			continue
		}
		bases := []string{base}
		if base == "" {
			bases = []string{cdkRoot(fileDir, exists), fileDir}
		}
		for _, b := range bases {
			d := path.Clean(path.Join(append([]string{b}, parts...)...))
			if d == ".." || strings.HasPrefix(d, "../") || path.IsAbs(d) || !exists(d) {
				continue
			}
			if !slices.Contains(out, d) {
				out = append(out, d)
			}
			break
		}
	}
	return out
}

// cdkRoot returns the nearest directory at or above dir holding a
// cdk.json, else dir.
func cdkRoot(dir string, exists func(string) bool) string {
	for d := dir; ; d = path.Dir(d) {
		if exists(path.Join(d, "cdk.json")) {
			return d
		}
		if d == "." || d == "/" || d == "" {
			return dir
		}
	}
}

// cdkDuration reads the CDK Duration that text starts with: its unit, and
// a number or a name the file assigns a number once (const IDLE = 120).
func cdkDuration(text string, src []byte) (d time.Duration, how string, ok bool) {
	m := cdkDurationRe.FindStringSubmatch(text)
	if m == nil {
		return 0, "", false
	}
	unit := map[string]time.Duration{"seconds": time.Second, "minutes": time.Minute, "millis": time.Millisecond, "hours": time.Hour}[strings.ToLower(m[1])]
	n, how, ok := numberOrConstant(m[2], src)
	return time.Duration(n) * unit, how, ok
}

// numberOrConstant reads an integer (65, 65_000) or a name that the file
// assigns an integer once (const IDLE = 120, IDLE = 120 in Python, IDLE :=
// 120 in Go); how then says so.
func numberOrConstant(expr string, src []byte) (n int64, how string, ok bool) {
	if n, err := strconv.ParseInt(strings.ReplaceAll(expr, "_", ""), 10, 64); err == nil {
		return n, "", true
	}
	if !jsIdentRe.MatchString(expr) {
		return 0, "", false
	}
	decl := regexp.MustCompile(`(?m)\b`+regexp.QuoteMeta(expr)+`\s*(?::\s*\w+\s*)?:?=\s*([0-9_]+)\s*;?\s*$`).FindAllSubmatch(src, 2)
	if len(decl) != 1 {
		return 0, "", false
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(string(decl[0][1]), "_", ""), 10, 64)
	return n, fmt.Sprintf(" (%s = %s)", expr, decl[0][1]), err == nil
}

// cdkIdleValue returns where the first idle timeout given a value is (the
// bounds of "idleTimeout: "), or nil; a field of a props type
// (idleTimeout: Duration;) gives none.
func cdkIdleValue(src []byte) []int {
	for _, i := range cdkIdleAnyRe.FindAllIndex(src, -1) {
		if !cdkTypeRe.MatchString(pyArg(string(src[i[1]:min(len(src), i[1]+200)]))) {
			return i
		}
	}
	return nil
}

// cdkTypeRe is a type where a value would be: Duration, cdk.Duration,
// number, Optional[Duration].
var cdkTypeRe = regexp.MustCompile(`^(?:[\w.]*Duration|number|int|Optional\[[\w.]*Duration\])?;?$`)
