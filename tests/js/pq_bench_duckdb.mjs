// DuckDB's side of bench/parquet_bench.sh: builds the benchmark table of
// bench/pq_write.c in memory from the same formulas, then times
// COPY ... TO (FORMAT parquet, COMPRESSION <codec>) with the given threads.
// Prints one JSON line: {codec, threads, rows, seconds, bytes}.
//
//   node pq_bench_duckdb.mjs <out.parquet> zstd|snappy <threads|default> [rows]
import fs from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const [out, codec, threads, rowsArg] = process.argv.slice(2);
const rows = Number(rowsArg || 10000000);
const db = await (await DuckDBInstance.create(':memory:')).connect();
const nul = (c, expr) => `CASE WHEN (i + ${c}) % 10 = 0 THEN NULL ELSE ${expr} END`;
await db.run(`CREATE TABLE t AS SELECT i AS id,
  ${nul(1, '((i * 2654435761) % 4294967296 % 1000000)::INTEGER')} AS a,
  ${nul(2, '((i * 2246822519) % 4294967296) / 4294967296.0 * 1000')}::DOUBLE AS d,
  ${nul(3, "'category_' || ((i * 2654435761) % 4294967296 % 10)")} AS s_low,
  ${nul(4, "'item_' || ((i * 2246822519) % 4294967296 % 10000)")} AS s_mid,
  ${nul(5, "'user_' || ((i * 2654435761) % 4294967296)")} AS s_high,
  ${nul(6, 'make_timestamp(1700000000000000 + i * 1000003)')} AS ts
  FROM range(${rows}) r(i)`);
if (threads !== 'default') await db.run(`SET threads = ${Number(threads)}`);
const t0 = process.hrtime.bigint();
await db.run(`COPY t TO '${out}' (FORMAT parquet, COMPRESSION ${codec})`);
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
const th = (await db.runAndReadAll("SELECT current_setting('threads')")).getRows()[0][0];
process.stdout.write(JSON.stringify({ codec, threads: Number(th), rows, seconds: Number(secs.toFixed(3)), bytes: fs.statSync(out).size }) + '\n');
