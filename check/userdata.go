package check

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/lbdoctor/lbdoctor/stacks"
	"github.com/zclconf/go-cty/cty"
	"go.yaml.in/yaml/v3"
)

// An EC2 instance behind a load balancer is often set up by its user data:
// a shell script, run at first boot, that installs a web server from the
// distribution's packages and starts it with the package's configuration
// (Apache closing idle connections after 5 s: the race this project is
// about), or starts an application server. Terraform gives the script
// inline (a heredoc), from a file (file, filebase64, templatefile), through
// a local value or a template_file or cloudinit_config data source. The
// script is read like any other command lines, and the blocks that put the
// instance behind a load balancer (an Auto Scaling group's target groups, a
// target group attachment, a listener) link the two.

// userData is the script an instance, a launch template or an Auto Scaling
// module runs at first boot.
type userData struct {
	owner string // the block that sets it: aws_launch_template.web, module.asg
	file  string // where its lines are: the .tf file, or the script's file
	// src is the script. An inline one has blank lines before it, so that
	// its line numbers are the .tf file's, and span is its first and last
	// line there; a script file's span is zero.
	src  []byte
	span [2]int
	// at, when set, gives the file's line of each line of src (a
	// CloudFormation template's script, joined from its pieces).
	at []int
}

// line is the file's line of line n of the script.
func (u userData) line(n int) int {
	if u.at != nil && n >= 1 && n <= len(u.at) {
		return u.at[n-1]
	}
	return n
}

// userDataRoute says, for a hop a user data script starts, whether a block
// of the repository routes a load balancer's traffic to its instance.
type userDataRoute struct {
	owner  string
	routed bool // a target group or load balancer names the instance
	// passThrough, when nothing routes to it but a load balancer that
	// passes connections through (a Network Load Balancer), names that.
	passThrough string
	// ports are the instance ports its target groups send to, when the
	// repository gives them as numbers.
	ports []int
}

// sendsTo reports whether the load balancer may send to a server on port:
// the target groups' ports are not known, one is port, or the script
// names one (a server moved there: Listen 8080, -p 8080:80).
func (r *userDataRoute) sendsTo(port int, script string) bool {
	if r == nil || len(r.ports) == 0 || slices.Contains(r.ports, port) {
		return true
	}
	for _, p := range r.ports {
		if regexp.MustCompile(`(?:^|[^\d.])` + strconv.Itoa(p) + `(?:$|[^\d])`).MatchString(script) {
			return true
		}
	}
	return false
}

// userDataBlocks are the resources whose user_data an instance runs.
var userDataBlocks = map[string]bool{"aws_instance": true, "aws_launch_template": true, "aws_launch_configuration": true, "aws_spot_instance_request": true}

