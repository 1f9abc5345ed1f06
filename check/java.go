package check

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// tomcatDefault is Tomcat's connectionTimeout when server.xml does not set it
// (org.apache.coyote.http11.Constants.DEFAULT_CONNECTION_TIMEOUT).
const tomcatDefault = 60 * time.Second

// parseServerXML finds HTTP/1.1 connectors in a Tomcat server.xml. The idle
// keep-alive timeout is keepAliveTimeout, else connectionTimeout, else 60 s;
// values are milliseconds and -1 means none.
func parseServerXML(path string, src []byte) ([]Hop, error) {
	if !bytes.Contains(src, []byte("<Server")) {
		return nil, nil // another file of that name (Tomcat's own documentation page, say)
	}
	var hops []Hop
	err := walkXML(path, src, func(tok xml.Token, line int) {
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "Connector" {
			return
		}
		attrs := xmlAttrs(se)
		if p := attrs["protocol"]; strings.Contains(strings.ToUpper(p), "AJP") {
			return
		}
		hop := Hop{Role: App, Kind: "tomcat", Name: "Tomcat connector port " + attrs["port"], Known: true,
			Location: Location{path, line}, Setting: func(d time.Duration) string {
				return fmt.Sprintf(`<Connector ... keepAliveTimeout="%d">`, d.Milliseconds())
			}}
		switch {
		case attrs["keepAliveTimeout"] != "":
			hop.Idle, hop.Known = tomcatMillis(attrs["keepAliveTimeout"])
			hop.Source = fmt.Sprintf(`keepAliveTimeout="%s"`, attrs["keepAliveTimeout"])
		case attrs["connectionTimeout"] != "":
			hop.Idle, hop.Known = tomcatMillis(attrs["connectionTimeout"])
			hop.Source = fmt.Sprintf(`connectionTimeout="%s" (keepAliveTimeout not set, so it falls back to connectionTimeout)`, attrs["connectionTimeout"])
		default:
			hop.Idle, hop.Source = tomcatDefault, "Tomcat's default connectionTimeout (60 s); keepAliveTimeout not set"
		}
		if hop.Known && hop.Idle > 0 && hop.Idle < time.Second {
			ms := hop.Idle.Milliseconds()
			hop.Source += fmt.Sprintf(" (milliseconds: %d000 would be %d s)", ms, ms)
		}
		if m := attrs["maxKeepAliveRequests"]; tomcatOneRequest(m) {
			hop.Idle, hop.Known = NoKeepalive, true
			hop.Source = fmt.Sprintf(`maxKeepAliveRequests="%s": one request per connection, then Connection: close`, m)
		}
		hops = append(hops, hop)
	})
	return hops, err
}

// walkXML calls f with each token of an XML document and the line the
// decoder has reached (a start element's end); a malformed document stops
// it with a ParseError at its line.
func walkXML(path string, src []byte, f func(tok xml.Token, line int)) error {
	dec := xml.NewDecoder(bytes.NewReader(src))
	for {
		tok, err := dec.Token()
		line, _ := dec.InputPos()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &ParseError{Location{path, line}, fmt.Errorf("XML: %v", err)}
		}
		f(tok, line)
	}
}

// xmlAttrs maps an element's attributes by local name.
func xmlAttrs(se xml.StartElement) map[string]string {
	attrs := make(map[string]string, len(se.Attr))
	for _, a := range se.Attr {
		attrs[a.Name.Local] = a.Value
	}
	return attrs
}

// tomcatOneRequest reports whether a maxKeepAliveRequests value turns
// keep-alive off: Tomcat documents 1 so (measured: Tomcat 10.1 answers
// Connection: close); 0 and -1 are no limit.
func tomcatOneRequest(s string) bool {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return err == nil && n == 1
}

func tomcatMillis(s string) (time.Duration, bool) {
	if strings.Contains(s, "${") {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, false
	}
	// -1 is Tomcat's documented "no timeout"; 0 is one too (its poller
	// times a connection out only for a timeout above 0; measured: Tomcat
	// 10.1 with keepAliveTimeout="0" kept an idle connection open 25 s).
	if n <= 0 {
		return Infinite, true
	}
	return time.Duration(n) * time.Millisecond, true
}

// version is a dotted version number, e.g. 2.4.5.
type version [3]int

