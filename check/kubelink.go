package check

import (
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
