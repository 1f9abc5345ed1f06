package check

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// RuleClientPool: the keep-alive race one hop further in. Any HTTP client
// that keeps idle connections (a load balancer is one) must drop them before
// the server does.
var RuleClientPool = Rule{"LBD008", "client-pool-outlives-server", Error,
	"an HTTP client pool keeps idle connections longer than the server it calls: the server closes connections the client is about to reuse (connection reset, \"connection prematurely closed\")",
	"https://projectreactor.io/docs/netty/release/reference/http-client.html#connection-pool-timeout"}

// clientPool is an HTTP client that pools connections, found in source code.
type clientPool struct {
	kind    string        // e.g. "Reactor Netty (WebClient)"
	idle    time.Duration // Infinite: no idle limit
	source  string        // how the value was found
	loc     Location
	project string
	setting string // how to set the idle time, with %d for seconds
	// mitigation, when set, is how the library hides most of these races
	// (a retry or a liveness check): its findings are warnings.
	mitigation string
}

var (
	webClientRe   = regexp.MustCompile(`\bWebClient\s*\.\s*(builder|create)\s*\(`)
	maxIdleRe     = regexp.MustCompile(`maxIdleTime\s*\(\s*Duration\s*\.\s*of(Seconds|Millis|Minutes)\s*\(\s*(\d+)`)
	okHTTPRe      = regexp.MustCompile(`\bOkHttpClient\s*(\.\s*Builder\s*)?\(`)
	okPoolRe      = regexp.MustCompile(`ConnectionPool\s*\(\s*\d+\s*,\s*(\d+)L?\s*,\s*TimeUnit\s*\.\s*(SECONDS|MINUTES|MILLISECONDS)`)
	apacheHTTPRe  = regexp.MustCompile(`\b(HttpClients\s*\.\s*(custom|createDefault|createSystem)|HttpClientBuilder\s*\.\s*create)\s*\(`)
	apacheEvictRe = regexp.MustCompile(`evictIdleConnections\s*\(\s*(\d+)L?\s*,\s*TimeUnit\s*\.\s*(SECONDS|MINUTES|MILLISECONDS)`)
	javaHTTPRe    = regexp.MustCompile(`\bHttpClient\s*\.\s*(newHttpClient|newBuilder)\s*\(`)
	goTransportRe = regexp.MustCompile(`IdleConnTimeout\s*:\s*(\d+)\s*\*\s*time\s*\.\s*(Second|Minute|Millisecond)`)
	goDefaultRe   = regexp.MustCompile(`\bhttp\s*\.\s*(Get|Post|Head|DefaultClient|DefaultTransport)\b|&http\.Client\{`)
	pyRequestsRe  = regexp.MustCompile(`\brequests\s*\.\s*Session\s*\(`)
)

func unitDuration(n string, unit string) time.Duration {
	v, _ := strconv.ParseInt(n, 10, 64)
	switch strings.ToLower(unit) {
	case "millis", "milliseconds", "millisecond":
		return time.Duration(v) * time.Millisecond
	case "minutes", "minute":
		return time.Duration(v) * time.Minute
	}
	return time.Duration(v) * time.Second
}

