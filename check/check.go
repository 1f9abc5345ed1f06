package check

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Options configure Run.
type Options struct {
	// LBIdle is assumed for the load balancer when the repository has none.
	LBIdle time.Duration
	// Margin is the least a backend's timeout should exceed the front's.
	Margin time.Duration
}

// Report is what Run found.
type Report struct {
	Dir       string
	Hops      []Hop
	Findings  []Finding
	Errors    []*ParseError
	AssumedLB bool
	Files     int
}

// skipDirs are never read.
var skipDirs = map[string]bool{".git": true, "node_modules": true, "vendor": true, ".terraform": true, "target": true, "build": true, "dist": true}

// Run reads the configuration under dir and checks every chain of hops.
func Run(ctx context.Context, dir string, o Options) (*Report, error) {
	if o.LBIdle <= 0 {
		o.LBIdle = 60 * time.Second
	}
	if o.Margin <= 0 {
		o.Margin = 5 * time.Second
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	r := &Report{Dir: dir}
	var nginxRoots, nginxOthers, springFiles, nodeFiles, apacheRoots, pumaFiles []string
	nodeProjects := map[string]nodeProject{} // by directory of package.json or .nvmrc
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			r.Errors = append(r.Errors, &ParseError{Location{rel(dir, path), 0}, err})
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if d.IsDir() {
			if path != dir && skipDirs[d.Name()] {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		r.Files++
		name := d.Name()
		slash := filepath.ToSlash(path)
		switch {
		case strings.HasSuffix(name, ".tf"):
			r.read(path, func(src []byte) error {
				hops, fs, err := parseTerraform(rel(dir, path), src)
				r.Hops, r.Findings = append(r.Hops, hops...), append(r.Findings, fs...)
				return err
			})
		case name == "nginx.conf":
			nginxRoots = append(nginxRoots, path)
		case strings.HasSuffix(name, ".conf") && (strings.Contains(slash, "nginx") || strings.Contains(slash, "/conf.d/") || strings.Contains(slash, "/sites-")):
			nginxOthers = append(nginxOthers, path)
		case name == "server.xml":
			r.read(path, func(src []byte) error {
				hops, err := parseServerXML(rel(dir, path), src)
				r.Hops = append(r.Hops, hops...)
				return err
			})
		case name == "application.properties" || strings.HasPrefix(name, "application-") && strings.HasSuffix(name, ".properties"),
			strings.HasPrefix(name, "application") && (strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, ".yaml")):
			springFiles = append(springFiles, path)
		case name != "package.json" && (strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".template")):
			r.read(path, func(src []byte) error {
				switch {
				case bytes.Contains(src, []byte("AWS::ElasticLoadBalancing")):
					hops, fs, err := parseCloudFormation(rel(dir, path), src)
					r.Hops, r.Findings = append(r.Hops, hops...), append(r.Findings, fs...)
					return err
				case bytes.Contains(src, []byte("apiVersion")) && bytes.Contains(src, []byte("kind")):
					hops, err := parseKubernetes(rel(dir, path), src)
					r.Hops = append(r.Hops, hops...)
					return err
				case strings.Contains(name, "compose"):
					r.Hops = append(r.Hops, parseCommandLines(rel(dir, path), src)...)
				}
				return nil
			})
		case strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go"):
			r.read(path, func(src []byte) error {
				if !bytes.Contains(src, []byte("net/http")) {
					return nil
				}
				hops, err := parseGo(rel(dir, path), src)
				r.Hops = append(r.Hops, hops...)
				return err
			})
		case name == "package.json":
			r.read(path, func(src []byte) error {
				p, err := readPackageJSON(src)
				if err != nil {
					return &ParseError{Location{path, 0}, fmt.Errorf("JSON: %v", err)}
				}
				if old, ok := nodeProjects[filepath.Dir(path)]; ok && old.hasVersion && !p.hasVersion {
					p.version, p.versionSrc, p.hasVersion = old.version, old.versionSrc, true
				}
				nodeProjects[filepath.Dir(path)] = p
				r.Hops = append(r.Hops, parseNextScripts(rel(dir, path), src)...)
				return nil
			})
		case name == ".nvmrc":
			r.read(path, func(src []byte) error {
				if v, ok := parseVersion(string(src)); ok {
					p := nodeProjects[filepath.Dir(path)]
					if !p.hasVersion {
						p.version, p.versionSrc, p.hasVersion = v, ".nvmrc "+strings.TrimSpace(string(src)), true
					}
					nodeProjects[filepath.Dir(path)] = p
				}
				return nil
			})
		case (strings.HasSuffix(name, ".js") || strings.HasSuffix(name, ".ts") || strings.HasSuffix(name, ".mjs") || strings.HasSuffix(name, ".cjs")) &&
			!strings.HasSuffix(name, ".d.ts") && !strings.Contains(name, ".test.") && !strings.Contains(name, ".spec.") && !strings.HasSuffix(name, ".min.js"):
			nodeFiles = append(nodeFiles, path)
		case name == "gunicorn.conf.py" || name == "gunicorn_conf.py" || name == "gunicorn.conf":
			r.read(path, func(src []byte) error {
				r.Hops = append(r.Hops, parseGunicornConf(rel(dir, path), src)...)
				return nil
			})
		case strings.HasPrefix(name, "Dockerfile") || name == "Procfile" || strings.HasSuffix(name, ".sh"):
			r.read(path, func(src []byte) error {
				r.Hops = append(r.Hops, parseCommandLines(rel(dir, path), src)...)
				return nil
			})
		case strings.HasSuffix(name, ".py"):
			r.read(path, func(src []byte) error {
				r.Hops = append(r.Hops, parseUvicornRun(rel(dir, path), src)...)
				return nil
			})
		case name == "puma.rb":
			pumaFiles = append(pumaFiles, path)
		case name == "haproxy.cfg" || strings.HasSuffix(name, ".cfg") && strings.Contains(slash, "haproxy"):
			r.read(path, func(src []byte) error {
				r.Hops = append(r.Hops, parseHAProxy(rel(dir, path), src)...)
				return nil
			})
		case name == "httpd.conf" || name == "apache2.conf":
			apacheRoots = append(apacheRoots, path)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i, p := range append(nginxRoots, nginxOthers...) {
		if seen[p] {
			continue
		}
		if i >= len(nginxRoots) { // a guess by path: nginx syntax has blocks in braces, Apache's does not
			if src, err := os.ReadFile(p); err != nil || !bytes.ContainsRune(src, '{') {
				continue
			}
		}
		root, err := parseNginxConf(p, seen, 0)
		if err != nil {
			r.addErr(dir, err)
			continue
		}
		hops := nginxHops(root)
		for i := range hops {
			hops[i].Location.File = rel(dir, hops[i].Location.File)
			if hops[i].UpstreamLoc.File != "" {
				hops[i].UpstreamLoc.File = rel(dir, hops[i].UpstreamLoc.File)
			}
		}
		r.Hops = append(r.Hops, hops...)
	}
	for _, p := range apacheRoots {
		hop, err := parseApache(p, dir)
		if err != nil {
			r.addErr(dir, err)
			continue
		}
		hop.Location.File = rel(dir, hop.Location.File)
		r.Hops = append(r.Hops, hop)
	}
	for _, p := range nodeFiles {
		r.read(p, func(src []byte) error {
			hops, fs := parseNodeSource(rel(dir, p), src, nearestNodeProject(nodeProjects, dir, filepath.Dir(p)))
			r.Hops, r.Findings = append(r.Hops, hops...), append(r.Findings, fs...)
			return nil
		})
	}
	for _, p := range pumaFiles {
		r.read(p, func(src []byte) error {
			lock, _ := os.ReadFile(filepath.Join(filepath.Dir(filepath.Dir(p)), "Gemfile.lock"))
			if lock == nil {
				lock, _ = os.ReadFile(filepath.Join(dir, "Gemfile.lock"))
			}
			r.Hops = append(r.Hops, parsePuma(rel(dir, p), src, lock))
			return nil
		})
	}
	for _, p := range springFiles {
		r.read(p, func(src []byte) error {
			v, vs, ok, where := findSpringVersion(dir, filepath.Dir(p))
			if ok {
				vs = fmt.Sprintf("from %s: %s", where, vs)
			}
			var sets []springProps
			var err error
			base := filepath.Base(p)
			if strings.HasSuffix(base, ".properties") {
				sets = []springProps{parseProperties(rel(dir, p), src)}
			} else if sets, err = parseSpringYAML(rel(dir, p), src); err != nil && len(sets) == 0 {
				return err
			}
			fileProfile := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(base, "application"), ".properties"), ".yml"), ".yaml")
			for _, sp := range sets {
				if sp.profile == "" {
					sp.profile = strings.TrimPrefix(fileProfile, "-")
				}
				hop, fs := springHop(sp, v, ok, vs)
				if ok {
					hop.Name = fmt.Sprintf("Spring Boot %s (embedded Tomcat)", v)
				}
				if sp.profile != "" {
					hop.Name += ", profile " + sp.profile
				}
				// A YAML document or profile file that sets nothing only repeats the default.
				if len(sets) > 1 && hop.Location.Line == 1 && len(fs) == 0 && sp.profile != "" {
					continue
				}
				r.Hops = append(r.Hops, hop)
				r.Findings = append(r.Findings, fs...)
			}
			return err
		})
	}
	r.evaluate(o)
	for i := range r.Findings {
		if r.Findings[i].Confidence == "" {
			r.Findings[i].Confidence = "high"
		}
	}
	sort.SliceStable(r.Findings, func(i, j int) bool {
		a, b := r.Findings[i], r.Findings[j]
		if a.Location.File != b.Location.File {
			return a.Location.File < b.Location.File
		}
		return a.Location.Line < b.Location.Line
	})
	return r, nil
}