func parseVersion(s string) (version, bool) {
	var v version
	parts := strings.SplitN(strings.TrimPrefix(strings.TrimSpace(s), "v"), ".", 3)
	for i, p := range parts {
		p = strings.TrimFunc(p, func(r rune) bool { return r < '0' || r > '9' })
		if p == "" {
			if i == 0 {
				return v, false
			}
			break
		}
		n, err := strconv.Atoi(p)
		if err != nil {
			return v, false
		}
		v[i] = n
	}
	return v, true
}

func (v version) less(o version) bool {
	for i := range v {
		if v[i] != o[i] {
			return v[i] < o[i]
		}
	}
	return false
}

func (v version) String() string { return fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2]) }

var (
	pomParentRe = regexp.MustCompile(`(?s)<parent>.*?<artifactId>spring-boot-starter-parent</artifactId>.*?<version>([^<]+)</version>.*?</parent>`)
	pomBomRe    = regexp.MustCompile(`(?s)<artifactId>spring-boot-dependencies</artifactId>\s*<version>([^<]+)</version>`)
	gradleRe    = regexp.MustCompile(`(?:id\s*\(?\s*["']org\.springframework\.boot["']\s*\)?\s*version\s*\(?\s*["']([^"']+)["']|spring-boot-gradle-plugin:([0-9][^"')]+))`)
)

// springBootVersion reads the Spring Boot version from pom.xml or
// build.gradle(.kts) content; ok is false when it is not there.
func springBootVersion(name string, src []byte) (version, string, bool) {
	var m []string
	if strings.HasSuffix(name, ".xml") {
		if m = pomParentRe.FindStringSubmatch(string(src)); m == nil {
			m = pomBomRe.FindStringSubmatch(string(src))
		}
	} else if m = gradleRe.FindStringSubmatch(string(src)); m != nil && m[1] == "" {
		m = []string{m[0], m[2]}
	}
	if m == nil {
		return version{}, "", false
	}
	// <version>${spring-boot.version}</version>, the property set in the same pom.
	if p, ok := strings.CutPrefix(m[1], "${"); ok && strings.HasSuffix(p, "}") && strings.HasSuffix(name, ".xml") {
		p = strings.TrimSuffix(p, "}")
		if pm := regexp.MustCompile(`<` + regexp.QuoteMeta(p) + `>\s*([^<\s]+)\s*</`).FindSubmatch(src); pm != nil {
			m = []string{m[0], string(pm[1])}
		}
	}
	v, ok := parseVersion(m[1])
	return v, m[1], ok
}

// springProps are the properties of one application.properties file.
type springProps struct {
	file    string
	profile string // from the file name or the YAML document
	props   map[string]string
	lines   map[string]int
}

// get returns the value and line of key (canonical: lower-case kebab) as
// Spring's relaxed binding finds it: server.tomcat.keepAliveTimeout and
// server.tomcat.keep_alive_timeout set server.tomcat.keep-alive-timeout.
// Of several spellings, the last line wins; as is the key as written.
func (sp springProps) get(key string) (val string, line int, as string, ok bool) {
	u := springUniform(key)
	for k, v := range sp.props {
		if springUniform(k) == u && (!ok || sp.lines[k] > line) {
			val, line, as, ok = v, sp.lines[k], k, true
		}
	}
	return val, line, as, ok
}

// springUniform is a property name in the form Spring compares names in:
// lower case, without dashes or underscores.
func springUniform(key string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == '_':
			return -1
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return r
	}, key)
}

// parseProperties reads a .properties file as java.util.Properties does: a
// key ends at the first '=', ':' or blank, and a value may follow any of them.
func parseProperties(path string, src []byte) springProps {
	sp := springProps{file: path, props: map[string]string{}, lines: map[string]int{}}
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		i := strings.IndexAny(line, "=: \t")
		if i < 0 {
			continue
		}
		k, v := line[:i], strings.TrimSpace(line[i:])
		if line[i] == ' ' || line[i] == '\t' {
			if v != "" && (v[0] == '=' || v[0] == ':') {
				v = strings.TrimSpace(v[1:])
			}
		} else {
			v = strings.TrimSpace(v[1:])
		}
		sp.props[k], sp.lines[k] = v, n
	}
	return sp
}

// springPlaceholderRe is a property placeholder with a default:
// ${NAME:default}, the default possibly another placeholder.
var springPlaceholderRe = regexp.MustCompile(`^\$\{([^:}]+):(.*)\}$`)

