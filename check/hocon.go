package check

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// HOCON (Typesafe Config) is how Play, Akka HTTP and Pekko HTTP are
// configured: application.conf. readHOCON flattens the parts that matter
// here into dotted keys: nested objects (`pekko { http.server { ... } }`),
// `=`, `:` or no separator before an object, comments (# and //), quoted
// values, includes of files beside it, and `${?VAR}`, which keeps the
// value before it unless the variable is set when the service starts.
// Arrays and triple-quoted strings are skipped over.

// hoconValue is a value and where it is set.
type hoconValue struct {
	value string
	loc   Location
	// optional is set for `${?VAR}` alone: the earlier value holds unless
	// VAR is set where the service runs.
	optional string
}

// readHOCON reads a HOCON file (rel is its name in reports, abs its path
// for includes), following includes of files beside it up to depth 3.
func readHOCON(rel string, src []byte, abs string, depth int) map[string]hoconValue {
	out := map[string]hoconValue{}
	var prefix []string // the enclosing objects' keys
	lines := strings.Split(string(src), "\n")
	for i := 0; i < len(lines); i++ {
		line := stripHOCONComment(lines[i])
		t := strings.TrimSpace(line)
		if t == "" {
			continue
		}
		if strings.HasPrefix(t, "include ") {
			if depth < 3 && abs != "" {
				name := strings.Trim(strings.TrimSpace(strings.TrimPrefix(t, "include ")), `"`)
				name = strings.TrimSuffix(strings.TrimPrefix(name, "file("), ")")
				name = strings.Trim(name, `"`)
				// Only files beside it or below: a repository's content
				// must not make lbdoctor read elsewhere (or fetch a URL).
				local := !filepath.IsAbs(name) && !strings.Contains(name, "..") && !strings.Contains(name, "://")
				p := filepath.Join(filepath.Dir(abs), name)
				if inc, err := readCapped(p); local && err == nil {
					for k, v := range readHOCON(filepath.ToSlash(filepath.Join(filepath.Dir(rel), name)), inc, p, depth+1) {
						out[joinKey(prefix, k)] = v
					}
				}
			}
			continue
		}
		// A line may close objects before anything else.
		for strings.HasPrefix(t, "}") {
			if len(prefix) > 0 {
				prefix = prefix[:len(prefix)-1]
			}
			t = strings.TrimSpace(strings.TrimPrefix(t, "}"))
		}
		if t == "" {
			continue
		}
		key, rest := splitHOCONKey(t)
		if key == "" {
			continue
		}
		rest = strings.TrimSpace(rest)
		sep := ""
		if strings.HasPrefix(rest, "+=") {
			sep, rest = "+=", strings.TrimSpace(rest[2:])
		} else if strings.HasPrefix(rest, "=") || strings.HasPrefix(rest, ":") {
			sep, rest = rest[:1], strings.TrimSpace(rest[1:])
		}
		switch {
		case strings.HasPrefix(rest, "{"):
			// An object: its keys get this key as prefix until its brace closes.
			body := strings.TrimSpace(rest[1:])
			if j := strings.LastIndex(body, "}"); j >= 0 && strings.Count(rest, "{") == strings.Count(rest, "}") {
				// All on one line: `server { idle-timeout = 90s }`.
				for _, part := range strings.Split(body[:j], ",") {
					if k, v := splitHOCONKey(strings.TrimSpace(part)); k != "" {
						v = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(v), "=:"))
						setHOCON(out, joinKey(append(prefix, key), k), v, Location{rel, i + 1})
					}
				}
				continue
			}
			prefix = append(prefix, key)
		case strings.HasPrefix(rest, "["):
			// An array: skip to its end.
			for n := strings.Count(rest, "[") - strings.Count(rest, "]"); n > 0 && i+1 < len(lines); n += strings.Count(lines[i], "[") - strings.Count(lines[i], "]") {
				i++
			}
		case strings.HasPrefix(rest, `"""`):
			for !strings.Contains(rest[3:], `"""`) && i+1 < len(lines) {
				i++
				rest = `"""` + lines[i]
			}
		case sep != "" && sep != "+=":
			setHOCON(out, joinKey(prefix, key), rest, Location{rel, i + 1})
		}
	}
	return out
}

