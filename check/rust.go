package check

import (
	"bytes"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Two Rust web frameworks close idle keep-alive connections after 5 s by
// default, far below ALB's 60 s:
//   - actix-web: HttpServer's keep_alive, KeepAlive::Timeout(5 s) (actix-http
//     keep_alive.rs; actix-web 3 took seconds as an integer).
//   - Rocket 0.5: Config.keep_alive, 5 s (0 disables it), from Rocket.toml,
//     ROCKET_KEEP_ALIVE or code.
// axum and hyper servers are not read: whether hyper closes an idle
// connection depends on its version and on a timer being installed.

var (
	actixServerRe = regexp.MustCompile(`\bHttpServer::new\s*\(`)
	actixKeepRe   = regexp.MustCompile(`\.keep_alive\s*\(\s*([^;]*?)\s*\)\s*(?:\.|;|\?|$)`)
	rustSecsRe    = regexp.MustCompile(`^(?:KeepAlive::Timeout\s*\(\s*)?(?:std::time::)?(?:time::)?Duration::from_(secs|millis)\s*\(\s*(\d+)\s*\)\s*\)?$`)
)

// parseActix reads actix-web servers in Rust source.
func parseActix(file string, src []byte) []Hop {
	base := strings.ToLower(path.Base(file))
	if !bytes.Contains(src, []byte("actix_web")) || strings.Contains(base, "metrics") || strings.Contains(base, "prometheus") {
		return nil // (a metrics endpoint is scraped, not load balanced)
	}
	src = withoutRustTests(src)
	m := actixServerRe.FindIndex(src)
	if m == nil {
		return nil
	}
	hop := serverHop("actix-web", "actix-web", Location{file, lineAt(src, m[0])}, "actix-web's default keep_alive (5 s)")
	k := actixKeepRe.FindSubmatchIndex(src[m[0]:])
	if k == nil {
		return []Hop{hop}
	}
	raw := strings.Join(strings.Fields(string(src[m[0]+k[2]:m[0]+k[3]])), " ")
	hop.Location.Line = lineAt(src, m[0]+k[0])
	d, ok := actixKeepAlive(raw)
	if !ok {
		hop.Known, hop.Idle, hop.Source = false, 0, fmt.Sprintf("keep_alive(%s) is not a value lbdoctor reads", raw)
		return []Hop{hop}
	}
	hop.Idle, hop.Source = d, fmt.Sprintf("keep_alive(%s)", raw)
	return []Hop{hop}
}

// rustTestModRe finds an inline unit-test module: #[cfg(test)] mod tests {.
// (#[cfg(test)] mod tests; only declares one in another file.)
var rustTestModRe = regexp.MustCompile(`#\[cfg\(test\)\]\s*(?:#\[[^\]]*\]\s*)*(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*\{`)

// withoutRustTests cuts a Rust file at its inline unit-test module, which
// by convention ends the file it tests.
func withoutRustTests(src []byte) []byte {
	if m := rustTestModRe.FindIndex(src); m != nil {
		return src[:m[0]]
	}
	return src
}

// rocketLaunchRe finds code that starts a Rocket server.
var rocketLaunchRe = regexp.MustCompile(`#\[(?:rocket::)?launch\]|\brocket::(?:build|custom)\s*\(`)

// isRocketLaunch reports whether Rust source starts a Rocket server
// (outside its tests).
func isRocketLaunch(src []byte) bool {
	for _, l := range bytes.Split(withoutRustTests(src), []byte{'\n'}) {
		if !bytes.HasPrefix(bytes.TrimSpace(l), []byte("//")) && rocketLaunchRe.Match(l) {
			return true // (not in a comment: documentation shows #[launch] too)
		}
	}
	return false
}

// actixKeepAlive reads keep_alive's argument: a Duration, KeepAlive::Timeout
// of one, KeepAlive::Os (the OS decides: no idle limit of its own),
// KeepAlive::Disabled or None, or seconds as an integer (actix-web 3).
func actixKeepAlive(raw string) (time.Duration, bool) {
	switch raw {
	case "KeepAlive::Os":
		return Infinite, true
	case "None", "KeepAlive::Disabled":
		return NoKeepalive, true
	}
	if inner, ok := strings.CutPrefix(raw, "Some("); ok {
		raw = strings.TrimSuffix(inner, ")")
	}
	if n, err := strconv.Atoi(strings.TrimSuffix(raw, "usize")); err == nil && n >= 0 {
		if n == 0 {
			return NoKeepalive, true
		}
		return time.Duration(n) * time.Second, true
	}
	d, ok := rustDuration(raw)
	if ok && d == 0 {
		return NoKeepalive, true
	}
	return d, ok
}

// rustDuration reads Duration::from_secs(N) or from_millis(N), also wrapped
// in KeepAlive::Timeout(...), as a duration (0 for N = 0).
func rustDuration(raw string) (time.Duration, bool) {
	m := rustSecsRe.FindStringSubmatch(raw)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[2])
	if err != nil {
		return 0, false
	}
	if m[1] == "millis" {
		return time.Duration(n) * time.Millisecond, true
	}
	return time.Duration(n) * time.Second, true
}

