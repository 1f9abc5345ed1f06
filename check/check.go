package check

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"
)

// Options configure Run.
type Options struct {
	// LBIdle is assumed for the load balancer when the repository has none.
	LBIdle time.Duration
	// Margin is the least a backend's timeout should exceed the front's.
	Margin time.Duration
	// NoIgnore reads files that .gitignore files exclude.
	NoIgnore bool
	// Helm is the helm program that renders Helm charts: "" for helm on
	// PATH, HelmOff to leave charts unrendered (each gets a note).
	Helm string
	// HelmValues are values files (local paths) and HelmSet key=value
	// pairs given to every chart rendered, as helm template's -f and --set.
	HelmValues, HelmSet []string
}

// Report is what Run found.
type Report struct {
	Dir       string
	Hops      []Hop
	Findings  []Finding
	Errors    []*ParseError
	AssumedLB bool
	Files     int
	// Skipped counts the directories and files not read, by reason (the
	// Skip* constants).
	Skipped map[string]int
	// Notes are things the user should know once, e.g. a Helm chart whose
	// templates were not rendered.
	Notes []string
	// AssumedLinks counts backends judged against an assumed load balancer.
	AssumedLinks int
	// links route load balancers to the services the repository names.
	links []link
	// cdkAssets are the image directories of CDK files that define no load
	// balancer, by their CDK app's directory (see linkCDKApps).
	cdkAssets map[string][]string
	// cdkLBs are the load balancers CDK files define, by their app's
	// directory.
	cdkLBs map[string][]Hop
	// last is the file read last: several readers look at the same file in
	// turn during the walk, and it is read from disk once.
	last struct {
		path string
		src  []byte
		err  error
	}
	// clients are HTTP client pools in source code; refs are base URLs in
	// configuration (see checkClientPools).
	clients []clientPool
	refs    []serviceRef
	kube    []kubeObject
	// springOverrides are Spring server properties set outside the
	// property files (see applySpringOverrides).
	springOverrides []springOverride
	// traefikTransports are where Traefik's dynamic configuration defines
	// named serversTransports (see the Traefik pool in evaluate).
	traefikTransports []Location
	// unfronted are directories deployed with no load balancer in front
	// (an Elastic Beanstalk single-instance environment's bundle).
	unfronted []string
	// heroku are the Heroku manifests (app.json, heroku.yml) by directory:
	// Heroku's router is in front of that directory's web process.
	heroku map[string]Location
	// herokuUsed are the routers evaluate put in front of web processes,
	// listed with the hops afterwards.
	herokuUsed []Hop
	seenPairs  map[string]bool
	// keepAliveSet are files that set KEEP_ALIVE, tiangoloConfs the files
	// named gunicorn_conf.py (see settleTiangoloHops).
	keepAliveSet []Location
	// springCode are embedded Tomcat settings made in applications' code
	// (see applySpringCode).
	springCode []springCode
	// serverEnvs are gunicorn's and uvicorn's keep-alive environment
	// variables set in the repository's files (see applyServerEnv).
	serverEnvs    []serverEnv
	tiangoloConfs []string
	// copilotOverrides are the idle timeouts Copilot environment
	// overrides set (see applyCopilotOverrides).
	copilotOverrides []copilotOverride
	copilotEnvs      []copilotEnv
	// copilotImages are the Dockerfiles Copilot service manifests build
	// their images from, by manifest ("-": not from the repository).
	copilotImages map[string]string
	// userDataFiles are the script files instances run as user data.
	userDataFiles []string
}

