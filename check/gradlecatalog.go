package check

import (
	"bufio"
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
)

// A Gradle version catalog (gradle/libs.versions.toml) names the libraries
// and plugins that build files then only refer to: implementation(
// libs.spring.boot.starter.web), alias(libs.plugins.spring.boot). Without it
// such a build names no web starter and no Spring Boot version.

// gradleCatalog is what lbdoctor reads of a version catalog: each library's
// artifact and each plugin's id and version, by accessor (the alias with
// '-', '_' and '.' all read as '.': spring-boot-starter-web is
// libs.spring.boot.starter.web), and the bundles' libraries.
type gradleCatalog struct {
	libraries map[string]string    // accessor -> artifact
	plugins   map[string][2]string // accessor -> id, version
	bundles   map[string][]string  // accessor -> library accessors
}

var (
	catalogEntryRe = regexp.MustCompile(`^\s*"?([\w.-]+)"?\s*=\s*(.+?)\s*$`)
	catalogFieldRe = regexp.MustCompile(`([\w.]+)\s*=\s*"([^"]*)"`)
	catalogListRe  = regexp.MustCompile(`"([\w.-]+)"`)
	// libs.spring.boot.starter.web, libs.plugins.spring.boot, libs.bundles.web
	catalogRefRe = regexp.MustCompile(`\blibs\.((?:plugins\.|bundles\.)?[\w.]+)`)
)

// catalogAccessor is the accessor of an alias.
func catalogAccessor(alias string) string {
	return strings.NewReplacer("-", ".", "_", ".").Replace(strings.ToLower(alias))
}

// parseGradleCatalog reads a libs.versions.toml (one entry a line, as TOML
// writes inline tables).
func parseGradleCatalog(src []byte) gradleCatalog {
	c := gradleCatalog{libraries: map[string]string{}, plugins: map[string][2]string{}, bundles: map[string][]string{}}
	versions := map[string]string{}
	type entry struct{ section, alias, value string }
	var entries []entry
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		if strings.HasPrefix(line, "[") {
			section = strings.Trim(line, "[] ")
			continue
		}
		if m := catalogEntryRe.FindStringSubmatch(line); m != nil {
			if section == "versions" {
				versions[m[1]] = strings.Trim(m[2], `"`)
			}
			entries = append(entries, entry{section, m[1], m[2]})
		}
	}
	for _, e := range entries {
		fields := map[string]string{}
		for _, f := range catalogFieldRe.FindAllStringSubmatch(e.value, -1) {
			fields[f[1]] = f[2]
		}
		version := fields["version"]
		if ref, ok := fields["version.ref"]; ok {
			version = versions[ref]
		}
		acc := catalogAccessor(e.alias)
		switch e.section {
		case "libraries":
			module := fields["module"]
			if g, n := fields["group"], fields["name"]; n != "" {
				module = g + ":" + n
			}
			if strings.HasPrefix(e.value, `"`) { // "group:artifact:version"
				module = strings.Trim(e.value, `"`)
			}
			if parts := strings.Split(module, ":"); len(parts) >= 2 {
				c.libraries[acc] = parts[1]
			}
		case "plugins":
			id := fields["id"]
			if strings.HasPrefix(e.value, `"`) { // "id:version"
				id, version, _ = strings.Cut(strings.Trim(e.value, `"`), ":")
			}
			c.plugins[acc] = [2]string{id, version}
		case "bundles":
			for _, l := range catalogListRe.FindAllStringSubmatch(e.value, -1) {
				c.bundles[acc] = append(c.bundles[acc], catalogAccessor(l[1]))
			}
		}
	}
	return c
}

// findGradleCatalog reads the version catalog of the Gradle build dir is in:
// gradle/libs.versions.toml at dir or above it (up to root).
func findGradleCatalog(root, dir string) (gradleCatalog, bool) {
	for {
		if src, err := readCapped(filepath.Join(dir, "gradle", "libs.versions.toml")); err == nil {
			return parseGradleCatalog(src), true
		}
		if filepath.Clean(dir) == filepath.Clean(root) || filepath.Dir(dir) == dir {
			return gradleCatalog{}, false
		}
		dir = filepath.Dir(dir)
	}
}

// catalogArtifacts lists the artifacts a Gradle build file names through
// its version catalog.
func catalogArtifacts(root, dir string, src []byte) []string {
	if !bytes.Contains(src, []byte("libs.")) {
		return nil
	}
	c, ok := findGradleCatalog(root, dir)
	if !ok {
		return nil
	}
	var arts []string
	for _, m := range catalogRefRe.FindAllSubmatch(src, -1) {
		ref := strings.ToLower(string(m[1]))
		if b, ok := strings.CutPrefix(ref, "bundles."); ok {
			for _, l := range c.bundles[b] {
				if a, ok := c.libraries[l]; ok {
					arts = append(arts, a)
				}
			}
			continue
		}
		if a, ok := c.libraries[ref]; ok {
			arts = append(arts, a)
		}
	}
	return arts
}

// catalogSpringBootVersion returns the version of the Spring Boot plugin a
// Gradle build file applies through its version catalog.
func catalogSpringBootVersion(root, dir string, src []byte) (string, bool) {
	if !bytes.Contains(src, []byte("libs.plugins.")) {
		return "", false
	}
	c, ok := findGradleCatalog(root, dir)
	if !ok {
		return "", false
	}
	for _, m := range catalogRefRe.FindAllSubmatch(src, -1) {
		if p, ok := strings.CutPrefix(strings.ToLower(string(m[1])), "plugins."); ok {
			if pl, ok := c.plugins[p]; ok && pl[0] == "org.springframework.boot" && pl[1] != "" {
				return pl[1], true
			}
		}
	}
	return "", false
}
