"""The Parquet writer against two independent readers. The Makefile-built
program tests/unit/parquet_write_matrix.c (next to the lakehouse binary under
test: build-asan/tests/ for the sanitizer build) writes a matrix of files
(every column type, nested STRUCT/LIST/MAP included, x ZSTD/SNAPPY/
UNCOMPRESSED/GZIP x no/some/all NULLs x dictionary/PLAIN, a dictionary that
falls back to PLAIN, three row groups each) plus expected.json; then
tests/js/pq_read_matrix.mjs reads every file with DuckDB (@duckdb/node-api)
and with hyparquet (+ hyparquet-compressors), one node process per reader,
and every value must equal what the writer was given."""
import json
from pathlib import Path

import pytest

from helpers import clients
from helpers.server import clean_env, lakehouse_bin, unit_program

JS = Path(__file__).resolve().parents[1] / "js"


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    d = tmp_path_factory.mktemp("pqw")
    r = clients.run([str(unit_program("parquet_write_matrix")), str(d)], env=clean_env(),
                    check=False, timeout=120)
    assert r.returncode == 0, f"parquet_write_matrix failed:\n{r.stdout}\n{r.stderr}"
    return d, json.loads((d / "expected.json").read_text())


def read_with(reader, d, env=None):
    node = clients.need("node")
    for pkg in ("@duckdb/node-api", "hyparquet", "hyparquet-compressors"):
        if not (JS / "node_modules" / pkg / "package.json").exists():
            pytest.skip("tests/js/node_modules missing: run `npm ci` in tests/js")
    r = clients.run([node, str(JS / "pq_read_matrix.mjs"), str(d), reader], cwd=str(JS),
                    env=clean_env({"NODE_NO_WARNINGS": "1", **(env or {})}), check=False, timeout=150)
    assert r.returncode == 0, f"pq_read_matrix.mjs {reader} failed:\n{r.stdout}\n{r.stderr}"
    return json.loads(r.stdout)


def check(out, expected, only=None):
    files = [f for f in expected["files"] if only is None or f["file"] in only]
    assert out["mismatches"] == [], json.dumps(out["mismatches"], indent=1)
    assert out["files"] == len(files) == (20 if only is None else len(only))
    # every value of every column of every file was compared
    assert out["values"] == sum(f["rows"] * len(f["cols"]) for f in files)
    for f in files:
        assert f["row_groups"] == 3
        assert out["row_groups"][f["file"]] == 3


@pytest.mark.timeout(180)
def test_duckdb_reads_every_value_the_writer_wrote(matrix):
    d, expected = matrix
    check(read_with("duckdb", d), expected)


@pytest.mark.timeout(180)
def test_hyparquet_reads_every_value_the_writer_wrote(matrix):
    d, expected = matrix
    check(read_with("hyparquet", d), expected)


@pytest.mark.timeout(180)
def test_our_reader_prints_every_value_as_duckdb_does(matrix):
    d, expected = matrix
    # the sanitizer build prints slowly: one file per codec, NULL pattern and encoding
    only = ["zstd_somenull_dict.parquet", "zstd_allnull_plain.parquet", "snappy_nonull_plain.parquet",
            "none_somenull_plain.parquet", "zstd_fallback.parquet", "gzip_somenull_dict.parquet"]
    out = read_with("lakehouse", d, {"LAKEHOUSE_BIN": lakehouse_bin(), "PQ_ONLY": ",".join(only)})
    check(out, expected, only)
