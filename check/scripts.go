package check

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/lbdoctor/lbdoctor/stacks"
)

// These formats have no parser that fits (JavaScript, shell command lines), so
// they are read with patterns; their hops say so in Source.

var (
	// The value is an expression up to the end of its statement or property:
	// 65000, 65 * 1000, Number(process.env.KEEP_ALIVE) || 65000 (see jsMillis).
	// honoServeRe finds @hono/node-server's serve(...), which creates and
	// starts a Node http.Server.
	honoServeRe = regexp.MustCompile(`(?m)^[^/\n]*\bserve\s*\(`)
	// nodeKeepAssignRe finds a server's keepAliveTimeout assigned (not an
	// option of a client agent: undici's Agent takes keepAliveTimeout too).
	nodeKeepAssignRe = regexp.MustCompile(`\.keepAliveTimeout\s*=[^=]`)
	nodeKeepAliveRe  = regexp.MustCompile(`(?:\.keepAliveTimeout\s*=\s*|keepAliveTimeout\s*:\s*)([^;\n,}]+)`)
	nodeHeadersRe    = regexp.MustCompile(`(?:\.headersTimeout\s*=\s*|headersTimeout\s*:\s*)([^;\n,}]+)`)
	nodeMaxReqRe     = regexp.MustCompile(`(?:\.maxRequestsPerSocket\s*=\s*|maxRequestsPerSocket\s*:\s*)([^;\n,}]+)`)
	nodeServerRe     = regexp.MustCompile(`\bcreateServer\s*\(|\.listen\s*\(|\b[Hh]api\.[Ss]erver\s*\(`)
	nextStartRe      = regexp.MustCompile(`next\s+start[^"]*--keepAliveTimeout[ =]([0-9]+)`)
	// nodeImportRe finds the modules a file loads: require("m"), import ... from "m", import("m").
	nodeImportRe = regexp.MustCompile(`(?:\brequire\s*\(\s*|\bfrom\s+|\bimport\s*\(?\s*)["']([^"'\n]+)["']`)
)

// nodeHTTPModules are the modules whose servers speak HTTP/1.1 through
// Node's http.Server, and so keep idle connections keepAliveTimeout long. A
// `.listen(` or `createServer(` without one of them in the file or in the
// project's dependencies may be anything else: a gRPC, WebSocket-only, TCP
// (net.createServer) or TLS server.
var nodeHTTPModules = map[string]bool{
	"http": true, "https": true, "node:http": true, "node:https": true,
	"express": true, "koa": true, "fastify": true, "@hapi/hapi": true, "hapi": true, "restify": true,
	"polka": true, "connect": true, "micro": true, "@nestjs/core": true, "@nestjs/platform-express": true,
	"@nestjs/platform-fastify": true, "@hono/node-server": true, "@feathersjs/express": true, "@feathersjs/koa": true,
	"json-server": true, "@apollo/server": true, "apollo-server": true, "apollo-server-express": true,
	"@adonisjs/core": true, "sails": true, "loopback": true, "@loopback/core": true, "next": true, "nuxt": true,
	"@remix-run/express": true, "@sveltejs/kit": true, "@sveltejs/adapter-node": true,
}

// nodeOtherServerModules are modules whose createServer speaks something
// else than HTTP: TCP and TLS sockets, DNS, MQTT.
var nodeOtherServerModules = map[string]bool{
	"net": true, "node:net": true, "tls": true, "node:tls": true, "dns2": true, "aedes": true,
}

var (
	// nodeBindingRe finds a module bound to a name: const net =
	// require("net"), import net from "net", import * as net from "net".
	nodeBindingRe = regexp.MustCompile(`(?:\b(?:const|let|var)\s+(\w+)\s*=\s*require\s*\(\s*|\bimport\s+(?:\*\s+as\s+)?(\w+)\s+from\s+)["']([^"'\n]+)["']`)
	// nodeCreateServerRe finds what createServer is called on: net in
	// net.createServer(, or the module in require("net").createServer(.
	nodeCreateServerRe = regexp.MustCompile(`(?:\brequire\s*\(\s*["']([^"'\n]+)["']\s*\)|\b(\w+))\s*\.\s*createServer\s*\(`)
)

// servesOtherProtocol reports whether src creates its server with a module
// that does not speak HTTP (net.createServer, dns2.createServer).
func servesOtherProtocol(src []byte) bool {
	receivers := map[string]bool{} // names createServer is called on
	for _, m := range nodeCreateServerRe.FindAllSubmatch(src, -1) {
		if nodeOtherServerModules[string(m[1])] {
			return true // require("net").createServer(
		}
		receivers[string(m[2])] = true
	}
	for _, m := range nodeBindingRe.FindAllSubmatch(src, -1) {
		name := m[1]
		if len(name) == 0 {
			name = m[2]
		}
		if nodeOtherServerModules[string(m[3])] && receivers[string(name)] {
			return true
		}
	}
	return false
}

// loadsHTTPModule reports whether src loads one of nodeHTTPModules.
func loadsHTTPModule(src []byte) bool {
	for _, m := range nodeImportRe.FindAllSubmatch(src, -1) {
		if nodeHTTPModules[string(m[1])] {
			return true
		}
	}
	return false
}

// nodeProject is what package.json and .nvmrc say about a Node project.
type nodeProject struct {
	version    version
	versionSrc string
	hasVersion bool
	framework  string // "fastify", "express", "nestjs", "next", "" for plain http
	httpServer bool   // it depends on one of nodeHTTPModules
	bun        bool   // it runs on Bun (Bun's types, or scripts that run bun)
	// bunEntries are the files its scripts run with bun (bun src/index.ts,
	// bun run --hot server.ts), relative to the project's directory: Bun
	// serves the default export of the file it runs, not of every module.
	bunEntries []string
	// lambdaAdapter is a dependency that wraps the application for AWS
	// Lambda (serverless-http ...), if any.
	lambdaAdapter string
	// devHTTPOnly: its HTTP modules are all development dependencies (a
	// front end's mock or proxy server; see devServerFile).
	devHTTPOnly bool
}

func readPackageJSON(src []byte) (nodeProject, error) {
	var pkg struct {
		Engines         map[string]string `json:"engines"`
		Dependencies    map[string]string `json:"dependencies"`
		DevDependencies map[string]string `json:"devDependencies"`
		Scripts         map[string]string `json:"scripts"`
	}
	var p nodeProject
	if err := json.Unmarshal(src, &pkg); err != nil {
		return p, err
	}
	if e := pkg.Engines["node"]; e != "" {
		if v, ok := parseVersion(strings.TrimLeft(e, ">=^~ ")); ok {
			p.version, p.versionSrc, p.hasVersion = v, "package.json engines.node "+e, true
		}
	}
	for dep := range pkg.Dependencies {
		if nodeHTTPModules[dep] {
			p.httpServer = true
		}
	}
	for dep := range pkg.DevDependencies {
		p.devHTTPOnly = p.devHTTPOnly || nodeHTTPModules[dep] && !p.httpServer
	}
	for _, dep := range lambdaAdapters {
		if _, ok := pkg.Dependencies[dep]; ok && p.lambdaAdapter == "" {
			p.lambdaAdapter = dep
		}
	}
	for _, dep := range []string{"@types/bun", "bun-types"} {
		_, a := pkg.Dependencies[dep]
		_, b := pkg.DevDependencies[dep]
		p.bun = p.bun || a || b
	}
	for _, script := range pkg.Scripts {
		if f := strings.Fields(script); len(f) > 1 && f[0] == "bun" && f[1] != "install" && f[1] != "test" && f[1] != "x" {
			p.bun = true // bun run start, bun src/index.ts
			for _, w := range f[1:] {
				if strings.HasPrefix(w, "-") || w == "run" {
					continue
				}
				if strings.Contains(w, ".") { // a file, not a script's name
					p.bunEntries = append(p.bunEntries, path.Clean(w))
				}
				break
			}
		}
	}
	for _, f := range []struct{ dep, name string }{{"fastify", "fastify"}, {"@nestjs/core", "nestjs"}, {"next", "next"}, {"express", "express"}} {
		if _, ok := pkg.Dependencies[f.dep]; ok {
			p.framework = f.name
			break
		}
	}
	return p, nil
}

