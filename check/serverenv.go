package check

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// gunicorn reads GUNICORN_CMD_ARGS and uvicorn UVICORN_TIMEOUT_KEEP_ALIVE
// from its environment, which is often set in another file than the one
// that runs the server: a compose service's environment for the image a
// Dockerfile builds, a Kubernetes container's env, an ECS task definition.
// A command line that does not set the keep-alive itself (gunicorn reads
// the variable over its configuration file too) takes it from there: from the one setting of its project, or unknown when there are
// several that disagree (which container gets which is not followed).

// serverEnv is a keep-alive set by an environment variable in a file.
type serverEnv struct {
	kind    string // "gunicorn" or "uvicorn"
	value   string // seconds, as written
	loc     Location
	project string
	atRoot  bool   // the project is the repository's root
	text    []byte // the file, lower case: which projects does it name?
}

var (
	// GUNICORN_CMD_ARGS="--keep-alive 75 --workers 3", GUNICORN_CMD_ARGS: ...
	gunicornEnvArgsRe = regexp.MustCompile(`GUNICORN_CMD_ARGS["']?\s*[=:]\s*["']?([^"'\n]*)`)
	// UVICORN_TIMEOUT_KEEP_ALIVE=75, name/value pairs too.
	uvicornEnvRe     = regexp.MustCompile(`UVICORN_TIMEOUT_KEEP_ALIVE["']?\s*[=:]\s*["']?([0-9]+)`)
	uvicornEnvPairRe = regexp.MustCompile(`["']?name["']?\s*[:=]\s*["']?UVICORN_TIMEOUT_KEEP_ALIVE["']?\s*,?\s*\n?\s*-?\s*["']?value["']?\s*[:=]\s*["']?([0-9]+)`)
	keepAliveArgRe   = regexp.MustCompile(`--keep-?alive[=\s]+([0-9]+)`)
)

// findServerEnv reads the keep-alive environment variables a file sets.
func findServerEnv(relp, project string, atRoot bool, src []byte) []serverEnv {
	if !bytes.Contains(src, []byte("GUNICORN_CMD_ARGS")) && !bytes.Contains(src, []byte("UVICORN_TIMEOUT_KEEP_ALIVE")) {
		return nil
	}
	lower := bytes.ToLower(src)
	if len(lower) > 64<<10 {
		lower = lower[:64<<10]
	}
	line := func(at int) int { return bytes.Count(src[:at], []byte{'\n'}) + 1 }
	var out []serverEnv
	for _, m := range gunicornEnvArgsRe.FindAllSubmatchIndex(src, -1) {
		if k := keepAliveArgRe.FindSubmatch(src[m[2]:m[3]]); k != nil {
			out = append(out, serverEnv{"gunicorn", string(k[1]), Location{relp, line(m[0])}, project, atRoot, lower})
		}
	}
	seen := map[int]bool{}
	for _, re := range []*regexp.Regexp{uvicornEnvPairRe, uvicornEnvRe} {
		for _, m := range re.FindAllSubmatchIndex(src, -1) {
			if seen[m[2]] {
				continue
			}
			seen[m[2]] = true
			out = append(out, serverEnv{"uvicorn", string(src[m[2]:m[3]]), Location{relp, line(m[0])}, project, atRoot, lower})
		}
	}
	return out
}

// applyServerEnv gives the gunicorn and uvicorn command lines that leave
// the keep-alive at its default the value their project's environment sets
// in another file (see the comment at the top of this file).
func (r *Report) applyServerEnv(root string) {
	if len(r.serverEnvs) == 0 {
		return
	}
	n := 0
	for _, h := range r.Hops {
		if h.Kind == "gunicorn" || h.Kind == "uvicorn" {
			n++
		}
	}
	for i := range r.Hops {
		h := &r.Hops[i]
		atDefault := h.Kind == "uvicorn" && strings.HasPrefix(h.Source, "uvicorn's default") ||
			h.Kind == "gunicorn" && !h.tiangolo && h.gunicorn != nil && (h.gunicorn.keepalive == "" || h.gunicorn.fromFile)
		// A Copilot service's variables are its own image's (applyCopilotVariables).
		if !atDefault || !h.Known || copilotManifestRe.MatchString(h.Location.File) {
			continue
		}
		project, atRoot := projectOf(root, h.Location.File)
		var found []serverEnv
		for _, e := range r.serverEnvs {
			if e.kind == h.Kind && e.loc.File != h.Location.File && !copilotManifestRe.MatchString(e.loc.File) &&
				(e.project == project && e.atRoot == atRoot || !atRoot && namesProject(e.text, project) || n == 1) {
				found = append(found, e)
			}
		}
		if len(found) == 0 {
			continue
		}
		for _, e := range found[1:] {
			if e.value != found[0].value {
				h.Known = false
				h.Source = fmt.Sprintf("the keep-alive comes from the environment, which %s and %s set differently", found[0].loc, e.loc)
				found = nil
				break
			}
		}
		if found == nil {
			continue
		}
		e := found[0]
		secs, _ := strconv.Atoi(e.value)
		how := map[string]string{"gunicorn": "GUNICORN_CMD_ARGS --keep-alive " + e.value, "uvicorn": "UVICORN_TIMEOUT_KEEP_ALIVE=" + e.value}[e.kind]
		if h.Kind == "gunicorn" {
			g := *h.gunicorn
			hop := gunicornHop(h.Location, e.value, g.worker, g.threads, fmt.Sprintf("%s at %s, the environment it runs with", how, e.loc))
			hop.Name, hop.gunicorn = h.Name, h.gunicorn
			*h = hop
			continue
		}
		h.Idle, h.Source = time.Duration(secs)*time.Second, fmt.Sprintf("%s at %s, the environment it runs with", how, e.loc)
	}
}
