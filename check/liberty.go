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

// Open Liberty and WebSphere Liberty keep an idle connection persistTimeout
// long, an attribute of the httpOptions an httpEndpoint uses: its own nested
// <httpOptions>, the one its httpOptionsRef names, else the one with id
// defaultHttpOptions. Unset, it is 30 s (OpenLiberty/open-liberty#17040:
// "the persistent timeout of 30 seconds (persistTimeout) which closes an
// idle keepalive socket after 30 seconds"), below ALB's 60 s.
// keepAliveEnabled="false" turns keep-alive off.

// libertyDefaultPersist is persistTimeout when nothing sets it.
const libertyDefaultPersist = 30 * time.Second

// isLibertyServerXML reports whether a server.xml is Liberty's: its root
// element is <server> (Tomcat's is <Server>).
func isLibertyServerXML(src []byte) bool {
	dec := xml.NewDecoder(bytes.NewReader(src))
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Local == "server"
		}
	}
}

// libertyOptions are an httpOptions element's settings.
type libertyOptions struct {
	persist, keepAlive string // as written ("" when not set)
	line               int
}

// parseLibertyServerXML returns a hop per httpEndpoint of a Liberty
// server.xml.
func parseLibertyServerXML(path string, src []byte) ([]Hop, error) {
	type endpoint struct {
		id, port, ref string
		line          int
		own           *libertyOptions // a nested <httpOptions>
	}
	var endpoints []*endpoint
	options := map[string]*libertyOptions{} // top-level httpOptions by id
	vars := map[string]libertyVar{}         // <variable name=... value=.../>
	var cur *endpoint                       // the httpEndpoint being read
	depth := 0
	err := walkXML(path, src, func(tok xml.Token, line int) {
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			attr := xmlAttrs(t)
			switch t.Name.Local {
			case "variable":
				if depth == 2 && attr["name"] != "" {
					vars[attr["name"]] = libertyVar{attr["value"], attr["defaultValue"]}
				}
			case "httpEndpoint":
				if depth == 2 {
					cur = &endpoint{id: attr["id"], port: attr["httpPort"], ref: attr["httpOptionsRef"], line: line}
					endpoints = append(endpoints, cur)
				}
			case "httpOptions":
				o := &libertyOptions{persist: attr["persistTimeout"], keepAlive: attr["keepAliveEnabled"], line: line}
				switch {
				case cur != nil && depth == 3:
					cur.own = o
				case depth == 2:
					id := attr["id"]
					if id == "" {
						id = "defaultHttpOptions"
					}
					options[id] = o
				}
			}
		case xml.EndElement:
			if t.Name.Local == "httpEndpoint" && depth == 2 {
				cur = nil
			}
			depth--
		}
	})
	if err != nil {
		return nil, err
	}
	var hops []Hop
	for _, e := range endpoints {
		name := "Liberty httpEndpoint"
		if e.id != "" {
			name += " " + e.id
		}
		if e.port != "" {
			port, _, _ := libertyResolve(e.port, vars)
			name += " (port " + port + ")"
		}
		hop := Hop{Role: App, Kind: "liberty", Name: name, Known: true, Idle: libertyDefaultPersist, Location: Location{path, e.line},
			Source: "persistTimeout not set: Liberty's default (30 s)",
			Setting: func(d time.Duration) string {
				return fmt.Sprintf(`<httpOptions id="defaultHttpOptions" persistTimeout="%ds"/>  (server.xml; or on the httpOptions the httpEndpoint's httpOptionsRef names)`, ceilSecs(d))
			}}
		o, how := e.own, "its nested httpOptions"
		if o == nil {
			ref := e.ref
			if ref == "" {
				ref = "defaultHttpOptions"
			}
			o, how = options[ref], `httpOptions "`+ref+`"`
			if e.ref != "" && o == nil {
				hop.Known, hop.Idle = false, 0
				hop.Source = fmt.Sprintf(`httpOptionsRef="%s" names httpOptions that are not in this file (an included file, or the server's defaults)`, e.ref)
				hops = append(hops, hop)
				continue
			}
		}
		if o != nil {
			switch {
			case strings.EqualFold(o.keepAlive, "false"):
				hop.Idle, hop.Location.Line = NoKeepalive, o.line
				hop.Source = fmt.Sprintf(`keepAliveEnabled="false" (%s): Connection: close after each response`, how)
			case o.persist != "":
				hop.Location.Line = o.line
				v, note, resolved := libertyResolve(o.persist, vars)
				if d, ok := libertyDuration(v); ok && resolved {
					hop.Idle, hop.Source = d, fmt.Sprintf(`persistTimeout="%s"%s (%s)`, o.persist, note, how)
					if d == 0 {
						hop.Idle, hop.Source = Infinite, hop.Source+": 0 is no timeout"
					}
				} else {
					hop.Known, hop.Idle = false, 0
					hop.Source = fmt.Sprintf(`persistTimeout="%s" (%s): a variable or a value lbdoctor cannot read`, o.persist, how)
				}
			}
		}
		hops = append(hops, hop)
	}
	return hops, nil
}

// libertyDurationRe is a Liberty duration: a number of seconds, or parts
// with units (1m30s, 500ms, 2h).
var libertyDurationRe = regexp.MustCompile(`^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$`)

// libertyDuration reads a Liberty duration attribute whose unit is seconds
// when none is written (persistTimeout="60" is 60 s).
func libertyDuration(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	m := libertyDurationRe.FindStringSubmatch(s)
	if m == nil || s == "" {
		return 0, false
	}
	var d time.Duration
	for i, unit := range []time.Duration{time.Hour, time.Minute, time.Second, time.Millisecond} {
		if m[i+1] != "" {
			n, _ := strconv.Atoi(m[i+1])
			d += time.Duration(n) * unit
		}
	}
	return d, true
}

// libertyVar is a server.xml <variable>: its value, or the default that
// server.env, bootstrap.properties or the environment may override.
type libertyVar struct{ value, defaultValue string }

// libertyVarRe is a whole ${name} reference.
var libertyVarRe = regexp.MustCompile(`^\$\{([^}]+)\}$`)

// libertyResolve replaces a ${name} value with the variable's value from
// the same file, or its defaultValue (with a note: the server's
// environment may set another); ok is false when the file sets neither.
func libertyResolve(s string, vars map[string]libertyVar) (v, note string, ok bool) {
	m := libertyVarRe.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return s, "", true
	}
	switch va := vars[m[1]]; {
	case va.value != "":
		return va.value, " (" + m[1] + " = " + va.value + ")", true
	case va.defaultValue != "":
		return va.defaultValue, " (" + m[1] + "'s defaultValue " + va.defaultValue + ", unless the server's environment sets it)", true
	}
	return s, "", false
}
