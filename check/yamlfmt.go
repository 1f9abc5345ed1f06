package check

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// yamlDocs parses every document of a YAML (or JSON) file into nodes.
func yamlDocs(path string, src []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			line := 0
			var te *yaml.TypeError
			if !errors.As(err, &te) {
				fmt.Sscanf(strings.TrimPrefix(err.Error(), "yaml: line "), "%d", &line)
			}
			return docs, &ParseError{Location{path, line}, fmt.Errorf("YAML: %v", err)}
		}
		if len(n.Content) > 0 {
			docs = append(docs, n.Content[0])
		}
	}
}

// get follows mapping keys; nil when absent.
func get(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
				break
			}
		}
		n = next
	}
	return n
}

// scalar returns a plain value; ok is false for intrinsic functions (!Ref,
// {"Ref": ...}) and other non-scalars.
func scalar(n *yaml.Node) (string, bool) {
	if n == nil || n.Kind != yaml.ScalarNode || strings.HasPrefix(n.Tag, "!") && n.Tag != "!!str" && n.Tag != "!!int" {
		return "", false
	}
	return n.Value, true
}

// parseCloudFormation finds ALB and Classic ELB resources in a template,
// and the servers its instances' user data start, linked to them.
func parseCloudFormation(path string, src []byte) ([]Hop, []Finding, []link, error) {
	docs, err := yamlDocs(path, src)
	if err != nil || len(docs) == 0 {
		return nil, nil, nil, err
	}
	res := get(docs[0], "Resources")
	if res == nil || res.Kind != yaml.MappingNode {
		return nil, nil, nil, nil
	}
	var hops []Hop
	var findings []Finding
	for i := 0; i+1 < len(res.Content); i += 2 {
		name, r := res.Content[i].Value, res.Content[i+1]
		typ, _ := scalar(get(r, "Type"))
		props := get(r, "Properties")
		hop := Hop{Role: LB, Name: name, Idle: 60 * time.Second, Known: true, Location: Location{path, res.Content[i].Line}}
		var valueNode *yaml.Node
		switch typ {
		case "AWS::ElasticLoadBalancingV2::LoadBalancer":
			if t, ok := cfnValue(docs[0], get(props, "Type")); ok && t != "application" {
				continue // a Network or Gateway Load Balancer (also as a parameter's default)
			}
			hop.Kind, hop.Source = "cloudformation-alb", "default idle_timeout.timeout_seconds (60 s)"
			hop.Setting = func(d time.Duration) string {
				return fmt.Sprintf("LoadBalancerAttributes: [{Key: idle_timeout.timeout_seconds, Value: \"%d\"}]", int64(d/time.Second))
			}
			if attrs := get(props, "LoadBalancerAttributes"); attrs != nil && attrs.Kind == yaml.SequenceNode {
				for _, a := range attrs.Content {
					if k, _ := scalar(get(a, "Key")); k == "idle_timeout.timeout_seconds" {
						valueNode = get(a, "Value")
					}
				}
			}
		case "AWS::ElasticLoadBalancing::LoadBalancer":
			if listeners := get(props, "Listeners"); listeners != nil && listeners.Kind == yaml.SequenceNode && len(listeners.Content) > 0 {
				passThrough := true
				for _, l := range listeners.Content {
					n := get(l, "InstanceProtocol")
					if n == nil {
						n = get(l, "Protocol")
					}
					p, _ := scalar(n)
					passThrough = passThrough && n != nil && n.Tag != "!Ref" && isTCPProtocol(p)
				}
				if passThrough {
					continue // TCP/SSL listeners pass connections through: no pool to race
				}
			}
			hop.Kind, hop.Source = "cloudformation-elb", "default ConnectionSettings.IdleTimeout (60 s)"
			hop.Setting = func(d time.Duration) string {
				return fmt.Sprintf("ConnectionSettings: {IdleTimeout: %d}", int64(d/time.Second))
			}
			valueNode = get(props, "ConnectionSettings", "IdleTimeout")
		case "AWS::ElasticBeanstalk::Environment":
			if tier, _ := scalar(get(props, "Tier", "Name")); strings.EqualFold(tier, "Worker") {
				continue
			}
			s := ebSettings{}
			// The configuration templates it names (!Ref, or either branch of an !If).
			for _, tmpl := range cfnRefs(get(props, "TemplateName")) {
				for k, v := range cfnEBSettings(path, get(res, tmpl, "Properties")) {
					s[k] = v
				}
			}
			for k, v := range cfnEBSettings(path, props) {
				s[k] = v
			}
			if eb, ok := ebLBHop(name, s, hop.Location, true); ok {
				for _, n := range append([]*yaml.Node{props}, refsNodes(res, get(props, "TemplateName"))...) {
					for _, k := range []string{"SolutionStackName", "PlatformArn"} {
						if v, ok := scalar(get(n, k)); ok && eb.platform == "" {
							eb.platform = v
						}
					}
				}
				eb.Setting = func(d time.Duration) string {
					return fmt.Sprintf("OptionSettings: [{Namespace: aws:elbv2:loadbalancer, OptionName: IdleTimeout, Value: \"%d\"}]", int64(d/time.Second))
				}
				hops = append(hops, eb)
			}
			continue
		default:
			continue
		}
		if valueNode != nil {
			hop.Location.Line = valueNode.Line
			v, ok := scalar(valueNode)
			how := ""
			if !ok { // !Ref Param: its default, as a stack created without it gets
				if v, ok = cfnValue(docs[0], valueNode); ok {
					how = fmt.Sprintf(" (the default of parameter %s; a stack may pass another)", cfnRefs(valueNode)[0])
				}
			}
			n, err := strconv.Atoi(v)
			if !ok || err != nil {
				hop.Known, hop.Source = false, "an intrinsic function or parameter, left unresolved"
				what := strings.TrimSpace(valueNode.Tag + " " + valueNode.Value)
				if valueNode.Kind == yaml.MappingNode && len(valueNode.Content) >= 2 { // JSON form: {"Ref": "X"}
					what = fmt.Sprintf("%s %s", valueNode.Content[0].Value, valueNode.Content[1].Value)
				}
				findings = append(findings, Finding{Rule: RuleUnknown, Location: hop.Location,
					Message: fmt.Sprintf("%s: the idle timeout is an intrinsic function or parameter (%s), left unresolved", name, what)})
			} else {
				hop.Idle, hop.Source = time.Duration(n)*time.Second, "idle timeout "+v+how
			}
		}
		hops = append(hops, hop)
	}
	findings = append(findings, cfnCloudFront(path, docs[0], res, hops)...)
	var lbs []lbRef
	for _, h := range hops {
		lbs = append(lbs, lbRef{name: h.Name, at: h.Location})
	}
	servers, links := cfnUserData(path, res, lbs)
	links = append(links, cfnServiceLinks(path, res, lbs)...)
	return append(hops, servers...), findings, links, nil
}

