package check

import (
	"bytes"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
)

// A keepAliveTimeout assigned to a web framework's application object is a
// common mistake: `app.keepAliveTimeout = 65000` after `const app = express()`
// sets a property of the request handler, which the http.Server that
// app.listen creates never reads. Measured on loopback with Express 4 and
// Node 20: the server still closed idle connections after 6 s. So such an
// assignment does not count as the server's setting.

// nodeAppMakers are, per module, how a file makes that module's application
// object from the name it bound the module to (X): the object is not an
// http.Server, and a keepAliveTimeout set on it is never read.
var nodeAppMakers = map[string][]string{
	"express":    {"X("},
	"koa":        {"new X("},
	"connect":    {"X("},
	"polka":      {"X("},
	"fastify":    {"X(", "X.default("},
	"@hapi/hapi": {"X.server(", "new X.Server(", "X.Server("},
	"hapi":       {"X.server(", "new X.Server(", "X.Server("},
}

// nodeAppNames are each framework's name in messages.
var nodeAppNames = map[string]string{
	"express": "Express", "koa": "Koa", "connect": "Connect", "polka": "Polka", "fastify": "Fastify",
	"@hapi/hapi": "hapi", "hapi": "hapi", "@nestjs/core": "NestJS",
}

var (
	// nodeModuleNameRe finds the name a module is bound to: const express =
	// require("express"), import express from "express", import express,
	// { Request } from "express", import * as Hapi from "@hapi/hapi".
	nodeModuleNameRe = regexp.MustCompile(`(?:\b(?:const|let|var)\s+([\w$]+)\s*=\s*require\s*\(\s*|\bimport\s+(?:\*\s+as\s+)?([\w$]+)\s*(?:,\s*\{[^}]*\}\s*)?from\s*)["']([^"'\n]+)["']`)
	// nodeRequireCallRe is a module required and called at once:
	// require("express")().
	nodeRequireCallRe = regexp.MustCompile(`^require\s*\(\s*["']([^"'\n]+)["']\s*\)\s*\(`)
)

// nodeAppObject reports which framework's application object recv is in
// src, when every assignment to the name recv in src makes one (and there
// is at least one). Anything else (a server from listen or createServer, a
// parameter, a property chain, this) is taken to be the server: that is
// what lbdoctor assumed before it knew better, and a miss costs less than a
// false alarm here.
func nodeAppObject(src []byte, recv string) (string, bool) {
	if !jsIdentRe.MatchString(recv) || recv == "this" {
		return "", false
	}
	bound := map[string]string{} // name -> module
	for _, m := range nodeModuleNameRe.FindAllSubmatch(src, -1) {
		name := string(m[1])
		if name == "" {
			name = string(m[2])
		}
		bound[name] = string(m[3])
	}
	assign := regexp.MustCompile(`(?:^|[^\w$.])` + regexp.QuoteMeta(recv) + `\s*(?::\s*[\w$.<>\[\], ]+?\s*)?=([^=>][^;\n]*)`)
	framework := ""
	for _, m := range assign.FindAllSubmatch(src, -1) {
		rhs := strings.TrimSpace(string(m[1]))
		rhs = strings.TrimSpace(strings.TrimPrefix(rhs, "await "))
		f := nodeAppMaker(rhs, bound, src)
		if f == "" {
			return "", false
		}
		framework = f
	}
	return nodeAppNames[framework], framework != ""
}

// nodeAppMaker returns the module whose application object rhs makes, or "".
func nodeAppMaker(rhs string, bound map[string]string, src []byte) string {
	if m := nodeRequireCallRe.FindStringSubmatchIndex(rhs); m != nil && nodeAppMakers[rhs[m[2]:m[3]]] != nil && wholeCall(rhs, m[1]-1) {
		return rhs[m[2]:m[3]] // require("express")()
	}
	if m := nestCreateRe.FindStringIndex(rhs); m != nil && wholeCall(rhs, m[1]-1) && strings.Contains(string(src), "@nestjs/core") {
		return "@nestjs/core"
	}
	for name, module := range bound {
		for _, maker := range nodeAppMakers[module] {
			// "new X.Server(" -> ^new\s+Hapi\s*\.\s*Server\s*\(
			re := "^" + strings.NewReplacer("new ", `new\s+`, "X", regexp.QuoteMeta(name), ".", `\s*\.\s*`, "(", `\s*\(`).Replace(maker)
			if m := regexp.MustCompile(re).FindStringIndex(rhs); m != nil && wholeCall(rhs, m[1]-1) {
				return module
			}
		}
	}
	return ""
}

