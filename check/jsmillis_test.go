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

// hapi starts its server with Hapi.server(...).start(), not listen(): it is
// Node's http.Server underneath, 5 s unless server.listener.keepAliveTimeout
// is set (hapi issue 3738: ALB 502s on EC2).
func TestHapiServer(t *testing.T) {
	proj := nodeProject{hasVersion: true, version: version{20, 0, 0}}
	for src, want := range map[string]time.Duration{
		"const Hapi = require('@hapi/hapi');\nconst server = Hapi.server({ port: 3000 });\nawait server.start();\n":                                            5 * time.Second,
		"const Hapi = require('@hapi/hapi');\nconst server = Hapi.server({ port: 3000 });\nserver.listener.keepAliveTimeout = 70000;\nawait server.start();\n": 70 * time.Second,
		// Seen in public hapi code: Hapi.Server without new, and a module
		// bound to a lower-case name.
		"const Hapi = require('@hapi/hapi');\nconst server = Hapi.Server({ host: 'localhost', port: 8080 });\n":            5 * time.Second,
		"const hapi = require('@hapi/hapi');\nconst init = async () => { const server = hapi.server({ port: 3000 }); };\n": 5 * time.Second,
		"import Hapi from '@hapi/hapi';\nconst server = new Hapi.Server({ port: 3000 });\n":                                5 * time.Second,
	} {
		hops, _ := parseNodeSource("server.js", []byte(src), proj)
		if len(hops) != 1 || hops[0].Idle != want {
			t.Errorf("%q: %+v, want one hop at %v", src, hops, want)
		}
	}
}
