package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/lbdoctor/lbdoctor/probe"
)

// ProbeText writes the human-readable result of a probe, one phase a line.
func ProbeText(w io.Writer, r *probe.Result) error {
	p := &printer{w: w}
	p.f("lbdoctor probe %s\n", Safe(r.URL))
	server := Safe(r.Server)
	if server == "" {
		server = "(no Server header)"
	}
	p.f("  response:        %d, server %s", r.Status, server)
	if r.Stack != "" {
		p.f(", recognised as %s", r.Stack)
	}
	p.f("\n")
	if r.KeepaliveHeaderSeconds != nil {
		p.f("  Keep-Alive hint: timeout=%g s (a hint only; the wire decides)\n", *r.KeepaliveHeaderSeconds)
	} else {
		p.f("  Keep-Alive hint: none\n")
	}
	switch {
	case r.Verdict == probe.NoKeepalive:
		p.f("  keep-alive:      none (Connection: close)\n")
	case len(r.SamplesSeconds) > 0:
		var s []string
		for _, v := range r.SamplesSeconds {
			s = append(s, fmt.Sprintf("%.3f", v))
		}
		p.f("  idle close:      %s after %s s (samples on %d connections)\n", strings.ToUpper(r.Close), strings.Join(s, ", "), len(s))
	case r.RangeSeconds != nil:
		p.f("  idle close:      %s (no FIN/RST); reuse worked up to %.1f s\n", r.Close, r.RangeSeconds[0])
	}
	if c := r.Confirm; c != nil {
		p.f("  confirmed:       request after %.2f s idle %s; after %.2f s idle %s\n",
			c.BelowIdleSeconds, okText(c.BelowOK, c.BelowError), c.AboveIdleSeconds, okText(c.AboveOK, c.AboveError))
	}
	assumed := ""
	if r.LBIdleAssumed {
		assumed = " (assumed: ALB's default; set --lb-idle)"
	}
	p.f("  load balancer:   idle timeout %g s%s, margin %g s\n", r.LBIdleSeconds, assumed, r.MarginSeconds)
	p.f("  took:            %.1f s\n\n", r.WallSeconds)
	p.f("verdict: %s\n", strings.ToUpper(r.Verdict))
	p.f("  %s\n", Safe(r.Reason))
	switch r.Verdict {
	case probe.Unsafe:
		p.f("  The server closes idle connections before the load balancer does: it will close\n  connections the load balancer is about to reuse, and clients get 502s.\n")
	case probe.Racy:
		p.f("  The server's timeout is not longer than the load balancer's by the margin: the two\n  timers race (equal values race too), and clients get occasional 502s.\n")
	}
	// A setting of several lines (a Caddyfile block) keeps them, indented
	// under "fix: "; each line is escaped on its own.
	for i, line := range strings.Split(r.Recommendation, "\n") {
		if i == 0 {
			p.f("fix: %s\n", Safe(line))
		} else {
			p.f("     %s\n", Safe(line))
		}
	}
	if r.Alternative != "" {
		p.f("     %s\n", Safe(r.Alternative))
	}
	return p.err
}

func okText(ok bool, why string) string {
	if ok {
		return "succeeded on the same connection"
	}
	return "failed (" + why + ")"
}
