"""`lakehouse table ls|describe|history|vacuum` against the running server:
a Delta table written by the table layer (tests/unit/delta_table_export.c)
is uploaded to s3://lakehouse/silver/export/ with boto3, beside raw bronze
files and a namespace marker, and the CLI reaches it through the S3
endpoint (AWS_ENDPOINT_URL and the lake credentials)."""
import json

import pytest

from helpers import clients
from helpers import s3 as s3h
from helpers.server import ROOT_AK, ROOT_SK, clean_env, lakehouse_bin, unit_program

BUCKET = "lakehouse"


@pytest.fixture(scope="module")
def lake(server, tmp_path_factory):
    d = tmp_path_factory.mktemp("tcli") / "export"
    r = clients.run([str(unit_program("delta_table_export")), str(d)], env=clean_env(),
                    check=False, timeout=300)
    assert r.returncode == 0, r.stderr
    s3 = s3h.client(server)
    for p in sorted(d.rglob("*")):
        if p.is_file():
            s3.put_object(Bucket=BUCKET, Key=f"silver/export/{p.relative_to(d)}",
                          Body=p.read_bytes())
    s3.put_object(Bucket=BUCKET, Key="bronze/chain_transfers/ds=2026-11-26/part-0.jsonl",
                  Body=b"{}\n")
    s3.put_object(Bucket=BUCKET, Key="sandbox/", Body=b"")
    return server, json.loads(r.stdout)


def table_cli(server, *args, check=True):
    env = clean_env({"AWS_ENDPOINT_URL": server.s3_url, "AWS_ACCESS_KEY_ID": ROOT_AK,
                     "AWS_SECRET_ACCESS_KEY": ROOT_SK})
    r = clients.run([lakehouse_bin(), "table", *args], env=env, check=False, timeout=120)
    if check:
        assert r.returncode == 0, f"table {args}: {r.stdout}\n{r.stderr}"
    return r


def test_ls_lists_delta_tables_only(lake):
    server, exp = lake
    r = table_cli(server, "ls")
    lines = [l.split() for l in r.stdout.splitlines()]
    names = [l[0] for l in lines]
    assert "silver.export" in names
    assert not any(n.startswith("bronze.") for n in names)  # raw files are not tables
    row = lines[names.index("silver.export")]
    assert row[1] == "14"  # version
    files = int(row[2])
    assert files > 10 and int(row[3]) > 1000  # files, bytes
    j = json.loads(table_cli(server, "ls", "silver", "--json").stdout)
    # the server is shared: other test modules may have made silver tables too
    assert all(t["name"].startswith("silver.") for t in j)
    mine = [t for t in j if t["name"] == "silver.export"]
    assert len(mine) == 1
    assert mine[0]["version"] == 14 and mine[0]["files"] == files
    assert mine[0]["partition_columns"] == ["ds"]
    assert mine[0]["location"] == "s3://lakehouse/silver/export"
    assert json.loads(table_cli(server, "ls", "sandbox", "--json").stdout) == []


def test_describe_shows_schema_partitions_and_rows(lake):
    server, exp = lake
    out = table_cli(server, "describe", "silver.export").stdout
    assert "location   s3://lakehouse/silver/export" in out
    assert "version    14" in out
    assert f"rows       {len(exp['ids'])}" in out
    assert "DECIMAL(38,0)" in out and "TIMESTAMP WITH TIME ZONE" in out
    assert "ds=__HIVE_DEFAULT_PARTITION__" not in out  # partitions show values, NULL as NULL
    assert "ds=NULL" in out
    j = json.loads(table_cli(server, "describe", "silver.export", "--json").stdout)
    assert [c["name"] for c in j["columns"]] == ["id", "name", "amount", "at", "ds"]
    assert [c["partition"] for c in j["columns"]] == [False, False, False, False, True]
    assert j["rows"] == len(exp["ids"])
    assert sum(p["files"] for p in j["partitions"]) == j["files"]
    old = json.loads(table_cli(server, "describe", "silver.export", "--version", "1",
                               "--json").stdout)
    assert old["version"] == 1 and old["rows"] == 500