// terraformUserData finds the user data scripts of a directory's blocks.
// read reads a file by its path relative to the repository's root.
func terraformUserData(dir string, bodies []tfFile, ctx *hcl.EvalContext, read func(string) ([]byte, error)) []userData {
	type named struct {
		f    tfFile
		expr hclsyntax.Expression
	}
	locals := map[string]named{}
	data := map[string]named{} // "template_file.x": its template; cloudinit parts as "cloudinit_config.x#i"
	for _, f := range bodies {
		for _, b := range f.body.Blocks {
			switch {
			case b.Type == "locals":
				for name, a := range b.Body.Attributes {
					locals[name] = named{f, a.Expr}
				}
			case b.Type == "data" && len(b.Labels) == 2 && b.Labels[0] == "template_file":
				if a, ok := b.Body.Attributes["template"]; ok {
					data[b.Labels[0]+"."+b.Labels[1]] = named{f, a.Expr}
				}
			case b.Type == "data" && len(b.Labels) == 2 && (b.Labels[0] == "cloudinit_config" || b.Labels[0] == "template_cloudinit_config"):
				i := 0
				for _, p := range b.Body.Blocks {
					if a, ok := p.Body.Attributes["content"]; ok && p.Type == "part" {
						data[fmt.Sprintf("%s.%s#%d", b.Labels[0], b.Labels[1], i)] = named{f, a.Expr}
						i++
					}
				}
			}
		}
	}
	pathCtx := ctx.NewChild()
	dot := cty.StringVal(".")
	pathCtx.Variables = map[string]cty.Value{"path": cty.ObjectVal(map[string]cty.Value{"module": dot, "root": dot, "cwd": dot})}

	var resolve func(f tfFile, e hclsyntax.Expression, depth int) []userData
	resolve = func(f tfFile, e hclsyntax.Expression, depth int) []userData {
		if depth > 8 {
			return nil
		}
		switch e := e.(type) {
		case *hclsyntax.TemplateWrapExpr:
			return resolve(f, e.Wrapped, depth+1)
		case *hclsyntax.TemplateExpr:
			return []userData{inlineUserData(f, e)}
		case *hclsyntax.FunctionCallExpr:
			if len(e.Args) == 0 {
				return nil
			}
			switch e.Name {
			case "base64encode", "base64gzip", "trimspace", "chomp":
				return resolve(f, e.Args[0], depth+1)
			case "file", "filebase64", "templatefile":
				for _, p := range tfFileCandidates(dir, e.Args[0], pathCtx) {
					if src, err := read(p); err == nil {
						return []userData{{file: p, src: src}}
					}
				}
				return nil
			}
		case *hclsyntax.ScopeTraversalExpr:
			t := e.Traversal
			attr := func(i int) string {
				if i < len(t) {
					if a, ok := t[i].(hcl.TraverseAttr); ok {
						return a.Name
					}
				}
				return ""
			}
			switch t.RootName() {
			case "local":
				if n, ok := locals[attr(1)]; ok {
					return resolve(n.f, n.expr, depth+1)
				}
			case "data":
				key := attr(1) + "." + attr(2)
				if n, ok := data[key]; ok {
					return resolve(n.f, n.expr, depth+1)
				}
				var out []userData
				for i := 0; ; i++ {
					n, ok := data[fmt.Sprintf("%s#%d", key, i)]
					if !ok {
						break
					}
					out = append(out, resolve(n.f, n.expr, depth+1)...)
				}
				return out
			}
		}
		return nil
	}

	var out []userData
	for _, f := range bodies {
		for _, b := range f.body.Blocks {
			var owner string
			switch {
			case b.Type == "resource" && len(b.Labels) == 2 && userDataBlocks[b.Labels[0]]:
				owner = b.Labels[0] + "." + b.Labels[1]
			case b.Type == "module" && len(b.Labels) == 1:
				owner = "module." + b.Labels[0]
			default:
				continue
			}
			for _, name := range []string{"user_data", "user_data_base64"} {
				a, ok := b.Body.Attributes[name]
				if !ok {
					continue
				}
				for _, u := range resolve(f, a.Expr, 0) {
					u.owner = owner
					out = append(out, u)
				}
			}
		}
	}
	return out
}

// inlineUserData is a script written in the .tf file: a heredoc's lines as
// they stand there (interpolations left as text), or a quoted string's.
func inlineUserData(f tfFile, e *hclsyntax.TemplateExpr) userData {
	r := e.Range()
	u := userData{file: f.path}
	if r.End.Line > r.Start.Line+1 {
		// A heredoc: its lines between the marker and the terminator.
		lines := bytes.SplitAfter(f.src, []byte("\n"))
		if r.End.Line-1 <= len(lines) {
			u.src = append(bytes.Repeat([]byte("\n"), r.Start.Line), bytes.Join(lines[r.Start.Line:r.End.Line-1], nil)...)
			u.span = [2]int{r.Start.Line + 1, r.End.Line - 1}
			return u
		}
	}
	// A quoted string: its literal text; clampToSpan puts what is found in it
	// on its line.
	var text strings.Builder
	for _, p := range e.Parts {
		if l, ok := p.(*hclsyntax.LiteralValueExpr); ok && l.Val.Type() == cty.String {
			text.WriteString(l.Val.AsString())
		} else {
			text.WriteString(exprText(f.src, p.Range()))
		}
	}
	u.src = []byte(strings.Repeat("\n", r.Start.Line-1) + strings.ReplaceAll(text.String(), "\r", "") + "\n")
	u.span = [2]int{r.Start.Line, r.End.Line}
	return u
}

