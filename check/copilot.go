package check

import (
	"cmp"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// AWS Copilot deploys each service of a workspace from a manifest,
// copilot/<service>/manifest.yml, whose type says what is in front of it:
//
//   - a Load Balanced Web Service is behind its environment's public ALB
//     (the stack's PublicLoadBalancer), unless `http: false` leaves it to
//     a Network Load Balancer (nlb), which passes connections through;
//   - a Backend Service is behind the environment's internal ALB when its
//     manifest routes a path to it (http.path), else behind nothing (other
//     services reach it by service discovery);
//   - Worker Services, Scheduled Jobs and Static Sites serve no HTTP; a
//     Request-Driven Web Service runs on App Runner, whose front is not
//     modelled: behind no load balancer lbdoctor compares with.
//
// Copilot sets no idle timeout on its ALBs (its environment template,
// aws/copilot-cli 4c858e7, sets only access_logs.s3.enabled), so they keep
// ALB's 60 s unless an environment override sets
// idle_timeout.timeout_seconds (a YAML patch in
// copilot/environments/overrides/cfn.patches.yml, or a CDK override). The
// manifest's image.build names the service's Dockerfile and build context:
// the load balancer is in front of the servers configured there. Its
// command, if any, replaces the image's, with the manifest's variables.

// copilotManifestRe matches a service manifest's path; group 1 is the
// workspace (the directory that holds copilot/, "" at the root).
var copilotManifestRe = regexp.MustCompile(`^(?:(.*)/)?copilot/[^/]+/manifest\.ya?ml$`)

// copilotIdleRe finds idle_timeout.timeout_seconds and its value in an
// environment override (a YAML patch's Key/Value pair, or CDK code).
var copilotIdleRe = regexp.MustCompile(`(?s)idle_timeout\.timeout_seconds["']?\s*[,}]?\s*["']?(?:Value|value)["']?\s*[:=]\s*["']?(\d+)`)

// copilotWorkspace returns the workspace of a file under copilot/ and
// whether it is an environment's file (copilot/environments/...).
func copilotWorkspace(relp string) (ws string, env, ok bool) {
	i := strings.LastIndex("/"+relp, "/copilot/")
	if i < 0 {
		return "", false, false
	}
	ws = strings.TrimSuffix(relp[:i], "/")
	return ws, strings.HasPrefix(relp[i:], "copilot/environments/"), true
}

// copilotOverride is an idle timeout an environment override sets.
type copilotOverride struct {
	workspace string
	idle      time.Duration
	loc       Location
}

// copilotEnvIdle reads the idle timeout an environment file sets, if any.
func copilotEnvIdle(relp string, src []byte) (copilotOverride, bool) {
	ws, env, ok := copilotWorkspace(relp)
	if !ok || !env {
		return copilotOverride{}, false
	}
	m := copilotIdleRe.FindSubmatchIndex(src)
	if m == nil {
		return copilotOverride{}, false
	}
	n, err := strconv.Atoi(string(src[m[2]:m[3]]))
	if err != nil || n < 1 || n > 4000 {
		return copilotOverride{}, false
	}
	return copilotOverride{ws, time.Duration(n) * time.Second, Location{relp, strings.Count(string(src[:m[0]]), "\n") + 1}}, true
}

// copilotService is what a service manifest says.
type copilotService struct {
	hops []Hop // its load balancer, if any, and its command's servers
	// links put the load balancer in front of what the service's image is
	// built from: the Dockerfile and what it copies from the context.
	links     []link
	unfronted string // else the directory it serves from with no load balancer ("" if none known)
	note      string // says so
	// env is, when the manifest sets variables and its image's Dockerfile
	// runs the command, those variables for the Dockerfile's command
	// lines (see applyCopilotVariables).
	env copilotEnv
	// dockerfile is the Dockerfile the image is built from, "-" when it
	// is not built from the repository: the manifest's variables are that
	// image's containers' only.
	dockerfile string
}

// copilotEnv is a Copilot service's variables (NAME=value lines) for the
// command lines of the Dockerfile its image is built from.
type copilotEnv struct {
	dockerfile, lines string
	at                Location
	// variants are the lines of each environment that adds variables of
	// its own (environments.<name>.variables), by name.
	variants map[string]string
}

// copilotVariants returns, for each environment of a manifest that sets
// variables of its own, the service's variables there: the environment's
// first, as the first of a name is what the command-line reader takes.
func copilotVariants(doc *yaml.Node, base string) map[string]string {
	envs := get(doc, "environments")
	if envs == nil || envs.Kind != yaml.MappingNode {
		return nil
	}
	out := map[string]string{}
	for i := 0; i+1 < len(envs.Content); i += 2 {
		if lines := environmentLines(get(envs.Content[i+1], "variables")); lines != "" {
			out[envs.Content[i].Value] = lines + base
		}
	}
	return out
}

// settleVariants leaves unknown the hops of base whose idle timeout one of
// the environments' variants gives otherwise: the service then runs with
// a different value in that environment, which one is not known here.
// parse reads the command lines with one set of variables.
func settleVariants(base []Hop, variants map[string]string, parse func(lines string) []Hop) []Hop {
	for _, name := range slices.Sorted(maps.Keys(variants)) {
		other := parse(variants[name])
		for i := range base {
			if i < len(other) && other[i].Idle == base[i].Idle && other[i].Known == base[i].Known {
				continue
			}
			if base[i].Known {
				base[i].Known, base[i].Idle = false, 0
				base[i].Source = fmt.Sprintf("the %q environment's variables give it another value (%s): which one runs is not known here", name, base[i].Source)
			}
		}
	}
	return base
}

// parseCopilotManifest reads a Copilot service manifest; readFile reads a
// file of the repository (a path relative to its root), the Dockerfile
// the manifest names.
func parseCopilotManifest(relp string, src []byte, readFile func(string) ([]byte, error)) (copilotService, error) {
	var out copilotService
	m := copilotManifestRe.FindStringSubmatch(relp)
	if m == nil {
		return out, nil
	}
	ws := m[1]
	docs, err := yamlDocs(relp, src)
	if len(docs) == 0 {
		return out, err
	}
	doc := docs[0]
	typ, _ := scalar(get(doc, "type"))
	name, _ := scalar(get(doc, "name"))
	if name == "" {
		name = path.Base(path.Dir(relp))
	}
	of := "" // the workspace, when not the root: names are a workspace's
	if ws != "" {
		of = " of " + ws
	}
	dir, dockerfile := copilotBuild(ws, get(doc, "image"))
	out.dockerfile = cmp.Or(dockerfile, "-")
	http := get(doc, "http")
	httpOff := false
	if http != nil && http.Kind == yaml.ScalarNode && (http.Value == "false" || http.Value == "no") {
		httpOff = true // a YAML boolean, which scalar leaves out
	}
	// The manifest's command replaces the image's, with its variables.
	var words []string
	line := 0
	for _, key := range []string{"entrypoint", "command"} {
		n := get(doc, key)
		if n == nil {
			continue
		}
		if line == 0 {
			line = n.Line
		}
		if v, ok := scalar(n); ok {
			words = append(words, strings.Fields(v)...)
		} else {
			words = append(words, yamlWords(n)...)
		}
	}
	var lb *Hop
	switch strings.ToLower(strings.TrimSpace(typ)) {
	case "load balanced web service":
		if !httpOff {
			lb = &Hop{Name: fmt.Sprintf("Copilot service %s%s (environment's public ALB)", name, of)}
		}
	case "backend service":
		if p, _ := scalar(get(http, "path")); p != "" && !httpOff {
			lb = &Hop{Name: fmt.Sprintf("Copilot service %s%s (environment's internal ALB)", name, of)}
		}
	case "worker service", "scheduled job", "static site":
		return out, nil // no HTTP server to put behind anything
	case "request-driven web service":
	default:
		return out, nil // not a service manifest (a pipeline's, an environment's)
	}
	typeLine := 1
	if n := get(doc, "type"); n != nil {
		typeLine = n.Line
	}
	if lb != nil {
		lb.Role, lb.Kind, lb.Idle, lb.Known = LB, "aws-copilot", 60*time.Second, true
		lb.Source = "Copilot sets no idle timeout on its environments' ALBs: ALB's default (60 s)"
		lb.Location = Location{relp, typeLine}
		lb.Setting = func(d time.Duration) string {
			return fmt.Sprintf("an environment override (copilot env override): add {Key: idle_timeout.timeout_seconds, Value: %d} to the load balancer's LoadBalancerAttributes", int64(d/time.Second))
		}
		out.hops = append(out.hops, *lb)
		target, _ := scalar(get(http, "target_container"))
		if target == "" {
			target, _ = scalar(get(http, "targetContainer")) // the older spelling
		}
		if target != "" && target != name {
			// The ALB sends the requests to a sidecar (a proxy), which
			// is what it is in front of; the service's own servers are
			// behind that, which is not modelled.
			sdir, sdf := copilotBuild(ws, get(doc, "sidecars", target, "image"))
			for _, d := range imageSources(sdir, sdf, readFile) {
				out.links = append(out.links, link{lb: lb.Name, dir: d, where: lb.Location, image: true})
			}
			out.unfronted = dir
			out.note = fmt.Sprintf("%s: Copilot service %q: its ALB sends requests to the sidecar %q, so its own servers are not compared with the ALB", relp, name, target)
			return out, nil
		}
		// The manifest's own command runs there too.
		out.links = append(out.links, link{lb: lb.Name, dir: relp, where: lb.Location, image: true})
		for _, d := range imageSources(dir, dockerfile, readFile) {
			if d == dockerfile && len(words) > 0 {
				continue // its CMD is not what runs
			}
			out.links = append(out.links, link{lb: lb.Name, dir: d, where: lb.Location, image: true})
		}
	} else {
		out.unfronted = dir
		out.note = fmt.Sprintf("%s: Copilot %s %q has no Application Load Balancer in front", relp, typ, name)
		if dir != "" {
			out.note += fmt.Sprintf(" (%s): its servers are not compared with one", dir)
		}
	}
	vars := environmentLines(get(doc, "variables"))
	variants := copilotVariants(doc, vars)
	if len(words) > 0 {
		parse := func(lines string) []Hop { return containerCommandHops(relp, words, lines, line) }
		out.hops = append(out.hops, settleVariants(parse(vars), variants, parse)...)
	} else if (vars != "" || len(variants) > 0) && dockerfile != "" {
		at := Location{relp, typeLine}
		if n := get(doc, "variables"); n != nil {
			at.Line = n.Line
		} else if n := get(doc, "environments"); n != nil {
			at.Line = n.Line
		}
		out.env = copilotEnv{dockerfile, vars, at, variants}
	}
	return out, nil
}

// copilotBuild returns the build context (a directory relative to the
// checked root, "." for the root) and the Dockerfile that a manifest's
// image section names, or "" when the image is not built from the
// repository.
func copilotBuild(ws string, image *yaml.Node) (dir, dockerfile string) {
	build := get(image, "build")
	if build == nil {
		return "", ""
	}
	if v, ok := scalar(build); ok {
		dockerfile = v // the Dockerfile's path; its directory is the context
		dir = path.Dir(v)
	} else {
		ctx, _ := scalar(get(build, "context"))
		df, _ := scalar(get(build, "dockerfile"))
		switch {
		case ctx != "" && df != "":
			dir, dockerfile = ctx, df
		case ctx != "":
			dir, dockerfile = ctx, path.Join(ctx, "Dockerfile")
		case df != "":
			dir, dockerfile = path.Dir(df), df
		default:
			return "", ""
		}
	}
	inside := func(p string) string {
		p = path.Clean(path.Join(ws, p))
		if p == ".." || strings.HasPrefix(p, "../") || path.IsAbs(p) {
			return ""
		}
		return p
	}
	return inside(dir), inside(dockerfile)
}

// imageSources returns what a service's image is built from: its
// Dockerfile and the paths of the context that the Dockerfile copies (COPY
// and ADD, not from another stage), or the whole context when the
// Dockerfile cannot be read. In a repository of several services built
// from one context (the root, each with its own Dockerfile), each load
// balancer is so in front of its own service's servers only.
func imageSources(dir, dockerfile string, readFile func(string) ([]byte, error)) []string {
	if dir == "" {
		return nil
	}
	if dockerfile == "" {
		return []string{dir}
	}
	src, err := readFile(dockerfile)
	if err != nil {
		return []string{dir}
	}
	out := []string{dockerfile}
	for _, line := range strings.Split(string(src), "\n") {
		f := strings.Fields(strings.NewReplacer("[", " ", "]", " ", `"`, " ", ",", " ").Replace(line))
		if len(f) < 3 || !strings.EqualFold(f[0], "COPY") && !strings.EqualFold(f[0], "ADD") || strings.Contains(line, "<<") {
			continue
		}
		args := f[1:]
		fromStage := false
		for len(args) > 0 && strings.HasPrefix(args[0], "--") {
			fromStage = fromStage || strings.HasPrefix(args[0], "--from")
			args = args[1:]
		}
		if fromStage || len(args) < 2 {
			continue
		}
		for _, a := range args[:len(args)-1] { // the last is the destination
			if strings.Contains(a, "://") || path.IsAbs(a) || strings.ContainsAny(a, "$") {
				continue
			}
			p := path.Clean(path.Join(dir, strings.TrimRight(strings.SplitN(a, "*", 2)[0], "/")))
			if p == ".." || strings.HasPrefix(p, "../") {
				continue
			}
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// applyCopilotOverrides sets the idle timeout of each workspace's Copilot
// load balancers from its environment overrides: the longest one, when
// several environments set one (a backend must outlast each).
func applyCopilotOverrides(hops []Hop, overrides []copilotOverride) {
	for i := range hops {
		h := &hops[i]
		if h.Kind != "aws-copilot" {
			continue
		}
		m := copilotManifestRe.FindStringSubmatch(h.Location.File)
		if m == nil {
			continue
		}
		var best *copilotOverride
		for j := range overrides {
			if o := &overrides[j]; o.workspace == m[1] && (best == nil || o.idle > best.idle) {
				best = o
			}
		}
		if best != nil {
			h.Idle = best.idle
			h.Source = fmt.Sprintf("idle_timeout.timeout_seconds %d in an environment override (%s)", int64(best.idle/time.Second), best.loc)
		}
	}
}

// applyCopilotVariables reads the command lines of each Dockerfile that a
// Copilot service runs again, with the service's variables, which its
// containers get at run time over the image's ENV (GUNICORN_CMD_ARGS,
// UVICORN_TIMEOUT_KEEP_ALIVE ...): the hops the Dockerfile's command lines
// gave are replaced. A Dockerfile two services run with different
// variables is read with neither's: its values are then the image's.
func applyCopilotVariables(hops []Hop, envs []copilotEnv, readFile func(string) ([]byte, error)) []Hop {
	byFile := map[string][]copilotEnv{}
	for _, e := range envs {
		byFile[e.dockerfile] = append(byFile[e.dockerfile], e)
	}
	for _, file := range slices.Sorted(maps.Keys(byFile)) { // hops in the same order every run
		es := byFile[file]
		if slices.ContainsFunc(es, func(e copilotEnv) bool { return e.lines != es[0].lines || !maps.Equal(e.variants, es[0].variants) }) {
			continue
		}
		src, err := readFile(file)
		if err != nil {
			continue
		}
		// The variables first, so that they win over the file's own ENV;
		// the lines they take are taken off the hops' lines again.
		parse := func(lines string) []Hop {
			k := strings.Count(lines, "\n")
			var hs []Hop
			for _, h := range parseCommandLines(file, append([]byte(lines), src...)) {
				if h.Location.Line > k {
					h.Location.Line -= k
					hs = append(hs, h)
				}
			}
			return hs
		}
		again := parse(es[0].lines)
		for i := range again {
			again[i].Source += fmt.Sprintf(" (with the variables of %s)", es[0].at)
		}
		again = settleVariants(again, es[0].variants, parse)
		hops = slices.DeleteFunc(hops, func(h Hop) bool {
			return h.Location.File == file && h.Role == App && !h.tiangolo && h.Kind != "apache"
		})
		hops = append(hops, again...)
	}
	return hops
}
