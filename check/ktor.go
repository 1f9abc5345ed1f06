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

// Ktor's CIO engine closes connections idle for connectionIdleTimeoutSeconds,
// 45 s unless set (HttpServerSettings): shorter than ALB's 60 s. It is set
// in code (embeddedServer(CIO, configure = { connectionIdleTimeoutSeconds =
// 75 })) or, with io.ktor.server.cio.EngineMain, in application.conf or
// application.yaml as ktor.deployment.connectionIdleTimeoutSeconds. Ktor's
// Netty engine, the more common one, has no idle timeout and is not read.

var (
	// ktorCIORe finds embeddedServer(CIO ...) in Kotlin.
	ktorCIORe = regexp.MustCompile(`\bembeddedServer\s*\(\s*(?:factory\s*=\s*)?CIO\b`)
	// ktorIdleRe finds the setting in a configure block.
	ktorIdleRe = regexp.MustCompile(`\bconnectionIdleTimeoutSeconds\s*=\s*([^\n;,}]+)`)
)

// parseKtorCIO reads embeddedServer(CIO, ...) servers in Kotlin source.
func parseKtorCIO(file string, src []byte) []Hop {
	if !bytes.Contains(src, []byte("io.ktor")) || onDevice(file) {
		return nil
	}
	m := ktorCIORe.FindIndex(src)
	if m == nil {
		return nil
	}
	hop := serverHop("ktor-cio", "ktor-cio", Location{file, lineAt(src, m[0])}, "the CIO engine's default connectionIdleTimeoutSeconds (45 s)")
	if v := ktorIdleRe.FindSubmatchIndex(src); v != nil {
		raw := strings.TrimSpace(string(src[v[2]:v[3]]))
		hop.Location.Line = lineAt(src, v[0])
		if n, err := strconv.Atoi(raw); err == nil && n > 0 {
			hop.Idle, hop.Source = time.Duration(n)*time.Second, "connectionIdleTimeoutSeconds = "+raw
		} else {
			hop.Known, hop.Idle, hop.Source = false, 0, fmt.Sprintf("connectionIdleTimeoutSeconds = %s is not a literal", raw)
		}
	}
	return []Hop{hop}
}

// onDevice reports whether a Kotlin Multiplatform source set runs on a
// phone, a desktop or in a browser (androidMain, iosMain ...): a server
// there serves the device itself, not a load balancer.
func onDevice(file string) bool {
	for _, dir := range strings.Split(path.Dir(file), "/") {
		for _, p := range []string{"android", "ios", "apple", "macos", "watchos", "tvos", "js", "wasm", "desktop"} {
			if strings.HasPrefix(strings.ToLower(dir), p) && strings.HasSuffix(dir, "Main") {
				return true
			}
		}
	}
	return false
}

// isKtorCIOEngineMain reports whether a build file starts Ktor's CIO
// EngineMain (its configuration then comes from application.conf/yaml).
func isKtorCIOEngineMain(src []byte) int {
	if i := bytes.Index(src, []byte("io.ktor.server.cio.EngineMain")); i >= 0 {
		return lineAt(src, i)
	}
	return 0
}

// ktorEngineMainHops reads each CIO EngineMain project's configuration:
// src/main/resources/application.conf (HOCON) or application.yaml.
func ktorEngineMainHops(root string, builds map[string]int) []Hop {
	var hops []Hop
	for _, b := range sortedKeys(builds) {
		hop := serverHop("ktor-cio", "ktor-cio", Location{b, builds[b]}, "the CIO engine's default connectionIdleTimeoutSeconds (45 s): no application.conf or application.yaml sets it")
		hop.Pattern = false
		res := path.Join(path.Dir(b), "src/main/resources")
		if values, ok := readHOCONFile(root, path.Join(res, "application.conf")); ok {
			if v, set := values["ktor.deployment.connectionIdleTimeoutSeconds"]; set {
				hop = ktorValue(hop, v.value, v.loc, v.optional)
			}
		}
		for _, y := range []string{"application.yaml", "application.yml"} {
			f := path.Join(res, y)
			src, err := readCapped(filepath.Join(root, filepath.FromSlash(f)))
			if err != nil {
				continue
			}
			docs, err := yamlDocs(f, src)
			if err != nil || len(docs) == 0 {
				continue
			}
			if n := get(docs[0], "ktor", "deployment", "connectionIdleTimeoutSeconds"); n != nil {
				v, _ := scalar(n)
				hop = ktorValue(hop, v, Location{f, n.Line}, "")
			}
		}
		hops = append(hops, hop)
	}
	return hops
}

// ktorValue sets a hop from a configured number of seconds; Ktor's
// "$VAR:default" substitution in YAML gives its default.
func ktorValue(hop Hop, raw string, loc Location, optional string) Hop {
	hop.Location = loc
	v := strings.TrimSpace(raw)
	if strings.HasPrefix(v, "$") {
		if _, def, ok := strings.Cut(v, ":"); ok {
			v = def
		}
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		if raw == "" && optional != "" {
			hop.Known, hop.Idle, hop.Source = false, 0, fmt.Sprintf("ktor.deployment.connectionIdleTimeoutSeconds = ${?%s}: set where the service runs", optional)
			return hop
		}
		hop.Known, hop.Idle, hop.Source = false, 0, fmt.Sprintf("ktor.deployment.connectionIdleTimeoutSeconds = %s is not a number of seconds", raw)
		return hop
	}
	hop.Idle, hop.Source = time.Duration(n)*time.Second, "ktor.deployment.connectionIdleTimeoutSeconds = "+raw
	if optional != "" {
		hop.Source += fmt.Sprintf(" (unless %s is set where it runs)", optional)
	}
	return hop
}
