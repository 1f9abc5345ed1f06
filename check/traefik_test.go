package check

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestTraefikFile(t *testing.T) {
	tests := []struct {
		name, path, src string
		// want: entryPoint name -> client-side idle; pool: the backend pool's idle
		want map[string]time.Duration
		pool time.Duration
	}{
		{"defaults", "traefik.yml", "entryPoints:\n  web:\n    address: ':80'\n", map[string]time.Duration{"web": 180 * time.Second}, 90 * time.Second},
		{"YAML with Jinja lines and values", "traefik.yml",
			"entryPoints:\n  web:\n    address: ':80'\n  {%- if x %}\n  websecure:\n    address: ':443'\n    transport:\n      respondingTimeouts:\n        idleTimeout: 65  # seconds\n  {%- endif %}\nserversTransport:\n  maxIdleConnsPerHost: 50\n  forwardingTimeouts:\n    idleConnTimeout: 1m30s\n",
			map[string]time.Duration{"web": 180 * time.Second, "websecure": 65 * time.Second}, 90 * time.Second},
		{"TOML", "traefik.toml",
			"[entryPoints]\n  [entryPoints.web]\n    address = \":80\"\n  [entryPoints.web.transport.respondingTimeouts]\n    idleTimeout = \"300s\"\n[serversTransport.forwardingTimeouts]\n  idleConnTimeout = \"45s\"\n",
			map[string]time.Duration{"web": 300 * time.Second}, 45 * time.Second},
		{"pooling off", "traefik.yaml", "entryPoints:\n  web:\n    address: ':80'\nserversTransport:\n  maxIdleConnsPerHost: -1\n", map[string]time.Duration{"web": 180 * time.Second}, 0},
		{"routers' entryPoints lists are not entryPoints", "traefik.yml",
			"entryPoints:\n  web:\n    address: ':80'\nhttp:\n  routers:\n    r:\n      entryPoints:\n        - web\n      service: app\n",
			map[string]time.Duration{"web": 180 * time.Second}, 90 * time.Second},
	}
	for _, tt := range tests {
		hops := parseTraefikFile(tt.path, []byte(tt.src))
		got := map[string]time.Duration{}
		for _, h := range hops {
			got[h.Name[len("Traefik entryPoint "):]] = h.Idle
			if h.UpstreamIdle != tt.pool {
				t.Errorf("%s: %s pool %s, want %s", tt.name, h.Name, h.UpstreamIdle, tt.pool)
			}
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: entryPoints %v, want %v", tt.name, got, tt.want)
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("%s: entryPoint %s idle %s, want %s", tt.name, k, got[k], v)
			}
		}
	}
}

func TestTraefikFlags(t *testing.T) {
	compose := "services:\n  traefik:\n    image: \"traefik:v2.11\"\n    command:\n      - \"--entrypoints.web.address=:80\"\n      - \"--entryPoints.web.transport.respondingTimeouts.idleTimeout=100\"\n      - --serverstransport.forwardingtimeouts.idleconntimeout=30s\n"
	hops := parseTraefikFlags("compose.yaml", []byte(compose))
	if len(hops) != 1 || hops[0].Idle != 100*time.Second || hops[0].UpstreamIdle != 30*time.Second || hops[0].Location.Line != 6 {
		t.Errorf("compose flags: %+v", hops)
	}
	k8s := "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: traefik\n          image: docker.io/library/traefik:3.1\n          args: [\"--entrypoints.websecure.address=:8443\"]\n"
	hops = parseTraefikFlags("traefik.yaml", []byte(k8s))
	if len(hops) != 1 || hops[0].Name != "Traefik entryPoint websecure" || hops[0].Idle != 180*time.Second || hops[0].UpstreamIdle != 90*time.Second {
		t.Errorf("Kubernetes args: %+v", hops)
	}
	// A compose override names no image: the entryPoint address flag is Traefik's own.
	hops = parseTraefikFlags("compose.deploy.yml", []byte("services:\n  proxy:\n    command:\n      - --providers.docker\n      - --entrypoints.https.address=:443\n"))
	if len(hops) != 1 || hops[0].Name != "Traefik entryPoint https" || hops[0].Location.Line != 5 {
		t.Errorf("compose override: %+v", hops)
	}
	// Other flags without a traefik image, or a traefik image without flags: nothing.
	for _, src := range []string{"services:\n  x:\n    image: nginx\n    command: --entrypoints.web.timeout=5\n", "services:\n  t:\n    image: traefik:v3\n"} {
		if hops := parseTraefikFlags("compose.yaml", []byte(src)); len(hops) != 0 {
			t.Errorf("%q: %+v", src, hops)
		}
	}
}

