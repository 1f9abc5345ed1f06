package check

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"sort"
	"strconv"
	"strings"
	"time"
)

// goServers are the composite literals that configure a Go HTTP server. All
// three resolve the idle timeout the same way: IdleTimeout, else
// ReadTimeout, else none (net/http's Server.idleTimeout, fasthttp's
// Server.idleTimeout; Fiber hands both fields to fasthttp).
var goServers = []struct {
	pkg, typ, kind, name, engine, setting string
}{
	{"http", "Server", "go", "Go http.Server", "Go", "&http.Server{IdleTimeout: %d * time.Second}"},
	{"fasthttp", "Server", "fasthttp", "fasthttp.Server", "fasthttp", "&fasthttp.Server{IdleTimeout: %d * time.Second}"},
	{"fiber", "Config", "fiber", "Fiber (fasthttp)", "fasthttp", "fiber.New(fiber.Config{IdleTimeout: %d * time.Second})"},
}

// isGoServerSource reports whether Go source may configure an HTTP server
// parseGo reads.
func isGoServerSource(src []byte) bool {
	return bytes.Contains(src, []byte("net/http")) || bytes.Contains(src, []byte("valyala/fasthttp")) || bytes.Contains(src, []byte("gofiber/fiber")) || bytes.Contains(src, []byte("labstack/echo"))
}

