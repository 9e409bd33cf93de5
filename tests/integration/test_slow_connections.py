"""Slow connections must not lock anyone out. With the server's open file
limit at 1024, 2,000 connections that send a byte of a request head now and
then (a slowloris) against both listeners run into the connection limit;
the limit sheds the connections idle the longest, so signed S3 requests
(boto3) and /healthz still get through, the server never runs out of file
descriptors, and it logs that the limit bit."""
import re
import resource
import socket
import sys
import threading
import urllib.request

import pytest

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from helpers import s3 as s3h  # noqa: E402

SLOW = 2000
SERVER_FDS = 1024
HEAD = b"GET /slow HTTP/1.1\r\nHost: slow\r\nX-Pad: " + b"a" * 4000


def server_fd_limit():
    """Runs in the server's child process before exec."""
    resource.setrlimit(resource.RLIMIT_NOFILE, (SERVER_FDS, SERVER_FDS))


class Slowloris:
    """Opens connections round-robin over the addresses given and sends one
    more byte of a request head on each of them every half second."""

    def __init__(self, hostports):
        self.hostports = hostports
        self.socks = []  # [socket, bytes sent]
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.opened = self.dropped = 0
        self.thread = threading.Thread(target=self._dribble, daemon=True)

    def open(self, n):
        for i in range(n):
            host, port = self.hostports[i % len(self.hostports)].rsplit(":", 1)
            s = socket.socket()
            s.settimeout(10)
            try:
                s.connect((host, int(port)))
                s.send(HEAD[:1])
                s.setblocking(False)
            except OSError:
                s.close()
                continue
            with self.lock:
                self.socks.append([s, 1])
            self.opened += 1
        self.thread.start()

    def _dribble(self):
        while not self.stop.wait(0.5):
            with self.lock:
                keep = []
                for entry in self.socks:
                    s, sent = entry
                    try:
                        s.send(HEAD[sent:sent + 1])
                        entry[1] = sent + 1
                        keep.append(entry)
                    except OSError:  # shed or timed out by the server
                        s.close()
                        self.dropped += 1
                self.socks = keep

    def close(self):
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join()
        with self.lock:
            for s, _ in self.socks:
                s.close()
            self.socks = []


def healthz(srv):
    with urllib.request.urlopen(srv.web_url + "/healthz", timeout=60) as r:
        return r.status, r.read()


def metric(text, name, listener):
    m = re.search(r"^%s\{listener=\"%s\"\} (\S+)$" % (name, listener), text, re.M)
    return float(m.group(1)) if m else None


@pytest.mark.timeout(600)
def test_slowloris_at_the_fd_limit_does_not_lock_out_clients(server_factory):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = SLOW + 200
    if soft < want:
        if hard != resource.RLIM_INFINITY and hard < want:
            pytest.skip(f"the test process may open only {hard} files")
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    srv = server_factory("slowconn", preexec_fn=server_fd_limit)
    s3 = s3h.client(srv, connect_timeout=60, read_timeout=60)
    bucket = s3h.new_bucket_name("slow")
    s3.create_bucket(Bucket=bucket)

    slow = Slowloris([srv.s3_hostport, srv.endpoints["web"]])
    try:
        slow.open(SLOW)
        # more connections than the server may hold: it had to shed some
        assert slow.opened > SERVER_FDS, slow.opened
        for i in range(5):
            assert healthz(srv)[0] == 200
            body = f"object {i}".encode()
            s3.put_object(Bucket=bucket, Key=f"k{i}", Body=body)
            assert s3.get_object(Bucket=bucket, Key=f"k{i}")["Body"].read() == body
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
        assert keys == [f"k{i}" for i in range(5)]
        with urllib.request.urlopen(srv.web_url + "/metrics", timeout=60) as r:
            text = r.read().decode()
        shed = sum(metric(text, "lakehouse_tcp_connections_shed_total", ln) or 0
                   for ln in ("s3", "web"))
        assert shed > 0, "no connection was shed"
        limit = metric(text, "lakehouse_tcp_connections_limit", "s3")
        assert limit is not None and 0 < limit < SERVER_FDS
        opened = sum(metric(text, "lakehouse_tcp_connections_open", ln) or 0
                     for ln in ("s3", "web"))
        assert opened <= limit
    finally:
        slow.close()
    log = srv.log()
    assert "connection limit reached" in log, "the limit biting was not logged"
    assert "Too many open files" not in log and "EMFILE" not in log
    # the slow connections are gone: the server is still fine
    assert healthz(srv)[0] == 200