// cfnValue is a template value: a plain one, or a parameter's default
// (!Ref Param, {"Ref": "Param"}).
func cfnValue(template, n *yaml.Node) (string, bool) {
	if v, ok := scalar(n); ok {
		return v, true
	}
	if refs := cfnRefs(n); len(refs) == 1 && n != nil && (n.Tag == "!Ref" || n.Kind == yaml.MappingNode) {
		return scalar(get(template, "Parameters", refs[0], "Default"))
	}
	return "", false
}

// cfnRefs lists the logical IDs a CloudFormation value refers to (Ref,
// GetAtt; !Ref X, {"Ref": "X"}), anywhere inside it (both branches of an
// !If).
func cfnRefs(n *yaml.Node) []string {
	if n == nil {
		return nil
	}
	var out []string
	switch {
	case n.Kind == yaml.ScalarNode && n.Tag == "!Ref":
		out = append(out, n.Value)
	case n.Kind == yaml.ScalarNode && n.Tag == "!GetAtt":
		id, _, _ := strings.Cut(n.Value, ".")
		out = append(out, id)
	case n.Kind == yaml.SequenceNode && n.Tag == "!GetAtt" && len(n.Content) > 0:
		out = append(out, n.Content[0].Value)
	case n.Kind == yaml.MappingNode && len(n.Content) == 2 && n.Content[0].Value == "Ref":
		out = append(out, n.Content[1].Value)
	case n.Kind == yaml.MappingNode && len(n.Content) == 2 && n.Content[0].Value == "Fn::GetAtt":
		if v := n.Content[1]; v.Kind == yaml.SequenceNode && len(v.Content) > 0 {
			out = append(out, v.Content[0].Value)
		} else {
			id, _, _ := strings.Cut(v.Value, ".")
			out = append(out, id)
		}
	}
	for _, c := range n.Content {
		out = append(out, cfnRefs(c)...)
	}
	return out
}

// isTCPProtocol reports whether a Classic Load Balancer listener protocol
// passes connections through to the instances (TCP, SSL) instead of
// speaking HTTP to them, which pools connections.
func isTCPProtocol(p string) bool {
	p = strings.ToLower(strings.TrimSpace(p))
	return p == "tcp" || p == "ssl"
}

// serviceELBName names the load balancer a Service makes (see serviceELB).
func serviceELBName(service string) string {
	return "Service " + service + " (Classic Load Balancer, HTTP)"
}

