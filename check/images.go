package check

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
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
	// Only Docker Hub's official images: docker.io/library/NAME or NAME.
	if repo := ref[:strings.LastIndexByte(ref, '/')+1]; repo != "" && repo != "library/" && repo != "docker.io/library/" && repo != "docker.io/" {
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

// dockerfileImageHops reads a Dockerfile whose final stage runs an Apache
// image as it ships: no line of that stage touches Apache's configuration,
// and its CMD, if any, starts Apache.
func dockerfileImageHops(file string, src []byte) []Hop {
	var image string
	var at int
	changed := false
	// A stage FROM an earlier stage runs that stage's image, with its changes.
	type stage struct {
		image   string
		changed bool
	}
	stages := map[string]stage{}
	name := ""
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if m := dockerfileFromRe.FindStringSubmatch(line); m != nil {
			if name != "" {
				stages[name] = stage{image, changed}
			}
			image, at, changed, name = m[1], n, false, strings.ToLower(m[2]) // a new stage: only the last one runs
			if prev, ok := stages[strings.ToLower(image)]; ok {
				image, changed = prev.image, prev.changed
			}
			continue
		}
		if apacheConfigChangeRe.MatchString(line) {
			changed = true
		}
		// A command of its own that is not Apache's runs something else
		// (a queue worker on the php image).
		if f := strings.Fields(strings.ToLower(line)); len(f) > 1 && f[0] == "cmd" && !strings.Contains(line, "apache") && !strings.Contains(line, "httpd") {
			changed = true
		}
	}
	if image == "" || changed || !imageApache(image) {
		return nil
	}
	return []Hop{apacheImageHop(Location{file, at}, image, "FROM "+image)}
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
			if !ok || get(svc, "build") != nil || get(svc, "command") != nil || !imageApache(image) || mountsApacheConfig(get(svc, "volumes")) {
				continue
			}
			hops = append(hops, apacheImageHop(Location{file, get(svc, "image").Line}, image, "image: "+image))
		}
	}
	return hops
}

// mountsApacheConfig reports whether a list of volumes (compose's short
// "src:dst" or long {target: dst} form, or Kubernetes volumeMounts with
// mountPath) mounts something over Apache's configuration.
func mountsApacheConfig(list *yaml.Node) bool {
	if list == nil {
		return false
	}
	for _, v := range list.Content {
		target, _ := scalar(v)
		for _, key := range []string{"target", "mountPath"} {
			if t, ok := scalar(get(v, key)); ok {
				target = t
			}
		}
		if apacheConfigChangeRe.MatchString(target) {
			return true
		}
	}
	return false
}
