package check

import (
	"bufio"
	"bytes"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lbdoctor/lbdoctor/stacks"
	"go.yaml.in/yaml/v3"
)

// Official Docker images that serve HTTP with Apache httpd as they ship: the
// php image's -apache variants (Debian's apache2 package, whose apache2.conf
// sets KeepAliveTimeout 5), the applications built on them whose default tag
// is the Apache one (wordpress, drupal, joomla, mediawiki), and httpd itself
// (its httpd.conf leaves KeepAliveTimeout at the compiled default, 5 s). An
// application deployed from one of them, with its configuration untouched,
// closes idle connections after 5 s: well below ALB's 60 s.
var apacheImages = map[string]bool{"php": true, "wordpress": true, "drupal": true, "joomla": true, "mediawiki": true, "httpd": true}

// imageApache reports whether an image reference (registry and tag
// included) is one of apacheImages in its Apache variant.
func imageApache(ref string) bool {
	ref = strings.Trim(strings.ToLower(ref), `"'`)
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		ref = ref[:i]
	}
	name, tag, _ := strings.Cut(ref[strings.LastIndexByte(ref, '/')+1:], ":")
	if !officialRepo(ref[:strings.LastIndexByte(ref, '/')+1]) {
		return false
	}
	if !apacheImages[name] {
		return false
	}
	if name == "php" {
		return strings.Contains(tag, "apache") // php:${VERSION}-apache too
	}
	if strings.Contains(tag, "$") {
		return false // a variant not known here
	}
	if name == "httpd" {
		return true
	}
	// The applications: the default tag is Apache's; -fpm and -cli are not HTTP.
	return !strings.Contains(tag, "fpm") && !strings.Contains(tag, "cli")
}

// apacheConfigChangeRe finds a Dockerfile line or a mount that changes
// Apache's configuration; the image's value is then not known to hold.
var apacheConfigChangeRe = regexp.MustCompile(`(?i)/etc/apache2|/usr/local/apache2/conf|keepalive|\bhtaccess\b|a2enconf`)

// apacheConfPathRe finds Apache's configuration directories.
var apacheConfPathRe = regexp.MustCompile(`/etc/apache2|/usr/local/apache2/conf`)

var htaccessRe = regexp.MustCompile(`\bhtaccess\b`)

// dockerfileChangesApache reports whether a Dockerfile line may change the
// image's KeepAliveTimeout: it names keep-alive, or puts in place a
// configuration whose content the Dockerfile does not show (COPY, ADD, a
// copy or a download into Apache's directories). Content written there
// with echo, printf or a heredoc is in the Dockerfile: when no line names
// keep-alive, it sets something else (RemoteIPHeader, LimitRequestBody),
// and the image's 5 s stands; so does a2enmod or a2enconf of it.
func dockerfileChangesApache(line string) bool {
	l := strings.ToLower(line)
	if strings.Contains(l, "keepalive") || htaccessRe.MatchString(l) {
		return true
	}
	if !apacheConfPathRe.MatchString(line) {
		return false
	}
	if f := strings.Fields(l); len(f) > 0 && (f[0] == "copy" || f[0] == "add") {
		return true
	}
	return copyRe.MatchString(line)
}

// dockerfileFromRe finds a FROM line: the image and the stage's name.
var dockerfileFromRe = regexp.MustCompile(`(?i)^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?`)

// apacheImageHop is the hop of a container that runs an Apache image as it
// ships.
func apacheImageHop(loc Location, image, how string) Hop {
	s := stacks.Must("apache")
	return Hop{Role: App, Kind: "apache", Name: "Apache httpd (image " + image + ")", Known: true, Idle: s.DefaultIdle, Pattern: true,
		Source: how + ": the image's Apache keeps KeepAliveTimeout 5 (Debian's apache2.conf; httpd's compiled default)", Location: loc,
		Setting: func(d time.Duration) string {
			secs := int64((d + time.Second - 1) / time.Second)
			if strings.HasPrefix(strings.ToLower(image), "httpd") {
				return fmt.Sprintf("KeepAliveTimeout %d  (in httpd.conf: RUN echo 'KeepAliveTimeout %d' >> /usr/local/apache2/conf/httpd.conf)", secs, secs)
			}
			return fmt.Sprintf("KeepAliveTimeout %d  (RUN echo 'KeepAliveTimeout %d' > /etc/apache2/conf-enabled/keepalive.conf)", secs, secs)
		}}
}

