"""Checks run with the pyenv python3 and its boto3 1.43 (the 2025 "default
data integrity" SDK: CRC32 on every PUT, aws-chunked trailers for streamed
bodies over HTTPS). Run by test_boto3_new.py as

    python3 boto3_new_checks.py CHECK

with LH_ENDPOINT, LH_AK, LH_SK, LH_BUCKET (and LH_CA for HTTPS) in the
environment. Each check asserts internally; any failure exits non-zero with
a message. Self-contained on purpose: it must not import the Debian-side
helpers."""
import hashlib
import io
import os
import sys
import http.client
import ssl
import urllib.parse
import zlib

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

MiB = 1024 * 1024


# --- checksums (CRC32C and CRC64NVME need awscrt in botocore) --------------------
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checksums import b64, crc32_raw, crc32c, crc64nvme  # noqa: E402


# --- client -------------------------------------------------------------------
ENDPOINT = os.environ["LH_ENDPOINT"]
BUCKET = os.environ["LH_BUCKET"]
CA = os.environ.get("LH_CA") or None


def client(signature_version="s3v4", **cfg):
    c = dict(region_name="us-east-1", retries={"max_attempts": 1}, s3={"addressing_style": "path"},
             signature_version=signature_version)
    c.update(cfg)
    return boto3.session.Session().client(
        "s3", endpoint_url=ENDPOINT, aws_access_key_id=os.environ["LH_AK"],
        aws_secret_access_key=os.environ["LH_SK"], config=Config(**c), verify=CA)


class Capture:
    """Records the headers of each request as sent (after signing)."""

    def __init__(self, s3):
        self.sent = []
        s3.meta.events.register("before-send.s3.*", self._hook)

    def _hook(self, request, **_):
        self.sent.append({k.lower(): (v.decode() if isinstance(v, bytes) else v)
                          for k, v in request.headers.items()})

    def last(self):
        return self.sent[-1]


