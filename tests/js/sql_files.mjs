// The DuckDB side of tests/integration/test_sql_files.py: runs each query
// given on the command line and prints one JSON line per query: the column
// names and the rows as DuckDB's VARCHAR text (NULL as null), or {error}.
import { DuckDBInstance } from '@duckdb/node-api';

const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
for (const q of process.argv.slice(2)) {
  try {
    const r = await c.runAndReadAll(`select columns(*)::varchar from (${q})`);
    console.log(JSON.stringify({ columns: r.columnNames(), rows: r.getRowsJS() }));
  } catch (e) {
    console.log(JSON.stringify({ error: e.message.split('\n')[0] }));
  }
}
