"""DDL and DML of `lakehouse sql` on the lake's namespaces, against a live
server through the S3 endpoint the lake.* keys name: every statement runs
in its own `lakehouse sql` process, and what one leaves in the bucket is
checked with boto3, with `lakehouse table history|describe`, with DuckDB
(tests/js/delta_duckdb.mjs replays the log on its own) and by reading it
back in a new process."""
import csv
import io
import json
import signal

import pytest

from helpers import clients
from helpers import s3 as s3h
from helpers.server import ROOT_AK, ROOT_SK, clean_env, lakehouse_bin

from test_delta_duckdb import duckdb_read

BUCKET = "lakehouse"


def lake_env(server, extra=None):
    env = {"AWS_ENDPOINT_URL": server.s3_url, "AWS_ACCESS_KEY_ID": ROOT_AK,
           "AWS_SECRET_ACCESS_KEY": ROOT_SK}
    env.update(extra or {})
    return clean_env(env)


def sql(server, query, check=True, env=None):
    r = clients.run([lakehouse_bin(), "sql", "-q", "--format", "csv", "-c", query],
                    env=env or lake_env(server), check=False, timeout=120)
    if check:
        assert r.returncode == 0, f"{query}: {r.stdout}\n{r.stderr}"
    return r


def rows(r):
    return list(csv.reader(io.StringIO(r.stdout)))[1:]


