package check

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// CloudFormation gives an instance's user data as Fn::Base64 of a string,
// of Fn::Sub (a string, or a string and its variables) or of Fn::Join (a
// delimiter and pieces, a script's lines in most JSON templates). See
// userdata.go for how a script is read.

// cfnUserDataProps are where each resource type keeps its user data.
var cfnUserDataProps = map[string][]string{
	"AWS::EC2::Instance":                    {"Properties", "UserData"},
	"AWS::EC2::LaunchTemplate":              {"Properties", "LaunchTemplateData", "UserData"},
	"AWS::AutoScaling::LaunchConfiguration": {"Properties", "UserData"},
}

// cfnUserData reads the user data of a template's instances, launch
// templates and launch configurations (res is its Resources), and links
// each to the load balancers among lbs (the template's) that take its
// instances.
func cfnUserData(path string, res *yaml.Node, lbs []lbRef) ([]Hop, []link) {
	var hops []Hop
	var links []link
	for i := 0; i+1 < len(res.Content); i += 2 {
		owner, r := res.Content[i].Value, res.Content[i+1]
		typ, _ := scalar(get(r, "Type"))
		where, ok := cfnUserDataProps[typ]
		if !ok {
			continue
		}
		n := get(r, where...)
		if n == nil {
			continue
		}
		var p cfnScript
		p.add(n, "")
		if len(p.lines) == 0 || p.lines[0] == "" && len(p.lines) == 1 {
			continue
		}
		// cfn-init applies the metadata of the resource it names (another
		// instance's, at times), else none.
		script := strings.ReplaceAll(strings.Join(p.lines, "\n"), "\\\n", " ")
		if m := cfnInitRe.FindStringSubmatch(script); m != nil {
			from := r
			if m[1] != "" && !strings.Contains(m[1], "$") {
				from = get(res, m[1])
			}
			p.addInit(get(from, "Metadata", "AWS::CloudFormation::Init"))
		}
		u := userData{owner: owner, file: path, src: []byte(strings.Join(p.lines, "\n") + "\n"), at: p.at,
			span: [2]int{slices.Min(p.at), slices.Max(p.at)}}
		fronts, at, routed, through, ports := cfnFronts(path, owner, res, lbs)
		found := userDataHops(u, &userDataRoute{owner: owner, routed: routed && through == "", passThrough: through, ports: ports})
		hops = append(hops, found...)
		var these []link
		for _, lb := range fronts {
			these = append(these, link{lb: lb.name, lbAt: lb.at, dir: path, span: u.span, where: at, owner: owner})
		}
		links = append(append(links, these...), jarLinks(u, found, these)...)
	}
	return hops, links
}

// cfnInitRe finds a cfn-init command and the resource whose metadata it
// applies (--resource, -r).
var cfnInitRe = regexp.MustCompile(`\bcfn-init\b(?:[^\n]*?\s(?:--resource|-r)\s+['"]?([\w$\{\}:.-]+))?`)

// cfnScript assembles a script from a template's pieces, with the
// template's line of each of its lines.
type cfnScript struct {
	lines []string
	at    []int
	open  bool // the last line has no newline yet
}

// write appends text that starts at line n of the template; a literal
// block's lines follow one another.
func (s *cfnScript) write(text string, n int, block bool) {
	parts := strings.Split(text, "\n")
	for i, part := range parts {
		if i > 0 {
			s.open = false
			if block {
				n++
			}
		}
		if s.open {
			s.lines[len(s.lines)-1] += part
		} else if part != "" || i < len(parts)-1 {
			s.lines, s.at = append(s.lines, part), append(s.at, n)
			s.open = true
		}
	}
}

// add writes the script n holds: a string, or an intrinsic function of
// strings; what it cannot know (a Ref, a GetAtt) is written as ${...},
// as in a Fn::Sub.
func (s *cfnScript) add(n *yaml.Node, tag string) {
	if tag == "" {
		tag = n.Tag
	}
	switch {
	case n.Kind == yaml.ScalarNode && (tag == "!Ref" || tag == "!GetAtt" || tag == "!ImportValue"):
		s.write("${"+n.Value+"}", n.Line, false)
	case n.Kind == yaml.ScalarNode:
		if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
			s.write(n.Value, n.Line+1, true)
		} else {
			s.write(n.Value, n.Line, false)
		}
	case n.Kind == yaml.MappingNode && len(n.Content) == 2:
		fn, v := n.Content[0].Value, n.Content[1]
		switch fn {
		case "Fn::Base64":
			s.add(v, "")
		case "Fn::Sub":
			s.add(v, "!Sub")
		case "Fn::Join":
			s.add(v, "!Join")
		default:
			s.write("${"+fn+"}", n.Line, false)
		}
	case n.Kind == yaml.SequenceNode && tag == "!Sub" && len(n.Content) > 0:
		s.add(n.Content[0], "")
	case n.Kind == yaml.SequenceNode && tag == "!Join" && len(n.Content) == 2:
		delim, _ := scalar(n.Content[0])
		for i, piece := range n.Content[1].Content {
			if i > 0 && delim != "" {
				s.write(delim, piece.Line, false)
			}
			s.add(piece, "")
		}
	case n.Tag == tag && (tag == "!Base64" || tag == "!Sub" || tag == "!Join"):
		// A tagged node of another kind: read its content as that function's.
		c := *n
		c.Tag = ""
		s.add(&c, tag)
	}
}