// A web server a script installs from the distribution's packages, and how
// its configuration decides its idle timeout.
type packagedServer struct {
	kind, name string
	// idle is the package's: Apache's 5 s (httpd's compiled default, which
	// Amazon Linux's and RHEL's httpd.conf leave; Debian's apache2.conf
	// sets 5), nginx's 65 s (keepalive_timeout 65 in the nginx.conf of
	// Debian, Ubuntu, Amazon Linux and RHEL), Tomcat's 20 s (the shipped
	// server.xml's connectionTimeout="20000", which keepAliveTimeout falls
	// back to).
	idle   time.Duration
	source string
	// conf finds a line that touches its configuration; directive finds
	// a setting of the idle timeout there (in an echo, a heredoc, a sed).
	conf      *regexp.Regexp
	directive *regexp.Regexp
	parse     func(string) (time.Duration, bool) // the directive's value, as the server reads it
	// service finds a command that starts it (a yum package is not
	// started by installing it; an apt one is).
	service *regexp.Regexp
	setting func(pkg string, d time.Duration) string
	port    int // it listens on as installed
}

var packagedServers = []packagedServer{
	{kind: "apache", name: "Apache httpd", idle: stacks.Must("apache").DefaultIdle,
		source:    "the package's Apache keeps KeepAliveTimeout 5 (httpd's compiled default; Debian's apache2.conf sets 5)",
		conf:      regexp.MustCompile(`/etc/(?:httpd|apache2)\b|\b(?:httpd|apache2)\.conf\b`),
		directive: regexp.MustCompile(`(?i)\bKeepAliveTimeout\s+(\d+[A-Za-z]*)`), parse: apacheTimeout,
		service: regexp.MustCompile(`\b(?:httpd|apache2)\b`), port: 80,
		setting: func(pkg string, d time.Duration) string {
			secs := ceilSecs(d)
			if pkg == "apache2" {
				return fmt.Sprintf("KeepAliveTimeout %d  (in the user data: echo 'KeepAliveTimeout %d' > /etc/apache2/conf-enabled/keepalive.conf)", secs, secs)
			}
			return fmt.Sprintf("KeepAliveTimeout %d  (in the user data: echo 'KeepAliveTimeout %d' > /etc/httpd/conf.d/keepalive.conf)", secs, secs)
		}},
	{kind: "nginx", name: "nginx", idle: 65 * time.Second,
		source:    "the package's nginx.conf sets keepalive_timeout 65 (Debian, Ubuntu, Amazon Linux, RHEL)",
		conf:      regexp.MustCompile(`/etc/nginx\b|\bnginx\.conf\b`),
		directive: regexp.MustCompile(`\bkeepalive_timeout\s+(\d+[a-z]*)[\s\d\w]*;`), parse: nginxDuration,
		service: regexp.MustCompile(`\bnginx\b`), port: 80,
		setting: func(_ string, d time.Duration) string {
			return fmt.Sprintf("keepalive_timeout %ds;  (in the http block of /etc/nginx/nginx.conf)", ceilSecs(d))
		}},
	{kind: "tomcat", name: "Apache Tomcat", idle: stacks.Must("tomcat").DefaultIdle,
		source:    `the package's server.xml sets connectionTimeout="20000" on the HTTP connector, which keepAliveTimeout falls back to`,
		conf:      regexp.MustCompile(`/etc/tomcat|/(?:usr/share|var/lib|opt)/tomcat|\bserver\.xml\b`),
		directive: regexp.MustCompile(`\bkeepAliveTimeout=\\?["'](\d+)`), parse: tomcatMillis,
		service: regexp.MustCompile(`\btomcat\d*(?:\.\d+)?\b`), port: 8080,
		setting: func(_ string, d time.Duration) string {
			return fmt.Sprintf(`keepAliveTimeout="%d" on the HTTP Connector of server.xml (/etc/tomcat*/server.xml)`, ceilSecs(d)*1000)
		}},
}

