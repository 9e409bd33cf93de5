"""`lakehouse topic list|describe|create|delete|tail`, a librdkafka client, against
librdkafka's own mock cluster (helpers/kafka_mock.c, compiled here) as a peer:
records produced with kcat are listed, described and tailed back; --json output
parses; errors (no broker, no such partition, bad arguments) exit non-zero with
the address tried or the argument named."""
import json
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from helpers.server import clean_env, lakehouse_bin

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


@pytest.fixture(scope="module")
def mock(mock_exe):
    """orders (3 partitions): p0 one keyless record with a tab, p1 five keyed
    records with a header, p2 empty; bin (1): a value that is not UTF-8."""
    m = MockCluster(mock_exe, ["orders:3", "bin:1", "quiet:2"])
    kcat_produce(m.bootstrap, "orders", 0, [b"x\ty"])
    kcat_produce(m.bootstrap, "orders", 1, [b"k%d:value %d" % (i, i) for i in range(1, 6)],
                 key_sep=":", headers=["h1=v1"])
    kcat_produce(m.bootstrap, "bin", 0, [b"\xff\xfebin"])
    yield m
    m.close()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# --- list and describe ---

def test_list_shows_topics_with_partition_counts(mock):
    r = run_topic("list", bootstrap=mock.bootstrap)
    rows = {l.split()[0]: l.split()[1:] for l in r.stdout.splitlines()[1:]}
    assert r.stdout.splitlines()[0].split() == ["TOPIC", "PARTITIONS", "REPLICATION"]
    assert rows["orders"] == ["3", "1"] and rows["bin"] == ["1", "1"]
    names = [l.split()[0] for l in r.stdout.splitlines()[1:]]
    assert names == sorted(names)


def test_list_json_is_an_array_of_objects(mock):
    doc = json.loads(run_topic("list", "--json", bootstrap=mock.bootstrap).stdout)
    by = {t["name"]: t for t in doc}
    assert by["orders"] == {"name": "orders", "partitions": 3, "replication_factor": 1}
    assert by["quiet"]["partitions"] == 2


def test_describe_json_gives_leaders_replicas_and_watermarks(mock):
    # the mock has no DescribeConfigs: describe still answers, configs null, said on stderr
    r = run_topic("describe", "orders", "--json", "--timeout", "2s", bootstrap=mock.bootstrap)
    doc = json.loads(r.stdout)
    assert doc["name"] == "orders"
    parts = doc["partitions"]
    assert [p["partition"] for p in parts] == [0, 1, 2]
    assert [(p["low"], p["high"]) for p in parts] == [(0, 1), (0, 5), (0, 0)]
    for p in parts:
        assert p["leader"] >= 0 and p["replicas"] == [p["leader"]] and p["isr"] == [p["leader"]]
    assert doc["configs"] is None
    assert "configs of orders not available" in r.stderr


def test_describe_text_table(mock):
    r = run_topic("describe", "orders", "--timeout", "2s", bootstrap=mock.bootstrap)
    lines = r.stdout.splitlines()
    assert lines[0] == "topic orders: 3 partition(s)"
    assert lines[1].split() == ["PARTITION", "LEADER", "REPLICAS", "ISR", "LOW", "HIGH"]
    assert [l.split()[0] for l in lines[2:5]] == ["0", "1", "2"]
    assert lines[3].split()[4:6] == ["0", "5"]


# --- tail ---

def tail_json(mock, *args):
    r = run_topic("tail", *args, "--format", "json", bootstrap=mock.bootstrap)
    return [json.loads(l) for l in r.stdout.splitlines()]


def test_tail_from_beginning_prints_every_record_then_stops(mock):
    recs = tail_json(mock, "orders", "--from", "beginning")
    got = sorted((r["partition"], r["offset"]) for r in recs)
    assert got == [(0, 0)] + [(1, i) for i in range(5)]
    p1 = sorted((r for r in recs if r["partition"] == 1), key=lambda r: r["offset"])
    assert [r["key"] for r in p1] == ["k1", "k2", "k3", "k4", "k5"]
    assert [r["value"] for r in p1] == [f"value {i}" for i in range(1, 6)]
    assert all(r["headers"] == [{"key": "h1", "value": "v1"}] for r in p1)
    p0 = [r for r in recs if r["partition"] == 0][0]
    assert p0["key"] is None and p0["value"] == "x\ty" and p0["headers"] == []
    assert all(r["topic"] == "orders" and r["timestamp_type"] == "create" and
               r["timestamp"] > 1_600_000_000_000 for r in recs)


