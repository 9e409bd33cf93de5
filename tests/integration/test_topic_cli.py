"""`lakehouse topic list|describe|create|delete|tail`, a librdkafka client, against
our stream role (`lakehouse up`) and, as a second peer, librdkafka's own mock
cluster (helpers/kafka_mock.c, compiled here): records produced with kcat are
listed, described and tailed back; --json output parses; create, delete and
topic configs round-trip through the broker (checked with kcat and
confluent-kafka); SASL users log in; errors (no broker, unknown topic, no such
partition, wrong password, bad arguments) exit non-zero with the address tried
or the thing named."""
import json
import queue
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest

from helpers.server import ROOT_AK, ROOT_SK, Server, clean_env, lakehouse_bin

HERE = Path(__file__).resolve().parent

pytestmark = pytest.mark.skipif(shutil.which("kcat") is None, reason="kcat is not installed")


def run_topic(*args, env=None, bootstrap=None, check=True, timeout=60):
    cmd = [lakehouse_bin(), "topic", *args]
    if bootstrap:
        cmd += ["-b", bootstrap]
    r = subprocess.run(cmd, capture_output=True, text=True, env=clean_env(env), timeout=timeout,
                       stdin=subprocess.DEVNULL)
    if check:
        assert r.returncode == 0, f"topic {args}: exit {r.returncode}\n{r.stdout}\n{r.stderr}"
    return r


def kcat_produce(bootstrap, topic, partition, lines, key_sep=None, headers=()):
    cmd = ["kcat", "-b", bootstrap, "-P", "-t", topic, "-p", str(partition)]
    if key_sep:
        cmd += ["-K", key_sep]
    for h in headers:
        cmd += ["-H", h]
    subprocess.run(cmd, input=b"".join(l + b"\n" for l in lines), check=True, timeout=60,
                   capture_output=True)


