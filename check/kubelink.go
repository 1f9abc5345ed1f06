package check

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// kubeObject is what linking needs of a Kubernetes manifest: an Ingress's
// backend Services, a Service's selector, a workload's labels, containers
// and images.
type kubeObject struct {
	kind, name string
	backends   []string          // Ingress: Service names
	selector   map[string]string // Service
	labels     map[string]string // workload: pod template labels
	names      []string          // workload: its name, container names, image names
	loc        Location
	// An IngressClass's controller, IngressClassParams and whether it is
	// the cluster's default.
	controller, params string
	isDefault          bool
}

// kubeObjects reads the objects of a manifest file for linking.
func kubeObjects(path string, src []byte) []kubeObject {
	docs, _ := yamlDocs(path, src)
	var out []kubeObject
	for _, d := range docs {
		kind, _ := scalar(get(d, "kind"))
		name, _ := scalar(get(d, "metadata", "name"))
		o := kubeObject{kind: kind, name: name, loc: Location{path, d.Line}}
		switch kind {
		case "Ingress":
			var walk func(n *yaml.Node)
			walk = func(n *yaml.Node) {
				if n == nil {
					return
				}
				if n.Kind == yaml.MappingNode {
					if s, ok := scalar(get(n, "service", "name")); ok {
						o.backends = append(o.backends, s)
					}
					if s, ok := scalar(get(n, "serviceName")); ok { // extensions/v1beta1
						o.backends = append(o.backends, s)
					}
				}
				for _, c := range n.Content {
					walk(c)
				}
			}
			walk(get(d, "spec"))
		case "Service":
			o.selector = stringMap(get(d, "spec", "selector"))
		case "IngressClass":
			o.controller, _ = scalar(get(d, "spec", "controller"))
			if k, _ := scalar(get(d, "spec", "parameters", "kind")); k == "IngressClassParams" {
				o.params, _ = scalar(get(d, "spec", "parameters", "name"))
			}
			def, _ := scalar(get(d, "metadata", "annotations", "ingressclass.kubernetes.io/is-default-class"))
			o.isDefault = def == "true"
		case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Rollout":
			o.labels = stringMap(get(d, "spec", "template", "metadata", "labels"))
			o.names = append(o.names, strings.ToLower(name))
			if cs := get(d, "spec", "template", "spec", "containers"); cs != nil {
				for _, c := range cs.Content {
					if n, ok := scalar(get(c, "name")); ok {
						o.names = append(o.names, strings.ToLower(n))
					}
					if img, ok := scalar(get(c, "image")); ok {
						o.names = append(o.names, imageName(img))
					}
				}
			}
		default:
			continue
		}
		out = append(out, o)
	}
	return out
}

func stringMap(n *yaml.Node) map[string]string {
	m := map[string]string{}
	if n == nil || n.Kind != yaml.MappingNode {
		return m
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		m[n.Content[i].Value] = n.Content[i+1].Value
	}
	return m
}

// imageName is an image reference's repository name, lower case:
// "public.ecr.aws/shop/retail-store-ui:1.0" -> "retail-store-ui".
func imageName(img string) string {
	img = strings.ToLower(img)
	if i := strings.IndexByte(img, '@'); i >= 0 {
		img = img[:i]
	}
	if i := strings.LastIndexByte(img, '/'); i >= 0 {
		img = img[i+1:]
	}
	if i := strings.IndexByte(img, ':'); i >= 0 {
		img = img[:i]
	}
	return img
}

// kubeLinks follows each ALB Ingress to its Services, their selectors to the
// workloads they select, and names the backends by Service, workload,
// container and image names.
func kubeLinks(objs []kubeObject, lbNames map[string]bool) []link {
	var links []link
	workloads := func(s kubeObject) []string {
		var names []string
		for _, w := range objs {
			if w.labels != nil && len(s.selector) > 0 && selects(s.selector, w.labels) {
				names = append(names, w.names...)
			}
		}
		return names
	}
	// A Service that is itself a load balancer fronts the workloads it selects.
	for _, s := range objs {
		if lb := serviceELBName(s.name); s.kind == "Service" && lbNames[lb] {
			links = append(links, link{lb: lb, names: append([]string{strings.ToLower(s.name)}, workloads(s)...), where: s.loc})
		}
	}
	for _, ing := range objs {
		if ing.kind != "Ingress" || !lbNames["Ingress "+ing.name] {
			continue
		}
		for _, svc := range ing.backends {
			names := []string{strings.ToLower(svc)}
			for _, s := range objs {
				if s.kind == "Service" && s.name == svc {
					names = append(names, workloads(s)...)
				}
			}
			links = append(links, link{lb: "Ingress " + ing.name, names: names, where: ing.loc})
		}
	}
	return links
}

