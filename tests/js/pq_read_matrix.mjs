// Reads the Parquet files that tests/unit/parquet_write_matrix.c wrote into a
// directory, with one reader (DuckDB or hyparquet), and compares every value
// with the writer's expected.json. Prints one JSON object:
//   {reader, files, values, row_groups: {file: n}, mismatches: [...first 20]}
//
//   node pq_read_matrix.mjs <dir> duckdb|hyparquet
//   LAKEHOUSE_BIN=... node pq_read_matrix.mjs <dir> lakehouse
//
// Values are compared in a canonical form: integers, decimals (unscaled),
// times and timestamps (micros) as strings, dates as days, intervals as
// "months,days,micros", blobs as hex, maps as [key, value] pairs.
// hyparquet turns DECIMAL into a JS number, so decimals of more than 15
// digits are compared against DuckDB only; it cannot read INTERVAL.
// `lakehouse` compares our own reader (`lakehouse parquet cat --json`, values
// as DuckDB prints them) with DuckDB's CAST(... AS VARCHAR) of every value;
// BLOB texts are compared as the bytes they spell (\xHH escapes decoded),
// since the two escape printable bytes differently.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const [dir, reader] = process.argv.slice(2);
const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8'));
const hex = (b) => Buffer.from(b).toString('hex');
const SKIP = 'skip';

// DuckDB values (@duckdb/node-api) to the canonical form.
function duck(v, t) {
  if (v === null || v === undefined) return null;
  switch (t.t) {
    case 'bool': return v;
    case 'int': return String(v);
    case 'float': return Number(v);
    case 'dec': return v.value.toString();
    case 'date': return v.days;
    case 'time': case 'ts': return String(v.micros);
    case 'iv': return `${v.months},${v.days},${v.micros}`;
    case 'str': return v;
    case 'blob': return hex(v.bytes);
    case 'struct': return Object.fromEntries(Object.keys(t.f).map((k) => [k, duck(v.entries[k], t.f[k])]));
    case 'list': return v.items.map((e) => duck(e, t.e));
    case 'map': return v.entries.map((e) => [duck(e.key, t.k), duck(e.value, t.v)]);
  }
  throw new Error(`unknown type ${t.t}`);
}

// hyparquet values (custom parsers: BigInt micros, days as numbers).
function hyp(v, t) {
  if (t.t === 'dec' && t.p > 15) return SKIP;
  if (t.t === 'iv') return SKIP;
  if (v === null || v === undefined) return null;
  switch (t.t) {
    case 'bool': return v;
    case 'int': case 'time': case 'ts': return String(v);
    case 'float': return Number(v);
    case 'dec': return String(Math.round(v * 10 ** t.s));
    case 'date': return v;
    case 'str': return v;
    case 'blob': return hex(v);
    case 'struct': return Object.fromEntries(Object.keys(t.f).map((k) => [k, hyp(v[k], t.f[k])]));
    case 'list': return v.map((e) => hyp(e, t.e));
    case 'map': {
      const pairs = Array.isArray(v) ? v.map((e) => [e.key, e.value]) : Object.entries(v);
      return pairs.map(([k, x]) => [hyp(k, t.k), hyp(x, t.v)]);
    }
  }
  throw new Error(`unknown type ${t.t}`);
}

// What hyparquet is not asked about becomes SKIP in the expected values too.
function mask(v, t) {
  if ((t.t === 'dec' && t.p > 15) || t.t === 'iv') return SKIP;
  if (v === null) return null;
  if (t.t === 'struct') return Object.fromEntries(Object.keys(t.f).map((k) => [k, mask(v[k], t.f[k])]));
  if (t.t === 'list') return v.map((e) => mask(e, t.e));
  if (t.t === 'map') return v.map(([k, x]) => [mask(k, t.k), mask(x, t.v)]);
  return v;
}

async function readDuck(file, cols) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  readDuck.db ??= await (await DuckDBInstance.create(':memory:')).connect();
  const sel = cols.map((c) => `"${c.name}"`).join(', ');
  const res = await readDuck.db.runAndReadAll(`SELECT ${sel} FROM read_parquet('${file}')`);
  const rows = res.getRows();
  const md = await readDuck.db.runAndReadAll(
    `SELECT count(DISTINCT row_group_id) AS n FROM parquet_metadata('${file}')`);
  return { columns: cols.map((c, i) => rows.map((r) => duck(r[i], c.type))), rowGroups: Number(md.getRows()[0][0]) };
}

