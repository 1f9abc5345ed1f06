package check

import (
	"cmp"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"go.yaml.in/yaml/v3"
)

// Elastic Beanstalk runs an application behind two hops the repository
// configures only in part:
//
//   - the environment's load balancer, set by option settings in
//     .ebextensions/*.config, saved configurations, Terraform's
//     aws_elastic_beanstalk_environment or CloudFormation: an ALB's
//     aws:elbv2:loadbalancer IdleTimeout or a Classic Load Balancer's
//     aws:elb:policies ConnectionSettingIdleTimeout, 60 s unless set;
//   - the platform's nginx on each instance (the default proxy unless
//     aws:elasticbeanstalk:environment:proxy ProxyServer says otherwise).
//     Its nginx.conf sets keepalive_timeout 60 in its server block on the
//     non-Docker Amazon Linux 2 platforms (copies of it quoted in public
//     repositories and posts, 2020 to 2023; Amazon Linux 2023's are taken
//     to be the same): equal to the ALB's
//     default, so the two race, and shorter than any longer IdleTimeout.
//     The .platform/nginx/conf.d files are included in the http block,
//     which the server block's 60 overrides; only a whole
//     .platform/nginx/nginx.conf replaces it. The Docker platform's
//     nginx.conf sets none: nginx's 75 s.
//
// The platform's nginx opens a new connection to the application for each
// request (its proxy_pass names no upstream pool), so the application's own
// keep-alive does not race with it, unless the bundle's conf.d defines an
// upstream pool (keepalive N).

// ebSetting is one option setting and where it is set.
type ebSetting struct {
	value string
	loc   Location
}

// ebSettings are option settings by "namespace/optionname", lower case.
type ebSettings map[string]ebSetting

func (s ebSettings) get(ns, opt string) (ebSetting, bool) {
	v, ok := s[strings.ToLower(ns+"/"+opt)]
	return v, ok
}

func (s ebSettings) set(ns, opt, value string, loc Location) {
	s[strings.ToLower(strings.TrimSpace(ns)+"/"+strings.TrimSpace(opt))] = ebSetting{strings.TrimSpace(value), loc}
}

// ebNamespaceRe is an option namespace: aws:elbv2:loadbalancer, and the
// per-resource forms such as aws:elbv2:listener:443.
var ebNamespaceRe = regexp.MustCompile(`^aws:[a-z0-9:-]+$`)

// parseEBExtension reads the option_settings of a .ebextensions config file
// (YAML or JSON), in either of its forms: namespace -> {option: value}, or
// a list of {namespace, option_name, value}.
func parseEBExtension(file string, src []byte) (ebSettings, error) {
	s := ebSettings{}
	docs, err := yamlDocs(file, src)
	if len(docs) == 0 {
		return s, err
	}
	readOptionMap(s, file, get(docs[0], "option_settings"))
	if list := get(docs[0], "option_settings"); list != nil && list.Kind == yaml.SequenceNode {
		for _, item := range list.Content {
			ns, _ := scalar(get(item, "namespace"))
			opt, _ := scalar(get(item, "option_name"))
			v := get(item, "value")
			if ns == "" {
				ns = "aws:elasticbeanstalk:application:environment"
			}
			if val, ok := scalar(v); ok && opt != "" {
				s.set(ns, opt, val, Location{file, v.Line})
			}
		}
	}
	return s, err
}

// readOptionMap reads namespace -> {option: value} mappings (.ebextensions'
// option_settings, a saved configuration's OptionSettings).
func readOptionMap(s ebSettings, file string, m *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		ns, opts := m.Content[i].Value, m.Content[i+1]
		if !ebNamespaceRe.MatchString(ns) || opts.Kind != yaml.MappingNode {
			continue
		}
		for j := 0; j+1 < len(opts.Content); j += 2 {
			if val, ok := scalar(opts.Content[j+1]); ok {
				s.set(ns, opts.Content[j].Value, val, Location{file, opts.Content[j+1].Line})
			}
		}
	}
}

