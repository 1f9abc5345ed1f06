package check

import (
	"slices"
	"testing"
	"time"
)

// Quarkus and Micronaut services in one repository: the key in each
// application's own property files, Quarkus's %prod. profile winning over
// the plain key, an environment variable or -D property where the service
// starts winning over both, and projects that serve no HTTP (a REST client
// only, Micronaut on another runtime) getting no hop.
func TestQuarkusMicronaut(t *testing.T) {
	quarkusPom := "<project>\n<dependencies>\n<dependency><groupId>io.quarkus</groupId><artifactId>quarkus-rest-jackson</artifactId></dependency>\n</dependencies>\n</project>\n"
	r, _ := checkFiles(t, map[string]string{
		// Quarkus: %prod. wins over the plain key, %dev. never runs behind a load balancer.
		"orders/pom.xml": quarkusPom,
		"orders/src/main/resources/application.properties": "quarkus.http.port=8080\nquarkus.http.idle-timeout=120\n%prod.quarkus.http.idle-timeout=30s\n%dev.quarkus.http.idle-timeout=1s\n%staging.quarkus.http.idle-timeout=2m\n",
		// Quarkus, YAML, raised where its container starts.
		"billing/build.gradle.kts":                    "plugins { id(\"io.quarkus\") }\ndependencies { implementation(\"io.quarkus:quarkus-resteasy-reactive\") }\n",
		"billing/src/main/resources/application.yaml": "quarkus:\n  http:\n    idle-timeout: 20S\n",
		"billing/Dockerfile":                          "FROM eclipse-temurin:21\nENV QUARKUS_HTTP_IDLE_TIMEOUT=75s\nCMD [\"java\", \"-jar\", \"quarkus-run.jar\"]\n",
		"billing/src/test/resources/application.yaml": "quarkus:\n  http:\n    idle-timeout: 1s\n",
		// Quarkus with no setting: its 30 min default.
		"search/pom.xml": quarkusPom,
		"search/src/main/resources/application.properties":            "quarkus.datasource.db-kind=postgresql\n",
		"search/src/main/resources/application-kubernetes.properties": "quarkus.kubernetes.namespace=search\n",
		// A Quarkus command-line tool with the REST client only.
		"cli/pom.xml": "<project><dependency><groupId>io.quarkus</groupId><artifactId>quarkus-rest-client-jackson</artifactId></dependency></project>\n",
		"cli/src/main/resources/application.properties": "quarkus.http.idle-timeout=5s\n",
		// Micronaut on Netty, a placeholder with a default.
		"users/build.gradle":                       "plugins { id(\"io.micronaut.application\") version \"4.4.2\" }\nmicronaut {\n  runtime(\"netty\")\n}\n",
		"users/src/main/resources/application.yml": "micronaut:\n  application:\n    name: users\n  server:\n    idle-timeout: ${IDLE_TIMEOUT:45s}\n",
		// Micronaut (Maven), raised by -D in its start script.
		"catalog/pom.xml": "<project><properties><micronaut.runtime>netty</micronaut.runtime></properties></project>\n",
		"catalog/src/main/resources/application.properties": "micronaut.server.idleTimeout=10s\n",
		"catalog/run.sh": "#!/bin/sh\nexec java -Dmicronaut.server.idle-timeout=2m -jar catalog.jar\n",
		// Micronaut on Jetty: other settings, not read.
		"legacy/build.gradle":                       "micronaut {\n  runtime(\"jetty\")\n}\n",
		"legacy/src/main/resources/application.yml": "micronaut:\n  server:\n    idle-timeout: 1s\n",
	})
	wantHops(t, r, map[string]string{
		"quarkus orders/src/main/resources/application.properties:3":    "30s %prod.quarkus.http.idle-timeout=30s",
		"quarkus orders/src/main/resources/application.properties:5":    "120s %staging.quarkus.http.idle-timeout=2m",
		"quarkus billing/src/main/resources/application.yaml:3":         "75s QUARKUS_HTTP_IDLE_TIMEOUT=75s at billing/Dockerfile:2",
		"quarkus search/src/main/resources/application.properties:1":    "1800s Quarkus (Vert.x HTTP)'s default (1800s): application.properties sets no quarkus.http.idle-timeout",
		"micronaut users/src/main/resources/application.yml:5":          "45s micronaut.server.idle-timeout=${IDLE_TIMEOUT:45s} (its default: unless IDLE_TIMEOUT is set",
		"micronaut catalog/src/main/resources/application.properties:1": "120s -Dmicronaut.server.idle-timeout=2m at catalog/run.sh:2",
	})
	got := findingList(r)
	if want := []string{"LBD001 warning orders/src/main/resources/application.properties:3", "LBD001 warning users/src/main/resources/application.yml:5"}; !slices.Equal(got, want) {
		t.Errorf("findings %q, want %q", got, want)
	}
}