// shippedServer is a server image lbdoctor knows as it ships: what its
// configuration keeps, and what changes it.
type shippedServer struct {
	is func(image string) bool // the image (registry and tag included) runs this server
	// changes reports a Dockerfile line that may change the setting, or a
	// command of the Dockerfile's own that runs something else.
	changes func(line string) bool
	mounted *regexp.Regexp // a mount over the server's configuration
	// hop is the container's hop; yours says how a configuration of one's
	// own would get there (for the fix).
	hop func(loc Location, image, how, yours string) Hop
}

// shippedServers are the server images lbdoctor reads as they ship.
var shippedServers = []shippedServer{
	{imageApache, dockerfileChangesApacheImage, apacheConfigChangeRe,
		func(loc Location, image, how, _ string) Hop { return apacheImageHop(loc, image, how) }},
	{func(image string) bool { return officialImage(image) == "tomcat" }, dockerfileChangesTomcat, tomcatConfRe, tomcatImageHop},
	{func(image string) bool { return officialImage(image) == "jetty" }, dockerfileChangesJetty, jettyConfRe,
		func(loc Location, image, how, _ string) Hop { return jettyImageHop(loc, image, how) }},
	{func(image string) bool { return wildflyImageRe.MatchString(strings.Trim(strings.ToLower(image), `"'`)) }, wildflyChangeRe.MatchString, wildflyConfRe,
		func(loc Location, image, how, _ string) Hop { return wildflyImageHop(loc, image, how) }},
}

// shippedImageHop is the hop of a container that runs one of
// shippedServers' images, told by ref; mounts is what is mounted into it
// (paths, as text): a mount over the server's configuration makes its value
// unknown, and no hop is returned.
func shippedImageHop(loc Location, ref, how, mounts, yours string) (Hop, bool) {
	for _, s := range shippedServers {
		if s.is(ref) {
			if s.mounted.MatchString(mounts) {
				return Hop{}, false
			}
			return s.hop(loc, ref, how, yours), true
		}
	}
	return Hop{}, false
}

// dockerfileLines calls f with each line of a Dockerfile that is not a
// comment, and its number.
func dockerfileLines(src []byte, f func(n int, line string)) {
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if line := sc.Text(); !strings.HasPrefix(strings.TrimSpace(line), "#") {
			f(n, line)
		}
	}
}

// dockerfileImageHops reads a Dockerfile whose final stage runs one of
// shippedServers' images as it ships: no line of that stage (or of the
// stages it builds on) changes the server's setting or runs something else.
func dockerfileImageHops(file string, src []byte) []Hop {
	image, _, _ := dockerfileFinalImage(src, func(string) bool { return false })
	for _, s := range shippedServers {
		if image == "" || !s.is(image) {
			continue
		}
		if _, at, changed := dockerfileFinalImage(src, s.changes); !changed {
			return []Hop{s.hop(Location{file, at}, image, "FROM "+image, "COPY'd over it in the Dockerfile")}
		}
		return nil
	}
	return nil
}

// dockerfileChangesApacheImage reports whether a Dockerfile line of an
// Apache image may change its KeepAliveTimeout (dockerfileChangesApache) or
// is a command of its own that is not Apache's (a queue worker on the php
// image).
func dockerfileChangesApacheImage(line string) bool {
	if f := strings.Fields(strings.ToLower(line)); len(f) > 1 && f[0] == "cmd" && !strings.Contains(line, "apache") && !strings.Contains(line, "httpd") {
		return true
	}
	return dockerfileChangesApache(line)
}

// wildflyImageHop is the hop of a container that runs WildFly's image as it
// ships: its standalone.xml sets no no-request-timeout.
func wildflyImageHop(loc Location, image, how string) Hop {
	h := wildflyListenerHop(loc, `http-listener name="default"`, "")
	h.Name, h.Pattern = "WildFly (image "+image+")", true
	h.Source = how + ": the image's standalone.xml sets no no-request-timeout, so Undertow's 60000 ms"
	return h
}

