"""Bucket lifecycle: Put/Get/DeleteBucketLifecycleConfiguration (prefix and
empty filters, legacy Prefix, Expiration Days/Date/ExpiredObjectDeleteMarker,
NoncurrentVersionExpiration, AbortIncompleteMultipartUpload; tag and size
filters, transitions and other unsupported parts refused by name), and the
background sweep applying them: in unversioned, versioned and suspended
buckets, to incomplete uploads, counted in /metrics. The sweep judges ages
by the clock plus store.clock_offset, which only test builds honour: a
server started with a 40-day offset and a short store.lifecycle_interval
sees "40 days later" within a second. With boto3 1.26, boto3 1.43 and both
aws CLIs."""
import datetime
import hashlib
import base64
import json
import time
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from helpers import clients
from helpers import s3 as h
from test_metrics import parse, scrape, total

SCRIPT = Path(__file__).parent / "helpers" / "boto3_new_checks.py"
FAST = {"LAKEHOUSE_STORE_LIFECYCLE_INTERVAL": "200ms"}
LATER = {**FAST, "LAKEHOUSE_STORE_CLOCK_OFFSET": "40d"}  # the sweep runs "40 days later"


def expect_error(fn, code, status, **kw):
    with pytest.raises(ClientError) as ei:
        fn(**kw)
    assert (h.err_code(ei.value), h.err_status(ei.value)) == (code, status), ei.value.response
    return ei.value.response


def rules(*rs):
    return {"Rules": list(rs)}


def wait_for(what, cond, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = cond()
        if got:
            return got
        time.sleep(0.1)
    pytest.fail(f"{what}: not within {timeout} s")


def keys(s3, bucket):
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))


def versions(s3, bucket):
    r = s3.list_object_versions(Bucket=bucket)
    return sorted((v["Key"], "V", v["IsLatest"]) for v in r.get("Versions", [])) + \
        sorted((m["Key"], "M", m["IsLatest"]) for m in r.get("DeleteMarkers", []))


def sweeps(srv):
    """(lifecycle sweeps run so far, every metric sample)"""
    _, samples = parse(scrape(srv))
    return total(samples, "lakehouse_store_lifecycle_sweeps_total"), samples


def after_two_sweeps(srv):
    """Waits until two whole sweeps ran after this call (the first may have
    begun before it)."""
    start = sweeps(srv)[0]
    wait_for("two lifecycle sweeps", lambda: sweeps(srv)[0] >= start + 2)


