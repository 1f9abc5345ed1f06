package check

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lbdoctor/lbdoctor/stacks"
)

// Caddy, configured with a Caddyfile: its servers close idle client
// connections after the global option servers { timeouts { idle } } (5 min),
// and reverse_proxy keeps idle connections to the backends for its http
// transport's keepalive (2 min; "off" keeps none). Caddy is a proxy hop: the
// load balancer faces its servers, its pool faces the applications.

const (
	caddyPoolIdle = 2 * time.Minute // reverse_proxy transport http keepalive default
)

// caddyNode is one directive of a Caddyfile and the block it opens.
type caddyNode struct {
	args []string
	line int
	kids []*caddyNode
}

// isCaddyfile reports whether name is a Caddyfile (Caddyfile,
// Caddyfile.prod, site.caddyfile).
func isCaddyfile(name string) bool {
	lower := strings.ToLower(name)
	return lower == "caddyfile" || strings.HasPrefix(lower, "caddyfile.") || strings.HasSuffix(lower, ".caddyfile")
}

// parseCaddyfileTree reads a Caddyfile into directives and blocks: a
// directive is the tokens of a line up to a "{" token, which opens its
// block, closed by a "}" token. Braces inside a token are placeholders
// ({$DOMAIN}, {http.request.host}).
func parseCaddyfileTree(src []byte) *caddyNode {
	root := &caddyNode{}
	stack := []*caddyNode{root}
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		var cur *caddyNode // the directive this line is building
		for _, tok := range caddyTokens(sc.Text()) {
			top := stack[len(stack)-1]
			switch tok {
			case "{":
				if cur == nil { // the global options block: no address
					cur = &caddyNode{line: n}
					top.kids = append(top.kids, cur)
				}
				stack, cur = append(stack, cur), nil
			case "}":
				if len(stack) > 1 {
					stack = stack[:len(stack)-1]
				}
				cur = nil
			default:
				if cur == nil {
					cur = &caddyNode{line: n}
					top.kids = append(top.kids, cur)
				}
				cur.args = append(cur.args, tok)
			}
		}
	}
	return root
}

// caddyTokens splits a Caddyfile line into tokens: words, or quoted text;
// a # that starts a token starts a comment.
func caddyTokens(line string) []string {
	var toks []string
	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '#':
			return toks
		case c == '"' || c == '`':
			j := strings.IndexByte(line[i+1:], c)
			if j < 0 {
				return append(toks, line[i+1:])
			}
			toks = append(toks, line[i+1:i+1+j])
			i += j + 2
		default:
			j := i
			for j < len(line) && line[j] != ' ' && line[j] != '\t' && line[j] != '\r' {
				j++
			}
			toks = append(toks, line[i:j])
			i = j
		}
	}
	return toks
}

// caddyDuration reads a Caddy duration: Go's syntax, plus days ("1d"). An
// environment placeholder with a default ({$KEEPALIVE:90s}) is its default,
// as Caddy substitutes it when it reads the Caddyfile and the repository
// does not say otherwise; one without ({$KEEPALIVE}) is not known here.
func caddyDuration(s string) (time.Duration, bool) {
	if strings.HasPrefix(s, "{$") && strings.HasSuffix(s, "}") {
		_, def, ok := strings.Cut(s[2:len(s)-1], ":")
		if !ok {
			return 0, false
		}
		s = def
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(d); err == nil && n >= 0 {
			return time.Duration(n) * 24 * time.Hour, true
		}
	}
	d, err := time.ParseDuration(s)
	return d, err == nil && d >= 0
}

// parseCaddyfile gives Caddy's hop: the server idle timeout facing the
// load balancer and, when a site proxies, the pool facing the applications
// (the longest keepalive of its reverse_proxy directives).
func parseCaddyfile(path string, src []byte) []Hop {
	root := parseCaddyfileTree(src)
	if len(root.kids) == 0 {
		return nil
	}
	c := stacks.Must("caddy")
	hop := Hop{Role: Proxy, Kind: "caddy", Name: "Caddy", Known: true, Idle: c.DefaultIdle, Pattern: true,
		Source: "Caddy's default idle timeout (5 min)", Location: Location{path, root.kids[0].line}, Setting: c.Setting}
	idleSet := false
	for _, top := range root.kids {
		if len(top.args) != 0 { // only the global options block has no address
			continue
		}
		for _, opt := range top.kids {
			if len(opt.args) == 0 || opt.args[0] != "servers" {
				continue
			}
			for _, t := range opt.kids {
				if len(t.args) == 0 || t.args[0] != "timeouts" {
					continue
				}
				for _, v := range t.kids {
					if len(v.args) == 2 && v.args[0] == "idle" {
						d, ok := caddyDuration(v.args[1])
						if ok && idleSet && hop.Known && d >= hop.Idle {
							continue // servers blocks per listener: the shortest idle counts
						}
						idleSet = true
						hop.Location = Location{path, v.line}
						if ok {
							hop.Idle, hop.Source = d, "servers { timeouts { idle "+v.args[1]+" } }"
						} else {
							hop.Known, hop.Source = false, "servers { timeouts { idle "+v.args[1]+" } } (not a duration here)"
						}
					}
				}
			}
		}
	}
	var pool *Hop
	var walk func(n *caddyNode)
	walk = func(n *caddyNode) {
		for _, k := range n.kids {
			if len(k.args) > 0 && k.args[0] == "reverse_proxy" {
				if p, ok := caddyPool(path, k); ok && (pool == nil || p.UpstreamIdle > pool.UpstreamIdle) {
					pool = &p
				}
				continue
			}
			walk(k)
		}
	}
	walk(root)
	if pool == nil {
		// No reverse_proxy: Caddy serves the site itself (files, php_fastcgi)
		// and is the application the load balancer reaches.
		hop.Role = App
	} else {
		hop.UpstreamIdle, hop.UpstreamLoc, hop.UpstreamSource = pool.UpstreamIdle, pool.UpstreamLoc, pool.UpstreamSource
	}
	return []Hop{hop}
}

// caddyPool reads one reverse_proxy directive's connection pool; false when
// it does not speak HTTP to its upstreams (transport fastcgi).
func caddyPool(path string, rp *caddyNode) (Hop, bool) {
	p := Hop{UpstreamIdle: caddyPoolIdle, UpstreamLoc: Location{path, rp.line},
		UpstreamSource: "Caddy's default reverse_proxy keepalive (2 min)"}
	for _, t := range rp.kids {
		if len(t.args) < 2 || t.args[0] != "transport" {
			continue
		}
		if t.args[1] != "http" { // fastcgi and others: not an HTTP pool
			return p, false
		}
		for _, v := range t.kids {
			if len(v.args) != 2 || v.args[0] != "keepalive" {
				continue
			}
			p.UpstreamLoc = Location{path, v.line}
			if d, ok := caddyDuration(v.args[1]); ok {
				p.UpstreamIdle, p.UpstreamSource = d, "reverse_proxy transport http keepalive "+v.args[1]
			} else {
				// off, or a placeholder ({$KEEPALIVE}) whose value is not
				// here: either way no pool is compared.
				p.UpstreamIdle = 0
			}
		}
	}
	return p, true
}

// caddyPoolSetting is the fix for Caddy's pool.
func caddyPoolSetting(d time.Duration) string {
	return fmt.Sprintf("reverse_proxy ... {\n  transport http {\n    keepalive %ds\n  }\n}", int64(d/time.Second))
}