var (
	// wildflyImageRe is WildFly's own image (quay.io/wildfly/wildfly, and
	// the older jboss/wildfly on Docker Hub).
	wildflyImageRe = regexp.MustCompile(`^(?:quay\.io/wildfly/wildfly|(?:docker\.io/)?jboss/wildfly)(?::|@|$)`)
	// wildflyChangeRe finds a Dockerfile line that may change the image's
	// listeners: a configuration or CLI script put in place or run, or
	// the timeout named.
	// wildflyConfRe finds a mount over the image's configuration.
	wildflyConfRe   = regexp.MustCompile(`(?i)/standalone/configuration|standalone[\w.-]*\.xml|\.cli\b`)
	wildflyChangeRe = regexp.MustCompile(`(?i)standalone[\w.-]*\.xml|domain\.xml|jboss-cli|\.cli\b|no-request-timeout|/configuration/?(?:\s|$)|^\s*(?:CMD|ENTRYPOINT)\b[^\n]*(?:-c|--server-config)`)
)

// jettyConfRe finds a Dockerfile line or mount that may change the official
// jetty image's http connector: its idle timeout or jetty.http properties
// named, or the start files and XML that hold them.
var jettyConfRe = regexp.MustCompile(`(?i)idletimeout|jetty\.http\.|start\.ini|start\.d|/etc/jetty|jetty[\w-]*\.xml|/usr/local/jetty/etc`)

// dockerfileChangesJetty reports whether a Dockerfile line of an image
// built FROM jetty may change its connector, or run something other than
// Jetty's start.jar.
func dockerfileChangesJetty(line string) bool {
	if jettyConfRe.MatchString(line) {
		return true
	}
	f := strings.Fields(strings.ToLower(line))
	l := strings.ToLower(line)
	return len(f) > 1 && (f[0] == "cmd" || f[0] == "entrypoint") && !strings.Contains(l, "start.jar") && !strings.Contains(l, "jetty") && !strings.Contains(l, "docker-entrypoint")
}

// jettyImageHop is the hop of a container that runs the official jetty
// image as it ships: its http module keeps jetty.http.idleTimeout at its
// default, 30000 ms.
func jettyImageHop(loc Location, image, how string) Hop {
	return Hop{Role: App, Kind: "jetty", Name: "Eclipse Jetty (image " + image + ")", Idle: stacks.Must("jetty").DefaultIdle, Known: true, Pattern: true,
		Source: how + ": the image's http module keeps jetty.http.idleTimeout at its default (30000 ms)", Location: loc,
		Setting: func(d time.Duration) string {
			return fmt.Sprintf(`jetty.http.idleTimeout=%d  (an argument of start.jar: CMD ["java", "-jar", "/usr/local/jetty/start.jar", "jetty.http.idleTimeout=%d"], or in $JETTY_BASE/start.d/http.ini)`, ceilSecs(d)*1000, ceilSecs(d)*1000)
		}}
}

// dockerfileFinalImage returns the image a Dockerfile's final stage runs
// (through FROM an earlier stage), the line of its FROM, and whether a line
// of that stage, or of the stages it builds on, is one that changes reports.
func dockerfileFinalImage(src []byte, changes func(line string) bool) (image string, at int, changed bool) {
	// A stage FROM an earlier stage runs that stage's image, with its changes.
	type stage struct {
		image   string
		changed bool
	}
	stages := map[string]stage{}
	name := ""
	dockerfileLines(src, func(n int, line string) {
		if m := dockerfileFromRe.FindStringSubmatch(line); m != nil {
			if name != "" {
				stages[name] = stage{image, changed}
			}
			image, at, changed, name = m[1], n, false, strings.ToLower(m[2]) // a new stage: only the last one runs
			if prev, ok := stages[strings.ToLower(image)]; ok {
				image, changed = prev.image, prev.changed
			}
			return
		}
		if changes(line) {
			changed = true
		}
	})
	return image, at, changed
}

// officialImage returns the name of a Docker Hub official image
// (docker.io/library/NAME:TAG, NAME:TAG, or ECR Public's copy), or "" for
// any other image.
func officialImage(ref string) string {
	ref = strings.Trim(strings.ToLower(ref), `"'`)
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		ref = ref[:i]
	}
	repo, rest := "", ref
	if i := strings.LastIndexByte(ref, '/'); i >= 0 {
		repo, rest = ref[:i+1], ref[i+1:]
	}
	if !officialRepo(repo) {
		return ""
	}
	name, _, _ := strings.Cut(rest, ":")
	return name
}

