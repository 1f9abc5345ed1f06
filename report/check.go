package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/lbdoctor/lbdoctor/check"
)

// CheckText writes findings grouped by file, then the hops found.
func CheckText(w io.Writer, r *check.Report) error {
	p := &printer{w: w}
	p.f("lbdoctor check %s: %d files read, %d hops, %d findings\n", Safe(r.Dir), r.Files, len(r.Hops), len(r.Findings))
	if len(r.Skipped) > 0 {
		var parts []string
		for _, k := range sortedKeys(r.Skipped) {
			parts = append(parts, fmt.Sprintf("%s %d", k, r.Skipped[k]))
		}
		p.f("Not read (directories or files): %s; --no-ignore reads what .gitignore excludes.\n", strings.Join(parts, ", "))
	}
	for _, n := range r.Notes {
		p.f("Note: %s\n", Safe(n))
	}
	if r.AssumedLB {
		p.f("No load balancer configuration found: assuming one in front with ALB's default idle timeout (--lb-idle); its findings are warnings.\n")
	} else if r.AssumedLinks > 0 {
		p.f("%d backend(s) not linked to a load balancer in the repository: judged against an assumed one, as warnings.\n", r.AssumedLinks)
	}
	p.f("\n")
	file := ""
	for _, f := range r.Findings {
		if f.Location.File != file {
			file = f.Location.File
			p.f("%s\n", Safe(file))
		}
		p.f("  %d: %-7s %s %s: %s\n", f.Location.Line, f.Level(), f.Rule.ID, f.Rule.Name, Safe(f.Message))
		if f.Confidence == "medium" {
			p.f("      confidence: medium (read by pattern matching: no parser fits this format)\n")
		}
		if f.Chain != "" {
			p.f("      chain: %s\n", Safe(f.Chain))
		}
		if f.Fix != "" {
			p.f("      fix:   %s\n", Safe(f.Fix))
		}
	}
	if len(r.Findings) == 0 {
		p.f("No findings.\n")
	}
	p.f("\nHops (effective idle timeouts)\n")
	for _, h := range r.Hops {
		val := "unknown"
		if h.Known {
			val = secondsText(h)
		}
		p.f("  %-6s %-50s %-9s %s  (%s:%d)\n", h.Role, Safe(h.Name), val, Safe(h.Source), Safe(h.Location.File), h.Location.Line)
	}
	for _, e := range r.Errors {
		p.f("  could not read %s: %s\n", Safe(e.Location.String()), Safe(e.Err.Error()))
	}
	return p.err
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func secondsText(h check.Hop) string {
	switch h.Idle {
	case check.Infinite:
		return "no limit"
	case check.NoKeepalive:
		return "none"
	}
	if h.Idle < time.Millisecond {
		return h.Idle.String() // 120ns (Go's IdleTimeout: 120), not 1.2e-07s
	}
	return fmt.Sprintf("%gs", h.Idle.Seconds())
}

// CheckJSON is the JSON document of `lbdoctor check --format json`.
type CheckJSON struct {
	Dir       string           `json:"dir"`
	Files     int              `json:"files"`
	Skipped   map[string]int   `json:"skipped"`
	Notes     []string         `json:"notes"`
	AssumedLB bool             `json:"assumed_lb"`
	Findings  []FindingJSON    `json:"findings"`
	Hops      []HopJSON        `json:"hops"`
	Errors    []check.Location `json:"errors"`
}

// FindingJSON is one finding.
type FindingJSON struct {
	RuleID     string `json:"rule_id"`
	Rule       string `json:"rule"`
	Severity   string `json:"severity"`
	File       string `json:"file"`
	Line       int    `json:"line"`
	Message    string `json:"message"`
	Chain      string `json:"chain,omitempty"`
	Fix        string `json:"fix,omitempty"`
	Link       string `json:"link,omitempty"`
	Confidence string `json:"confidence"`
}

// HopJSON is one hop.
type HopJSON struct {
	Role        string   `json:"role"`
	Kind        string   `json:"kind"`
	Name        string   `json:"name"`
	IdleSeconds *float64 `json:"idle_seconds"` // null when unknown; -1 no keep-alive; 0 no limit
	Source      string   `json:"source"`
	File        string   `json:"file"`
	Line        int      `json:"line"`
}

// CheckJSONOf converts a report.
func CheckJSONOf(r *check.Report) CheckJSON {
	out := CheckJSON{Dir: r.Dir, Files: r.Files, Skipped: r.Skipped, Notes: append([]string{}, r.Notes...), AssumedLB: r.AssumedLB, Findings: []FindingJSON{}, Hops: []HopJSON{}, Errors: []check.Location{}}
	for _, f := range r.Findings {
		out.Findings = append(out.Findings, FindingJSON{f.Rule.ID, f.Rule.Name, string(f.Level()), f.Location.File, f.Location.Line, f.Message, f.Chain, f.Fix, f.Rule.Link, f.Confidence})
	}
	for _, h := range r.Hops {
		hj := HopJSON{Role: string(h.Role), Kind: h.Kind, Name: h.Name, Source: h.Source, File: h.Location.File, Line: h.Location.Line}
		if h.Known {
			v := h.Idle.Seconds()
			switch h.Idle {
			case check.Infinite:
				v = 0
			case check.NoKeepalive:
				v = -1
			}
			hj.IdleSeconds = &v
		}
		out.Hops = append(out.Hops, hj)
	}
	for _, e := range r.Errors {
		out.Errors = append(out.Errors, e.Location)
	}
	return out
}

// CheckSARIF writes SARIF 2.1.0 for code-scanning tools.
func CheckSARIF(w io.Writer, r *check.Report, version string) error {
	type msg struct {
		Text string `json:"text"`
	}
	type rule struct {
		ID                   string            `json:"id"`
		Name                 string            `json:"name"`
		ShortDescription     msg               `json:"shortDescription"`
		FullDescription      msg               `json:"fullDescription"`
		HelpURI              string            `json:"helpUri,omitempty"`
		DefaultConfiguration map[string]string `json:"defaultConfiguration"`
	}
	type region struct {
		StartLine int `json:"startLine"`
	}
	type physical struct {
		ArtifactLocation map[string]string `json:"artifactLocation"`
		Region           *region           `json:"region,omitempty"`
	}
	type location struct {
		PhysicalLocation physical `json:"physicalLocation"`
	}
	type result struct {
		RuleID    string     `json:"ruleId"`
		RuleIndex int        `json:"ruleIndex"`
		Level     string     `json:"level"`
		Message   msg        `json:"message"`
		Locations []location `json:"locations"`
	}
	level := map[check.Severity]string{check.Error: "error", check.Warning: "warning", check.Info: "note"}
	var rules []rule
	index := map[string]int{}
	for i, ru := range check.AllRules() {
		index[ru.ID] = i
		rules = append(rules, rule{ru.ID, ru.Name, msg{ru.Name}, msg{ru.Summary}, ru.Link, map[string]string{"level": level[ru.Severity]}})
	}
	results := []result{}
	for _, f := range r.Findings {
		text := f.Message
		if f.Chain != "" {
			text += ". Chain: " + f.Chain
		}
		if f.Fix != "" {
			text += ". Fix: " + f.Fix
		}
		loc := physical{ArtifactLocation: map[string]string{"uri": f.Location.File}}
		if f.Location.Line > 0 {
			loc.Region = &region{f.Location.Line}
		}
		results = append(results, result{f.Rule.ID, index[f.Rule.ID], level[f.Level()], msg{text}, []location{{loc}}})
	}
	sort.SliceStable(results, func(i, j int) bool { return results[i].RuleID < results[j].RuleID })
	doc := map[string]any{
		"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
		"version": "2.1.0",
		"runs": []any{map[string]any{
			"tool": map[string]any{"driver": map[string]any{
				"name": "lbdoctor", "version": version, "informationUri": "https://github.com/lbdoctor/lbdoctor", "rules": rules,
			}},
			"results": results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
