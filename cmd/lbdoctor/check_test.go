package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestCheckGolden(t *testing.T) {
	for _, repo := range []string{"spring-boot-2.4", "spring-boot-2.7", "alb-nginx-tomcat", "go-service", "node10-express", "python-services", "rails", "haproxy-apache", "cloudformation", "k8s-ingress-nginx", "spring-boot-3-yaml", "microservices", "k8s-alb-links", "traefik", "elastic-beanstalk", "rails8-thruster"} {
		dir := filepath.Join("testdata", "check", repo)
		for _, format := range []string{"text", "json", "sarif"} {
			// --helm off: the same output whether or not helm is installed
			// (TestCheckHelmChart renders charts).
			code, out, stderr := runCLI(t, "", "check", "--helm", "off", "--format", format, dir)
			// Errors need a linked (or in-repository chain) hop; races against
			// an assumed load balancer are warnings, below the default --fail-on.
			want := exitOK
			switch repo {
			case "alb-nginx-tomcat", "k8s-ingress-nginx", "node10-express", "spring-boot-2.4", "microservices", "k8s-alb-links", "elastic-beanstalk", "rails8-thruster":
				want = exitProblem
			}
			if code != want {
				t.Errorf("%s %s: exit %d, want %d; %s", repo, format, code, want, stderr)
			}
			golden(t, "check-"+repo+"."+format, out)
		}
	}
}

