"""S3 behaviours clients rely on beyond the basic operations (issue 6), driven
by Debian's boto3 1.26 in-process, by boto3 1.43 in the pyenv python
(helpers/conformance_checks.py) and by both aws CLIs (s3api):

- a CompleteMultipartUpload retried after it succeeded answers the same
  result; with other parts it is NoSuchUpload;
- GetObject/HeadObject with partNumber (206 + Content-Range, PartsCount) on
  multipart and single-part objects, 416 InvalidPartNumber, 400 with Range;
- GetObjectAttributes (ETag, Checksum, ObjectParts paged, StorageClass,
  ObjectSize);
- object ACLs: x-amz-acl on PutObject, CopyObject, CreateMultipartUpload,
  Get/PutObjectAcl, public-read objects readable anonymously in a private
  bucket (also from the read cache), grants by header refused naming them;
- ownership controls (BucketOwnerEnforced refuses ACLs, Preferred hands
  objects written with bucket-owner-full-control to the bucket owner);
- public access block (each of the four flags enforced);
- CreateBucket of one's own bucket (200 in us-east-1, 409 elsewhere),
  UploadPartCopy beyond the source (InvalidRange), encoding-type=url in all
  four listings."""
import json
import re
import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path

import boto3
import botocore
import pytest

from helpers import clients
from helpers import s3 as h
from helpers.server import ROOT_AK

MiB = 1024 * 1024
NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTH_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
expect_error = h.expect_error


@pytest.fixture(scope="module", autouse=True)
def _boto3_version():
    clients.require_version("Debian boto3", boto3.__version__, "1.26")
    clients.require_version("Debian botocore", botocore.__version__, "1.29")


@pytest.fixture(scope="module")
def anon(server):
    return h.client(server, unsigned=True)


@pytest.fixture(scope="module")
def bob(server, second_user):
    return h.client(server, *second_user)


def get_bytes(s3, bucket, key, **kw):
    return s3.get_object(Bucket=bucket, Key=key, **kw)["Body"].read()


def multipart(s3, bucket, key, parts, complete=True, **create):
    """Uploads parts (a list of bytes) as one multipart upload; returns
    (upload id, the Complete request's part list, its response or None)."""
    up = s3.create_multipart_upload(Bucket=bucket, Key=key, **create)["UploadId"]
    done = []
    for i, p in enumerate(parts, 1):
        kw = {"ChecksumAlgorithm": create["ChecksumAlgorithm"]} if "ChecksumAlgorithm" in create else {}
        r = s3.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=i, Body=p, **kw)
        part = {"PartNumber": i, "ETag": r["ETag"]}
        for k in ("ChecksumCRC32", "ChecksumCRC32C", "ChecksumSHA1", "ChecksumSHA256"):
            if k in r:
                part[k] = r[k]
        done.append(part)
    res = None
    if complete:
        res = s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up,
                                           MultipartUpload={"Parts": done})
    return up, done, res


def grants(acl):
    """{(grantee, permission)} of a GetObjectAcl/GetBucketAcl answer."""
    out = set()
    for g in acl["Grants"]:
        who = g["Grantee"].get("URI") or g["Grantee"].get("ID")
        out.add((who, g["Permission"]))
    return out


# --- CompleteMultipartUpload retried ---------------------------------------------
def test_complete_multipart_retry_answers_same_result(s3, bucket):
    parts = [h.random_bytes(5 * MiB, seed=1), b"tail of the object"]
    up, done, first = multipart(s3, bucket, "retry", parts, ChecksumAlgorithm="CRC32")
    assert first["ETag"] == h.multipart_etag(parts)
    again = s3.complete_multipart_upload(Bucket=bucket, Key="retry", UploadId=up,
                                         MultipartUpload={"Parts": done})
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 200
    for k in ("ETag", "Bucket", "Key", "Location", "ChecksumCRC32"):
        assert again[k] == first[k], k
    # still the same answer after the key was overwritten meanwhile
    s3.put_object(Bucket=bucket, Key="retry", Body=b"newer")
    third = s3.complete_multipart_upload(Bucket=bucket, Key="retry", UploadId=up,
                                         MultipartUpload={"Parts": done})
    assert third["ETag"] == first["ETag"]
    assert get_bytes(s3, bucket, "retry") == b"newer"
    # a different part list, or another key, is not a retry
    expect_error(s3.complete_multipart_upload, "NoSuchUpload", 404, Bucket=bucket, Key="retry",
                 UploadId=up, MultipartUpload={"Parts": done[:1]})
    expect_error(s3.complete_multipart_upload, "NoSuchUpload", 404, Bucket=bucket, Key="other",
                 UploadId=up, MultipartUpload={"Parts": done})
    # and the upload is gone for everything else
    expect_error(s3.list_parts, "NoSuchUpload", 404, Bucket=bucket, Key="retry", UploadId=up)
    expect_error(s3.abort_multipart_upload, "NoSuchUpload", 404, Bucket=bucket, Key="retry",
                 UploadId=up)


