package check

import (
	"bytes"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lbdoctor/lbdoctor/stacks"
)

// Quarkus and Micronaut keep their server settings in the same property
// files as Spring Boot (src/main/resources/application.properties or
// application.yml), under keys of their own:
//
//   - Quarkus serves HTTP with Vert.x, which closes a connection that has
//     read and written nothing for quarkus.http.idle-timeout (30 min unless
//     set; vertx-http's HttpConfiguration). A plain number is seconds.
//   - Micronaut's Netty server closes a connection idle in both directions
//     for micronaut.server.idle-timeout (5 min unless set;
//     HttpServerConfiguration). Netty's IdleStateHandler takes whole seconds,
//     so less than a second, or a negative value, turns it off.
//
// Both defaults are safe behind ALB's 60 s; a value set below it is not. An
// environment variable (QUARKUS_HTTP_IDLE_TIMEOUT, MICRONAUT_SERVER_IDLE_TIMEOUT)
// or a -D system property where the service starts wins over the files.

var (
	quarkusServer = jvmServer{id: "quarkus", key: "quarkus.http.idle-timeout", configDir: "src/main/resources/",
		duration: quarkusDuration}
	micronautServer = jvmServer{id: "micronaut", key: "micronaut.server.idle-timeout", configDir: "src/main/resources/",
		duration: micronautDuration}
)

// quarkusArtifactRe finds Quarkus extensions in a build file.
var quarkusArtifactRe = regexp.MustCompile(`\bquarkus-[a-z0-9-]+`)

// quarkusHTTPExtensions are the extensions that bring Quarkus's HTTP server
// (an extension whose name says client is the HTTP client only).
var quarkusHTTPExtensions = []string{"quarkus-rest", "quarkus-resteasy", "quarkus-vertx-http", "quarkus-undertow",
	"quarkus-reactive-routes", "quarkus-websockets", "quarkus-smallrye-graphql", "quarkus-smallrye-health",
	"quarkus-smallrye-openapi", "quarkus-spring-web", "quarkus-funqy-http", "quarkus-micrometer-registry-prometheus"}

// quarkusServerlessRe finds the extensions that run a Quarkus application
// as a function (AWS Lambda, Google Cloud Functions, Azure Functions): the
// platform, not Vert.x, holds the client's connections.
var quarkusServerlessRe = regexp.MustCompile(`quarkus-(?:amazon-lambda|google-cloud-functions|azure-functions)`)

// quarkusExtensionRe finds the build of a Quarkus extension's modules (its
// runtime module depends on quarkus-vertx-http as a library does), or of
// its deployment module, which depends on other extensions' deployment
// artifacts.
var quarkusExtensionRe = regexp.MustCompile(`quarkus-extension-maven-plugin|["']io\.quarkus\.extension["']|<artifactId>quarkus-[a-z0-9-]+-deployment</artifactId>|io\.quarkus:quarkus-[a-z0-9-]+-deployment`)

// micronautNettyRe finds a Micronaut application on its Netty HTTP server:
// the dependency, or the runtime the Gradle plugin or the Maven parent
// chooses (other runtimes, Jetty, Tomcat, Undertow, have settings of their
// own and are not read).
var micronautNettyRe = regexp.MustCompile(`micronaut-http-server-netty|runtime\s*\(?\s*["']netty["']|runtime\s*=\s*(?:MicronautRuntime\.)?["']?NETTY|<micronaut\.runtime>netty</micronaut\.runtime>`)

// propertyServerOfBuild says whether a build file (pom.xml, build.gradle,
// build.gradle.kts) is a Quarkus or Micronaut application with an HTTP server.
func propertyServerOfBuild(src []byte) (jvmServer, int, bool) {
	s := string(src)
	if strings.Contains(s, "io.quarkus") && !quarkusServerlessRe.MatchString(s) && !quarkusExtensionRe.MatchString(s) {
		for _, m := range quarkusArtifactRe.FindAllStringIndex(s, -1) {
			a := s[m[0]:m[1]]
			if strings.Contains(a, "client") || strings.HasSuffix(a, "-deployment") {
				continue // the HTTP client; an extension's build step, not its server
			}
			if slices.ContainsFunc(quarkusHTTPExtensions, func(e string) bool { return a == e || strings.HasPrefix(a, e+"-") }) {
				return quarkusServer, lineAt(src, m[0]), true
			}
		}
	}
	if strings.Contains(s, "micronaut") {
		if m := micronautNettyRe.FindStringIndex(s); m != nil {
			return micronautServer, lineAt(src, m[0]), true
		}
	}
	return jvmServer{}, 0, false
}