// parseGo finds HTTP servers in Go source: http.Server, fasthttp.Server and
// fiber.Config composite literals (IdleTimeout, else ReadTimeout, else no
// idle timeout), with the fields a later statement assigns by name
// (srv.IdleTimeout = ...; also for var srv http.Server and Echo's
// e.Server), and the calls that use a zero server (http.ListenAndServe,
// fasthttp.ListenAndServe, fiber.New()): no idle timeout.
func parseGo(path string, src []byte) ([]Hop, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
	if err != nil {
		line := 0
		if el, ok := err.(interface{ Len() int }); ok && el.Len() > 0 {
			line = fset.Position(f.Pos()).Line
		}
		return nil, &ParseError{Location{path, line}, fmt.Errorf("parsing Go: %v", err)}
	}
	settingOf := func(format string) func(time.Duration) string {
		return func(d time.Duration) string { return fmt.Sprintf(format, int64((d+time.Second-1)/time.Second)) }
	}
	setting := settingOf(goServers[0].setting)
	consts := goConsts(f)
	// The names the file gives the server packages (import nethttp "net/http").
	alias := map[string]string{"http": "http", "fasthttp": "fasthttp", "fiber": "fiber", "echo": "echo"}
	for _, im := range f.Imports {
		if im.Name == nil {
			continue
		}
		switch p, _ := strconv.Unquote(im.Path.Value); {
		case p == "net/http":
			alias["http"] = im.Name.Name
		case p == "github.com/valyala/fasthttp":
			alias["fasthttp"] = im.Name.Name
		case strings.HasPrefix(p, "github.com/gofiber/fiber"):
			alias["fiber"] = im.Name.Name
		case strings.HasPrefix(p, "github.com/labstack/echo"):
			alias["echo"] = im.Name.Name
		}
	}
	sel := func(e ast.Expr, pkg, name string) bool { return isSel(e, alias[pkg], name) }
	serverOf := func(e ast.Expr) int {
		for i, s := range goServers {
			if sel(e, s.pkg, s.typ) {
				return i
			}
		}
		return -1
	}
	noKeep := goKeepAlivesOff(fset, f)
	assigned := goFieldAssignments(f)
	var decls []goServerDecl
	var hops []Hop
	var at []token.Pos // where each of hops is declared, to keep the file's order
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.CompositeLit:
			if server := serverOf(x.Type); server >= 0 {
				d := goServerDecl{server: server, pos: x.Pos(), lit: x, fields: map[string]ast.Expr{}}
				for _, el := range x.Elts {
					if kv, ok := el.(*ast.KeyValueExpr); ok {
						if id, ok := kv.Key.(*ast.Ident); ok {
							d.fields[id.Name] = kv.Value
						}
					}
				}
				decls = append(decls, d)
			}
		case *ast.ValueSpec:
			// var srv http.Server: a zero server its fields are assigned to.
			if server := serverOf(x.Type); server >= 0 && len(x.Values) == 0 {
				for _, id := range x.Names {
					decls = append(decls, goServerDecl{server: server, pos: id.Pos(), name: id.Name, fields: map[string]ast.Expr{}})
				}
			}
		case *ast.AssignStmt:
			// e := echo.New(): Echo serves with e.Server, a zero http.Server.
			if len(x.Lhs) == 1 && len(x.Rhs) == 1 {
				if c, ok := x.Rhs[0].(*ast.CallExpr); ok && sel(c.Fun, "echo", "New") {
					if name := goExprName(x.Lhs[0]); name != "" {
						decls = append(decls, goServerDecl{server: 0, pos: x.Pos(), name: name + ".Server", echo: true, fields: map[string]ast.Expr{}})
					}
				}
			}
		case *ast.CallExpr:
			if sel(x.Fun, "http", "ListenAndServe") || sel(x.Fun, "http", "ListenAndServeTLS") {
				at = append(at, x.Pos())
				hops = append(hops, Hop{Role: App, Kind: "go", Name: "Go http.ListenAndServe", Known: true, Idle: Infinite,
					Source: "http.ListenAndServe uses a zero Server: idle connections are never closed", Location: Location{path, fset.Position(x.Pos()).Line}, Setting: setting})
			}
			if sel(x.Fun, "fasthttp", "ListenAndServe") || sel(x.Fun, "fasthttp", "ListenAndServeTLS") {
				at = append(at, x.Pos())
				hops = append(hops, Hop{Role: App, Kind: "fasthttp", Name: "fasthttp.ListenAndServe", Known: true, Idle: Infinite,
					Source: "fasthttp.ListenAndServe uses a zero Server: idle connections are never closed", Location: Location{path, fset.Position(x.Pos()).Line}, Setting: settingOf(goServers[1].setting)})
			}
			if sel(x.Fun, "fiber", "New") && len(x.Args) == 0 {
				at = append(at, x.Pos())
				hops = append(hops, Hop{Role: App, Kind: "fiber", Name: "Fiber (fasthttp)", Known: true, Idle: Infinite,
					Source: "fiber.New() without a Config: no IdleTimeout or ReadTimeout, idle connections are never closed", Location: Location{path, fset.Position(x.Pos()).Line}, Setting: settingOf(goServers[2].setting)})
			}
		}
		return true
	})
	literalNames := goLiteralNames(f)
	for i := range decls {
		if decls[i].lit != nil {
			decls[i].name = literalNames[decls[i].lit]
		}
	}
	// Fields assigned by name win over the literal's (they come after it).
	var served []int // the net/http servers' indexes in hops
	for _, d := range decls {
		g := goServers[d.server]
		hop := Hop{Role: App, Kind: g.kind, Name: g.name, Known: true, Idle: Infinite, Setting: settingOf(g.setting),
			Source: "no IdleTimeout and no ReadTimeout: idle connections are never closed", Location: Location{path, fset.Position(d.pos).Line}}
		if d.echo {
			hop.Name, hop.Source = "Echo (Go net/http)", "echo.New() serves with a zero http.Server: no IdleTimeout or ReadTimeout, idle connections are never closed"
			hop.Setting = settingOf("e.Server.IdleTimeout = %d * time.Second")
		}
		fields := d.fields
		if d.name != "" && len(assigned[d.name]) > 0 {
			fields = maps.Clone(d.fields)
			for k, v := range assigned[d.name] {
				fields[k] = v
			}
		}
		for _, name := range []string{"IdleTimeout", "ReadTimeout"} {
			e, ok := fields[name]
			if !ok {
				continue
			}
			hop.Location.Line = fset.Position(e.Pos()).Line
			dur, ok := goDuration(e, consts)
			if !ok {
				hop.Known, hop.Source = false, name+" is not a constant expression"
				break
			}
			if dur == 0 { // zero means "not set": fall through to the next field
				continue
			}
			hop.Idle, hop.Source = dur, fmt.Sprintf("%s: %s", name, dur)
			if dur < time.Millisecond {
				// IdleTimeout: 120 is a time.Duration of 120 ns.
				hop.Source += fmt.Sprintf(" (a bare number is nanoseconds: %d * time.Second would be seconds)", int64(dur))
			}
			if name == "ReadTimeout" {
				hop.Source += fmt.Sprintf(" (IdleTimeout not set, so %s uses ReadTimeout)", g.engine)
			}
			break
		}
		if v, ok := fields["DisableKeepalive"].(*ast.Ident); ok && v.Name == "true" && g.engine == "fasthttp" {
			hop.Idle, hop.Known, hop.Location.Line = NoKeepalive, true, fset.Position(v.Pos()).Line
			hop.Source = "DisableKeepalive: true: Connection: close on every response"
		}
		// srv.SetKeepAlivesEnabled(false) on the server srv names, or on
		// the file's only server when there is one call.
		if g.kind == "go" {
			if line, ok := noKeep[d.name]; ok && d.name != "" {
				hop.Idle, hop.Known, hop.Location.Line = NoKeepalive, true, line
				hop.Source = "SetKeepAlivesEnabled(false): Connection: close on every response"
			}
			served = append(served, len(hops))
		}
		hops = append(hops, hop)
		at = append(at, d.pos)
	}
	if len(served) == 1 && len(noKeep) == 1 {
		if h := &hops[served[0]]; h.Idle != NoKeepalive {
			for _, line := range noKeep {
				h.Idle, h.Known, h.Location.Line = NoKeepalive, true, line
				h.Source = "SetKeepAlivesEnabled(false): Connection: close on every response"
			}
		}
	}
	// In the order of the file, as the servers are declared.
	sort.SliceStable(hops, func(i, j int) bool { return at[i] < at[j] })
	return hops, nil
}