# --- partNumber -------------------------------------------------------------------
@pytest.fixture(scope="module")
def mp_object(s3):
    """A 3-part object (5 MiB, 5 MiB, 1000 bytes) and its parts."""
    name = h.new_bucket_name("pn")
    s3.create_bucket(Bucket=name)
    parts = [h.random_bytes(5 * MiB, seed=2), h.random_bytes(5 * MiB, seed=3), b"z" * 1000]
    multipart(s3, name, "mp", parts)
    return name, parts


def test_get_part_number_of_multipart_object(s3, mp_object):
    bucket, parts = mp_object
    size = sum(map(len, parts))
    off = 0
    for n, p in enumerate(parts, 1):
        r = s3.get_object(Bucket=bucket, Key="mp", PartNumber=n)
        assert r["ResponseMetadata"]["HTTPStatusCode"] == 206
        assert r["PartsCount"] == 3
        assert r["ContentLength"] == len(p)
        assert r["ContentRange"] == f"bytes {off}-{off + len(p) - 1}/{size}"
        assert r["ETag"] == h.multipart_etag(parts)
        assert r["Body"].read() == p
        hd = s3.head_object(Bucket=bucket, Key="mp", PartNumber=n)
        assert hd["ContentLength"] == len(p) and hd["PartsCount"] == 3
        off += len(p)
    assert "PartsCount" not in s3.head_object(Bucket=bucket, Key="mp")  # as S3: only with partNumber
    expect_error(s3.get_object, "InvalidPartNumber", 416, Bucket=bucket, Key="mp", PartNumber=4)
    expect_error(s3.head_object, "416", 416, Bucket=bucket, Key="mp", PartNumber=4)
    expect_error(s3.get_object, "InvalidRequest", 400, Bucket=bucket, Key="mp", PartNumber=1,
                 Range="bytes=0-10")
    expect_error(s3.get_object, "InvalidArgument", 400, Bucket=bucket, Key="mp", PartNumber=0)


def test_get_part_number_of_single_part_object(s3, bucket):
    for key, body in (("small", b"small object"), ("big", h.random_bytes(300_000, seed=4))):
        s3.put_object(Bucket=bucket, Key=key, Body=body)
        for _ in range(2):  # the second small GET comes from the read cache, on the loop
            r = s3.get_object(Bucket=bucket, Key=key, PartNumber=1)
            assert r["Body"].read() == body
            assert r["ContentRange"] == f"bytes 0-{len(body) - 1}/{len(body)}"
            assert "PartsCount" not in r
        expect_error(s3.get_object, "InvalidPartNumber", 416, Bucket=bucket, Key=key,
                     PartNumber=2)


# --- GetObjectAttributes -----------------------------------------------------------
ALL_ATTRS = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"]


def test_get_object_attributes_single_part(s3, bucket):
    body = b"attributes of a small object"
    s3.put_object(Bucket=bucket, Key="one", Body=body, ChecksumAlgorithm="CRC32")
    r = s3.get_object_attributes(Bucket=bucket, Key="one", ObjectAttributes=ALL_ATTRS)
    assert r["ETag"] == h.md5_hex(body)  # without quotes, as S3
    assert r["Checksum"]["ChecksumCRC32"] == h.checksum_b64("CRC32", body)
    assert r["ObjectSize"] == len(body)
    assert r["StorageClass"] == "STANDARD"
    assert "ObjectParts" not in r
    assert r["LastModified"]
    r = s3.get_object_attributes(Bucket=bucket, Key="one", ObjectAttributes=["ObjectSize"])
    assert r["ObjectSize"] == len(body) and "ETag" not in r and "Checksum" not in r
    expect_error(s3.get_object_attributes, "NoSuchKey", 404, Bucket=bucket, Key="none",
                 ObjectAttributes=["ETag"])
    expect_error(s3.get_object_attributes, "InvalidArgument", 400, Bucket=bucket, Key="one",
                 ObjectAttributes=["Colour"])