// parseEBSavedConfig reads a saved configuration
// (.elasticbeanstalk/saved_configs/*.cfg.yml): OptionSettings.
func parseEBSavedConfig(file string, src []byte) (ebSettings, error) {
	s := ebSettings{}
	docs, err := yamlDocs(file, src)
	if len(docs) > 0 {
		readOptionMap(s, file, get(docs[0], "OptionSettings"))
	}
	return s, err
}

// ebLBHop is the environment's load balancer, from its settings, if they
// say it has one. at locates it when no setting does; always says that
// the configuration is an environment's (Terraform, CloudFormation), not a
// fragment that may configure nothing about its load balancer.
func ebLBHop(name string, s ebSettings, at Location, always bool) (Hop, bool) {
	envType, _ := s.get("aws:elasticbeanstalk:environment", "EnvironmentType")
	if strings.EqualFold(envType.value, "SingleInstance") {
		if always {
			// An environment with no load balancer: its bundle's nginx
			// faces the clients (see linkBeanstalkEnvironments).
			return Hop{Role: LB, Kind: ebSingleInstance, Name: name, Location: at}, true
		}
		return Hop{}, false
	}
	lbType, typeSet := s.get("aws:elasticbeanstalk:environment", "LoadBalancerType")
	alb, albSet := s.get("aws:elbv2:loadbalancer", "IdleTimeout")
	clb, clbSet := s.get("aws:elb:policies", "ConnectionSettingIdleTimeout")
	shared, _ := s.get("aws:elasticbeanstalk:environment", "LoadBalancerIsShared")
	relevant := always || typeSet || albSet || clbSet || strings.EqualFold(envType.value, "LoadBalanced")
	for k := range s {
		if strings.HasPrefix(k, "aws:elbv2:") || strings.HasPrefix(k, "aws:elb:") {
			relevant = true
		}
	}
	if !relevant {
		return Hop{}, false
	}
	kind := strings.ToLower(lbType.value)
	switch {
	case kind == "network":
		return Hop{}, false // passes connections through: no pool to race
	case kind == "" && clbSet:
		kind = "classic"
	case kind == "":
		for k := range s {
			if strings.HasPrefix(k, "aws:elbv2:") {
				kind = "application" // only an ALB takes these options
			}
		}
	}
	hop := Hop{Role: LB, Kind: "elastic-beanstalk", Idle: 60 * time.Second, Known: true, Location: at}
	opt, set := alb, albSet
	switch kind {
	case "application":
		hop.Name = name + " (ALB)"
		hop.Setting = func(d time.Duration) string {
			return fmt.Sprintf("option_settings: aws:elbv2:loadbalancer: IdleTimeout: %d", int64(d/time.Second))
		}
	case "classic":
		hop.Name = name + " (Classic Load Balancer)"
		opt, set = clb, clbSet
		hop.Setting = func(d time.Duration) string {
			return fmt.Sprintf("option_settings: aws:elb:policies: ConnectionSettingIdleTimeout: %d", int64(d/time.Second))
		}
	default:
		hop.Name = name + " (load balancer type not set: ALB or Classic, 60 s by default either way)"
		hop.Setting = func(d time.Duration) string {
			return fmt.Sprintf("option_settings: aws:elbv2:loadbalancer: IdleTimeout: %d (an ALB)", int64(d/time.Second))
		}
	}
	if typeSet {
		hop.Location = lbType.loc
	}
	hop.Source = "the environment's default idle timeout (60 s)"
	if strings.EqualFold(shared.value, "true") {
		hop.Known, hop.Idle = false, 0
		hop.Source = "a shared load balancer: its idle timeout is set on it, outside the environment"
		return hop, true
	}
	if set {
		hop.Location = opt.loc
		n, err := strconv.Atoi(opt.value)
		if err != nil || n < 1 || n > 4000 {
			hop.Known, hop.Idle = false, 0
			hop.Source = fmt.Sprintf("idle timeout %q is not a number of seconds lbdoctor reads", opt.value)
			return hop, true
		}
		hop.Idle = time.Duration(n) * time.Second
		if kind == "classic" {
			hop.Source = fmt.Sprintf("aws:elb:policies ConnectionSettingIdleTimeout: %d", n)
		} else {
			hop.Source = fmt.Sprintf("aws:elbv2:loadbalancer IdleTimeout: %d", n)
		}
	}
	return hop, true
}