func ceilSecs(d time.Duration) int64 { return int64((d + time.Second - 1) / time.Second) }

// packageOf maps a package name to its server (an index in packagedServers).
func packageOf(pkg string) (int, bool) {
	switch {
	case pkg == "httpd" || pkg == "httpd24" || pkg == "apache2":
		return 0, true
	case pkg == "nginx" || nginxPackageRe.MatchString(pkg):
		return 1, true
	case tomcatPackageRe.MatchString(pkg):
		return 2, true
	}
	return 0, false
}

var (
	nginxPackageRe  = regexp.MustCompile(`^nginx(?:1(?:\.\d+)*|-(?:core|full|light|extras))$`)
	tomcatPackageRe = regexp.MustCompile(`^tomcat(?:\d+(?:\.\d+)?)?$`)
	// installRe finds a package installation; group 1 is the manager,
	// group 2 what follows "install".
	installRe = regexp.MustCompile(`\b(yum|dnf|apt-get|apt|zypper|amazon-linux-extras)\b(?:\s+-\S+)*\s+install\b([^;&|]*)`)
	// copyRe finds a command that puts content lbdoctor cannot see into
	// a place (a copied or downloaded configuration).
	copyRe = regexp.MustCompile(`\b(?:cp|mv|install|ln|curl|wget|rsync|tar|unzip|scp|git)\s|\baws\s+s3\s`)
	// startRe finds a command that starts or enables a service.
	startRe = regexp.MustCompile(`\b(?:systemctl\s+(?:\S+\s+)*(?:start|enable|restart)|service\s+\S+\s+(?:start|restart)|chkconfig\s+\S+\s+on|apachectl\s+(?:-k\s+)?start)\b|/etc/init\.d/\S+\s+(?:start|restart)\b`)
)