def test_get_object_attributes_without_header_is_invalid(server, bucket, s3):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    status, _, body = h.raw_request(server, "GET", f"/{bucket}/k?attributes")
    h.assert_s3_error(status, body, 400, "InvalidArgument")


def test_get_object_attributes_parts_paged(s3, bucket):
    parts = [h.random_bytes(5 * MiB, seed=5), h.random_bytes(5 * MiB, seed=6), b"end"]
    _, done, res = multipart(s3, bucket, "mp", parts, ChecksumAlgorithm="CRC32")
    r = s3.get_object_attributes(Bucket=bucket, Key="mp", ObjectAttributes=ALL_ATTRS, MaxParts=2)
    assert r["ETag"] == h.multipart_etag(parts).strip('"')
    assert r["ObjectSize"] == sum(map(len, parts))
    assert r["Checksum"]["ChecksumCRC32"] == res["ChecksumCRC32"]
    op = r["ObjectParts"]
    assert op["TotalPartsCount"] == 3 and op["MaxParts"] == 2 and op["IsTruncated"] is True
    assert [(p["PartNumber"], p["Size"], p["ChecksumCRC32"]) for p in op["Parts"]] == \
        [(1, 5 * MiB, done[0]["ChecksumCRC32"]), (2, 5 * MiB, done[1]["ChecksumCRC32"])]
    nxt = op["NextPartNumberMarker"]
    r = s3.get_object_attributes(Bucket=bucket, Key="mp", ObjectAttributes=["ObjectParts"],
                                 MaxParts=2, PartNumberMarker=nxt)
    op = r["ObjectParts"]
    assert op["IsTruncated"] is False
    assert [(p["PartNumber"], p["Size"]) for p in op["Parts"]] == [(3, 3)]
    # without checksums S3 lists no parts, only their count
    multipart(s3, bucket, "plain", parts)
    op = s3.get_object_attributes(Bucket=bucket, Key="plain",
                                  ObjectAttributes=["ObjectParts"])["ObjectParts"]
    assert op["TotalPartsCount"] == 3 and not op.get("Parts")


# --- object ACLs -------------------------------------------------------------------
def test_public_read_object_in_private_bucket(s3, anon, bucket):
    s3.put_object(Bucket=bucket, Key="pub", Body=b"for everyone", ACL="public-read")
    s3.put_object(Bucket=bucket, Key="priv", Body=b"not for you")
    for _ in range(3):  # the later reads come from the read cache, on the loop
        assert get_bytes(anon, bucket, "pub") == b"for everyone"
        assert anon.head_object(Bucket=bucket, Key="pub")["ContentLength"] == 12
        expect_error(anon.get_object, "AccessDenied", 403, Bucket=bucket, Key="priv")
    expect_error(anon.get_object, "AccessDenied", 403, Bucket=bucket, Key="missing")
    expect_error(anon.list_objects_v2, "AccessDenied", 403, Bucket=bucket)
    expect_error(anon.put_object, "AccessDenied", 403, Bucket=bucket, Key="pub", Body=b"x")
    expect_error(anon.get_object_acl, "AccessDenied", 403, Bucket=bucket, Key="pub")
    acl = s3.get_object_acl(Bucket=bucket, Key="pub")
    assert acl["Owner"]["ID"] == ROOT_AK
    assert grants(acl) == {(ROOT_AK, "FULL_CONTROL"), (ALL_USERS, "READ")}
    assert grants(s3.get_object_acl(Bucket=bucket, Key="priv")) == {(ROOT_AK, "FULL_CONTROL")}
    # PutObjectAcl takes it back (and drops the cached copy) and gives it again
    s3.put_object_acl(Bucket=bucket, Key="pub", ACL="private")
    expect_error(anon.get_object, "AccessDenied", 403, Bucket=bucket, Key="pub")
    assert get_bytes(s3, bucket, "pub") == b"for everyone"
    s3.put_object_acl(Bucket=bucket, Key="priv", ACL="public-read")
    assert get_bytes(anon, bucket, "priv") == b"not for you"
    h_ = s3.head_object(Bucket=bucket, Key="priv")
    assert "acl" not in {k.lower() for k in h_["ResponseMetadata"]["HTTPHeaders"]}
    expect_error(s3.put_object_acl, "NoSuchKey", 404, Bucket=bucket, Key="missing",
                 ACL="private")


