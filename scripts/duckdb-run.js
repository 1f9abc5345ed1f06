// Runs SQL statements on DuckDB (npm @duckdb/node-api, installed by
// scripts/install-test-deps) and prints the last statement's rows as JSON.
// Statements come on stdin, separated by lines holding only "-- next".
// Usage: node scripts/duckdb-run.js < statements.sql
const { DuckDBInstance } = require('@duckdb/node-api');
(async () => {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  const stmts = Buffer.concat(chunks).toString().split(/^-- next$/m).filter(s => s.trim() !== '');
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  let r;
  for (const s of stmts) r = await conn.runAndReadAll(s);
  process.stdout.write(JSON.stringify(r.getRowObjectsJson()) + '\n');
})().catch(e => { console.error(e.message); process.exit(1); });
