package check

import (
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// An instance's user data often runs the repository's own Spring Boot
// application: `java -jar /opt/orders-api-0.0.1.jar`, the jar copied from
// a bucket the build uploaded it to. That application's settings are in
// its property files, not in the script; the link says which application
// the load balancer reaches: the one whose artifact the jar is named after
// (orders-api, from its pom.xml or Gradle build), or, for a jar with
// another name (app.jar), the repository's only Spring Boot application.

// javaJarRe finds a java command that runs a jar, and the jar.
var javaJarRe = regexp.MustCompile(`(?m)(?:^|[\s;&|/])java\s(?:[^\n;&|]*?\s)?-jar\s+["']?([^\s"';&|]+)`)

// userDataJar reports whether a user data script runs a jar with java -jar,
// and the jar's stem (orders-api for /opt/orders-api-0.0.1-SNAPSHOT.jar;
// "" for a name the script only knows at run time, /opt/$APP).
func userDataJar(script []byte) (string, bool) {
	m := javaJarRe.FindSubmatch(script)
	if m == nil {
		return "", false
	}
	if strings.ContainsAny(path.Base(string(m[1])), "$*`{") {
		return "", true
	}
	return jarStem(path.Base(string(m[1]))), true
}

// jarVersionRe is a jar name's version suffix (-0.0.1-SNAPSHOT, -1.2).
var jarVersionRe = regexp.MustCompile(`-[0-9][\w.+-]*$`)

func jarStem(name string) string {
	return strings.ToLower(jarVersionRe.ReplaceAllString(strings.TrimSuffix(name, ".jar"), ""))
}

// jarLinks returns, for a user data script that runs a jar and starts no
// web server the load balancer reaches (hops are the servers found in the
// script: userDataHops lists only those on the target groups' ports), a
// link to each of the load balancers in front of base's instances that
// reaches the Spring Boot application the jar is.
func jarLinks(u userData, hops []Hop, fronts []link) []link {
	jar, ok := userDataJar(u.src)
	if !ok {
		return nil
	}
	for _, h := range hops {
		if h.Role == Proxy || h.Kind == "apache" || h.Kind == "nginx" || h.Kind == "tomcat" {
			return nil // a web server the script starts is what the load balancer reaches
		}
	}
	var out []link
	for _, l := range fronts {
		l.dir, l.span, l.owner = "", [2]int{}, ""
		l.names, l.jar = []string{jar}, true
		out = append(out, l)
	}
	return out
}

// springArtifact is the artifact a Spring Boot application's jar is named
// after: the artifactId of the pom.xml nearest above its file (not its
// parent's), or the Gradle project's name (rootProject.name in
// settings.gradle, else the build's directory).
func springArtifact(root, file string) string {
	dir := filepath.Dir(filepath.Join(root, filepath.FromSlash(file)))
	for {
		if src, err := readCapped(filepath.Join(dir, "pom.xml")); err == nil {
			s := pomParentBlockRe.ReplaceAllString(string(src), "")
			if m := pomArtifactIDRe.FindStringSubmatch(s); m != nil {
				return strings.ToLower(m[1])
			}
		}
		for _, n := range []string{"build.gradle", "build.gradle.kts"} {
			if fileExists(filepath.Join(dir, n)) {
				for _, s := range []string{"settings.gradle", "settings.gradle.kts"} {
					if src, err := os.ReadFile(filepath.Join(dir, s)); err == nil {
						if m := gradleRootNameRe.FindSubmatch(src); m != nil {
							return strings.ToLower(string(m[1]))
						}
					}
				}
				return strings.ToLower(filepath.Base(dir))
			}
		}
		if filepath.Clean(dir) == filepath.Clean(root) || filepath.Dir(dir) == dir {
			return ""
		}
		dir = filepath.Dir(dir)
	}
}

var (
	pomParentBlockRe = regexp.MustCompile(`(?s)<parent>.*?</parent>|<dependencies>.*|<build>.*`)
	pomArtifactIDRe  = regexp.MustCompile(`<artifactId>\s*([^<\s]+)\s*</artifactId>`)
	gradleRootNameRe = regexp.MustCompile(`rootProject\.name\s*=\s*["']([^"']+)["']`)
)
