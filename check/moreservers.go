package check

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/lbdoctor/lbdoctor/stacks"
)

// Hypercorn, Waitress and Thin: servers found by their command lines, their
// configuration files and, for the Python ones, the code that starts them.
// All are read by pattern matching (medium confidence).

var (
	hypercornCmdRe = regexp.MustCompile(`\bhypercorn\s[^\n]*`)
	waitressCmdRe  = regexp.MustCompile(`\bwaitress-serve\b[^\n]*`)
	thinCmdRe      = regexp.MustCompile(`\bthin\s[^\n]*`)
	thinStartRe    = regexp.MustCompile(`(?:^|\s)start(?:\s|$)`)
	thrustCmdRe    = regexp.MustCompile(`\bthrust\s[^\n]*`)
	// thrusterEnvRe finds Thruster's idle timeout variable with any value:
	// Thruster reads an integer of seconds and ignores anything else.
	thrusterEnvRe = regexp.MustCompile(`\b((?:THRUSTER_)?HTTP_(?:IDLE|READ)_TIMEOUT)\b["']?\s*[=:]\s*["']?([^"'\s,}\]]+)`)
	configFlagRe  = regexp.MustCompile(`(?:^|\s)(?:-c|-C|--config)(?:=|\s+)\S`)
)

// flagValue returns the value of the last of names on a command line
// (--keep-alive 75, --keep-alive=75, -t 75), quotes removed.
func flagValue(cmd string, names ...string) (string, bool) {
	words := strings.Fields(cmd)
	val, found := "", false
	for i, w := range words {
		for _, name := range names {
			if w == name && i+1 < len(words) {
				val, found = strings.Trim(words[i+1], `"'`), true
			} else if v, ok := strings.CutPrefix(w, name+"="); ok && strings.HasPrefix(name, "--") {
				val, found = strings.Trim(v, `"'`), true
			}
		}
	}
	return val, found
}

// seconds reads a whole or fractional number of seconds.
func seconds(s string) (time.Duration, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f > 1e7 {
		return 0, false
	}
	return time.Duration(f * float64(time.Second)), true
}

// serverHop is an application hop of a stack, at its default until a value
// is found.
func serverHop(id, kind string, loc Location, defaultSource string) Hop {
	s := stacks.Must(id)
	return Hop{Role: App, Kind: kind, Name: s.Name, Known: true, Idle: s.DefaultIdle, Pattern: true,
		Source: defaultSource, Location: loc, Setting: s.Setting}
}

// flagSeconds sets hop's idle timeout from a command-line flag's value in
// seconds; a value that is not a number (a variable) makes it unknown.
func flagSeconds(hop Hop, flag, v string) Hop {
	if d, ok := seconds(v); ok {
		hop.Idle, hop.Source = d, flag+" "+v
	} else {
		hop.Known, hop.Source = false, flag+" "+v+" (not a number here)"
	}
	return hop
}

// otherCommandHops finds Hypercorn, Waitress, Thin and Node frameworks'
// built servers on one command line (see parseCommandLines for what a
// command line is); nitroOutput says the file copies Nitro's .output.
func otherCommandHops(loc Location, line string, nitroOutput bool) []Hop {
	var hops []Hop
	if cmd := findCommand(line, hypercornCmdRe); cmd != "" {
		// The command line's --keep-alive wins over a config file (-c);
		// without it, the config file decides and is read on its own.
		hop := serverHop("hypercorn", "hypercorn", loc, "Hypercorn's default keep_alive_timeout (5 s)")
		v, ok := flagValue(cmd, "--keep-alive")
		switch {
		case ok:
			hops = append(hops, flagSeconds(hop, "--keep-alive", v))
		case configFlagRe.MatchString(cmd):
		case runtimeArgs(cmd):
			hops = append(hops, runtimeArgsHop(hop))
		default:
			hops = append(hops, hop)
		}
	}
	if cmd := findCommand(line, remixServeCmdRe); cmd != "" {
		hops = append(hops, remixServeHop(loc, cmd, "command line"))
	}
	if hop := nodeBuildHop(loc, line, nitroOutput, ""); hop != nil {
		hops = append(hops, *hop)
	}
	if cmd := findCommand(line, waitressCmdRe); cmd != "" {
		hop := serverHop("waitress", "waitress", loc, "Waitress's default channel_timeout (120 s, checked every 30 s)")
		if v, ok := flagValue(cmd, "--channel-timeout"); ok {
			hop = flagSeconds(hop, "--channel-timeout", v)
		} else if runtimeArgs(cmd) {
			hop = runtimeArgsHop(hop)
		}
		hops = append(hops, hop)
	}
	// thin start, thin -p 3000 start, bundle exec thin start -e production.
	if cmd := findCommand(line, thinCmdRe); cmd != "" && thinStartRe.MatchString(cmd) {
		hop := serverHop("thin", "thin", loc, "Thin's default --timeout (30 s)")
		v, ok := flagValue(cmd, "-t", "--timeout")
		switch {
		case ok:
			hops = append(hops, flagSeconds(hop, "--timeout", v))
		case configFlagRe.MatchString(cmd):
			// thin -C config.yml start: the timeout is in that file.
			hop.Known, hop.Source = false, "its configuration file (-C) sets the timeout; Thin's default is 30 s"
			hops = append(hops, hop)
		case runtimeArgs(cmd):
			hops = append(hops, runtimeArgsHop(hop))
		default:
			hops = append(hops, hop)
		}
	}
	return hops
}

