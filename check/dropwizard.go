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

	"go.yaml.in/yaml/v3"
)

// Dropwizard runs Jetty with connectors built from the application's YAML
// configuration (the file given to `java -jar app.jar server config.yml`).
// Each HTTP connector closes connections idle for its idleTimeout, 30 s
// unless set (Dropwizard's HttpConnectorFactory): shorter than ALB's 60 s.
// The default server type has applicationConnectors (an http one on 8080
// when none is configured); the simple type has one connector.

// dropwizardAppRe finds a Dropwizard application class: one that extends
// Application<C> (Java) or Application<C>() (Kotlin), in a file that
// imports Dropwizard. Libraries built on Dropwizard have none.
var dropwizardAppRe = regexp.MustCompile(`\bclass\s+(\w+)[^{;]*?(?:\bextends\s+|:\s*)Application\s*<`)

// dropwizardApp returns the line of a source file's Dropwizard application
// class (0 for none).
func dropwizardApp(src []byte) int {
	if !bytes.Contains(src, []byte("io.dropwizard")) {
		return 0
	}
	for _, m := range dropwizardAppRe.FindAllSubmatchIndex(src, -1) {
		name := string(src[m[2]:m[3]])
		if strings.HasSuffix(name, "Test") || slices.ContainsFunc([]string{"Fake", "Test", "Mock", "Stub", "Dummy"}, func(p string) bool { return strings.HasPrefix(name, p) }) {
			continue // a stand-in that tests start in code, not a deployed application
		}
		return lineAt(src, m[0])
	}
	return 0
}

// looksLikeDropwizardConfig reports whether YAML has Dropwizard's server
// section (its connectors), which no other framework names so.
func looksLikeDropwizardConfig(src []byte) bool {
	return bytes.Contains(src, []byte("server:")) &&
		(bytes.Contains(src, []byte("applicationConnectors")) || bytes.Contains(src, []byte("adminConnectors")) ||
			bytes.Contains(src, []byte("connector:")) && bytes.Contains(src, []byte("simple")))
}

// dropwizardDurationRe is Dropwizard's Duration: a count and a unit.
var dropwizardDurationRe = regexp.MustCompile(`^(\d+)\s*(ns|nanoseconds?|us|microseconds?|ms|milliseconds?|s|seconds?|m|min|mins|minutes?|h|hours?|d|days?)$`)

// dropwizardDuration parses "30 seconds", "90s", "2 minutes"; a variable
// with a default (${IDLE:-75s}, Dropwizard's environment substitution) is
// its default.
func dropwizardDuration(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "${") && strings.HasSuffix(v, "}") {
		_, def, ok := strings.Cut(v[2:len(v)-1], ":-")
		if !ok {
			return 0, false
		}
		v = def
	}
	m := dropwizardDurationRe.FindStringSubmatch(strings.ToLower(v))
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil || n > 1<<31 {
		return 0, false
	}
	unit := map[byte]time.Duration{'n': time.Nanosecond, 'u': time.Microsecond, 's': time.Second, 'h': time.Hour, 'd': 24 * time.Hour}[m[2][0]]
	switch {
	case m[2] == "ms" || strings.HasPrefix(m[2], "milli"):
		unit = time.Millisecond
	case m[2] == "m" || strings.HasPrefix(m[2], "min"):
		unit = time.Minute
	}
	return time.Duration(n) * unit, true
}

// parseDropwizardConfig reads the application connector's idle timeout
// from a Dropwizard configuration file.
func parseDropwizardConfig(file string, src []byte) (Hop, bool) {
	hop := serverHop("dropwizard", "dropwizard", Location{file, 1}, "Dropwizard's default connector idleTimeout (30 s)")
	hop.Pattern = false // read with a YAML parser
	docs, err := yamlDocs(file, src)
	if err != nil || len(docs) == 0 {
		return hop, false
	}
	server := get(docs[0], "server")
	if server == nil {
		return hop, true // the default server: an http connector at 30 s
	}
	hop.Location.Line = server.Line
	var connector *yaml.Node
	if c := get(server, "connector"); c != nil { // type: simple
		connector = c
	} else if cs := get(server, "applicationConnectors"); cs != nil && cs.Kind == yaml.SequenceNode {
		for _, c := range cs.Content {
			if t, _ := scalar(get(c, "type")); t == "" || t == "http" || t == "https" || t == "h2c" || t == "h2" {
				connector = c // the first one that speaks HTTP: where the load balancer sends
				break
			}
		}
	}
	if connector == nil {
		return hop, true
	}
	hop.Location.Line = connector.Line
	n := get(connector, "idleTimeout")
	if n == nil {
		hop.Source = "the application connector sets no idleTimeout: Dropwizard's default (30 s)"
		return hop, true
	}
	v, _ := scalar(n)
	hop.Location.Line = n.Line
	d, ok := dropwizardDuration(v)
	if !ok {
		hop.Known, hop.Idle, hop.Source = false, 0, fmt.Sprintf("idleTimeout %q is not a duration lbdoctor reads", v)
		return hop, true
	}
	hop.Idle, hop.Source = d, "idleTimeout: "+v
	return hop, true
}

// dropwizardHops gives each Dropwizard application (its module: the
// nearest directory with a build file above its application class) a hop
// per configuration file in the module, or the default at the class when
// it has none. apps and configs are keyed by path relative to root.
func dropwizardHops(root string, apps map[string]int, configs map[string][]byte) []Hop {
	modules := map[string]Location{} // module directory -> its application class
	for _, a := range sortedKeys(apps) {
		m := buildModule(root, a)
		if _, seen := modules[m]; !seen {
			modules[m] = Location{a, apps[a]}
		}
	}
	order := sortedKeys(modules)
	deepestFirst(order, func(d string) string { return d })
	var hops []Hop
	claimed := map[string]bool{}
	for _, dir := range order {
		n := 0
		for _, c := range sortedKeys(configs) {
			if claimed[c] || !inDir(dir, c) {
				continue
			}
			if hop, ok := parseDropwizardConfig(c, configs[c]); ok {
				hops = append(hops, hop)
				claimed[c] = true
				n++
			}
		}
		if n == 0 {
			// Medium confidence: the configuration it runs with may live elsewhere.
			hops = append(hops, serverHop("dropwizard", "dropwizard", modules[dir],
				"Dropwizard's default connector idleTimeout (30 s); no configuration file with a server section found"))
		}
	}
	return hops
}

// buildModule is the directory (relative, "." for the root) of the nearest
// build file (pom.xml, build.gradle, build.gradle.kts) above file.
func buildModule(root, file string) string {
	for d := path.Dir(file); ; d = path.Dir(d) {
		for _, b := range []string{"pom.xml", "build.gradle", "build.gradle.kts"} {
			if fileExists(filepath.Join(root, filepath.FromSlash(d), b)) {
				return d
			}
		}
		if d == "." || d == "/" {
			return "."
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
