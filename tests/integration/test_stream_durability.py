"""The stream's durability (issue 9): kill -9 under acks=all load with an
idempotent producer that keeps going across the restart; a power loss that
cuts and corrupts the active segment mid-batch; retention and segment roll
(size, and time through the test builds' clock offset); the metrics."""
import json
import os
import random
import re
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from helpers import clients
from helpers import kafka as kh

confluent_kafka = pytest.importorskip("confluent_kafka")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def consume_all(broker, topic, partitions, timeout=30):
    """[(partition, offset, value)] of every record, read until each
    partition's high watermark."""
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": broker, "group.id": "unused", "enable.auto.commit": False,
                  "enable.partition.eof": True})
    c.assign([TopicPartition(topic, p, 0) for p in partitions])
    out, eof, deadline = [], set(), time.time() + timeout
    while len(eof) < len(partitions) and time.time() < deadline:
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error():
            assert m.error().code() == confluent_kafka.KafkaError._PARTITION_EOF, m.error()
            eof.add(m.partition())
            continue
        out.append((m.partition(), m.offset(), m.value()))
    c.close()
    assert len(eof) == len(partitions), "did not reach the end of every partition"
    return out


def segment_files(data_dir, topic, part):
    return sorted((Path(data_dir) / "stream" / "logs" / f"{topic}-{part}").glob("*.log"))


def test_kill_9_under_acks_all_load_loses_and_duplicates_nothing(server_factory):
    from confluent_kafka import Producer
    port = free_port()
    srv = server_factory("k9", command=("serve", "stream"),
                         extra_args=["--stream-listen", f"127.0.0.1:{port}"])
    broker = f"127.0.0.1:{port}"
    topic = "load-" + uuid.uuid4().hex[:8]
    acked, errors, stop = {}, [], threading.Event()

    def on_delivery(err, msg):
        if err is None:
            acked[int(msg.value())] = (msg.partition(), msg.offset())
        else:
            errors.append(err)

    def produce():
        p = Producer({"bootstrap.servers": broker, "acks": "all", "enable.idempotence": True,
                      "linger.ms": 2, "message.timeout.ms": 60000,
                      "reconnect.backoff.ms": 50, "reconnect.backoff.max.ms": 200})
        i = 0
        while not stop.is_set():
            try:
                p.produce(topic, value=b"%d" % i, partition=i % 4, on_delivery=on_delivery)
                i += 1
            except BufferError:
                p.poll(0.05)
            p.poll(0)
            if i % 200 == 0:
                time.sleep(0.005)
        p.flush(60)

    t = threading.Thread(target=produce)
    t.start()
    deadline = time.time() + 30
    while len(acked) < 2000 and time.time() < deadline:
        time.sleep(0.05)
    before = len(acked)
    srv.kill()  # kill -9 while producers wait on acks=all
    time.sleep(0.5)
    srv.start()
    deadline = time.time() + 30
    while len(acked) < before + 2000 and time.time() < deadline:
        time.sleep(0.05)
    stop.set()
    t.join(90)
    assert before >= 2000 and len(acked) >= before + 2000, (before, len(acked), errors[:3])
    recs = consume_all(broker, topic, range(4))
    where = {}
    for part, off, val in recs:
        v = int(val)
        assert v not in where, f"record {v} stored twice: {where[v]} and {(part, off)}"
        where[v] = (part, off)
    for v, pos in acked.items():
        assert where.get(v) == pos, f"acknowledged record {v} at {pos} is {where.get(v)}"
    for part in range(4):  # in order: per partition the values only grow
        vals = [int(v) for p, _o, v in sorted(recs) if p == part]
        assert vals == sorted(vals)