// goServerDecl is a server a Go file configures: a composite literal of
// one of goServers, a var of its type, or Echo's server.
type goServerDecl struct {
	server int                 // its index in goServers
	pos    token.Pos           // where it is declared
	lit    *ast.CompositeLit   // its literal, if any
	name   string              // the variable or field that holds it ("" if none)
	echo   bool                // Echo's e.Server
	fields map[string]ast.Expr // the literal's fields
}

// goFieldAssignments finds the server fields a file assigns by name
// (srv.IdleTimeout = 30 * time.Second), by the name of the server ("srv",
// "s.srv", "e.Server"); of several, the last in the file.
func goFieldAssignments(f *ast.File) map[string]map[string]ast.Expr {
	out := map[string]map[string]ast.Expr{}
	ast.Inspect(f, func(n ast.Node) bool {
		a, ok := n.(*ast.AssignStmt)
		if !ok || len(a.Lhs) != 1 || len(a.Rhs) != 1 || a.Tok != token.ASSIGN {
			return true
		}
		s, ok := a.Lhs[0].(*ast.SelectorExpr)
		if !ok {
			return true
		}
		switch s.Sel.Name {
		case "IdleTimeout", "ReadTimeout", "DisableKeepalive":
			if name := goExprName(s.X); name != "" {
				if out[name] == nil {
					out[name] = map[string]ast.Expr{}
				}
				out[name][s.Sel.Name] = a.Rhs[0]
			}
		}
		return true
	})
	return out
}

// goKeepAlivesOff finds the calls X.SetKeepAlivesEnabled(false) that turn
// keep-alive off for X's serving, by the name of X ("srv", "a.srv"), with
// their lines: a statement of a block whose next use of X starts it
// (X.ListenAndServe, X.Serve ..., also inside a go func() of that block).
// A graceful shutdown makes the same call before X.Shutdown, and a call
// under an if depends on what the program is given: neither counts.
func goKeepAlivesOff(fset *token.FileSet, f *ast.File) map[string]int {
	out := map[string]int{}
	ast.Inspect(f, func(n ast.Node) bool {
		b, ok := n.(*ast.BlockStmt)
		if !ok {
			return true
		}
		for i, st := range b.List {
			es, ok := st.(*ast.ExprStmt)
			if !ok {
				continue
			}
			c, ok := es.X.(*ast.CallExpr)
			if !ok || len(c.Args) != 1 {
				continue
			}
			s, ok := c.Fun.(*ast.SelectorExpr)
			if arg, isID := c.Args[0].(*ast.Ident); !ok || s.Sel.Name != "SetKeepAlivesEnabled" || !isID || arg.Name != "false" {
				continue
			}
			name := goExprName(s.X)
			if name != "" && goNextUse(b.List[i+1:], name) == "serve" {
				out[name] = fset.Position(c.Pos()).Line
			}
		}
		return true
	})
	return out
}

// goNextUse says what the first of stmts that starts or stops the server
// named name does with it: "serve", "stop" or "" (neither).
func goNextUse(stmts []ast.Stmt, name string) string {
	for _, st := range stmts {
		use := ""
		ast.Inspect(st, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok || use != "" {
				return use == ""
			}
			s, ok := c.Fun.(*ast.SelectorExpr)
			if !ok || goExprName(s.X) != name {
				return true
			}
			switch s.Sel.Name {
			case "ListenAndServe", "ListenAndServeTLS", "Serve", "ServeTLS":
				use = "serve"
			case "Shutdown", "Close":
				use = "stop"
			}
			return use == ""
		})
		if use != "" {
			return use
		}
	}
	return ""
}