// officialRepo reports whether an image's repository part ("" for NAME,
// "docker.io/library/" ...) holds Docker Hub's official images: Docker
// Hub itself, or ECR Public's copy of them (public.ecr.aws/docker/library,
// which AWS's samples use).
func officialRepo(repo string) bool {
	switch repo {
	case "", "library/", "docker.io/", "docker.io/library/", "index.docker.io/library/", "public.ecr.aws/docker/library/":
		return true
	}
	return false
}

var (
	// tomcatTimeoutRe finds a Dockerfile line that names server.xml or the
	// connector's timeouts.
	tomcatTimeoutRe = regexp.MustCompile(`(?i)server\.xml|keepalivetimeout|connectiontimeout`)
	// tomcatConfRe finds Tomcat's configuration directory.
	tomcatConfRe = regexp.MustCompile(`(?i)/usr/local/tomcat/conf|\$\{?CATALINA_HOME\}?/conf`)
)

// dockerfileChangesTomcat reports whether a Dockerfile line of an image
// built FROM tomcat may change its connector: it names server.xml or the
// timeouts, or copies a directory, or edits with a wildcard, into conf/
// (a tomcat-users.xml or context.xml copied there leaves the connector
// alone); or whether it runs something other than Tomcat (a CMD or
// ENTRYPOINT that does not start catalina).
func dockerfileChangesTomcat(line string) bool {
	if tomcatTimeoutRe.MatchString(line) {
		return true
	}
	f := strings.Fields(line)
	if len(f) < 2 {
		return false
	}
	switch strings.ToLower(f[0]) {
	case "cmd", "entrypoint":
		return !strings.Contains(strings.ToLower(line), "catalina")
	case "copy", "add":
		if !tomcatConfRe.MatchString(f[len(f)-1]) {
			return false
		}
		for _, src := range f[1 : len(f)-1] {
			if !strings.HasPrefix(src, "--") && (strings.HasSuffix(src, "/") || !strings.Contains(path.Base(src), ".")) {
				return true // a directory: what it holds is not shown
			}
		}
		return false
	}
	return tomcatConfRe.MatchString(line) && strings.Contains(line, "*")
}

// tomcatImageHop is the hop of a container that runs the official tomcat
// image with its own conf/server.xml: Apache Tomcat's, whose HTTP connector
// sets connectionTimeout="20000" and no keepAliveTimeout, which falls back
// to it (measured with the same file from Debian's tomcat10: FIN after 20 s).
// yours says how a server.xml of one's own gets there.
func tomcatImageHop(loc Location, image, how, yours string) Hop {
	return Hop{Role: App, Kind: "tomcat", Name: "Apache Tomcat (image " + image + ")", Idle: stacks.Must("tomcat").DefaultIdle, Known: true, Pattern: true,
		Source: how + `: the image's server.xml sets connectionTimeout="20000", which keepAliveTimeout falls back to`, Location: loc,
		Setting: func(d time.Duration) string {
			return fmt.Sprintf(`keepAliveTimeout="%d" on the HTTP Connector of /usr/local/tomcat/conf/server.xml (a server.xml of your own, %s)`, ceilSecs(d)*1000, yours)
		}}
}

// tiangolo's images (tiangolo/uvicorn-gunicorn, -fastapi, -starlette) run
// /start.sh, which starts gunicorn with uvicorn's worker and the image's
// gunicorn_conf.py: keepalive from KEEP_ALIVE, 5 s unless set (since 2020;
// before, gunicorn's 2 s), which uvicorn's worker takes as its keep-alive
// timeout. A repository that builds FROM one of them and sets nothing has
// a server that closes idle connections after 5 s. The image's start.sh
// prefers the application's own /app/gunicorn_conf.py, GUNICORN_CONF and
// WORKER_CLASS, and a CMD of the Dockerfile's own runs something else.
var tiangoloImageRe = regexp.MustCompile(`^(?:docker\.io/)?tiangolo/uvicorn-gunicorn(?:-fastapi|-starlette)?(?::|@|$)`)

// tiangoloDefaultKeepAlive is KEEP_ALIVE's default in the image's
// gunicorn_conf.py; tiangoloDefaultHow says a hop has it.
const (
	tiangoloDefaultKeepAlive = "5"
	tiangoloDefaultHow       = "KEEP_ALIVE not set: the image's default"
)

