"""S3 versioning as clients see it: PutBucketVersioning Enabled/Suspended
(never back to unversioned), version ids on PUT/Copy/Complete, GET/HEAD/
DELETE of a version, delete markers (404 with x-amz-delete-marker, 405 for
a marker's version id), the next newest version becoming current,
ListObjectVersions with key and version-id markers and delimiters, CopyObject
and UploadPartCopy from a version, DeleteObjects with VersionId, null
versions for objects written before versioning and while it is suspended,
DeleteBucket refused while versions remain, the lake bucket unversioned by
default. With boto3 1.26 in-process, boto3 1.43 (pyenv python) and both aws
CLIs."""
import json
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from helpers import clients
from helpers import s3 as h

SCRIPT = Path(__file__).parent / "helpers" / "boto3_new_checks.py"


def expect_error(fn, code, status, **kw):
    with pytest.raises(ClientError) as ei:
        fn(**kw)
    assert (h.err_code(ei.value), h.err_status(ei.value)) == (code, status), ei.value.response
    return ei.value.response


def enable(s3, bucket, status="Enabled"):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": status})


def body(s3, bucket, key, **kw):
    return s3.get_object(Bucket=bucket, Key=key, **kw)["Body"].read()


def all_versions(s3, bucket, **kw):
    """(versions, delete markers) of every page, in listing order."""
    vs, ms = [], []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, **kw):
        vs += page.get("Versions", [])
        ms += page.get("DeleteMarkers", [])
    return vs, ms


def test_versioning_states_and_bad_configurations(server, s3, bucket):
    assert "Status" not in s3.get_bucket_versioning(Bucket=bucket)
    enable(s3, bucket)
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    enable(s3, bucket, "Suspended")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Suspended"
    enable(s3, bucket)
    path = f"/{bucket}?versioning"
    ns = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'
    for payload, status, code in [
        (b"<VersioningConfiguration", 400, "MalformedXML"),
        (f"<VersioningConfiguration {ns}><Status>Disabled</Status></VersioningConfiguration>"
         .encode(), 400, "MalformedXML"),
        (f"<VersioningConfiguration {ns}><Statu>Enabled</Statu></VersioningConfiguration>"
         .encode(), 400, "MalformedXML"),
        (f"<VersioningConfiguration {ns}/>".encode(), 400,
         "IllegalVersioningConfigurationException"),  # cannot go back to unversioned
        (f"<VersioningConfiguration {ns}><Status>Enabled</Status><MfaDelete>Enabled</MfaDelete>"
         "</VersioningConfiguration>".encode(), 501, "NotImplemented"),
    ]:
        st, _, data = h.raw_request(server, "PUT", path, payload)
        h.assert_s3_error(st, data, status, code)
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"


def test_versions_on_put_get_head_and_the_null_version(s3, bucket):
    r0 = s3.put_object(Bucket=bucket, Key="k", Body=b"before versioning")
    assert "VersionId" not in r0  # unversioned: no version id
    enable(s3, bucket)
    r1 = s3.put_object(Bucket=bucket, Key="k", Body=b"one")
    r2 = s3.put_object(Bucket=bucket, Key="k", Body=b"two")
    v1, v2 = r1["VersionId"], r2["VersionId"]
    assert v1 != v2 and len(v1) == 32 and "null" not in (v1, v2)
    g = s3.get_object(Bucket=bucket, Key="k")
    assert (g["Body"].read(), g["VersionId"]) == (b"two", v2)
    assert body(s3, bucket, "k", VersionId=v1) == b"one"
    assert body(s3, bucket, "k", VersionId="null") == b"before versioning"
    hd = s3.head_object(Bucket=bucket, Key="k", VersionId=v1)
    assert (hd["VersionId"], hd["ContentLength"]) == (v1, 3)
    assert s3.head_object(Bucket=bucket, Key="k")["VersionId"] == v2
    # ranges and conditionals apply to a version
    assert s3.get_object(Bucket=bucket, Key="k", VersionId="null", Range="bytes=0-5")[
        "Body"].read() == b"before"
    expect_error(s3.get_object, "PreconditionFailed", 412, Bucket=bucket, Key="k", VersionId=v1,
                 IfMatch='"00000000000000000000000000000000"')
    expect_error(s3.get_object, "NoSuchVersion", 404, Bucket=bucket, Key="k",
                 VersionId="0123456789abcdef0123456789abcdef")
    expect_error(s3.get_object, "InvalidArgument", 400, Bucket=bucket, Key="k",
                 VersionId="not a version")
    vs, _ = all_versions(s3, bucket)
    assert [(v["VersionId"], v["IsLatest"]) for v in vs] == [(v2, True), (v1, False),
                                                             ("null", False)]


