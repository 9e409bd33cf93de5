"""`lakehouse sql` over the lake: a Delta table written by the table layer
(tests/unit/delta_table_export.c: 15 versions, partitioned by ds, a NULL
partition value) is uploaded to s3://lakehouse/silver/export/ with boto3;
the engine, in its own process, reaches it through the S3 endpoint the
lake.* keys name, as silver.export, and reads Parquet objects by URL."""
import csv
import io
import json

import pytest

from helpers import clients
from helpers import s3 as s3h
from helpers.server import ROOT_AK, ROOT_SK, clean_env, lakehouse_bin, unit_program

BUCKET = "lakehouse"


@pytest.fixture(scope="module")
def lake(server, tmp_path_factory):
    d = tmp_path_factory.mktemp("sqllake") / "export"
    r = clients.run([str(unit_program("delta_table_export")), str(d)], env=clean_env(),
                    check=False, timeout=300)
    assert r.returncode == 0, r.stderr
    s3 = s3h.client(server)
    for p in sorted(d.rglob("*")):
        if p.is_file():
            s3.put_object(Bucket=BUCKET, Key=f"silver/export/{p.relative_to(d)}",
                          Body=p.read_bytes())
    return server, json.loads(r.stdout), d


def sql(server, query, fmt="csv", lake_env=True, check=True):
    env = {"AWS_ENDPOINT_URL": server.s3_url, "AWS_ACCESS_KEY_ID": ROOT_AK,
           "AWS_SECRET_ACCESS_KEY": ROOT_SK} if lake_env else {}
    r = clients.run([lakehouse_bin(), "sql", "-q", "--format", fmt, "-c", query],
                    env=clean_env(env), check=False, timeout=120)
    if check:
        assert r.returncode == 0, f"{query}: {r.stdout}\n{r.stderr}"
    return r


def rows(r):
    return list(csv.reader(io.StringIO(r.stdout)))


def test_reads_the_latest_version_of_a_lake_table(lake):
    server, exp, _ = lake
    got = rows(sql(server, "SELECT id, name, ds IS NULL AS nods FROM silver.export ORDER BY id"))
    assert got[0] == ["id", "name", "nods"]
    ids = [int(r[0]) for r in got[1:]]
    assert ids == sorted(exp["ids"])
    for r in got[1:]:
        i = int(r[0])
        assert r[1] == ("" if i % 10 == 0 else f"n{i % 7}")
    assert any(r[2] == "true" for r in got[1:])  # the NULL partition value reads as NULL


def test_aggregates_and_filters_over_partitions(lake):
    server, exp, _ = lake
    got = rows(sql(server, "SELECT count(*), min(id), max(id), count(name) FROM silver.export "
                           "WHERE id % 2 = 0"))
    even = [i for i in exp["ids"] if i % 2 == 0]
    assert got[1][:3] == [str(len(even)), str(min(even)), str(max(even))]


def test_time_travel_by_version(lake):
    server, _, _ = lake
    got = rows(sql(server, "SELECT count(*) FROM silver.export AT (VERSION => 1)"))
    assert got[1] == ["500"]
    got = rows(sql(server, "SELECT count(*) FROM silver.export AT (VERSION => 0)"))
    assert got[1] == ["0"]
    # the same versions in Databricks' spelling and the SQL:2011 one
    got = rows(sql(server, "SELECT count(*) FROM silver.export VERSION AS OF 1"))
    assert got[1] == ["500"]
    got = rows(sql(server, "SELECT count(*) FROM silver.export e FOR VERSION AS OF 0"))
    assert got[1] == ["0"]


def test_time_travel_by_timestamp(lake):
    """TIMESTAMP AS OF t reads the newest version committed at or before t
    (commitInfo.timestamp); before the first commit there is no table."""
    server, _, d = lake
    stamps = {}
    for f in sorted((d / "_delta_log").glob("*.json")):
        for line in f.read_text().splitlines():
            a = json.loads(line)
            if "commitInfo" in a:
                stamps[int(f.stem)] = a["commitInfo"]["timestamp"]
    assert len(stamps) > 2
    for v in (1, max(stamps)):
        t = stamps[v]
        want = max(k for k, ts in stamps.items() if ts <= t)
        at = f"TIMESTAMP AS OF make_timestamp({t * 1000})::TIMESTAMPTZ"
        got = rows(sql(server, f"SELECT count(*), sum(id) FROM silver.export {at}"))
        exp = rows(sql(server, f"SELECT count(*), sum(id) FROM silver.export VERSION AS OF {want}"))
        assert got[1] == exp[1]
    r = sql(server, "SELECT count(*) FROM silver.export TIMESTAMP AS OF '2000-01-01 00:00:00+00'",
            check=False)
    assert r.returncode != 0 and "Error" in r.stderr


def test_reads_a_parquet_object_by_url(lake):
    server, _, d = lake
    first = sorted(p for p in d.rglob("*.parquet") if "_delta_log" not in str(p))[0]
    key = f"silver/export/{first.relative_to(d)}"
    got = rows(sql(server, f"SELECT count(*) > 0, min(id) >= 0 FROM read_parquet('s3://{BUCKET}/{key}')"))
    assert got[1] == ["true", "true"]


def test_a_missing_table_is_a_catalog_error(lake):
    server, _, _ = lake
    r = sql(server, "SELECT * FROM silver.nope", check=False)
    assert r.returncode == 2
    assert "Catalog Error" in r.stderr and "silver.nope" in r.stderr


def test_no_lake_endpoint_means_no_lake_tables(lake):
    server, _, _ = lake
    r = sql(server, "SELECT * FROM silver.export", lake_env=False, check=False)
    assert r.returncode == 2
    assert "Catalog Error" in r.stderr and "lake.endpoint" in r.stderr


def test_an_unreachable_lake_is_an_io_error(lake):
    env = {"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": ROOT_AK,
           "AWS_SECRET_ACCESS_KEY": ROOT_SK}
    r = clients.run([lakehouse_bin(), "sql", "-q", "-c", "SELECT * FROM silver.export"],
                    env=clean_env(env), check=False, timeout=120)
    assert r.returncode == 1, r.stderr
    assert "IO Error" in r.stderr