// addInit appends what cfn-init does with a resource's
// AWS::CloudFormation::Init metadata (every config of it, whatever its
// config sets), as the commands it amounts to: its yum and apt packages as
// installs, its enabled or running services as starts, its files as
// writes of their content (one from a source URL as a copy lbdoctor cannot
// see), and its commands.
func (s *cfnScript) addInit(init *yaml.Node) {
	if init == nil || init.Kind != yaml.MappingNode {
		return
	}
	line := func(text string, n int) {
		s.lines, s.at, s.open = append(s.lines, text), append(s.at, n), false
	}
	for i := 0; i+1 < len(init.Content); i += 2 {
		if init.Content[i].Value == "configSets" {
			continue
		}
		config := init.Content[i+1]
		for _, manager := range []string{"yum", "apt"} {
			pkgs := get(config, "packages", manager)
			if pkgs == nil || pkgs.Kind != yaml.MappingNode {
				continue
			}
			cmd := map[string]string{"yum": "yum install -y ", "apt": "apt-get install -y "}[manager]
			for j := 0; j+1 < len(pkgs.Content); j += 2 {
				line(cmd+pkgs.Content[j].Value, pkgs.Content[j].Line)
			}
		}
		for _, kind := range []string{"sysvinit", "systemd"} {
			svcs := get(config, "services", kind)
			if svcs == nil || svcs.Kind != yaml.MappingNode {
				continue
			}
			for j := 0; j+1 < len(svcs.Content); j += 2 {
				on := func(key string) bool { // true, or "true" in JSON templates
					n := get(svcs.Content[j+1], key)
					return n != nil && n.Kind == yaml.ScalarNode && strings.EqualFold(n.Value, "true")
				}
				if on("enabled") || on("ensureRunning") {
					line("systemctl start "+svcs.Content[j].Value, svcs.Content[j].Line)
				}
			}
		}
		if files := get(config, "files"); files != nil && files.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(files.Content); j += 2 {
				path, f := files.Content[j].Value, files.Content[j+1]
				content := get(f, "content")
				if content == nil {
					line("cp - "+path, files.Content[j].Line) // from a source URL: not seen
					continue
				}
				line("tee "+path, files.Content[j].Line)
				s.add(content, "")
				s.open = false
			}
		}
		if cmds := get(config, "commands"); cmds != nil && cmds.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(cmds.Content); j += 2 {
				if c := get(cmds.Content[j+1], "command"); c != nil {
					s.open = false
					s.add(c, "")
					s.open = false
				}
			}
		}
	}
}

