package check

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Sanic closes a connection idle for KEEP_ALIVE_TIMEOUT: 5 s until Sanic
// 23.3, 120 s from 23.6 (sanic-org/sanic#2670, July 2023; read in
// sanic/config.py of both). It is set in code (app.config.KEEP_ALIVE_TIMEOUT
// = 75, a config dict or class), by SANIC_KEEP_ALIVE_TIMEOUT in the
// environment, and KEEP_ALIVE = False turns keep-alive off. Which default
// applies depends on the version the project pins: a requirement without an
// upper bound installs a current Sanic.

var (
	sanicAppRe      = regexp.MustCompile(`\bSanic\s*\(`)
	sanicImportRe   = regexp.MustCompile(`(?m)^\s*(?:from\s+sanic\s+import\b|import\s+sanic\b)`)
	sanicKeepRe     = regexp.MustCompile(`["']?\bKEEP_ALIVE_TIMEOUT["']?\s*[=:]\s*([^\s,)}#]+)`)
	sanicKeepOffRe  = regexp.MustCompile(`["']?\bKEEP_ALIVE["']?\s*[=:]\s*False\b`)
	sanicChangeover = version{23, 6, 0}
	sanicPackage    = newPyPackage("sanic", "Sanic",
		regexp.MustCompile(`(?im)^\s*FROM\s+(?:docker\.io/)?sanicframework/sanic:([0-9]+\.[0-9]+(?:\.[0-9]+)?)`))
)

// parseSanic reads a Sanic application in Python source. root and dir
// (relative) locate the project, for its version and container files.
func parseSanic(root, file string, src []byte) []Hop {
	if !sanicImportRe.Match(src) {
		return nil
	}
	m := sanicAppRe.FindIndex(src)
	if m == nil {
		return nil
	}
	dir := path.Dir(file)
	v, vHow, vKnown := sanicPackage.version(root, dir)
	hop := serverHop("sanic", "sanic", Location{file, lineAt(src, m[0])}, "")
	switch {
	case vKnown && v.less(sanicChangeover):
		hop.Idle, hop.Source = 5*time.Second, fmt.Sprintf("Sanic's default KEEP_ALIVE_TIMEOUT before 23.6 (5 s; %s)", vHow)
	case vKnown:
		hop.Idle, hop.Source = 120*time.Second, fmt.Sprintf("Sanic's default KEEP_ALIVE_TIMEOUT from 23.6 (120 s; %s)", vHow)
	default:
		hop.Idle, hop.Source = 120*time.Second, "Sanic's default KEEP_ALIVE_TIMEOUT from 23.6 (120 s; "+vHow+"; before 23.6 it was 5 s)"
	}
	if k := sanicKeepOffRe.FindIndex(src); k != nil {
		hop.Idle, hop.Source, hop.Location.Line = NoKeepalive, "KEEP_ALIVE = False", lineAt(src, k[0])
		return []Hop{hop}
	}
	if f, line, val, ok := containerEnv(root, dir, "SANIC_KEEP_ALIVE_TIMEOUT"); ok {
		return []Hop{sanicValue(hop, val, Location{f, line}, "SANIC_KEEP_ALIVE_TIMEOUT="+val)}
	}
	if k := sanicKeepRe.FindSubmatchIndex(src); k != nil {
		raw := string(src[k[2]:k[3]])
		return []Hop{sanicValue(hop, raw, Location{file, lineAt(src, k[0])}, "KEEP_ALIVE_TIMEOUT = "+raw)}
	}
	return []Hop{hop}
}

func sanicValue(hop Hop, raw string, loc Location, how string) Hop {
	hop.Location = loc
	if d, ok := seconds(strings.Trim(raw, `"'`)); ok {
		hop.Idle, hop.Source = d, how
	} else {
		hop.Known, hop.Idle, hop.Source = false, 0, how+": not a number of seconds here"
	}
	return hop
}

// pyPackage is a Python package whose installed version decides a server's
// default: how a project pins it, and the official image that has it.
type pyPackage struct {
	name    string         // as on PyPI, lower case
	display string         // for people: "Sanic"
	pin     *regexp.Regexp // a requirement: sanic==22.12, "sanic[ext]~=23.6", sanic = "^22.12"
	lock    *regexp.Regexp // a poetry.lock or uv.lock entry
	image   *regexp.Regexp // FROM the official image with its version as tag; nil if none
}

