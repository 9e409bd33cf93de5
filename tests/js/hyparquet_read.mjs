// Reads a Parquet file with hyparquet (+ hyparquet-compressors) and prints
// its rows as JSON: Dates as ISO strings, BigInts as strings. Used by
// tests/integration/test_parquet_read.py to cross-check hand-built fixtures.
//   node hyparquet_read.mjs FILE
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

const file = await asyncBufferFromFile(process.argv[2]);
const rows = await parquetReadObjects({ file, compressors });
console.log(JSON.stringify(rows, (k, v) =>
  typeof v === 'bigint' ? v.toString() : v instanceof Date ? v.toISOString() : v));
