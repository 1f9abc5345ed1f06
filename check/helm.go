package check

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Helm charts are rendered by the helm program itself, when it is installed:
// chart templates are Go templates with Sprig's and Helm's own functions,
// helpers defined in other files and values merged from subcharts, and only
// Helm's engine gives what a cluster would receive. `helm template` works
// offline on a chart whose dependencies are in its charts/ directory; it
// does not contact a cluster (lookup returns nothing). Each rendered
// document says which template it came from (`# Source: chart/templates/x`),
// so what it sets is reported at that template, at the line that writes the
// key (or the document's first line when a helper wrote it).

// HelmOff is the Options.Helm value that turns rendering off.
const HelmOff = "off"

// helmTimeout bounds one chart's rendering.
const helmTimeout = time.Minute

// helmKubeVersion is the Kubernetes version charts are rendered for: a
// current one, as clusters run, rather than helm's old built-in default
// (charts that require a newer one refuse that). A chart that refuses this
// one is rendered again with helm's default.
const helmKubeVersion = "1.33.0"

// helmMaxOutput bounds what one rendering may print.
const helmMaxOutput = 32 << 20

// renderHelmCharts renders every chart that is not a subchart of another
// and reads the manifests, or notes why a chart was not read.
func (r *Report) renderHelmCharts(ctx context.Context, root string, charts map[string]int, o Options) {
	var dirs []string
	for c := range charts {
		dirs = append(dirs, c)
	}
	sort.Strings(dirs)
	helm, why := helmProgram(o.Helm)
	for _, c := range dirs {
		if parentChart(c, charts) != "" {
			continue // rendered with its parent
		}
		if helm == "" {
			r.Notes = append(r.Notes, fmt.Sprintf("Helm chart %s: templates not rendered (%s); to check them: helm template %s --output-dir rendered && lbdoctor check rendered", c, why, c))
			continue
		}
		n, err := r.renderChart(ctx, root, c, helm, o)
		if err != nil {
			r.Notes = append(r.Notes, fmt.Sprintf("Helm chart %s: templates not read: %v", c, err))
			continue
		}
		// Its templates (and its subcharts') were read after all.
		for sub, k := range charts {
			if sub == c || inSubcharts(c, sub) {
				r.Skipped[SkipTemplate] -= k
				r.Files += k
			}
		}
		if r.Skipped[SkipTemplate] <= 0 {
			delete(r.Skipped, SkipTemplate)
		}
		manifests := fmt.Sprintf("%d manifests", n)
		if n == 1 {
			manifests = "1 manifest"
		}
		note := fmt.Sprintf("Helm chart %s: rendered by helm template with its default values (%s)", c, manifests)
		if len(o.HelmValues)+len(o.HelmSet) > 0 {
			note = fmt.Sprintf("Helm chart %s: rendered by helm template with the values given (%s)", c, manifests)
		}
		if others := otherValuesFiles(filepath.Join(root, filepath.FromSlash(c)), o.HelmValues); len(others) > 0 {
			note += "; other values files here: " + strings.Join(others, ", ")
		}
		r.Notes = append(r.Notes, note+"; to check it with the values you deploy: lbdoctor check --helm-values FILE")
	}
}

// helmProgram finds the helm program: the one named, or helm on PATH.
// Without one it says why.
func helmProgram(named string) (string, string) {
	switch named {
	case HelmOff:
		return "", "--helm off"
	case "":
		p, err := exec.LookPath("helm")
		if err != nil {
			return "", "helm is not installed"
		}
		return p, ""
	}
	if _, err := exec.LookPath(named); err != nil {
		return "", fmt.Sprintf("helm %s not found", named)
	}
	return named, ""
}

// parentChart returns the chart that c is a subchart of ("" for none).
func parentChart(c string, charts map[string]int) string {
	for p := range charts {
		if p != c && inSubcharts(p, c) {
			return p
		}
	}
	return ""
}

// inSubcharts reports whether chart sub lies in chart c's charts/
// directory (at any depth): helm renders it with c. A chart elsewhere below
// c is a chart of its own.
func inSubcharts(c, sub string) bool {
	if c == "." {
		return strings.HasPrefix(sub, "charts/")
	}
	return strings.HasPrefix(sub, c+"/charts/")
}