// findClientPools reads the HTTP client pools a source file creates, with
// their idle time (version-independent defaults of each library).
func findClientPools(path string, src []byte) []clientPool {
	line := func(i int) int { return bytes.Count(src[:i], []byte{'\n'}) + 1 }
	var out []clientPool
	add := func(kind string, at int, idle time.Duration, source, setting string) {
		out = append(out, clientPool{kind: kind, idle: idle, source: source, loc: Location{path, line(at)}, setting: setting,
			mitigation: mitigations[kind]})
	}
	switch {
	case strings.HasSuffix(path, ".java") || strings.HasSuffix(path, ".kt"):
		if m := webClientRe.FindIndex(src); m != nil {
			if mi := maxIdleRe.FindSubmatchIndex(src); mi != nil {
				add("Reactor Netty (Spring WebClient)", mi[0], unitDuration(string(src[mi[4]:mi[5]]), string(src[mi[2]:mi[3]])),
					"ConnectionProvider maxIdleTime", "ConnectionProvider.builder(\"http\").maxIdleTime(Duration.ofSeconds(%d))")
			} else {
				add("Reactor Netty (Spring WebClient)", m[0], Infinite, "the default ConnectionProvider has no maxIdleTime: idle connections are kept until the server closes them",
					"ConnectionProvider.builder(\"http\").maxIdleTime(Duration.ofSeconds(%d)) (HttpClient.create(provider) in the WebClient's ReactorClientHttpConnector)")
			}
		}
		if m := okHTTPRe.FindIndex(src); m != nil {
			idle, source := 5*time.Minute, "OkHttp's default ConnectionPool keeps idle connections 5 minutes"
			if mp := okPoolRe.FindSubmatchIndex(src); mp != nil {
				idle, source = unitDuration(string(src[mp[2]:mp[3]]), string(src[mp[4]:mp[5]])), "ConnectionPool keep-alive duration"
			}
			add("OkHttp", m[0], idle, source, "new ConnectionPool(5, %d, TimeUnit.SECONDS)")
		}
		if m := apacheHTTPRe.FindIndex(src); m != nil {
			idle, source := Infinite, "Apache HttpClient evicts no idle connections unless evictIdleConnections is set"
			if me := apacheEvictRe.FindSubmatchIndex(src); me != nil {
				idle, source = unitDuration(string(src[me[2]:me[3]]), string(src[me[4]:me[5]])), "evictIdleConnections"
			}
			add("Apache HttpClient", m[0], idle, source, "HttpClients.custom().evictIdleConnections(%d, TimeUnit.SECONDS)")
		}
		if m := javaHTTPRe.FindIndex(src); m != nil && bytes.Contains(src, []byte("java.net.http")) {
			add("Java HttpClient", m[0], 1200*time.Second, "jdk.httpclient.keepalive.timeout default (1200 s for HTTP/1.1)",
				"-Djdk.httpclient.keepalive.timeout=%d")
		}
	case strings.HasSuffix(path, ".go"):
		if m := goTransportRe.FindSubmatchIndex(src); m != nil {
			add("Go http.Transport", m[0], unitDuration(string(src[m[2]:m[3]]), string(src[m[4]:m[5]])), "IdleConnTimeout", "IdleConnTimeout: %d * time.Second")
		} else if m := goDefaultRe.FindIndex(src); m != nil && !bytes.Contains(src, []byte("IdleConnTimeout")) && bytes.Contains(src, []byte(`"net/http"`)) {
			add("Go http.DefaultTransport", m[0], 90*time.Second, "http.DefaultTransport's IdleConnTimeout (90 s)",
				"&http.Transport{IdleConnTimeout: %d * time.Second} in the client")
		}
	case strings.HasSuffix(path, ".py"):
		if m := pyRequestsRe.FindIndex(src); m != nil {
			add("Python requests (urllib3)", m[0], Infinite, "urllib3's pool has no idle limit", "a Session per burst of requests, or a Retry on connection errors (urllib3 cannot expire idle connections; %d s is the target)")
		}
	}
	return out
}

// mitigations: how each library hides stale pooled connections. Reactor
// Netty retries only when the connection closed before the request was sent,
// so the race reaches the application.
var mitigations = map[string]string{
	"OkHttp":                    "OkHttp retries a request that failed on a stale pooled connection (retryOnConnectionFailure, on by default)",
	"Apache HttpClient":         "Apache HttpClient 4.4+ and 5 check connections idle over 2 s before reuse (validateAfterInactivity)",
	"Java HttpClient":           "the JDK client retries idempotent requests once on a failed connection",
	"Go http.Transport":         "Go's transport retries idempotent requests that fail on a reused connection before any response",
	"Go http.DefaultTransport":  "Go's transport retries idempotent requests that fail on a reused connection before any response",
	"Python requests (urllib3)": "urllib3 checks whether a pooled connection was dropped before reusing it",
}

// serviceURLRe finds base URLs that name a host without dots: a service
// name in the same compose file, cluster or service discovery namespace.
var serviceURLRe = regexp.MustCompile(`https?://([a-z][a-z0-9-]*)(?::(\d+))?(?:[/"'\s]|$)`)

// serviceRef is a base URL in configuration, with the project it belongs to.
type serviceRef struct {
	host   string
	loc    Location
	caller string // the project the URL is configured for ("" unknown)
}

// findServiceRefs reads base URLs in a YAML, properties, env or HCL file.
// The caller is the file's own project, else the nearest enclosing YAML key
// or "name:" value above the URL (a release or service section).
func findServiceRefs(path string, src []byte, project string) []serviceRef {
	lines := strings.Split(string(src), "\n")
	var out []serviceRef
	for i, ln := range lines {
		t := strings.TrimSpace(ln)
		if strings.HasPrefix(t, "#") || strings.HasPrefix(t, "//") {
			continue
		}
		for _, m := range serviceURLRe.FindAllStringSubmatch(ln, -1) {
			host := m[1]
			if host == "localhost" {
				continue
			}
			caller := project
			if caller == "" {
				caller = enclosingName(lines, i)
			}
			out = append(out, serviceRef{host: host, loc: Location{path, i + 1}, caller: caller})
		}
	}
	return out
}