def test_authenticated_read_and_bucket_owner_acls(s3, anon, bob, bucket):
    s3.put_object(Bucket=bucket, Key="members", Body=b"signed-in only", ACL="authenticated-read")
    assert get_bytes(bob, bucket, "members") == b"signed-in only"
    expect_error(anon.get_object, "AccessDenied", 403, Bucket=bucket, Key="members")
    assert (AUTH_USERS, "READ") in grants(s3.get_object_acl(Bucket=bucket, Key="members"))
    for acl in ("bucket-owner-read", "bucket-owner-full-control"):
        s3.put_object(Bucket=bucket, Key=acl, Body=b"x", ACL=acl)
        expect_error(bob.get_object, "AccessDenied", 403, Bucket=bucket, Key=acl)


def test_acl_on_copy_and_multipart(s3, anon, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"copied", ACL="public-read")
    s3.copy_object(Bucket=bucket, Key="copy-private", CopySource={"Bucket": bucket, "Key": "src"})
    expect_error(anon.get_object, "AccessDenied", 403, Bucket=bucket, Key="copy-private")
    s3.copy_object(Bucket=bucket, Key="copy-public", CopySource={"Bucket": bucket, "Key": "src"},
                   ACL="public-read")
    assert get_bytes(anon, bucket, "copy-public") == b"copied"
    multipart(s3, bucket, "mp-public", [b"multipart and public"], ACL="public-read")
    assert get_bytes(anon, bucket, "mp-public") == b"multipart and public"
    assert (ALL_USERS, "READ") in grants(s3.get_object_acl(Bucket=bucket, Key="mp-public"))


def test_unsupported_acls_refused_by_name(s3, bucket):
    e = expect_error(s3.put_object, "NotImplemented", 501, Bucket=bucket, Key="g", Body=b"x",
                     GrantRead=f'uri="{ALL_USERS}"')
    assert "x-amz-grant-read" in e.response["Error"]["Message"]
    s3.put_object(Bucket=bucket, Key="g", Body=b"x")
    e = expect_error(s3.put_object_acl, "NotImplemented", 501, Bucket=bucket, Key="g",
                     GrantFullControl=f'id="{ROOT_AK}"')
    assert "x-amz-grant-full-control" in e.response["Error"]["Message"]
    e = expect_error(s3.create_multipart_upload, "NotImplemented", 501, Bucket=bucket, Key="g",
                     GrantWriteACP=f'id="{ROOT_AK}"')
    assert "x-amz-grant-write-acp" in e.response["Error"]["Message"]
    expect_error(s3.put_object, "NotImplemented", 501, Bucket=bucket, Key="g", Body=b"x",
                 ACL="aws-exec-read")
    expect_error(s3.put_object, "InvalidArgument", 400, Bucket=bucket, Key="g", Body=b"x",
                 ACL="everyone-please")
    e = expect_error(s3.put_object_acl, "NotImplemented", 501, Bucket=bucket, Key="g",
                     AccessControlPolicy={"Owner": {"ID": ROOT_AK}, "Grants": []})
    assert "x-amz-acl" in e.response["Error"]["Message"]