def test_power_loss_cut_and_corrupt_active_segment_keeps_every_acked_record(server_factory):
    from confluent_kafka import Producer
    srv = server_factory("pl", command=("serve", "stream"))
    broker = srv.endpoints["kafka"]
    topic = "pl-" + uuid.uuid4().hex[:8]
    acked = []
    p = Producer({"bootstrap.servers": broker, "acks": "all", "linger.ms": 1,
                  "batch.num.messages": 50})
    for i in range(3000):
        p.produce(topic, value=b"acked-%d" % i, partition=0,
                  on_delivery=lambda e, m: acked.append((e, m.offset(), m.value())))
    assert p.flush(30) == 0 and all(e is None for e, _, _ in acked)
    (seg,) = segment_files(srv.data_dir, topic, 0)
    durable_size = seg.stat().st_size  # acks=all: fsynced before each answer
    unacked = "".join(f"unacked-{i}\n" for i in range(3000)).encode()
    kh.kcat("-b", broker, "-P", "-t", topic, "-p", "0", "-X", "acks=0", "-X", "linger.ms=1",
            input=unacked)
    deadline = time.time() + 10
    while seg.stat().st_size == durable_size and time.time() < deadline:
        time.sleep(0.05)
    full = seg.stat().st_size
    assert full > durable_size + 1000
    srv.kill()
    rnd = random.Random(11)
    cut = rnd.randrange(durable_size + 1, full - 1)  # mid-batch, past what was fsynced
    with open(seg, "r+b") as f:  # the unsynced tail: cut, and the last bytes garbage
        f.truncate(cut)
        f.seek(max(durable_size, cut - 200))
        f.write(bytes(rnd.randrange(256) for _ in range(cut - max(durable_size, cut - 200))))
    for ix in (seg.with_suffix(".index"), seg.with_suffix(".timeindex")):
        if ix.exists():
            ix.write_bytes(os.urandom(24))  # indexes are rebuilt
    srv.start()
    broker = srv.endpoints["kafka"]
    recs = consume_all(broker, topic, [0])
    want = [(off, val) for _e, off, val in acked]
    assert [(o, v) for _p, o, v in recs][:len(want)] == want
    assert all(v.startswith(b"unacked-") for _p, _o, v in recs[len(want):])
    kh.kcat("-b", broker, "-P", "-t", topic, "-p", "0", input=b"after\n")
    tail = consume_all(broker, topic, [0])[-1]
    assert tail[1:] == (len(recs), b"after")


def test_size_retention_and_segment_roll(server_factory):
    srv = server_factory("ret", command=("serve", "stream"),
                         extra_args=["--stream-segment-bytes", "4096",
                                     "--stream-retention-bytes", "16384",
                                     "--stream-retention-check-interval", "200ms"])
    broker = srv.endpoints["kafka"]
    topic = "ret-" + uuid.uuid4().hex[:8]
    lines = "".join(f"{i:05d}-" + "r" * 500 + "\n" for i in range(200)).encode()
    kh.kcat("-b", broker, "-P", "-t", topic, "-p", "0", "-X", "linger.ms=0",
            "-X", "batch.num.messages=1", input=lines)
    start, deadline = 0, time.time() + 20
    while start == 0 and time.time() < deadline:
        out = kh.kcat("-b", broker, "-Q", "-t", f"{topic}:0:-2").stdout.decode()
        start = int(out.split()[-1])
        time.sleep(0.2)
    assert start > 0, "retention never moved the log start"
    segs = segment_files(srv.data_dir, topic, 0)
    total = sum(s.stat().st_size for s in segs)
    assert total < 16384 + 2 * 4096, (total, len(segs))  # closed segments over the limit gone
    assert all(s.stat().st_size <= 4096 + 600 for s in segs[:-1])  # rolled by size
    first = json.loads(kh.kcat("-b", broker, "-C", "-t", topic, "-p", "0", "-o", "beginning",
                               "-c", "1", "-J").stdout)
    assert first["offset"] == start and first["payload"].startswith(f"{start:05d}-")
    end = kh.kcat("-b", broker, "-Q", "-t", f"{topic}:0:-1").stdout.decode()
    assert end.split()[-1] == "200"


