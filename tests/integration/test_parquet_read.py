"""The Parquet reader against DuckDB, hyparquet and damaged files, through
`lakehouse parquet cat|inspect`:

- DuckDB (tests/js/parquet_matrix.mjs, one node process) writes one table of
  every type (signed/unsigned ints, floats, strings, blobs, booleans, DATE,
  TIME, TIMESTAMP, TIMESTAMPTZ, TIMESTAMP_MS/NS, DECIMAL of every width,
  NULLs, lists, structs, maps, lists of lists and of structs) with each codec,
  dictionary and plain, format v1 and v2 (DELTA_BINARY_PACKED,
  DELTA_LENGTH_BYTE_ARRAY, BYTE_STREAM_SPLIT), several row groups; our text of
  every value must equal DuckDB's text of its own reading;
- INT96 and DELTA_BYTE_ARRAY come from a fixture built from the specification
  (helpers/pq_fixture.py), cross-checked with hyparquet;
- an s3:// object through the running server;
- truncated, garbled and lying files are clear errors."""
import datetime
import json
import struct
import subprocess
from pathlib import Path

import pytest

from helpers import clients
from helpers.pq_fixture import write_int96_delta
from helpers.server import ROOT_AK, ROOT_SK, clean_env, lakehouse_bin, sanitizer_lines

JS = Path(__file__).resolve().parents[1] / "js"


def need_js():
    node = clients.need("node")
    if not (JS / "node_modules" / "@duckdb" / "node-api").exists():
        pytest.skip("tests/js/node_modules missing: run `npm ci` in tests/js")
    return node


def lh(*args, env=None):
    r = subprocess.run([lakehouse_bin(), *args], capture_output=True, text=True, timeout=120,
                       env=clean_env(env or {}), stdin=subprocess.DEVNULL)
    assert not sanitizer_lines(r.stderr), r.stderr
    return r


def cat_json(path, *extra, env=None):
    r = lh("parquet", "cat", "--json", *extra, str(path), env=env)
    assert r.returncode == 0, f"cat {path} exited {r.returncode}: {r.stderr}"
    return [json.loads(line) for line in r.stdout.splitlines()]


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    node = need_js()
    d = tmp_path_factory.mktemp("pqmatrix")
    r = clients.run([node, str(JS / "parquet_matrix.mjs"), str(d)], cwd=str(JS), timeout=120,
                    env=clean_env({"NODE_NO_WARNINGS": "1"}))
    return d, json.loads(r.stdout)


def test_every_variant_reads_as_duckdb_reads_it(matrix):
    d, exp = matrix
    cols = exp["columns"]
    assert len(exp["files"]) == 10
    for name, rows in exp["files"].items():
        got = cat_json(d / f"{name}.parquet")
        assert len(got) == len(rows) == 3000, name
        for i, (g, e) in enumerate(zip(got, rows)):
            assert list(g) == cols, name
            assert [g[c] for c in cols] == e, f"{name} row {i}"


def test_projection_limit_and_struct_field(matrix):
    d, exp = matrix
    cols = exp["columns"]
    rows = exp["files"]["zstd"]
    got = cat_json(d / "zstd.parquet", "--columns", "s,st.a,m", "--limit", "25")
    assert len(got) == 25
    for g, e in zip(got, rows):
        st = e[cols.index("st")]
        want_a = None if st is None else st.split("'a': ")[1].split(",")[0]
        assert g == {"s": e[cols.index("s")], "st.a": want_a, "m": e[cols.index("m")]}
    text = lh("parquet", "cat", "--columns", "i16,dec4", "--limit", "2", str(d / "plain.parquet"))
    assert text.returncode == 0, text.stderr
    assert text.stdout.splitlines() == ["i16\tdec4", "-30000\t0.00", "-29993\t0.01"]


def test_inspect_reports_groups_encodings_and_stats(matrix):
    d, _ = matrix
    r = lh("parquet", "inspect", "--json", str(d / "snappy_v2_small_groups.parquet"))
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    assert j["num_rows"] == 3000
    assert [g["num_rows"] for g in j["row_groups"]] == [2048, 952]
    first = {c["path"]: c for c in j["row_groups"][0]["columns"]}
    assert first["i16"]["codec"] == "SNAPPY" and first["i16"]["type"] == "SMALLINT"
    assert first["i16"]["min"] == "-30000" and first["i16"]["null_count"] == 0
    assert "DELTA_BINARY_PACKED" in first["i64"]["encodings"]
    assert first["d"]["physical_type"] == "DOUBLE" and "BYTE_STREAM_SPLIT" in first["d"]["encodings"]
    assert first["i32"]["null_count"] == 158  # i % 13 == 0 for i < 2048
    assert first["li.list.element"]["type"] == "BIGINT"
    assert {s["name"]: s["type"] for s in j["schema"]}["m"] == "MAP(VARCHAR, BIGINT)"
    text = lh("parquet", "inspect", str(d / "zstd.parquet"))
    assert text.returncode == 0 and "dec38 DECIMAL(38,10)" in text.stdout
    assert "codec ZSTD" in text.stdout


