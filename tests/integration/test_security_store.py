"""The store's security rules (issue 6) seen from real clients: the role
ceiling (a reader never writes, whatever a policy grants), the lake bucket's
built-in grants by role, anonymous response-* overrides refused, keys that
are not UTF-8 refused, the data directory's permissions, ListBuckets showing
only one's own buckets, and a single PUT over 5 GiB refused before its body."""
import hashlib
import json
import os
import stat
import uuid
import xml.etree.ElementTree as ET

import pytest
from botocore.exceptions import ClientError

from helpers import s3 as h

GiB = 1024 ** 3
LAKE = "lakehouse"


@pytest.fixture(scope="module")
def reader_user(server):
    """A reader made with `lakehouse user add`."""
    return server.add_user("rhea-sec-itest", "rheasecret-123", "reader")


def refused(fn, **kw):
    """(HTTP status, S3 error code) of a call that must fail."""
    with pytest.raises(ClientError) as ei:
        fn(**kw)
    return h.err_status(ei.value), h.err_code(ei.value)


DENIED = (403, "AccessDenied")


def user_arn(name):
    return f"arn:aws:iam:::user/{name}"


# --- finding 2: roles are a ceiling; the lake bucket grants by role -------------
def test_reader_never_writes_even_when_a_policy_allows_it(server, s3, bucket, reader_user):
    s3.put_object(Bucket=bucket, Key="doc.txt", Body=b"shared")
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": [user_arn(reader_user[0])]},
             "Action": ["s3:*"], "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]},
            {"Effect": "Allow", "Principal": {"AWS": [user_arn(reader_user[0])]},
             "Action": ["s3:PutObject", "s3:DeleteObject"], "Resource": [f"arn:aws:s3:::{bucket}/*"]},
        ]}))
    rhea = h.client(server, *reader_user)
    # reading is granted by the policy and within the role
    assert rhea.get_object(Bucket=bucket, Key="doc.txt")["Body"].read() == b"shared"
    assert [o["Key"] for o in rhea.list_objects_v2(Bucket=bucket)["Contents"]] == ["doc.txt"]
    # writing is granted by the policy but above the role
    assert refused(rhea.put_object, Bucket=bucket, Key="r.txt", Body=b"r") == DENIED
    assert refused(rhea.put_object, Bucket=bucket, Key="big", Body=b"b" * (200 << 10)) == DENIED
    assert refused(rhea.delete_object, Bucket=bucket, Key="doc.txt") == DENIED
    assert refused(rhea.delete_objects, Bucket=bucket,
                   Delete={"Objects": [{"Key": "doc.txt"}]}) == DENIED
    assert refused(rhea.copy_object, Bucket=bucket, Key="copy.txt",
                   CopySource={"Bucket": bucket, "Key": "doc.txt"}) == DENIED
    assert refused(rhea.create_multipart_upload, Bucket=bucket, Key="mpu") == DENIED
    assert refused(rhea.put_bucket_policy, Bucket=bucket, Policy="{}") == DENIED
    assert refused(rhea.delete_bucket, Bucket=bucket) == DENIED
    assert s3.get_object(Bucket=bucket, Key="doc.txt")["Body"].read() == b"shared"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["doc.txt"]