var (
	hypercornKeepRe  = regexp.MustCompile(`(?m)(?:^\s*|\.)keep_alive_timeout\s*=\s*["']?([0-9.]+)|["']keep_alive_timeout["']\s*:\s*["']?([0-9.]+)`)
	hypercornSetRe   = regexp.MustCompile(`(?m)^\s*(?:bind|insecure_bind|workers|worker_class|keep_alive_timeout|accesslog|certfile)\s*=`)
	hypercornServeRe = regexp.MustCompile(`\bserve\(`)
	hypercornFromRe  = regexp.MustCompile(`Config\.from_\w+\(|Config\(\*\*`)
	// keep_alive_timeout set from anything but a number (an environment value).
	hypercornKeepAnyRe = regexp.MustCompile(`(?m)(?:^\s*|\.)keep_alive_timeout\s*=|["']keep_alive_timeout["']\s*:`)
)

// isHypercornConfig reports whether a file name is one a Hypercorn
// configuration usually has (hypercorn.toml, hypercorn_config.py, ...).
func isHypercornConfig(name string) bool {
	return strings.HasPrefix(name, "hypercorn") && (strings.HasSuffix(name, ".toml") || strings.HasSuffix(name, ".py"))
}

// parseHypercornConfig reads a Hypercorn configuration file (TOML or Python
// assignments): keep_alive_timeout, default 5 s. A file that sets none of
// Hypercorn's settings is not one.
func parseHypercornConfig(path string, src []byte) []Hop {
	if !hypercornSetRe.Match(src) {
		return nil
	}
	hop := serverHop("hypercorn", "hypercorn", Location{path, 1}, "Hypercorn's default keep_alive_timeout (5 s)")
	if m := hypercornKeepRe.FindSubmatchIndex(src); m != nil {
		setHypercornKeep(&hop, src, m)
	} else if m := hypercornKeepAnyRe.FindIndex(src); m != nil {
		hop.Known, hop.Source, hop.Location.Line = false, "keep_alive_timeout is set from an expression lbdoctor cannot read", bytes.Count(src[:m[0]], []byte{'\n'})+1
	}
	return []Hop{hop}
}

func setHypercornKeep(hop *Hop, src []byte, m []int) {
	v := ""
	if m[2] >= 0 {
		v = string(src[m[2]:m[3]])
	} else {
		v = string(src[m[4]:m[5]])
	}
	hop.Location.Line = bytes.Count(src[:m[0]], []byte{'\n'}) + 1
	if d, ok := seconds(v); ok {
		hop.Idle, hop.Source = d, "keep_alive_timeout = "+v
	}
}

var (
	waitressImportRe  = regexp.MustCompile(`(?m)^\s*(?:from\s+waitress\s+import\b|import\s+waitress\b)`)
	waitressServeRe   = regexp.MustCompile(`\b(?:waitress\.)?serve\(`)
	waitressTimeoutRe = regexp.MustCompile(`channel_timeout\s*=\s*["']?([0-9.]+)`)
)