// devPlaceRe matches where a project keeps development tools: scripts/,
// tools/, dev/, .storybook/, Cypress's and Playwright's directories, and
// files named for a development server (dev-server.js, mock-api.ts,
// setupProxy.js).
var devPlaceRe = regexp.MustCompile(`(?i)(?:^|/)(?:scripts|tools|dev|\.storybook|cypress|playwright|e2e)/|(?:^|/)[^/]*(?:dev[-_.]?server|mock|setupProxy|proxy[-_.]?server)[^/]*$`)

// devServerFile reports whether a Node server is a development tool: its
// project has HTTP modules only as development dependencies, and the file
// is where such tools live.
func devServerFile(proj nodeProject, relp string) bool {
	return proj.devHTTPOnly && devPlaceRe.MatchString(relp)
}

// jsMillis evaluates a JavaScript milliseconds expression as projects write
// them: a literal (65_000), arithmetic on literals (65 * 1000), or a
// fallback after an environment lookup (Number(process.env.X) || 65000,
// parseInt(process.env.X ?? "65000"), which applies when the variable is
// not set; how says so).
func jsMillis(expr string) (d time.Duration, how string, ok bool) {
	for _, c := range []string{"//", "/*"} { // a comment after the value
		if i := strings.Index(expr, c); i >= 0 {
			expr = strings.TrimSpace(expr[:i])
		}
	}
	if n, ok := arith(expr); ok {
		return time.Duration(n) * time.Millisecond, "", true
	}
	for _, op := range []string{"||", "??"} {
		if i := strings.LastIndex(expr, op); i > 0 && strings.Contains(expr[:i], "process.env") {
			fallback := strings.Trim(strings.TrimSpace(expr[i+len(op):]), `)"'`+"` ")
			if n, ok := arith(fallback); ok {
				return time.Duration(n) * time.Millisecond, " (the fallback when the variable is not set)", true
			}
		}
	}
	return 0, "", false
}

// arith evaluates integer literals joined by + - * and parentheses.
func arith(s string) (int64, bool) {
	s = strings.ReplaceAll(strings.ReplaceAll(s, " ", ""), "_", "")
	if s == "" {
		return 0, false
	}
	pos := 0
	var expr, term, factor func() (int64, bool)
	factor = func() (int64, bool) {
		if pos < len(s) && s[pos] == '(' {
			pos++
			v, ok := expr()
			if !ok || pos >= len(s) || s[pos] != ')' {
				return 0, false
			}
			pos++
			return v, true
		}
		start := pos
		for pos < len(s) && s[pos] >= '0' && s[pos] <= '9' {
			pos++
		}
		v, err := strconv.ParseInt(s[start:pos], 10, 64)
		return v, err == nil && v < 1<<40
	}
	term = func() (int64, bool) {
		v, ok := factor()
		for ok && pos < len(s) && s[pos] == '*' {
			pos++
			var w int64
			if w, ok = factor(); ok {
				v *= w
			}
		}
		return v, ok && v < 1<<40
	}
	expr = func() (int64, bool) {
		v, ok := term()
		for ok && pos < len(s) && (s[pos] == '+' || s[pos] == '-') {
			op := s[pos]
			pos++
			var w int64
			if w, ok = term(); ok {
				if op == '+' {
					v += w
				} else {
					v -= w
				}
			}
		}
		return v, ok
	}
	v, ok := expr()
	return v, ok && pos == len(s) && v >= 0
}

func nodeMillis(s string) (time.Duration, bool) {
	n, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 10, 64)
	return time.Duration(n) * time.Millisecond, err == nil
}

// jsIdentRe is a JavaScript identifier.
var jsIdentRe = regexp.MustCompile(`^[A-Za-z_$][\w$]*$`)

// ignoredSetting is a timeout assigned where the listening server never
// reads it (see nodeapp.go).
type ignoredSetting struct {
	at   int    // the assignment's offset in the file
	text string // the assignment, as written
	why  string // why the server does not read it
}

// nodeServerSetting returns the first match of re (a setting of
// keepAliveTimeout or headersTimeout, with its value as group 1) that may be
// the listening server's, and the first that is not, if any.
func nodeServerSetting(src []byte, re *regexp.Regexp) ([]int, *ignoredSetting) {
	var ignored *ignoredSetting
	for _, m := range re.FindAllSubmatchIndex(src, -1) {
		if src[m[0]] != '.' && jsClientCallRe.MatchString(jsEnclosingCall(src, m[0])) {
			continue // new Agent({ keepAliveTimeout }): a client's pool (undici)
		}
		if src[m[0]] == '.' {
			recv := nodeReceiver(src, m[0])
			if why, ok := nodeNotTheServer(src, recv); ok {
				if ignored == nil {
					text := string(src[m[0]-len(recv) : m[3]])
					if i := strings.Index(text, "//"); i > 0 {
						text = text[:i]
					}
					ignored = &ignoredSetting{m[0] - len(recv), strings.TrimSpace(text), why}
				}
				continue
			}
		}
		return jsBalanced(src, m), ignored
	}
	return nil, ignored
}

// jsBalanced extends a setting's value (m[2]:m[3]), which the patterns end
// at the first comma, over a call's other arguments and what follows the
// call: parseInt(process.env.KEEP_ALIVE, 10) || 65000. A call not closed on
// its line leaves the value as it was.
func jsBalanced(src []byte, m []int) []int {
	depth := bytes.Count(src[m[2]:m[3]], []byte("(")) - bytes.Count(src[m[2]:m[3]], []byte(")"))
	end := m[3]
	for ; depth > 0; end++ {
		if end >= len(src) || end >= m[3]+300 || src[end] == '\n' || src[end] == ';' {
			return m
		}
		switch src[end] {
		case '(':
			depth++
		case ')':
			depth--
		}
	}
	if end == m[3] {
		return m
	}
	for end < len(src) && !bytes.ContainsAny(src[end:end+1], ";\n,}") {
		end++
	}
	out := append([]int(nil), m...)
	out[1], out[3] = end, end
	return out
}

