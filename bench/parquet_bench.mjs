// Driver of bench/parquet_bench.sh: one run of the Parquet write and full-read
// benchmark, lakehouse against DuckDB (@duckdb/node-api from tests/js), on one
// table. DuckDB builds the table in memory once and writes it uncompressed as
// the source our writer loads, so both writers start from the same rows. Then,
// ROUNDS times, interleaved: for ZSTD and SNAPPY, our writer (build/pq_write,
// timed inside the program) on 1 thread and on DuckDB's default number of
// threads (whose file must be byte for byte the 1-thread file) and DuckDB's
// COPY (threads=1 and default, timed here around the statement); then each
// engine reads all four files (its own and the other's, both codecs): ours
// with 1 reader and with one reader per DuckDB thread (build/pq_read), DuckDB
// with an aggregate over every column at threads=1 and default, each timed
// scan after an untimed one. Every read's per-column sums must equal those
// of DuckDB's in-memory table, and EXPLAIN ANALYZE of DuckDB's aggregate on
// each file must show a scan of every column and every row. Prints a
// Markdown table (medians) and our writer's N-thread/1-thread time ratio on
// stdout, each run on stderr.
//   node bench/parquet_bench.mjs DIR ROWS ROUNDS BINDIR COMMAND
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/js/package.json', import.meta.url));
const { DuckDBInstance } = require('@duckdb/node-api');

const [dir, rowsArg, roundsArg, bin, command] = process.argv.slice(2);
const rows = Number(rowsArg), rounds = Number(roundsArg);
const codecs = ['zstd', 'snappy'];
const cols = ['id', 'a', 'd', 's_low', 's_mid', 's_high', 'ts'];
const src = `${dir}/source.parquet`;
const file = (who, codec) => `${dir}/${who}_${codec}.parquet`;
const log = (o) => process.stderr.write(JSON.stringify(o) + '\n');

const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const one = async (sql) => (await c.runAndReadAll(sql)).getRows()[0];
const version = (await one('SELECT version()'))[0];
const threadsDefault = Number((await one("SELECT current_setting('threads')"))[0]);
const loadStart = os.loadavg()[0];

// id BIGINT unique; a INTEGER 1M distinct; d DOUBLE; VARCHARs of 10, 10,000
// and ~ROWS distinct values; ts TIMESTAMP; 10% NULLs in every column but id.
const nul = (k, expr) => `CASE WHEN (i + ${k}) % 10 = 0 THEN NULL ELSE ${expr} END`;
await c.run(`CREATE TABLE t AS SELECT i AS id,
  ${nul(1, '((i * 2654435761) % 4294967296 % 1000000)::INTEGER')} AS a,
  ${nul(2, '((i * 2246822519) % 4294967296)::DOUBLE / 4294967296 * 1000')} AS d,
  ${nul(3, "'category_' || ((i * 2654435761) % 4294967296 % 10)")} AS s_low,
  ${nul(4, "'item_' || ((i * 2246822519) % 4294967296 % 10000)")} AS s_mid,
  ${nul(5, "'user_' || ((i * 2654435761) % 4294967296)")} AS s_high,
  ${nul(6, 'make_timestamp(1700000000000000 + i * 1000003)')} AS ts
  FROM range(${rows}) r(i)`);
await c.run(`COPY t TO '${src}' (FORMAT parquet, COMPRESSION uncompressed)`);

// The full read: every column into an aggregate, strings by byte length as ours.
const aggregate = (from) => `SELECT count(*), sum(id), sum(a), sum(d), sum(strlen(s_low)),
  sum(strlen(s_mid)), sum(strlen(s_high)), sum(epoch_us(ts)) FROM ${from}`;
const expected = (await one(aggregate('t'))).map(Number);

function checkSums(what, n, sums) {
  const want = expected.slice(1);
  const bad = n !== expected[0] || sums.length !== want.length ||
    sums.some((s, k) => Math.abs(s - want[k]) > 1e-9 * Math.max(1, Math.abs(want[k])));
  if (bad) throw new Error(`${what}: read ${n} rows, sums ${sums}; want ${expected}`);
}

async function setThreads(n) {
  await c.run(n === 1 ? 'SET threads = 1' : 'RESET threads');
}

async function duckWrite(codec, threads) {
  await setThreads(threads);
  const out = file('duckdb', codec);
  const t0 = performance.now();
  // ZSTD at our writer's level (1, Arrow's default; DuckDB's own default is 3)
  const level = codec === 'zstd' ? ', COMPRESSION_LEVEL 1' : '';
  await c.run(`COPY t TO '${out}' (FORMAT parquet, COMPRESSION ${codec}${level})`);
  const ms = performance.now() - t0;
  return { ms, bytes: fs.statSync(out).size };
}

// Our writer on n threads; the n-thread file must equal the 1-thread one.
function oursWrite(codec, n) {
  const out = n === 1 ? file('ours', codec) : file(`ours${n}`, codec);
  const o = JSON.parse(execFileSync(`${bin}/pq_write`, [src, out, codec, String(n)]));
  if (o.rows !== expected[0]) throw new Error(`pq_write wrote ${o.rows} rows`);
  if (n !== 1) {
    if (!fs.readFileSync(out).equals(fs.readFileSync(file('ours', codec))))
      throw new Error(`pq_write on ${n} threads wrote other bytes than on 1`);
    fs.rmSync(out);
  }
  return { ms: o.seconds * 1000, bytes: o.bytes };
}

