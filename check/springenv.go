package check

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
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

// springEnvNames maps the environment variable of each property (Spring's
// relaxed binding: dots to underscores, dashes removed, upper case).
var springEnvNames = map[string]string{
	"SERVER_TOMCAT_KEEPALIVETIMEOUT":     "server.tomcat.keep-alive-timeout",
	"SERVER_TOMCAT_CONNECTIONTIMEOUT":    "server.tomcat.connection-timeout",
	"SERVER_JETTY_CONNECTIONIDLETIMEOUT": "server.jetty.connection-idle-timeout",
	"SERVER_UNDERTOW_NOREQUESTTIMEOUT":   "server.undertow.no-request-timeout",
	"SERVER_NETTY_IDLETIMEOUT":           "server.netty.idle-timeout",
}

const springEnvAlt = `SERVER_(?:TOMCAT_KEEPALIVETIMEOUT|TOMCAT_CONNECTIONTIMEOUT|JETTY_CONNECTIONIDLETIMEOUT|UNDERTOW_NOREQUESTTIMEOUT|NETTY_IDLETIMEOUT)`

var (
	// NAME=value, NAME: value (Dockerfile ENV, compose, .env, Terraform maps).
	springEnvAssignRe = regexp.MustCompile(`\b(` + springEnvAlt + `)\b["']?\s*[=:]\s*["']?([^"'\s,}\]]+)`)
	// Kubernetes env lists and ECS task definitions: name, then value.
	springEnvPairRe = regexp.MustCompile(`["']?name["']?\s*[:=]\s*["']?(` + springEnvAlt + `)["']?\s*,?\s*\n?\s*-?\s*["']?value["']?\s*[:=]\s*["']?([^"'\s,}]+)`)
	// -Dserver.tomcat.keep-alive-timeout=70s, --server.tomcat.keep-alive-timeout=70s
	springPropArgRe = regexp.MustCompile(`(?:-D|--)(server\.(?:tomcat\.keep-alive-timeout|tomcat\.connection-timeout|jetty\.connection-idle-timeout|undertow\.no-request-timeout|netty\.idle-timeout))=["']?([^"'\s]+)`)
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
	if !bytes.Contains(src, []byte("SERVER_")) && !bytes.Contains(src, []byte("server.")) {
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
		add(springEnvNames[name], value, name+"="+value+" (environment)", m[2])
	}
	for _, m := range springEnvAssignRe.FindAllSubmatchIndex(src, -1) {
		if seen[m[2]] {
			continue
		}
		name, value := string(src[m[2]:m[3]]), string(src[m[4]:m[5]])
		add(springEnvNames[name], value, name+"="+value+" (environment)", m[2])
	}
	for _, m := range springPropArgRe.FindAllSubmatchIndex(src, -1) {
		key, value := string(src[m[2]:m[3]]), string(src[m[4]:m[5]])
		add(key, value, string(src[m[0]:m[1]]), m[0])
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
				if !atRoot && (o.project == project || project != "" && len(project) >= 3 && bytes.Contains(o.text, []byte(project))) || len(spring) == 1 {
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
	}
}