// parseNodeSource finds keepAliveTimeout/headersTimeout settings in a JS/TS
// file that creates an HTTP server: a server call, and an HTTP module loaded
// by the file or depended on by its project. Node's default is 5 s
// (Fastify's 72 s).
func parseNodeSource(path string, src []byte, proj nodeProject) ([]Hop, []Finding) {
	serverAt := nodeServerRe.FindIndex(src)
	if serverAt == nil && bytes.Contains(src, []byte("@hono/node-server")) {
		serverAt = honoServeRe.FindIndex(src) // serve({ fetch: app.fetch }) makes Node's http.Server
	}
	if serverAt == nil {
		return nil, nil
	}
	// The project's dependencies say HTTP, but a file that loads no HTTP
	// module of its own and a TCP, DNS or MQTT one serves that instead
	// (uptime-kuma's test DNS and MQTT servers beside its Express app).
	if own := loadsHTTPModule(src); !own && (!proj.httpServer || servesOtherProtocol(src)) {
		return nil, nil
	}
	node := stacks.Must("node")
	hop := Hop{Role: App, Kind: "node", Name: "Node.js server", Known: true, Idle: node.DefaultIdle, Pattern: true,
		Source: "Node's default keepAliveTimeout (5 s; read by pattern matching)", Location: Location{path, 1}, Setting: node.Setting}
	if proj.framework == "fastify" || bytes.Contains(src, []byte("FastifyAdapter")) { // NestJS on Fastify too
		f := stacks.Must("fastify")
		hop.Kind, hop.Name, hop.Idle, hop.Source = "node", "Fastify server", f.DefaultIdle, "Fastify's default keepAliveTimeout (72 s)"
	}
	lineOf := func(off int) int { return bytes.Count(src[:off], []byte{'\n'}) + 1 }
	var headers time.Duration
	headersLine := 0
	keepAlive, ignored := nodeServerSetting(src, nodeKeepAliveRe)
	switch {
	case keepAlive == nil && ignored != nil:
		hop.Location.Line = lineOf(ignored.at)
		hop.Source += fmt.Sprintf(": %s %s", ignored.text, ignored.why)
	case keepAlive != nil:
		hop.Location.Line = lineOf(keepAlive[0])
		expr := strings.TrimSpace(string(src[keepAlive[2]:keepAlive[3]]))
		d, how, ok := jsMillis(expr)
		if !ok && jsIdentRe.MatchString(expr) {
			// const KEEP_ALIVE_MS = 65 * 1000, declared once in the file
			decl := regexp.MustCompile(`(?m)\b(?:const|let|var)\s+`+regexp.QuoteMeta(expr)+`\s*(?::\s*\w+\s*)?=\s*([^;\n]+)`).FindAllSubmatch(src, 2)
			if len(decl) == 1 {
				if d, how, ok = jsMillis(strings.TrimSpace(string(decl[0][1]))); ok {
					how = " (" + expr + " = " + strings.TrimSpace(string(decl[0][1])) + ")" + how
				}
			}
		}
		if ok {
			if d == 0 {
				// Node: "a value of 0 will disable the keep-alive timeout
				// behavior"; measured here, the connection stays open.
				d, how = Infinite, how+": 0 turns the idle timeout off"
			}
			if d > 0 && d < time.Second && strings.Trim(expr, "0123456789_") == "" {
				how += fmt.Sprintf(" (milliseconds: %d000 would be %d s)", d.Milliseconds(), d.Milliseconds())
			}
			hop.Idle, hop.Source = d, "keepAliveTimeout = "+expr+how+" (read by pattern matching)"
		} else {
			hop.Known, hop.Source = false, "keepAliveTimeout = "+expr+": an expression lbdoctor cannot read"
		}
	case !nodeOtherKeepAlive(src):
		hop.Location.Line = lineOf(serverAt[0])
	default:
		hop.Known, hop.Source = false, "keepAliveTimeout is set from an expression lbdoctor cannot read"
	}
	if m, _ := nodeServerSetting(src, nodeHeadersRe); m != nil {
		headers, _, _ = jsMillis(strings.TrimSpace(string(src[m[2]:m[3]])))
		headersLine = lineOf(m[0])
	}
	// maxRequestsPerSocket = 1 (Node 16.10+): Connection: close on the first
	// response (measured with Node 20), so no connection is reused; 0 is no
	// limit.
	if m, _ := nodeServerSetting(src, nodeMaxReqRe); m != nil && (!proj.hasVersion || !proj.version.less(version{16, 10, 0})) {
		expr := strings.TrimSpace(string(src[m[2]:m[3]]))
		if n, ok := arith(expr); ok && n == 1 {
			hop.Idle, hop.Known, hop.Location.Line = NoKeepalive, true, lineOf(m[0])
			hop.Source = "maxRequestsPerSocket = " + expr + ": one request per connection, then Connection: close (read by pattern matching)"
		}
	}
	var findings []Finding
	// Before 12.19 headersTimeout (40 s by default) was measured across
	// keep-alive requests: a keepAliveTimeout above it was cut at headersTimeout.
	if proj.hasVersion && proj.version.less(version{12, 19, 0}) && hop.Known {
		h, src := headers, fmt.Sprintf("headersTimeout = %s", headers)
		if headers == 0 {
			h, src, headersLine = 40*time.Second, "default headersTimeout (40 s)", hop.Location.Line
		}
		if h <= hop.Idle {
			findings = append(findings, Finding{Rule: RuleNodeHeaders, Location: Location{path, headersLine}, Confidence: "medium",
				Message: fmt.Sprintf("Node %s (%s): %s is not greater than keepAliveTimeout (%s), so idle connections close at %s", proj.version, proj.versionSrc, src, hop.Idle, h),
				Fix:     fmt.Sprintf("server.headersTimeout = %d; (or upgrade to Node 12.19+)", hop.Idle.Milliseconds()+1000)})
		}
	}
	return []Hop{hop}, findings
}

// parseNextScripts finds `next start --keepAliveTimeout N` in package.json.
func parseNextScripts(path string, src []byte) []Hop {
	m := nextStartRe.FindSubmatchIndex(src)
	if m == nil {
		return nil
	}
	d, _ := nodeMillis(string(src[m[2]:m[3]]))
	source := "next start --keepAliveTimeout " + string(src[m[2]:m[3]])
	if d == 0 { // Next.js sets the server's keepAliveTimeout only when it is not 0
		d, source = stacks.Must("node").DefaultIdle, source+": Next.js leaves 0 unset, so Node's default (5 s)"
	}
	return []Hop{{Role: App, Kind: "node", Name: "Next.js (next start)", Known: true, Idle: d, Pattern: true,
		Source: source, Location: Location{path, bytes.Count(src[:m[0]], []byte{'\n'}) + 1},
		Setting: stacks.Must("nextjs").Setting}}
}

var (
	gunicornCmdRe  = regexp.MustCompile(`\bgunicorn\b[^\n]*`)
	uvicornCmdRe   = regexp.MustCompile(`\buvicorn\s+[\w.]+:[\w]+[^\n]*`)
	flagRe         = regexp.MustCompile(`(--keep-alive|--worker-class|-k|--threads|--timeout-keep-alive|--uds|--bind|-b)[ =]["']?([^\s"']+)`)
	shellDefaultRe = regexp.MustCompile(`^\$\{([A-Za-z_][A-Za-z0-9_]*):?-([0-9]+)\}$`)
	pyAssignRe     = regexp.MustCompile(`(?m)^\s*(keepalive|worker_class|threads|bind|keep_alive|keepalive_timeout|keep_alive_timeout|timeout_keep_alive|keepAlive|keep_alive_time)\s*=\s*(.+)$`)
	pyLiteralRe    = regexp.MustCompile(`^(?:["']([\w.:/-]+)["']|([0-9]+))$`)
	pyEnvRe        = regexp.MustCompile(`(?:environ\.get|getenv)\(\s*["']([A-Za-z0-9_]+)["']\s*,\s*["']?([\w.:]+)["']?\s*\)`)
	uvicornRunRe   = regexp.MustCompile(`uvicorn\.run\([^)]*timeout_keep_alive\s*=\s*([0-9]+)`)
	fastapiRunRe   = regexp.MustCompile(`\bfastapi\s+run\b`)
	gunicornEnvRe  = regexp.MustCompile(`GUNICORN_CMD_ARGS\s*[=:]\s*("[^"\n]*"|'[^'\n]*'|[^\n]*)`)
)

