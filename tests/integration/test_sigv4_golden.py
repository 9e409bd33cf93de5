"""Golden test: our SigV4 signer (lh_sigv4_sign) produces byte-for-byte the
Authorization header botocore's S3SigV4Auth produces for the same request,
date and keys; and our verifier (lh_sig_parse + lh_sig_verify) accepts what
botocore and boto3 sign: SigV4 headers, SigV4 presigned URLs, SigV2
(HmacV1) headers and SigV2 presigned URLs (generate_presigned_url with
signature_version='s3').

Two botocore versions are checked: Debian's (this interpreter, 1.29) and the
pyenv one (1.43), reached by running this file as a script with the pyenv
`python3`. Our C side runs through tests/unit/sigv4_test in its `sign` and
`verify` modes (built by `make unit` / `make unit-asan`)."""
import json
import os
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

AK = "AKIDLAKEHOUSE0EXAMPLE"
SK = "s3cr3t/Key+with=odd/chars0123456789abcd"
REGION = "us-east-1"
NOW = 1717243445  # 2024-06-01T12:04:05Z

# Requests as a client sends them: path and query already %-encoded the way
# botocore encodes (quote with safe '/~' for keys, '-_.~' for query values).
CASES = [
    {"name": "get-list-query", "method": "GET", "path": "/bucket",
     "query": "list-type=2&prefix=a%20b%2Fc~d&delimiter=%2F&encoding-type=url",
     "headers": [], "body": ""},
    {"name": "get-unicode-and-tilde", "method": "GET", "path": "/bucket",
     "query": "prefix=%E6%97%A5%E6%9C%AC~%C3%A9&start-after=x%2By&max-keys=10",
     "headers": [], "body": ""},
    {"name": "get-subresource-no-value", "method": "GET", "path": "/bucket/key",
     "query": "acl", "headers": [], "body": ""},
    {"name": "get-repeated-keys", "method": "GET", "path": "/bucket",
     "query": "b=2&a=2&a=1&c=", "headers": [], "body": ""},
    {"name": "put-with-headers", "method": "PUT", "path": "/bucket/dir/file.txt",
     "query": "",
     "headers": [["Content-Type", "text/plain; charset=utf-8"],
                 ["x-amz-meta-Note", "  several   spaces  inside "],
                 ["x-amz-storage-class", "STANDARD"],
                 ["Content-MD5", "XrY7u+Ae7tCTyyK7j1rNww=="]],
     "body": "hello world"},
    {"name": "put-special-key", "method": "PUT",
     "path": "/bucket/a%20b%2Bc%21%27%28%29%2A~%24%40%3D%3B%3A%2C%3F/%E2%82%AC.bin",
     "query": "", "headers": [["Content-Type", "application/octet-stream"]],
     "body": "x" * 100},
    {"name": "upload-part", "method": "PUT", "path": "/bucket/big.bin",
     "query": "partNumber=3&uploadId=VXBsb2FkIElEIGZvciBlbHZpbmc%3D",
     "headers": [["x-amz-checksum-crc32", "rwg7LQ=="]], "body": "hello world\n"},
    {"name": "delete-versioned", "method": "DELETE", "path": "/bucket/k",
     "query": "versionId=3%2F4%2B5", "headers": [["x-amz-mfa", "123 456"]], "body": ""},
]

HOST = "127.0.0.1:9000"


# --------------------------------------------------------------------------
# botocore side (runs in this interpreter or in the pyenv one)

def amz_date(t):
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t))


def botocore_sign(case, now):
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    url = "http://%s%s" % (HOST, case["path"])
    if case["query"]:
        url += "?" + case["query"]
    req = AWSRequest(method=case["method"], url=url, data=case["body"].encode())
    for name, value in case["headers"]:
        req.headers[name] = value
    auth = S3SigV4Auth(Credentials(AK, SK), "s3", REGION)
    req.context["timestamp"] = amz_date(now)
    auth._modify_request_before_signing(req)
    canonical = auth.canonical_request(req)
    sts = auth.string_to_sign(req, canonical)
    sig = auth.signature(sts, req)
    auth._inject_signature_to_request(req, sig)
    return {"authorization": req.headers["Authorization"],
            "payload_hash": req.headers["X-Amz-Content-SHA256"],
            "amz_date": req.headers["X-Amz-Date"]}


