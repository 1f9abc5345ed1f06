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

var (
	kestrelCodeRe = regexp.MustCompile(`KeepAliveTimeout\s*=\s*TimeSpan\s*\.\s*From(Seconds|Minutes)\s*\(\s*(\d+)`)
	timespanRe    = regexp.MustCompile(`^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$`)
)

// parseKestrel resolves the keep-alive timeout of an ASP.NET Core web project
// (a .csproj with Sdk="Microsoft.NET.Sdk.Web" in dir): Kestrel:Limits:
// KeepAliveTimeout in appsettings*.json, else Limits.KeepAliveTimeout in C#
// code of the project directory, else Kestrel's 130 s.
func parseKestrel(root, dir, csproj string) Hop {
	st := stacks.Must("kestrel")
	hop := Hop{Role: App, Kind: "kestrel", Name: "ASP.NET Core Kestrel", Known: true, Idle: st.DefaultIdle, Setting: st.Setting,
		Source: "Kestrel's default KeepAliveTimeout (130 s)", Location: Location{rel(root, csproj), 1}}
	files, _ := filepath.Glob(filepath.Join(dir, "appsettings*.json"))
	for _, f := range files {
		src, err := readCapped(f)
		if err != nil {
			continue
		}
		docs, err := yamlDocs(rel(root, f), src)
		if err != nil || len(docs) == 0 {
			continue
		}
		n := get(docs[0], "Kestrel", "Limits", "KeepAliveTimeout")
		if v, ok := scalar(n); ok {
			if d, ok := parseTimespan(v); ok {
				hop.Idle, hop.Source, hop.Location = d, "Kestrel:Limits:KeepAliveTimeout "+v, Location{rel(root, f), n.Line}
				return hop
			}
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".cs") {
			continue
		}
		src, err := readCapped(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		if m := kestrelCodeRe.FindSubmatchIndex(src); m != nil {
			n, _ := strconv.Atoi(string(src[m[4]:m[5]]))
			d := time.Duration(n) * time.Second
			if string(src[m[2]:m[3]]) == "Minutes" {
				d = time.Duration(n) * time.Minute
			}
			hop.Idle, hop.Source, hop.Pattern = d, "Limits.KeepAliveTimeout = "+secs(d), true
			hop.Location = Location{rel(root, filepath.Join(dir, e.Name())), bytes.Count(src[:m[0]], []byte{'\n'}) + 1}
			return hop
		}
	}
	return hop
}

// parseTimespan reads a .NET TimeSpan such as "00:02:10" or "1.00:00:00".
func parseTimespan(s string) (time.Duration, bool) {
	m := timespanRe.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, false
	}
	n := func(i int) time.Duration { v, _ := strconv.Atoi(m[i]); return time.Duration(v) }
	d := n(2)*time.Hour + n(3)*time.Minute + n(4)*time.Second
	if m[1] != "" {
		d += n(1) * 24 * time.Hour
	}
	return d, true
}