// gunicornHop builds the hop for gunicorn settings: keep-alive applies to
// threaded and async workers; the default sync worker has none.
func gunicornHop(loc Location, keepalive, worker string, threads int, source string) Hop {
	g := stacks.Must("gunicorn")
	hop := Hop{Role: App, Kind: "gunicorn", Name: "gunicorn", Known: true, Location: loc, Pattern: true, Setting: g.Setting}
	if worker == "" && threads > 1 {
		worker = "gthread"
	}
	if worker == "" || worker == "sync" {
		hop.Idle, hop.Source = NoKeepalive, "sync worker (the default): no keep-alive"
		return hop
	}
	hop.Idle, hop.Source = g.DefaultIdle, fmt.Sprintf("gunicorn's default keepalive (2 s) with the %s worker", worker)
	if keepalive != "" {
		if n, err := strconv.Atoi(keepalive); err == nil {
			hop.Idle, hop.Source = time.Duration(n)*time.Second, fmt.Sprintf("keepalive %s with the %s worker (%s)", keepalive, worker, source)
			// Measured: gunicorn's own workers then answer Connection: close;
			// uvicorn's worker passes 0 to uvicorn, which closes right after
			// the response without saying so (a 0 s keep-alive).
			if n <= 0 && !strings.Contains(worker, "uvicorn") {
				hop.Idle, hop.Source = NoKeepalive, hop.Source+": Connection: close on every response"
			}
		}
	}
	return hop
}

// parseCommandLines finds gunicorn, uvicorn, Hypercorn, Waitress, Thin,
// Granian and uWSGI command lines in Dockerfiles, Procfiles, compose files and shell scripts.
func parseCommandLines(path string, src []byte) []Hop {
	var hops []Hop
	// GUNICORN_CMD_ARGS (ENV in a Dockerfile, environment in compose) adds
	// flags to every gunicorn command of the file.
	envArgs := ""
	if m := gunicornEnvRe.FindSubmatch(src); m != nil {
		envArgs = " " + strings.Trim(string(m[1]), `"'`)
	}
	var uwsgiEnvOpts uwsgiOptions     // UWSGI_* variables of the file, read at the first uwsgi command
	var granianVars map[string]string // GRANIAN_* variables of the file, read at the first granian command
	// A file that copies Nitro's .output elsewhere runs its server from
	// there: COPY .output /www, then node /www/server/index.mjs.
	nitroOutput := nitroCopyRe.Match(src)
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	next := 1 // the number of the line sc reads next
	for sc.Scan() {
		n := next
		next++
		text := sc.Text()
		// A command continued with a backslash is one command: its flags
		// are often on the lines below (exec gunicorn \ --threads=4 \ ...).
		for strings.HasSuffix(strings.TrimRight(text, " \t\r"), "\\") && sc.Scan() {
			next++
			text = strings.TrimSuffix(strings.TrimRight(text, " \t\r"), "\\") + " " + sc.Text()
		}
		line := execFormLine(text)
		// Base images name servers without running them
		// (FROM tiangolo/uvicorn-gunicorn-fastapi, image: ...).
		if f := strings.Fields(strings.ToLower(line)); len(f) > 0 && (f[0] == "from" || f[0] == "image:" || f[0] == "-image:") {
			continue
		}
		if loc := fastapiRunRe.FindStringIndex(line); loc != nil && commandAt(line, loc[0]) && !strings.HasPrefix(strings.TrimSpace(line), "#") {
			u := stacks.Must("uvicorn")
			hops = append(hops, Hop{Role: App, Kind: "uvicorn", Name: "FastAPI CLI (uvicorn)", Known: true, Idle: u.DefaultIdle, Pattern: true,
				Source: "fastapi run starts uvicorn with its default --timeout-keep-alive (5 s)", Location: Location{path, n},
				Setting: func(d time.Duration) string {
					return fmt.Sprintf("uvicorn app.main:app --timeout-keep-alive %d (fastapi run has no keep-alive option)", int64((d+time.Second-1)/time.Second))
				}})
		}
		if cmd := findCommand(line, gunicornCmdRe); cmd != "" && !gunicornConfigFlagRe.MatchString(cmd) && !strings.HasPrefix(strings.TrimSpace(line), "#") &&
			!strings.Contains(line, "GUNICORN_CMD_ARGS") {
			cmd = envArgs + " " + cmd // the command line's own flags come last and win
			var keepalive, worker string
			threads := 0
			var binds []string
			for _, m := range flagRe.FindAllStringSubmatch(cmd, -1) {
				switch m[1] {
				case "--keep-alive":
					keepalive = m[2]
				case "-k", "--worker-class":
					worker = m[2]
				case "--threads":
					threads, _ = strconv.Atoi(m[2])
				case "-b", "--bind":
					binds = append(binds, m[2])
				}
			}
			if strings.Contains(worker, "uvicorn") {
				worker = "uvicorn"
			}
			keepHow, keepOK := "", true
			if keepalive != "" {
				keepalive, keepHow, keepOK = shellNumber(keepalive)
			}
			hop := gunicornHop(Location{path, n}, keepalive, worker, threads, "command line"+keepHow)
			hop.socketOnly = unixSocketOnly(binds)
			if keepOK && !strings.HasPrefix(worker, "$") && !runtimeArgs(cmd) {
				hop.gunicorn = &gunicornSettings{keepalive: keepalive, keepHow: keepHow, worker: worker, threads: threads}
			}
			switch {
			case strings.HasPrefix(worker, "$"):
				hop.Known, hop.Source = false, "the worker class ("+worker+") is set at run time"
			case !keepOK && hop.Idle != NoKeepalive:
				hop.Known, hop.Source = false, "--keep-alive is set at run time, from a variable"
			case keepalive == "" && runtimeArgs(cmd):
				hop = runtimeArgsHop(hop)
			}
			hops = append(hops, hop)
		}
		if cmd := findCommand(line, uvicornCmdRe); cmd != "" {
			u := stacks.Must("uvicorn")
			hop := Hop{Role: App, Kind: "uvicorn", Name: "uvicorn", Known: true, Idle: u.DefaultIdle, Pattern: true,
				Source: "uvicorn's default --timeout-keep-alive (5 s)", Location: Location{path, n}, Setting: u.Setting}
			if v := envValue(src, "UVICORN_TIMEOUT_KEEP_ALIVE"); v != "" {
				if n, err := strconv.Atoi(v); err == nil {
					hop.Idle, hop.Source = time.Duration(n)*time.Second, "UVICORN_TIMEOUT_KEEP_ALIVE="+v
				}
			}
			explicit := false
			for _, m := range flagRe.FindAllStringSubmatch(cmd, -1) {
				if m[1] == "--uds" {
					hop.socketOnly = m[2] // uvicorn then binds no TCP port
				}
				if m[1] == "--timeout-keep-alive" {
					explicit = true
					if v, how, ok := shellNumber(m[2]); ok {
						n, _ := strconv.Atoi(v)
						hop.Known, hop.Idle, hop.Source = true, time.Duration(n)*time.Second, "--timeout-keep-alive "+m[2]+how
					} else {
						hop.Known, hop.Source = false, "--timeout-keep-alive is set at run time, from a variable ("+m[2]+")"
					}
				}
			}
			if !explicit && runtimeArgs(cmd) {
				hop = runtimeArgsHop(hop)
			}
			hops = append(hops, hop)
		}
		hops = append(hops, otherCommandHops(Location{path, n}, line, nitroOutput)...)
		if cmd := findCommand(line, granianCmdRe); cmd != "" && !strings.HasPrefix(strings.TrimSpace(line), "#") {
			if granianVars == nil {
				granianVars = granianEnv(src)
			}
			hops = append(hops, granianHop(Location{path, n}, cmd, granianVars))
		}
		if findCommand(line, thrustCmdRe) != "" && !strings.HasPrefix(strings.TrimSpace(line), "#") {
			hops = append(hops, thrusterHop(Location{path, n}, src))
		}
		if cmd := findCommand(line, uwsgiCmdRe); cmd != "" {
			if uwsgiEnvOpts == nil {
				uwsgiEnvOpts = uwsgiEnv(path, src)
			}
			o := uwsgiCommand(cmd, Location{path, n}, uwsgiEnvOpts)
			// --ini FILE: the file holds the settings and is read on its own.
			if _, file := o["config-file"]; !file || len(o) > 1 {
				if hop, ok := uwsgiHop(o, Location{path, n}, "command line"); ok {
					hops = append(hops, hop)
				}
			}
		}
	}
	return hops
}

