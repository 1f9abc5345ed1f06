package check

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/lbdoctor/lbdoctor/stacks"
)

// Elixir web servers (Phoenix, Plug), found through a Mix project:
//   - Cowboy 2 (plug_cowboy, Phoenix's adapter until 1.7.11) closes a
//     kept-alive connection when no new request comes within request_timeout
//     (5 s); its idle_timeout (60 s) runs only while a request is in
//     progress (cowboy_http.erl, set_timeout).
//   - Bandit (Phoenix's generated adapter since 1.7.11) waits for the next
//     request for Thousand Island's read_timeout (60 s, equal to ALB's).
//
// The values are read from the project's config/config.exs, prod.exs and
// runtime.exs (later files win, as Mix applies them; dev.exs and test.exs
// are not production), by pattern matching in the Endpoint's http options.

var (
	mixDepRe         = regexp.MustCompile(`\{\s*:(plug_cowboy|cowboy|bandit|phoenix)\s*,`)
	banditAdapterRe  = regexp.MustCompile(`adapter:\s*Bandit\.PhoenixAdapter`)
	cowboyOptionsRe  = regexp.MustCompile(`protocol_options:\s*\[`)
	banditOptionsRe  = regexp.MustCompile(`thousand_island_options:\s*\[`)
	elixirTimeoutRe  = regexp.MustCompile(`\b(request_timeout|idle_timeout|read_timeout):\s*(:infinity|[0-9][0-9_]*)`)
	elixirConfigWins = []string{"config.exs", "prod.exs", "runtime.exs"} // in the order Mix applies them
)

// elixirValue is a timeout found in a config file.
type elixirValue struct {
	d   time.Duration
	raw string
	loc Location
}

// parseMixProject gives the web server hop of the Mix project whose mix.exs
// is at path (relative to root): none when its dependencies name no server.
func parseMixProject(root, path string, src []byte) []Hop {
	deps := map[string]int{} // dependency -> line
	for _, m := range mixDepRe.FindAllSubmatchIndex(src, -1) {
		deps[string(src[m[2]:m[3]])] = bytes.Count(src[:m[0]], []byte{'\n'}) + 1
	}
	configs := mixConfigs(root, filepath.Dir(path))
	bandit := false
	for _, c := range configs {
		bandit = bandit || banditAdapterRe.Match(c.src)
	}
	_, cowboy := deps["plug_cowboy"]
	if _, ok := deps["cowboy"]; ok {
		cowboy = true
	}
	_, hasBandit := deps["bandit"]
	var id string
	switch {
	case hasBandit && (bandit || !cowboy):
		id = "bandit"
	case cowboy:
		id = "cowboy"
	default:
		return nil // no HTTP server among the dependencies
	}
	line := deps[id]
	if id == "cowboy" && line == 0 {
		line = deps["plug_cowboy"]
	}
	st := stacks.Must(id)
	hop := Hop{Role: App, Kind: id, Name: st.Name, Known: true, Idle: st.DefaultIdle, Pattern: true,
		Location: Location{path, line}, Setting: st.Setting}
	if id == "bandit" {
		hop.Source = "Bandit's default: Thousand Island's read_timeout (60 s)"
		if v, ok := lastElixirValue(configs, banditOptionsRe, "read_timeout"); ok {
			hop.Idle, hop.Source, hop.Location = v.d, "thousand_island_options read_timeout: "+v.raw, v.loc
		}
		return []Hop{hop}
	}
	hop.Source = "Cowboy's default request_timeout (5 s)"
	// Between requests only request_timeout runs: cowboy_http sets no
	// idle_timeout while no request is in progress.
	if v, ok := lastElixirValue(configs, cowboyOptionsRe, "request_timeout"); ok {
		hop.Idle, hop.Source, hop.Location = v.d, "protocol_options request_timeout: "+v.raw, v.loc
	}
	return []Hop{hop}
}

// mixConfig is one config file of a Mix project.
type mixConfig struct {
	path string // relative to the repository
	src  []byte
}

// mixConfigs reads the production config files of the Mix project in dir:
// its own config directory, else an umbrella's (two levels up:
// apps/web/mix.exs uses the umbrella's config).
func mixConfigs(root, dir string) []mixConfig {
	for _, d := range []string{dir, filepath.Join(dir, "..", "..")} {
		var out []mixConfig
		for _, name := range elixirConfigWins {
			p := filepath.Join(root, d, "config", name)
			if src, err := os.ReadFile(p); err == nil {
				out = append(out, mixConfig{rel(root, p), src})
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return nil
}

// lastElixirValue finds key in the options block that opens with block
// (protocol_options: [ or thousand_island_options: [) in the config files,
// the last file's value winning.
func lastElixirValue(configs []mixConfig, block *regexp.Regexp, key string) (elixirValue, bool) {
	var v elixirValue
	found := false
	for _, c := range configs {
		for _, b := range block.FindAllIndex(c.src, -1) {
			end := matchingBracket(c.src, b[1]-1)
			for _, m := range elixirTimeoutRe.FindAllSubmatchIndex(c.src[b[1]:end], -1) {
				if string(c.src[b[1]+m[2]:b[1]+m[3]]) != key {
					continue
				}
				raw := string(c.src[b[1]+m[4] : b[1]+m[5]])
				d := Infinite
				if raw != ":infinity" {
					n, err := strconv.ParseInt(strings.ReplaceAll(raw, "_", ""), 10, 64)
					if err != nil {
						continue
					}
					d = time.Duration(n) * time.Millisecond
				}
				v = elixirValue{d, raw, Location{c.path, bytes.Count(c.src[:b[1]+m[0]], []byte{'\n'}) + 1}}
				found = true
			}
		}
	}
	return v, found
}

// matchingBracket returns the index just past the "]" that closes the "["
// at open, or the end of src.
func matchingBracket(src []byte, open int) int {
	depth := 0
	for i := open; i < len(src); i++ {
		switch src[i] {
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return len(src)
}
