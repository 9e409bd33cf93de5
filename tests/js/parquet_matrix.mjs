// The Parquet cross-engine matrix for tests/integration/test_parquet_read.py:
// DuckDB writes one table of every type we read (with NULLs, nested lists,
// structs and maps) once per variant (codec, dictionary or plain, format
// version 1 or 2, row group size), then reads each file back and prints its
// own text of every value (a VARCHAR cast, TimeZone UTC; TIMESTAMP_NS cast
// to microseconds first, as we read it). One node process for all of it.
//   node parquet_matrix.mjs DIR   -> DIR/*.parquet, stdout {columns: [...], files: {name: [[text|null, ...], ...]}}
import { DuckDBInstance } from '@duckdb/node-api';

const dir = process.argv[2];
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
await c.run(`set TimeZone = 'UTC'`);
await c.run(`create table t as select
  case when i % 11 = 0 then null else (i % 200 - 100)::tinyint end i8,
  (i * 7 % 60000 - 30000)::smallint i16,
  case when i % 13 = 0 then null else (i * 2654435761 % 2000000000 - 1000000000)::int end i32,
  (i * 636413622384679 - 1000)::bigint i64,
  (i % 256)::utinyint u8, (i * 31 % 65536)::usmallint u16, (i * 2654435761 % 4294967296)::uinteger u32,
  (18446744073709551615 - i * 1234567)::ubigint u64,
  (i / 8)::float f, case when i % 17 = 0 then null else i * 1.25 - 3e5 end d,
  case when i % 7 = 0 then null else 'v' || (i % 50) end s,
  'a much longer string value that is not inlined ' || (i * 13 % 997) long_s,
  ('\\x00\\xFF' || (i % 10)::varchar)::blob bl,
  i % 3 = 0 bo,
  date '2000-01-01' + (i * 37 % 20000)::int dt,
  time '00:00:00' + to_microseconds(i * 1234567) tm,
  timestamp '2020-02-29 12:00:00' + to_microseconds(i * 987654321) ts,
  timestamptz '2021-06-01 00:00:00+00' + to_seconds(i * 3600) tstz,
  (timestamp '2019-01-01' + to_milliseconds(i * 1001))::timestamp_ms tms,
  (timestamp '2019-01-01' + to_microseconds(i * 1000001))::timestamp_ns tns,
  (i % 10000 / 100)::decimal(4,2) dec4, (i * 1.5 - 500)::decimal(9,3) dec9,
  (i * 12345.6789 - 1e9)::decimal(18,4) dec18,
  (i * 1234567890123456789::hugeint - 9000000000000000000000)::decimal(38,0)::decimal(38,10) dec38,
  case when i % 5 = 0 then null when i % 5 = 1 then [] else [i, null, i + 1] end li,
  ['x' || (i % 4), 'y'] ls,
  case when i % 9 = 0 then null else {'a': i, 'b': case when i % 2 = 0 then null else 'b' || i end} end st,
  case when i % 8 = 0 then null else map {'k' || (i % 3): i, 'z': null} end m,
  [[i], [], [i, i * 2]] lli,
  [{'x': i}, {'x': null}] lst
  from range(3000) r(i)`);
const variants = [
  ['uncompressed', "compression uncompressed"],
  ['snappy', "compression snappy"],
  ['gzip', "compression gzip"],
  ['zstd', "compression zstd"],
  ['lz4', "compression lz4_raw"],
  ['brotli', "compression brotli"],
  ['zstd_v2', "compression zstd, parquet_version v2"],
  ['snappy_v2_small_groups', "compression snappy, parquet_version v2, row_group_size 100"],
  ['plain', "compression zstd, dictionary_size_limit 1"],
  ['plain_v2', "compression uncompressed, parquet_version v2, dictionary_size_limit 1"],
];
const cols = (await c.runAndReadAll('describe t')).getRows().map(r => r[0]);
const sel = cols.map(n => n === 'tns' ? `tns::timestamp::varchar as tns` : `"${n}"::varchar as "${n}"`).join(', ');
const out = {columns: cols, files: {}};
for (const [name, opts] of variants) {
  const f = `${dir}/${name}.parquet`;
  await c.run(`copy t to '${f}' (format parquet, ${opts})`);
  const r = await c.runAndReadAll(`select ${sel} from read_parquet('${f}')`);
  out.files[name] = r.getRows().map(row => row.map(v => v === null ? null : String(v)));
}
console.log(JSON.stringify(out));
