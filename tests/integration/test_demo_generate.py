"""`lakehouse demo generate` against a real `lakehouse up`: 20,000 token
transfers over 3 hours (+2 of lateness) are produced to the platform's Kafka
and read back with confluent-kafka: the count equals the manifest's total,
every timestamp is a CreateTime equal to the record's block time and inside
the window, keys are the tx hashes, the mess in the topic (malformed JSON,
unknown tokens, overflowing amounts) is what the manifest counts, late and
too-late records land in the hour the manifest says they arrived in, and
the manifest object (read with boto3) parses and adds up, and the record
batches in the log are zstd-compressed. A second run with
the same seed and end hour produces the same records again; bad arguments
and an unreachable broker exit non-zero with the reason."""
import json
import subprocess
from collections import Counter
from datetime import datetime, timezone

import pytest
from confluent_kafka import Consumer, KafkaError, TopicPartition

from helpers import s3 as s3h
from helpers.server import ROOT_AK, ROOT_SK, clean_env, lakehouse_bin

EVENTS, HOURS, SEED = 20000, 3, 11
KNOWN = {"USDC", "USDT", "WETH", "DAI", "WBTC", "LINK"}


def end_hour():
    return datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)


def generate(srv, *args):
    env = clean_env({"LAKEHOUSE_ACCESS_KEY": ROOT_AK, "LAKEHOUSE_SECRET_KEY": ROOT_SK})
    return subprocess.run([lakehouse_bin(), "demo", "generate", "--data-dir", str(srv.data_dir),
                           *args], capture_output=True, text=True, env=env, timeout=300,
                          stdin=subprocess.DEVNULL)