def test_lake_bucket_lets_a_writer_ingest(server, s3, second_user):
    bob = h.client(server, *second_user)
    prefix = f"bronze/sec-{uuid.uuid4().hex[:8]}/"
    bob.head_bucket(Bucket=LAKE)
    bob.put_object(Bucket=LAKE, Key=prefix + "small.csv", Body=b"a,b\n1,2\n")
    bob.put_object(Bucket=LAKE, Key=prefix + "big.bin", Body=b"x" * (300 << 10))
    assert bob.get_object(Bucket=LAKE, Key=prefix + "small.csv")["Body"].read() == b"a,b\n1,2\n"
    assert bob.head_object(Bucket=LAKE, Key=prefix + "big.bin")["ContentLength"] == 300 << 10
    listed = [o["Key"] for o in bob.list_objects_v2(Bucket=LAKE, Prefix=prefix)["Contents"]]
    assert listed == [prefix + "big.bin", prefix + "small.csv"]
    bob.copy_object(Bucket=LAKE, Key=prefix + "copy.csv",
                    CopySource={"Bucket": LAKE, "Key": prefix + "small.csv"})
    # multipart: create, upload, list parts and uploads, complete; and abort
    up = bob.create_multipart_upload(Bucket=LAKE, Key=prefix + "mpu.bin")["UploadId"]
    part = bob.upload_part(Bucket=LAKE, Key=prefix + "mpu.bin", UploadId=up, PartNumber=1,
                           Body=b"m" * 1000)
    assert [p["PartNumber"] for p in
            bob.list_parts(Bucket=LAKE, Key=prefix + "mpu.bin", UploadId=up)["Parts"]] == [1]
    uploads = bob.list_multipart_uploads(Bucket=LAKE, Prefix=prefix).get("Uploads", [])
    assert [u["UploadId"] for u in uploads] == [up]
    bob.complete_multipart_upload(Bucket=LAKE, Key=prefix + "mpu.bin", UploadId=up,
                                  MultipartUpload={"Parts": [{"PartNumber": 1,
                                                              "ETag": part["ETag"]}]})
    assert bob.get_object(Bucket=LAKE, Key=prefix + "mpu.bin")["Body"].read() == b"m" * 1000
    up2 = bob.create_multipart_upload(Bucket=LAKE, Key=prefix + "gone.bin")["UploadId"]
    bob.abort_multipart_upload(Bucket=LAKE, Key=prefix + "gone.bin", UploadId=up2)
    bob.delete_object(Bucket=LAKE, Key=prefix + "copy.csv")
    bob.put_object(Bucket=LAKE, Key=prefix + "v.csv", Body=b"v")
    bob.delete_object(Bucket=LAKE, Key=prefix + "v.csv", VersionId="null")
    bob.delete_objects(Bucket=LAKE, Delete={"Objects": [{"Key": prefix + "big.bin"}]})
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=LAKE, Prefix=prefix)["Contents"]]
    assert listed == [prefix + "mpu.bin", prefix + "small.csv"]
    # the bucket itself stays root's
    assert refused(bob.put_bucket_policy, Bucket=LAKE, Policy="{}") == DENIED
    assert refused(bob.put_bucket_acl, Bucket=LAKE, ACL="public-read") == DENIED
    assert refused(bob.delete_bucket, Bucket=LAKE) == DENIED