async function duckRead(path, threads) {
  await setThreads(threads);
  const q = aggregate(`read_parquet('${path}')`);
  await c.runAndReadAll(q); // untimed, as pq_read's first scan
  const t0 = performance.now();
  const r = (await c.runAndReadAll(q)).getRows()[0].map(Number);
  const ms = performance.now() - t0;
  checkSums(`duckdb reading ${path}`, r[0], r.slice(1));
  return { ms };
}

function oursRead(path, threads) {
  const o = JSON.parse(execFileSync(`${bin}/pq_read`, [path, String(threads)]));
  checkSums(`pq_read reading ${path}`, o.rows, o.sums);
  return { ms: o.ms, cpu_ms: o.cpu_ms };
}

// EXPLAIN ANALYZE: the Parquet scan under the aggregate reads every column
// and every row (no pruning, no column left out).
async function checkPlan(path) {
  await setThreads(threadsDefault);
  const plan = JSON.parse((await one(`EXPLAIN (ANALYZE, FORMAT json) ${aggregate(`read_parquet('${path}')`)}`))[1]);
  const scans = [];
  const walk = (n) => {
    if (n.operator_type === 'TABLE_SCAN') scans.push(n);
    (n.children || []).forEach(walk);
  };
  walk(plan);
  const p = scans.length === 1 ? scans[0].extra_info.Projections : null;
  const all = Array.isArray(p) && cols.every((x) => p.includes(x)) && p.length === cols.length;
  if (!all || scans[0].operator_cardinality !== rows)
    throw new Error(`EXPLAIN ANALYZE on ${path}: scans ${JSON.stringify(scans.map((s) => [s.extra_info, s.operator_cardinality]))}`);
  return p;
}

const runs = {}; // key -> list of {ms, ...}
const add = (key, r) => {
  (runs[key] ||= []).push(r);
  log({ key, ...r });
};
const readers = [['1', 1], ['N', threadsDefault]];
for (let round = 0; round < rounds; round++) {
  for (const codec of codecs) {
    add(`write ours1 ${codec}`, oursWrite(codec, 1));
    add(`write oursN ${codec}`, oursWrite(codec, threadsDefault));
    add(`write duckdb1 ${codec}`, await duckWrite(codec, 1));
    add(`write duckdbN ${codec}`, await duckWrite(codec, threadsDefault));
  }
  for (const codec of codecs)
    for (const writer of ['ours', 'duckdb']) {
      const path = file(writer, codec);
      if (round === 0) log({ explain: path, projections: await checkPlan(path) });
      for (const [tag, n] of readers) {
        add(`read ours${tag} ${codec} ${writer}`, oursRead(path, n));
        add(`read duckdb${tag} ${codec} ${writer}`, await duckRead(path, n));
      }
    }
}

const median = (key, f = 'ms') => {
  const v = runs[key].map((r) => r[f]).sort((x, y) => x - y);
  return v[(v.length - 1) >> 1];
};
const cell = (ms) => `${(rows / ms / 1000).toFixed(2)} M rows/s (${(ms / 1000).toFixed(3)} s)`;
const out = [];
out.push(`| operation | codec | lakehouse | DuckDB | time lakehouse / DuckDB | file size lakehouse / DuckDB |`);
out.push('|---|---|---|---|---|---|');
for (const codec of codecs) {
  for (const [tag, n] of readers) {
    const ours = median(`write ours${tag} ${codec}`);
    const sizeOurs = runs[`write ours${tag} ${codec}`].at(-1).bytes;
    const duck = median(`write duckdb${tag} ${codec}`);
    const sizeDuck = runs[`write duckdb${tag} ${codec}`].at(-1).bytes;
    const size = `${sizeOurs.toLocaleString('en')} / ${sizeDuck.toLocaleString('en')} B = **${(sizeOurs / sizeDuck).toFixed(3)}**`;
    out.push(`| write, DuckDB threads=${n} | ${codec.toUpperCase()} | ${n} thread${n > 1 ? 's' : ''}: ${cell(ours)} | ${cell(duck)} | **${(ours / duck).toFixed(2)}** | ${size} |`);
  }
}
for (const codec of codecs)
  for (const writer of ['ours', 'duckdb'])
    for (const [tag, n] of readers) {
      const ours = median(`read ours${tag} ${codec} ${writer}`);
      const cpu = median(`read ours${tag} ${codec} ${writer}`, 'cpu_ms');
      const duck = median(`read duckdb${tag} ${codec} ${writer}`);
      const what = writer === 'ours' ? "lakehouse's file" : "DuckDB's file";
      out.push(`| full read of ${what}, ${n} reader${n > 1 ? 's' : ''} / DuckDB threads=${n} | ${codec.toUpperCase()} | ${cell(ours)}, CPU ${(cpu / 1000).toFixed(3)} s | ${cell(duck)} | **${(ours / duck).toFixed(2)}** | |`);
    }
const load = `load average ${loadStart.toFixed(2)} at start, ${os.loadavg()[0].toFixed(2)} at end`;
console.log(`\`${command}\`: ${rows.toLocaleString('en')} rows, median of ${rounds} round${rounds > 1 ? 's' : ''}, ` +
  `DuckDB ${version} (default threads ${threadsDefault}), ${os.cpus().length} CPUs, ${load}\n`);
console.log(out.join('\n'));
const scale = codecs.map((k) => `${k.toUpperCase()} ${(median(`write oursN ${k}`) / median(`write ours1 ${k}`)).toFixed(2)}`);
console.log(`\nlakehouse's writer, ${threadsDefault} threads / 1 thread (time): ${scale.join(', ')}`);