// springValue resolves a property value as Spring does when the variable
// a placeholder names is not set: ${KEEP_ALIVE:70s} is 70s, and says so.
// A placeholder without a default cannot be resolved.
// A plain number under a second gets a note: Spring reads it as
// milliseconds, and keep-alive-timeout=70 meant as seconds is 70 ms.
func springValue(val string) (time.Duration, string, bool) {
	d, note, ok := placeholderValue(val, springDuration)
	if m := plainNumberRe.FindStringSubmatch(strings.TrimSpace(val)); ok && d > 0 && d < time.Second && m != nil {
		note += " (a number without a unit is milliseconds: " + m[1] + "s would be seconds)"
	}
	return d, note, ok
}

// plainNumberRe is a literal number without a unit, possibly inside a
// placeholder's default: 70, ${KEEP_ALIVE:70}.
var plainNumberRe = regexp.MustCompile(`^(?:\$\{[^:}]+:)?([0-9]+)\}?$`)

// springDuration converts a Spring Boot duration property: a plain number is
// milliseconds; otherwise 20s, 500ms, 1m, 1h, 1d, or ISO-8601 PT20S.
func springDuration(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "${") || s == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 {
			return Infinite, true
		}
		return time.Duration(n) * time.Millisecond, true
	}
	if strings.HasPrefix(strings.ToUpper(s), "PT") {
		d, err := time.ParseDuration(strings.ToLower(s[2:]))
		return d, err == nil
	}
	if strings.HasSuffix(s, "d") {
		n, err := strconv.ParseInt(strings.TrimSuffix(s, "d"), 10, 64)
		return time.Duration(n) * 24 * time.Hour, err == nil
	}
	d, err := time.ParseDuration(s)
	return d, err == nil
}

// springProperty says in which Spring Boot versions a key exists: since
// (inclusive) and until (exclusive; zero means still present).
type springProperty struct {
	key          string
	since, until version
}

var (
	propKeepAlive      = springProperty{"server.tomcat.keep-alive-timeout", version{2, 5, 0}, version{}}
	propMaxKeepAlive   = springProperty{"server.tomcat.max-keep-alive-requests", version{2, 5, 0}, version{}}
	propTomcatConnTO   = springProperty{"server.tomcat.connection-timeout", version{2, 1, 10}, version{}}
	propGenericConnTO  = springProperty{"server.connection-timeout", version{1, 0, 0}, version{2, 3, 0}}
	springTomcatChoice = []springProperty{propKeepAlive, propTomcatConnTO, propGenericConnTO}
)

// replacementFor says what to use instead of a property missing in version v.
func replacementFor(p springProperty, v version) string {
	if v.less(p.since) {
		for _, alt := range springTomcatChoice {
			if alt.existsIn(v) {
				return fmt.Sprintf("use %s in Spring Boot %s, or upgrade to %d.%d+ for %s", alt.key, v, p.since[0], p.since[1], p.key)
			}
		}
		return fmt.Sprintf("upgrade to Spring Boot %d.%d+ for %s", p.since[0], p.since[1], p.key)
	}
	return fmt.Sprintf("%s was removed in Spring Boot %d.%d: use %s", p.key, p.until[0], p.until[1], propTomcatConnTO.key)
}

func (p springProperty) existsIn(v version) bool {
	return !v.less(p.since) && (p.until == version{} || v.less(p.until))
}

// springHop resolves the embedded Tomcat idle keep-alive timeout of a Spring
// Boot application from its properties and version (known false when the
// version could not be found: then every key is believed).
func springHop(sp springProps, v version, vKnown bool, vSource string) (Hop, []Finding) {
	hop, findings := springIdleHop(sp, v, vKnown, vSource)
	if val, line, as, ok := springOneRequest(sp); ok && (!vKnown || propMaxKeepAlive.existsIn(v)) {
		hop.Idle, hop.Known, hop.Location = NoKeepalive, true, Location{sp.file, line}
		hop.Source = as + "=" + val + ": one request per connection, then Connection: close"
	}
	return hop, findings
}

// springOneRequest finds server.tomcat.max-keep-alive-requests=1 in sp (a
// placeholder's default too): Tomcat's maxKeepAliveRequests="1", which
// turns keep-alive off (tomcatOneRequest).
func springOneRequest(sp springProps) (val string, line int, as string, ok bool) {
	val, line, as, ok = sp.get(propMaxKeepAlive.key)
	if !ok {
		return "", 0, "", false
	}
	_, _, one := placeholderValue(val, func(v string) (time.Duration, bool) { return 0, tomcatOneRequest(v) })
	return val, line, as, one
}

