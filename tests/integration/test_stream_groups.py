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
    got, deadline = [], time.time() + timeout
    while len(got) < want and time.time() < deadline:
        m = c.poll(0.5)
        if m is None:
            continue
        assert m.error() is None, m.error()
        got.append((m.partition(), m.offset(), m.value().decode()))
    return got


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
    wait_for(lambda: len(a.got) + len(b.got) >= 80 and a.parts() and b.parts()
             and len(a.parts()) + len(b.parts()) == 4, what="two members sharing 4 partitions")
    assert not set(a.parts()) & set(b.parts()), (a.parts(), b.parts())
    assert sorted(v for *_, v in a.got + b.got) == sorted(f"a{i}" for i in range(80))
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
    produce(broker, t, ["after"])
    c.subscribe([t])
    got = ck_drain(c, 1)
    c.close()
    assert [v for *_, v in got] == ["after"]
