// Runs a script of SQL statements in one DuckDB in-memory database and
// prints, as one JSON line, each statement's result rows with every value
// as DuckDB's VARCHAR text (NULL as null):
//   node duckdb_script.mjs 'STMT' 'STMT' ...  -> [[row, ...], ...]
// An error prints {"error": message} in that statement's place and stops.
// Used by tests/integration/test_sql_lake_dml.py to run on memory tables the
// statements we run on lake tables.
import { DuckDBInstance } from '@duckdb/node-api';

const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
await c.run(`set TimeZone = 'UTC'`);
const out = [];
for (const q of process.argv.slice(2)) {
  try {
    const r = await c.runAndReadAll(q);
    out.push(r.getRows().map((row) => row.map((v) => (v === null ? null : String(v)))));
  } catch (e) {
    out.push({ error: e.message });
    break;
  }
}
console.log(JSON.stringify(out));
