package check

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// MaxFileSize caps what check reads of one file: configuration is small, and
// a 300 MB generated YAML file must not be read into memory.
const MaxFileSize = 2 << 20

// Why files are skipped: the keys of Report.Skipped.
const (
	SkipDependency = "dependency or vendored tree"
	SkipBuild      = "build output"
	SkipTests      = "test sources"
	SkipIgnored    = ".gitignore"
	SkipMinified   = "minified or bundled"
	SkipLockfile   = "lockfile"
	SkipTooLarge   = "larger than 2 MiB"
	SkipTemplate   = "Helm chart template (not rendered)"
)

// skipDirs are directory names that never hold the project's own configuration.
var skipDirs = map[string]string{
	".git": SkipDependency, "node_modules": SkipDependency, "vendor": SkipDependency, ".yarn": SkipDependency,
	"third_party": SkipDependency, "bower_components": SkipDependency, ".terraform": SkipDependency,
	".venv": SkipDependency, "venv": SkipDependency, "site-packages": SkipDependency, ".bundle": SkipDependency,
	".gradle": SkipDependency, ".m2": SkipDependency, "__pycache__": SkipBuild,
	"dist": SkipBuild, "build": SkipBuild, "target": SkipBuild, "out": SkipBuild, ".next": SkipBuild, ".nuxt": SkipBuild,
	"obj": SkipBuild,
}

var lockfiles = map[string]bool{
	"package-lock.json": true, "yarn.lock": true, "pnpm-lock.yaml": true, "npm-shrinkwrap.json": true, "bun.lockb": true,
	"Gemfile.lock": true, "poetry.lock": true, "Pipfile.lock": true, "go.sum": true, "Cargo.lock": true,
	"composer.lock": true, "gradle.lockfile": true, ".terraform.lock.hcl": true, "packages.lock.json": true,
}

// skipDir says why a directory is not read ("" to read it). rel is its path
// relative to the root, with forward slashes.
func skipDir(root, rel, name string) string {
	if why, ok := skipDirs[name]; ok {
		return why
	}
	// bin/ is .NET's build output (bin/Debug, bin/Release) but source
	// elsewhere: a CDK app's entry point, Express's bin/www.
	if name == "bin" && (dirExists(filepath.Join(root, rel, "Debug")) || dirExists(filepath.Join(root, rel, "Release"))) {
		return SkipBuild
	}
	// Test sources and fixtures configure tests, not what is deployed
	// (also with a leading underscore: getsentry/self-hosted's
	// _integration-test).
	switch lower := strings.ToLower(name); strings.TrimLeft(lower, "_") {
	case "tests__", "testdata", "test_data", "test-data", "test_files", "test-files", "testfiles", "fixtures", "test-fixtures", "test_fixtures",
		"integration-tests", "integration-test", "integration_tests":
		return SkipTests
	}
	if strings.HasSuffix(rel, "src/test") || rel == "src/test" || strings.HasSuffix(rel, "src/it") || rel == "src/it" {
		return SkipTests
	}
	return ""
}

// skipFile says why a file is not read ("" to read it), from its name and size.
func skipFile(name string, size int64) string {
	switch {
	case lockfiles[name]:
		return SkipLockfile
	case strings.HasPrefix(name, ".pnp."):
		return SkipDependency
	case strings.Contains(name, ".min.") || strings.Contains(name, ".bundle.") || strings.HasSuffix(name, ".map"):
		return SkipMinified
	case size > MaxFileSize:
		return SkipTooLarge
	}
	return ""
}

// testSource reports whether a program source file is a test, by its name
// (server.test.ts, main_test.go, test_app.py, AppTests.java, mock-server.js)
// or a directory of tests above it (test, tests, spec, e2e, mocks, cypress,
// playwright, a .NET *.Tests project): test and mock servers are not
// deployed. Only program source (and PasteDeploy .ini files,
// which start a test's server): a directory named test may hold a real
// environment's configuration (envs/test/main.tf).
func testSource(rel, name string) bool {
	ext := path.Ext(name)
	switch ext {
	case ".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx", ".go", ".py", ".java", ".kt", ".scala", ".cs", ".rb", ".rs",
		".ini": // a PasteDeploy .ini under tests/ serves the functional tests
	default:
		return false
	}
	base := strings.TrimSuffix(name, ext)
	for _, suffix := range []string{".test", ".spec", "_test", "_spec", "Test", "Tests"} {
		if strings.HasSuffix(base, suffix) {
			return true
		}
	}
	if strings.HasPrefix(base, "test_") || base == "test" || base == "tests" || base == "conftest" {
		return true
	}
	// A mock server stands in for another service in development and tests.
	switch lower := strings.ToLower(base); {
	case strings.HasSuffix(lower, ".mock"), strings.HasPrefix(lower, "mock-server"), strings.HasPrefix(lower, "mockserver"), strings.HasPrefix(lower, "mock_server"):
		return true
	}
	dirs := path.Dir(rel)
	if ext == ".java" || ext == ".kt" || ext == ".scala" {
		// Below src/main/java the directories are a package name: a package
		// called test is main code (Maven's and Gradle's tests are src/test).
		if i := strings.Index("/"+dirs+"/", "/src/main/"); i >= 0 {
			dirs = strings.TrimSuffix(dirs[:max(i-1, 0)], "/")
		}
	}
	for _, dir := range strings.Split(dirs, "/") {
		switch {
		case dir == "test", dir == "tests", dir == "spec", dir == "e2e", dir == "__mocks__", dir == "benches", dir == "benchmarks",
			dir == "mock", dir == "mocks", dir == "cypress", dir == "playwright",
			strings.HasSuffix(dir, ".Tests"), strings.HasSuffix(dir, ".Test"), strings.HasSuffix(dir, ".UnitTests"), strings.HasSuffix(dir, ".IntegrationTests"):
			return true
		}
	}
	return false
}