def test_int96_and_delta_byte_array_fixture(tmp_path):
    node = need_js()
    f = tmp_path / "int96_dba.parquet"
    want = write_int96_delta(f)
    got = cat_json(f)
    assert [(g["ts"], g["s"]) for g in got] == want
    # hyparquet reads the same bytes the same way (its INT96 has millisecond precision)
    r = clients.run([node, str(JS / "hyparquet_read.mjs"), str(f)], cwd=str(JS), timeout=60)
    hy = json.loads(r.stdout)
    assert [h["s"] for h in hy] == [w[1] for w in want]
    for h, (ts, _) in zip(hy, want):
        ours = datetime.datetime.fromisoformat(ts.replace("+00", "+00:00"))
        if ours.timestamp() >= 0:
            theirs = datetime.datetime.fromisoformat(h["ts"].replace("Z", "+00:00"))
            assert ours.replace(microsecond=ours.microsecond // 1000 * 1000) == theirs


def test_s3_object_through_the_server(server, s3, bucket, matrix):
    d, exp = matrix
    s3.upload_file(str(d / "gzip.parquet"), bucket, "dir/t.parquet")
    env = {"AWS_ENDPOINT_URL": server.s3_url, "LAKEHOUSE_ACCESS_KEY": ROOT_AK,
           "LAKEHOUSE_SECRET_KEY": ROOT_SK, "LAKEHOUSE_LAKE_PATH_STYLE": "true"}
    got = cat_json(f"s3://{bucket}/dir/t.parquet", env=env)
    cols = exp["columns"]
    assert [[g[c] for c in cols] for g in got] == exp["files"]["gzip"]
    r = lh("parquet", "inspect", "--json", f"s3://{bucket}/dir/t.parquet", env=env)
    assert r.returncode == 0 and json.loads(r.stdout)["num_rows"] == 3000
    r = lh("parquet", "cat", f"s3://{bucket}/dir/missing.parquet", env=env)
    assert r.returncode == 1 and "missing.parquet" in r.stderr


def damaged(src, tmp_path):
    data = src.read_bytes()
    flen = struct.unpack("<I", data[-8:-4])[0]
    footer = len(data) - 8 - flen
    cases = {
        "empty": b"",
        "short": b"PAR1PAR1",
        "truncated": data[: len(data) // 2],
        "no_tail_magic": data[:-4] + b"XXXX",
        "no_head_magic": b"XXXX" + data[4:],
        "footer_len_lies": data[:-8] + struct.pack("<I", len(data)) + b"PAR1",
        "footer_garbled": data[:footer] + bytes(b ^ 0x5A for b in data[footer:-8]) + data[-8:],
        "pages_garbled": data[:4] + bytes((b * 7 + 3) & 0xFF for b in data[4:footer]) + data[footer:],
        "pages_zeroed": data[:4] + bytes(footer - 4) + data[footer:],
    }
    out = {}
    for name, b in cases.items():
        p = tmp_path / f"{name}.parquet"
        p.write_bytes(b)
        out[name] = p
    return out


def test_damaged_files_are_clear_errors(matrix, tmp_path):
    d, _ = matrix
    for name, p in damaged(d / "snappy.parquet", tmp_path).items():
        for verb in ("cat", "inspect"):
            r = lh("parquet", verb, str(p))
            if name.startswith("pages") and verb == "inspect":
                assert r.returncode == 0, f"{name}: the footer is intact"
                continue
            assert r.returncode == 1, f"{verb} {name}: exit {r.returncode}\n{r.stderr}"
            assert r.stderr.startswith("lakehouse: ") and str(p) in r.stderr, r.stderr
            assert "Sanitizer" not in r.stderr
    r = lh("parquet", "cat", str(tmp_path / "nope.parquet"))
    assert r.returncode == 1 and "cannot open" in r.stderr
    r = lh("parquet", "cat", "--columns", "nosuch", str(d / "zstd.parquet"))
    assert r.returncode == 1 and "no column nosuch" in r.stderr


def test_usage_errors():
    assert lh("parquet").returncode == 2
    assert lh("parquet", "frobnicate", "x").returncode == 2
    r = lh("parquet", "--help")
    assert r.returncode == 0 and "inspect" in r.stdout and "cat" in r.stdout
    assert lh("parquet", "cat", "--limit", "-3", "x.parquet").returncode == 2

