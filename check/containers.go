package check

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"go.yaml.in/yaml/v3"
)

// Containers defined for ECS (and, in Terraform, for Kubernetes) name the
// command their server runs: a task definition's "command": ["gunicorn",
// ...] replaces the image's CMD, so its flags are the ones that run. The
// command lines are read by parseCommandLines, like a Dockerfile's.

// containerKeys are the keys of a container's argument lists, in the order
// the words run: the entry point, then the command, then (Kubernetes) args.
// ECS task definitions spell them entryPoint/command (JSON), EntryPoint/
// Command (CloudFormation); Terraform modules entrypoint/entry_point.
var containerKeys = [][]string{
	{"entrypoint", "entry_point"},
	{"command"},
	{"args"},
}

// containerKeyRank returns where key (any case) stands in containerKeys, or
// -1 when it is not one of them.
func containerKeyRank(key string) int {
	for i, names := range containerKeys {
		for _, n := range names {
			if strings.EqualFold(key, n) {
				return i
			}
		}
	}
	return -1
}

// containerHops reads one container's command line: an ECS container
// definition, a Kubernetes container or a compose service. Its argument
// lists run in the order of containerKeys (any case: CloudFormation writes
// Command), with its environment (environment, or Kubernetes' env).
func containerHops(path string, ct *yaml.Node) []Hop {
	words, line := containerWords(ct)
	env := mergedGet(ct, "environment")
	if env == nil {
		env = mergedGet(ct, "env")
	}
	return containerCommandHops(path, words, environmentLines(env), line)
}

// containerWords returns the words a container runs, entry point first,
// and the line where the first list starts.
func containerWords(ct *yaml.Node) (words []string, line int) {
	for _, names := range containerKeys {
		for _, name := range names {
			if v := mergedGet(ct, name); v != nil {
				if line == 0 {
					line = v.Line
				}
				words = append(words, yamlWords(v)...)
				break
			}
		}
	}
	return words, line
}

// containerCommandHops reads a container's command line, its words already
// in running order, with its environment (NAME=value lines, which set
// GUNICORN_CMD_ARGS, UVICORN_TIMEOUT_KEEP_ALIVE ...), and places the hops at
// line.
func containerCommandHops(path string, words []string, env string, line int) []Hop {
	if len(words) == 0 {
		return nil
	}
	text := env + strings.Join(words, " ")
	hops := parseCommandLines(path, []byte(text))
	for i := range hops {
		hops[i].Location.Line = line
	}
	return hops
}

// ecsContainerDocument reads the command lines of the ECS container
// definitions in a JSON or YAML document: a task definition (its
// containerDefinitions), a CloudFormation template (ContainerDefinitions of
// AWS::ECS::TaskDefinition), or a bare list of container definitions (the
// file a Terraform task definition loads with file() or templatefile()).
// Terraform template placeholders (${var}) are allowed; a template's
// directives (%{ for }) make it unreadable, and it is skipped.
func ecsContainerDocument(path string, src []byte) []Hop {
	if !mayDefineContainers(src) {
		return nil // most JSON and YAML files: not parsed again
	}
	return ecsContainers(path, src)
}

// ecsContainers reads the container definitions of a document that holds
// them, as ecsContainerDocument does, without looking first.
func ecsContainers(path string, src []byte) []Hop {
	docs, _ := yamlDocs(path, templatePlaceholders(src))
	var hops []Hop
	for _, d := range docs {
		root := d
		if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
			root = root.Content[0]
		}
		if root.Kind == yaml.SequenceNode && containerList(root) {
			hops = append(hops, containerDefinitions(path, root)...)
			continue
		}
		var walk func(n *yaml.Node)
		walk = func(n *yaml.Node) {
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if strings.EqualFold(n.Content[i].Value, "containerDefinitions") && n.Content[i+1].Kind == yaml.SequenceNode {
						hops = append(hops, containerDefinitions(path, n.Content[i+1])...)
					}
				}
			}
			for _, c := range n.Content {
				walk(c)
			}
		}
		walk(root)
	}
	return hops
}

// mayDefineContainers reports whether src may hold ECS container
// definitions: it names containerDefinitions, or a key only they have.
func mayDefineContainers(src []byte) bool {
	if bytes.Contains(src, []byte("ontainerDefinitions")) { // containerDefinitions, CloudFormation's ContainerDefinitions
		return true
	}
	for _, k := range ecsOnlyKeys {
		if bytes.Contains(src, []byte(k)) {
			return true
		}
	}
	return false
}

// ecsOnlyKeys are keys of an ECS container definition that Kubernetes and
// compose files do not use.
var ecsOnlyKeys = []string{"portMappings", "essential", "memoryReservation", "logConfiguration"}