def botocore_sign_v2(case, now):
    from botocore.auth import HmacV1Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    url = "http://%s%s" % (HOST, case["path"])
    if case["query"]:
        url += "?" + case["query"]
    req = AWSRequest(method=case["method"], url=url, data=case["body"].encode())
    for name, value in case["headers"]:
        req.headers[name] = value
    HmacV1Auth(Credentials(AK, SK)).add_auth(req)
    return [[k, v] for k, v in req.headers.items()]


def boto3_presign(now_unused):
    import boto3
    from botocore.config import Config

    out = {}
    for version in ("s3", "s3v4"):
        client = boto3.client(
            "s3", endpoint_url="http://" + HOST, region_name=REGION,
            aws_access_key_id=AK, aws_secret_access_key=SK,
            config=Config(signature_version=version, s3={"addressing_style": "path"}))
        urls = [
            client.generate_presigned_url(
                "get_object", Params={"Bucket": "bucket", "Key": "dir/a b~c+d!é.txt"},
                ExpiresIn=600),
            client.generate_presigned_url(
                "get_object",
                Params={"Bucket": "bucket", "Key": "k", "VersionId": "v1",
                        "ResponseContentType": "text/plain; x=1"},
                ExpiresIn=3600),
            client.generate_presigned_url(
                "put_object", Params={"Bucket": "bucket", "Key": "up/load.bin"}, ExpiresIn=60),
        ]
        out[version] = urls
    return out


def script_main():
    """Script mode for the pyenv interpreter: JSON request on stdin."""
    req = json.load(sys.stdin)
    import botocore
    if req["op"] == "version":
        res = botocore.__version__
    elif req["op"] == "sign":
        res = [botocore_sign(c, req["now"]) for c in req["cases"]]
    elif req["op"] == "sign_v2":
        res = [botocore_sign_v2(c, req["now"]) for c in req["cases"]]
    else:
        res = boto3_presign(req["now"])
    json.dump(res, sys.stdout)


if __name__ == "__main__":
    script_main()
    sys.exit(0)

# --------------------------------------------------------------------------
# the tests

import pytest  # noqa: E402  (not needed in script mode)


def sigv4_test_bin():
    cands = []
    lb = os.environ.get("LAKEHOUSE_BIN")
    if lb:
        cands.append(os.path.join(os.path.dirname(os.path.abspath(lb)), "tests", "sigv4_test"))
    cands += [os.path.join(ROOT, "build-asan", "tests", "sigv4_test"),
              os.path.join(ROOT, "build", "tests", "sigv4_test")]
    for c in cands:
        if os.access(c, os.X_OK):
            return c
    pytest.fail("sigv4_test binary not found (tried %s); run `make unit` first" % cands)


def pyenv_python():
    """The non-Debian python3 with a newer botocore (pyenv)."""
    cands = []
    for d in os.environ.get("PATH", "").split(os.pathsep):
        p = os.path.join(d, "python3")
        if os.access(p, os.X_OK) and not p.startswith(("/usr/bin", "/bin")):
            cands.append(p)
    cands.append(os.path.expanduser("~/.pyenv/shims/python3"))
    for p in cands:
        if os.access(p, os.X_OK):
            return p
    return None


