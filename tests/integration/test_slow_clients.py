"""Slow readers must not starve the server: a download whose client reads
slowly may not hold a worker thread while it waits for the socket, or every
other request would queue behind it."""
import socket
import sys
import threading
import time

import pytest

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from helpers import s3 as s3h  # noqa: E402

SLOW = 8                  # more slow readers than worker threads (4)
SIZE = 32 * 1024 * 1024   # far more than the kernel's socket buffers hold


def slow_reader(srv, path, stop, got):
    """GETs path anonymously with a tiny receive buffer and reads 4 KiB every
    50 ms until told to stop; records how many bytes arrived."""
    host, port = srv.s3_hostport.rsplit(":", 1)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((host, int(port)))
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: {srv.s3_hostport}\r\n\r\n".encode())
    n = 0
    try:
        while not stop.is_set():
            chunk = s.recv(4096)
            if not chunk:
                break
            n += len(chunk)
            time.sleep(0.05)
    finally:
        got.append(n)
        s.close()


@pytest.mark.timeout(300)
def test_slow_downloads_leave_the_worker_pool_free(server_factory):
    srv = server_factory("slow", extra_args=["--core-worker-threads", "4"])
    # a starved server would leave these requests hanging: fail with a read timeout instead
    s3 = s3h.client(srv, read_timeout=30)
    s3.create_bucket(Bucket="slowread", ACL="public-read")
    s3.put_object(Bucket="slowread", Key="big", Body=bytes(range(256)) * (SIZE // 256))
    stop, got = threading.Event(), []
    readers = [threading.Thread(target=slow_reader, args=(srv, "/slowread/big", stop, got))
               for _ in range(SLOW)]
    for t in readers:
        t.start()
    try:
        time.sleep(1)  # let every reader fill its socket
        # at 80 KB/s each reader needs minutes; these requests must be served meanwhile
        for i in range(5):
            s3.put_object(Bucket="slowread", Key=f"k{i}", Body=b"x" * 1000)
            assert s3.get_object(Bucket="slowread", Key=f"k{i}")["Body"].read() == b"x" * 1000
        assert len(s3.list_objects_v2(Bucket="slowread")["Contents"]) == 6
        assert all(t.is_alive() for t in readers), "a slow download ended early"
    finally:
        stop.set()
        for t in readers:
            t.join()
    assert len(got) == SLOW and all(0 < n < SIZE for n in got), got
