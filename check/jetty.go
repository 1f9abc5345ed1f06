package check

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Jetty closes a connection idle for its connector's idleTimeout, 30 s unless
// set (AbstractConnector, Jetty 9.4 to 12): shorter than ALB's 60 s. Two
// common ways to run it are read here, by pattern matching:
//   - Javalin, which adds a plain ServerConnector when the application adds
//     none (io.javalin.jetty.JettyServer) and sets no idle timeout on it;
//   - embedded Jetty: new Server(port) in a source with a main method.
//
// Spring Boot's Jetty and Dropwizard are read from their own settings.

var (
	javalinCreateRe = regexp.MustCompile(`\bJavalin\s*\.\s*create\s*[({]`)
	// jettyServerRe finds a Jetty Server constructed in Java (new Server(...))
	// or Kotlin (Server(...) after = or an opening parenthesis).
	jettyServerRe = regexp.MustCompile(`\bnew\s+Server\s*\(|[=(,]\s*Server\s*\(`)
	// jettyIdleRe finds a connector's idle timeout, in milliseconds:
	// connector.setIdleTimeout(70000), or idleTimeout = 70_000 in Kotlin.
	jettyIdleRe = regexp.MustCompile(`(?:\.\s*setIdleTimeout\s*\(|\bidleTimeout\s*=)\s*([^\n;)}]+)`)
	// javalinLibraryRe finds Javalin's own sources; mainMethodRe, a program's start.
	javalinLibraryRe = regexp.MustCompile(`(?m)^package\s+io\.javalin\b`)
	mainMethodRe     = regexp.MustCompile(`\bstatic\s+void\s+main\s*\(|\bfun\s+main\s*\(`)
)

// codeMatch returns where re first matches src in code, not in a comment
// or a string literal (a log message that shows how to start a server),
// or -1.
func codeMatch(re *regexp.Regexp, src []byte) int {
	for _, m := range re.FindAllIndex(src, -1) {
		before := lineBefore(src, m[0])
		if !commentLine(before) && bytes.Count(before, []byte{'"'})%2 == 0 {
			return m[0]
		}
	}
	return -1
}

// lineBefore returns the text of src's line up to src[i].
func lineBefore(src []byte, i int) []byte {
	return src[bytes.LastIndexByte(src[:i], '\n')+1 : i]
}

// commentLine reports whether the text before a match on its line puts it
// in a Java or Kotlin comment (//, /* or a doc comment's *).
func commentLine(before []byte) bool {
	t := bytes.TrimSpace(before)
	return bytes.HasPrefix(t, []byte("//")) || bytes.HasPrefix(t, []byte("*")) || bytes.HasPrefix(t, []byte("/*"))
}

// parseJetty finds the Jetty servers that a Java or Kotlin source starts.
func parseJetty(file string, src []byte) []Hop {
	var loc Location
	name := ""
	switch {
	case bytes.Contains(src, []byte("io.javalin")):
		if javalinLibraryRe.Match(src) && !mainMethodRe.Match(src) {
			return nil // Javalin's own sources and tools, not an application
		}
		i := codeMatch(javalinCreateRe, src)
		if i < 0 {
			return nil
		}
		loc, name = Location{file, lineAt(src, i)}, "Javalin (Jetty)"
	case bytes.Contains(src, []byte("org.eclipse.jetty.server.")) && !bytes.Contains(src, []byte("org.eclipse.jetty.client")) && mainMethodRe.Match(src):
		// Only where a program starts: frameworks (Spring Boot, Dropwizard)
		// build Jetty servers in factories, from their own settings.
		i := codeMatch(jettyServerRe, src)
		if i < 0 {
			return nil
		}
		loc, name = Location{file, lineAt(src, i)}, "Eclipse Jetty (embedded)"
	default:
		return nil
	}
	hop := serverHop("jetty", "jetty", loc, "Jetty's default connector idleTimeout (30 s): none set here")
	hop.Name = name
	hop.Setting = func(d time.Duration) string {
		return fmt.Sprintf("connector.setIdleTimeout(%d)  (the ServerConnector; Javalin: add it with config.jetty.addConnector)", d.Milliseconds())
	}
	values := map[string]bool{}
	first := -1
	for _, m := range jettyIdleRe.FindAllSubmatchIndex(src, -1) {
		if !connectorSetting(src, m[0]) {
			continue // a database pool's or an HTTP client's idle timeout
		}
		values[strings.TrimSpace(string(src[m[2]:m[3]]))] = true
		if first < 0 {
			first = m[0]
		}
	}
	if first < 0 {
		return []Hop{hop}
	}
	hop.Location.Line = lineAt(src, first)
	if len(values) > 1 {
		hop.Known, hop.Idle, hop.Source = false, 0, "several idle timeouts are set in this file; which connector faces the load balancer is not known"
		return []Hop{hop}
	}
	for raw := range values {
		if n, ok := jettyMillis(raw); ok {
			hop.Idle, hop.Source = time.Duration(n)*time.Millisecond, "idleTimeout "+raw+" ms"
		} else {
			hop.Known, hop.Idle, hop.Source = false, 0, fmt.Sprintf("idleTimeout %s is not a literal", raw)
		}
	}
	return []Hop{hop}
}

// jettyMillis reads a literal number of milliseconds: 70000, 70_000L, or
// arithmetic such as 70 * 1000.
func jettyMillis(raw string) (int64, bool) {
	n, ok := arith(strings.TrimRight(raw, "lL")) // a Java long literal: 70000L
	return n, ok && n > 0
}

// connectorSetting reports whether the idle timeout set at src[i] is a
// server connector's: its receiver is named for one (connector.setIdleTimeout),
// or a ServerConnector is built just before it (ServerConnector(server).apply
// { idleTimeout = ... }). HikariCP and Jetty's HttpClient have the same
// setter, and must not count.
func connectorSetting(src []byte, i int) bool {
	recv := lineBefore(src, i)
	if commentLine(recv) {
		return false
	}
	if j := bytes.LastIndexAny(recv, " \t(=,"); j >= 0 {
		recv = recv[j+1:]
	}
	if bytes.Contains(bytes.ToLower(recv), []byte("connector")) {
		return true
	}
	before := src[max(0, i-300):i]
	return bytes.Contains(before, []byte("ServerConnector")) && !bytes.Contains(bytes.ToLower(recv), []byte("pool")) && !bytes.Contains(bytes.ToLower(recv), []byte("client"))
}