def test_delete_markers_and_removing_versions(s3, bucket):
    enable(s3, bucket)
    v1 = s3.put_object(Bucket=bucket, Key="k", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=bucket, Key="k", Body=b"two")["VersionId"]
    d = s3.delete_object(Bucket=bucket, Key="k")
    assert d["DeleteMarker"] is True and len(d["VersionId"]) == 32
    dm = d["VersionId"]
    for fn in (s3.get_object, s3.head_object):
        resp = expect_error(fn, "404" if fn == s3.head_object else "NoSuchKey", 404,
                            Bucket=bucket, Key="k")
        hdrs = resp["ResponseMetadata"]["HTTPHeaders"]
        assert hdrs.get("x-amz-delete-marker") == "true" and hdrs.get("x-amz-version-id") == dm
    resp = expect_error(s3.get_object, "MethodNotAllowed", 405, Bucket=bucket, Key="k",
                        VersionId=dm)
    assert resp["ResponseMetadata"]["HTTPHeaders"].get("x-amz-delete-marker") == "true"
    assert "k" not in [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    vs, ms = all_versions(s3, bucket)
    assert [(m["VersionId"], m["IsLatest"]) for m in ms] == [(dm, True)]
    assert [(v["VersionId"], v["IsLatest"]) for v in vs] == [(v2, False), (v1, False)]
    # removing the marker brings v2 back; removing v2 makes v1 current
    r = s3.delete_object(Bucket=bucket, Key="k", VersionId=dm)
    assert r["DeleteMarker"] is True and r["VersionId"] == dm
    assert body(s3, bucket, "k") == b"two"
    r = s3.delete_object(Bucket=bucket, Key="k", VersionId=v2)
    assert r["VersionId"] == v2 and not r.get("DeleteMarker")
    g = s3.get_object(Bucket=bucket, Key="k")
    assert (g["Body"].read(), g["VersionId"]) == (b"one", v1)
    # a missing version is no error; a malformed one is
    assert s3.delete_object(Bucket=bucket, Key="k", VersionId=v2)["VersionId"] == v2
    expect_error(s3.delete_object, "InvalidArgument", 400, Bucket=bucket, Key="k",
                 VersionId="bad")
    # DeleteBucket waits for every version and marker to go
    s3.delete_object(Bucket=bucket, Key="k")
    expect_error(s3.delete_bucket, "BucketNotEmpty", 409, Bucket=bucket)
    vs, ms = all_versions(s3, bucket)
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [
        {"Key": x["Key"], "VersionId": x["VersionId"]} for x in vs + ms]})
    s3.delete_bucket(Bucket=bucket)


def test_suspended_versioning_replaces_the_null_version(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"null one")
    enable(s3, bucket)
    v1 = s3.put_object(Bucket=bucket, Key="k", Body=b"versioned")["VersionId"]
    enable(s3, bucket, "Suspended")
    r = s3.put_object(Bucket=bucket, Key="k", Body=b"null two")
    assert r.get("VersionId") == "null"
    s3.put_object(Bucket=bucket, Key="k", Body=b"null three")
    vs, _ = all_versions(s3, bucket)
    assert [(v["VersionId"], v["Size"]) for v in vs] == [("null", 10), (v1, 9)]
    d = s3.delete_object(Bucket=bucket, Key="k")
    assert (d["DeleteMarker"], d["VersionId"]) == (True, "null")
    vs, ms = all_versions(s3, bucket)
    assert [v["VersionId"] for v in vs] == [v1]
    assert [(m["VersionId"], m["IsLatest"]) for m in ms] == [("null", True)]
    assert body(s3, bucket, "k", VersionId=v1) == b"versioned"


