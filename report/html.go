package report

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/lbdoctor/lbdoctor/analysis"
	"github.com/lbdoctor/lbdoctor/classify"
	"github.com/lbdoctor/lbdoctor/stacks"
)

//go:embed html/report.tmpl html/report.css html/report.js
var htmlAssets embed.FS

// maxHTMLTargets caps the per-target table (the JSON stays complete).
const maxHTMLTargets = 300

// HTML writes one self-contained page that renders the Summary: every byte
// of CSS, script and data is inside it, and a Content-Security-Policy allows
// only its own inline style and script. Nothing is computed that the JSON
// report does not have: the page is a rendering of the same Summary.
func HTML(w io.Writer, s *analysis.Summary) error { return HTMLWith(w, s, LogsOptions{}) }

// HTMLWith is HTML with the options of the text report that apply to the
// page: Header and CausesOnly (lbdoctor sql run).
func HTMLWith(w io.Writer, s *analysis.Summary, o LogsOptions) error {
	css, _ := htmlAssets.ReadFile("html/report.css")
	js, _ := htmlAssets.ReadFile("html/report.js")
	tmpl, err := template.New("report.tmpl").Funcs(template.FuncMap{
		"clean":   cleanText,
		"deref":   func(p *float64) float64 { return *p },
		"deref64": func(p *int64) int64 { return *p },
		"commas":  commas,
		"pct": func(n, d int64) string {
			if d == 0 {
				return "0%"
			}
			return fmt.Sprintf("%.2f%%", float64(n)*100/float64(d))
		},
	}).ParseFS(htmlAssets, "html/report.tmpl")
	if err != nil {
		return err
	}
	data := htmlData{S: s, CSS: template.CSS(css), JS: template.JS(js),
		CSP:      fmt.Sprintf("default-src 'none'; style-src '%s'; script-src '%s'; img-src data:", hashOf(css), hashOf(js)),
		Timeline: timelineSVG(s), Headline: headline(s), Statuses: statusRows(s), Header: o.Header, CausesOnly: o.CausesOnly}
	data.Targets = s.Targets
	if len(data.Targets) > maxHTMLTargets {
		data.Targets, data.MoreTargets = data.Targets[:maxHTMLTargets], len(s.Targets)-maxHTMLTargets
	}
	return tmpl.Execute(w, data)
}

type htmlData struct {
	S           *analysis.Summary
	CSS         template.CSS
	JS          template.JS
	CSP         string
	Timeline    timeline
	Headline    headlineData
	Statuses    []statusRow
	Targets     []analysis.TargetSummary
	MoreTargets int
	Header      string
	CausesOnly  bool
}

func hashOf(b []byte) string {
	h := sha256.Sum256(b)
	return "sha256-" + base64.StdEncoding.EncodeToString(h[:])
}

// cleanText makes log content safe to hand to html/template, which escapes
// it for its context: invalid UTF-8 and control characters become visible
// escapes, as in the terminal report.
func cleanText(s string) string { return Safe(strings.ToValidUTF8(s, "\uFFFD")) }

type headlineData struct {
	Cause, Explanation, Fix string
	Count, Total            int64
	Settings                []string
}

func headline(s *analysis.Summary) headlineData {
	var top *analysis.CauseSummary
	for i := range s.Causes {
		if s.Causes[i].Origin == "lb" {
			top = &s.Causes[i]
			break
		}
	}
	if top == nil {
		return headlineData{}
	}
	h := headlineData{Cause: string(top.ID), Explanation: top.Explanation, Fix: top.NextStep, Count: top.Count, Total: s.ELBErrors}
	if top.ID == classify.KeepaliveRace {
		idle, source := int64(60), "assumed: ALB's default"
		for _, it := range s.Inferred.IdleTimeouts {
			if it.KeepaliveRaces > 0 {
				idle, source = it.Seconds, it.Source
				break
			}
		}
		want := stacks.Recommended(time.Duration(idle)*time.Second, 5*time.Second)
		if source == "assumed" {
			source = "assumed: ALB's default; give the real one with --lb-idle"
		}
		h.Fix = fmt.Sprintf("make every target's idle keep-alive timeout longer than the load balancer's (%d s, %s): %s or more", idle, source, seconds(want))
		for _, id := range []string{"spring-boot-tomcat", "tomcat", "node", "nginx", "apache", "gunicorn", "uvicorn", "puma", "go"} {
			st, _ := stacks.Lookup(id)
			h.Settings = append(h.Settings, st.Name+": "+strings.ReplaceAll(st.Setting(want), "\n", "; "))
		}
	}
	return h
}