// quarkusDuration converts a Quarkus duration (its DurationConverter): a
// plain number is seconds; 500ms; 30s, 5m, 1h, 1h30m (any case); 2d; or
// ISO-8601 (PT30S, P1DT2H). 0 is no timeout, as in Vert.x.
func quarkusDuration(v string) (time.Duration, bool) {
	v = strings.ToLower(strings.TrimSpace(v))
	var d time.Duration
	var ok bool
	switch {
	case v == "":
	case isDigits(v):
		d, ok = secondsOf(v)
	case strings.HasSuffix(v, "ms") && isDigits(v[:len(v)-2]):
		n, err := strconv.ParseInt(v[:len(v)-2], 10, 64)
		d, ok = time.Duration(n)*time.Millisecond, err == nil && n < 1<<40
	case strings.HasSuffix(v, "d") && isDigits(v[:len(v)-1]):
		d, ok = secondsOf(v[:len(v)-1])
		d *= 24 * 3600
	case v[0] == 'p':
		d, ok = isoDuration(v)
	default:
		d, ok = hmsDuration(v)
	}
	if ok && d == 0 {
		return Infinite, true
	}
	return d, ok && d > 0
}

// micronautDuration converts a Micronaut duration (TimeConverterRegistrar):
// 30s, 500ms, 5m, 1h, 1d, or ISO-8601. Under a second or negative: Netty's
// IdleStateHandler gets 0 whole seconds, no timeout.
func micronautDuration(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	var d time.Duration
	var ok bool
	if strings.HasPrefix(v, "P") {
		d, ok = isoDuration(strings.ToLower(v))
	} else if m := micronautDurationRe.FindStringSubmatch(v); m != nil {
		n, err := strconv.ParseInt(m[1], 10, 64)
		unit := map[string]time.Duration{"s": time.Second, "ms": time.Millisecond, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "ns": time.Nanosecond}[m[2]]
		d, ok = time.Duration(n)*unit, err == nil && n > -1<<31 && n < 1<<31
	}
	if ok && d < time.Second {
		return Infinite, true
	}
	return d, ok
}

var micronautDurationRe = regexp.MustCompile(`^(-?\d+)(ms|ns|s|m|h|d)$`)

// isoDuration reads lower-cased ISO-8601 durations: p[nd][t[nh][nm][ns]].
func isoDuration(v string) (time.Duration, bool) {
	m := isoDurationRe.FindStringSubmatch(v)
	if m == nil || m[1] == "" && m[2] == "" {
		return 0, false
	}
	var d time.Duration
	if m[1] != "" {
		days, ok := secondsOf(m[1])
		if !ok {
			return 0, false
		}
		d = days * 24 * 3600
	}
	if m[2] != "" {
		t, ok := hmsDuration(m[2])
		if !ok {
			return 0, false
		}
		d += t
	}
	return d, true
}

var isoDurationRe = regexp.MustCompile(`^p(?:(\d+)d)?(?:t((?:\d+(?:\.\d+)?[hms])+))?$`)

// hmsDuration reads 30s, 1h30m, 1.5m: Go's own syntax for these units.
func hmsDuration(v string) (time.Duration, bool) {
	if !hmsDurationRe.MatchString(v) {
		return 0, false
	}
	d, err := time.ParseDuration(v)
	return d, err == nil && d >= 0
}

