// The DuckDB side of the SQL differential suite
// (tests/integration/test_sql_differential.py), in one node process:
//   node sql_diff.mjs DIR QUERIES.sql   -> DIR/*.parquet, stdout one JSON line per query
// 1. Generates the tables deterministically (arithmetic on range(), no RNG)
//    as Parquet files in DIR: fact (100k rows, every scalar type, ~10% NULLs,
//    3 row groups + a copy split into DIR/parts/*.parquet for globs), dim
//    (100 rows, keys 0..99 while fact's keys run to 119), jl/jr (duplicate and
//    NULL join keys), special (NaN, +-inf, -0.0, extreme integers, empty and
//    odd strings).
// 2. Runs every query of QUERIES.sql (records start with `-- name: ID`, see
//    tests/integration/README.md) with {fact}, {dim}, {jl}, {jr}, {special},
//    {parts} replaced by read_parquet('DIR/...') and prints
//    {name, columns, types, rows, ordered} or {name, error}; rows are arrays
//    of DuckDB's VARCHAR text of each value (NULL as null), except DOUBLE and
//    FLOAT, given as JSON numbers (or "nan", "inf", "-inf") since the
//    comparison is numeric for them.
import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';
import path from 'node:path';

const [dir, queryFile] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
await c.run(`set TimeZone = 'UTC'`);
await c.run(`set threads = 2`);

// A pseudo-random but fixed permutation of 0..n-1 pieces: (i * P) % M.
const N = 100000;
const FACT = `select
  i::bigint as id,
  case when i % 10 = 3 then null else ((i * 7919) % 20001 - 10000)::integer end as i32,
  case when i % 10 = 7 then null else ((i * 2654435761) % 2000000000000 - 1000000000000)::bigint end as i64,
  ((i * 31) % 601 - 300)::smallint as i16,
  case when i % 11 = 5 then null else ((i * 48271) % 100003) / 64.0 - 700.0 end::double as d,
  case when i % 13 = 1 then null else ((i * 69621) % 1000003 - 500000)::decimal(18,4) / 100 end::decimal(18,4) as dec,
  (((i * 16807) % 9999991 - 5000000) * 0.01)::decimal(9,2) as dec2,
  case when i % 10 = 1 then null else 'g' || (i % 7) end as g,
  case when i % 9 = 2 then null else
    (case (i % 4) when 0 then 'Alpha' when 1 then 'beta' when 2 then 'Gamma ' else ' delta' end) ||
    '_' || ((i * 40503) % 50021)::varchar end as s,
  case when i % 10 = 9 then null else (i * 13) % 17 = 0 or i % 3 = 0 end as b,
  case when i % 12 = 4 then null else date '2015-01-01' + ((i * 7907) % 3653)::integer end as dt,
  case when i % 14 = 6 then null else timestamp '2019-06-01 00:00:00' +
    to_microseconds(((i * 1000003) % 86400000)::bigint * 1000000 // 1000 * 1000 + (i % 1000) * 1000) end as ts,
  case when i % 10 = 8 then null else ((i * 37) % 120)::integer end as k,
  case when i % 20 = 0 then null else ((i * 101) % 5000)::integer end as u
  from range(${N}) r(i)`;
const DIM = `select
  i::integer as k,
  'name_' || lpad(i::varchar, 3, '0') as name,
  case i % 4 when 0 then 'red' when 1 then 'green' when 2 then 'blue' else null end as cat,
  case when i % 10 = 5 then null else i * 1.5 + 0.25 end::double as weight,
  (date '2018-01-01' + (i * 11)::integer) as valid_from,
  (i % 5)::decimal(4,1) / 2 as ratio
  from range(100) r(i)`;
// Join corner cases: duplicate keys on both sides, NULL keys, keys on one side only.
const JL = `select i::integer as id,
  case when i % 7 = 0 then null else (i % 12)::integer end as k,
  case when i % 5 = 0 then null else 'k' || (i % 6) end as sk,
  (i * 3)::integer as v
  from range(60) r(i)`;
const JR = `select i::integer as rid,
  case when i % 9 = 0 then null else (i % 15 + 4)::integer end as k,
  case when i % 4 = 0 then null else 'k' || (i % 8) end as sk,
  'r' || i as w
  from range(45) r(i)`;
