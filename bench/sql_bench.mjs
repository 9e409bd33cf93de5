// Driver of bench/sql_bench.sh: one suite (h2o or tpch), every question on
// every engine, on the same Parquet data:
//   ours        build/lakehouse sql -f, one process per question: the tables
//               loaded into memory tables (untimed), the question RUNS times,
//               each run's time from the per-statement line on stderr
//   DuckDB      @duckdb/node-api in this process, threads=2, memory tables,
//               each run timed here; its result is the reference
//   SQLite      Debian's sqlite3 on a database file built from the same data
//               (TPC-H: primary keys and an index on every join key), `.timer on`
//   ClickHouse  Debian's 18.16 server (started by sql_bench.sh), Memory
//               tables, clickhouse-client --time (H2O only)
// H2O questions run as CREATE TABLE ans AS <question> (as db-benchmark
// does), TPC-H queries as plain SELECTs. Best of RUNS runs; a peer run over
// TIMEOUT seconds is stopped and counts as TIMEOUT. Prints the Markdown
// report on stdout, every run as a JSON line on stderr.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { compareResults, geomean } from './sql_bench_check.mjs';

const require = createRequire(new URL('../tests/js/package.json', import.meta.url));
const { DuckDBInstance } = require('@duckdb/node-api');

const env = process.env;
const SUITE = env.SUITE, DATA = env.DATA, WORK = env.WORK, BIN = env.BIN;
const RUNS = Number(env.RUNS || 3), TIMEOUT = Number(env.TIMEOUT || 300);
const ENGINES = (env.ENGINES || 'ours,duckdb,sqlite,clickhouse').split(',');
const CH_PORT = env.CH_PORT;
const here = path.dirname(new URL(import.meta.url).pathname);
const log = (o) => process.stderr.write(JSON.stringify(o) + '\n');

const TPCH = ['region', 'nation', 'part', 'supplier', 'partsupp', 'customer', 'orders', 'lineitem'];
const tables = SUITE === 'h2o' ? { x: DATA } : Object.fromEntries(TPCH.map((t) => [t, `${DATA}/${t}.parquet`]));
const ctas = SUITE === 'h2o';

function queryText(engine, n) {
  const v = `${here}/${SUITE}/${engine}/q${n}.sql`;
  const f = fs.existsSync(v) ? v : `${here}/${SUITE}/q${n}.sql`;
  return fs.readFileSync(f, 'utf8').split('\n').filter((l) => !/^\s*--/.test(l)).join('\n')
    .trim().replace(/;\s*$/, '');
}
const questions = fs.readdirSync(`${here}/${SUITE}`).map((f) => /^q(\d+)\.sql$/.exec(f))
  .filter(Boolean).map((m) => Number(m[1])).sort((a, b) => a - b)
  .filter((n) => !env.ONLY || env.ONLY.split(',').map(Number).includes(n));
const usedTables = (sql) => Object.keys(tables).filter((t) => new RegExp(`\\b${t}\\b`, 'i').test(sql));
const firstLine = (s) => (s || '').split('\n').map((l) => l.trim()).find((l) => l) || '(no message)';

// ---- DuckDB (reference) ----
const db = await DuckDBInstance.create(':memory:');
const duck = await db.connect();
await duck.run('SET threads = 2');
const duckVersion = (await duck.runAndReadAll('SELECT version()')).getRows()[0][0];
for (const [t, f] of Object.entries(tables)) await duck.run(`CREATE TABLE ${t} AS SELECT * FROM read_parquet('${f}')`);

async function runDuck(n, out) {
  const q = queryText('duckdb', n), times = [];
  try {
    for (let r = 0; r < RUNS; r++) {
      const t0 = performance.now();
      if (ctas) await duck.run(`CREATE OR REPLACE TABLE ans AS ${q}`);
      else await duck.runAndReadAll(q);
      times.push((performance.now() - t0) / 1000);
    }
    await duck.run(`COPY (${ctas ? 'SELECT * FROM ans' : q}) TO '${out}' (FORMAT csv, HEADER false)`);
    return { times };
  } catch (e) {
    return { error: firstLine(e.message) };
  }
}

// Runs 2..RUNS (process `more`) after run 1 (`first`) succeeded in time: a
// later run that fails or times out leaves run 1's time; when the result
// file was to come from the later process, the result is left unchecked.
function laterRuns(first, more) {
  const times = first.times.concat((more.times || []).filter((t) => t <= TIMEOUT));
  if (!more.error && !more.timeout) return { times };
  return { times, unchecked: more.timeout ? 'a later run timed out' : `a later run failed: ${more.error}` };
}

