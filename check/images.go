package check

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/lbdoctor/lbdoctor/stacks"
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
// image unchanged (no line of that stage touches Apache's configuration).
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
	}
	if image == "" || changed || !imageApache(image) {
		return nil
	}
	return []Hop{apacheImageHop(Location{file, at}, image, "FROM "+image)}
}

// composeImageHops reads a compose file's services that run an Apache image
// unchanged (no volume mounted over its configuration).
func composeImageHops(file string, src []byte) []Hop {
	if !bytes.Contains(src, []byte("services")) || !bytes.Contains(src, []byte("image")) {
		return nil
	}
	var hops []Hop
	lines := strings.Split(string(src), "\n")
	// Services are the keys one level below services:, each up to the next
	// key at its indentation.
	inServices, svcIndent := false, -1
	type svc struct {
		image   string
		line    int
		changed bool
	}
	var cur *svc
	flush := func() {
		if cur != nil && cur.image != "" && !cur.changed && imageApache(cur.image) {
			hops = append(hops, apacheImageHop(Location{file, cur.line}, strings.Trim(cur.image, `"'`), "image: "+strings.Trim(cur.image, `"'`)))
		}
		cur = nil
	}
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		indent := len(l) - len(strings.TrimLeft(l, " "))
		if indent == 0 {
			flush()
			inServices, svcIndent = strings.HasPrefix(t, "services:"), -1
			continue
		}
		if !inServices {
			continue
		}
		if svcIndent < 0 {
			svcIndent = indent
		}
		if indent == svcIndent {
			flush()
			cur = &svc{}
			continue
		}
		if cur == nil {
			continue
		}
		if v, ok := strings.CutPrefix(t, "image:"); ok {
			cur.image, cur.line = strings.TrimSpace(strings.SplitN(v, " #", 2)[0]), i+1
		}
		if apacheConfigChangeRe.MatchString(t) {
			cur.changed = true
		}
	}
	flush()
	return hops
}
