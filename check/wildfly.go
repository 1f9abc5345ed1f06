package check

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// WildFly and JBoss EAP serve HTTP with Undertow: an http-listener of the
// undertow subsystem closes a connection idle for no-request-timeout
// milliseconds, 60000 unless set (Red Hat JBoss EAP 7 performance tuning
// guide, "Undertow listeners": "The length of time in milliseconds that the
// connection can be idle before it is closed. The default value is 60000
// milliseconds (1 minute)"). That equals ALB's default 60 s: the two race.

// wildflyDefaultIdle is no-request-timeout when nothing sets it.
const wildflyDefaultIdle = 60 * time.Second

// isWildFlyConfig reports whether an XML file is a WildFly server
// configuration with an undertow subsystem (standalone.xml and its
// variants, domain.xml).
func isWildFlyConfig(name string, src []byte) bool {
	return strings.HasSuffix(name, ".xml") && (strings.HasPrefix(name, "standalone") || name == "domain.xml") &&
		bytes.Contains(src, []byte("urn:jboss:domain:undertow:"))
}

// parseWildFly returns a hop per http-listener (and https-listener) of the
// undertow subsystems in a WildFly configuration.
func parseWildFly(path string, src []byte) ([]Hop, error) {
	var hops []Hop
	inUndertow := 0 // depth inside an undertow subsystem, 0 outside
	err := walkXML(path, src, func(tok xml.Token, line int) {
		switch t := tok.(type) {
		case xml.StartElement:
			if inUndertow > 0 {
				inUndertow++
			} else if t.Name.Local == "subsystem" && strings.HasPrefix(t.Name.Space, "urn:jboss:domain:undertow:") {
				inUndertow = 1
			}
			if inUndertow > 0 && (t.Name.Local == "http-listener" || t.Name.Local == "https-listener") {
				attr := xmlAttrs(t)
				hops = append(hops, wildflyListenerHop(Location{path, line}, t.Name.Local+` name="`+attr["name"]+`"`, attr["no-request-timeout"]))
			}
		case xml.EndElement:
			if inUndertow > 0 {
				inUndertow--
			}
		}
	})
	return hops, err
}

// wildflyListenerHop is the hop of an Undertow listener whose
// no-request-timeout is value ("" when not set).
func wildflyListenerHop(loc Location, listener, value string) Hop {
	hop := Hop{Role: App, Kind: "wildfly", Name: "WildFly/JBoss EAP " + listener, Known: true, Idle: wildflyDefaultIdle, Location: loc,
		Source: "no-request-timeout not set: Undertow's listener default (60000 ms)",
		Setting: func(d time.Duration) string {
			return fmt.Sprintf(`no-request-timeout="%d" on the http-listener (jboss-cli: /subsystem=undertow/server=default-server/http-listener=default:write-attribute(name=no-request-timeout,value=%d))`, ceilSecs(d)*1000, ceilSecs(d)*1000)
		}}
	if value == "" {
		return hop
	}
	v, note := value, ""
	// ${jboss.http.no.request.timeout:120000}: a system property's default.
	if m := wildflyExprRe.FindStringSubmatch(value); m != nil {
		v, note = m[2], fmt.Sprintf(" (%s's default, unless the server is started with -D%s=...)", m[1], m[1])
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	switch {
	case err != nil:
		hop.Known, hop.Idle = false, 0
		hop.Source = fmt.Sprintf(`no-request-timeout="%s": an expression lbdoctor cannot read`, value)
	case n <= 0:
		hop.Idle, hop.Source = Infinite, fmt.Sprintf(`no-request-timeout="%s"%s: no timeout`, value, note)
	default:
		hop.Idle, hop.Source = time.Duration(n)*time.Millisecond, fmt.Sprintf(`no-request-timeout="%s"%s`, value, note)
		if n < 1000 {
			hop.Source += fmt.Sprintf(" (milliseconds: %d000 would be %d s)", n, n)
		}
	}
	return hop
}

// wildflyExprRe is a WildFly expression with a default: ${name:default}.
var wildflyExprRe = regexp.MustCompile(`^\$\{([^:}]+):([^}]*)\}$`)

// wildflyCLIRe finds a jboss-cli command that sets a listener's
// no-request-timeout.
var wildflyCLIRe = regexp.MustCompile(`(?m)/subsystem=undertow/server=[^/\s]+/(https?-listener)=([^:\s]+):write-attribute\(\s*name\s*=\s*no-request-timeout\s*,\s*value\s*=\s*"?([^)"\s]+)"?\s*\)`)

// parseWildFlyCLI returns a hop per listener whose no-request-timeout a
// jboss-cli script (.cli) sets.
func parseWildFlyCLI(path string, src []byte) []Hop {
	var hops []Hop
	for _, m := range wildflyCLIRe.FindAllSubmatchIndex(src, -1) {
		listener := string(src[m[2]:m[3]]) + ` name="` + string(src[m[4]:m[5]]) + `"`
		hops = append(hops, wildflyListenerHop(Location{path, bytes.Count(src[:m[0]], []byte{'\n'}) + 1}, listener, string(src[m[6]:m[7]])))
	}
	return hops
}