var nameValueRe = regexp.MustCompile(`^\s*-?\s*(?:name|service|release)\s*:\s*["']?([\w.-]+)`)

// enclosingName walks up from line i to lines with less indentation and
// returns the first "name: X" value found there.
func enclosingName(lines []string, i int) string {
	indent := func(s string) int { return len(s) - len(strings.TrimLeft(s, " -")) }
	cur := indent(lines[i])
	for j := i - 1; j >= 0 && i-j < 200; j-- {
		if strings.TrimSpace(lines[j]) == "" {
			continue
		}
		d := indent(lines[j])
		if d > cur {
			continue
		}
		if m := nameValueRe.FindStringSubmatch(lines[j]); m != nil {
			return strings.ToLower(m[1])
		}
		if d < cur {
			cur = d
		}
	}
	return ""
}

// checkClientPools links client pools to the servers the repository's
// configuration points them at and reports the pools that outlive them. A
// project with several pools gets one finding per server naming them all
// (which pool makes which call is not in the configuration), as a warning
// unless every one of them would race unmitigated.
func (r *Report) checkClientPools(o Options) {
	byProject := map[string][]clientPool{}
	var projects []string
	for _, c := range r.clients {
		if c.project == "" {
			continue
		}
		if byProject[c.project] == nil {
			projects = append(projects, c.project)
		}
		byProject[c.project] = append(byProject[c.project], c)
	}
	for _, project := range projects {
		pools := byProject[project]
		for _, ref := range r.refs {
			if ref.caller == "" || !sameService(ref.caller, project) {
				continue
			}
			for _, s := range r.Hops {
				if s.Role != App || !s.Known || s.Idle == Infinite || s.Idle == NoKeepalive {
					continue
				}
				sp := projectName(r.Dir, s.Location.File)
				if sp == project || !sameService(ref.host, sp) || r.seenPairs[project+"->"+s.Location.String()] {
					continue
				}
				r.seenPairs[project+"->"+s.Location.String()] = true
				r.clientFinding(project, pools, s, ref, o)
			}
		}
	}
}

func (r *Report) clientFinding(project string, pools []clientPool, s Hop, ref serviceRef, o Options) {
	var racing []clientPool
	for _, c := range pools {
		if c.idle == Infinite || c.idle+o.Margin > s.Idle {
			racing = append(racing, c)
		}
	}
	if len(racing) == 0 {
		return
	}
	want := max(int64((s.Idle-o.Margin)/time.Second), 1)
	var descs, fixes, chains, mitig []string
	for _, c := range racing {
		idle := "no idle limit"
		if c.idle != Infinite {
			idle = secs(c.idle)
		}
		descs = append(descs, fmt.Sprintf("%s (%s)", c.kind, idle))
		fixes = append(fixes, fmt.Sprintf(c.setting, want))
		chains = append(chains, fmt.Sprintf("%s [%s: %s]", c.kind, c.loc, c.source))
		if c.mitigation != "" {
			mitig = append(mitig, c.mitigation)
		}
	}
	msg := fmt.Sprintf("%s calls %s at http://%s, which keeps idle connections %s, with a client pool that keeps them longer: %s",
		project, s.Name, ref.host, secs(s.Idle), strings.Join(descs, ", "))
	var sev Severity
	switch {
	case len(pools) > 1:
		sev = Warning
		msg += fmt.Sprintf("; %s has %d client pools and the configuration does not say which one makes this call", project, len(pools))
	case len(mitig) > 0:
		sev = Warning
	}
	if len(mitig) > 0 {
		msg += "; " + strings.Join(mitig, "; ") + ", which hides most of these races"
	}
	fix := "client: " + strings.Join(fixes, " | ")
	if len(racing) == 1 && racing[0].idle != Infinite {
		fix += "; or server: " + s.Setting(racing[0].idle+o.Margin)
	}
	r.Findings = append(r.Findings, Finding{Rule: RuleClientPool, Location: racing[0].loc, Confidence: "medium", Severity: sev,
		Message: msg, Fix: fix,
		Chain: fmt.Sprintf("client %s -> %s %s (%s) [%s]; URL at %s", strings.Join(chains, ", "), s.Name, secs(s.Idle), s.Source, s.Location, ref.loc)})
}