// shellNumber reads a flag's value on a shell command line: a number, or a
// variable with a default (${KEEPALIVE:-75}: 75, and how says so); false
// for a value only known at run time ($KEEPALIVE).
func shellNumber(v string) (n, how string, ok bool) {
	if _, err := strconv.Atoi(v); err == nil {
		return v, "", true
	}
	if m := shellDefaultRe.FindStringSubmatch(v); m != nil {
		return m[2], fmt.Sprintf(" (from %s, %s when it is not set)", m[1], m[2]), true
	}
	return v, "", false
}

// runtimeArgs reports whether a command line takes more arguments at run
// time: a word that is an expansion ("$@", $*, $ARGS, $(...)) and not the
// value of the flag before it (--port $PORT). chroma's entrypoint runs
// "uvicorn chromadb.app:app $(eval echo "$args")" with --timeout-keep-alive
// among those arguments.
func runtimeArgs(cmd string) bool {
	words := strings.Fields(cmd)
	for i, w := range words {
		w = strings.Trim(w, `"'`)
		if !strings.HasPrefix(w, "$") && !strings.HasPrefix(w, "%") {
			continue
		}
		if i > 0 && strings.HasPrefix(words[i-1], "-") && !strings.Contains(words[i-1], "=") {
			continue // a flag's value
		}
		return true
	}
	return false
}

// runtimeArgsHop marks a server's keep-alive unknown: the command line's
// arguments at run time may set it.
func runtimeArgsHop(h Hop) Hop {
	h.Known = false
	h.Source = "its command takes more arguments at run time (\"$@\", $ARGS): the keep-alive may be set there, not in this file"
	return h
}

// findCommand returns the first match of re in line that runs a program:
// its word is the program (perhaps with a path: /venv/bin/gunicorn) and
// stands where a command starts (see commandAt). "pip install gunicorn" and
// "sed -i '/gunicorn/d' requirements.txt" name gunicorn without running it.
func findCommand(line string, re *regexp.Regexp) string {
	for _, m := range re.FindAllStringIndex(line, -1) {
		start := m[0]
		for start > 0 && !strings.ContainsRune(" \t[", rune(line[start-1])) {
			start-- // the word's path
		}
		word := line[start:m[0]]
		if rest, ok := strings.CutPrefix(word, "ExecStart="); ok { // a systemd unit
			word = strings.TrimLeft(rest, "-@+!:")
		}
		if (word == "" || strings.HasSuffix(word, "/")) && commandAt(line, start) {
			return line[m[0]:m[1]]
		}
	}
	return ""
}

// commandPrefixes are the words that may come before a program on a command
// line: Dockerfile instructions, shell built-ins, and the wrappers that run
// a Python server (python -m, poetry run, ddtrace-run, ...).
var commandPrefixes = map[string]bool{
	"run": true, "cmd": true, "entrypoint": true, "exec": true, "nohup": true, "env": true, "time": true, "command": true,
	"-": true, "[": true, "sh": true, "bash": true, "-c": true, "-lc": true, "-ec": true, "-euc": true,
	"python": true, "python3": true, "-m": true, "poetry": true, "pipenv": true, "uv": true, "pdm": true, "hatch": true, "rye": true,
	"bundle": true, "tini": true, "--": true, "dumb-init": true, "ddtrace-run": true, "opentelemetry-instrument": true,
	"newrelic-admin": true, "run-program": true, "doppler": true, "chamber": true, "with-contenv": true,
	"npx": true, "yarn": true, "pnpm": true, "bunx": true, "setsid": true,
}

// commandAt reports whether a program starting at line[i] is in a
// command's place: nothing before it in its command (since the last &&,
// ||, ;, | or opening bracket) but variable assignments, labels ending in a
// colon (command:, web: in a Procfile) and commandPrefixes; gosu and
// su-exec take a user first.
func commandAt(line string, i int) bool {
	seg := line[:i]
	for _, sep := range []string{"&&", "||", ";", "|", "$(", "`", "("} {
		if j := strings.LastIndex(seg, sep); j >= 0 {
			seg = seg[j+len(sep):]
		}
	}
	words := strings.Fields(seg)
	for k := 0; k < len(words); k++ {
		w := strings.ToLower(words[k])
		base := w[strings.LastIndexByte(w, '/')+1:]
		switch {
		case strings.Contains(w, "=") && !strings.HasPrefix(w, "-"), strings.HasSuffix(w, ":"), commandPrefixes[base]:
		case base == "gosu" || base == "su-exec" || base == "chpst":
			k++ // the user it runs as
		case base == "sudo":
			// Its options (-E, -H, -u USER), then the command.
			for k+1 < len(words) && strings.HasPrefix(words[k+1], "-") {
				k++
				if f := words[k]; f == "-u" || f == "-g" || f == "--user" || f == "--group" {
					k++
				}
			}
		default:
			return false
		}
	}
	return true
}

// gunicornConfigFlagRe finds a config file on a gunicorn command line: its
// settings are in that file (read by its own name, see isGunicornConfig),
// so the command line alone would give the wrong worker and keep-alive.
var gunicornConfigFlagRe = regexp.MustCompile(`(?:^|\s)(?:-c|--config)(?:=|\s+)\S`)

// isGunicornConfig reports whether a file name is one gunicorn
// configurations use: gunicorn.conf.py (its default), gunicorn_conf.py,
// gunicorn.py, gunicorn_config.py, gunicorn.conf ...
func isGunicornConfig(name string) bool {
	return name == "gunicorn.conf" || strings.HasPrefix(name, "gunicorn") && strings.HasSuffix(name, ".py")
}

var gunicornSettingRe = regexp.MustCompile(`(?m)^(?:bind|workers|threads|worker_class|keepalive|wsgi_app)\s*=`)

// looksLikeGunicornConfig reports whether a file is a gunicorn configuration:
// one of the names gunicorn's documentation uses, or Python that assigns, at
// the top level, a setting gunicorn reads.
func looksLikeGunicornConfig(name string, src []byte) bool {
	switch name {
	case "gunicorn.conf.py", "gunicorn_conf.py", "gunicorn.conf":
		return true
	}
	return gunicornSettingRe.Match(src)
}

// gunicornKeepaliveMisspellings are names people give gunicorn's keepalive
// in a configuration file (some are other servers' names for it).
var gunicornKeepaliveMisspellings = []string{"keep_alive", "keepalive_timeout", "keep_alive_timeout", "timeout_keep_alive", "keepAlive", "keep_alive_time"}

