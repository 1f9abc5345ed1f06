package check

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
)

// Spring Boot takes properties from more places than its property files,
// and those win over them: environment variables (SERVER_TOMCAT_KEEPALIVETIMEOUT
// in a Dockerfile, a compose file, a Kubernetes container or an ECS task
// definition), -D system properties and --key=value arguments. A repository
// that raises the keep-alive that way must not be told its Tomcat keeps
// the 60 s default.

// springOverride is a Spring Boot server property set outside the
// application's property files.
type springOverride struct {
	key, value string // canonical property name and its value
	how        string // as written, for the report
	loc        Location
	project    string // the project of the file that sets it ("" at the root)
	text       []byte // the file, lower case: which services does it name?
}

// springIdleKeys are the canonical names of the embedded servers' idle
// settings.
var springIdleKeys = []string{
	"server.tomcat.keep-alive-timeout",
	"server.tomcat.connection-timeout",
	"server.jetty.connection-idle-timeout",
	"server.undertow.no-request-timeout",
	"server.netty.idle-timeout",
}

// springServerKeys are the properties read where they are set outside the
// property files: the idle settings, and which profiles' files apply (see
// applySpringProfiles).
var springServerKeys = append(slices.Clone(springIdleKeys), "spring.profiles.active", propMaxKeepAlive.key)

// springServerKey returns the canonical name of one of springServerKeys
// written in any form Spring's relaxed binding accepts: kebab, camel or
// underscore case in a property, upper case with underscores for dots (and
// dashes removed or, the legacy form, turned into underscores) in an
// environment variable.
func springServerKey(name string) (string, bool) {
	u := springUniform(strings.ReplaceAll(name, "_", "."))
	for _, k := range springServerKeys {
		if strings.ReplaceAll(springUniform(k), ".", "") == strings.ReplaceAll(u, ".", "") {
			return k, true
		}
	}
	return "", false
}

// The environment variables of springServerKeys, in both of Spring's forms
// (SERVER_TOMCAT_KEEPALIVETIMEOUT and SERVER_TOMCAT_KEEP_ALIVE_TIMEOUT), and
// of server.tomcat.max-keep-alive-requests.
const springEnvAlt = `(?:SERVER_(?:TOMCAT_KEEP_?ALIVE_?TIMEOUT|TOMCAT_CONNECTION_?TIMEOUT|JETTY_CONNECTION_?IDLE_?TIMEOUT|UNDERTOW_NO_?REQUEST_?TIMEOUT|NETTY_IDLE_?TIMEOUT|TOMCAT_MAX_?KEEP_?ALIVE_?REQUESTS)|SPRING_PROFILES_ACTIVE)`

var (
	// NAME=value, NAME: value (Dockerfile ENV, compose, .env, Terraform maps).
	springEnvAssignRe = regexp.MustCompile(`\b(` + springEnvAlt + `)\b["']?\s*[=:]\s*["']?([^"'\s,}\]]+)`)
	// Kubernetes env lists and ECS task definitions: name, then value.
	springEnvPairRe = regexp.MustCompile(`["']?name["']?\s*[:=]\s*["']?(` + springEnvAlt + `)["']?\s*,?\s*\n?\s*-?\s*["']?value["']?\s*[:=]\s*["']?([^"'\s,}]+)`)
	// -Dserver.tomcat.keep-alive-timeout=70s, --server.tomcat.keepAliveTimeout=70s
	springPropArgRe = regexp.MustCompile(`(?:-D|--)((?i:server\.(?:tomcat\.keep[-_]?alive[-_]?timeout|tomcat\.connection[-_]?timeout|jetty\.connection[-_]?idle[-_]?timeout|undertow\.no[-_]?request[-_]?timeout|netty\.idle[-_]?timeout|tomcat\.max[-_]?keep[-_]?alive[-_]?requests)|spring\.profiles\.active))=["']?([^"'\s]+)`)
)

// isSpringOverrideFile reports whether a file may set Spring properties for
// a running application.
func isSpringOverrideFile(name string) bool {
	lower := strings.ToLower(name)
	ext := strings.ToLower(path.Ext(name))
	return containerFile(name) || strings.HasPrefix(lower, ".env") || ext == ".yml" || ext == ".yaml" || ext == ".json" ||
		ext == ".tf" || ext == ".tfvars" || ext == ".tpl" || ext == ".tftpl" || ext == ".sh" || ext == ".service" || ext == ".env"
}