// helmReleaseRe is what Helm accepts as a release name.
var helmReleaseRe = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// renderChart runs helm template on one chart and reads what it prints. It
// returns how many manifests it read.
func (r *Report) renderChart(ctx context.Context, root, chart, helm string, o Options) (int, error) {
	dir := filepath.Join(root, filepath.FromSlash(chart))
	meta, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return 0, err
	}
	var info struct {
		Name string `yaml:"name"`
		Type string `yaml:"type"`
	}
	if err := yaml.Unmarshal(meta, &info); err != nil {
		return 0, fmt.Errorf("Chart.yaml: %v", err)
	}
	if info.Type == "library" {
		return 0, errors.New("a library chart (it renders nothing by itself)")
	}
	// The release is named after the chart, so that the objects' names
	// (often "<release>-<chart>", shortened when one contains the other)
	// are the chart's name, as services are usually called.
	release := strings.ToLower(info.Name)
	if len(release) > 53 || !helmReleaseRe.MatchString(release) {
		release = "release"
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return 0, err
	}
	args := []string{"template", release, abs, "--namespace", "default"}
	for _, v := range o.HelmValues {
		if strings.Contains(v, "://") {
			return 0, fmt.Errorf("--helm-values %s: only local files are read", v)
		}
		a, err := filepath.Abs(v)
		if err != nil {
			return 0, err
		}
		args = append(args, "--values", a)
	}
	for _, v := range o.HelmSet {
		args = append(args, "--set", v)
	}
	out, err := renderWithKubeVersion(ctx, root, helm, args)
	var missing string
	if err != nil {
		if _, deps, ok := strings.Cut(err.Error(), "missing in charts/ directory: "); ok {
			// Dependencies not vendored (charts/ is often ignored by git):
			// render the chart's own templates without them.
			missing = deps
			out, err = renderWithoutDeps(ctx, root, helm, abs, args)
		}
	}
	if err != nil {
		return 0, err
	}
	helpers := chartHelpers(root, chart)
	n := 0
	for _, g := range renderedBySource(out) {
		n += g.docs
		file := helmSourceFile(chart, g.source)
		tmpl, _ := readCapped(filepath.Join(root, filepath.FromSlash(file)))
		r.readRendered(root, file, g.text, tmpl, helpers)
	}
	if missing != "" {
		r.Notes = append(r.Notes, fmt.Sprintf("Helm chart %s: rendered without its dependencies %s (not in its charts/ directory; helm dependency build %s adds them)", chart, missing, chart))
	}
	return n, nil
}

// renderWithKubeVersion runs helm template for a current Kubernetes, or
// for helm's default when the chart refuses that version.
func renderWithKubeVersion(ctx context.Context, root, helm string, args []string) ([]byte, error) {
	out, err := runHelm(ctx, root, helm, append(args, "--kube-version", helmKubeVersion))
	if err != nil && strings.Contains(err.Error(), "kubeVersion") {
		out, err = runHelm(ctx, root, helm, args)
	}
	return out, err
}

// helmCopyMax bounds the size of a chart copied to render it without its
// dependencies.
const helmCopyMax = 16 << 20

// renderWithoutDeps renders a copy of the chart at dir (absolute, as args
// name it) whose Chart.yaml (and a v1 chart's requirements.yaml) no longer
// lists dependencies. The copy keeps the chart's name, so the templates
// helm names are the original's.
func renderWithoutDeps(ctx context.Context, root, helm, dir string, args []string) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "lbdoctor-chart-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	copyDir := filepath.Join(tmp, filepath.Base(dir))
	if err := copyChart(dir, copyDir, helmCopyMax); err != nil {
		return nil, fmt.Errorf("copying the chart to render it without its dependencies: %v", err)
	}
	meta, err := os.ReadFile(filepath.Join(copyDir, "Chart.yaml"))
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(meta, &doc); err != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("Chart.yaml: %v", err)
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "dependencies" {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			break
		}
	}
	meta, err = yaml.Marshal(&doc)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(copyDir, "Chart.yaml"), meta, 0o644); err != nil {
		return nil, err
	}
	for _, f := range []string{"requirements.yaml", "requirements.lock", "Chart.lock"} {
		os.Remove(filepath.Join(copyDir, f))
	}
	args = slices.Clone(args)
	if i := slices.Index(args, dir); i >= 0 {
		args[i] = copyDir
	}
	return renderWithKubeVersion(ctx, root, helm, args)
}

