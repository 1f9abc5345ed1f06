package check

import (
	"testing"
	"time"
)

func TestDropwizardDuration(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"30 seconds", 30 * time.Second, true},
		{"90s", 90 * time.Second, true},
		{"1 minute", time.Minute, true},
		{"2m", 2 * time.Minute, true},
		{"500ms", 500 * time.Millisecond, true},
		{"75000 milliseconds", 75 * time.Second, true},
		{"1 hour", time.Hour, true},
		{"${IDLE_TIMEOUT:-75 seconds}", 75 * time.Second, true},
		{"${IDLE_TIMEOUT}", 0, false},
		{"30", 0, false}, // Dropwizard's Duration needs a unit
		{"soon", 0, false},
	} {
		got, ok := dropwizardDuration(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("dropwizardDuration(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestDropwizardConfig(t *testing.T) {
	for _, c := range []struct {
		name, src string
		idle      time.Duration
		known     bool
		line      int
	}{
		{"no server section", "logging:\n  level: INFO\n", 30 * time.Second, true, 1},
		{"default server, no idleTimeout", "server:\n  applicationConnectors:\n    - type: http\n      port: 8080\n", 30 * time.Second, true, 3},
		{"default server, idleTimeout", "server:\n  applicationConnectors:\n    - type: http\n      port: 8080\n      idleTimeout: 75 seconds\n  adminConnectors:\n    - type: http\n      port: 8081\n      idleTimeout: 1 second\n", 75 * time.Second, true, 5},
		{"the first HTTP connector", "server:\n  applicationConnectors:\n    - type: https\n      port: 8443\n      idleTimeout: 90s\n    - type: http\n      idleTimeout: 10s\n", 90 * time.Second, true, 5},
		{"simple server", "server:\n  type: simple\n  applicationContextPath: /app\n  connector:\n    type: http\n    port: 8080\n    idleTimeout: 2 minutes\n", 2 * time.Minute, true, 7},
		{"a variable without default", "server:\n  applicationConnectors:\n    - type: http\n      idleTimeout: ${IDLE}\n", 0, false, 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			hop, ok := parseDropwizardConfig("config.yml", []byte(c.src))
			if !ok || hop.Idle != c.idle || hop.Known != c.known || hop.Location.Line != c.line || hop.Kind != "dropwizard" {
				t.Errorf("got %+v (ok %v), want idle %v known %v at line %d", hop, ok, c.idle, c.known, c.line)
			}
		})
	}
}

func TestDropwizardApp(t *testing.T) {
	for _, c := range []struct {
		name, src string
		line      int
	}{
		{"Java", "package a;\n\nimport io.dropwizard.core.Application;\n\npublic class ShopApplication extends Application<ShopConfiguration> {\n}\n", 5},
		{"Kotlin", "import io.dropwizard.core.Application\n\nclass ShopApp : Application<ShopConfig>() {\n}\n", 3},
		{"a generic bound is not a class", "import io.dropwizard.core.Application;\nclass Support<C> { private final Class<? extends Application<C>> app; }\n", 0},
		{"a stand-in for tests", "import io.dropwizard.core.Application;\nclass FakeApplication extends Application<Configuration> {}\n", 0},
		{"not Dropwizard", "import javafx.application.Application;\npublic class Main extends Application<X> {}\n", 0},
	} {
		if got := dropwizardApp([]byte(c.src)); got != c.line {
			t.Errorf("%s: line %d, want %d", c.name, got, c.line)
		}
	}
}

// A repository with two Dropwizard services and a library built on
// Dropwizard: each service gets its own configuration file (the nearest
// module claims it), the one without a server section gets the default at
// its configuration, and the library, which has no Application class, none.
func TestDropwizardRepository(t *testing.T) {
	app := func(pkg, class string) string {
		return "package " + pkg + ";\nimport io.dropwizard.core.Application;\npublic class " + class + " extends Application<Cfg> {}\n"
	}
	pom := "<project><dependencies><dependency><groupId>io.dropwizard</groupId><artifactId>dropwizard-core</artifactId></dependency></dependencies></project>\n"
	r, _ := checkFiles(t, map[string]string{
		"pom.xml":        pom,
		"orders/pom.xml": pom,
		"orders/src/main/java/shop/OrdersApp.java":   app("shop", "OrdersApp"),
		"orders/config/prod.yml":                     "server:\n  applicationConnectors:\n    - type: http\n      port: 8080\n      idleTimeout: 75 seconds\n",
		"billing/build.gradle":                       "dependencies { implementation 'io.dropwizard:dropwizard-core:4.0.7' }\n",
		"billing/src/main/java/shop/BillingApp.java": app("shop", "BillingApp"),
		"billing/billing.yml":                        "server:\n  type: simple\n  connector:\n    type: http\n    port: 8080\n",
		"common/pom.xml":                             pom,
		"common/src/main/java/shop/Health.java":      "package shop;\nimport io.dropwizard.core.setup.Environment;\nclass Health {}\n",
	})
	got := map[string]time.Duration{}
	for _, h := range r.Hops {
		if h.Kind == "dropwizard" {
			got[h.Location.String()] = h.Idle
		}
	}
	want := map[string]time.Duration{"orders/config/prod.yml:5": 75 * time.Second, "billing/billing.yml:4": 30 * time.Second}
	if len(got) != len(want) {
		t.Fatalf("hops %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
	if len(r.Findings) != 1 || r.Findings[0].Location.File != "billing/billing.yml" || r.Findings[0].Rule.ID != "LBD001" {
		t.Errorf("findings %+v, want one LBD001 for billing's 30 s", r.Findings)
	}
}
