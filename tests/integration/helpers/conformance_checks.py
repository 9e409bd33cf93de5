"""The conformance checks of test_s3_conformance.py with the pyenv python3 and
its boto3 1.43 (default CRC32 checksums on every upload, ChecksumType on
multipart uploads). Run as

    python3 conformance_checks.py CHECK

with LH_ENDPOINT, LH_AK, LH_SK and LH_BUCKET in the environment. Each check
asserts internally; any failure exits non-zero. Self-contained on purpose
(only checksums.py from this folder): it must not import the Debian-side
helpers."""
import hashlib
import json
import os
import sys

import boto3
import botocore
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checksums import b64, crc32_raw  # noqa: E402

MiB = 1024 * 1024
ENDPOINT = os.environ["LH_ENDPOINT"]
BUCKET = os.environ["LH_BUCKET"]
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


def client(unsigned=False):
    cfg = Config(region_name="us-east-1", retries={"max_attempts": 1},
                 s3={"addressing_style": "path"},
                 signature_version=UNSIGNED if unsigned else "s3v4")
    kw = {} if unsigned else dict(aws_access_key_id=os.environ["LH_AK"],
                                  aws_secret_access_key=os.environ["LH_SK"])
    return boto3.session.Session().client("s3", endpoint_url=ENDPOINT, config=cfg, **kw)


def expect_client_error(fn, code, status, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        got = (e.response["Error"].get("Code"), e.response["ResponseMetadata"]["HTTPStatusCode"])
        assert got == (code, status), f"expected {status} {code}, got {got}"
        return
    raise AssertionError(f"expected {status} {code}, the call succeeded")


def upload(s3, key, parts, **create):
    """A multipart upload of parts with boto3's default checksums; returns
    (upload id, parts list, CompleteMultipartUpload response)."""
    up = s3.create_multipart_upload(Bucket=BUCKET, Key=key, **create)["UploadId"]
    done = []
    for i, p in enumerate(parts, 1):
        r = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=up, PartNumber=i, Body=p)
        part = {"PartNumber": i, "ETag": r["ETag"]}
        if "ChecksumCRC32" in r:
            part["ChecksumCRC32"] = r["ChecksumCRC32"]
        done.append(part)
    res = s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=up,
                                       MultipartUpload={"Parts": done})
    return up, done, res


def grants(acl):
    return {(g["Grantee"].get("URI") or g["Grantee"].get("ID"), g["Permission"])
            for g in acl["Grants"]}


# --- checks ---------------------------------------------------------------------
def check_complete_retry():
    s3 = client()
    parts = [os.urandom(5 * MiB), b"the last part"]
    up, done, first = upload(s3, "retry", parts, ChecksumAlgorithm="CRC32")
    again = s3.complete_multipart_upload(Bucket=BUCKET, Key="retry", UploadId=up,
                                         MultipartUpload={"Parts": done})
    for k in ("ETag", "Key", "Bucket", "ChecksumCRC32", "ChecksumType"):
        assert again.get(k) == first.get(k), (k, again.get(k), first.get(k))
    expect_client_error(s3.complete_multipart_upload, "NoSuchUpload", 404, Bucket=BUCKET,
                        Key="retry", UploadId=up, MultipartUpload={"Parts": done[1:]})


def check_part_number():
    s3 = client()
    parts = [os.urandom(5 * MiB), os.urandom(1234)]
    upload(s3, "mp", parts)
    r = s3.get_object(Bucket=BUCKET, Key="mp", PartNumber=2)
    assert r["Body"].read() == parts[1]
    assert r["PartsCount"] == 2 and r["ContentRange"] == f"bytes {5 * MiB}-{5 * MiB + 1233}/{5 * MiB + 1234}"
    h = s3.head_object(Bucket=BUCKET, Key="mp", PartNumber=1)
    assert h["ContentLength"] == 5 * MiB and h["PartsCount"] == 2
    expect_client_error(s3.get_object, "InvalidPartNumber", 416, Bucket=BUCKET, Key="mp", PartNumber=3)
    s3.put_object(Bucket=BUCKET, Key="one", Body=b"single")
    assert s3.get_object(Bucket=BUCKET, Key="one", PartNumber=1)["Body"].read() == b"single"