// copyChart copies a chart directory (regular files and directories only,
// at most max bytes in all).
func copyChart(src, dst string, max int64) error {
	var total int64
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if total += info.Size(); total > max {
			return fmt.Errorf("the chart is over %d MiB", max>>20)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}

// runHelm runs helm with args in dir and returns what it printed.
func runHelm(ctx context.Context, dir, helm string, args []string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, helmTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, helm, args...)
	cmd.Dir = dir
	out := &limitedBuffer{max: helmMaxOutput}
	stderr := &limitedBuffer{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = out, stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return nil, fmt.Errorf("helm template did not finish in %v", helmTimeout)
		}
		return nil, fmt.Errorf("helm template failed: %s", firstLine(stderr.String(), err))
	}
	if out.over {
		return nil, fmt.Errorf("helm template printed more than %d MiB", helmMaxOutput>>20)
	}
	return out.Bytes(), nil
}

// templateFile is a chart file's lines, for finding where a key is set.
type templateFile struct {
	name  string // relative to the root
	lines []string
}

// chartHelpers reads the chart's helper templates (templates/_*.tpl and
// the like), where keys written through include are set.
func chartHelpers(root, chart string) []templateFile {
	dir := filepath.Join(root, filepath.FromSlash(chart), "templates")
	entries, _ := os.ReadDir(dir)
	var out []templateFile
	for _, e := range entries {
		if e.IsDir() || !strings.HasPrefix(e.Name(), "_") {
			continue
		}
		src, err := readCapped(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		out = append(out, templateFile{path.Join(chart, "templates", e.Name()), strings.Split(string(src), "\n")})
	}
	return out
}

// otherValuesFiles lists the values files in a chart directory besides
// values.yaml (values-prod.yaml, values.production.yaml ...) and those given.
func otherValuesFiles(dir string, given []string) []string {
	var used []string
	for _, g := range given {
		a, _ := filepath.Abs(g)
		used = append(used, a)
	}
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		n := e.Name()
		ext := path.Ext(n)
		if e.IsDir() || !strings.HasPrefix(n, "values") || n == "values.yaml" || ext != ".yaml" && ext != ".yml" || strings.Contains(n, "schema") {
			continue
		}
		if a, _ := filepath.Abs(filepath.Join(dir, n)); !slices.Contains(used, a) {
			out = append(out, n)
		}
	}
	return out
}

// firstLine is the first line of what a failed program printed, or its error.
func firstLine(s string, err error) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return err.Error()
	}
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// renderedGroup is what helm rendered from one template.
type renderedGroup struct {
	source string // as helm names it: "chart/templates/ingress.yaml"
	text   []byte // its documents, separated by ---
	docs   int
}

// renderedBySource splits helm template's output by the template each
// document came from, in the order helm printed them.
func renderedBySource(out []byte) []renderedGroup {
	var groups []renderedGroup
	index := map[string]int{}
	for _, doc := range bytes.Split(append([]byte("\n"), out...), []byte("\n---")) {
		doc = bytes.TrimLeft(doc, " \t\r\n")
		src, ok := bytes.CutPrefix(doc, []byte("# Source: "))
		if !ok {
			continue // an empty document, or NOTES.txt (not a manifest)
		}
		nl := bytes.IndexByte(src, '\n')
		if nl < 0 {
			continue
		}
		name := strings.TrimSpace(string(src[:nl]))
		i, seen := index[name]
		if !seen {
			i = len(groups)
			index[name] = i
			groups = append(groups, renderedGroup{source: name})
		}
		g := &groups[i]
		if g.docs > 0 {
			g.text = append(g.text, "---\n"...)
		}
		g.text = append(g.text, doc...)
		if !bytes.HasSuffix(g.text, []byte("\n")) {
			g.text = append(g.text, '\n')
		}
		g.docs++
	}
	return groups
}

// helmSourceFile maps helm's name for a template ("chart/templates/x.yaml",
// "chart/charts/sub/templates/y.yaml") to its file relative to the root.
func helmSourceFile(chart, source string) string {
	_, rest, ok := strings.Cut(source, "/")
	if !ok {
		rest = source
	}
	return path.Join(chart, rest)
}