// serviceELB reads a Service of type LoadBalancer that makes a Classic
// Load Balancer with HTTP listeners (annotation aws-load-balancer-backend-
// protocol http or https): such a load balancer keeps connections to the
// pods open and reuses them, for aws-load-balancer-connection-idle-timeout
// (60 s). With TCP listeners (the default) or as an NLB it passes each
// client connection through and reuses none: no hop.
func serviceELB(path string, d *yaml.Node, name string) (Hop, bool) {
	if t, _ := scalar(get(d, "spec", "type")); t != "LoadBalancer" {
		return Hop{}, false
	}
	ann := get(d, "metadata", "annotations")
	const prefix = "service.beta.kubernetes.io/aws-load-balancer-"
	switch t, _ := scalar(get(ann, prefix+"type")); strings.ToLower(t) {
	case "nlb", "external", "nlb-ip":
		return Hop{}, false // a Network Load Balancer (any other value still makes a Classic one)
	}
	if c, _ := scalar(get(d, "spec", "loadBalancerClass")); c != "" {
		return Hop{}, false // service.k8s.aws/nlb: the AWS Load Balancer Controller's NLB
	}
	proto, _ := scalar(get(ann, prefix+"backend-protocol"))
	if p := strings.ToLower(proto); p != "http" && p != "https" {
		return Hop{}, false
	}
	hop := Hop{Role: LB, Kind: "k8s-service-elb", Name: serviceELBName(name), Idle: 60 * time.Second, Known: true,
		Source: "Classic Load Balancer default (60 s): no aws-load-balancer-connection-idle-timeout annotation", Location: Location{path, d.Line},
		Setting: func(d time.Duration) string {
			return fmt.Sprintf(`%sconnection-idle-timeout: "%d"`, prefix, int64(d/time.Second))
		}}
	if n := get(ann, prefix+"connection-idle-timeout"); n != nil {
		v, _ := scalar(n)
		hop.Location.Line = n.Line
		if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			hop.Idle, hop.Source = time.Duration(secs)*time.Second, "annotation aws-load-balancer-connection-idle-timeout: "+v
		} else {
			hop.Known, hop.Source = false, "aws-load-balancer-connection-idle-timeout is not a number: "+v
		}
	}
	return hop, true
}