// ---- ours ----
// `lakehouse sql -f` prints the last statement's result while it runs, so
// that statement's time= on stderr does not cover its execution: a timed
// statement is never last. Process 1: the loads (untimed), run 1, `SELECT
// 1`; stopped after TIMEOUT plus LOAD_SLACK seconds, so a question that
// times out costs one timeout. Process 2: the loads, runs 2..RUNS, then the
// statement whose result is compared (H2O: SELECT * FROM the last answer;
// TPC-H: the query once more, untimed).
const LOAD_SLACK = Number(env.LOAD_SLACK || 120);
function oursProcess(n, load, timed, tail, out) {
  const stmts = load.map((t) => `CREATE TABLE ${t} AS SELECT * FROM '${tables[t]}';`);
  const script = `${WORK}/ours_q${n}.sql`;
  fs.writeFileSync(script, stmts.concat(timed, tail).join('\n') + '\n');
  const fd = fs.openSync(out || '/dev/null', 'w');
  const p = spawnSync(BIN, ['sql', '-f', script, '--format', 'csv'], {
    stdio: ['ignore', fd, 'pipe'], timeout: (TIMEOUT * (timed.length + 1) + LOAD_SLACK) * 1000,
    killSignal: 'SIGKILL', maxBuffer: 64 << 20, encoding: 'utf8',
  });
  fs.closeSync(fd);
  const stat = /^([A-Z][A-Z ]*)\trows=(\d+)\ttime=([\d.]+)s$/;
  const lines = (p.stderr || '').split('\n');
  const times = lines.filter((l) => stat.test(l)).map((l) => Number(stat.exec(l)[3]))
    .slice(load.length, load.length + timed.length);
  if (p.error && p.error.code === 'ETIMEDOUT') return { timeout: true, times };
  if (p.status !== 0) return { error: firstLine(lines.filter((l) => !stat.test(l)).join('\n')) + ` (exit ${p.status ?? p.signal})` };
  return { times };
}

function runOurs(n, out) {
  const q = queryText('ours', n), load = usedTables(q);
  const stmt = (r) => (ctas ? `CREATE TABLE ans${r} AS ${q};` : `${q};`);
  const first = oursProcess(n, load, [stmt(1)], 'SELECT 1;', null);
  if (first.error || first.timeout) return first;
  if (first.times[0] > TIMEOUT) return { timeout: true, times: [] };
  const timed = [];
  for (let r = 2; r <= RUNS; r++) timed.push(stmt(r));
  const tail = !ctas ? `${q};` : RUNS > 1 ? `SELECT * FROM ans${RUNS};` : `${stmt(1)}\nSELECT * FROM ans1;`;
  const more = oursProcess(n, load, timed, tail, out);
  return laterRuns(first, more);
}

// ---- SQLite ----
// One process for run 1 (with the result written) and one for the rest, each
// stopped at TIMEOUT per run, so a query that times out costs TIMEOUT once.
function sqlite(script, runs) {
  const p = spawnSync('sqlite3', [`${WORK}/sqlite.db`], {
    input: script, timeout: TIMEOUT * runs * 1000 + 5000, killSignal: 'SIGKILL',
    maxBuffer: 64 << 20, encoding: 'utf8',
  });
  const times = [...(p.stdout || '').matchAll(/^Run Time: real ([\d.]+)/gm)].map((m) => Number(m[1]));
  if (p.error && p.error.code === 'ETIMEDOUT') return { timeout: true, times };
  const err = (p.stderr || '').trim();
  if (p.status !== 0 || err) return { error: firstLine(err) + ` (exit ${p.status ?? p.signal})` };
  return { times };
}

const SQLITE_SETUP = 'PRAGMA cache_size = -8000000;\nPRAGMA temp_store = memory;\nPRAGMA mmap_size = 17179869184;\n';

function runSqlite(n, out) {
  const q = queryText('sqlite', n);
  const one = ctas
    ? `${SQLITE_SETUP}.timer on\nCREATE TEMP TABLE ans1 AS ${q};\n.timer off\n.mode csv\n.output ${out}\nSELECT * FROM ans1;\n`
    : `${SQLITE_SETUP}.mode csv\n.output ${out}\n.timer on\n${q};\n`;
  const first = sqlite(one, 1);
  if (first.error || first.timeout) return first;
  if (first.times[0] > TIMEOUT) return { timeout: true, times: [] };
  if (RUNS === 1) return first;
  let rest = `${SQLITE_SETUP}.output /dev/null\n.timer on\n`;
  for (let r = 2; r <= RUNS; r++) rest += ctas ? `CREATE TEMP TABLE ans${r} AS ${q};\n` : `${q};\n`;
  const more = sqlite(rest, RUNS - 1);
  return laterRuns(first, more);
}

