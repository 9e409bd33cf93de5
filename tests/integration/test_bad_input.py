"""Hostile and broken input over raw sockets: each case gets a clear S3 error
(XML <Error><Code>) or a closed connection, nothing escapes the data
directory, and a normal request still succeeds afterwards."""
import os
import socket
import threading
import time
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from helpers import s3 as h


@pytest.fixture
def still_serving(server, s3):
    """After the test: a normal signed request still works."""
    yield
    b = h.new_bucket_name("alive")
    s3.create_bucket(Bucket=b)
    s3.put_object(Bucket=b, Key="k", Body=b"still here")
    assert s3.get_object(Bucket=b, Key="k")["Body"].read() == b"still here"


def status_of(raw):
    """Status code of the first response in raw, or None when the server just
    closed the connection."""
    if not raw:
        return None
    assert raw.startswith(b"HTTP/1."), raw[:200]
    return int(raw.split(b" ", 2)[1])


def assert_error_or_closed(raw, allowed):
    st = status_of(raw)
    if st is None:
        return None
    assert st in allowed, raw[:500]
    resps = h.parse_responses(raw)
    status, hdrs, body = resps[0]
    if body.strip() and status != 304:
        h.xml_error(body)  # an S3 error document when there is a body
    return status


def request(method, target, host, headers=(), body=b""):
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}", *headers]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


# --- HTTP layer ---------------------------------------------------------------------
@pytest.mark.parametrize("raw", [
    b"GARBAGE\r\n\r\n",
    b"GET\r\n\r\n",
    b"GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n",
    b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
    b"GET /\x00/ HTTP/1.1\r\nHost: x\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(64),  # a TLS hello on plain HTTP
    b"GET / HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked, br\r\n\r\n",
], ids=["garbage", "no-target", "extra-token", "http-9.9", "nul-in-target", "tls-hello",
        "header-without-colon", "negative-length", "two-lengths", "huge-length", "unknown-te"])
def test_malformed_request_gets_400_or_close(server, still_serving, raw):
    got = h.raw_exchange(server, raw, read_timeout=10, shutdown_write=True)
    # a refusal of the request itself, never an answer to a half-understood one
    assert_error_or_closed(got, {400, 405, 411, 413, 414, 431, 501, 505})


def test_oversized_headers_refused_and_others_served(server, s3, still_serving):
    # a slow client holds a half-sent request open meanwhile
    host, port = server.s3_hostport.rsplit(":", 1)
    slow = socket.create_connection((host, int(port)), timeout=10)
    slow.sendall(b"GET /lakehouse HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    try:
        big = request("GET", "/lakehouse", server.s3_hostport, [f"X-Big: {'a' * 200_000}"])
        got = h.raw_exchange(server, big, read_timeout=15)
        assert_error_or_closed(got, {400, 431})
        long_line = request("GET", "/lakehouse?" + "q" * 100_000, server.s3_hostport)
        got = h.raw_exchange(server, long_line, read_timeout=15)
        assert_error_or_closed(got, {400, 414, 431})
        # served while the slow connection is still open
        s3.head_bucket(Bucket="lakehouse")
    finally:
        slow.close()


def test_too_many_headers(server, still_serving):
    hdrs = [f"X-H{i}: v" for i in range(2000)]
    got = h.raw_exchange(server, request("GET", "/lakehouse", server.s3_hostport, hdrs), read_timeout=15)
    assert_error_or_closed(got, {400, 431})


def test_endless_header_stream_is_cut(server, still_serving):
    """Headers that never end: the server stops reading at its cap."""
    host, port = server.s3_hostport.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=15)
    s.sendall(b"GET /lakehouse HTTP/1.1\r\nHost: x\r\n")
    got, sent = b"", 0
    try:
        while sent < 16 * 1024 * 1024:
            s.sendall(b"X-Filler: " + b"f" * 1000 + b"\r\n")
            sent += 1012
    except (BrokenPipeError, ConnectionResetError):
        pass
    try:
        got = s.recv(65536)
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
    assert sent < 16 * 1024 * 1024 or got, "the server read 16 MiB of headers without answering"
    assert_error_or_closed(got, {400, 431})


def test_pipelined_requests_answered_in_order(server):
    reqs = b"".join(request("GET", p, server.s3_hostport) for p in
                    ("/lakehouse", "/no-such-bucket-pipelined", "/lakehouse/bronze/"))
    got = h.raw_exchange(server, reqs, read_timeout=5)
    resps = h.parse_responses(got)
    assert len(resps) == 3, got[:1000]
    for status, _, body in resps:  # anonymous: refused, each with an S3 error
        assert status in (403, 404)
        assert h.xml_error(body)["Code"] in ("AccessDenied", "NoSuchBucket")


