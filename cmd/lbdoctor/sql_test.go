package main

import (
	"os"
	"strings"
	"testing"
)

func TestSQLDDL(t *testing.T) {
	code, out, stderr := runCLI(t, "", "sql", "ddl", "--bucket", "my-alb-logs", "--prefix", "prod", "--account", "123456789012",
		"--region", "eu-west-1", "--database", "logs")
	want, _ := os.ReadFile("../../albsql/testdata/athena.sql")
	if code != exitOK || out != string(want) {
		t.Errorf("athena: exit %d %s\n%s", code, stderr, out)
	}
	code, out, _ = runCLI(t, "", "sql", "ddl", "--dialect", "duckdb", "--path", "logs/*.log.gz", "--table", "web")
	if code != exitOK || !strings.HasPrefix(out, "CREATE OR REPLACE VIEW web AS") || !strings.Contains(out, "read_csv('logs/*.log.gz'") {
		t.Errorf("duckdb: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{
		{"sql", "ddl", "--bucket", "b"},
		{"sql", "ddl", "--dialect", "duckdb"},
		{"sql", "ddl", "--dialect", "mysql", "--path", "x"},
		{"sql", "causes"},
	} {
		if code, _, stderr := runCLI(t, "", args...); code != exitUsage || stderr == "" {
			t.Errorf("%v: exit %d, %q", args, code, stderr)
		}
	}
}
