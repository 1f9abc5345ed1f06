package check

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// directive is one nginx directive, with its block's children.
type directive struct {
	name     string
	args     []string
	loc      Location
	children []*directive
	block    bool
}

// parseNginxConf tokenizes an nginx configuration into directives, following
// include directives (globs relative to the including file) up to a depth.
func parseNginxConf(path string, seen map[string]bool, depth int) ([]*directive, error) {
	if depth > 10 {
		return nil, &ParseError{Location{path, 0}, fmt.Errorf("include nesting too deep")}
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, &ParseError{Location{path, 0}, err}
	}
	seen[path] = true
	p := &nginxParser{src: src, file: path, line: 1}
	root, err := p.block(false)
	if err != nil {
		return nil, err
	}
	return expandIncludes(root, filepath.Dir(path), seen, depth)
}

func expandIncludes(list []*directive, dir string, seen map[string]bool, depth int) ([]*directive, error) {
	var out []*directive
	for _, d := range list {
		if d.name == "include" && len(d.args) == 1 && !d.block {
			pattern := d.args[0]
			if !filepath.IsAbs(pattern) {
				pattern = filepath.Join(dir, pattern)
			}
			matches, _ := filepath.Glob(pattern)
			sort.Strings(matches)
			for _, m := range matches {
				if seen[m] || strings.HasSuffix(m, "mime.types") {
					continue
				}
				inc, err := parseNginxConf(m, seen, depth+1)
				if err != nil {
					return nil, err
				}
				out = append(out, inc...)
			}
			continue
		}
		if d.block {
			kids, err := expandIncludes(d.children, dir, seen, depth)
			if err != nil {
				return nil, err
			}
			d.children = kids
		}
		out = append(out, d)
	}
	return out, nil
}

type nginxParser struct {
	src  []byte
	pos  int
	line int
	file string
}

// token returns the next word, or one of "{", "}", ";" (quoted strings
// unquoted), and false at the end.
func (p *nginxParser) token() (tok string, line int, quoted, ok bool) {
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '\n':
			p.line++
			p.pos++
		case c == ' ' || c == '\t' || c == '\r':
			p.pos++
		case c == '#':
			for p.pos < len(p.src) && p.src[p.pos] != '\n' {
				p.pos++
			}
		case c == '{' || c == '}' || c == ';':
			p.pos++
			return string(c), p.line, false, true
		case c == '"' || c == '\'':
			start, line := p.pos+1, p.line
			p.pos++
			for p.pos < len(p.src) && p.src[p.pos] != c {
				if p.src[p.pos] == '\\' {
					p.pos++
				}
				if p.pos < len(p.src) && p.src[p.pos] == '\n' {
					p.line++
				}
				p.pos++
			}
			tok := string(p.src[start:min(p.pos, len(p.src))])
			p.pos++
			return tok, line, true, true
		default:
			start, line := p.pos, p.line
			for p.pos < len(p.src) && !strings.ContainsRune(" \t\r\n{};", rune(p.src[p.pos])) {
				// ${name} is a variable inside the word, as nginx reads it
				// (and as envsubst templates write it), not a block.
				if p.src[p.pos] == '$' && p.pos+1 < len(p.src) && p.src[p.pos+1] == '{' {
					if end := bytes.IndexByte(p.src[p.pos:], '}'); end > 0 && !bytes.ContainsAny(p.src[p.pos:p.pos+end], " \t\r\n;") {
						p.pos += end + 1
						continue
					}
				}
				p.pos++
			}
			return string(p.src[start:p.pos]), line, false, true
		}
	}
	return "", p.line, false, false
}

func (p *nginxParser) block(inner bool) ([]*directive, error) {
	var list []*directive
	var cur *directive
	for {
		tok, line, quoted, ok := p.token()
		if !ok {
			if inner || cur != nil {
				return nil, &ParseError{Location{p.file, p.line}, fmt.Errorf("unexpected end of file (missing ; or })")}
			}
			return list, nil
		}
		switch {
		case tok == ";" && !quoted:
			if cur == nil {
				return nil, &ParseError{Location{p.file, line}, fmt.Errorf("unexpected ;")}
			}
			list, cur = append(list, cur), nil
		case tok == "{" && !quoted:
			if cur == nil {
				return nil, &ParseError{Location{p.file, line}, fmt.Errorf("unexpected {")}
			}
			kids, err := p.block(true)
			if err != nil {
				return nil, err
			}
			cur.children, cur.block = kids, true
			list, cur = append(list, cur), nil
		case tok == "}" && !quoted:
			if !inner || cur != nil {
				return nil, &ParseError{Location{p.file, line}, fmt.Errorf("unexpected }")}
			}
			return list, nil
		case cur == nil:
			cur = &directive{name: tok, loc: Location{p.file, line}}
		default:
			cur.args = append(cur.args, tok)
		}
	}
}

