"""The example pipeline examples/medallion/ against a real `lakehouse up`: a
small demo feed (`lakehouse demo generate`, 5,000 events over 2 hours plus 2
hours of lateness) goes through bronze, silver and gold, then `lakehouse sql`
checks that silver has no duplicate keys, silver + rejected + the dropped
duplicates reconcile with bronze, gold sums equal silver sums, and the
rejected counts per reason and the silver rows per hour match the
generator's manifest. Once with the SQL files run by `lakehouse sql -f`
(templates rendered here) on bronze written by `lakehouse ingest`, once with
the DAG itself, run by the orchestrator's catchup."""
import shutil
import subprocess
import time
from datetime import datetime, timedelta, timezone

import pytest

from helpers.flow import flow_server, log, runs, tis, wait_run
from helpers.medallion import EXAMPLE, check_lake, generate, iso, render, run, run_id, sql
from helpers.server import clean_env, lakehouse_bin

HOURS, LATENESS = 2, 2
# a whole past hour: the window's end, so the window [END - 4h, END) has ended
END = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
START = END - timedelta(hours=HOURS + LATENESS)


@pytest.fixture(scope="module")
def direct(tmp_path_factory):
    srv = flow_server(tmp_path_factory.mktemp("medallion-sql"), "medsql")
    yield srv
    srv.check_clean_stop()


def test_the_dag_validates():
    r = subprocess.run([lakehouse_bin(), "dag", "validate", str(EXAMPLE / "medallion.yaml")],
                       capture_output=True, text=True, env=clean_env(), timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith("ok medallion (5 tasks"), r.stdout


def test_sql_files_on_ingested_bronze(direct, tmp_path):
    srv = direct
    manifest = generate(srv, 5000, HOURS, END)
    for h in range(HOURS + LATENESS):
        s = START + timedelta(hours=h)
        r = run(srv, "ingest", "--topic", "chain.transfers", "--start", iso(s), "--end",
                iso(s + timedelta(hours=1)), "--prefix", "s3://lakehouse/bronze/chain_transfers",
                "--idle-timeout", "2s")
        assert r.returncode == 0, r.stdout + r.stderr
    # the intervals in reverse order: each key lands in one interval whatever the order
    for h in reversed(range(HOURS)):
        for name in ("bronze_to_silver", "silver_to_gold", "validate"):
            f = tmp_path / f"{name}-{h}.sql"
            f.write_text(render(EXAMPLE / f"{name}.sql", START + timedelta(hours=h), LATENESS))
            r = run(srv, "sql", "-f", str(f))
            assert r.returncode == 0, f"{name} {h}: {r.stdout}{r.stderr}"
    check_lake(srv, manifest)
    gold = ("SELECT * FROM gold.transfers_hourly ORDER BY ALL",
            "SELECT * FROM gold.top_addresses_daily ORDER BY ALL")
    before = [sql(srv, q) for q in gold]
    # a re-run of the first interval leaves gold as it was
    for name in ("bronze_to_silver", "silver_to_gold", "validate"):
        r = run(srv, "sql", "-f", str(tmp_path / f"{name}-0.sql"))
        assert r.returncode == 0, f"{name}: {r.stdout}{r.stderr}"
    assert [sql(srv, q) for q in gold] == before
    check_lake(srv, manifest)
    # validate fails through error(...) when silver lost a row
    sql(srv, "DELETE FROM silver.chain_transfers WHERE block_time = (SELECT min(block_time) "
             "FROM silver.chain_transfers)")
    r = run(srv, "sql", "-f", str(tmp_path / "validate-0.sql"))
    assert r.returncode == 2, r.stdout + r.stderr
    assert "bronze does not reconcile" in r.stderr, r.stderr


def test_the_dag_runs_the_pipeline(tmp_path):
    srv = flow_server(tmp_path, "medflow")
    try:
        manifest = generate(srv, 5000, HOURS, END)
        # the window's intervals and the lateness after them: the runs of the
        # first HOURS intervals wait for the bronze of the LATENESS after them
        text = (EXAMPLE / "medallion.yaml").read_text()
        text = text.replace("start_date: 2026-12-01",
                            f"start_date: {iso(START)}\n"
                            f"end_date: {iso(START + timedelta(hours=HOURS + LATENESS - 1))}")
        for old, new in (("poke_interval: 5s", "poke_interval: 1s"),
                         ("retry_delay: 30s", "retry_delay: 2s")):
            assert old in text, old
            text = text.replace(old, new)
        assert f"start_date: {iso(START)}" in text
        dag = srv.dags_dir / "medallion"
        shutil.copytree(EXAMPLE, dag)
        (dag / "medallion.yaml").write_text(text)
        for h in range(HOURS):
            rid = run_id(START + timedelta(hours=h))
            for _ in range(600):  # the folder watcher and catchup create it
                if any(r["dag_run_id"] == rid for r in runs(srv, "medallion")):
                    break
                time.sleep(0.2)
            got = wait_run(srv, "medallion", rid, timeout=240)
            states = {k: v["state"] for k, v in tis(srv, "medallion", rid).items()}
            failed = [k for k, v in states.items() if v == "failed"]
            assert got["state"] == "success", (
                states, [log(srv, "medallion", rid, k, 1) for k in failed])
        check_lake(srv, manifest)
    except BaseException:
        srv.stop()
        raise
    srv.check_clean_stop()
