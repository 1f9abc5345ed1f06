package check

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lbdoctor/lbdoctor/stacks"
)

// Traefik's static configuration: each entryPoint closes idle client
// connections after transport.respondingTimeouts.idleTimeout (180 s), and
// the default serversTransport pools connections to the backends (Go's
// http.Transport, maxIdleConnsPerHost 200) for forwardingTimeouts.
// idleConnTimeout (90 s). Read from traefik.yml/.yaml/.toml and from the
// --entrypoints.* and --serverstransport.* flags of a command line (compose,
// Kubernetes args). Values are durations ("90s") or plain seconds.
//
// The files are read line by line with their key paths, not with a YAML or
// TOML parser: starter kits template them (cookiecutter-django's traefik.yml
// holds Jinja {% if %} lines), which no parser accepts.

const traefikPoolIdle = 90 * time.Second // forwardingTimeouts.idleConnTimeout default

// traefikConfig collects the settings found, by lower-cased key path.
type traefikConfig struct {
	entryPoints map[string]Location // by name, where defined
	idle        map[string]traefikValue
	poolIdle    *traefikValue
	poolOff     *traefikValue // maxIdleConnsPerHost < 0 (no idle connections), or an idle time not known here: no pool compared
	where       Location      // where the configuration starts, for a hop without entryPoints
	env         bool          // read from TRAEFIK_* variables: the fix is one too
}

type traefikValue struct {
	d   time.Duration
	raw string
	loc Location
}

func newTraefikConfig(loc Location) *traefikConfig {
	return &traefikConfig{entryPoints: map[string]Location{}, idle: map[string]traefikValue{}, where: loc}
}

// set records one setting; path is lower case, dot-separated.
func (c *traefikConfig) set(path, value string, loc Location) {
	value = strings.Trim(strings.TrimSpace(value), `"'`)
	parts := strings.Split(path, ".")
	switch {
	case len(parts) >= 2 && parts[0] == "entrypoints":
		name := parts[1]
		if _, ok := c.entryPoints[name]; !ok {
			c.entryPoints[name] = loc
		}
		if strings.HasSuffix(path, ".transport.respondingtimeouts.idletimeout") {
			if d, ok := traefikDuration(value); ok {
				c.idle[name] = traefikValue{d, value, loc}
			}
		}
	case path == "serverstransport.forwardingtimeouts.idleconntimeout":
		if d, ok := traefikDuration(value); ok {
			c.poolIdle = &traefikValue{d, value, loc}
		} else if value != "" {
			c.poolOff = &traefikValue{0, value, loc} // set where Traefik runs: not compared
		}
	case path == "serverstransport.maxidleconnsperhost":
		if n, err := strconv.Atoi(value); err == nil && n < 0 {
			c.poolOff = &traefikValue{0, value, loc}
		}
	}
}