// ebSingleInstance is the Kind of a stand-in hop for an environment with no
// load balancer; it never reaches the evaluation.
const ebSingleInstance = "elastic-beanstalk-single-instance"

// ebBundle is an application's source bundle: a directory with
// .ebextensions, .platform or .elasticbeanstalk.
type ebBundle struct {
	dir      string   // relative to the root, "." for the root
	platform string   // its environment's solution stack or platform, when known
	configs  []string // .ebextensions/*.config and saved configurations, relative
	files    []string // any file of .ebextensions, .platform or .elasticbeanstalk, to locate hops
	settings ebSettings
}

// ebBundleOf returns the bundle directory of a file inside .ebextensions,
// .platform or .elasticbeanstalk ("" for other files).
func ebBundleOf(relp string) string {
	parts := strings.Split(relp, "/")
	for i, p := range parts[:len(parts)-1] {
		// Elastic Beanstalk's .platform holds nginx, httpd and hooks;
		// Platform.sh's (routes.yaml, services.yaml) is another thing.
		if p == ".platform" && (i+2 >= len(parts) || !slices.Contains([]string{"nginx", "httpd", "hooks", "confighooks"}, parts[i+1])) {
			continue
		}
		if p == ".ebextensions" || p == ".platform" || p == ".elasticbeanstalk" {
			if i == 0 {
				return "."
			}
			return strings.Join(parts[:i], "/")
		}
	}
	return ""
}

// isEBConfig reports whether a bundle's file holds option settings.
func isEBConfig(relp string) bool {
	return strings.Contains("/"+relp, "/.ebextensions/") && strings.HasSuffix(relp, ".config") ||
		strings.Contains("/"+relp, "/.elasticbeanstalk/saved_configs/") && strings.HasSuffix(relp, ".cfg.yml")
}

// ebKeepaliveRe finds a keepalive_timeout directive outside comments.
var ebKeepaliveRe = regexp.MustCompile(`(?m)^[ \t]*keepalive_timeout[ \t]+([^;\s]+)`)

