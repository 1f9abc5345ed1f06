package check

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty/gocty"
	"go.yaml.in/yaml/v3"
)

// CloudFront in front of a load balancer is a client with a connection
// pool: it keeps an idle connection to a custom origin for the origin's
// keep-alive timeout (5 s by default, up to 60 s, more by quota). The load
// balancer closes idle client connections at its own idle timeout, so the
// keep-alive race is the same one hop further out: CloudFront's keep-alive
// must be shorter than the load balancer's idle timeout, or a request sent
// on a connection the load balancer is closing gets CloudFront's 502.

// cloudFrontDefaultKeepalive is an origin's keep-alive timeout when it is
// not set (CloudFront's Origin settings, "Keep-alive timeout").
const cloudFrontDefaultKeepalive = 5 * time.Second

// cloudFrontFinding judges one origin: keepalive is CloudFront's keep-alive
// to the load balancer lb.
func cloudFrontFinding(dist, how string, keepalive time.Duration, at Location, lb Hop, fix string) (Finding, bool) {
	if !lb.Known || lb.Idle == Infinite || keepalive < lb.Idle {
		return Finding{}, false
	}
	want := max(int64(lb.Idle/time.Second)-5, 1)
	// A warning: whether CloudFront sends a request again when a reused
	// connection fails is not documented (a GET may be; a POST cannot be).
	return Finding{Rule: RuleClientPool, Location: at, Confidence: "high", Severity: Warning,
		Message: fmt.Sprintf("CloudFront distribution %s keeps idle connections to its origin %s %s (%s), not less than the load balancer's idle timeout (%s): a request CloudFront sends on a connection the load balancer is closing gets 502 (at least a POST, which cannot be sent again)",
			dist, lb.Name, secs(keepalive), how, secs(lb.Idle)),
		Chain: fmt.Sprintf("CloudFront %s %s -> %s %s (%s)", dist, secs(keepalive), lb.Name, secs(lb.Idle), lb.Source),
		Fix:   fmt.Sprintf(fix, want) + fmt.Sprintf("  (or raise %s's idle timeout above %s)", lb.Name, secs(keepalive)),
	}, true
}

// terraformCloudFront judges the custom origins of a directory's
// aws_cloudfront_distribution resources whose domain_name is one of its
// load balancers' DNS names (aws_lb.main.dns_name).
func terraformCloudFront(path string, src []byte, b *hclsyntax.Block, ctx *hcl.EvalContext, lbs []Hop) []Finding {
	if b.Type != "resource" || len(b.Labels) != 2 || b.Labels[0] != "aws_cloudfront_distribution" {
		return nil
	}
	dist := strings.Join(b.Labels, ".")
	var out []Finding
	for _, o := range b.Body.Blocks {
		if o.Type != "origin" {
			continue
		}
		dn, ok := o.Body.Attributes["domain_name"]
		if !ok {
			continue
		}
		text := exprText(src, dn.Expr.Range())
		var lb *Hop
		for i := range lbs {
			if name, _, _ := strings.Cut(lbs[i].Name, " "); strings.Contains(text, name+".") {
				lb = &lbs[i]
			}
		}
		if lb == nil {
			continue
		}
		for _, c := range o.Body.Blocks {
			if c.Type != "custom_origin_config" && c.Type != "vpc_origin_config" {
				continue
			}
			keepalive, how, at := cloudFrontDefaultKeepalive, "origin_keepalive_timeout not set: 5 s", Location{path, c.DefRange().Start.Line}
			if a, ok := c.Body.Attributes["origin_keepalive_timeout"]; ok {
				var n int64
				v, d := a.Expr.Value(ctx)
				if d.HasErrors() || !v.IsWhollyKnown() || v.IsNull() || gocty.FromCtyValue(v, &n) != nil {
					continue // not known: not judged
				}
				keepalive, how, at = time.Duration(n)*time.Second, fmt.Sprintf("origin_keepalive_timeout = %d", n), Location{path, a.SrcRange.Start.Line}
			}
			if f, ok := cloudFrontFinding(dist, how, keepalive, at, *lb, "origin_keepalive_timeout = %d"); ok {
				out = append(out, f)
			}
		}
	}
	return out
}

