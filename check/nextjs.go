package check

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/lbdoctor/lbdoctor/stacks"
)

// Next.js applications that the repository runs itself. Next's server is
// Node's http.Server: without a setting it keeps idle connections Node's
// 5 s. `next start --keepAliveTimeout N` sets it; the standalone output's
// server.js (`output: "standalone"`, run as `node server.js`) reads the
// KEEP_ALIVE_TIMEOUT environment variable instead (Next.js 13.4+).
//
// An application deployed to Vercel or Netlify has no load balancer of
// its own to race: `next start` counts only where the repository runs it
// (a Dockerfile, compose file or Procfile in its directory or above, and
// no vercel.json); the standalone output exists to be run that way.

var (
	nextStartScriptRe  = regexp.MustCompile(`"[^"\n]*"\s*:\s*"[^"\n]*\bnext\s+start\b[^"\n]*"`)
	remixServeScriptRe = regexp.MustCompile(`"start"\s*:\s*"[^"\n]*?\b((?:remix-serve|react-router-serve)\b[^"\n]*)"`)
	nextStandaloneRe   = regexp.MustCompile(`\boutput\s*:\s*["'\x60]standalone["'\x60]`)
)

// parseNextApp reads a Next.js project's package.json at path (relative to
// root) and its next.config.*.
func parseNextApp(root, path string, src []byte) []Hop {
	if hops := parseNextScripts(path, src); hops != nil {
		return hops // next start --keepAliveTimeout N
	}
	if m := remixServeScriptRe.FindSubmatchIndex(src); m != nil && selfHosted(root, filepath.Dir(path)) && !runsRemixServe(root, filepath.Dir(path)) {
		// "start": "remix-serve ./build/server/index.js", run by the
		// repository's Dockerfile or Procfile (npm start); one that runs
		// remix-serve itself is read as a command line instead.
		return []Hop{remixServeHop(Location{path, lineAt(src, m[0])}, string(src[m[2]:m[3]]), "package.json script")}
	}
	if hops := nodeBuildScript(root, path, src); hops != nil {
		return hops // "start": "node build", run by the repository
	}
	if !bytes.Contains(src, []byte(`"next"`)) {
		return nil
	}
	dir := filepath.Dir(path)
	lineOf := func(b []byte, i int) int { return bytes.Count(b[:i], []byte{'\n'}) + 1 }
	node := stacks.Must("node")
	for _, name := range []string{"next.config.js", "next.config.mjs", "next.config.ts", "next.config.cjs"} {
		cfg, err := os.ReadFile(filepath.Join(root, dir, name))
		if err != nil {
			continue
		}
		m := nextStandaloneRe.FindIndex(cfg)
		if m == nil {
			continue
		}
		hop := Hop{Role: App, Kind: "node", Name: "Next.js standalone (node server.js)", Known: true, Idle: node.DefaultIdle, Pattern: true,
			Source:   "Node's default keepAliveTimeout (5 s): no KEEP_ALIVE_TIMEOUT where the repository runs it",
			Location: Location{filepath.ToSlash(filepath.Join(dir, name)), lineOf(cfg, m[0])},
			Setting: func(d time.Duration) string {
				return fmt.Sprintf("KEEP_ALIVE_TIMEOUT=%d  (environment of node server.js, e.g. ENV in its Dockerfile; Next.js 13.4+)", d.Milliseconds())
			}}
		if file, line, v, ok := containerEnv(root, dir, "KEEP_ALIVE_TIMEOUT"); ok {
			if d, good := nodeMillis(v); good && d > 0 { // 0 leaves Node's default, as unset
				hop.Idle, hop.Source, hop.Location = d, "KEEP_ALIVE_TIMEOUT="+v, Location{file, line}
			}
		}
		return []Hop{hop}
	}
	m := nextStartScriptRe.FindIndex(src)
	if m == nil || !selfHosted(root, dir) {
		return nil
	}
	return []Hop{{Role: App, Kind: "node", Name: "Next.js (next start)", Known: true, Idle: node.DefaultIdle, Pattern: true,
		Source:   "next start without --keepAliveTimeout: Node's default (5 s)",
		Location: Location{path, lineOf(src, m[0])}, Setting: stacks.Must("nextjs").Setting}}
}

// containerFile reports whether a file says the repository runs a
// directory's application itself: a Dockerfile, a Procfile, a compose file.
func containerFile(name string) bool {
	lower := strings.ToLower(name)
	return strings.HasPrefix(lower, "dockerfile") || strings.HasSuffix(lower, ".dockerfile") || lower == "procfile" || isComposeFile(name)
}

// selfHosted reports whether the application in dir (relative to root) is
// run by the repository: no vercel.json in dir, and a container file in dir,
// or in a directory above that names dir's path from there (a monorepo's
// `COPY apps/web`, `build: ./apps/web`). A container file above that does
// not name it runs something else: chroma's root Dockerfile is its
// database, not sample_apps/movies.
func selfHosted(root, dir string) bool {
	if _, err := os.Stat(filepath.Join(root, dir, "vercel.json")); err == nil {
		return false
	}
	for d := dir; ; d = filepath.Dir(d) {
		below, _ := filepath.Rel(d, dir)
		below = filepath.ToSlash(below)
		if entries, err := os.ReadDir(filepath.Join(root, d)); err == nil {
			for _, e := range entries {
				if e.IsDir() || !containerFile(e.Name()) {
					continue
				}
				if d == dir {
					return true
				}
				if src, err := os.ReadFile(filepath.Join(root, d, e.Name())); err == nil && bytes.Contains(src, []byte(below)) {
					return true
				}
			}
		}
		if d == "." || d == "/" || d == "" {
			return false
		}
	}
}

// containerEnv finds NAME=digits (or NAME: digits) in the container files
// and .env files of dir or a directory above it (relative to root).
func containerEnv(root, dir, name string) (file string, line int, value string, ok bool) {
	re := regexp.MustCompile(`\b` + regexp.QuoteMeta(name) + `\s*[=:]\s*["']?([0-9][0-9_]*)`)
	for d := dir; ; d = filepath.Dir(d) {
		entries, _ := os.ReadDir(filepath.Join(root, d))
		for _, e := range entries {
			if e.IsDir() || !containerFile(e.Name()) && !strings.HasPrefix(e.Name(), ".env") {
				continue
			}
			src, err := os.ReadFile(filepath.Join(root, d, e.Name()))
			if err != nil {
				continue
			}
			if m := re.FindSubmatchIndex(src); m != nil {
				return filepath.ToSlash(filepath.Join(d, e.Name())), bytes.Count(src[:m[0]], []byte{'\n'}) + 1, string(src[m[2]:m[3]]), true
			}
		}
		if d == "." || d == "/" || d == "" {
			return "", 0, "", false
		}
	}
}

// runsRemixServe reports whether a container file in dir (relative to
// root) runs remix-serve or react-router-serve itself.
func runsRemixServe(root, dir string) bool {
	return containerFileIn(root, dir, remixServeCmdRe.Match)
}

// containerFileIn reports whether a container file (Dockerfile, compose
// file, Procfile ...) in dir, relative to root, has text that match
// accepts.
func containerFileIn(root, dir string, match func(src []byte) bool) bool {
	entries, err := os.ReadDir(filepath.Join(root, dir))
	if err != nil {
		return false
	}
	for _, e := range entries {
		if e.IsDir() || !containerFile(e.Name()) {
			continue
		}
		if src, err := os.ReadFile(filepath.Join(root, dir, e.Name())); err == nil && match(src) {
			return true
		}
	}
	return false
}