def test_tail_default_is_the_last_n_of_each_partition(mock):
    recs = tail_json(mock, "orders", "-n", "2")
    assert sorted((r["partition"], r["offset"]) for r in recs) == [(0, 0), (1, 3), (1, 4)]


def test_tail_from_offset_in_one_partition_with_a_count(mock):
    recs = tail_json(mock, "orders", "--partition", "1", "--from", "2", "-n", "2")
    assert [(r["partition"], r["offset"], r["key"]) for r in recs] == [(1, 2, "k3"), (1, 3, "k4")]


def test_tail_from_end_prints_nothing(mock):
    assert tail_json(mock, "orders", "--from", "end") == []


def test_tail_text_is_one_escaped_line_per_record(mock):
    r = run_topic("tail", "orders", "-p", "0", "--from", "beginning", bootstrap=mock.bootstrap)
    fields = r.stdout.rstrip("\n").split("\t")
    assert len(r.stdout.splitlines()) == 1
    assert fields[0:2] == ["0", "0"] and fields[2].endswith("Z")
    assert fields[3:] == ["", "x\\ty"]  # null key, the tab escaped


def test_tail_binary_value_is_base64_in_json(mock):
    [rec] = tail_json(mock, "bin", "--from", "beginning")
    assert rec["value"] == "//5iaW4=" and rec["value_encoding"] == "base64"


def test_tail_follow_prints_new_records_until_interrupted(mock):
    p = subprocess.Popen([lakehouse_bin(), "topic", "tail", "quiet", "-b", mock.bootstrap,
                          "--follow", "--format", "json"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=clean_env(), text=True)
    try:
        # the partitions are empty; tail starts at their end, then sees these
        deadline = time.monotonic() + 60
        line = ""
        while not line and time.monotonic() < deadline:
            kcat_produce(mock.bootstrap, "quiet", 1, [b"fresh"])
            line = p.stdout.readline()
        rec = json.loads(line)
        assert rec["partition"] == 1 and rec["value"] == "fresh"
    finally:
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
    assert p.returncode == 0, err


# --- where the brokers are ---

def test_bootstrap_from_env_and_from_endpoints_json(mock, tmp_path):
    r = run_topic("list", "--json", env={"LAKEHOUSE_KAFKA": mock.bootstrap})
    assert "orders" in [t["name"] for t in json.loads(r.stdout)]
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "endpoints.json").write_text(
        json.dumps({"kafka": mock.bootstrap, "version": "x", "pid": 1}))
    r = run_topic("list", "--json", "--data-dir", str(tmp_path))
    assert "orders" in [t["name"] for t in json.loads(r.stdout)]


def test_x_properties_pass_through_to_librdkafka(mock):
    r = run_topic("list", "-X", "client.id=topic-test", "-X", "socket.timeout.ms=5000",
                  bootstrap=mock.bootstrap)
    assert "orders" in r.stdout
    r = run_topic("list", "-X", "no.such.property=1", bootstrap=mock.bootstrap, check=False)
    assert r.returncode == 2 and "no.such.property" in r.stderr


# --- errors ---

def test_broker_down_times_out_naming_the_address():
    addr = f"127.0.0.1:{free_port()}"
    for args in (["list"], ["describe", "t"], ["tail", "t"], ["create", "t"], ["delete", "t"]):
        r = run_topic(*args, "--timeout", "1s", bootstrap=addr, check=False)
        assert r.returncode == 1, (args, r.stderr)
        assert f"cannot reach Kafka at {addr}" in r.stderr, (args, r.stderr)
        assert "Connection refused" in r.stderr


def test_missing_partition_is_an_error(mock):
    r = run_topic("tail", "orders", "--partition", "7", bootstrap=mock.bootstrap, check=False)
    assert r.returncode == 1
    assert "topic orders has no partition 7 (it has 3)" in r.stderr


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
