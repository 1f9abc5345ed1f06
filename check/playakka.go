package check

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/lbdoctor/lbdoctor/stacks"
)

// Play, Akka HTTP and Pekko HTTP servers close a connection idle for their
// idle timeout, read from HOCON: Play's play.server.http.idleTimeout (75 s,
// which Play gives its Akka/Pekko HTTP or Netty backend), Akka HTTP's
// akka.http.server.idle-timeout and Pekko HTTP's pekko.http.server.idle-timeout
// (60 s each: equal to ALB's, so they race). A -D system property on the
// command line that starts the service wins over the file.

// jvmServer is one of those frameworks: its stacks ID, the key, and where
// its configuration lives in a project.
type jvmServer struct {
	id, key   string
	configDir string // "conf/" (Play) or "src/main/resources/"
	// duration converts the key's values; nil is HOCON's.
	duration func(string) (time.Duration, bool)
}

var (
	playServer  = jvmServer{id: "play", key: "play.server.http.idleTimeout", configDir: "conf/"}
	akkaServer  = jvmServer{id: "akka-http", key: "akka.http.server.idle-timeout", configDir: "src/main/resources/"}
	pekkoServer = jvmServer{id: "pekko-http", key: "pekko.http.server.idle-timeout", configDir: "src/main/resources/"}
)

// parse converts a value of the server's key.
func (s jvmServer) parse(v string) (time.Duration, bool) {
	if s.duration == nil {
		return hoconDuration(v)
	}
	return s.duration(v)
}

// playPluginRe is Play's sbt plugin or a Play project in a build.
var playPluginRe = regexp.MustCompile(`"(?:com\.typesafe\.play|org\.playframework)"\s*%\s*"sbt-plugin"|enablePlugins\([^)]*\bPlay(?:Scala|Java|Minimal|Service|Web)`)

// jvmServerOfBuild says which of the frameworks a build file (build.sbt,
// project/plugins.sbt, pom.xml, build.gradle) uses: Play wins, as a Play
// application also depends on Akka or Pekko HTTP.
func jvmServerOfBuild(src []byte) (jvmServer, int, bool) {
	if m := playPluginRe.FindIndex(src); m != nil {
		return playServer, lineAt(src, m[0]), true
	}
	for _, s := range []struct {
		srv  jvmServer
		mark string
	}{{pekkoServer, "pekko-http"}, {akkaServer, "akka-http"}} {
		if i := bytes.Index(src, []byte(s.mark)); i >= 0 {
			return s.srv, lineAt(src, i), true
		}
	}
	return jvmServer{}, 0, false
}

// jvmProject is a project that runs one of the frameworks.
type jvmProject struct {
	srv   jvmServer
	dir   string // relative, "." for the root
	build Location
}

// jvmPropertyRe finds -Dkey=value for the frameworks' keys on a command line.
var jvmPropertyRe = regexp.MustCompile(`-D(play\.server\.http\.idleTimeout|akka\.http\.server\.idle-timeout|pekko\.http\.server\.idle-timeout|quarkus\.http\.idle-timeout|micronaut\.server\.idle-timeout)=["']?([^"'\s]+)`)

// jvmEnvRe finds the environment variables Quarkus and Micronaut read for
// their keys: NAME=value, NAME: value, or a Kubernetes/ECS name and value.
var jvmEnvRe = regexp.MustCompile(`\b(QUARKUS_HTTP_IDLE_TIMEOUT|MICRONAUT_SERVER_IDLE_TIMEOUT)\b["']?(?:\s*[=:]\s*|["']?\s*,?\s*\n?\s*-?\s*["']?value["']?\s*[:=]\s*)["']?([^"'\s,}\]]+)`)

// jvmEnvKeys maps those variables to their keys.
var jvmEnvKeys = map[string]string{
	"QUARKUS_HTTP_IDLE_TIMEOUT":     quarkusServer.key,
	"MICRONAUT_SERVER_IDLE_TIMEOUT": micronautServer.key,
}

// jvmOverride is a -D system property, or an environment variable, found in
// a file of the repository.
type jvmOverride struct {
	key, value string
	how        string // as written: -Dkey or the variable's name
	loc        Location
}

// findJVMOverrides reads the -D properties a file (Dockerfile, script,
// manifest, build.sbt's javaOptions, conf/application.ini) passes, and the
// environment variables it sets for Quarkus and Micronaut.
func findJVMOverrides(rel string, src []byte) []jvmOverride {
	var out []jvmOverride
	if bytes.Contains(src, []byte("-D")) {
		for _, m := range jvmPropertyRe.FindAllSubmatchIndex(src, -1) {
			key := string(src[m[2]:m[3]])
			out = append(out, jvmOverride{key, string(src[m[4]:m[5]]), "-D" + key, Location{rel, lineAt(src, m[0])}})
		}
	}
	if bytes.Contains(src, []byte("_IDLE_TIMEOUT")) {
		for _, m := range jvmEnvRe.FindAllSubmatchIndex(src, -1) {
			name := string(src[m[2]:m[3]])
			out = append(out, jvmOverride{jvmEnvKeys[name], string(src[m[4]:m[5]]), name, Location{rel, lineAt(src, m[0])}})
		}
	}
	return out
}

// akkaBindRe finds code that starts an Akka or Pekko HTTP server (a
// project that only uses their HTTP client serves nothing).
var akkaBindRe = regexp.MustCompile(`\.(?:newServerAt|bindAndHandle|bindAndHandleAsync|bindAndHandleSync|bindFlow)\s*\(|\bextends\s+HttpApp\b`)

