"""read_csv / read_json / read_parquet in `lakehouse sql`: the same tree of
files (plain, .gz and .zst CSV, NDJSON, Parquet written by our own COPY, in
Hive `ds=.../` directories) is written locally and uploaded with boto3 to the
running server's lake; our engine reads it both ways (local paths and s3://
globs through AWS_ENDPOINT_URL) and DuckDB (node @duckdb/node-api) reads the
local copy; the rows must agree. Malformed files give clear errors."""
import csv
import gzip
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import clients
from helpers import s3 as s3h
from helpers.server import ROOT_AK, ROOT_SK, clean_env, lakehouse_bin

BUCKET = "lakehouse"
JS = Path(__file__).resolve().parents[1] / "js"
PREFIX = "bronze/filetest"


def write_tree(root):
    for day in (1, 2, 3):
        d = root / f"ds=2024-01-0{day}"
        d.mkdir(parents=True)
        lines = ["id,name,amount,seen"] + [
            f"{day * 100 + i},\"n, {i}\",{i * 7 % 11},2024-01-0{day}" for i in range(50)]
        text = "\r\n".join(lines) + "\r\n"
        (d / "a.csv").write_text(text)
        (d / "b.csv.gz").write_bytes(gzip.compress(text.replace("n, ", "g, ").encode()))
        js = "".join(json.dumps({"id": day * 100 + i, "tag": f"t{i % 3}",
                                 "v": None if i % 5 == 0 else i}) + "\n" for i in range(40))
        (d / "e.ndjson").write_text(js)
        zst = shutil.which("zstd")
        if zst:
            subprocess.run([zst, "-q", "-o", str(d / "c.csv.zst"), str(d / "a.csv")], check=True)
        run_sql(f"COPY (SELECT i AS id, 'p' || i AS name FROM range({day * 10}) t(i)) "
                f"TO '{d / 'f.parquet'}' (FORMAT parquet)")


def run_sql(query, env=None, check=True):
    r = clients.run([lakehouse_bin(), "sql", "-q", "--format", "csv", "-c", query],
                    env=clean_env(env or {}), check=False, timeout=120)
    if check:
        assert r.returncode == 0, f"{query}: {r.stdout}\n{r.stderr}"
    return r


def rows(r):
    got = list(csv.reader(io.StringIO(r.stdout)))
    return got[0], [[None if v == "" else v for v in row] for row in got[1:]]


def duckdb(queries):
    node = clients.need("node")
    if not (JS / "node_modules" / "@duckdb" / "node-api").exists():
        pytest.skip("tests/js/node_modules missing: run `npm ci` in tests/js")
    r = clients.run([node, str(JS / "sql_files.mjs"), *queries], cwd=str(JS), timeout=300)
    return [json.loads(line) for line in r.stdout.splitlines()]


@pytest.fixture(scope="module")
def tree(server, tmp_path_factory):
    root = tmp_path_factory.mktemp("files") / "t"
    write_tree(root)
    s3 = s3h.client(server)
    for p in sorted(root.rglob("*")):
        if p.is_file():
            s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}/{p.relative_to(root)}",
                          Body=p.read_bytes())
    env = {"AWS_ENDPOINT_URL": server.s3_url, "AWS_ACCESS_KEY_ID": ROOT_AK,
           "AWS_SECRET_ACCESS_KEY": ROOT_SK}
    return root, env, s3


QUERIES = [
    "SELECT id, name, amount, seen, ds FROM read_csv('{r}/**/*.csv*') ORDER BY id, name",
    "SELECT ds, count(*) AS n, sum(amount) AS s FROM read_csv('{r}/*/a.csv') GROUP BY ds ORDER BY ds",
    "SELECT id, tag, v, ds FROM read_json('{r}/**/*.ndjson') ORDER BY id",
    "SELECT tag, count(v) AS n FROM read_ndjson('{r}/ds=2024-01-0[12]/e.ndjson') GROUP BY tag ORDER BY tag",
    "SELECT id, name, ds FROM read_parquet('{r}/*/f.parquet', hive_partitioning = true) ORDER BY ds, id",
    "SELECT count(*) AS n FROM read_csv('{r}/ds=2024-01-02/*.csv*') WHERE ds = DATE '2024-01-02'",
]


