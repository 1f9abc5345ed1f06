package check

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lbdoctor/lbdoctor/stacks"
)

// uWSGI speaks HTTP in three ways, each with its own keep-alive (measured
// with lbdoctor probe on uWSGI 2.0.21, see stacks):
//   - http (a router process in front of the workers): closes each
//     connection after its response (without Connection: close) unless
//     http-keepalive is set; http-keepalive = 1 (or the bare flag) keeps
//     connections http-timeout (60 s) idle, http-keepalive = N > 1 keeps
//     them N s. The option is an integer: "true" and "" read as 0, off.
//   - http-socket (the workers speak HTTP themselves): closes after each
//     response, without Connection: close either.
//   - http11-socket: keep-alive, closed after socket-timeout (4 s).
// Only the uwsgi protocol (socket, behind nginx's uwsgi_pass) is not HTTP.

// closesUnannounced is the idle time of a server that closes each
// connection right after its response without sending Connection: close
// (uWSGI's http router without keep-alive, and http-socket: measured, FIN
// within 1 ms). A load balancer that pools connections takes the response
// as reusable and may send the next request before the FIN arrives: a
// small race on every response, not no race (gunicorn's sync worker says
// Connection: close, which is).
const closesUnannounced = time.Millisecond

const unannounced = "closes each connection right after its response without sending Connection: close (measured: FIN within 1 ms), so a load balancer may reuse it as the FIN arrives"

// uwsgiOption is one option and where it was set.
type uwsgiOption struct {
	value string
	flag  bool // given without a value (--http-keepalive)
	loc   Location
}

// uwsgiOptions are options by name, as the command line, an ini file's
// [uwsgi] section or UWSGI_* environment variables set them.
type uwsgiOptions map[string]uwsgiOption

var uwsgiHTTPKeys = []string{"http", "https", "http-socket", "https-socket", "http11-socket", "http-keepalive", "http-timeout", "socket-timeout"}

// uwsgiHop resolves the keep-alive of a uWSGI configuration; false when it
// serves no HTTP (only the uwsgi protocol).
func uwsgiHop(o uwsgiOptions, where Location, how string) (Hop, bool) {
	u := stacks.Must("uwsgi")
	hop := Hop{Role: App, Kind: "uwsgi", Name: u.Name, Known: true, Pattern: true, Location: where, Setting: u.Setting}
	seconds := func(key string, def int) (time.Duration, string) {
		if v, ok := o[key]; ok {
			if n, err := strconv.Atoi(strings.TrimSpace(v.value)); err == nil && n > 0 {
				return time.Duration(n) * time.Second, fmt.Sprintf("%s %d", key, n)
			}
		}
		return time.Duration(def) * time.Second, fmt.Sprintf("%s's default %d s", key, def)
	}
	_, router := o["http"]
	if _, ok := o["https"]; ok {
		router = true
	}
	switch {
	case has(o, "http11-socket"):
		hop.Location = o["http11-socket"].loc
		hop.Idle, hop.Source = seconds("socket-timeout", 4)
		hop.Source = "http11-socket keeps connections alive; " + hop.Source + " (" + how + ")"
	case router:
		hop.Location = where
		ka, ok := o["http-keepalive"]
		n := 0
		if ok {
			hop.Location = ka.loc
			n = 1
			if !ka.flag {
				n = leadingInt(ka.value) // uWSGI reads the option with atoi
			}
		}
		switch {
		case n == 0 && ok:
			hop.Idle, hop.Source = closesUnannounced, fmt.Sprintf("http-keepalive = %q reads as 0 (an integer option), so the router %s (%s)", ka.value, unannounced, how)
		case n == 0:
			hop.Idle, hop.Source = closesUnannounced, "without http-keepalive the router "+unannounced+" ("+how+")"
		case n == 1:
			hop.Idle, hop.Source = seconds("http-timeout", 60)
			hop.Source = "http-keepalive on: idle connections close after " + hop.Source + " (" + how + ")"
		default:
			hop.Idle, hop.Source = time.Duration(n)*time.Second, fmt.Sprintf("http-keepalive = %d (%s)", n, how)
		}
	case has(o, "http-socket") || has(o, "https-socket"):
		hop.Idle, hop.Source = closesUnannounced, "http-socket "+unannounced+" ("+how+")"
		hop.Setting = func(d time.Duration) string {
			n := int64((d + time.Second - 1) / time.Second)
			return fmt.Sprintf("--http11-socket ADDRESS --socket-timeout %d  (instead of --http-socket; or the http router with --http-keepalive=%d)", n, n)
		}
	default:
		return Hop{}, false
	}
	return hop, true
}

