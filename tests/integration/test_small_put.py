"""Small PutObjects committed without a worker thread (decoded and hashed on
the loop, batched by the store's committer thread) answer exactly as the
worker path does: conditions, digests, roles, a bucket that went away, and
many concurrent uploads all acknowledged and readable."""
import base64
import hashlib
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError

from helpers import s3 as h


def status_of(fn, **kw):
    with pytest.raises(ClientError) as ei:
        fn(**kw)
    return h.err_status(ei.value), h.err_code(ei.value)


def without_worker(server, op):
    """The lakehouse_s3_without_worker_total{op=...} counter."""
    import re
    import requests
    text = requests.get(server.web_url + "/metrics", timeout=30).text
    m = re.search(r'^lakehouse_s3_without_worker_total\{op="%s"\} (\S+)$' % op, text, re.M)
    return float(m.group(1)) if m else 0.0


def put_with(s3, headers, **kw):
    with h.extra_headers(s3, "PutObject", headers):
        return s3.put_object(**kw)


def test_small_put_conditions(s3, bucket):
    s3.put_object(Bucket=bucket, Key="warm", Body=b"fills the bucket row")
    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"one")["ETag"]
    assert etag == '"%s"' % hashlib.md5(b"one").hexdigest()
    assert status_of(put_with, s3=s3, headers={"If-None-Match": "*"}, Bucket=bucket, Key="k",
                     Body=b"two") == (412, "PreconditionFailed")
    assert status_of(put_with, s3=s3, headers={"If-Match": '"nope"'}, Bucket=bucket, Key="k",
                     Body=b"two") == (412, "PreconditionFailed")
    assert status_of(put_with, s3=s3, headers={"If-Match": etag}, Bucket=bucket, Key="absent",
                     Body=b"two") == (404, "NoSuchKey")
    put_with(s3, {"If-Match": etag}, Bucket=bucket, Key="k", Body=b"two")
    put_with(s3, {"If-None-Match": "*"}, Bucket=bucket, Key="new", Body=b"fresh")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"two"
    assert s3.get_object(Bucket=bucket, Key="new")["Body"].read() == b"fresh"


def test_small_put_digests_and_empty_body(s3, bucket):
    s3.put_object(Bucket=bucket, Key="warm", Body=b"x")
    bad = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    assert status_of(s3.put_object, Bucket=bucket, Key="d", Body=b"data",
                     ContentMD5=bad) == (400, "BadDigest")
    good = base64.b64encode(hashlib.md5(b"data").digest()).decode()
    s3.put_object(Bucket=bucket, Key="d", Body=b"data", ContentMD5=good)
    r = s3.put_object(Bucket=bucket, Key="c", Body=b"data", ChecksumAlgorithm="CRC32")
    assert r["ChecksumCRC32"] == h.checksum_b64("CRC32", b"data")
    s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    assert s3.get_object(Bucket=bucket, Key="empty")["Body"].read() == b""
    assert status_of(s3.head_object, Bucket=bucket, Key="d-never") == (404, "404")


def test_small_put_roles_and_missing_bucket(server, s3, second_user):
    name = h.new_bucket_name()
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="warm", Body=b"x")
    bob = h.client(server, *second_user)
    assert status_of(bob.put_object, Bucket=name, Key="k", Body=b"b") == (403, "AccessDenied")
    reader = h.client(server, *server.add_user("rita-itest", "ritasecret-123", "reader"))
    assert status_of(reader.put_object, Bucket=name, Key="k", Body=b"r") == (403, "AccessDenied")
    s3.delete_object(Bucket=name, Key="warm")
    s3.delete_bucket(Bucket=name)
    assert status_of(s3.put_object, Bucket=name, Key="k", Body=b"x") == (404, "NoSuchBucket")


def test_concurrent_small_puts_all_acknowledged_and_readable(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="warm", Body=b"x")
    before = without_worker(server, "PutObject")

    def one(i):
        body = (b"%05d-" % i) * 100
        r = s3.put_object(Bucket=bucket, Key=f"c/{i:05d}", Body=body)
        return i, r["ETag"], body

    with ThreadPoolExecutor(max_workers=16) as ex:
        done = list(ex.map(one, range(400)))
    for i, etag, body in done:
        assert etag == '"%s"' % hashlib.md5(body).hexdigest()
    keys = [o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="c/")
            for o in p.get("Contents", [])]
    assert len(keys) == 400
    assert without_worker(server, "PutObject") - before >= 400  # none needed a worker
    for i in (0, 199, 399):
        assert s3.get_object(Bucket=bucket, Key=f"c/{i:05d}")["Body"].read() == (b"%05d-" % i) * 100
