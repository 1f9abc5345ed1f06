package albsql

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lbdoctor/lbdoctor/alblog"
	"github.com/lbdoctor/lbdoctor/internal/realserver"
	"github.com/lbdoctor/lbdoctor/synth"
)

// duckdb runs SQL statements on a real DuckDB (the npm package that
// scripts/install-test-deps installs) and returns the last one's rows.
func duckdb(t *testing.T, sql ...string) []map[string]any {
	t.Helper()
	node, err := exec.LookPath("node")
	mod := filepath.Join(realserver.NodeTools, "@duckdb", "node-api")
	if _, serr := os.Stat(mod); err != nil || serr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("node or @duckdb/node-api is missing: scripts/install-test-deps should have installed them")
		}
		t.Skip("node or @duckdb/node-api is missing (run scripts/install-test-deps)")
	}
	// The same runner as make bench-peers: statements on stdin, separated by
	// "-- next" lines; the last one's rows as JSON on stdout.
	cmd := exec.Command(node, filepath.Join("..", "scripts", "duckdb-run.js"))
	cmd.Stdin = strings.NewReader(strings.Join(sql, "\n-- next\n"))
	cmd.Env = append(os.Environ(), "NODE_PATH="+realserver.NodeTools)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("duckdb: %v: %s", err, stderr.String())
	}
	var rows []map[string]any
	if err := json.Unmarshal(out, &rows); err != nil {
		t.Fatalf("duckdb output: %v", err)
	}
	return rows
}

// TestDuckDBViewAgreesWithParser creates the view over a gzipped file of
// generated lines and AWS's documented ones, and compares every column of
// every row with the Go parser's field, unquoted.
func TestDuckDBViewAgreesWithParser(t *testing.T) {
	doc, err := os.ReadFile("testdata/lines.log")
	if err != nil {
		t.Fatal(err)
	}
	var lines [][]byte
	for _, l := range bytes.Split(bytes.TrimSpace(doc), []byte("\n")) {
		if !bytes.Contains(l, []byte(`"new field" 42`)) { // two extra fields: see DuckDBDDL
			lines = append(lines, l)
		}
	}
	cfg := synth.DefaultConfig()
	cfg.Duration, cfg.Rate, cfg.RaceEvery, cfg.TimeoutEvery = time.Hour, 3, 300, 500
	g := synth.New(cfg)
	for i := int64(0); i < 3000; i++ {
		e, _ := g.Next(0, cfg.Start.UnixMicro()+i*1_000_000)
		lines = append(lines, bytes.TrimSuffix(alblog.AppendEntry(nil, e), []byte("\n")))
	}
	var buf bytes.Buffer
	for _, l := range lines {
		buf.Write(l)
		buf.WriteByte('\n')
	}
	path := filepath.Join(t.TempDir(), "logs.log")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ddl, err := DuckDBDDL(path, "alb_logs")
	if err != nil {
		t.Fatal(err)
	}
	rows := duckdb(t, "SET threads = 1", ddl, "SELECT * FROM alb_logs")
	if len(rows) != len(lines) {
		t.Fatalf("%d rows for %d lines", len(rows), len(lines))
	}
	cols := Columns()
	for i, l := range lines {
		var e alblog.Entry
		if err := alblog.Parse(l, &e); err != nil {
			t.Fatal(err)
		}
		for _, c := range cols[:alblog.NumFields] {
			v, _ := rows[i][c.Name].(string)
			if rows[i][c.Name] == nil {
				if c.Field <= min(e.Fields, alblog.NumFields) {
					t.Errorf("line %d: %s is NULL", i+1, c.Name)
				}
				continue
			}
			if c.Quoted {
				// DuckDB unquotes; compare with the parser's raw text unquoted.
				raw := fieldRaw(&e, c.Field)
				if v != alblog.Unquote(raw) {
					t.Errorf("line %d: %s = %q, Go parser %q", i+1, c.Name, v, alblog.Unquote(raw))
				}
				continue
			}
			if !fieldMatches(&e, c.Field, v) {
				t.Errorf("line %d: %s = %q does not match the Go parser", i+1, c.Name, v)
			}
		}
		if t.Failed() {
			t.Fatalf("line %d: %s", i+1, strconv.Quote(string(l)))
		}
	}
}

// fieldRaw is the parser's raw text of a quoted field.
func fieldRaw(e *alblog.Entry, n int) []byte {
	switch n {
	case alblog.FieldRequest:
		return e.Request
	case alblog.FieldUserAgent:
		return e.UserAgent
	case alblog.FieldTraceID:
		return e.TraceID
	case alblog.FieldDomainName:
		return e.DomainName
	case alblog.FieldChosenCertARN:
		return e.ChosenCertARN
	case alblog.FieldActionsExecuted:
		return e.ActionsExecuted
	case alblog.FieldRedirectURL:
		return e.RedirectURL
	case alblog.FieldErrorReason:
		return e.ErrorReason
	case alblog.FieldTargetPortList:
		return e.TargetPortList
	case alblog.FieldTargetStatusCodeList:
		return e.TargetStatusCodeList
	case alblog.FieldClassification:
		return e.Classification
	case alblog.FieldClassificationReason:
		return e.ClassificationReason
	}
	return nil
}
