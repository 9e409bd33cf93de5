"""DELETE and UPDATE of `lakehouse sql` on the lake's Delta tables, against the
shared live server: every statement runs in its own process; the commits are
read back with boto3 and `lakehouse table history`; the rows are compared with
DuckDB running the same statements on a memory table (tests/js/duckdb_script.mjs)
and DuckDB replaying our log on its own (tests/js/delta_duckdb.mjs); a process
killed right before its commit leaves the table at its previous version.
Namespaces are unique per test run: the server is shared."""
import json
import signal
import subprocess
import uuid

import pytest

from helpers import clients
from helpers.server import lakehouse_bin
from test_delta_duckdb import JS, duckdb_read
from test_sql_lake_ddl import BUCKET, keys, lake_env, rows, sql, versions


@pytest.fixture(scope="module")
def ns(server):
    name = "dml" + uuid.uuid4().hex[:10]
    sql(server, f"CREATE SCHEMA {name}")
    return name


@pytest.fixture(scope="module")
def s3(server):
    from helpers import s3 as s3h
    return s3h.client(server)


def duckdb_script(stmts):
    node = clients.need("node")
    if not (JS / "node_modules" / "@duckdb" / "node-api" / "package.json").exists():
        pytest.skip("tests/js/node_modules missing: run `npm ci` in tests/js")
    r = clients.run([node, str(JS / "duckdb_script.mjs"), *stmts], cwd=str(JS), check=False,
                    timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def commit(s3, table, version):
    key = f"{table.replace('.', '/')}/_delta_log/{version:020d}.json"
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
    return [json.loads(x) for x in body.splitlines()]


def changed(server, query):
    """Runs one statement; the rows it reports changing (stderr's `rows=N`)."""
    r = clients.run([lakehouse_bin(), "sql", "-c", query], env=lake_env(server), check=False,
                    timeout=120)
    assert r.returncode == 0, f"{query}: {r.stderr}"
    return int(r.stderr.split("rows=")[-1].split()[0])


def killed_before_commit(server, stmt):
    """Runs stmt in a process killed (SIGKILL) right before its commit."""
    env = lake_env(server, {"LAKEHOUSE_CRASH_AT": "table_before_log"})
    r = sql(server, stmt, check=False, env=env)
    if r.returncode == 0:
        pytest.skip("no crash points in this build (LH_TEST_HOOKS)")
    assert r.returncode == -signal.SIGKILL


def replayed(s3, table, tmp_path):
    """The table copied out of the bucket and read by DuckDB replaying its log."""
    d = tmp_path / table
    prefix = table.replace(".", "/") + "/"
    for k in keys(s3, prefix):
        p = d / k[len(prefix):]
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(s3.get_object(Bucket=BUCKET, Key=k)["Body"].read())
    return duckdb_read(d)


def as_text(v):
    return "" if v is None else v


CREATE = """CREATE TABLE {t} PARTITIONED BY (ds) AS
SELECT i AS id, 'c' || (i % 4) AS customer, CAST(i * 10 AS DECIMAL(12,2)) AS amount,
       DATE '2026-11-24' + CAST(i % 3 AS INTEGER) AS ds
FROM range(3000) t(i)"""

STEPS = [
    "DELETE FROM {t} WHERE id % 7 = 0 AND ds = DATE '2026-11-25'",
    "UPDATE {t} SET amount = amount * 2, customer = upper(customer) WHERE customer = 'c1'",
    "DELETE FROM {t} WHERE ds = DATE '2026-11-26'",
    "UPDATE {t} SET ds = DATE '2026-12-01' WHERE id < 10",
    "DELETE FROM {t} WHERE id > 2990 OR amount IS NULL",
    "UPDATE {t} SET customer = NULL WHERE id BETWEEN 100 AND 110",
    "UPDATE {t} SET amount = amount + s.bonus FROM (SELECT i AS id, i AS bonus "
    "FROM range(0, 3000, 97) r(i)) s WHERE {t}.id = s.id",
    "DELETE FROM {t} WHERE id = -1",
]
FINAL = "SELECT id, customer, amount, ds FROM {t} ORDER BY id"


def test_delete_and_update_give_duckdbs_rows(server, s3, ns, tmp_path):
    t = f"{ns}.sales"
    sql(server, CREATE.format(t=t))
    changes = []
    for step in STEPS:
        changes.append(changed(server, step.format(t=t)))
    ours = rows(sql(server, FINAL.format(t=t)))
    duck = duckdb_script([CREATE.format(t="m").replace("PARTITIONED BY (ds) ", "")] + [s.format(t="m") for s in STEPS] +
                         [FINAL.format(t="m")])
    assert all(not isinstance(x, dict) for x in duck), duck
    assert [[as_text(v) for v in row] for row in duck[-1]] == ours
    # each statement reports DuckDB's count of rows it changed
    assert changes == [int(x[0][0]) for x in duck[1:-1]]
    # one commit per statement that matched something; none for the last
    ops = versions(server, t)
    assert ops[0][0] == 7 and [op for _, op in ops][:7] == \
        ["UPDATE", "UPDATE", "DELETE", "UPDATE", "DELETE", "UPDATE", "DELETE"]
    # DuckDB replaying our log on its own sees the same rows
    replay = replayed(s3, t, tmp_path)
    assert replay["version"] == 7
    assert sorted(int(json.loads(r)["id"]) for r in replay["rows"]) == sorted(
        int(r[0]) for r in ours)


def test_commits_name_the_operation_and_touch_only_matching_files(server, s3, ns):
    t = f"{ns}.parts"
    sql(server, f"CREATE TABLE {t} PARTITIONED BY (p) AS "
                "SELECT i AS id, i % 3 AS p FROM range(30) t(i)")
    # a file per partition; deleting rows of one partition rewrites only its file
    sql(server, f"DELETE FROM {t} WHERE p = 1 AND id > 20")
    actions = commit(s3, t, 1)
    info = actions[0]["commitInfo"]
    assert info["operation"] == "DELETE"
    assert info["operationParameters"] == {"predicate": '["p = 1 AND id > 20"]'}
    removes = [a["remove"] for a in actions if "remove" in a]
    adds = [a["add"] for a in actions if "add" in a]
    assert len(removes) == 1 and removes[0]["path"].startswith("p=1/")
    assert removes[0]["dataChange"] is True
    assert len(adds) == 1 and json.loads(adds[0]["stats"])["numRecords"] == 7
    # a whole partition: its file removed unread (its pages are garbage now), nothing added
    prefix = t.replace(".", "/") + "/p=2/"
    (key,) = [k for k in keys(s3, prefix) if k.endswith(".parquet")]
    body = bytearray(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    body[4:20] = b"\xff" * 16
    s3.put_object(Bucket=BUCKET, Key=key, Body=bytes(body))
    assert sql(server, f"SELECT sum(id) FROM {t} WHERE p = 2", check=False).returncode == 1
    assert changed(server, f"DELETE FROM {t} WHERE p = 2") == 10
    actions = commit(s3, t, 2)
    assert [k for a in actions for k in a if k != "commitInfo"] == ["remove"]
    # UPDATE names its predicate too; no WHERE gives an empty list
    sql(server, f"UPDATE {t} SET id = id + 100")
    info = commit(s3, t, 3)[0]["commitInfo"]
    assert info["operation"] == "UPDATE" and info["operationParameters"]["predicate"] == "[]"
    assert rows(sql(server, f"SELECT count(*), min(id) FROM {t}")) == [["17", "100"]]
    # nothing matching: no commit, a count of 0
    assert changed(server, f"DELETE FROM {t} WHERE id < 0") == 0
    assert versions(server, t)[0][0] == 3


@pytest.mark.parametrize("stmt", ["DELETE FROM {t} WHERE id < 5",
                                  "UPDATE {t} SET v = 'new' WHERE id < 5"])
def test_a_killed_statement_leaves_the_previous_version(server, s3, ns, stmt):
    t = f"{ns}.killed{stmt.split()[0].lower()}"
    sql(server, f"CREATE TABLE {t} AS SELECT i AS id, 'old' AS v FROM range(10) t(i)")
    killed_before_commit(server, stmt.format(t=t))
    assert versions(server, t)[0][0] == 0
    assert rows(sql(server, f"SELECT count(*), min(v), max(v) FROM {t}")) == \
        [["10", "old", "old"]]
    # the statement runs again to completion afterwards
    sql(server, stmt.format(t=t))
    assert versions(server, t)[0][0] == 1


def test_errors(server, ns):
    t = f"{ns}.errs"
    sql(server, f"CREATE TABLE {t} AS SELECT 1 AS a; CREATE VIEW {ns}.v AS SELECT 1 AS a")
    r = sql(server, f"UPDATE {t} SET nope = 1", check=False)
    assert r.returncode == 2 and "Referenced update column nope not found" in r.stderr
    r = sql(server, f"DELETE FROM {ns}.v", check=False)
    assert r.returncode == 2 and "Can only delete from base table" in r.stderr
    r = sql(server, f"UPDATE {ns}.missing SET a = 1", check=False)
    assert r.returncode == 2 and "does not exist" in r.stderr
    r = sql(server, f"UPDATE {t} SET a = 'x'", check=False)
    assert r.returncode == 2 and "Conversion Error" in r.stderr
    assert versions(server, t)[0][0] == 0


MERGES = [
    """MERGE INTO {t} AS t USING (SELECT i AS id, 'n' || i AS customer, CAST(i AS DECIMAL(12,2))
       AS amount, DATE '2026-11-24' + CAST(i % 5 AS INTEGER) AS ds FROM range(2990, 3010) r(i)) s
       ON t.id = s.id
       WHEN MATCHED AND s.id % 2 = 0 THEN DELETE
       WHEN MATCHED THEN UPDATE SET amount = s.amount, customer = s.customer
       WHEN NOT MATCHED THEN INSERT *""",
    """MERGE INTO {t} USING (SELECT 5 AS id, 'x' AS c) s ON {t}.id = s.id
       WHEN MATCHED THEN UPDATE SET customer = s.c
       WHEN NOT MATCHED BY SOURCE AND {t}.id < 3 THEN DELETE""",
    """MERGE INTO {t} USING (SELECT 9999 AS id) s ON {t}.id = s.id
       WHEN NOT MATCHED THEN INSERT (id, ds) VALUES (s.id, DATE '2027-01-01')""",
    """MERGE INTO {t} USING (SELECT 4242 AS id) s ON {t}.id = s.id
       WHEN MATCHED THEN DELETE""",
    """MERGE INTO {t} USING (SELECT i AS id FROM range(0, 50) r(i)) s
       ON {t}.id = s.id AND {t}.id > 20 WHEN MATCHED THEN UPDATE SET customer = 'on'""",
]


def test_merge_gives_duckdbs_rows(server, s3, ns, tmp_path):
    t = f"{ns}.merged"
    sql(server, CREATE.format(t=t))
    counts = [changed(server, m.format(t=t)) for m in MERGES]
    ours = rows(sql(server, FINAL.format(t=t)))
    duck = duckdb_script([CREATE.format(t="m").replace("PARTITIONED BY (ds) ", "")] +
                         [m.format(t="m") for m in MERGES] + [FINAL.format(t="m")])
    assert all(not isinstance(x, dict) for x in duck), duck
    assert [[as_text(v) for v in row] for row in duck[-1]] == ours
    assert counts == [int(x[0][0]) for x in duck[1:-1]]
    # one MERGE commit per statement that changed something, none for the last
    assert [op for _, op in versions(server, t)] == ["MERGE"] * 4 + ["CREATE"]
    # inserting only touches no file; the first rewrote only files holding matched rows
    only_insert = commit(s3, t, 3)
    assert [k for a in only_insert for k in a if k != "commitInfo"] == ["add"]
    first = commit(s3, t, 1)
    assert first[0]["commitInfo"]["operationParameters"]["predicate"] == '["t.id = s.id"]'
    removed = {a["remove"]["path"].split("/")[0] for a in first if "remove" in a}
    assert len(removed) == 3  # the three partitions holding ids 2990..2999
    replay = replayed(s3, t, tmp_path)
    assert replay["version"] == 4
    assert sorted(int(json.loads(r)["id"]) for r in replay["rows"]) == sorted(
        int(r[0]) for r in ours)


def test_merge_refuses_a_row_matched_twice(server, ns):
    t = f"{ns}.twice"
    sql(server, f"CREATE TABLE {t} AS SELECT i AS id, 0 AS v FROM range(10) t(i)")
    r = sql(server, f"MERGE INTO {t} USING (SELECT 3 AS id, 1 AS v UNION ALL SELECT 3, 2) s "
                    f"ON {t}.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v", check=False)
    assert r.returncode == 2 and "multiple source rows matched" in r.stderr, r.stderr
    assert versions(server, t)[0][0] == 0


def test_a_killed_merge_leaves_the_previous_version(server, ns):
    t = f"{ns}.killedmerge"
    sql(server, f"CREATE TABLE {t} AS SELECT i AS id, 'old' AS v FROM range(10) t(i)")
    stmt = (f"MERGE INTO {t} USING (SELECT i AS id FROM range(5, 15) r(i)) s ON {t}.id = s.id "
            "WHEN MATCHED THEN UPDATE SET v = 'new' WHEN NOT MATCHED THEN INSERT VALUES (s.id, 'ins')")
    killed_before_commit(server, stmt)
    assert rows(sql(server, f"SELECT count(*), min(v), max(v) FROM {t}")) == \
        [["10", "old", "old"]]
    sql(server, stmt)
    assert rows(sql(server, f"SELECT v, count(*) FROM {t} GROUP BY v ORDER BY v")) == \
        [["ins", "5"], ["new", "5"], ["old", "5"]]


def test_alter_table_add_column(server, s3, ns, tmp_path):
    t = f"{ns}.altered"
    sql(server, f"CREATE TABLE {t} AS SELECT i AS id FROM range(3) t(i)")
    sql(server, f"ALTER TABLE {t} ADD COLUMN note VARCHAR")
    assert versions(server, t)[0] == (1, "ADD")
    actions = commit(s3, t, 1)
    schema = json.loads(next(a["metaData"] for a in actions if "metaData" in a)["schemaString"])
    assert [f["name"] for f in schema["fields"]] == ["id", "note"]
    sql(server, f"INSERT INTO {t} VALUES (9, 'new')")
    assert rows(sql(server, f"SELECT id, note FROM {t} ORDER BY id")) == \
        [["0", ""], ["1", ""], ["2", ""], ["9", "new"]]
    assert rows(sql(server, f"DESCRIBE {t}")) == [
        ["id", "BIGINT", "YES", "", "", ""], ["note", "VARCHAR", "YES", "", "", ""]]
    r = sql(server, f"ALTER TABLE {t} ADD COLUMN note INTEGER", check=False)
    assert r.returncode == 2 and "Column with name note already exists" in r.stderr
    sql(server, f"ALTER TABLE {t} ADD COLUMN IF NOT EXISTS note INTEGER")
    r = sql(server, f"ALTER TABLE {t} ADD COLUMN h HUGEINT", check=False)
    assert r.returncode == 2 and "Delta" in r.stderr, r.stderr
    assert versions(server, t)[0][0] == 2
    replay = replayed(s3, t, tmp_path)
    assert sorted((json.loads(r)["id"], json.loads(r)["note"]) for r in replay["rows"]) == \
        [(0, None), (1, None), (2, None), (9, "new")]


def test_optimize_and_vacuum(server, s3, ns, tmp_path):
    t = f"{ns}.compacted"
    sql(server, f"CREATE TABLE {t} (id BIGINT, p INTEGER) PARTITIONED BY (p)")
    for i in range(4):
        sql(server, f"INSERT INTO {t} VALUES ({i}, 0), ({i + 10}, 1)")
    prefix = t.replace(".", "/") + "/"
    parquet = lambda: sorted(k for k in keys(s3, prefix) if k.endswith(".parquet"))  # noqa: E731
    assert len(parquet()) == 8
    r = sql(server, f"OPTIMIZE {t} WHERE id > 3", check=False)
    assert r.returncode == 2 and "partition columns" in r.stderr
    assert changed(server, f"OPTIMIZE {t} WHERE p = 0") == 4
    assert versions(server, t)[0] == (5, "OPTIMIZE")
    assert changed(server, f"OPTIMIZE {t}") == 4
    assert rows(sql(server, f"SELECT p, count(*), sum(id) FROM {t} GROUP BY p ORDER BY p")) == \
        [["0", "4", "6"], ["1", "4", "46"]]
    assert len(parquet()) == 10
    # the files the compactions removed are younger than 7 days: kept
    assert changed(server, f"VACUUM {t}") == 0
    assert changed(server, f"VACUUM {t} RETAIN 0 HOURS DRY RUN") == 8
    assert len(parquet()) == 10
    assert changed(server, f"VACUUM {t} RETAIN 0 HOURS") == 8
    assert len(parquet()) == 2
    assert rows(sql(server, f"SELECT count(*) FROM {t}")) == [["8"]]
    replay = replayed(s3, t, tmp_path)
    assert sorted(json.loads(r)["id"] for r in replay["rows"]) == [0, 1, 2, 3, 10, 11, 12, 13]
    r = sql(server, "OPTIMIZE memory.main.nope", check=False)
    assert r.returncode == 2


def test_show_and_drop_schema(server, s3):
    ns = "dropme" + uuid.uuid4().hex[:8]
    sql(server, f"CREATE SCHEMA {ns}; CREATE TABLE {ns}.b AS SELECT 1 AS x; "
                f"CREATE TABLE {ns}.a (y INTEGER); CREATE VIEW {ns}.v AS SELECT 2 AS z")
    assert rows(sql(server, f"SHOW TABLES FROM {ns}")) == [["a"], ["b"], ["v"]]
    assert rows(sql(server, f"SET schema = '{ns}'; SHOW TABLES")) == [["a"], ["b"], ["v"]]
    got = rows(sql(server, "SHOW SCHEMAS"))
    assert ["memory", "main", "true"] in got and ["lake", ns, "false"] in got
    assert ["lake", "silver", "false"] in got
    assert rows(sql(server, f"DESCRIBE {ns}.v")) == [["z", "INTEGER", "YES", "", "", ""]]
    r = sql(server, f"DROP SCHEMA {ns}", check=False)
    assert r.returncode == 2 and "DROP...CASCADE" in r.stderr
    r = sql(server, "DROP SCHEMA silver", check=False)
    assert r.returncode == 2 and "cannot drop" in r.stderr
    sql(server, f"DROP SCHEMA {ns} CASCADE")
    assert keys(s3, f"{ns}/") == []
    r = sql(server, f"DROP SCHEMA {ns}", check=False)
    assert r.returncode == 2 and "does not exist" in r.stderr
    sql(server, f"DROP SCHEMA IF EXISTS {ns}")
    sql(server, f"CREATE SCHEMA {ns}; DROP SCHEMA {ns}")
    assert keys(s3, f"{ns}/") == []


@pytest.mark.parametrize("stmt", ["ALTER TABLE {t} ADD COLUMN c INTEGER", "OPTIMIZE {t}"])
def test_a_killed_maintenance_statement_leaves_the_previous_version(server, ns, stmt):
    t = f"{ns}.killed{stmt.split()[0].lower()}"
    sql(server, f"CREATE TABLE {t} AS SELECT 1 AS id; INSERT INTO {t} VALUES (2)")
    killed_before_commit(server, stmt.format(t=t))
    assert versions(server, t)[0][0] == 1
    got = sql(server, f"SELECT * FROM {t} ORDER BY id")
    assert got.stdout.splitlines()[0] == "id" and rows(got) == [["1"], ["2"]]


def test_concurrent_rewrites_lose_nothing(server, ns):
    """A DELETE and an UPDATE that rewrite the same files run at once: either
    both commit one after the other, or the one that loses the race fails with
    a Transaction Error (exit 1) and changes nothing; the rows always show
    exactly the statements that succeeded."""
    for round_ in range(3):
        t = f"{ns}.race{round_}"
        sql(server, f"CREATE TABLE {t} AS SELECT i AS id, 0 AS v FROM range(0, 40) t(i)")
        for k in range(1, 5):
            sql(server, f"INSERT INTO {t} SELECT i, 0 FROM range({k * 40}, {k * 40 + 40}) t(i)")
        stmts = [f"DELETE FROM {t} WHERE id % 2 = 0", f"UPDATE {t} SET v = v + 1 WHERE id % 3 = 0"]
        procs = [subprocess.Popen([lakehouse_bin(), "sql", "-q", "-c", q], env=lake_env(server),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for q in stmts]
        codes = []
        for p in procs:
            out, err = p.communicate(timeout=120)
            codes.append(p.returncode)
            assert p.returncode in (0, 1), err
            if p.returncode == 1:
                assert b"Transaction Error" in err, err
        assert 0 in codes
        deleted, updated = codes[0] == 0, codes[1] == 0
        want = sorted([i, 1 if updated and i % 3 == 0 else 0] for i in range(200)
                      if not (deleted and i % 2 == 0))
        got = sorted([int(a), int(b)] for a, b in rows(sql(server, f"SELECT id, v FROM {t}")))
        assert got == want, codes
