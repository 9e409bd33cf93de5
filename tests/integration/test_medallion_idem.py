"""The medallion pipeline end to end and its idempotency, proved on copies
of one stopped data directory. The base: `lakehouse up --demo` on a fresh
data directory, small (20,000 events over 3 hours plus 2 of lateness, seed
42), until its demo has run the 3 intervals through the orchestrator and
printed gold; its lake is checked against the generator's manifest, its
tables recorded (the CSV bytes of `lakehouse sql ... ORDER BY ALL` and the
rows DuckDB reads from each table's current files), then it is stopped with
SIGTERM. Each test copies that directory, starts `lakehouse up` on the copy,
disturbs it (a clear, a delete, a backfill, reverse order, kill -9 of the
platform mid-backfill, a write killed before its commit, a second `up
--demo`) and asserts that every table reads exactly as the reference."""
import difflib
import json
import re
import shutil
import signal
import subprocess
import time
import uuid
from datetime import timedelta

import pytest

from helpers.flow import api, log, tis, wait_run
from helpers.medallion import (BUCKET, EXAMPLE, MANIFEST, HoldProxy, check_lake, cmdlines,
                               descendants, duckdb_rows, iso, kill_platform, lake_env, manifest,
                               parse_iso, render, run, run_id, s3, sql, sql_text)
from helpers.server import Server, lakehouse_bin, tail

EVENTS, HOURS, LATENESS, SEED = 20000, 3, 2, 42
DEMO = ["--demo", "--demo-events", str(EVENTS), "--demo-hours", str(HOURS), "--demo-seed",
        str(SEED)]
TABLES = ("gold.transfers_hourly", "gold.top_addresses_daily", "silver.chain_transfers",
          "silver.chain_transfers_rejected")
SQL_TASKS = ("bronze_to_silver", "silver_to_gold", "validate")
BRONZE = "bronze/chain_transfers/"
B2S = re.compile(r"rendered/medallion/(?P<run>[^/ ]+)/bronze_to_silver\.(?P<try>\d+)\.sql")


def b2s_sql(cmdline):
    """The match of B2S in a `lakehouse sql` process's command line; None for
    anything else, its supervisor (`lakehouse task-run ... -- lakehouse sql
    ...`) included: a supervisor can still be there just after its try was
    recorded as done, the sql process never is."""
    return None if " task-run " in cmdline else B2S.search(cmdline)


def wait_demo(srv, timeout=400):
    """Waits until the `demo run` of `up --demo` printed its end (the runs of
    the demo's intervals ended, gold printed); fails at its first error."""
    deadline = time.monotonic() + timeout
    while "The platform keeps serving" not in (text := srv.log()):
        errors = [ln for ln in text.splitlines() if ln.startswith("lakehouse demo: ")
                  and not ln.startswith("lakehouse demo: the medallion pipeline")]
        assert not errors and srv.running(), tail(text)
        assert time.monotonic() < deadline, "demo not done:\n" + tail(text)
        time.sleep(0.2)
    return text


def make_base(tmp):
    """`lakehouse up --demo` on a fresh data directory, once its demo is
    done: (the running server, the manifest)."""
    srv = Server(tmp / "base-data", tmp, name="base", extra_args=DEMO).start()
    try:
        text = wait_demo(srv)
        assert "generating the feed: 20000 events over 3 hours (seed 42)" in text, text
        assert "gold.transfers_hourly, summed over the demo's hours per token:" in text, text
        return srv, manifest(srv)
    except BaseException:
        srv.stop()
        raise


def intervals(m):
    start = parse_iso(m["window"]["start"])
    return [start + timedelta(hours=h) for h in range(HOURS)]


def wait_success(srv, rids, tries=None, tasks=SQL_TASKS):
    """Waits for each run to succeed; with tries ({rid: {task: try}}), also
    asserts that each of tasks tried again since then."""
    for rid in rids:
        got = wait_run(srv, "medallion", rid, timeout=240)
        now = tis(srv, "medallion", rid)
        failed = [k for k, v in now.items() if v["state"] == "failed"]
        assert got["state"] == "success", (
            {k: v["state"] for k, v in now.items()},
            [log(srv, "medallion", rid, k, now[k]["try_number"]) for k in failed])
        for task in tasks if tries else ():
            assert now[task]["try_number"] > tries[rid][task], (rid, task, now[task])


def try_numbers(srv, rids):
    return {rid: {k: v["try_number"] for k, v in tis(srv, "medallion", rid).items()}
            for rid in rids}


