package probe

import (
	"testing"
	"time"
)

// A server that advertises its timeout and names itself nowhere is told by
// when it closes: Node a second after the advertised timeout, Tomcat at it
// or, its poller being late, up to most of a second after.
func TestFingerprintByCloseTime(t *testing.T) {
	for _, c := range []struct {
		hint, got float64
		want      string
	}{
		{3, 3.02, "tomcat"}, {3, 3.33, "tomcat"}, {20, 20.6, "tomcat"},
		{3, 4.01, "node"}, {5, 5.8, "node"}, {72, 73.0, "fastify"},
		{3, 2.5, ""}, {3, 5.5, ""},
	} {
		hint := c.hint
		res := &Result{KeepaliveHeaderSeconds: &hint}
		got := fingerprint(res, "", []time.Duration{time.Duration(c.got * float64(time.Second))})
		if got != c.want {
			t.Errorf("advertised %.0f s, closed at %.2f s: %q, want %q", c.hint, c.got, got, c.want)
		}
	}
}