def fetch(url, method="GET", data=None):
    """A plain HTTP(S) request with no extra headers (a V2 presigned PUT signs
    Content-Type, so none may be added)."""
    u = urllib.parse.urlsplit(url)
    if u.scheme == "https":
        conn = http.client.HTTPSConnection(u.hostname, u.port, timeout=60,
                                           context=ssl.create_default_context(cafile=CA))
    else:
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    try:
        conn.request(method, u.path + ("?" + u.query if u.query else ""), body=data,
                     headers={"Content-Length": str(len(data))} if data is not None else {})
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def expect_client_error(fn, code, status, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        got = (e.response["Error"].get("Code"), e.response["ResponseMetadata"]["HTTPStatusCode"])
        assert got == (code, status), f"expected {status} {code}, got {got}"
        return
    raise AssertionError(f"expected {status} {code}, the call succeeded")


# --- checks ---------------------------------------------------------------------
def check_default_checksums():
    s3 = client()
    cap = Capture(s3)
    data = os.urandom(300_000)
    r = s3.put_object(Bucket=BUCKET, Key="default-ck", Body=data)
    sent = cap.last()
    if ENDPOINT.startswith("https"):  # over TLS the CRC32 travels in an aws-chunked trailer
        assert sent.get("x-amz-trailer") == "x-amz-checksum-crc32", \
            f"boto3 {boto3.__version__} sent no CRC32 trailer: {sent}"
        assert sent.get("x-amz-content-sha256") == "STREAMING-UNSIGNED-PAYLOAD-TRAILER", sent
    else:
        assert sent.get("x-amz-checksum-crc32") == b64(crc32_raw(data)), \
            f"boto3 {boto3.__version__} did not send its default CRC32: {sorted(sent)}"
    assert r.get("ChecksumCRC32") == b64(crc32_raw(data)), r
    g = s3.get_object(Bucket=BUCKET, Key="default-ck", ChecksumMode="ENABLED")
    assert g["Body"].read() == data
    assert g.get("ChecksumCRC32") == b64(crc32_raw(data)), g
    assert g["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    # an empty body and a small text body too
    s3.put_object(Bucket=BUCKET, Key="default-empty", Body=b"")
    assert s3.get_object(Bucket=BUCKET, Key="default-empty")["Body"].read() == b""


def check_upload_fileobj_trailer():
    """upload_fileobj streams the body: over HTTPS botocore 1.43 sends
    STREAMING-UNSIGNED-PAYLOAD-TRAILER with the CRC32 in a trailer."""
    s3 = client()
    cap = Capture(s3)
    data = os.urandom(3 * MiB + 17)
    s3.upload_fileobj(io.BytesIO(data), BUCKET, "streamed/fileobj.bin")
    put = [x for x in cap.sent if "x-amz-decoded-content-length" in x or "x-amz-trailer" in x]
    if ENDPOINT.startswith("https"):
        assert put, f"no aws-chunked request was sent: {cap.sent}"
        assert put[0].get("x-amz-content-sha256") == "STREAMING-UNSIGNED-PAYLOAD-TRAILER", put[0]
        assert put[0].get("x-amz-trailer") == "x-amz-checksum-crc32", put[0]
    got = io.BytesIO()
    s3.download_fileobj(BUCKET, "streamed/fileobj.bin", got)
    assert got.getvalue() == data
    h = s3.head_object(Bucket=BUCKET, Key="streamed/fileobj.bin", ChecksumMode="ENABLED")
    assert h["ContentLength"] == len(data)
    assert h.get("ChecksumCRC32") == b64(crc32_raw(data)), h
    # a multipart upload_fileobj (parts streamed the same way)
    big = os.urandom(9 * MiB)
    from boto3.s3.transfer import TransferConfig
    s3.upload_fileobj(io.BytesIO(big), BUCKET, "streamed/mp.bin",
                      Config=TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB))
    got = io.BytesIO()
    s3.download_fileobj(BUCKET, "streamed/mp.bin", got)
    assert got.getvalue() == big
    parts = [big[:5 * MiB], big[5 * MiB:]]
    want = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest() + "-2"
    assert s3.head_object(Bucket=BUCKET, Key="streamed/mp.bin")["ETag"] == f'"{want}"'


def check_crc64nvme():
    s3 = client()
    data = os.urandom(100_000)
    want = b64(crc64nvme(data).to_bytes(8, "big"))
    r = s3.put_object(Bucket=BUCKET, Key="crc64nvme", Body=data, ChecksumCRC64NVME=want)
    assert r.get("ChecksumCRC64NVME") == want, r
    h = s3.head_object(Bucket=BUCKET, Key="crc64nvme", ChecksumMode="ENABLED")
    assert h.get("ChecksumCRC64NVME") == want, h
    g = s3.get_object(Bucket=BUCKET, Key="crc64nvme", ChecksumMode="ENABLED")
    assert g["Body"].read() == data and g.get("ChecksumCRC64NVME") == want
    bad = b64(crc64nvme(data + b"x").to_bytes(8, "big"))
    expect_client_error(s3.put_object, "BadDigest", 400, Bucket=BUCKET, Key="crc64nvme-bad",
                        Body=data, ChecksumCRC64NVME=bad)
    # CRC32C likewise supplied by value
    want32c = b64(crc32c(data).to_bytes(4, "big"))
    s3.put_object(Bucket=BUCKET, Key="crc32c", Body=data, ChecksumCRC32C=want32c)
    assert s3.head_object(Bucket=BUCKET, Key="crc32c", ChecksumMode="ENABLED").get("ChecksumCRC32C") == want32c


def _parts():
    return [os.urandom(5 * MiB), os.urandom(MiB + 3)]


def check_multipart_composite():
    s3 = client()
    key = "mp-composite"
    parts = _parts()
    up = s3.create_multipart_upload(Bucket=BUCKET, Key=key, ChecksumAlgorithm="CRC32",
                                    ChecksumType="COMPOSITE")
    assert up.get("ChecksumAlgorithm") == "CRC32", up
    done = []
    for i, p in enumerate(parts, 1):
        r = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=up["UploadId"], PartNumber=i, Body=p,
                           ChecksumAlgorithm="CRC32")
        assert r.get("ChecksumCRC32") == b64(crc32_raw(p)), r
        done.append({"PartNumber": i, "ETag": r["ETag"], "ChecksumCRC32": r["ChecksumCRC32"]})
    lp = s3.list_parts(Bucket=BUCKET, Key=key, UploadId=up["UploadId"])
    assert [p.get("ChecksumCRC32") for p in lp["Parts"]] == [d["ChecksumCRC32"] for d in done], lp["Parts"]
    c = s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=up["UploadId"],
                                     MultipartUpload={"Parts": done})
    want = b64(crc32_raw(b"".join(crc32_raw(p) for p in parts))) + "-2"
    assert c.get("ChecksumCRC32") == want, c
    h = s3.head_object(Bucket=BUCKET, Key=key, ChecksumMode="ENABLED")
    assert h.get("ChecksumCRC32") == want, h
    assert h.get("ChecksumType") == "COMPOSITE", h
    g = s3.get_object(Bucket=BUCKET, Key=key)
    assert g["Body"].read() == b"".join(parts)