def check_object_attributes():
    s3 = client()
    data = b"attributes with the default checksum"
    s3.put_object(Bucket=BUCKET, Key="one", Body=data)  # boto3 1.43 adds CRC32 itself
    r = s3.get_object_attributes(Bucket=BUCKET, Key="one",
                                 ObjectAttributes=["ETag", "Checksum", "ObjectSize", "StorageClass"])
    assert r["ETag"] == hashlib.md5(data).hexdigest(), r
    assert r["Checksum"]["ChecksumCRC32"] == b64(crc32_raw(data)), r
    assert r["ObjectSize"] == len(data) and r["StorageClass"] == "STANDARD"
    parts = [os.urandom(5 * MiB), os.urandom(5 * MiB), b"x"]
    _, done, _ = upload(s3, "mp", parts, ChecksumAlgorithm="CRC32")
    r = s3.get_object_attributes(Bucket=BUCKET, Key="mp", ObjectAttributes=["ObjectParts"],
                                 MaxParts=1, PartNumberMarker=1)
    op = r["ObjectParts"]
    assert op["TotalPartsCount"] == 3 and op["IsTruncated"] is True, op
    assert [(p["PartNumber"], p["Size"], p.get("ChecksumCRC32")) for p in op["Parts"]] == \
        [(2, 5 * MiB, done[1]["ChecksumCRC32"])], op


def check_object_acl():
    s3, anon = client(), client(unsigned=True)
    s3.put_object(Bucket=BUCKET, Key="pub", Body=b"public", ACL="public-read")
    assert anon.get_object(Bucket=BUCKET, Key="pub")["Body"].read() == b"public"
    assert (ALL_USERS, "READ") in grants(s3.get_object_acl(Bucket=BUCKET, Key="pub"))
    s3.put_object_acl(Bucket=BUCKET, Key="pub", ACL="private")
    expect_client_error(anon.get_object, "AccessDenied", 403, Bucket=BUCKET, Key="pub")
    expect_client_error(s3.put_object, "NotImplemented", 501, Bucket=BUCKET, Key="g", Body=b"x",
                        GrantRead=f'uri="{ALL_USERS}"')


def check_ownership():
    s3 = client()
    expect_client_error(s3.get_bucket_ownership_controls, "OwnershipControlsNotFoundError", 404,
                        Bucket=BUCKET)
    s3.put_bucket_ownership_controls(Bucket=BUCKET, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    rules = s3.get_bucket_ownership_controls(Bucket=BUCKET)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}], rules
    expect_client_error(s3.put_object, "AccessControlListNotSupported", 400, Bucket=BUCKET,
                        Key="k", Body=b"x", ACL="public-read")
    s3.put_object(Bucket=BUCKET, Key="k", Body=b"x", ACL="bucket-owner-full-control")
    s3.delete_bucket_ownership_controls(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="k", Body=b"x", ACL="public-read")


def check_public_access_block():
    s3, anon = client(), client(unsigned=True)
    expect_client_error(s3.get_public_access_block, "NoSuchPublicAccessBlockConfiguration", 404,
                        Bucket=BUCKET)
    conf = {"BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": False}
    s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration=conf)
    assert s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"] == conf
    expect_client_error(s3.put_object, "AccessDenied", 403, Bucket=BUCKET, Key="k", Body=b"x",
                        ACL="public-read")
    expect_client_error(s3.put_bucket_policy, "AccessDenied", 403, Bucket=BUCKET, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                       "Resource": f"arn:aws:s3:::{BUCKET}/*"}]}))
    s3.delete_public_access_block(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="k", Body=b"x", ACL="public-read")
    assert anon.get_object(Bucket=BUCKET, Key="k")["Body"].read() == b"x"


if __name__ == "__main__":
    from pyenv_runner import main

    sys.exit(main(globals()))