// checkoutOf returns the directory a file named on its own is checked
// from: its repository's checkout (the nearest directory above it with
// .git), so that what it refers to above its own directory (a build file,
// other modules) is found and paths read as in the repository; else its
// own directory.
func checkoutOf(file string) string {
	abs, err := filepath.Abs(file)
	if err != nil {
		return filepath.Dir(file)
	}
	in := func(d string) string { // d in the form file was given in
		if r, err := filepath.Rel(filepath.Dir(abs), d); err == nil {
			return filepath.Join(filepath.Dir(file), r)
		}
		return d
	}
	project := "" // the nearest directory with a project's build file, failing .git
	for d := filepath.Dir(abs); ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil { // a directory, or a worktree's file
			return in(d)
		}
		if project == "" && slices.ContainsFunc(projectMarkers, func(n string) bool { return fileExists(filepath.Join(d, n)) }) {
			project = d
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	if project != "" {
		return in(project)
	}
	return filepath.Dir(file)
}

// projectMarkers are the build files that make a directory a project's.
var projectMarkers = []string{"pom.xml", "build.gradle", "build.gradle.kts", "package.json", "go.mod", "Cargo.toml", "Gemfile", "pyproject.toml", "requirements.txt", "mix.exs"}

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
	// A file is checked on its own (with the other .tf files of its module,
	// whose variables it uses), from its directory: what it names there,
	// such as a build file, is still found.
	var only map[string]bool
	onlyDirs := map[string]bool{} // the directories on the way to them
	if !st.IsDir() {
		if !st.Mode().IsRegular() {
			return nil, fmt.Errorf("%s is neither a directory nor a regular file", dir)
		}
		file := filepath.Clean(dir)
		only = map[string]bool{file: true}
		if filepath.Ext(file) == ".tf" {
			for _, pat := range []string{"*.tf", "*.tfvars"} {
				mod, _ := filepath.Glob(filepath.Join(filepath.Dir(file), pat))
				for _, m := range mod {
					only[filepath.Clean(m)] = true
				}
			}
		}
		dir = checkoutOf(file)
		for f := range only {
			for d := filepath.Dir(f); !onlyDirs[d]; d = filepath.Dir(d) {
				onlyDirs[d] = true
				if d == filepath.Clean(dir) || filepath.Dir(d) == d {
					break
				}
			}
		}
	}
	r := &Report{Dir: dir, Skipped: map[string]int{}, seenPairs: map[string]bool{}, copilotImages: map[string]string{}}
	ign := &gitignore{}
	if !o.NoIgnore {
		ign.load(dir, "")
	}
	charts := map[string]int{} // Helm chart directory -> its template files
	tfDirs := map[string][]tfFile{}
	var nginxRoots, nginxOthers, springFiles, nodeFiles, apacheRoots, pumaFiles []string
	nginxTemplates := map[string]bool{}
	nodeProjects := map[string]nodeProject{} // by directory of package.json or .nvmrc
	dropwizardApps := map[string]int{}       // source file -> line of its Dropwizard Application class
	dropwizardConfigs := map[string][]byte{} // YAML with Dropwizard's server section
	var jvmProjects []jvmProject             // Play, Akka HTTP, Pekko HTTP
	var hoconFiles []string                  // .conf files in conf/ or src/main/resources/
	var akkaServers []string                 // sources that start an Akka or Pekko HTTP server
	var jvmOverrides []jvmOverride           // -Dplay.server.http.idleTimeout=... and the like
	var propertyProjects []jvmProject        // Quarkus, Micronaut
	ebBundles := map[string]*ebBundle{}      // Elastic Beanstalk source bundles, by directory
	ktorBuilds := map[string]int{}           // build files that start Ktor's CIO EngineMain
	cargoFiles := map[string][]byte{}        // Cargo.toml files (Rocket applications)
	var rocketSettings []rocketCode          // keep_alive set in Rocket code
	var rocketLaunches []string              // Rust sources that start a Rocket server
	var hyperSites []hyperSite               // Rust servers on hyper (axum::serve, hyper builders)
	var springMains []Location               // @SpringBootApplication classes
	var uvicornRuns []Hop                    // uvicorn.run() at the default, unless a command line starts the project
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			r.Errors = append(r.Errors, &ParseError{Location{rel(dir, path), 0}, err})
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		relp := rel(dir, path)
		if d.IsDir() {
			if path == dir {
				return nil
			}
			if only != nil { // only the way to the files named, whatever it is
				if !onlyDirs[filepath.Clean(path)] {
					return fs.SkipDir
				}
				return nil
			}
			if why := skipDir(dir, relp, d.Name()); why != "" {
				r.Skipped[why]++
				return fs.SkipDir
			}
			if !o.NoIgnore && ign.ignored(relp, true) {
				r.Skipped[SkipIgnored]++
				return fs.SkipDir
			}
			if !o.NoIgnore {
				ign.load(path, relp)
			}
			return nil
		}
		if !d.Type().IsRegular() || only != nil && !only[filepath.Clean(path)] {
			return nil
		}
		name := d.Name()
		var size int64
		if info, err := d.Info(); err == nil {
			size = info.Size()
		}
		if why := skipFile(name, size); why != "" {
			r.Skipped[why]++
			return nil
		}
		if testSource(relp, name) && only == nil { // a file named is read, whatever its name
			r.Skipped[SkipTests]++
			return nil
		}
		if !o.NoIgnore && only == nil && ign.ignored(relp, false) {
			r.Skipped[SkipIgnored]++
			return nil
		}
		if chart := helmChartOf(dir, relp); chart != "" {
			r.Skipped[SkipTemplate]++
			charts[chart]++
			return nil
		}
		r.Files++
		slash := filepath.ToSlash(path)
		r.scanClientsAndRefs(dir, path, relp, name)
		if b := ebBundleOf(relp); b != "" {
			if ebBundles[b] == nil {
				ebBundles[b] = &ebBundle{dir: b}
			}
			ebBundles[b].files = append(ebBundles[b].files, relp)
			if isEBConfig(relp) {
				ebBundles[b].configs = append(ebBundles[b].configs, relp)
			}
		}
		if jvmPropertyFile(name) {
			if src, err := r.source(path); err == nil {
				jvmOverrides = append(jvmOverrides, findJVMOverrides(relp, src)...)
			}
		}
		if strings.HasSuffix(name, ".conf") && (strings.Contains("/"+relp, "/conf/") || strings.Contains(relp, "src/main/resources/")) {
			hoconFiles = append(hoconFiles, relp)
		}
		switch {
		case isCaddyfile(name):
			r.read(path, func(src []byte) error {
				r.Hops = append(r.Hops, parseCaddyfile(rel(dir, path), src)...)
				return nil
			})
		case isTraefikFile(name):
			r.read(path, func(src []byte) error {
				r.Hops = append(r.Hops, parseTraefikFile(rel(dir, path), src)...)
				return nil
			})
		case strings.HasSuffix(name, ".tf") || strings.HasSuffix(name, ".tfvars"):
			r.read(path, func(src []byte) error {
				tfDirs[filepath.Dir(path)] = append(tfDirs[filepath.Dir(path)], newTFFile(relp, src))
				return nil
			})
		case name == "app.json" || name == "heroku.yml":
			r.read(path, func(src []byte) error {
				if herokuManifest(name, src) {
					if r.heroku == nil {
						r.heroku = map[string]Location{}
					}
					r.heroku[herokuDir(relp)] = Location{relp, 1}
				}
				if name == "heroku.yml" {
					r.Hops = append(r.Hops, parseCommandLines(relp, src)...)
				}
				return nil
			})
		case name == "nginx.conf":
			nginxRoots = append(nginxRoots, path)
		case strings.HasSuffix(name, ".conf") && (strings.Contains(slash, "nginx") || strings.Contains(slash, "/conf.d/") || strings.Contains(slash, "/sites-")):
			nginxOthers = append(nginxOthers, path)
		case nginxTemplate(name):
			// default.conf.template for the official image's envsubst step,
			// or a .tpl an entrypoint renders: nginx with $VARIABLES, read
			// when its text is nginx's (looksLikeNginx).
			nginxTemplates[path] = true
			if strings.HasPrefix(name, "nginx.conf.") {
				nginxRoots = append(nginxRoots, path)
			} else {
				nginxOthers = append(nginxOthers, path)
			}
		case strings.HasSuffix(name, ".xml") && (strings.HasPrefix(name, "standalone") || name == "domain.xml"):
			r.read(path, func(src []byte) error {
				if !isWildFlyConfig(name, src) {
					return nil
				}
				hops, err := parseWildFly(rel(dir, path), src)
				r.Hops = append(r.Hops, hops...)
				return err
			})
		case strings.HasSuffix(name, ".cli"):
			r.read(path, func(src []byte) error {
				r.Hops = append(r.Hops, parseWildFlyCLI(rel(dir, path), src)...)
				return nil
			})
		case name == "server.xml":
			r.read(path, func(src []byte) error {
				parse := parseServerXML
				if isLibertyServerXML(src) {
					parse = parseLibertyServerXML
				}
				hops, err := parse(rel(dir, path), src)
				r.Hops = append(r.Hops, hops...)
				return err
			})
		case name == "application.properties" || strings.HasPrefix(name, "application-") && strings.HasSuffix(name, ".properties"),
			strings.HasPrefix(name, "application") && (strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, ".yaml")):
			if springResourceFile(relp) {
				springFiles = append(springFiles, path)
			}
		case name != "package.json" && (strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".template")):
			r.read(path, func(src []byte) error {
				if looksLikeDropwizardConfig(src) {
					dropwizardConfigs[relp] = src
				}
				return r.readYAMLConfig(relp, name, src)
			})
		case strings.HasSuffix(name, ".tpl") || strings.HasSuffix(name, ".tftpl"):
			// A template that Terraform renders into container definitions.
			r.read(path, func(src []byte) error {
				r.Hops = append(r.Hops, ecsContainerDocument(relp, src)...)
				return nil
			})
		case strings.HasSuffix(name, ".rs"):
			r.read(path, func(src []byte) error {
				src = codeWithoutComments(name, src)
				r.Hops = append(r.Hops, parseActix(relp, src)...)
				rocketSettings = append(rocketSettings, findRocketCode(relp, src)...)
				if isRocketLaunch(src) {
					rocketLaunches = append(rocketLaunches, relp)
				}
				hyperSites = append(hyperSites, findHyperSites(relp, src)...)
				return nil
			})
		case name == "Cargo.toml":
			r.read(path, func(src []byte) error {
				cargoFiles[relp] = src
				return nil
			})
		case strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go"):
			r.read(path, func(src []byte) error {
				if !isGoServerSource(src) {
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
				r.Hops = append(r.Hops, parseNextApp(dir, relp, src)...)
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
		case isGunicornConfig(name):
			r.read(path, func(src []byte) error {
				if looksLikeGunicornConfig(name, src) {
					r.Hops = append(r.Hops, parseGunicornConf(rel(dir, path), src)...)
				}
				return nil
			})
		case isDockerfileName(name) || name == "Procfile" || strings.HasSuffix(name, ".sh") || strings.HasSuffix(name, ".service"):
			r.read(path, func(src []byte) error {
				commands := src
				if isDockerfileName(name) {
					commands = joinEntrypoint(src) // ENTRYPOINT ["uvicorn"] with its CMD's arguments
				}
				r.Hops = append(r.Hops, parseCommandLines(rel(dir, path), commands)...)
				if isDockerfileName(name) {
					r.Hops = append(r.Hops, dockerfileImageHops(rel(dir, path), src)...)
					r.Hops = append(r.Hops, tiangoloImageHop(rel(dir, path), src)...)
				}
				return nil
			})
		case !strings.Contains(name, ".") && size < 64<<10:
			// A shell script without an extension (a container's start or
			// entrypoint script) runs the server as often as a Dockerfile does;
			// a Node script without one (express-generator's bin/www) creates
			// the application's server.
			r.read(path, func(src []byte) error {
				if shellScript(src) {
					r.Hops = append(r.Hops, parseCommandLines(rel(dir, path), src)...)
				}
				if nodeScript(src) {
					nodeFiles = append(nodeFiles, path)
				}
				return nil
			})
		case isHypercornConfig(name):
			r.read(path, func(src []byte) error {
				r.Hops = append(r.Hops, parseHypercornConfig(rel(dir, path), src)...)
				return nil
			})
		case strings.HasSuffix(name, ".py"):
			r.read(path, func(src []byte) error {
				src = codeWithoutComments(name, src)
				if a := lambdaAdapter(src, true); a != "" {
					if hops, _ := parseUvicornRun(relp, src); len(hops) > 0 || len(parsePythonServers(relp, src)) > 0 {
						r.Notes = append(r.Notes, lambdaNote(relp, a))
					}
					return nil
				}
				if hops, isDefault := parseUvicornRun(rel(dir, path), src); isDefault {
					uvicornRuns = append(uvicornRuns, hops...)
				} else {
					r.Hops = append(r.Hops, hops...)
				}
				r.Hops = append(r.Hops, parsePythonServers(rel(dir, path), src)...)
				r.Hops = append(r.Hops, parseSanic(dir, relp, src)...)
				return nil
			})
		case strings.HasSuffix(name, ".ini"):
			r.read(path, func(src []byte) error {
				if bytes.Contains(src, []byte("egg:waitress")) {
					r.Hops = append(r.Hops, parsePasteIni(rel(dir, path), src)...)
				}
				if bytes.Contains(src, []byte("[uwsgi]")) {
					r.Hops = append(r.Hops, parseUwsgiIni(rel(dir, path), src)...)
				}
				return nil
			})
		case strings.HasSuffix(name, ".csproj"):
			r.read(path, func(src []byte) error {
				if bytes.Contains(src, []byte("Microsoft.NET.Sdk.Web")) {
					r.Hops = append(r.Hops, parseKestrel(dir, filepath.Dir(path), path))
				}
				return nil
			})
		case name == "puma.rb" || isPumaEnvConfig(slash):
			pumaFiles = append(pumaFiles, path)
		case name == "build.sbt" || name == "plugins.sbt" || name == "pom.xml" || name == "build.gradle" || name == "build.gradle.kts":
			r.read(path, func(src []byte) error {
				if line := isKtorCIOEngineMain(src); line > 0 {
					ktorBuilds[relp] = line
				}
				if srv, line, ok := jvmServerOfBuild(src); ok {
					d := filepath.ToSlash(filepath.Dir(relp))
					if name == "plugins.sbt" && filepath.Base(d) == "project" {
						d = filepath.ToSlash(filepath.Dir(d)) // project/plugins.sbt: the build's own directory
					}
					jvmProjects = addJVMProject(jvmProjects, jvmProject{srv, d, Location{relp, line}})
				}
				if srv, line, ok := propertyServerOfBuild(src); ok && name != "build.sbt" && name != "plugins.sbt" {
					propertyProjects = addJVMProject(propertyProjects, jvmProject{srv, filepath.ToSlash(filepath.Dir(relp)), Location{relp, line}})
				}
				return nil
			})
		case strings.HasSuffix(name, ".java") || strings.HasSuffix(name, ".kt") || strings.HasSuffix(name, ".scala"):
			r.read(path, func(src []byte) error {
				src = codeWithoutComments(name, src)
				if line := dropwizardApp(src); line > 0 {
					dropwizardApps[relp] = line
				}
				if isAkkaServerSource(src) {
					akkaServers = append(akkaServers, relp)
				}
				if strings.HasSuffix(name, ".kt") {
					r.Hops = append(r.Hops, parseKtorCIO(relp, src)...)
				}
				if !strings.HasSuffix(name, ".scala") {
					r.Hops = append(r.Hops, parseJetty(relp, src)...)
				}
				if line := springBootMain(relp, src); line > 0 {
					springMains = append(springMains, Location{relp, line})
				}
				return nil
			})
		case name == "mix.exs":
			r.read(path, func(src []byte) error {
				r.Hops = append(r.Hops, parseMixProject(dir, relp, src)...)
				return nil
			})
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
		if nginxTemplates[p] || i >= len(nginxRoots) {
			// A guess by path: nginx syntax has blocks in braces, Apache's
			// does not; a template must read as nginx (looksLikeNginx).
			src, err := os.ReadFile(p)
			looks := bytes.ContainsRune(src, '{')
			if nginxTemplates[p] {
				looks = looksLikeNginx(src)
			}
			if err != nil || !looks {
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
	// A keepAliveTimeout assigned in a file that starts no server (a helper
	// that configures the server it is given) may be the project's servers'.
	nodeKeepElsewhere := map[string]Location{} // project directory -> where
	type nodeHop struct {
		index   int    // in r.Hops
		projDir string // its project's directory
	}
	var nodeHops []nodeHop
	for _, p := range nodeFiles {
		r.read(p, func(src []byte) error {
			if looksMinified(src) {
				r.Skipped[SkipMinified]++
				r.Files--
				return nil
			}
			src = codeWithoutComments(".js", src)
			projDir := nodeProjectDir(nodeProjects, dir, filepath.Dir(p))
			proj := nodeProjects[projDir]
			if bun := parseBunServe(rel(dir, p), src, proj.bun, bunEntry(proj, projDir, p)); bun != nil {
				r.Hops = append(r.Hops, bun...) // Bun's own server, not Node's http
				return nil
			}
			// Wrapped for Lambda: in the file, or by a dependency of a
			// project that no Dockerfile, compose file or Procfile runs.
			a := lambdaAdapter(src, false)
			if a == "" && proj.lambdaAdapter != "" && !deployedAsServer(projDir) {
				a = proj.lambdaAdapter
			}
			if a != "" && nodeServerRe.Match(src) {
				r.Notes = append(r.Notes, lambdaNote(rel(dir, p), a))
				return nil
			}
			if devServerFile(proj, rel(dir, p)) && nodeServerRe.Match(src) {
				r.Notes = append(r.Notes, fmt.Sprintf("%s: a development server (its project has HTTP modules only as devDependencies): not judged", rel(dir, p)))
				return nil
			}
			// Deployed to Vercel, which runs it as functions, by a project
			// that nothing runs as a server.
			if conf, ok := vercelHost(dir, projDir, rel(dir, p)); ok && !deployedAsServer(projDir) && nodeServerRe.Match(src) {
				r.Notes = append(r.Notes, vercelNote(rel(dir, p), conf))
				return nil
			}
			hops, fs := parseNodeSource(rel(dir, p), src, proj)
			if at := nodeKeepAssign(src); len(hops) == 0 && at >= 0 {
				if _, seen := nodeKeepElsewhere[projDir]; !seen {
					nodeKeepElsewhere[projDir] = Location{rel(dir, p), lineAt(src, at)}
				}
			}
			for _, h := range hops {
				nodeHops = append(nodeHops, nodeHop{len(r.Hops), projDir})
				r.Hops = append(r.Hops, h)
			}
			r.Findings = append(r.Findings, fs...)
			return nil
		})
	}
	for _, nh := range nodeHops {
		h := &r.Hops[nh.index]
		if !h.Known || h.Kind != "node" || !strings.HasPrefix(h.Source, "Node's default") {
			continue
		}
		if where, ok := nodeKeepElsewhere[nh.projDir]; ok {
			h.Known, h.Source = false, fmt.Sprintf("no keepAliveTimeout here, but %s sets one, which may be this server's", where)
		}
	}
	for _, p := range pumaFiles {
		r.read(p, func(src []byte) error {
			app := filepath.Dir(filepath.Dir(p)) // config/puma.rb
			if isPumaEnvConfig(filepath.ToSlash(p)) {
				app = filepath.Dir(app) // config/puma/production.rb
			}
			lock, _ := os.ReadFile(filepath.Join(app, "Gemfile.lock"))
			if lock == nil {
				lock, _ = os.ReadFile(filepath.Join(dir, "Gemfile.lock"))
			}
			appDir := rel(dir, app)
			env := func(name string) (string, bool) {
				_, _, v, ok := containerEnv(dir, appDir, name)
				return v, ok
			}
			r.Hops = append(r.Hops, parsePuma(rel(dir, p), src, lock, env))
			return nil
		})
	}
	for _, p := range springFiles {
		r.read(p, func(src []byte) error {
			var sets []springProps
			var err error
			base := filepath.Base(p)
			if strings.HasSuffix(base, ".properties") {
				sets = []springProps{parseProperties(rel(dir, p), src)}
			} else if sets, err = parseSpringYAML(rel(dir, p), src); err != nil && len(sets) == 0 {
				return err
			}
			fileProfile := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(base, "application"), ".properties"), ".yml"), ".yaml")
			if quarkusOrMicronaut(dir, filepath.Dir(p)) {
				return nil // read by propertyServerHops, even with a Spring compatibility layer
			}
			v, vs, ok, where := findSpringVersion(dir, filepath.Dir(p))
			if ok {
				vs = fmt.Sprintf("from %s: %s", where, vs)
			}
			server, build, haveBuild := springServer(dir, filepath.Dir(p))
			if haveBuild && server == "" && !buildNamesSpring(dir, filepath.Dir(p)) {
				// An application.yml of Ktor, Micronaut or Quarkus: their
				// builds name no Spring at all.
				return nil
			}
			for _, sp := range sets {
				if sp.profile == "" {
					sp.profile = strings.TrimPrefix(fileProfile, "-")
				}
				hop, fs := springAppHop(sp, server, build, haveBuild, v, ok, vs)
				hop.spring = newSpringProfile(sp)
				if sp.profile != "" {
					hop.Name += ", profile " + sp.profile
				}
				// A profile that sets nothing only repeats the default.
				if !hop.spring.sets && len(fs) == 0 && sp.profile != "" {
					continue
				}
				r.Hops = append(r.Hops, hop)
				r.Findings = append(r.Findings, fs...)
			}
			return err
		})
	}
	r.Hops = append(r.Hops, dropwizardHops(dir, dropwizardApps, dropwizardConfigs)...)
	r.Hops = append(r.Hops, ktorEngineMainHops(dir, ktorBuilds)...)
	for _, c := range sortedKeys(cargoFiles) {
		r.Hops = append(r.Hops, rocketHop(dir, c, cargoFiles[c], rocketSettings, rocketLaunches)...)
	}
	r.Hops = append(r.Hops, hyperHops(dir, hyperSites)...)
	r.Hops = append(r.Hops, jvmServerHops(dir, jvmProjects, hoconFiles, akkaServers, jvmOverrides)...)
	r.addBeanstalk(dir, ebBundles)
	var propertyFiles []string
	for _, p := range springFiles {
		propertyFiles = append(propertyFiles, rel(dir, p))
	}
	r.Hops = append(r.Hops, propertyServerHops(dir, propertyProjects, propertyFiles, jvmOverrides)...)
	r.Hops = append(r.Hops, springDefaultHops(dir, springMains, propertyFiles, func(rel string) bool { return ign.ignored(rel, false) })...)
	var tfKeys []string
	for d := range tfDirs {
		tfKeys = append(tfKeys, d)
	}
	sort.Strings(tfKeys)
	// Inputs that module blocks pass to local modules, merged over callers:
	// a value the callers disagree on is unknown.
	inputs := map[string]map[string]cty.Value{}
	for _, d := range tfKeys {
		for target, in := range moduleInputs(rel(dir, d), tfDirs[d]) {
			cur, seen := inputs[target]
			if !seen {
				inputs[target] = in
				continue
			}
			for k, v := range in {
				if old, ok := cur[k]; !ok || old == cty.DynamicVal || v == cty.DynamicVal || !old.RawEquals(v) {
					cur[k] = cty.DynamicVal
				}
			}
		}
	}
	tfByDir, tfLBs := map[string][]tfFile{}, map[string][]Hop{} // by directory relative to the root
	for _, d := range tfKeys {
		hops, fs, links, scripts, errs := parseTerraformDirWith(tfDirs[d], inputs[rel(dir, d)], r.readRel)
		tfByDir[rel(dir, d)] = tfDirs[d]
		for _, h := range hops {
			if h.Role == LB {
				tfLBs[rel(dir, d)] = append(tfLBs[rel(dir, d)], h)
			}
		}
		r.userDataFiles = append(r.userDataFiles, scripts...)
		r.Hops, r.Findings, r.links = append(r.Hops, hops...), append(r.Findings, fs...), append(r.links, links...)
		for _, f := range tfDirs[d] {
			r.Hops = append(r.Hops, terraformContainerCommands(f)...)
		}
		for _, e := range errs {
			r.Errors = append(r.Errors, e)
		}
	}
	r.links = append(r.links, moduleLinks(tfByDir, tfLBs, func(p string) bool { return fileExists(filepath.Join(dir, filepath.FromSlash(p))) })...)
	// A script an instance runs as its user data is read as such (its
	// command lines were read as any script's too).
	r.Hops = slices.DeleteFunc(r.Hops, func(h Hop) bool {
		return h.Role != LB && h.userData == nil && slices.Contains(r.userDataFiles, h.Location.File)
	})
	r.renderHelmCharts(ctx, dir, charts, o)
	r.Hops = applyCopilotVariables(r.Hops, r.copilotEnvs, r.readRel)
	r.Hops = dropDevRuns(dir, r.Hops, uvicornRuns)
	r.Hops = applyGunicornConfFiles(r.Hops)
	r.applyServerEnv(dir)
	// A Copilot manifest's variables are its own image's containers' only.
	setAt := make([]envSetting, len(r.keepAliveSet))
	for i, loc := range r.keepAliveSet {
		setAt[i] = envSetting{loc, r.copilotImages[loc.File]}
	}
	r.Hops = settleTiangoloHops(r.Hops, setAt, r.tiangoloConfs)
	applyCopilotOverrides(r.Hops, r.copilotOverrides)
	r.Hops = applyGranianVersions(dir, r.Hops)
	r.Hops = settleNodeBuilds(dir, r.Hops)
	sort.Strings(r.Notes)
	r.settleIngressClasses()
	lbNames := map[string]bool{}
	for _, h := range r.Hops {
		if h.Role == LB {
			lbNames[h.Name] = true
		}
	}
	r.links = append(r.links, kubeLinks(r.kube, lbNames)...)
	r.linkCDKApps()
	r.applySpringProfiles(dir)
	r.applySpringOverrides(dir)
	r.applySpringCode(dir) // after the environment's: code wins over both
	r.linkBeanstalkEnvironments(ebBundles)
	r.markHerokuWeb(dir)
	r.evaluate(o)
	r.checkClientPools(o)
	r.Hops = append(r.Hops, r.herokuUsed...)
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
	src, err := r.source(path)
	if err == errTooLarge {
		r.Skipped[SkipTooLarge]++
		return
	}
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

// bunEntry reports whether file is one Bun runs for its project (in
// projDir): a file its scripts run with bun, or, when they name none, an
// index file at the project's root or in src/.
func bunEntry(proj nodeProject, projDir, file string) bool {
	relFile, err := filepath.Rel(projDir, file)
	if err != nil {
		return false
	}
	relFile = filepath.ToSlash(relFile)
	dir, stem := path.Dir(relFile), strings.TrimSuffix(path.Base(relFile), path.Ext(relFile))
	atTop := dir == "." || dir == "src"
	for _, e := range proj.bunEntries {
		if e == relFile {
			return true
		}
		// A build's output (bun run dist/index.js) is not in the
		// repository: its source is the file of the same name at the top.
		if !fileExists(filepath.Join(projDir, filepath.FromSlash(e))) && atTop && stem == strings.TrimSuffix(path.Base(e), path.Ext(e)) {
			return true
		}
	}
	return len(proj.bunEntries) == 0 && atTop && stem == "index"
}

// nodeProjectDir returns the directory of the closest package.json or
// .nvmrc at or above dir ("" when there is none).
func nodeProjectDir(projects map[string]nodeProject, root, dir string) string {
	for {
		if _, ok := projects[dir]; ok {
			return dir
		}
		if filepath.Clean(dir) == filepath.Clean(root) || filepath.Dir(dir) == dir {
			return ""
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
				if n != "pom.xml" {
					if s, ok := catalogSpringBootVersion(root, dir, src); ok {
						if v, ok := parseVersion(s); ok {
							return v, s, true, rel(root, filepath.Join(dir, n)) + " (version catalog)"
						}
					}
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

// evaluate pairs every backend with the hops in front of it. A backend that
// a load balancer is linked to (a block routing its target group to the
// backend's project) is judged against that load balancer; one with no link
// is judged against a load balancer assumed in front of it (the repository's
// own when it routes nothing anywhere, else ALB's default, --lb-idle), as a
// warning that says the link is assumed. A proxy's upstream pool is in front
// of the applications.
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
	defaultFront := Hop{Role: LB, Kind: "assumed", Name: fmt.Sprintf("load balancer (assumed: ALB default %s, --lb-idle)", secs(o.LBIdle)),
		Idle: o.LBIdle, Known: true, Source: "no load balancer configuration found"}
	assumed := []Hop{defaultFront}
	if len(lbs) > 0 && len(r.links) == 0 {
		assumed = lbs
	} else if len(lbs) > 0 {
		assumed[0].Source = "no load balancer in the repository is linked to it"
	}
	if len(lbs) == 0 && len(proxies)+len(apps) > 0 {
		r.AssumedLB = true
	}
	// The load balancer faces the proxies, and the applications no proxy
	// of the repository fronts (another sample's, a static-only nginx's
	// neighbours), except a Procfile's processes (a platform's router runs
	// in front of them) and those of a local or development environment
	// (compose/local), which the repository's proxies leave out on purpose.
	facing := apps
	if len(proxies) > 0 {
		facing = append([]Hop(nil), proxies...)
		// A proxy that passes everything to a load balancer fronts no
		// application of the repository itself.
		reach := proxyReaches(r.Dir, slices.DeleteFunc(slices.Clone(proxies), func(p Hop) bool { return p.fronts }))
		// An application in a container image that a load balancer fronts
		// (a Copilot service's, a CDK asset's) faces it, whatever proxies
		// the rest of the repository has, unless a proxy is in that image.
		imageFronted := func(a Hop) bool {
			for _, l := range r.links {
				if !l.image || !linkCovers(l, a.Location) {
					continue
				}
				if !slices.ContainsFunc(r.links, func(o link) bool {
					return o.image && o.where == l.where && slices.ContainsFunc(proxies, func(p Hop) bool { return linkCovers(o, p.Location) })
				}) {
					return true
				}
			}
			return false
		}
		for _, a := range apps {
			// An instance's user data starts its own server (an
			// application it starts behind a web server it installs is
			// not listed): the repository's proxies are not in front.
			if a.heroku != nil || a.userData != nil || imageFronted(a) || !behindProxy(a, reach) && path.Base(a.Location.File) != "Procfile" && environmentOf(a.Location.File) != "dev" {
				facing = append(facing, a)
			}
		}
	}
	// A server that listens only on a unix socket is reached through a
	// proxy on its host (nginx's proxy_pass http://unix:...), never by a
	// load balancer: the proxy faces it, in the repository or not.
	facing = slices.DeleteFunc(facing, func(a Hop) bool {
		if a.socketOnly == "" || a.Idle == NoKeepalive {
			return false
		}
		note := fmt.Sprintf("%s: %s listens only on the unix socket %s, so no load balancer reaches it: whatever proxies to it on the host is what faces the load balancer", a.Location, a.Name, a.socketOnly)
		if !slices.Contains(r.Notes, note) {
			r.Notes = append(r.Notes, note)
		}
		return true
	})
	// Links whose names match no backend's project: when the backends at
	// the repository's root are the only candidates (a single service with
	// its Terraform beside it, its ECS service named unlike the checkout's
	// directory), they are that service's.
	projects, atRoots := make([]string, len(facing)), make([]bool, len(facing))
	for i, b := range facing {
		projects[i], atRoots[i] = projectOf(r.Dir, b.Location.File)
	}
	names := func(l link, project string) bool {
		return slices.ContainsFunc(l.names, func(n string) bool { return sameService(n, project) })
	}
	// A repository with one backend project: an orphan link's service
	// can only be that one, as it can only be the root's (below).
	sole := len(facing) > 0
	for i := range facing {
		sole = sole && projects[i] != "" && projects[i] == projects[0] && atRoots[i] == atRoots[0]
	}
	springProjects := map[string]bool{} // the Spring Boot applications' projects
	for i, b := range facing {
		if springKind(b.Kind) {
			springProjects[projects[i]] = true
		}
	}
	var orphans []link
	for _, l := range r.links {
		if l.dir == "" && !l.jar && !slices.ContainsFunc(projects, func(p string) bool { return names(l, p) }) {
			orphans = append(orphans, l)
		}
	}
	// ... unless the orphans go to different load balancers: which of them
	// runs that backend (and which runs a public image) is not known.
	if sole && slices.ContainsFunc(orphans, func(l link) bool { return l.lb != orphans[0].lb }) {
		sole = false
	}
	herokuOnly := r.AssumedLB // every backend judged is behind Heroku's router
	for i, b := range facing {
		project, atRoot := projects[i], atRoots[i]
		if front, ok := herokuFront(b); ok {
			r.compareAsWarning(front, b, o, "on Heroku ("+front.Location.File+"): Router 2.0 keeps its connections to the web dynos 90 s; or turn them off: heroku labs:enable http-disable-keepalive-to-dyno")
			r.herokuUsed = appendUnique(r.herokuUsed, front)
			continue
		}
		herokuOnly = false
		linked := false
		type lbAt struct {
			name string
			at   Location
		}
		compared := map[lbAt]bool{} // the load balancers b was compared with
		// linkTo compares b with the load balancer l names, once however
		// many links lead there (a Copilot service's Dockerfile and the
		// directory it copies).
		linkTo := func(l link, how string) {
			for _, lb := range lbs {
				// An image's link is to the load balancer hop that made it
				// (CDK programs in one repository name theirs alike).
				if k := (lbAt{lb.Name, lb.Location}); lb.Name == l.lb && (!l.image || lb.Location == l.where) && (l.lbAt.File == "" || lb.Location == l.lbAt) && !compared[k] {
					linked = true
					compared[k] = true
					r.compareVia(lb, b, o, how)
				}
			}
		}
		if (atRoot || sole) && !slices.ContainsFunc(r.links, func(l link) bool { return names(l, project) }) {
			whose := "the root's"
			if !atRoot {
				whose = "the repository's only backend, " + project
			}
			for _, l := range orphans {
				linkTo(l, fmt.Sprintf("linked at %s, which routes to a service no other project of the repository names: %s", l.where, whose))
			}
		}
		for _, l := range r.links {
			if l.jar {
				// An instance that runs java -jar: the Spring Boot application
				// of that artifact, or the repository's only one.
				jar := l.names[0]
				if springKind(b.Kind) && (jar != "" && (springArtifact(r.Dir, b.Location.File) == jar || sameService(jar, project)) || len(springProjects) == 1) {
					what := "a jar"
					if jar != "" {
						what = jar + ".jar"
					}
					linkTo(l, fmt.Sprintf("linked at %s: the instance runs %s with java -jar", l.where, what))
				}
				continue
			}
			if l.dir != "" {
				if linkCovers(l, b.Location) && (l.owner == "" || b.userData != nil && b.userData.owner == l.owner) {
					linkTo(l, fmt.Sprintf("linked at %s", l.where))
				}
				continue
			}
			if l.sameFile && b.Location.File != l.where.File {
				continue
			}
			for _, n := range l.names {
				if sameService(n, project) || b.workload != "" && n == strings.ToLower(b.workload) {
					linkTo(l, fmt.Sprintf("linked at %s (%q)", l.where, n))
					break
				}
			}
		}
		if !linked && slices.ContainsFunc(r.unfronted, func(d string) bool { return inDir(d, b.Location.File) }) {
			continue // deployed with no load balancer (an Elastic Beanstalk single instance)
		}
		if !linked && b.userData != nil && !b.userData.routed {
			// The repository describes the instance, and no target group
			// or load balancer of it takes the instance.
			note := fmt.Sprintf("%s: no load balancer or target group of the repository routes to %s, so its servers are not judged", b.Location.File, b.userData.owner)
			if t := b.userData.passThrough; t != "" {
				note = fmt.Sprintf("%s: %s is behind %s, which passes connections through (a Network Load Balancer) and reuses none, so its servers are not judged", b.Location.File, b.userData.owner, t)
			}
			if !slices.Contains(r.Notes, note) {
				r.Notes = append(r.Notes, note)
			}
			continue
		}
		if !linked {
			for _, f := range nearestFronts(b, assumed, defaultFront) {
				r.compareAsWarning(f, b, o, "link assumed: nothing in the repository routes a load balancer to it")
			}
			if b.Known && b.Idle != Infinite {
				r.AssumedLinks++
			}
		}
	}
	if herokuOnly && len(r.herokuUsed) > 0 {
		r.AssumedLB = false
	}
	if len(proxies) == 0 {
		return
	}
	// Each application is compared once with each pool that can front it
	// (poolScope): server blocks of one nginx file share their pool, and
	// compose files that each define the same Traefik say the same thing.
	type pairing struct {
		app  int
		kind string
		idle time.Duration
	}
	pooled := map[pairing]bool{}
	pools := slices.DeleteFunc(slices.Clone(proxies), func(p Hop) bool { return p.UpstreamIdle <= 0 })
	for _, p := range proxies {
		if p.UpstreamIdle > 0 {
			up := Hop{Role: Proxy, Kind: "nginx-upstream", Name: "nginx upstream keepalive pool",
				Idle: p.UpstreamIdle, Known: true, Source: "upstream keepalive_timeout", Location: p.UpstreamLoc,
				Setting: func(d time.Duration) string {
					return fmt.Sprintf("keepalive_timeout %ds; (in the upstream block)", int64(d/time.Second))
				}}
			retries := "" // why findings against this pool are only warnings
			switch p.Kind {
			case "ingress-nginx":
				up.Name, up.Source = "ingress-nginx upstream keepalive pool", "upstream-keepalive-timeout"
				up.Setting = func(d time.Duration) string {
					return fmt.Sprintf(`upstream-keepalive-timeout: "%d"`, int64(d/time.Second))
				}
			case "traefik":
				if len(r.traefikTransports) > 0 {
					// Services may use named transports with their own idle
					// time; which service uses which is not followed here.
					note := fmt.Sprintf("Traefik's dynamic configuration defines serversTransports (%s): services may use them instead of the default pool, so Traefik's pool is not compared with the applications", r.traefikTransports[0])
					if !slices.Contains(r.Notes, note) {
						r.Notes = append(r.Notes, note)
					}
					continue
				}
				up.Name, up.Source = "Traefik serversTransport pool", p.UpstreamSource
				up.Setting = func(d time.Duration) string {
					return fmt.Sprintf("serversTransport.forwardingTimeouts.idleConnTimeout: %ds", int64(d/time.Second))
				}
				// Go's http.Transport, under Traefik, sends an idempotent
				// request again on a pooled connection the server closed.
				retries = "Traefik retries GET and other idempotent requests on a closed pooled connection; a POST gets 502"
			case "caddy":
				up.Name, up.Source, up.Setting = "Caddy reverse_proxy pool", p.UpstreamSource, caddyPoolSetting
				// Caddy's http transport is Go's http.Transport, as Traefik's.
				retries = "Caddy's transport retries GET and other idempotent requests on a closed pooled connection; a POST gets 502"
			case "thruster":
				// Go's http.Transport again; Thruster has no setting for it,
				// so the fix is the server's.
				up.Name, up.Source, up.Setting = "Thruster's pool to the application", p.UpstreamSource, nil
				retries = "Thruster's transport (Go's) retries GET and other idempotent requests on a closed pooled connection; a POST gets 502"
			}
			scope := poolScope(r.Dir, p.UpstreamLoc.File, apps, pools)
			for i, b := range apps {
				pair := pairing{i, p.Kind, p.UpstreamIdle}
				if pooled[pair] || !strings.HasPrefix(b.Location.File, scope) || !samePlace(p.UpstreamLoc.File, b.Location.File) {
					continue
				}
				pooled[pair] = true
				if retries != "" {
					r.compareAsWarning(up, b, o, retries)
				} else {
					r.compare(up, b, o)
				}
			}
		}
	}
}

// poolScope returns the directory (as proxyScope does) whose applications
// a proxy's upstream pool, configured in file, fronts: its compose
// project's (the whole repository's for a compose file at its root), else
// the nearest directory above the file that holds an application, unless
// a directory on the way up holds independent examples: another directory
// beside the one that holds file has a pool and an application of its own
// (a lesson's ingress-nginx beside its own Express app, where this is
// another lesson's Traefik). Then the pool fronts only what its own
// directory holds. Proxies side by side in front of one application
// (nginx/ and caddy/ beside app/) and a repository with the proxy in
// nginx/ and the application in app/ keep the directory that holds them
// all.
func poolScope(root, file string, apps, pools []Hop) string {
	if scope := proxyScope(root, file); scope != "" || hasComposeFile(root) {
		return scope // a compose project's, the repository's when at its root
	}
	hasApp := func(prefix string) bool {
		return slices.ContainsFunc(apps, func(a Hop) bool { return strings.HasPrefix(a.Location.File, prefix) })
	}
	sub := "" // the directory below d that holds file, once d is above it
	for d := path.Dir(file); ; d = path.Dir(d) {
		prefix := d + "/"
		if d == "." || d == "/" {
			prefix = ""
		}
		if sub != "" && slices.ContainsFunc(pools, func(p Hop) bool {
			f := p.UpstreamLoc.File
			if !strings.HasPrefix(f, prefix) || strings.HasPrefix(f, sub) {
				return false
			}
			child, _, isDir := strings.Cut(strings.TrimPrefix(f, prefix), "/")
			return isDir && hasApp(prefix+child+"/")
		}) {
			return sub
		}
		if prefix == "" || hasApp(prefix) {
			return prefix
		}
		sub = prefix
	}
}

// nearestFronts narrows the load balancers assumed in front of an unlinked
// backend to those nearest to it: the ones whose files share the most
// directories with the backend's (a repository of examples gives each its
// own), and of those one per idle timeout (two at 60 s say the same thing).
// When several share none (an Azure example beside AWS ones), none is
// nearer than another: the fallback (ALB's default) stands in.
func nearestFronts(back Hop, fronts []Hop, fallback Hop) []Hop {
	if len(fronts) < 2 {
		return fronts
	}
	best := -1
	var near []Hop
	for _, f := range fronts {
		switch d := sharedDirs(f.Location.File, back.Location.File); {
		case d > best:
			best, near = d, []Hop{f}
		case d == best:
			near = append(near, f)
		}
	}
	if best == 0 && len(near) > 1 && distinctDirs(near) {
		fallback.Source = "no load balancer in the repository is linked to it, and none is nearer to it than another"
		return []Hop{fallback}
	}
	seen := map[time.Duration]bool{}
	var out []Hop
	for _, f := range near {
		if !f.Known || !seen[f.Idle] {
			seen[f.Idle] = f.Known
			out = append(out, f)
		}
	}
	return out
}

// distinctDirs reports whether hops are defined in different top-level
// directories (separate projects), not side by side in one infrastructure
// directory.
func distinctDirs(hops []Hop) bool {
	top := func(file string) string {
		if dir, _, ok := strings.Cut(file, "/"); ok {
			return dir
		}
		return "." // a file at the repository's root
	}
	first := top(hops[0].Location.File)
	for _, h := range hops[1:] {
		if top(h.Location.File) != first {
			return true
		}
	}
	return false
}

// sharedDirs counts the leading directories two repository paths share.
func sharedDirs(a, b string) int {
	da, db := strings.Split(path.Dir(a), "/"), strings.Split(path.Dir(b), "/")
	n := 0
	for n < len(da) && n < len(db) && da[n] == db[n] && da[n] != "." {
		n++
	}
	return n
}

// proxyReach is where a proxy's applications can be: below its project's
// directory (see proxyScope), or in a directory its compose file builds
// (deploy/compose.yaml with build: ../backend).
type proxyReach struct {
	file   string // the proxy's configuration
	scope  string
	builds []string
}

// proxyReaches finds each proxy's reach once, for every application to
// be tested against.
func proxyReaches(root string, proxies []Hop) []proxyReach {
	out := make([]proxyReach, len(proxies))
	for i, p := range proxies {
		scope := proxyScope(root, p.Location.File)
		if b := ebBundleOf(p.Location.File); b != "" {
			// An Elastic Beanstalk instance's nginx fronts its own bundle.
			scope = strings.TrimPrefix(b+"/", "./")
		}
		out[i] = proxyReach{p.Location.File, scope, composeBuildDirs(root, scope)}
	}
	return out
}

// behindProxy reports whether one of the repository's proxies can front
// app: app is within the proxy's reach and in the same place (see
// samePlace).
func behindProxy(app Hop, reach []proxyReach) bool {
	for _, p := range reach {
		if !samePlace(p.file, app.Location.File) {
			continue
		}
		if strings.HasPrefix(app.Location.File, p.scope) {
			return true
		}
		for _, dir := range p.builds {
			if strings.HasPrefix(app.Location.File, dir) {
				return true
			}
		}
	}
	return false
}

var composeBuildRe = regexp.MustCompile(`(?m)^[ \t]*(?:build|context)[ \t]*:[ \t]*["']?([^"'\s#]+)`)

// composeBuildDirs returns the directories (relative to root, with a
// trailing slash) that the compose files in scope build images from.
func composeBuildDirs(root, scope string) []string {
	dir := filepath.Join(root, filepath.FromSlash(scope))
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() || !isComposeFile(e.Name()) {
			continue
		}
		src, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		for _, m := range composeBuildRe.FindAllSubmatch(src, -1) {
			ctx := path.Clean(path.Join(scope, string(m[1])))
			if ctx == "." || strings.HasPrefix(ctx, "..") {
				continue // the whole repository, or outside it: says nothing
			}
			out = append(out, ctx+"/")
		}
	}
	return out
}

// proxyScope returns the directory (relative to root, with a trailing
// slash; "" for the whole repository) whose applications the proxy
// configured in proxy can front: the nearest directory above the proxy's
// file that holds a compose file. A repository of independent samples
// (docker/awesome-compose) has one compose file per sample, and one sample's
// proxy does not front the others' applications.
func proxyScope(root, proxy string) string {
	for d := path.Dir(proxy); d != "." && d != "/"; d = path.Dir(d) {
		if hasComposeFile(filepath.Join(root, filepath.FromSlash(d))) {
			return d + "/"
		}
	}
	return ""
}

// hasComposeFile reports whether dir holds a Docker Compose file.
func hasComposeFile(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if !e.IsDir() && isComposeFile(e.Name()) {
			return true
		}
	}
	return false
}

// springKind reports whether a hop kind is a Spring Boot application's.
func springKind(kind string) bool {
	return strings.HasPrefix(kind, "spring-boot") || kind == "reactor-netty"
}

// linkCovers reports whether a link with a directory puts its load
// balancer in front of what file configures. Of an image's context, only
// its own Dockerfile says what its containers run (linked by its path),
// not other Dockerfiles there; compose files and Procfiles there describe
// other deployments.
func linkCovers(l link, at Location) bool {
	file := at.File
	if l.dir == "" {
		return false
	}
	if l.span[0] != 0 {
		return file == l.dir && at.Line >= l.span[0] && at.Line <= l.span[1]
	}
	if base := path.Base(file); l.image && l.dir != file && (isComposeFile(base) || base == "Procfile" || isDockerfileName(base)) {
		return false
	}
	return inDir(l.dir, file) || l.dir == file
}

// isDockerfileName reports whether a file name is a Dockerfile's
// (Dockerfile, Dockerfile.prod, api.Dockerfile, app.dockerfile).
func isDockerfileName(name string) bool {
	return strings.HasPrefix(name, "Dockerfile") || strings.HasSuffix(strings.ToLower(name), ".dockerfile")
}

// isComposeFile reports whether name is a Docker Compose file.
func isComposeFile(name string) bool {
	n := strings.ToLower(name)
	return (strings.HasPrefix(n, "docker-compose") || strings.HasPrefix(n, "compose")) && (strings.HasSuffix(n, ".yml") || strings.HasSuffix(n, ".yaml"))
}

// samePlace reports whether an application configured in app can be behind
// the proxy configured in proxy: not when the two files sit under different
// environments (compose/local against compose/production), nor for a
// Procfile, whose processes run behind a platform's router.
func samePlace(proxy, app string) bool {
	if path.Base(app) == "Procfile" {
		return false
	}
	e1, e2 := environmentOf(proxy), environmentOf(app)
	return e1 == "" || e2 == "" || e1 == e2
}

// environmentOf returns the first directory of p that names a deployment
// environment, normalized ("prod" and "production" alike), or "".
func environmentOf(p string) string {
	for _, d := range strings.Split(path.Dir(p), "/") {
		switch strings.ToLower(d) {
		case "local", "dev", "develop", "development":
			return "dev"
		case "prod", "production":
			return "prod"
		case "stage", "staging":
			return "staging"
		case "qa", "test", "testing":
			return "test"
		}
	}
	return ""
}

// compareVia compares and adds to the findings' chain how the two hops
// are linked.
func (r *Report) compareVia(front, back Hop, o Options, how string) {
	n := len(r.Findings)
	r.compare(front, back, o)
	for i := n; i < len(r.Findings); i++ {
		r.Findings[i].Chain += "; " + how
	}
}

// compareAsWarning compares and makes the findings at most warnings, saying
// why in their message: the link is assumed, or the front retries.
func (r *Report) compareAsWarning(front, back Hop, o Options, why string) {
	n := len(r.Findings)
	r.compare(front, back, o)
	for i := n; i < len(r.Findings); i++ {
		if f := &r.Findings[i]; f.Rule.Severity.Rank() > Warning.Rank() {
			f.Severity = Warning
			f.Message += " (" + why + ")"
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

// readYAMLConfig reads a YAML or JSON file (relp relative to the root):
// a CloudFormation template, Kubernetes manifests, or a compose file.
func (r *Report) readYAMLConfig(relp, name string, src []byte) error {
	if copilotManifestRe.MatchString(relp) {
		svc, err := parseCopilotManifest(relp, src, r.readRel)
		r.Hops = append(r.Hops, svc.hops...)
		r.links = append(r.links, svc.links...)
		if svc.unfronted != "" {
			r.unfronted = append(r.unfronted, svc.unfronted)
		}
		if svc.note != "" {
			r.Notes = append(r.Notes, svc.note)
		}
		if svc.env.dockerfile != "" {
			r.copilotEnvs = append(r.copilotEnvs, svc.env)
		}
		if svc.dockerfile != "" {
			r.copilotImages[relp] = svc.dockerfile
		}
		return err
	}
	r.Hops = append(r.Hops, ecsContainerDocument(relp, src)...)
	switch {
	case bytes.Contains(src, []byte("AWS::ElasticLoadBalancing")) || bytes.Contains(src, []byte("AWS::ElasticBeanstalk::Environment")) ||
		bytes.Contains(src, []byte("UserData")) && bytes.Contains(src, []byte("AWS::")):
		hops, fs, links, err := parseCloudFormation(relp, src)
		r.Hops, r.Findings, r.links = append(r.Hops, hops...), append(r.Findings, fs...), append(r.links, links...)
		return err
	case bytes.Contains(src, []byte("apiVersion")) && bytes.Contains(src, []byte("kind")):
		r.kube = append(r.kube, kubeObjects(relp, src)...)
		hops, err := parseKubernetes(relp, src)
		r.Hops = append(r.Hops, hops...)
		r.Hops = append(r.Hops, parseTraefikFlags(relp, src)...)
		return err
	case strings.Contains(name, "compose"):
		docs, err := yamlDocs(relp, src) // a file that does not parse is read line by line
		hops, ok := composeCommands(relp, docs)
		if err != nil || !ok {
			hops = parseCommandLines(relp, src)
		}
		r.Hops = append(r.Hops, hops...)
		r.Hops = append(r.Hops, composeImageHops(relp, docs)...)
		r.Hops = append(r.Hops, parseTraefikFlags(relp, src)...)
	}
	return nil
}

// addTraefikTransports notes where a file defines Traefik's named
// serversTransports.
func (r *Report) addTraefikTransports(relp string, src []byte) {
	if i := traefikTransportsRe.FindIndex(src); i != nil {
		r.traefikTransports = append(r.traefikTransports, Location{relp, lineAt(src, i[0])})
	}
}

// addSpringOverrides collects the Spring server properties a file sets
// outside the property files, with the project it belongs to.
func (r *Report) addSpringOverrides(root, relp string, src []byte) {
	project, atRoot := projectOf(root, relp)
	if atRoot {
		project = ""
	}
	r.springOverrides = append(r.springOverrides, findSpringOverrides(relp, project, src)...)
}

// scanClientsAndRefs collects HTTP client pools from source files and base
// URLs from configuration files, for checkClientPools.
func (r *Report) scanClientsAndRefs(root, path, relp, name string) {
	ext := filepath.Ext(name)
	if ext == ".ts" || ext == ".js" || ext == ".py" || ext == ".java" || ext == ".go" || ext == ".cs" || ext == ".kt" {
		if src, err := r.source(path); err == nil {
			cdk := parseCDK(relp, src)
			r.Hops = append(r.Hops, cdk...)
			r.Findings = append(r.Findings, cdkCloudFront(relp, src, cdk)...)
			r.addCDKUserData(root, relp, src, cdk)
			exists := func(p string) bool { _, err := os.Stat(filepath.Join(root, p)); return err == nil }
			if len(cdk) > 0 {
				// The load balancer is in front of the images the program
				// builds from its directories.
				for _, dir := range cdkAssetDirs(relp, src, exists) {
					for _, d := range imageSources(dir, dir+"/Dockerfile", r.readRel) {
						r.links = append(r.links, link{lb: cdk[0].Name, dir: d, where: cdk[0].Location, image: true})
					}
				}
				app := cdkRoot(filepath.ToSlash(filepath.Dir(relp)), exists)
				if r.cdkLBs == nil {
					r.cdkLBs = map[string][]Hop{}
				}
				r.cdkLBs[app] = append(r.cdkLBs[app], cdk...)
			} else if dirs := cdkAssetDirs(relp, src, exists); len(dirs) > 0 {
				app := cdkRoot(filepath.ToSlash(filepath.Dir(relp)), exists)
				if r.cdkAssets == nil {
					r.cdkAssets = map[string][]string{}
				}
				r.cdkAssets[app] = append(r.cdkAssets[app], dirs...)
			}
			r.Hops = append(r.Hops, parsePulumi(relp, src)...)
		}
	}
	if ext == ".yml" || ext == ".yaml" || ext == ".toml" {
		if src, err := r.source(path); err == nil {
			r.addTraefikTransports(relp, src)
		}
	}
	if ext == ".yml" || ext == ".yaml" || ext == ".json" || ext == ".env" || name == ".env" || ext == ".tf" || ext == ".tfvars" || ext == ".sh" || ext == ".ini" {
		if src, err := r.source(path); err == nil {
			if loc := keepAliveEnvRe.FindIndex(src); loc != nil {
				r.keepAliveSet = append(r.keepAliveSet, Location{relp, bytes.Count(src[:loc[0]], []byte{'\n'}) + 1})
			}
			project, atRoot := projectOf(root, relp)
			r.serverEnvs = append(r.serverEnvs, findServerEnv(relp, project, atRoot, src)...)
		}
	}
	if ext == ".yml" || ext == ".yaml" || ext == ".ts" || ext == ".js" || ext == ".json" {
		if _, env, ok := copilotWorkspace(relp); ok && env {
			if src, err := r.source(path); err == nil {
				if o, ok := copilotEnvIdle(relp, src); ok {
					r.copilotOverrides = append(r.copilotOverrides, o)
				}
			}
		}
	}
	if name == "gunicorn_conf.py" {
		r.tiangoloConfs = append(r.tiangoloConfs, relp)
	}
	// Elastic Beanstalk's .ebextensions set environment variables too.
	if isSpringOverrideFile(name) || strings.HasSuffix(name, ".config") && strings.Contains("/"+relp, "/.ebextensions/") {
		if src, err := r.source(path); err == nil {
			r.addSpringOverrides(root, relp, src)
		}
	}
	switch {
	case ext == ".java" || ext == ".kt" || ext == ".go" && !strings.HasSuffix(name, "_test.go") || ext == ".py":
		src, err := r.source(path)
		if err != nil {
			return
		}
		for _, c := range findClientPools(relp, src) {
			c.project = projectName(root, relp)
			r.clients = append(r.clients, c)
		}
		if ext == ".java" || ext == ".kt" {
			r.springCode = append(r.springCode, findTomcatCode(relp, src)...)
		}
	case ext == ".yml" || ext == ".yaml" || ext == ".properties" || ext == ".env" || name == ".env" || ext == ".tf" || ext == ".tfvars":
		src, err := r.source(path)
		if err != nil {
			return
		}
		project, atRoot := projectOf(root, relp)
		if atRoot {
			project = ""
		}
		r.refs = append(r.refs, findServiceRefs(relp, src, project)...)
	}
}

// readRel reads a file of the checked tree by its path relative to the root.
func (r *Report) readRel(p string) ([]byte, error) { return readCapped(filepath.Join(r.Dir, p)) }

// source reads a file for the walk, once however many readers look at it.
// Program source comes without its comments (see codeWithoutComments).
func (r *Report) source(path string) ([]byte, error) {
	if r.last.path != path {
		r.last.path = path
		r.last.src, r.last.err = readCapped(path)
		if r.last.err == nil {
			r.last.src = codeWithoutComments(path, r.last.src)
		}
	}
	return r.last.src, r.last.err
}

// nginxTemplate reports whether a file name is an nginx configuration's
// template that envsubst renders: the official image's
// /etc/nginx/templates/default.conf.template, or default.conf.tpl that an
// entrypoint renders. Jinja's and ERB's templates are not read: their
// {{ }} and <% %> are not nginx's syntax.
func nginxTemplate(name string) bool {
	for _, ext := range []string{".template", ".tpl", ".tmpl"} {
		if base, ok := strings.CutSuffix(name, ext); ok {
			return strings.HasSuffix(base, ".conf")
		}
	}
	return false
}

// nginxBlockRe finds the blocks an nginx configuration opens: server,
// upstream, http, location.
var nginxBlockRe = regexp.MustCompile(`(?m)^\s*(?:server|upstream\s+\S+|http|location\s+[^{;\n]+)\s*\{`)

// looksLikeNginx reports whether a template's text is an nginx
// configuration: a server, upstream, http or location block and one of
// nginx's directives.
func looksLikeNginx(src []byte) bool {
	return nginxBlockRe.Match(src) && (bytes.Contains(src, []byte("listen")) || bytes.Contains(src, []byte("proxy_pass")))
}

// linkCDKApps links the images a CDK app builds in one file (a service
// construct's ContainerImage.from_asset) to the load balancers it defines in
// another (a loadbalancer.py that the service's target groups come from),
// when those load balancers all have one idle timeout: whichever fronts the
// service, the verdict is the same. The link names the first of them.
func (r *Report) linkCDKApps() {
	for _, app := range slices.Sorted(maps.Keys(r.cdkAssets)) { // links in a stable order
		dirs, lbs := r.cdkAssets[app], r.cdkLBs[app]
		if len(lbs) == 0 || !lbs[0].Known || slices.ContainsFunc(lbs, func(h Hop) bool { return !h.Known || h.Idle != lbs[0].Idle }) {
			continue
		}
		for _, dir := range dirs {
			for _, d := range imageSources(dir, dir+"/Dockerfile", r.readRel) {
				r.links = append(r.links, link{lb: lbs[0].Name, dir: d, where: lbs[0].Location, image: true})
			}
		}
	}
}