def test_object_writer_owns_what_it_writes(server, s3, bob, second_user, bucket):
    """ObjectWriter (the default): a user granted only PutObject by a policy
    owns the objects it writes: it may read them and their ACL."""
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": [f"arn:aws:iam:::user/{second_user[0]}"]},
                       "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    bob.put_object(Bucket=bucket, Key="bobs", Body=b"written by bob")
    bob.put_object(Bucket=bucket, Key="handed", Body=b"for the owner", ACL="bucket-owner-full-control")
    s3.put_object(Bucket=bucket, Key="roots", Body=b"root's")
    assert get_bytes(bob, bucket, "bobs") == b"written by bob"
    expect_error(bob.get_object, "AccessDenied", 403, Bucket=bucket, Key="roots")
    acl = s3.get_object_acl(Bucket=bucket, Key="bobs")
    assert acl["Owner"]["ID"] == second_user[0]
    assert grants(acl) == {(second_user[0], "FULL_CONTROL")}
    assert grants(bob.get_object_acl(Bucket=bucket, Key="handed")) == \
        {(second_user[0], "FULL_CONTROL"), (ROOT_AK, "FULL_CONTROL")}
    assert get_bytes(s3, bucket, "bobs") == b"written by bob"  # the bucket owner still reads all


# --- ownership controls ------------------------------------------------------------
def test_ownership_controls_enforced_refuses_acls(s3, anon, bucket):
    expect_error(s3.get_bucket_ownership_controls, "OwnershipControlsNotFoundError", 404,
                 Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="was-public", Body=b"x", ACL="public-read")
    assert get_bytes(anon, bucket, "was-public") == b"x"
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    r = s3.get_bucket_ownership_controls(Bucket=bucket)
    assert r["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    # ACLs are disabled: stored ones grant nothing, new ones are refused
    expect_error(anon.get_object, "AccessDenied", 403, Bucket=bucket, Key="was-public")
    assert grants(s3.get_object_acl(Bucket=bucket, Key="was-public")) == {(ROOT_AK, "FULL_CONTROL")}
    expect_error(s3.put_object, "AccessControlListNotSupported", 400, Bucket=bucket, Key="k",
                 Body=b"x", ACL="public-read")
    expect_error(s3.put_object, "AccessControlListNotSupported", 400, Bucket=bucket, Key="k",
                 Body=b"x", ACL="private")
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ACL="bucket-owner-full-control")
    expect_error(s3.put_object_acl, "AccessControlListNotSupported", 400, Bucket=bucket, Key="k",
                 ACL="private")
    expect_error(s3.put_bucket_acl, "AccessControlListNotSupported", 400, Bucket=bucket,
                 ACL="public-read")
    expect_error(s3.create_multipart_upload, "AccessControlListNotSupported", 400, Bucket=bucket,
                 Key="k", ACL="public-read")
    s3.delete_bucket_ownership_controls(Bucket=bucket)
    expect_error(s3.get_bucket_ownership_controls, "OwnershipControlsNotFoundError", 404,
                 Bucket=bucket)
    assert get_bytes(anon, bucket, "was-public") == b"x"


def test_create_bucket_with_object_ownership(s3):
    name = h.new_bucket_name("own")
    s3.create_bucket(Bucket=name, ObjectOwnership="BucketOwnerEnforced")
    r = s3.get_bucket_ownership_controls(Bucket=name)
    assert r["OwnershipControls"]["Rules"][0]["ObjectOwnership"] == "BucketOwnerEnforced"
    expect_error(s3.put_object, "AccessControlListNotSupported", 400, Bucket=name, Key="k",
                 Body=b"x", ACL="public-read")
    expect_error(s3.create_bucket, "InvalidBucketAclWithObjectOwnership", 400,
                 Bucket=h.new_bucket_name("own"), ACL="public-read",
                 ObjectOwnership="BucketOwnerEnforced")
    pub = h.new_bucket_name("own")
    s3.create_bucket(Bucket=pub, ACL="public-read")
    expect_error(s3.put_bucket_ownership_controls, "InvalidBucketAclWithObjectOwnership", 400,
                 Bucket=pub, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    w = h.new_bucket_name("own")
    s3.create_bucket(Bucket=w, ObjectOwnership="ObjectWriter")
    assert s3.get_bucket_ownership_controls(Bucket=w)["OwnershipControls"]["Rules"] == \
        [{"ObjectOwnership": "ObjectWriter"}]


def test_bucket_owner_preferred_takes_full_control_objects(s3, bob, second_user, bucket):
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]})
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": [f"arn:aws:iam:::user/{second_user[0]}"]},
                       "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    bob.put_object(Bucket=bucket, Key="given", Body=b"x", ACL="bucket-owner-full-control")
    bob.put_object(Bucket=bucket, Key="kept", Body=b"x")
    assert s3.get_object_acl(Bucket=bucket, Key="given")["Owner"]["ID"] == ROOT_AK
    assert s3.get_object_acl(Bucket=bucket, Key="kept")["Owner"]["ID"] == second_user[0]
    expect_error(bob.get_object, "AccessDenied", 403, Bucket=bucket, Key="given")