// parsePythonServers finds Hypercorn and Waitress started from Python code:
// hypercorn's serve(app, config) with config.keep_alive_timeout, and
// waitress's serve(app, channel_timeout=N).
func parsePythonServers(path string, src []byte) []Hop {
	var hops []Hop
	lineOf := func(i int) int { return bytes.Count(src[:i], []byte{'\n'}) + 1 }
	if bytes.Contains(src, []byte("hypercorn")) && bytes.Contains(src, []byte("import")) {
		if m := hypercornServeRe.FindIndex(src); m != nil && bytes.Contains(src, []byte("Config")) {
			hop := serverHop("hypercorn", "hypercorn", Location{path, lineOf(m[0])}, "Hypercorn's default keep_alive_timeout (5 s)")
			if k := hypercornKeepRe.FindSubmatchIndex(src); k != nil {
				setHypercornKeep(&hop, src, k)
			} else if hypercornFromRe.Match(src) || hypercornKeepAnyRe.Match(src) {
				// Config.from_toml("..."), from_mapping(settings), or an
				// expression: the value is somewhere this file does not show.
				hop.Known, hop.Source = false, "its Config is loaded from elsewhere (Config.from_...) or keep_alive_timeout is an expression: the keep-alive is not in this file"
			}
			hops = append(hops, hop)
		}
	}
	if waitressImportRe.Match(src) {
		if m := waitressServeRe.FindIndex(src); m != nil {
			hop := serverHop("waitress", "waitress", Location{path, lineOf(m[0])}, "Waitress's default channel_timeout (120 s, checked every 30 s)")
			if t := waitressTimeoutRe.FindSubmatchIndex(src[m[0]:]); t != nil {
				v := string(src[m[0]+t[2] : m[0]+t[3]])
				if d, ok := seconds(v); ok {
					hop.Idle, hop.Source, hop.Location.Line = d, "channel_timeout="+v, lineOf(m[0]+t[0])
				}
			}
			hops = append(hops, hop)
		}
	}
	if aiohttpImportRe.Match(src) {
		hops = append(hops, parseAiohttp(path, src)...)
	}
	return hops
}

var (
	aiohttpImportRe = regexp.MustCompile(`(?m)^\s*(?:from\s+aiohttp(?:\.web)?\s+import\b|import\s+aiohttp\b)`)
	// aiohttpServeRe finds where aiohttp starts serving: web.run_app(...)
	// or an AppRunner, whose keyword arguments hold keepalive_timeout.
	aiohttpServeRe = regexp.MustCompile(`(?m)^[^#\n]*?\b((?:web\.)?(?:run_app|AppRunner))\(`)
	aiohttpKeepRe  = regexp.MustCompile(`\bkeepalive_timeout\s*=\s*([^,)\s]+)`)
)

// parseAiohttp reads aiohttp servers started in Python: web.run_app(app,
// keepalive_timeout=...) or web.AppRunner(app, keepalive_timeout=...),
// 75 s unless set.
func parseAiohttp(path string, src []byte) []Hop {
	var hops []Hop
	for _, m := range aiohttpServeRe.FindAllSubmatchIndex(src, -1) {
		name := string(src[m[2]:m[3]])
		call := callArgs(src, m[1]-1)
		hop := serverHop("aiohttp", "aiohttp", Location{path, lineAt(src, m[2])}, "aiohttp's default keepalive_timeout (75 s)")
		if k := aiohttpKeepRe.FindSubmatch(call); k != nil {
			v := string(k[1])
			if d, ok := seconds(v); ok && d > 0 {
				hop.Idle, hop.Source = d, name+"(keepalive_timeout="+v+")"
			} else {
				hop.Known, hop.Idle, hop.Source = false, 0, name+"(keepalive_timeout="+v+"): not a number here"
			}
		} else if bytes.Contains(call, []byte("**")) {
			hop.Known, hop.Idle, hop.Source = false, 0, name+"(**...): keepalive_timeout may be among its arguments"
		}
		hops = append(hops, hop)
	}
	return hops
}

var (
	iniSectionRe = regexp.MustCompile(`^\s*\[([^\]]+)\]`)
	iniKeyRe     = regexp.MustCompile(`^\s*([\w.]+)\s*[=:]\s*(.*?)\s*$`)
)