// traefikDuration reads a Traefik duration: Go's syntax, or seconds. A
// compose variable with a default (${IDLE:-30s}) is its default, as
// Compose substitutes it when the variable is not set.
func traefikDuration(s string) (time.Duration, bool) {
	if strings.HasPrefix(s, "${") && strings.HasSuffix(s, "}") {
		_, def, ok := strings.Cut(s[2:len(s)-1], ":-")
		if !ok {
			return 0, false
		}
		s = def
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	d, err := time.ParseDuration(s)
	return d, err == nil && d >= 0
}

// traefikTransportsRe finds named serversTransports of Traefik's dynamic
// configuration: the file provider's http.serversTransports (YAML or TOML)
// or a Kubernetes ServersTransport resource.
var traefikTransportsRe = regexp.MustCompile(`(?m)^\s*(?:serversTransports\s*:|\[http\.serversTransports\b|kind:\s*ServersTransport\s*$)`)

var (
	yamlKeyRe = regexp.MustCompile(`^(\s*)(?:- )?([A-Za-z0-9_.-]+)\s*:(?:\s+(.*))?$`)
	tomlHdrRe = regexp.MustCompile(`^\s*\[([A-Za-z0-9_.\-"]+)\]\s*$`)
	tomlKeyRe = regexp.MustCompile(`^\s*([A-Za-z0-9_.\-"]+)\s*=\s*(.*)$`)
	// traefikFlagRe finds the static configuration flags on a command line.
	traefikFlagRe = regexp.MustCompile(`(?i)--((?:entrypoints|serverstransport)\.[a-z0-9_.\-]+)[= ]["']?(\$\{[^}\s]*\}|[^\s"',\]]+)`)
)

// isTraefikFile reports whether name is Traefik's static configuration file.
func isTraefikFile(name string) bool {
	switch strings.ToLower(name) {
	case "traefik.yml", "traefik.yaml", "traefik.toml":
		return true
	}
	return false
}

// parseTraefikFile reads a traefik.yml, traefik.yaml or traefik.toml.
func parseTraefikFile(path string, src []byte) []Hop {
	c := newTraefikConfig(Location{path, 1})
	toml := strings.HasSuffix(strings.ToLower(path), ".toml")
	type level struct {
		indent int
		key    string
	}
	var stack []level
	table := ""
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") || strings.HasPrefix(trimmed, "{%") || strings.HasPrefix(trimmed, "{{") {
			continue
		}
		loc := Location{path, n}
		if toml {
			if m := tomlHdrRe.FindStringSubmatch(line); m != nil {
				table = strings.ToLower(strings.ReplaceAll(m[1], `"`, ""))
				c.set(table, "", loc)
				continue
			}
			if m := tomlKeyRe.FindStringSubmatch(line); m != nil {
				key := strings.ToLower(strings.ReplaceAll(m[1], `"`, ""))
				if table != "" {
					key = table + "." + key
				}
				c.set(key, m[2], loc)
			}
			continue
		}
		m := yamlKeyRe.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		indent := len(m[1])
		for len(stack) > 0 && stack[len(stack)-1].indent >= indent {
			stack = stack[:len(stack)-1]
		}
		stack = append(stack, level{indent, strings.ToLower(m[2])})
		keys := make([]string, len(stack))
		for i, l := range stack {
			keys[i] = l.key
		}
		c.set(strings.Join(keys, "."), m[3], loc)
	}
	return c.hops()
}

var (
	traefikImageRe   = regexp.MustCompile(`image:\s*["']?(?:[\w.\-/]+/)?traefik[:@"'\s]`)
	traefikAddressRe = regexp.MustCompile(`--entrypoints\.[a-z0-9_\-]+\.address=|\btraefik_entrypoints_[a-z0-9_\-]+?_address\b`)
	// traefikEnvRe finds the static configuration's environment variables
	// lbdoctor reads, as KEY=value (compose lists, docker run -e, .env
	// lines) or KEY: value (compose maps), and traefikEnvPairRe a
	// Kubernetes env entry (name: KEY, then value: on the next line).
	traefikEnvRe     = regexp.MustCompile(`(?i)\bTRAEFIK_(` + traefikEnvKeys + `)["']?\s*[=:][ \t]*["']?(\$\{[^}\s]*\}|[^\s"',\]#]+)`)
	traefikEnvPairRe = regexp.MustCompile(`(?i)name:\s*["']?TRAEFIK_(` + traefikEnvKeys + `)["']?[ \t]*\r?\n\s*value:[ \t]*["']?(\$\{[^}\s]*\}|[^\s"',\]#]+)`)
)

// traefikEnvKeys are the variables' names after TRAEFIK_: an entryPoint's
// address (which defines it) and idle timeout, and the backend pool's.
const traefikEnvKeys = `ENTRYPOINTS_[A-Za-z0-9_\-]+?_(?:ADDRESS|TRANSPORT_RESPONDINGTIMEOUTS_IDLETIMEOUT)|SERVERSTRANSPORT_(?:FORWARDINGTIMEOUTS_IDLECONNTIMEOUT|MAXIDLECONNSPERHOST)`

// traefikEnvPath turns a variable's name after TRAEFIK_ into the key path
// set takes: ENTRYPOINTS_WEB_ADDRESS is entrypoints.web.address (the name
// between keeps its underscores).
func traefikEnvPath(key string) string {
	key = strings.ToLower(key)
	if rest, ok := strings.CutPrefix(key, "entrypoints_"); ok {
		for _, suffix := range []string{"_address", "_transport_respondingtimeouts_idletimeout"} {
			if name, ok := strings.CutSuffix(rest, suffix); ok {
				return "entrypoints." + name + strings.ReplaceAll(suffix, "_", ".")
			}
		}
	}
	return strings.ReplaceAll(key, "_", ".")
}

// parseTraefikFlags reads the static configuration of a Traefik in a
// compose file or a Kubernetes manifest, from its command line's flags or,
// when it has none, from its TRAEFIK_* environment variables (Traefik reads
// one source only: flags before variables). The file runs a traefik image
// and passes --entrypoints.* flags or TRAEFIK_ENTRYPOINTS_* variables, or
// (a compose override that names no image) defines an entryPoint's
// address, which no other server does.
func parseTraefikFlags(path string, src []byte) []Hop {
	lower := bytes.ToLower(src)
	at := traefikImageRe.FindIndex(lower)
	if at == nil || !bytes.Contains(lower, []byte("--entrypoints.")) && !bytes.Contains(lower, []byte("traefik_entrypoints_")) {
		if at = traefikAddressRe.FindIndex(lower); at == nil {
			return nil
		}
	}
	lineOf := func(off int) int { return bytes.Count(src[:off], []byte{'\n'}) + 1 }
	c := newTraefikConfig(Location{path, lineOf(at[0])})
	// commented reports whether the match at off is on a comment line.
	commented := func(off int) bool {
		start := bytes.LastIndexByte(src[:off], '\n') + 1
		return bytes.HasPrefix(bytes.TrimLeft(src[start:off], " \t"), []byte("#"))
	}
	flags := 0
	for _, m := range traefikFlagRe.FindAllSubmatchIndex(src, -1) {
		if !commented(m[0]) {
			c.set(strings.ToLower(string(src[m[2]:m[3]])), string(src[m[4]:m[5]]), Location{path, lineOf(m[0])})
			flags++
		}
	}
	if flags == 0 {
		c.env = true
		for _, re := range []*regexp.Regexp{traefikEnvRe, traefikEnvPairRe} {
			for _, m := range re.FindAllSubmatchIndex(src, -1) {
				if !commented(m[0]) {
					c.set(traefikEnvPath(string(src[m[2]:m[3]])), string(src[m[4]:m[5]]), Location{path, lineOf(m[0])})
				}
			}
		}
	}
	return c.hops()
}

// hops gives one proxy hop per entryPoint, each carrying the backend pool.
func (c *traefikConfig) hops() []Hop {
	t := stacks.Must("traefik")
	pool, poolLoc, poolSrc := traefikPoolIdle, c.where, "Traefik's default forwardingTimeouts.idleConnTimeout (90 s)"
	if c.poolIdle != nil {
		pool, poolLoc, poolSrc = c.poolIdle.d, c.poolIdle.loc, "serversTransport.forwardingTimeouts.idleConnTimeout "+c.poolIdle.raw
	}
	if c.poolOff != nil { // no idle connections: no pool to race
		pool, poolLoc, poolSrc = 0, c.poolOff.loc, ""
	}
	names := make([]string, 0, len(c.entryPoints))
	for name := range c.entryPoints {
		names = append(names, name)
	}
	sort.Strings(names)
	if len(names) == 0 {
		names = []string{""}
	}
	var hops []Hop
	for _, name := range names {
		hop := Hop{Role: Proxy, Kind: "traefik", Name: "Traefik", Known: true, Idle: t.DefaultIdle,
			Source: "Traefik's default respondingTimeouts.idleTimeout (180 s)", Location: c.where,
			UpstreamIdle: pool, UpstreamLoc: poolLoc, UpstreamSource: poolSrc}
		if name != "" {
			hop.Name = "Traefik entryPoint " + name
			hop.Location = c.entryPoints[name]
		}
		if v, ok := c.idle[name]; ok {
			hop.Idle, hop.Source, hop.Location = v.d, "respondingTimeouts.idleTimeout "+v.raw, v.loc
		}
		ep := name
		if ep == "" {
			ep = "NAME"
		}
		env := c.env
		hop.Setting = func(d time.Duration) string {
			secs := int64((d + time.Second - 1) / time.Second)
			if env {
				return fmt.Sprintf("TRAEFIK_ENTRYPOINTS_%s_TRANSPORT_RESPONDINGTIMEOUTS_IDLETIMEOUT=%ds", strings.ToUpper(ep), secs)
			}
			return fmt.Sprintf("entryPoints.%s.transport.respondingTimeouts.idleTimeout: %ds", ep, secs)
		}
		hops = append(hops, hop)
	}
	return hops
}
