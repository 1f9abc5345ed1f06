package check

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
)

// A Spring Boot application reads application.properties, then the files of
// its active profiles (application-prod.properties, or a YAML document with
// spring.config.activate.on-profile), whose properties win. lbdoctor lists a
// profile that sets the server's idle timeout as a hop of its own. When the
// repository says which profiles run (SPRING_PROFILES_ACTIVE where the
// application is deployed, or spring.profiles.active in its property file),
// their values become the application's; when it does not, an application
// that leaves the default only where no profile is active is not judged on
// that default: the profile that sets a value is likely the one deployed.

// springProfile describes a Spring Boot hop's property file.
type springProfile struct {
	dir     string // the directory Spring reads it from (config/ is the same application)
	profile string // "" for the default properties
	sets    bool   // it sets the embedded server's idle timeout
	// active is, in a default file, its spring.profiles.active, at line.
	active string
	line   int
}

// springSetsServer reports whether sp sets an embedded server's idle timeout.
func springSetsServer(sp springProps) bool {
	for _, k := range springIdleKeys {
		if _, _, _, ok := sp.get(k); ok {
			return true
		}
	}
	if _, _, _, ok := springOneRequest(sp); ok {
		return true
	}
	_, _, _, ok := sp.get(propGenericConnTO.key)
	return ok
}

// newSpringProfile describes sp, read from file.
func newSpringProfile(sp springProps) *springProfile {
	p := &springProfile{dir: springModule(sp.file), profile: sp.profile, sets: springSetsServer(sp)}
	if sp.profile == "" {
		p.active, p.line, _, _ = sp.get("spring.profiles.active")
	}
	return p
}

// devProfiles are profile names for development and tests: a value only they
// set says nothing of what is deployed.
var devProfiles = []string{"dev", "develop", "development", "local", "test", "tests", "testing", "debug", "ci", "it", "e2e", "h2", "mock"}

// profileList splits a spring.profiles.active value ("prod,aws"), resolving
// a placeholder to its default; nil when it cannot be known
// (@maven.filtered@, ${VAR} without a default).
func profileList(v string) []string {
	for range 4 {
		m := springPlaceholderRe.FindStringSubmatch(strings.TrimSpace(v))
		if m == nil {
			break
		}
		v = m[2]
	}
	if strings.ContainsAny(v, "@${}") {
		return nil
	}
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// applySpringProfiles settles each Spring Boot application's default hop
// with its profiles' (see the comment at the top of this file). Run it
// before applySpringOverrides: environment variables win over every file.
func (r *Report) applySpringProfiles(root string) {
	groups := map[string][]int{} // by directory: the hops of one application's files
	nSpring := 0
	for i, h := range r.Hops {
		if h.spring != nil {
			groups[h.spring.dir] = append(groups[h.spring.dir], i)
			if h.spring.profile == "" {
				nSpring++
			}
		}
	}
	drop := map[int]bool{}
	for _, dir := range sortedKeys(groups) {
		idx := groups[dir]
		var defaults []int
		for _, i := range idx {
			if r.Hops[i].spring.profile == "" {
				defaults = append(defaults, i)
			}
		}
		if len(defaults) == 0 {
			continue
		}
		// A file outside the jar (config/application.yml in the directory
		// the application runs in) wins over the jar's own: Spring reads
		// it after them. The jar's default hop takes its value, and stands
		// for the application alone.
		inJar := func(i int) bool { return strings.Contains(r.Hops[i].Location.File, "src/main/resources/") }
		external := -1
		for _, i := range defaults {
			if r.Hops[i].spring.sets && !inJar(i) {
				external = i
			}
		}
		if external >= 0 && slices.ContainsFunc(defaults, inJar) {
			e := r.Hops[external]
			for _, i := range defaults {
				if h := &r.Hops[i]; inJar(i) {
					h.Idle, h.Known, h.Location, h.Pattern = e.Idle, e.Known, e.Location, e.Pattern
					h.Source = e.Source + ", from outside the jar (Spring reads it from the working directory, over the jar's own file)"
					h.spring.sets = true
				}
			}
			drop[external] = true
		}
		project, atRoot := projectOf(root, r.Hops[defaults[0]].Location.File)
		active, how := r.activeProfiles(project, atRoot, nSpring)
		if active == nil {
			for _, i := range defaults {
				if sp := r.Hops[i].spring; sp.active != "" {
					active = profileList(sp.active)
					how = fmt.Sprintf("spring.profiles.active=%s at %s:%d", sp.active, r.Hops[i].Location.File, sp.line)
				}
			}
		}
		// The hop of each profile that sets the idle timeout.
		setBy := map[string]int{}
		for _, i := range idx {
			if sp := r.Hops[i].spring; sp.profile != "" && sp.sets {
				for _, p := range profileList(sp.profile) {
					setBy[p] = i
				}
			}
		}
		for _, d := range defaults {
			h := &r.Hops[d]
			if active != nil {
				for _, p := range active {
					i, ok := setBy[p]
					if !ok {
						continue
					}
					ph := r.Hops[i]
					h.Idle, h.Known, h.Location, h.Pattern = ph.Idle, ph.Known, ph.Location, ph.Pattern
					h.Source = fmt.Sprintf("%s in profile %s, active by %s", ph.Source, p, how)
					drop[i] = true
				}
				continue
			}
			if h.spring.sets || !h.Known {
				continue
			}
			var others []string
			for _, p := range sortedKeys(setBy) {
				if !slices.Contains(devProfiles, strings.ToLower(p)) {
					ph := r.Hops[setBy[p]]
					v := "a value not known"
					if ph.Known {
						v = secs(ph.Idle)
					}
					others = append(others, fmt.Sprintf("profile %s sets %s (%s)", p, v, ph.Location))
				}
			}
			if len(others) > 0 {
				h.Known = false
				h.Source += " when no profile is active; " + strings.Join(others, ", ") + ", and the repository does not say which profile runs"
			}
		}
	}
	if len(drop) > 0 {
		kept := r.Hops[:0]
		for i, h := range r.Hops {
			if !drop[i] {
				kept = append(kept, h)
			}
		}
		r.Hops = kept
	}
}

// activeProfiles returns the profiles that SPRING_PROFILES_ACTIVE (or
// -Dspring.profiles.active) activates for an application of project, found
// as applySpringOverrides finds its overrides, and where; nil when none or
// when they disagree.
func (r *Report) activeProfiles(project string, atRoot bool, nSpring int) ([]string, string) {
	var found []springOverride
	for _, o := range r.springOverrides {
		if o.key == "spring.profiles.active" && overrideFor(o, project, atRoot, nSpring) {
			found = append(found, o)
		}
	}
	if len(found) == 0 {
		return nil, ""
	}
	for _, o := range found[1:] {
		if o.value != found[0].value {
			return nil, ""
		}
	}
	return profileList(found[0].value), fmt.Sprintf("%s at %s", found[0].how, found[0].loc)
}

// overrideFor reports whether o, a setting outside the property files,
// applies to an application of project: a file of that project, a file that
// names it, or any file when the repository has one Spring application.
func overrideFor(o springOverride, project string, atRoot bool, nSpring int) bool {
	return !atRoot && (o.project == project || namesProject(o.text, project)) || nSpring == 1
}

// namesProject reports whether a file's text (lower case) names a project:
// a Deployment or a compose service called orders. Names shorter than three
// letters would match anything.
func namesProject(text []byte, project string) bool {
	return len(project) >= 3 && bytes.Contains(text, []byte(project))
}