def test_local_and_s3_reads_agree_with_duckdb(tree):
    root, env, _ = tree
    expect = duckdb([q.format(r=root) for q in QUERIES])
    for q, exp in zip(QUERIES, expect):
        assert "error" not in exp, (q, exp)
        for base, e in ((str(root), {}), (f"s3://{BUCKET}/{PREFIX}", env)):
            cols, got = rows(run_sql(q.format(r=base), env=e))
            assert cols == exp["columns"], q
            assert got == exp["rows"], (q, base)


def test_filename_column_names_each_object(tree):
    root, env, _ = tree
    _, got = rows(run_sql(f"SELECT DISTINCT filename FROM read_json('s3://{BUCKET}/{PREFIX}/**/*.ndjson', "
                          "filename = true) ORDER BY 1", env=env))
    assert [r[0] for r in got] == [f"s3://{BUCKET}/{PREFIX}/ds=2024-01-0{d}/e.ndjson" for d in (1, 2, 3)]


def test_no_match_is_an_io_error(tree):
    root, env, _ = tree
    for base, e in ((str(root), {}), (f"s3://{BUCKET}/{PREFIX}", env)):
        r = run_sql(f"SELECT * FROM read_csv('{base}/nothing/*.csv')", env=e, check=False)
        assert r.returncode != 0
        assert 'IO Error: No files found that match the pattern' in r.stderr


@pytest.mark.parametrize("name,body,msg", [
    ("q.csv", b"a,b\n" + b"1,2\n" * 300000 + b"1,\"open\n", "unterminated quote"),
    ("c.csv", b"a,b\n" + b"1,2\n" * 300000 + b"1,2,3\n", "Expected Number of Columns: 2 Found: 3"),
    ("s.csv", b"a,b\n1,\"open\n", "Error when sniffing file"),
    ("t.csv", b"a,b\n" + b"1,2\n" * 30000 + b"x,2\n", "Could not convert string \"x\" to 'BIGINT'"),
    ("j.ndjson", b'{"a": 1}\n{"a": \n', "Malformed JSON"),
    ("g.csv.gz", b"not gzip at all", "not a valid gzip file"),
], ids=["quote", "columns", "sniff", "convert", "json", "gzip"])
def test_malformed_files_give_clear_errors(tmp_path, name, body, msg):
    p = tmp_path / name
    p.write_bytes(body)
    fn = "read_json" if name.endswith("ndjson") else "read_csv"
    opts = ", delim = ',', header = true" if fn == "read_csv" and name != "g.csv.gz" else ""
    r = run_sql(f"SELECT * FROM {fn}('{p}'{opts})", check=False)
    assert r.returncode in (1, 2), r.stderr
    assert msg in r.stderr, r.stderr
    assert "runtime error" not in r.stderr and "Sanitizer" not in r.stderr


def test_empty_files_read_as_no_rows(tree, tmp_path):
    _, env, s3 = tree
    (tmp_path / "e.csv").write_bytes(b"")
    (tmp_path / "e.ndjson.gz").write_bytes(gzip.compress(b""))
    for name in ("e.csv", "e.ndjson.gz"):
        s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}-empty/{name}", Body=(tmp_path / name).read_bytes())
    q = "SELECT count(*) AS n FROM read_csv('{r}/e.csv')"
    exp = duckdb([q.format(r=tmp_path)])[0]
    assert exp["rows"] == [["0"]]
    for base, e in ((str(tmp_path), {}), (f"s3://{BUCKET}/{PREFIX}-empty", env)):
        assert rows(run_sql(q.format(r=base), env=e))[1] == [["0"]]
        r = run_sql(f"SELECT * FROM read_json('{base}/e.ndjson.gz')", env=e, check=False)
        assert r.returncode == 2 and "no columns found" in r.stderr, r.stderr
