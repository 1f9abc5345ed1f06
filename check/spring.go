package check

import (
	"fmt"
	"path/filepath"
	"regexp"

	"github.com/lbdoctor/lbdoctor/stacks"
)

// Embedded servers of a Spring Boot application.
const (
	serverTomcat   = "tomcat"
	serverJetty    = "jetty"
	serverUndertow = "undertow"
	serverNetty    = "netty"
)

// Artifacts that decide the embedded server. Jetty and Undertow starters
// replace Tomcat (the build must exclude it); Spring MVC wins over WebFlux
// when both are present, as in Spring Boot itself.
var (
	jettyArtifacts    = map[string]bool{"spring-boot-starter-jetty": true}
	undertowArtifacts = map[string]bool{"spring-boot-starter-undertow": true}
	tomcatArtifacts   = map[string]bool{
		"spring-boot-starter-web": true, "spring-boot-starter-webmvc": true, "spring-boot-starter-tomcat": true,
		"spring-boot-starter-jersey": true, "spring-boot-starter-data-rest": true, "spring-boot-starter-websocket": true,
		"spring-cloud-starter-netflix-eureka-server": true, "spring-cloud-config-server": true,
		"spring-cloud-starter-gateway-mvc": true, "spring-cloud-starter-gateway-server-webmvc": true,
	}
	nettyArtifacts = map[string]bool{
		"spring-boot-starter-webflux": true, "spring-boot-starter-rsocket": true,
		"spring-cloud-starter-gateway": true, "spring-cloud-starter-gateway-server-webflux": true,
	}
	pomArtifactRe    = regexp.MustCompile(`<artifactId>\s*([\w.-]+)\s*</artifactId>`)
	gradleArtifactRe = regexp.MustCompile(`["'][\w.-]+:([\w.-]+)(?::[^"']*)?["']`)
)

// springServer finds the build file nearest to dir (up to root) that names
// Spring dependencies and says which embedded server they bring: the server,
// the build file, and whether any build file was found at all.
func springServer(root, dir string) (server, buildFile string, found bool) {
	for {
		for _, n := range []string{"pom.xml", "build.gradle", "build.gradle.kts"} {
			src, err := readCapped(filepath.Join(dir, n))
			if err != nil {
				continue
			}
			found = true
			re := pomArtifactRe
			if n != "pom.xml" {
				re = gradleArtifactRe
			}
			arts := map[string]bool{}
			for _, m := range re.FindAllSubmatch(src, -1) {
				arts[string(m[1])] = true
			}
			has := func(set map[string]bool) bool {
				for a := range arts {
					if set[a] {
						return true
					}
				}
				return false
			}
			where := rel(root, filepath.Join(dir, n))
			switch {
			case has(jettyArtifacts):
				return serverJetty, where, true
			case has(undertowArtifacts):
				return serverUndertow, where, true
			case has(tomcatArtifacts):
				return serverTomcat, where, true
			case has(nettyArtifacts):
				return serverNetty, where, true
			}
		}
		if filepath.Clean(dir) == filepath.Clean(root) || filepath.Dir(dir) == dir {
			return "", "", found
		}
		dir = filepath.Dir(dir)
	}
}

// springServerHop resolves the idle timeout of a Spring Boot application on
// Jetty, Undertow or Reactor Netty from its properties (Tomcat: springHop).
func springServerHop(sp springProps, server string) (Hop, []Finding) {
	var id, key, name string
	switch server {
	case serverJetty:
		id, key, name = "spring-boot-jetty", "server.jetty.connection-idle-timeout", "Spring Boot (embedded Jetty)"
	case serverUndertow:
		id, key, name = "spring-boot-undertow", "server.undertow.no-request-timeout", "Spring Boot (embedded Undertow)"
	default:
		id, key, name = "reactor-netty", "server.netty.idle-timeout", "Spring Boot (Reactor Netty, WebFlux)"
	}
	st := stacks.Must(id)
	hop := Hop{Role: App, Kind: id, Name: name, Known: true, Idle: st.DefaultIdle, Location: Location{sp.file, 1},
		Source: fmt.Sprintf("%s is not set: %s", key, st.Default), Setting: st.Setting}
	if st.DefaultIdle == stacks.Never {
		hop.Idle = Infinite
	}
	val, ok := sp.props[key]
	if !ok {
		return hop, nil
	}
	hop.Location = Location{sp.file, sp.lines[key]}
	d, ok := springDuration(val)
	if !ok {
		hop.Known, hop.Source = false, key+"="+val+" cannot be resolved"
		return hop, []Finding{{Rule: RuleUnknown, Location: hop.Location, Message: fmt.Sprintf("%s=%s is not a literal duration", key, val)}}
	}
	hop.Idle, hop.Source = d, key+"="+val
	if d <= 0 {
		hop.Idle = Infinite
	}
	return hop, nil
}

// springUnknownServer is the hop of an application whose build names no
// embedded server lbdoctor knows (it may come through another dependency).
func springUnknownServer(sp springProps, buildFile string) Hop {
	return Hop{Role: App, Kind: "spring-boot", Name: "Spring Boot (embedded server unknown)", Known: false, Location: Location{sp.file, 1},
		Source: fmt.Sprintf("%s names no web starter (spring-boot-starter-web, -webflux, -jetty, -undertow)", buildFile)}
}