const SPECIAL = `select * from (values
  (1, 'nan'::double, 9223372036854775807::bigint, 2147483647::integer, '', 1.5::float, 99999999999999.9999::decimal(18,4)),
  (2, 'inf'::double, (-9223372036854775807 - 1)::bigint, (-2147483647 - 1)::integer, ' ', -0.25::float, -99999999999999.9999::decimal(18,4)),
  (3, '-inf'::double, 0::bigint, 0::integer, 'ÄÖü straße', 3.0e10::float, 0.0001::decimal(18,4)),
  (4, -0.0::double, -1::bigint, -1::integer, 'a%b_c', null, -0.0001::decimal(18,4)),
  (5, 0.0::double, 1::bigint, 1::integer, null, 0.1::float, 0::decimal(18,4)),
  (6, 1e-300::double, 4611686018427387904::bigint, 1073741824::integer, 'tab\there', 1e-5::float, null),
  (7, 1.7976931348623157e308::double, null, null, 'x''y', 7.0::float, 12.5::decimal(18,4)),
  (8, null, 3::bigint, 3::integer, 'ends with space ', 2.5::float, 12.5::decimal(18,4)),
  (9, -123.456::double, -5::bigint, -5::integer, 'UPPER lower', -1.0::float, -7.25::decimal(18,4)),
  (10, 0.1::double, 10::bigint, 10::integer, '日本語', 1e10::float, 1::decimal(18,4))
  ) t(id, x, big, int, str, fl, dec)`;

async function write(name, sql, opts = 'row_group_size 40000') {
  await c.run(`copy (${sql}) to '${path.join(dir, name)}.parquet' (format parquet, ${opts})`);
}
await write('fact', FACT);
await write('dim', DIM);
await write('jl', JL);
await write('jr', JR);
await write('special', SPECIAL);
fs.mkdirSync(path.join(dir, 'parts'), { recursive: true });
for (let p = 0; p < 4; p++)
  await write(`parts/part-${p}`, `select * from read_parquet('${dir}/fact.parquet') where id % 4 = ${p}`);

const TABLES = {
  fact: 'fact.parquet', dim: 'dim.parquet', jl: 'jl.parquet', jr: 'jr.parquet',
  special: 'special.parquet', parts: 'parts/*.parquet',
};
function expand(sql) {
  const names = Object.keys(TABLES).join('|');
  return sql.replace(new RegExp(`\\{(${names})\\}`, 'g'),
    (m, t) => `read_parquet('${path.join(dir, TABLES[t])}')`);
}

// Records: a line `-- name: ID` starts one; `-- key: value` lines right after
// it are metadata (xfail, ...); the rest up to the next record is the query.
function parseQueries(text) {
  const out = [];
  let cur = null;
  for (const line of text.split('\n')) {
    const m = line.match(/^--\s*name:\s*(\S+)\s*$/);
    if (m) { cur = { name: m[1], lines: [] }; out.push(cur); continue; }
    if (cur) cur.lines.push(line);
  }
  return out.map(q => ({
    name: q.name,
    sql: q.lines.filter(l => !/^--/.test(l)).join('\n').trim().replace(/;\s*$/, ''),
  }));
}

// Is there an ORDER BY outside every parenthesis and string literal?
function topLevelOrderBy(sql) {
  let depth = 0, flat = '';
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i];
    if (ch === "'") { const j = sql.indexOf("'", i + 1); i = j < 0 ? sql.length : j; flat += ' '; continue; }
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0) flat += ch;
  }
  return /\border\s+by\b/i.test(flat);
}

function text(v, type) {
  if (v === null || v === undefined) return null;
  const id = type.typeId;
  if (id === 10 || id === 11) {  // FLOAT, DOUBLE
    if (Number.isNaN(v)) return 'nan';
    if (v === Infinity) return 'inf';
    if (v === -Infinity) return '-inf';
    if (Object.is(v, -0)) return '-0.0';
    return v;
  }
  if (typeof v === 'string') return v;
  return String(v);
}

for (const q of parseQueries(fs.readFileSync(queryFile, 'utf8'))) {
  let rec;
  try {
    const r = await c.runAndReadAll(expand(q.sql));
    const types = r.columnTypes();
    rec = {
      name: q.name,
      columns: r.columnNames(),
      types: types.map(t => t.toString()),
      rows: r.getRows().map(row => row.map((v, i) => text(v, types[i]))),
      ordered: topLevelOrderBy(q.sql),
    };
  } catch (e) {
    rec = { name: q.name, error: String(e.message || e) };
  }
  process.stdout.write(JSON.stringify(rec) + '\n');
}