class MockCluster:
    """librdkafka's mock cluster in a child process; lives while stdin is open."""

    def __init__(self, exe, topics):
        self.proc = subprocess.Popen([str(exe), *topics], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.bootstrap = self.proc.stdout.readline().decode().strip()
        assert self.bootstrap, self.proc.stderr.read().decode()

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def mock_exe(tmp_path_factory):
    exe = tmp_path_factory.mktemp("kafka-mock") / "kafka_mock"
    r = subprocess.run(["cc", "-O1", "-o", str(exe), str(HERE / "helpers" / "kafka_mock.c"),
                        "-lrdkafka"], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot build the librdkafka mock cluster helper: {r.stderr[-500:]}")
    return exe


def uniq(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class Peer:
    """A broker with the test data: orders (3 partitions): p0 one keyless
    record with a tab, p1 five keyed records with a header, p2 empty; bin (1):
    a value that is not UTF-8; quiet (2): empty. names maps each to its name
    on this broker (unique on the shared server)."""

    def __init__(self, kind, bootstrap, names):
        self.kind, self.bootstrap, self.names = kind, bootstrap, names

    def t(self, name):
        return self.names[name]

    def fill(self):
        kcat_produce(self.bootstrap, self.t("orders"), 0, [b"x\ty"])
        kcat_produce(self.bootstrap, self.t("orders"), 1,
                     [b"k%d:value %d" % (i, i) for i in range(1, 6)], key_sep=":",
                     headers=["h1=v1"])
        kcat_produce(self.bootstrap, self.t("bin"), 0, [b"\xff\xfebin"])
        return self


LAYOUT = {"orders": 3, "bin": 1, "quiet": 2}


def admin_create(bootstrap, topics):
    """Creates topics {name: partitions} with confluent-kafka's AdminClient."""
    from confluent_kafka.admin import AdminClient, NewTopic
    a = AdminClient({"bootstrap.servers": bootstrap})
    fs = a.create_topics([NewTopic(n, p, 1) for n, p in topics.items()])
    for f in fs.values():
        f.result(timeout=30)


@pytest.fixture(scope="module")
def stream(server):
    pytest.importorskip("confluent_kafka")
    names = {k: uniq(k) for k in LAYOUT}
    admin_create(server.endpoints["kafka"], {names[k]: p for k, p in LAYOUT.items()})
    return Peer("stream", server.endpoints["kafka"], names).fill()


@pytest.fixture(scope="module")
def mock(mock_exe):
    m = MockCluster(mock_exe, [f"{k}:{p}" for k, p in LAYOUT.items()])
    yield Peer("mock", m.bootstrap, {k: k for k in LAYOUT}).fill()
    m.close()


@pytest.fixture(params=["stream", "mock"])
def peer(request):
    """Each read-side test runs against our broker and against the mock."""
    return request.getfixturevalue(request.param)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# --- list and describe (both peers) ---

def test_list_shows_topics_with_partition_counts(peer):
    r = run_topic("list", bootstrap=peer.bootstrap)
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["TOPIC", "PARTITIONS", "REPLICATION"]
    rows = {l.split()[0]: l.split()[1:] for l in lines[1:]}
    assert rows[peer.t("orders")] == ["3", "1"] and rows[peer.t("bin")] == ["1", "1"]
    names = [l.split()[0] for l in lines[1:]]
    assert names == sorted(names)


def test_list_json_is_an_array_of_objects(peer):
    doc = json.loads(run_topic("list", "--json", bootstrap=peer.bootstrap).stdout)
    by = {t["name"]: t for t in doc}
    assert by[peer.t("orders")] == {"name": peer.t("orders"), "partitions": 3,
                                    "replication_factor": 1}
    assert by[peer.t("quiet")]["partitions"] == 2


def test_describe_json_gives_leaders_replicas_and_watermarks(peer):
    r = run_topic("describe", peer.t("orders"), "--json", "--timeout", "3s",
                  bootstrap=peer.bootstrap)
    doc = json.loads(r.stdout)
    assert doc["name"] == peer.t("orders")
    parts = doc["partitions"]
    assert [p["partition"] for p in parts] == [0, 1, 2]
    assert [(p["low"], p["high"]) for p in parts] == [(0, 1), (0, 5), (0, 0)]
    for p in parts:
        assert p["leader"] >= 0 and p["replicas"] == [p["leader"]] and p["isr"] == [p["leader"]]
    if peer.kind == "mock":  # no DescribeConfigs there: configs null, said on stderr
        assert doc["configs"] is None
        assert f"configs of {peer.t('orders')} not available" in r.stderr
    else:
        configs = {c["name"]: c for c in doc["configs"]}
        assert configs["cleanup.policy"]["value"] == "delete"
        assert set(configs["retention.ms"]) == {"name", "value", "source", "default",
                                                "read_only", "sensitive"}


def test_describe_text_table(peer):
    r = run_topic("describe", peer.t("orders"), "--timeout", "3s", bootstrap=peer.bootstrap)
    lines = r.stdout.splitlines()
    assert lines[0] == f"topic {peer.t('orders')}: 3 partition(s)"
    assert lines[1].split() == ["PARTITION", "LEADER", "REPLICAS", "ISR", "LOW", "HIGH"]
    assert [l.split()[0] for l in lines[2:5]] == ["0", "1", "2"]
    assert lines[3].split()[4:6] == ["0", "5"]


# --- tail (both peers) ---

def tail_json(peer, *args):
    r = run_topic("tail", *args, "--format", "json", bootstrap=peer.bootstrap)
    return [json.loads(l) for l in r.stdout.splitlines()]


def test_tail_from_beginning_prints_every_record_then_stops(peer):
    t = peer.t("orders")
    recs = tail_json(peer, t, "--from", "beginning")
    got = sorted((r["partition"], r["offset"]) for r in recs)
    assert got == [(0, 0)] + [(1, i) for i in range(5)]
    p1 = sorted((r for r in recs if r["partition"] == 1), key=lambda r: r["offset"])
    assert [r["key"] for r in p1] == ["k1", "k2", "k3", "k4", "k5"]
    assert [r["value"] for r in p1] == [f"value {i}" for i in range(1, 6)]
    assert all(r["headers"] == [{"key": "h1", "value": "v1"}] for r in p1)
    p0 = [r for r in recs if r["partition"] == 0][0]
    assert p0["key"] is None and p0["value"] == "x\ty" and p0["headers"] == []
    assert all(r["topic"] == t and r["timestamp_type"] == "create" and
               r["timestamp"] > 1_600_000_000_000 for r in recs)


def test_tail_default_is_the_last_n_of_each_partition(peer):
    recs = tail_json(peer, peer.t("orders"), "-n", "2")
    assert sorted((r["partition"], r["offset"]) for r in recs) == [(0, 0), (1, 3), (1, 4)]


def test_tail_from_offset_in_one_partition_with_a_count(peer):
    recs = tail_json(peer, peer.t("orders"), "--partition", "1", "--from", "2", "-n", "2")
    assert [(r["partition"], r["offset"], r["key"]) for r in recs] == [(1, 2, "k3"), (1, 3, "k4")]


def test_tail_from_end_prints_nothing(peer):
    assert tail_json(peer, peer.t("orders"), "--from", "end") == []


def test_tail_text_is_one_escaped_line_per_record(peer):
    r = run_topic("tail", peer.t("orders"), "-p", "0", "--from", "beginning",
                  bootstrap=peer.bootstrap)
    fields = r.stdout.rstrip("\n").split("\t")
    assert len(r.stdout.splitlines()) == 1
    assert fields[0:2] == ["0", "0"] and fields[2].endswith("Z")
    assert fields[3:] == ["", "x\\ty"]  # null key, the tab escaped


def test_tail_binary_value_is_base64_in_json(peer):
    [rec] = tail_json(peer, peer.t("bin"), "--from", "beginning")
    assert rec["value"] == "//5iaW4=" and rec["value_encoding"] == "base64"


class Follower:
    """`lakehouse topic tail TOPIC --follow --format json -v` in the background;
    its lines arrive on a queue, so a test can wait for one with a timeout."""

    def __init__(self, bootstrap, topic):
        self.p = subprocess.Popen([lakehouse_bin(), "topic", "tail", topic, "-b", bootstrap,
                                   "--follow", "--format", "json", "-v"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env=clean_env(), text=True)
        self.lines, self.err = queue.Queue(), []
        self.threads = [threading.Thread(target=self._pump, daemon=True),
                        threading.Thread(target=lambda: self.err.extend(self.p.stderr),
                                         daemon=True)]
        for th in self.threads:
            th.start()

    def _pump(self):
        for line in self.p.stdout:
            self.lines.put(line)

    def record(self, timeout=1.0):
        try:
            return json.loads(self.lines.get(timeout=timeout))
        except queue.Empty:
            return None

    def until_reading(self, produce):
        """Calls produce() until a record shows up (tail starts at the end, so
        records sent before it was reading are not printed); returns it."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            produce()
            rec = self.record()
            if rec:
                return rec
        raise AssertionError("tail --follow printed nothing within 60 s")

    def interrupt(self):
        """SIGINT; returns (exit status, stderr)."""
        self.p.send_signal(signal.SIGINT)
        self.p.wait(timeout=30)
        for th in self.threads:
            th.join(timeout=30)
        return self.p.returncode, "".join(self.err)


def test_tail_follow_prints_new_records_until_interrupted(peer):
    t = peer.t("quiet")
    f = Follower(peer.bootstrap, t)
    try:
        rec = f.until_reading(lambda: kcat_produce(peer.bootstrap, t, 1, [b"fresh"]))
        assert rec["partition"] == 1 and rec["value"] == "fresh"
    finally:
        rc, err = f.interrupt()
    assert rc == 0, err


def test_tail_follow_reads_partitions_added_while_it_runs(stream):
    from confluent_kafka.admin import AdminClient, NewPartitions
    b, t = stream.bootstrap, uniq("grow")
    admin_create(b, {t: 1})
    f = Follower(b, t)
    try:
        assert f.until_reading(lambda: kcat_produce(b, t, 0, [b"ready"]))["partition"] == 0
        admin = AdminClient({"bootstrap.servers": b})
        admin.create_partitions([NewPartitions(t, 3)])[t].result(timeout=30)
        kcat_produce(b, t, 2, [b"in the new partition"])  # before tail looks again
        rec = f.record(timeout=60)
        while rec and rec["partition"] == 0:  # more "ready" records
            rec = f.record(timeout=60)
        # tail found partition 2 and read it from its beginning
        assert rec and (rec["partition"], rec["offset"], rec["value"]) == \
            (2, 0, "in the new partition")
    finally:
        rc, err = f.interrupt()
    assert rc == 0, err
    assert "following new partition 2" in err


def test_missing_partition_is_an_error(peer):
    r = run_topic("tail", peer.t("orders"), "--partition", "7", bootstrap=peer.bootstrap,
                  check=False)
    assert r.returncode == 1
    assert f"topic {peer.t('orders')} has no partition 7 (it has 3)" in r.stderr


# --- where the brokers are ---

def test_bootstrap_from_env_and_from_endpoints_json(mock, tmp_path):
    r = run_topic("list", "--json", env={"LAKEHOUSE_KAFKA": mock.bootstrap})
    assert "orders" in [t["name"] for t in json.loads(r.stdout)]
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "endpoints.json").write_text(
        json.dumps({"kafka": mock.bootstrap, "version": "x", "pid": 1}))
    r = run_topic("list", "--json", "--data-dir", str(tmp_path))
    assert "orders" in [t["name"] for t in json.loads(r.stdout)]


def test_bootstrap_from_the_running_platforms_data_dir(stream, server):
    r = run_topic("describe", stream.t("orders"), "--json",
                  env={"LAKEHOUSE_DATA_DIR": str(server.data_dir)})
    assert json.loads(r.stdout)["name"] == stream.t("orders")


def test_x_properties_pass_through_to_librdkafka(mock):
    r = run_topic("list", "-X", "client.id=topic-test", "-X", "socket.timeout.ms=5000",
                  bootstrap=mock.bootstrap)
    assert "orders" in r.stdout
    r = run_topic("list", "-X", "no.such.property=1", bootstrap=mock.bootstrap, check=False)
    assert r.returncode == 2 and "no.such.property" in r.stderr


# --- create, delete, configs, offsets by time (our broker) ---

def kcat_partitions(bootstrap, topic):
    r = subprocess.run(["kcat", "-b", bootstrap, "-L", "-J", "-t", topic], capture_output=True,
                       check=True, timeout=60)
    (t,) = json.loads(r.stdout)["topics"]
    return len(t["partitions"])


def topic_configs(bootstrap, topic):
    from confluent_kafka.admin import AdminClient, ConfigResource
    a = AdminClient({"bootstrap.servers": bootstrap})
    res = ConfigResource(ConfigResource.Type.TOPIC, topic)
    return {k: v.value for k, v in a.describe_configs([res])[res].result(timeout=30).items()}


def test_create_with_configs_then_delete(stream):
    b, t = stream.bootstrap, uniq("made")
    r = run_topic("create", t, "--partitions", "5", "--config", "retention.ms=86400000",
                  "-c", "segment.bytes=1048576", bootstrap=b)
    assert r.stdout == f"created topic {t}\n"
    assert kcat_partitions(b, t) == 5  # another client sees it
    assert topic_configs(b, t)["retention.ms"] == "86400000"
    doc = json.loads(run_topic("describe", t, "--json", bootstrap=b).stdout)
    configs = {c["name"]: c for c in doc["configs"]}
    assert configs["retention.ms"]["value"] == "86400000"
    assert configs["retention.ms"]["source"] == "DYNAMIC_TOPIC_CONFIG"
    assert configs["segment.bytes"]["value"] == "1048576"
    assert configs["cleanup.policy"]["default"] is True

    r = run_topic("create", t, "--partitions", "2", bootstrap=b, check=False)
    assert r.returncode == 1 and f"cannot create topic {t}: it already exists" in r.stderr

    assert run_topic("delete", t, bootstrap=b).stdout == f"deleted topic {t}\n"
    names = [x["name"] for x in json.loads(run_topic("list", "--json", bootstrap=b).stdout)]
    assert t not in names
    r = run_topic("delete", t, bootstrap=b, check=False)
    assert r.returncode == 1 and f"unknown topic {t}" in r.stderr


def test_if_not_exists_and_if_exists_make_create_and_delete_idempotent(stream):
    b, t = stream.bootstrap, uniq("idem")
    assert run_topic("create", t, "--partitions", "2", "--if-not-exists",
                     bootstrap=b).stdout == f"created topic {t}\n"
    r = run_topic("create", t, "--partitions", "3", "--if-not-exists", bootstrap=b)
    assert r.stdout == f"topic {t} already exists\n"
    assert kcat_partitions(b, t) == 2  # untouched
    assert run_topic("delete", t, "--if-exists", bootstrap=b).stdout == f"deleted topic {t}\n"
    r = run_topic("delete", t, "--if-exists", bootstrap=b)
    assert r.stdout == f"topic {t} does not exist\n"


def test_create_uses_the_brokers_default_partitions(stream):
    b, t = stream.bootstrap, uniq("dflt")
    run_topic("create", t, bootstrap=b)
    assert kcat_partitions(b, t) == 4  # stream.default_partitions


def test_create_refused_by_the_broker_names_the_reason(stream):
    r = run_topic("create", uniq("bad"), "--partitions", "0", bootstrap=stream.bootstrap,
                  check=False)
    assert r.returncode == 1 and "INVALID_PARTITIONS" in r.stderr


def test_unknown_topic_is_an_error_and_not_created(stream):
    t = uniq("nosuch")
    for args in (["describe", t], ["tail", t], ["delete", t]):
        r = run_topic(*args, bootstrap=stream.bootstrap, check=False)
        assert r.returncode == 1 and f"unknown topic {t}" in r.stderr, (args, r.stderr)
    names = [x["name"] for x in
             json.loads(run_topic("list", "--json", bootstrap=stream.bootstrap).stdout)]
    assert t not in names  # asking about it did not auto-create it


def test_tail_from_a_timestamp_with_backdated_records(stream):
    from confluent_kafka import Producer
    b, t = stream.bootstrap, uniq("ts")
    admin_create(b, {t: 1})
    p = Producer({"bootstrap.servers": b})
    base = 1_700_000_000_000
    for ts in (1000, 5000, 3000, 7000, 2000):  # CreateTimes out of order
        p.produce(t, value=b"t%d" % ts, partition=0, timestamp=base + ts)
    assert p.flush(30) == 0
    recs = tail_json(stream, t, "--from", f"@{base + 3000}")
    assert [r["offset"] for r in recs] == [1, 2, 3, 4]  # from the first record at or after it
    assert recs[0]["timestamp"] == base + 5000
    assert [r["value"] for r in tail_json(stream, t, "--from", f"@{base + 7000}", "-n", "1")] == \
        ["t7000"]
    assert tail_json(stream, t, "--from", f"@{base + 9000}") == []


# --- SASL (our broker with stream.sasl) ---

@pytest.fixture(scope="module")
def sasl_server(tmp_path_factory):
    d = tmp_path_factory.mktemp("topic-sasl")
    srv = Server(d / "data", d, name="topic-sasl", command=("serve", "stream,web"),
                 extra_args=["--stream-sasl", "PLAIN,SCRAM-SHA-256"]).start()
    srv.add_user("topic-reader", "readersecret-1", "reader")
    yield srv
    srv.check_clean_stop()


@pytest.mark.parametrize("mech", ["PLAIN", "SCRAM-SHA-256"])
def test_sasl_login_with_flags_and_with_the_platform_env(sasl_server, mech):
    b, t = sasl_server.endpoints["kafka"], uniq("sasl")
    r = run_topic("create", t, "--partitions", "2", "--user", ROOT_AK, "--password", ROOT_SK,
                  "--sasl-mechanism", mech, bootstrap=b)
    assert f"created topic {t}" in r.stdout
    env = {"LAKEHOUSE_ACCESS_KEY": "topic-reader", "LAKEHOUSE_SECRET_KEY": "readersecret-1",
           "LAKEHOUSE_KAFKA_SASL_MECHANISM": mech}
    doc = json.loads(run_topic("describe", t, "--json", env=env, bootstrap=b).stdout)
    assert len(doc["partitions"]) == 2
    # a reader may not delete: the broker's refusal is reported
    r = run_topic("delete", t, env=env, bootstrap=b, check=False)
    assert r.returncode == 1 and "TOPIC_AUTHORIZATION_FAILED" in r.stderr, r.stderr


def test_sasl_wrong_password_fails_fast_with_the_reason(sasl_server):
    b = sasl_server.endpoints["kafka"]
    r = run_topic("list", "--user", "topic-reader", "--password", "wrong", "--timeout", "30s",
                  bootstrap=b, check=False, timeout=25)
    assert r.returncode == 1
    assert f"authentication failed at {b}" in r.stderr, r.stderr


# --- errors ---

def test_broker_down_times_out_naming_the_address():
    addr = f"127.0.0.1:{free_port()}"
    for args in (["list"], ["describe", "t"], ["tail", "t"], ["create", "t"], ["delete", "t"]):
        r = run_topic(*args, "--timeout", "1s", bootstrap=addr, check=False)
        assert r.returncode == 1, (args, r.stderr)
        assert f"cannot reach Kafka at {addr}" in r.stderr, (args, r.stderr)
        assert "Connection refused" in r.stderr


@pytest.mark.parametrize("args,needle", [
    (["tail", "t", "--from", "yesterday"], "bad value 'yesterday' for --from"),
    (["tail", "t", "--from", "@-1"], "bad value '@-1' for --from"),
    (["tail", "t", "--format", "xml"], "bad value 'xml' for --format"),
    (["tail", "t", "--partitions", "3"], "unknown option --partitions for topic tail"),
    (["create"], "missing topic name"),
    (["create", "t", "--config", "retention.ms"], "expected KEY=VALUE"),
    (["create", "t", "--partitions", "x"], "bad value 'x' for --partitions"),
    (["list", "--json", "extra"], "unexpected argument 'extra'"),
    (["describe"], "missing topic name"),
    (["frobnicate"], "unknown topic command 'frobnicate'"),
    (["list", "--sasl-mechanism", "GSSAPI"], "PLAIN|SCRAM-SHA-256|SCRAM-SHA-512"),
    (["list", "--timeout", "2h"], "bad value '2h' for --timeout"),
])
def test_usage_errors_exit_2(args, needle):
    r = run_topic(*args, bootstrap="127.0.0.1:1", check=False)
    assert r.returncode == 2, (args, r.stdout, r.stderr)
    assert needle in r.stderr


def test_sasl_without_a_password_is_a_usage_error():
    r = run_topic("list", "--user", "alice", bootstrap="127.0.0.1:1", check=False)
    assert r.returncode == 2 and "SASL needs a user and a password" in r.stderr


def test_help_lists_every_subcommand():
    r = run_topic("--help")
    for sub in ("list", "describe TOPIC", "create TOPIC", "delete TOPIC", "tail TOPIC"):
        assert f"lakehouse topic {sub}" in r.stdout