def run_script(op, **kw):
    py = pyenv_python()
    if not py:
        pytest.skip("no pyenv python3 on PATH")
    kw["op"] = op
    out = subprocess.run([py, os.path.abspath(__file__)], input=json.dumps(kw),
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def c_tool(mode, obj):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(obj, f)
        path = f.name
    try:
        out = subprocess.run([sigv4_test_bin(), mode, path], capture_output=True, text=True,
                             timeout=60)
    finally:
        os.unlink(path)
    return out.returncode, out.stdout.strip(), out.stderr


def our_sign(case, payload_hash, now):
    rc, out, err = c_tool("sign", {
        "method": case["method"], "host": HOST, "path": case["path"],
        "query": case["query"], "headers": case["headers"], "payload_hash": payload_hash,
        "access_key": AK, "secret_key": SK, "region": REGION, "service": "s3", "now": now})
    assert rc == 0, (out, err)
    return out


def our_verify(method, path, query, headers, now, v2_resource=""):
    rc, out, err = c_tool("verify", {
        "method": method, "path": path, "query": query, "headers": headers, "now": now,
        "secret": SK, "v2_resource": v2_resource})
    return out


def local_botocore(op, now):
    import botocore
    if op == "version":
        return botocore.__version__
    if op == "sign":
        return [botocore_sign(c, now) for c in CASES]
    if op == "sign_v2":
        return [botocore_sign_v2(c, now) for c in CASES]
    return boto3_presign(now)


BOTOCORES = ["debian", "pyenv"]


def botocore_results(which, op, now):
    if which == "debian":
        return local_botocore(op, now)
    return run_script(op, now=now, cases=CASES)


@pytest.mark.parametrize("which", BOTOCORES)
def test_botocore_version_printed(which):
    v = botocore_results(which, "version", NOW)
    print("botocore (%s) %s" % (which, v))
    major, minor = (int(x) for x in v.split(".")[:2])
    assert (major, minor) >= (1, 29), "botocore %s too old" % v


@pytest.mark.parametrize("which", BOTOCORES)
def test_signer_matches_botocore(which):
    results = botocore_results(which, "sign", NOW)
    for case, ref in zip(CASES, results):
        ours = our_sign(case, ref["payload_hash"], NOW)
        assert ours == ref["authorization"], case["name"]


@pytest.mark.parametrize("which", BOTOCORES)
def test_verifier_accepts_botocore_v4_headers(which):
    results = botocore_results(which, "sign", NOW)
    for case, ref in zip(CASES, results):
        headers = [["Host", HOST], ["X-Amz-Date", ref["amz_date"]],
                   ["X-Amz-Content-SHA256", ref["payload_hash"]],
                   ["Authorization", ref["authorization"]]] + case["headers"]
        out = our_verify(case["method"], case["path"], case["query"], headers, NOW + 30)
        assert out == "ok 1 " + AK, (case["name"], out)
        # one changed byte in the query or the path breaks it
        out = our_verify(case["method"], case["path"] + "x", case["query"], headers, NOW)
        assert out.startswith("error -13 SignatureDoesNotMatch"), out


@pytest.mark.parametrize("which", BOTOCORES)
def test_verifier_accepts_botocore_v2_headers(which):
    now = int(time.time())
    results = botocore_results(which, "sign_v2", now)
    for case, headers in zip(CASES, results):
        headers = [["Host", HOST]] + headers
        out = our_verify(case["method"], case["path"], case["query"], headers, now,
                         v2_resource=case["path"])
        assert out == "ok 3 " + AK, (case["name"], out)


@pytest.mark.parametrize("which", BOTOCORES)
def test_verifier_accepts_boto3_presigned_urls(which):
    now = int(time.time())
    urls = botocore_results(which, "presign", now)
    for version, kind in (("s3", 4), ("s3v4", 2)):
        for url in urls[version]:
            u = urlsplit(url)
            headers = [["Host", u.netloc]]
            out = our_verify("PUT" if "up/load" in u.path else "GET", u.path, u.query,
                             headers, now, v2_resource=u.path)
            assert out == "ok %d %s" % (kind, AK), (version, url, out)
            # expired an hour later
            out = our_verify("GET", u.path, u.query, headers, now + 7200, v2_resource=u.path)
            assert "Request has expired" in out, (version, url, out)
