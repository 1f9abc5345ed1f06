package check

import (
	"strings"
	"testing"
	"time"
)

func TestKtorCIO(t *testing.T) {
	for _, c := range []struct {
		name, src string
		idle      time.Duration
		known     bool
		line      int
	}{
		{"default", "import io.ktor.server.cio.*\nimport io.ktor.server.engine.*\n\nfun main() {\n    embeddedServer(CIO, port = 8080, module = Application::module).start(wait = true)\n}\n", 45 * time.Second, true, 5},
		{"configured", "import io.ktor.server.cio.*\nfun main() {\n    embeddedServer(CIO, configure = {\n        connectionIdleTimeoutSeconds = 75\n    }) { module() }.start(true)\n}\n", 75 * time.Second, true, 4},
		{"from configuration", "import io.ktor.server.cio.*\nfun main() {\n  embeddedServer(\n    CIO,\n    configure = { connectionIdleTimeoutSeconds = config.idleSeconds }\n  ) {}\n}\n", 0, false, 5},
	} {
		hops := parseKtorCIO("Main.kt", []byte(c.src))
		if len(hops) != 1 || hops[0].Idle != c.idle || hops[0].Known != c.known || hops[0].Location.Line != c.line {
			t.Errorf("%s: %+v, want idle %v known %v at line %d", c.name, hops, c.idle, c.known, c.line)
		}
	}
	for _, src := range []string{
		"import io.ktor.server.netty.*\nfun main() { embeddedServer(Netty, port = 8080) {}.start(true) }\n",
		"import io.ktor.client.engine.cio.*\nval client = HttpClient(CIO)\n",
	} {
		if hops := parseKtorCIO("Main.kt", []byte(src)); len(hops) != 0 {
			t.Errorf("%q: %+v, want no CIO server", src, hops)
		}
	}
}

// Ktor's CIO EngineMain takes its idle timeout from application.conf (or
// application.yaml) under ktor.deployment.
func TestKtorEngineMain(t *testing.T) {
	r, _ := checkFiles(t, map[string]string{
		"svc/build.gradle.kts":                      "application {\n    mainClass.set(\"io.ktor.server.cio.EngineMain\")\n}\n",
		"svc/src/main/resources/application.conf":   "ktor {\n    deployment {\n        port = 8080\n        connectionIdleTimeoutSeconds = 30\n        connectionIdleTimeoutSeconds = ${?IDLE}\n    }\n}\n",
		"yaml/build.gradle.kts":                     "application { mainClass = \"io.ktor.server.cio.EngineMain\" }\n",
		"yaml/src/main/resources/application.yaml":  "ktor:\n  deployment:\n    port: 8080\n    connectionIdleTimeoutSeconds: 120\n",
		"plain/build.gradle.kts":                    "application { mainClass.set(\"io.ktor.server.cio.EngineMain\") }\n",
		"netty/build.gradle.kts":                    "application { mainClass.set(\"io.ktor.server.netty.EngineMain\") }\n",
		"netty/src/main/resources/application.conf": "ktor.deployment.port = 8080\n",
	})
	wantHops(t, r, map[string]string{
		"ktor-cio svc/src/main/resources/application.conf:4":  "30s ktor.deployment.connectionIdleTimeoutSeconds = 30 (unless IDLE is set where it runs)",
		"ktor-cio yaml/src/main/resources/application.yaml:4": "120s ktor.deployment.connectionIdleTimeoutSeconds = 120",
		"ktor-cio plain/build.gradle.kts:1":                   "45s the CIO engine's default",
	})
}

// wantHops checks a report's hops, "kind file:line" -> the start of
// "idle source", and that there are no others.
func wantHops(t *testing.T, r *Report, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for _, h := range r.Hops {
		got[h.Kind+" "+h.Location.String()] = secs(h.Idle) + " " + h.Source
	}
	if len(got) != len(want) {
		t.Fatalf("hops %v, want %v", got, want)
	}
	for k, v := range want {
		if !strings.HasPrefix(got[k], v) {
			t.Errorf("%s: %q, want it to start with %q", k, got[k], v)
		}
	}
}