// parseKubernetes finds AWS Load Balancer Controller ingresses (annotation
// load-balancer-attributes, or IngressClassParams) and ingress-nginx
// ConfigMaps (keep-alive, upstream-keepalive-timeout).
func parseKubernetes(path string, src []byte) ([]Hop, error) {
	docs, err := yamlDocs(path, src)
	var hops []Hop
	for _, d := range docs {
		kind, _ := scalar(get(d, "kind"))
		name, _ := scalar(get(d, "metadata", "name"))
		switch kind {
		case "Ingress":
			ann := get(d, "metadata", "annotations")
			class, _ := scalar(get(d, "spec", "ingressClassName"))
			if c, ok := scalar(get(ann, "kubernetes.io/ingress.class")); ok {
				class = c
			}
			attrs := get(ann, "alb.ingress.kubernetes.io/load-balancer-attributes")
			// Whether another class is the controller's is for its
			// IngressClass to say (settleIngressClasses).
			alb := class == "alb" || attrs != nil
			if ann != nil && ann.Kind == yaml.MappingNode {
				for i := 0; i < len(ann.Content); i += 2 {
					alb = alb || strings.HasPrefix(ann.Content[i].Value, "alb.ingress.kubernetes.io/")
				}
			}
			hop := Hop{Role: LB, Kind: "aws-load-balancer-controller", Name: "Ingress " + name, Idle: 60 * time.Second, Known: true,
				Source: "ALB default (60 s): no idle_timeout.timeout_seconds annotation", Location: Location{path, d.Line},
				Setting: func(d time.Duration) string {
					return fmt.Sprintf("alb.ingress.kubernetes.io/load-balancer-attributes: idle_timeout.timeout_seconds=%d", int64(d/time.Second))
				}, ingress: &albIngress{class: class, alb: alb}}
			hop.ingress.group, _ = scalar(get(ann, "alb.ingress.kubernetes.io/group.name"))
			if v, ok := scalar(attrs); ok {
				hop.Location.Line = attrs.Line
				if idle, source, set, known := albAttributesIdle(v); set {
					hop.ingress.explicit = true
					hop.Idle, hop.Source, hop.Known = idle, source, known
				}
			}
			hops = append(hops, hop)
		case "Service":
			if hop, ok := serviceELB(path, d, name); ok {
				hops = append(hops, hop)
			}
		case "IngressClassParams":
			list := get(d, "spec", "loadBalancerAttributes")
			if list == nil {
				continue
			}
			for _, a := range list.Content {
				if k, _ := scalar(get(a, "key")); k == "idle_timeout.timeout_seconds" {
					v, _ := scalar(get(a, "value"))
					n, err := strconv.Atoi(v)
					hops = append(hops, Hop{Role: LB, Kind: "aws-load-balancer-controller", Name: "IngressClassParams " + name,
						Idle: time.Duration(n) * time.Second, Known: err == nil, Source: "loadBalancerAttributes idle_timeout.timeout_seconds=" + v,
						Location: Location{path, a.Line}, Setting: func(d time.Duration) string {
							return fmt.Sprintf("loadBalancerAttributes: [{key: idle_timeout.timeout_seconds, value: \"%d\"}]", int64(d/time.Second))
						}, ingress: &albIngress{params: name}})
				}
			}
		case "Deployment", "StatefulSet", "DaemonSet", "Pod", "Job", "CronJob", "ReplicaSet":
			for _, h := range containerCommands(path, d) {
				h.workload = name
				hops = append(hops, h)
			}
		case "ConfigMap":
			if !strings.Contains(name, "ingress-nginx") && !strings.Contains(name, "nginx-configuration") {
				continue
			}
			data := get(d, "data")
			hop := Hop{Role: Proxy, Kind: "ingress-nginx", Name: "ingress-nginx " + name, Idle: 75 * time.Second, Known: true,
				Source: "ingress-nginx default keep-alive (75 s)", Location: Location{path, d.Line},
				UpstreamIdle: 60 * time.Second, UpstreamLoc: Location{path, d.Line},
				Setting: func(d time.Duration) string {
					return fmt.Sprintf(`keep-alive: "%d"`, int64((d+time.Second-1)/time.Second))
				}}
			if n := get(data, "keep-alive"); n != nil {
				if v, err := strconv.Atoi(n.Value); err == nil {
					hop.Idle, hop.Source, hop.Location.Line = time.Duration(v)*time.Second, "keep-alive: "+n.Value, n.Line
				}
			}
			if n := get(data, "upstream-keepalive-timeout"); n != nil {
				if v, err := strconv.Atoi(n.Value); err == nil {
					hop.UpstreamIdle, hop.UpstreamLoc = time.Duration(v)*time.Second, Location{path, n.Line}
				}
			}
			hops = append(hops, hop)
		}
	}
	return hops, err
}

// parseSpringYAML flattens application.yml documents into properties, one
// set per profile (spring.config.activate.on-profile or spring.profiles).
func parseSpringYAML(path string, src []byte) ([]springProps, error) {
	docs, err := yamlDocs(path, src)
	var out []springProps
	base := -1 // the documents without a profile, merged as Spring does: later ones win
	for _, d := range docs {
		sp := springProps{file: path, props: map[string]string{}, lines: map[string]int{}}
		flatten(d, "", &sp)
		profile, _, _, _ := sp.get("spring.config.activate.on-profile")
		if profile == "" {
			profile = sp.props["spring.profiles"]
		}
		if profile != "" {
			sp.profile = profile
		} else if base >= 0 {
			for k, v := range sp.props {
				out[base].props[k], out[base].lines[k] = v, sp.lines[k]
			}
			continue
		} else {
			base = len(out)
		}
		out = append(out, sp)
	}
	return out, err
}

func flatten(n *yaml.Node, prefix string, sp *springProps) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if prefix != "" {
				k = prefix + "." + k
			}
			flatten(n.Content[i+1], k, sp)
		}
	case yaml.ScalarNode:
		sp.props[prefix], sp.lines[prefix] = n.Value, n.Line
	}
}

// containerCommands reads the command lines of a workload manifest's
// containers (see containerHops), and the official Apache images they run.
func containerCommands(path string, d *yaml.Node) []Hop {
	var hops []Hop
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			if c := get(n, "containers"); c != nil && c.Kind == yaml.SequenceNode {
				for _, ct := range c.Content {
					hops = append(hops, containerHops(path, ct)...)
					// An official Apache or Tomcat image run as it ships (no
					// command of its own, nothing mounted over its configuration).
					if img, ok := scalar(get(ct, "image")); ok && get(ct, "command") == nil && get(ct, "args") == nil {
						if h, ok := shippedImageHop(Location{path, get(ct, "image").Line}, img, "image: "+img, mountTargets(get(ct, "volumeMounts")), "mounted from a ConfigMap"); ok {
							hops = append(hops, h)
						}
					}
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(d)
	return hops
}
