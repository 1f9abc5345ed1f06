package main

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/lbdoctor/lbdoctor/internal/awsapi"
)

func TestSQLDDL(t *testing.T) {
	code, out, stderr := runCLI(t, "", "sql", "ddl", "--bucket", "my-alb-logs", "--prefix", "prod", "--account", "123456789012",
		"--region", "eu-west-1", "--database", "logs")
	want, _ := os.ReadFile("../../albsql/testdata/athena.sql")
	if code != exitOK || out != string(want) {
		t.Errorf("athena: exit %d %s\n%s", code, stderr, out)
	}
	code, out, _ = runCLI(t, "", "sql", "ddl", "--dialect", "trino", "--bucket", "my-alb-logs", "--prefix", "prod", "--account", "123456789012",
		"--region", "eu-west-1", "--database", "logs")
	want, _ = os.ReadFile("../../albsql/testdata/trino.sql")
	if code != exitOK || out != string(want) {
		t.Errorf("trino: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "", "sql", "ddl", "--dialect", "duckdb", "--path", "logs/*.log.gz", "--table", "web")
	if code != exitOK || !strings.HasPrefix(out, "CREATE OR REPLACE VIEW web AS") || !strings.Contains(out, "read_csv('logs/*.log.gz'") {
		t.Errorf("duckdb: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{
		{"sql"},
		{"sql", "drop"},
		{"sql", "ddl", "--bucket", "b"},
		{"sql", "ddl", "--dialect", "duckdb"},
		{"sql", "ddl", "--dialect", "mysql", "--path", "x"},
		{"sql", "ddl", "--bucket", "b", "--account", "1", "--region", "r", "--from", "yesterday"},
		{"sql", "causes", "--dialect", "mysql"},
		{"sql", "causes", "--since", "last tuesday"},
		{"sql", "causes", "--since", "2024-05-02T00:00:00Z", "--until", "2024-05-01T00:00:00Z"},
		{"sql", "causes", "--lb-idle", "1.5s"},
		{"sql", "causes", "--table", "x; DROP TABLE y"},
		{"sql", "run", "--format", "xml"},
	} {
		if code, _, stderr := runCLI(t, "", args...); code != exitUsage || stderr == "" {
			t.Errorf("%v: exit %d, %q", args, code, stderr)
		}
	}
}

func TestSQLCauses(t *testing.T) {
	code, out, stderr := runCLI(t, "", "sql", "causes", "--lb", "shop-prod", "--since", "2024-05-01T10:00:00Z", "--until", "2024-05-01T12:00:00Z")
	want, _ := os.ReadFile("../../albsql/testdata/causes-athena.sql")
	if code != exitOK || out != string(want) {
		t.Errorf("athena: exit %d %s\n%s", code, stderr, out)
	}
	code, out, _ = runCLI(t, "", "sql", "causes", "--dialect", "duckdb", "--lb-idle", "120s")
	want, _ = os.ReadFile("../../albsql/testdata/causes-duckdb.sql")
	if code != exitOK || out != string(want) {
		t.Errorf("duckdb: exit %d\n%s", code, out)
	}
	// A relative --since counts back from now: the day partition follows.
	code, out, _ = runCLI(t, "", "sql", "causes", "--since", "2h")
	if code != exitOK || !strings.Contains(out, "WHERE day >= '") || !strings.Contains(out, "time_us >= ") {
		t.Errorf("relative since: exit %d\n%s", code, out)
	}
}

// TestSQLRun runs lbdoctor sql run against a local server that speaks
// Athena's wire protocol, as a user would: report on stdout, the execution ID
// and data scanned on stderr; and its failures, one line each, exit 2.
func TestSQLRun(t *testing.T) {
	a, err := awsapi.StartAthena(&awsapi.Athena{ScannedBytes: 3 << 30, Execute: func(q string) ([][]string, error) {
		return [][]string{
			{"minute", "target", "cause", "count"},
			{"2024-05-01 10:00:00.000", "10.0.1.7:8080", "keepalive-race", "2"},
			{"2024-05-01 10:01:00.000", "10.0.1.7:8080", "keepalive-race", "1"},
			{"2024-05-01 10:01:00.000", "10.0.1.9:8080", "target-unreachable", "40"},
			{"2024-05-01 10:02:00.000", "-", "no-targets", "3"},
		}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	hostile := func(q string) ([][]string, error) { // log content reaches the report: escaped
		return [][]string{{"minute", "target", "cause", "count"},
			{"2024-05-01 10:00:00.000", "\x1b[31m<script>alert(1)</script>", "keepalive-race", "1"}}, nil
	}
	awsapi.Isolate(t)
	args := []string{"sql", "run", "--region", "eu-west-1", "--endpoint-url", a.URL, "--poll", "10ms",
		"--workgroup", "analysts", "--output", "s3://results/", "--table", "logs.alb_logs", "--since", "2024-05-01T00:00:00Z"}
	code, out, stderr := runCLI(t, "", append(args, "--format", "json")...)
	if code != exitOK || !strings.Contains(stderr, "5b6e4c1a-") || !strings.Contains(stderr, "3.00 GB") {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var rep struct {
		Causes []struct {
			ID    string `json:"id"`
			Count int64  `json:"count"`
		} `json:"causes"`
		Targets  []struct{ Target string } `json:"targets"`
		Timeline []struct{ Minute string } `json:"timeline"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Causes) != 3 || rep.Causes[0].ID != "target-unreachable" || rep.Causes[0].Count != 40 ||
		len(rep.Targets) != 3 || len(rep.Timeline) != 3 || rep.Timeline[0].Minute != "2024-05-01T10:00:00.000000Z" {
		t.Errorf("report: %+v\n%s", rep, out)
	}
	q := a.Queries()
	_, want, _ := runCLI(t, "", "sql", "causes", "--table", "logs.alb_logs", "--since", "2024-05-01T00:00:00Z")
	if len(q) != 1 || q[0] != want || !strings.Contains(q[0], "FROM logs.alb_logs") || !strings.Contains(q[0], "day >= '2024/05/01'") {
		t.Errorf("queries sent: %d, not lbdoctor sql causes' query", len(q))
	}
	code, out, _ = runCLI(t, "", args...)
	if code != exitOK || !strings.Contains(out, "keepalive-race") || !strings.Contains(out, "10.0.1.9:8080") {
		t.Errorf("text: exit %d\n%s", code, out)
	}

	code, out, _ = runCLI(t, "", append(args, "--format", "html")...)
	if code != exitOK || !strings.Contains(out, "requests are not counted") || strings.Contains(out, "<h2>Status codes") ||
		!strings.Contains(out, `id="cause-target-unreachable"`) {
		t.Errorf("html: exit %d\n%s", code, out)
	}
	execute := a.Execute
	a.Execute = hostile
	for _, format := range []string{"text", "html"} {
		code, out, _ = runCLI(t, "", append(args, "--format", format)...)
		if code != exitOK || strings.Contains(out, "\x1b") || format == "html" && strings.Contains(out, "<script>alert") {
			t.Errorf("%s: hostile target not escaped: exit %d\n%s", format, code, out)
		}
	}
	a.Execute = execute

	a.Deny = "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: athena:StartQueryExecution"
	code, out, stderr = runCLI(t, "", args...)
	if code != exitUsage || out != "" || !strings.Contains(stderr, "access denied") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Errorf("denied: exit %d %q", code, stderr)
	}
	a.Deny = ""
	a.Execute = func(string) ([][]string, error) { return nil, os.ErrNotExist }
	code, _, stderr = runCLI(t, "", args...)
	if code != exitUsage || !strings.Contains(stderr, "failed") || !strings.Contains(stderr, "5b6e4c1a-") || !strings.Contains(stderr, "3.00 GB") {
		t.Errorf("failed query: exit %d %q", code, stderr)
	}
	a.Execute = func(string) ([][]string, error) {
		return nil, errors.New("INVALID_CAST_ARGUMENT: Value cannot be cast to bigint: \x1b[31m0.0x1")
	}
	code, _, stderr = runCLI(t, "", args...)
	if code != exitUsage || strings.Contains(stderr, "\x1b") || !strings.Contains(stderr, "INVALID_CAST_ARGUMENT") {
		t.Errorf("a reason quoting log content reached the terminal raw: exit %d %q", code, stderr)
	}
	a.Close()
	code, _, stderr = runCLI(t, "", args...)
	if code != exitUsage || !strings.Contains(stderr, "cannot reach Athena") {
		t.Errorf("server down: exit %d %q", code, stderr)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	code, _, stderr = runCLI(t, "", args...)
	if code != exitUsage || !strings.Contains(stderr, "no AWS credentials") {
		t.Errorf("no credentials: exit %d %q", code, stderr)
	}
}
