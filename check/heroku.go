package check

import (
	"bufio"
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Heroku's router sits in front of an app's web dynos. Router 2.0, the
// default for Common Runtime apps since 2025 (the legacy router reached its
// end of life in summer 2025), keeps idle keep-alive connections to dynos
// for 90 s (Dev Center, "HTTP Routing", Keepalives); Heroku's own getting
// started apps raised their servers' keep-alive above it (gunicorn 100 s,
// Puma 95 s, Node 95 s) to avoid the race. The 90 s is fixed: an app
// either keeps its connections longer or turns keep-alive to its dynos off
// (heroku labs:enable http-disable-keepalive-to-dyno). A repository is a
// Heroku app when it has a Heroku manifest: app.json with Heroku's keys, or
// heroku.yml. The web process is the Procfile's web line beside it, or
// heroku.yml's run.web (else the Dockerfile it builds for web).

// herokuRouterIdle is Router 2.0's idle timeout for connections to dynos.
const herokuRouterIdle = 90 * time.Second

// herokuAppKeys are keys of Heroku's app.json (the schema of the "Deploy to
// Heroku" button); other tools' app.json (Expo, React Native, Homey, and
// Dokku's, which shares some of Heroku's keys) have their own keys,
// herokuOtherKeys. Only a Procfile's web process or
// heroku.yml's is judged against the router, so a manifest alone decides
// nothing.
var (
	herokuAppKeys   = []string{"buildpacks", "formation", "addons", "stack", "environments", "success_url", "image", "env", "scripts", "repository", "logo", "website"}
	herokuOtherKeys = []string{"expo", "displayName", "sdk", "compatibility", "permissions", "healthchecks", "cron", "dokku"}
)

// herokuManifest reports whether a file named app.json or heroku.yml is a
// Heroku manifest.
func herokuManifest(name string, src []byte) bool {
	if name == "heroku.yml" {
		return bytes.Contains(src, []byte("build:")) || bytes.Contains(src, []byte("run:"))
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(src, &m) != nil {
		return false
	}
	for _, k := range herokuOtherKeys {
		if _, ok := m[k]; ok {
			return false
		}
	}
	var scripts map[string]json.RawMessage
	if json.Unmarshal(m["scripts"], &scripts) == nil {
		if _, ok := scripts["dokku"]; ok {
			return false // Dokku's app.json: its own nginx is in front
		}
	}
	for _, k := range herokuAppKeys {
		if _, ok := m[k]; ok {
			return true
		}
	}
	return false
}

// javaRunRe finds a Procfile command that runs a JVM application.
var javaRunRe = regexp.MustCompile(`(?:^|\s|/)java\s[^\n]*-jar\s`)

// nodeRunRe finds a Procfile command that starts a Node application
// through its package manager.
var nodeRunRe = regexp.MustCompile(`^\s*(?:npm|yarn|pnpm)\s+(?:run\s+)?start\b`)

// herokuDir is the directory a manifest (or any file) at relp configures.
func herokuDir(relp string) string { return path.Dir(relp) }

// herokuRouter is the hop of Heroku's router in front of the web process
// of the app whose manifest is at loc. Its 90 s has no setting; the other
// fix, keep-alive to dynos off, is in the findings' message.
func herokuRouter(loc Location) Hop {
	return Hop{Role: LB, Kind: "heroku-router", Name: "Heroku Router 2.0", Idle: herokuRouterIdle, Known: true, Location: loc,
		Source: "its keep-alive connections to dynos stay open 90 s idle (Heroku Dev Center, HTTP Routing: Keepalives)"}
}

// herokuFront returns Heroku's router when b is the web process of a Heroku
// app of the repository at root.
func (r *Report) herokuFront(root string, b Hop) (Hop, bool) {
	if len(r.heroku) == 0 || b.Location.File == "" {
		return Hop{}, false
	}
	dir, base := path.Split(b.Location.File)
	dir = strings.TrimSuffix(dir, "/")
	if dir == "" {
		dir = "."
	}
	loc, ok := r.heroku[dir]
	if !ok || base != "Procfile" && base != "heroku.yml" && !strings.HasPrefix(base, "Dockerfile") {
		// A configuration file the Procfile's web command reads: named on
		// it (puma -C config/puma.rb, gunicorn --config gunicorn.conf.py),
		// or the one the server reads by default from the app's root.
		for _, d := range slices.Sorted(maps.Keys(r.heroku)) {
			relp, inside := strings.CutPrefix(b.Location.File, strings.TrimPrefix(d+"/", "./"))
			if !inside {
				continue
			}
			web := herokuProcfileWeb(filepath.Join(root, d, "Procfile"))
			if web != "" && (strings.Contains(web, relp) ||
				relp == "config/puma.rb" && strings.Contains(web, "puma") ||
				relp == "gunicorn.conf.py" && strings.Contains(web, "gunicorn") ||
				// java -jar target/app.jar: the Spring Boot application
				// the jar is built from, configured in its properties.
				strings.HasPrefix(b.Kind, "spring-boot") && javaRunRe.MatchString(web) ||
				// npm start and the like run the package's server.
				b.Kind == "node" && nodeRunRe.MatchString(web)) {
				return herokuRouter(r.heroku[d]), true
			}
		}
		return Hop{}, false
	}
	switch {
	case base == "Procfile" || base == "heroku.yml":
		if !strings.HasPrefix(strings.TrimSpace(lineOf(filepath.Join(root, b.Location.File), b.Location.Line)), "web:") {
			return Hop{}, false
		}
	case strings.HasPrefix(base, "Dockerfile"):
		// heroku.yml builds the web image from this Dockerfile, and runs
		// its CMD unless run.web says otherwise.
		src, err := os.ReadFile(filepath.Join(root, dir, "heroku.yml"))
		if err != nil {
			return Hop{}, false
		}
		dockerfile, runs := herokuWeb(src)
		if path.Clean(dockerfile) != base || runs {
			return Hop{}, false
		}
	default:
		return Hop{}, false
	}
	return herokuRouter(loc), true
}

// herokuWeb reads heroku.yml: the Dockerfile its web image is built from
// (build.docker.web, a path or {dockerfile: path}; Dockerfile by default),
// and whether run.web sets the web command.
func herokuWeb(src []byte) (dockerfile string, runs bool) {
	var m struct {
		Build struct {
			Docker map[string]any `yaml:"docker"`
		} `yaml:"build"`
		Run map[string]any `yaml:"run"`
	}
	dockerfile = "Dockerfile"
	if yaml.Unmarshal(src, &m) != nil {
		return dockerfile, false
	}
	switch w := m.Build.Docker["web"].(type) {
	case string:
		dockerfile = w
	case map[string]any:
		if d, ok := w["dockerfile"].(string); ok {
			dockerfile = d
		}
	}
	_, runs = m.Run["web"]
	return dockerfile, runs
}

// herokuProcfileWeb returns the command of the web process in the Procfile
// at p, or "".
func herokuProcfileWeb(p string) string {
	src, err := os.ReadFile(p)
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(src), "\n") {
		if cmd, ok := strings.CutPrefix(strings.TrimSpace(line), "web:"); ok {
			return cmd
		}
	}
	return ""
}

// herokuPuma is a Puma at its default behind Heroku's router: Heroku's Ruby
// buildpack sets PUMA_PERSISTENT_TIMEOUT=95 for every Ruby app (since
// September 2025, heroku/heroku-buildpack-ruby#1641 and #1645), and Puma
// reads that variable from 7.0.3 (7.0.0-7.0.2 fail to convert it; the
// buildpack refuses them).
func herokuPuma(b Hop) Hop {
	if b.Kind == "puma" && b.pumaDefault != nil && !b.pumaDefault.less(version{7, 0, 3}) {
		b.Idle = 95 * time.Second
		b.Source = "PUMA_PERSISTENT_TIMEOUT=95, which Heroku's Ruby buildpack sets and Puma " + b.pumaDefault.String() + " reads (its default is 65 s elsewhere)"
	}
	return b
}

// lineOf returns line n (from 1) of the file at p, or "".
func lineOf(p string, n int) string {
	f, err := os.Open(p)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for i := 1; sc.Scan(); i++ {
		if i == n {
			return sc.Text()
		}
	}
	return ""
}

// appendUnique appends h to hops unless a hop at the same place is there.
func appendUnique(hops []Hop, h Hop) []Hop {
	for _, o := range hops {
		if o.Location == h.Location && o.Name == h.Name {
			return hops
		}
	}
	return append(hops, h)
}