// userDataHops reads a user data script: the web servers it installs from
// packages and starts, with their packages' idle timeouts unless the script
// sets them, and, when it installs none, the servers its command lines
// start (gunicorn, uvicorn, Puma ...). An application the script starts
// behind a web server it installs faces that server, not the load balancer.
func userDataHops(u userData, route *userDataRoute) []Hop {
	lines, cloudConfig := cloudConfigLines(u.src)
	if !cloudConfig {
		lines = shellLines(u.src)
	}
	lines = slices.DeleteFunc(lines, func(l logical) bool { return strings.HasPrefix(strings.TrimSpace(l.text), "#") })
	type install struct {
		pkg  string
		line int
	}
	found := map[int]install{}
	started := map[int]bool{}
	for _, l := range lines {
		for _, m := range installRe.FindAllStringSubmatch(l.text, -1) {
			for _, w := range strings.Fields(m[2]) {
				w = strings.Trim(w, `"'`)
				idx, ok := packageOf(w)
				if !ok {
					continue
				}
				if _, seen := found[idx]; !seen {
					found[idx] = install{w, u.line(l.n)}
				}
				if m[1] == "apt-get" || m[1] == "apt" {
					started[idx] = true // Debian's packages start their service
				}
			}
		}
		if loc := startRe.FindStringIndex(l.text); loc != nil {
			for idx, s := range packagedServers {
				if s.service.MatchString(l.text[loc[0]:]) {
					started[idx] = true
				}
			}
		}
	}
	var hops []Hop
	for idx, s := range packagedServers {
		in, ok := found[idx]
		if !ok || !started[idx] {
			continue
		}
		// Where it listens: its port as installed, or one a Listen line or
		// an edit of its configuration names.
		var conf []string
		for _, l := range lines {
			if listenRe.MatchString(l.text) || s.conf.MatchString(l.text) {
				conf = append(conf, l.text)
			}
		}
		if !route.sendsTo(s.port, strings.Join(conf, "\n")) {
			continue // not what the load balancer sends to
		}
		hop := Hop{Role: App, Kind: s.kind, Name: fmt.Sprintf("%s (%s, user data of %s)", s.name, in.pkg, u.owner),
			Idle: s.idle, Known: true, Pattern: true, Source: s.source, Location: Location{u.file, in.line},
			Setting: func(d time.Duration) string { return s.setting(in.pkg, d) }, userData: route}
		for _, l := range lines {
			switch ms := s.directive.FindAllStringSubmatch(l.text, -1); {
			case ms != nil:
				d, ok := s.parse(ms[len(ms)-1][1])
				hop.Idle, hop.Known, hop.Location = d, ok, Location{u.file, u.line(l.n)}
				hop.Source = strings.TrimSpace(ms[len(ms)-1][0]) + " (in the user data)"
				if !ok {
					hop.Source += ": not a time the server accepts"
				}
			case s.kind == "apache" && keepAliveOffRe.MatchString(l.text):
				hop.Idle, hop.Known, hop.Location = NoKeepalive, true, Location{u.file, u.line(l.n)}
				hop.Source = "KeepAlive Off (in the user data)"
			case s.conf.MatchString(l.text) && copyRe.MatchString(l.text):
				hop.Known, hop.Idle, hop.Location = false, 0, Location{u.file, u.line(l.n)}
				hop.Source = "the user data puts a configuration lbdoctor cannot see in place: " + strings.TrimSpace(l.text)
			}
		}
		hops = append(hops, hop)
	}
	// Tomcat installed with a web server runs behind it (mod_proxy, AJP),
	// unless the target groups send to Tomcat's port.
	if len(hops) > 1 && (route == nil || !slices.Contains(route.ports, 8080)) {
		hops = slices.DeleteFunc(hops, func(h Hop) bool { return h.Kind == "tomcat" })
	}
	for _, l := range lines {
		if h, ok := dockerRunHop(u, l.text, u.line(l.n)); ok && route.sendsTo(-1, l.text) {
			h.userData = route
			hops = append(hops, h)
		}
	}
	if len(hops) == 0 {
		src := u.src
		if cloudConfig {
			src = linesToSrc(lines)
		}
		for _, h := range parseCommandLines(u.file, src) {
			h.Location.Line = u.line(h.Location.Line)
			h.userData = route
			h.Name += " (user data of " + u.owner + ")"
			hops = append(hops, h)
		}
	}
	return clampToSpan(hops, u.span)
}

// logical is a command of a script, at the number of its first line.
type logical struct {
	text string
	n    int
}

// shellLines splits a shell script into commands: a command continued
// with a backslash is one.
func shellLines(src []byte) []logical {
	var lines []logical
	for i, l := range strings.Split(string(src), "\n") {
		if k := len(lines) - 1; k >= 0 && strings.HasSuffix(lines[k].text, "\\") {
			lines[k].text = strings.TrimSuffix(lines[k].text, "\\") + " " + l
			continue
		}
		lines = append(lines, logical{l, i + 1})
	}
	return lines
}