// parsePasteIni reads a PasteDeploy .ini (Pyramid, Pylons): a [server:...]
// section with use = egg:waitress#main serves with Waitress, and its
// channel_timeout applies.
func parsePasteIni(path string, src []byte) []Hop {
	var hops []Hop
	var cur *Hop
	section := ""
	timeout := ""
	timeoutLine := 0
	flush := func() {
		if cur != nil {
			if timeout != "" {
				if d, ok := seconds(timeout); ok {
					cur.Idle, cur.Source, cur.Location.Line = d, "channel_timeout = "+timeout, timeoutLine
				} else {
					cur.Known, cur.Source = false, "channel_timeout = "+timeout+" (not a number here)"
				}
			}
			hops = append(hops, *cur)
		}
		cur, timeout = nil, ""
	}
	for i, line := range strings.Split(string(src), "\n") {
		if m := iniSectionRe.FindStringSubmatch(line); m != nil {
			flush()
			section = m[1]
			continue
		}
		if !strings.HasPrefix(section, "server:") {
			continue
		}
		m := iniKeyRe.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		switch {
		case m[1] == "use" && strings.HasPrefix(m[2], "egg:waitress"):
			h := serverHop("waitress", "waitress", Location{path, i + 1}, fmt.Sprintf("Waitress's default channel_timeout (120 s, checked every 30 s), [%s]", section))
			cur = &h
		case m[1] == "channel_timeout":
			timeout, timeoutLine = m[2], i+1
		}
	}
	flush()
	return hops
}

var (
	bunServeRe       = regexp.MustCompile(`\bBun\.serve\s*\(`)
	bunImportServeRe = regexp.MustCompile(`import\s*\{[^}]*\bserve\b[^}]*\}\s*from\s*["']bun["']`)
	bunBareServeRe   = regexp.MustCompile(`(?m)(?:^|[^.\w])serve\s*\(`)
	bunDefaultRe     = regexp.MustCompile(`export\s+default\s*\{[^}]*\bfetch\b`)
	bunDefaultAppRe  = regexp.MustCompile(`(?m)^export\s+default\s+\w+\s*;?\s*$`)
	bunAppRe         = regexp.MustCompile(`\bnew\s+(?:Hono|Elysia)\s*[(<]`)
	bunIdleRe        = regexp.MustCompile(`\bidleTimeout\s*:\s*([0-9][0-9_]*)\b`)
)

// parseBunServe finds Bun's own server in JavaScript or TypeScript:
// Bun.serve({...}), serve({...}) imported from "bun", and, in a project that
// runs on Bun, a default export with a fetch handler or of a Hono or Elysia
// app (Bun serves it; in
// other projects that shape is a Cloudflare Worker, which no load balancer
// pools). Bun closes a connection after idleTimeout seconds without traffic
// (10 s by default, at most 255; 0 disables it).
func parseBunServe(path string, src []byte, bunProject, entry bool) []Hop {
	m := bunServeRe.FindIndex(src)
	if m == nil && bunImportServeRe.Match(src) {
		m = bunBareServeRe.FindIndex(src)
	}
	if m == nil && bunProject {
		m = bunDefaultRe.FindIndex(src) // export default { fetch }: Bun's form of a server module
		if m == nil && entry && bunAppRe.Match(src) {
			// export default app: a Hono or Elysia app has fetch, but so
			// has every router module; only the file Bun runs is served.
			m = bunDefaultAppRe.FindIndex(src)
		}
	}
	if m == nil {
		return nil
	}
	lineOf := func(i int) int { return bytes.Count(src[:i], []byte{'\n'}) + 1 }
	hop := serverHop("bun", "bun", Location{path, lineOf(m[0])}, "Bun.serve's default idleTimeout (10 s)")
	// The option belongs to the call: look from the call on, not before it.
	if k := bunIdleRe.FindSubmatchIndex(src[m[0]:]); k != nil {
		v := strings.ReplaceAll(string(src[m[0]+k[2]:m[0]+k[3]]), "_", "")
		n, _ := strconv.Atoi(v)
		hop.Location.Line = lineOf(m[0] + k[0])
		hop.Idle, hop.Source = time.Duration(n)*time.Second, "idleTimeout: "+v
		if n == 0 {
			hop.Idle, hop.Source = Infinite, "idleTimeout: 0 (no idle timeout)"
		}
	} else if bytes.Contains(src[m[0]:], []byte("idleTimeout")) {
		hop.Known, hop.Source = false, "idleTimeout is set from an expression lbdoctor cannot read"
	}
	return []Hop{hop}
}

