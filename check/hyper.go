package check

import (
	"bytes"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Rust servers built on hyper (axum's among them). Whether hyper closes an
// idle keep-alive connection depends on versions, read in their sources:
//   - hyper 0.14's Server (axum 0.6's axum::Server, hyper::Server) has no
//     idle timeout: an idle connection stays open.
//   - hyper 1.x's only idle limit is http1 header_read_timeout, 30 s by
//     default, which takes effect only when a Timer is installed on the
//     builder (common/time.rs: a default with no timer is dropped). Since
//     hyper 1.6.0 (#3828) it runs while the connection waits idle for its
//     next request; before, an idle connection stayed open.
//   - axum::serve installs no timer in axum 0.7 and 0.8; from axum 0.9
//     (tokio-rs/axum#3478) it installs one, so hyper's 30 s applies, and
//     axum::serve has no setting to change it.

// hyperSite is a Rust server built on hyper, found in source.
type hyperSite struct {
	loc  Location
	kind string // "axum::serve", "hyper 0.14", or "hyper builder"
	// timer: a Timer is installed on the builder; header: header_read_timeout's
	// argument ("" when not set). Only for "hyper builder".
	timer  bool
	header string
	hloc   Location
}

var (
	axumServeRe          = regexp.MustCompile(`\baxum::serve\s*\(`)
	axumServeUseRe       = regexp.MustCompile(`\buse\s+axum::(?:serve\s*;|\{[^}]*\bserve\b)`)
	bareServeRe          = regexp.MustCompile(`(?:^|[^.\w:])serve\s*\(`)
	hyper014Re           = regexp.MustCompile(`\b(?:axum|hyper)::Server::(?:bind|builder|from_tcp|try_bind)\s*\(`)
	hyper014UseRe        = regexp.MustCompile(`\buse\s+(?:axum|hyper)::(?:Server\s*;|\{[^}]*\bServer\b)`)
	bareServerRe         = regexp.MustCompile(`(?:^|[^:\w])Server::(?:bind|builder|from_tcp|try_bind)\s*\(`)
	hyperBuilderRe       = regexp.MustCompile(`([\w:]*)\b(?:http1|auto)::Builder::new\s*\(`)
	hyperTimerRe         = regexp.MustCompile(`\.timer\s*\(`)
	hyperHeaderRe        = regexp.MustCompile(`\.header_read_timeout\s*\(\s*([^;]*?)\s*\)\s*(?:\.|;|\?|$)`)
	cargoLockPkgRe       = regexp.MustCompile(`(?m)^name = "([\w-]+)"\r?\nversion = "(\d+)\.(\d+)\.(\d+)`)
	cargoVersionRe       = regexp.MustCompile(`(\d+)(?:\.(\d+))?`)
	cargoInlineVersionRe = regexp.MustCompile(`\bversion\s*=\s*"([^"]*)"`)
	rustCommentLine      = regexp.MustCompile(`(?m)^[ \t]*//.*$`)
	rustConstDurRe       = regexp.MustCompile(`\bconst\s+(\w+)\s*:\s*(?:std::time::)?(?:time::)?Duration\s*=\s*([^;]+);`)
)

// findHyperSites finds the hyper servers of a Rust source file: axum::serve,
// hyper 0.14's Server, and hyper 1.x server builders (http1::Builder or
// hyper-util's auto::Builder with serve_connection). Examples, tests and
// comments are not read.
func findHyperSites(file string, src []byte) []hyperSite {
	if !bytes.Contains(src, []byte("axum")) && !bytes.Contains(src, []byte("hyper")) {
		return nil
	}
	for _, d := range strings.Split(path.Dir(file), "/") {
		if d == "examples" {
			return nil // Cargo's example binaries are not deployed
		}
	}
	// Blank out line comments, keeping offsets (and so line numbers).
	code := rustCommentLine.ReplaceAllFunc(withoutRustTests(src), func(c []byte) []byte { return bytes.Repeat([]byte{' '}, len(c)) })
	text := string(code)
	at := func(i int) Location { return Location{file, lineAt(code, i)} }
	var sites []hyperSite
	if m := axumServeRe.FindStringIndex(text); m != nil {
		sites = append(sites, hyperSite{loc: at(m[0]), kind: "axum::serve"})
	} else if axumServeUseRe.MatchString(text) {
		if m := bareServeRe.FindStringIndex(text); m != nil {
			sites = append(sites, hyperSite{loc: at(m[0]), kind: "axum::serve"})
		}
	}
	if m := hyper014Re.FindStringIndex(text); m != nil {
		sites = append(sites, hyperSite{loc: at(m[0]), kind: "hyper 0.14"})
	} else if hyper014UseRe.MatchString(text) {
		if m := bareServerRe.FindStringIndex(text); m != nil {
			sites = append(sites, hyperSite{loc: at(m[0]), kind: "hyper 0.14"})
		}
	}
	if strings.Contains(text, ".serve_connection") {
		for _, m := range hyperBuilderRe.FindAllStringSubmatchIndex(text, -1) {
			if strings.Contains(text[m[2]:m[3]], "client") {
				continue // a client connection's builder
			}
			s := hyperSite{loc: at(m[0]), kind: "hyper builder", timer: http1Timer(text)}
			if h := hyperHeaderRe.FindStringSubmatchIndex(text); h != nil {
				s.header = strings.Join(strings.Fields(text[h[2]:h[3]]), " ")
				s.hloc = at(h[0])
				// A constant of the same file: const T: Duration = ...;
				for _, c := range rustConstDurRe.FindAllStringSubmatch(text, -1) {
					if c[1] == s.header {
						s.header += " = " + strings.Join(strings.Fields(c[2]), " ")
					}
				}
			}
			sites = append(sites, s)
			break // one server per file
		}
	}
	return sites
}

// http1Timer reports whether Rust source installs a timer on an HTTP/1
// builder: a .timer(...) not in a .http2() chain of hyper-util's auto::Builder.
func http1Timer(text string) bool {
	for _, m := range hyperTimerRe.FindAllStringIndex(text, -1) {
		stmt := text[strings.LastIndexAny(text[:m[0]], ";{")+1 : m[0]]
		if strings.LastIndex(stmt, ".http2()") <= strings.LastIndex(stmt, ".http1()") {
			return true
		}
	}
	return false
}

// crateVersion is a crate's version as far as known: from Cargo.lock (exact)
// or from the requirement in Cargo.toml (its lowest version).
type crateVersion struct {
	major, minor, patch int
	known, locked       bool
	from                string // e.g. "axum 0.8.4 in Cargo.lock", `axum = "0.8"`
}

func (v crateVersion) atLeast(major, minor int) bool {
	return v.major > major || v.major == major && v.minor >= minor
}

// hyperHops turns the hyper servers found into hops, with the versions of
// axum and hyper that the crate of each uses.
func hyperHops(root string, sites []hyperSite) []Hop {
	var hops []Hop
	locks := map[string]map[string]crateVersion{} // a workspace's Cargo.lock serves all its crates: read once
	for _, s := range sites {
		cargo, lock := cargoFilesFor(root, s.loc.File)
		if _, ok := locks[lock]; !ok && lock != "" {
			locks[lock] = lockedVersions(root, lock)
		}
		version := func(name string) crateVersion { return crateVersionOf(root, cargo, locks[lock], name) }
		switch s.kind {
		case "axum::serve":
			hops = append(hops, axumServeHop(s, version("axum"), version("hyper")))
		case "hyper 0.14":
			hop := serverHop("hyper", "hyper", s.loc, "hyper 0.14's Server has no idle timeout: idle connections stay open")
			hop.Idle = Infinite
			hops = append(hops, hop)
		case "hyper builder":
			hops = append(hops, hyperBuilderHop(s, version("hyper")))
		}
	}
	return hops
}

func axumServeHop(s hyperSite, axum, hyper crateVersion) Hop {
	hop := serverHop("axum", "axum", s.loc, "")
	switch {
	case !axum.known:
		hop.Known, hop.Idle = false, 0
		hop.Source = "axum::serve, with axum's version not found in Cargo.toml: axum 0.7 and 0.8 keep idle connections open, axum 0.9 closes them after 30 s (hyper's header_read_timeout)"
	case !axum.atLeast(0, 9):
		hop.Idle = Infinite
		hop.Source = fmt.Sprintf("axum::serve (%s) installs no timer, so hyper's header_read_timeout is off: idle connections stay open (from axum 0.9 it is on: 30 s)", axum.from)
	case hyper.locked && !hyper.atLeast(1, 6):
		hop.Idle = Infinite
		hop.Source = fmt.Sprintf("axum::serve (%s) installs a timer, but %s starts header_read_timeout only when a request begins: idle connections stay open (from hyper 1.6, 30 s)", axum.from, hyper.from)
	default:
		hop.Idle = 30 * time.Second
		hop.Source = fmt.Sprintf("axum::serve (%s) installs a timer: hyper's default header_read_timeout (30 s) closes idle connections", axum.from)
	}
	return hop
}

func hyperBuilderHop(s hyperSite, hyper crateVersion) Hop {
	hop := serverHop("hyper", "hyper", s.loc, "")
	switch {
	case !s.timer:
		hop.Idle = Infinite
		hop.Source = "hyper server builder with no timer: header_read_timeout is off, idle connections stay open"
		if s.header != "" && s.header != "None" {
			hop.Known, hop.Idle = false, 0
			hop.Source = fmt.Sprintf("header_read_timeout(%s) with no .timer(...) in this file (hyper panics without one): not a value lbdoctor reads", s.header)
		}
	case hyper.locked && !hyper.atLeast(1, 6):
		hop.Idle = Infinite
		hop.Source = fmt.Sprintf("%s starts header_read_timeout only when a request begins: idle connections stay open (from hyper 1.6 it runs while idle)", hyper.from)
	case s.header == "":
		hop.Idle = 30 * time.Second
		hop.Source = "hyper server builder with a timer: the default header_read_timeout (30 s) closes idle connections"
	default:
		hop.Location = s.hloc
		d, ok := hyperDuration(s.header)
		if !ok {
			hop.Known, hop.Idle = false, 0
			hop.Source = fmt.Sprintf("header_read_timeout(%s) is not a value lbdoctor reads", s.header)
			break
		}
		hop.Idle, hop.Source = d, fmt.Sprintf("header_read_timeout(%s), which also closes idle connections", s.header)
		if d == Infinite {
			hop.Source = fmt.Sprintf("header_read_timeout(%s): off, idle connections stay open", s.header)
		}
	}
	return hop
}

// hyperDuration reads header_read_timeout's argument: a Duration, Some of
// one, or None (off).
func hyperDuration(raw string) (time.Duration, bool) {
	if _, value, ok := strings.Cut(raw, " = "); ok {
		raw = value // a constant, with its value
	}
	if raw == "None" {
		return Infinite, true
	}
	if inner, ok := strings.CutPrefix(raw, "Some("); ok {
		raw = strings.TrimSuffix(inner, ")")
	}
	if strings.HasPrefix(raw, "KeepAlive") {
		return 0, false // actix-web's type, not hyper's
	}
	d, ok := rustDuration(raw)
	if d == 0 {
		return 0, false // hyper closes at once: not an idle timeout to compare
	}
	return d, ok
}

// cargoFilesFor returns the Cargo.toml of the crate a source file belongs
// to (the nearest one above it) and the Cargo.lock that pins its versions
// (the nearest one above that: a workspace's is at its root); "" when none.
func cargoFilesFor(root, file string) (cargo, lock string) {
	for dir := path.Dir(file); ; dir = path.Dir(dir) {
		if cargo == "" && fileExists(filepath.Join(root, filepath.FromSlash(dir), "Cargo.toml")) {
			cargo = path.Join(dir, "Cargo.toml")
		}
		if cargo != "" && fileExists(filepath.Join(root, filepath.FromSlash(dir), "Cargo.lock")) {
			return cargo, path.Join(dir, "Cargo.lock")
		}
		if dir == "." || dir == "/" || dir == "" {
			return cargo, ""
		}
	}
}

// lockedVersions reads a Cargo.lock: each package's highest version.
func lockedVersions(root, lock string) map[string]crateVersion {
	src, err := readCapped(filepath.Join(root, filepath.FromSlash(lock)))
	if err != nil {
		return nil
	}
	best := map[string]crateVersion{}
	for _, m := range cargoLockPkgRe.FindAllStringSubmatch(string(src), -1) {
		a, _ := strconv.Atoi(m[2])
		b, _ := strconv.Atoi(m[3])
		c, _ := strconv.Atoi(m[4])
		v := crateVersion{a, b, c, true, true, fmt.Sprintf("%s %d.%d.%d in %s", m[1], a, b, c, lock)}
		if o, ok := best[m[1]]; !ok || v.major > o.major || v.major == o.major && (v.minor > o.minor || v.minor == o.minor && v.patch > o.patch) {
			best[m[1]] = v
		}
	}
	return best
}

// crateVersionOf finds the version of crate name for the crate whose
// Cargo.toml is cargo: the highest version in its Cargo.lock (locked, see
// lockedVersions), else the requirement in Cargo.toml (or in the
// workspace's, for name.workspace = true).
func crateVersionOf(root, cargo string, locked map[string]crateVersion, name string) crateVersion {
	if v, ok := locked[name]; ok {
		return v
	}
	if cargo == "" {
		return crateVersion{}
	}
	req, workspace := cargoRequirement(root, cargo, name, false)
	for dir := path.Dir(path.Dir(cargo)); workspace && req == ""; dir = path.Dir(dir) {
		ws := path.Join(dir, "Cargo.toml")
		if fileExists(filepath.Join(root, filepath.FromSlash(ws))) {
			req, _ = cargoRequirement(root, ws, name, true)
			cargo = ws
		}
		if dir == "." || dir == "/" || dir == "" {
			break
		}
	}
	m := cargoVersionRe.FindStringSubmatch(req)
	if m == nil {
		return crateVersion{}
	}
	a, _ := strconv.Atoi(m[1])
	b, _ := strconv.Atoi(m[2])
	return crateVersion{major: a, minor: b, known: true, from: fmt.Sprintf("%s %q in %s", name, req, cargo)}
}

// cargoRequirement reads the version requirement of crate name in a
// Cargo.toml's dependencies (or, with workspace, its
// [workspace.dependencies]); workspaceDep reports name.workspace = true.
func cargoRequirement(root, cargo, name string, workspace bool) (req string, workspaceDep bool) {
	src, err := readCapped(filepath.Join(root, filepath.FromSlash(cargo)))
	if err != nil {
		return "", false
	}
	section := ""
	table := "" // the [dependencies.name] table we are in, if any
	for _, l := range strings.Split(string(src), "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "[") {
			section = strings.Trim(t, "[] ")
			table = ""
			if strings.HasSuffix(section, "dependencies."+name) {
				table = strings.TrimSuffix(section, "."+name)
			}
			continue
		}
		depSection := section == "dependencies" || strings.HasSuffix(section, ".dependencies") // not dev- or build-dependencies
		if workspace {
			depSection = section == "workspace.dependencies"
		}
		if table != "" && (table == "dependencies" || workspace && table == "workspace.dependencies") {
			if k, v, ok := strings.Cut(t, "="); ok {
				switch strings.TrimSpace(k) {
				case "version":
					return strings.Trim(strings.TrimSpace(v), `"'`), false
				case "workspace":
					workspaceDep = strings.TrimSpace(v) == "true"
				}
			}
			continue
		}
		if !depSection {
			continue
		}
		k, v, ok := strings.Cut(t, "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case name:
		case name + ".workspace":
			return "", v == "true"
		case name + ".version":
			return strings.Trim(v, `"'`), false
		default:
			continue
		}
		if strings.HasPrefix(v, `"`) {
			return strings.Trim(v, `"`), false
		}
		if m := cargoInlineVersionRe.FindStringSubmatch(v); m != nil {
			return m[1], false
		}
		return "", strings.Contains(v, "workspace") && strings.Contains(v, "true")
	}
	return "", workspaceDep
}