// parseGunicornConf reads gunicorn.conf.py settings.
func parseGunicornConf(path string, src []byte) []Hop {
	vals := map[string]string{}
	unread := map[string]string{} // settings set from expressions lbdoctor cannot read
	envs := []string{}
	line := 1
	lines := map[string]int{}
	for _, m := range pyAssignRe.FindAllSubmatchIndex(src, -1) {
		key := string(src[m[2]:m[3]])
		v, env, ok := pyValue(string(src[m[4]:m[5]]))
		if key == "bind" {
			// Only a literal address says where gunicorn listens (a unix
			// socket: see unixSocketOnly); it says nothing of keep-alive.
			if ok && env == "" {
				vals[key] = v
			}
			continue
		}
		if ok {
			vals[key] = v
			delete(unread, key)
			if env != "" {
				envs = append(envs, fmt.Sprintf("%s from %s, %s when it is not set", key, env, v))
			}
		} else if v, how, ok := pyConverted(string(src[m[4]:m[5]]), src); ok {
			// keepalive = int(keepalive_str), keepalive_str = os.getenv("KEEP_ALIVE", "5"):
			// tiangolo's gunicorn_conf.py, which projects copy.
			vals[key] = v
			delete(unread, key)
			envs = append(envs, fmt.Sprintf("%s = %s%s", key, strings.TrimSpace(string(src[m[4]:m[5]])), how))
		} else {
			unread[key] = strings.TrimSpace(string(src[m[4]:m[5]]))
		}
		lines[key] = bytes.Count(src[:m[2]], []byte{'\n'}) + 1
		if key == "keepalive" {
			line = lines[key]
		}
	}
	threads, _ := strconv.Atoi(vals["threads"])
	worker := vals["worker_class"]
	if strings.Contains(worker, "uvicorn") {
		worker = "uvicorn"
	}
	hop := gunicornHop(Location{path, line}, vals["keepalive"], worker, threads, "gunicorn.conf.py")
	if b, ok := vals["bind"]; ok {
		hop.socketOnly = unixSocketOnly([]string{b})
	}
	for _, key := range []string{"worker_class", "keepalive"} {
		if expr, ok := unread[key]; ok && (key == "worker_class" || hop.Idle != NoKeepalive) {
			hop.Known, hop.Source = false, fmt.Sprintf("%s = %s: an expression lbdoctor cannot read", key, expr)
			return []Hop{hop}
		}
	}
	if len(envs) > 0 {
		hop.Source += "; " + strings.Join(envs, "; ")
	}
	if _, set := vals["keepalive"]; !set {
		// gunicorn skips the names of a configuration file that are not its
		// settings, silently: keep_alive = 75 leaves the default.
		for _, key := range gunicornKeepaliveMisspellings {
			if v, ok := vals[key]; ok {
				hop.Source += fmt.Sprintf("; %s = %s is not a gunicorn setting, which gunicorn ignores (the setting is keepalive)", key, v)
				hop.Location.Line = lines[key]
				break
			}
		}
	}
	hop.gunicorn = &gunicornSettings{keepalive: vals["keepalive"], worker: worker, threads: threads, fromFile: true, unread: unread["keepalive"]}
	return []Hop{hop}
}

// pyValue reads the right-hand side of a Python assignment in a gunicorn
// configuration: a literal ("gthread", 65), or the default of an
// environment lookup (int(os.environ.get("KEEPALIVE", 65)), os.getenv(...)),
// or integer arithmetic (24 * 60 * 60); with an environment lookup
// env names the variable. false: an expression it cannot read.
func pyValue(rhs string) (value, env string, ok bool) {
	if i := strings.Index(rhs, "#"); i >= 0 {
		rhs = rhs[:i]
	}
	rhs = strings.TrimSpace(rhs)
	if m := pyLiteralRe.FindStringSubmatch(rhs); m != nil {
		return m[1] + m[2], "", true
	}
	if m := pyEnvRe.FindStringSubmatch(rhs); m != nil {
		return m[2], m[1], true
	}
	// keepalive = 24 * 60 * 60: integer arithmetic, as Python evaluates it.
	if n, ok := arith(rhs); ok && strings.ContainsAny(rhs, "*+-") {
		return strconv.FormatInt(n, 10), "", true
	}
	return "", "", false
}

// pyArg returns a call's argument that starts s: up to the comma or closing
// parenthesis at its own level.
func pyArg(s string) string {
	depth := 0
	for i, c := range s {
		switch c {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			if depth == 0 {
				return strings.TrimSpace(s[:i])
			}
			depth--
		case ',':
			if depth == 0 {
				return strings.TrimSpace(s[:i])
			}
		}
	}
	return strings.TrimSpace(s)
}

// pyNumber reads a Python argument as gunicorn configurations are read
// (pyValue: a literal, or an environment lookup's default), or a name
// the file assigns once at the start of a line (KEEP_ALIVE = 75); how says
// where the value came from.
func pyNumber(expr string, src []byte) (value, how string, ok bool) {
	if v, env, ok := pyValue(expr); ok {
		if env != "" {
			how = fmt.Sprintf(" (%s, %s when it is not set)", env, v)
		}
		return v, how, true
	}
	if !pyNameRe.MatchString(expr) {
		return "", "", false
	}
	assigns := regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(expr)+`\s*(?::\s*\w+\s*)?=\s*(.+)$`).FindAllSubmatch(src, 2)
	if len(assigns) != 1 {
		return "", "", false
	}
	rhs := strings.TrimSpace(string(assigns[0][1]))
	v, env, ok := pyValue(rhs)
	if !ok {
		return "", "", false
	}
	how = fmt.Sprintf(" (%s = %s)", expr, rhs)
	if env != "" {
		how = fmt.Sprintf(" (%s = %s: %s, %s when it is not set)", expr, rhs, env, v)
	}
	return v, how, true
}

// pyConverted reads x, int(x), float(x) or str(x) as pyNumber reads x: a
// literal, an environment lookup's default, or a name the file assigns once.
func pyConverted(expr string, src []byte) (value, how string, ok bool) {
	if i := strings.Index(expr, "#"); i >= 0 {
		expr = expr[:i]
	}
	expr = strings.TrimSpace(expr)
	if m := pyConvertRe.FindStringSubmatch(expr); m != nil {
		expr = strings.TrimSpace(m[1])
	}
	return pyNumber(expr, src)
}

// pyConvertRe is a conversion of one argument: int(keepalive_str).
var pyConvertRe = regexp.MustCompile(`^(?:int|float|str)\((.+)\)$`)

// pyNameRe is a Python name.
var pyNameRe = regexp.MustCompile(`^[A-Za-z_]\w*$`)

// uvicornRunCallRe finds a call of uvicorn.run, or of uvicorn.Config (which
// takes the same arguments, for uvicorn.Server(config).run()), not inside a
// comment line; uvicornConfigRe a Config imported from uvicorn by name.
var (
	uvicornRunCallRe = regexp.MustCompile(`(?m)^[^#\n]*\buvicorn\.(run|Config)\(`)
	uvicornConfigRe  = regexp.MustCompile(`(?m)^[^#\n]*[^\w.](Config)\(`)
	uvicornImportRe  = regexp.MustCompile(`(?m)^\s*from\s+uvicorn\s+import\s+[^\n]*\bConfig\b`)
	uvicornKeepArgRe = regexp.MustCompile(`\btimeout_keep_alive\s*=\s*`)
	uvicornReloadRe  = regexp.MustCompile(`\breload\s*=\s*True\b`)
)

// parseUvicornRun finds uvicorn.run(...) in Python: timeout_keep_alive=N,
// else uvicorn's default (5 s); a value that is not a literal is unknown, and
// so is a call with **kwargs, which may carry it. A call with the default is
// marked so that the caller can drop it when a command line starts the same
// project's server (uvicorn.run under __main__ is then only for development).
func parseUvicornRun(path string, src []byte) (hops []Hop, isDefault bool) {
	m := uvicornRunCallRe.FindSubmatchIndex(src)
	if m == nil && uvicornImportRe.Match(src) {
		m = uvicornConfigRe.FindSubmatchIndex(src)
	}
	if m == nil {
		return nil, false
	}
	open := m[1] - 1
	fn := "uvicorn." + string(src[m[2]:m[3]]) // uvicorn.run, uvicorn.Config
	call := fn + "(" + string(callArgs(src, open))
	u := stacks.Must("uvicorn")
	hop := Hop{Role: App, Kind: "uvicorn", Name: "uvicorn", Known: true, Idle: u.DefaultIdle, Pattern: true,
		Source: fn + "() without timeout_keep_alive: uvicorn's default (5 s)", Location: Location{path, lineAt(src, open)},
		Setting: func(d time.Duration) string {
			return fmt.Sprintf("%s(..., timeout_keep_alive=%d)", fn, int64((d+time.Second-1)/time.Second))
		}}
	if k := uvicornKeepArgRe.FindStringIndex(call); k != nil {
		expr := pyArg(call[k[1]:])
		v, how, ok := pyNumber(expr, src)
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < 0 {
			hop.Known, hop.Idle, hop.Source = false, 0, fn+"(timeout_keep_alive="+expr+"): not a number here"
		} else {
			hop.Idle, hop.Source = time.Duration(n)*time.Second, fn+"(timeout_keep_alive="+expr+")"+how
		}
		return []Hop{hop}, false
	}
	if uvicornReloadRe.MatchString(call) {
		return nil, false // the development server, which reloads on changes
	}
	if strings.Contains(call, "**") {
		hop.Known, hop.Idle, hop.Source = false, 0, fn+"(**...): timeout_keep_alive may be among its arguments"
	}
	return []Hop{hop}, hop.Known
}