// cfnListenerLBs finds the load balancers whose listeners, or listener
// rules, forward to the target groups: the IDs of those that pool, and one
// that passes connections through (a Network or Gateway Load Balancer).
func cfnListenerLBs(res *yaml.Node, groups []string) (ids []string, passThrough string) {
	lbOf := func(listener *yaml.Node) {
		for _, id := range cfnRefs(get(listener, "Properties", "LoadBalancerArn")) {
			if t, _ := scalar(get(res, id, "Properties", "Type")); t == "network" || t == "gateway" {
				passThrough = id
			} else if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	forwards := func(n *yaml.Node) bool {
		return slices.ContainsFunc(cfnRefs(n), func(g string) bool { return slices.Contains(groups, g) })
	}
	for i := 0; i+1 < len(res.Content); i += 2 {
		r := res.Content[i+1]
		props := get(r, "Properties")
		switch t, _ := scalar(get(r, "Type")); t {
		case "AWS::ElasticLoadBalancingV2::Listener":
			if forwards(get(props, "DefaultActions")) {
				lbOf(r)
			}
		case "AWS::ElasticLoadBalancingV2::ListenerRule":
			if forwards(get(props, "Actions")) {
				for _, l := range cfnRefs(get(props, "ListenerArn")) {
					lbOf(get(res, l))
				}
			}
		}
	}
	return ids, passThrough
}

// cfnServiceLinks links the load balancers of a template to the containers
// its ECS services name (LoadBalancers: ContainerName and TargetGroupArn, or
// LoadBalancerName for a Classic Load Balancer).
func cfnServiceLinks(path string, res *yaml.Node, lbs []lbRef) []link {
	var out []link
	for i := 0; i+1 < len(res.Content); i += 2 {
		r := res.Content[i+1]
		if t, _ := scalar(get(r, "Type")); t != "AWS::ECS::Service" {
			continue
		}
		list := get(r, "Properties", "LoadBalancers")
		if list == nil || list.Kind != yaml.SequenceNode {
			continue
		}
		for _, item := range list.Content {
			name, ok := scalar(get(item, "ContainerName"))
			if !ok || name == "" {
				continue
			}
			ids, _ := cfnListenerLBs(res, cfnRefs(get(item, "TargetGroupArn")))
			ids = append(ids, cfnRefs(get(item, "LoadBalancerName"))...)
			for _, l := range lbs {
				if slices.Contains(ids, l.name) {
					out = append(out, link{lb: l.name, lbAt: l.at, names: []string{strings.ToLower(name)}, where: Location{path, res.Content[i].Line}, sameFile: true})
				}
			}
		}
	}
	return out
}

// cfnFronts finds the load balancers of a template that take owner's
// instances: through an Auto Scaling group's TargetGroupARNs or
// LoadBalancerNames, a target group's Targets or a Classic Load Balancer's
// Instances, and the listeners (and listener rules) that forward to those
// target groups. It returns them, where the link is, and whether anything
// routes to owner at all; when only load balancers that pass connections
// through (a Network Load Balancer) or their target groups do,
// passThrough names one.
func cfnFronts(path, owner string, res *yaml.Node, lbs []lbRef) (fronts []lbRef, where Location, routed bool, passThrough string, ports []int) {
	typeOf := func(id string) string { t, _ := scalar(get(res, id, "Type")); return t }
	found := map[string]bool{}
	var groups []string
	take := func(refs []string, at int) {
		for _, id := range refs {
			switch typeOf(id) {
			case "AWS::ElasticLoadBalancingV2::TargetGroup":
				groups = append(groups, id)
			case "AWS::ElasticLoadBalancing::LoadBalancer":
				found[id] = true
			}
		}
		routed = true
		if where.File == "" {
			where = Location{path, at}
		}
	}
	for i := 0; i+1 < len(res.Content); i += 2 {
		id, r := res.Content[i].Value, res.Content[i+1]
		props := get(r, "Properties")
		switch typeOf(id) {
		case "AWS::AutoScaling::AutoScalingGroup":
			if !slices.Contains(cfnRefs(props), owner) {
				continue
			}
			tgs, elbs := get(props, "TargetGroupARNs"), get(props, "LoadBalancerNames")
			if tgs != nil || elbs != nil {
				take(append(cfnRefs(tgs), cfnRefs(elbs)...), res.Content[i].Line)
			}
		case "AWS::ElasticLoadBalancingV2::TargetGroup":
			if slices.Contains(cfnRefs(get(props, "Targets")), owner) {
				take([]string{id}, res.Content[i].Line)
			}
		case "AWS::ElasticLoadBalancing::LoadBalancer":
			if slices.Contains(cfnRefs(get(props, "Instances")), owner) {
				take([]string{id}, res.Content[i].Line)
			}
		}
	}
	for _, g := range groups {
		switch p, _ := scalar(get(res, g, "Properties", "Protocol")); strings.ToUpper(p) {
		case "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE":
			passThrough = g // a Network or Gateway Load Balancer's target group
		}
		if p, err := strconv.Atoi(scalarOr(get(res, g, "Properties", "Port"))); err == nil {
			ports = append(ports, p)
		}
		if targets := get(res, g, "Properties", "Targets"); targets != nil {
			for _, t := range targets.Content {
				if p, err := strconv.Atoi(scalarOr(get(t, "Port"))); err == nil && slices.Contains(cfnRefs(get(t, "Id")), owner) {
					ports = append(ports, p)
				}
			}
		}
	}
	ids, through := cfnListenerLBs(res, groups)
	for _, id := range ids {
		found[id] = true
	}
	if through != "" {
		passThrough = through
	}
	for _, l := range lbs {
		if found[l.name] {
			fronts = append(fronts, l)
		}
	}
	if len(fronts) > 0 {
		passThrough = ""
	}
	if routed && len(fronts) == 0 && len(lbs) == 1 && passThrough == "" {
		fronts = lbs // the template's only load balancer
	}
	return fronts, where, routed, passThrough, ports
}

// scalarOr is n's plain value, or "".
func scalarOr(n *yaml.Node) string {
	v, _ := scalar(n)
	return v
}