def test_list_object_versions_pages_with_markers_and_delimiter(s3, bucket):
    enable(s3, bucket)
    want = []  # (key, version id) in listing order: keys in order, newest first
    for key, n in (("a", 3), ("b/1", 2), ("b/2", 1), ("c", 2)):
        ids = [s3.put_object(Bucket=bucket, Key=key, Body=f"{key}{i}".encode())["VersionId"]
               for i in range(n)]
        want += [(key, v) for v in reversed(ids)]
    dm = s3.delete_object(Bucket=bucket, Key="c")["VersionId"]
    whole = s3.list_object_versions(Bucket=bucket)
    assert [(x["Key"], x["VersionId"]) for x in whole["Versions"]] == want
    assert [(x["Key"], x["VersionId"], x["IsLatest"]) for x in whole["DeleteMarkers"]] == \
        [("c", dm, True)]
    want.append(("c", dm))
    for size in (1, 2, 4):
        vs, ms = all_versions(s3, bucket, PaginationConfig={"PageSize": size})
        assert {(x["Key"], x["VersionId"]) for x in vs + ms} == set(want)
        assert len(vs) + len(ms) == 9
    # one page by hand: NextKeyMarker / NextVersionIdMarker resume in the middle of a key
    p1 = s3.list_object_versions(Bucket=bucket, MaxKeys=2)
    assert p1["IsTruncated"] and p1["NextKeyMarker"] == "a"
    p2 = s3.list_object_versions(Bucket=bucket, MaxKeys=2, KeyMarker=p1["NextKeyMarker"],
                                 VersionIdMarker=p1["NextVersionIdMarker"])
    assert [(v["Key"], v["IsLatest"]) for v in p2["Versions"]] == [("a", False), ("b/1", True)]
    # latest flags: one per key
    latest = [x["Key"] for x in whole["Versions"] + whole["DeleteMarkers"] if x["IsLatest"]]
    assert sorted(latest) == ["a", "b/1", "b/2", "c"]
    d = s3.list_object_versions(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in d["CommonPrefixes"]] == ["b/"]
    assert {v["Key"] for v in d["Versions"]} == {"a", "c"}
    d = s3.list_object_versions(Bucket=bucket, Prefix="b/", Delimiter="/")
    assert [v["Key"] for v in d["Versions"]] == ["b/1", "b/1", "b/2"]
    expect_error(s3.list_object_versions, "InvalidArgument", 400, Bucket=bucket,
                 VersionIdMarker=dm)
    expect_error(s3.list_object_versions, "InvalidArgument", 400, Bucket=bucket, KeyMarker="a",
                 VersionIdMarker="nope")


def test_copy_and_upload_part_copy_from_a_version(s3, bucket):
    enable(s3, bucket)
    v1 = s3.put_object(Bucket=bucket, Key="src", Body=b"old source")["VersionId"]
    s3.put_object(Bucket=bucket, Key="src", Body=b"new source")
    r = s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src",
                                                             "VersionId": v1})
    assert r["CopySourceVersionId"] == v1 and len(r["VersionId"]) == 32
    assert body(s3, bucket, "dst") == b"old source"
    # restoring an old version onto its own key is allowed
    r = s3.copy_object(Bucket=bucket, Key="src", CopySource={"Bucket": bucket, "Key": "src",
                                                             "VersionId": v1})
    assert body(s3, bucket, "src") == b"old source"
    dm = s3.delete_object(Bucket=bucket, Key="src")["VersionId"]
    expect_error(s3.copy_object, "InvalidRequest", 400, Bucket=bucket, Key="x",
                 CopySource={"Bucket": bucket, "Key": "src", "VersionId": dm})
    expect_error(s3.copy_object, "NoSuchKey", 404, Bucket=bucket, Key="x",
                 CopySource={"Bucket": bucket, "Key": "src"})
    expect_error(s3.copy_object, "NoSuchVersion", 404, Bucket=bucket, Key="x",
                 CopySource={"Bucket": bucket, "Key": "src",
                             "VersionId": "0123456789abcdef0123456789abcdef"})
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    pc = s3.upload_part_copy(Bucket=bucket, Key="mp", UploadId=up, PartNumber=1,
                             CopySource={"Bucket": bucket, "Key": "src", "VersionId": v1})
    assert pc["CopySourceVersionId"] == v1
    c = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=up, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": pc["CopyPartResult"]["ETag"]}]})
    assert len(c["VersionId"]) == 32
    assert body(s3, bucket, "mp") == b"old source"


def test_retried_complete_answers_the_same_version(s3, bucket):
    enable(s3, bucket)
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    e = s3.upload_part(Bucket=bucket, Key="mp", UploadId=up, PartNumber=1, Body=b"one part")["ETag"]
    parts = {"Parts": [{"PartNumber": 1, "ETag": e}]}
    c1 = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=up, MultipartUpload=parts)
    c2 = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=up, MultipartUpload=parts)
    assert len(c1["VersionId"]) == 32 and c2["VersionId"] == c1["VersionId"]
    assert len(all_versions(s3, bucket)[0]) == 1  # the retry made no second version


