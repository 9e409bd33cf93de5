"""Helpers for the medallion pipeline's tests (examples/medallion/): the
`lakehouse` CLI as a client of the lake, the demo generator and its
manifest, the .sql files rendered as the orchestrator renders them, the
checks the validate task makes asked again through `lakehouse sql`, a
table's contents as DuckDB reads its current files, and the crash tools of
the idempotency tests: kill -9 of the whole platform, and a proxy that
holds one S3 request."""
import json
import os
import re
import signal
import socket
import subprocess
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from helpers import clients
from helpers.server import ROOT_AK, ROOT_SK, clean_env, lakehouse_bin

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "medallion"
JS = Path(__file__).resolve().parents[2] / "js"
BUCKET = "lakehouse"
MANIFEST = "bronze/_demo/manifest.json"
TOKENS = ("DAI", "LINK", "USDC", "USDT", "WBTC", "WETH")


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(s):
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def run_id(t):
    return "scheduled__" + t.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def lake_env(srv, extra=None):
    return clean_env({"AWS_ENDPOINT_URL": srv.s3_url, "AWS_ACCESS_KEY_ID": ROOT_AK,
                      "AWS_SECRET_ACCESS_KEY": ROOT_SK, "AWS_REGION": "us-east-1",
                      "KAFKA_BOOTSTRAP_SERVERS": srv.endpoints["kafka"], **(extra or {})})


def run(srv, *args, timeout=180):
    return subprocess.run([lakehouse_bin(), *args], capture_output=True, text=True,
                          env=lake_env(srv), timeout=timeout, stdin=subprocess.DEVNULL)


def sql_text(srv, query):
    """The CSV `lakehouse sql` prints for query, header included."""
    r = run(srv, "sql", "-q", "--format", "csv", "-c", query)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def sql(srv, query):
    return [line.split(",") for line in sql_text(srv, query).strip().splitlines()[1:]]


def s3(srv):
    return boto3.client("s3", endpoint_url=srv.s3_url, aws_access_key_id=ROOT_AK,
                        aws_secret_access_key=ROOT_SK, region_name="us-east-1",
                        config=Config(s3={"addressing_style": "path"}))


def manifest(srv):
    body = s3(srv).get_object(Bucket=BUCKET, Key=MANIFEST)["Body"].read()
    return json.loads(body)


def generate(srv, events, hours, end, seed=42):
    """`lakehouse demo generate` for the window ending at the whole hour end;
    returns the manifest it wrote."""
    r = run(srv, "demo", "generate", "--events", str(events), "--hours", str(hours), "--seed",
            str(seed), "--end-hour", iso(end), "--bootstrap-servers", srv.endpoints["kafka"])
    assert r.returncode == 0, r.stdout + r.stderr
    return manifest(srv)


def render(path, start, lateness=2):
    """The .sql file with the template expressions it uses rendered as the
    orchestrator renders them for the run of [start, start + 1h)."""
    late = start + timedelta(hours=lateness)
    f = "%Y-%m-%d %H:%M:%S"
    values = {"ds": start.strftime("%Y-%m-%d"),
              "ts_format(ts_add(data_interval_start, params.lateness), '%F')":
                  late.strftime("%Y-%m-%d"),
              "ts_format(ts_add(data_interval_start, params.lateness), '%F %T')": late.strftime(f),
              "ts_format(data_interval_start, '%F %T')": start.strftime(f),
              "ts_format(data_interval_start, '%H')": start.strftime("%H"),
              "ts_format(data_interval_end, '%F %T')": (start + timedelta(hours=1)).strftime(f)}
    return re.sub(r"\{\{ (.*?) \}\}", lambda m: values[m.group(1)], path.read_text())


def check_rejected(srv, hourly, hours, lateness):
    rejected = {(h, r): int(n) for h, r, n in sql(
        srv, "SELECT strftime(interval_start, '%Y-%m-%dT%H:%M:%SZ'), reason, count(*) "
             "FROM silver.chain_transfers_rejected GROUP BY ALL")}
    for i in range(hours):
        hour = hourly[i]["hour"]
        for reason in ("malformed", "unknown_token", "overflow"):
            assert rejected.get((hour, reason), 0) == hourly[i]["counts"][reason], (hour, reason)
        assert (rejected.get((hour, "too_late"), 0)
                == hourly[i + lateness]["arrived"]["too_late"]), hour
    assert sum(rejected.values()) == sum(
        hourly[i]["counts"][k] for i in range(hours)
        for k in ("malformed", "unknown_token", "overflow")) + sum(
        hourly[i + lateness]["arrived"]["too_late"] for i in range(hours))


