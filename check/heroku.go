package check

import (
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

// herokuApp is what markHerokuWeb reads once of a Heroku app's directory.
type herokuApp struct {
	dir, prefix string   // the directory, and the prefix of the paths under it
	manifest    Location // app.json or heroku.yml
	procfile    []string // the Procfile's lines (nil without one)
	web         string   // the Procfile's web command
	yml         []string // heroku.yml's lines (nil without one)
	dockerfile  string   // the Dockerfile heroku.yml builds for web
	runs        bool     // heroku.yml's run.web sets the web command
}

// markHerokuWeb marks the hops that are the web process of a Heroku app of
// the repository at root (Hop.heroku), and gives a Puma at its default the
// value Heroku's buildpack sets (herokuPuma). Each app's Procfile and
// heroku.yml are read once.
func (r *Report) markHerokuWeb(root string) {
	if len(r.heroku) == 0 {
		return
	}
	var apps []herokuApp
	for _, d := range slices.Sorted(maps.Keys(r.heroku)) {
		a := herokuApp{dir: d, prefix: strings.TrimPrefix(d+"/", "./"), manifest: r.heroku[d]}
		if src, err := os.ReadFile(filepath.Join(root, d, "Procfile")); err == nil {
			a.procfile = strings.Split(string(src), "\n")
			for _, line := range a.procfile {
				if cmd, ok := strings.CutPrefix(strings.TrimSpace(line), "web:"); ok {
					a.web = cmd
					break
				}
			}
		}
		if src, err := os.ReadFile(filepath.Join(root, d, "heroku.yml")); err == nil {
			a.yml = strings.Split(string(src), "\n")
			a.dockerfile, a.runs = herokuWeb(src)
		}
		if a.procfile == nil && a.yml == nil && nodeDefaultWeb(filepath.Join(root, d)) {
			a.web = "npm start"
		}
		apps = append(apps, a)
	}
	for i := range r.Hops {
		if a, ok := herokuWebApp(apps, r.Hops[i]); ok {
			loc := a.manifest
			r.Hops[i].heroku = &loc
			r.Hops[i] = herokuPuma(r.Hops[i])
		}
	}
}

// nodeDefaultWeb reports whether Heroku's Node.js buildpack gives the app in
// dir, which has no Procfile, the web process `npm start`: it does when
// package.json has a start script (Dev Center changelog, "Procfile no
// longer required for Node.js apps", 2013); npm's own default start script
// is `node server.js`.
func nodeDefaultWeb(dir string) bool {
	src, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return false
	}
	var pkg struct {
		Scripts map[string]string `json:"scripts"`
	}
	if json.Unmarshal(src, &pkg) != nil {
		return false
	}
	if strings.TrimSpace(pkg.Scripts["start"]) != "" {
		return true
	}
	_, err = os.Stat(filepath.Join(dir, "server.js"))
	return err == nil
}

// herokuWebApp returns the app whose web process b is.
func herokuWebApp(apps []herokuApp, b Hop) (herokuApp, bool) {
	if b.Location.File == "" {
		return herokuApp{}, false
	}
	dir, base := path.Split(b.Location.File)
	dir = strings.TrimSuffix(dir, "/")
	if dir == "" {
		dir = "."
	}
	// isWebLine reports whether line n of lines is a web process's.
	isWebLine := func(lines []string, n int) bool {
		return n >= 1 && n <= len(lines) && strings.HasPrefix(strings.TrimSpace(lines[n-1]), "web:")
	}
	for _, a := range apps {
		if a.dir != dir {
			continue
		}
		switch {
		case base == "Procfile":
			return a, isWebLine(a.procfile, b.Location.Line)
		case base == "heroku.yml":
			return a, isWebLine(a.yml, b.Location.Line)
		case strings.HasPrefix(base, "Dockerfile"):
			// heroku.yml builds the web image from this Dockerfile, and
			// runs its CMD unless run.web says otherwise.
			return a, a.yml != nil && path.Clean(a.dockerfile) == base && !a.runs
		}
	}
	// A configuration file the Procfile's web command reads: named on it
	// (puma -C config/puma.rb, gunicorn --config gunicorn.conf.py), or the
	// one the server reads by default from the app's root.
	for _, a := range apps {
		relp, inside := strings.CutPrefix(b.Location.File, a.prefix)
		if !inside || a.web == "" {
			continue
		}
		if strings.Contains(a.web, relp) ||
			relp == "config/puma.rb" && strings.Contains(a.web, "puma") ||
			relp == "gunicorn.conf.py" && strings.Contains(a.web, "gunicorn") ||
			// java -jar target/app.jar: the Spring Boot application the
			// jar is built from, configured in its properties.
			strings.HasPrefix(b.Kind, "spring-boot") && javaRunRe.MatchString(a.web) ||
			// npm start and the like run the package's server.
			b.Kind == "node" && nodeRunRe.MatchString(a.web) {
			return a, true
		}
	}
	return herokuApp{}, false
}

// herokuFront returns Heroku's router when b is the web process of a Heroku
// app (see markHerokuWeb).
func herokuFront(b Hop) (Hop, bool) {
	if b.heroku == nil {
		return Hop{}, false
	}
	return herokuRouter(*b.heroku), true
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

// appendUnique appends h to hops unless a hop at the same place is there.
func appendUnique(hops []Hop, h Hop) []Hop {
	for _, o := range hops {
		if o.Location == h.Location && o.Name == h.Name {
			return hops
		}
	}
	return append(hops, h)
}