// ebProxyHop is the platform's nginx of a bundle (or its Apache, whose
// timeout is not known), unless the bundle replaces its nginx.conf (read as
// any nginx.conf), chooses no proxy, or its platform is not known (see
// ebDockerPlatform).
func ebProxyHop(root string, b ebBundle) (Hop, bool) {
	in := func(p string) string { return path.Join(b.dir, p) }
	exists := func(p string) bool { return fileExists(filepath.Join(root, filepath.FromSlash(in(p)))) }
	proxy, set := b.settings.get("aws:elasticbeanstalk:environment:proxy", "ProxyServer")
	switch v := strings.ToLower(proxy.value); {
	case set && v == "apache":
		// The platform's Apache fronts the application; its keep-alive
		// settings were not found in public copies: unknown, so that the
		// application behind it is not compared with the load balancer.
		return Hop{Role: Proxy, Kind: "elastic-beanstalk-apache", Name: "Elastic Beanstalk Apache (the platform's httpd.conf)",
			Location: proxy.loc, Pattern: true,
			Source: "ProxyServer: apache; the platform's KeepAliveTimeout is not known to lbdoctor: measure it with lbdoctor probe"}, true
	case set && v != "nginx":
		return Hop{}, false // none: the application faces the load balancer
	}
	if exists(".platform/nginx/nginx.conf") {
		return Hop{}, false // read as any nginx.conf
	}
	docker, known := ebDockerPlatform(root, b)
	if !known {
		return Hop{}, false
	}
	hop := Hop{Role: Proxy, Kind: "elastic-beanstalk-nginx", Known: true, Pattern: true,
		Name: "Elastic Beanstalk nginx (the platform's nginx.conf)", Idle: 60 * time.Second,
		Source: "the platform's nginx.conf sets keepalive_timeout 60 in its server block (Amazon Linux 2; 2023 taken to be the same)",
		Setting: func(d time.Duration) string {
			return fmt.Sprintf("keepalive_timeout %ds; in the server block of .platform/nginx/nginx.conf (a copy of the platform's: .platform/nginx/conf.d cannot change the server block's 60)", int64(d/time.Second))
		}}
	if docker {
		hop.Idle, hop.Source = 75*time.Second, "the Docker platform's nginx.conf sets no keepalive_timeout: nginx's 75 s"
		hop.Setting = func(d time.Duration) string {
			return fmt.Sprintf("keepalive_timeout %ds; (in a .platform/nginx/conf.d/*.conf file)", int64(d/time.Second))
		}
	}
	files := append([]string(nil), b.files...)
	sort.Strings(files)
	// Located at the bundle's nginx configuration if it has some, else at
	// its option settings, else at any of its platform files.
	for _, f := range files {
		if strings.Contains("/"+f, "/.platform/nginx/") {
			hop.Location = Location{f, 1}
			break
		}
	}
	if hop.Location.File == "" && len(b.configs) > 0 {
		hop.Location = Location{b.configs[0], 1}
	} else if hop.Location.File == "" && len(files) > 0 {
		hop.Location = Location{files[0], 1}
	}
	// An upstream block with keepalive in the http block's includes makes a
	// pool to the application (if the bundle's locations proxy to it).
	for _, f := range files {
		if !strings.HasSuffix(f, ".conf") || !strings.Contains("/"+f, "/.platform/nginx/conf.d/") {
			continue
		}
		src, err := readCapped(filepath.Join(root, filepath.FromSlash(f)))
		if err != nil {
			continue
		}
		if m := ebUpstreamPoolRe.FindSubmatchIndex(src); m != nil {
			hop.UpstreamIdle, hop.UpstreamLoc = 60*time.Second, Location{f, lineAt(src, m[0])}
			hop.UpstreamSource = "upstream keepalive_timeout (nginx's 60 s)"
			if m[2] >= 0 {
				if d, ok := nginxDuration(string(src[m[2]:m[3]])); ok {
					hop.UpstreamIdle, hop.UpstreamSource = d, "upstream keepalive_timeout "+string(src[m[2]:m[3]])
				}
			}
			break
		}
	}
	// keepalive_timeout in .platform/nginx/conf.d: in the http block (or,
	// under conf.d/elasticbeanstalk, in the server block).
	for _, f := range files {
		inServer := strings.Contains("/"+f, "/.platform/nginx/conf.d/elasticbeanstalk/")
		if !strings.HasSuffix(f, ".conf") || !(strings.Contains("/"+f, "/.platform/nginx/conf.d/") || strings.Contains("/"+f, "/.ebextensions/nginx/conf.d/")) {
			continue
		}
		src, err := readCapped(filepath.Join(root, filepath.FromSlash(f)))
		if err != nil || strings.Contains(string(src), "server {") || strings.Contains(string(src), "server{") {
			continue // unreadable, or a server of its own
		}
		m := ebKeepaliveRe.FindSubmatchIndex(src)
		if m == nil {
			continue
		}
		v := string(src[m[2]:m[3]])
		hop.Location = Location{f, lineAt(src, m[0])}
		d, ok := nginxDuration(v)
		switch {
		case !ok:
			hop.Known, hop.Idle, hop.Source = false, 0, fmt.Sprintf("keepalive_timeout %s is not a duration lbdoctor reads", v)
		case docker:
			hop.Idle, hop.Source = d, "keepalive_timeout "+v
		case inServer:
			hop.Known, hop.Idle = false, 0
			hop.Source = fmt.Sprintf("keepalive_timeout %s is a second keepalive_timeout in the platform's server block, which nginx refuses (\"is duplicate\"): replace .platform/nginx/nginx.conf instead", v)
		default:
			hop.Source = fmt.Sprintf("keepalive_timeout %s here is in the http block: the platform's server block sets its own 60 s, which wins; replace .platform/nginx/nginx.conf to change it", v)
		}
		break
	}
	return hop, hop.Location.File != ""
}

