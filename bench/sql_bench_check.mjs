// Result comparison and report helpers of bench/sql_bench.mjs.
//
// A result is a CSV file (RFC 4180, no header unless told). Two results are
// the same when they hold the same multiset of rows (order is ignored: the
// engines break ORDER BY ties differently), fields compared as numbers within
// a relative 1e-9 (or both under 1e-12) when both parse as numbers, else as strings (NULL is an
// empty field in every engine's CSV). Big results are sorted with sort(1) on
// disk, so a 10M-row H2O answer does not have to fit in node's heap.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';

const NUM = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function parseCsvLine(line) {
  const out = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) { v += line.slice(i); i = line.length; break; }
        v += line.slice(i, q);
        if (line[q + 1] === '"') { v += '"'; i = q + 2; } else { i = q + 1; break; }
      }
      out.push(v);
      i++; // the comma
    } else {
      const c = line.indexOf(',', i);
      const end = c < 0 ? line.length : c;
      out.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

// Sort key of a field: numbers rounded to 9 significant digits, so 3 and
// 3.0000000000000004 sort alike; the raw fields follow for the comparison.
function keyOf(f) {
  if (NUM.test(f)) return String(Number(Number(f).toPrecision(9)));
  return f;
}

async function normalize(file, skip, out) {
  const w = fs.createWriteStream(out);
  const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    if (n++ < skip) continue;
    const f = parseCsvLine(line);
    if (!w.write(f.map(keyOf).join('\x1f') + '\x1e' + f.join('\x1f') + '\n')) {
      await new Promise((r) => w.once('drain', r));
    }
  }
  await new Promise((r) => w.end(r));
  const s = spawnSync('sort', ['-S', '25%', '-o', out, out], { env: { ...process.env, LC_ALL: 'C' } });
  if (s.status !== 0) throw new Error(`sort failed: ${s.stderr}`);
}

function sameField(a, b) {
  if (a === b) return true;
  if (!NUM.test(a) || !NUM.test(b)) return false;
  const x = Number(a), y = Number(b);
  // relative 1e-9; two values within 1e-12 of zero are both zero (DuckDB's
  // r2 of uncorrelated integers is 2.6e-33 where the exact answer is 0)
  return Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y))
    || (Math.abs(x) < 1e-12 && Math.abs(y) < 1e-12);
}

async function* lines(file) {
  const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  for await (const l of rl) yield l;
}

// Compares result file got (skipping skipGot header lines) with the
// reference ref; returns { ok, rows, why } (why: the first difference).
export async function compareResults(ref, got, skipGot, tmp) {
  const a = `${tmp}.ref`, b = `${tmp}.got`;
  await normalize(ref, 0, a);
  await normalize(got, skipGot, b);
  const ia = lines(a), ib = lines(b);
  let rows = 0, why = null;
  for (;;) {
    const [x, y] = [await ia.next(), await ib.next()];
    if (x.done || y.done) {
      if (!x.done || !y.done) {
        let na = rows + (x.done ? 0 : 1), nb = rows + (y.done ? 0 : 1);
        if (!x.done) for await (const _ of ia) na++; // eslint-disable-line no-unused-vars
        if (!y.done) for await (const _ of ib) nb++; // eslint-disable-line no-unused-vars
        why = `${nb} rows, DuckDB ${na}`;
      }
      break;
    }
    const fa = x.value.split('\x1e')[1].split('\x1f'), fb = y.value.split('\x1e')[1].split('\x1f');
    if (fa.length !== fb.length || fa.some((v, i) => !sameField(v, fb[i]))) {
      why = `sorted row ${rows + 1}: [${fb.join(', ')}] vs DuckDB [${fa.join(', ')}]`;
      break;
    }
    rows++;
  }
  fs.rmSync(a, { force: true });
  fs.rmSync(b, { force: true });
  return { ok: !why, rows, why };
}

export function geomean(xs) {
  const v = xs.filter((x) => x > 0);
  if (!v.length) return NaN;
  return Math.exp(v.reduce((s, x) => s + Math.log(x), 0) / v.length);
}
