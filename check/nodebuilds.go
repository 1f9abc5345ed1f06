package check

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Servers that Node frameworks build and a command runs with node. Each
// makes Node's http.Server without setting keepAliveTimeout, so it keeps
// idle connections Node's 5 s (read in the packages' own code; Node's
// default is measured in probe's tests):
//   - Nitro's node-server output, .output/server/index.mjs (Nuxt 3 and 4,
//     SolidStart, Analog, TanStack Start): no setting (nitrojs/nitro#2638);
//   - SvelteKit's adapter-node, node build: KEEP_ALIVE_TIMEOUT in seconds
//     from @sveltejs/adapter-node 5.5.0 (sveltejs/kit#15125);
//   - Astro's @astrojs/node in standalone mode, dist/server/entry.mjs: no
//     setting.
// nuxt/nuxt#9740 and #18857, and nitrojs/nitro#2638, report these 502s
// behind AWS load balancers.

// nodeScriptCmdRe finds node running a script: node [flags] SCRIPT.
var nodeScriptCmdRe = regexp.MustCompile(`\bnode\s+(?:-[^\s\]]+\s+)*([^\s\]-][^\s\]]*)`)

// nitroCopyRe finds a Dockerfile's COPY or ADD of Nitro's .output
// directory (to /www, or to output).
var nitroCopyRe = regexp.MustCompile(`(?im)^\s*(?:COPY|ADD)\b[^\n]*\.output\b`)

// nodeBuildOf names the framework whose build script runs, and the
// package a project needs for the script to be that build ("" when the
// path says so alone). With nitroOutput (the file copies .output
// elsewhere) server/index.mjs anywhere, or index.mjs in .output/server,
// is Nitro's.
func nodeBuildOf(script string, nitroOutput bool) (stackID, dep string, ok bool) {
	s := strings.TrimPrefix(strings.Trim(script, `"'`), "./")
	switch {
	case s == ".output/server/index.mjs" || strings.HasSuffix(s, "/.output/server/index.mjs"),
		nitroOutput && (s == "server/index.mjs" || strings.HasSuffix(s, "/server/index.mjs") || s == "index.mjs"):
		return "nitro", "", true
	case s == "build" || s == "build/" || s == "build/index.js":
		return "sveltekit-node", "@sveltejs/adapter-node", true
	case s == "dist/server/entry.mjs" || strings.HasSuffix(s, "/dist/server/entry.mjs"):
		return "astro-node", "@astrojs/node", true
	}
	return "", "", false
}

// nodeBuildHop is the hop of a command line that runs a framework's build
// with node, or nil; where says where the command line is, when not in a
// container file.
func nodeBuildHop(loc Location, line string, nitroOutput bool, where string) *Hop {
	cmd := findCommand(line, nodeScriptCmdRe)
	if cmd == "" {
		return nil
	}
	m := nodeScriptCmdRe.FindStringSubmatch(cmd)
	id, dep, ok := nodeBuildOf(m[1], nitroOutput)
	if !ok {
		return nil
	}
	hop := serverHop(id, "node", loc, "Node's default keepAliveTimeout (5 s): the framework's server sets none ("+where+"node "+m[1]+")")
	hop.nodeBuild = dep // settleNodeBuilds checks it, and reads SvelteKit's KEEP_ALIVE_TIMEOUT
	return &hop
}

// nodeBuildScriptRe finds a package.json start script that runs a build
// with node.
var nodeBuildScriptRe = regexp.MustCompile(`"start"\s*:\s*"([^"\n]*\bnode\s[^"\n]*)"`)

// nodeBuildScript reads a package.json (at path, relative to root) whose
// start script runs a framework's build, when the repository runs the
// project itself and no container file of it runs node on the build
// directly (that command is a hop of its own).
func nodeBuildScript(root, path string, src []byte) []Hop {
	var hop *Hop
	if m := nodeBuildScriptRe.FindSubmatchIndex(src); m != nil {
		hop = nodeBuildHop(Location{path, lineAt(src, m[0])}, string(src[m[2]:m[3]]), false, "package.json start script: ")
	} else if m := nuxtStartScriptRe.FindSubmatchIndex(src); m != nil && nuxt3(src) {
		h := serverHop("nitro", "node", Location{path, lineAt(src, m[0])},
			"Node's default keepAliveTimeout (5 s): "+string(src[m[2]:m[3]])+" runs Nitro's node-server, which sets none (package.json start script)")
		hop = &h
	}
	dir := filepath.Dir(path)
	if hop == nil || !selfHosted(root, dir) || runsNodeBuild(root, dir) {
		return nil
	}
	return []Hop{*hop}
}

