package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lbdoctor/lbdoctor/internal/realserver"
)

// A repository deployed by its own Helm chart, in the shape `helm create`
// scaffolds: the ALB's idle timeout (120 s) and Tomcat's keep-alive (90 s,
// an environment variable of the container) are both chart values, the
// annotation written by a helper in _helpers.tpl. Rendered by the real helm
// (installed by scripts/install-test-deps), the chain is an error; with the
// production values file (60 s ALB, 75 s Tomcat) it is safe; without
// rendering, only Tomcat's 60 s default against an assumed ALB is left.
func TestCheckHelmChart(t *testing.T) {
	helm := realserver.Helm(t)
	dir := filepath.Join("testdata", "check", "helm-chart")
	type finding struct {
		RuleID string `json:"rule_id"`
		File   string `json:"file"`
		Line   int    `json:"line"`
		Chain  string `json:"chain"`
	}
	type hop struct {
		Name string `json:"name"`
		File string `json:"file"`
		Line int    `json:"line"`
	}
	run := func(args ...string) (findings []finding, hops []hop, notes []string, skipped map[string]int) {
		t.Helper()
		_, out, stderr := runCLI(t, "", append([]string{"check", "--format", "json"}, append(args, dir)...)...)
		var doc struct {
			Findings []finding      `json:"findings"`
			Hops     []hop          `json:"hops"`
			Notes    []string       `json:"notes"`
			Skipped  map[string]int `json:"skipped"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("%v: %v\n%s\n%s", args, err, out, stderr)
		}
		return doc.Findings, doc.Hops, doc.Notes, doc.Skipped
	}

	fs, hops, notes, skipped := run("--helm", helm)
	if len(fs) != 1 || fs[0].RuleID != "LBD001" || fs[0].File != "orders/src/main/resources/application.properties" {
		t.Fatalf("rendered with the default values: findings %+v, want one LBD001 on the orders application", fs)
	}
	for _, want := range []string{"Ingress orders 120s", "90s", "deploy/orders/templates/deployment.yaml:22", "linked at deploy/orders/templates/ingress.yaml"} {
		if !strings.Contains(fs[0].Chain, want) {
			t.Errorf("chain %q does not say %q", fs[0].Chain, want)
		}
	}
	// The annotation is written by a helper: the hop is where it is written.
	var lb *hop
	for i := range hops {
		if hops[i].Name == "Ingress orders" {
			lb = &hops[i]
		}
	}
	if lb == nil || lb.File != "deploy/orders/templates/_helpers.tpl" || lb.Line != 15 {
		t.Errorf("the Ingress hop: %+v, want it at deploy/orders/templates/_helpers.tpl:15", lb)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "rendered by helm template with its default values (3 manifests)") || !strings.Contains(notes[0], "values-prod.yaml") {
		t.Errorf("notes %q: want one saying the chart was rendered and naming values-prod.yaml", notes)
	}
	if skipped["Helm chart template (not rendered)"] != 0 {
		t.Errorf("templates counted as not rendered: %v", skipped)
	}

	fs, hops, _, _ = run("--helm", helm, "--helm-values", filepath.Join(dir, "deploy", "orders", "values-prod.yaml"))
	if len(fs) != 0 || len(hops) != 2 {
		t.Errorf("rendered with values-prod.yaml (ALB 60 s, Tomcat 75 s): findings %+v, hops %+v; want 2 hops and no finding", fs, hops)
	}
	fs, _, _, _ = run("--helm", helm, "--helm-set", "keepAliveTimeoutMs=125000")
	if len(fs) != 0 {
		t.Errorf("--helm-set keepAliveTimeoutMs=125000: findings %+v, want none", fs)
	}

	fs, _, notes, skipped = run("--helm", "off")
	if len(fs) != 1 || fs[0].RuleID != "LBD002" {
		t.Errorf("--helm off: findings %+v, want Tomcat's 60 s default against the assumed ALB (LBD002)", fs)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "templates not rendered (--helm off)") || skipped["Helm chart template (not rendered)"] != 5 {
		t.Errorf("--helm off: notes %q, skipped %v", notes, skipped)
	}
	_, _, notes, _ = run("--helm", filepath.Join(t.TempDir(), "no-helm-here"))
	if len(notes) != 1 || !strings.Contains(notes[0], "not found") {
		t.Errorf("a helm that does not exist: notes %q", notes)
	}
}