// TestCheckFindings pins the findings that matter, independent of wording.
func TestCheckFindings(t *testing.T) {
	want := map[string][]string{
		"spring-boot-2.4":    {"LBD001 src/main/resources/application.properties:4", "LBD001 src/main/resources/application-prod.properties:3", "LBD006 src/main/resources/application-prod.properties:2"},
		"spring-boot-2.7":    {"LBD002 src/main/resources/application.properties:1"},
		"alb-nginx-tomcat":   {"LBD001 nginx/nginx.conf:6", "LBD001 tomcat/conf/server.xml:6"}, // idle_timeout = var.idle resolves to its default, 300
		"go-service":         {"LBD001 cmd/api/main.go:13"},
		"node10-express":     {"LBD004 src/server.js:6"},
		"python-services":    {"LBD003 api/Dockerfile:3", "LBD001 fastapi/Dockerfile:2", "LBD007 worker/Procfile:1"},
		"rails":              {"LBD001 config/puma.rb:1"},
		"haproxy-apache":     {"LBD002 apache/conf.d/tuning.conf:2", "LBD001 haproxy/haproxy.cfg:9"},
		"cloudformation":     {"LBD001 Dockerfile:2", "LBD005 network.json:9"}, // template.yaml:19 is the parameter's default
		"k8s-ingress-nginx":  {"LBD001 manifests/ingress.yaml:17", "LBD001 manifests/app.yaml:11"},
		"spring-boot-3-yaml": {"LBD003 src/main/resources/application.yml:12"},
		// The shape of a real microservices repository: an ALB made by the
		// community module and routed to one service (ui, WebFlux with a 30 s
		// idle timeout: an error), others not routed (warnings), Node in
		// NestJS, a Go service with no limit, a vendored Yarn release, build
		// output, a Helm template and test resources that must not be read.
		// ui's WebClient (Reactor Netty, no idle limit) calls checkout (Node,
		// 5 s), as ui's application.yml says: LBD008.
		"microservices": {"LBD001 src/ui/src/main/resources/application.yml:4", "LBD002 src/cart/src/main/resources/application.yml:1", "LBD001 src/checkout/src/main.ts:6",
			"LBD008 src/ui/src/main/java/shop/ui/CheckoutClient.java:9"},
		// Ingress (ALB, 120 s) -> Service storefront -> Deployment image .../shop/web -> web/: linked, an
		// error; reports/ (Node 65 s) is linked to nothing and safe against the assumed 60 s.
		"k8s-alb-links": {"LBD001 web/Dockerfile:3"},
		// Traefik (static file, templated) pools connections 75 s to the
		// applications of its environment: warnings, Traefik retries
		// idempotent requests. deploy/local and the Procfile are not behind it.
		"traefik": {"LBD001 compose.yaml:10", "LBD001 deploy/production/api/start:4"},
		// Elastic Beanstalk: the ALB raised to 120 s in .ebextensions, the
		// platform's nginx still at 60 s (the conf.d file's 125 s is in the
		// http block, which the platform's server block overrides); gunicorn
		// behind nginx is not compared (no pool).
		"elastic-beanstalk": {"LBD001 .platform/nginx/conf.d/timeouts.conf:2"},
		// Rails 8's Dockerfile: Thruster's 60 s races with the ALB's 60 s
		// (the ECS service is the root's); Puma 6's 20 s is shorter than
		// Thruster's 90 s pool (a warning).
		"rails8-thruster": {"LBD002 Dockerfile:11", "LBD001 config/puma.rb:1"},
	}
	for repo, ids := range want {
		_, out, _ := runCLI(t, "", "check", "--helm", "off", "--format", "json", filepath.Join("testdata", "check", repo))
		var doc struct {
			Findings []struct {
				RuleID string `json:"rule_id"`
				File   string `json:"file"`
				Line   int    `json:"line"`
			} `json:"findings"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, f := range doc.Findings {
			got[f.RuleID+" "+f.File+":"+itoa(f.Line)] = true
		}
		for _, id := range ids {
			if !got[id] {
				t.Errorf("%s: missing %s (got %v)", repo, id, got)
			}
		}
		if len(got) != len(ids) {
			t.Errorf("%s: %d findings, want %d: %v", repo, len(got), len(ids), got)
		}
	}
}

func TestCheckSARIFShape(t *testing.T) {
	_, out, _ := runCLI(t, "", "check", "--format", "sarif", filepath.Join("testdata", "check", "alb-nginx-tomcat"))
	var doc struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
				Message   struct {
					Text string `json:"text"`
				} `json:"message"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "2.1.0" || len(doc.Runs) != 1 || doc.Runs[0].Tool.Driver.Name != "lbdoctor" {
		t.Fatalf("SARIF header: %+v", doc)
	}
	run := doc.Runs[0]
	for _, r := range run.Results {
		if r.RuleIndex >= len(run.Tool.Driver.Rules) || run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("ruleIndex %d does not point at %s", r.RuleIndex, r.RuleID)
		}
		if !strings.Contains("error warning note", r.Level) || r.Message.Text == "" || len(r.Locations) != 1 ||
			r.Locations[0].PhysicalLocation.ArtifactLocation.URI == "" || r.Locations[0].PhysicalLocation.Region.StartLine < 1 {
			t.Errorf("result: %+v", r)
		}
	}
}

func TestCheckUsage(t *testing.T) {
	for _, args := range [][]string{{"check"}, {"check", "a", "b"}, {"check", "--format", "xml", "."}, {"check", "--fail-on", "fatal", "."}, {"check", "/nonexistent"}} {
		if code, _, _ := runCLI(t, "", args...); code != exitUsage {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if code, _, _ := runCLI(t, "", "check", "--fail-on", "warning", filepath.Join("testdata", "check", "spring-boot-3-yaml")); code != exitProblem {
		t.Errorf("--fail-on warning with a warning: exit %d", code)
	}
	// Nothing at all: exit 0.
	dir := t.TempDir()
	if code, _, _ := runCLI(t, "", "check", dir); code != exitOK {
		t.Errorf("empty repo: exit %d", code)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestCheckSARIFValidates runs Microsoft's SARIF validator over the SARIF of
// every fixture (scripts/install-test-deps installs it).
func TestCheckSARIFValidates(t *testing.T) {
	tool := "/opt/lbdoctor-test-tools/node_modules/.bin/sarif-multitool"
	if _, err := os.Stat(tool); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("SARIF validator missing: %v (scripts/install-test-deps installs it)", err)
		}
		t.Skip("SARIF validator not installed; run scripts/install-test-deps")
	}
	dir := t.TempDir()
	var files []string
	entries, _ := os.ReadDir(filepath.Join("testdata", "check"))
	for _, e := range entries {
		_, out, _ := runCLI(t, "", "check", "--format", "sarif", filepath.Join("testdata", "check", e.Name()))
		f := filepath.Join(dir, e.Name()+".sarif")
		os.WriteFile(f, []byte(out), 0o644)
		files = append(files, f)
	}
	out, err := exec.Command(tool, append([]string{"validate"}, files...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("validator: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, ": error ") || strings.Contains(line, ": warning ") {
			t.Errorf("SARIF: %s", line)
		}
	}
	if !strings.Contains(string(out), "files scanned") {
		t.Errorf("validator output: %s", out)
	}
}

// TestCheckReadsOnlyOwnConfig: vendored, built, ignored, test and template
// files are counted as skipped, never read.
func TestCheckReadsOnlyOwnConfig(t *testing.T) {
	_, out, _ := runCLI(t, "", "check", "--helm", "off", "--format", "json", filepath.Join("testdata", "check", "microservices"))
	var doc struct {
		Skipped  map[string]int `json:"skipped"`
		Notes    []string       `json:"notes"`
		Findings []struct {
			RuleID   string `json:"rule_id"`
			File     string `json:"file"`
			Severity string `json:"severity"`
			Chain    string `json:"chain"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	for _, why := range []string{"dependency or vendored tree", "build output", "test sources", "Helm chart template (not rendered)"} {
		if doc.Skipped[why] == 0 {
			t.Errorf("nothing skipped as %q: %v", why, doc.Skipped)
		}
	}
	if len(doc.Notes) != 1 || !strings.Contains(doc.Notes[0], "src/cart/chart") {
		t.Errorf("notes %v, want one for the chart", doc.Notes)
	}
	for _, f := range doc.Findings {
		if strings.Contains(f.File, ".yarn") || strings.Contains(f.File, "dist/") || strings.Contains(f.File, "src/test") {
			t.Errorf("finding in a file that is not the project's own: %s", f.File)
		}
		linked := strings.Contains(f.Chain, "linked at terraform/ecs/ui.tf")
		if f.RuleID != "LBD008" && (f.Severity == "error") != linked {
			t.Errorf("%s: severity %s, chain %q: errors only for linked backends", f.File, f.Severity, f.Chain)
		}
	}
}