// TestTraefikEnv reads Traefik's static configuration from its environment
// variables, in the forms compose files and Kubernetes manifests write them.
func TestTraefikEnv(t *testing.T) {
	for _, c := range []struct {
		name, src  string
		hop        string
		idle, pool time.Duration
		line       int
	}{
		{"compose list", "services:\n  traefik:\n    image: traefik:v3.2\n    environment:\n      - TRAEFIK_PROVIDERS_DOCKER=true\n      - TRAEFIK_ENTRYPOINTS_WEB_ADDRESS=:80\n      - TRAEFIK_ENTRYPOINTS_WEB_TRANSPORT_RESPONDINGTIMEOUTS_IDLETIMEOUT=30s\n      - TRAEFIK_SERVERSTRANSPORT_FORWARDINGTIMEOUTS_IDLECONNTIMEOUT=20s\n",
			"Traefik entryPoint web", 30 * time.Second, 20 * time.Second, 7},
		{"compose map, a name with a dash", "services:\n  proxy:\n    image: \"traefik:3.6\"\n    environment:\n      TRAEFIK_ENTRYPOINTS_front-https_ADDRESS: \":443\"\n      TRAEFIK_ENTRYPOINTS_front-https_TRANSPORT_RESPONDINGTIMEOUTS_IDLETIMEOUT: \"75\"\n",
			"Traefik entryPoint front-https", 75 * time.Second, 90 * time.Second, 6},
		{"a name with an underscore, defaults", "services:\n  traefik:\n    image: traefik\n    environment:\n      - TRAEFIK_ENTRYPOINTS_web_secure_ADDRESS=:443\n",
			"Traefik entryPoint web_secure", 180 * time.Second, 90 * time.Second, 5},
		{"Kubernetes env", "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: traefik\n          image: traefik:v2.11\n          env:\n            - name: TRAEFIK_ENTRYPOINTS_WEB_ADDRESS\n              value: \":8000\"\n            - name: \"TRAEFIK_ENTRYPOINTS_WEB_TRANSPORT_RESPONDINGTIMEOUTS_IDLETIMEOUT\"\n              value: \"45s\"\n",
			"Traefik entryPoint web", 45 * time.Second, 90 * time.Second, 12},
		{"flags win over variables; a commented flag counts for nothing", "services:\n  traefik:\n    image: traefik:v3\n    command:\n      - --entrypoints.web.address=:80\n      # - --entrypoints.web.transport.respondingtimeouts.idletimeout=10\n    environment:\n      - TRAEFIK_ENTRYPOINTS_WEB_TRANSPORT_RESPONDINGTIMEOUTS_IDLETIMEOUT=30s\n",
			"Traefik entryPoint web", 180 * time.Second, 90 * time.Second, 5},
		{"a commented variable counts for nothing", "services:\n  traefik:\n    image: traefik:v3\n    environment:\n      - TRAEFIK_ENTRYPOINTS_WEB_ADDRESS=:80\n      #- TRAEFIK_ENTRYPOINTS_WEB_TRANSPORT_RESPONDINGTIMEOUTS_IDLETIMEOUT=30s\n",
			"Traefik entryPoint web", 180 * time.Second, 90 * time.Second, 5},
	} {
		hops := parseTraefikFlags("compose.yaml", []byte(c.src))
		if len(hops) != 1 || hops[0].Name != c.hop || hops[0].Idle != c.idle || hops[0].UpstreamIdle != c.pool || hops[0].Location.Line != c.line {
			t.Errorf("%s: %+v", c.name, hops)
		}
	}
	// The fix is given as a variable too.
	hops := parseTraefikFlags("compose.yaml", []byte("services:\n  traefik:\n    image: traefik:v3\n    environment:\n      - TRAEFIK_ENTRYPOINTS_WEB_ADDRESS=:80\n      - TRAEFIK_ENTRYPOINTS_WEB_TRANSPORT_RESPONDINGTIMEOUTS_IDLETIMEOUT=30s\n"))
	if len(hops) != 1 || hops[0].Setting == nil || hops[0].Setting(65*time.Second) != "TRAEFIK_ENTRYPOINTS_WEB_TRANSPORT_RESPONDINGTIMEOUTS_IDLETIMEOUT=65s" {
		t.Errorf("the fix of a variable: %+v", hops)
	}
	// Variables of other programs, or Traefik's without an entryPoint: nothing.
	for _, src := range []string{
		"services:\n  app:\n    image: myapp\n    environment:\n      - TRAEFIK_ENTRYPOINT=web\n",
		"services:\n  traefik:\n    image: traefik:v3\n    environment:\n      - TRAEFIK_PROVIDERS_DOCKER=true\n",
	} {
		if hops := parseTraefikFlags("compose.yaml", []byte(src)); len(hops) != 0 {
			t.Errorf("%q: %+v", src, hops)
		}
	}
}

