"""`lakehouse ingest` and the `ingest` task type against a real `lakehouse up`:
records produced (kafka-python) with explicit timestamps over three hours to
a 3-partition topic (one partition left empty, a late record, a malformed
payload, a binary key) are copied hour by hour into bronze; the three hours'
lines together hold every record of the window exactly once (consecutive
intervals tile the log); _ranges.json and _SUCCESS are written; a replay
of the middle hour rewrites the same bytes and removes a stray object;
`lakehouse sql` reads the .jsonl.zst files; --warm-cache leaves in the scan
cache exactly the rows read_json reads from the objects; and a DAG with an
ingest task, run by the orchestrator, writes the same objects (and warms the
platform's scan cache with warm_cache: true)."""
import codecs
import json
import os
import subprocess
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from helpers import clients
from helpers.flow import flow_server, runs, wait_runs
from helpers.server import REPO, ROOT_AK, ROOT_SK, clean_env, glibc_tunables, lakehouse_bin

kafka = pytest.importorskip("kafka")

JS = Path(__file__).resolve().parents[1] / "js"

TOPIC = "chain.transfers"
BASE = 1733392800000  # 2024-12-05T10:00:00Z
HOUR = 3600000
HOURS = ["2024-12-05T10:00:00Z", "2024-12-05T11:00:00Z", "2024-12-05T12:00:00Z",
         "2024-12-05T13:00:00Z"]
PREFIX = "bronze/chain_transfers"

# (partition, timestamp offset from BASE in ms, key, value); partition 2 stays empty
RECORDS = [
    (0, 1000, b"a", b'{"n":1}'),
    (1, 2000, None, b'{"n":2}'),
    (0, HOUR + 5, b"b", b'{"n":3}'),
    (0, 3000, b"late", b'{"n":4,"late":true}'),  # produced after a newer one
    (1, HOUR + 10, b"\xff\x00k", b"not json {"),  # binary key, malformed payload
    (0, 2 * HOUR + 1, None, "é \"quoted\"\n\t".encode()),
    (1, 2 * HOUR + 7, b"c", b'{"n":7}'),
    (1, 2 * HOUR + 8, "ключ".encode(), 'tab\t"q" \\ é € \x01\x7f'.encode()),  # escaped, as is
    (0, 2 * HOUR + 9, b"d", b"\x01\x02\xfe"),
    (0, 3 * HOUR + 1, b"next", b'{"after":"window"}'),  # fixes O(end) of the last hour
]


def s3_client(srv):
    return boto3.client("s3", endpoint_url=srv.s3_url, aws_access_key_id=ROOT_AK,
                        aws_secret_access_key=ROOT_SK, region_name="us-east-1",
                        config=Config(s3={"addressing_style": "path"}))


def task_env(srv):
    return clean_env({"AWS_ENDPOINT_URL": srv.s3_url, "AWS_ACCESS_KEY_ID": ROOT_AK,
                      "AWS_SECRET_ACCESS_KEY": ROOT_SK, "AWS_REGION": "us-east-1",
                      "KAFKA_BOOTSTRAP_SERVERS": srv.endpoints["kafka"]})


def ingest(srv, hour, *extra, prefix=PREFIX, env=None, env_extra=None):
    return subprocess.run([lakehouse_bin(), "ingest", "--topic", TOPIC, "--start", HOURS[hour],
                           "--end", HOURS[hour + 1], "--prefix", f"s3://lakehouse/{prefix}",
                           "--idle-timeout", "2s", *extra], capture_output=True, text=True,
                          env={**(env or task_env(srv)), **(env_extra or {})}, timeout=120,
                          stdin=subprocess.DEVNULL)


def produce(srv):
    """Produces RECORDS in order; returns {(partition, offset): record}."""
    srv.cli("topic", "create", TOPIC, "--partitions", "3", "-b", srv.endpoints["kafka"],
            check=True)
    prod = kafka.KafkaProducer(bootstrap_servers=srv.endpoints["kafka"], acks="all")
    want = {}
    for p, dt, k, v in RECORDS:
        md = prod.send(TOPIC, value=v, key=k, partition=p, timestamp_ms=BASE + dt).get(30)
        want[(p, md.offset)] = (BASE + dt, k, v)
    prod.close()
    return want


