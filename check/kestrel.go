package check

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/lbdoctor/lbdoctor/stacks"
)

var (
	// kestrelCodeRe finds Limits.KeepAliveTimeout = EXPR; in C# (in
	// ConfigureKestrel, UseKestrel or Configure<KestrelServerOptions>).
	kestrelCodeRe = regexp.MustCompile(`\.\s*Limits\s*\.\s*KeepAliveTimeout\s*=\s*([^;]+);`)
	// kestrelBindRe finds code that binds the Kestrel section of the
	// configuration to KestrelServerOptions, Limits included:
	// Configure<KestrelServerOptions>(configuration.GetSection("Kestrel")),
	// or GetSection("Kestrel").Bind(options).
	kestrelBindRe = regexp.MustCompile(`Configure<\s*KestrelServerOptions\s*>\s*\(\s*[\w.]*GetSection\(\s*"Kestrel"\s*\)|GetSection\(\s*"Kestrel"\s*\)\s*\.\s*Bind\s*\(|\.Bind\(\s*"Kestrel"\s*,`)
	// kestrelEnvRe finds the variable in a Dockerfile's ENV instruction,
	// also on one of its continuation lines.
	kestrelEnvRe = regexp.MustCompile(`(?m)^\s*ENV\s(?:[^\n]*\\\r?\n)*?[^\n]*?\b((?:ASPNETCORE_)?Kestrel__Limits__KeepAliveTimeout)[=\s]["']?([^"'\s\\]+)`)
	// projectRefRe finds a .csproj's references to other projects.
	projectRefRe = regexp.MustCompile(`<ProjectReference\s+Include\s*=\s*"([^"]+)"`)
	// kestrelHelperCallRe finds a call of a helper named for Kestrel other
	// than ASP.NET Core's own; kestrelHelperDefRe its definition.
	kestrelHelperCallRe = regexp.MustCompile(`\.\s*([A-Z]\w*Kestrel\w*)\s*\(`)
	kestrelHelperDefRe  = regexp.MustCompile(`\b(?:static|void|public|private|internal)\b[^;{=]*?\b([A-Z]\w*Kestrel\w*)\s*\(`)
	timespanRe          = regexp.MustCompile(`^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$`)
	// csFromRe is TimeSpan.FromSeconds(30) and its kin; csNewRe is new
	// TimeSpan(h, m, s) and its other constructors; csParseRe is
	// TimeSpan.Parse("00:02:00").
	csFromRe  = regexp.MustCompile(`^TimeSpan\s*\.\s*From(Milliseconds|Seconds|Minutes|Hours|Days)\s*\(\s*([0-9_.\s*+-]+?)\s*\)$`)
	csNewRe   = regexp.MustCompile(`^new\s+TimeSpan\s*\(\s*([0-9_,\sL]+)\)$`)
	csParseRe = regexp.MustCompile(`^TimeSpan\s*\.\s*Parse\s*\(\s*"([^"]*)"\s*\)$`)
)

