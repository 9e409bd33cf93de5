// bench/pq_read.sh's DuckDB side: writes the benchmark table (ROWS rows of
// mixed columns) with ZSTD and SNAPPY, then times DuckDB's aggregate over
// every column of each file in-process, threads=1 and the default.
//   node bench/pq_read.mjs DIR ROWS ROUNDS   (run from tests/js for node_modules)
import { DuckDBInstance } from '@duckdb/node-api';

const [dir, rowsArg, roundsArg] = process.argv.slice(2);
const rows = Number(rowsArg || 10000000), rounds = Number(roundsArg || 3);
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
await c.run(`create table t as select i::bigint id, (hash(i) % 1000000)::int n32,
  (hash(i) % 100000)::double / 7 dbl, 'cat_' || (i % 100) low, 'user_' || hash(i) % 5000000 high,
  timestamp '2024-01-01' + to_seconds(i) ts, ((i % 100000)::decimal(12,2) / 4)::decimal(12,2) amount,
  case when i % 10 = 0 then null else i % 1000 end nul, i % 3 = 0 flag
  from range(${rows}) r(i)`);
const out = {};
for (const codec of ['zstd', 'snappy']) {
  const f = `${dir}/bench_${codec}.parquet`;
  await c.run(`copy t to '${f}' (format parquet, compression ${codec})`);
  const q = `select sum(id), sum(n32), sum(dbl), sum(length(low)), sum(length(high)),
    max(ts), sum(amount), sum(nul), count_if(flag) from read_parquet('${f}')`;
  for (const threads of [1, 0]) {
    await c.run(threads ? `set threads = ${threads}` : 'reset threads');
    let best = Infinity;
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      await c.runAndReadAll(q);
      best = Math.min(best, performance.now() - t0);
    }
    out[`${codec}_${threads ? 'threads1' : 'default'}`] = best;
  }
}
console.log(JSON.stringify(out));