def objects(s3, prefix):
    out = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket="lakehouse", Prefix=prefix):
        for o in page.get("Contents", []):
            out[o["Key"][len(prefix):]] = o["ETag"]
    return out


def lines(s3, key):
    body = s3.get_object(Bucket="lakehouse", Key=key)["Body"].read()
    text = subprocess.run(["zstd", "-dc"], input=body, capture_output=True, check=True).stdout
    return [json.loads(x) for x in text.decode().splitlines()]


codecs.register_error("bronze", lambda e: ("".join(map(chr, e.object[e.start:e.end])), e.end))


def bronze(b):
    """What a bronze string holds for bytes b: UTF-8 kept, other bytes as U+0080..U+00FF,
    NUL as U+FFFD."""
    return None if b is None else b.decode("utf-8", errors="bronze").replace("\0", "\ufffd")


def hour_prefix(hour, prefix=PREFIX):
    return f"{prefix}/ds=2024-12-05/hour={10 + hour:02d}/"


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ingest")
    srv = flow_server(tmp, "ingest")
    want = produce(srv)
    yield srv, want
    srv.check_clean_stop()


def test_three_hours_tile_the_log(lake):
    srv, want = lake
    s3 = s3_client(srv)
    for h in range(3):
        r = ingest(srv, h)
        assert r.returncode == 0, r.stdout + r.stderr
    got, ranges = [], []
    for h in range(3):
        objs = objects(s3, hour_prefix(h))
        assert "_SUCCESS" in objs and "_ranges.json" in objs, objs
        rs = json.loads(s3.get_object(Bucket="lakehouse",
                                      Key=hour_prefix(h) + "_ranges.json")["Body"].read())
        assert rs["topic"] == TOPIC and rs["start"] == BASE + h * HOUR
        assert [p["partition"] for p in rs["partitions"]] == [0, 1, 2]  # the empty one too
        ranges.append({p["partition"]: (p["first"], p["end"]) for p in rs["partitions"]})
        for name in objs:
            if name.endswith(".jsonl.zst"):
                got += lines(s3, hour_prefix(h) + name)
    for h in range(2):  # each interval starts where the one before ended
        for p in range(3):
            assert ranges[h][p][1] == ranges[h + 1][p][0], (h, p, ranges)
    assert ranges[2][2] == (0, 0)
    in_window = {k: v for k, v in want.items() if v[0] < BASE + 3 * HOUR}
    seen = [(x["partition"], x["offset"]) for x in got]
    assert len(seen) == len(set(seen)), "a record twice"
    assert set(seen) == set(in_window)
    for x in got:
        ts, k, v = in_window[(x["partition"], x["offset"])]
        assert x["timestamp"] == ts
        assert x["key"] == bronze(k)
        assert x["value"] == bronze(v)
    late = [x for x in got if x["key"] == "late"][0]
    assert late["offset"] >= ranges[1][0][0]  # read with the hour it arrived in


