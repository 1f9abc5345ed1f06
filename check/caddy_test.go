package check

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// caddyfiles are Caddyfiles as projects write them, with what lbdoctor must
// read from each: the role, the idle timeout facing the load balancer and
// the reverse_proxy pool (0: none).
var caddyfiles = []struct {
	name, src string
	role      Role
	idle      time.Duration
	pool      time.Duration
}{
	{"site proxying, defaults", "example.com {\n\treverse_proxy app:8000\n}\n", Proxy, 5 * time.Minute, 2 * time.Minute},
	{"global idle and transport keepalive", `{
	email admin@example.com
	servers {
		timeouts {
			read_body 10s
			idle 30s
		}
	}
}

{$DOMAIN:localhost} {
	encode gzip
	handle /api/* {
		reverse_proxy api:8080 {
			header_up Host {upstream_hostport}
			transport http {
				keepalive 90s
				keepalive_idle_conns 10
			}
		}
	}
	handle {
		root * /srv
		file_server
	}
}
`, Proxy, 30 * time.Second, 90 * time.Second},
	{"keepalive off", ":80 {\n\treverse_proxy web:3000 {\n\t\ttransport http {\n\t\t\tkeepalive off\n\t\t}\n\t}\n}\n", Proxy, 5 * time.Minute, 0},
	{"the longest pool counts", `a.example.com {
	reverse_proxy a:1 {
		transport http {
			keepalive 30s
		}
	}
}
b.example.com {
	reverse_proxy b:1
}
`, Proxy, 5 * time.Minute, 2 * time.Minute},
	{"days", "{\n\tservers {\n\t\ttimeouts {\n\t\t\tidle 1d\n\t\t}\n\t}\n}\n:8080 {\n\treverse_proxy x:1 {\n\t\ttransport http {\n\t\t\tkeepalive 45s\n\t\t}\n\t}\n}\n", Proxy, 24 * time.Hour, 45 * time.Second},
	{"per-listener servers: the shortest idle", "{\n\tservers :443 {\n\t\ttimeouts {\n\t\t\tidle 2m\n\t\t}\n\t}\n\tservers :80 {\n\t\ttimeouts {\n\t\t\tidle 40s\n\t\t}\n\t}\n}\n:80 {\n\treverse_proxy x:1\n}\n", Proxy, 40 * time.Second, 2 * time.Minute},
	{"keepalive from a placeholder's default", ":80 {\n\treverse_proxy web:3000 {\n\t\ttransport http {\n\t\t\tkeepalive {$KEEPALIVE:90s}\n\t\t}\n\t}\n}\n", Proxy, 5 * time.Minute, 90 * time.Second},
	{"static site: Caddy is the application", "# the site\nexample.com {\n\troot * /var/www # files\n\tfile_server\n}\n", App, 5 * time.Minute, 0},
	{"php_fastcgi: not an HTTP pool", "example.com {\n\troot * /var/www\n\tphp_fastcgi php:9000\n\tfile_server\n}\n", App, 5 * time.Minute, 0},
}

func TestCaddyfile(t *testing.T) {
	for _, c := range caddyfiles {
		t.Run(c.name, func(t *testing.T) {
			hops := parseCaddyfile("Caddyfile", []byte(c.src))
			if len(hops) != 1 {
				t.Fatalf("%d hops, want 1", len(hops))
			}
			h := hops[0]
			if h.Role != c.role || !h.Known || h.Idle != c.idle || h.UpstreamIdle != c.pool {
				t.Errorf("role %s idle %s pool %s (%s), want %s %s %s", h.Role, h.Idle, h.UpstreamIdle, h.Source, c.role, c.idle, c.pool)
			}
		})
	}
}

// The same Caddyfiles through Caddy's own parser (caddy adapt, from the
// Debian package the test script installs): its JSON must give the values
// lbdoctor read, so the reader agrees with the real thing, defaults aside
// (Caddy leaves defaults out of its JSON: 5 min idle, 2 min keepalive).
func TestCaddyfileAgreesWithCaddy(t *testing.T) {
	bin, err := exec.LookPath("caddy")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("caddy is not installed: scripts/install-test-deps should have installed it")
		}
		t.Skip("caddy is not installed (run scripts/install-test-deps)")
	}
	for _, c := range caddyfiles {
		t.Run(c.name, func(t *testing.T) {
			role, idle, pool, out := caddyAdapt(t, bin, c.src)
			if role != c.role || idle != c.idle || pool != c.pool {
				t.Errorf("caddy adapt says role %s idle %s pool %s; the table (and lbdoctor) %s %s %s\n%s",
					role, idle, pool, c.role, c.idle, c.pool, out)
			}
		})
	}
}

