"""COPY (query) TO a local file or an s3:// object, in Parquet, CSV and JSON
lines: CSV byte for byte as DuckDB's COPY (FORMAT csv) writes it, objects put
through the lake's object store of the shared live server and read back with
boto3 and by `lakehouse sql` itself."""
import csv
import io
import json
import uuid

import pytest

from helpers import clients
from helpers.server import lakehouse_bin
from test_delta_duckdb import JS
from test_sql_lake_ddl import BUCKET, rows, sql
from test_sql_lake_dml import duckdb_script

QUERY = ("SELECT i AS id, 'v,' || i AS s, CASE WHEN i % 3 = 0 THEN NULL ELSE i * 1.5 END AS d, "
         "DATE '2026-11-24' + CAST(i AS INTEGER) AS day, i % 2 = 0 AS even, "
         "CASE WHEN i = 4 THEN 'say \"hi\"' WHEN i = 5 THEN '' ELSE 'x' END AS q "
         "FROM range(6) t(i) ORDER BY i")


@pytest.fixture(scope="module")
def s3(server):
    from helpers import s3 as s3h
    return s3h.client(server)


def duckdb_copy(path, options=""):
    node = clients.need("node")
    if not (JS / "node_modules" / "@duckdb" / "node-api" / "package.json").exists():
        pytest.skip("tests/js/node_modules missing: run `npm ci` in tests/js")
    r = clients.run([node, str(JS / "duckdb_script.mjs"), f"COPY ({QUERY}) TO '{path}' {options}"],
                    cwd=str(JS), check=False, timeout=120)
    assert r.returncode == 0 and "error" not in r.stdout, r.stdout + r.stderr
    return path.read_bytes()


def test_csv_to_a_local_file_is_duckdbs(tmp_path):
    ours, theirs = tmp_path / "ours.csv", tmp_path / "theirs.csv"
    r = clients.run([lakehouse_bin(), "sql", "-c", f"COPY ({QUERY}) TO '{ours}'"], check=False,
                    timeout=60)
    assert r.returncode == 0 and "COPY\trows=6" in r.stderr, r.stderr
    assert ours.read_bytes() == duckdb_copy(theirs)
    opts = "(FORMAT csv, HEADER false, DELIMITER '|')"
    r = clients.run([lakehouse_bin(), "sql", "-c", f"COPY ({QUERY}) TO '{ours}' {opts}"],
                    check=False, timeout=60)
    assert r.returncode == 0, r.stderr
    assert ours.read_bytes() == duckdb_copy(theirs, opts)


def test_json_lines_to_a_local_file(tmp_path):
    ours, theirs = tmp_path / "ours.json", tmp_path / "theirs.json"
    r = clients.run([lakehouse_bin(), "sql", "-c", f"COPY ({QUERY}) TO '{ours}'"], check=False,
                    timeout=60)
    assert r.returncode == 0, r.stderr
    got = [json.loads(x) for x in ours.read_text().splitlines()]
    want = [json.loads(x) for x in duckdb_copy(theirs).decode().splitlines()]
    assert got == want


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_copy_to_an_object(server, s3, fmt):
    key = f"exports/{uuid.uuid4().hex}/out.{fmt}"
    r = sql(server, f"COPY ({QUERY}) TO 's3://{BUCKET}/{key}' (FORMAT {fmt})")
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    if fmt == "csv":
        assert list(csv.reader(io.StringIO(body.decode())))[0] == \
            ["id", "s", "d", "day", "even", "q"]
        assert len(body.decode().splitlines()) == 7
    elif fmt == "json":
        assert [json.loads(x)["id"] for x in body.decode().splitlines()] == list(range(6))
    else:
        assert body[:4] == b"PAR1"
        back = sql(server, f"SELECT count(*), sum(id), count(d) FROM 's3://{BUCKET}/{key}'")
        assert rows(back) == [["6", "15", "4"]]
    assert r.returncode == 0


def test_copy_to_an_object_errors(server, tmp_path):
    r = clients.run([lakehouse_bin(), "sql", "-c", "COPY (SELECT 1) TO 's3://b/k.csv'"],
                    check=False, timeout=60)
    assert r.returncode != 0 and "lake.endpoint" in r.stderr
    r = sql(server, "COPY (SELECT 1) TO 's3://nobucketslash'", check=False)
    assert r.returncode == 2 and "s3://bucket/key" in r.stderr
    r = sql(server, f"COPY (SELECT 1) TO 's3://no-such-bucket-{uuid.uuid4().hex[:8]}/k.csv'",
            check=False)
    assert r.returncode == 1 and "IO Error" in r.stderr
    r = sql(server, f"COPY (SELECT 1) TO '{tmp_path}/x.txt' (FORMAT xml)", check=False)
    assert r.returncode == 2 and "FORMAT" in r.stderr


def test_parquet_row_group_size_as_duckdb_reads_it(tmp_path):
    """DuckDB's ROW_GROUP_SIZE: rows per row group, as DuckDB's parquet_metadata
    counts them; the rows read back the same; a size that is not a number of
    rows is refused."""
    path = tmp_path / "rg.parquet"
    q = "SELECT i, 'a' || (i % 7) AS s FROM range(10000) t(i)"
    r = clients.run([lakehouse_bin(), "sql", "-c",
                     f"COPY ({q}) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 3000)"],
                    check=False, timeout=60)
    assert r.returncode == 0 and "COPY\trows=10000" in r.stderr, r.stderr
    meta, back = duckdb_script([
        f"SELECT row_group_id, max(row_group_num_rows) FROM parquet_metadata('{path}') "
        "GROUP BY 1 ORDER BY 1",
        f"SELECT count(*), sum(i), count(DISTINCT s) FROM '{path}'"])
    assert meta == [["0", "3000"], ["1", "3000"], ["2", "3000"], ["3", "1000"]]
    assert back == [["10000", "49995000", "7"]]
    for bad in ("0", "'x'"):
        r = clients.run([lakehouse_bin(), "sql", "-c",
                         f"COPY ({q}) TO '{path}' (ROW_GROUP_SIZE {bad})"],
                        check=False, timeout=60)
        assert r.returncode == 2 and "ROW_GROUP_SIZE takes a number of rows" in r.stderr