// nestInstanceRe is NestJS's app.getHttpAdapter().getInstance() at the end
// of a text: the Express or Fastify application, not the server.
var nestInstanceRe = regexp.MustCompile(`([\w$]+)\s*\.\s*getHttpAdapter\s*\(\s*\)\s*\.\s*getInstance\s*\(\s*\)\s*$`)

// nestCreateRe is NestJS's NestFactory.create(AppModule), with or without a
// type argument.
var nestCreateRe = regexp.MustCompile(`^NestFactory\s*\.\s*create\s*(?:<[^>]*>\s*)?\(`)

// nodeReceiver returns the expression a property assignment at off (the
// offset of ".keepAliveTimeout") is made on: app in app.keepAliveTimeout,
// a.b in a.b.keepAliveTimeout, "" after a call or an index.
//
// NestJS's app.getHttpAdapter().getInstance() is returned whole: the Express
// or Fastify application it wraps, which nodeNotTheServer knows.
func nodeReceiver(src []byte, off int) string {
	from := max(0, off-200) // the chain is on the line
	if a := nestInstanceRe.FindSubmatchIndex(src[from:off]); a != nil {
		return string(src[from+a[0] : off])
	}
	i := jsChainStart(src, off)
	if i > 0 && (src[i-1] == ')' || src[i-1] == ']') {
		return ""
	}
	return string(src[i:off])
}

// nodeNotTheServer reports whether an assignment to a property of recv in
// src cannot reach the server that listens, and says why: recv is a
// framework's application object, or a server that never listens because
// the file starts another (see nodeIdleServer).
func nodeNotTheServer(src []byte, recv string) (string, bool) {
	if m := nestInstanceRe.FindStringSubmatch(recv); m != nil {
		return fmt.Sprintf("is set on the Express or Fastify application NestJS wraps, which the http.Server never reads (set it on %s.getHttpServer())", m[1]), true
	}
	if framework, ok := nodeAppObject(src, recv); ok {
		return fmt.Sprintf("is set on the %s application, which the http.Server never reads (set it on %s)", framework, nodeServerOf(framework, recv)), true
	}
	if handler, ok := nodeIdleServer(src, recv); ok {
		return fmt.Sprintf("is set on a server that never listens: %s.listen(...) starts another one, with the default (call %s.listen(...) instead)", handler, recv), true
	}
	return "", false
}

// nodeIdleServer reports whether recv is a server created in src with
// createServer(handler) that never listens, while handler.listen(...)
// starts another: const server = http.createServer(app); server.keepAliveTimeout
// = 65000; app.listen(3000). It is sure only when every other mention of recv
// in src assigns it or one of its properties: passed anywhere (socket.io's
// new Server(server), an export), it may be started elsewhere.
func nodeIdleServer(src []byte, recv string) (string, bool) {
	if !jsIdentRe.MatchString(recv) || recv == "this" {
		return "", false
	}
	handler := ""
	mention := regexp.MustCompile(`(?:^|[^\w$.])` + regexp.QuoteMeta(recv) + `\b`)
	for _, m := range mention.FindAllIndex(src, -1) {
		rest := string(src[m[1]:])
		if b := nodeBindingRest.FindStringSubmatch(rest); b != nil {
			rhs := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(b[1]), "await "))
			c := nodeCreateServerCallRe.FindStringSubmatchIndex(rhs)
			if c == nil || !wholeCall(rhs, c[1]-1) {
				return "", false
			}
			h := nodeLastArgRe.FindStringSubmatch(rhs)
			if h == nil || handler != "" && handler != h[1] {
				return "", false
			}
			handler = h[1]
			continue
		}
		if nodePropAssignRest.MatchString(rest) {
			continue
		}
		return "", false // recv.listen(, passed, returned, exported ...
	}
	if handler == "" || handler == recv || !regexp.MustCompile(`(?:^|[^\w$.])`+regexp.QuoteMeta(handler)+`\s*\.\s*listen\s*\(`).Match(src) {
		return "", false
	}
	return handler, true
}