// nginxDuration parses nginx time values: 65, 65s, 1m, 500ms, 1h30m.
func nginxDuration(s string) (time.Duration, bool) {
	if s == "" {
		return 0, false
	}
	if !strings.ContainsAny(s, "abcdefghijklmnopqrstuvwxyz") {
		s += "s"
	}
	d, err := time.ParseDuration(strings.NewReplacer("d", "h*24").Replace(s))
	if err != nil {
		return 0, false
	}
	return d, true
}

// nginxClientIdle reads a client-side keepalive_timeout: 0 turns keep-alive
// off (measured: nginx then answers Connection: close and closes).
func nginxClientIdle(arg string) (time.Duration, bool) {
	v, ok := nginxDuration(arg)
	if ok && v == 0 {
		return NoKeepalive, true
	}
	return v, ok
}

// nginxOneRequest reports whether keepalive_requests n lets a connection
// carry one request only: nginx then answers Connection: close and closes
// (measured with nginx 1.22 for 1 and for 0), so nothing is reused.
func nginxOneRequest(arg string) bool {
	n, err := strconv.Atoi(arg)
	return err == nil && n <= 1 && n >= 0
}

// nginxUnread says why a keepalive_timeout is not known: a variable that
// the official image's envsubst fills in from the container's environment
// when it renders /etc/nginx/templates, or a value nginx would refuse.
func nginxUnread(arg string) string {
	if strings.Contains(arg, "$") {
		return "keepalive_timeout " + arg + ": set from the container's environment when it starts (the nginx image's templates)"
	}
	return "keepalive_timeout " + arg + ": not a time nginx reads"
}

