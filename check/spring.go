package check

import (
	"bytes"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

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
			where := rel(root, filepath.Join(dir, n))
			arts := buildArtifacts(n, src)
			if n != "pom.xml" {
				arts = append(arts, catalogArtifacts(root, dir, src)...)
			}
			if s := buildServer(arts); s != "" {
				return s, where, true
			}
			// A module of a multi-module build gets its starter through
			// the project's own modules it depends on (mall-admin ->
			// mall-security -> spring-boot-starter-web).
			if s, via := moduleServer(root, dir, arts, map[string]bool{dir: true}, 0); s != "" {
				return s, where + " via " + via, true
			}
		}
		if filepath.Clean(dir) == filepath.Clean(root) || filepath.Dir(dir) == dir {
			return "", "", found
		}
		dir = filepath.Dir(dir)
	}
}

// buildNamesSpring reports whether a build file at or above dir (up to
// root) names Spring at all (org.springframework, spring-boot).
func buildNamesSpring(root, dir string) bool {
	for {
		// A Gradle version catalog names the dependencies a build file
		// only refers to (alias(libs.plugins.spring.boot)).
		for _, n := range []string{"pom.xml", "build.gradle", "build.gradle.kts", "gradle/libs.versions.toml"} {
			if src, err := readCapped(filepath.Join(dir, filepath.FromSlash(n))); err == nil &&
				(bytes.Contains(src, []byte("springframework")) || bytes.Contains(src, []byte("spring-boot"))) {
				return true
			}
		}
		if filepath.Clean(dir) == filepath.Clean(root) || filepath.Dir(dir) == dir {
			return false
		}
		dir = filepath.Dir(dir)
	}
}

// buildServer says which embedded server the artifacts a build file names
// (see buildArtifacts) bring, or "".
func buildServer(arts []string) string {
	has := func(set map[string]bool) bool {
		for _, a := range arts {
			if set[a] {
				return true
			}
		}
		return false
	}
	switch {
	case has(jettyArtifacts):
		return serverJetty
	case has(undertowArtifacts):
		return serverUndertow
	case has(tomcatArtifacts):
		return serverTomcat
	case has(nettyArtifacts):
		return serverNetty
	}
	return ""
}

var pomManagedRe = regexp.MustCompile(`(?s)<dependencyManagement>.*?</dependencyManagement>|<build>.*?</build>`)

var gradleProjectRe = regexp.MustCompile(`project\(\s*(?:path\s*[:=]\s*)?["']:?([\w.:-]+)["']`)

// buildArtifacts lists the artifacts a build file names; for Gradle, also
// the projects it depends on (project(':common') names common).
func buildArtifacts(name string, src []byte) []string {
	re := pomArtifactRe
	if name != "pom.xml" {
		re = gradleArtifactRe
	} else {
		// Managed versions and build plugins are not dependencies: a parent's
		// <dependencyManagement> naming spring-boot-starter-web gives its
		// modules no web server.
		src = pomManagedRe.ReplaceAll(src, nil)
	}
	if name != "pom.xml" {
		src = withoutGradleConstraints(src)
	}
	var arts []string
	for _, m := range re.FindAllSubmatch(src, -1) {
		arts = append(arts, string(m[1]))
	}
	if name != "pom.xml" {
		for _, m := range gradleProjectRe.FindAllSubmatch(src, -1) {
			p := string(m[1])
			arts = append(arts, p[strings.LastIndexByte(p, ':')+1:])
		}
	}
	return arts
}

var gradleConstraintsRe = regexp.MustCompile(`\bconstraints\s*\{`)

// withoutGradleConstraints removes a Gradle build's constraints { } blocks:
// a version constraint on a starter does not add it (as a pom's
// <dependencyManagement> does not).
func withoutGradleConstraints(src []byte) []byte {
	for {
		loc := gradleConstraintsRe.FindIndex(src)
		if loc == nil {
			return src
		}
		depth, end := 0, len(src)
		for i := loc[1] - 1; i < len(src); i++ {
			if src[i] == '{' {
				depth++
			} else if src[i] == '}' {
				if depth--; depth == 0 {
					end = i + 1
					break
				}
			}
		}
		src = append(append([]byte(nil), src[:loc[0]]...), src[end:]...)
	}
}

