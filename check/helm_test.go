package check

import (
	"reflect"
	"strings"
	"testing"

	"github.com/lbdoctor/lbdoctor/internal/realserver"
)

func TestRenderedBySource(t *testing.T) {
	out := `---
# Source: shop/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: a
---
# Source: shop/charts/db/templates/service.yaml
apiVersion: v1
kind: Service
---
# Source: shop/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: b
---

NOTES:
Thank you for installing shop.
`
	var got []string
	for _, g := range renderedBySource([]byte(out)) {
		got = append(got, g.source+":"+strings.Repeat("#", g.docs))
	}
	want := []string{"shop/templates/service.yaml:##", "shop/charts/db/templates/service.yaml:#"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("groups %q, want %q", got, want)
	}
	g := renderedBySource([]byte(out))[0]
	if !strings.Contains(string(g.text), "name: a\n---\n# Source: shop/templates/service.yaml\napiVersion: v1") {
		t.Errorf("the two documents of one template are not joined by ---:\n%s", g.text)
	}
}

func TestHelmSourceFile(t *testing.T) {
	for _, c := range []struct{ chart, source, want string }{
		{"deploy/shop", "shop/templates/ingress.yaml", "deploy/shop/templates/ingress.yaml"},
		{"deploy/shop", "shop/charts/db/templates/svc.yaml", "deploy/shop/charts/db/templates/svc.yaml"},
		{".", "shop/templates/ingress.yaml", "templates/ingress.yaml"},
	} {
		if got := helmSourceFile(c.chart, c.source); got != c.want {
			t.Errorf("helmSourceFile(%q, %q) = %q, want %q", c.chart, c.source, got, c.want)
		}
	}
}

func TestParentChart(t *testing.T) {
	charts := map[string]int{"deploy/shop": 3, "deploy/shop/charts/db": 2, "deploy/other": 1, ".": 1, "charts/x": 1}
	for c, want := range map[string]string{"deploy/shop": "", "deploy/shop/charts/db": "deploy/shop", "deploy/other": "", "charts/x": ".", ".": ""} {
		if got := parentChart(c, charts); got != want {
			t.Errorf("parentChart(%q) = %q, want %q", c, got, want)
		}
	}
}

// Lines of rendered manifests go back to the template line that wrote
// them: a literal line, a key, a helper's line, or the document's start.
func TestRenderedLines(t *testing.T) {
	tmpl := `{{- if .Values.ingress.enabled -}}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ include "shop.fullname" . }}
  annotations:
    {{- include "shop.alb" . | nindent 4 }}
    {{- toYaml .Values.ingress.annotations | nindent 4 }}
spec:
  rules:
    - http:
        paths:
          - backend:
              service:
                name: {{ include "shop.fullname" . }}
{{- end }}
`
	helpers := []templateFile{{"deploy/shop/templates/_helpers.tpl", strings.Split(`{{- define "shop.alb" -}}
alb.ingress.kubernetes.io/load-balancer-attributes: idle_timeout.timeout_seconds={{ .Values.idle }}
{{- end }}`, "\n")}}
	rendered := `# Source: shop/templates/ingress.yaml
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  annotations:
    alb.ingress.kubernetes.io/load-balancer-attributes: idle_timeout.timeout_seconds=120
    alb.ingress.kubernetes.io/scheme: internet-facing
spec:
  rules:
    - http:
        paths:
          - backend:
              service:
                name: shop
`
	m := newLineMap([]byte(rendered), []byte(tmpl), helpers)
	file := "deploy/shop/templates/ingress.yaml"
	for _, c := range []struct {
		rendered int
		want     Location
	}{
		{2, Location{file, 2}}, // apiVersion
		{5, Location{file, 5}}, // metadata.name
		{7, Location{"deploy/shop/templates/_helpers.tpl", 2}},
		{8, Location{file, 2}},   // from values: the document's start
		{15, Location{file, 15}}, // the second "name:", after the first
		{0, Location{file, 1}},
		{99, Location{file, 1}},
	} {
		f, l := m.locate(file, c.rendered)
		if got := (Location{f, l}); got != c.want {
			t.Errorf("rendered line %d: %v, want %v", c.rendered, got, c.want)
		}
	}
}