def test_time_retention_with_the_clock_offset(server_factory, test_hooks):
    srv = server_factory("tret", command=("serve", "stream"),
                         extra_args=["--stream-segment-bytes", "4096"])
    broker = srv.endpoints["kafka"]
    topic = "tret-" + uuid.uuid4().hex[:8]
    lines = "".join(f"{i:05d}-" + "t" * 500 + "\n" for i in range(60)).encode()
    kh.kcat("-b", broker, "-P", "-t", topic, "-p", "0", "-X", "linger.ms=0",
            "-X", "batch.num.messages=1", input=lines)
    assert len(segment_files(srv.data_dir, topic, 0)) > 3
    srv.stop()
    # eight days later: every segment is past segment_ms (7d) and retention (7d)
    srv.extra_args += ["--stream-clock-offset", "8d", "--stream-retention-check-interval", "200ms"]
    srv.start()
    broker = srv.endpoints["kafka"]
    start, deadline = 0, time.time() + 20
    while start < 60 and time.time() < deadline:
        start = int(kh.kcat("-b", broker, "-Q", "-t", f"{topic}:0:-2").stdout.decode().split()[-1])
        time.sleep(0.2)
    assert start == 60  # everything expired; the high watermark stays
    assert kh.kcat("-b", broker, "-Q", "-t", f"{topic}:0:-1").stdout.decode().split()[-1] == "60"
    kh.kcat("-b", broker, "-P", "-t", topic, "-p", "0", input=b"fresh\n")
    out = kh.kcat("-b", broker, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e").stdout
    assert out.decode().split() == ["fresh"]


def test_stream_metrics_count_produce_and_fetch_and_promtool_accepts_them(server):
    broker = server.endpoints["kafka"]
    topic = "met-" + uuid.uuid4().hex[:8]
    kh.kcat("-b", broker, "-P", "-t", topic, "-p", "1", input=b"a\nb\nc\n")
    kh.kcat("-b", broker, "-C", "-t", topic, "-p", "1", "-o", "beginning", "-e")
    want = f'lakehouse_stream_produced_records_total{{topic="{topic}"}} 3'
    deadline, text = time.time() + 10, ""
    while time.time() < deadline:
        text = requests.get(server.web_url + "/metrics", timeout=10).text
        fetched = re.search(rf'lakehouse_stream_fetched_bytes_total{{topic="{topic}"}} (\S+)', text)
        if want in text and fetched and float(fetched.group(1)) > 0:
            break
        time.sleep(0.3)
    assert want in text
    assert fetched and float(fetched.group(1)) > 0, "fetched bytes not counted"
    assert f'lakehouse_stream_log_size_bytes{{topic="{topic}",partition="1"}}' in text
    assert f'lakehouse_stream_high_watermark{{topic="{topic}",partition="1"}} 3' in text
    promtool = clients.need("promtool")
    r = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


def test_consumer_lag_per_group_in_the_metrics(server):
    from confluent_kafka import Consumer, TopicPartition
    broker = server.endpoints["kafka"]
    topic = "lag-" + uuid.uuid4().hex[:8]
    group = "lag-group-" + uuid.uuid4().hex[:6]
    kh.kcat("-b", broker, "-P", "-t", topic, "-p", "0",
            input=b"".join(b"r%d\n" % i for i in range(10)))
    c = Consumer({"bootstrap.servers": broker, "group.id": group, "enable.auto.commit": False})
    c.commit(offsets=[TopicPartition(topic, 0, 4)], asynchronous=False)
    c.close()
    want = f'lakehouse_stream_consumer_lag{{group="{group}",topic="{topic}",partition="0"}} 6'
    deadline, text = time.time() + 10, ""
    while time.time() < deadline and want not in text:
        time.sleep(0.3)
        text = requests.get(server.web_url + "/metrics", timeout=10).text
    assert want in text
    assert f'lakehouse_stream_consumer_group_lag{{group="{group}"}} 6' in text