// goLiteralNames maps the composite literals of a file's X.Server types
// that are assigned to a name (srv := &http.Server{...}, s.srv =
// http.Server{...}, var srv = ...) to that name.
func goLiteralNames(f *ast.File) map[*ast.CompositeLit]string {
	out := map[*ast.CompositeLit]string{}
	lit := func(e ast.Expr) *ast.CompositeLit {
		if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
			e = u.X
		}
		cl, _ := e.(*ast.CompositeLit)
		return cl
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.AssignStmt:
			for i, r := range x.Rhs {
				if cl := lit(r); cl != nil && len(x.Lhs) == len(x.Rhs) && isSelAny(cl.Type, "Server") {
					out[cl] = goExprName(x.Lhs[i])
				}
			}
		case *ast.ValueSpec:
			for i, r := range x.Values {
				if cl := lit(r); cl != nil && len(x.Names) == len(x.Values) && isSelAny(cl.Type, "Server") {
					out[cl] = x.Names[i].Name
				}
			}
		}
		return true
	})
	return out
}

// isSelAny reports whether e is pkg.name for any package.
func isSelAny(e ast.Expr, name string) bool {
	s, ok := e.(*ast.SelectorExpr)
	return ok && s.Sel.Name == name
}

// goExprName writes an identifier or a chain of selectors (a.b.c) as
// written; anything else is "".
func goExprName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		if p := goExprName(x.X); p != "" {
			return p + "." + x.Sel.Name
		}
	}
	return ""
}

func isSel(e ast.Expr, pkg, name string) bool {
	if u, ok := e.(*ast.UnaryExpr); ok {
		e = u.X
	}
	s, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	id, ok := s.X.(*ast.Ident)
	return ok && id.Name == pkg && s.Sel.Name == name
}

var goUnits = map[string]time.Duration{"Nanosecond": time.Nanosecond, "Microsecond": time.Microsecond,
	"Millisecond": time.Millisecond, "Second": time.Second, "Minute": time.Minute, "Hour": time.Hour}

// goDuration evaluates constant duration expressions such as 75 * time.Second,
// time.Minute + 5*time.Second or time.Duration(90) * time.Second.
func goDuration(e ast.Expr, consts map[string]ast.Expr) (time.Duration, bool) {
	return goDurationDepth(e, consts, 0)
}

func goDurationDepth(e ast.Expr, consts map[string]ast.Expr, depth int) (time.Duration, bool) {
	if depth > 8 { // a constant defined by itself, through others
		return 0, false
	}
	dur := func(e ast.Expr) (time.Duration, bool) { return goDurationDepth(e, consts, depth+1) }
	switch x := e.(type) {
	case *ast.ParenExpr:
		return dur(x.X)
	case *ast.BasicLit:
		if x.Kind == token.INT {
			n, err := strconv.ParseInt(x.Value, 0, 64)
			return time.Duration(n), err == nil
		}
	case *ast.Ident:
		if c, ok := consts[x.Name]; ok {
			return dur(c)
		}
	case *ast.SelectorExpr:
		if id, ok := x.X.(*ast.Ident); ok && id.Name == "time" {
			u, ok := goUnits[x.Sel.Name]
			return u, ok
		}
	case *ast.CallExpr:
		if isSel(x.Fun, "time", "Duration") && len(x.Args) == 1 {
			return dur(x.Args[0])
		}
	case *ast.BinaryExpr:
		a, ok1 := dur(x.X)
		b, ok2 := dur(x.Y)
		if !ok1 || !ok2 {
			return 0, false
		}
		switch x.Op {
		case token.MUL:
			return a * b, true
		case token.ADD:
			return a + b, true
		case token.SUB:
			return a - b, true
		case token.QUO:
			if b != 0 {
				return a / b, true
			}
		}
	}
	return 0, false
}

// goConsts maps the names of a file's constants (anywhere in it) and of its
// package-level variables given one value each to their expressions:
// const idleTimeout = 120 * time.Second. A name declared twice (two
// functions' constants) is left out.
func goConsts(f *ast.File) map[string]ast.Expr {
	out := map[string]ast.Expr{}
	seen := map[string]int{}
	add := func(g *ast.GenDecl) {
		for _, sp := range g.Specs {
			vs, ok := sp.(*ast.ValueSpec)
			if !ok || len(vs.Values) != len(vs.Names) {
				continue
			}
			for i, n := range vs.Names {
				seen[n.Name]++
				out[n.Name] = vs.Values[i]
			}
		}
	}
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.VAR {
			add(g)
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		if g, ok := n.(*ast.GenDecl); ok && g.Tok == token.CONST {
			add(g)
		}
		return true
	})
	for n, c := range seen {
		if c > 1 {
			delete(out, n)
		}
	}
	return out
}