type statusRow struct {
	Code  string
	Count int64
}

func statusRows(s *analysis.Summary) []statusRow {
	var rows []statusRow
	for k, v := range s.StatusCounts {
		rows = append(rows, statusRow{k, v})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Code < rows[j].Code })
	return rows
}

// timeline is the SVG data: bars of load-balancer errors per bucket, stacked
// by cause, and a line of requests on its own scale.
type timeline struct {
	Bucket    string
	Width     int
	Height    int
	Bars      []bar
	Requests  string // SVG polyline points
	Legend    []legendItem
	MaxErrors int64
	MaxReq    int64
	From, To  string
}

type bar struct {
	X, W     float64
	Title    string
	Pieces   []piece
	Total    int64
	Requests int64
}

type piece struct {
	Y, H  float64
	Class string
}

type legendItem struct{ Cause, Class string }

var bucketSizes = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 3 * time.Hour, 6 * time.Hour, 24 * time.Hour}

// timelineSVG groups the Summary's minutes into at most 240 buckets.
func timelineSVG(s *analysis.Summary) timeline {
	t := timeline{Width: 960, Height: 220}
	if len(s.Timeline) == 0 {
		return t
	}
	first, _ := time.Parse("2006-01-02T15:04:05.000000Z", s.Timeline[0].Minute)
	last, _ := time.Parse("2006-01-02T15:04:05.000000Z", s.Timeline[len(s.Timeline)-1].Minute)
	size := bucketSizes[len(bucketSizes)-1]
	for _, b := range bucketSizes {
		if last.Sub(first)/b < 240 {
			size = b
			break
		}
	}
	t.Bucket = size.String()
	start := first.Truncate(size)
	n := int(last.Sub(start)/size) + 1
	type agg struct {
		req    int64
		causes map[string]int64
	}
	buckets := make([]agg, n)
	causeTotals := map[string]int64{}
	for _, m := range s.Timeline {
		at, _ := time.Parse("2006-01-02T15:04:05.000000Z", m.Minute)
		i := int(at.Sub(start) / size)
		if i < 0 || i >= n {
			continue
		}
		b := &buckets[i]
		b.req += m.Requests
		if b.causes == nil {
			b.causes = map[string]int64{}
		}
		for c, v := range m.Causes {
			if c == string(classify.TargetError) {
				continue // the target's own errors are not the load balancer's
			}
			b.causes[c] += v
			causeTotals[c] += v
		}
	}
	var order []string
	for c := range causeTotals {
		order = append(order, c)
	}
	sort.Slice(order, func(i, j int) bool {
		if causeTotals[order[i]] != causeTotals[order[j]] {
			return causeTotals[order[i]] > causeTotals[order[j]]
		}
		return order[i] < order[j]
	})
	class := map[string]string{}
	for i, c := range order {
		class[c] = fmt.Sprintf("c%d", min(i, 7))
		t.Legend = append(t.Legend, legendItem{c, class[c]})
	}
	for _, b := range buckets {
		var tot int64
		for _, v := range b.causes {
			tot += v
		}
		t.MaxErrors = max(t.MaxErrors, tot)
		t.MaxReq = max(t.MaxReq, b.req)
	}
	plotH := float64(t.Height - 30)
	w := float64(t.Width-60) / float64(n)
	var pts []string
	for i, b := range buckets {
		x := 50 + float64(i)*w
		at := start.Add(time.Duration(i) * size)
		if t.MaxReq > 0 {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x+w/2, 10+plotH-plotH*float64(b.req)/float64(t.MaxReq)))
		}
		var tot int64
		for _, v := range b.causes {
			tot += v
		}
		if tot == 0 {
			continue
		}
		br := bar{X: x, W: max(w-1, 1), Total: tot, Requests: b.req}
		title := []string{at.Format("2006-01-02 15:04") + " UTC (" + size.String() + ")", fmt.Sprintf("%s requests", commas(b.req))}
		y := 10 + plotH
		for _, c := range order {
			v := b.causes[c]
			if v == 0 {
				continue
			}
			h := plotH * float64(v) / float64(t.MaxErrors)
			y -= h
			br.Pieces = append(br.Pieces, piece{Y: y, H: max(h, 0.5), Class: class[c]})
			title = append(title, fmt.Sprintf("%s: %s", c, commas(v)))
		}
		br.Title = strings.Join(title, "\n")
		t.Bars = append(t.Bars, br)
	}
	t.Requests = strings.Join(pts, " ")
	t.From, t.To = start.Format("2006-01-02 15:04"), last.Add(time.Minute).Format("2006-01-02 15:04")
	return t
}