def test_delete_objects_with_version_ids(s3, bucket):
    enable(s3, bucket)
    v1 = s3.put_object(Bucket=bucket, Key="a", Body=b"1")["VersionId"]
    v2 = s3.put_object(Bucket=bucket, Key="a", Body=b"2")["VersionId"]
    vb = s3.put_object(Bucket=bucket, Key="b", Body=b"b")["VersionId"]
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [
        {"Key": "a", "VersionId": v1}, {"Key": "b"}, {"Key": "a", "VersionId": "bad"}]})
    deleted = {(d["Key"], d.get("VersionId")): d for d in r["Deleted"]}
    assert not deleted[("a", v1)].get("DeleteMarker")
    assert deleted[("b", None)]["DeleteMarker"] is True
    assert len(deleted[("b", None)]["DeleteMarkerVersionId"]) == 32
    assert [(e["Key"], e["Code"]) for e in r["Errors"]] == [("a", "InvalidArgument")]
    vs, ms = all_versions(s3, bucket)
    assert [(v["Key"], v["VersionId"]) for v in vs] == [("a", v2), ("b", vb)]
    assert [m["Key"] for m in ms] == ["b"]


def test_overwrites_and_deletes_are_never_served_stale(s3, bucket):
    """The read cache and the loop-side small PUT across version changes."""
    enable(s3, bucket)
    for i in range(5):
        v = s3.put_object(Bucket=bucket, Key="hot", Body=f"v{i}".encode())["VersionId"]
        for _ in range(2):  # the second GET may come from the read cache
            g = s3.get_object(Bucket=bucket, Key="hot")
            assert (g["Body"].read(), g["VersionId"]) == (f"v{i}".encode(), v)
    s3.delete_object(Bucket=bucket, Key="hot")
    for _ in range(2):
        expect_error(s3.get_object, "NoSuchKey", 404, Bucket=bucket, Key="hot")
    s3.delete_object(Bucket=bucket, Key="hot", VersionId=s3.list_object_versions(
        Bucket=bucket)["DeleteMarkers"][0]["VersionId"])
    assert body(s3, bucket, "hot") == b"v4"


def test_lake_bucket_is_unversioned(s3):
    assert "Status" not in s3.get_bucket_versioning(Bucket="lakehouse")
    r = s3.put_object(Bucket="lakehouse", Key="bronze/versioning-probe", Body=b"x")
    assert "VersionId" not in r
    s3.delete_object(Bucket="lakehouse", Key="bronze/versioning-probe")


# --- boto3 1.43 (pyenv python) ------------------------------------------------------
@pytest.mark.timeout(180)
def test_boto3_143_versioning(server, s3, pyenv_py):
    bucket = h.new_bucket_name("v143")
    s3.create_bucket(Bucket=bucket)
    clients.run_pyenv_check(pyenv_py, SCRIPT, "versioning", server, bucket)


# --- the aws CLIs -------------------------------------------------------------------
@pytest.mark.timeout(300)
@pytest.mark.parametrize("cli_name", ["pyenv-aws-1.45", "debian-aws-2.9"])
def test_aws_cli_versioning(server, tmp_path, cli_name):
    from test_awscli import make_cli
    aws = make_cli(cli_name, server, tmp_path)
    bucket = h.new_bucket_name("vcli")
    aws("s3api", "create-bucket", "--bucket", bucket)
    aws("s3api", "put-bucket-versioning", "--bucket", bucket,
        "--versioning-configuration", "Status=Enabled")
    assert aws.json("s3api", "get-bucket-versioning", "--bucket", bucket)["Status"] == "Enabled"
    src = tmp_path / "f"
    ids = []
    for text in ("first", "second"):
        src.write_text(text)
        ids.append(aws.json("s3api", "put-object", "--bucket", bucket, "--key", "k",
                            "--body", str(src))["VersionId"])
    out = tmp_path / "out"
    got = aws.json("s3api", "get-object", "--bucket", bucket, "--key", "k", "--version-id",
                   ids[0], str(out))
    assert got["VersionId"] == ids[0] and out.read_text() == "first"
    marker = aws.json("s3api", "delete-object", "--bucket", bucket, "--key", "k")
    assert marker["DeleteMarker"] is True
    lv = aws.json("s3api", "list-object-versions", "--bucket", bucket)
    assert [v["VersionId"] for v in lv["Versions"]] == list(reversed(ids))
    assert [(m["VersionId"], m["IsLatest"]) for m in lv["DeleteMarkers"]] == \
        [(marker["VersionId"], True)]
    r = aws("s3api", "get-object", "--bucket", bucket, "--key", "k", str(out), check=False)
    assert r.returncode != 0 and "NoSuchKey" in r.stderr
    # paging through the CLI's own paginator, one entry per page
    lv = aws.json("s3api", "list-object-versions", "--bucket", bucket, "--page-size", "1")
    assert len(lv["Versions"]) == 2 and len(lv["DeleteMarkers"]) == 1
    print(json.dumps(lv)[:300])