func newPyPackage(name, display string, image *regexp.Regexp) pyPackage {
	q := regexp.QuoteMeta(name)
	return pyPackage{name: name, display: display, image: image,
		pin:  regexp.MustCompile(`(?im)^\s*["']?` + q + `(?:\[[^\]]*\])?["']?\s*(?:=\s*(?:\{[^}\n]*?version\s*=\s*)?["'])?\s*(==|~=|>=|<=|<|\^|~|=)?\s*([0-9]+(?:\.[0-9]+)*)`),
		lock: regexp.MustCompile(`(?m)^name = "` + q + `"\s*\nversion = "([0-9.]+)"`)}
}

// version finds the version of the package a project installs: an exact
// pin or lock at or above dir (poetry.lock, uv.lock, requirements*.txt,
// pyproject.toml, Pipfile), or the upper bound of a compatible-release pin
// (~=22.12 and ^22.12 stay below 23). A lower bound alone installs a
// current release.
func (p pyPackage) version(root, dir string) (version, string, bool) {
	for d := dir; ; d = path.Dir(d) {
		abs := filepath.Join(root, filepath.FromSlash(d))
		for _, lock := range []string{"poetry.lock", "uv.lock"} {
			if src, err := readCapped(filepath.Join(abs, lock)); err == nil {
				if m := p.lock.FindSubmatch(src); m != nil {
					if v, ok := parseVersion(string(m[1])); ok {
						return v, path.Join(d, lock) + " " + string(m[1]), true
					}
				}
			}
		}
		entries, _ := os.ReadDir(abs)
		// The official image has the package installed: its tag is the
		// version, unless a requirement pins another (pip replaces it).
		image, imageWhere := version{}, ""
		for _, e := range entries {
			if p.image != nil && strings.HasPrefix(e.Name(), "Dockerfile") {
				if src, err := readCapped(filepath.Join(abs, e.Name())); err == nil {
					if m := p.image.FindSubmatch(src); m != nil {
						if v, ok := parseVersion(string(m[1])); ok {
							image, imageWhere = v, path.Join(d, e.Name())+": "+strings.TrimSpace(string(m[0]))
						}
					}
				}
			}
		}
		for _, e := range entries {
			n := e.Name()
			if !(strings.HasPrefix(n, "requirements") && strings.HasSuffix(n, ".txt") || n == "pyproject.toml" || n == "Pipfile" || n == "setup.py" || n == "setup.cfg") {
				continue
			}
			src, err := readCapped(filepath.Join(abs, n))
			if err != nil || !bytes.Contains(bytes.ToLower(src), []byte(p.name)) {
				continue
			}
			m := p.pin.FindSubmatch(src)
			if m == nil {
				continue
			}
			op, num := string(m[1]), string(m[2])
			where := path.Join(d, n) + ": " + p.name + op + num
			if op == "" {
				where = path.Join(d, n) + ": " + p.name + " " + num
			}
			v, ok := parseVersion(num)
			switch {
			case !ok:
				continue
			case op == "==" || op == "=" || op == "" || op == "~" || op == "<=": // Poetry: "22.12.0" is exact, ~22.12 keeps the minor
				return v, where, true
			case op == "~=" || op == "^":
				// Compatible release and caret stay within the major version.
				return version{v[0], 99, 0}, where, true
			case op == "<":
				return justBelow(v), where, true
			case imageWhere != "" && !image.less(v):
				return image, imageWhere, true // a lower bound the image already meets
			default: // >= or no operator: the newest release is installed
				return version{}, where + " (a current release is installed)", false
			}
		}
		if imageWhere != "" {
			return image, imageWhere, true
		}
		if d == "." || d == "/" || d == "" {
			return version{}, "the version is not pinned: a current " + p.display + " assumed", false
		}
	}
}

// justBelow is a version just below v (23.6.0 -> 23.5.99).
func justBelow(v version) version {
	switch {
	case v[2] > 0:
		return version{v[0], v[1], v[2] - 1}
	case v[1] > 0:
		return version{v[0], v[1] - 1, 99}
	case v[0] > 0:
		return version{v[0] - 1, 99, 99}
	}
	return v
}
