package check

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The fix most answers give for this very 502 sets the timeout in code, not
// in a property: a WebServerFactoryCustomizer (or TomcatConnectorCustomizer)
// bean that calls setKeepAliveTimeout(70000) on the connector's protocol
// handler. Spring Boot applies such customizers after the one that reads
// application.properties, so the code's value wins. A value lbdoctor cannot
// read there makes the application's timeout unknown.

// tomcatCodeRe finds a file that customizes the embedded Tomcat.
var tomcatCodeRe = regexp.MustCompile(`TomcatServletWebServerFactory|TomcatReactiveWebServerFactory|ConfigurableTomcatWebServerFactory|TomcatConnectorCustomizer|AbstractHttp11Protocol|Http11NioProtocol|Http11Nio2Protocol`)

// tomcatSetterRe finds the setters, and their argument up to the closing
// parenthesis of the call (one level of nesting).
var tomcatSetterRe = regexp.MustCompile(`\.(setKeepAliveTimeout|setConnectionTimeout|setMaxKeepAliveRequests)\s*\(((?:[^()]|\([^()]*\))*)\)`)

// tomcatPropertyRe finds connector.setProperty("keepAliveTimeout", "70000").
var tomcatPropertyRe = regexp.MustCompile(`\.setProperty\(\s*"(keepAliveTimeout|connectionTimeout|maxKeepAliveRequests)"\s*,\s*"([^"]*)"\s*\)`)

// springCode is a setting of the embedded server made in an application's code.
type springCode struct {
	setter string // setKeepAliveTimeout, setConnectionTimeout or setMaxKeepAliveRequests (of 1 only)
	expr   string
	idle   time.Duration
	known  bool
	loc    Location
}

// findTomcatCode reads the Tomcat connector settings a Java or Kotlin
// source under src/main makes.
func findTomcatCode(relp string, src []byte) []springCode {
	if !strings.Contains(relp, "src/main/") || !tomcatCodeRe.Match(src) {
		return nil
	}
	consts := javaConstants(src)
	var out []springCode
	for _, m := range tomcatPropertyRe.FindAllSubmatchIndex(src, -1) {
		setter := "set" + strings.ToUpper(string(src[m[2]:m[2]+1])) + string(src[m[2]+1:m[3]])
		expr := string(src[m[4]:m[5]])
		out = append(out, tomcatSetting(setter, expr, consts, Location{relp, bytes.Count(src[:m[0]], []byte{'\n'}) + 1}))
	}
	for _, m := range tomcatSetterRe.FindAllSubmatchIndex(src, -1) {
		// HTTP/2's own keep-alive (Http2Protocol, an upgrade protocol) is not
		// the HTTP/1.1 one a load balancer's connections use.
		lineStart := bytes.LastIndexByte(src[:m[0]], '\n') + 1
		if prefix := src[lineStart:m[0]]; bytes.Contains(prefix, []byte("Http2")) || bytes.Contains(bytes.ToLower(prefix), []byte("upgrade")) {
			continue
		}
		expr := strings.TrimSpace(string(src[m[4]:m[5]]))
		out = append(out, tomcatSetting(string(src[m[2]:m[3]]), expr, consts, Location{relp, bytes.Count(src[:m[0]], []byte{'\n'}) + 1}))
	}
	return out
}

// tomcatSetting is a setter's value, read as Tomcat takes it: 0 or -1
// times no connection out (see tomcatMillis).
func tomcatSetting(setter, expr string, consts map[string]string, at Location) springCode {
	d, ok := javaMillis(expr, consts, 0)
	if setter == "setMaxKeepAliveRequests" {
		// A count, not a time: only 1 matters (tomcatOneRequest).
		return springCode{setter: setter, expr: expr, idle: NoKeepalive, known: ok && d == time.Millisecond, loc: at}
	}
	if ok && d <= 0 {
		d = Infinite
	}
	return springCode{setter: setter, expr: expr, idle: d, known: ok, loc: at}
}

// javaConstRe finds a constant: static final int KEEP_ALIVE = 70_000;
// (Kotlin: const val KEEP_ALIVE = 70_000).
var javaConstRe = regexp.MustCompile(`(?m)(?:static\s+final\s+(?:int|long|Integer|Long)|const\s+val|val)\s+(\w+)\s*(?::\s*\w+\s*)?=\s*([^;\n]+)`)

func javaConstants(src []byte) map[string]string {
	out := map[string]string{}
	for _, m := range javaConstRe.FindAllSubmatch(src, -1) {
		if _, dup := out[string(m[1])]; dup {
			out[string(m[1])] = "" // declared twice: not known
			continue
		}
		out[string(m[1])] = strings.TrimSpace(string(m[2]))
	}
	return out
}