func TestPropertyServerOfBuild(t *testing.T) {
	for src, want := range map[string]string{
		`<groupId>io.quarkus</groupId><artifactId>quarkus-rest</artifactId>`: "quarkus",
		`implementation 'io.quarkus:quarkus-resteasy'`:                       "quarkus",
		`implementation("io.quarkus:quarkus-vertx-http")`:                    "quarkus",
		`implementation("io.quarkus:quarkus-rest-client")`:                   "",
		`<artifactId>quarkus-rest</artifactId>`:                              "", // no io.quarkus group: not Quarkus's
		`implementation("io.micronaut:micronaut-http-server-netty")`:         "micronaut",
		`micronaut { runtime "netty" }`:                                      "micronaut",
		`micronaut { runtime("tomcat") }`:                                    "",
		`<micronaut.runtime>netty</micronaut.runtime>`:                       "micronaut",
		`<micronaut.runtime>jetty</micronaut.runtime>`:                       "",
		`implementation("io.micronaut:micronaut-http-client")`:               "",
	} {
		srv, _, ok := propertyServerOfBuild([]byte(src))
		if srv.id != want || ok != (want != "") {
			t.Errorf("%s: %q, want %q", src, srv.id, want)
		}
	}
}

func TestQuarkusMicronautDurations(t *testing.T) {
	for _, c := range []struct {
		conv func(string) (time.Duration, bool)
		in   string
		want time.Duration
		ok   bool
	}{
		{quarkusDuration, "30", 30 * time.Second, true},
		{quarkusDuration, "30s", 30 * time.Second, true},
		{quarkusDuration, "30S", 30 * time.Second, true},
		{quarkusDuration, "30M", 30 * time.Minute, true},
		{quarkusDuration, "1h30m", 90 * time.Minute, true},
		{quarkusDuration, "1.5m", 90 * time.Second, true},
		{quarkusDuration, "500ms", 500 * time.Millisecond, true},
		{quarkusDuration, "2d", 48 * time.Hour, true},
		{quarkusDuration, "PT75S", 75 * time.Second, true},
		{quarkusDuration, "P1DT1H", 25 * time.Hour, true},
		{quarkusDuration, "0", Infinite, true},
		{quarkusDuration, "thirty", 0, false},
		{quarkusDuration, "-5s", 0, false},
		{quarkusDuration, "P", 0, false},
		{quarkusDuration, "99999999999999999999", 0, false},
		{micronautDuration, "30s", 30 * time.Second, true},
		{micronautDuration, "5m", 5 * time.Minute, true},
		{micronautDuration, "1500ms", 1500 * time.Millisecond, true},
		{micronautDuration, "500ms", Infinite, true}, // 0 whole seconds: Netty's handler is off
		{micronautDuration, "-1s", Infinite, true},
		{micronautDuration, "PT2M", 2 * time.Minute, true},
		{micronautDuration, "1d", 24 * time.Hour, true},
		{micronautDuration, "30", 0, false},
		{micronautDuration, "30S", 0, false},
	} {
		got, ok := c.conv(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("%q: %v %v, want %v %v", c.in, got, ok, c.want, c.ok)
		}
	}
}