// nginxHops finds, for each server block, the client-side keepalive_timeout
// (server, else http, else nginx's 75 s, or the stock nginx.conf's 65 s for
// a file of server blocks only) and, for upstream blocks with
// "keepalive N", the upstream pool's keepalive_timeout (default 60 s).
func nginxHops(root []*directive) []Hop {
	var hops []Hop
	var upstreamIdle time.Duration
	var upstreamLoc Location
	setting := func(d time.Duration) string {
		return fmt.Sprintf("keepalive_timeout %ds;", int64((d+time.Second-1)/time.Second))
	}
	walkHTTP := func(http *directive, idle time.Duration, src string) {
		httpIdle, httpSrc, httpLoc, httpKnown := idle, src, http.loc, true
		var httpOne *directive // keepalive_requests 1 (or 0) in the http block
		for _, d := range http.children {
			if d.name == "keepalive_requests" && len(d.args) > 0 {
				httpOne = nil
				if nginxOneRequest(d.args[0]) {
					httpOne = d
				}
			}
			if d.name == "keepalive_timeout" && len(d.args) > 0 {
				if v, ok := nginxClientIdle(d.args[0]); ok {
					httpIdle, httpSrc, httpLoc, httpKnown = v, "keepalive_timeout "+d.args[0]+" (http block)", d.loc, true
				} else {
					httpIdle, httpSrc, httpLoc, httpKnown = 0, nginxUnread(d.args[0])+" (http block)", d.loc, false
				}
			}
			if d.name == "upstream" && d.block {
				pooled := false
				idle, loc := 60*time.Second, d.loc
				for _, u := range d.children {
					switch u.name {
					case "keepalive":
						pooled = true
					case "keepalive_timeout":
						if len(u.args) > 0 {
							if v, ok := nginxDuration(u.args[0]); ok {
								idle, loc = v, u.loc
							}
						}
					}
				}
				if pooled && idle > upstreamIdle {
					upstreamIdle, upstreamLoc = idle, loc
				}
			}
		}
		for _, s := range http.children {
			if s.name != "server" || !s.block {
				continue
			}
			hop := Hop{Role: Proxy, Kind: "nginx", Idle: httpIdle, Known: httpKnown, Source: httpSrc, Location: httpLoc, Setting: setting}
			listen := "80"
			one, oneIn := httpOne, "http block"
			for _, d := range s.children {
				if d.name == "keepalive_requests" && len(d.args) > 0 {
					one, oneIn = nil, ""
					if nginxOneRequest(d.args[0]) {
						one, oneIn = d, "server block"
					}
				}
				if d.name == "listen" && len(d.args) > 0 && listen == "80" {
					listen = d.args[0]
				}
				if d.name == "keepalive_timeout" && len(d.args) > 0 {
					if v, ok := nginxClientIdle(d.args[0]); ok {
						hop.Idle, hop.Source, hop.Location, hop.Known = v, "keepalive_timeout "+d.args[0]+" (server block)", d.loc, true
					} else {
						hop.Idle, hop.Source, hop.Location, hop.Known = 0, nginxUnread(d.args[0])+" (server block)", d.loc, false
					}
				}
			}
			// A location may shorten it for its requests: the shortest one counts.
			for _, l := range s.children {
				if l.name != "location" || !l.block {
					continue
				}
				for _, d := range l.children {
					if d.name == "keepalive_timeout" && len(d.args) > 0 {
						// (0 closes only that location's connections after each response.)
						if v, ok := nginxDuration(d.args[0]); ok && v > 0 && v < hop.Idle && hop.Known {
							hop.Idle, hop.Source, hop.Location = v, fmt.Sprintf("keepalive_timeout %s (location %s)", d.args[0], strings.Join(l.args, " ")), d.loc
						}
					}
				}
			}
			if one != nil { // whatever the timeout: no connection is kept
				hop.Idle, hop.Known, hop.Location = NoKeepalive, true, one.loc
				hop.Source = fmt.Sprintf("keepalive_requests %s (%s): one request per connection, then Connection: close", one.args[0], oneIn)
			}
			if hop.Location == http.loc {
				hop.Location = s.loc
			}
			hop.fronts = proxyTargetsAreLBs(s)
			hop.Name = "nginx server (listen " + listen + ")"
			hops = append(hops, hop)
		}
	}
	for _, d := range root {
		if d.name == "http" && d.block {
			walkHTTP(d, 75*time.Second, "nginx's default keepalive_timeout (75 s)")
		}
	}
	// A file of server blocks only (conf.d, sites-enabled) sits inside the
	// http block of an nginx.conf the repository does not have: the one its
	// image or package ships, which sets keepalive_timeout 65 (nginx's own
	// conf/nginx.conf, the official Docker image, Debian, Alpine, RHEL).
	if len(hops) == 0 {
		walkHTTP(&directive{name: "http", children: root, block: true, loc: Location{}}, 65*time.Second,
			"keepalive_timeout 65 in the http block of the stock nginx.conf that includes this file (official image, Debian, Alpine, RHEL)")
		for i := range hops {
			if hops[i].Location.File == "" {
				hops[i].Location = root[0].loc
			}
		}
	}
	for i := range hops {
		hops[i].UpstreamIdle, hops[i].UpstreamLoc = upstreamIdle, upstreamLoc
	}
	return hops
}

// lbHostRe finds a host that is a load balancer: an ELB DNS name
// (name-1234.us-east-1.elb.amazonaws.com, internal-name-...), or a
// placeholder that says so ([REPLACE-WITH-INTERNAL-LB-DNS], ${ALB_DNS}).
var lbHostRe = regexp.MustCompile(`(?i)\.elb\.(?:[a-z0-9-]+\.)?amazonaws\.com$|^[\[<$({].*(?:^|[^a-z])(?:alb|elb|lb|load[-_ ]?balancer)(?:[^a-z]|$)`)

// proxyTargetsAreLBs reports whether every proxy_pass of a server block
// (in its locations, at any depth) goes to a load balancer: such a server
// fronts that load balancer, not the applications behind it.
func proxyTargetsAreLBs(server *directive) bool {
	n, lbs := 0, 0
	var walk func(ds []*directive)
	walk = func(ds []*directive) {
		for _, d := range ds {
			if d.name == "proxy_pass" && len(d.args) > 0 {
				n++
				host := d.args[0]
				if _, after, ok := strings.Cut(host, "://"); ok {
					host = after
				}
				if i := strings.IndexByte(host, '/'); i >= 0 {
					host = host[:i]
				}
				host = strings.TrimRight(host, "0123456789")
				host = strings.TrimSuffix(host, ":")
				if lbHostRe.MatchString(host) {
					lbs++
				}
			}
			walk(d.children)
		}
	}
	walk(server.children)
	return n > 0 && lbs == n
}