func (r *Report) read(path string, parse func([]byte) error) {
	src, err := os.ReadFile(path)
	if err != nil {
		r.addErr(r.Dir, &ParseError{Location{path, 0}, err})
		return
	}
	if err := parse(src); err != nil {
		r.addErr(r.Dir, err)
	}
}

func (r *Report) addErr(dir string, err error) {
	pe, ok := err.(*ParseError)
	if !ok {
		pe = &ParseError{Err: err}
	}
	pe.Location.File = rel(dir, pe.Location.File)
	r.Errors = append(r.Errors, pe)
}

// nearestNodeProject returns what the closest package.json / .nvmrc at or
// above dir says.
func nearestNodeProject(projects map[string]nodeProject, root, dir string) nodeProject {
	for {
		if p, ok := projects[dir]; ok {
			return p
		}
		if filepath.Clean(dir) == filepath.Clean(root) || filepath.Dir(dir) == dir {
			return nodeProject{}
		}
		dir = filepath.Dir(dir)
	}
}

// findSpringVersion looks for pom.xml or build.gradle(.kts) from dir up to root.
func findSpringVersion(root, dir string) (version, string, bool, string) {
	for {
		for _, n := range []string{"pom.xml", "build.gradle", "build.gradle.kts"} {
			if src, err := os.ReadFile(filepath.Join(dir, n)); err == nil {
				if v, s, ok := springBootVersion(n, src); ok {
					return v, s, true, rel(root, filepath.Join(dir, n))
				}
			}
		}
		if filepath.Clean(dir) == filepath.Clean(root) || filepath.Dir(dir) == dir {
			return version{}, "", false, ""
		}
		dir = filepath.Dir(dir)
	}
}