// findSpringOverrides reads the Spring server properties a file sets.
func findSpringOverrides(relp, project string, src []byte) []springOverride {
	if !bytes.Contains(src, []byte("SERVER_")) && !bytes.Contains(src, []byte("server.")) && !bytes.Contains(src, []byte("SPRING_PROFILES")) && !bytes.Contains(src, []byte("spring.profiles")) {
		return nil
	}
	var out []springOverride
	lower := bytes.ToLower(src)
	if len(lower) > 64<<10 {
		lower = lower[:64<<10]
	}
	add := func(key, value, how string, at int) {
		out = append(out, springOverride{key: key, value: value, how: how, project: project, text: lower,
			loc: Location{relp, bytes.Count(src[:at], []byte{'\n'}) + 1}})
	}
	seen := map[int]bool{}
	for _, m := range springEnvPairRe.FindAllSubmatchIndex(src, -1) {
		name, value := string(src[m[2]:m[3]]), string(src[m[4]:m[5]])
		seen[m[2]] = true
		key, _ := springServerKey(name)
		add(key, value, name+"="+value+" (environment)", m[2])
	}
	for _, m := range springEnvAssignRe.FindAllSubmatchIndex(src, -1) {
		// ${SERVER_TOMCAT_KEEP_ALIVE_TIMEOUT:20000} reads the variable, with a default.
		if seen[m[2]] || bytes.HasSuffix(src[:m[2]], []byte("${")) {
			continue
		}
		name, value := string(src[m[2]:m[3]]), string(src[m[4]:m[5]])
		key, _ := springServerKey(name)
		add(key, value, name+"="+value+" (environment)", m[2])
	}
	for _, m := range springPropArgRe.FindAllSubmatchIndex(src, -1) {
		key, _ := springServerKey(string(src[m[2]:m[3]]))
		add(key, string(src[m[4]:m[5]]), string(src[m[0]:m[1]]), m[0])
	}
	return out
}

// applySpringOverrides gives each Spring Boot hop the server properties set
// for it outside its property files: in a file of its own project, in a file
// that names its project, or anywhere when the repository has one Spring
// Boot application. Values that disagree make the hop unknown.
func (r *Report) applySpringOverrides(root string) {
	if len(r.springOverrides) == 0 {
		return
	}
	var spring []int
	for i, h := range r.Hops {
		if h.Role == App && (strings.HasPrefix(h.Kind, "spring-boot-") || h.Kind == "reactor-netty") {
			spring = append(spring, i)
		}
	}
	keys := map[string][]string{
		"spring-boot-tomcat":   {"server.tomcat.keep-alive-timeout", "server.tomcat.connection-timeout"},
		"spring-boot-jetty":    {"server.jetty.connection-idle-timeout"},
		"spring-boot-undertow": {"server.undertow.no-request-timeout"},
		"reactor-netty":        {"server.netty.idle-timeout"},
	}
	for _, i := range spring {
		h := &r.Hops[i]
		project, atRoot := projectOf(root, h.Location.File)
		for _, key := range keys[h.Kind] {
			var found []springOverride
			for _, o := range r.springOverrides {
				if o.key != key {
					continue
				}
				if overrideFor(o, project, atRoot, len(spring)) {
					found = append(found, o)
				}
			}
			if len(found) == 0 {
				continue
			}
			// The keep-alive property wins over connection-timeout, set where it may.
			if key == "server.tomcat.connection-timeout" && strings.HasPrefix(h.Source, "server.tomcat.keep-alive-timeout") {
				break
			}
			// The hop stays where the application is (its project links it
			// to its load balancer); the source says where the value is.
			o := found[0]
			h.Pattern = true
			for _, other := range found[1:] {
				if other.value != o.value {
					h.Known, h.Source = false, fmt.Sprintf("%s is set to different values outside the property files (%s, %s)", key, o.loc, other.loc)
					o.value = ""
					break
				}
			}
			if o.value == "" {
				break
			}
			d, ok := springDuration(o.value)
			how := fmt.Sprintf("%s at %s", o.how, o.loc)
			if h.Idle == NoKeepalive {
				break // the property files' max-keep-alive-requests=1 (below for one set here)
			}
			switch {
			case !ok:
				h.Known, h.Source = false, how+": not a literal duration"
			case d <= 0:
				h.Known, h.Idle, h.Source = true, Infinite, how+", which overrides the property files"
			default:
				h.Known, h.Idle, h.Source = true, d, how+", which overrides the property files"
			}
			break
		}
		if h.Kind != "spring-boot-tomcat" {
			continue
		}
		for _, o := range r.springOverrides {
			if o.key == propMaxKeepAlive.key && tomcatOneRequest(o.value) && overrideFor(o, project, atRoot, len(spring)) {
				h.Pattern, h.Known, h.Idle = true, true, NoKeepalive
				h.Source = fmt.Sprintf("%s at %s: one request per connection, then Connection: close", o.how, o.loc)
				break
			}
		}
	}
}