// isAkkaServerSource reports whether Scala, Java or Kotlin source starts an
// Akka or Pekko HTTP server.
func isAkkaServerSource(src []byte) bool {
	return (bytes.Contains(src, []byte("akka.http")) || bytes.Contains(src, []byte("pekko.http"))) && akkaBindRe.Match(src)
}

// jvmServerHops gives each project a hop per HOCON file of its own that is
// application.conf or sets the key, else its default at the build file.
// hocon lists the .conf files found in configuration directories.
// An Akka or Pekko HTTP project needs a source below it that starts a
// server (servers lists them).
func jvmServerHops(root string, projects []jvmProject, hocon, servers []string, overrides []jvmOverride) []Hop {
	deepestFirst(projects, func(p jvmProject) string { return p.dir })
	claimed := map[string]bool{}
	var hops []Hop
	for _, p := range projects {
		if p.srv.id != "play" && !slices.ContainsFunc(servers, func(f string) bool { return inDir(p.dir, f) }) {
			continue // the HTTP client only
		}
		st := stacks.Must(p.srv.id)
		base := serverHop(p.srv.id, p.srv.id, p.build, "")
		base.Pattern = false // HOCON is read by its structure
		n := 0
		for _, f := range hocon {
			if claimed[f] || !inDir(p.dir, f) || !strings.Contains("/"+f, "/"+p.srv.configDir) {
				continue
			}
			values, ok := readHOCONFile(root, f)
			if !ok {
				continue
			}
			v, set := values[p.srv.key]
			if !set && path.Base(f) != "application.conf" {
				continue // another file (logging, a test setup) that leaves the server alone
			}
			claimed[f] = true
			hop := base
			hop.Location = Location{f, 1}
			hop.Source = fmt.Sprintf("%s's default (%s): %s sets no %s", st.Name, secs(st.DefaultIdle), path.Base(f), p.srv.key)
			if set {
				hop.Location = v.loc
				hop = hoconHop(hop, p.srv.key, v)
			}
			hops = append(hops, applyJVMOverride(hop, p, len(projects), overrides))
			n++
		}
		if n == 0 && !slices.ContainsFunc(projects, func(o jvmProject) bool { return o.dir != p.dir && inDir(p.dir, o.dir) }) {
			// (A build with projects of its own below it, an aggregate or
			// a template's, is not itself the service.)
			hop := base
			hop.Location = p.build
			hop.Source = fmt.Sprintf("%s's default (%s): no application.conf sets %s", st.Name, secs(st.DefaultIdle), p.srv.key)
			hops = append(hops, applyJVMOverride(hop, p, len(projects), overrides))
		}
	}
	return hops
}

// hoconHop sets a hop from the key's value.
func hoconHop(hop Hop, key string, v hoconValue) Hop {
	if v.value == "" && v.optional != "" {
		hop.Known, hop.Idle, hop.Source = false, 0, fmt.Sprintf("%s = ${?%s}: set where the service runs", key, v.optional)
		return hop
	}
	d, ok := hoconDuration(v.value)
	if !ok {
		hop.Known, hop.Idle, hop.Source = false, 0, fmt.Sprintf("%s = %s is not a duration lbdoctor reads", key, v.value)
		return hop
	}
	hop.Idle, hop.Source = d, fmt.Sprintf("%s = %s", key, v.value)
	if v.optional != "" {
		hop.Source += fmt.Sprintf(" (unless %s is set where it runs)", v.optional)
	}
	return hop
}

// applyJVMOverride applies a -D property for the hop's key set in the
// project's files (or anywhere, when the repository has one such project).
func applyJVMOverride(hop Hop, p jvmProject, projects int, overrides []jvmOverride) Hop {
	var found []jvmOverride
	for _, o := range overrides {
		if o.key == p.srv.key && (projects == 1 || inDir(p.dir, o.loc.File)) {
			found = append(found, o)
		}
	}
	if len(found) == 0 {
		return hop
	}
	for _, o := range found[1:] {
		if o.value != found[0].value {
			hop.Known, hop.Idle = false, 0
			hop.Source = fmt.Sprintf("%s is set to different values (%s, %s)", found[0].how, found[0].loc, o.loc)
			return hop
		}
	}
	o := found[0]
	hop.Pattern = true
	d, ok := p.srv.parse(o.value)
	if !ok {
		hop.Known, hop.Idle, hop.Source = false, 0, fmt.Sprintf("%s=%s at %s is not a duration lbdoctor reads", o.how, o.value, o.loc)
		return hop
	}
	hop.Known, hop.Idle, hop.Source = true, d, fmt.Sprintf("%s=%s at %s, which overrides the configuration files", o.how, o.value, o.loc)
	return hop
}

// addJVMProject adds a project, one per directory: Play wins over Akka or
// Pekko HTTP found in another build file of the same directory.
func addJVMProject(ps []jvmProject, p jvmProject) []jvmProject {
	for i := range ps {
		if ps[i].dir == p.dir {
			if p.srv.id == "play" && ps[i].srv.id != "play" {
				ps[i] = p
			}
			return ps
		}
	}
	return append(ps, p)
}

// jvmPropertyFile reports whether a file may hold the command line that
// starts a JVM service (where -D properties are given).
func jvmPropertyFile(name string) bool {
	ext := path.Ext(name)
	return containerFile(name) || strings.HasPrefix(name, ".env") || ext == ".sh" || ext == ".yml" || ext == ".yaml" || ext == ".json" || ext == ".tpl" || ext == ".tftpl" ||
		name == "build.sbt" || name == "application.ini" || name == "Procfile"
}
