package check

import (
	"strings"
	"testing"
)

// A key Spring Boot does not have, or another embedded server's, is
// ignored: the server keeps its default, and the hop says which key was
// likely meant, at its line.
func TestSpringNearMiss(t *testing.T) {
	pom := func(starter string) string {
		return `<project><parent><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-parent</artifactId><version>3.2.0</version></parent>` +
			`<dependencies><dependency><groupId>org.springframework.boot</groupId><artifactId>` + starter + `</artifactId></dependency></dependencies></project>`
	}
	const res = "src/main/resources/"
	for _, tt := range []struct {
		name, starter, file, src, want string
		line                           int
	}{
		{"server.keep-alive-timeout, as a blog has it", "spring-boot-starter-web", "application.properties", "spring.application.name=api\nserver.keep-alive-timeout=70000\n",
			"60s Tomcat's default (60 s): Spring Boot sets no keep-alive timeout; server.keep-alive-timeout is not a Spring Boot property, which Spring ignores (the key is server.tomcat.keep-alive-timeout)", 2},
		{"in YAML, tomcat's block left out", "spring-boot-starter-web", "application.yml", "server:\n  port: 8080\n  keep-alive-timeout: 70s\n",
			"60s Tomcat's default (60 s): Spring Boot sets no keep-alive timeout; server.keep-alive-timeout is not a Spring Boot property", 3},
		{"Netty's key on Tomcat", "spring-boot-starter-web", "application.properties", "server.netty.idle-timeout=70s\n",
			"60s Tomcat's default (60 s): Spring Boot sets no keep-alive timeout; server.netty.idle-timeout is Reactor Netty's, which this application does not run (its key is server.tomcat.keep-alive-timeout)", 1},
		{"Tomcat's key on WebFlux", "spring-boot-starter-webflux", "application.properties", "server.tomcat.keep-alive-timeout=70s\n",
			"server.tomcat.keep-alive-timeout is Tomcat's, which this application does not run (its key is server.netty.idle-timeout)", 1},
		{"relaxed binding is not a miss", "spring-boot-starter-web", "application.properties", "server.tomcat.keepalive-timeout=70s\n",
			"70s server.tomcat.keepalive-timeout=70s", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := checkFiles(t, map[string]string{"pom.xml": pom(tt.starter), res + tt.file: tt.src})
			if len(r.Hops) != 1 {
				t.Fatalf("hops %+v", r.Hops)
			}
			h := r.Hops[0]
			got := secs(h.Idle) + " " + h.Source
			if h.Idle == Infinite || h.Idle == 0 {
				got = h.Source
			}
			if !strings.Contains(got, tt.want) || h.Location.Line != tt.line {
				t.Errorf("%q at line %d, want %q at line %d", got, h.Location.Line, tt.want, tt.line)
			}
		})
	}
}