def check_multipart_full_object():
    s3 = client()
    key = "mp-full"
    parts = _parts()
    whole = b"".join(parts)
    for alg, fn, width in (("CRC32", lambda d: zlib.crc32(d) & 0xFFFFFFFF, 4),
                           ("CRC64NVME", crc64nvme, 8)):
        k = f"{key}-{alg}"
        up = s3.create_multipart_upload(Bucket=BUCKET, Key=k, ChecksumAlgorithm=alg,
                                        ChecksumType="FULL_OBJECT")
        assert up.get("ChecksumType") == "FULL_OBJECT", up
        done = []
        for i, p in enumerate(parts, 1):
            v = b64(fn(p).to_bytes(width, "big"))
            r = s3.upload_part(Bucket=BUCKET, Key=k, UploadId=up["UploadId"], PartNumber=i, Body=p,
                               **{"Checksum" + alg: v})
            done.append({"PartNumber": i, "ETag": r["ETag"], "Checksum" + alg: v})
        want = b64(fn(whole).to_bytes(width, "big"))
        c = s3.complete_multipart_upload(Bucket=BUCKET, Key=k, UploadId=up["UploadId"],
                                         MultipartUpload={"Parts": done}, ChecksumType="FULL_OBJECT",
                                         **{"Checksum" + alg: want})
        assert c.get("Checksum" + alg) == want, (alg, c)
        h = s3.head_object(Bucket=BUCKET, Key=k, ChecksumMode="ENABLED")
        assert h.get("Checksum" + alg) == want and h.get("ChecksumType") == "FULL_OBJECT", (alg, h)
        assert s3.get_object(Bucket=BUCKET, Key=k)["Body"].read() == whole
    # a wrong full-object checksum is refused at Complete
    k = f"{key}-bad"
    up = s3.create_multipart_upload(Bucket=BUCKET, Key=k, ChecksumAlgorithm="CRC32",
                                    ChecksumType="FULL_OBJECT")
    v = b64(crc32_raw(parts[1]))
    r = s3.upload_part(Bucket=BUCKET, Key=k, UploadId=up["UploadId"], PartNumber=1, Body=parts[1],
                       ChecksumCRC32=v)
    try:
        s3.complete_multipart_upload(Bucket=BUCKET, Key=k, UploadId=up["UploadId"], ChecksumType="FULL_OBJECT",
                                     ChecksumCRC32=b64(crc32_raw(b"not it")),
                                     MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": r["ETag"],
                                                                 "ChecksumCRC32": v}]})
    except ClientError as e:
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, e.response
    else:
        raise AssertionError("a wrong FULL_OBJECT checksum was accepted at Complete")


def check_presigned_urls():
    data = os.urandom(20_000)
    client().put_object(Bucket=BUCKET, Key="presigned/obj ~+.bin", Body=data)
    for sv, marker in (("s3", "Signature="), ("s3v4", "X-Amz-Signature=")):
        s3 = client(signature_version=sv)
        url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "presigned/obj ~+.bin"},
                                        ExpiresIn=300)
        assert marker in url, (sv, url)
        if sv == "s3":
            assert "AWSAccessKeyId=" in url and "Expires=" in url, url
        status, body = fetch(url)
        assert status == 200 and body == data, (sv, status, body[:300])
        # presigned PUT, then read back
        put_url = s3.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": f"presigned/put-{sv}"},
                                            ExpiresIn=300)
        status, body = fetch(put_url, "PUT", data=b"put via " + sv.encode())
        assert status == 200, (sv, status, body[:300])
        assert client().get_object(Bucket=BUCKET, Key=f"presigned/put-{sv}")["Body"].read() == \
            b"put via " + sv.encode()
        # a signature for another key does not open this one
        other = url.replace("presigned/obj", "presigned/xbj")
        status, body = fetch(other)
        assert status == 403, (sv, status)