def snapshot(srv, dest):
    """Each table as `lakehouse sql` prints it (CSV, every column sorted) and
    as DuckDB reads the Parquet files of its latest Delta snapshot."""
    duck = duckdb_rows(srv, TABLES, dest)
    return {t: (sql_text(srv, f"SELECT * FROM {t} ORDER BY ALL"), duck[t][1]) for t in TABLES}


def listing(srv, prefix):
    """{key: ETag} of the objects under prefix, through the S3 API."""
    c = s3(srv)
    return {o["Key"]: o["ETag"] for page in c.get_paginator("list_objects_v2").paginate(
        Bucket=BUCKET, Prefix=prefix) for o in page.get("Contents", [])}


def topic_highs(srv):
    r = srv.cli("topic", "describe", "chain.transfers", "--json", "--data-dir", str(srv.data_dir),
                check=True)
    return [p["high"] for p in json.loads(r.stdout)["partitions"]]


def manifest_bytes(srv):
    return s3(srv).get_object(Bucket=BUCKET, Key=MANIFEST)["Body"].read()


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("medallion-base")
    srv, m = make_base(tmp)
    try:
        rids = [run_id(t) for t in intervals(m)]
        wait_success(srv, rids)
        check_lake(srv, m)
        ref = snapshot(srv, tmp / "ref")
        highs, raw = topic_highs(srv), manifest_bytes(srv)
        bronze = listing(srv, BRONZE)
    except BaseException:
        srv.stop()
        raise
    srv.check_clean_stop()
    return {"dir": srv.data_dir, "manifest": m, "rids": rids, "ref": ref, "highs": highs,
            "manifest_bytes": raw, "bronze": bronze}


def start_copy(base, make, tmp, name):
    """`lakehouse up` on a copy of the stopped base. The copy's DAG ends with
    the demo window (end_date), so an hour that turns during the test makes
    no new run that would let the lateness runs go on."""
    d = tmp / f"{name}-data"
    shutil.copytree(base["dir"], d)
    dag = d / "dags" / "medallion" / "medallion.yaml"
    last = parse_iso(base["manifest"]["window"]["end"]) - timedelta(hours=1)
    text = re.sub(r"^end_date:.*\n", "", dag.read_text(), flags=re.M)
    dag.write_text(re.sub(r"^(start_date:.*\n)", rf"\1end_date: {iso(last)}\n", text,
                          count=1, flags=re.M))
    return make(name, data_dir=d)


def assert_reference(srv, base, tmp):
    """Every table reads as the base's reference, through `lakehouse sql`
    and DuckDB; silver holds each key once."""
    total, distinct = sql(srv, "SELECT count(*), count(DISTINCT (chain, tx_hash, log_index)) "
                               "FROM silver.chain_transfers")[0]
    assert total == distinct, "duplicate keys in silver"
    got = snapshot(srv, tmp / f"check-{time.monotonic_ns()}")
    for t in TABLES:
        for i, reader in enumerate(("lakehouse sql", "DuckDB")):
            want, have = base["ref"][t][i], got[t][i]
            if reader == "lakehouse sql":
                want, have = want.splitlines(), have.splitlines()
            diff = list(difflib.unified_diff(want, have, "reference", "now", lineterm="", n=0))
            assert not diff, f"{t} read by {reader} differs:\n" + "\n".join(diff[:30])


def clear(srv, **body):
    r = api(srv, "POST", "/api/v1/dags/medallion/clearTaskInstances",
            {"dry_run": False, "only_failed": False, "reset_dag_runs": True, **body})
    assert r.status_code == 200, r.text
    return r.json()["task_instances"]


def backfill(srv, base):
    first, last = intervals(base["manifest"])[0], intervals(base["manifest"])[-1]
    r = api(srv, "POST", "/api/v1/backfills",
            {"dag_id": "medallion", "from_date": iso(first), "to_date": iso(last),
             "reprocess_behavior": "completed"})
    assert r.status_code == 200, r.text
    assert r.json()["num_runs"] == HOURS, r.json()


def test_the_base_run_matches_the_manifest_and_has_rows(base):
    """The base: the demo's intervals went topic -> bronze -> silver -> gold
    through the orchestrator and reconcile with the manifest (checked by the
    fixture with check_lake); every recorded table has rows, read alike by
    both readers."""
    for t in TABLES:
        csv, rows = base["ref"][t]
        assert len(csv.splitlines()) - 1 == len(rows) > 0, t
    start = parse_iso(base["manifest"]["window"]["start"])
    for h in range(HOURS + LATENESS):  # every hour's bronze, read over the S3 API
        prefix = BRONZE + (start + timedelta(hours=h)).strftime("ds=%Y-%m-%d/hour=%H/")
        names = {k[len(prefix):] for k in base["bronze"] if k.startswith(prefix)}
        assert {"_SUCCESS", "_ranges.json"} < names, (prefix, names)
        assert any(n.endswith(".jsonl.zst") for n in names), (prefix, names)