def consume(bootstrap, topic):
    """Every record of the topic: {partition: [(offset, ts_type, ts, key, value)]}."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "demo-test",
                  "enable.auto.commit": False, "enable.partition.eof": True})
    try:
        md = c.list_topics(topic, timeout=30)
        parts = sorted(md.topics[topic].partitions)
        c.assign([TopicPartition(topic, p, 0) for p in parts])
        out, done = {p: [] for p in parts}, set()
        while len(done) < len(parts):
            m = c.poll(30)
            assert m is not None, "no record and no end of partition within 30 s"
            if m.error():
                assert m.error().code() == KafkaError._PARTITION_EOF, m.error()
                done.add(m.partition())
                continue
            done.discard(m.partition())
            ts_type, ts = m.timestamp()
            out[m.partition()].append((m.offset(), ts_type, ts, m.key(), m.value()))
        return out
    finally:
        c.close()


def parse(value):
    try:
        return json.loads(value)
    except ValueError:
        return None


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from helpers.server import Server
    d = tmp_path_factory.mktemp("demo")
    srv = Server(d / "data", d, name="demo").start()
    hour = end_hour().strftime("%Y-%m-%dT%H:%M:%SZ")
    r = generate(srv, "--events", str(EVENTS), "--hours", str(HOURS), "--seed", str(SEED),
                 "--end-hour", hour)
    assert r.returncode == 0, r.stdout + r.stderr
    yield srv, hour, r.stdout
    srv.check_clean_stop()


def manifest(srv):
    body = s3h.client(srv).get_object(Bucket="lakehouse", Key="bronze/_demo/manifest.json")
    return json.loads(body["Body"].read())


def test_manifest_object_parses_and_adds_up(demo):
    srv, hour, out = demo
    m = manifest(srv)
    assert "produced 20000 records" in out and "s3://lakehouse/bronze/_demo/manifest.json" in out
    assert (m["events"], m["hours"], m["lateness_hours"], m["seed"], m["topic"]) == \
        (EVENTS, HOURS, 2, SEED, "chain.transfers")
    assert m["window"]["end"] == hour
    assert m["window"]["end_ms"] - m["window"]["start_ms"] == (HOURS + 2) * 3600_000
    assert m["intervals"]["end_ms"] - m["intervals"]["start_ms"] == HOURS * 3600_000
    assert len(m["hourly"]) == HOURS + 2
    tot = m["totals"]
    assert tot["records"] == EVENTS
    for kind in m["kinds"]:
        assert sum(h["counts"][kind] for h in m["hourly"]) == tot[kind]
        assert tot[kind] > 0, kind
    assert sum(tot[k] for k in m["kinds"]) == EVENTS
    assert tot["silver_rows"] == tot["valid"] + tot["out_of_order"] + tot["late"]


def test_topic_holds_what_the_manifest_says(demo):
    srv, hour, _ = demo
    m = manifest(srv)
    recs = [r for part in consume(srv.endpoints["kafka"], "chain.transfers").values()
            for r in part]
    assert len(recs) == m["totals"]["records"] == EVENTS
    lo, hi = m["window"]["start_ms"], m["window"]["end_ms"]
    kinds = Counter()
    for _, ts_type, ts, key, value in recs:
        assert ts_type == 1, "CreateTime"  # confluent_kafka.TIMESTAMP_CREATE_TIME
        assert lo <= ts < hi
        doc = parse(value)
        if doc is None:
            kinds["malformed"] += 1
            continue
        bt = datetime.strptime(doc["block_time"], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=timezone.utc)
        assert int(bt.timestamp() * 1000) == ts, (doc, ts)
        assert key is None or key.decode() == doc["tx_hash"]
        assert len(doc["tx_hash"]) == 66 and len(doc["from"]) == 42 and len(doc["to"]) == 42
        if doc["token"] not in KNOWN:
            kinds["unknown_token"] += 1
        elif len(doc["amount"]) >= 39:
            kinds["overflow"] += 1
    for kind in ("malformed", "unknown_token", "overflow"):
        assert kinds[kind] == m["totals"][kind], kind
    assert any(r[3] is None for r in recs) and any(r[3] is not None for r in recs)
    # a skewed population: the busiest sender moves far more than an even share
    senders = Counter(d["from"] for d in map(parse, (r[4] for r in recs)) if d)
    assert senders.most_common(1)[0][1] > 20 * len(recs) / len(senders)


def test_topic_batches_are_zstd_compressed(demo):
    """The producer's batches reach the log compressed: librdkafka 2.0.2
    sends lz4 batches uncompressed to a broker whose Produce starts at v3
    (confluentinc/librdkafka#4956), so the generator asks for zstd. Read from
    the partitions' log segments: every record batch header's codec."""
    srv, _, _ = demo
    import struct
    logs = sorted((srv.data_dir / "stream" / "logs").glob("chain.transfers-*/*.log"))
    assert logs
    batches = records = stored = 0
    for path in logs:
        data = path.read_bytes()
        off = 0
        while off + 61 <= len(data):
            length = struct.unpack(">i", data[off + 8:off + 12])[0]
            attributes = struct.unpack(">h", data[off + 21:off + 23])[0]
            count = struct.unpack(">i", data[off + 57:off + 61])[0]
            assert attributes & 7 == 4, (path, off, attributes)  # zstd
            batches, records, stored = batches + 1, records + count, stored + 12 + length
            off += 12 + length
        assert off == len(data), path
    assert records == EVENTS and batches > 0
    assert stored < EVENTS * 200, stored  # ~330-byte values, a few times smaller


def test_late_records_land_where_the_manifest_says(demo):
    """The bronze interval of a record is the newest timestamp hour at or
    before its offset in its partition (ListOffsets by time); late and
    too-late records must land in the hour the manifest says they arrived
    in, within lateness or beyond it, with librdkafka's real partitioner."""
    srv, _, _ = demo
    m = manifest(srv)
    start, late = m["window"]["start_ms"], m["lateness_hours"]
    arrived = Counter()
    parts = consume(srv.endpoints["kafka"], "chain.transfers")
    for recs in parts.values():
        newest = -1
        for _, _, ts, _, _ in recs:
            h = (ts - start) // 3600_000
            if h < newest:
                arrived[(newest, "late" if newest - h <= late else "too_late")] += 1
            newest = max(newest, h)
    for i, hour in enumerate(m["hourly"]):
        for kind in ("late", "too_late"):
            assert arrived[(i, kind)] == hour["arrived"][kind], (hour["hour"], kind)


def test_same_seed_same_records(demo):
    """A second run with the same seed and end hour, into another topic:
    the same (timestamp, key, value) records, and the same manifest but for
    the topic. (Keyless records may take other partitions.)"""
    srv, hour, _ = demo
    s3 = s3h.client(srv)
    saved = s3.get_object(Bucket="lakehouse", Key="bronze/_demo/manifest.json")["Body"].read()
    before = json.loads(saved)
    r = generate(srv, "--events", str(EVENTS), "--hours", str(HOURS), "--seed", str(SEED),
                 "--end-hour", hour, "--topic", "replay")
    assert r.returncode == 0, r.stdout + r.stderr
    after = manifest(srv)
    # the other tests read the first run's manifest, whatever the order
    s3.put_object(Bucket="lakehouse", Key="bronze/_demo/manifest.json", Body=saved)

    def records(topic):
        return Counter((ts, key, value) for part in consume(srv.endpoints["kafka"], topic).values()
                       for _, _, ts, key, value in part)

    first, second = records("chain.transfers"), records("replay")
    assert sum(second.values()) == EVENTS
    assert first == second
    assert after.pop("topic") == "replay" and before.pop("topic") == "chain.transfers"
    assert after == before


def test_bad_arguments_exit_2(demo):
    srv, _, _ = demo
    for args, why in ((["--end-hour", "2026-01-01T00:30:00Z"], "--end-hour"),
                      (["--lateness", "90m"], "whole hours"),
                      (["--events", "0"], "demo.events"),
                      (["--bogus"], "unexpected argument")):
        r = generate(srv, *args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert why in r.stderr, (args, r.stderr)


def test_unreachable_kafka_names_the_address(tmp_path):
    env = clean_env({"LAKEHOUSE_ACCESS_KEY": ROOT_AK, "LAKEHOUSE_SECRET_KEY": ROOT_SK})
    r = subprocess.run([lakehouse_bin(), "demo", "generate", "--data-dir", str(tmp_path),
                        "--events", "10", "--bootstrap-servers", "127.0.0.1:9"],
                       capture_output=True, text=True, env=env, timeout=120,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "127.0.0.1:9" in r.stderr


def test_sasl_broker_with_the_platform_keys(server_factory):
    """A platform whose Kafka wants SASL: --sasl-mechanism logs in with the
    platform's key pair; without it the broker refuses and the exit is 1."""
    srv = server_factory("sasl", extra_args=["--stream-sasl", "PLAIN,SCRAM-SHA-256"])
    hour = end_hour().strftime("%Y-%m-%dT%H:%M:%SZ")
    r = generate(srv, "--events", "500", "--hours", "1", "--end-hour", hour,
                 "--sasl-mechanism", "SCRAM-SHA-256")
    assert r.returncode == 0, r.stdout + r.stderr
    assert manifest(srv)["totals"]["records"] == 500
    r = generate(srv, "--events", "500", "--hours", "1", "--end-hour", hour)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "SASL" in r.stderr  # librdkafka's hint, passed on