// nuxtStartScriptRe finds a start script that runs Nuxt's built server
// through its CLI: nuxt start, nuxi preview (Nuxt 3 and 4 run
// .output/server/index.mjs).
var nuxtStartScriptRe = regexp.MustCompile(`"start"\s*:\s*"[^"\n]*?\b(nux[ti]\s+(?:start|preview))\b[^"\n]*"`)

// nuxtVersionRe reads the major version of a package.json's nuxt.
var nuxtVersionRe = regexp.MustCompile(`"nuxt"\s*:\s*"[^"\d]*(\d+)`)

// nuxt3 reports whether a package.json depends on Nuxt 3 or later, which
// builds with Nitro (Nuxt 2's nuxt start is a server of its own).
func nuxt3(pkg []byte) bool {
	m := nuxtVersionRe.FindSubmatch(pkg)
	if m == nil {
		return false
	}
	major, _ := strconv.Atoi(string(m[1]))
	return major >= 3
}

// runsNodeBuild reports whether a container file in dir (relative to
// root) runs a framework's build with node itself.
func runsNodeBuild(root, dir string) bool {
	return containerFileIn(root, dir, func(src []byte) bool {
		nitroOutput := nitroCopyRe.Match(src)
		for _, line := range strings.Split(string(src), "\n") {
			if nodeBuildHop(Location{}, execFormLine(line), nitroOutput, "") != nil {
				return true
			}
		}
		return false
	})
}

// adapterNodeVersionRe reads @sveltejs/adapter-node's version range: its
// operator and first major and minor numbers.
var adapterNodeVersionRe = regexp.MustCompile(`"@sveltejs/adapter-node"\s*:\s*"\s*([~^<>=v]*)\s*(\d+)\.(\d+)`)

// beforeAdapterNode55 reports whether a package.json's range for
// @sveltejs/adapter-node can only install a version before 5.5.0, which
// does not read KEEP_ALIVE_TIMEOUT: an exact or ~ version below it, or a ^
// range of major 4 or below. Other ranges (^5.2.0 takes 5.5.x) are not.
func beforeAdapterNode55(pkg []byte) (string, bool) {
	m := adapterNodeVersionRe.FindSubmatch(pkg)
	if m == nil {
		return "", false
	}
	op := strings.TrimPrefix(string(m[1]), "v")
	major, _ := strconv.Atoi(string(m[2]))
	minor, _ := strconv.Atoi(string(m[3]))
	spec := op + string(m[2]) + "." + string(m[3])
	switch op {
	case "", "=", "~":
		return spec, major < 5 || major == 5 && minor < 5
	case "^":
		return spec, major < 5
	}
	return spec, false
}

// settleNodeBuilds keeps the hops of framework builds whose project, the
// nearest package.json at or above the command's file, depends on the
// framework's package (node build is a SvelteKit server only in a
// SvelteKit project), and gives SvelteKit's its KEEP_ALIVE_TIMEOUT.
func settleNodeBuilds(root string, hops []Hop) []Hop {
	out := hops[:0]
	for _, h := range hops {
		if h.nodeBuild == "" {
			out = append(out, h)
			continue
		}
		dir, pkg, ok := nearestPackageJSON(root, path.Dir(h.Location.File))
		if !ok || !strings.Contains(string(pkg), `"`+h.nodeBuild+`"`) {
			continue
		}
		if h.nodeBuild == "@sveltejs/adapter-node" {
			h = svelteKeepAlive(root, dir, pkg, h)
		}
		out = append(out, h)
	}
	return out
}

// svelteKeepAlive applies KEEP_ALIVE_TIMEOUT (seconds) from the project's
// container files or .env files, which adapter-node reads from 5.5.0.
func svelteKeepAlive(root, dir string, pkg []byte, h Hop) Hop {
	file, line, v, ok := containerEnv(root, dir, "KEEP_ALIVE_TIMEOUT")
	if !ok {
		return h
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return h
	}
	if spec, old := beforeAdapterNode55(pkg); old {
		h.Source += fmt.Sprintf("; KEEP_ALIVE_TIMEOUT=%s (%s:%d) is read only from @sveltejs/adapter-node 5.5.0, and package.json asks for %s", v, file, line, spec)
		return h
	}
	if n > 0 { // 0 or empty leaves Node's default, as unset
		h.Idle, h.Source, h.Location = time.Duration(n)*time.Second, "KEEP_ALIVE_TIMEOUT="+v+" (seconds; adapter-node 5.5.0+)", Location{file, line}
	}
	return h
}

// nearestPackageJSON returns the nearest directory at or above dir
// (relative to root) that holds a package.json, and the file.
func nearestPackageJSON(root, dir string) (string, []byte, bool) {
	for d := dir; ; d = path.Dir(d) {
		if src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(d), "package.json")); err == nil {
			return d, src, true
		}
		if d == "." || d == "/" || d == "" {
			return "", nil, false
		}
	}
}