def test_anonymous_request_is_access_denied(server):
    for path in ("/", "/lakehouse", "/lakehouse/bronze/"):
        status, _, body = h.raw_request(server, "GET", path, signed=False)
        err = h.assert_s3_error(status, body, 403, "AccessDenied")
        assert err.get("RequestId")
    status, _, body = h.raw_request(server, "PUT", "/lakehouse/anon.txt", b"x", signed=False)
    h.assert_s3_error(status, body, 403, "AccessDenied")


def test_bad_authorization_headers(server, still_serving):
    for auth in ("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256 Credential=rootadmin/2024",
                 "AWS4-HMAC-SHA256 Credential=,SignedHeaders=,Signature=", "Bearer abc", "AWS x",
                 "AWS rootadmin:", "AWS4-HMAC-SHA256 " + "x" * 5000):
        status, _, body = h.raw_request(server, "GET", "/lakehouse", headers={"Authorization": auth},
                                        signed=False)
        assert status in (400, 403), (auth, status, body[:300])
        h.xml_error(body)


# --- S3 layer -----------------------------------------------------------------------
@pytest.mark.parametrize("body", [
    b"<Delete><Object><Key>x</Key></Object",
    b"not xml at all",
    b"<Delete></Delete>",
    b"<Other><Object><Key>x</Key></Object></Other>",
    b"<Delete>" + b"<Object><Key>k</Key></Object>" * 1001 + b"</Delete>",
    b'<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><Delete><Object><Key>&e;</Key></Object></Delete>',
], ids=["truncated", "not-xml", "empty", "wrong-root", "too-many-keys", "external-entity"])
def test_bad_delete_objects_xml_is_malformed_xml(server, s3, bucket, still_serving, body):
    s3.put_object(Bucket=bucket, Key="x", Body=b"keep")
    status, _, resp = h.raw_request(server, "POST", f"/{bucket}?delete", body,
                                    {"Content-MD5": h.content_md5(body)})
    assert b"root:x:0:0" not in resp
    h.assert_s3_error(status, resp, 400, "MalformedXML")
    assert s3.get_object(Bucket=bucket, Key="x")["Body"].read() == b"keep"


def test_bad_complete_multipart_xml(server, s3, bucket, still_serving):
    up = s3.create_multipart_upload(Bucket=bucket, Key="mpx")["UploadId"]
    for body in (b"<CompleteMultipartUpload><Part>", b"garbage",
                 b"<CompleteMultipartUpload><Part><PartNumber>abc</PartNumber><ETag>x</ETag></Part>"
                 b"</CompleteMultipartUpload>"):
        status, _, resp = h.raw_request(server, "POST", f"/{bucket}/mpx?uploadId={up}", body)
        assert status == 400, resp
        assert h.xml_error(resp)["Code"] in ("MalformedXML", "InvalidPart", "InvalidArgument")


def test_invalid_chunked_encoding(server, s3, bucket, still_serving):
    path = f"/{bucket}/chunked-bad"
    for wire in (b"zz\r\nhello\r\n0\r\n\r\n", b"5\r\nhello world\r\n0\r\n\r\n",
                 b"5\r\nhello", b"ffffffffffffffffff\r\nx\r\n"):
        hdrs = h.sign("PUT", server.s3_url + path, {"Transfer-Encoding": "chunked"},
                      payload_hash="UNSIGNED-PAYLOAD")
        head = f"PUT {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items())
        if "host" not in {k.lower() for k in hdrs}:
            head += f"Host: {server.s3_hostport}\r\n"
        got = h.raw_exchange(server, head.encode() + b"\r\n" + wire, read_timeout=10, shutdown_write=True)
        assert_error_or_closed(got, {400, 411, 413})
        with pytest.raises(ClientError):
            s3.head_object(Bucket=bucket, Key="chunked-bad")


def test_truncated_body_then_close_stores_nothing(server, s3, bucket, still_serving):
    path = f"/{bucket}/truncated"
    hdrs = h.sign("PUT", server.s3_url + path, {"Content-Length": "100000"},
                  payload_hash="UNSIGNED-PAYLOAD")
    head = f"PUT {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items())
    if "host" not in {k.lower() for k in hdrs}:
        head += f"Host: {server.s3_hostport}\r\n"
    host, port = server.s3_hostport.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=10)
    s.sendall(head.encode() + b"\r\n" + b"x" * 50_000)
    s.close()
    for _ in range(3):
        with pytest.raises(ClientError) as ei:
            s3.head_object(Bucket=bucket, Key="truncated")
        assert h.err_status(ei.value) == 404
        time.sleep(0.3)


