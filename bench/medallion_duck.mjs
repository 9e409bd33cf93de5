// The peer of bench/medallion_bench.py's statement comparison: runs one
// CREATE TEMP TABLE ... AS statement (a file) in DuckDB (from tests/js's
// node_modules), RUNS times on THREADS threads, each time into a fresh
// in-memory database, and prints {"secs": [...], "rows": n} as one JSON line:
//   THREADS=2 RUNS=3 node bench/medallion_duck.mjs statement.sql
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/js/package.json', import.meta.url));
const { DuckDBInstance } = require('@duckdb/node-api');

const sql = fs.readFileSync(process.argv[2], 'utf8');
const name = sql.match(/TEMP TABLE (\w+)/)[1];
const threads = process.env.THREADS || '2';
const secs = [];
let rows = -1;
for (let i = 0; i < Number(process.env.RUNS || 3); i++) {
  const db = await DuckDBInstance.create(':memory:', { threads });
  const c = await db.connect();
  await c.run(`SET TimeZone = 'UTC'`);
  const t0 = performance.now();
  await c.run(sql);
  secs.push((performance.now() - t0) / 1000);
  const r = await c.runAndReadAll(`SELECT count(*) FROM ${name}`);
  rows = Number(r.getRows()[0][0]);
  c.closeSync();
}
console.log(JSON.stringify({ secs, rows }));