var (
	javaDurationRe = regexp.MustCompile(`^\(?\s*(?:\(int\)\s*)?(?:java\.time\.)?Duration\.of(Millis|Seconds|Minutes)\(\s*([0-9_]+)L?\s*\)\.toMillis\(\)\s*\)?$`)
	javaCastRe     = regexp.MustCompile(`^\((?:int|long)\)\s*`)
)

// javaMillis evaluates a setter's argument in milliseconds: a number
// (70000, 70_000, 70000L), a product or sum of numbers (70 * 1000), a
// constant of the file, or (int) Duration.ofSeconds(70).toMillis().
func javaMillis(expr string, consts map[string]string, depth int) (time.Duration, bool) {
	expr = strings.TrimSpace(javaCastRe.ReplaceAllString(strings.TrimSpace(expr), ""))
	if depth > 4 || expr == "" {
		return 0, false
	}
	if m := javaDurationRe.FindStringSubmatch(expr); m != nil {
		n, err := strconv.ParseInt(strings.ReplaceAll(m[2], "_", ""), 10, 64)
		unit := map[string]time.Duration{"Millis": time.Millisecond, "Seconds": time.Second, "Minutes": time.Minute}[m[1]]
		return time.Duration(n) * unit, err == nil
	}
	if c, ok := consts[expr]; ok {
		return javaMillis(c, consts, depth+1)
	}
	for _, op := range []string{"+", "*"} {
		if parts := strings.Split(expr, op); len(parts) > 1 {
			total := int64(0)
			if op == "*" {
				total = 1
			}
			for _, p := range parts {
				d, ok := javaMillis(p, consts, depth+1)
				if !ok {
					return 0, false
				}
				if op == "*" {
					total *= int64(d / time.Millisecond)
				} else {
					total += int64(d / time.Millisecond)
				}
			}
			return time.Duration(total) * time.Millisecond, true
		}
	}
	n, err := strconv.ParseInt(strings.TrimRight(strings.ReplaceAll(expr, "_", ""), "lL"), 10, 64)
	return time.Duration(n) * time.Millisecond, err == nil
}

// applySpringCode gives each Spring Boot application on Tomcat the
// connector settings its own module's code makes (see the comment at the
// top of this file): setKeepAliveTimeout wins over everything; a
// setConnectionTimeout counts when no keep-alive timeout is set anywhere.
func (r *Report) applySpringCode(root string) {
	if len(r.springCode) == 0 {
		return
	}
	for i := range r.Hops {
		h := &r.Hops[i]
		if h.Kind != "spring-boot-tomcat" {
			continue
		}
		module := springModule(h.Location.File)
		// One setting of each kind, or several that agree; settings that
		// disagree (two connectors, two customizers) are not known.
		var keep, conn, one *springCode
		for j := range r.springCode {
			c := &r.springCode[j]
			if springModule(c.loc.File) != module {
				continue
			}
			if c.setter == "setMaxKeepAliveRequests" {
				if c.known && one == nil {
					one = c
				}
				continue
			}
			first := &keep
			if c.setter == "setConnectionTimeout" {
				first = &conn
			}
			switch {
			case *first == nil:
				*first = c
			case (*first).known != c.known || (*first).idle != c.idle:
				*first = &springCode{setter: c.setter, expr: (*first).expr + ", " + c.expr, loc: (*first).loc}
			}
		}
		if one != nil {
			h.Pattern, h.Known, h.Idle = true, true, NoKeepalive
			h.Source = fmt.Sprintf("setMaxKeepAliveRequests(%s) at %s, in a customizer of the application's code: one request per connection, then Connection: close", one.expr, one.loc)
			continue
		}
		c := keep
		if c == nil && conn != nil && !strings.Contains(springUniform(h.Source), "keepalivetimeout") {
			c = conn
		}
		if c == nil {
			continue
		}
		h.Pattern = true
		if !c.known {
			h.Known, h.Idle = false, 0
			h.Source = fmt.Sprintf("%s(%s) at %s, in the application's code: not one value lbdoctor can read", c.setter, c.expr, c.loc)
			continue
		}
		h.Known, h.Idle = true, c.idle
		h.Source = fmt.Sprintf("%s(%s) at %s, in a customizer of the application's code, which wins over its properties", c.setter, c.expr, c.loc)
		if c.setter == "setConnectionTimeout" {
			h.Source += " (keep-alive timeout falls back to the connection timeout)"
		}
	}
}

// springModule is the application a file of a Maven or Gradle project
// belongs to: the directory above its src/main/ ("." at the root), or, for
// a file outside the jar, the directory the application runs in
// (application.yml, or config/application.yml, beside the build).
func springModule(file string) string {
	if i := strings.LastIndex(file, "src/main/"); i >= 0 {
		return path.Clean("./" + file[:i])
	}
	dir := path.Dir(file)
	if path.Base(dir) == "config" {
		dir = path.Dir(dir)
	}
	return dir
}
