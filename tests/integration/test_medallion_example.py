"""The example pipeline examples/medallion/ against a real `lakehouse up`: a
small demo feed (`lakehouse demo generate`, 5,000 events over 2 hours plus 2
hours of lateness) goes through bronze, silver and gold, then `lakehouse sql`
checks that silver has no duplicate keys, silver + rejected + the dropped
duplicates reconcile with bronze, gold sums equal silver sums, and the
rejected counts per reason and the silver rows per hour match the
generator's manifest. Once with the SQL files run by `lakehouse sql -f`
(templates rendered here) on bronze written by `lakehouse ingest`, once with
the DAG itself, run by the orchestrator's catchup."""
import json
import re
import shutil
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from helpers.flow import flow_server, log, runs, tis, wait_run
from helpers.server import ROOT_AK, ROOT_SK, clean_env, lakehouse_bin

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "medallion"
HOURS, LATENESS = 2, 2
# a whole past hour: the window's end, so the window [END - 4h, END) has ended
END = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
START = END - timedelta(hours=HOURS + LATENESS)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def lake_env(srv):
    return clean_env({"AWS_ENDPOINT_URL": srv.s3_url, "AWS_ACCESS_KEY_ID": ROOT_AK,
                      "AWS_SECRET_ACCESS_KEY": ROOT_SK, "AWS_REGION": "us-east-1",
                      "KAFKA_BOOTSTRAP_SERVERS": srv.endpoints["kafka"]})


def run(srv, *args, timeout=180):
    return subprocess.run([lakehouse_bin(), *args], capture_output=True, text=True,
                          env=lake_env(srv), timeout=timeout, stdin=subprocess.DEVNULL)


def sql(srv, query):
    r = run(srv, "sql", "-q", "--format", "csv", "-c", query)
    assert r.returncode == 0, r.stdout + r.stderr
    return [line.split(",") for line in r.stdout.strip().splitlines()[1:]]


def generate(srv):
    r = run(srv, "demo", "generate", "--events", "5000", "--hours", str(HOURS), "--end-hour",
            iso(END), "--bootstrap-servers", srv.endpoints["kafka"])
    assert r.returncode == 0, r.stdout + r.stderr
    s3 = boto3.client("s3", endpoint_url=srv.s3_url, aws_access_key_id=ROOT_AK,
                      aws_secret_access_key=ROOT_SK, region_name="us-east-1",
                      config=Config(s3={"addressing_style": "path"}))
    body = s3.get_object(Bucket="lakehouse", Key="bronze/_demo/manifest.json")["Body"].read()
    return json.loads(body)


def render(path, start):
    """The .sql file with the template expressions it uses rendered as the
    orchestrator renders them for the run of [start, start + 1h)."""
    late = start + timedelta(hours=LATENESS)
    f = "%Y-%m-%d %H:%M:%S"
    values = {"ds": start.strftime("%Y-%m-%d"),
              "ts_format(ts_add(data_interval_start, params.lateness), '%F')":
                  late.strftime("%Y-%m-%d"),
              "ts_format(ts_add(data_interval_start, params.lateness), '%F %T')": late.strftime(f),
              "ts_format(data_interval_start, '%F %T')": start.strftime(f),
              "ts_format(data_interval_start, '%H')": start.strftime("%H"),
              "ts_format(data_interval_end, '%F %T')": (start + timedelta(hours=1)).strftime(f)}
    return re.sub(r"\{\{ (.*?) \}\}", lambda m: values[m.group(1)], path.read_text())


def check_lake(srv, manifest):
    """Everything the validate task asserts, asked again through `lakehouse sql`."""
    total, distinct = sql(srv, "SELECT count(*), count(DISTINCT (chain, tx_hash, log_index)) "
                               "FROM silver.chain_transfers")[0]
    assert total == distinct, "duplicate keys in silver"
    per_hour = dict(sql(srv, "SELECT strftime(date_trunc('hour', block_time), '%Y-%m-%dT%H:%M:%SZ'),"
                             " count(*) FROM silver.chain_transfers GROUP BY ALL"))
    rejected = {(h, r): int(n) for h, r, n in sql(
        srv, "SELECT strftime(interval_start, '%Y-%m-%dT%H:%M:%SZ'), reason, count(*) "
             "FROM silver.chain_transfers_rejected GROUP BY ALL")}
    hourly = manifest["hourly"]
    for i in range(HOURS):
        hour = hourly[i]["hour"]
        assert int(per_hour[hour]) == hourly[i]["counts"]["silver_rows"], hour
        for reason in ("malformed", "unknown_token", "overflow"):
            assert rejected.get((hour, reason), 0) == hourly[i]["counts"][reason], (hour, reason)
        assert (rejected.get((hour, "too_late"), 0)
                == hourly[i + LATENESS]["arrived"]["too_late"]), hour
    assert sum(rejected.values()) == sum(
        hourly[i]["counts"][k] for i in range(HOURS)
        for k in ("malformed", "unknown_token", "overflow")) + sum(
        hourly[i + LATENESS]["arrived"]["too_late"] for i in range(HOURS))
    gold = sql(srv, "SELECT sum(transfers), sum(volume) FROM gold.transfers_hourly")[0]
    silver = sql(srv, "SELECT count(*), sum(amount) FROM silver.chain_transfers")[0]
    assert gold == silver
    days = sorted({(START + timedelta(hours=i)).strftime("%Y-%m-%d") for i in range(HOURS)})
    tops = sql(srv, "SELECT ds, token, count(*), min(rank), max(rank) "
                    "FROM gold.top_addresses_daily GROUP BY ALL ORDER BY ALL")
    assert [t[:2] for t in tops] == [[d, k] for d in days
                                     for k in ("DAI", "LINK", "USDC", "USDT", "WBTC", "WETH")]
    assert all(t[2:] == ["10", "1", "10"] for t in tops), tops


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
    manifest = generate(srv)
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
            f.write_text(render(EXAMPLE / f"{name}.sql", START + timedelta(hours=h)))
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


def run_id(t):
    return "scheduled__" + t.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def test_the_dag_runs_the_pipeline(tmp_path):
    srv = flow_server(tmp_path, "medflow")
    try:
        manifest = generate(srv)
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