// ---- ClickHouse (H2O only) ----
function chClient(query, outFd) {
  return spawnSync('clickhouse-client', ['--port', CH_PORT, '--time', '--max_threads', '2',
    '--max_execution_time', String(TIMEOUT), '--query', query], {
    stdio: ['ignore', outFd ?? 'pipe', 'pipe'], timeout: (TIMEOUT + 10) * 1000,
    killSignal: 'SIGKILL', maxBuffer: 64 << 20, encoding: 'utf8',
  });
}

function runClickhouse(n, out) {
  const q = queryText('clickhouse', n), times = [];
  for (let r = 1; r <= RUNS; r++) {
    chClient('DROP TABLE IF EXISTS ans');
    const p = chClient(`CREATE TABLE ans ENGINE = Memory AS ${q}`);
    if (p.error && p.error.code === 'ETIMEDOUT') return { timeout: true, times };
    if (p.status !== 0) {
      const msg = firstLine(p.stderr.replace(/^Received exception.*\n/m, ''));
      if (/TIMEOUT_EXCEEDED|Timeout exceeded/.test(p.stderr)) return { timeout: true, times };
      return { error: `${msg} (exit ${p.status})` };
    }
    const t = Number(p.stderr.trim().split('\n').pop());
    if (t > TIMEOUT) return r === 1 ? { timeout: true, times } : { times };
    times.push(t);
    if (r === 1) {
      const fd = fs.openSync(out, 'w');
      chClient('SELECT * FROM ans FORMAT CSV', fd);
      fs.closeSync(fd);
    }
  }
  chClient('DROP TABLE IF EXISTS ans');
  return { times };
}

// ---- loading the peers (untimed): DuckDB writes its tables as CSV ----
async function exportCsv(t) {
  const f = `${WORK}/${t}.csv`;
  await duck.run(`COPY ${t} TO '${f}' (FORMAT csv, HEADER false)`);
  return f;
}

async function loadSqlite() {
  const t0 = performance.now();
  fs.rmSync(`${WORK}/sqlite.db`, { force: true });
  let script = `.read ${here}/${SUITE}/sqlite_schema.sql\n`;
  for (const t of Object.keys(tables)) script += `.import --csv ${await exportCsv(t)} ${t}\n`;
  script += `.read ${here}/${SUITE}/sqlite_indexes.sql\n`;
  const p = spawnSync('sqlite3', [`${WORK}/sqlite.db`], { input: script, encoding: 'utf8' });
  for (const t of Object.keys(tables)) fs.rmSync(`${WORK}/${t}.csv`, { force: true });
  if (p.status !== 0 || p.stderr.trim()) throw new Error(`sqlite load: ${p.stderr}`);
  log({ load: 'sqlite', seconds: (performance.now() - t0) / 1000 });
}