# --- the configuration ------------------------------------------------------------
def test_lifecycle_configuration_round_trip(s3, bucket):
    expect_error(s3.get_bucket_lifecycle_configuration, "NoSuchLifecycleConfiguration", 404,
                 Bucket=bucket)
    cfg = rules(
        {"ID": "bronze", "Filter": {"Prefix": "bronze/"}, "Status": "Enabled",
         "Expiration": {"Days": 30}, "NoncurrentVersionExpiration": {"NoncurrentDays": 7},
         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2}},
        {"ID": "all", "Filter": {}, "Status": "Disabled",
         "Expiration": {"Date": datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)}},
        {"ID": "legacy", "Prefix": "tmp/", "Status": "Enabled",
         "Expiration": {"ExpiredObjectDeleteMarker": True}})
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration=cfg)
    got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert [r["ID"] for r in got] == ["bronze", "all", "legacy"]
    assert got[0]["Filter"] == {"Prefix": "bronze/"} and got[0]["Expiration"] == {"Days": 30}
    assert got[0]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 7}
    assert got[0]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 2}
    assert got[1]["Status"] == "Disabled" and got[1]["Filter"] == {}
    assert got[1]["Expiration"]["Date"].astimezone(datetime.timezone.utc) == \
        datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
    assert got[2]["Prefix"] == "tmp/" and got[2]["Expiration"] == {"ExpiredObjectDeleteMarker": True}
    # a rule without an ID gets one
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration=rules(
        {"Filter": {}, "Status": "Enabled", "Expiration": {"Days": 1}}))
    assert len(s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"][0]["ID"]) > 0
    s3.delete_bucket_lifecycle(Bucket=bucket)
    expect_error(s3.get_bucket_lifecycle_configuration, "NoSuchLifecycleConfiguration", 404,
                 Bucket=bucket)


REFUSED = [
    ({"ID": "t", "Filter": {"Tag": {"Key": "a", "Value": "b"}}, "Status": "Enabled",
      "Expiration": {"Days": 1}}, "NotImplemented", 501),
    ({"ID": "t", "Filter": {"And": {"Prefix": "a", "Tags": [{"Key": "a", "Value": "b"}]}},
      "Status": "Enabled", "Expiration": {"Days": 1}}, "NotImplemented", 501),
    ({"ID": "t", "Filter": {"ObjectSizeGreaterThan": 10}, "Status": "Enabled",
      "Expiration": {"Days": 1}}, "NotImplemented", 501),
    ({"ID": "t", "Filter": {}, "Status": "Enabled",
      "Transitions": [{"Days": 1, "StorageClass": "GLACIER"}]}, "NotImplemented", 501),
    ({"ID": "t", "Filter": {}, "Status": "Enabled",
      "NoncurrentVersionExpiration": {"NoncurrentDays": 1, "NewerNoncurrentVersions": 2}},
     "NotImplemented", 501),
    ({"ID": "t", "Filter": {}, "Status": "Enabled", "Expiration": {"Days": 0}},
     "InvalidArgument", 400),
    ({"ID": "t", "Filter": {}, "Status": "Enabled"}, "InvalidRequest", 400),
    ({"ID": "t", "Filter": {}, "Status": "Enabled",
      "Expiration": {"Date": datetime.datetime(2030, 1, 1, 12, tzinfo=datetime.timezone.utc)}},
     "InvalidArgument", 400),
    ({"ID": "t" * 256, "Filter": {}, "Status": "Enabled", "Expiration": {"Days": 1}},
     "InvalidArgument", 400),
]


@pytest.mark.parametrize("rule,code,status", REFUSED, ids=[f"{i}-{c}" for i, (_, c, _) in
                                                           enumerate(REFUSED)])
def test_unsupported_or_bad_rules_are_refused(s3, bucket, rule, code, status):
    expect_error(s3.put_bucket_lifecycle_configuration, code, status, Bucket=bucket,
                 LifecycleConfiguration=rules(rule))
    expect_error(s3.get_bucket_lifecycle_configuration, "NoSuchLifecycleConfiguration", 404,
                 Bucket=bucket)


def test_malformed_lifecycle_documents(server, s3, bucket):
    ns = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'
    good = (f"<LifecycleConfiguration {ns}><Rule><ID>a</ID><Filter/><Status>Enabled</Status>"
            "<Expiration><Days>3</Days></Expiration></Rule></LifecycleConfiguration>").encode()
    for doc, code in [
        (b"<LifecycleConfiguration", "MalformedXML"),
        (f"<LifecycleConfiguration {ns}/>".encode(), "MalformedXML"),
        (good.replace(b"<Status>Enabled", b"<Status>On"), "MalformedXML"),
        (good.replace(b"<Filter/>", b"<Filter/><Prefix>x</Prefix>"), "MalformedXML"),
        (good.replace(b"<Days>3</Days>", b"<Days>3</Days><Date>2030-01-01T00:00:00Z</Date>"),
         "MalformedXML"),
        (good.replace(b"<ID>a</ID>", b"<ID>a</ID><Bogus/>"), "MalformedXML"),
        (good.replace(b"</Rule>", b"</Rule>" + good[good.index(b"<Rule>"):good.index(b"</Rule>")]
                      + b"</Rule>"), "InvalidArgument"),  # two rules with one ID
    ]:
        st, _, body = h.raw_request(server, "PUT", f"/{bucket}?lifecycle", doc)
        h.assert_s3_error(st, body, 400, code)
    md5 = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    st, _, body = h.raw_request(server, "PUT", f"/{bucket}?lifecycle", good,
                                {"Content-MD5": md5})
    h.assert_s3_error(st, body, 400, "BadDigest")
    st, _, _ = h.raw_request(server, "PUT", f"/{bucket}?lifecycle", good)
    assert st == 200


# --- the sweep, "40 days later" ---------------------------------------------------
@pytest.fixture
def later(server_factory, test_hooks):
    """A server whose lifecycle sweep runs every 200 ms, 40 days ahead."""
    return server_factory("lifecycle", env=LATER)


def test_bronze_expires_in_the_lake_bucket(later):
    """The lake bucket (unversioned): bronze/ objects expire after 30 days."""
    s3 = h.client(later)
    lake = "lakehouse"
    for k in ("bronze/a", "bronze/sub/b", "silver/c", "bronze30"):
        s3.put_object(Bucket=lake, Key=k, Body=k.encode() * 50_000)  # file-backed bodies
    s3.put_bucket_lifecycle_configuration(Bucket=lake, LifecycleConfiguration=rules(
        {"ID": "bronze", "Filter": {"Prefix": "bronze/"}, "Status": "Enabled",
         "Expiration": {"Days": 30}},
        {"ID": "later", "Filter": {"Prefix": "silver/"}, "Status": "Enabled",
         "Expiration": {"Days": 50}},  # not yet: 40 < 50
        {"ID": "off", "Filter": {}, "Status": "Disabled", "Expiration": {"Days": 1}}))
    left = ["bronze30", "gold/", "silver/", "silver/c"]  # the bronze/ folder marker went too
    wait_for("bronze/ expired", lambda: keys(s3, lake) == left)
    after_two_sweeps(later)
    assert keys(s3, lake) == left
    assert not s3.list_object_versions(Bucket=lake).get("DeleteMarkers")
    assert total(sweeps(later)[1], "lakehouse_store_lifecycle_expired_total") >= 3
    data = later.data_dir / "store" / "data"
    assert sum(1 for d in data.iterdir() for _ in d.iterdir()) == 2  # the expired bodies went


def test_expiration_by_date(later):
    s3 = h.client(later)
    s3.create_bucket(Bucket="lc-date")
    s3.put_object(Bucket="lc-date", Key="old", Body=b"x")
    today = datetime.datetime.now(datetime.timezone.utc).replace(hour=0, minute=0, second=0,
                                                                 microsecond=0)
    s3.put_bucket_lifecycle_configuration(Bucket="lc-date", LifecycleConfiguration=rules(
        {"ID": "d", "Filter": {}, "Status": "Enabled",
         "Expiration": {"Date": today + datetime.timedelta(days=20)}}))  # due in "40 days"
    wait_for("expired by date", lambda: keys(s3, "lc-date") == [])


def test_expiration_and_noncurrent_versions_in_a_versioned_bucket(later):
    s3 = h.client(later)
    for b in ("lc-cur", "lc-nc", "lc-dm", "lc-susp"):
        s3.create_bucket(Bucket=b)
        s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
    # expiration of the current version adds a delete marker; the data stays
    s3.put_object(Bucket="lc-cur", Key="k", Body=b"current")
    s3.put_bucket_lifecycle_configuration(Bucket="lc-cur", LifecycleConfiguration=rules(
        {"ID": "e", "Filter": {}, "Status": "Enabled", "Expiration": {"Days": 30}}))
    wait_for("a delete marker", lambda: versions(s3, "lc-cur") == [("k", "V", False),
                                                                   ("k", "M", True)])
    after_two_sweeps(later)  # and nothing more: the marker is not expired again
    assert versions(s3, "lc-cur") == [("k", "V", False), ("k", "M", True)]
    # noncurrent versions go N days after they became noncurrent; the current stays
    for body in (b"one", b"two", b"three"):
        s3.put_object(Bucket="lc-nc", Key="k", Body=body)
    s3.put_bucket_lifecycle_configuration(Bucket="lc-nc", LifecycleConfiguration=rules(
        {"ID": "nc", "Filter": {}, "Status": "Enabled",
         "NoncurrentVersionExpiration": {"NoncurrentDays": 10}}))
    wait_for("noncurrent versions removed", lambda: versions(s3, "lc-nc") == [("k", "V", True)])
    assert s3.get_object(Bucket="lc-nc", Key="k")["Body"].read() == b"three"
    # a delete marker that is the only version left is removed; one over a version stays
    s3.put_object(Bucket="lc-dm", Key="alone", Body=b"x")
    s3.put_object(Bucket="lc-dm", Key="kept", Body=b"y")
    vid = s3.list_object_versions(Bucket="lc-dm", Prefix="alone")["Versions"][0]["VersionId"]
    s3.delete_object(Bucket="lc-dm", Key="alone")
    s3.delete_object(Bucket="lc-dm", Key="alone", VersionId=vid)
    s3.delete_object(Bucket="lc-dm", Key="kept")
    s3.put_bucket_lifecycle_configuration(Bucket="lc-dm", LifecycleConfiguration=rules(
        {"ID": "dm", "Filter": {}, "Status": "Enabled",
         "Expiration": {"ExpiredObjectDeleteMarker": True}}))
    wait_for("the lone marker removed",
             lambda: versions(s3, "lc-dm") == [("kept", "V", False), ("kept", "M", True)])
    # suspended: expiration leaves a null delete marker, replacing the null version
    s3.put_bucket_versioning(Bucket="lc-susp", VersioningConfiguration={"Status": "Suspended"})
    s3.put_object(Bucket="lc-susp", Key="k", Body=b"null version")
    s3.put_bucket_lifecycle_configuration(Bucket="lc-susp", LifecycleConfiguration=rules(
        {"ID": "e", "Filter": {}, "Status": "Enabled", "Expiration": {"Days": 1}}))
    wait_for("a null marker", lambda: versions(s3, "lc-susp") == [("k", "M", True)])
    assert s3.list_object_versions(Bucket="lc-susp")["DeleteMarkers"][0]["VersionId"] == "null"


def test_incomplete_uploads_are_aborted(later):
    s3 = h.client(later)
    s3.create_bucket(Bucket="lc-mpu")
    up = s3.create_multipart_upload(Bucket="lc-mpu", Key="tmp/big")["UploadId"]
    s3.upload_part(Bucket="lc-mpu", Key="tmp/big", UploadId=up, PartNumber=1, Body=b"p" * 100_000)
    keep = s3.create_multipart_upload(Bucket="lc-mpu", Key="other/big")["UploadId"]
    s3.put_bucket_lifecycle_configuration(Bucket="lc-mpu", LifecycleConfiguration=rules(
        {"ID": "mpu", "Filter": {"Prefix": "tmp/"}, "Status": "Enabled",
         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}}))
    wait_for("the upload aborted", lambda: [u["UploadId"] for u in s3.list_multipart_uploads(
        Bucket="lc-mpu").get("Uploads", [])] == [keep])
    expect_error(s3.list_parts, "NoSuchUpload", 404, Bucket="lc-mpu", Key="tmp/big", UploadId=up)
    assert total(sweeps(later)[1], "lakehouse_store_lifecycle_uploads_aborted_total") >= 1
    data = later.data_dir / "store" / "data"
    assert sum(1 for d in data.iterdir() for _ in d.iterdir()) == 0  # the part's body went