// terraformBeanstalk reads an aws_elastic_beanstalk_environment resource's
// setting blocks (a Worker tier has no load balancer).
func terraformBeanstalk(file string, b *hclsyntax.Block, ctx *hcl.EvalContext) (Hop, bool) {
	if b.Type != "resource" || len(b.Labels) != 2 || b.Labels[0] != "aws_elastic_beanstalk_environment" {
		return Hop{}, false
	}
	if tier, ok := stringAttr(b.Body, "tier"); ok && strings.EqualFold(tier, "Worker") {
		return Hop{}, false
	}
	s := ebSettings{}
	str := func(body *hclsyntax.Body, name string) (string, bool) {
		a, ok := body.Attributes[name]
		if !ok {
			return "", false
		}
		v, d := a.Expr.Value(ctx)
		if d.HasErrors() || !v.IsWhollyKnown() || v.IsNull() {
			return "?", true // set, to something lbdoctor cannot evaluate
		}
		switch v.Type() {
		case cty.String:
			return v.AsString(), true
		case cty.Number:
			return v.AsBigFloat().Text('f', -1), true
		case cty.Bool:
			return strconv.FormatBool(v.True()), true
		}
		return "?", true
	}
	for _, blk := range b.Body.Blocks {
		if blk.Type != "setting" {
			continue
		}
		ns, ok1 := str(blk.Body, "namespace")
		name, ok2 := str(blk.Body, "name")
		value, ok3 := str(blk.Body, "value")
		if ok1 && ok2 && ok3 {
			s.set(ns, name, value, Location{file, blk.DefRange().Start.Line})
		}
	}
	at := Location{file, b.DefRange().Start.Line}
	hop, ok := ebLBHop(b.Labels[0]+"."+b.Labels[1], s, at, true)
	for _, attr := range []string{"solution_stack_name", "platform_arn"} {
		if v, set := str(b.Body, attr); set && v != "?" {
			hop.platform = v
		}
	}
	if ok && hop.Setting != nil {
		ns, opt := "aws:elbv2:loadbalancer", "IdleTimeout"
		if strings.Contains(hop.Name, "Classic") {
			ns, opt = "aws:elb:policies", "ConnectionSettingIdleTimeout"
		}
		hop.Setting = func(d time.Duration) string {
			return fmt.Sprintf(`setting { namespace = %q  name = %q  value = "%d" }`, ns, opt, int64(d/time.Second))
		}
	}
	return hop, ok
}

// addBeanstalk gives each source bundle its environment's load balancer
// (when its option settings configure one) and the platform's nginx, the
// load balancer linked to what the bundle holds.
func (r *Report) addBeanstalk(root string, bundles map[string]*ebBundle) {
	for _, dir := range sortedKeys(bundles) {
		b := bundles[dir]
		b.settings = ebSettings{}
		sort.SliceStable(b.configs, func(i, j int) bool {
			// .ebextensions first (in name order, as EB applies them), then
			// saved configurations, which win over them.
			return !strings.Contains(b.configs[i], ".elasticbeanstalk/") && strings.Contains(b.configs[j], ".elasticbeanstalk/")
		})
		for _, f := range b.configs {
			r.read(filepath.Join(root, filepath.FromSlash(f)), func(src []byte) error {
				var s ebSettings
				var err error
				if strings.HasSuffix(f, ".cfg.yml") {
					s, err = parseEBSavedConfig(f, src)
				} else {
					s, err = parseEBExtension(f, src)
				}
				for k, v := range s {
					b.settings[k] = v
				}
				return err
			})
		}
		label := "the repository root"
		if dir != "." {
			label = dir
		}
		at := Location{}
		if len(b.configs) > 0 {
			at = Location{b.configs[0], 1}
		}
		if env, ok := b.settings.get("aws:elasticbeanstalk:environment", "EnvironmentType"); ok && strings.EqualFold(env.value, "SingleInstance") {
			r.unfronted = append(r.unfronted, dir)
			continue
		}
		lb, ok := ebLBHop("Elastic Beanstalk environment of "+label, b.settings, at, false)
		if ok {
			r.Hops = append(r.Hops, lb)
			r.links = append(r.links, link{lb: lb.Name, dir: dir, where: lb.Location})
		} else if ebTerminatesTLS(root, *b) {
			// HTTPS on the instance, and nothing says there is a load
			// balancer: the single-instance setup Elastic Beanstalk documents.
			r.unfronted = append(r.unfronted, dir)
			continue
		}
		if proxy, ok := ebProxyHop(root, *b); ok {
			r.Hops = append(r.Hops, proxy)
		}
	}
}