# --- public access block -------------------------------------------------------------
def pab(s3, bucket, **flags):
    conf = {k: flags.get(k, False) for k in
            ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")}
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=conf)
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == conf


PUBLIC_POLICY = lambda b: json.dumps({  # noqa: E731
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                   "Resource": f"arn:aws:s3:::{b}/*"}]})


def test_public_access_block_get_put_delete(s3, bucket):
    expect_error(s3.get_public_access_block, "NoSuchPublicAccessBlockConfiguration", 404,
                 Bucket=bucket)
    pab(s3, bucket)  # all false is a configuration too
    pab(s3, bucket, BlockPublicAcls=True, RestrictPublicBuckets=True)
    s3.delete_public_access_block(Bucket=bucket)
    expect_error(s3.get_public_access_block, "NoSuchPublicAccessBlockConfiguration", 404,
                 Bucket=bucket)


def test_block_public_acls(s3, anon, bucket):
    s3.put_object(Bucket=bucket, Key="old", Body=b"x", ACL="public-read")
    pab(s3, bucket, BlockPublicAcls=True)
    for acl in ("public-read", "public-read-write", "authenticated-read"):
        expect_error(s3.put_object, "AccessDenied", 403, Bucket=bucket, Key="k", Body=b"x", ACL=acl)
    expect_error(s3.put_object_acl, "AccessDenied", 403, Bucket=bucket, Key="old", ACL="public-read")
    expect_error(s3.put_bucket_acl, "AccessDenied", 403, Bucket=bucket, ACL="public-read")
    expect_error(s3.copy_object, "AccessDenied", 403, Bucket=bucket, Key="k", ACL="public-read",
                 CopySource={"Bucket": bucket, "Key": "old"})
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ACL="private")
    assert get_bytes(anon, bucket, "old") == b"x"  # blocking new ACLs leaves the old ones


def test_ignore_public_acls(s3, anon):
    name = h.new_bucket_name("ign")
    s3.create_bucket(Bucket=name, ACL="public-read")
    s3.put_object(Bucket=name, Key="o", Body=b"x", ACL="public-read")
    assert get_bytes(anon, name, "o") == b"x"
    anon.list_objects_v2(Bucket=name)
    pab(s3, name, IgnorePublicAcls=True)
    expect_error(anon.get_object, "AccessDenied", 403, Bucket=name, Key="o")
    expect_error(anon.list_objects_v2, "AccessDenied", 403, Bucket=name)
    s3.put_object(Bucket=name, Key="n", Body=b"x", ACL="public-read")  # stored, grants nothing
    expect_error(anon.get_object, "AccessDenied", 403, Bucket=name, Key="n")
    s3.delete_public_access_block(Bucket=name)
    assert get_bytes(anon, name, "n") == b"x"