var (
	// nodeBindingRest is what follows a name that is assigned: = value, or
	// : Type = value.
	nodeBindingRest = regexp.MustCompile(`^\s*(?::\s*[\w$.<>\[\], ]+?\s*)?=([^=>][^;\n]*)`)
	// nodePropAssignRest is what follows a name whose property is assigned.
	nodePropAssignRest = regexp.MustCompile(`^\s*\.\s*[\w$]+\s*=[^=]`)
	// nodeCreateServerCallRe is http.createServer( or createServer( (https
	// and http2's too).
	nodeCreateServerCallRe = regexp.MustCompile(`^(?:[\w$]+\s*\.\s*)?createServer\s*\(`)
	// nodeLastArgRe is a call's last argument when it is a name:
	// createServer(app), createServer(options, app).
	nodeLastArgRe = regexp.MustCompile(`[(,]\s*([A-Za-z_$][\w$]*)\s*\)\s*;?\s*$`)
)

// nodeKeepAssign returns the offset of the first keepAliveTimeout assigned
// in src to something other than an application object, or -1: in a file
// that starts no server, such an assignment may be made to the server of
// another file (a helper given the server).
func nodeKeepAssign(src []byte) int {
	for _, m := range nodeKeepAssignRe.FindAllIndex(src, -1) {
		if _, ok := nodeNotTheServer(src, nodeReceiver(src, m[0])); !ok {
			return m[0]
		}
	}
	return -1
}

// nodeServerOf says where a framework's application object recv keeps its
// http.Server, for the message.
func nodeServerOf(framework, recv string) string {
	switch framework {
	case "NestJS":
		return recv + ".getHttpServer()"
	case "Fastify":
		return recv + ".server, or pass keepAliveTimeout to Fastify()"
	case "hapi":
		return recv + ".listener"
	}
	return "the server " + recv + ".listen returns"
}

// wholeCall reports whether the call whose opening parenthesis is at
// rhs[open] is all of rhs (a statement's right-hand side): express(), not
// express().listen(3000), which is a server. A call that goes on past the
// line (Fastify({ on its own line) counts as whole.
func wholeCall(rhs string, open int) bool {
	depth := 0
	for i := open; i < len(rhs); i++ {
		switch rhs[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return strings.Trim(rhs[i+1:], " \t\r;") == ""
			}
		}
	}
	return true
}

// jsClientCallRe names calls whose options are a client's: undici's Agent,
// Pool, Client and request, and what wraps them. Their keepAliveTimeout is
// how long the client keeps idle connections, not a server's.
var jsClientCallRe = regexp.MustCompile(`(?i)(?:agent|pool|client|dispatcher|request|fetch|axios|got|proxy)$`)

// jsEnclosingCall returns the callee of the call whose object literal
// argument holds src[off]: Agent in new Agent({ keepAliveTimeout: 1 }),
// http.createServer in http.createServer({ keepAliveTimeout: 1 }, app).
// It returns "" when the literal is not a call's argument (const opts = {
// ... }). Strings and comments are not told apart: a guess, as the rest of
// the JavaScript reading is.
func jsEnclosingCall(src []byte, off int) string {
	depth := 0 // of braces, brackets and parentheses closed on the way back
	inObject := false
	for i := off - 1; i >= 0; i-- {
		switch src[i] {
		case '}', ']', ')':
			depth++
		case '{', '[':
			if depth > 0 {
				depth--
				continue
			}
			if src[i] == '{' {
				inObject = true
			}
		case '(':
			if depth > 0 {
				depth--
				continue
			}
			if !inObject {
				return ""
			}
			j := i
			for j > 0 && (src[j-1] == ' ' || src[j-1] == '\t') {
				j--
			}
			return string(src[jsChainStart(src, j):j])
		case ';':
			if depth == 0 {
				return ""
			}
		}
	}
	return ""
}