// cloudConfigLines reads user data written as cloud-init's cloud-config
// (its first line #cloud-config) as the commands it amounts to: its
// packages as installs (apt's names, apache2 and tomcatN, start their
// service; yum's httpd and nginx wait for a start in runcmd, as in a
// script), runcmd and bootcmd as commands, and write_files' contents as
// lines that write their paths. ok is false for any other user data.
func cloudConfigLines(src []byte) (lines []logical, ok bool) {
	first := strings.TrimSpace(string(src))
	if !strings.HasPrefix(first, "#cloud-config") {
		return nil, false
	}
	var doc yaml.Node
	if yaml.Unmarshal(src, &doc) != nil || len(doc.Content) == 0 {
		return nil, true // not YAML: nothing cloud-init would do either
	}
	root := doc.Content[0]
	command := func(n *yaml.Node) (string, bool) {
		if v, ok := scalar(n); ok {
			return v, true
		}
		if n.Kind == yaml.SequenceNode {
			var words []string
			for _, w := range n.Content {
				v, _ := scalar(w)
				words = append(words, v)
			}
			return strings.Join(words, " "), true
		}
		return "", false
	}
	if pkgs := get(root, "packages"); pkgs != nil && pkgs.Kind == yaml.SequenceNode {
		for _, p := range pkgs.Content {
			name, _ := scalar(p)
			if p.Kind == yaml.SequenceNode && len(p.Content) > 0 {
				name, _ = scalar(p.Content[0]) // [name, version]
			}
			manager := "yum"
			if name == "apache2" || strings.HasPrefix(name, "tomcat") && name != "tomcat" {
				manager = "apt-get"
			}
			lines = append(lines, logical{manager + " install -y " + name, p.Line})
		}
	}
	for _, key := range []string{"bootcmd", "runcmd"} {
		if cmds := get(root, key); cmds != nil && cmds.Kind == yaml.SequenceNode {
			for _, c := range cmds.Content {
				if text, ok := command(c); ok {
					lines = append(lines, logical{text, c.Line})
				}
			}
		}
	}
	if files := get(root, "write_files"); files != nil && files.Kind == yaml.SequenceNode {
		for _, f := range files.Content {
			p, _ := scalar(get(f, "path"))
			content := get(f, "content")
			if content == nil {
				// Content from elsewhere (source:, a URL): not seen.
				lines = append(lines, logical{"cp - " + p, f.Line})
				continue
			}
			text, _ := scalar(content)
			lines = append(lines, logical{"tee " + p, f.Line})
			start := content.Line
			if content.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
				start++
			}
			for i, l := range strings.Split(text, "\n") {
				lines = append(lines, logical{l, start + i})
			}
		}
	}
	return lines, true
}

// linesToSrc writes commands back as a script, each at its line (those on
// one line joined with ";").
func linesToSrc(lines []logical) []byte {
	byLine := map[int][]string{}
	last := 0
	for _, l := range lines {
		byLine[l.n] = append(byLine[l.n], l.text)
		last = max(last, l.n)
	}
	var b strings.Builder
	for n := 1; n <= last; n++ {
		b.WriteString(strings.Join(byLine[n], " ; "))
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

var listenRe = regexp.MustCompile(`(?i)\blisten\b`)

var keepAliveOffRe = regexp.MustCompile(`(?i)\bKeepAlive\s+Off\b`)

// clampToSpan keeps an inline script's hops on its lines (a quoted
// string's commands all stand on its first).
func clampToSpan(hops []Hop, span [2]int) []Hop {
	if span[0] == 0 {
		return hops
	}
	for i := range hops {
		hops[i].Location.Line = min(max(hops[i].Location.Line, span[0]), span[1])
	}
	return hops
}

// tfBlock is a resource or module block of a directory, as text.
type tfBlock struct {
	kind string // the resource type, or "module"
	addr string // aws_lb.web, module.alb
	text string
	at   Location
}

// tfBlocks lists the resource and module blocks of a directory's files.
func tfBlocks(bodies []tfFile) []tfBlock {
	var out []tfBlock
	for _, f := range bodies {
		for _, b := range f.body.Blocks {
			kind := "module"
			switch {
			case b.Type == "resource" && len(b.Labels) == 2:
				kind = b.Labels[0]
			case b.Type != "module" || len(b.Labels) != 1:
				continue
			}
			out = append(out, tfBlock{kind, blockAddr(b), exprText(f.src, b.Range()), Location{f.path, b.DefRange().Start.Line}})
		}
	}
	return out
}

// mentions reports whether text refers to the block at addr
// (aws_instance.web.id, aws_instance.web[0].id, module.alb.arn).
func mentions(text, addr string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], addr)
		if j < 0 {
			return false
		}
		j += i
		before := j == 0 || !isIdentByte(text[j-1]) && text[j-1] != '.'
		after := j+len(addr) == len(text) || text[j+len(addr)] == '.' || text[j+len(addr)] == '['
		if before && after {
			return true
		}
		i = j + len(addr)
	}
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// carrierKinds are the blocks that take an instance, a launch template or
// an Auto Scaling group to a load balancer.
var carrierKinds = map[string]bool{"aws_autoscaling_group": true, "aws_autoscaling_attachment": true, "aws_autoscaling_traffic_source_attachment": true,
	"aws_lb_target_group_attachment": true, "aws_alb_target_group_attachment": true, "aws_elb_attachment": true, "aws_elb": true, "module": true}