// containerList reports whether a list is one of ECS container
// definitions: its first item has a name, an image and a key only ECS
// containers have.
func containerList(n *yaml.Node) bool {
	if len(n.Content) == 0 || n.Content[0].Kind != yaml.MappingNode {
		return false
	}
	keys := map[string]bool{}
	first := n.Content[0]
	for i := 0; i+1 < len(first.Content); i += 2 {
		keys[strings.ToLower(first.Content[i].Value)] = true
	}
	if !keys["name"] || !keys["image"] {
		return false
	}
	for _, k := range ecsOnlyKeys {
		if keys[strings.ToLower(k)] {
			return true
		}
	}
	return keys["memory"] || keys["cpu"]
}

// containerDefinitions reads the containers of a containerDefinitions list.
func containerDefinitions(path string, list *yaml.Node) []Hop {
	var hops []Hop
	for _, ct := range list.Content {
		these := containerHops(path, ct)
		if name, ok := scalar(getFold(ct, "name")); ok {
			for i := range these {
				these[i].workload = name // an ECS service's load_balancer block names its container
			}
		}
		hops = append(hops, these...)
		// An official Apache or Tomcat image run as it ships (no command of
		// its own, nothing mounted over its configuration).
		img := getFold(ct, "image")
		ref, _ := scalar(img)
		if words, _ := containerWords(ct); len(words) == 0 && img != nil {
			if h, ok := shippedImageHop(Location{path, img.Line}, ref, "image: "+ref, nodeText(getFold(ct, "mountPoints")), "mounted over it"); ok {
				name, _ := scalar(getFold(ct, "name"))
				h.workload = name // an ECS service's load_balancer block names its container
				hops = append(hops, h)
			}
		}
	}
	return hops
}

// nodeText is the scalar values under n, one per line.
func nodeText(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	if n.Kind == yaml.ScalarNode {
		return n.Value + "\n"
	}
	var b strings.Builder
	for _, c := range n.Content {
		b.WriteString(nodeText(c))
	}
	return b.String()
}

// yamlWords returns the words of an argument list. A word that is not a
// plain value (a CloudFormation function, !Ref) is known only when the stack
// is deployed: it reads as a shell expansion, which the command-line reader
// treats as set at run time. A single string is split at spaces.
func yamlWords(n *yaml.Node) []string {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil
		}
		if strings.HasPrefix(n.Tag, "!") && n.Tag != "!!str" && n.Tag != "!!int" && n.Tag != "!Sub" {
			return []string{"${" + n.Tag + "}"}
		}
		return strings.Fields(n.Value)
	case yaml.SequenceNode:
		var words []string
		for _, c := range n.Content {
			if _, plain := scalar(c); plain || c.Kind == yaml.ScalarNode && c.Tag == "!Sub" {
				words = append(words, c.Value) // !Sub's ${Param} reads as set at run time
			} else {
				words = append(words, "${unresolved}")
			}
		}
		return words
	}
	return []string{"${unresolved}"}
}

// envLines collects a container's environment as NAME=value lines, the
// form the command-line reader finds GUNICORN_CMD_ARGS and the like in.
type envLines struct{ strings.Builder }

// add adds one variable; an empty value or a line break leaves it out.
func (b *envLines) add(name, value string) {
	if name != "" && value != "" && !strings.ContainsAny(name+value, "\n") {
		fmt.Fprintf(b, "%s=%s\n", name, value)
	}
}

// environmentLines returns a container's environment as NAME=value lines,
// in any of its forms: a map (compose), a list of {name, value} (ECS,
// Kubernetes) or of NAME=value items (compose).
func environmentLines(n *yaml.Node) string {
	var b envLines
	switch {
	case n == nil:
	case n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			b.add(n.Content[i].Value, resolveAlias(n.Content[i+1]).Value)
		}
	case n.Kind == yaml.SequenceNode:
		for _, it := range n.Content {
			it = resolveAlias(it)
			if it.Kind == yaml.MappingNode {
				name, _ := scalar(getFold(it, "name"))
				value, _ := scalar(getFold(it, "value"))
				b.add(name, value)
				continue
			}
			name, value, _ := strings.Cut(it.Value, "=")
			b.add(name, value)
		}
	}
	return b.String()
}

// getFold is get for one key, compared without regard to case.
func getFold(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if strings.EqualFold(n.Content[i].Value, key) {
			return n.Content[i+1]
		}
	}
	return nil
}