// linkBeanstalkEnvironments links the environments that Terraform or
// CloudFormation define to the repository's one source bundle.
func (r *Report) linkBeanstalkEnvironments(bundles map[string]*ebBundle) {
	single := false
	hops := r.Hops[:0]
	for _, h := range r.Hops {
		if h.Kind == ebSingleInstance {
			single = true
			continue
		}
		hops = append(hops, h)
	}
	r.Hops = hops
	var envs []Hop
	for _, h := range r.Hops {
		if h.Role == LB && h.Kind == "elastic-beanstalk" && !strings.HasPrefix(h.Name, "Elastic Beanstalk environment of ") {
			envs = append(envs, h)
		}
	}
	if len(bundles) == 0 && (len(envs) > 0 || single) {
		// An environment with no bundle directory: the application at the
		// repository's root is what it deploys, behind the platform's nginx.
		at, ok := rootApplication(r.Dir)
		if !ok {
			return
		}
		b := &ebBundle{dir: ".", files: []string{at}, settings: ebSettings{}}
		for _, h := range envs {
			b.platform = cmp.Or(b.platform, h.platform)
		}
		bundles = map[string]*ebBundle{".": b}
		if !single {
			if proxy, ok := ebProxyHop(r.Dir, *b); ok {
				r.Hops = append(r.Hops, proxy)
			}
		}
		// The environments' links by name would reach the same backends.
		r.links = slices.DeleteFunc(r.links, func(l link) bool {
			return l.dir == "" && slices.ContainsFunc(envs, func(h Hop) bool { return h.Name == l.lb })
		})
	}
	if len(bundles) != 1 {
		return
	}
	for _, b := range bundles {
		if single {
			r.unfronted = append(r.unfronted, b.dir)
		}
		for _, h := range envs {
			r.links = append(r.links, link{lb: h.Name, dir: b.dir, where: h.Location})
		}
		// The environment's platform, when it names one, decides which
		// nginx the bundle runs behind.
		platform := ""
		for _, h := range envs {
			platform = cmp.Or(platform, h.platform)
		}
		if platform == "" || platform == b.platform {
			continue
		}
		b.platform = platform
		r.Hops = slices.DeleteFunc(r.Hops, func(h Hop) bool {
			return h.Kind == "elastic-beanstalk-nginx" && (b.dir == "." || inDir(b.dir, h.Location.File))
		})
		if proxy, ok := ebProxyHop(r.Dir, *b); ok && !single {
			r.Hops = append(r.Hops, proxy)
		}
	}
}

// rootApplication returns a file at the repository's root that marks an
// application Elastic Beanstalk can deploy (its build or start file).
func rootApplication(root string) (string, bool) {
	for _, n := range []string{"Procfile", "Dockerrun.aws.json", "Dockerfile", "package.json", "requirements.txt", "Pipfile",
		"pyproject.toml", "application.py", "pom.xml", "build.gradle", "build.gradle.kts", "Gemfile", "go.mod", "composer.json"} {
		if fileExists(filepath.Join(root, n)) {
			return n, true
		}
	}
	return "", false
}