def test_block_public_policy_and_restrict_public_buckets(s3, anon, bob, second_user, bucket):
    s3.put_object(Bucket=bucket, Key="o", Body=b"x")
    s3.put_bucket_policy(Bucket=bucket, Policy=PUBLIC_POLICY(bucket))
    assert get_bytes(anon, bucket, "o") == b"x"
    pab(s3, bucket, RestrictPublicBuckets=True)
    expect_error(anon.get_object, "AccessDenied", 403, Bucket=bucket, Key="o")
    assert get_bytes(s3, bucket, "o") == b"x"
    pab(s3, bucket, BlockPublicPolicy=True)
    assert get_bytes(anon, bucket, "o") == b"x"  # the policy in place stays
    expect_error(s3.put_bucket_policy, "AccessDenied", 403, Bucket=bucket,
                 Policy=PUBLIC_POLICY(bucket))
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({  # not public: accepted
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": [f"arn:aws:iam:::user/{second_user[0]}"]},
                       "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    assert get_bytes(bob, bucket, "o") == b"x"


# --- CreateBucket of one's own bucket, UploadPartCopy range, listings ---------------
def test_create_own_bucket_again_us_east_1_is_200(s3, bob, bucket):
    r = s3.create_bucket(Bucket=bucket)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    expect_error(bob.create_bucket, "BucketAlreadyExists", 409, Bucket=bucket)


def test_create_own_bucket_again_other_region_is_409(server_factory):
    srv = server_factory("eu", extra_args=["--store-region", "eu-west-1"])
    s3 = h.client(srv, region_name="eu-west-1")
    name = h.new_bucket_name()
    conf = {"LocationConstraint": "eu-west-1"}
    s3.create_bucket(Bucket=name, CreateBucketConfiguration=conf)
    expect_error(s3.create_bucket, "BucketAlreadyOwnedByYou", 409, Bucket=name,
                 CreateBucketConfiguration=conf)


def test_upload_part_copy_range_outside_source_is_invalid_range(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"0123456789")
    up = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    for rng in ("bytes=5-10", "bytes=10-12", "bytes=100-200"):
        expect_error(s3.upload_part_copy, "InvalidRange", 416, Bucket=bucket, Key="dst",
                     UploadId=up, PartNumber=1, CopySource={"Bucket": bucket, "Key": "src"},
                     CopySourceRange=rng)
    expect_error(s3.upload_part_copy, "InvalidArgument", 400, Bucket=bucket, Key="dst",
                 UploadId=up, PartNumber=1, CopySource={"Bucket": bucket, "Key": "src"},
                 CopySourceRange="bytes=5-2")
    r = s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=up, PartNumber=1,
                            CopySource={"Bucket": bucket, "Key": "src"}, CopySourceRange="bytes=2-9")
    assert r["CopyPartResult"]["ETag"] == f'"{h.md5_hex(b"23456789")}"'


ODD_KEYS = ["dir/new\nline", "dir/sp ace", "dir/cr\rreturn", "dir/ü+&<"]


def test_listings_url_encoded_with_encoding_type(server, s3, bucket):
    for k in ODD_KEYS:
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
        s3.create_multipart_upload(Bucket=bucket, Key=k)
    want = sorted(ODD_KEYS, key=lambda k: k.encode())
    # boto3 asks for encoding-type=url itself and decodes what comes back
    assert [o["Key"] for o in s3.list_objects(Bucket=bucket, Prefix="dir/")["Contents"]] == want
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="dir/")["Contents"]] == want
    assert [v["Key"] for v in s3.list_object_versions(Bucket=bucket, Prefix="dir/")["Versions"]] == want
    r = s3.list_multipart_uploads(Bucket=bucket, Prefix="dir/", KeyMarker="dir/")
    assert [u["Key"] for u in r["Uploads"]] == want
    assert r["Prefix"] == "dir/"
    q = urllib.parse.quote
    marker = q("dir/a b", safe="")
    for query, fields in (
            (f"encoding-type=url&prefix=dir%2F&marker={marker}", ["Prefix", "Marker"]),
            (f"list-type=2&encoding-type=url&prefix=dir%2F&start-after={marker}",
             ["Prefix", "StartAfter"]),
            (f"versions&encoding-type=url&prefix=dir%2F&key-marker={marker}",
             ["Prefix", "KeyMarker"]),
            (f"uploads&encoding-type=url&prefix=dir%2F&key-marker={marker}",
             ["Prefix", "KeyMarker"])):
        status, _, body = h.raw_request(server, "GET", f"/{bucket}?{query}")
        assert status == 200, body
        root = ET.fromstring(body)
        assert root.findtext(f"{NS}EncodingType") == "url", (query, body[:400])
        got = {f: root.findtext(f"{NS}{f}") for f in fields}
        assert got == {"Prefix": "dir/", fields[1]: "dir/a%20b"}, (query, got)
        keys = [e.text for e in root.iter(f"{NS}Key")]
        assert [urllib.parse.unquote(k) for k in keys] == want, (query, keys)
        assert not any(re.search(r"[\s\r\n<&+]", k) for k in keys), keys
    status, _, body = h.raw_request(server, "GET", f"/{bucket}?uploads&encoding-type=zip")
    h.assert_s3_error(status, body, 400, "InvalidArgument")