def test_history_newest_first(lake):
    server, _ = lake
    j = json.loads(table_cli(server, "history", "silver.export", "--json").stdout)
    assert [h["version"] for h in j] == list(range(14, -1, -1))
    assert j[-1]["operation"] == "CREATE TABLE"
    ts = [h["timestamp_ms"] for h in j]
    assert ts == sorted(ts, reverse=True)
    two = table_cli(server, "history", "silver.export", "--limit", "2").stdout.splitlines()
    assert [l.split()[0] for l in two] == ["14", "13"]


def test_vacuum_removes_only_unreferenced_old_files(lake):
    server, _ = lake
    s3 = s3h.client(server)
    s3.put_object(Bucket=BUCKET, Key="silver/export/ds=2025-11-26/orphan.parquet", Body=b"PAR1")
    dry = table_cli(server, "vacuum", "silver.export", "--retain", "0", "--dry-run").stdout
    assert "would delete ds=2025-11-26/orphan.parquet" in dry
    # the files the replace-where removed (version 13) are unreferenced too
    removed = [l for l in dry.splitlines() if l.startswith("would delete ds=")]
    assert len(removed) > 1
    s3.head_object(Bucket=BUCKET, Key="silver/export/ds=2025-11-26/orphan.parquet")
    # with the default retention (7 days) nothing this new goes
    j = json.loads(table_cli(server, "vacuum", "silver.export", "--json").stdout)
    assert j["files"] == 0
    j = json.loads(table_cli(server, "vacuum", "silver.export", "--retain", "0", "--json").stdout)
    assert j["files"] == len(removed)
    with pytest.raises(Exception):
        s3.head_object(Bucket=BUCKET, Key="silver/export/ds=2025-11-26/orphan.parquet")
    d = json.loads(table_cli(server, "describe", "silver.export", "--json").stdout)
    assert d["version"] == 14  # the table itself is untouched


def test_errors_are_clear(lake, server):
    server, _ = lake
    r = table_cli(server, "describe", "silver", check=False)
    assert r.returncode != 0 and "<namespace>.<table>" in r.stderr
    r = table_cli(server, "describe", "silver.nothing", check=False)
    assert r.returncode != 0 and "silver.nothing" in r.stderr
    r = table_cli(server, "frobnicate", check=False)
    assert r.returncode == 2 and "unknown table command" in r.stderr
    r = clients.run([lakehouse_bin(), "table", "ls"], env=clean_env(), check=False, timeout=60)
    assert r.returncode != 0 and "AWS_ENDPOINT_URL" in r.stderr


def test_optimize_compacts_and_keeps_every_row(lake, tmp_path):
    server, exp = lake
    before = json.loads(table_cli(server, "describe", "silver.export", "--json").stdout)
    j = json.loads(table_cli(server, "optimize", "silver.export",
                             "--json").stdout)
    assert j["version"] == before["version"] + 1
    # every file is small; a partition of one file has nothing to gain
    single = [p for p in before["partitions"] if p["files"] == 1]
    assert single and len(single) < len(before["partitions"])
    assert j["files_removed"] == before["files"] - len(single)
    assert j["files_added"] == j["partitions"] == len(before["partitions"]) - len(single)
    # the one-file partitions (the 100 replace-where rows, the 10 NULL-partition rows) stay
    assert j["rows"] == len(exp["ids"]) - 110
    after = json.loads(table_cli(server, "describe", "silver.export", "--json").stdout)
    assert after["files"] == len(before["partitions"]) and after["rows"] == before["rows"]
    hist = json.loads(table_cli(server, "history", "silver.export", "--limit", "1",
                                "--json").stdout)
    assert hist[0]["operation"] == "OPTIMIZE"
    again = table_cli(server, "optimize", "silver.export").stdout
    assert "nothing to compact" in again
    # DuckDB still reads the same rows from the compacted table
    from test_delta_duckdb import duckdb_read, expected_rows, rows_of
    s3 = s3h.client(server)
    d = tmp_path / "opt"
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET,
                                                             Prefix="silver/export/"):
        for o in page.get("Contents", []):
            p = d / o["Key"][len("silver/export/"):]
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read())
    got = duckdb_read(d)
    assert got["version"] == after["version"]
    assert rows_of(got) == expected_rows(exp["ids"])
