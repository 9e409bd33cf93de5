"""The stream role's consumer-group coordinator (issue 9) driven by real
clients: kcat's balanced consumer (librdkafka 2.0.2), a kafka-python 2.0.2
group of two that rebalances when one member leaves, confluent-kafka
commits, ListGroups/DescribeGroups through confluent-kafka's admin client,
and committed offsets that outlive the consumers and the broker (SIGTERM
and kill -9). The broker runs with stream.group_initial_rebalance_delay 0
and the clients with 6 s sessions."""
import socket
import threading
import time
import uuid

import pytest

from helpers import kafka as kh
from helpers.server import Server

kafka = pytest.importorskip("kafka")
confluent_kafka = pytest.importorskip("confluent_kafka")

GROUP_ENV = {"LAKEHOUSE_STREAM_GROUP_INITIAL_REBALANCE_DELAY": "0"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def name(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def start_broker(make, label):
    """A stream-only server on a fixed port (so a restart keeps it)."""
    port = free_port()
    srv = make(label, command=("serve", "stream"), env=GROUP_ENV,
               extra_args=["--stream-listen", f"127.0.0.1:{port}"])
    return srv, f"127.0.0.1:{port}"


@pytest.fixture(scope="module")
def gb(tmp_path_factory):
    d = tmp_path_factory.mktemp("groups")
    port = free_port()
    srv = Server(d / "data", d, name="groups", command=("serve", "stream"), env=GROUP_ENV,
                 extra_args=["--stream-listen", f"127.0.0.1:{port}"]).start()
    yield f"127.0.0.1:{port}"
    srv.check_clean_stop()


def produce(broker, topic, values, partitions=4):
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": broker, "acks": "all"})
    for i, v in enumerate(values):
        p.produce(topic, v.encode(), partition=i % partitions)
    assert p.flush(30) == 0


def ck_consumer(broker, group, **kw):
    from confluent_kafka import Consumer
    conf = {"bootstrap.servers": broker, "group.id": group, "session.timeout.ms": 6000,
            "heartbeat.interval.ms": 500, "auto.offset.reset": "earliest",
            "enable.auto.commit": False, "enable.partition.eof": False}
    conf.update(kw)
    return Consumer(conf)


def ck_drain(c, want, timeout=60):
    return kh.drain(c, want, timeout, lambda m: (m.partition(), m.offset(), m.value().decode()))


# --- kcat --------------------------------------------------------------------

def kcat_group(broker, group, topic, timeout=60):
    r = kh.kcat("-b", broker, "-G", group, "-X", "session.timeout.ms=6000",
                "-X", "auto.offset.reset=earliest", "-e", "-f", "%p %o %s\n", topic,
                timeout=timeout)
    return [ln.split(" ", 2) for ln in r.stdout.decode().splitlines() if ln.strip()]


def test_kcat_balanced_consumer_reads_everything_then_resumes_from_its_commits(gb):
    t, g = name("kc"), name("kcg")
    produce(gb, t, [f"v{i}" for i in range(200)])
    first = kcat_group(gb, g, t)
    assert sorted(v for _, _, v in first) == sorted(f"v{i}" for i in range(200))
    assert len({(p, o) for p, o, _ in first}) == 200
    produce(gb, t, [f"w{i}" for i in range(12)])
    second = kcat_group(gb, g, t)  # the group's committed offsets: only the new ones
    assert sorted(v for _, _, v in second) == sorted(f"w{i}" for i in range(12))


# --- kafka-python: a group of two ------------------------------------------------

class Poller:
    """Polls a kafka-python consumer on its own thread, keeping what it got."""

    def __init__(self, consumer):
        self.c, self.got, self.stop = consumer, [], threading.Event()
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop.is_set():
            for recs in self.c.poll(200).values():
                self.got.extend((r.partition, r.offset, r.value.decode()) for r in recs)

    def halt(self):
        self.stop.set()
        self.t.join(30)

    def parts(self):
        return sorted(tp.partition for tp in self.c.assignment())


def kp_consumer(broker, group, topic, cid):
    from kafka import KafkaConsumer
    return KafkaConsumer(topic, bootstrap_servers=broker, group_id=group, client_id=cid,
                         session_timeout_ms=6000, heartbeat_interval_ms=500,
                         auto_offset_reset="earliest", enable_auto_commit=False)


def wait_for(cond, timeout=60, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_kafka_python_group_of_two_rebalances_when_one_leaves(gb):
    from kafka import TopicPartition
    t, g = name("kp"), name("kpg")
    produce(gb, t, [f"a{i}" for i in range(80)])
    a = Poller(kp_consumer(gb, g, t, "member-a"))
    b = Poller(kp_consumer(gb, g, t, "member-b"))
    want = {f"a{i}" for i in range(80)}
    # at least once: what member-a read before member-b joined is read again by
    # whichever member gets its partition, since nothing was committed yet
    wait_for(lambda: {v for *_, v in a.got + b.got} == want and a.parts() and b.parts()
             and len(a.parts()) + len(b.parts()) == 4, what="two members sharing 4 partitions")
    assert not set(a.parts()) & set(b.parts()), (a.parts(), b.parts())
    assert {v for *_, v in a.got + b.got} == want
    b.halt()
    b.c.commit()
    b.c.close()  # LeaveGroup: the other member takes every partition
    wait_for(lambda: a.parts() == [0, 1, 2, 3], what="the remaining member owning 4 partitions")
    produce(gb, t, [f"b{i}" for i in range(20)])
    wait_for(lambda: sum(v.startswith("b") for *_, v in a.got) == 20, what="the new records")
    a.halt()
    a.c.commit()
    ends = {p: a.c.committed(TopicPartition(t, p)) for p in range(4)}
    assert sum(ends.values()) == 100, ends  # 25 per partition, all committed
    a.c.close()
    # a new member starts where the group's commits say
    produce(gb, t, [f"c{i}" for i in range(8)])
    c = Poller(kp_consumer(gb, g, t, "member-c"))
    wait_for(lambda: len(c.got) >= 8, what="the records after the commits")
    time.sleep(1)
    c.halt()
    c.c.close()
    assert sorted(v for *_, v in c.got) == sorted(f"c{i}" for i in range(8))


# --- confluent-kafka: commits, metadata, admin views --------------------------------

def test_confluent_commit_metadata_and_describe(gb):
    from confluent_kafka import TopicPartition
    from confluent_kafka.admin import AdminClient
    t, g = name("ck"), name("ckg")
    produce(gb, t, [f"x{i}" for i in range(40)])
    c = ck_consumer(gb, g, **{"client.id": "ck-client"})
    c.subscribe([t])
    got = ck_drain(c, 40)
    assert len(got) == 40
    c.commit(asynchronous=False)
    committed = c.committed([TopicPartition(t, p) for p in range(4)], timeout=10)
    assert [tp.offset for tp in committed] == [10, 10, 10, 10]
    # the group as the admin client sees it while the member is in it
    admin = AdminClient({"bootstrap.servers": gb})
    groups = {x.id: x for x in admin.list_groups(timeout=10)}
    assert g in groups, list(groups)
    desc = admin.list_groups(g, timeout=10)[0]
    assert desc.state == "Stable" and desc.protocol_type == "consumer", desc
    assert desc.protocol in ("range", "roundrobin"), desc.protocol
    (m,) = desc.members
    assert m.client_id == "ck-client" and m.client_host.startswith("/127.0.0.1"), m
    assert t.encode() in m.metadata and t.encode() in m.assignment  # consumer protocol bytes
    c.close()
    desc = admin.list_groups(g, timeout=10)[0]
    assert desc.state == "Empty" and not desc.members
    # a new consumer resumes at the commits
    produce(gb, t, [f"y{i}" for i in range(4)])
    c2 = ck_consumer(gb, g)
    c2.subscribe([t])
    more = ck_drain(c2, 4)
    c2.close()
    assert sorted(v for *_, v in more) == ["y0", "y1", "y2", "y3"]
    assert all(o == 10 for _, o, _ in more)


def test_kafka_python_commit_metadata_round_trips(gb):
    from kafka import KafkaConsumer, OffsetAndMetadata, TopicPartition
    t, g = name("md"), name("mdg")
    produce(gb, t, ["m"] * 4)
    c = KafkaConsumer(bootstrap_servers=gb, group_id=g, enable_auto_commit=False)
    tp = TopicPartition(t, 1)
    c.assign([tp])
    c.commit({tp: OffsetAndMetadata(1, "checkpoint-α")})  # simple commit, no group protocol
    c.close()
    c = KafkaConsumer(bootstrap_servers=gb, group_id=g, enable_auto_commit=False)
    assert c.committed(tp) == 1
    c.close()
    # the metadata string comes back through OffsetFetch (the admin client's view)
    from kafka.admin import KafkaAdminClient
    admin = KafkaAdminClient(bootstrap_servers=gb)
    offs = admin.list_consumer_group_offsets(g)
    admin.close()
    assert offs == {tp: OffsetAndMetadata(1, "checkpoint-α")}, offs


def test_unknown_partition_commit_is_refused(gb):
    from confluent_kafka import KafkaException, TopicPartition
    t, g = name("up"), name("upg")
    produce(gb, t, ["z"], partitions=1)
    c = ck_consumer(gb, g)
    with pytest.raises(KafkaException) as e:
        c.commit(offsets=[TopicPartition(t, 9, 1)], asynchronous=False)
    assert "UNKNOWN_TOPIC_OR_PART" in str(e.value) or "Unknown topic or partition" in str(e.value)
    c.close()


# --- offsets outlive the broker -----------------------------------------------------

@pytest.mark.parametrize("how", ["sigterm", "kill9"])
def test_committed_offsets_survive_a_broker_restart(server_factory, how):
    from confluent_kafka import TopicPartition
    srv, broker = start_broker(server_factory, f"rs-{how}")
    t, g = name("rs"), name("rsg")
    produce(broker, t, [f"r{i}" for i in range(20)])
    c = ck_consumer(broker, g)
    c.subscribe([t])
    assert len(ck_drain(c, 20)) == 20
    c.commit(asynchronous=False)  # acknowledged: fsynced before the answer
    c.close()
    if how == "kill9":
        srv.kill()
        srv.start()
    else:
        srv.restart()
    c = ck_consumer(broker, g)
    committed = c.committed([TopicPartition(t, p) for p in range(4)], timeout=20)
    assert [tp.offset for tp in committed] == [5, 5, 5, 5]
    from kafka import KafkaConsumer, TopicPartition as KTP
    kc = KafkaConsumer(bootstrap_servers=broker, group_id=g)
    assert [kc.committed(KTP(t, p)) for p in range(4)] == [5, 5, 5, 5]
    kc.close()
    produce(broker, t, ["after"])
    c.subscribe([t])
    got = ck_drain(c, 1)
    c.close()
    assert [v for *_, v in got] == ["after"]


# --- raw requests: versions the clients above do not send, and bad input ----------

class R:
    """Reads a response body after the correlation id."""

    def __init__(self, body):
        self.b, self.at = body, 4

    def take(self, fmt):
        import struct
        v = struct.unpack_from(">" + fmt, self.b, self.at)
        self.at += struct.calcsize(">" + fmt)
        return v[0] if len(v) == 1 else v

    def str(self):
        n = self.take("h")
        if n < 0:
            return None
        s = self.b[self.at:self.at + n].decode()
        self.at += n
        return s

    def bytes(self):
        n = self.take("i")
        s = self.b[self.at:self.at + max(n, 0)]
        self.at += max(n, 0)
        return s

    def done(self):
        return self.at == len(self.b)


def bstr(b):
    import struct
    return struct.pack(">i", len(b)) + b


def ask(conn, key, version, body, corr=1):
    conn.send(kh.header(key, version, corr) + body)
    resp = conn.recv()
    assert resp is not None, f"connection closed on api {key} v{version}"
    r = R(resp)
    import struct
    assert struct.unpack_from(">i", resp, 0)[0] == corr
    return r


def test_raw_group_round_at_old_and_newest_versions(gb):
    import struct
    t, g = name("raw"), name("rawg")
    produce(gb, t, ["r"] * 4)
    c = kh.Conn(gb)
    join_v0 = (kh.string(g) + struct.pack(">i", 6000) + kh.string("") + kh.string("consumer")
               + struct.pack(">i", 1) + kh.string("range") + bstr(b"meta-0"))
    r = ask(c, 11, 0, join_v0)
    err, gen, proto, leader, member = r.take("h"), r.take("i"), r.str(), r.str(), r.str()
    members = [(r.str(), r.bytes()) for _ in range(r.take("i"))]
    assert (err, gen, proto, leader) == (0, 1, "range", member) and r.done()
    assert members == [(member, b"meta-0")] and member.startswith("itest-")
    # JoinGroup v4 for a new member: MEMBER_ID_REQUIRED with the id to use
    join_v4 = (kh.string(g + "-2") + struct.pack(">ii", 6000, 6000) + kh.string("")
               + kh.string("consumer") + struct.pack(">i", 1) + kh.string("range") + bstr(b""))
    r = ask(c, 11, 4, join_v4, corr=2)
    assert r.take("i") == 0 and r.take("h") == 79 and r.take("i") == -1
    r.str(), r.str()
    assert r.str().startswith("itest-") and r.take("i") == 0 and r.done()
    # the leader's SyncGroup v0 carries the assignment it gets back
    r = ask(c, 14, 0, kh.string(g) + struct.pack(">i", 1) + kh.string(member)
            + struct.pack(">i", 1) + kh.string(member) + bstr(b"assign-0"), corr=3)
    assert (r.take("h"), r.bytes()) == (0, b"assign-0") and r.done()
    r = ask(c, 12, 0, kh.string(g) + struct.pack(">i", 1) + kh.string(member), corr=4)
    assert r.take("h") == 0 and r.done()
    # DescribeGroups v4
    r = ask(c, 15, 4, struct.pack(">i", 1) + kh.string(g) + b"\x00", corr=5)
    assert r.take("i") == 0 and r.take("i") == 1
    assert (r.take("h"), r.str(), r.str(), r.str(), r.str()) == (0, g, "Stable", "consumer",
                                                                 "range")
    assert r.take("i") == 1
    mid, inst, cid, host = r.str(), r.str(), r.str(), r.str()
    assert (mid, inst, cid) == (member, None, "itest") and host.startswith("/127.0.0.1")
    assert (r.bytes(), r.bytes()) == (b"meta-0", b"assign-0")
    assert r.take("i") == -2**31 and r.done()
    # OffsetCommit v0 (no generation: a simple commit is refused while the group has a member)
    commit_v0 = (kh.string(g) + struct.pack(">i", 1) + kh.string(t) + struct.pack(">i", 1)
                 + struct.pack(">iq", 2, 3) + kh.string("m0"))
    r = ask(c, 8, 0, commit_v0, corr=6)
    assert r.take("i") == 1 and r.str() == t and r.take("i") == 1
    assert r.take("i") == 2 and r.take("h") == 25 and r.done()
    # LeaveGroup v3: the member leaves, a second time it is unknown
    leave_v3 = kh.string(g) + struct.pack(">i", 1) + kh.string(member) + struct.pack(">h", -1)
    for corr, want in ((7, 0), (8, 25)):
        r = ask(c, 13, 3, leave_v3, corr=corr)
        assert r.take("i") == 0 and r.take("h") == 0 and r.take("i") == 1
        assert (r.str(), r.str(), r.take("h")) == (member, None, want) and r.done()
    # now Empty: the v0 commit is accepted; OffsetFetch v0 and v5 (all topics) read it
    r = ask(c, 8, 0, commit_v0, corr=9)
    assert r.take("i") == 1 and r.str() == t and r.take("i") == 1
    assert r.take("i") == 2 and r.take("h") == 0 and r.done()
    r = ask(c, 9, 0, kh.string(g) + struct.pack(">i", 1) + kh.string(t)
            + struct.pack(">iii", 2, 2, 3), corr=10)
    assert r.take("i") == 1 and r.str() == t and r.take("i") == 2
    assert (r.take("i"), r.take("q"), r.str(), r.take("h")) == (2, 3, "m0", 0)
    assert (r.take("i"), r.take("q"), r.str(), r.take("h")) == (3, -1, "", 0) and r.done()
    r = ask(c, 9, 5, kh.string(g) + struct.pack(">i", -1) + b"\x00", corr=11)
    assert r.take("i") == 0 and r.take("i") == 1 and r.str() == t and r.take("i") == 1
    assert (r.take("i"), r.take("q"), r.take("i"), r.str(), r.take("h")) == (2, 3, -1, "m0", 0)
    assert r.take("h") == 0 and r.done()
    # FindCoordinator v2: this broker
    r = ask(c, 10, 2, kh.string(g) + b"\x00", corr=12)
    assert (r.take("i"), r.take("h"), r.str(), r.take("i")) == (0, 0, None, 0)
    host, port = r.str(), r.take("i")
    assert f"{host}:{port}" == gb and r.done()
    # ListGroups v2 lists both groups
    r = ask(c, 16, 2, b"", corr=13)
    assert r.take("i") == 0 and r.take("h") == 0
    listed = {r.str(): r.str() for _ in range(r.take("i"))}
    assert listed.get(g) == "consumer" and r.done()
    c.close()


@pytest.mark.parametrize("key,version,body", [
    (11, 5, b"\x00\x01g"),                                       # JoinGroup cut short
    (11, 1, b"\x00\x01g" + b"\x00" * 12 + b"\x7f\xff\xff\xff"),  # 2^31-1 protocols, no bytes
    (14, 3, b"\x00\x01g\x00\x00\x00\x01\x00\x01m\xff\xff\x00\x00\x00\x05"),  # 5 assignments, none
    (8, 7, b"\x00\x01g\x00\x00\x00\x01\x00\x00\xff\xff\x00\x00\x10\x00"),    # 4096 topics, none
    (9, 1, b"\x00\x01g\xff\xff\xff\xff"),                       # null topics before v2
    (13, 3, b"\x00\x01g\x00\x00\x00\x02\x00\x01m"),             # LeaveGroup member cut
])
def test_malformed_group_requests_close_the_connection(gb, key, version, body):
    c = kh.Conn(gb)
    c.send(kh.header(key, version, 1) + body)
    assert c.recv() is None  # Kafka closes the connection on a request it cannot parse
    c.close()
    # the broker is fine: a new connection gets answers
    c = kh.Conn(gb)
    r = ask(c, 10, 0, kh.string("any"))
    assert r.take("h") == 0
    c.close()


def test_cooperative_sticky_group_hands_partitions_over(gb):
    t, g = name("coop"), name("coopg")
    produce(gb, t, [f"s{i}" for i in range(8)])
    owned = {}

    def member(label):
        c = ck_consumer(gb, g, **{"partition.assignment.strategy": "cooperative-sticky",
                                  "client.id": label})
        owned[label] = set()

        def on_assign(_c, parts):
            owned[label] |= {p.partition for p in parts}

        def on_revoke(_c, parts):
            owned[label] -= {p.partition for p in parts}

        c.subscribe([t], on_assign=on_assign, on_revoke=on_revoke)
        return c

    a, b = member("a"), member("b")

    def spin(*cs):
        for c in cs:
            c.poll(0.05)

    deadline = time.time() + 60
    while time.time() < deadline and not (owned["a"] and owned["b"]
                                          and owned["a"] | owned["b"] == {0, 1, 2, 3}
                                          and not owned["a"] & owned["b"]):
        spin(a, b)
    assert owned["a"] and owned["b"] and owned["a"] | owned["b"] == {0, 1, 2, 3}, owned
    kept = set(owned["a"])
    b.close()
    deadline = time.time() + 60
    while time.time() < deadline and owned["a"] != {0, 1, 2, 3}:
        spin(a)
    assert owned["a"] == {0, 1, 2, 3} and kept <= owned["a"], owned
    a.close()


def test_killed_member_is_expired_and_its_partitions_move(gb, tmp_path):
    """kill -9 of a member (no LeaveGroup): its 6 s session ends on the
    broker's timer, the group rebalances and the survivor takes over."""
    import subprocess
    t, g = name("k9m"), name("k9g")
    produce(gb, t, ["k"] * 4)
    script = tmp_path / "member.py"
    script.write_text(
        "import sys\nfrom kafka import KafkaConsumer\n"
        f"c = KafkaConsumer({t!r}, bootstrap_servers={gb!r}, group_id={g!r},\n"
        "                  session_timeout_ms=6000, heartbeat_interval_ms=500)\n"
        "while True:\n"
        "    c.poll(200)\n"
        "    if c.assignment():\n"
        "        print('assigned', flush=True)\n")
    proc = subprocess.Popen(["/usr/bin/python3", str(script)], stdout=subprocess.PIPE)
    try:
        assert proc.stdout.readline().startswith(b"assigned")
        survivor = Poller(kp_consumer(gb, g, t, "survivor"))
        wait_for(lambda: survivor.parts() and len(survivor.parts()) < 4,
                 what="the group of two sharing the partitions")
        proc.kill()
        wait_for(lambda: survivor.parts() == [0, 1, 2, 3], timeout=90,
                 what="the survivor owning every partition after the session expiry")
        survivor.halt()
        survivor.c.close()
    finally:
        proc.kill()
        proc.wait()


def test_live_consumer_rides_through_a_broker_restart(server_factory):
    """A confluent-kafka member keeps running while the broker restarts: the
    group's membership was kept in the offsets file, so its heartbeats go on
    in the same generation with no rebalance, and it reads on after its
    commits and commits again."""
    from confluent_kafka import TopicPartition
    srv, broker = start_broker(server_factory, "ride")
    t, g = name("ride"), name("rideg")
    produce(broker, t, [f"p{i}" for i in range(8)])
    c = ck_consumer(broker, g, **{"reconnect.backoff.ms": 50, "reconnect.backoff.max.ms": 500})
    assigns = []
    c.subscribe([t], on_assign=lambda _c, parts: assigns.append(len(parts)))
    assert len(ck_drain(c, 8)) == 8
    c.commit(asynchronous=False)
    srv.restart()
    for _ in range(40):  # 4 s of heartbeats (every 0.5 s) against the new broker
        assert c.poll(0.1) is None
    assert assigns == [4], assigns  # no rebalance
    produce(broker, t, [f"q{i}" for i in range(8)])
    got = ck_drain(c, 8)
    assert sorted(v for *_, v in got) == sorted(f"q{i}" for i in range(8))
    c.commit(asynchronous=False)
    committed = c.committed([TopicPartition(t, p) for p in range(4)], timeout=20)
    assert [tp.offset for tp in committed] == [4, 4, 4, 4]
    c.close()


def test_static_member_restart_keeps_the_assignment(gb):
    """librdkafka with group.instance.id: a static member's process restarts
    (closing sends no LeaveGroup) and rejoins under its instance id; the
    group does not rebalance, so the other member keeps its partitions
    without a revoke, and the restarted one gets its old partitions back."""
    t, g = name("st"), name("stg")
    produce(gb, t, ["s"] * 8)
    events = {"a": [], "b": []}

    def member(label):
        c = ck_consumer(gb, g, **{"group.instance.id": f"inst-{label}", "client.id": label})
        c.subscribe([t], on_assign=lambda _c, ps: events[label].append(
            ("assign", sorted(p.partition for p in ps))),
            on_revoke=lambda _c, ps: events[label].append(
            ("revoke", sorted(p.partition for p in ps))))
        return c

    def assigned(label):
        got = [e for e in events[label] if e[0] == "assign"]
        return got[-1][1] if got else None

    a, b = member("a"), member("b")
    deadline = time.time() + 60
    while time.time() < deadline and not (assigned("a") and assigned("b")
                                          and sorted(assigned("a") + assigned("b")) == [0, 1, 2, 3]):
        a.poll(0.05)
        b.poll(0.05)
    first_a, first_b = assigned("a"), assigned("b")
    assert first_a and first_b and sorted(first_a + first_b) == [0, 1, 2, 3], events
    b_events = len(events["b"])
    a.close()
    events["a"].clear()
    a = member("a")
    deadline = time.time() + 60
    while time.time() < deadline and assigned("a") is None:
        a.poll(0.05)
        b.poll(0.05)
    for _ in range(20):  # a while longer: a rebalance would show up at b now
        a.poll(0.05)
        b.poll(0.05)
    assert assigned("a") == first_a, events
    assert len(events["b"]) == b_events, events  # no revoke, no new assignment at b
    a.close()
    b.close()


def test_delete_groups_and_offsets(gb):
    """DeleteGroups through kafka-python's admin client (a group with a
    member is refused, an Empty one goes with its offsets, an unknown one is
    not found), and OffsetDelete v0 raw (a subscribed topic is refused while
    the group has a member; an unknown partition is refused)."""
    import struct
    from kafka.admin import KafkaAdminClient
    from kafka.errors import GroupIdNotFoundError, NoError, NonEmptyGroupError
    t, other, g = name("dg"), name("dgo"), name("dgg")
    produce(gb, t, ["d"] * 4)
    produce(gb, other, ["d"] * 4)
    c = ck_consumer(gb, g)
    c.subscribe([t])
    assert len(ck_drain(c, 4)) == 4
    c.commit(asynchronous=False)
    from confluent_kafka import TopicPartition
    c.commit(offsets=[TopicPartition(other, 0, 1)], asynchronous=False)
    admin = KafkaAdminClient(bootstrap_servers=gb)
    res = dict(admin.delete_consumer_groups([g, name("none")]))
    assert res[g] is NonEmptyGroupError and list(res.values()).count(GroupIdNotFoundError) == 1
    conn = kh.Conn(gb)
    body = (kh.string(g) + struct.pack(">i", 2) + kh.string(t) + struct.pack(">ii", 1, 0)
            + kh.string(other) + struct.pack(">iii", 2, 0, 9))
    r = ask(conn, 47, 0, body)
    assert r.take("h") == 0 and r.take("i") == 0 and r.take("i") == 2
    assert r.str() == t and r.take("i") == 1 and (r.take("i"), r.take("h")) == (0, 86)
    assert r.str() == other and r.take("i") == 2
    assert (r.take("i"), r.take("h"), r.take("i"), r.take("h")) == (0, 0, 9, 3) and r.done()
    conn.close()
    got = admin.list_consumer_group_offsets(g)
    assert {tp.topic for tp in got} == {t}, got  # the other topic's offset is gone
    c.close()  # Empty now
    assert dict(admin.delete_consumer_groups([g])) == {g: NoError}
    assert admin.list_consumer_group_offsets(g) == {}
    assert g not in {x[0] for x in admin.list_consumer_groups()}
    admin.close()


def test_group_metrics(server_factory):
    import re
    import requests
    srv, broker = start_broker(server_factory, "gm")
    t, g = name("gm"), name("gmg")
    produce(broker, t, ["m"] * 4)
    c = ck_consumer(broker, g)
    c.subscribe([t])
    assert len(ck_drain(c, 4)) == 4
    c.commit(asynchronous=False)

    def value(text, series):
        m = re.search(r"^" + re.escape(series) + r" (\S+)$", text, re.M)
        return float(m.group(1)) if m else None

    text, deadline = "", time.time() + 30
    while time.time() < deadline:  # published on the broker's one-second tick
        text = requests.get(srv.web_url + "/metrics", timeout=10).text
        if (value(text, "lakehouse_stream_offset_commits_total") or 0) >= 1:
            break
        time.sleep(0.3)
    assert value(text, 'lakehouse_stream_groups{state="Stable"}') == 1, text
    assert value(text, "lakehouse_stream_group_members") == 1
    assert value(text, "lakehouse_stream_group_rebalances_total") >= 1
    assert value(text, "lakehouse_stream_offset_commits_total") >= 1
    c.close()


def test_kafkajs_group_consumer(gb):
    """kafkajs 2.2 (JoinGroup v5 with its MEMBER_ID_REQUIRED step, SyncGroup
    v3, OffsetCommit, OffsetFetch) reads a topic in a group, then the same
    group's committed offsets hold every record."""
    import json
    from pathlib import Path

    from helpers import clients
    from kafka import KafkaConsumer, TopicPartition
    node = clients.need("node")
    js = Path(__file__).resolve().parent.parent / "js"
    t = name("kjs")
    r = clients.run([node, str(js / "kafka_client.mjs"), gb, t, "produce", "40"],
                    cwd=str(js), check=False, timeout=120)
    assert r.returncode == 0, r.stderr
    r = clients.run([node, str(js / "kafka_client.mjs"), gb, t, "consume", "40"],
                    cwd=str(js), check=False, timeout=120)
    assert r.returncode == 0, r.stderr
    seen = json.loads(r.stdout.strip().splitlines()[-1])["seen"]
    assert sorted(v for *_, v in seen) == sorted(f"v{i}" for i in range(40))
    kc = KafkaConsumer(bootstrap_servers=gb, group_id=f"g-{t}")
    wait_for(lambda: [kc.committed(TopicPartition(t, p)) for p in range(2)] == [20, 20],
             what="kafkajs's commits")  # it commits on its interval and at disconnect
    kc.close()


def test_kill_9_under_commit_load_loses_no_acknowledged_commit(server_factory):
    """Four committers in four groups send OffsetCommit v2 (raw, one at a
    time, each waiting for its answer) with rising offsets; the broker is
    killed with SIGKILL in the middle. After the restart every group's
    committed offset is the last one acknowledged to it, or the one in
    flight when the broker died."""
    import struct
    from confluent_kafka import TopicPartition
    srv, broker = start_broker(server_factory, "ck9")
    t = name("ck9")
    produce(broker, t, ["x"], partitions=1)
    acked, tried = {}, {}

    def committer(g):
        conn = kh.Conn(broker, timeout=30)
        n = 0
        while True:
            n += 1
            tried[g] = n
            body = (kh.string(g) + struct.pack(">i", -1) + kh.string("") + struct.pack(">q", -1)
                    + struct.pack(">i", 1) + kh.string(t) + struct.pack(">i", 1)
                    + struct.pack(">iq", 0, n) + kh.string(""))
            try:
                conn.send(kh.header(8, 2, n) + body)
                resp = conn.recv()
            except OSError:
                resp = None
            if resp is None:
                return  # the broker went away
            assert resp[-2:] == b"\x00\x00", resp  # error NONE
            acked[g] = n

    groups = [f"{t}-g{i}" for i in range(4)]
    threads = [threading.Thread(target=committer, args=(g,), daemon=True) for g in groups]
    for th in threads:
        th.start()
    wait_for(lambda: len(acked) == 4 and min(acked.values()) >= 50, what="commits flowing")
    srv.kill()
    for th in threads:
        th.join(60)
    srv.start()
    for g in groups:
        c = ck_consumer(broker, g)
        (tp,) = c.committed([TopicPartition(t, 0)], timeout=20)
        c.close()
        assert tp.offset in (acked[g], tried[g]), (g, tp.offset, acked[g], tried[g])


def test_groups_under_sasl_readers_consume_writers_delete(server_factory):
    """With SASL on, a reader consumes in a group and commits (Kafka's READ
    on the group), but deleting a group needs the writer role
    (GROUP_AUTHORIZATION_FAILED, 30)."""
    import struct
    from confluent_kafka import TopicPartition
    reader, writer = ("greader", "greadersecret-1"), ("gwriter", "gwritersecret-1")
    port = free_port()
    srv = server_factory("gsasl", command=("serve", "stream,web"), env=GROUP_ENV,
                         extra_args=["--stream-listen", f"127.0.0.1:{port}",
                                     "--stream-sasl", "PLAIN"])
    srv.add_user(*reader, "reader")
    srv.add_user(*writer, "writer")
    broker = f"127.0.0.1:{port}"
    t, g = name("sa"), name("sag")

    def auth(user):
        return {"security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": "PLAIN",
                "sasl.username": user[0], "sasl.password": user[1]}

    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": broker, **auth(writer)})
    for i in range(4):
        p.produce(t, b"s", partition=i)
    assert p.flush(30) == 0
    c = ck_consumer(broker, g, **auth(reader))
    c.subscribe([t])
    assert len(ck_drain(c, 4)) == 4
    c.commit(asynchronous=False)
    committed = c.committed([TopicPartition(t, i) for i in range(4)], timeout=10)
    assert [tp.offset for tp in committed] == [1, 1, 1, 1]
    c.close()

    def delete_as(user):
        conn = kh.Conn(broker)
        conn.send(kh.header(17, 1, 1) + kh.string("PLAIN"))  # SaslHandshake v1
        assert conn.recv() is not None
        token = b"\x00" + user[0].encode() + b"\x00" + user[1].encode()
        conn.send(kh.header(36, 1, 2) + struct.pack(">i", len(token)) + token)  # SaslAuthenticate
        r = R(conn.recv())
        assert r.take("h") == 0, "login failed"
        r = ask(conn, 42, 1, struct.pack(">i", 1) + kh.string(g), corr=3)
        assert r.take("i") == 0 and r.take("i") == 1 and r.str() == g
        err = r.take("h")
        conn.close()
        return err

    assert delete_as(reader) == 30
    assert delete_as(writer) == 0