func selects(selector, labels map[string]string) bool {
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// albIngress is, for an Ingress's hop, its class and whether the Ingress
// itself says it is the AWS Load Balancer Controller's (class alb, or its
// annotations); for an IngressClassParams' hop, the params' name.
type albIngress struct {
	class  string
	alb    bool
	params string
	// group is the Ingress's IngressGroup (alb.ingress.kubernetes.io/
	// group.name): the group's Ingresses share one ALB. explicit says the
	// Ingress sets the idle timeout itself (or its class's params do).
	group    string
	explicit bool
}

// albControllers are the IngressClass controllers that make ALBs: the AWS
// Load Balancer Controller's and EKS Auto Mode's.
var albControllers = []string{"ingress.k8s.aws/alb", "eks.amazonaws.com/alb"}

// settleIngressClasses keeps the Ingresses whose IngressClass (named, or the
// cluster's default) is an ALB controller's, or that say so themselves, and
// gives each the idle timeout of its class's IngressClassParams, which the
// controller applies to every load balancer of the class, whatever the
// Ingress's own annotation says. A params' hop that an Ingress took is
// dropped: the Ingress's hop stands for that load balancer.
func (r *Report) settleIngressClasses() {
	classes := map[string]kubeObject{}
	def := ""
	for _, o := range r.kube {
		if o.kind == "IngressClass" {
			classes[o.name] = o
			if o.isDefault {
				def = o.name
			}
		}
	}
	params := map[string]Hop{}
	for _, h := range r.Hops {
		if h.ingress != nil && h.ingress.params != "" {
			params[h.ingress.params] = h
		}
	}
	used := map[string]bool{}
	kept := r.Hops[:0]
	for _, h := range r.Hops {
		in := h.ingress
		if in == nil || in.params != "" {
			kept = append(kept, h)
			continue
		}
		class := in.class
		if class == "" {
			class = def
		}
		c, known := classes[class]
		alb := in.alb || known && slices.Contains(albControllers, c.controller)
		if known && c.controller != "" && !slices.Contains(albControllers, c.controller) {
			alb = false // another controller's class, whatever the annotations
		}
		if !alb {
			continue
		}
		if p, ok := params[c.params]; known && ok {
			h.Idle, h.Known, h.Location = p.Idle, p.Known, p.Location
			h.Source = fmt.Sprintf("IngressClassParams %s (of IngressClass %s): %s", c.params, class, p.Source)
			h.Setting = p.Setting
			h.ingress = &albIngress{class: in.class, alb: true, group: in.group, explicit: true}
			used[c.params] = true
		}
		kept = append(kept, h)
	}
	r.Hops = slices.DeleteFunc(kept, func(h Hop) bool { return h.ingress != nil && used[h.ingress.params] })
	r.settleIngressGroups()
}

// settleIngressGroups gives the Ingresses of an IngressGroup, which share
// one ALB, the idle timeout that one of them sets: the controller takes an
// exclusive annotation such as load-balancer-attributes from the Ingress
// that has it. Values that disagree leave the group's Ingresses unknown
// (the controller refuses to reconcile the group).
func (r *Report) settleIngressGroups() {
	groups := map[string][]int{}
	for i, h := range r.Hops {
		if h.ingress != nil && h.ingress.params == "" && h.ingress.group != "" {
			groups[h.ingress.group] = append(groups[h.ingress.group], i)
		}
	}
	for _, g := range sortedKeys(groups) {
		var set []int
		for _, i := range groups[g] {
			if r.Hops[i].ingress.explicit {
				set = append(set, i)
			}
		}
		if len(set) == 0 {
			continue
		}
		first := r.Hops[set[0]]
		agree := true
		for _, i := range set[1:] {
			agree = agree && r.Hops[i].Known == first.Known && r.Hops[i].Idle == first.Idle
		}
		for _, i := range groups[g] {
			h := &r.Hops[i]
			switch {
			case !agree:
				h.Known = false
				h.Source = fmt.Sprintf("the Ingresses of IngressGroup %s, which share one ALB, set different idle timeouts (%s, %s)", g, first.Location, r.Hops[set[1]].Location)
			case !h.ingress.explicit:
				h.Idle, h.Known, h.Location = first.Idle, first.Known, first.Location
				h.Source = fmt.Sprintf("%s on %s, of the same IngressGroup %s (one ALB)", first.Source, first.Name, g)
			}
		}
	}
}