// routingArgRe finds an argument that puts instances behind a load
// balancer, whatever its value (a variable, another module's output).
var routingArgRe = regexp.MustCompile(`\b(?:target_group_arns|(?:lb|alb)_target_group_arn|target_group_arn|load_balancers|traffic_source_identifier|(?:alb_)?listener_arn|target_groups)\s*=`)

var targetGroupRe = regexp.MustCompile(`\baws_(?:lb|alb)_target_group\.[\w-]+`)

// userDataFronts finds the load balancers that route to the instances of
// owner: through the target groups that the owner, an Auto Scaling group
// or a target group attachment names (and the listeners that forward to
// them), or a Classic Load Balancer or ALB module given them. lbs are the
// directory's load balancers. It returns their hop names, the block that
// links them, and whether anything routes to the owner at all; when only
// load balancers that pass connections through (a Network Load Balancer)
// or their target groups do, passThrough names one.
func userDataFronts(owner string, blocks []tfBlock, lbs []lbRef) (fronts []lbRef, where Location, routed bool, passThrough string, ports []int) {
	related := map[string]bool{owner: true}
	var chain []tfBlock
	for _, b := range blocks {
		if b.addr == owner {
			chain = append(chain, b)
		}
	}
	for round := 0; round < 3; round++ {
		for _, b := range blocks {
			if related[b.addr] || !carrierKinds[b.kind] {
				continue
			}
			for a := range related {
				if mentions(b.text, a) {
					related[b.addr] = true
					chain = append(chain, b)
					break
				}
			}
		}
	}
	lbByAddr := map[string]string{} // aws_lb.web, module.alb: the hop's name
	for _, l := range lbs {
		addr, _, _ := strings.Cut(l.name, " ")
		lbByAddr[addr] = l.name
	}
	found := map[string]bool{}
	note := func(b tfBlock) {
		routed = true
		if where.File == "" || where == chain[0].at {
			where = b.at
		}
	}
	for _, b := range chain {
		if routingArgRe.MatchString(b.text) {
			note(b) // routed, perhaps through a variable or another module
		}
		if name, ok := lbByAddr[b.addr]; ok {
			found[name] = true // a Classic Load Balancer or ALB module naming the instances
			note(b)
			continue
		}
		for addr, name := range lbByAddr {
			if (strings.HasPrefix(addr, "aws_elb.") || strings.HasPrefix(addr, "module.")) && mentions(b.text, addr) {
				found[name] = true
				note(b)
			}
		}
		for _, tg := range targetGroupRe.FindAllString(b.text, -1) {
			note(b)
			names, others := listenerLBs(tg, blocks, lbByAddr)
			for _, n := range names {
				found[n] = true
			}
			if len(names) == 0 && len(others) > 0 {
				passThrough = others[0] // a Network or Gateway Load Balancer
			}
			for _, t := range blocks {
				if t.addr != tg {
					continue
				}
				if len(names) == 0 && len(others) == 0 && passThroughTGRe.MatchString(t.text) {
					passThrough = tg // a TCP, TLS or UDP target group: a Network Load Balancer's
				}
				ports = append(ports, portsOf(t.text)...)
			}
		}
		if strings.HasSuffix(b.kind, "_target_group_attachment") {
			ports = append(ports, portsOf(b.text)...) // it overrides the group's
		}
	}
	if len(found) > 0 {
		passThrough = ""
	}
	if routed && len(found) == 0 && len(lbs) == 1 && passThrough == "" {
		found[lbs[0].name] = true // the directory's only load balancer: its target groups are its
	}
	for _, l := range lbs {
		if found[l.name] {
			fronts = append(fronts, l)
		}
	}
	return fronts, where, routed, passThrough, ports
}

var portArgRe = regexp.MustCompile(`(?m)^\s*port\s*=\s*"?(\d+)"?\s*$`)