def test_invalid_bucket_names_in_paths(server, still_serving):
    for name in ("..", "a..b", "ab", "UPPER", "a" * 64, "-lead", "trail-", "192.168.1.1", "%00abc",
                 "abc%00", "a%2Fb", "xn--abc", "bad_name"):
        status, _, body = h.raw_request(server, "PUT", f"/{name}")
        assert status == 400, (name, status, body[:300])
        # a NUL byte makes the whole URI unparsable: S3's InvalidURI is as clear
        allowed = ("InvalidBucketName", "InvalidURI") if "%00" in name else ("InvalidBucketName",)
        assert h.xml_error(body)["Code"] in allowed, (name, body[:300])


def _no_file_named(root, marker):
    return [str(p) for p in Path(root).rglob(f"*{marker}*")]


@pytest.mark.parametrize("key", [
    "../../../../../../tmp/escape-MARK",
    "..%2F..%2F..%2Fescape-MARK",
    "%2E%2E/%2E%2E/escape-MARK",
    "/etc/escape-MARK",
    "//escape-MARK",
    "a/./b/../escape-MARK",
    "..\\..\\escape-MARK",
    "nul%00escape-MARK",
])
def test_keys_cannot_reach_outside_the_data_dir(server, s3, bucket, still_serving, key):
    """Keys with dot segments, absolute paths, encoded separators or NUL are
    either refused with an S3 error or stored as an opaque key; never written
    as a file outside (or named after the key inside) the data directory."""
    marker = os.urandom(6).hex()
    key = key.replace("MARK", marker)
    path = f"/{bucket}/{key}"
    status, _, body = h.raw_request(server, "PUT", path, b"payload-" + marker.encode())
    if status == 200:
        st, _, got = h.raw_request(server, "GET", path)
        assert st == 200 and got == b"payload-" + marker.encode(), (st, got[:200])
        listed = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
        assert any(marker in k for k in listed), listed
    else:
        # refused: a 400, or a 403 SignatureDoesNotMatch when the server
        # canonicalizes the odd encoding differently from the raw path
        assert status in (400, 403), (status, body[:300])
        err = h.xml_error(body)
        if status == 403:
            assert err["Code"] == "SignatureDoesNotMatch", err
    tmp_root = server.data_dir.parent.parent  # pytest's base temp dir
    assert not _no_file_named(tmp_root, marker), "a file named after the key was created"
    assert not Path(f"/tmp/escape-{marker}").exists() and not Path(f"/etc/escape-{marker}").exists()
    assert not Path(f"/escape-{marker}").exists()


def test_get_with_dot_segments_reads_no_host_file(server, still_serving):
    for path in ("/lakehouse/../../../../../../etc/passwd", "/lakehouse/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
                 "/../../../../etc/passwd", "/lakehouse/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                 "/lakehouse//etc/passwd"):
        status, _, body = h.raw_request(server, "GET", path)
        assert b"root:x:0:0" not in body, path
        assert status in (400, 403, 404), (path, status, body[:200])
        h.xml_error(body)


def test_key_too_long(server, s3, bucket, still_serving):
    status, _, body = h.raw_request(server, "PUT", f"/{bucket}/" + "k" * 1025, b"x")
    h.assert_s3_error(status, body, 400, "KeyTooLongError")
    status, _, body = h.raw_request(server, "PUT", f"/{bucket}/" + "k" * 1024, b"x")
    assert status == 200, body


def test_many_concurrent_bad_connections_do_not_starve_good_ones(server, s3, still_serving):
    """Forty connections that send junk or nothing at all, while normal
    requests go on."""
    host, port = server.s3_hostport.rsplit(":", 1)
    socks = []
    for i in range(40):
        s = socket.create_connection((host, int(port)), timeout=10)
        if i % 2:
            s.sendall(os.urandom(500))
        socks.append(s)
    errors = []

    def normal():
        try:
            for _ in range(5):
                s3.head_bucket(Bucket="lakehouse")
        except Exception as e:  # reported below
            errors.append(e)
    ts = [threading.Thread(target=normal) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    for s in socks:
        s.close()
    assert not errors, errors
