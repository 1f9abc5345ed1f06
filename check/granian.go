package check

import (
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Granian (a Rust HTTP server for Python, built on hyper) closes an idle
// HTTP/1 keep-alive connection when its --http1-header-read-timeout passes:
// since hyper 1.6 that timer starts as soon as a connection waits for its
// next request (hyper#3828, "start http1 header read timeout when conn is
// idle"), and Granian has used hyper 1.6 or later, and had the option, since
// 2.0 (March 2025). The default is 30000 ms and Granian refuses more than
// 60000, so behind an ALB at its default 60 s no setting of Granian's alone
// is safe: the load balancer's idle timeout has to go below Granian's, or
// keep-alive off (--no-http1-keep-alive, which sends Connection: close).
// Flags win over GRANIAN_* variables. Read in Granian 2.8's and hyper
// 1.11's source; not measured here (neither Debian nor this machine's
// registries have Granian).

var (
	granianCmdRe = regexp.MustCompile(`\bgranian\s[^\n]*`)
	// granianEnvRe finds Granian's keep-alive variables with any value, in
	// a Dockerfile's ENV, a compose environment, a shell export.
	granianEnvRe   = regexp.MustCompile(`\b(GRANIAN_HTTP1_HEADER_READ_TIMEOUT|GRANIAN_HTTP1_KEEP_ALIVE|GRANIAN_HTTP)\b["']?\s*[=:\s]\s*["']?([^"'\s,}\]]+)`)
	granianPackage = newPyPackage("granian", "Granian", nil)
	// granianIdleSince is the first Granian whose idle connections close
	// after the header read timeout.
	granianIdleSince = version{2, 0, 0}
)

// granianDefaultSource is the Source of a Granian hop at its default
// timeout, which applyGranianVersions checks against the version installed.
const granianDefaultSource = "Granian's default --http1-header-read-timeout (30000 ms), which closes idle connections (Granian 2.0 and later)"

// granianHop reads a granian command line, with the variables of its file
// (env: name -> value, from granianEnv) under its flags.
func granianHop(loc Location, cmd string, env map[string]string) Hop {
	hop := serverHop("granian", "granian", loc, granianDefaultSource)
	keep, keepHow := env["GRANIAN_HTTP1_KEEP_ALIVE"], "GRANIAN_HTTP1_KEEP_ALIVE="+env["GRANIAN_HTTP1_KEEP_ALIVE"]
	timeout, timeoutHow := env["GRANIAN_HTTP1_HEADER_READ_TIMEOUT"], "GRANIAN_HTTP1_HEADER_READ_TIMEOUT="+env["GRANIAN_HTTP1_HEADER_READ_TIMEOUT"]
	proto, protoHow := env["GRANIAN_HTTP"], "GRANIAN_HTTP="+env["GRANIAN_HTTP"]
	for _, w := range strings.Fields(cmd) {
		switch w {
		case "--no-http1-keep-alive":
			keep, keepHow = "false", w
		case "--http1-keep-alive":
			keep, keepHow = "true", w
		}
	}
	if v, ok := flagValue(cmd, "--http1-header-read-timeout"); ok {
		timeout, timeoutHow = v, flagText(cmd, "--http1-header-read-timeout", v)
	}
	if v, ok := flagValue(cmd, "--http"); ok {
		proto, protoHow = v, flagText(cmd, "--http", v)
	}
	switch {
	case proto == "2":
		hop.Known, hop.Idle, hop.Source = false, 0, protoHow+": HTTP/2 only, which a load balancer's HTTP/1.1 connections cannot use"
	case strings.EqualFold(keep, "false") || keep == "0":
		hop.Idle, hop.Source = NoKeepalive, keepHow+": Connection: close on every response"
	case timeout != "":
		if n, err := strconv.Atoi(timeout); err == nil && n > 0 {
			hop.Idle, hop.Source = time.Duration(n)*time.Millisecond, timeoutHow+" (milliseconds)"
		} else {
			hop.Known, hop.Idle, hop.Source = false, 0, timeoutHow+" (not a number of milliseconds here)"
		}
	case runtimeArgs(cmd):
		hop = runtimeArgsHop(hop)
		hop.Idle = 0
	}
	return hop
}

// flagText is a flag with its value v as cmd writes it: --flag=v or --flag v.
func flagText(cmd, flag, v string) string {
	if strings.Contains(cmd, flag+"="+v) {
		return flag + "=" + v
	}
	return flag + " " + v
}

// granianEnv returns the GRANIAN_* keep-alive variables set in src.
func granianEnv(src []byte) map[string]string {
	env := map[string]string{}
	for _, m := range granianEnvRe.FindAllSubmatch(src, -1) {
		env[string(m[1])] = string(m[2])
	}
	return env
}

// applyGranianVersions completes the Granian hops at their default. The
// variables of the container files and .env files at or above the
// command's directory (a compose file beside a Dockerfile) may set the
// timeout. Before 2.0 Granian gave hyper no timer (read in 1.7.6's source),
// so hyper timed nothing out and idle connections stayed open: a project
// that installs an older Granian has no idle limit.
func applyGranianVersions(root string, hops []Hop) []Hop {
	for i := range hops {
		h := &hops[i]
		if h.Kind != "granian" || h.Source != granianDefaultSource {
			continue
		}
		dir := path.Dir(h.Location.File)
		if file, line, v, ok := containerEnv(root, dir, "GRANIAN_HTTP1_HEADER_READ_TIMEOUT"); ok {
			if n, err := strconv.Atoi(strings.ReplaceAll(v, "_", "")); err == nil && n > 0 {
				h.Idle, h.Source = time.Duration(n)*time.Millisecond, fmt.Sprintf("GRANIAN_HTTP1_HEADER_READ_TIMEOUT=%s (milliseconds; %s:%d)", v, file, line)
				continue
			}
		}
		if v, how, known := granianPackage.version(root, dir); known && v.less(granianIdleSince) {
			h.Idle = Infinite
			h.Source = "Granian before 2.0 (" + how + "): no idle timeout (it set no timer on its connections)"
		}
	}
	return hops
}