// springIdleHop is springHop's idle timeout, before a limit of one request
// per connection.
func springIdleHop(sp springProps, v version, vKnown bool, vSource string) (Hop, []Finding) {
	hop := Hop{Role: App, Kind: "spring-boot-tomcat", Name: "Spring Boot (embedded Tomcat)", Known: true,
		Idle: tomcatDefault, Location: Location{sp.file, 1},
		Source: "Tomcat's default (60 s): Spring Boot sets no keep-alive timeout"}
	hop.Setting = func(d time.Duration) string {
		if vKnown && !propKeepAlive.existsIn(v) {
			if propTomcatConnTO.existsIn(v) {
				return fmt.Sprintf("server.tomcat.connection-timeout=%dms (Spring Boot %s has no server.tomcat.keep-alive-timeout; it arrived in 2.5)", d.Milliseconds(), v)
			}
			return fmt.Sprintf("server.connection-timeout=%dms (Spring Boot %s)", d.Milliseconds(), v)
		}
		return fmt.Sprintf("server.tomcat.keep-alive-timeout=%dms", d.Milliseconds())
	}
	var findings []Finding
	for _, p := range springTomcatChoice {
		val, line, as, ok := sp.get(p.key)
		if !ok {
			continue
		}
		loc := Location{sp.file, line}
		if vKnown && !p.existsIn(v) {
			findings = append(findings, Finding{Rule: RuleNoSuchProperty, Location: loc,
				Message: fmt.Sprintf("%s does not exist in Spring Boot %s (%s), so it has no effect", as, v, vSource),
				Fix:     replacementFor(p, v)})
			continue
		}
		d, note, ok := springValue(val)
		hop.Location = loc
		if !ok {
			hop.Known = false
			hop.Source = as + "=" + val + " cannot be resolved"
			findings = append(findings, Finding{Rule: RuleUnknown, Location: loc, Message: fmt.Sprintf("%s=%s is not a literal duration", as, val)})
			return hop, findings
		}
		hop.Idle = d
		if d == 0 { // as Tomcat takes 0: no timeout (tomcatMillis)
			hop.Idle = Infinite
		}
		hop.Source = as + "=" + val + note
		if p.key != propKeepAlive.key {
			hop.Source += " (keep-alive timeout falls back to the connection timeout)"
		}
		return hop, findings
	}
	if key, line, why, ok := springNearMiss(sp, "tomcat", propKeepAlive.key); ok {
		hop.Location.Line = line
		hop.Source += fmt.Sprintf("; %s %s", key, why)
	}
	return hop, findings
}

// springMisspelt are keys people write for the embedded server's idle
// timeout that Spring Boot does not have, in their uniform form; Spring
// ignores them without a word.
var springMisspelt = []string{
	"server.keepalivetimeout", "server.tomcat.keepalive", "server.tomcat.keepalivetime",
	"server.tomcat.keepalive.timeout", "server.tomcat.idletimeout", "server.idletimeout",
	"server.tomcat.connection.timeout",
}

// springIdleOwner are each embedded server's idle keys, in their uniform
// form: another server's is not read by the one in use.
var springIdleOwner = map[string]string{
	"server.tomcat.keepalivetimeout":             "Tomcat",
	"server.tomcat.connectiontimeout":            "Tomcat",
	"server.jetty.connectionidletimeout":         "Jetty",
	"server.netty.idletimeout":                   "Reactor Netty",
	"server.undertow.norequesttimeout":           "Undertow",
	"server.undertow.options.server.idletimeout": "Undertow",
}

// springNearMiss finds in sp a misspelt key (springMisspelt) or another
// server's (server: "tomcat", "jetty", "netty" or "undertow"), for the hop
// of a server that kept its default: the likely reason why. want is the
// server's own key, for the message.
func springNearMiss(sp springProps, server, want string) (key string, line int, why string, ok bool) {
	for k := range sp.props {
		u := springUniform(k)
		var w string
		if other := springIdleOwner[u]; other != "" && !strings.HasPrefix(u, "server."+server+".") {
			w = "is " + other + "'s, which this application does not run (its key is " + want + ")"
		} else if slices.Contains(springMisspelt, u) {
			w = "is not a Spring Boot property, which Spring ignores (the key is " + want + ")"
		} else {
			continue
		}
		if !ok || sp.lines[k] < line {
			key, line, why, ok = k, sp.lines[k], w, true
		}
	}
	return key, line, why, ok
}