// nodeOtherKeepAlive reports whether src names keepAliveTimeout in a way
// nodeKeepAliveRe did not read and that may set the server's: not a
// client's option, not an assignment to an application object.
func nodeOtherKeepAlive(src []byte) bool {
	key := []byte("keepAliveTimeout")
	for off := 0; ; {
		i := bytes.Index(src[off:], key)
		if i < 0 {
			return false
		}
		at := off + i
		off = at + len(key)
		if jsClientCallRe.MatchString(jsEnclosingCall(src, at)) {
			continue
		}
		if at > 0 && src[at-1] == '.' {
			if _, ignored := nodeNotTheServer(src, nodeReceiver(src, at-1)); ignored {
				continue
			}
		}
		return true
	}
}

// jsChainStart returns where the names and dots that end at src[end] begin:
// the start of a.b.c in "x = a.b.c".
func jsChainStart(src []byte, end int) int {
	i := end
	for i > 0 {
		c := src[i-1]
		if c != '_' && c != '$' && c != '.' && (c < '0' || c > '9') && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			break
		}
		i--
	}
	return i
}

// jsBlankComments returns src with its comments' text replaced by spaces
// (line breaks kept, so offsets and line numbers stay): a setting commented
// out, "// server.keepAliveTimeout = 65000" in a NestJS main.ts, is not
// the server's. Strings in single, double or back quotes are skipped
// whole; a backslash outside them escapes the next byte, as in a regular
// expression literal, which is otherwise not told from a division (rarely
// a problem here). Java, Kotlin, C#, Go and Rust comment alike.
func jsBlankComments(src []byte) []byte {
	out := []byte(nil)
	blank := func(from, to int) {
		if out == nil {
			out = append([]byte(nil), src...)
		}
		for k := from; k < to; k++ {
			if out[k] != '\n' {
				out[k] = ' '
			}
		}
	}
	for i := 0; i < len(src); i++ {
		switch c := src[i]; {
		case c == '\\':
			i++ // outside strings, only in a regular expression: /^https?:\/\//
		case c == '"' || c == '\'' || c == '`':
			for i++; i < len(src) && src[i] != c; i++ {
				if src[i] == '\\' {
					i++
				} else if src[i] == '\n' && c != '`' {
					break // an unterminated string ends with its line
				}
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			end := bytes.IndexByte(src[i:], '\n')
			if end < 0 {
				end = len(src) - i
			}
			blank(i, i+end)
			i += end
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := bytes.Index(src[i+2:], []byte("*/"))
			if end < 0 {
				end = len(src) - i - 2
			} else {
				end += 2
			}
			blank(i, i+2+end)
			i += 1 + end
		}
	}
	if out == nil {
		return src
	}
	return out
}

// codeWithoutComments blanks the comments of a program's source, by its
// file name: // and /* */ for JavaScript, TypeScript, Java, Kotlin, Scala,
// C#, Go, Rust and Swift; # for Python. Other files come back as they are.
func codeWithoutComments(name string, src []byte) []byte {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx", ".java", ".kt", ".kts", ".scala", ".cs", ".go", ".rs", ".swift":
		return jsBlankComments(src)
	case ".py":
		return pyBlankComments(src)
	}
	return src
}

// pyBlankComments is jsBlankComments for Python: # to the end of the line,
// outside a string of that line.
func pyBlankComments(src []byte) []byte {
	out := []byte(nil)
	var quote byte
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '\n':
			quote = 0
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '#':
			if out == nil {
				out = append([]byte(nil), src...)
			}
			for ; i < len(src) && src[i] != '\n'; i++ {
				out[i] = ' '
			}
			i--
		}
	}
	if out == nil {
		return src
	}
	return out
}