// thrusterHop is Thruster, the proxy Rails 8 puts in front of its server
// (CMD ["./bin/thrust", "./bin/rails", "server"]): Go's http.Server with
// IdleTimeout from HTTP_IDLE_TIMEOUT (or THRUSTER_HTTP_IDLE_TIMEOUT, which
// wins) set in the same file, else 60 s; in front of the application, a
// pool of Go's http.Transport (IdleConnTimeout 90 s), which Thruster does
// not configure.
func thrusterHop(loc Location, src []byte) Hop {
	hop := serverHop("thruster", "thruster", loc, "Thruster's default HTTP_IDLE_TIMEOUT (60 s)")
	hop.Role = Proxy
	hop.UpstreamIdle, hop.UpstreamLoc = 90*time.Second, loc
	hop.UpstreamSource = "Go's http.Transport IdleConnTimeout (90 s), which Thruster leaves as it is"
	name, value := thrusterEnv(src, "HTTP_IDLE_TIMEOUT")
	if name == "" {
		return hop
	}
	n, err := strconv.Atoi(value)
	switch {
	case err == nil && n > 0:
		hop.Idle, hop.Source = time.Duration(n)*time.Second, name+"="+value
	case err == nil && n == 0:
		// Go's http.Server then closes idle connections at its read
		// timeout: Thruster's HTTP_READ_TIMEOUT, 30 s unless set.
		hop.Idle, hop.Source = 30*time.Second, name+"=0: Go's http.Server then uses the read timeout, HTTP_READ_TIMEOUT (30 s)"
		if rname, rv := thrusterEnv(src, "HTTP_READ_TIMEOUT"); rname != "" {
			if r, err := strconv.Atoi(rv); err == nil && r > 0 {
				hop.Idle, hop.Source = time.Duration(r)*time.Second, name+"=0: Go's http.Server then uses the read timeout, "+rname+"="+rv
			}
		}
	case err == nil:
		hop.Known, hop.Idle, hop.Source = false, 0, name+"="+value+" is negative"
	case strings.HasPrefix(value, "$"):
		hop.Known, hop.Idle, hop.Source = false, 0, name+" is set at run time ("+value+")"
	default:
		hop.Source = fmt.Sprintf("%s=%s is not a whole number of seconds: Thruster ignores it and keeps 60 s", name, value)
	}
	return hop
}

// thrusterEnv finds the variable Thruster reads for key in src: the
// THRUSTER_ prefixed one wins, as in Thruster's findEnv.
func thrusterEnv(src []byte, key string) (name, value string) {
	for _, m := range thrusterEnvRe.FindAllSubmatch(src, -1) {
		if n := string(m[1]); n == key || n == "THRUSTER_"+key {
			if name == "" || n == "THRUSTER_"+key {
				name, value = n, string(m[2])
			}
		}
	}
	return name, value
}

// remixServeCmdRe finds Remix's and React Router's own servers, which serve
// a build with Express's app.listen and no keepAliveTimeout of their own
// (@remix-run/serve, @react-router/serve cli.ts): Node's 5 s, and no option
// or variable changes it.
var remixServeCmdRe = regexp.MustCompile(`\b(?:remix-serve|react-router-serve)\b[^\n]*`)

// remixServeHop is the hop of a remix-serve or react-router-serve command
// (cmd begins with the program's name), found in how.
func remixServeHop(loc Location, cmd, how string) Hop {
	program := strings.Fields(cmd)[0]
	hop := serverHop("node", "node", loc, program+" has no keep-alive option: Node's default keepAliveTimeout (5 s) ("+how+")")
	hop.Name = "Node.js server (" + program + ")"
	hop.Setting = func(d time.Duration) string {
		return fmt.Sprintf("%s cannot set it: serve the build with Express (the express adapter) and set server.keepAliveTimeout = %d; server.headersTimeout = %d;", program, d.Milliseconds(), d.Milliseconds()+1000)
	}
	return hop
}
