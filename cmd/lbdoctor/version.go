package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

// releaseVersion is stamped into release builds by scripts/release
// (-ldflags "-X main.releaseVersion=v1.2.3"); everything else comes from the
// build information Go records in every binary, so nothing can drift.
var releaseVersion string

// buildVersion describes this binary.
type buildVersion struct {
	Version   string `json:"version"`
	Revision  string `json:"revision,omitempty"`
	Time      string `json:"time,omitempty"`
	Modified  bool   `json:"modified,omitempty"`
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
}

// currentVersion reads the version: the release's, else the module version
// `go install ...@vX` records, else "devel" (a build from a clone, whose VCS
// revision and time are recorded instead).
func currentVersion() buildVersion {
	v := buildVersion{Version: "devel", GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if m := bi.Main.Version; m != "" && m != "(devel)" {
			v.Version = m
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Revision = s.Value
			case "vcs.time":
				v.Time = s.Value
			case "vcs.modified":
				v.Modified = s.Value == "true"
			}
		}
	}
	if releaseVersion != "" {
		v.Version = releaseVersion
	}
	return v
}

const versionUsage = `Usage: lbdoctor version [--format text|json]

Prints lbdoctor's version, the VCS revision and time it was built from, and
the Go version. 'lbdoctor --version' prints the same text.

Examples:
  lbdoctor version
  lbdoctor version --format json | jq -r .version
`

func runVersion(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("version", versionUsage, stderr)
	format := fs.String("format", "text", "output format: text or json")
	if code, ok := parseFlagsOnly(fs, args, stderr, ""); !ok {
		return code
	}
	v := currentVersion()
	switch *format {
	case "json":
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if enc.Encode(v) != nil {
			return exitUsage
		}
	case "text":
		fmt.Fprintf(stdout, "lbdoctor %s\n", v.Version)
		if v.Revision != "" {
			mod := ""
			if v.Modified {
				mod = " (modified)"
			}
			fmt.Fprintf(stdout, "  revision: %s%s\n  built:    %s\n", v.Revision, mod, v.Time)
		}
		fmt.Fprintf(stdout, "  go:       %s %s\n", v.GoVersion, v.Platform)
	default:
		fmt.Fprintf(stderr, "lbdoctor version: --format must be text or json, not %q\n", *format)
		return exitUsage
	}
	return exitOK
}

// sarifVersion is the version as SARIF wants it: starting with a number
// ("v1.2.3" -> "1.2.3", "devel" -> "0.0.0-devel").
func sarifVersion(v string) string {
	v = strings.TrimPrefix(v, "v")
	if v == "" || v[0] < '0' || v[0] > '9' {
		return "0.0.0-" + v
	}
	return v
}
