package probe

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/lbdoctor/lbdoctor/stacks"
)

// fingerprint guesses the server software from its headers and behaviour and
// returns a stacks ID ("" when unknown).
func fingerprint(res *Result, poweredBy string, samples []time.Duration) string {
	if st, ok := stacks.Identify(res.Server, poweredBy); ok {
		return st.ID
	}
	// Servers that announce nothing can still give themselves away.
	if res.KeepaliveHeaderSeconds != nil && len(samples) > 0 {
		hint := *res.KeepaliveHeaderSeconds
		got := samples[0].Seconds()
		switch {
		case math.Abs(got-(hint+1)) < 0.3 && hint == 72:
			return "fastify" // Node's one-second buffer on Fastify's 72 s default
		case math.Abs(got-(hint+1)) < 0.3:
			return "node" // Node closes a second after the timeout it advertises
		case got-hint > -0.3 && got-hint < 0.7 && res.Server == "":
			// Tomcat advertises its timeout and sends no Server header; its
			// NIO poller closes within a second after the timeout, late on
			// a busy machine (3.33 s for 3 s was seen), before Node would.
			return "tomcat"
		}
	}
	return ""
}

// recommend fills in the fix for the verdict.
func recommend(res *Result, cfg Config) {
	want := stacks.Recommended(cfg.LBIdle, cfg.Margin)
	switch res.Verdict {
	case Safe, NoKeepalive:
		res.Recommendation = "nothing to change"
		if res.Verdict == Safe && res.IdleTimeoutSeconds != nil {
			res.Recommendation = fmt.Sprintf("nothing to change: the server keeps idle connections longer than the load balancer (%s) plus the margin (%s)", cfg.LBIdle, cfg.Margin)
		}
		return
	case Unknown:
		res.Recommendation = "measure again with a longer --max, or check the server's configuration with lbdoctor check"
		return
	}
	if st, ok := stacks.Lookup(res.Stack); ok {
		// Several lines stay lines: "; " joins nginx's directives well
		// but breaks a Caddyfile block.
		res.Recommendation = fmt.Sprintf("%s: %s", st.Name, st.Setting(want))
		if strings.Contains(res.Recommendation, "\n") {
			res.Recommendation = st.Name + ":\n" + st.Setting(want)
		}
	} else {
		var parts []string
		for _, id := range []string{"spring-boot-tomcat", "node", "nginx", "apache", "gunicorn", "uvicorn", "go"} {
			st, _ := stacks.Lookup(id)
			parts = append(parts, fmt.Sprintf("%s: %s", st.Name, strings.ReplaceAll(st.Setting(want), "\n", "; ")))
		}
		res.Recommendation = fmt.Sprintf("set the server's idle keep-alive timeout to %s or more (server not recognised; common settings: %s)", want, strings.Join(parts, " | "))
	}
	if res.IdleTimeoutSeconds != nil {
		lower := math.Floor(*res.IdleTimeoutSeconds - cfg.Margin.Seconds())
		if lower >= 1 {
			res.Alternative = fmt.Sprintf("or lower the load balancer's idle timeout to %.0f s or less (ALB: aws elbv2 modify-load-balancer-attributes --load-balancer-arn ARN --attributes Key=idle_timeout.timeout_seconds,Value=%.0f)", lower, lower)
		} else {
			res.Alternative = "lowering the load balancer's idle timeout instead is not practical: the server's timeout is too short"
		}
	}
}