// ebDockerPlatform says whether a bundle runs on the Docker platform, and
// whether that is known: the platform its EB CLI configuration names, else
// Dockerrun.aws.json (version 1: Docker; 2 is ECS, with no platform nginx),
// else a Procfile, a language's container options or the bundle's nginx
// locations proxying to 127.0.0.1 (not Docker), else a Docker Compose file
// (its own proxy, if any: not known), else a Dockerfile.
func ebDockerPlatform(root string, b ebBundle) (docker, known bool) {
	read := func(p string) ([]byte, bool) {
		src, err := readCapped(filepath.Join(root, filepath.FromSlash(path.Join(b.dir, p))))
		return src, err == nil
	}
	if b.platform == "" {
		if src, ok := read(".elasticbeanstalk/config.yml"); ok {
			if m := ebPlatformRe.FindSubmatch(src); m != nil {
				b.platform = string(m[1])
			}
		}
	}
	if p := strings.ToLower(b.platform); p != "" {
		// "running ECS" and "Multi-container Docker" run containers on ECS,
		// with no platform nginx.
		return strings.Contains(p, "docker"), !strings.Contains(p, "multi") && !strings.Contains(p, "ecs")
	}
	if src, ok := read("Dockerrun.aws.json"); ok {
		return true, !strings.Contains(string(src), `"AWSEBDockerrunVersion": 2`) && !strings.Contains(string(src), `"AWSEBDockerrunVersion":2`)
	}
	if _, ok := read("Procfile"); ok {
		return false, true
	}
	for k := range b.settings {
		if strings.HasPrefix(k, "aws:elasticbeanstalk:container:") {
			return false, true
		}
	}
	// The bundle's own nginx locations proxy to a process on the instance:
	// the Docker platform's go to its container instead.
	for _, f := range b.files {
		if strings.Contains("/"+f, "/.platform/nginx/") {
			if src, ok := read(strings.TrimPrefix(f, strings.TrimPrefix(b.dir+"/", "./"))); ok && ebLocalProxyRe.Match(src) {
				return false, true
			}
		}
	}
	for _, f := range []string{"docker-compose.yml", "docker-compose.yaml", "compose.yaml", "compose.yml"} {
		if _, ok := read(f); ok {
			return true, false
		}
	}
	_, ok := read("Dockerfile")
	return ok, true
}

// ebLocalProxyRe is a proxy_pass to a process on the instance itself.
var ebLocalProxyRe = regexp.MustCompile(`proxy_pass\s+https?://(?:127\.0\.0\.1|localhost)[:/;\s]`)

var ebPlatformRe = regexp.MustCompile(`(?m)^\s*default_platform:\s*(.+)$`)

// cfnEBSettings reads a CloudFormation Elastic Beanstalk resource's
// OptionSettings: [{Namespace, OptionName, Value}]. A value that is a
// parameter or a function is "?".
func cfnEBSettings(file string, props *yaml.Node) ebSettings {
	s := ebSettings{}
	opts := get(props, "OptionSettings")
	if opts == nil || opts.Kind != yaml.SequenceNode {
		return s
	}
	for _, o := range opts.Content {
		ns, _ := scalar(get(o, "Namespace"))
		opt, _ := scalar(get(o, "OptionName"))
		v := get(o, "Value")
		if ns == "" || opt == "" || v == nil {
			continue
		}
		val, ok := scalar(v)
		if !ok {
			val = "?"
		}
		s.set(ns, opt, val, Location{file, v.Line})
	}
	return s
}

// refsNodes returns the Properties of the resources (in a template's
// Resources) that a value refers to.
func refsNodes(res, n *yaml.Node) []*yaml.Node {
	var out []*yaml.Node
	for _, name := range cfnRefs(n) {
		if p := get(res, name, "Properties"); p != nil {
			out = append(out, p)
		}
	}
	return out
}

// ebUpstreamPoolRe is an upstream block that keeps connections (keepalive
// N), with its keepalive_timeout if it sets one.
var ebUpstreamPoolRe = regexp.MustCompile(`(?s)\bupstream\s+[\w.-]+\s*\{[^}]*?\bkeepalive\s+\d+\s*;(?:[^}]*?\bkeepalive_timeout\s+([^;\s]+)\s*;)?[^}]*\}`)

// ebListen443Re is an nginx server listening for TLS on 443.
var ebListen443Re = regexp.MustCompile(`(?m)^\s*listen\s+(?:\[::\]:)?443\b[^;]*\bssl\b`)

// ebTerminatesTLS reports whether a bundle's nginx configuration adds a
// server that terminates TLS on the instance (listen 443 ssl): how Elastic
// Beanstalk's documentation serves HTTPS from a single instance.
func ebTerminatesTLS(root string, b ebBundle) bool {
	for _, f := range b.files {
		if !strings.Contains("/"+f, "/.platform/nginx/conf.d/") {
			continue
		}
		if src, err := readCapped(filepath.Join(root, filepath.FromSlash(f))); err == nil && ebListen443Re.Match(src) {
			return true
		}
	}
	return false
}