// moduleServer follows the artifacts arts of a build file in dir to the
// project's own modules, found as directories named like the artifact next
// to dir or at the root, up to a depth of 4. It returns the server and the
// module that brings it.
func moduleServer(root, dir string, arts []string, seen map[string]bool, depth int) (server, via string) {
	if depth >= 4 {
		return "", ""
	}
	for _, a := range arts {
		for _, cand := range []string{filepath.Join(filepath.Dir(dir), a), filepath.Join(root, a)} {
			if seen[cand] {
				continue
			}
			seen[cand] = true
			for _, n := range []string{"pom.xml", "build.gradle", "build.gradle.kts"} {
				msrc, err := readCapped(filepath.Join(cand, n))
				if err != nil {
					continue
				}
				marts := buildArtifacts(n, msrc)
				if n != "pom.xml" {
					marts = append(marts, catalogArtifacts(root, cand, msrc)...)
				}
				if s := buildServer(marts); s != "" {
					return s, rel(root, filepath.Join(cand, n))
				}
				if s, v := moduleServer(root, cand, marts, seen, depth+1); s != "" {
					return s, v
				}
			}
		}
	}
	return "", ""
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
	val, line, as, ok := sp.get(key)
	if !ok {
		if miss, line, why, ok := springNearMiss(sp, strings.Split(key, ".")[1], key); ok {
			hop.Location.Line = line
			hop.Source += fmt.Sprintf("; %s %s", miss, why)
		}
		return hop, nil
	}
	hop.Location = Location{sp.file, line}
	d, note, ok := springValue(val)
	if !ok {
		hop.Known, hop.Source = false, as+"="+val+" cannot be resolved"
		return hop, []Finding{{Rule: RuleUnknown, Location: hop.Location, Message: fmt.Sprintf("%s=%s is not a literal duration", as, val)}}
	}
	hop.Idle, hop.Source = d, as+"="+val+note
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

// springAppHop is the hop of a Spring Boot application with properties sp,
// on the embedded server its build file brings (see springServer); v is its
// Spring Boot version when vKnown.
func springAppHop(sp springProps, server, build string, haveBuild bool, v version, vKnown bool, vSource string) (Hop, []Finding) {
	var hop Hop
	var fs []Finding
	switch {
	case server == serverTomcat || !haveBuild:
		hop, fs = springHop(sp, v, vKnown, vSource)
		if vKnown {
			hop.Name = fmt.Sprintf("Spring Boot %s (embedded Tomcat)", v)
		}
		if !haveBuild {
			hop.Source += "; Tomcat assumed: no pom.xml or build.gradle found"
		} else {
			hop.Source += " (" + build + ": Tomcat)"
		}
	case server == "":
		hop = springUnknownServer(sp, build)
	default:
		hop, fs = springServerHop(sp, server)
		if vKnown {
			hop.Name = strings.Replace(hop.Name, "Spring Boot", "Spring Boot "+v.String(), 1)
		}
		hop.Source += " (" + build + ")"
	}
	return hop, fs
}

var springBootAppRe = regexp.MustCompile(`(?m)^\s*@(?:org\.springframework\.boot\.autoconfigure\.)?SpringBootApplication\b`)

// springBootMain returns the line of @SpringBootApplication in a Java or
// Kotlin source under src/main, or 0.
func springBootMain(file string, src []byte) int {
	if !strings.Contains(file, "src/main/") || !bytes.Contains(src, []byte("SpringBootApplication")) {
		return 0
	}
	if m := springBootAppRe.FindIndex(src); m != nil {
		return lineAt(src, m[0]+bytes.IndexByte(src[m[0]:], '@'))
	}
	return 0
}

// springResourceFile reports whether a property file (relative, with
// forward slashes) is where Spring Boot reads its own configuration in a
// Maven or Gradle project: the resources root or its config/ directory. A
// Spring Cloud Config server's resources hold other services' files
// (src/main/resources/shared/application.yml), which are not its own.
func springResourceFile(file string) bool {
	i := strings.LastIndex(file, "src/main/resources/")
	if i < 0 {
		return true // not that layout: read where it is
	}
	dir := path.Dir(file[i+len("src/main/resources/"):])
	return dir == "." || dir == "config"
}

// springKeepAliveKeyRe finds a setting of an embedded server's idle timeout in
// a property file.
var springKeepAliveKeyRe = regexp.MustCompile(`(?i)keep[-_]?alive[-_]?timeout|connection[-_]?timeout|connection[-_]?idle[-_]?timeout|no[-_]?request[-_]?timeout|netty\.idle[-_]?timeout`)

// springDefaultHops gives the Spring Boot applications that have no property
// file of their own (an @SpringBootApplication class in a module whose
// resources hold no application.properties or application.yml) the hop of
// their embedded server's default: Tomcat's 60 s races with ALB's 60 s.
// Applications whose settings may come from elsewhere (a Spring Cloud Config
// server named in bootstrap.yml, a property file .gitignore keeps out of the
// repository, a property file outside the applications' own modules, as of
// a shared module or the working directory, that sets a keep-alive) get
// an unknown hop; those without a web server, none.
func springDefaultHops(root string, mains []Location, propertyFiles []string, ignored func(rel string) bool) []Hop {
	var hops []Hop
	withMain := func(file string) bool { // a property file of an application's own module
		i := strings.LastIndex(file, "src/main/resources/")
		if i < 0 {
			return false
		}
		return slices.ContainsFunc(mains, func(m Location) bool { return strings.HasPrefix(m.File, file[:i]+"src/main/") })
	}
	// The first property file outside the applications' own modules that
	// sets a keep-alive: it may be on any of their class paths.
	var elsewhere string
	for _, p := range propertyFiles {
		if !withMain(p) {
			if src, err := readCapped(filepath.Join(root, filepath.FromSlash(p))); err == nil && springKeepAliveKeyRe.Match(src) {
				elsewhere = p
				break
			}
		}
	}
	done := map[string]bool{}
	for _, m := range mains {
		module := m.File[:strings.LastIndex(m.File, "src/main/")]
		if done[module] {
			continue // one application per module
		}
		done[module] = true
		resources := module + "src/main/resources/"
		if slices.ContainsFunc(propertyFiles, func(p string) bool { return strings.HasPrefix(p, resources) }) {
			continue // the property files' hops
		}
		dir := filepath.Join(root, filepath.FromSlash(strings.TrimSuffix(module, "/")))
		if quarkusOrMicronaut(root, dir) {
			continue
		}
		server, build, haveBuild := springServer(root, dir)
		if !haveBuild || server == "" {
			continue // not a web application, or its server is not known
		}
		v, vs, ok, where := findSpringVersion(root, dir)
		if ok {
			vs = fmt.Sprintf("from %s: %s", where, vs)
		}
		sp := springProps{file: m.File, props: map[string]string{}, lines: map[string]int{}}
		hop, _ := springAppHop(sp, server, build, haveBuild, v, ok, vs)
		hop.Location = m
		hop.Source += "; no application.properties or application.yml in " + resources
		for _, b := range []string{"bootstrap.yml", "bootstrap.yaml", "bootstrap.properties"} {
			if fileExists(filepath.Join(root, filepath.FromSlash(resources+b))) {
				hop.Known, hop.Idle = false, 0
				hop.Source = fmt.Sprintf("no application.properties or application.yml, and %s%s: its settings may come from a Spring Cloud Config server", resources, b)
				break
			}
		}
		for _, n := range []string{"application.yml", "application.yaml", "application.properties", "application-prod.yml", "application-prod.properties"} {
			if hop.Known && ignored(resources+n) {
				hop.Known, hop.Idle = false, 0
				hop.Source = fmt.Sprintf("no application.properties or application.yml in the repository, and .gitignore excludes %s%s: its settings are kept out of the repository", resources, n)
			}
		}
		if hop.Known && elsewhere != "" {
			hop.Known, hop.Idle = false, 0
			hop.Source = fmt.Sprintf("no application.properties or application.yml in %s; %s sets a keep-alive setting and may be this application's (a shared module's resources)", resources, elsewhere)
		}
		hops = append(hops, hop)
	}
	return hops
}