// templatePlaceholders makes a Terraform template parse as JSON or YAML: a
// placeholder outside quotes ("cpu": ${cpu}) becomes null; inside quotes it
// stays, and reads as a value known only at deployment.
func templatePlaceholders(src []byte) []byte {
	if !bytes.Contains(src, []byte("${")) {
		return src
	}
	out := make([]byte, 0, len(src))
	inString := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '"' && (i == 0 || src[i-1] != '\\'):
			inString = !inString
		case c == '\n':
			inString = false
		case !inString && c == '$' && i+1 < len(src) && src[i+1] == '{':
			if end := bytes.IndexByte(src[i:], '}'); end > 0 && !bytes.Contains(src[i:i+end], []byte("\n")) {
				out = append(out, "null"...)
				i += end
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

// terraformContainerCommands reads the command lines of the containers a
// Terraform file defines: ECS container definitions (jsonencode([...]) or a
// JSON heredoc in aws_ecs_task_definition, and the container maps that
// modules take), and the container blocks of the Kubernetes provider.
func terraformContainerCommands(f tfFile) []Hop {
	if f.body == nil {
		return nil
	}
	var hops []Hop
	var body func(b *hclsyntax.Body)
	var expr func(e hclsyntax.Expression)
	// container reads one container: the attributes (or object items) whose
	// names are containerKeys.
	container := func(items map[string]hclsyntax.Expression, env hclsyntax.Expression) {
		var lists [3][]string
		line, found := 0, false
		for key, e := range items {
			rank := containerKeyRank(key)
			if rank < 0 {
				continue
			}
			t, ok := e.(*hclsyntax.TupleConsExpr)
			if !ok {
				continue
			}
			found = true
			if l := e.Range().Start.Line; line == 0 || l < line {
				line = l
			}
			for _, w := range t.Exprs {
				lists[rank] = append(lists[rank], hclWord(f.src, w))
			}
		}
		if found {
			words := append(append(lists[0], lists[1]...), lists[2]...)
			these := containerCommandHops(f.path, words, hclEnvironment(env), line)
			if n, ok := items["name"]; ok {
				for i := range these {
					// An ECS service's load_balancer block names its container.
					these[i].workload = hclWord(f.src, n)
				}
			}
			hops = append(hops, these...)
			return
		}
		// An official Apache or Tomcat image run as it ships, as in
		// containerDefinitions.
		var ref, name, mounts string
		var at int
		for key, e := range items {
			switch strings.ToLower(key) {
			case "image":
				ref, at = hclWord(f.src, e), e.Range().Start.Line
			case "name":
				name = hclWord(f.src, e)
			case "mountpoints", "volume_mount":
				mounts = exprText(f.src, e.Range())
			}
		}
		if h, ok := shippedImageHop(Location{f.path, at}, ref, "image: "+ref, mounts, "mounted over it"); ok && name != "" {
			h.workload = name
			hops = append(hops, h)
		}
	}
	body = func(b *hclsyntax.Body) {
		items := map[string]hclsyntax.Expression{}
		for name, a := range b.Attributes {
			items[name] = a.Expr
			if t, ok := a.Expr.(*hclsyntax.TemplateExpr); ok && strings.EqualFold(name, "container_definitions") {
				hops = append(hops, heredocContainers(f, t)...)
				continue
			}
			expr(a.Expr)
		}
		var env hclsyntax.Expression
		if a, ok := b.Attributes["environment"]; ok {
			env = a.Expr
		}
		container(items, env)
		for _, blk := range b.Blocks {
			body(blk.Body)
		}
	}
	expr = func(e hclsyntax.Expression) {
		switch e := e.(type) {
		case *hclsyntax.FunctionCallExpr:
			for _, a := range e.Args {
				expr(a)
			}
		case *hclsyntax.TupleConsExpr:
			for _, x := range e.Exprs {
				expr(x)
			}
		case *hclsyntax.ObjectConsExpr:
			items := map[string]hclsyntax.Expression{}
			var env hclsyntax.Expression
			for _, it := range e.Items {
				key := hclKey(it.KeyExpr)
				items[key] = it.ValueExpr
				if strings.EqualFold(key, "environment") {
					env = it.ValueExpr
				}
				expr(it.ValueExpr)
			}
			container(items, env)
		case *hclsyntax.ParenthesesExpr:
			expr(e.Expression)
		}
	}
	body(f.body)
	return hops
}

// heredocContainers reads container definitions written as JSON in a
// Terraform string (a heredoc), with its placeholders.
func heredocContainers(f tfFile, t *hclsyntax.TemplateExpr) []Hop {
	r := t.Range()
	text := exprText(f.src, r)
	first := r.Start.Line
	if !strings.HasPrefix(text, "<<") {
		return nil // a quoted string: JSON with its quotes escaped, rare
	}
	// The heredoc's text starts on the line after its marker, and ends
	// before the closing marker's line.
	nl := strings.IndexByte(text, '\n')
	if nl < 0 {
		return nil
	}
	marker := strings.TrimSpace(strings.TrimLeft(text[2:nl], "-~"))
	text = text[nl+1:]
	body := strings.TrimRight(text, " \t\r\n")
	if last := strings.LastIndexByte(body, '\n'); last >= 0 && strings.TrimSpace(body[last+1:]) == marker {
		text = body[:last+1]
	}
	first++
	hops := ecsContainers(f.path, []byte(text))
	for i := range hops {
		hops[i].Location.Line += first - 1
	}
	return hops
}

// hclWord returns one word of an argument list: its text when it is a
// literal, else the expression as a shell expansion ("${var.keepalive}"),
// which the command-line reader takes as known only at run time.
func hclWord(src []byte, e hclsyntax.Expression) string {
	if t, ok := e.(*hclsyntax.TemplateExpr); ok && t.IsStringLiteral() {
		if v, diags := t.Value(nil); !diags.HasErrors() && v.IsKnown() {
			return v.AsString()
		}
	}
	if l, ok := e.(*hclsyntax.LiteralValueExpr); ok && l.Val.IsKnown() && !l.Val.IsNull() {
		return strings.Trim(exprText(src, l.Range()), `"`)
	}
	return "${" + strings.ReplaceAll(exprText(src, e.Range()), "\n", " ") + "}"
}

// hclEnvironment returns a container's environment as NAME=value lines:
// ECS's [{name = ..., value = ...}] or a map (Terraform modules, the
// Kubernetes provider's env blocks are not read).
func hclEnvironment(e hclsyntax.Expression) string {
	var b envLines
	literal := func(e hclsyntax.Expression) string {
		if v, diags := e.Value(nil); !diags.HasErrors() && v.IsKnown() && !v.IsNull() && v.Type().FriendlyName() == "string" {
			return v.AsString()
		}
		return ""
	}
	switch e := e.(type) {
	case *hclsyntax.TupleConsExpr:
		for _, x := range e.Exprs {
			o, ok := x.(*hclsyntax.ObjectConsExpr)
			if !ok {
				continue
			}
			var name, value string
			for _, it := range o.Items {
				switch strings.ToLower(hclKey(it.KeyExpr)) {
				case "name":
					name = literal(it.ValueExpr)
				case "value":
					value = literal(it.ValueExpr)
				}
			}
			b.add(name, value)
		}
	case *hclsyntax.ObjectConsExpr:
		for _, it := range e.Items {
			b.add(hclKey(it.KeyExpr), literal(it.ValueExpr))
		}
	}
	return b.String()
}

// hclKey returns an object item's key: a bare name or a literal string
// ("" for a key computed from an expression).
func hclKey(k hclsyntax.Expression) string {
	if ok, isKey := k.(*hclsyntax.ObjectConsKeyExpr); isKey {
		k = ok.Wrapped
	}
	if t, ok := k.(*hclsyntax.ScopeTraversalExpr); ok && len(t.Traversal) == 1 {
		return t.Traversal.RootName()
	}
	if v, diags := k.Value(nil); !diags.HasErrors() && v.IsKnown() && !v.IsNull() && v.Type().FriendlyName() == "string" {
		return v.AsString()
	}
	return ""
}

// composeCommands reads the command lines of a compose file's services
// (see containerHops; a command may be a list or a string folded over
// several lines, settings may come through merge keys). ok is false when no
// document has services.
func composeCommands(path string, docs []*yaml.Node) (hops []Hop, ok bool) {
	for _, d := range docs {
		services := resolveAlias(get(d, "services"))
		if services == nil || services.Kind != yaml.MappingNode {
			continue
		}
		ok = true
		for i := 1; i < len(services.Content); i += 2 {
			hops = append(hops, containerHops(path, services.Content[i])...)
		}
	}
	return hops, ok
}

// resolveAlias returns the node an alias (*name) stands for.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// mergedGet is getFold (one key, any case) through aliases and YAML merge
// keys (<<: *defaults), which compose files use to share settings.
func mergedGet(n *yaml.Node, key string) *yaml.Node {
	n = resolveAlias(n)
	if v := getFold(n, key); v != nil {
		return resolveAlias(v)
	}
	merge := resolveAlias(get(n, "<<"))
	if merge == nil {
		return nil
	}
	if merge.Kind == yaml.SequenceNode {
		for _, m := range merge.Content {
			if v := mergedGet(m, key); v != nil {
				return v
			}
		}
		return nil
	}
	return mergedGet(merge, key)
}