// dropDevRuns drops the uvicorn.run() hops at uvicorn's default (runs) whose
// project a command line also starts with a server (uvicorn, gunicorn,
// Hypercorn ... in a Dockerfile, Procfile or compose file): that command is
// what is deployed.
func dropDevRuns(root string, hops, runs []Hop) []Hop {
	started := map[string]bool{}
	for _, h := range hops {
		if f := h.Location.File; h.Role == App && (!strings.HasSuffix(f, ".py") || strings.HasPrefix(path.Base(f), "gunicorn")) {
			p, _ := projectOf(root, h.Location.File)
			started[p] = true
		}
	}
	for _, h := range runs {
		if p, _ := projectOf(root, h.Location.File); !started[p] {
			hops = append(hops, h)
		}
	}
	return hops
}

var (
	pumaPersistentRe = regexp.MustCompile(`(?m)^\s*persistent_timeout\s*\(?\s*([0-9]+)`)
	// persistent_timeout ENV.fetch("PUMA_PERSISTENT_TIMEOUT", 75) or
	// ENV.fetch("...") { 75 }: the fallback is what runs when the
	// repository sets no variable.
	pumaPersistentEnvRe = regexp.MustCompile(`(?m)^\s*persistent_timeout\s*\(?\s*(?:Integer\(\s*)?\(?\s*ENV(?:\.fetch\(\s*["']([A-Z0-9_]+)["']\s*(?:,\s*["']?([0-9]+)|\)\s*\{\s*["']?([0-9]+))|\[\s*["']([A-Z0-9_]+)["']\s*\]\s*(?:&\.to_i\s*)?\|\|\s*["']?([0-9]+))`)
	pumaPersistentAnyRe = regexp.MustCompile(`(?m)^\s*persistent_timeout\b`)
	pumaNoKeepAliveRe   = regexp.MustCompile(`(?m)^\s*enable_keep_alives\s*\(?\s*false\b`)
	pumaLockRe          = regexp.MustCompile(`(?m)^\s{4}puma \(([0-9.]+)\)`)
)

// isPumaEnvConfig reports whether a path is a per-environment Puma
// configuration that production loads (config/puma/production.rb).
func isPumaEnvConfig(slashPath string) bool {
	return strings.HasSuffix(slashPath, "/config/puma/production.rb") || slashPath == "config/puma/production.rb"
}

// parsePuma reads config/puma.rb with the Puma version from Gemfile.lock
// (persistent_timeout: 20 s up to 6.x, 65 s from 7.0). env looks up a
// variable the repository sets for the application (containerEnv), for
// persistent_timeout ENV.fetch(...); nil looks up nothing.
func parsePuma(path string, src []byte, lock []byte, env func(name string) (string, bool)) Hop {
	hop := Hop{Role: App, Kind: "puma", Name: "Puma", Known: true, Location: Location{path, 1}, Pattern: true,
		Setting: stacks.Must("puma").Setting}
	v, haveV := version{}, false
	if m := pumaLockRe.FindSubmatch(lock); m != nil {
		v, haveV = parseVersion(string(m[1]))
	}
	switch {
	case haveV && !v.less(version{7, 0, 0}):
		hop.Idle, hop.Source = 65*time.Second, fmt.Sprintf("Puma %s's default persistent_timeout (65 s)", v)
		hop.pumaDefault = &v
	case haveV:
		hop.Idle, hop.Source = 20*time.Second, fmt.Sprintf("Puma %s's default persistent_timeout (20 s; 65 s only from 7.0)", v)
	default:
		hop.Idle, hop.Source = 20*time.Second, "Puma's default persistent_timeout before 7.0 (20 s; version unknown)"
	}
	lineOf := func(i int) int { return bytes.Count(src[:i], []byte{'\n'}) + 1 }
	if m := pumaNoKeepAliveRe.FindIndex(src); m != nil {
		// Puma 6+: no connection is kept alive, whatever persistent_timeout
		// says (Debian's Puma 5.6 predates the option: not measured here).
		hop.Idle, hop.Source, hop.Location.Line = NoKeepalive, "enable_keep_alives false: Puma closes the connection after each response", lineOf(m[0])
		hop.pumaDefault = nil
		return hop
	}
	if pumaPersistentAnyRe.Match(src) {
		hop.pumaDefault = nil // set here, whatever the platform's variable says
	}
	hop.socketOnly = pumaSocketOnly(src)
	if m := pumaPersistentRe.FindSubmatchIndex(src); m != nil {
		n, _ := strconv.Atoi(string(src[m[2]:m[3]]))
		hop.Idle, hop.Source, hop.Location.Line = time.Duration(n)*time.Second, "persistent_timeout "+string(src[m[2]:m[3]]), lineOf(m[0])
	} else if m := pumaPersistentEnvRe.FindSubmatchIndex(src); m != nil {
		// ENV.fetch("NAME", 20), ENV.fetch("NAME") { 20 }, ENV["NAME"] || 20
		v, name := "", ""
		for _, g := range []int{4, 6, 10} {
			if m[g] >= 0 {
				v = string(src[m[g]:m[g+1]])
			}
		}
		for _, g := range []int{2, 8} {
			if m[g] >= 0 {
				name = string(src[m[g]:m[g+1]])
			}
		}
		hop.Source = fmt.Sprintf("persistent_timeout from %s, %s s when it is not set", name, v)
		if env != nil {
			if set, ok := env(name); ok {
				v, hop.Source = set, fmt.Sprintf("persistent_timeout from %s=%s", name, set)
			}
		}
		n, _ := strconv.Atoi(strings.ReplaceAll(v, "_", ""))
		hop.Idle, hop.Location.Line = time.Duration(n)*time.Second, lineOf(m[0])
	} else if m := pumaPersistentAnyRe.FindIndex(src); m != nil {
		hop.Known, hop.Source, hop.Location.Line = false, "persistent_timeout is set from an expression lbdoctor cannot read", lineOf(m[0])
	}
	return hop
}

var envRe = regexp.MustCompile(`(?m)(?:ENV\s+|^\s*-?\s*|export\s+)([A-Z_]+)[=:\s]\s*["']?([0-9]+)`)

// envValue finds NAME=value (Dockerfile ENV, compose environment, shell
// export) in the same file.
func envValue(src []byte, name string) string {
	for _, m := range envRe.FindAllSubmatch(src, -1) {
		if string(m[1]) == name {
			return string(m[2])
		}
	}
	return ""
}

// gunicornSettings are the settings of one gunicorn configuration source
// that decide its keep-alive ("" and 0 where the source sets none).
type gunicornSettings struct {
	keepalive, keepHow, worker string
	threads                    int
	// fromFile: the keepalive is a configuration file's, which
	// GUNICORN_CMD_ARGS overrides (see applyServerEnv).
	fromFile bool
	// unread is a configuration file's keepalive expression that lbdoctor
	// cannot read (the file's own sync worker made it moot; a command's
	// worker may not).
	unread string
}

