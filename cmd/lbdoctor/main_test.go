package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file; run go test ./cmd/lbdoctor -update and review the diff.\n--- got ---\n%s", name, got)
	}
}

var logsArgs = []string{"testdata/alb", "testdata/hostile.log", "testdata/truncated.log.gz"}

func TestLogsTextGolden(t *testing.T) {
	code, out, stderr := runCLI(t, "", append([]string{"logs"}, logsArgs...)...)
	if code != exitProblem {
		t.Errorf("exit %d, want 1 (some input could not be parsed); stderr %s", code, stderr)
	}
	if strings.ContainsAny(out, "\x1b\x07") {
		t.Error("a control character from the log reached the terminal report")
	}
	golden(t, "logs.txt", out)
}

func TestLogsJSONGolden(t *testing.T) {
	code, out, _ := runCLI(t, "", append([]string{"logs", "--format", "json"}, logsArgs...)...)
	if code != exitProblem {
		t.Errorf("exit %d", code)
	}
	var s map[string]any
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"lines_read", "entries", "skipped", "errors", "errors_total", "status_counts", "causes", "targets", "timeline", "inferred"} {
		if _, ok := s[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	golden(t, "logs.json", out)
}

func TestLogsExitCodes(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "g.log")
	os.WriteFile(garbage, []byte("not a log\n"), 0o644)
	tests := []struct {
		name  string
		stdin string
		args  []string
		code  int
	}{
		{"clean input", "", []string{"logs", "testdata/alb"}, exitOK},
		{"flags after paths", "", []string{"logs", "testdata/alb", "--status", "5xx", "--format", "json"}, exitOK},
		{"stdin", mustRead(t, "testdata/hostile.log"), []string{"logs", "-"}, exitProblem},
		{"nothing parseable", "", []string{"logs", garbage}, exitUsage},
		{"missing path only", "", []string{"logs", filepath.Join(dir, "nope")}, exitUsage},
		{"missing path among good ones", "", []string{"logs", "testdata/alb", filepath.Join(dir, "nope")}, exitProblem},
		{"strict", "", []string{"logs", "--strict", "testdata/hostile.log"}, exitUsage},
		{"no path", "", []string{"logs"}, exitUsage},
		{"bad format", "", []string{"logs", "--format", "xml", "testdata/alb"}, exitUsage},
		{"bad since", "", []string{"logs", "--since", "yesterday", "testdata/alb"}, exitUsage},
		{"bad status", "", []string{"logs", "--status", "5x", "testdata/alb"}, exitUsage},
		{"help", "", []string{"logs", "--help"}, exitOK},
		{"unknown command", "", []string{"frobnicate"}, exitUsage},
		{"top help", "", []string{"--help"}, exitOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tt.stdin, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tt.code, stderr)
			}
		})
	}
}

func TestLogsSinceRelative(t *testing.T) {
	_, out, _ := runCLI(t, "", "logs", "--format", "json", "--since", "5m", "testdata/alb")
	var s struct {
		Requests int64 `json:"requests"`
		Entries  int64 `json:"entries"`
	}
	json.Unmarshal([]byte(out), &s)
	if s.Requests == 0 || s.Requests >= s.Entries/2 {
		t.Errorf("--since 5m kept %d of %d", s.Requests, s.Entries)
	}
}

func mustRead(t *testing.T, p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A directory synced from S3 holds ALB's connection and health check logs
// beside its access logs (same bucket and prefix): they are skipped, once
// each, and do not count as bad lines.
func TestLogsSkipsOtherALBLogs(t *testing.T) {
	dir := t.TempDir()
	name := "123456789012_elasticloadbalancing_us-east-1_app.web.50dc6c495c0c9188_20240207T0955Z_10.0.0.1_2kgxmvsm.log"
	os.WriteFile(filepath.Join(dir, name), []byte(mustRead(t, "../../alblog/testdata/public.log")), 0o644)
	os.WriteFile(filepath.Join(dir, "conn_log_"+name), []byte("2024-02-07T09:54:01.143468Z 192.0.2.10 40120 443 TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 0.002 \"-\" - - - TID_1\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "health_check_log_"+name), []byte("health check entry\n"), 0o644)
	code, out, stderr := runCLI(t, "", "logs", "--format", "json", dir)
	if code != exitOK {
		t.Errorf("exit %d; stderr %s", code, stderr)
	}
	for _, want := range []string{"1 file(s) skipped: an ALB connection log", "1 file(s) skipped: an ALB health check log"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	var s struct {
		Skipped int64 `json:"skipped"`
	}
	json.Unmarshal([]byte(out), &s)
	if s.Skipped != 0 {
		t.Errorf("%d lines skipped, want 0: the other logs are not read", s.Skipped)
	}
}