// readRendered reads the manifests rendered from one template as the walk
// reads a YAML file, then moves what they located to the template's lines.
func (r *Report) readRendered(root, file string, text, tmpl []byte, helpers []templateFile) {
	hops, findings, kube, overrides, errs := len(r.Hops), len(r.Findings), len(r.kube), len(r.springOverrides), len(r.Errors)
	transports := len(r.traefikTransports)
	r.addTraefikTransports(file, text)
	r.addSpringOverrides(root, file, text)
	if err := r.readYAMLConfig(file, path.Base(file), text); err != nil {
		r.addErr(root, err)
	}
	m := newLineMap(text, tmpl, helpers)
	fix := func(l *Location) {
		if l.File == file {
			l.File, l.Line = m.locate(file, l.Line)
		}
	}
	for i := hops; i < len(r.Hops); i++ {
		fix(&r.Hops[i].Location)
		fix(&r.Hops[i].UpstreamLoc)
		r.Hops[i].Source = strings.TrimSuffix(r.Hops[i].Source, " ") + " (rendered by helm template)"
	}
	for i := findings; i < len(r.Findings); i++ {
		fix(&r.Findings[i].Location)
	}
	for i := kube; i < len(r.kube); i++ {
		fix(&r.kube[i].loc)
	}
	for i := overrides; i < len(r.springOverrides); i++ {
		fix(&r.springOverrides[i].loc)
		r.springOverrides[i].how += " (rendered by helm template)"
	}
	for i := transports; i < len(r.traefikTransports); i++ {
		fix(&r.traefikTransports[i])
	}
	for i := errs; i < len(r.Errors); i++ {
		fix(&r.Errors[i].Location)
	}
}

// lineMap takes each line of rendered text to where it was written,
// walking the rendered lines and the template together: a line is the next
// template line, from the last one matched in its document, that reads the
// same or else sets the same key; else the one line of the chart's helpers
// that does; else its document's first template line. Values inserted from
// values.yaml (toYaml) have no line of their own and map to the document.
type lineMap struct {
	at []Location // per rendered line; File "" for the template itself
}

func newLineMap(text, tmpl []byte, helpers []templateFile) *lineMap {
	rendered := strings.Split(string(text), "\n")
	lines := strings.Split(string(tmpl), "\n")
	m := &lineMap{at: make([]Location, len(rendered))}
	start, cursor := 1, 0
	for i, l := range rendered {
		if i == 0 || strings.HasPrefix(l, "---") {
			start, cursor = 0, 0
		}
		k := renderedKey(l)
		if k == "" {
			m.at[i] = Location{"", max(start, 1)}
			continue
		}
		whole := strings.TrimPrefix(strings.TrimSpace(l), "- ")
		at := Location{}
		for _, find := range []func([]string, int) int{
			func(ls []string, after int) int { return findLine(ls, whole, after) },
			func(ls []string, after int) int { return findKey(ls, k, after) },
		} {
			if n := find(lines, cursor); n != 0 {
				at, cursor = Location{"", n}, n
				break
			}
			var found []Location
			for _, h := range helpers {
				for n := find(h.lines, 0); n != 0; n = find(h.lines, n) {
					found = append(found, Location{h.name, n})
				}
			}
			if len(found) == 1 {
				at = found[0]
				break
			}
		}
		if start == 0 { // the document's first key
			start = max(at.Line, 1)
			if at.File != "" {
				start = 1
			}
		}
		if at.Line == 0 {
			at = Location{"", start}
		}
		m.at[i] = at
	}
	return m
}

// renderedKey is the mapping key a YAML line sets ("" for none).
func renderedKey(l string) string {
	l = strings.TrimSpace(l)
	l = strings.TrimPrefix(l, "- ")
	if strings.HasPrefix(l, "#") {
		return ""
	}
	k, _, ok := strings.Cut(l, ":")
	if !ok || k == "" || strings.ContainsAny(k, " \"'{") {
		return ""
	}
	return k
}

// findKey returns the 1-based line after `after` that sets key (0 for none).
func findKey(lines []string, key string, after int) int {
	for i := max(after, 0); i < len(lines); i++ {
		t := strings.TrimPrefix(strings.TrimSpace(lines[i]), "- ")
		if strings.HasPrefix(t, key+":") {
			return i + 1
		}
	}
	return 0
}

// findLine returns the 1-based line after `after` that reads text once
// trimmed (0 for none).
func findLine(lines []string, text string, after int) int {
	for i := max(after, 0); i < len(lines); i++ {
		if strings.TrimPrefix(strings.TrimSpace(lines[i]), "- ") == text {
			return i + 1
		}
	}
	return 0
}

// locate returns where the rendered line of file (1-based) was written.
func (m *lineMap) locate(file string, rendered int) (string, int) {
	if rendered < 1 || rendered > len(m.at) {
		return file, 1
	}
	at := m.at[rendered-1]
	if at.File == "" {
		at.File = file
	}
	return at.File, at.Line
}

// limitedBuffer keeps at most max bytes and notes that more came.
type limitedBuffer struct {
	bytes.Buffer
	max  int
	over bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); len(p) > room {
		b.over = true
		b.Buffer.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return b.Buffer.Write(p)
}