// The pool of a Traefik fronts the applications of its environment: not a
// development start script, nor a Procfile's process (a platform's router
// runs those). cookiecutter/cookiecutter-django has that shape.
func TestTraefikFrontsItsEnvironment(t *testing.T) {
	r, err := Run(context.Background(), filepath.Join("..", "cmd", "lbdoctor", "testdata", "check", "traefik"), Options{Margin: 5 * time.Second, LBIdle: 60 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, f := range r.Findings {
		got[f.Rule.ID+" "+f.Location.String()] = true
		if f.Severity != Warning {
			t.Errorf("%s: severity %q, want warning (Traefik retries idempotent requests)", f.Location, f.Severity)
		}
	}
	for _, want := range []string{"LBD001 compose.yaml:10", "LBD001 deploy/production/api/start:4"} {
		if !got[want] {
			t.Errorf("missing %s in %v", want, got)
		}
	}
	if len(got) != 2 {
		t.Errorf("findings %v, want only the two above (not deploy/local, not Procfile)", got)
	}
}

// Named serversTransports in Traefik's dynamic configuration: services may
// use them, with an idle time of their own, instead of the default pool.
// Which one a service uses is not followed, so the default pool is not
// compared with the applications (a false alarm otherwise), and a note
// says so.
func TestTraefikDynamicTransports(t *testing.T) {
	compose := "services:\n  traefik:\n    image: traefik:v3.1\n    command:\n      - --entrypoints.web.address=:80\n      - --providers.file.filename=/etc/traefik/dynamic.yml\n  api:\n    build: ./api\n    command: gunicorn -k gthread --threads 4 app:app\n"
	dynamic := "http:\n  serversTransports:\n    short:\n      forwardingTimeouts:\n        idleConnTimeout: 1s\n  services:\n    api:\n      loadBalancer:\n        serversTransport: short\n        servers:\n          - url: http://api:8000\n"
	for _, withDynamic := range []bool{false, true} {
		files := map[string]string{"compose.yaml": compose}
		if withDynamic {
			files["traefik/dynamic.yml"] = dynamic
		}
		r, _ := checkFiles(t, files)
		pool := 0
		for _, f := range r.Findings {
			if strings.Contains(f.Chain, "Traefik serversTransport pool") {
				pool++
			}
		}
		noted := false
		for _, n := range r.Notes {
			noted = noted || strings.Contains(n, "traefik/dynamic.yml:2")
		}
		if withDynamic && (pool != 0 || !noted) || !withDynamic && (pool != 1 || noted) {
			t.Errorf("dynamic=%v: %d findings against the pool, note %v (%v)", withDynamic, pool, noted, r.Notes)
		}
	}
}

// A compose variable with a default in a Traefik flag is its default.
func TestTraefikFlagDefault(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{{"${TRAEFIK_IDLE:-30s}", 30 * time.Second, true}, {"${TRAEFIK_IDLE}", 0, false}, {"90", 90 * time.Second, true}} {
		if d, ok := traefikDuration(c.in); d != c.want || ok != c.ok {
			t.Errorf("%q: %s %v, want %s %v", c.in, d, ok, c.want, c.ok)
		}
	}
	hops := parseTraefikFlags("compose.yaml", []byte("services:\n  proxy:\n    image: traefik:v3\n    command:\n      - --entrypoints.web.address=:80\n      - --serverstransport.forwardingtimeouts.idleconntimeout=${POOL_IDLE:-1s}\n"))
	if len(hops) != 1 || hops[0].UpstreamIdle != time.Second {
		t.Errorf("hops %+v", hops)
	}
	// Without a default the value is set where Traefik runs: no pool is compared.
	hops = parseTraefikFlags("compose.yaml", []byte("services:\n  proxy:\n    image: traefik:v3\n    command:\n      - --entrypoints.web.address=:80\n      - --serverstransport.forwardingtimeouts.idleconntimeout=${POOL_IDLE}\n"))
	if len(hops) != 1 || hops[0].UpstreamIdle != 0 {
		t.Errorf("hops %+v", hops)
	}
}