var hmsDurationRe = regexp.MustCompile(`^(?:\d+(?:\.\d+)?[hms])+$`)

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// secondsOf reads a count of seconds, bounded so it cannot overflow.
func secondsOf(s string) (time.Duration, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n >= 1<<32 {
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}

// propertyFileProfile returns the profile a property file's name gives
// (application-prod.yml: "prod"), and whether it is an application file at all.
func propertyFileProfile(f string) (string, bool) {
	base := path.Base(f)
	for _, ext := range []string{".properties", ".yml", ".yaml"} {
		if strings.HasSuffix(base, ext) {
			name := strings.TrimSuffix(base, ext)
			if name == "application" {
				return "", true
			}
			if p, ok := strings.CutPrefix(name, "application-"); ok && p != "" {
				return p, true
			}
		}
	}
	return "", false
}

// propertyServerHops gives each Quarkus or Micronaut application a hop per
// profile its property files configure (the base one always), or its
// default at the build file when it has none. files are the application
// property files found (relative paths); a file belongs to the deepest
// project above it.
func propertyServerHops(root string, projects []jvmProject, files []string, overrides []jvmOverride) []Hop {
	deepestFirst(projects, func(p jvmProject) string { return p.dir })
	claimed := map[string]bool{}
	var hops []Hop
	for _, p := range projects {
		st := stacks.Must(p.srv.id)
		base := serverHop(p.srv.id, p.srv.id, p.build, fmt.Sprintf("%s's default (%s): no property file sets %s", st.Name, secs(st.DefaultIdle), p.srv.key))
		base.Pattern = false
		var own []string
		for _, f := range files {
			if !claimed[f] && inDir(p.dir, f) && (strings.Contains("/"+f, "/"+p.srv.configDir) || strings.HasPrefix(f, path.Join(p.dir, "config")+"/")) {
				claimed[f] = true
				own = append(own, f)
			}
		}
		found := propertyServerSettings(root, p.srv, own)
		if len(own) == 0 && slices.ContainsFunc(projects, func(o jvmProject) bool { return o.dir != p.dir && inDir(p.dir, o.dir) }) {
			continue // a parent build whose modules are the applications
		}
		if _, ok := found[""]; !ok {
			if len(own) > 0 {
				f := own[0]
				for _, o := range own {
					if profile, _ := propertyFileProfile(o); profile == "" {
						f = o // the file every profile reads
						break
					}
				}
				base.Location = Location{f, 1}
				base.Source = fmt.Sprintf("%s's default (%s): %s sets no %s", st.Name, secs(st.DefaultIdle), path.Base(f), p.srv.key)
			}
			found[""] = base
		}
		for _, profile := range sortedKeys(found) {
			hop := found[profile]
			if profile != "" {
				hop.Name += ", profile " + profile
			}
			hops = append(hops, applyJVMOverride(hop, p, len(projects), overrides))
		}
	}
	return hops
}

// propertyServerSettings reads the server's key from the files, by profile
// ("" is what a production run uses). Quarkus's %prod. prefix and the prod
// profile's file count as the production run; %dev. and %test., and
// Micronaut's test environment, never run behind a load balancer.
func propertyServerSettings(root string, srv jvmServer, files []string) map[string]Hop {
	out := map[string]Hop{}
	rank := map[string]int{} // 2: %prod. or the prod file, 1: the base
	for _, f := range files {
		fileProfile, ok := propertyFileProfile(f)
		if !ok {
			continue // applicationContext.yml and the like
		}
		src, err := readCapped(filepath.Join(root, filepath.FromSlash(f)))
		if err != nil {
			continue
		}
		var sets []springProps
		if strings.HasSuffix(f, ".properties") {
			sets = []springProps{parseProperties(f, src)}
		} else {
			sets, _ = parseSpringYAML(f, src)
		}
		for _, sp := range sets {
			for _, k := range sortedKeys(sp.props) { // the same answer every run
				v := sp.props[k]
				profile, key := fileProfile, k
				if strings.HasPrefix(k, "%") {
					prefix, rest, ok := strings.Cut(k[1:], ".")
					if !ok {
						continue
					}
					profile, key = prefix, rest
				}
				if key != srv.key && key != camelKey(srv.key) {
					continue
				}
				r := 1
				if srv.id == "quarkus" && profile == "prod" {
					profile, r = "", 2 // the profile of a packaged application wins
				}
				if profile == "dev" || profile == "test" || strings.Contains(profile, ",") {
					continue
				}
				hop := serverHop(srv.id, srv.id, Location{f, sp.lines[k]}, "")
				hop.Pattern = false
				hop.Idle, hop.Source = 0, ""
				d, note, ok := placeholderValue(v, srv.duration)
				if !ok {
					hop.Known, hop.Source = false, fmt.Sprintf("%s=%s is not a duration lbdoctor reads", k, v)
				} else {
					hop.Idle, hop.Source = d, fmt.Sprintf("%s=%s%s", k, v, note)
				}
				if r >= rank[profile] {
					out[profile], rank[profile] = hop, r
				}
			}
		}
	}
	return out
}

// camelKey is a kebab-case key in camel case (micronaut.server.idleTimeout),
// which Micronaut also accepts.
func camelKey(k string) string {
	parts := strings.Split(k, "-")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// placeholderValue resolves ${NAME:default} as Quarkus and Micronaut do
// when NAME is not set, then converts the value.
func placeholderValue(v string, conv func(string) (time.Duration, bool)) (time.Duration, string, bool) {
	note := ""
	for range 4 {
		m := springPlaceholderRe.FindStringSubmatch(strings.TrimSpace(v))
		if m == nil {
			break
		}
		if note == "" {
			note = fmt.Sprintf(" (its default: unless %s is set where the application runs)", m[1])
		}
		v = m[2]
	}
	d, ok := conv(v)
	return d, note, ok
}

// quarkusOrMicronaut reports whether the build file nearest to dir (up to
// root) is a Quarkus or Micronaut project's: its application.properties is
// not Spring's, though a parent build may name Spring for other modules,
// and Quarkus's Spring compatibility extensions do not bring Spring's server.
func quarkusOrMicronaut(root, dir string) bool {
	for {
		for _, n := range []string{"pom.xml", "build.gradle", "build.gradle.kts"} {
			if src, err := readCapped(filepath.Join(dir, n)); err == nil {
				return bytes.Contains(src, []byte("io.quarkus")) || bytes.Contains(src, []byte("io.micronaut"))
			}
		}
		if filepath.Clean(dir) == filepath.Clean(root) || filepath.Dir(dir) == dir {
			return false
		}
		dir = filepath.Dir(dir)
	}
}