def test_lake_bucket_lets_a_reader_query_but_not_write(server, s3, reader_user):
    prefix = f"gold/sec-{uuid.uuid4().hex[:8]}/"
    s3.put_object(Bucket=LAKE, Key=prefix + "part-0.parquet", Body=b"PAR1 small")
    s3.put_object(Bucket=LAKE, Key=prefix + "part-1.parquet", Body=b"P" * (200 << 10))
    rhea = h.client(server, *reader_user)
    rhea.head_bucket(Bucket=LAKE)
    listed = [o["Key"] for o in rhea.list_objects_v2(Bucket=LAKE, Prefix=prefix)["Contents"]]
    assert listed == [prefix + "part-0.parquet", prefix + "part-1.parquet"]
    assert rhea.get_object(Bucket=LAKE, Key=prefix + "part-0.parquet")["Body"].read() == b"PAR1 small"
    assert rhea.head_object(Bucket=LAKE, Key=prefix + "part-1.parquet")["ContentLength"] == 200 << 10
    assert rhea.get_object(Bucket=LAKE, Key=prefix + "part-1.parquet",
                           Range="bytes=0-3")["Body"].read() == b"PPPP"
    # what readers of versions and attributes ask for (the lake is unversioned: null versions)
    vs = rhea.list_object_versions(Bucket=LAKE, Prefix=prefix)["Versions"]
    assert [(v["Key"], v["VersionId"]) for v in vs] == [(prefix + "part-0.parquet", "null"),
                                                        (prefix + "part-1.parquet", "null")]
    assert rhea.get_object(Bucket=LAKE, Key=prefix + "part-0.parquet",
                           VersionId="null")["Body"].read() == b"PAR1 small"
    attrs = rhea.get_object_attributes(Bucket=LAKE, Key=prefix + "part-1.parquet",
                                       ObjectAttributes=["ObjectSize"])
    assert attrs["ObjectSize"] == 200 << 10
    assert refused(rhea.delete_object, Bucket=LAKE, Key=prefix + "part-0.parquet",
                   VersionId="null") == DENIED
    assert refused(rhea.put_object, Bucket=LAKE, Key=prefix + "r.txt", Body=b"r") == DENIED
    assert refused(rhea.delete_object, Bucket=LAKE, Key=prefix + "part-0.parquet") == DENIED
    assert refused(rhea.create_multipart_upload, Bucket=LAKE, Key=prefix + "m") == DENIED
    assert refused(rhea.list_multipart_uploads, Bucket=LAKE) == DENIED
    assert refused(rhea.copy_object, Bucket=LAKE, Key=prefix + "c",
                   CopySource={"Bucket": LAKE, "Key": prefix + "part-0.parquet"}) == DENIED
    # nobody anonymous, and a Deny in the lake bucket's policy still wins
    anon = h.client(server, unsigned=True)
    assert refused(anon.get_object, Bucket=LAKE, Key=prefix + "part-0.parquet") == DENIED
    s3.put_bucket_policy(Bucket=LAKE, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Principal": {"AWS": [user_arn(reader_user[0])]},
                       "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{LAKE}/{prefix}*"}]}))
    try:
        assert refused(rhea.get_object, Bucket=LAKE, Key=prefix + "part-0.parquet") == DENIED
    finally:
        s3.delete_bucket_policy(Bucket=LAKE)
    assert rhea.get_object(Bucket=LAKE, Key=prefix + "part-0.parquet")["Body"].read() == b"PAR1 small"


# --- finding 4: anonymous response-* overrides -----------------------------------
def test_anonymous_response_overrides_refused_signed_ones_honoured(server, s3):
    name = h.new_bucket_name("pub")
    s3.create_bucket(Bucket=name, ACL="public-read")
    s3.put_object(Bucket=name, Key="small.txt", Body=b"<script>1</script>", ContentType="text/plain")
    s3.put_object(Bucket=name, Key="big.txt", Body=b"<b>" * (100 << 10), ContentType="text/plain")
    for key in ("small.txt", "big.txt"):
        # the small object is served from the read cache once read; the big one by a worker
        st, hdrs, _ = h.raw_request(server, "GET", f"/{name}/{key}", signed=False)
        assert st == 200 and hdrs["content-type"] == "text/plain"
        for q in ("response-content-type=text/html", "response-content-disposition=inline",
                  "response-cache-control=no-cache&response-expires=0"):
            st, hdrs, body = h.raw_request(server, "GET", f"/{name}/{key}?{q}", signed=False)
            err = h.assert_s3_error(st, body, 400, "InvalidRequest")
            assert "anonymous" in err["Message"]
            assert hdrs.get("content-type") == "application/xml"
            st, _, _ = h.raw_request(server, "HEAD", f"/{name}/{key}?{q}", signed=False)
            assert st == 400
        # signed: the override is the caller's own business
        r = s3.get_object(Bucket=name, Key=key, ResponseContentType="text/html")
        assert r["ContentType"] == "text/html"
        url = s3.generate_presigned_url("get_object", Params={
            "Bucket": name, "Key": key, "ResponseContentDisposition": "attachment"})
        path = url[len(server.s3_url):]
        st, hdrs, _ = h.raw_request(server, "GET", path, signed=False)
        assert st == 200 and hdrs["content-disposition"] == "attachment"


