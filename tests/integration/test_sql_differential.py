"""The SQL engine against DuckDB (the differential oracle) on generated data.

tests/js/sql_diff.mjs (one node process, @duckdb/node-api 1.5.6-r.1) writes
the tables as Parquet files and runs every query of tests/sql_diff/queries.sql
through DuckDB; then `lakehouse sql --format json -c` runs each query on the
same files (two processes at a time), and each query is one test comparing
the two results: the same number of columns and rows, the same rows (as
multisets unless the query has a top-level ORDER BY, then in order), every
value as the same text except DOUBLE/FLOAT, compared as numbers within a
relative 1e-9 (FLOAT after rounding ours to single precision; NaN equals NaN).
Queries marked `-- xfail: reason` in the file are expected to fail (features
not implemented yet, or known differences listed by the reason)."""
import json
import math
import os
import re
import struct
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from helpers import clients
from helpers.server import clean_env, lakehouse_bin, sanitizer_lines

TESTS = Path(__file__).resolve().parents[1]
JS = TESTS / "js"
QUERIES = TESTS / "sql_diff" / "queries.sql"
TABLES = {"fact": "fact.parquet", "dim": "dim.parquet", "jl": "jl.parquet", "jr": "jr.parquet",
          "special": "special.parquet", "parts": "parts/*.parquet"}
FLOATS = ("DOUBLE", "FLOAT")
REL = 1e-9


def parse_queries(text):
    """The records of queries.sql: a `-- name: ID` line starts one, `-- key:
    value` lines are its metadata, the rest (up to the next record) its SQL.
    The same rules as parseQueries in tests/js/sql_diff.mjs."""
    out, cur = [], None
    for line in text.split("\n"):
        m = re.match(r"^--\s*name:\s*(\S+)\s*$", line)
        if m:
            cur = {"name": m.group(1), "meta": {}, "lines": []}
            out.append(cur)
            continue
        if cur is None:
            continue
        m = re.match(r"^--\s*(\w+):\s*(.*?)\s*$", line)
        if m and not cur["lines"]:
            cur["meta"][m.group(1)] = m.group(2)
        elif not line.startswith("--"):
            cur["lines"].append(line)
    for q in out:
        q["sql"] = re.sub(r";\s*$", "", "\n".join(q.pop("lines")).strip())
    names = [q["name"] for q in out]
    dups = {n for n in names if names.count(n) > 1}
    assert not dups, f"duplicate query names in {QUERIES}: {sorted(dups)}"
    return out


ALL = parse_queries(QUERIES.read_text())


def expand(sql, d):
    names = "|".join(TABLES)
    return re.sub(r"\{(" + names + r")\}", lambda m: f"read_parquet('{d / TABLES[m.group(1)]}')", sql)


def ours_one(d, q):
    r = clients.run([lakehouse_bin(), "sql", "-q", "--format", "json", "-c", expand(q["sql"], d)],
                    env=clean_env(), check=False, timeout=120)
    return {"rc": r.returncode, "stdout": r.stdout, "stderr": r.stderr}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    node = clients.need("node")
    if not (JS / "node_modules" / "@duckdb" / "node-api").exists():
        pytest.skip("tests/js/node_modules missing: run `npm ci` in tests/js")
    d = tmp_path_factory.mktemp("sqldiff")
    r = clients.run([node, str(JS / "sql_diff.mjs"), str(d), str(QUERIES)], cwd=str(JS),
                    timeout=300, env=clean_env({"NODE_NO_WARNINGS": "1"}))
    duck = {rec["name"]: rec for rec in map(json.loads, r.stdout.splitlines())}
    jobs = int(os.environ.get("LAKEHOUSE_SQLDIFF_JOBS", "2"))
    with ThreadPoolExecutor(max_workers=jobs) as ex:
        ours = dict(zip([q["name"] for q in ALL], ex.map(lambda q: ours_one(d, q), ALL)))
    return duck, ours


def our_rows(stdout):
    """Our JSON lines as rows of text: numbers keep their printed text
    (parse_float/parse_int), booleans are true/false, NULL is None."""
    rows = []
    for line in stdout.splitlines():
        pairs = json.loads(line, object_pairs_hook=list, parse_float=str, parse_int=str)
        rows.append(["true" if v is True else "false" if v is False else v for _, v in pairs])
    return rows


def as_float(v, single):
    if v is None:
        return None
    f = float(v)  # accepts nan, inf, -inf and numbers given as JSON numbers or text
    if single and math.isfinite(f):
        try:
            f = struct.unpack("f", struct.pack("f", f))[0]
        except OverflowError:
            pass
    return f


def canon(rows, types):
    """Values a row comparison can use: floats as floats, the rest as text."""
    out = []
    for row in rows:
        out.append([as_float(v, t == "FLOAT") if t in FLOATS else (None if v is None else str(v))
                    for v, t in zip(row, types)])
    return out


def same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b or abs(a - b) <= REL * max(abs(a), abs(b))
    return a == b


def sort_key(row):
    """A total order for rows; floats rounded to 8 significant digits so that
    values equal within the tolerance sort alike."""
    key = []
    for v in row:
        if v is None:
            key.append((0, ""))
        elif isinstance(v, float):
            key.append((1, "nan" if math.isnan(v) else f"{v:+.8e}"))
        else:
            key.append((2, v))
    return key


def show(rows, n=8):
    return "\n".join(f"  {r}" for r in rows[:n]) + (f"\n  ... {len(rows) - n} more" if len(rows) > n else "")


def compare(q, exp, got):
    types = exp["types"]
    err = [l for l in got["stderr"].splitlines() if "Error" in l][:1]
    assert got["rc"] == 0, f"lakehouse exited {got['rc']}: {err}\n{got['stderr'][-2000:]}"
    want = canon(exp["rows"], types)
    mine = our_rows(got["stdout"])
    if mine:
        assert len(mine[0]) == len(types), \
            f"{len(mine[0])} columns, DuckDB has {len(types)} {exp['columns']}"
    mine = canon(mine, types)
    head = f"{q['name']} ({'ordered' if exp['ordered'] else 'unordered'}), columns {exp['columns']} {types}"
    assert len(mine) == len(want), \
        f"{head}\n{len(mine)} rows, DuckDB {len(want)}\nours:\n{show(mine)}\nDuckDB:\n{show(want)}"
    if not exp["ordered"]:
        mine, want = sorted(mine, key=sort_key), sorted(want, key=sort_key)
    for i, (m, w) in enumerate(zip(mine, want)):
        if len(m) != len(w) or not all(same(a, b) for a, b in zip(m, w)):
            raise AssertionError(f"{head}\nrow {i} differs:\n  ours:   {m}\n  DuckDB: {w}\n"
                                 f"ours:\n{show(mine[max(0, i - 2):])}\nDuckDB:\n{show(want[max(0, i - 2):])}")


def param(q):
    marks = []
    if "xfail" in q["meta"]:
        marks.append(pytest.mark.xfail(reason=q["meta"]["xfail"], strict=False))
    return pytest.param(q, id=q["name"], marks=marks)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("q", [param(q) for q in ALL])
def test_query_matches_duckdb(results, q):
    duck, ours = results
    exp, got = duck[q["name"]], ours[q["name"]]
    assert not sanitizer_lines(got["stderr"]), got["stderr"]
    assert "error" not in exp, f"DuckDB rejected {q['name']}: {exp.get('error')}"
    compare(q, exp, got)