def test_parts_leave_no_temporary_file(lake, tmp_path):
    # each part goes through a temporary file of TMPDIR (written by direct
    # I/O, then uploaded): unnamed where the file system can, else removed
    srv, _ = lake
    env = dict(task_env(srv), TMPDIR=str(tmp_path))
    r = ingest(srv, 0, prefix="bronze/tmpfiles", env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "wrote s3://lakehouse/bronze/tmpfiles/" in r.stdout, r.stdout
    assert list(tmp_path.iterdir()) == []
    s3 = s3_client(srv)
    parts = [k for k in objects(s3, "bronze/tmpfiles/") if k.endswith(".jsonl.zst")]
    assert parts and all(lines(s3, "bronze/tmpfiles/" + k) for k in parts)


def test_replay_rewrites_the_same_bytes_and_drops_strays(lake):
    srv, _ = lake
    s3 = s3_client(srv)
    before = objects(s3, hour_prefix(1))
    bodies = {k: s3.get_object(Bucket="lakehouse", Key=hour_prefix(1) + k)["Body"].read()
              for k in before}
    s3.put_object(Bucket="lakehouse", Key=hour_prefix(1) + "part-p9-0-99.jsonl.zst", Body=b"x")
    r = ingest(srv, 1)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "replay" in r.stdout
    after = objects(s3, hour_prefix(1))
    assert after == before
    for k, b in bodies.items():
        assert s3.get_object(Bucket="lakehouse", Key=hour_prefix(1) + k)["Body"].read() == b


def test_sql_reads_the_bronze_files(lake):
    srv, want = lake
    env = task_env(srv)
    q = (f"SELECT count(*) AS n, count(DISTINCT \"offset\") AS o FROM "
         f"read_json('s3://lakehouse/{PREFIX}/**/*.jsonl.zst') WHERE \"partition\" = 0")
    r = subprocess.run([lakehouse_bin(), "sql", "-c", q, "--format", "csv"], capture_output=True,
                       text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    n = sum(1 for (p, _), v in want.items() if p == 0 and v[0] < BASE + 3 * HOUR)
    assert r.stdout.strip().splitlines()[-1] == f"{n},{n}", r.stdout


def test_duckdb_reads_the_bronze_files(lake, tmp_path):
    srv, want = lake
    node = clients.need("node")
    if not (JS / "node_modules" / "@duckdb" / "node-api" / "package.json").exists():
        pytest.skip("tests/js/node_modules missing: run `npm ci` in tests/js")
    s3 = s3_client(srv)
    for h in range(3):
        for name in objects(s3, hour_prefix(h)):
            if name.endswith(".jsonl.zst"):
                s3.download_file("lakehouse", hour_prefix(h) + name, str(tmp_path / f"{h}-{name}"))
    q = (f"SELECT count(*), count(DISTINCT \"offset\" * 10 + \"partition\"), "
         f"count(*) FILTER (WHERE key IS NULL) FROM read_json('{tmp_path}/*.jsonl.zst')")
    r = clients.run([node, str(JS / "duckdb_script.mjs"), q], cwd=str(JS), check=False,
                    timeout=120)
    assert r.returncode == 0, r.stderr
    in_window = [v for v in want.values() if v[0] < BASE + 3 * HOUR]
    nulls = sum(1 for v in in_window if v[1] is None)
    assert json.loads(r.stdout) == [[[str(len(in_window)), str(len(in_window)), str(nulls)]]]


COLUMNS = ("columns = {'partition': 'INTEGER', 'offset': 'BIGINT', 'timestamp': 'BIGINT', "
           "'key': 'VARCHAR', 'value': 'VARCHAR'}")


def as_is(b):
    """Whether read_json gives bytes b back unchanged from a bronze line:
    UTF-8 without NUL (ingest escapes the rest as other characters)."""
    try:
        return b is None or (b"\0" not in b and b.decode("utf-8") is not None)
    except UnicodeDecodeError:
        return False


def entries(cache):
    return {p.name: p.stat().st_ino for p in cache.glob("*.lsc")}


def test_warm_cache_leaves_the_entries_read_json_reads(lake, tmp_path):
    # --warm-cache writes each part's rows as read_json with the bronze
    # columns makes them, keyed by the object as written: a query then reads
    # those entries (the same files, no new ones) and gets what it gets from
    # the objects themselves. A part with a key or value the escaping changes
    # (a binary key, a byte that is not UTF-8) gets no entry: its first query
    # parses it and writes one
    srv, want = lake
    cache, prefix = tmp_path / "cache", "bronze/warm"
    for h in range(3):
        r = ingest(srv, h, "--warm-cache", prefix=prefix,
                   env_extra={"LAKEHOUSE_SQL_CACHE_DIR": str(cache)})
        assert r.returncode == 0, r.stdout + r.stderr
        assert "warm" not in r.stderr, r.stderr
    s3 = s3_client(srv)
    parts, changed = 0, 0
    for h in range(3):
        rs = json.loads(s3.get_object(Bucket="lakehouse",
                                      Key=hour_prefix(h, prefix) + "_ranges.json")["Body"].read())
        for p in rs["partitions"]:
            if p["first"] == p["end"]:
                continue
            parts += 1
            recs = [want[(p["partition"], o)] for o in range(p["first"], p["end"])]
            changed += not all(as_is(k) and as_is(v) for _, k, v in recs)
    assert parts == 6 and changed == 2  # the binary key's part, the 0xfe byte's part
    warmed = entries(cache)
    assert len(warmed) == parts - changed

    def query(cache_dir, cols):
        q = (f"SELECT {cols}, hour FROM "
             f"read_json('s3://lakehouse/{prefix}/**/*.jsonl.zst', {COLUMNS}, "
             f"hive_partitioning = true) ORDER BY ALL")
        e = task_env(srv)
        e["LAKEHOUSE_SQL_CACHE_DIR"] = cache_dir
        r = subprocess.run([lakehouse_bin(), "sql", "-c", q, "--format", "json"],
                           capture_output=True, text=True, env=e, timeout=60)
        assert r.returncode == 0, r.stderr
        return [json.loads(x) for x in r.stdout.splitlines()]

    # the entries keep every column but the key (the example's queries do not
    # read it), as a scan of a query without the key would
    no_key = '"partition", "offset", "timestamp", value'
    got = query(str(cache), no_key)
    after = entries(cache)
    assert {k: after[k] for k in warmed} == warmed  # read where they were
    assert len(after) == parts  # and the two parts without one parsed into theirs
    assert got == query("", no_key), "the warmed rows differ from the objects' rows"
    assert len(got) == sum(1 for v in want.values() if v[0] < BASE + 3 * HOUR)
    # the part of hour 2, partition 1 came from its entry: its strings too
    escaped = [x for x in got if x["value"] == 'tab\t"q" \\ é € \x01\x7f']
    assert [x["partition"] for x in escaped] == [1]
    # a query of the key misses those entries and parses the objects, whose
    # entries (with the key) take their places
    with_key = query(str(cache), no_key + ", key")
    again = entries(cache)
    assert len(again) == parts and all(again.get(k) != warmed[k] for k in warmed)
    assert with_key == query("", no_key + ", key")
    assert len(with_key) == len(got)
    assert [x["value"] for x in with_key if x["key"] == "ключ"] == [escaped[0]["value"]]


def test_records_that_arrive_while_it_waits_for_the_end_are_taken(lake):
    # the last interval of a feed waits the idle timeout for a record at or
    # after its end while it already reads what is there (the records below
    # the high watermark it saw are in the range whatever the end turns out
    # to be); records produced during the wait still count: partition 0's
    # end is its watermark once idle, with the new record; partition 1's is
    # fixed by a record past the end, and one produced after that (a late
    # one) is left to the next interval
    srv, _ = lake
    topic, prefix = "late.feed", "bronze/late"
    srv.cli("topic", "create", topic, "--partitions", "2", "-b", srv.endpoints["kafka"],
            check=True)
    prod = kafka.KafkaProducer(bootstrap_servers=srv.endpoints["kafka"], acks="all")

    def send(p, dt, v):
        return prod.send(topic, value=v, partition=p, timestamp_ms=BASE + dt).get(30).offset

    first = [send(0, 10, b'{"n":1}'), send(1, 20, b'{"n":2}')]
    cmd = [lakehouse_bin(), "ingest", "--topic", topic, "--start", HOURS[0], "--end", HOURS[1],
           "--prefix", f"s3://lakehouse/{prefix}", "--idle-timeout", "4s"]
    ing = subprocess.Popen(cmd, env=task_env(srv), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    try:
        for line in ing.stdout:
            if line.startswith("waiting for a record"):
                break
        during = [send(0, 30, b'{"n":3}'), send(1, 40, b'{"n":4}')]
        past = send(1, HOUR + 1, b'{"after":"end"}')
        late = send(1, 50, b'{"n":5,"late":true}')
        prod.close()
        out, err = ing.communicate(timeout=60)
    finally:
        ing.kill()
    assert ing.returncode == 0, out + err
    s3 = s3_client(srv)
    got = []
    for name in objects(s3, hour_prefix(0, prefix)):
        if name.endswith(".jsonl.zst"):
            got += [(x["partition"], x["offset"]) for x in lines(s3, hour_prefix(0, prefix) + name)]
    assert sorted(got) == [(0, first[0]), (0, during[0]), (1, first[1]), (1, during[1])]
    rs = json.loads(s3.get_object(Bucket="lakehouse",
                                  Key=hour_prefix(0, prefix) + "_ranges.json")["Body"].read())
    assert {p["partition"]: p["end"] for p in rs["partitions"]} == {0: during[0] + 1, 1: past}
    assert late > past


def test_an_end_below_first_is_written_as_an_empty_range(lake):
    # a topic deleted and created again restarts its offsets below where the
    # previous interval ended: the range is empty (end = first), its
    # _ranges.json still readable by the next interval and by a replay
    srv, _ = lake
    topic, prefix, b = "recreated", "bronze/recreated", srv.endpoints["kafka"]

    def run(h):
        r = subprocess.run([lakehouse_bin(), "ingest", "--topic", topic, "--start", HOURS[h],
                            "--end", HOURS[h + 1], "--prefix", f"s3://lakehouse/{prefix}",
                            "--idle-timeout", "2s"], capture_output=True, text=True,
                           env=task_env(srv), timeout=120, stdin=subprocess.DEVNULL)
        assert r.returncode == 0, r.stdout + r.stderr

    def produce_at(*dts):
        prod = kafka.KafkaProducer(bootstrap_servers=b, acks="all")
        for dt in dts:
            prod.send(topic, value=b"{}", partition=0, timestamp_ms=BASE + dt).get(30)
        prod.close()

    srv.cli("topic", "create", topic, "--partitions", "1", "-b", b, check=True)
    produce_at(10, HOUR + 1, 2 * HOUR + 1, 3 * HOUR + 1)
    run(0)
    run(1)  # partition 0 ends at offset 2
    srv.cli("topic", "delete", topic, "-b", b, check=True)
    srv.cli("topic", "create", topic, "--partitions", "1", "-b", b, check=True)
    produce_at(10, 3 * HOUR)  # O(end) of hour 2 is now 1, below its first
    run(2)
    s3 = s3_client(srv)
    rs = json.loads(s3.get_object(Bucket="lakehouse",
                                  Key=hour_prefix(2, prefix) + "_ranges.json")["Body"].read())
    assert [(p["first"], p["end"]) for p in rs["partitions"]] == [(2, 2)]
    run(2)  # a replay reads it


def test_bad_arguments_exit_2(lake):
    srv, _ = lake
    for extra in (["--format", "csv"], ["--idle-timeout", "soon"]):
        assert ingest(srv, 0, *extra).returncode == 2
    r = subprocess.run([lakehouse_bin(), "ingest", "--topic", TOPIC, "--start", HOURS[1],
                        "--end", HOURS[0], "--prefix", "s3://lakehouse/x"], capture_output=True,
                       text=True, env=task_env(srv), timeout=60)
    assert r.returncode == 2 and "after --start" in r.stderr


def test_unreachable_kafka_exits_1_and_a_foreign_ranges_file_exits_2(lake):
    srv, _ = lake
    r = ingest(srv, 0, "--bootstrap-servers", "127.0.0.1:1", prefix="bronze/unreachable")
    assert r.returncode == 1 and "cannot reach Kafka at 127.0.0.1:1" in r.stderr, r.stderr
    s3 = s3_client(srv)
    s3.put_object(Bucket="lakehouse", Key=hour_prefix(0, "bronze/other") + "_ranges.json",
                  Body=json.dumps({"topic": "other", "start": BASE, "end": BASE + HOUR,
                                   "partitions": []}).encode())
    r = ingest(srv, 0, prefix="bronze/other")
    assert r.returncode == 2 and "holds topic other" in r.stderr, r.stderr
    e = task_env(srv)
    del e["AWS_ENDPOINT_URL"]
    r = subprocess.run([lakehouse_bin(), "ingest", "--topic", TOPIC, "--start", HOURS[0], "--end",
                        HOURS[1], "--prefix", "s3://lakehouse/x"], capture_output=True, text=True,
                       env=e, timeout=60)
    assert r.returncode == 2 and "no lake" in r.stderr, r.stderr


def tunables_while_waiting(srv, extra):
    """The GLIBC_TUNABLES (a set, None when unset) of a `lakehouse ingest`
    (the optimized build) of an hour no record closes yet, taken once it
    says it waits: past the point where it may start itself again."""
    env = {k: v for k, v in task_env(srv).items() if k != "GLIBC_TUNABLES"}
    env.update(extra)
    p = subprocess.Popen([str(REPO / "build" / "lakehouse"), "ingest", "--topic", TOPIC,
                          "--start", "2024-12-05T14:00:00Z", "--end", "2024-12-05T15:00:00Z",
                          "--prefix", "s3://lakehouse/bronze/waiting", "--idle-timeout", "60s"],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         stdin=subprocess.DEVNULL)
    try:
        for line in p.stdout:
            if line.startswith("waiting for a record"):
                break
        return glibc_tunables(p.pid)
    finally:
        p.kill()
        p.wait()


def test_ingest_tunes_glibc_malloc_for_its_buffers(lake):
    # librdkafka's fetch buffers and the parts' growing ones: the heap kept
    # (mmap and trim thresholds), one arena, huge pages where the kernel gives
    # them on request; what the user set is kept. The optimized build: a
    # sanitizer build's malloc reads no tunables
    srv, _ = lake
    if not os.access(REPO / "build" / "lakehouse", os.X_OK):
        pytest.skip("no optimized build at build/lakehouse")
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
            huge = {"glibc.malloc.hugetlb=1"} if "[madvise]" in f.read() else set()
    except OSError:
        huge = set()
    kept = {"glibc.malloc.mmap_threshold=67108864", "glibc.malloc.trim_threshold=536870912"}
    assert tunables_while_waiting(srv, {}) == kept | {"glibc.malloc.arena_max=1"} | huge
    mine = "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=0"
    assert tunables_while_waiting(srv, {"GLIBC_TUNABLES": mine}) == kept | set(mine.split(":"))


DAG = """\
dag_id: bronze
schedule: "@hourly"
start_date: 2024-12-05T10:00:00Z
end_date: 2024-12-05T12:00:00Z
catchup: true
max_active_runs: 1
tasks:
  - id: ingest_bronze
    type: ingest
    topic: chain.transfers
    prefix: s3://lakehouse/bronze/flowcopy
    idle_timeout: 2s
    warm_cache: true
"""


def test_an_ingest_task_writes_the_same_objects(lake):
    srv, _ = lake
    s3 = s3_client(srv)
    for h in range(3):  # the CLI's objects, as the tests above left them
        assert ingest(srv, h).returncode == 0
    (srv.dags_dir / "bronze.yaml").write_text(DAG)
    done = wait_runs(srv, "bronze", 3, timeout=240)
    assert all(r["state"] == "success" for r in done), runs(srv, "bronze")
    for h in range(3):
        mine = objects(s3, hour_prefix(h))
        theirs = objects(s3, hour_prefix(h, "bronze/flowcopy"))
        assert theirs == mine, h
    # warm_cache: true reached the tries (--warm-cache), which warmed the
    # platform's scan cache (the orchestrator's <data-dir>/cache/sql): an
    # entry for each part but the two the escaping changes
    assert len(entries(srv.data_dir / "cache" / "sql")) == 4