func has(o uwsgiOptions, key string) bool { _, ok := o[key]; return ok }

// leadingInt is C's atoi: the leading digits, 0 when there are none.
func leadingInt(s string) int {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n, _ := strconv.Atoi(s[:i])
	return n
}

var (
	uwsgiCmdRe = regexp.MustCompile(`\buwsgi\b[^\n]*`)
	uwsgiEnvRe = regexp.MustCompile(`\bUWSGI_([A-Z0-9_]+)\s*[=:]\s*["']?([^"'\s]*)`)
)

// uwsgiCommand reads the uWSGI options of a command line (--http :8000,
// --http-keepalive=75), adding those of UWSGI_* variables set in the same
// file (env); the command line's own win.
func uwsgiCommand(cmd string, loc Location, env uwsgiOptions) uwsgiOptions {
	o := uwsgiOptions{}
	for k, v := range env {
		o[k] = v
	}
	words := strings.Fields(cmd)
	for i, w := range words {
		name, value, eq := strings.Cut(strings.TrimLeft(w, "-"), "=")
		if !strings.HasPrefix(w, "--") {
			continue
		}
		switch {
		case name == "http-keepalive":
			o[name] = uwsgiOption{value: value, flag: !eq, loc: loc}
		case name == "ini" || name == "yaml" || name == "json" || name == "xml":
			o["config-file"] = uwsgiOption{value: value, loc: loc}
		case slices.Contains(uwsgiHTTPKeys, name):
			if !eq && i+1 < len(words) {
				value = words[i+1]
			}
			o[name] = uwsgiOption{value: value, loc: loc}
		}
	}
	return o
}

// uwsgiEnv reads UWSGI_* variables (ENV in a Dockerfile, environment in a
// compose file): UWSGI_HTTP_KEEPALIVE is http-keepalive.
func uwsgiEnv(path string, src []byte) uwsgiOptions {
	o := uwsgiOptions{}
	for _, m := range uwsgiEnvRe.FindAllSubmatchIndex(src, -1) {
		name := strings.ReplaceAll(strings.ToLower(string(src[m[2]:m[3]])), "_", "-")
		if slices.Contains(uwsgiHTTPKeys, name) {
			o[name] = uwsgiOption{value: string(src[m[4]:m[5]]), loc: Location{path, lineAt(src, m[0])}}
		}
	}
	return o
}

// lineAt is the 1-based line of byte i of src.
func lineAt(src []byte, i int) int { return bytes.Count(src[:i], []byte{'\n'}) + 1 }

// parseUwsgiIni reads the [uwsgi] section of an ini file.
func parseUwsgiIni(path string, src []byte) []Hop {
	o := uwsgiOptions{}
	in := false
	start := 0
	for i, line := range strings.Split(string(src), "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "[") {
			in = strings.HasPrefix(t, "[uwsgi]")
			if in && start == 0 {
				start = i + 1
			}
			continue
		}
		if !in || t == "" || t[0] == '#' || t[0] == ';' {
			continue
		}
		key, value, ok := strings.Cut(t, "=")
		if !ok {
			key, value = t, "" // a bare key: a flag
		}
		key = strings.TrimSpace(key)
		if slices.Contains(uwsgiHTTPKeys, key) {
			o[key] = uwsgiOption{value: strings.TrimSpace(value), flag: !ok, loc: Location{path, i + 1}}
		}
	}
	if start == 0 {
		return nil
	}
	if hop, ok := uwsgiHop(o, Location{path, start}, "[uwsgi] in "+path); ok {
		return []Hop{hop}
	}
	return nil
}