# --- finding 5: keys that are not UTF-8 ------------------------------------------
BAD_UTF8 = {
    "lone continuation byte": "%80",
    "invalid byte": "%FF",
    "truncated sequence": "a%C3",
    "overlong slash": "%C0%AF",
    "overlong 3-byte": "%E0%80%AF",
    "surrogate": "%ED%A0%80",
    "above U+10FFFF": "%F4%90%80%80",
}


def list_raw(server, bucket, query="list-type=2"):
    """ListObjectsV2 without encoding-type=url, parsed by ElementTree (which
    refuses a document that is not the UTF-8 it declares)."""
    st, _, body = h.raw_request(server, "GET", f"/{bucket}?{query}" if query else f"/{bucket}")
    assert st == 200, body[:300]
    ns = "{http://s3.amazonaws.com/doc/2006-03-01/}"
    return [k.text for k in ET.fromstring(body).iter(ns + "Key")]


@pytest.mark.parametrize("bad", list(BAD_UTF8.values()), ids=list(BAD_UTF8))
def test_key_not_utf8_refused_and_listing_stays_parsable(server, s3, bucket, bad):
    s3.put_object(Bucket=bucket, Key="ok-ключ-😀", Body=b"fine")
    st, _, body = h.raw_request(server, "PUT", f"/{bucket}/x{bad}y", body=b"evil")
    err = h.assert_s3_error(st, body, 400, "InvalidURI")
    assert "Key" not in err  # the bytes are not echoed into the XML either
    # multipart under such a key is refused at its first step
    st, _, body = h.raw_request(server, "POST", f"/{bucket}/m{bad}?uploads")
    h.assert_s3_error(st, body, 400, "InvalidURI")
    # as a copy source
    st, _, body = h.raw_request(server, "PUT", f"/{bucket}/copy",
                                headers={"x-amz-copy-source": f"/{bucket}/x{bad}y"})
    h.assert_s3_error(st, body, 400, "InvalidArgument")
    # as a listing prefix or marker
    for q in (f"list-type=2&prefix={bad}", f"list-type=2&start-after={bad}", f"marker={bad}"):
        st, _, body = h.raw_request(server, "GET", f"/{bucket}?{q}")
        h.assert_s3_error(st, body, 400, "InvalidURI")
    assert list_raw(server, bucket) == ["ok-ключ-😀"]
    assert list_raw(server, bucket, "") == ["ok-ключ-😀"]


def test_delete_objects_with_a_key_not_utf8_is_malformed(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="keep", Body=b"k")
    xml = (b"<Delete><Object><Key>keep</Key></Object>"
           b"<Object><Key>x\xed\xa0\x80</Key></Object></Delete>")
    st, _, body = h.raw_request(server, "POST", f"/{bucket}?delete", body=xml,
                                headers={"Content-MD5": h.b64(hashlib.md5(xml).digest())})
    h.assert_s3_error(st, body, 400, "MalformedXML")
    assert list_raw(server, bucket) == ["keep"]


# --- finding 6: the data directory's permissions ---------------------------------
def mode(p):
    return stat.S_IMODE(os.stat(p).st_mode)


def test_data_directory_is_private_after_up(server_factory):
    srv = server_factory("perm")
    h.client(srv).put_object(Bucket=LAKE, Key="bronze/body.bin", Body=b"b" * (200 << 10))
    d = srv.data_dir
    assert mode(d) == 0o700
    assert mode(d / "meta") == 0o700
    for p in ("store/index.db", "meta/secret.key"):
        assert mode(d / p) & 0o077 == 0, f"{p} is {oct(mode(d / p))}"
    for sub in ("store", "store/data", "store/tmp"):
        assert mode(d / sub) == 0o700, f"{sub} is {oct(mode(d / sub))}"
    bodies = [p for p in (d / "store" / "data").rglob("*") if p.is_file()]
    assert bodies and all(mode(p) & 0o077 == 0 for p in bodies)
    assert "changed to 0700" not in srv.log()