func rel(root, path string) string {
	if r, err := filepath.Rel(root, path); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return path
}

// evaluate pairs every backend with the hops in front of it: load balancers
// (or the assumed one) in front of proxies, or of applications when there is
// no proxy; a proxy's upstream pool in front of applications.
func (r *Report) evaluate(o Options) {
	var lbs, proxies, apps []Hop
	for _, h := range r.Hops {
		switch h.Role {
		case LB:
			lbs = append(lbs, h)
		case Proxy:
			proxies = append(proxies, h)
		default:
			apps = append(apps, h)
		}
	}
	if len(lbs) == 0 && len(proxies)+len(apps) > 0 {
		r.AssumedLB = true
		lbs = []Hop{{Role: LB, Kind: "assumed", Name: fmt.Sprintf("load balancer (assumed: ALB default %s, --lb-idle)", secs(o.LBIdle)),
			Idle: o.LBIdle, Known: true, Source: "no load balancer configuration found"}}
	}
	fronts := lbs
	backs := apps
	if len(proxies) > 0 {
		for _, lb := range lbs {
			for _, p := range proxies {
				r.compare(lb, p, o)
			}
		}
		fronts = nil
		for _, p := range proxies {
			if p.UpstreamIdle > 0 {
				up := Hop{Role: Proxy, Kind: "nginx-upstream", Name: "nginx upstream keepalive pool",
					Idle: p.UpstreamIdle, Known: true, Source: "upstream keepalive_timeout", Location: p.UpstreamLoc,
					Setting: func(d time.Duration) string {
						return fmt.Sprintf("keepalive_timeout %ds; (in the upstream block)", int64(d/time.Second))
					}}
				if p.Kind == "ingress-nginx" {
					up.Name, up.Source = "ingress-nginx upstream keepalive pool", "upstream-keepalive-timeout"
					up.Setting = func(d time.Duration) string {
						return fmt.Sprintf(`upstream-keepalive-timeout: "%d"`, int64(d/time.Second))
					}
				}
				fronts = append(fronts, up)
				break
			}
		}
	}
	for _, f := range fronts {
		for _, b := range backs {
			r.compare(f, b, o)
		}
	}
}