// caddyAdapt runs Caddy's own Caddyfile adapter on src and reads from its
// JSON what lbdoctor reads from the Caddyfile: the role (a proxy when a
// reverse_proxy speaks HTTP to its upstreams), the shortest server idle
// timeout and the longest pool keepalive, with Caddy's defaults filled in.
func caddyAdapt(t *testing.T, bin, src string) (role Role, idle, pool time.Duration, out string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "Caddyfile")
	os.WriteFile(file, []byte(src), 0o644)
	cmd := exec.Command(bin, "adapt", "--config", file, "--adapter", "caddyfile")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("caddy adapt: %v", err)
	}
	var cfg struct {
		Apps struct {
			HTTP struct {
				Servers map[string]json.RawMessage `json:"servers"`
			} `json:"http"`
		} `json:"apps"`
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	pool = -1
	proxies := false
	for _, server := range cfg.Apps.HTTP.Servers {
		var s struct {
			Idle time.Duration `json:"idle_timeout"`
		}
		json.Unmarshal(server, &s)
		if s.Idle == 0 {
			s.Idle = 5 * time.Minute
		}
		if idle == 0 || s.Idle < idle {
			idle = s.Idle
		}
		var v any
		json.Unmarshal(server, &v)
		for _, h := range reverseProxies(v) {
			tr, _ := h["transport"].(map[string]any)
			if tr != nil && tr["protocol"] != "http" {
				continue // fastcgi
			}
			proxies = true
			p := 2 * time.Minute
			if ka, ok := tr["keep_alive"].(map[string]any); ok {
				if ka["enabled"] == false {
					p = 0
				} else if n, ok := ka["idle_timeout"].(float64); ok {
					p = time.Duration(n)
				}
			}
			if p > pool {
				pool = p
			}
		}
	}
	role = App
	if proxies {
		role = Proxy
	} else {
		pool = 0
	}
	return role, idle, pool, strings.TrimSpace(string(raw))
}

// reverseProxies returns every reverse_proxy handler in Caddy's JSON.
func reverseProxies(v any) []map[string]any {
	var found []map[string]any
	switch x := v.(type) {
	case map[string]any:
		if x["handler"] == "reverse_proxy" {
			found = append(found, x)
		}
		for _, e := range x {
			found = append(found, reverseProxies(e)...)
		}
	case []any:
		for _, e := range x {
			found = append(found, reverseProxies(e)...)
		}
	}
	return found
}

// Caddy in front of a FastAPI app in one compose project: the ALB (assumed)
// faces Caddy's 5 min, which is fine; Caddy's pool keeps connections 2 min
// and uvicorn closes them after 5 s, a race Caddy's transport hides for
// idempotent requests only, so a warning with both fixes.
func TestCaddyFrontsApplications(t *testing.T) {
	dir := t.TempDir()
	write := fileWriter(dir)
	write("compose.yaml", "services:\n  caddy:\n    image: caddy:2\n  api:\n    build: ./api\n    command: uvicorn app.main:app --host 0.0.0.0 --port 8000\n")
	write("Caddyfile", "{$DOMAIN} {\n\treverse_proxy api:8000\n}\n")
	r, _ := runCheck(t, dir)
	var pool []Finding
	for _, f := range r.Findings {
		if strings.Contains(f.Chain, "Caddy reverse_proxy pool") {
			pool = append(pool, f)
		} else if f.Level() != Info {
			t.Errorf("unexpected finding: %s %s", f.Rule.ID, f.Message)
		}
	}
	if len(pool) != 1 {
		t.Fatalf("findings against Caddy's pool: %+v", r.Findings)
	}
	f := pool[0]
	if f.Rule.ID != "LBD001" || f.Level() != Warning || !strings.Contains(f.Message, "idempotent") ||
		!strings.Contains(f.Fix, "--timeout-keep-alive 125") {
		t.Errorf("finding %s %s: %s\nfix: %s", f.Rule.ID, f.Level(), f.Message, f.Fix)
	}
}

// A placeholder without a default is set where Caddy runs, not here: its
// pool is not compared rather than taken for the 2 min default.
func TestCaddyPlaceholderWithoutDefault(t *testing.T) {
	hops := parseCaddyfile("Caddyfile", []byte(":80 {\n\treverse_proxy web:3000 {\n\t\ttransport http {\n\t\t\tkeepalive {$KEEPALIVE}\n\t\t}\n\t}\n}\n"))
	if len(hops) != 1 || hops[0].Role != Proxy || hops[0].UpstreamIdle != 0 {
		t.Errorf("hops %+v", hops)
	}
}
