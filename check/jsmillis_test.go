package check

import (
	"testing"
	"time"
)

// keepAliveTimeout as Node projects write it. A bug read "65 * 1000" as
// 65 ms and reported a race that was not there.
func TestJSMillis(t *testing.T) {
	for _, c := range []struct {
		expr string
		want time.Duration // 0: not readable
	}{
		{"65000", 65 * time.Second},
		{"65_000", 65 * time.Second},
		{"65 * 1000", 65 * time.Second},
		{"(60 + 5) * 1000", 65 * time.Second},
		{"1000 * 65 // longer than the ALB", 65 * time.Second},
		{"Number(process.env.KEEP_ALIVE_TIMEOUT) || 65000", 65 * time.Second},
		{"Number(process.env.KEEP_ALIVE_TIMEOUT || 61000)", 61 * time.Second},
		{`parseInt(process.env.KEEP_ALIVE ?? "65000"`, 65 * time.Second},
		{"config.keepAlive", 0},
		{"keepAlive || 65000", 0}, // not an environment lookup: the variable may hold anything
		{"process.env.KA ? Number(process.env.KA) : 65000", 0},
		{"65 * ", 0},
	} {
		d, _, ok := jsMillis(c.expr)
		if c.want == 0 && ok || c.want != 0 && (!ok || d != c.want) {
			t.Errorf("%q: %s %v, want %s", c.expr, d, ok, c.want)
		}
	}
}