def test_nothing_expires_before_its_time(server_factory):
    """Without a clock offset (any build), a 1-day rule leaves today's objects."""
    srv = server_factory("lifecycle-now", env=FAST)
    s3 = h.client(srv)
    s3.create_bucket(Bucket="lc-now")
    s3.put_object(Bucket="lc-now", Key="fresh", Body=b"x")
    s3.put_bucket_lifecycle_configuration(Bucket="lc-now", LifecycleConfiguration=rules(
        {"ID": "e", "Filter": {}, "Status": "Enabled", "Expiration": {"Days": 1},
         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}))
    after_two_sweeps(srv)
    assert keys(s3, "lc-now") == ["fresh"]


# --- other clients ------------------------------------------------------------------
@pytest.mark.timeout(180)
def test_boto3_143_lifecycle(server, s3, pyenv_py):
    bucket = h.new_bucket_name("lc143")
    s3.create_bucket(Bucket=bucket)
    clients.run_pyenv_check(pyenv_py, SCRIPT, "lifecycle", server, bucket)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("cli_name", ["pyenv-aws-1.45", "debian-aws-2.9"])
def test_aws_cli_lifecycle(server, tmp_path, cli_name):
    from test_awscli import make_cli
    aws = make_cli(cli_name, server, tmp_path)
    bucket = h.new_bucket_name("lccli")
    aws("s3api", "create-bucket", "--bucket", bucket)
    cfg = tmp_path / "lc.json"
    cfg.write_text(json.dumps(rules(
        {"ID": "bronze", "Filter": {"Prefix": "bronze/"}, "Status": "Enabled",
         "Expiration": {"Days": 30}, "NoncurrentVersionExpiration": {"NoncurrentDays": 7}})))
    aws("s3api", "put-bucket-lifecycle-configuration", "--bucket", bucket,
        "--lifecycle-configuration", f"file://{cfg}")
    got = aws.json("s3api", "get-bucket-lifecycle-configuration", "--bucket", bucket)
    assert got["Rules"][0]["ID"] == "bronze" and got["Rules"][0]["Expiration"] == {"Days": 30}
    cfg.write_text(json.dumps(rules({"ID": "t", "Filter": {}, "Status": "Enabled",
                                     "Transitions": [{"Days": 1, "StorageClass": "GLACIER"}]})))
    r = aws("s3api", "put-bucket-lifecycle-configuration", "--bucket", bucket,
            "--lifecycle-configuration", f"file://{cfg}", check=False)
    assert r.returncode != 0 and "NotImplemented" in r.stderr
    aws("s3api", "delete-bucket-lifecycle", "--bucket", bucket)
    r = aws("s3api", "get-bucket-lifecycle-configuration", "--bucket", bucket, check=False)
    assert r.returncode != 0 and "NoSuchLifecycleConfiguration" in r.stderr
