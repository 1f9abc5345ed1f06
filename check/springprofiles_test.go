package check

import (
	"strings"
	"testing"
	"time"
)

const springTestPom = `<project><parent><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-parent</artifactId><version>3.3.4</version></parent>
<dependencies><dependency><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-web</artifactId></dependency></dependencies></project>
`

// springTomcatHops returns the Tomcat hops of r by name.
func springTomcatHops(r *Report) map[string]Hop {
	got := map[string]Hop{}
	for _, h := range r.Hops {
		if h.Kind == "spring-boot-tomcat" {
			got[h.Name] = h
		}
	}
	return got
}

// Spring's relaxed binding: a property file may spell a key in kebab, camel
// or underscore case, an environment variable with the dashes removed or
// (the legacy form) turned into underscores; java.util.Properties also
// separates a key from its value with a blank.
func TestSpringRelaxedBinding(t *testing.T) {
	const res = "src/main/resources/"
	cases := []struct {
		name  string
		files map[string]string
		want  time.Duration
	}{
		{"camel case in YAML", map[string]string{res + "application.yml": "server:\n  tomcat:\n    keepAliveTimeout: 70s\n"}, 70 * time.Second},
		{"underscores in YAML", map[string]string{res + "application.yml": "server:\n  tomcat:\n    keep_alive_timeout: 70s\n"}, 70 * time.Second},
		{"camel case in properties", map[string]string{res + "application.properties": "server.tomcat.keepAliveTimeout=75000\n"}, 75 * time.Second},
		{"camel case connection timeout", map[string]string{res + "application.properties": "server.tomcat.connectionTimeout=20000\n"}, 20 * time.Second},
		{"a blank as separator", map[string]string{res + "application.properties": "server.tomcat.keep-alive-timeout 80s\n"}, 80 * time.Second},
		{"blanks around a colon", map[string]string{res + "application.properties": "server.tomcat.keep-alive-timeout : 85s\n"}, 85 * time.Second},
		{"the last spelling wins", map[string]string{res + "application.properties": "server.tomcat.keep-alive-timeout=20s\nserver.tomcat.keepAliveTimeout=90s\n"}, 90 * time.Second},
		{"legacy environment variable", map[string]string{res + "application.properties": "spring.application.name=orders\n",
			"docker-compose.yml": "services:\n  app:\n    build: .\n    environment:\n      - SERVER_TOMCAT_KEEP_ALIVE_TIMEOUT=70000\n"}, 70 * time.Second},
		{"-D in camel case", map[string]string{res + "application.properties": "spring.application.name=orders\n",
			"Dockerfile": "FROM eclipse-temurin:21\nENTRYPOINT [\"java\", \"-Dserver.tomcat.keepAliveTimeout=65s\", \"-jar\", \"/app.jar\"]\n"}, 65 * time.Second},
		{"nothing set", map[string]string{res + "application.properties": "server.tomcat.keep-alive-timeouts=90s\nserver.port=8080\n"}, 60 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.files["pom.xml"] = springTestPom
			r, _ := checkFiles(t, c.files)
			hops := springTomcatHops(r)
			if len(hops) != 1 {
				t.Fatalf("hops %+v, want one", hops)
			}
			for _, h := range hops {
				if !h.Known || h.Idle != c.want {
					t.Errorf("%s known=%v (%s), want %s", h.Idle, h.Known, h.Source, c.want)
				}
			}
		})
	}
}