def table_cli(server, *args):
    r = clients.run([lakehouse_bin(), "table", *args], env=lake_env(server), check=False,
                    timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


def keys(s3, prefix):
    out = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        out += [o["Key"] for o in page.get("Contents", [])]
    return out


def versions(server, name):
    """(version, operation) of each commit, newest first."""
    out = []
    for line in table_cli(server, "history", name).splitlines():
        parts = line.split()
        if parts and parts[0].isdigit():
            out.append((int(parts[0]), parts[4]))
    return out


@pytest.fixture(scope="module")
def s3(server):
    return s3h.client(server)


def test_create_schema_writes_the_marker(server, s3):
    sql(server, "CREATE SCHEMA lab")
    assert "lab/" in keys(s3, "lab/")
    r = sql(server, "CREATE SCHEMA lab", check=False)
    assert r.returncode == 2 and "Catalog Error" in r.stderr and "already exists" in r.stderr
    sql(server, "CREATE SCHEMA IF NOT EXISTS lab")
    # a table in a namespace nobody created is refused; bronze/silver/gold always exist
    r = sql(server, "CREATE TABLE nowhere.t AS SELECT 1 AS a", check=False)
    assert r.returncode == 2 and "Schema with name nowhere does not exist" in r.stderr
    sql(server, "CREATE TABLE lab.t (a INTEGER); INSERT INTO lab.t VALUES (5)")
    assert rows(sql(server, "SELECT a FROM lab.t")) == [["5"]]


CTAS = """CREATE TABLE silver.sales PARTITIONED BY (ds) AS
SELECT i AS id, 'c' || (i % 4) AS customer, CAST(i * 10 AS DECIMAL(12,2)) AS amount,
       DATE '2026-11-24' + CAST(i % 3 AS INTEGER) AS ds
FROM range(30) t(i)"""


@pytest.fixture(scope="module")
def sales(server):
    sql(server, CTAS)
    return "silver.sales"


def test_ctas_is_one_commit_read_back_in_a_new_process(server, s3, sales):
    assert versions(server, sales) == [(0, "CREATE")]
    got = rows(sql(server, "SELECT ds, count(*), sum(amount) FROM silver.sales GROUP BY ds "
                           "ORDER BY ds"))
    assert got == [["2026-11-24", "10", "1350.00"], ["2026-11-25", "10", "1450.00"],
                   ["2026-11-26", "10", "1550.00"]]
    names = keys(s3, "silver/sales/")
    assert "silver/sales/_delta_log/00000000000000000000.json" in names
    assert any(k.startswith("silver/sales/ds=2026-11-25/") for k in names)
    desc = table_cli(server, "describe", sales)
    assert "ds" in desc and "(partition)" in desc and "rows       30" in desc
    log = s3.get_object(Bucket=BUCKET, Key="silver/sales/_delta_log/00000000000000000000.json")
    actions = [json.loads(x) for x in log["Body"].read().decode().splitlines()]
    assert actions[0]["commitInfo"]["operation"] == "CREATE TABLE AS SELECT"
    assert sum(1 for a in actions if "add" in a) == 3
    assert any(a.get("metaData", {}).get("partitionColumns") == ["ds"] for a in actions)


def test_create_table_that_exists(server, sales):
    r = sql(server, "CREATE TABLE silver.sales AS SELECT 1 AS id", check=False)
    assert r.returncode == 2 and "Catalog Error" in r.stderr and "already exists" in r.stderr
    sql(server, "CREATE TABLE IF NOT EXISTS silver.sales AS SELECT 1 AS id")
    assert versions(server, sales)[0][0] == 0


def test_insert_append_and_replace_where_partition(server, tmp_path, s3, sales):
    sql(server, "INSERT INTO silver.sales VALUES (100, 'c9', 1.5, DATE '2026-11-27')")
    assert versions(server, sales)[0] == (1, "WRITE")
    v1 = rows(sql(server, "SELECT count(*) FROM silver.sales"))
    assert v1 == [["31"]]
    # the interval 2026-11-25 replaced by two rows in one commit; other days kept
    sql(server, "INSERT INTO silver.sales REPLACE WHERE ds = DATE '2026-11-25' "
                "SELECT 200 + i, 'r', 7, DATE '2026-11-25' FROM range(2) t(i)")
    assert [v for v, _ in versions(server, sales)] == [2, 1, 0]
    got = rows(sql(server, "SELECT ds, count(*), min(id) FROM silver.sales GROUP BY ds "
                           "ORDER BY ds"))
    assert got == [["2026-11-24", "10", "0"], ["2026-11-25", "2", "200"],
                   ["2026-11-26", "10", "2"], ["2026-11-27", "1", "100"]]
    # a row outside the predicate fails the statement; nothing is committed
    r = sql(server, "INSERT INTO silver.sales REPLACE WHERE ds = '2026-11-25' "
                    "VALUES (1, 'x', 1, DATE '2026-11-26')", check=False)
    assert r.returncode == 2 and "Constraint Error" in r.stderr, r.stderr
    assert versions(server, sales)[0][0] == 2
    # DuckDB, replaying the log on its own, sees the same rows
    d = tmp_path / "sales"
    for k in keys(s3, "silver/sales/"):
        p = d / k[len("silver/sales/"):]
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(s3.get_object(Bucket=BUCKET, Key=k)["Body"].read())
    duck = duckdb_read(d)
    assert duck["version"] == 2 and duck["partitionColumns"] == ["ds"]
    assert sorted(int(json.loads(r)["id"]) for r in duck["rows"]) == sorted(
        [i for i in range(30) if i % 3 != 1] + [100, 200, 201])


def test_replace_where_on_rows(server):
    sql(server, "CREATE TABLE gold.daily AS SELECT i AS id, i % 2 AS odd FROM range(10) t(i)")
    sql(server, "INSERT INTO gold.daily REPLACE WHERE id >= 5 AND odd = 1 VALUES (99, 1)")
    assert [int(r[0]) for r in rows(sql(server, "SELECT id FROM gold.daily ORDER BY id"))] == \
        [0, 1, 2, 3, 4, 6, 8, 99]
    assert [v for v, _ in versions(server, "gold.daily")] == [1, 0]
    r = sql(server, "INSERT INTO gold.daily REPLACE WHERE id + 1 > 3 VALUES (1, 1)", check=False)
    assert r.returncode == 2 and "Not implemented Error" in r.stderr


def test_replace_where_with_a_parameter(server):
    """What a pipeline task runs: `lakehouse sql -f task.sql -v ds=...`."""
    sql(server, "CREATE TABLE gold.param PARTITIONED BY (ds) AS SELECT i AS id, "
                "DATE '2026-11-24' + CAST(i % 2 AS INTEGER) AS ds FROM range(6) t(i)")
    q = ("INSERT INTO gold.param REPLACE WHERE ds = CAST($ds AS DATE) "
         "SELECT 50, CAST($ds AS DATE)")
    r = clients.run([lakehouse_bin(), "sql", "-q", "-v", "ds=2026-11-25", "-c", q],
                    env=lake_env(server), check=False, timeout=120)
    assert r.returncode == 0, r.stderr
    got = rows(sql(server, "SELECT ds, list_count FROM (SELECT ds, count(*) AS list_count "
                           "FROM gold.param GROUP BY ds) ORDER BY ds"))
    assert got == [["2026-11-24", "3"], ["2026-11-25", "1"]]
    log = table_cli(server, "history", "gold.param")
    assert "ds IN ('2026-11-25')" in log  # whole partitions replaced


def test_create_or_replace_is_one_commit_with_the_new_schema(server):
    sql(server, "CREATE TABLE gold.rep AS SELECT 1 AS a, 'x' AS b")
    sql(server, "CREATE OR REPLACE TABLE gold.rep AS SELECT 2.5 AS c FROM range(3)")
    assert versions(server, "gold.rep") == [(1, "CREATE"), (0, "CREATE")]
    r = sql(server, "SELECT * FROM gold.rep")
    assert r.stdout.splitlines()[0] == "c" and rows(r) == [["2.5"]] * 3
    assert rows(sql(server, "SELECT count(*) FROM gold.rep AT (VERSION => 0)")) == [["1"]]


def test_drop_table_deletes_log_and_files(server, s3):
    sql(server, "CREATE TABLE silver.gone PARTITIONED BY (p) AS "
                "SELECT i AS id, i % 2 AS p FROM range(5) t(i)")
    assert keys(s3, "silver/gone/")
    sql(server, "DROP TABLE silver.gone")
    assert keys(s3, "silver/gone/") == []
    r = sql(server, "SELECT * FROM silver.gone", check=False)
    assert r.returncode == 2 and "does not exist" in r.stderr
    r = sql(server, "DROP TABLE silver.gone", check=False)
    assert r.returncode == 2 and "Catalog Error" in r.stderr
    sql(server, "DROP TABLE IF EXISTS silver.gone")


def test_drop_table_finishes_an_interrupted_drop(server, s3):
    """DROP deletes `_delta_log/` first: a drop that died after that leaves
    data files and no table; DROP TABLE IF EXISTS removes them."""
    sql(server, "CREATE TABLE silver.half AS SELECT 1 AS id")
    for k in keys(s3, "silver/half/_delta_log/"):
        s3.delete_object(Bucket=BUCKET, Key=k)
    assert keys(s3, "silver/half/")
    r = sql(server, "SELECT * FROM silver.half", check=False)
    assert r.returncode == 2 and "does not exist" in r.stderr
    sql(server, "DROP TABLE IF EXISTS silver.half")
    assert keys(s3, "silver/half/") == []


def test_views_live_in_the_lake(server, s3, sales):
    sql(server, "CREATE VIEW gold.by_day (day, n) AS "
                "SELECT ds, count(*) FROM silver.sales GROUP BY ds")
    doc = json.loads(s3.get_object(Bucket=BUCKET, Key="gold/_views/by_day.json")["Body"].read())
    assert doc["sql"].startswith("SELECT ds, count(*)")
    assert doc["columns"] == [{"name": "day", "type": "DATE"}, {"name": "n", "type": "BIGINT"}]
    got = rows(sql(server, "SELECT v.day, v.n FROM gold.by_day v WHERE n > 1 ORDER BY day"))
    assert got[0] == ["2026-11-24", "10"]
    r = sql(server, "CREATE VIEW gold.by_day AS SELECT 1", check=False)
    assert r.returncode == 2 and "already exists" in r.stderr
    sql(server, "CREATE OR REPLACE VIEW gold.by_day AS SELECT 42 AS answer")
    assert rows(sql(server, "SELECT answer FROM gold.by_day")) == [["42"]]
    sql(server, "DROP VIEW gold.by_day")
    assert keys(s3, "gold/_views/") == []
    r = sql(server, "SELECT * FROM gold.by_day", check=False)
    assert r.returncode == 2 and "Catalog Error" in r.stderr
    r = sql(server, "DROP VIEW gold.by_day", check=False)
    assert r.returncode == 2 and "does not exist" in r.stderr
    sql(server, "DROP VIEW IF EXISTS gold.by_day")


def test_memory_stays_memory(server, s3):
    """Unqualified names and TEMP tables stay in memory even with a lake;
    SET schema moves unqualified names to a lake namespace."""
    r = sql(server, "CREATE TABLE m AS SELECT 1 AS a; CREATE TEMP TABLE t2 AS SELECT 2 AS b; "
                    "SELECT a, b FROM m, t2")
    assert rows(r) == [["1", "2"]]
    assert keys(s3, "main/") == [] and keys(s3, "temp/") == []
    sql(server, "SET schema = 'lab'; CREATE TABLE viaset AS SELECT 3 AS c")
    assert rows(sql(server, "SELECT c FROM lab.viaset")) == [["3"]]


def test_errors(server):
    r = sql(server, "INSERT INTO silver.nope VALUES (1)", check=False)
    assert r.returncode == 2 and "Catalog Error" in r.stderr and "silver.nope" in r.stderr
    r = sql(server, "CREATE TABLE silver.h AS SELECT 1::HUGEINT AS h", check=False)
    assert r.returncode == 2 and "Delta" in r.stderr
    r = sql(server, "CREATE TABLE silver.p (a INTEGER) PARTITIONED BY (zz)", check=False)
    assert r.returncode == 2 and "PARTITIONED BY" in r.stderr
    env = lake_env(server, {"AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    r = sql(server, "CREATE TABLE silver.u AS SELECT 1 AS a", check=False, env=env)
    assert r.returncode == 1 and "IO Error" in r.stderr, r.stderr
    r = sql(server, "CREATE SCHEMA u2", check=False, env=env)
    assert r.returncode == 1 and "IO Error" in r.stderr, r.stderr


@pytest.mark.parametrize("replace", [False, True])
def test_a_killed_ctas_leaves_no_table_or_the_previous_version(server, s3, replace):
    name = f"silver.killed{int(replace)}"
    if replace:
        sql(server, f"CREATE TABLE {name} AS SELECT 1 AS old")
    env = lake_env(server, {"LAKEHOUSE_CRASH_AT": "table_before_log"})
    r = sql(server, f"CREATE OR REPLACE TABLE {name} AS SELECT i AS new FROM range(100) t(i)",
            check=False, env=env)
    if r.returncode == 0:
        pytest.skip("no crash points in this build (LH_TEST_HOOKS)")
    assert r.returncode == -signal.SIGKILL
    prefix = name.replace(".", "/") + "/"
    assert any(k.endswith(".parquet") for k in keys(s3, prefix))  # uploaded, not committed
    if replace:
        got = sql(server, f"SELECT * FROM {name}")
        assert got.stdout.splitlines()[0] == "old" and rows(got) == [["1"]]
    else:
        assert not any("_delta_log" in k for k in keys(s3, prefix))
        r = sql(server, f"SELECT * FROM {name}", check=False)
        assert r.returncode == 2 and "does not exist" in r.stderr
        # the orphans do not stop a new CREATE
        sql(server, f"CREATE TABLE {name} AS SELECT 5 AS v")
        assert rows(sql(server, f"SELECT v FROM {name}")) == [["5"]]