// rocketKeepRe finds keep_alive in Rocket.toml or a Config literal in code.
var rocketKeepRe = regexp.MustCompile(`(?m)^\s*keep_alive\s*[=:]\s*(\d+)\s*,?\s*(?:#.*)?$`)

// rocketCodeRe finds keep_alive set in Rust code (a Config literal, or a
// figment merge of ("keep_alive", N)).
var rocketCodeRe = regexp.MustCompile(`\bkeep_alive\s*:\s*(\w+)|"keep_alive"\s*,\s*(\w+)`)

// rocketCode is keep_alive set in a Rust source file.
type rocketCode struct {
	loc   Location
	value string
}

// findRocketCode reads keep_alive settings of Rocket code.
func findRocketCode(file string, src []byte) []rocketCode {
	if !bytes.Contains(src, []byte("rocket")) || !bytes.Contains(src, []byte("keep_alive")) {
		return nil
	}
	var out []rocketCode
	for _, m := range rocketCodeRe.FindAllSubmatchIndex(src, -1) {
		v := m[2:4]
		if v[0] < 0 {
			v = m[4:6]
		}
		out = append(out, rocketCode{Location{file, lineAt(src, m[0])}, string(src[v[0]:v[1]])})
	}
	return out
}

// rocketHop reads a Rocket application: a Cargo.toml that depends on rocket.
// Its keep_alive comes from ROCKET_KEEP_ALIVE where the repository sets it
// for the application, else code of the project that sets it, else
// Rocket.toml beside Cargo.toml (the release profile's, else the global or
// default one), else 5 s.
func rocketHop(root, cargo string, src []byte, code []rocketCode, launches []string) []Hop {
	dir := path.Dir(cargo)
	if !slices.ContainsFunc(launches, func(f string) bool { return inDir(dir, f) }) {
		return nil // a library, a workspace's root, or tests only
	}
	i := bytes.Index(src, []byte("\nrocket "))
	if i < 0 {
		i = bytes.Index(src, []byte("\nrocket="))
	}
	if i < 0 {
		return nil
	}
	hop := serverHop("rocket", "rocket", Location{cargo, lineAt(src, i+1)}, "Rocket's default keep_alive (5 s)")
	hop.Pattern = false // Cargo.toml and Rocket.toml; the environment and code set it again
	if file, line, v, ok := containerEnv(root, dir, "ROCKET_KEEP_ALIVE"); ok {
		hop.Pattern = true
		return []Hop{rocketValue(hop, v, Location{file, line}, "ROCKET_KEEP_ALIVE="+v)}
	}
	for _, c := range code {
		if inDir(dir, c.loc.File) {
			hop.Pattern = true
			return []Hop{rocketValue(hop, c.value, c.loc, "keep_alive "+c.value+" in code")}
		}
	}
	toml := path.Join(dir, "Rocket.toml")
	tsrc, err := readCapped(filepath.Join(root, filepath.FromSlash(toml)))
	if err != nil {
		return []Hop{hop}
	}
	// The profile that runs in production wins: [release], then [global]
	// (which overrides all), then [default].
	bestRank, section := 0, ""
	for n, l := range strings.Split(string(tsrc), "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "[") {
			section = strings.Trim(t, "[] ")
			continue
		}
		if m := rocketKeepRe.FindStringSubmatch(l); m != nil {
			rank := map[string]int{"default": 1, "release": 2, "global": 3}[section]
			if rank > bestRank {
				bestRank = rank
				hop = rocketValue(hop, m[1], Location{toml, n + 1}, fmt.Sprintf("keep_alive = %s ([%s] in Rocket.toml)", m[1], section))
			}
		}
	}
	return []Hop{hop}
}

func rocketValue(hop Hop, v string, loc Location, how string) Hop {
	hop.Location = loc
	n, err := strconv.Atoi(strings.TrimSpace(v))
	switch {
	case err != nil || n < 0:
		hop.Known, hop.Idle, hop.Source = false, 0, how+": not a number of seconds"
	case n == 0:
		hop.Idle, hop.Source = NoKeepalive, how+" (keep-alive off)"
	default:
		hop.Idle, hop.Source = time.Duration(n)*time.Second, how
	}
	return hop
}