// A profile's file wins over application.properties where the profile is
// active; where the repository does not say which profile runs, a default
// that only a production profile raises is not judged on that default.
func TestSpringProfiles(t *testing.T) {
	const res = "src/main/resources/"
	const app = "Spring Boot 3.3.4 (embedded Tomcat)"
	cases := []struct {
		name  string
		files map[string]string
		want  map[string]time.Duration // hop name -> idle (0: unknown)
		why   string                   // in the application's hop's source
	}{
		{"SPRING_PROFILES_ACTIVE in the Dockerfile", map[string]string{res + "application.properties": "spring.application.name=orders\n",
			res + "application-prod.properties": "server.tomcat.keep-alive-timeout=70s\n",
			"Dockerfile":                        "FROM eclipse-temurin:21\nENV SPRING_PROFILES_ACTIVE=prod\n"},
			map[string]time.Duration{app: 70 * time.Second}, "active by SPRING_PROFILES_ACTIVE=prod"},
		{"SPRING_PROFILES_ACTIVE in .ebextensions", map[string]string{res + "application.properties": "spring.application.name=orders\n",
			res + "application-prod.properties": "server.tomcat.keep-alive-timeout=70s\n",
			".ebextensions/env.config":          "option_settings:\n  aws:elasticbeanstalk:application:environment:\n    SPRING_PROFILES_ACTIVE: \"prod\"\n"},
			map[string]time.Duration{app: 70 * time.Second}, ".ebextensions/env.config:3"},
		{"spring.profiles.active in the file", map[string]string{res + "application.properties": "spring.profiles.active=aws\n",
			res + "application-aws.properties": "server.tomcat.keep-alive-timeout=20000\n"},
			map[string]time.Duration{app: 20 * time.Second}, "active by spring.profiles.active=aws"},
		{"a YAML document of the active profile", map[string]string{res + "application.yml": "spring:\n  profiles:\n    active: prod\n---\nspring:\n  config:\n    activate:\n      on-profile: prod\nserver:\n  tomcat:\n    keep-alive-timeout: 75s\n"},
			map[string]time.Duration{app: 75 * time.Second}, "profile prod"},
		{"the last active profile wins", map[string]string{res + "application.properties": "spring.profiles.active=${PROFILES:prod,eu}\n",
			res + "application-prod.properties": "server.tomcat.keep-alive-timeout=70s\n",
			res + "application-eu.properties":   "server.tomcat.keep-alive-timeout=80s\n"},
			map[string]time.Duration{app: 80 * time.Second}, "profile eu"},
		{"the environment beats the file's activation", map[string]string{res + "application.properties": "spring.profiles.active=dev\n",
			res + "application-dev.properties":  "server.tomcat.keep-alive-timeout=5s\n",
			res + "application-prod.properties": "server.tomcat.keep-alive-timeout=70s\n",
			"k8s.yaml":                          "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          env:\n            - name: SPRING_PROFILES_ACTIVE\n              value: prod\n"},
			map[string]time.Duration{app: 70 * time.Second, app + ", profile dev": 5 * time.Second}, "SPRING_PROFILES_ACTIVE=prod"},
		{"no activation: a production profile's value", map[string]string{res + "application.properties": "spring.application.name=orders\n",
			res + "application-prod.properties": "server.tomcat.keep-alive-timeout=70s\n"},
			map[string]time.Duration{app: 0, app + ", profile prod": 70 * time.Second}, "does not say which profile runs"},
		{"no activation: only a development profile", map[string]string{res + "application.properties": "spring.application.name=orders\n",
			res + "application-dev.properties": "server.tomcat.keep-alive-timeout=70s\n"},
			map[string]time.Duration{app: 60 * time.Second, app + ", profile dev": 70 * time.Second}, "Tomcat's default"},
		{"no activation: the default sets its own", map[string]string{res + "application.properties": "server.tomcat.keep-alive-timeout=30s\n",
			res + "application-prod.properties": "server.tomcat.keep-alive-timeout=70s\n"},
			map[string]time.Duration{app: 30 * time.Second, app + ", profile prod": 70 * time.Second}, "=30s"},
		{"an activation Maven fills in", map[string]string{res + "application.properties": "spring.profiles.active=@activatedProperties@\n",
			res + "application-prod.properties": "server.tomcat.keep-alive-timeout=70s\n"},
			map[string]time.Duration{app: 0, app + ", profile prod": 70 * time.Second}, "does not say which profile runs"},
		{"a profile that sets nothing on its first line", map[string]string{res + "application.properties": "server.port=8080\n",
			res + "application-prod.properties": "server.port=80\n"},
			map[string]time.Duration{app: 60 * time.Second}, "Tomcat's default"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.files["pom.xml"] = springTestPom
			r, _ := checkFiles(t, c.files)
			got := springTomcatHops(r)
			if len(got) != len(c.want) {
				t.Errorf("hops %v, want %v", got, c.want)
			}
			wantIdles(t, got, c.want)
			if h := got[app]; !strings.Contains(h.Source, c.why) {
				t.Errorf("source %q, want it to say %q", h.Source, c.why)
			}
		})
	}
}

// A config/application.yml beside the build, outside the jar, wins over the
// jar's own application.properties: Spring reads it from the directory the
// application runs in, after the jar's.
func TestSpringExternalConfig(t *testing.T) {
	const app = "Spring Boot 3.3.4 (embedded Tomcat)"
	r, _ := checkFiles(t, map[string]string{"pom.xml": springTestPom,
		"src/main/resources/application.properties": "server.port=8080\n",
		"config/application.yml":                    "server:\n  tomcat:\n    keep-alive-timeout: 70s\n"})
	got := springTomcatHops(r)
	if len(got) != 1 {
		t.Fatalf("hops %v, want the application's one", got)
	}
	wantIdles(t, got, map[string]time.Duration{app: 70 * time.Second})
	if h := got[app]; !strings.Contains(h.Source, "outside the jar") {
		t.Errorf("source %q, want it to say where the value comes from", h.Source)
	}
}