// setHOCON sets key to a raw value: `${?VAR}` keeps the value before it.
func setHOCON(out map[string]hoconValue, key, raw string, loc Location) {
	raw = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(raw), ","))
	if strings.HasPrefix(raw, "${?") && strings.HasSuffix(raw, "}") {
		v := out[key]
		v.optional = raw[3 : len(raw)-1]
		if v.loc.File == "" {
			v.loc = loc
		}
		out[key] = v
		return
	}
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		raw = raw[1 : len(raw)-1]
	}
	out[key] = hoconValue{value: raw, loc: loc}
}

// splitHOCONKey splits a line into its key (dots kept, quotes removed) and
// the rest.
func splitHOCONKey(t string) (string, string) {
	if strings.HasPrefix(t, `"`) {
		j := strings.Index(t[1:], `"`)
		if j < 0 {
			return "", ""
		}
		return t[1 : j+1], t[j+2:]
	}
	end := strings.IndexAny(t, " \t=:{")
	if end < 0 {
		return t, ""
	}
	if end == 0 {
		return "", ""
	}
	return t[:end], t[end:]
}

func joinKey(prefix []string, key string) string {
	if len(prefix) == 0 {
		return key
	}
	return strings.Join(prefix, ".") + "." + key
}

// stripHOCONComment removes a # or // comment that is not inside quotes.
func stripHOCONComment(l string) string {
	in := false
	for i := 0; i < len(l); i++ {
		switch {
		case l[i] == '"':
			in = !in
		case !in && l[i] == '#':
			return l[:i]
		case !in && l[i] == '/' && i+1 < len(l) && l[i+1] == '/':
			return l[:i]
		}
	}
	return l
}

// hoconDurationRe is a HOCON duration: a number, a unit or none
// (milliseconds).
var hoconDurationRe = regexp.MustCompile(`^(\d+(?:\.\d+)?)\s*(ns|nanos?|nanoseconds?|us|micros?|microseconds?|ms|millis?|milliseconds?|s|seconds?|m|minutes?|h|hours?|d|days?)?$`)

// hoconDuration parses a HOCON duration ("60 s", "75 seconds", "2m",
// "90000" in ms); "infinite" (and Play's null) is no limit.
func hoconDuration(v string) (time.Duration, bool) {
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "infinite" || v == "inf" || v == "null" {
		return Infinite, true
	}
	m := hoconDurationRe.FindStringSubmatch(v)
	if m == nil {
		return 0, false
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil || f > 1e12 {
		return 0, false
	}
	unit := time.Millisecond
	switch u := m[2]; {
	case u == "":
	case u == "ns" || strings.HasPrefix(u, "nano"):
		unit = time.Nanosecond
	case u == "us" || strings.HasPrefix(u, "micro"):
		unit = time.Microsecond
	case u == "ms" || strings.HasPrefix(u, "milli"):
	case u == "s" || strings.HasPrefix(u, "second"):
		unit = time.Second
	case u == "m" || strings.HasPrefix(u, "minute"):
		unit = time.Minute
	case u == "h" || strings.HasPrefix(u, "hour"):
		unit = time.Hour
	case u == "d" || strings.HasPrefix(u, "day"):
		unit = 24 * time.Hour
	}
	return time.Duration(f * float64(unit)), true
}

// readHOCONFile reads a file from disk as readHOCON does.
func readHOCONFile(root, rel string) (map[string]hoconValue, bool) {
	abs := filepath.Join(root, filepath.FromSlash(rel))
	src, err := readCapped(abs)
	if err != nil {
		return nil, false
	}
	return readHOCON(rel, src, abs, 0), true
}
