"""The stream role (issue 9): the Kafka-protocol broker driven by real
clients: kcat (librdkafka 2.0.2), kafka-python 2.0.2 and confluent-kafka
(Debian), plus raw requests for what clients never send (garbage, wrong
CRCs, retried idempotent batches, unsupported versions)."""
import json
import random
import struct
import time
import uuid

import pytest

from helpers import kafka as kh

kafka = pytest.importorskip("kafka")
confluent_kafka = pytest.importorskip("confluent_kafka")


def topic_name(prefix="t"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def broker(server):
    return server.endpoints["kafka"]


def consume_all(broker, topic, partitions, expect, timeout=30):
    """Every record of the partitions from the beginning, with confluent-kafka
    (assign, no group): [(partition, offset, key, value, timestamp)]."""
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": broker, "group.id": "unused", "enable.auto.commit": False,
                  "enable.partition.eof": False})
    c.assign([TopicPartition(topic, p, 0) for p in partitions])
    out = kh.drain(c, expect, timeout,
                   lambda m: (m.partition(), m.offset(), m.key(), m.value(), m.timestamp()[1]))
    c.close()
    return out


# --- metadata, produce and consume with kcat --------------------------------

def test_kcat_metadata_names_one_broker_as_leader_and_controller(broker):
    t = topic_name()
    kh.kcat("-b", broker, "-P", "-t", t, input=b"hello\n")
    md = json.loads(kh.kcat("-b", broker, "-L", "-J", "-t", t).stdout)
    assert [b["id"] for b in md["brokers"]] == [0], md
    assert md["controllerid"] == 0, md
    (topic,) = md["topics"]
    assert topic["topic"] == t and len(topic["partitions"]) == 4, topic  # auto-created, 4
    assert all(p["leader"] == 0 for p in topic["partitions"]), topic


# Debian's kcat links librdkafka 2.0.2, which sends gzip, snappy and lz4
# batches uncompressed to a broker whose Produce starts at v3 (it checks for
# v0: confluentinc/librdkafka#4956), so only zstd reaches the broker
# compressed here; the broker's decoding of the other codecs is covered by
# stream_batch_test.c (real liblz4, snappy and zlib output) and kafka-python's
# gzip below.
@pytest.mark.parametrize("codec", ["none", "gzip", "snappy", "lz4", "zstd"])
def test_kcat_round_trip_per_codec_with_keys_and_headers(broker, codec):
    t = topic_name(codec)
    lines = [f"k{i}:{codec}-value-{i}-" + "x" * (i * 37 % 500) for i in range(200)]
    kh.kcat("-b", broker, "-P", "-t", t, "-p", "1", "-K:", "-z", codec, "-H", "src=itest",
            "-X", "acks=all", input=("\n".join(lines) + "\n").encode())
    out = kh.kcat("-b", broker, "-C", "-t", t, "-p", "1", "-o", "beginning", "-e", "-J").stdout
    got = [json.loads(x) for x in out.decode().splitlines() if x.strip()]
    assert [(g["offset"], g["key"], g["payload"]) for g in got] == \
        [(i, ln.split(":", 1)[0], ln.split(":", 1)[1]) for i, ln in enumerate(lines)]
    assert all(g["headers"] == ["src", "itest"] for g in got), got[0]


