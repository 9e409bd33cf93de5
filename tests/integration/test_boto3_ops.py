"""The whole S3 operation list driven in-process by Debian's boto3 1.26
(botocore 1.29: Content-MD5 era, no IfNoneMatch parameter, so conditional
writes are added with a before-sign event handler)."""
import datetime as dt
import hashlib
import json
import socket
import urllib.parse

import boto3
import botocore
import pytest

from helpers import s3 as h
from helpers.clients import require_version

MiB = 1024 * 1024


@pytest.fixture(scope="module", autouse=True)
def _boto3_version():
    require_version("Debian boto3", boto3.__version__, "1.26")
    require_version("Debian botocore", botocore.__version__, "1.29")


expect_error = h.expect_error


def put(s3, bucket, key, body, **kw):
    return s3.put_object(Bucket=bucket, Key=key, Body=body, **kw)


def get_bytes(s3, bucket, key, **kw):
    return s3.get_object(Bucket=bucket, Key=key, **kw)["Body"].read()


# --- an empty body with Expect: 100-continue ------------------------------------------
def test_empty_put_with_expect_gets_100_continue_first(server, bucket):
    """botocore sends `Expect: 100-continue` with an empty body too, and when
    the final response comes where it waits for 100 Continue it holds its
    next request on that connection for its whole read timeout (60 s by
    default) before sending the body anyway. So the empty PUT is answered
    `100 Continue` first, as S3 does, then 200; the next PUT on the same
    connection as well. Raw socket, each request signed by botocore."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    from helpers.server import ROOT_AK, ROOT_SK

    def head(key, n):
        r = AWSRequest(method="PUT", url=f"{server.s3_url}/{bucket}/{key}",
                       headers={"Expect": "100-continue",
                                "x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
        SigV4Auth(Credentials(ROOT_AK, ROOT_SK), "s3", "us-east-1").add_auth(r)
        lines = [f"PUT /{bucket}/{key} HTTP/1.1", f"Host: {server.s3_hostport}",
                 f"Content-Length: {n}"]
        lines += [f"{k}: {v}" for k, v in r.headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    host, port = server.s3_hostport.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        f = sock.makefile("rb")

        def status():
            line = f.readline()
            while f.readline() not in (b"\r\n", b""):
                pass
            return line
        sock.sendall(head("empty", 0))
        assert status().startswith(b"HTTP/1.1 100 "), "no 100 Continue for the empty PUT"
        assert status().startswith(b"HTTP/1.1 200 ")
        sock.sendall(head("next", 5))
        assert status().startswith(b"HTTP/1.1 100 ")
        sock.sendall(b"hello")
        assert status().startswith(b"HTTP/1.1 200 ")
    assert get_bytes(h.client(server), bucket, "empty") == b""
    assert get_bytes(h.client(server), bucket, "next") == b"hello"


# --- the lake bucket and buckets ------------------------------------------------
def test_lake_bucket_exists_with_layer_markers(s3):
    s3.head_bucket(Bucket="lakehouse")
    objs = {o["Key"]: o for o in s3.list_objects_v2(Bucket="lakehouse")["Contents"]}
    for k in ("bronze/", "silver/", "gold/"):
        assert k in objs, f"{k} missing from the lake bucket: {sorted(objs)}"
        assert objs[k]["Size"] == 0
        assert get_bytes(s3, "lakehouse", k) == b""


def test_list_buckets_shows_created_bucket_and_owner(s3, bucket):
    r = s3.list_buckets()
    names = [b["Name"] for b in r["Buckets"]]
    assert bucket in names and "lakehouse" in names
    assert names == sorted(names)
    assert r["Owner"]["ID"]
    created = [b for b in r["Buckets"] if b["Name"] == bucket][0]["CreationDate"]
    assert abs((dt.datetime.now(dt.timezone.utc) - created).total_seconds()) < 3600


def test_create_bucket_with_location_constraint_and_get_location(s3):
    name = h.new_bucket_name("loc")
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "us-east-1"})
    s3.head_bucket(Bucket=name)
    loc = s3.get_bucket_location(Bucket=name)["LocationConstraint"]
    assert loc in (None, "us-east-1"), loc


def test_head_bucket_missing_is_404(s3):
    expect_error(s3.head_bucket, "404", 404, Bucket=h.new_bucket_name("missing"))


def test_delete_bucket_refuses_when_not_empty(s3):
    name = h.new_bucket_name("del")
    s3.create_bucket(Bucket=name)
    put(s3, name, "x", b"1")
    expect_error(s3.delete_bucket, "BucketNotEmpty", 409, Bucket=name)
    s3.delete_object(Bucket=name, Key="x")
    r = s3.delete_bucket(Bucket=name)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204
    expect_error(s3.head_bucket, "404", 404, Bucket=name)
    expect_error(s3.delete_bucket, "NoSuchBucket", 404, Bucket=name)


def test_bucket_versioning_is_unset(s3, bucket):
    r = s3.get_bucket_versioning(Bucket=bucket)
    assert "Status" not in r and "MFADelete" not in r, r


def test_list_object_versions_lists_null_versions(s3, bucket):
    for k, body in (("v/1", b"one"), ("v/2", b"second")):
        put(s3, bucket, k, body)
    r = s3.list_object_versions(Bucket=bucket)
    vs = {v["Key"]: v for v in r["Versions"]}
    assert sorted(vs) == ["v/1", "v/2"]
    for k, body in (("v/1", b"one"), ("v/2", b"second")):
        assert vs[k]["VersionId"] == "null"
        assert vs[k]["IsLatest"] is True
        assert vs[k]["Size"] == len(body)
        assert vs[k]["ETag"] == f'"{h.md5_hex(body)}"'
    assert not r.get("DeleteMarkers")


def test_invalid_bucket_names_refused(s3):
    for name in ("ab", "UPPERCASE", "a..b", "x" * 64, "-abc", "abc-", "192.168.5.4", "a_b"):
        expect_error(s3.create_bucket, "InvalidBucketName", 400, Bucket=name)


def test_no_such_bucket(s3):
    expect_error(s3.get_object, "NoSuchBucket", 404, Bucket=h.new_bucket_name("nb"), Key="k")
    expect_error(s3.list_objects_v2, "NoSuchBucket", 404, Bucket=h.new_bucket_name("nb"))


def test_bucket_of_another_user_is_taken(server, second_user, bucket):
    bob = h.client(server, *second_user)
    expect_error(bob.create_bucket, "BucketAlreadyExists", 409, Bucket=bucket)


# --- policies and ACLs ------------------------------------------------------------
def test_bucket_policy_grants_second_user_read(server, s3, second_user, bucket):
    bob = h.client(server, *second_user)
    put(s3, bucket, "doc.txt", b"for bob")
    expect_error(bob.get_object, "AccessDenied", 403, Bucket=bucket, Key="doc.txt")
    expect_error(bob.list_objects_v2, "AccessDenied", 403, Bucket=bucket)
    expect_error(s3.get_bucket_policy, "NoSuchBucketPolicy", 404, Bucket=bucket)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": [f"arn:aws:iam:::user/{second_user[0]}"]},
             "Action": ["s3:GetObject"], "Resource": [f"arn:aws:s3:::{bucket}/*"]},
            {"Effect": "Allow", "Principal": {"AWS": [f"arn:aws:iam:::user/{second_user[0]}"]},
             "Action": ["s3:ListBucket"], "Resource": [f"arn:aws:s3:::{bucket}"]},
        ],
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == policy
    assert get_bytes(bob, bucket, "doc.txt") == b"for bob"
    assert [o["Key"] for o in bob.list_objects_v2(Bucket=bucket)["Contents"]] == ["doc.txt"]
    # read was granted, write was not
    expect_error(bob.put_object, "AccessDenied", 403, Bucket=bucket, Key="bob.txt", Body=b"x")
    expect_error(bob.delete_object, "AccessDenied", 403, Bucket=bucket, Key="doc.txt")
    expect_error(bob.put_bucket_policy, "AccessDenied", 403, Bucket=bucket, Policy=json.dumps(policy))
    s3.delete_bucket_policy(Bucket=bucket)
    expect_error(s3.get_bucket_policy, "NoSuchBucketPolicy", 404, Bucket=bucket)
    expect_error(bob.get_object, "AccessDenied", 403, Bucket=bucket, Key="doc.txt")
    assert get_bytes(s3, bucket, "doc.txt") == b"for bob"


def test_policy_with_star_principal_allows_anonymous_get(server, s3, bucket):
    anon = h.client(server, unsigned=True)
    put(s3, bucket, "pub.txt", b"public by policy")
    expect_error(anon.get_object, "AccessDenied", 403, Bucket=bucket, Key="pub.txt")
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                       "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    assert get_bytes(anon, bucket, "pub.txt") == b"public by policy"
    expect_error(anon.put_object, "AccessDenied", 403, Bucket=bucket, Key="a", Body=b"x")


def test_anonymous_denied_then_public_read_acl_allows_get(server, s3):
    anon = h.client(server, unsigned=True)
    expect_error(anon.list_buckets, "AccessDenied", 403)
    expect_error(anon.get_object, "AccessDenied", 403, Bucket="lakehouse", Key="bronze/")
    name = h.new_bucket_name("pub")
    s3.create_bucket(Bucket=name, ACL="public-read")
    put(s3, name, "hello.txt", b"hello anonymous")
    assert get_bytes(anon, name, "hello.txt") == b"hello anonymous"
    expect_error(anon.put_object, "AccessDenied", 403, Bucket=name, Key="w", Body=b"x")
    expect_error(anon.delete_object, "AccessDenied", 403, Bucket=name, Key="hello.txt")
    assert get_bytes(s3, name, "hello.txt") == b"hello anonymous"


# --- auth errors --------------------------------------------------------------------
def test_wrong_secret_is_signature_does_not_match(server):
    bad = h.client(server, sk="not-the-secret-123")
    expect_error(bad.list_buckets, "SignatureDoesNotMatch", 403)
    expect_error(bad.put_object, "SignatureDoesNotMatch", 403, Bucket="lakehouse", Key="x", Body=b"x")


def test_unknown_access_key_is_invalid_access_key_id(server):
    bad = h.client(server, ak="nosuchuser-xyz", sk="whatever-secret")
    expect_error(bad.list_buckets, "InvalidAccessKeyId", 403)


def test_no_such_key_error_xml_has_request_id(server, bucket):
    status, hdrs, body = h.raw_request(server, "GET", f"/{bucket}/missing-key")
    err = h.assert_s3_error(status, body, 404, "NoSuchKey")
    assert err.get("RequestId"), err
    if "x-amz-request-id" in hdrs:
        assert hdrs["x-amz-request-id"] == err["RequestId"]


# --- objects ----------------------------------------------------------------------------
def test_put_get_head_delete_single_part_etag_is_md5(s3, bucket):
    data = h.random_bytes(300_000)
    r = put(s3, bucket, "obj.bin", data)
    assert r["ETag"] == f'"{h.md5_hex(data)}"'
    hd = s3.head_object(Bucket=bucket, Key="obj.bin")
    assert hd["ContentLength"] == len(data) and hd["ETag"] == r["ETag"]
    g = s3.get_object(Bucket=bucket, Key="obj.bin")
    assert g["Body"].read() == data and g["ETag"] == r["ETag"]
    assert g["LastModified"] == hd["LastModified"]
    s3.delete_object(Bucket=bucket, Key="obj.bin")
    expect_error(s3.head_object, "404", 404, Bucket=bucket, Key="obj.bin")
    expect_error(s3.get_object, "NoSuchKey", 404, Bucket=bucket, Key="obj.bin")
    # deleting a missing key is not an error
    assert s3.delete_object(Bucket=bucket, Key="obj.bin")["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_empty_object(s3, bucket):
    r = put(s3, bucket, "empty", b"")
    assert r["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'
    assert get_bytes(s3, bucket, "empty") == b""
    assert s3.head_object(Bucket=bucket, Key="empty")["ContentLength"] == 0


def test_overwrite_replaces_content(s3, bucket):
    put(s3, bucket, "k", b"first version")
    put(s3, bucket, "k", b"2nd")
    assert get_bytes(s3, bucket, "k") == b"2nd"
    assert s3.head_object(Bucket=bucket, Key="k")["ContentLength"] == 3


def test_range_gets(s3, bucket):
    data = bytes(range(100))
    put(s3, bucket, "r", data)
    cases = {"bytes=0-9": (0, 9), "bytes=-5": (95, 99), "bytes=10-": (10, 99),
             "bytes=50-50": (50, 50), "bytes=90-200": (90, 99)}
    for rng, (a, b) in cases.items():
        g = s3.get_object(Bucket=bucket, Key="r", Range=rng)
        assert g["ResponseMetadata"]["HTTPStatusCode"] == 206, rng
        assert g["ContentRange"] == f"bytes {a}-{b}/100", (rng, g["ContentRange"])
        assert g["ContentLength"] == b - a + 1
        assert g["Body"].read() == data[a:b + 1], rng
    e = expect_error(s3.get_object, "InvalidRange", 416, Bucket=bucket, Key="r", Range="bytes=200-300")
    assert e.response["Error"].get("ActualObjectSize", "100") == "100"


def test_suffix_range_of_empty_object_is_whole_object(s3, bucket):
    # AWS answers a suffix range on an empty object with 200 and no bytes, not 416
    put(s3, bucket, "empty-r", b"")
    g = s3.get_object(Bucket=bucket, Key="empty-r", Range="bytes=-8")
    assert g["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert g["ContentLength"] == 0
    assert "ContentRange" not in g
    assert g["Body"].read() == b""
    # a suffix longer than the object is the whole object, as a 206
    put(s3, bucket, "short-r", b"abc")
    g = s3.get_object(Bucket=bucket, Key="short-r", Range="bytes=-8")
    assert g["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert g["ContentRange"] == "bytes 0-2/3"
    assert g["Body"].read() == b"abc"
    # a non-suffix range of an empty object stays unsatisfiable
    expect_error(s3.get_object, "InvalidRange", 416, Bucket=bucket, Key="empty-r", Range="bytes=0-")


def test_conditional_gets(s3, bucket):
    r = put(s3, bucket, "c", b"conditional")
    etag = r["ETag"]
    lm = s3.head_object(Bucket=bucket, Key="c")["LastModified"]
    day = dt.timedelta(days=1)
    assert get_bytes(s3, bucket, "c", IfMatch=etag) == b"conditional"
    expect_error(s3.get_object, "PreconditionFailed", 412, Bucket=bucket, Key="c", IfMatch='"0000"')
    expect_error(s3.get_object, "304", 304, Bucket=bucket, Key="c", IfNoneMatch=etag)
    assert get_bytes(s3, bucket, "c", IfNoneMatch='"0000"') == b"conditional"
    expect_error(s3.get_object, "304", 304, Bucket=bucket, Key="c", IfModifiedSince=lm + day)
    assert get_bytes(s3, bucket, "c", IfModifiedSince=lm - day) == b"conditional"
    expect_error(s3.get_object, "PreconditionFailed", 412, Bucket=bucket, Key="c",
                 IfUnmodifiedSince=lm - day)
    assert get_bytes(s3, bucket, "c", IfUnmodifiedSince=lm + day) == b"conditional"
    # HEAD answers the same conditions (no body)
    expect_error(s3.head_object, "304", 304, Bucket=bucket, Key="c", IfNoneMatch=etag)
    expect_error(s3.head_object, "412", 412, Bucket=bucket, Key="c", IfMatch='"0000"')


def test_user_metadata_and_standard_headers_round_trip(s3, bucket):
    expires = dt.datetime(2031, 2, 3, 4, 5, 6, tzinfo=dt.timezone.utc)
    meta = {"color": "blue", "multi-word-key": "Value With Spaces", "n": "42"}
    put(s3, bucket, "m.gz", b"\x1f\x8bdata", Metadata=meta, ContentType="application/x-thing",
        ContentEncoding="gzip", CacheControl="max-age=60, private",
        ContentDisposition='attachment; filename="m.gz"', Expires=expires,
        ContentLanguage="en")
    for r in (s3.head_object(Bucket=bucket, Key="m.gz"), s3.get_object(Bucket=bucket, Key="m.gz")):
        assert r["Metadata"] == meta
        assert r["ContentType"] == "application/x-thing"
        assert r["ContentEncoding"] == "gzip"
        assert r["CacheControl"] == "max-age=60, private"
        assert r["ContentDisposition"] == 'attachment; filename="m.gz"'
        assert r["Expires"] == expires
    assert get_bytes(s3, bucket, "m.gz") == b"\x1f\x8bdata"


def test_response_header_overrides_on_get(s3, bucket):
    put(s3, bucket, "o", b"x", ContentType="text/plain")
    g = s3.get_object(Bucket=bucket, Key="o", ResponseContentType="application/json",
                      ResponseContentDisposition="inline", ResponseCacheControl="no-cache")
    assert g["ContentType"] == "application/json"
    assert g["ContentDisposition"] == "inline"
    assert g["CacheControl"] == "no-cache"


SPECIAL_KEYS = [
    "with space.txt", "plus+sign", "per%cent%20literal", "tilde~x", "ünïcødé/日本語.txt",
    "eq=ual", "amp&ersand", "q?mark#hash", "semi;colon,comma", "paren(1)[2]{3}",
    "dir//double", "star*at@dollar$", "quote'\"", "emoji-\U0001F600", "trailing/",
    "a b/c d/e+f", "%2F-looks-encoded", "back\\slash", "caret^pipe|", "excl!",
]


def test_keys_with_special_characters_round_trip(s3, bucket):
    for i, k in enumerate(SPECIAL_KEYS):
        body = f"{i}:{k}".encode()
        put(s3, bucket, k, body)
        assert get_bytes(s3, bucket, k) == body, k
        assert s3.head_object(Bucket=bucket, Key=k)["ContentLength"] == len(body), k
    listed = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        listed += [o["Key"] for o in page.get("Contents", [])]
    assert listed == sorted(SPECIAL_KEYS, key=lambda k: k.encode()), listed
    # copy from a special source key (x-amz-copy-source encoding)
    s3.copy_object(Bucket=bucket, Key="copy of q?mark", CopySource={"Bucket": bucket, "Key": "q?mark#hash"})
    assert get_bytes(s3, bucket, "copy of q?mark") == get_bytes(s3, bucket, "q?mark#hash")
    for k in SPECIAL_KEYS:
        s3.delete_object(Bucket=bucket, Key=k)
    left = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert left == ["copy of q?mark"]


def test_key_of_1024_bytes_ok_1025_too_long(s3, bucket):
    k = "k" * 1024
    put(s3, bucket, k, b"long")
    assert get_bytes(s3, bucket, k) == b"long"
    expect_error(s3.put_object, "KeyTooLongError", 400, Bucket=bucket, Key="k" * 1025, Body=b"x")
    # multi-byte characters count as bytes
    expect_error(s3.put_object, "KeyTooLongError", 400, Bucket=bucket, Key="é" * 513, Body=b"x")


# --- DeleteObjects ---------------------------------------------------------------------------
def test_delete_objects_verbose_and_quiet(s3, bucket):
    for k in ("d/1", "d/2", "d/3", "d/4", "keep"):
        put(s3, bucket, k, k.encode())
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "d/1"}, {"Key": "d/2"},
                                                             {"Key": "d/never-existed"}]})
    assert sorted(d["Key"] for d in r["Deleted"]) == ["d/1", "d/2", "d/never-existed"]
    assert not r.get("Errors")
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "d/3"}, {"Key": "d/4"}],
                                                 "Quiet": True})
    assert not r.get("Deleted") and not r.get("Errors"), r
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["keep"]


def test_delete_objects_without_content_md5(server, s3, bucket):
    put(s3, bucket, "nomd5", b"x")
    body = (b'<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/'
            b'2006-03-01/"><Object><Key>nomd5</Key></Object></Delete>')
    status, _, resp = h.raw_request(server, "POST", f"/{bucket}?delete", body,
                                    {"Content-Type": "application/xml"})
    assert status == 200, resp
    assert b"<Key>nomd5</Key>" in resp and b"<Deleted>" in resp
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_delete_objects_bad_content_md5_is_bad_digest(server, s3, bucket):
    put(s3, bucket, "stay", b"x")
    body = b"<Delete><Object><Key>stay</Key></Object></Delete>"
    status, _, resp = h.raw_request(server, "POST", f"/{bucket}?delete", body,
                                    {"Content-MD5": h.content_md5(b"other")})
    h.assert_s3_error(status, resp, 400, "BadDigest")
    assert get_bytes(s3, bucket, "stay") == b"x"


# --- CopyObject -------------------------------------------------------------------------------
def test_copy_object_metadata_directives_and_conditions(s3, bucket):
    src = put(s3, bucket, "src", b"copy me", Metadata={"a": "1"}, ContentType="text/plain")
    r = s3.copy_object(Bucket=bucket, Key="dst-copy", CopySource=f"{bucket}/src")
    assert r["CopyObjectResult"]["ETag"] == src["ETag"]
    hd = s3.head_object(Bucket=bucket, Key="dst-copy")
    assert hd["Metadata"] == {"a": "1"} and hd["ContentType"] == "text/plain"
    assert hd["ETag"] == src["ETag"]

    s3.copy_object(Bucket=bucket, Key="dst-repl", CopySource=f"{bucket}/src",
                   MetadataDirective="REPLACE", Metadata={"b": "2"}, ContentType="application/json")
    hd = s3.head_object(Bucket=bucket, Key="dst-repl")
    assert hd["Metadata"] == {"b": "2"} and hd["ContentType"] == "application/json"
    assert get_bytes(s3, bucket, "dst-repl") == b"copy me"

    # metadata update in place (copy onto itself with REPLACE)
    s3.copy_object(Bucket=bucket, Key="src", CopySource=f"{bucket}/src",
                   MetadataDirective="REPLACE", Metadata={"c": "3"})
    assert s3.head_object(Bucket=bucket, Key="src")["Metadata"] == {"c": "3"}
    assert get_bytes(s3, bucket, "src") == b"copy me"

    expect_error(s3.copy_object, "PreconditionFailed", 412, Bucket=bucket, Key="dst-cond",
                 CopySource=f"{bucket}/src", CopySourceIfMatch='"00000000000000000000000000000000"')
    expect_error(s3.head_object, "404", 404, Bucket=bucket, Key="dst-cond")
    s3.copy_object(Bucket=bucket, Key="dst-cond", CopySource=f"{bucket}/src",
                   CopySourceIfMatch=src["ETag"])
    expect_error(s3.copy_object, "PreconditionFailed", 412, Bucket=bucket, Key="dst-cond2",
                 CopySource=f"{bucket}/src", CopySourceIfNoneMatch=src["ETag"])
    expect_error(s3.copy_object, "NoSuchKey", 404, Bucket=bucket, Key="x",
                 CopySource=f"{bucket}/no-such-source")


def test_copy_between_buckets(s3, bucket):
    other = h.new_bucket_name("copy")
    s3.create_bucket(Bucket=other)
    data = h.random_bytes(700_000)
    put(s3, bucket, "big", data)
    s3.copy_object(Bucket=other, Key="big-copy", CopySource={"Bucket": bucket, "Key": "big"})
    assert get_bytes(s3, other, "big-copy") == data


# --- conditional writes (before-sign handler adds the headers) -----------------------------------
def test_put_if_none_match_star(s3, bucket):
    with h.extra_headers(s3, "PutObject", {"If-None-Match": "*"}):
        put(s3, bucket, "once", b"first")
        expect_error(s3.put_object, "PreconditionFailed", 412, Bucket=bucket, Key="once", Body=b"second")
    assert get_bytes(s3, bucket, "once") == b"first"


def test_put_if_match_etag(s3, bucket):
    r = put(s3, bucket, "cas", b"v1")
    with h.extra_headers(s3, "PutObject", {"If-Match": '"ffffffffffffffffffffffffffffffff"'}):
        expect_error(s3.put_object, "PreconditionFailed", 412, Bucket=bucket, Key="cas", Body=b"v2")
    assert get_bytes(s3, bucket, "cas") == b"v1"
    with h.extra_headers(s3, "PutObject", {"If-Match": r["ETag"]}):
        r2 = put(s3, bucket, "cas", b"v2")
    assert get_bytes(s3, bucket, "cas") == b"v2"
    with h.extra_headers(s3, "PutObject", {"If-Match": r["ETag"]}):  # stale etag now
        expect_error(s3.put_object, "PreconditionFailed", 412, Bucket=bucket, Key="cas", Body=b"v3")
    assert r2["ETag"] == f'"{h.md5_hex(b"v2")}"'
    with h.extra_headers(s3, "PutObject", {"If-Match": r["ETag"]}):
        expect_error(s3.put_object, "NoSuchKey", 404, Bucket=bucket, Key="absent", Body=b"v")


def _mpu(s3, bucket, key, parts):
    up = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    done = []
    for i, p in enumerate(parts, 1):
        done.append({"PartNumber": i, "ETag": s3.upload_part(Bucket=bucket, Key=key, UploadId=up,
                                                             PartNumber=i, Body=p)["ETag"]})
    return up, done


def test_complete_multipart_conditional(s3, bucket):
    put(s3, bucket, "mp-cond", b"existing")
    up, parts = _mpu(s3, bucket, "mp-cond", [b"new content"])
    with h.extra_headers(s3, "CompleteMultipartUpload", {"If-None-Match": "*"}):
        expect_error(s3.complete_multipart_upload, "PreconditionFailed", 412, Bucket=bucket,
                     Key="mp-cond", UploadId=up, MultipartUpload={"Parts": parts})
    assert get_bytes(s3, bucket, "mp-cond") == b"existing"
    with h.extra_headers(s3, "CompleteMultipartUpload", {"If-Match": '"ffffffffffffffffffffffffffffffff"'}):
        expect_error(s3.complete_multipart_upload, "PreconditionFailed", 412, Bucket=bucket,
                     Key="mp-cond", UploadId=up, MultipartUpload={"Parts": parts})
    with h.extra_headers(s3, "CompleteMultipartUpload", {"If-Match": f'"{h.md5_hex(b"existing")}"'}):
        r = s3.complete_multipart_upload(Bucket=bucket, Key="mp-cond", UploadId=up,
                                         MultipartUpload={"Parts": parts})
    assert r["ETag"] == h.multipart_etag([b"new content"])
    assert get_bytes(s3, bucket, "mp-cond") == b"new content"
    up, parts = _mpu(s3, bucket, "mp-new", [b"fresh"])
    with h.extra_headers(s3, "CompleteMultipartUpload", {"If-None-Match": "*"}):
        s3.complete_multipart_upload(Bucket=bucket, Key="mp-new", UploadId=up,
                                     MultipartUpload={"Parts": parts})
    assert get_bytes(s3, bucket, "mp-new") == b"fresh"


# --- listing ---------------------------------------------------------------------------------------
TREE = ["a", "a/", "a-b", "a/b", "a/b/c", "b/1", "b/2", "c"]


@pytest.fixture(scope="module")
def tree_bucket(s3):
    name = h.new_bucket_name("tree")
    s3.create_bucket(Bucket=name)
    for k in TREE:
        put(s3, name, k, k.encode())
    return name


def v2_keys(r):
    return [o["Key"] for o in r.get("Contents", [])], [p["Prefix"] for p in r.get("CommonPrefixes", [])]


def test_keys_that_a_directory_tree_cannot_hold_list_in_byte_order(s3, tree_bucket):
    r = s3.list_objects_v2(Bucket=tree_bucket)
    keys, _ = v2_keys(r)
    assert keys == sorted(TREE, key=lambda k: k.encode()) == ["a", "a-b", "a/", "a/b", "a/b/c", "b/1", "b/2", "c"]
    assert r["KeyCount"] == len(TREE) and r["IsTruncated"] is False
    for k in TREE:
        assert get_bytes(s3, tree_bucket, k) == k.encode()
    sizes = {o["Key"]: o["Size"] for o in r["Contents"]}
    assert sizes == {k: len(k) for k in TREE}


def test_list_v2_delimiter_and_prefix(s3, tree_bucket):
    keys, prefixes = v2_keys(s3.list_objects_v2(Bucket=tree_bucket, Delimiter="/"))
    assert keys == ["a", "a-b", "c"] and prefixes == ["a/", "b/"]
    r = s3.list_objects_v2(Bucket=tree_bucket, Delimiter="/", Prefix="a/")
    assert v2_keys(r) == (["a/", "a/b"], ["a/b/"])
    assert r["KeyCount"] == 3
    assert v2_keys(s3.list_objects_v2(Bucket=tree_bucket, Prefix="b/")) == (["b/1", "b/2"], [])
    assert v2_keys(s3.list_objects_v2(Bucket=tree_bucket, Prefix="zz")) == ([], [])
    assert v2_keys(s3.list_objects_v2(Bucket=tree_bucket, Delimiter="-")) == (
        ["a", "a/", "a/b", "a/b/c", "b/1", "b/2", "c"], ["a-"])


def test_list_v2_pagination_with_continuation_token(s3, tree_bucket):
    seen, token, pages = [], None, 0
    while True:
        kw = {"ContinuationToken": token} if token else {}
        r = s3.list_objects_v2(Bucket=tree_bucket, MaxKeys=3, **kw)
        pages += 1
        ks, _ = v2_keys(r)
        assert len(ks) <= 3 and r["MaxKeys"] == 3
        seen += ks
        if not r["IsTruncated"]:
            assert "NextContinuationToken" not in r
            break
        token = r["NextContinuationToken"]
    assert pages == 3
    assert seen == sorted(TREE, key=lambda k: k.encode())
    # delimiter + pagination: common prefixes count towards max-keys
    entries, token = [], None
    while True:
        kw = {"ContinuationToken": token} if token else {}
        r = s3.list_objects_v2(Bucket=tree_bucket, MaxKeys=1, Delimiter="/", **kw)
        ks, ps = v2_keys(r)
        assert len(ks) + len(ps) == 1
        entries += ks + ps
        if not r["IsTruncated"]:
            break
        token = r["NextContinuationToken"]
    assert entries == ["a", "a-b", "a/", "b/", "c"]


def test_list_v2_start_after_max_keys_zero_and_fetch_owner(s3, tree_bucket):
    assert v2_keys(s3.list_objects_v2(Bucket=tree_bucket, StartAfter="a/b"))[0] == ["a/b/c", "b/1", "b/2", "c"]
    assert v2_keys(s3.list_objects_v2(Bucket=tree_bucket, StartAfter="a/"))[0][0] == "a/b"
    r = s3.list_objects_v2(Bucket=tree_bucket, MaxKeys=0)
    assert r["KeyCount"] == 0 and "Contents" not in r
    r = s3.list_objects_v2(Bucket=tree_bucket, FetchOwner=True, MaxKeys=2)
    assert all(o.get("Owner", {}).get("ID") for o in r["Contents"]), r["Contents"]
    r = s3.list_objects_v2(Bucket=tree_bucket, MaxKeys=2)
    assert all("Owner" not in o for o in r["Contents"]), r["Contents"]
    for o in r["Contents"]:
        assert o["ETag"] == f'"{h.md5_hex(o["Key"].encode())}"'
        assert o["StorageClass"] == "STANDARD"


def test_list_v2_encoding_type_url(s3, bucket):
    keys = ["dir/a b.txt", "dir/ü ö/ß.txt", "dir/plus+and&amp", "dir/\x01ctl"]
    for k in keys:
        put(s3, bucket, k, b"x")
    r = s3.list_objects_v2(Bucket=bucket, EncodingType="url", Prefix="dir/")
    assert r.get("EncodingType") == "url"
    raw = [o["Key"] for o in r["Contents"]]
    decoded = [urllib.parse.unquote_plus(k) for k in raw]
    assert decoded == sorted(keys, key=lambda k: k.encode())
    for k in raw:
        assert " " not in k and "\x01" not in k and all(ord(c) < 128 for c in k), raw
    # boto3's own default (it asks for encoding-type=url and decodes) gives the keys back
    auto = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="dir/")["Contents"]]
    assert auto == sorted(keys, key=lambda k: k.encode())
    r = s3.list_objects_v2(Bucket=bucket, EncodingType="url", Delimiter="/", Prefix="dir/")
    assert [urllib.parse.unquote_plus(p["Prefix"]) for p in r["CommonPrefixes"]] == ["dir/ü ö/"]


def test_list_v1_marker_and_next_marker(s3, tree_bucket):
    r = s3.list_objects(Bucket=tree_bucket, Marker="a/b")
    assert [o["Key"] for o in r["Contents"]] == ["a/b/c", "b/1", "b/2", "c"]
    assert r["Marker"] == "a/b"
    # without a delimiter the client pages with the last key
    seen, marker = [], ""
    while True:
        r = s3.list_objects(Bucket=tree_bucket, MaxKeys=3, Marker=marker)
        ks = [o["Key"] for o in r.get("Contents", [])]
        seen += ks
        if not r["IsTruncated"]:
            break
        marker = r.get("NextMarker", ks[-1])
    assert seen == sorted(TREE, key=lambda k: k.encode())
    # with a delimiter NextMarker is returned and may be a common prefix
    entries, marker = [], ""
    while True:
        r = s3.list_objects(Bucket=tree_bucket, MaxKeys=2, Delimiter="/", Marker=marker)
        entries += [o["Key"] for o in r.get("Contents", [])] + [p["Prefix"] for p in r.get("CommonPrefixes", [])]
        if not r["IsTruncated"]:
            break
        assert r.get("NextMarker"), r
        marker = r["NextMarker"]
    assert sorted(entries, key=lambda k: k.encode()) == ["a", "a-b", "a/", "b/", "c"]
    assert len(entries) == 5


# --- multipart --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def five_mib():
    return h.random_bytes(5 * MiB)


def test_multipart_with_part_copy_list_and_etag(s3, bucket, five_mib):
    src = h.random_bytes(6 * MiB)
    put(s3, bucket, "copy-source", src)
    key = "mp/object"
    up = s3.create_multipart_upload(Bucket=bucket, Key=key, ContentType="application/octet-stream",
                                    Metadata={"mp": "yes"})["UploadId"]
    uploads = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert [(u["Key"], u["UploadId"]) for u in uploads] == [(key, up)]
    p1 = s3.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=1, Body=five_mib)
    assert p1["ETag"] == f'"{h.md5_hex(five_mib)}"'
    p2 = s3.upload_part_copy(Bucket=bucket, Key=key, UploadId=up, PartNumber=2,
                             CopySource={"Bucket": bucket, "Key": "copy-source"},
                             CopySourceRange=f"bytes=100-{100 + 5 * MiB - 1}")
    part2 = src[100:100 + 5 * MiB]
    assert p2["CopyPartResult"]["ETag"] == f'"{h.md5_hex(part2)}"'
    part3 = b"tail-bytes" * 100
    p3 = s3.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=3, Body=part3)
    lp = s3.list_parts(Bucket=bucket, Key=key, UploadId=up)
    assert [(p["PartNumber"], p["Size"], p["ETag"]) for p in lp["Parts"]] == [
        (1, 5 * MiB, p1["ETag"]), (2, 5 * MiB, p2["CopyPartResult"]["ETag"]), (3, len(part3), p3["ETag"])]
    lp = s3.list_parts(Bucket=bucket, Key=key, UploadId=up, MaxParts=1, PartNumberMarker=1)
    assert [p["PartNumber"] for p in lp["Parts"]] == [2] and lp["IsTruncated"] is True
    assert lp["NextPartNumberMarker"] == 2
    expect_error(s3.head_object, "404", 404, Bucket=bucket, Key=key)  # not visible before Complete
    r = s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up, MultipartUpload={"Parts": [
        {"PartNumber": 1, "ETag": p1["ETag"]}, {"PartNumber": 2, "ETag": p2["CopyPartResult"]["ETag"]},
        {"PartNumber": 3, "ETag": p3["ETag"]}]})
    want = h.multipart_etag([five_mib, part2, part3])
    assert r["ETag"] == want
    hd = s3.head_object(Bucket=bucket, Key=key)
    assert hd["ETag"] == want and hd["ContentLength"] == 10 * MiB + len(part3)
    assert hd["Metadata"] == {"mp": "yes"}
    body = get_bytes(s3, bucket, key)
    assert hashlib.sha256(body).digest() == hashlib.sha256(five_mib + part2 + part3).digest()
    g = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes={5 * MiB - 5}-{5 * MiB + 4}")
    assert g["Body"].read() == five_mib[-5:] + part2[:5]
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")


def test_multipart_abort_and_no_such_upload(s3, bucket):
    up = s3.create_multipart_upload(Bucket=bucket, Key="ab")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="ab", UploadId=up, PartNumber=1, Body=b"x")
    s3.abort_multipart_upload(Bucket=bucket, Key="ab", UploadId=up)
    expect_error(s3.list_parts, "NoSuchUpload", 404, Bucket=bucket, Key="ab", UploadId=up)
    expect_error(s3.complete_multipart_upload, "NoSuchUpload", 404, Bucket=bucket, Key="ab",
                 UploadId=up, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"x"'}]})
    expect_error(s3.upload_part, "NoSuchUpload", 404, Bucket=bucket, Key="ab",
                 UploadId="no-such-upload-id", PartNumber=1, Body=b"x")
    expect_error(s3.head_object, "404", 404, Bucket=bucket, Key="ab")
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")


def test_multipart_part_too_small(s3, bucket):
    up, parts = _mpu(s3, bucket, "small", [b"a" * 1024, b"b" * 1024])
    expect_error(s3.complete_multipart_upload, "EntityTooSmall", 400, Bucket=bucket, Key="small",
                 UploadId=up, MultipartUpload={"Parts": parts})
    expect_error(s3.head_object, "404", 404, Bucket=bucket, Key="small")


def test_multipart_invalid_part_order_and_invalid_part(s3, bucket, five_mib):
    # two full-size parts, so that only the order (not a size) is wrong
    up, parts = _mpu(s3, bucket, "order", [five_mib, five_mib])
    expect_error(s3.complete_multipart_upload, "InvalidPartOrder", 400, Bucket=bucket, Key="order",
                 UploadId=up, MultipartUpload={"Parts": list(reversed(parts))})
    bad = [parts[0], {"PartNumber": 2, "ETag": '"0123456789abcdef0123456789abcdef"'}]
    expect_error(s3.complete_multipart_upload, "InvalidPart", 400, Bucket=bucket, Key="order",
                 UploadId=up, MultipartUpload={"Parts": bad})
    missing = [parts[0], {"PartNumber": 3, "ETag": parts[1]["ETag"]}]
    expect_error(s3.complete_multipart_upload, "InvalidPart", 400, Bucket=bucket, Key="order",
                 UploadId=up, MultipartUpload={"Parts": missing})
    expect_error(s3.head_object, "404", 404, Bucket=bucket, Key="order")
    # the failed attempts left the upload intact: completing it properly works
    r = s3.complete_multipart_upload(Bucket=bucket, Key="order", UploadId=up,
                                     MultipartUpload={"Parts": parts})
    assert r["ETag"] == h.multipart_etag([five_mib, five_mib])
    body = get_bytes(s3, bucket, "order")
    assert len(body) == 10 * MiB and body == five_mib + five_mib


def test_multipart_part_overwrite_uses_latest(s3, bucket):
    up = s3.create_multipart_upload(Bucket=bucket, Key="ow")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="ow", UploadId=up, PartNumber=1, Body=b"old")
    e = s3.upload_part(Bucket=bucket, Key="ow", UploadId=up, PartNumber=1, Body=b"new!")["ETag"]
    s3.complete_multipart_upload(Bucket=bucket, Key="ow", UploadId=up,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e}]})
    assert get_bytes(s3, bucket, "ow") == b"new!"


# --- integrity ----------------------------------------------------------------------------------
@pytest.mark.parametrize("alg", ["CRC32", "CRC32C", "SHA1", "SHA256"])
def test_put_with_checksum_returned_with_checksum_mode(s3, bucket, alg):
    data = h.random_bytes(200_000)
    want = h.checksum_b64(alg, data)
    field = "Checksum" + alg
    key = f"ck-{alg}"
    if alg == "CRC32C":  # botocore 1.29 computes CRC32C only with awscrt: send the value
        r = put(s3, bucket, key, data, **{field: want})
    else:
        r = put(s3, bucket, key, data, ChecksumAlgorithm=alg)
    assert r.get(field) == want, r
    hd = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert hd.get(field) == want, hd
    g = s3.get_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert g.get(field) == want
    assert g["Body"].read() == data
    # without checksum mode no checksum is returned
    assert field not in s3.head_object(Bucket=bucket, Key=key)
    # a ranged GET with checksum mode must not carry the whole-object checksum
    g = s3.get_object(Bucket=bucket, Key=key, Range="bytes=0-99", ChecksumMode="ENABLED")
    assert g["Body"].read() == data[:100]


def test_wrong_checksum_is_refused(s3, bucket):
    expect_error(s3.put_object, "BadDigest", 400, Bucket=bucket, Key="badck", Body=b"payload",
                 ChecksumSHA256=h.checksum_b64("SHA256", b"other"))
    expect_error(s3.put_object, "BadDigest", 400, Bucket=bucket, Key="badck", Body=b"payload",
                 ChecksumCRC32=h.checksum_b64("CRC32", b"other"))
    expect_error(s3.head_object, "404", 404, Bucket=bucket, Key="badck")


def test_content_md5_checked(s3, bucket):
    data = b"content md5 checked"
    put(s3, bucket, "md5ok", data, ContentMD5=h.content_md5(data))
    assert get_bytes(s3, bucket, "md5ok") == data
    expect_error(s3.put_object, "BadDigest", 400, Bucket=bucket, Key="md5bad", Body=data,
                 ContentMD5=h.content_md5(b"something else"))
    expect_error(s3.put_object, "InvalidDigest", 400, Bucket=bucket, Key="md5bad", Body=data,
                 ContentMD5="not-base64-md5")
    expect_error(s3.head_object, "404", 404, Bucket=bucket, Key="md5bad")


def test_x_amz_content_sha256_checked(server, s3, bucket):
    body = b"signed payload"
    status, _, resp = h.raw_request(server, "PUT", f"/{bucket}/sha-bad", body,
                                    payload_hash=hashlib.sha256(b"different").hexdigest())
    h.assert_s3_error(status, resp, 400, "XAmzContentSHA256Mismatch")
    expect_error(s3.head_object, "404", 404, Bucket=bucket, Key="sha-bad")
    status, _, resp = h.raw_request(server, "PUT", f"/{bucket}/sha-ok", body)
    assert status == 200, resp
    status, _, resp = h.raw_request(server, "PUT", f"/{bucket}/unsigned", body,
                                    payload_hash="UNSIGNED-PAYLOAD")
    assert status == 200, resp
    assert get_bytes(s3, bucket, "sha-ok") == body == get_bytes(s3, bucket, "unsigned")


@pytest.mark.parametrize("sigver", ["s3v4", "s3"])
def test_presigned_bucket_operations(server, sigver):
    """Presigned URLs carry their auth in the query: that is not a sub-resource,
    so CreateBucket and DeleteBucket still route (SigV4 and SigV2 URLs)."""
    import requests
    s3 = h.client(server, signature_version=sigver)
    name = h.new_bucket_name("presigned")
    url = s3.generate_presigned_url("create_bucket", Params={"Bucket": name}, ExpiresIn=300)
    r = requests.put(url, timeout=30)
    assert r.status_code == 200, r.text
    h.client(server).head_bucket(Bucket=name)
    url = s3.generate_presigned_url("delete_bucket", Params={"Bucket": name}, ExpiresIn=300)
    r = requests.delete(url, timeout=30)
    assert r.status_code == 204, r.text
    expect_error(h.client(server).head_bucket, "404", 404, Bucket=name)