async function readHyp(file, cols) {
  const { asyncBufferFromFile, parquetReadObjects, parquetMetadataAsync } = await import('hyparquet');
  const { compressors } = await import('hyparquet-compressors');
  const buf = await asyncBufferFromFile(file);
  const want = cols.filter((c) => c.type.t !== 'iv');
  const parsers = {
    timestampFromMilliseconds: (v) => BigInt(v) * 1000n,
    timestampFromMicroseconds: (v) => BigInt(v),
    timestampFromNanoseconds: (v) => BigInt(v) / 1000n,
    dateFromDays: (d) => d,
  };
  const rows = await parquetReadObjects({ file: buf, compressors, parsers, utf8: false, columns: want.map((c) => c.name) });
  const meta = await parquetMetadataAsync(buf);
  return { columns: cols.map((c) => rows.map((r) => hyp(r[c.name], c.type))), rowGroups: meta.row_groups.length };
}

// A blob's text as bytes: \xHH is one byte, anything else its own UTF-8.
const blobBytes = (s) => s === null ? null
  : hex(Buffer.concat(s.split(/(\\x[0-9A-Fa-f]{2})/).map((p) =>
    /^\\x[0-9A-Fa-f]{2}$/.test(p) ? Buffer.from([parseInt(p.slice(2), 16)]) : Buffer.from(p))));

async function readOurs(file, cols) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  readDuck.db ??= await (await DuckDBInstance.create(':memory:')).connect();
  const sel = cols.map((c) => `CAST("${c.name}" AS VARCHAR)`).join(', ');
  const want = (await readDuck.db.runAndReadAll(`SELECT ${sel} FROM read_parquet('${file}')`)).getRows();
  const got = execFileSync(process.env.LAKEHOUSE_BIN, ['parquet', 'cat', file, '--json'], { maxBuffer: 1 << 30 })
    .toString().split('\n').filter((l) => l).map((l) => JSON.parse(l));
  const norm = (c, v) => (c.type.t === 'blob' ? blobBytes(v) : v);
  const md = await readDuck.db.runAndReadAll(
    `SELECT count(DISTINCT row_group_id) AS n FROM parquet_metadata('${file}')`);
  return {
    columns: cols.map((c) => got.map((r) => norm(c, r[c.name]))),
    expect: cols.map((c, i) => want.map((r) => norm(c, r[i]))),
    rowGroups: Number(md.getRows()[0][0]),
  };
}

const out = { reader, files: 0, values: 0, row_groups: {}, mismatches: [] };
// PQ_ONLY=a.parquet,b.parquet limits the run to those files.
const only = process.env.PQ_ONLY ? new Set(process.env.PQ_ONLY.split(',')) : null;
for (const f of expected.files) {
  if (only && !only.has(f.file)) continue;
  const file = path.join(dir, f.file);
  let got;
  try {
    got = reader === 'duckdb' ? await readDuck(file, f.cols)
      : reader === 'lakehouse' ? await readOurs(file, f.cols) : await readHyp(file, f.cols);
  } catch (e) {
    out.mismatches.push({ file: f.file, error: String(e && e.stack || e) });
    continue;
  }
  out.files++;
  out.row_groups[f.file] = got.rowGroups;
  f.cols.forEach((c, i) => {
    const exp = reader === 'duckdb' ? c.values
      : reader === 'lakehouse' ? got.expect[i] : c.values.map((v) => mask(v, c.type));
    const col = got.columns[i];
    if (col.length !== exp.length) {
      out.mismatches.push({ file: f.file, col: c.name, error: `rows ${col.length} != ${exp.length}` });
      return;
    }
    for (let r = 0; r < exp.length; r++) {
      const a = JSON.stringify(col[r]), b = JSON.stringify(exp[r]);
      out.values++;
      if (a !== b) out.nbad = (out.nbad || 0) + 1;
      if (a !== b && out.mismatches.length < 20) out.mismatches.push({ file: f.file, col: c.name, row: r, got: a, want: b });
    }
  });
}
process.stdout.write(JSON.stringify(out) + '\n');
