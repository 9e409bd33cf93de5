"""A Delta table written by the table layer, reconstructed independently by
DuckDB. The Makefile-built program tests/unit/delta_table_export.c (next to
the lakehouse binary under test) writes a partitioned table through
lh_table_writer (15 versions: create, 12 appends with a checkpoint at 10, a
replace-where, an append with a NULL partition value) and copies its
objects into a local directory (DuckDB from npm has no httpfs or delta
extension here). tests/js/delta_duckdb.mjs then replays `_delta_log` the
way the protocol says, reading our checkpoint Parquet with DuckDB, and
reads every live data file with DuckDB, adding the partition values."""
import json
import shutil
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from helpers import clients
from helpers.server import clean_env, unit_program

JS = Path(__file__).resolve().parents[1] / "js"
DAY0 = date(2025, 11, 26)


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    d = tmp_path_factory.mktemp("delta") / "export"
    r = clients.run([str(unit_program("delta_table_export")), str(d)], env=clean_env(),
                    check=False, timeout=300)
    assert r.returncode == 0, f"delta_table_export failed:\n{r.stdout}\n{r.stderr}"
    return d, json.loads(r.stdout)


def duckdb_read(d, version=None):
    node = clients.need("node")
    if not (JS / "node_modules" / "@duckdb" / "node-api" / "package.json").exists():
        pytest.skip("tests/js/node_modules missing: run `npm ci` in tests/js")
    args = [node, str(JS / "delta_duckdb.mjs"), str(d)]
    if version is not None:
        args.append(str(version))
    r = clients.run(args, cwd=str(JS), check=False, timeout=120)
    assert r.returncode == 0, f"delta_duckdb.mjs failed:\n{r.stdout}\n{r.stderr}"
    return json.loads(r.stdout)


def expected_row(i, ds):
    at = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=i)
    return {
        "id": i,
        "name": None if i % 10 == 0 else f"n{i % 7}",
        "amount": i * 10**20,
        "at": at.strftime("%Y-%m-%d %H:%M:%S+00"),
        "ds": ds,
    }


def expected_rows(ids):
    out = []
    for i in ids:
        if i >= 60000:
            ds = None
        elif i >= 50000:
            ds = DAY0.isoformat()
        else:
            ds = (DAY0 + timedelta(days=i % 3)).isoformat()
        out.append(expected_row(i, ds))
    return sorted(out, key=lambda r: r["id"])


def rows_of(got):
    return sorted((json.loads(r) for r in got["rows"]), key=lambda r: r["id"])


def test_duckdb_reconstructs_the_latest_version_through_our_checkpoint(table):
    d, exp = table
    log = sorted(p.name for p in (d / "_delta_log").iterdir())
    assert "00000000000000000010.checkpoint.parquet" in log
    assert json.loads((d / "_delta_log" / "_last_checkpoint").read_text())["version"] == 10
    got = duckdb_read(d)
    assert got["version"] == 14
    assert got["partitionColumns"] == ["ds"]
    assert [f["name"] for f in got["schema"]["fields"]] == ["id", "name", "amount", "at", "ds"]
    assert rows_of(got) == expected_rows(exp["ids"])
    # the NULL partition value's files live under Hive's default partition
    assert any(f.startswith("ds=__HIVE_DEFAULT_PARTITION__/") for f in got["files"])


def test_the_json_log_alone_gives_the_same_rows(table, tmp_path):
    d, exp = table
    nocp = tmp_path / "nocp"
    shutil.copytree(d, nocp)
    (nocp / "_delta_log" / "_last_checkpoint").unlink()
    (nocp / "_delta_log" / "00000000000000000010.checkpoint.parquet").unlink()
    got = duckdb_read(nocp)
    assert got["version"] == 14
    assert rows_of(got) == expected_rows(exp["ids"])


def test_checkpoint_holds_the_state_at_its_version(table, tmp_path):
    """Version 10 from the checkpoint alone (commits 0..10 removed) equals
    version 10 replayed from JSON: appends 1..10 of 500 ids each."""
    d, _ = table
    only_cp = tmp_path / "cp"
    shutil.copytree(d, only_cp)
    for v in range(0, 11):
        (only_cp / "_delta_log" / f"{v:020d}.json").unlink()
    nocp = tmp_path / "nocp"
    shutil.copytree(d, nocp)
    (nocp / "_delta_log" / "_last_checkpoint").unlink()
    from_cp = duckdb_read(only_cp, 10)
    from_json = duckdb_read(nocp, 10)
    assert from_cp["version"] == from_json["version"] == 10
    assert rows_of(from_cp) == rows_of(from_json)
    ids = [i for k in range(1, 11) for i in range(1000 * k, 1000 * k + 500)]
    assert rows_of(from_cp) == expected_rows(ids)