// nodeShebangRe finds node in a #! line: #!/usr/bin/env node,
// #!/usr/local/bin/node, #!/usr/bin/env -S node --flag.
var nodeShebangRe = regexp.MustCompile(`^#!.*[/ ]node(\s|$)`)

// nodeScript reports whether src is a script that Node runs: its #! line
// names node.
func nodeScript(src []byte) bool {
	first, _, _ := bytes.Cut(src, []byte{'\n'})
	return nodeShebangRe.Match(bytes.TrimRight(first, "\r"))
}

// shellScript reports whether src starts with a shell's #! line.
func shellScript(src []byte) bool {
	first, _, _ := bytes.Cut(src, []byte{'\n'})
	if !bytes.HasPrefix(first, []byte("#!")) {
		return false
	}
	for _, sh := range []string{"/sh", "/bash", "/dash", "/ash", "/zsh", "env sh", "env bash"} {
		if bytes.Contains(first, []byte(sh)) {
			return true
		}
	}
	return false
}

// looksMinified reports whether JavaScript source is bundled or minified:
// most of its bytes sit on lines far longer than people write.
func looksMinified(src []byte) bool {
	if len(src) < 4096 {
		return false
	}
	long := 0
	for _, line := range bytes.Split(src, []byte{'\n'}) {
		if len(line) > 1000 {
			long += len(line)
		}
	}
	return long*2 > len(src)
}

// readCapped reads a file of at most MaxFileSize bytes.
func readCapped(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err == nil && len(src) > MaxFileSize {
		return nil, errTooLarge
	}
	return src, err
}

var errTooLarge = errors.New("larger than 2 MiB: not read")

// ignoreRule is one .gitignore pattern, anchored at the directory that holds
// the .gitignore.
type ignoreRule struct {
	base    string // directory of the .gitignore, relative to the root, with a trailing slash ("" for the root)
	re      *regexp.Regexp
	negate  bool
	dirOnly bool
}

// gitignore holds the rules read so far, outermost first.
type gitignore struct{ rules []ignoreRule }

// load reads dir's .gitignore, if any (base is dir relative to the root).
func (g *gitignore) load(dir, base string) {
	f, err := os.Open(filepath.Join(dir, ".gitignore"))
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, MaxFileSize))
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " \r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r := ignoreRule{}
		if base != "" {
			r.base = base + "/"
		}
		if strings.HasPrefix(line, "!") {
			r.negate, line = true, line[1:]
		}
		line = strings.TrimPrefix(line, `\`)
		if strings.HasSuffix(line, "/") {
			r.dirOnly, line = true, strings.TrimSuffix(line, "/")
		}
		// A pattern with a slash (other than at the end) is relative to the
		// .gitignore's directory; otherwise it matches at any depth.
		anchored := strings.Contains(line, "/")
		line = strings.TrimPrefix(line, "/")
		expr := globToRegexp(line)
		if !anchored {
			expr = "(?:.*/)?" + expr
		}
		re, err := regexp.Compile("^" + expr + "$")
		if err != nil {
			continue
		}
		r.re = re
		g.rules = append(g.rules, r)
	}
}

// ignored reports whether rel (relative to the root, forward slashes) is
// ignored; the last matching rule wins, as in git.
func (g *gitignore) ignored(rel string, isDir bool) bool {
	ignored := false
	for _, r := range g.rules {
		if r.dirOnly && !isDir {
			continue
		}
		p := rel
		if r.base != "" {
			if !strings.HasPrefix(rel, r.base) {
				continue
			}
			p = rel[len(r.base):]
		}
		if r.re.MatchString(p) {
			ignored = !r.negate
		}
	}
	return ignored
}

// globToRegexp turns a gitignore glob into a regular expression.
func globToRegexp(glob string) string {
	var b strings.Builder
	for i := 0; i < len(glob); i++ {
		c := glob[i]
		switch {
		case c == '*' && i+1 < len(glob) && glob[i+1] == '*':
			i++
			if i+1 < len(glob) && glob[i+1] == '/' {
				i++
				b.WriteString("(?:.*/)?")
			} else {
				b.WriteString(".*")
			}
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		case c == '[':
			j := strings.IndexByte(glob[i:], ']')
			if j < 0 {
				b.WriteString(`\[`)
				continue
			}
			class := glob[i+1 : i+j]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += j
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	return b.String()
}

// helmChartOf returns the chart directory (relative, forward slashes) when
// rel lies in a chart's templates directory, else "".
func helmChartOf(root, rel string) string {
	i := strings.Index("/"+rel, "/templates/")
	if i < 0 {
		return ""
	}
	chart := strings.TrimSuffix(rel[:max(i-1, 0)], "/")
	if i == 0 {
		chart = ""
	}
	if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(chart), "Chart.yaml")); err != nil {
		return ""
	}
	if chart == "" {
		return "."
	}
	return path.Clean(chart)
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// inDir reports whether a path relative to the root lies in dir (also
// relative; "." is the whole repository).
func inDir(dir, file string) bool {
	return dir == "." || strings.HasPrefix(file, dir+"/")
}

// deepestFirst sorts directories so that deeper ones come first: the
// nearest project then claims the files below it before its parents do.
func deepestFirst[T any](s []T, dir func(T) string) {
	slices.SortStableFunc(s, func(a, b T) int { return strings.Count(dir(b), "/") - strings.Count(dir(a), "/") })
}