var (
	dockerEnvRe      = regexp.MustCompile(`(?i)^\s*ENV\s+(.*)$`)
	dockerEnvPairRe  = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)(?:=|\s+)("[^"]*"|'[^']*'|\S+)`)
	keepAliveEnvRe   = regexp.MustCompile(`\b(?:KEEP_ALIVE|GUNICORN_CMD_ARGS)\b`)
	tiangoloChangeRe = regexp.MustCompile(`(?i)gunicorn_conf|\bGUNICORN_CONF\b`)
)

// tiangoloImageHop reads a Dockerfile whose final stage runs one of
// tiangolo's uvicorn-gunicorn images with its start script: the gunicorn
// it starts, at KEEP_ALIVE (ENV) or the image's default.
func tiangoloImageHop(file string, src []byte) []Hop {
	// The stage being read; a stage FROM an earlier one starts from its
	// image, environment and changes.
	type stage struct {
		image  string
		at     int
		env    map[string]string
		custom bool // a configuration or a command of its own
	}
	var cur stage
	stages := map[string]stage{}
	name := ""
	dockerfileLines(src, func(n int, line string) {
		if m := dockerfileFromRe.FindStringSubmatch(line); m != nil {
			if name != "" {
				stages[name] = cur
			}
			name = strings.ToLower(m[2])
			cur = stage{image: strings.ToLower(m[1]), at: n, env: map[string]string{}} // only the last stage runs
			if prev, ok := stages[cur.image]; ok {
				cur.image, cur.at, cur.custom = prev.image, prev.at, prev.custom
				maps.Copy(cur.env, prev.env)
			}
			return
		}
		if cur.env == nil {
			return // before the first FROM
		}
		if tiangoloChangeRe.MatchString(line) {
			cur.custom = true
		}
		if m := dockerEnvRe.FindStringSubmatch(line); m != nil {
			for _, kv := range dockerEnvPairRe.FindAllStringSubmatch(m[1], -1) {
				cur.env[kv[1]] = strings.Trim(kv[2], `"'`)
			}
		}
		if f := strings.Fields(strings.ToLower(line)); len(f) > 1 && (f[0] == "cmd" || f[0] == "entrypoint") && !strings.Contains(line, "/start.sh") {
			cur.custom = true
		}
	})
	image, at, env := cur.image, cur.at, cur.env
	if image == "" || cur.custom || !tiangoloImageRe.MatchString(image) {
		return nil
	}
	keepalive, how := tiangoloDefaultKeepAlive, tiangoloDefaultHow
	if v, ok := env["KEEP_ALIVE"]; ok {
		keepalive, how = v, "ENV KEEP_ALIVE="+v
	}
	// gunicorn takes GUNICORN_CMD_ARGS over its configuration file.
	for _, m := range flagRe.FindAllStringSubmatch(env["GUNICORN_CMD_ARGS"], -1) {
		if m[1] == "--keep-alive" {
			keepalive, how = m[2], "ENV GUNICORN_CMD_ARGS="+env["GUNICORN_CMD_ARGS"]
		}
	}
	worker := "uvicorn.workers.UvicornWorker"
	if v, ok := env["WORKER_CLASS"]; ok {
		worker = v
	}
	hop := gunicornHop(Location{file, at}, keepalive, worker, 0, "")
	hop.Name = "gunicorn (image " + image + ")"
	hop.tiangolo = true
	hop.gunicorn = &gunicornSettings{keepalive: keepalive, keepHow: how, worker: worker}
	if _, err := strconv.Atoi(keepalive); err != nil && hop.Idle != NoKeepalive {
		hop.Known, hop.Idle = false, 0
		hop.Source = fmt.Sprintf("FROM %s runs gunicorn with KEEP_ALIVE=%s, not a number lbdoctor can read", image, keepalive)
	} else if hop.Idle != NoKeepalive {
		hop.Source = fmt.Sprintf("FROM %s runs gunicorn with keepalive %s s and the %s worker (%s)", image, keepalive, worker, how)
	}
	hop.Setting = func(d time.Duration) string {
		return fmt.Sprintf("ENV KEEP_ALIVE=%d  (the image's gunicorn_conf.py reads it)", int64((d+time.Second-1)/time.Second))
	}
	return []Hop{hop}
}