def check_conditional_put():
    s3 = client()
    r1 = s3.put_object(Bucket=BUCKET, Key="cond", Body=b"one", IfNoneMatch="*")
    expect_client_error(s3.put_object, "PreconditionFailed", 412, Bucket=BUCKET, Key="cond",
                        Body=b"two", IfNoneMatch="*")
    assert s3.get_object(Bucket=BUCKET, Key="cond")["Body"].read() == b"one"
    expect_client_error(s3.put_object, "PreconditionFailed", 412, Bucket=BUCKET, Key="cond",
                        Body=b"two", IfMatch='"00000000000000000000000000000000"')
    s3.put_object(Bucket=BUCKET, Key="cond", Body=b"two", IfMatch=r1["ETag"])
    assert s3.get_object(Bucket=BUCKET, Key="cond")["Body"].read() == b"two"
    # multipart complete with IfNoneMatch on an existing key
    up = s3.create_multipart_upload(Bucket=BUCKET, Key="cond")["UploadId"]
    p = s3.upload_part(Bucket=BUCKET, Key="cond", UploadId=up, PartNumber=1, Body=b"three")
    expect_client_error(s3.complete_multipart_upload, "PreconditionFailed", 412, Bucket=BUCKET, Key="cond",
                        UploadId=up, IfNoneMatch="*",
                        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": p["ETag"]}]})
    assert s3.get_object(Bucket=BUCKET, Key="cond")["Body"].read() == b"two"


def check_versioning():
    """Versioning with the default CRC32 checksums: version ids on PUT and
    multipart, a version's checksum, delete markers, DeleteObjects by
    version, ListObjectVersions pages."""
    s3 = client()
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
    data = [os.urandom(1000 + i) for i in range(3)]
    ids = [s3.put_object(Bucket=BUCKET, Key="v", Body=d)["VersionId"] for d in data]
    assert len(set(ids)) == 3, ids
    g = s3.get_object(Bucket=BUCKET, Key="v", VersionId=ids[0], ChecksumMode="ENABLED")
    assert g["Body"].read() == data[0] and g["VersionId"] == ids[0]
    assert g.get("ChecksumCRC32") == b64(crc32_raw(data[0])), g
    up = s3.create_multipart_upload(Bucket=BUCKET, Key="v")["UploadId"]
    p = s3.upload_part(Bucket=BUCKET, Key="v", UploadId=up, PartNumber=1, Body=b"mp body")
    c = s3.complete_multipart_upload(Bucket=BUCKET, Key="v", UploadId=up, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": p["ETag"], "ChecksumCRC32": p["ChecksumCRC32"]}]})
    assert c["VersionId"] not in ids, c
    d = s3.delete_object(Bucket=BUCKET, Key="v")
    assert d["DeleteMarker"] is True
    expect_client_error(s3.get_object, "NoSuchKey", 404, Bucket=BUCKET, Key="v")
    expect_client_error(s3.get_object, "MethodNotAllowed", 405, Bucket=BUCKET, Key="v",
                        VersionId=d["VersionId"])
    seen = []
    for page in s3.get_paginator("list_object_versions").paginate(
            Bucket=BUCKET, PaginationConfig={"PageSize": 2}):
        seen += [(x["VersionId"], x["IsLatest"]) for x in
                 page.get("DeleteMarkers", []) + page.get("Versions", [])]
    assert sorted(seen) == sorted([(d["VersionId"], True), (c["VersionId"], False)] +
                                  [(i, False) for i in ids]), seen
    r = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [
        {"Key": "v", "VersionId": v} for v, _ in seen]})
    assert len(r["Deleted"]) == 5 and not r.get("Errors"), r
    assert not s3.list_object_versions(Bucket=BUCKET).get("Versions")
    s3.delete_bucket(Bucket=BUCKET)


def check_lifecycle():
    """PutBucketLifecycleConfiguration from boto3 1.43 (which sends a CRC32
    checksum instead of Content-MD5), read back; a transition is refused."""
    s3 = client()
    cfg = {"Rules": [{"ID": "bronze", "Filter": {"Prefix": "bronze/"}, "Status": "Enabled",
                      "Expiration": {"Days": 30},
                      "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 3}}]}
    s3.put_bucket_lifecycle_configuration(Bucket=BUCKET, LifecycleConfiguration=cfg)
    got = s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]
    assert got[0]["ID"] == "bronze" and got[0]["Expiration"] == {"Days": 30}, got
    assert got[0]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 3}, got
    bad = {"Rules": [{"ID": "t", "Filter": {}, "Status": "Enabled",
                      "Transitions": [{"Days": 1, "StorageClass": "GLACIER"}]}]}
    expect_client_error(s3.put_bucket_lifecycle_configuration, "NotImplemented", 501,
                        Bucket=BUCKET, LifecycleConfiguration=bad)
    s3.delete_bucket_lifecycle(Bucket=BUCKET)
    expect_client_error(s3.get_bucket_lifecycle_configuration, "NoSuchLifecycleConfiguration",
                        404, Bucket=BUCKET)


if __name__ == "__main__":
    from pyenv_runner import main

    sys.exit(main(globals()))