def test_fetch_long_poll_returns_a_record_produced_while_waiting(broker):
    import subprocess
    t = topic_name("poll")
    kh.kcat("-b", broker, "-P", "-t", t, "-p", "0", input=b"first\n")
    cons = subprocess.Popen(["kcat", "-b", broker, "-C", "-t", t, "-p", "0", "-o", "beginning",
                             "-c", "2", "-X", "fetch.wait.max.ms=5000"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.0)  # the consumer is parked in a long poll now
    kh.kcat("-b", broker, "-P", "-t", t, "-p", "0", input=b"second\n")
    out, err = cons.communicate(timeout=30)
    assert cons.returncode == 0, err
    assert out.decode().split() == ["first", "second"]


# --- ListOffsets by time ----------------------------------------------------

def test_offsets_for_times_match_brute_force_with_out_of_order_timestamps(broker):
    from confluent_kafka import Producer
    t = topic_name("ts")
    rnd = random.Random(7)
    base = 1_700_000_000_000
    # backdated, out-of-order CreateTimes, as the medallion pipeline's events
    stamps = [base + rnd.randrange(0, 3_600_000) for _ in range(3000)]
    p = Producer({"bootstrap.servers": broker, "linger.ms": 5, "batch.num.messages": 37})
    for i, ts in enumerate(stamps):
        p.produce(t, value=b"v%d" % i, partition=0, timestamp=ts)
    assert p.flush(30) == 0
    recs = consume_all(broker, t, [0], len(stamps))
    assert [r[4] for r in recs] == stamps  # CreateTime stored as produced
    probes = sorted(rnd.sample(stamps, 25)) + [base - 1, base + 1800_000, max(stamps) + 1]
    for q in probes:
        want = next((o for (_p, o, _k, _v, ts) in recs if ts >= q), -1)
        out = kh.kcat("-b", broker, "-Q", "-t", f"{t}:0:{q}").stdout.decode()
        assert out.strip() == f"{t} [0] offset {want}", (q, out)


def test_list_offsets_earliest_and_latest(broker):
    t = topic_name("ends")
    kh.kcat("-b", broker, "-P", "-t", t, "-p", "2", input=b"a\nb\nc\n")
    assert kh.kcat("-b", broker, "-Q", "-t", f"{t}:2:-1").stdout.decode().strip() == \
        f"{t} [2] offset 3"
    assert kh.kcat("-b", broker, "-Q", "-t", f"{t}:2:-2").stdout.decode().strip() == \
        f"{t} [2] offset 0"


# --- kafka-python ------------------------------------------------------------

def test_kafka_python_guesses_a_v2_broker_and_round_trips(broker):
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    t = topic_name("kp")
    prod = KafkaProducer(bootstrap_servers=broker, acks="all", compression_type="gzip")
    assert prod.config["api_version"] >= (0, 11), prod.config["api_version"]  # magic 2
    for i in range(50):
        prod.send(t, key=b"k%d" % i, value=b"v%d" % i, partition=i % 2)
    prod.flush(30)
    prod.close()
    cons = KafkaConsumer(bootstrap_servers=broker, auto_offset_reset="earliest",
                         enable_auto_commit=False, consumer_timeout_ms=5000)
    cons.assign([TopicPartition(t, 0), TopicPartition(t, 1)])
    got = sorted((m.partition, m.offset, m.key, m.value) for m in cons)
    cons.close()
    want = sorted((i % 2, i // 2, b"k%d" % i, b"v%d" % i) for i in range(50))
    assert got == want


# --- confluent-kafka: idempotent producer -------------------------------------

def test_confluent_idempotent_producer_delivers_each_record_once_in_order(broker):
    from confluent_kafka import Producer
    t = topic_name("idem")
    acked = []
    p = Producer({"bootstrap.servers": broker, "enable.idempotence": True, "linger.ms": 2,
                  "compression.type": "lz4"})
    for i in range(2000):
        p.produce(t, value=b"%06d" % i, partition=i % 3,
                  on_delivery=lambda e, m: acked.append((e, m.partition(), m.offset())))
    assert p.flush(30) == 0
    assert all(e is None for e, _, _ in acked), [e for e, _, _ in acked if e][:3]
    recs = consume_all(broker, t, [0, 1, 2], 2000)
    for part in range(3):
        vals = [int(v) for (pp, _o, _k, v, _ts) in recs if pp == part]
        assert vals == list(range(part, 2000, 3))


def test_retried_idempotent_batch_is_stored_once_with_its_first_offset(broker):
    t = topic_name("dup")
    kh.kcat("-b", broker, "-L", "-t", t)  # auto-create
    c = kh.Conn(broker)
    pid = 987654321
    first = kh.batch([b"a", b"b"], producer_id=pid, epoch=0, seq=0)
    c.send(kh.produce_request(t, 0, first))
    _, [(_, _, err, base)] = kh.parse_produce_response(c.recv())
    assert (err, base) == (0, 0)
    c.send(kh.produce_request(t, 0, kh.batch([b"a", b"b"], producer_id=pid, epoch=0, seq=0)))
    _, [(_, _, err, base)] = kh.parse_produce_response(c.recv())
    assert (err, base) == (0, 0)  # the duplicate answered with the original offset
    c.send(kh.produce_request(t, 0, kh.batch([b"c"], producer_id=pid, epoch=0, seq=5)))
    _, [(_, _, err, _)] = kh.parse_produce_response(c.recv())
    assert err == 45  # OUT_OF_ORDER_SEQUENCE_NUMBER
    c.send(kh.produce_request(t, 0, kh.batch([b"c"], producer_id=pid, epoch=0, seq=2)))
    _, [(_, _, err, base)] = kh.parse_produce_response(c.recv())
    assert (err, base) == (0, 2)
    c.close()
    out = kh.kcat("-b", broker, "-C", "-t", t, "-p", "0", "-o", "beginning", "-e").stdout
    assert out.decode().split() == ["a", "b", "c"]


# --- bad input ---------------------------------------------------------------

def _alive(broker):
    md = json.loads(kh.kcat("-b", broker, "-L", "-J").stdout)
    assert md["brokers"][0]["id"] == 0


def test_wrong_crc_gets_corrupt_message_and_nothing_is_stored(broker):
    t = topic_name("crc")
    kh.kcat("-b", broker, "-L", "-t", t)
    c = kh.Conn(broker)
    c.send(kh.produce_request(t, 0, kh.batch([b"bad"], bad_crc=True)))
    _, [(_, _, err, base)] = kh.parse_produce_response(c.recv())
    assert (err, base) == (2, -1)  # CORRUPT_MESSAGE
    c.close()
    assert kh.kcat("-b", broker, "-Q", "-t", f"{t}:0:-1").stdout.decode().strip() == \
        f"{t} [0] offset 0"


def test_unsupported_api_versions_version_gets_error_35_in_v0_format(broker):
    c = kh.Conn(broker)
    c.send(kh.header(18, 9, 42))  # ApiVersions v9
    body = c.recv()
    corr, err, n = struct.unpack_from(">ihi", body, 0)
    assert (corr, err) == (42, 35)
    keys = {struct.unpack_from(">hhh", body, 10 + 6 * i) for i in range(n)}
    assert (18, 0, 3) in keys and (0, 3, 7) in keys and (1, 4, 11) in keys, keys
    assert len(body) == 10 + 6 * n  # v0: no throttle time
    c.close()


def test_api_versions_v3_answers_with_a_v0_response_header(broker):
    c = kh.Conn(broker)
    req = kh.header(18, 3, 7) + b"\x00"  # v2 header: tagged fields
    req += bytes([len(b"itest") + 1]) + b"itest" + bytes([len(b"1.0") + 1]) + b"1.0" + b"\x00"
    c.send(req)
    body = c.recv()
    corr, err = struct.unpack_from(">ih", body, 0)
    assert (corr, err) == (7, 0)
    n = body[6] - 1  # compact array right after the error: no tagged byte in the header
    assert n >= 5
    c.close()


@pytest.mark.parametrize("garbage", [
    struct.pack(">i", 0x7FFFFFF0) + b"\x00" * 16,   # absurd size: nothing allocated
    struct.pack(">i", 3) + b"abc",                  # shorter than any header
    struct.pack(">i", 10) + struct.pack(">hhih", 999, 0, 1, 0),  # unknown API key
    struct.pack(">i", 10) + struct.pack(">hhih", 0, 99, 1, 0),   # Produce v99
    struct.pack(">i", 14) + struct.pack(">hhih", 3, 1, 1, 0) + struct.pack(">i", 50),  # truncated
    struct.pack(">i", 296) + bytes(random.Random(3).randrange(256) for _ in range(296)),
])
def test_garbage_closes_that_connection_and_the_broker_keeps_serving(broker, garbage):
    c = kh.Conn(broker)
    c.send_raw(garbage)
    assert c.recv() is None  # closed, no answer
    c.close()
    _alive(broker)


# --- admin: confluent-kafka AdminClient ----------------------------------------

def test_confluent_admin_creates_describes_grows_and_deletes_topics(broker):
    from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic
    a = AdminClient({"bootstrap.servers": broker})
    t = topic_name("adm")
    fs = a.create_topics([NewTopic(t, num_partitions=3, replication_factor=1,
                                   config={"retention.ms": "3600000"})])
    fs[t].result(30)
    assert len(a.list_topics(t, timeout=10).topics[t].partitions) == 3
    with pytest.raises(Exception) as e:  # exists already
        a.create_topics([NewTopic(t, num_partitions=1, replication_factor=1)])[t].result(30)
    assert "TOPIC_ALREADY_EXISTS" in str(e.value)
    with pytest.raises(Exception) as e:  # one broker
        a.create_topics([NewTopic("rf-" + t, 1, 3)])["rf-" + t].result(30)
    assert "INVALID_REPLICATION_FACTOR" in str(e.value)
    res = ConfigResource(ConfigResource.Type.TOPIC, t)
    configs = a.describe_configs([res])[res].result(30)
    assert configs["retention.ms"].value == "3600000"
    assert configs["retention.ms"].source == 1  # DYNAMIC_TOPIC_CONFIG: the topic sets it
    assert configs["segment.bytes"].value == str(1 << 30)
    assert configs["cleanup.policy"].value == "delete"
    a.create_partitions([NewPartitions(t, 5)])[t].result(30)
    assert len(a.list_topics(t, timeout=10).topics[t].partitions) == 5
    kh.kcat("-b", broker, "-P", "-t", t, "-p", "4", input=b"in-new-partition\n")
    out = kh.kcat("-b", broker, "-C", "-t", t, "-p", "4", "-o", "beginning", "-e").stdout
    assert out.decode().split() == ["in-new-partition"]
    with pytest.raises(Exception) as e:
        a.create_partitions([NewPartitions(t, 2)])[t].result(30)
    assert "INVALID_PARTITIONS" in str(e.value)
    a.delete_topics([t])[t].result(30)
    assert t not in a.list_topics(timeout=10).topics
    with pytest.raises(Exception) as e:
        a.delete_topics([t])[t].result(30)
    assert "UNKNOWN_TOPIC" in str(e.value)


def _batches(path):
    """(attributes, records section) of each record batch in a segment file."""
    d, out, pos = path.read_bytes(), [], 0
    while pos + 61 <= len(d):
        (length,) = struct.unpack(">i", d[pos + 8:pos + 12])
        (attrs,) = struct.unpack(">h", d[pos + 21:pos + 23])
        out.append((attrs, d[pos + 61:pos + 12 + length]))
        pos += 12 + length
    return out


@pytest.mark.parametrize("target,sent", [("zstd", "none"), ("gzip", "none"), ("lz4", "none"),
                                         ("uncompressed", "zstd"), ("zstd", "zstd")])
def test_topic_compression_type_is_what_the_broker_stores(server, broker, target, sent):
    """compression.type (Kafka's topic config): a batch whose codec is not the
    topic's is stored compressed again with the topic's (a zstd frame stating
    its content size, at compression.zstd.level), one that is already the
    topic's codec is kept as sent; either way consumers read the same
    records, keys and headers."""
    from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic
    a = AdminClient({"bootstrap.servers": broker})
    t = topic_name("ct")
    conf = {"compression.type": target}
    if target == "zstd":
        conf["compression.zstd.level"] = "1"
    a.create_topics([NewTopic(t, num_partitions=2, replication_factor=1, config=conf)])[t].result(30)
    res = ConfigResource(ConfigResource.Type.TOPIC, t)
    configs = a.describe_configs([res])[res].result(30)
    assert configs["compression.type"].value == target
    assert configs["compression.type"].source == 1  # the topic sets it
    lines = [f"k{i}:v{i}-" + "abc" * (i % 40) for i in range(300)]
    kh.kcat("-b", broker, "-P", "-t", t, "-p", "1", "-K:", "-z", sent, "-H", "h=1",
            "-X", "acks=all", input=("\n".join(lines) + "\n").encode())
    out = kh.kcat("-b", broker, "-C", "-t", t, "-p", "1", "-o", "beginning", "-e", "-J").stdout
    got = [json.loads(x) for x in out.decode().splitlines() if x.strip()]
    assert [(g["offset"], g["key"], g["payload"], g["headers"]) for g in got] == \
        [(i, ln.split(":", 1)[0], ln.split(":", 1)[1], ["h", "1"]) for i, ln in enumerate(lines)]
    assert len(consume_all(broker, t, [1], len(lines))) == len(lines)
    codec = {"uncompressed": 0, "gzip": 1, "lz4": 3, "zstd": 4}[target]
    seg = server.data_dir / "stream" / "logs" / f"{t}-1" / "00000000000000000000.log"
    batches = _batches(seg)
    assert batches and all(attrs & 7 == codec for attrs, _ in batches), batches[0][0]
    if target == "zstd" and sent == "none":  # a frame with its content size (FCS flag set)
        assert all(recs[:4] == b"\x28\xb5\x2f\xfd" and recs[4] >> 6 for _, recs in batches)
    if target == "zstd" and sent == "zstd":  # librdkafka's own frames, kept: no size in them
        assert all(recs[4] >> 6 == 0 for _, recs in batches)
    if target == "lz4":  # LZ4 frames of independent blocks (FLG bit 5), as the Java client reads
        assert all(recs[:4] == b"\x04\x22\x4d\x18" and recs[4] & 0x20 for _, recs in batches)


def test_a_batch_over_max_message_bytes_is_refused_before_it_is_compressed_again(broker):
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic
    a = AdminClient({"bootstrap.servers": broker})
    t = topic_name("big")
    a.create_topics([NewTopic(t, 1, 1, config={"compression.type": "zstd",
                                               "max.message.bytes": "2000"})])[t].result(30)
    errs = []
    p = Producer({"bootstrap.servers": broker, "compression.type": "none", "linger.ms": 0})
    p.produce(t, b"x" * 5000, on_delivery=lambda e, m: errs.append(e))
    p.flush(30)  # a batch of its own: the whole batch is refused
    p.produce(t, b"small", on_delivery=lambda e, m: errs.append(e))
    p.flush(30)
    assert len(errs) == 2 and errs[0] is not None and errs[1] is None, errs
    assert "MSG_SIZE_TOO_LARGE" in errs[0].name() or "too large" in str(errs[0]).lower(), errs[0]
    out = kh.kcat("-b", broker, "-C", "-t", t, "-o", "beginning", "-e").stdout
    assert out.decode().split() == ["small"]


def test_topic_compression_type_refuses_what_it_cannot_apply(broker):
    from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic
    a = AdminClient({"bootstrap.servers": broker})
    for conf in ({"compression.type": "snappy"}, {"compression.type": "brotli"},
                 {"compression.type": "zstd", "compression.zstd.level": "99"}):
        t = topic_name("bad")
        with pytest.raises(Exception) as e:
            a.create_topics([NewTopic(t, 1, 1, config=conf)])[t].result(30)
        assert "INVALID_CONFIG" in str(e.value) or "compression" in str(e.value), e.value
        assert t not in a.list_topics(timeout=10).topics
    t = topic_name("plain")
    a.create_topics([NewTopic(t, 1, 1)])[t].result(30)
    res = ConfigResource(ConfigResource.Type.TOPIC, t)
    configs = a.describe_configs([res])[res].result(30)
    assert configs["compression.type"].value == "producer"
    assert configs["compression.zstd.level"].value == "3"


def test_topics_and_their_records_survive_a_restart(server_factory):
    from confluent_kafka.admin import AdminClient, NewTopic
    srv = server_factory("persist", command=("serve", "stream"))
    a = AdminClient({"bootstrap.servers": srv.endpoints["kafka"]})
    a.create_topics([NewTopic("kept", 2, 1, config={"segment.bytes": "1048576",
                                                     "compression.type": "lz4"})])["kept"].result(30)
    kh.kcat("-b", srv.endpoints["kafka"], "-P", "-t", "kept", "-p", "1", input=b"x\ny\n")
    a.create_topics([NewTopic("gone", 1, 1)])["gone"].result(30)
    a.delete_topics(["gone"])["gone"].result(30)
    srv.restart()
    b = srv.endpoints["kafka"]
    md = json.loads(kh.kcat("-b", b, "-L", "-J").stdout)
    assert sorted((t["topic"], len(t["partitions"])) for t in md["topics"]) == [("kept", 2)]
    out = kh.kcat("-b", b, "-C", "-t", "kept", "-p", "1", "-o", "beginning", "-e").stdout
    assert out.decode().split() == ["x", "y"]
    # the topic's compression.type came back from topics.json with it
    kh.kcat("-b", b, "-P", "-t", "kept", "-p", "0", input=b"z\n")
    seg = srv.data_dir / "stream" / "logs" / "kept-0" / "00000000000000000000.log"
    assert [attrs & 7 for attrs, _ in _batches(seg)] == [3]
    assert not (srv.data_dir / "stream" / "logs" / "gone-0").exists()


# --- kafkajs (npm) -------------------------------------------------------------

def test_kafkajs_admin_and_gzip_producer(broker):
    from pathlib import Path

    from helpers import clients
    node = clients.need("node")
    js = Path(__file__).resolve().parent.parent / "js"
    t = topic_name("kjs")
    r = clients.run([node, str(js / "kafka_client.mjs"), broker, t, "produce", "100"],
                    cwd=str(js), check=False, timeout=120)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["created"] is True
    assert sorted(out["sent"]) == [[0, "0", 0], [1, "0", 0]]
    assert sorted((o["partition"], o["high"], o["low"]) for o in out["offsets"]) == \
        [(0, "50", "0"), (1, "50", "0")]
    got = kh.kcat("-b", broker, "-C", "-t", t, "-p", "1", "-o", "beginning", "-e", "-K:").stdout
    assert got.decode().split()[:3] == ["k1:v1", "k3:v3", "k5:v5"]


def test_large_batches_go_out_whole_from_the_segment_files(broker):
    """Spans of 64 KiB and more are sent with sendfile, between the
    response's memory pieces; several partitions in one fetch."""
    from confluent_kafka import Producer
    t = topic_name("big")
    p = Producer({"bootstrap.servers": broker, "linger.ms": 100, "batch.size": 1000000,
                  "compression.type": "none"})
    rnd = random.Random(5)
    vals = {part: [bytes([65 + rnd.randrange(26)]) * 1000 + b"%d" % i for i in range(3000)]
            for part in range(3)}
    for i in range(3000):
        for part in range(3):
            p.produce(t, value=vals[part][i], partition=part)
    assert p.flush(30) == 0
    recs = consume_all(broker, t, [0, 1, 2], 9000)
    for part in range(3):
        assert [v for (pp, _o, _k, v, _ts) in recs if pp == part] == vals[part]
