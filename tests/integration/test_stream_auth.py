"""The stream's authentication and authorization (issue 9): SASL/PLAIN and
SASL/SCRAM-SHA-256 against the platform's users with kcat (librdkafka) and
confluent-kafka, wrong passwords refused with Kafka's error, ACLs by role
(readers consume, writers produce, admins create and delete topics), and
TLS from the listener settings."""
import json
import struct
import uuid

import pytest

from helpers import kafka as kh
from helpers.server import ROOT_AK, ROOT_SK

confluent_kafka = pytest.importorskip("confluent_kafka")

READER = ("reader-k", "readersecret-1")
WRITER = ("writer-k", "writersecret-1")


@pytest.fixture(scope="module")
def sasl_server(tmp_path_factory):
    from helpers.server import Server
    d = tmp_path_factory.mktemp("sasl")
    srv = Server(d / "data", d, name="sasl", command=("serve", "stream,web"),
                 extra_args=["--stream-sasl", "PLAIN,SCRAM-SHA-256"]).start()
    srv.add_user(*READER, "reader")
    srv.add_user(*WRITER, "writer")
    yield srv
    srv.check_clean_stop()


def sasl(mech, user, password):
    return ["-X", "security.protocol=SASL_PLAINTEXT", "-X", f"sasl.mechanisms={mech}",
            "-X", f"sasl.username={user}", "-X", f"sasl.password={password}"]


def topic_name(prefix="a"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.mark.parametrize("mech", ["PLAIN", "SCRAM-SHA-256"])
def test_kcat_with_the_right_password_produces_and_consumes(sasl_server, mech):
    b = sasl_server.endpoints["kafka"]
    t = topic_name(mech.lower()[:5])
    kh.kcat("-b", b, *sasl(mech, ROOT_AK, ROOT_SK), "-P", "-t", t, "-p", "0", input=b"one\ntwo\n")
    out = kh.kcat("-b", b, *sasl(mech, *READER), "-C", "-t", t, "-p", "0", "-o", "beginning",
                  "-e").stdout
    assert out.decode().split() == ["one", "two"]


@pytest.mark.parametrize("mech", ["PLAIN", "SCRAM-SHA-256"])
def test_kcat_with_a_wrong_password_is_refused(sasl_server, mech):
    b = sasl_server.endpoints["kafka"]
    r = kh.kcat("-b", b, *sasl(mech, WRITER[0], "wrong-password"), "-L", "-m", "5",
                check=False, timeout=30)
    err = r.stderr.decode()
    assert r.returncode != 0
    assert "Authentication failed" in err or "SASL authentication error" in err, err


def test_without_sasl_nothing_but_api_versions_is_served(sasl_server):
    b = sasl_server.endpoints["kafka"]
    r = kh.kcat("-b", b, "-L", "-m", "3", check=False, timeout=30)
    assert r.returncode != 0
    c = kh.Conn(b)
    c.send(kh.header(3, 1, 5) + b"\xff\xff\xff\xff")  # Metadata v1 before authenticating
    assert c.recv() is None
    c.close()


def test_acls_readers_consume_writers_produce_admins_manage(sasl_server):
    from confluent_kafka import KafkaException, Producer
    from confluent_kafka.admin import AdminClient, NewTopic
    b = sasl_server.endpoints["kafka"]

    def conf(user, password):
        return {"bootstrap.servers": b, "security.protocol": "SASL_PLAINTEXT",
                "sasl.mechanisms": "SCRAM-SHA-256", "sasl.username": user,
                "sasl.password": password}

    t = topic_name("acl")
    for who in (READER, WRITER):  # neither may create topics
        a = AdminClient(conf(*who))  # kept: a destroyed client fails its futures
        with pytest.raises(KafkaException) as e:
            a.create_topics([NewTopic(t, 1, 1)])[t].result(30)
        assert "TOPIC_AUTHORIZATION_FAILED" in str(e.value)
    root = AdminClient(conf(ROOT_AK, ROOT_SK))
    root.create_topics([NewTopic(t, 1, 1)])[t].result(30)
    errors = []
    p = Producer({**conf(*READER), "message.timeout.ms": 5000})
    p.produce(t, b"nope", on_delivery=lambda e, m: errors.append(e))
    p.flush(15)
    assert errors and errors[0] is not None and "AUTHORIZATION" in errors[0].name(), errors
    errors.clear()
    p = Producer(conf(*WRITER))
    p.produce(t, b"yes", on_delivery=lambda e, m: errors.append(e))
    p.flush(15)
    assert errors == [None]
    out = kh.kcat("-b", b, *sasl("PLAIN", *READER), "-C", "-t", t, "-o", "beginning", "-e").stdout
    assert out.decode().split() == ["yes"]
    writer = AdminClient(conf(*WRITER))
    with pytest.raises(KafkaException) as e:
        writer.delete_topics([t])[t].result(30)
    assert "TOPIC_AUTHORIZATION_FAILED" in str(e.value)
    root.delete_topics([t])[t].result(30)


def test_tls_listener_with_sasl(server_factory, tls_cert):
    cert, key = tls_cert
    srv = server_factory("ktls", command=("serve", "stream"),
                         extra_args=["--stream-tls-cert", str(cert), "--stream-tls-key", str(key),
                                     "--stream-sasl", "PLAIN"])
    b = srv.endpoints["kafka"]
    tls = ["-X", "security.protocol=SASL_SSL", "-X", f"ssl.ca.location={cert}",
           "-X", "sasl.mechanisms=PLAIN", "-X", f"sasl.username={ROOT_AK}",
           "-X", f"sasl.password={ROOT_SK}"]
    t = topic_name("tls")
    kh.kcat("-b", b, *tls, "-P", "-t", t, "-p", "0", input=b"secret-record\n")
    out = kh.kcat("-b", b, *tls, "-C", "-t", t, "-p", "0", "-o", "beginning", "-e").stdout
    assert out.decode().split() == ["secret-record"]
    big = b"".join(b"%05d-" % i + b"t" * 2000 + b"\n" for i in range(2000))  # 4 MB: sendfile spans
    kh.kcat("-b", b, *tls, "-P", "-t", t, "-p", "1", "-X", "linger.ms=200", input=big)
    out = kh.kcat("-b", b, *tls, "-C", "-t", t, "-p", "1", "-o", "beginning", "-e").stdout
    assert out == big
    md = json.loads(kh.kcat("-b", b, *tls, "-L", "-J").stdout)
    assert md["brokers"][0]["name"].endswith(b.rsplit(":", 1)[1])


def test_advertised_listener_and_node_id_reach_metadata(server_factory):
    srv = server_factory("adv", command=("serve", "stream"),
                         extra_args=["--stream-advertised-listener", "kafka.example.internal:19092",
                                     "--stream-node-id", "7"])
    c = kh.Conn(srv.endpoints["kafka"])
    c.send(kh.header(3, 1, 9) + b"\x00\x00\x00\x00")  # Metadata v1, no topics
    body = c.recv()
    c.close()
    corr, nb, node, hl = struct.unpack_from(">iiih", body, 0)
    host = body[14:14 + hl].decode()
    (port,) = struct.unpack_from(">i", body, 14 + hl)
    assert (corr, nb, node, host, port) == (9, 1, 7, "kafka.example.internal", 19092)
    (controller,) = struct.unpack_from(">i", body, 14 + hl + 4 + 2)  # after null rack
    assert controller == 7