// envSetting is where a file sets an environment variable for containers;
// scope, when set, is the one Dockerfile whose containers get it (a Copilot
// service manifest's variables), "-" for none of the repository's.
type envSetting struct {
	loc   Location
	scope string
}

// settleTiangoloHops drops the tiangolo image hops whose Dockerfile's
// directory holds a gunicorn_conf.py (confs): copied into /app, the image
// runs gunicorn with it instead of its own. And it leaves unknown the
// keep-alive of those whose Dockerfile does not set KEEP_ALIVE when another
// file of the repository does (compose, Kubernetes, ECS, a script's docker
// run -e, setAt): the container may get that value at run time, which is
// not followed.
//
// The image's start.sh names the worker on gunicorn's command line, which
// wins over the file's worker_class: the hop of such a gunicorn_conf.py is
// made again with that worker.
func settleTiangoloHops(hops []Hop, setAt []envSetting, confs []string) []Hop {
	// The Dockerfiles that run the image: a configuration file is taken to
	// be the one whose directory is nearest above it.
	var images []Hop
	for _, h := range hops {
		if h.tiangolo {
			images = append(images, h)
		}
	}
	deepestFirst(images, func(h Hop) string { return path.Dir(h.Location.File) })
	out := hops[:0]
	for _, h := range hops {
		if h.Kind == "gunicorn" && path.Base(h.Location.File) == "gunicorn_conf.py" && h.gunicorn != nil && h.Known {
			if i := slices.IndexFunc(images, func(img Hop) bool { return inDir(path.Dir(img.Location.File), h.Location.File) }); i >= 0 {
				g, worker := *h.gunicorn, images[i].gunicorn.worker
				conf := gunicornHop(h.Location, g.keepalive, worker, g.threads, "gunicorn_conf.py")
				conf.Name, conf.gunicorn = h.Name, h.gunicorn
				conf.Source += fmt.Sprintf("; tiangolo's image (%s) runs gunicorn with it and -k %s", images[i].Location.File, worker)
				h = conf
			}
		}
		if !h.tiangolo {
			out = append(out, h)
			continue
		}
		dir := path.Dir(h.Location.File)
		if slices.ContainsFunc(confs, func(c string) bool { return inDir(dir, c) }) {
			continue
		}
		i := slices.IndexFunc(setAt, func(e envSetting) bool { return e.scope == "" || e.scope == h.Location.File })
		if i >= 0 && h.gunicorn.keepHow == tiangoloDefaultHow && h.Idle != NoKeepalive {
			h.Known, h.Idle = false, 0
			h.Source = fmt.Sprintf("the image's gunicorn reads KEEP_ALIVE and GUNICORN_CMD_ARGS, which %s sets: the value the container gets is not followed", setAt[i].loc)
		}
		out = append(out, h)
	}
	return out
}

// composeImageHops reads a compose file's services that run an Apache image
// as it ships: no build of their own, no command of their own, no volume
// mounted over its configuration.
func composeImageHops(file string, docs []*yaml.Node) []Hop {
	var hops []Hop
	for _, d := range docs {
		services := get(d, "services")
		if services == nil || services.Kind != yaml.MappingNode {
			continue
		}
		for i := 1; i < len(services.Content); i += 2 {
			svc := services.Content[i]
			image, ok := scalar(get(svc, "image"))
			if !ok || get(svc, "build") != nil || get(svc, "command") != nil {
				continue
			}
			if h, ok := shippedImageHop(Location{file, get(svc, "image").Line}, image, "image: "+image, mountTargets(get(svc, "volumes")), "mounted in volumes"); ok {
				hops = append(hops, h)
			}
		}
	}
	return hops
}

// mountTargets returns the targets of a list of volumes (compose's short
// "src:dst" or long {target: dst} form, or Kubernetes volumeMounts), one
// per line.
func mountTargets(list *yaml.Node) string {
	if list == nil {
		return ""
	}
	var out []string
	for _, v := range list.Content {
		target, _ := scalar(v)
		for _, key := range []string{"target", "mountPath"} {
			if t, ok := scalar(get(v, key)); ok {
				target = t
			}
		}
		out = append(out, target)
	}
	return strings.Join(out, "\n")
}