def test_clearing_one_interval_leaves_every_table_identical(base, server_factory, tmp_path):
    """Clearing every task of the middle interval (ingest replayed from
    _ranges.json, the sensor, the SQL tasks) and re-running it changes no
    byte of any table, nor of bronze (the replay rewrites the same objects)."""
    srv = start_copy(base, server_factory, tmp_path, "clear1")
    mid = base["rids"][1]
    before = try_numbers(srv, [mid])
    assert len(clear(srv, dag_run_id=mid)) == 5
    wait_success(srv, [mid], before)
    assert tis(srv, "medallion", mid)["ingest_bronze"]["try_number"] > before[mid]["ingest_bronze"]
    assert listing(srv, BRONZE) == base["bronze"]
    assert_reference(srv, base, tmp_path)


def test_deleting_silver_and_rerunning_the_range_restores_it(base, server_factory, tmp_path):
    """DELETE of silver and of the rejected rows, then bronze_to_silver and
    everything after it re-run for the 3 intervals: silver, rejected and gold
    are restored exactly."""
    srv = start_copy(base, server_factory, tmp_path, "resilver")
    for t in ("silver.chain_transfers", "silver.chain_transfers_rejected"):
        r = run(srv, "sql", "-q", "-c", f"DELETE FROM {t}")
        assert r.returncode == 0, r.stdout + r.stderr
        assert sql(srv, f"SELECT count(*) FROM {t}") == [["0"]]
    before = try_numbers(srv, base["rids"])
    first, last = intervals(base["manifest"])[0], intervals(base["manifest"])[-1]
    got = clear(srv, start_date=iso(first), end_date=iso(last), task_ids=["bronze_to_silver"],
                include_downstream=True)
    assert len(got) == HOURS * len(SQL_TASKS), got
    wait_success(srv, base["rids"], before)
    assert_reference(srv, base, tmp_path)


def test_a_backfill_over_the_range_equals_the_scheduled_runs(base, server_factory, tmp_path):
    """POST /api/v1/backfills over the 3 intervals, reprocessing completed
    runs: every task runs again and the tables are byte for byte the
    scheduled runs' tables."""
    srv = start_copy(base, server_factory, tmp_path, "backfill")
    before = try_numbers(srv, base["rids"])
    backfill(srv, base)
    wait_success(srv, base["rids"], before)
    assert_reference(srv, base, tmp_path)


def test_the_intervals_in_reverse_order_give_the_same_tables(base, server_factory, tmp_path):
    """Every silver and gold row deleted, then bronze_to_silver and
    silver_to_gold of the last interval re-run, then the middle one's, then
    the first's: the same tables (each key lands in one interval whatever
    the order, and the daily top addresses are recomputed from the whole
    day so far)."""
    srv = start_copy(base, server_factory, tmp_path, "reverse")
    for t in TABLES:
        r = run(srv, "sql", "-q", "-c", f"DELETE FROM {t}")
        assert r.returncode == 0, r.stdout + r.stderr
    for rid in reversed(base["rids"]):
        before = try_numbers(srv, [rid])
        tasks = ["bronze_to_silver", "silver_to_gold"]
        assert len(clear(srv, dag_run_id=rid, task_ids=tasks)) == 2
        wait_success(srv, [rid], before, tasks)
    assert_reference(srv, base, tmp_path)


def test_kill9_of_the_platform_mid_backfill_resumes_to_the_same_tables(base, server_factory,
                                                                       tmp_path):
    """kill -9 of the server and every task process while a bronze_to_silver
    of a backfill runs (its `lakehouse sql -f .../<run>/bronze_to_silver.<try>.sql`
    process seen under the server); restarted on the same directory, the
    backfill resumes, the lost try goes again, every run finishes, and the
    tables equal the undisturbed run's."""
    srv = start_copy(base, server_factory, tmp_path, "kill9")
    before = try_numbers(srv, base["rids"])
    backfill(srv, base)
    deadline = time.monotonic() + 120
    while not [c for c in cmdlines(descendants(srv.proc.pid)).values() if b2s_sql(c)]:
        assert time.monotonic() < deadline, "no bronze_to_silver of the backfill started"
        time.sleep(0.005)
    killed = [m for c in kill_platform(srv).values() if (m := b2s_sql(c))]
    assert killed, "the bronze_to_silver ended before the kill"
    srv.start()
    wait_success(srv, base["rids"], before)
    for m in killed:
        again = tis(srv, "medallion", m["run"])["bronze_to_silver"]
        assert again["try_number"] > int(m["try"]), (m.group(0), again)  # the lost try went again
    assert_reference(srv, base, tmp_path)


