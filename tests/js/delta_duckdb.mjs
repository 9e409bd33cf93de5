// Reconstructs a Delta table independently of lakehouse, with DuckDB as the
// Parquet reader: the table's objects copied to a local directory, its
// `_delta_log` replayed from `_last_checkpoint` (the checkpoint Parquet read
// by DuckDB) or from version 0, then every live data file read with its
// partition values added as typed columns.
//
//   node delta_duckdb.mjs <table-dir> [version]
//   node delta_duckdb.mjs --each <table-dir>...   (the latest version of each)
//
// Prints one JSON object per table, one a line: {version, partitionColumns,
// schema, files, rows}, rows being DuckDB's to_json of each row, sorted, so a
// test compares sets.
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const pad = (v) => String(v).padStart(20, '0');
const sqlStr = (s) => `'${String(s).replaceAll("'", "''")}'`;

const db = await (await DuckDBInstance.create(':memory:')).connect();
const rows = async (sql) => (await db.runAndReadAll(sql)).getRowObjectsJS();

async function readTable(dir, want) {
  const logDir = path.join(dir, '_delta_log');
  let start = -1;
  const live = new Map();
  let meta = null;
  let protocol = null;
  const apply = (a) => {
    if (a.add) live.set(decodeURIComponent(a.add.path), a.add);
    if (a.remove) live.delete(decodeURIComponent(a.remove.path));
    if (a.metaData) meta = a.metaData;
    if (a.protocol) protocol = a.protocol;
  };

  const lastCp = path.join(logDir, '_last_checkpoint');
  if (fs.existsSync(lastCp)) {
    const cp = JSON.parse(fs.readFileSync(lastCp, 'utf8'));
    if (want === null || cp.version <= want) {
      start = cp.version;
      const file = path.join(logDir, `${pad(cp.version)}.checkpoint.parquet`);
      for (const col of ['add', 'remove', 'metaData', 'protocol']) {
        const got = await rows(
          `SELECT to_json("${col}")::VARCHAR AS j FROM read_parquet(${sqlStr(file)}) WHERE "${col}" IS NOT NULL`);
        for (const r of got) {
          const a = JSON.parse(r.j);
          // a checkpoint's remove entries are tombstones: nothing to undo here
          if (col === 'remove') continue;
          if (col === 'add' && a.partitionValues && Array.isArray(a.partitionValues)) {
            a.partitionValues = Object.fromEntries(a.partitionValues.map((e) => [e.key, e.value]));
          }
          apply({ [col]: a });
        }
      }
    }
  }
  const commits = fs.readdirSync(logDir)
    .filter((f) => /^\d{20}\.json$/.test(f))
    .map((f) => Number(f.slice(0, 20)))
    .filter((v) => v > start && (want === null || v <= want))
    .sort((a, b) => a - b);
  let version = start;
  for (const v of commits) {
    if (v !== version + 1) throw new Error(`missing commit ${version + 1} before ${v}`);
    version = v;
    for (const line of fs.readFileSync(path.join(logDir, `${pad(v)}.json`), 'utf8').split('\n')) {
      if (line.trim()) apply(JSON.parse(line));
    }
  }
  if (!meta) throw new Error('no metaData action');

  const schema = JSON.parse(meta.schemaString);
  const deltaToDuck = (t) => {
    if (typeof t !== 'string') return null;
    const m = t.match(/^decimal\((\d+),\s*(\d+)\)$/);
    if (m) return `DECIMAL(${m[1]},${m[2]})`;
    return {
      string: 'VARCHAR', long: 'BIGINT', integer: 'INTEGER', short: 'SMALLINT', byte: 'TINYINT',
      float: 'FLOAT', double: 'DOUBLE', boolean: 'BOOLEAN', binary: 'BLOB', date: 'DATE',
      timestamp: 'TIMESTAMPTZ', timestamp_ntz: 'TIMESTAMP',
    }[t] ?? null;
  };
  const partCols = meta.partitionColumns ?? [];
  const colType = Object.fromEntries(schema.fields.map((f) => [f.name, deltaToDuck(f.type)]));
  const dataCols = schema.fields.map((f) => f.name).filter((n) => !partCols.includes(n));

  const files = [...live.keys()].sort();
  const parts = [];
  for (const f of files) {
    const add = live.get(f);
    const pv = partCols.map((c) => {
      const v = add.partitionValues?.[c];
      const lit = v === null || v === undefined ? 'NULL' : sqlStr(v);
      return `CAST(${lit} AS ${colType[c]}) AS "${c}"`;
    });
    // a column added after the file was written (schema evolution) reads as NULL
    const file = sqlStr(path.join(dir, f));
    const has = new Set((await rows(`SELECT name FROM parquet_schema(${file})`)).map((r) => r.name));
    const data = dataCols.map((c) => (has.has(c) ? `"${c}"` : `CAST(NULL AS ${colType[c]}) AS "${c}"`));
    parts.push(`SELECT ${[...data, ...pv].join(', ')} FROM read_parquet(${file})`);
  }
  let out = [];
  if (parts.length) {
    const order = schema.fields.map((f) => `"${f.name}"`).join(', ');
    out = (await rows(`SELECT to_json(t)::VARCHAR AS j FROM (SELECT ${order} FROM (${parts.join(' UNION ALL ')})) t`))
      .map((r) => r.j).sort();
  }
  return { version, protocol, partitionColumns: partCols, schema, files, rows: out };
}

const each = process.argv[2] === '--each';
const dirs = each ? process.argv.slice(3) : [process.argv[2]];
const want = !each && process.argv[3] !== undefined ? Number(process.argv[3]) : null;
for (const dir of dirs) console.log(JSON.stringify(await readTable(dir, want)));
