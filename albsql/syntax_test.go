package albsql

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/lbdoctor/lbdoctor/analysis"
	"github.com/lbdoctor/lbdoctor/internal/realserver"
)

// The Athena and Trino statements cannot run here (no Trino server, no AWS),
// so their syntax is checked with dt-sql-parser's parsers, generated from
// Trino's and Hive's own ANTLR grammars (Athena runs DDL on Hive and queries
// on Trino). Its ES modules import without file extensions, as bundlers
// allow; the loader below resolves those for Node.
const (
	sqlLoader = `export async function resolve(spec, ctx, next) {
  try { return await next(spec, ctx); } catch (e) {
    if (spec.startsWith('.')) {
      for (const suffix of ['.js', '/index.js']) { try { return await next(spec + suffix, ctx); } catch {} }
    }
    throw e;
  }
}
`
	sqlRegister = `import { register } from 'node:module';
register('./loader.mjs', import.meta.url);
`
	sqlCheck = `import { TrinoSQL } from 'dt-sql-parser/dist/parser/trino/index.js';
import { HiveSQL } from 'dt-sql-parser/dist/parser/hive/index.js';
import fs from 'fs';
const [grammar, file] = process.argv.slice(2);
const parser = grammar === 'hive' ? new HiveSQL() : new TrinoSQL();
const errs = parser.validate(fs.readFileSync(file, 'utf8'));
if (errs.length) { console.log(JSON.stringify(errs.slice(0, 5))); process.exit(1); }
`
)

// checkSyntax parses sql with the grammar ("trino" or "hive") and returns the
// parser's complaints, or "" when it parses.
func checkSyntax(t *testing.T, grammar, sql string) string {
	t.Helper()
	node, err := exec.LookPath("node")
	mod := filepath.Join(realserver.NodeTools, "dt-sql-parser")
	if _, serr := os.Stat(mod); err != nil || serr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("node or dt-sql-parser is missing: scripts/install-test-deps should have installed them")
		}
		t.Skip("node or dt-sql-parser is missing (run scripts/install-test-deps)")
	}
	// Node resolves bare imports from the script's own directory upwards.
	dir, err := os.MkdirTemp(filepath.Dir(realserver.NodeTools), "sqlcheck-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	for name, text := range map[string]string{"loader.mjs": sqlLoader, "register.mjs": sqlRegister, "check.mjs": sqlCheck, "in.sql": sql} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(node, "--import", "./register.mjs", "check.mjs", grammar, "in.sql")
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if out.Len() == 0 {
			t.Fatalf("%s parser: %v", grammar, err)
		}
		return out.String()
	}
	return ""
}

// TestTrinoSyntax parses the Athena/Trino statements with Trino's and Hive's
// grammars, and checks that the parser does reject a broken statement.
func TestTrinoSyntax(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Node")
	}
	o := AthenaOptions{Bucket: "my-alb-logs", Prefix: "prod", Account: "123456789012", Region: "eu-west-1", Database: "logs"}
	athena, err := AthenaDDL(o)
	if err != nil {
		t.Fatal(err)
	}
	trino, err := TrinoDDL(o)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := CausesQuery(CausesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	status, err := analysis.ParseStatusSet("460,5xx")
	if err != nil {
		t.Fatal(err)
	}
	narrow, err := CausesQuery(CausesOptions{Dialect: Trino, Table: "hive.logs.alb_logs", LB: "shop-prod", LBIdle: 120 * time.Second, Status: status,
		Since: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), Until: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, grammar, sql string }{
		{"athena DDL", "hive", athena}, {"trino DDL", "trino", trino},
		{"causes query", "trino", plain}, {"causes query with every option", "trino", narrow},
	} {
		if errs := checkSyntax(t, c.grammar, c.sql); errs != "" {
			t.Errorf("%s does not parse: %s", c.name, errs)
		}
	}
	if errs := checkSyntax(t, "trino", plain[:len(plain)/2]); errs == "" {
		t.Error("the Trino parser accepted half a query")
	}
}