// cfnCloudFront judges the custom origins of a template's
// AWS::CloudFront::Distribution resources whose DomainName is one of its
// load balancers' DNSName (!GetAtt LB.DNSName).
func cfnCloudFront(path string, template, res *yaml.Node, lbs []Hop) []Finding {
	var out []Finding
	for i := 0; i+1 < len(res.Content); i += 2 {
		name, r := res.Content[i].Value, res.Content[i+1]
		if t, _ := scalar(get(r, "Type")); t != "AWS::CloudFront::Distribution" {
			continue
		}
		origins := get(r, "Properties", "DistributionConfig", "Origins")
		if origins == nil || origins.Kind != yaml.SequenceNode {
			continue
		}
		for _, o := range origins.Content {
			c := get(o, "CustomOriginConfig")
			if c == nil {
				c = get(o, "VpcOriginConfig") // an internal load balancer as a VPC origin
			}
			if c == nil {
				continue
			}
			refs := cfnRefs(get(o, "DomainName"))
			var lb *Hop
			for j := range lbs {
				for _, ref := range refs {
					if lbs[j].Name == ref {
						lb = &lbs[j]
					}
				}
			}
			if lb == nil {
				continue
			}
			keepalive, how, at := cloudFrontDefaultKeepalive, "OriginKeepaliveTimeout not set: 5 s", Location{path, c.Line}
			if v := get(c, "OriginKeepaliveTimeout"); v != nil {
				s, ok := cfnValue(template, v)
				var n int64
				if _, err := fmt.Sscan(s, &n); !ok || err != nil {
					continue
				}
				keepalive, how, at = time.Duration(n)*time.Second, "OriginKeepaliveTimeout: "+s, Location{path, v.Line}
			}
			if f, ok := cloudFrontFinding(name, how, keepalive, at, *lb, "OriginKeepaliveTimeout: %d"); ok {
				out = append(out, f)
			}
		}
	}
	return out
}

// cdkOriginRe finds a CDK LoadBalancerV2Origin (TypeScript, JavaScript,
// Python, Java, C#), and cdkKeepaliveRe its keepaliveTimeout.
var (
	cdkOriginRe    = regexp.MustCompile(`LoadBalancerV2Origin\s*(?:\.\s*Builder\s*\.\s*create\s*)?\(`)
	cdkKeepaliveRe = regexp.MustCompile(`(?i)keepalive_?timeout\s*[:=(]\s*(?:\w+\.)?Duration[._]?(seconds|minutes)\s*\(\s*(\d+)`)
)

// cdkCloudFront judges a CDK program's LoadBalancerV2Origin against the
// program's load balancer (parseCDK's hop): its keepaliveTimeout, 5 s
// unless set.
func cdkCloudFront(path string, src []byte, lbs []Hop) []Finding {
	if len(lbs) == 0 {
		return nil
	}
	var out []Finding
	for _, m := range cdkOriginRe.FindAllIndex(src, -1) {
		// Its props: up to the next origin, or a few lines on.
		end := min(len(src), m[1]+600)
		if next := cdkOriginRe.FindIndex(src[m[1]:end]); next != nil {
			end = m[1] + next[0]
		}
		keepalive, how := cloudFrontDefaultKeepalive, "keepaliveTimeout not set: 5 s"
		at := Location{path, bytes.Count(src[:m[0]], []byte{'\n'}) + 1}
		if k := cdkKeepaliveRe.FindSubmatchIndex(src[m[1]:end]); k != nil {
			n, _ := strconv.Atoi(string(src[m[1]+k[4] : m[1]+k[5]]))
			keepalive = time.Duration(n) * time.Second
			if strings.EqualFold(string(src[m[1]+k[2]:m[1]+k[3]]), "minutes") {
				keepalive = time.Duration(n) * time.Minute
			}
			how = "keepaliveTimeout " + secs(keepalive)
			at.Line = bytes.Count(src[:m[1]+k[0]], []byte{'\n'}) + 1
		}
		if f, ok := cloudFrontFinding("(CDK LoadBalancerV2Origin)", how, keepalive, at, lbs[0], "keepaliveTimeout: Duration.seconds(%d)"); ok {
			f.Confidence = "medium" // read by pattern matching
			out = append(out, f)
		}
	}
	return out
}