// applyGunicornConfFiles completes gunicorn command lines with the
// gunicorn.conf.py that gunicorn 20+ reads from its working directory when
// no -c is given: the nearest one in the command file's directory or above
// it (a container's WORKDIR holds the project copied there). The command's
// own flags win over the file's; a file with a setting lbdoctor cannot read
// makes the command's value unknown too.
func applyGunicornConfFiles(hops []Hop) []Hop {
	confs := map[string]Hop{} // directory -> the hop of its gunicorn.conf.py
	for _, h := range hops {
		if h.Kind == "gunicorn" && path.Base(h.Location.File) == "gunicorn.conf.py" {
			confs[path.Dir(h.Location.File)] = h
		}
	}
	if len(confs) == 0 {
		return hops
	}
	for i, h := range hops {
		cmd := h.gunicorn
		if h.Kind != "gunicorn" || cmd == nil || path.Base(h.Location.File) == "gunicorn.conf.py" {
			continue
		}
		conf, ok := Hop{}, false
		for d := path.Dir(h.Location.File); ; d = path.Dir(d) {
			if conf, ok = confs[d]; ok || d == "." || d == "/" {
				break
			}
		}
		if !ok || cmd.keepalive != "" && cmd.worker != "" {
			continue // no file, or the command sets all that matters
		}
		where := conf.Location.File
		if !conf.Known || conf.gunicorn == nil {
			h.Known, h.Source = false, "gunicorn also reads "+where+" from its working directory: "+conf.Source
			hops[i] = h
			continue
		}
		f := *conf.gunicorn
		keepalive, keepHow, worker, threads := cmd.keepalive, cmd.keepHow, cmd.worker, cmd.threads
		if keepalive == "" && f.unread != "" {
			h.Known, h.Source = false, "gunicorn also reads "+where+" from its working directory, whose keepalive = "+f.unread+" is an expression lbdoctor cannot read"
			hops[i] = h
			continue
		}
		if keepalive == "" {
			keepalive, keepHow = f.keepalive, ""
		}
		if worker == "" {
			worker = f.worker
		}
		if threads == 0 {
			threads = f.threads
		}
		merged := gunicornHop(h.Location, keepalive, worker, threads, "command line"+keepHow+" with "+where+", which gunicorn reads from its working directory")
		merged.gunicorn = &gunicornSettings{keepalive: keepalive, keepHow: keepHow, worker: worker, threads: threads, fromFile: cmd.keepalive == ""}
		hops[i] = merged
	}
	return hops
}

// callArgs returns the text between the parenthesis at src[open] and the
// one that closes it (the rest of src when none does).
func callArgs(src []byte, open int) []byte {
	args := src[open+1:]
	depth := 1
	for i, c := range args {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		}
		if depth == 0 {
			return args[:i]
		}
	}
	return args
}

var (
	dockerEntrypointRe = regexp.MustCompile(`(?i)^\s*ENTRYPOINT\s+\[(.*)\]\s*$`)
	dockerCmdRe        = regexp.MustCompile(`(?i)^\s*CMD\s+\[(.*)\]\s*$`)
	dockerCmdStartRe   = regexp.MustCompile(`(?i)^\s*CMD\s+\[`)
	dockerFromRe       = regexp.MustCompile(`(?i)^\s*FROM\s`)
)

// entrypointServers are the programs an exec-form ENTRYPOINT names when the
// CMD only gives them arguments (ENTRYPOINT ["uvicorn"], CMD ["main:app",
// "--port", "80"]).
var entrypointServers = map[string]bool{"uvicorn": true, "gunicorn": true, "hypercorn": true, "granian": true, "python": true, "python3": true}

// joinEntrypoint rewrites a Dockerfile so that a stage's exec-form
// ENTRYPOINT that starts a server program carries the arguments of the
// stage's last exec-form CMD, as Docker runs them: the CMD line is blanked
// (the line numbers stay). Other ENTRYPOINTs (a script that runs "$@")
// are left alone, and so is their CMD, which is the command.
func joinEntrypoint(src []byte) []byte {
	lines := strings.Split(string(src), "\n")
	entry, cmd, cmdEnd := -1, -1, -1
	changed := false
	flush := func() {
		if entry >= 0 && cmd > entry {
			m := dockerEntrypointRe.FindStringSubmatch(lines[entry])
			c := dockerCmdRe.FindStringSubmatch(joinContinued(lines[cmd : cmdEnd+1]))
			if c != nil {
				lines[entry] = "ENTRYPOINT [" + m[1] + ", " + c[1] + "]"
				for i := cmd; i <= cmdEnd; i++ {
					lines[i] = ""
				}
				changed = true
			}
		}
		entry, cmd = -1, -1
	}
	continued := false // the line before ends with a backslash: not an instruction
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		wasContinued := continued
		continued = strings.HasSuffix(strings.TrimRight(l, " \t\r"), "\\")
		if wasContinued {
			continue
		}
		switch {
		case dockerFromRe.MatchString(l):
			flush()
		case dockerEntrypointRe.MatchString(l):
			entry, cmd = -1, -1
			m := dockerEntrypointRe.FindStringSubmatch(l)
			first := strings.Trim(strings.TrimSpace(strings.Split(m[1], ",")[0]), `"'`)
			if entrypointServers[path.Base(first)] {
				entry = i
			}
		case dockerCmdStartRe.MatchString(l):
			// An exec-form CMD, possibly continued over lines.
			end := i
			for end+1 < len(lines) && strings.HasSuffix(strings.TrimRight(lines[end], " \t\r"), "\\") {
				end++
			}
			cmd, cmdEnd = i, end
		}
	}
	flush()
	if !changed {
		return src
	}
	return []byte(strings.Join(lines, "\n"))
}

// joinContinued joins lines continued with a backslash into one.
func joinContinued(lines []string) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(strings.TrimSuffix(strings.TrimRight(l, " \t\r"), "\\"))
		b.WriteByte(' ')
	}
	return strings.TrimSpace(b.String())
}

// execFormReplacer turns an exec-form array (CMD ["gunicorn",
// "--keep-alive", "75"]) into a command line; its brackets must not stick
// to the first and last arguments ("75]" is not a number).
var execFormReplacer = strings.NewReplacer(`["`, "[ ", `"]`, " ]", `", "`, " ", `","`, " ", `",`, " ", `"`, "", `['`, "[ ", `']`, " ]", `', '`, " ", `','`, " ", `',`, " ", "'", "")

// execFormLine is a line of a container file as a command line (see
// execFormReplacer).
func execFormLine(text string) string { return execFormReplacer.Replace(text) }

// unixSocketOnly returns the first of a server's bind addresses when all
// are unix sockets (gunicorn's unix:/run/app.sock), else "".
func unixSocketOnly(binds []string) string {
	if len(binds) == 0 {
		return ""
	}
	for _, b := range binds {
		if !strings.HasPrefix(strings.Trim(b, `"'`), "unix:") {
			return ""
		}
	}
	return strings.Trim(binds[0], `"'`)
}

// pumaBindRe finds a Puma configuration's listeners: bind "unix://...",
// bind "tcp://...", port 3000, ssl_bind.
var pumaBindRe = regexp.MustCompile(`(?m)^\s*(bind|port|ssl_bind)\b\s*\(?\s*(["']?)([^\s"')]*)`)

// pumaSocketOnly returns the unix socket a Puma configuration binds when
// it binds nothing else (no port, no tcp:// or ssl:// bind), else "".
func pumaSocketOnly(src []byte) string {
	socket := ""
	for _, m := range pumaBindRe.FindAllSubmatch(src, -1) {
		if string(m[1]) != "bind" || !strings.HasPrefix(string(m[3]), "unix://") {
			return ""
		}
		if socket == "" {
			socket = string(m[3])
		}
	}
	return socket
}
