"""Small objects answered from the store's read cache (on the loop thread,
without the worker pool) are always the current version: every GET below is
repeated, so the second comes from memory, and each write that changes the
key (PUT, CopyObject, CompleteMultipartUpload, DeleteObject) or the bucket's
access (ACL, policy) shows in the very next read. Conditionals, ranges, HEAD
and the stored headers are the same whichever path answers."""
import datetime as dt
import json

import pytest
from botocore.exceptions import ClientError

from helpers import s3 as h


def body(s3, bucket, key, **kw):
    return s3.get_object(Bucket=bucket, Key=key, **kw)["Body"].read()


def twice(s3, bucket, key, **kw):
    """Reads key twice (the second read is served from memory) and checks both agree."""
    a = body(s3, bucket, key, **kw)
    b = body(s3, bucket, key, **kw)
    assert a == b
    return a


def status_of(fn, **kw):
    with pytest.raises(ClientError) as ei:
        fn(**kw)
    return h.err_status(ei.value), h.err_code(ei.value)


def test_cached_small_object_follows_every_write(server, s3, bucket):
    from test_small_put import without_worker
    s3.put_object(Bucket=bucket, Key="k", Body=b"one")
    before = without_worker(server, "GetObject")
    assert twice(s3, bucket, "k") == b"one"
    assert without_worker(server, "GetObject") - before >= 1  # the second read
    s3.put_object(Bucket=bucket, Key="k", Body=b"two")
    assert twice(s3, bucket, "k") == b"two"
    s3.put_object(Bucket=bucket, Key="src", Body=b"copied")
    s3.copy_object(Bucket=bucket, Key="k", CopySource={"Bucket": bucket, "Key": "src"})
    assert twice(s3, bucket, "k") == b"copied"
    up = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    p = s3.upload_part(Bucket=bucket, Key="k", UploadId=up, PartNumber=1, Body=b"multipart")
    s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=up,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": p["ETag"]}]})
    assert twice(s3, bucket, "k") == b"multipart"
    s3.put_object(Bucket=bucket, Key="k", Body=b"three")
    assert twice(s3, bucket, "k") == b"three"
    s3.delete_object(Bucket=bucket, Key="k")
    assert status_of(s3.get_object, Bucket=bucket, Key="k") == (404, "NoSuchKey")
    s3.put_object(Bucket=bucket, Key="k", Body=b"four")
    assert twice(s3, bucket, "k") == b"four"
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "k"}]})
    assert status_of(s3.get_object, Bucket=bucket, Key="k") == (404, "NoSuchKey")


def test_cached_get_headers_conditionals_and_ranges(s3, bucket):
    put = s3.put_object(Bucket=bucket, Key="c", Body=b"0123456789", ContentType="text/x-test",
                        Metadata={"color": "blue"})
    etag = put["ETag"]
    first = s3.get_object(Bucket=bucket, Key="c")
    first["Body"].read()
    r = s3.get_object(Bucket=bucket, Key="c")
    assert r["Body"].read() == b"0123456789"
    for k in ("ETag", "LastModified", "ContentType", "Metadata", "ContentLength"):
        assert r[k] == first[k], k
    assert r["ETag"] == etag and r["ContentType"] == "text/x-test"
    assert r["Metadata"] == {"color": "blue"}
    hd = s3.head_object(Bucket=bucket, Key="c")
    assert hd["ContentLength"] == 10 and hd["ETag"] == etag
    assert hd["LastModified"] == r["LastModified"]
    assert status_of(s3.get_object, Bucket=bucket, Key="c", IfNoneMatch=etag)[0] == 304
    assert status_of(s3.get_object, Bucket=bucket, Key="c", IfMatch='"nope"')[0] == 412
    future = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)
    assert status_of(s3.get_object, Bucket=bucket, Key="c", IfModifiedSince=future)[0] == 304
    assert body(s3, bucket, "c", IfMatch=etag) == b"0123456789"
    rg = s3.get_object(Bucket=bucket, Key="c", Range="bytes=2-5")
    assert rg["Body"].read() == b"2345" and rg["ContentRange"] == "bytes 2-5/10"
    assert body(s3, bucket, "c", Range="bytes=-3") == b"789"
    assert status_of(s3.get_object, Bucket=bucket, Key="c", Range="bytes=20-30") == \
        (416, "InvalidRange")
    hr = s3.head_object(Bucket=bucket, Key="c", Range="bytes=0-3")
    assert hr["ContentLength"] == 4
    ov = s3.get_object(Bucket=bucket, Key="c", ResponseContentType="application/x-over")
    assert ov["ContentType"] == "application/x-over"
    s3.put_object(Bucket=bucket, Key="c", Body=b"changed")
    assert status_of(s3.get_object, Bucket=bucket, Key="c", IfMatch=etag)[0] == 412
    assert body(s3, bucket, "c", IfNoneMatch=etag) == b"changed"


def test_cached_get_follows_acl_and_policy(server, s3):
    name = h.new_bucket_name()
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="pub", Body=b"hello anonymous")
    anon = h.client(server, unsigned=True)
    assert twice(s3, name, "pub") == b"hello anonymous"  # cached for the owner
    assert status_of(anon.get_object, Bucket=name, Key="pub") == (403, "AccessDenied")
    s3.put_bucket_acl(Bucket=name, ACL="public-read")
    assert twice(anon, name, "pub") == b"hello anonymous"
    s3.put_bucket_acl(Bucket=name, ACL="private")
    assert status_of(anon.get_object, Bucket=name, Key="pub") == (403, "AccessDenied")
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{name}/*"}]}
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
    assert twice(anon, name, "pub") == b"hello anonymous"
    s3.delete_bucket_policy(Bucket=name)
    assert status_of(anon.get_object, Bucket=name, Key="pub") == (403, "AccessDenied")
    s3.delete_object(Bucket=name, Key="pub")
    s3.delete_bucket(Bucket=name)
    assert status_of(s3.get_object, Bucket=name, Key="pub") == (404, "NoSuchBucket")


def test_other_users_are_refused_a_cached_object(server, s3, bucket, second_user):
    s3.put_object(Bucket=bucket, Key="secret", Body=b"root only")
    assert twice(s3, bucket, "secret") == b"root only"
    bob = h.client(server, *second_user)
    assert status_of(bob.get_object, Bucket=bucket, Key="secret") == (403, "AccessDenied")