// portsOf finds a block's literal port arguments.
func portsOf(text string) []int {
	var out []int
	for _, m := range portArgRe.FindAllStringSubmatch(text, -1) {
		if n, err := strconv.Atoi(m[1]); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// passThroughTGRe finds a target group protocol that only a Network or
// Gateway Load Balancer forwards to.
var passThroughTGRe = regexp.MustCompile(`\bprotocol\s*=\s*"(?i:TCP|TLS|UDP|TCP_UDP|GENEVE)"`)

// listenerLBs finds the load balancers whose listeners, or listener rules,
// forward to target group tg: the names of those among lbByAddr's, and the
// addresses of the others (aws_lb blocks that are not Application Load
// Balancers).
func listenerLBs(tg string, blocks []tfBlock, lbByAddr map[string]string) (names, others []string) {
	var out []string
	lbOf := func(text string) {
		for addr, name := range lbByAddr {
			if mentions(text, addr) && !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
		for _, l := range blocks {
			if (l.kind == "aws_lb" || l.kind == "aws_alb") && lbByAddr[l.addr] == "" && mentions(text, l.addr) && !slices.Contains(others, l.addr) {
				others = append(others, l.addr)
			}
		}
	}
	isListener := func(k string) bool { return k == "aws_lb_listener" || k == "aws_alb_listener" }
	for _, b := range blocks {
		if !mentions(b.text, tg) {
			continue
		}
		switch {
		case isListener(b.kind):
			lbOf(b.text)
		case b.kind == "aws_lb_listener_rule" || b.kind == "aws_alb_listener_rule":
			for _, l := range blocks {
				if isListener(l.kind) && mentions(b.text, l.addr) {
					lbOf(l.text)
				}
			}
		}
	}
	sort.Strings(out)
	sort.Strings(others)
	return out, others
}

// dockerValueFlags are docker run's flags that take a value as the next
// word; any other flag is taken as one without.
var dockerValueFlags = map[string]bool{"--name": true, "-p": true, "--publish": true, "-e": true, "--env": true, "--env-file": true,
	"-v": true, "--volume": true, "--mount": true, "--restart": true, "--network": true, "--net": true, "-w": true, "--workdir": true,
	"-u": true, "--user": true, "--entrypoint": true, "--log-driver": true, "--log-opt": true, "-l": true, "--label": true,
	"-m": true, "--memory": true, "--cpus": true, "--add-host": true, "-h": true, "--hostname": true, "--platform": true, "--pull": true}

var dockerRunRe = regexp.MustCompile(`\bdocker\s+(?:container\s+)?run\s+(.*)`)

// dockerRunHop reads a docker run command that starts an official image
// serving HTTP as it ships: Apache's (see imageApache: 5 s), or Tomcat's,
// whose server.xml sets connectionTimeout="20000". A command after the
// image, or a volume over the image's configuration, runs something lbdoctor
// does not know.
func dockerRunHop(u userData, line string, n int) (Hop, bool) {
	m := dockerRunRe.FindStringSubmatch(line)
	if m == nil {
		return Hop{}, false
	}
	words := strings.Fields(m[1])
	var image string
	var mounts []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		if !strings.HasPrefix(w, "-") {
			image = strings.Trim(w, `"'`)
			if rest := words[i+1:]; len(rest) > 0 && !strings.HasPrefix(rest[0], "&") && !strings.HasPrefix(rest[0], ";") && !strings.HasPrefix(rest[0], "|") && !strings.HasPrefix(rest[0], ">") {
				return Hop{}, false // a command of its own
			}
			break
		}
		flag, value, hasValue := strings.Cut(w, "=")
		if dockerValueFlags[flag] && !hasValue && i+1 < len(words) {
			i++
			value = words[i]
		}
		if flag == "-v" || flag == "--volume" || flag == "--mount" {
			mounts = append(mounts, value)
		}
	}
	if image == "" {
		return Hop{}, false
	}
	loc := Location{u.file, n}
	how := "docker run " + image + " in the user data of " + u.owner
	return shippedImageHop(loc, image, how, strings.Join(mounts, "\n"), "mounted with -v")
}