def check_lake(srv, manifest):
    """Everything the validate task asserts, asked again through `lakehouse
    sql`, for the intervals of the manifest's window."""
    hours, lateness, hourly = manifest["hours"], manifest["lateness_hours"], manifest["hourly"]
    total, distinct = sql(srv, "SELECT count(*), count(DISTINCT (chain, tx_hash, log_index)) "
                               "FROM silver.chain_transfers")[0]
    assert total == distinct, "duplicate keys in silver"
    per_hour = dict(sql(srv, "SELECT strftime(date_trunc('hour', block_time), "
                             "'%Y-%m-%dT%H:%M:%SZ'), count(*) FROM silver.chain_transfers "
                             "GROUP BY ALL"))
    for i in range(hours):
        assert int(per_hour[hourly[i]["hour"]]) == hourly[i]["counts"]["silver_rows"], i
    check_rejected(srv, hourly, hours, lateness)
    gold = sql(srv, "SELECT sum(transfers), sum(volume) FROM gold.transfers_hourly")[0]
    silver = sql(srv, "SELECT count(*), sum(amount) FROM silver.chain_transfers")[0]
    assert gold == silver
    start = parse_iso(manifest["window"]["start"])
    days = sorted({(start + timedelta(hours=i)).strftime("%Y-%m-%d") for i in range(hours)})
    tops = sql(srv, "SELECT ds, token, count(*), min(rank), max(rank) "
                    "FROM gold.top_addresses_daily GROUP BY ALL ORDER BY ALL")
    assert [t[:2] for t in tops] == [[d, k] for d in days for k in TOKENS]
    assert all(t[2:] == ["10", "1", "10"] for t in tops), tops


def duckdb_rows(srv, tables, dest):
    """Each table's objects copied out of the bucket into dest/<table>, its
    log replayed and its current files read by DuckDB, in one
    tests/js/delta_duckdb.mjs: {table: (version, sorted rows as DuckDB's JSON)}."""
    node = clients.need("node")
    if not (JS / "node_modules" / "@duckdb" / "node-api" / "package.json").exists():
        pytest.skip("tests/js/node_modules missing: run `npm ci` in tests/js")
    c = s3(srv)
    for t in tables:
        prefix = t.replace(".", "/") + "/"
        for page in c.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
            for o in page.get("Contents", []):
                p = Path(dest) / t / o["Key"][len(prefix):]
                p.parent.mkdir(parents=True, exist_ok=True)
                c.download_file(BUCKET, o["Key"], str(p))
    r = clients.run([node, str(JS / "delta_duckdb.mjs"), "--each",
                     *(str(Path(dest) / t) for t in tables)], cwd=str(JS), check=False,
                    timeout=120)
    assert r.returncode == 0, f"delta_duckdb.mjs failed:\n{r.stdout}\n{r.stderr}"
    got = [json.loads(line) for line in r.stdout.splitlines()]
    return {t: (g["version"], g["rows"]) for t, g in zip(tables, got, strict=True)}


def descendants(pid):
    """The pids whose parent chain leads to pid (from /proc)."""
    parent = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    parent[int(d)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    out, todo = set(), [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parent.items() if pp == p and c not in out]
        out.update(kids)
        todo.extend(kids)
    return out


def kill_platform(srv):
    """kill -9 of the whole platform: the server, its task launcher, every
    task supervisor and task. Each is stopped first (SIGSTOP: no more forks),
    so the tree is complete, then every one gets SIGKILL."""
    os.kill(srv.proc.pid, signal.SIGSTOP)
    stopped = set()
    while new := descendants(srv.proc.pid) - stopped:
        for p in new:
            try:
                os.kill(p, signal.SIGSTOP)
            except ProcessLookupError:
                pass
        stopped |= new
    srv.kill()
    for p in stopped:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return stopped


class HoldProxy:
    """A TCP proxy to an S3 endpoint that forwards everything until a
    request line matches pattern; then it sets held and forwards nothing
    more on that connection until release() (the request has not reached
    the server), or ever, after close()."""

    def __init__(self, target, pattern):
        self.target, self.pattern = target, re.compile(pattern)
        self.held, self.go = threading.Event(), threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.conns = []
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            host, port = self.target.rsplit(":", 1)
            s = socket.create_connection((host, int(port)))
            self.conns += [c, s]
            threading.Thread(target=self.pump, args=(c, s, True), daemon=True).start()
            threading.Thread(target=self.pump, args=(s, c, False), daemon=True).start()

    def pump(self, src, dst, watch):
        tail = b""
        try:
            while data := src.recv(65536):
                if watch and not self.held.is_set() and self.pattern.search(tail + data):
                    self.held.set()
                    self.go.wait()
                tail = data[-200:]
                dst.sendall(data)
        except OSError:
            pass

    def release(self):
        self.go.set()

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()
        self.go.set()  # the held request goes nowhere: its sockets are closed