# --- boto3 1.43 (pyenv) ----------------------------------------------------------------
SCRIPT = Path(__file__).parent / "helpers" / "conformance_checks.py"
CHECKS = ["complete_retry", "part_number", "object_attributes", "object_acl", "ownership",
          "public_access_block"]


@pytest.mark.timeout(180)
@pytest.mark.parametrize("check", CHECKS)
def test_boto3_143(server, s3, pyenv_py, check):
    bucket = h.new_bucket_name("c143")
    s3.create_bucket(Bucket=bucket)
    clients.run_pyenv_check(pyenv_py, SCRIPT, check, server, bucket)


# --- the aws CLIs (s3api) ----------------------------------------------------------------
@pytest.fixture(params=["pyenv-aws-1.45", "debian-aws-2.9"])
def aws(request, server, tmp_path):
    from test_awscli import make_cli
    return make_cli(request.param, server, tmp_path)


@pytest.mark.timeout(300)
def test_awscli_s3api_conformance(aws, s3, tmp_path):
    bucket = h.new_bucket_name("cli")
    aws("s3api", "create-bucket", "--bucket", bucket)
    aws("s3api", "create-bucket", "--bucket", bucket)  # ours already: 200 in us-east-1
    src = tmp_path / "obj"
    src.write_bytes(b"aws cli object")
    aws("s3api", "put-object", "--bucket", bucket, "--key", "o", "--body", src, "--acl", "public-read")
    acl = aws.json("s3api", "get-object-acl", "--bucket", bucket, "--key", "o")
    assert (ALL_USERS, "READ") in grants(acl)
    aws("s3api", "put-object-acl", "--bucket", bucket, "--key", "o", "--acl", "private")
    assert grants(aws.json("s3api", "get-object-acl", "--bucket", bucket, "--key", "o")) == \
        {(ROOT_AK, "FULL_CONTROL")}
    r = aws.json("s3api", "get-object-attributes", "--bucket", bucket, "--key", "o",
                 "--object-attributes", "ETag", "ObjectSize", "StorageClass")
    assert r["ETag"] == h.md5_hex(b"aws cli object") and r["ObjectSize"] == 14
    out = tmp_path / "part1"
    r = aws.json("s3api", "get-object", "--bucket", bucket, "--key", "o", "--part-number", "1", out)
    assert out.read_bytes() == b"aws cli object" and r["ContentRange"] == "bytes 0-13/14"
    r = aws("s3api", "get-public-access-block", "--bucket", bucket, check=False)
    assert r.returncode != 0 and "NoSuchPublicAccessBlockConfiguration" in r.stderr
    aws("s3api", "put-public-access-block", "--bucket", bucket, "--public-access-block-configuration",
        "BlockPublicAcls=true,IgnorePublicAcls=false,BlockPublicPolicy=true,RestrictPublicBuckets=false")
    conf = aws.json("s3api", "get-public-access-block", "--bucket", bucket)
    assert conf["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": False}
    r = aws("s3api", "put-object-acl", "--bucket", bucket, "--key", "o", "--acl", "public-read",
            check=False)
    assert r.returncode != 0 and "AccessDenied" in r.stderr
    aws("s3api", "delete-public-access-block", "--bucket", bucket)
    aws("s3api", "put-bucket-ownership-controls", "--bucket", bucket, "--ownership-controls",
        "Rules=[{ObjectOwnership=BucketOwnerEnforced}]")
    own = aws.json("s3api", "get-bucket-ownership-controls", "--bucket", bucket)
    assert own["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    r = aws("s3api", "put-object-acl", "--bucket", bucket, "--key", "o", "--acl", "public-read",
            check=False)
    assert r.returncode != 0 and "AccessControlListNotSupported" in r.stderr
    aws("s3api", "delete-bucket-ownership-controls", "--bucket", bucket)
    r = aws("s3api", "get-bucket-ownership-controls", "--bucket", bucket, check=False)
    assert r.returncode != 0 and "OwnershipControlsNotFoundError" in r.stderr