def test_a_write_killed_before_its_commit_leaves_the_table_intact(base, server_factory, tmp_path):
    """bronze_to_silver of the middle interval run by `lakehouse sql -f`
    through a proxy that holds silver's log put: the data files are in the
    bucket, the process is killed (SIGKILL) before its commit, the log did
    not move, every table reads as the reference, and a re-run after it
    still gives the reference."""
    srv = start_copy(base, server_factory, tmp_path, "midwrite")
    f = tmp_path / "bronze_to_silver.sql"
    f.write_text(render(EXAMPLE / "bronze_to_silver.sql", intervals(base["manifest"])[1]))
    prefix = "silver/chain_transfers/"
    old = listing(srv, prefix).keys()
    proxy = HoldProxy(srv.s3_hostport, rb"PUT /lakehouse/silver/chain_transfers/_delta_log/")
    env = lake_env(srv, {"AWS_ENDPOINT_URL": proxy.url})
    p = subprocess.Popen([lakehouse_bin(), "sql", "-q", "-f", str(f)], env=env,
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proxy.held.wait(180), p.communicate(timeout=60)
        p.send_signal(signal.SIGKILL)
        p.wait(60)
    finally:
        proxy.close()
    new = listing(srv, prefix).keys() - old
    assert any(k.endswith(".parquet") for k in new), new  # written, not committed
    assert not any("_delta_log/" in k for k in new), new
    assert_reference(srv, base, tmp_path)
    r = run(srv, "sql", "-q", "-f", str(f))
    assert r.returncode == 0, r.stdout + r.stderr
    assert_reference(srv, base, tmp_path)


def test_a_second_up_demo_resumes_without_generating(base, server_factory, tmp_path):
    """`lakehouse up --demo` again on a copy of the base, with other demo
    flags: the demo resumes with the manifest's window (no second
    generation: the topic's high watermarks and the manifest's bytes are
    unchanged), leaves the installed DAG alone, finds its runs done, and
    every table is unchanged."""
    d = tmp_path / "again-data"
    shutil.copytree(base["dir"], d)
    dag = {p.name: p.stat().st_mtime_ns for p in (d / "dags" / "medallion").iterdir()}
    flags = ["--demo", "--demo-events", "500", "--demo-hours", "1", "--demo-seed", "7"]
    srv = server_factory("again", data_dir=d, extra_args=flags)
    text = wait_demo(srv, 200)
    assert "resuming the demo already in this data directory: 20000 events, 3 hours" in text
    assert "generating the feed" not in text, text
    assert topic_highs(srv) == base["highs"]
    assert manifest_bytes(srv) == base["manifest_bytes"]
    assert {p.name: p.stat().st_mtime_ns for p in (d / "dags" / "medallion").iterdir()} == dag
    assert_reference(srv, base, tmp_path)


def test_create_if_not_exists_that_loses_the_race_to_create_is_no_error(server, tmp_path):
    """The medallion's first runs start together on a fresh lake, each with
    CREATE TABLE IF NOT EXISTS silver...: a create that found no table but
    lost the race to write its first commit is no error. Process A's put of
    the log's version 0 is held by a proxy while process B creates the
    table; released, A's put-if-absent fails, A goes on (exit 0) and its
    next statement writes to the table B made."""
    t = f"silver.race_{uuid.uuid4().hex[:8]}"
    create = f"CREATE TABLE IF NOT EXISTS {t} (id INTEGER, ds DATE) PARTITIONED BY (ds); "
    proxy = HoldProxy(server.s3_hostport, rb"PUT /lakehouse/%s/_delta_log/0{20}\.json"
                      % t.replace(".", "/").encode())
    a = subprocess.Popen([lakehouse_bin(), "sql", "-q", "-c",
                          create + f"INSERT INTO {t} VALUES (1, DATE '2026-12-05')"],
                         env=lake_env(server, {"AWS_ENDPOINT_URL": proxy.url}),
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    try:
        assert proxy.held.wait(120), a.communicate(timeout=60)
        r = run(server, "sql", "-q", "-c",
                create + f"INSERT INTO {t} VALUES (2, DATE '2026-12-05')")
        assert r.returncode == 0, r.stdout + r.stderr
        proxy.release()
        out, err = a.communicate(timeout=120)
    finally:
        proxy.close()
        if a.poll() is None:
            a.kill()
            a.wait()
    assert a.returncode == 0, out + err
    assert sql(server, f"SELECT id FROM {t} ORDER BY id") == [["1"], ["2"]]