func (r *Report) compare(front, back Hop, o Options) {
	if !front.Known || !back.Known {
		return
	}
	chain := fmt.Sprintf("%s %s (%s) -> %s %s (%s)", front.Name, secs(front.Idle), front.Source, back.Name, secs(back.Idle), back.Source)
	switch {
	case back.Idle == NoKeepalive:
		r.Findings = append(r.Findings, Finding{Rule: RuleNoKeepalive, Location: back.Location, Chain: chain, Confidence: confidenceOf(front, back),
			Message: back.Name + " closes connections after each response"})
		return
	case back.Idle == Infinite:
		return
	}
	var rule Rule
	switch {
	case back.Idle < front.Idle:
		rule = RuleShorter
	case back.Idle == front.Idle:
		rule = RuleEqual
	case back.Idle-front.Idle < o.Margin:
		rule = RuleThinMargin
	default:
		return
	}
	want := front.Idle + o.Margin
	fix := back.Setting(want)
	if front.Setting != nil && back.Idle-o.Margin >= time.Second {
		fix += fmt.Sprintf("  (or lower %s: %s)", front.Name, front.Setting(back.Idle-o.Margin))
	}
	r.Findings = append(r.Findings, Finding{Rule: rule, Location: back.Location, Chain: chain, Fix: fix, Confidence: confidenceOf(front, back),
		Message: fmt.Sprintf("%s keeps idle connections %s, %s of %s in front of it (%s)", back.Name, secs(back.Idle), relation(back.Idle, front.Idle), front.Name, secs(front.Idle))})
}

func confidenceOf(hops ...Hop) string {
	for _, h := range hops {
		if h.Pattern {
			return "medium"
		}
	}
	return "high"
}

func relation(back, front time.Duration) string {
	switch {
	case back < front:
		return "less than the idle timeout"
	case back == front:
		return "exactly the idle timeout"
	}
	return fmt.Sprintf("only %s more than the idle timeout", secs(back-front))
}

func secs(d time.Duration) string {
	switch d {
	case Infinite:
		return "no limit"
	case NoKeepalive:
		return "no keep-alive"
	}
	if d%time.Second == 0 {
		return fmt.Sprintf("%ds", int64(d/time.Second))
	}
	return d.String()
}