def test_data_directory_open_to_others_is_fixed_with_a_warning(server_factory, tmp_path):
    d = tmp_path / "wide-data"
    d.mkdir()
    os.chmod(d, 0o755)
    srv = server_factory("wide", data_dir=d)
    assert mode(d) == 0o700
    lines = [ln for ln in srv.log().splitlines() if str(d) in ln and "0755" in ln]
    assert lines and "changed to 0700" in lines[0], srv.log()
    srv.stop()
    os.chmod(d / "meta", 0o750)  # meta/ is enforced the same way
    srv.start()
    assert mode(d / "meta") == 0o700
    assert any("meta" in ln and "0750" in ln and "changed to 0700" in ln
               for ln in srv.log().splitlines()), srv.log()


# --- finding 9a: ListBuckets -------------------------------------------------------
def test_list_buckets_shows_only_ones_own_unless_admin(server, s3, second_user):
    bob = h.client(server, *second_user)
    public = h.new_bucket_name("pub")
    s3.create_bucket(Bucket=public, ACL="public-read")
    shared = h.new_bucket_name("shared")
    s3.create_bucket(Bucket=shared)
    s3.put_bucket_policy(Bucket=shared, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": [user_arn(second_user[0])]},
                       "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{shared}"}]}))
    mine = h.new_bucket_name("bob")
    bob.create_bucket(Bucket=mine)
    seen = [b["Name"] for b in bob.list_buckets()["Buckets"]]
    assert mine in seen
    assert public not in seen and shared not in seen and LAKE not in seen
    assert all(s3.get_bucket_acl(Bucket=b)["Owner"]["ID"] == second_user[0] for b in seen)
    bob.list_objects_v2(Bucket=shared)  # still reachable by name
    admin_sees = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert {mine, public, shared, LAKE} <= set(admin_sees)


# --- finding 9b: a single PUT over 5 GiB --------------------------------------------
def big_headers(extra=None):
    hdrs = {"Content-Length": str(5 * GiB + 1)}
    hdrs.update(extra or {})
    return hdrs


def test_put_over_5_gib_refused_before_the_body(server, s3, bucket):
    # no body is sent: the answer must come from the headers alone
    st, _, body = h.raw_request(server, "PUT", f"/{bucket}/huge", headers=big_headers(),
                                payload_hash="UNSIGNED-PAYLOAD", timeout=30)
    h.assert_s3_error(st, body, 400, "EntityTooLarge")
    st, _, body = h.raw_request(server, "PUT", f"/{bucket}/huge",
                                headers=big_headers({"Expect": "100-continue"}),
                                payload_hash="UNSIGNED-PAYLOAD", timeout=30)
    h.assert_s3_error(st, body, 400, "EntityTooLarge")
    # aws-chunked: the decoded length counts
    st, _, body = h.raw_request(server, "PUT", f"/{bucket}/huge", headers={
        "Content-Length": str(6 * GiB), "Content-Encoding": "aws-chunked",
        "x-amz-decoded-content-length": str(5 * GiB + 1), "x-amz-trailer": "x-amz-checksum-crc32"},
        payload_hash="STREAMING-UNSIGNED-PAYLOAD-TRAILER", timeout=30)
    h.assert_s3_error(st, body, 400, "EntityTooLarge")
    # a part too
    up = s3.create_multipart_upload(Bucket=bucket, Key="huge")["UploadId"]
    st, _, body = h.raw_request(server, "PUT", f"/{bucket}/huge?partNumber=1&uploadId={up}",
                                headers=big_headers(), payload_hash="UNSIGNED-PAYLOAD", timeout=30)
    h.assert_s3_error(st, body, 400, "EntityTooLarge")
    s3.abort_multipart_upload(Bucket=bucket, Key="huge", UploadId=up)
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)
