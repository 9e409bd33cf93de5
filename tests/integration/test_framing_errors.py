"""Framing-level errors (a bad request head, a bad chunk size, a body cut
short) are answered in the service's own format before the connection
closes, not with an empty reply: an S3 XML <Error> on the store listener, a
problem JSON object on the web listener."""
import json
import socket

from helpers import s3 as h


def exchange(hostport, data, shutdown_write=False):
    host, port = hostport.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=30)
    out = b""
    try:
        s.sendall(data)
        if shutdown_write:
            s.shutdown(socket.SHUT_WR)
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except (BrokenPipeError, ConnectionResetError):
        pass
    finally:
        s.close()
    return out


def only_response(raw):
    resps = h.parse_responses(raw)
    assert len(resps) == 1, raw[:500]
    status, hdrs, body = resps[0]
    assert hdrs.get("connection") == "close", hdrs
    return status, hdrs, body


def test_bad_heads_get_s3_errors(server):
    cases = [
        (b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400, "BadRequest"),
        (b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", 505, "HttpVersionNotSupported"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n", 431,
         "RequestHeaderSectionTooLarge"),
    ]
    for raw, status, code in cases:
        got, hdrs, body = only_response(exchange(server.s3_hostport, raw))
        err = h.assert_s3_error(got, body, status, code)
        assert hdrs.get("content-type") == "application/xml"
        assert err["RequestId"] and hdrs.get("x-amz-request-id") == err["RequestId"]


def signed_chunked_put(server, bucket, key):
    url = f"{server.s3_url}/{bucket}/{key}"
    hdrs = h.sign("PUT", url, {"Host": server.s3_hostport, "Transfer-Encoding": "chunked"},
                  payload_hash="UNSIGNED-PAYLOAD")
    lines = [f"PUT /{bucket}/{key} HTTP/1.1"] + [f"{k}: {v}" for k, v in hdrs.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_bad_chunk_size_gets_an_s3_error(server, bucket):
    raw = signed_chunked_put(server, bucket, "badchunk") + b"zz\r\n"
    status, _, body = only_response(exchange(server.s3_hostport, raw))
    h.assert_s3_error(status, body, 400, "InvalidRequest")


def test_truncated_chunked_body_gets_incomplete_body(server, bucket, s3):
    raw = signed_chunked_put(server, bucket, "short") + b"a\r\nonly"
    status, _, body = only_response(exchange(server.s3_hostport, raw, shutdown_write=True))
    h.assert_s3_error(status, body, 400, "IncompleteBody")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert "short" not in keys


def test_bad_head_on_web_gets_problem_json(server):
    raw = b"GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n"
    status, hdrs, body = only_response(exchange(server.endpoints["web"], raw))
    assert status == 400
    assert hdrs.get("content-type") == "application/problem+json"
    doc = json.loads(body)
    assert doc["status"] == 400 and doc["detail"]