// Charts rendered by the real helm: one that fails (a required value), a
// library chart, and a chart with a subchart, rendered once with its parent.
func TestRenderHelmCharts(t *testing.T) {
	helm := realserver.Helm(t)
	r, _ := checkFilesWith(t, Options{Helm: helm}, map[string]string{
		"needs/Chart.yaml":                "apiVersion: v2\nname: needs\nversion: 0.1.0\n",
		"needs/templates/cm.yaml":         "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ required \"a clusterName is needed\" .Values.clusterName }}\n",
		"lib/Chart.yaml":                  "apiVersion: v2\nname: lib\nversion: 0.1.0\ntype: library\n",
		"lib/templates/_x.tpl":            "{{- define \"lib.x\" -}}x{{- end }}\n",
		"app/Chart.yaml":                  "apiVersion: v2\nname: app\nversion: 0.1.0\n",
		"app/values.yaml":                 "idle: 30\n",
		"app/templates/ingress.yaml":      ingressTemplate,
		"app/charts/web/Chart.yaml":       "apiVersion: v2\nname: web\nversion: 0.1.0\n",
		"app/charts/web/templates/s.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n",
		// Dependencies not vendored (charts/ is often git-ignored): the
		// chart's own templates are rendered without them.
		"deps/Chart.yaml":             "apiVersion: v2\nname: deps\nversion: 0.1.0\ndependencies:\n  - name: postgresql\n    version: 15.x.x\n    repository: oci://registry-1.docker.io/bitnamicharts\n",
		"deps/values.yaml":            "idle: 120\npostgresql:\n  enabled: true\n",
		"deps/templates/ingress.yaml": ingressTemplate,
	})
	notes := strings.Join(r.Notes, "\n")
	for _, want := range []string{
		"Helm chart needs: templates not read: helm template failed: Error: execution error at (needs/templates/cm.yaml:4:11): a clusterName is needed",
		"Helm chart lib: templates not read: a library chart",
		"Helm chart app: rendered by helm template with its default values (2 manifests)",
		"Helm chart deps: rendered without its dependencies postgresql (not in its charts/ directory; helm dependency build deps adds them)",
		"Helm chart deps: rendered by helm template with its default values (1 manifest)",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes do not say %q:\n%s", want, notes)
		}
	}
	if strings.Contains(notes, "app/charts/web") || len(r.Notes) != 5 {
		t.Errorf("want one note per chart, the subchart with its parent:\n%s", notes)
	}
	lbs := map[Location]float64{}
	for _, h := range r.Hops {
		if h.Role == LB {
			lbs[h.Location] = h.Idle.Seconds()
		}
	}
	if len(lbs) != 2 || lbs[Location{"app/templates/ingress.yaml", 7}] != 30 || lbs[Location{"deps/templates/ingress.yaml", 7}] != 120 {
		t.Errorf("the rendered Ingresses: %v", lbs)
	}
	// Counted: needs (1) and lib (1) stay unread; app's two templates are read.
	if r.Skipped[SkipTemplate] != 2 {
		t.Errorf("skipped %v, want 2 templates not rendered", r.Skipped)
	}
}

const ingressTemplate = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: app
  annotations:
    kubernetes.io/ingress.class: alb
    alb.ingress.kubernetes.io/load-balancer-attributes: idle_timeout.timeout_seconds={{ .Values.idle }}
spec:
  rules:
    - http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port:
                  number: 80
`

// The skipped count keeps the templates of charts that were not read: a
// chart at the root renders its subcharts, not a chart of its own below it.
func TestHelmSkippedCount(t *testing.T) {
	helm := realserver.Helm(t)
	r, _ := checkFilesWith(t, Options{Helm: helm}, map[string]string{
		"Chart.yaml":                       "apiVersion: v2\nname: root\nversion: 0.1.0\n",
		"values.yaml":                      "idle: 30\n",
		"templates/ingress.yaml":           ingressTemplate,
		"charts/sub/Chart.yaml":            "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
		"charts/sub/templates/svc.yaml":    "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n",
		"examples/broken/Chart.yaml":       "apiVersion: v2\nname: broken\nversion: 0.1.0\n",
		"examples/broken/templates/a.yaml": "{{ required \"x is needed\" .Values.x }}\n",
		"examples/broken/templates/b.yaml": "{{ required \"x is needed\" .Values.x }}\n",
	})
	if r.Skipped[SkipTemplate] != 2 {
		t.Errorf("skipped %v, want the broken chart's 2 templates", r.Skipped)
	}
}

// Without helm, each chart gets a note that says how to render it.
func TestHelmChartsUnrendered(t *testing.T) {
	r, _ := checkFilesWith(t, Options{Helm: HelmOff}, map[string]string{
		"app/Chart.yaml":             "apiVersion: v2\nname: app\nversion: 0.1.0\n",
		"app/templates/ingress.yaml": ingressTemplate,
	})
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "helm template app --output-dir rendered") || r.Skipped[SkipTemplate] != 1 || len(r.Hops) != 0 {
		t.Errorf("notes %q, skipped %v, hops %d", r.Notes, r.Skipped, len(r.Hops))
	}
}