async function loadClickhouse() {
  const t0 = performance.now();
  chClient('DROP TABLE IF EXISTS x');
  const c = chClient(fs.readFileSync(`${here}/${SUITE}/clickhouse_schema.sql`, 'utf8'));
  if (c.status !== 0) throw new Error(`clickhouse create: ${c.stderr}`);
  const f = await exportCsv('x'), fd = fs.openSync(f, 'r');
  const p = spawnSync('clickhouse-client', ['--port', CH_PORT, '--query', 'INSERT INTO x FORMAT CSV'],
    { stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8' });
  fs.closeSync(fd);
  fs.rmSync(f, { force: true });
  if (p.status !== 0) throw new Error(`clickhouse load: ${p.stderr}`);
  log({ load: 'clickhouse', seconds: (performance.now() - t0) / 1000 });
}

// ---- the run ----
const runners = { ours: runOurs, sqlite: runSqlite, clickhouse: runClickhouse };
const peers = ENGINES.filter((e) => e !== 'duckdb' && runners[e] && (e !== 'clickhouse' || (SUITE === 'h2o' && CH_PORT)));
if (peers.includes('sqlite')) await loadSqlite();
if (peers.includes('clickhouse')) await loadClickhouse();
const rows = [];
for (const n of questions) {
  const ref = `${WORK}/duckdb_q${n}.csv`;
  const d = await runDuck(n, ref);
  log({ suite: SUITE, q: n, engine: 'duckdb', ...d });
  const row = { n, duckdb: d };
  for (const e of peers) {
    const out = `${WORK}/${e}_q${n}.csv`;
    const r = runners[e](n, out);
    if (!r.error && r.times.length) {
      r.best = Math.min(...r.times); // a later run that timed out does not count
      r.timeout = false;
    } else if (r.timeout) r.best = TIMEOUT;
    if (!r.error && !r.timeout && !d.error && !(e === 'ours' && r.unchecked)) {
      const c = await compareResults(ref, out, e === 'ours' ? 1 : 0, `${WORK}/cmp`);
      r.correct = c.ok;
      r.why = c.why;
      r.rows = c.rows;
    }
    log({ suite: SUITE, q: n, engine: e, ...r });
    row[e] = r;
  }
  if (!d.error) d.best = Math.min(...d.times);
  rows.push(row);
}

// ---- report ----
const FLOOR = 0.001; // timings below 1 ms (our engine's resolution) count as 1 ms in ratios
const sec = (r) => (!r ? '' : r.error ? 'error' : r.timeout ? `>${TIMEOUT}` : r.best.toFixed(3));
const ratio = (a, b) => (a?.best != null && b?.best != null && !a.error && !b.error
  ? Math.max(a.best, FLOOR) / Math.max(b.best, FLOOR) : null);
const fmtRatio = (x) => (x == null ? '—' : x.toFixed(2));
const verdict = (r) => (!r ? '' : r.error ? `error: ${r.error.replace(/\|/g, '\\|')}`
  : r.timeout ? 'timeout' : r.correct == null && r.unchecked ? `unchecked (${r.unchecked})` : r.correct ? 'yes' : r.correct === false ? `**no** (${(r.why || '').replace(/\|/g, '\\|').slice(0, 160)})` : '?');
const names = { ours: 'lakehouse', duckdb: 'DuckDB', sqlite: 'SQLite', clickhouse: 'ClickHouse' };
const cols = ['ours', 'duckdb', ...peers.filter((e) => e !== 'ours')];
const head = ['q', ...cols.map((e) => `${names[e]} s`), 'lakehouse/DuckDB',
  ...(peers.includes('sqlite') ? ['lakehouse/SQLite'] : []),
  ...peers.map((e) => `${names[e]} correct`)];
const md = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
const lists = { od: [], os: [] };
for (const row of rows) {
  const od = ratio(row.ours, row.duckdb), os = ratio(row.ours, row.sqlite);
  if (od != null) lists.od.push(od);
  if (os != null) lists.os.push(os);
  md.push(`| q${row.n} | ${cols.map((e) => sec(row[e])).join(' | ')} | ${fmtRatio(od)} | ${peers.includes('sqlite') ? fmtRatio(os) + ' | ' : ''}${peers.map((e) => verdict(row[e])).join(' | ')} |`);
}
const gm = (e) => {
  const v = rows.map((r) => r[e]).filter((r) => r && !r.error && r.best != null).map((r) => Math.max(r.best, FLOOR));
  return v.length ? `${geomean(v).toFixed(3)} (${v.length})` : '—';
};
const correct = (e) => `${rows.filter((r) => r[e]?.correct).length}/${rows.length}`;
md.push(`| geomean (n) | ${cols.map(gm).join(' | ')} | ${lists.od.length ? geomean(lists.od).toFixed(2) : '—'} (${lists.od.length}) | ${peers.includes('sqlite') ? (lists.os.length ? geomean(lists.os).toFixed(2) : '—') + ` (${lists.os.length}) | ` : ''}${peers.map(correct).join(' | ')} |`);
console.log(`### ${SUITE === 'h2o' ? 'H2O groupby' : 'TPC-H'} (${env.SCALE})\n`);
console.log(`${duckVersion && `DuckDB ${duckVersion} (threads=2)`}, best of ${RUNS} runs, in seconds; timeout ${TIMEOUT} s (counted as ${TIMEOUT} s). Times under 1 ms count as 1 ms in ratios and geometric means; a query that failed is left out of them. "correct" = the same rows as DuckDB (order ignored, numbers within 1e-9 relative or both within 1e-12 of zero).\n`);
console.log(md.join('\n'));
console.log(`\nCommand: \`${env.COMMAND}\`\n`);
