"""Streamed REST responses through the real HTTP server, driven with curl:
chunked transfer with back-pressure (each chunk written from the previous
one's completion) and Server-Sent Events (framing, keep-alive comments, the
stream ends when the client goes away). The routes are hidden test routes
(src/web/api_hooks.c) compiled only into test builds (-DLH_TEST_HOOKS=1, the
ASan build); other builds skip."""
import re
import shutil
import subprocess
import time

import pytest
import requests

from helpers.server import lakehouse_bin

GAUGE = re.compile(r'^lakehouse_rest_streams_open\{kind="(\w+)"\} (\S+)$', re.M)


@pytest.fixture(scope="module")
def hooks():
    out = subprocess.run([lakehouse_bin(), "version"], capture_output=True, text=True, timeout=30)
    if "test-hooks" not in out.stdout + out.stderr:
        pytest.skip("not a test build: the streaming test routes need the ASan build (make asan)")
    if not shutil.which("curl"):
        pytest.skip("curl is not installed")


def open_streams(server, kind):
    text = requests.get(server.web_url + "/metrics", timeout=30).text
    return sum(float(v) for k, v in GAUGE.findall(text) if k == kind)


def wait_for(pred, what, deadline_s=60):
    """Polls until pred() holds; the deadline only bounds a hang."""
    end = time.monotonic() + deadline_s
    while not pred():
        if time.monotonic() > end:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


def head_and_body(raw):
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    return lines[0], headers, body


@pytest.mark.timeout(120)
def test_chunked_stream_with_curl(server, hooks):
    r = subprocess.run(["curl", "-sS", "-N", "-i", server.web_url + "/_test/stream?chunks=40&size=10"],
                       capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    status, headers, body = head_and_body(r.stdout)
    assert status.startswith("HTTP/1.1 200"), status
    assert headers.get("transfer-encoding") == "chunked", headers
    assert "content-length" not in headers, headers
    assert headers.get("content-type") == "text/plain; charset=utf-8", headers
    assert body.decode().splitlines() == [f"chunk {i} {'x' * 10}" for i in range(40)]


@pytest.mark.timeout(120)
def test_long_chunked_stream_completes(server, hooks):
    """Thousands of chunks, each queued from the previous one's completion."""
    n, size = 3000, 1000
    r = subprocess.run(["curl", "-sS", "-N", f"{server.web_url}/_test/stream?chunks={n}&size={size}"],
                       capture_output=True, timeout=100)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().splitlines()
    assert len(lines) == n and lines[-1] == f"chunk {n - 1} {'x' * size}", lines[-1:]
    wait_for(lambda: open_streams(server, "chunked") == 0, "the chunked stream gauge to drop")


@pytest.mark.timeout(120)
def test_bad_query_parameter_is_a_problem(server, hooks):
    r = requests.get(server.web_url + "/_test/stream?chunks=abc", timeout=30)
    assert r.status_code == 400, r.text
    assert r.headers["Content-Type"] == "application/problem+json"
    assert r.json()["detail"] == "chunks must be an integer from 0 to 100000"


@pytest.mark.timeout(120)
def test_sse_events_keepalive_and_client_going_away(server, hooks):
    proc = subprocess.Popen(["curl", "-sS", "-N", "-i",
                             server.web_url + "/_test/sse?events=3&keepalive_ms=50"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        head = []
        while True:
            ln = proc.stdout.readline()
            assert ln, proc.stderr.read()
            if ln in (b"\r\n", b"\n"):
                break
            head.append(ln.decode().rstrip("\r\n"))
        status, headers, _ = head_and_body("\r\n".join(head).encode() + b"\r\n\r\n")
        assert status.startswith("HTTP/1.1 200"), status
        assert headers.get("content-type") == "text/event-stream", headers
        assert headers.get("cache-control") == "no-store", headers
        assert headers.get("transfer-encoding") == "chunked", headers

        events, block, saw_keepalive = [], [], False
        while len(events) < 3 or not saw_keepalive:
            ln = proc.stdout.readline()
            assert ln, "the stream ended early"
            ln = ln.decode().rstrip("\n")
            if ln == ": keep-alive":
                saw_keepalive = True
            elif ln == "":
                if block:
                    events.append(block)
                block = []
            else:
                block.append(ln)
        assert events == [[f"id: {i}", "event: tick", f"data: n={i}"] for i in range(3)], events
        assert open_streams(server, "sse") == 1
    finally:
        proc.kill()
        proc.wait()
    # the keep-alive comments notice the closed connection and the route ends the stream
    wait_for(lambda: open_streams(server, "sse") == 0, "the SSE stream to end after the client left")
    assert requests.get(server.web_url + "/healthz", timeout=10).text == "ok"


@pytest.mark.timeout(120)
def test_streamed_request_body(server, hooks, tmp_path):
    """A body streamed to the route slice by slice, each slice held and released
    later (back-pressure on the client); chunked and with a length."""
    f = tmp_path / "upload.bin"
    f.write_bytes(b"u" * (3 << 20))
    url = server.web_url + "/_test/upload"
    for extra in ([], ["-H", "Transfer-Encoding: chunked"]):
        r = subprocess.run(["curl", "-sS", "-T", str(f), *extra, url], capture_output=True,
                           timeout=100)
        assert r.returncode == 0 and r.stdout == b"%d\n" % (3 << 20), (r.stdout, r.stderr)
    r = requests.put(url + "?max=1000", data=b"v" * 5000, timeout=30)
    assert r.status_code == 413 and r.json()["title"] == "Content Too Large", r.text
    # the connection was kept or closed cleanly: the server still answers
    assert requests.get(server.web_url + "/healthz", timeout=10).text == "ok"
