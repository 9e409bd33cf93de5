"""The example pipeline examples/medallion/ against a real `lakehouse up`: a
small demo feed (`lakehouse demo generate`, 5,000 events over 2 hours plus 2
hours of lateness) goes through bronze, silver and gold, then `lakehouse sql`
checks that silver has no duplicate keys, silver + rejected + the dropped
duplicates reconcile with bronze, gold sums equal silver sums, and the
rejected counts per reason and the silver rows per hour match the
generator's manifest, with the SQL files run by `lakehouse sql -f`
(templates rendered here) on bronze written by `lakehouse ingest`; then a
feed of lines the demo does not make (a line without a field whose block
time is another hour than its Kafka timestamp's, too-late lines that are
not valid or not JSON, a replay) lands line for line where the rules say and
validates. The DAG itself, run by the orchestrator from `lakehouse up
--demo`, is test_medallion_idem.py's base."""
import json
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from helpers.flow import flow_server
from helpers.medallion import EXAMPLE, check_lake, generate, iso, render, run, sql
from helpers.server import clean_env, lakehouse_bin

kafka = pytest.importorskip("kafka")

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


def transfer(t, token="USDC", tx="0xa1", without=()):
    """A transfer's JSON value with its block time t, the fields in without left out."""
    v = {"chain": "ethereum", "block_number": 19000000, "block_time": iso(t), "tx_hash": tx,
         "log_index": 0, "token": token, "from": "0xf0", "to": "0x70", "amount": "1000",
         "gas": 21000}
    return json.dumps({k: x for k, x in v.items() if k not in without}).encode()


def test_every_line_lands_once_whatever_is_wrong_with_it(tmp_path):
    """A feed's lines the demo does not make, on one partition, each in the
    bronze interval its offset puts it in: a valid JSON line without a field
    but with a block time another hour than its Kafka timestamp's, too-late
    lines with an unknown token and that are not JSON, a replay. Each lands
    exactly once (silver, rejected, or dropped as a duplicate), in the
    interval of its block time (of its Kafka timestamp without one), and
    validate (without its check against the demo's manifest) passes."""
    srv = flow_server(tmp_path, "edge")
    try:
        h = [START + timedelta(hours=i) for i in range(HOURS + LATENESS)]
        m = timedelta(minutes=1)
        records = [  # (Kafka timestamp, value), in offset order
            (h[0] + 10 * m, transfer(h[0] + 10 * m)),                   # silver of h0
            (h[1] + 5 * m, transfer(h[0] + 5 * m, tx="0xb2", without=("gas",))),
            (h[1] + 10 * m, transfer(h[0] + 10 * m)),                   # a replay: dropped
            (h[1] + 30 * m, b"not json {"),                             # malformed in h1
            (h[2] + 1 * m, transfer(h[0] + 1 * m, token="XYZ", tx="0xc4")),  # unknown in h0
            (h[3] + 1 * m, transfer(h[3] + 1 * m, tx="0xd5")),          # the hour after
            (h[0] + 2 * m, transfer(h[0] + 2 * m, token="XYZ", tx="0xe6")),  # too late
            (h[0] + 40 * m, b"{\"truncated\": "),                      # too late, no time
            (h[0] + 20 * m, transfer(h[0] + 20 * m, tx="0xf8")),        # too late, valid
        ]
        srv.cli("topic", "create", "chain.transfers", "--partitions", "1", "-b",
                srv.endpoints["kafka"], check=True)
        prod = kafka.KafkaProducer(bootstrap_servers=srv.endpoints["kafka"], acks="all")
        for ts, value in records:
            prod.send("chain.transfers", value=value, partition=0,
                      timestamp_ms=int(ts.timestamp() * 1000)).get(30)
        prod.close()
        for s in h:
            r = run(srv, "ingest", "--topic", "chain.transfers", "--start", iso(s), "--end",
                    iso(s + timedelta(hours=1)), "--prefix",
                    "s3://lakehouse/bronze/chain_transfers", "--idle-timeout", "2s")
            assert r.returncode == 0, r.stdout + r.stderr
        for i in (1, 0):
            for name in ("bronze_to_silver", "silver_to_gold", "validate"):
                text = render(EXAMPLE / f"{name}.sql", h[i], LATENESS)
                if name == "validate":  # another feed: no manifest to compare with
                    assert "-- 4. rejected counts" in text
                    text = text[:text.index("-- 4. rejected counts")]
                f = tmp_path / f"{name}-{i}.sql"
                f.write_text(text)
                r = run(srv, "sql", "-f", str(f))
                assert r.returncode == 0, f"{name} {i}: {r.stdout}{r.stderr}"
        assert sql(srv, "SELECT tx_hash, block_time FROM silver.chain_transfers") == [
            ["0xa1", (h[0] + 10 * m).strftime("%Y-%m-%d %H:%M:%S")]]
        got = sql(srv, "SELECT strftime(interval_start, '%H'), reason, "
                       "coalesce(tx_hash, CAST(length(raw) AS VARCHAR)) "
                       "FROM silver.chain_transfers_rejected ORDER BY ALL")
        want = sorted([[h[0].strftime("%H"), "malformed", "0xb2"],
                       [h[0].strftime("%H"), "unknown_token", "0xc4"],
                       [h[1].strftime("%H"), "malformed", "10"],
                       [h[1].strftime("%H"), "too_late", "0xe6"],
                       [h[1].strftime("%H"), "too_late", "14"],
                       [h[1].strftime("%H"), "too_late", "0xf8"]])
        assert got == want
    finally:
        srv.check_clean_stop()
