"""S3 helpers shared by the tests: boto3 clients (Debian boto3 1.26), requests
signed by botocore's own SigV4 signer for raw HTTP tests, error XML parsing,
and the checksums S3 uses (CRC32C and CRC64NVME written out here because
neither Python has them without awscrt)."""
import hashlib
import http.client
import re
import socket
import ssl
import uuid
import xml.etree.ElementTree as ET
from contextlib import contextmanager

import boto3
import botocore
from botocore import UNSIGNED
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from .checksums import b64, checksum_b64, crc32c, crc64nvme  # noqa: F401 (re-exported)
from .server import ROOT_AK, ROOT_SK

REGION = "us-east-1"


def client(server, ak=ROOT_AK, sk=ROOT_SK, *, unsigned=False, verify=None, **cfg):
    """A boto3 S3 client for server (path style, SigV4, no retries)."""
    conf = dict(region_name=REGION, retries={"max_attempts": 1, "mode": "standard"},
                s3={"addressing_style": "path"}, connect_timeout=30, read_timeout=300,
                signature_version=UNSIGNED if unsigned else "s3v4")
    conf.update(cfg)
    kw = {}
    if not unsigned:
        kw = dict(aws_access_key_id=ak, aws_secret_access_key=sk)
    return boto3.session.Session().client(
        "s3", endpoint_url=server.s3_url, config=Config(**conf), verify=verify, **kw)


def new_bucket_name(prefix="t"):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def err_code(exc):
    return exc.response.get("Error", {}).get("Code")


def err_status(exc):
    return exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")


def expect_error(fn, code, status, **kw):
    """Calls fn(**kw), which must fail with S3 error code and HTTP status;
    returns the ClientError."""
    import pytest
    from botocore.exceptions import ClientError
    with pytest.raises(ClientError) as ei:
        fn(**kw)
    e = ei.value
    assert err_code(e) == code and err_status(e) == status, \
        f"expected {status} {code}, got {err_status(e)} {err_code(e)}: {e.response}"
    return e


@contextmanager
def extra_headers(s3, op, headers):
    """Adds headers to every `op` request of client s3 before it is signed
    (botocore 1.29 has no IfNoneMatch/IfMatch parameters on PutObject)."""
    def add(request, **_):
        for k, v in headers.items():
            request.headers[k] = v
    ev = f"before-sign.s3.{op}"
    s3.meta.events.register(ev, add)
    try:
        yield
    finally:
        s3.meta.events.unregister(ev, add)


# --- raw HTTP signed with botocore's SigV4 -----------------------------------
class _FixedPayloadAuth(S3SigV4Auth):
    """S3SigV4Auth that signs (and sends) the payload hash it is given, even a
    wrong one, instead of hashing the body itself."""

    def __init__(self, credentials, service, region, payload_hash):
        super().__init__(credentials, service, region)
        self._payload_hash = payload_hash

    def payload(self, request):
        return self._payload_hash


def sign(method, url, headers=None, body=b"", ak=ROOT_AK, sk=ROOT_SK,
         payload_hash=None):
    """Returns the headers (dict) of a SigV4-signed request. url's path is used
    as the canonical URI exactly as given (S3 rules: no normalization).
    payload_hash defaults to the hex SHA-256 of body."""
    headers = dict(headers or {})
    if payload_hash is None:
        payload_hash = hashlib.sha256(body).hexdigest()
    headers["x-amz-content-sha256"] = payload_hash
    req = AWSRequest(method=method, url=url, headers=headers, data=body)
    _FixedPayloadAuth(Credentials(ak, sk), "s3", REGION, payload_hash).add_auth(req)
    return dict(req.headers.items())


def raw_request(server, method, path, body=b"", headers=None, *, signed=True,
                payload_hash=None, timeout=60):
    """Sends one request with http.client using path verbatim (no client-side
    normalization). Returns (status, headers dict lower-case, body bytes)."""
    url = server.s3_url + path
    h = dict(headers or {})
    if signed:
        h = sign(method, url, h, body if isinstance(body, bytes) else b"",
                 payload_hash=payload_hash)
    host, port = server.s3_hostport.rsplit(":", 1)
    if server.tls:
        conn = http.client.HTTPSConnection(host, int(port), timeout=timeout,
                                           context=ssl._create_unverified_context())
    else:
        conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        if not any(k.lower() == "host" for k in h):
            conn.putheader("Host", server.s3_hostport)
        for k, v in h.items():
            conn.putheader(k, v)
        if isinstance(body, bytes) and body and not any(k.lower() in ("content-length",
                                                                      "transfer-encoding")
                                                        for k in h):
            conn.putheader("Content-Length", str(len(body)))
        elif isinstance(body, bytes) and not body and method in ("PUT", "POST") and \
                not any(k.lower() in ("content-length", "transfer-encoding") for k in h):
            conn.putheader("Content-Length", "0")
        conn.endheaders()
        if body:
            conn.send(body)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()


def xml_error(body):
    """Parses an S3 <Error> body into a dict of its child elements."""
    root = ET.fromstring(body)
    assert root.tag == "Error", f"not an S3 error document: {body[:300]!r}"
    return {child.tag: (child.text or "") for child in root}


def assert_s3_error(status, body, want_status, want_code):
    assert status == want_status, f"status {status} != {want_status}; body {body[:500]!r}"
    err = xml_error(body)
    assert err.get("Code") == want_code, f"code {err.get('Code')} != {want_code}: {err}"
    return err


# --- checksums: see checksums.py ---------------------------------------------


def md5_hex(data):
    return hashlib.md5(data).hexdigest()


def multipart_etag(parts):
    """S3's multipart ETag (quoted): md5 of the concatenated binary part md5s, -N."""
    cat = b"".join(hashlib.md5(p).digest() for p in parts)
    return f'"{hashlib.md5(cat).hexdigest()}-{len(parts)}"'


def content_md5(data):
    return b64(hashlib.md5(data).digest())


def random_bytes(n, seed=None):
    import random
    if seed is None:
        import os
        return os.urandom(n)
    return random.Random(seed).randbytes(n)


# --- plain sockets -------------------------------------------------------------
def raw_exchange(server, data, *, read_timeout=20, shutdown_write=False):
    """Sends raw bytes on a fresh TCP connection and reads until the peer
    closes or read_timeout passes. Returns the bytes received."""
    host, port = server.s3_hostport.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=read_timeout)
    try:
        try:
            s.sendall(data)
            if shutdown_write:
                s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered (or hung up) before reading everything
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                break
            if not chunk:
                break
            out += chunk
        return out
    finally:
        s.close()


def parse_responses(data):
    """Splits raw HTTP/1.1 responses (Content-Length framed, or closed) into
    a list of (status, headers, body)."""
    out = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            break
        lines = head.split(b"\r\n")
        m = re.match(rb"HTTP/1\.[01] (\d{3})", lines[0])
        assert m, f"bad status line {lines[0]!r}"
        hdrs = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(b":")
            hdrs[k.strip().lower().decode()] = v.strip().decode(errors="replace")
        if "content-length" in hdrs:
            n = int(hdrs["content-length"])
            body, data = rest[:n], rest[n:]
        elif hdrs.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size_line, _, rest = rest.partition(b"\r\n")
                n = int(size_line.split(b";")[0], 16)
                if n == 0:
                    _, _, rest = rest.partition(b"\r\n")
                    break
                body += rest[:n]
                rest = rest[n + 2:]
            data = rest
        else:
            body, data = rest, b""
        out.append((int(m.group(1)), hdrs, body))
    return out


def botocore_version():
    return botocore.__version__