// parseKestrel resolves the keep-alive timeout of an ASP.NET Core web project
// (a .csproj with Sdk="Microsoft.NET.Sdk.Web" in dir): Limits.KeepAliveTimeout
// set in C# code of the project (its directory and those below it that hold
// no project of their own), else Kestrel's 130 s. A value the code computes
// at run time makes it unknown.
//
// Kestrel:Limits:KeepAliveTimeout in appsettings.json, or the environment's
// Kestrel__Limits__KeepAliveTimeout, counts only where the application binds
// that section to KestrelServerOptions itself: ASP.NET Core reads only
// endpoints and certificates from it (dotnet/aspnetcore#4765, open; the
// docs' claim otherwise was removed in dotnet/AspNetCore.Docs#31633). Else
// the hop keeps the code's value or the default and says the setting is
// not read.
func parseKestrel(root, dir, csproj string) Hop {
	st := stacks.Must("kestrel")
	hop := Hop{Role: App, Kind: "kestrel", Name: "ASP.NET Core Kestrel", Known: true, Idle: st.DefaultIdle, Setting: st.Setting,
		Source: "Kestrel's default KeepAliveTimeout (130 s)", Location: Location{rel(root, csproj), 1}}
	bound := false
	var code *kestrelValue
	// The project's own sources and those of the library projects it
	// references (a shared project's ConfigureKestrel extension method).
	sources := kestrelSources(dir)
	csprojSrc, _ := readCapped(csproj)
	for _, m := range projectRefRe.FindAllSubmatch(csprojSrc, -1) {
		ref := filepath.Join(dir, filepath.FromSlash(strings.ReplaceAll(string(m[1]), `\`, "/")))
		if strings.HasPrefix(ref, root) {
			sources = append(sources, kestrelSources(filepath.Dir(ref))...)
		}
	}
	called, defined := map[string]bool{}, map[string]bool{}
	for _, f := range sources {
		src, err := readCapped(f)
		if err != nil {
			continue
		}
		src = codeWithoutComments(f, src)
		bound = bound || kestrelBindRe.Match(src)
		for _, c := range kestrelHelperCallRe.FindAllSubmatch(src, -1) {
			switch name := string(c[1]); name {
			case "ConfigureKestrel", "UseKestrel", "UseKestrelCore", "UseKestrelHttpsConfiguration": // ASP.NET Core's
			default:
				called[name] = true
			}
		}
		for _, c := range kestrelHelperDefRe.FindAllSubmatch(src, -1) {
			defined[string(c[1])] = true
		}
		if m := kestrelCodeRe.FindSubmatchIndex(src); m != nil && code == nil {
			expr := strings.Join(strings.Fields(string(src[m[2]:m[3]])), " ")
			// o => o.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(90));
			// ends in the parenthesis of the call around the lambda.
			for strings.HasSuffix(expr, ")") && strings.Count(expr, ")") > strings.Count(expr, "(") {
				expr = strings.TrimSpace(strings.TrimSuffix(expr, ")"))
			}
			d, ok := csTimeSpan(expr)
			code = &kestrelValue{d, ok, "Limits.KeepAliveTimeout = " + expr, Location{rel(root, f), bytes.Count(src[:m[0]], []byte{'\n'}) + 1}}
		}
	}
	// A helper named for Kestrel (builder.ConfigureAppKestrel()) that no
	// source read defines, as in a git submodule that is not checked out,
	// may set the timeout where lbdoctor cannot read it.
	if code == nil {
		for name := range called {
			if !defined[name] {
				hop.Known, hop.Idle = false, 0
				hop.Source = fmt.Sprintf("the project calls %s, which is not defined in its sources or in the projects it references (one not checked out?), and may set Limits.KeepAliveTimeout", name)
				return hop
			}
		}
	}
	config := kestrelConfigValue(root, dir)
	switch {
	case config != nil && bound && code != nil && (config.d != code.d || !config.ok || !code.ok):
		hop.Known, hop.Idle, hop.Location, hop.Pattern = false, 0, code.loc, true
		hop.Source = fmt.Sprintf("%s in code, and %s at %s, which the application binds: which one Kestrel keeps depends on the order they are applied in", code.how, config.how, config.loc)
		return hop
	case code != nil:
		hop.Location, hop.Pattern = code.loc, true
		switch {
		case !code.ok:
			hop.Known, hop.Idle, hop.Source = false, 0, code.how+": an expression lbdoctor cannot read"
		case code.d == Infinite:
			hop.Idle, hop.Source = code.d, code.how+": no timeout"
		default:
			hop.Idle, hop.Source = code.d, code.how
		}
	case config != nil && bound:
		hop.Location = config.loc
		hop.Known, hop.Idle, hop.Source = config.ok, config.d, config.how+" (the application binds the Kestrel section)"
		if !config.ok {
			hop.Idle, hop.Source = 0, config.how+": not a TimeSpan lbdoctor reads"
		}
		return hop
	}
	if config != nil && !bound {
		if code == nil {
			hop.Location = config.loc
		}
		hop.Source += fmt.Sprintf("; %s at %s is not read: ASP.NET Core binds only endpoints and certificates from the Kestrel section unless the application binds it to KestrelServerOptions", config.how, config.loc)
	}
	return hop
}

// kestrelValue is a keep-alive timeout of Kestrel's found in a file.
type kestrelValue struct {
	d   time.Duration
	ok  bool   // d could be read
	how string // as written
	loc Location
}

// kestrelConfigValue finds Kestrel:Limits:KeepAliveTimeout in the
// configuration the application would read if it bound the section: a
// Dockerfile's ENV beside the project or above it (Kestrel__Limits__
// KeepAliveTimeout, also with ASP.NET Core's ASPNETCORE_ prefix), which
// wins, else appsettings.Production.json, else appsettings.json (the
// Development and other environments' files are not what is deployed).
func kestrelConfigValue(root, dir string) *kestrelValue {
	for d := dir; ; d = filepath.Dir(d) {
		docker, _ := filepath.Glob(filepath.Join(d, "Dockerfile*"))
		for _, f := range docker {
			src, err := readCapped(f)
			if err != nil {
				continue
			}
			if m := kestrelEnvRe.FindSubmatchIndex(src); m != nil {
				v := string(src[m[4]:m[5]])
				dur, ok := parseTimespan(v)
				return &kestrelValue{dur, ok, string(src[m[2]:m[3]]) + "=" + v + " (environment)", Location{rel(root, f), bytes.Count(src[:m[2]], []byte{'\n'}) + 1}}
			}
		}
		if d == root || filepath.Dir(d) == d || !strings.HasPrefix(d, root) {
			break
		}
	}
	for _, name := range []string{"appsettings.Production.json", "appsettings.json"} {
		f := filepath.Join(dir, name)
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
			dur, ok := parseTimespan(v)
			return &kestrelValue{dur, ok, "Kestrel:Limits:KeepAliveTimeout " + v, Location{rel(root, f), n.Line}}
		}
	}
	return nil
}

// kestrelSources lists the C# files of the project in dir: below it too,
// but not under bin/ or obj/ (build output) nor in a directory that holds
// another project.
func kestrelSources(dir string) []string {
	var out []string
	var walk func(d string, depth int)
	walk = func(d string, depth int) {
		entries, err := os.ReadDir(d)
		if err != nil {
			return
		}
		if depth > 0 {
			for _, e := range entries {
				if strings.HasSuffix(e.Name(), ".csproj") {
					return // another project
				}
			}
		}
		for _, e := range entries {
			switch {
			case e.IsDir() && depth < 4 && skipDirs[e.Name()] == "" && !strings.EqualFold(e.Name(), "bin") && !strings.EqualFold(e.Name(), "obj"):
				walk(filepath.Join(d, e.Name()), depth+1)
			case !e.IsDir() && strings.HasSuffix(e.Name(), ".cs"):
				out = append(out, filepath.Join(d, e.Name()))
			}
		}
	}
	walk(dir, 0)
	return out
}

// csTimeSpan evaluates a C# TimeSpan expression: TimeSpan.FromSeconds(30)
// (Milliseconds, Minutes, Hours, Days; a number or a product or sum of
// numbers), new TimeSpan(h, m, s) (also (ticks), (d, h, m, s) and (d, h,
// m, s, ms)), TimeSpan.Parse("00:00:30"), and Timeout.InfiniteTimeSpan or
// TimeSpan.MaxValue (Infinite). Anything else (a variable, a setting read
// at run time) is not known.
func csTimeSpan(expr string) (time.Duration, bool) {
	expr = strings.TrimSpace(expr)
	switch expr {
	case "Timeout.InfiniteTimeSpan", "System.Threading.Timeout.InfiniteTimeSpan", "TimeSpan.MaxValue":
		return Infinite, true
	}
	if m := csFromRe.FindStringSubmatch(expr); m != nil {
		unit := map[string]time.Duration{"Milliseconds": time.Millisecond, "Seconds": time.Second, "Minutes": time.Minute, "Hours": time.Hour, "Days": 24 * time.Hour}[m[1]]
		if n, ok := arith(m[2]); ok {
			return time.Duration(n) * unit, true
		}
		if f, err := strconv.ParseFloat(strings.ReplaceAll(m[2], "_", ""), 64); err == nil && f >= 0 {
			return time.Duration(f * float64(unit)), true
		}
		return 0, false
	}
	if m := csNewRe.FindStringSubmatch(expr); m != nil {
		var n []int64
		for _, a := range strings.Split(m[1], ",") {
			v, err := strconv.ParseInt(strings.TrimSuffix(strings.ReplaceAll(strings.TrimSpace(a), "_", ""), "L"), 10, 64)
			if err != nil || v < 0 {
				return 0, false
			}
			n = append(n, v)
		}
		switch len(n) {
		case 1: // ticks of 100 ns
			return time.Duration(n[0]) * 100, true
		case 3:
			return time.Duration(n[0])*time.Hour + time.Duration(n[1])*time.Minute + time.Duration(n[2])*time.Second, true
		case 4, 5:
			d := time.Duration(n[0])*24*time.Hour + time.Duration(n[1])*time.Hour + time.Duration(n[2])*time.Minute + time.Duration(n[3])*time.Second
			if len(n) == 5 {
				d += time.Duration(n[4]) * time.Millisecond
			}
			return d, true
		}
		return 0, false
	}
	if m := csParseRe.FindStringSubmatch(expr); m != nil {
		return parseTimespan(m[1])
	}
	return 0, false
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
