package check

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// haproxyDuration parses HAProxy time values: milliseconds by default, or
// with a unit (us, ms, s, m, h, d).
func haproxyDuration(s string) (time.Duration, bool) {
	i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	num, unit := s, "ms"
	if i == 0 {
		return 0, false
	}
	if i > 0 {
		num, unit = s[:i], s[i:]
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return 0, false
	}
	u := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour}[unit]
	if u == 0 {
		return 0, false
	}
	return time.Duration(n) * u, true
}

// parseHAProxy returns one hop per frontend or listen section: its client-side
// idle keep-alive is timeout http-keep-alive, else timeout http-request, else
// timeout client (each from the section, else from defaults).
func parseHAProxy(path string, src []byte) []Hop {
	type section struct {
		kind, name string
		line       int
		timeouts   map[string]string
		lines      map[string]int
		// closes is set by "option httpclose" (true) or "no option
		// httpclose" (false), at closeLine.
		closes    *bool
		closeLine int
		closeOpt  string
	}
	var sections []*section
	var cur *section
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		raw := sc.Text()
		if i := strings.IndexByte(raw, '#'); i >= 0 {
			raw = raw[:i]
		}
		f := strings.Fields(raw)
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "global", "defaults", "frontend", "listen", "backend", "peers", "resolvers", "userlist", "program", "cache", "http-errors", "ring", "mailers":
			cur = &section{kind: f[0], line: n, timeouts: map[string]string{}, lines: map[string]int{}}
			if len(f) > 1 {
				cur.name = f[1]
			}
			sections = append(sections, cur)
			continue
		}
		if cur != nil && f[0] == "timeout" && len(f) >= 3 {
			cur.timeouts[f[1]], cur.lines[f[1]] = f[2], n
		}
		// option httpclose (forceclose, its old name): HAProxy answers
		// Connection: close and closes the client's connection after each
		// response (measured with HAProxy 2.6); http-server-close closes
		// only the server side and keeps the client's alive.
		on := len(f) == 2 && f[0] == "option"
		if off := len(f) == 3 && f[0] == "no" && f[1] == "option"; cur != nil && (on || off) && (f[len(f)-1] == "httpclose" || f[len(f)-1] == "forceclose") {
			cur.closes, cur.closeLine, cur.closeOpt = &on, n, f[len(f)-1]
		}
	}
	var hops []Hop
	var defaults *section
	for _, s := range sections {
		if s.kind == "defaults" {
			defaults = s
			continue
		}
		if s.kind != "frontend" && s.kind != "listen" {
			continue
		}
		hop := Hop{Role: Proxy, Kind: "haproxy", Name: "HAProxy " + s.kind + " " + s.name, Location: Location{path, s.line},
			Setting: func(d time.Duration) string {
				return fmt.Sprintf("timeout http-keep-alive %ds", int64((d+time.Second-1)/time.Second))
			}}
		found := false
		for _, key := range []string{"http-keep-alive", "http-request", "client"} {
			for _, from := range []*section{s, defaults} {
				if from == nil {
					continue
				}
				if v, ok := from.timeouts[key]; ok {
					d, ok := haproxyDuration(v)
					hop.Known, hop.Idle, hop.Location.Line = ok, d, from.lines[key]
					hop.Source = fmt.Sprintf("timeout %s %s (%s)", key, v, from.kind)
					if ok && d > 0 && d < time.Second && strings.Trim(v, "0123456789") == "" {
						hop.Source += fmt.Sprintf(" (a number without a unit is milliseconds: %ss would be seconds)", v)
					}
					if key != "http-keep-alive" {
						hop.Source += "; timeout http-keep-alive not set, so it falls back"
					}
					found = true
					break
				}
			}
			if found {
				break
			}
		}
		if !found {
			hop.Known, hop.Source = false, "no timeout http-keep-alive, http-request or client"
		}
		for _, from := range []*section{s, defaults} {
			if from != nil && from.closes != nil {
				if *from.closes {
					hop.Known, hop.Idle, hop.Location.Line = true, NoKeepalive, from.closeLine
					hop.Source = fmt.Sprintf("option %s (%s): Connection: close after each response", from.closeOpt, from.kind)
				}
				break
			}
		}
		hops = append(hops, hop)
	}
	return hops
}

// parseApache reads an Apache httpd configuration (following Include and
// IncludeOptional): KeepAlive (default On) and KeepAliveTimeout (default 5 s).
func parseApache(path, root string) (Hop, error) {
	hop := Hop{Role: Proxy, Kind: "apache", Name: "Apache httpd", Known: true, Idle: 5 * time.Second,
		Source: "Apache's default KeepAliveTimeout (5 s)", Location: Location{path, 1},
		Setting: func(d time.Duration) string {
			return fmt.Sprintf("KeepAlive On; KeepAliveTimeout %d", int64((d+time.Second-1)/time.Second))
		}}
	keepAlive := true
	seen := map[string]bool{}
	var read func(p string, depth int) error
	read = func(p string, depth int) error {
		if seen[p] || depth > 10 {
			return nil
		}
		seen[p] = true
		src, err := os.ReadFile(p)
		if err != nil {
			return &ParseError{Location{p, 0}, err}
		}
		sc := bufio.NewScanner(bytes.NewReader(src))
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for n := 1; sc.Scan(); n++ {
			f := strings.Fields(sc.Text())
			if len(f) < 2 || strings.HasPrefix(f[0], "#") {
				continue
			}
			switch strings.ToLower(f[0]) {
			case "keepalive":
				keepAlive = !strings.EqualFold(f[1], "off")
			case "keepalivetimeout":
				hop.Location = Location{p, n}
				if d, ok := apacheTimeout(f[1]); ok {
					hop.Idle, hop.Source, hop.Known = d, "KeepAliveTimeout "+f[1], true
				} else {
					hop.Idle, hop.Source, hop.Known = 0, "KeepAliveTimeout "+f[1]+": Apache refuses it (\"has wrong format\") and does not start", false
				}
			case "include", "includeoptional":
				pattern := strings.Trim(f[1], `"`)
				if !filepath.IsAbs(pattern) {
					pattern = filepath.Join(filepath.Dir(p), pattern)
				} else {
					pattern = filepath.Join(root, pattern) // absolute paths of the server, inside the repository
				}
				matches, _ := filepath.Glob(pattern)
				sort.Strings(matches)
				for _, m := range matches {
					if err := read(m, depth+1); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	if err := read(path, 0); err != nil {
		return hop, err
	}
	if !keepAlive {
		hop.Idle, hop.Source = NoKeepalive, "KeepAlive Off"
	}
	return hop, nil
}

// apacheTimeout reads a time as httpd's ap_timeout_parameter_parse does: a
// number, then nothing or "s" (seconds), "ms", "mi..." (minutes) or "h..."
// (hours); checked with apache2 -t: "2min" and "500ms" start, "2m" is
// refused ("has wrong format").
func apacheTimeout(v string) (time.Duration, bool) {
	i := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	n, err := strconv.ParseInt(v[:i], 10, 64)
	if err != nil {
		return 0, false
	}
	unit := v[i:]
	switch {
	case unit == "" || unit[0] == 's':
		return time.Duration(n) * time.Second, true
	case unit[0] == 'h':
		return time.Duration(n) * time.Hour, true
	case strings.HasPrefix(unit, "ms"):
		return time.Duration(n) * time.Millisecond, true
	case strings.HasPrefix(unit, "mi"):
		return time.Duration(n) * time.Minute, true
	}
	return 0, false
}
