"""Issue 6, finding 1: a presigned URL authorizes exactly what was signed.
Whoever holds a presigned PutObject URL must not turn it into a CopyObject of
a private object (or add metadata, ACLs, conditions) by adding x-amz-*
headers the signer never signed: AWS answers 403 AccessDenied "There were
headers present in the request which were not signed"; x-amz-content-sha256
is the one header that may be sent unsigned."""
import urllib.error
import urllib.request

import pytest

from helpers import s3 as h


def send(url, method, body=b"", headers=None):
    headers = dict(headers or {})
    headers.setdefault("Content-Type", "")  # urllib would add a form type SigV2 signs
    req = urllib.request.Request(url, data=body if method in ("PUT", "POST") else None,
                                 method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@pytest.fixture
def private_object(s3):
    bucket = h.new_bucket_name("priv")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="secret.txt", Body=b"private bytes")
    return bucket


def presigned_put(server, bucket, key, **cfg):
    return h.client(server, **cfg).generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=300)


def test_v4_presigned_put_refuses_unsigned_copy_source(server, s3, bucket, private_object):
    url = presigned_put(server, bucket, "landing.txt")
    status, body = send(url, "PUT", headers={"x-amz-copy-source": f"{private_object}/secret.txt"})
    err = h.assert_s3_error(status, body, 403, "AccessDenied")
    assert "not signed" in err.get("Message", ""), err
    with pytest.raises(Exception) as e:
        s3.head_object(Bucket=bucket, Key="landing.txt")
    assert h.err_status(e.value) == 404  # nothing was copied


@pytest.mark.parametrize("header", [("x-amz-meta-owner", "mallory"), ("x-amz-acl", "public-read"),
                                    ("x-amz-storage-class", "STANDARD")])
def test_v4_presigned_put_refuses_any_unsigned_amz_header(server, bucket, header):
    url = presigned_put(server, bucket, "k.txt")
    status, body = send(url, "PUT", b"data", headers={header[0]: header[1]})
    h.assert_s3_error(status, body, 403, "AccessDenied")


def test_v4_presigned_get_refuses_unsigned_amz_header(server, s3, private_object):
    url = h.client(server).generate_presigned_url(
        "get_object", Params={"Bucket": private_object, "Key": "secret.txt"}, ExpiresIn=300)
    assert send(url, "GET") == (200, b"private bytes")
    status, body = send(url, "GET", headers={"x-amz-checksum-mode": "ENABLED"})
    h.assert_s3_error(status, body, 403, "AccessDenied")


def test_v4_presigned_put_allows_unsigned_content_sha256(server, s3, bucket):
    url = presigned_put(server, bucket, "ok.txt")
    status, body = send(url, "PUT", b"fine", headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
    assert status == 200, body
    assert s3.get_object(Bucket=bucket, Key="ok.txt")["Body"].read() == b"fine"


def test_v2_presigned_put_refuses_unsigned_copy_source(server, s3, bucket, private_object):
    """SigV2 signs every x-amz-* header, so an added one breaks the signature."""
    url = presigned_put(server, bucket, "landing2.txt", signature_version="s3")
    status, body = send(url, "PUT", headers={"x-amz-copy-source": f"{private_object}/secret.txt"})
    assert status == 403, body
    with pytest.raises(Exception) as e:
        s3.head_object(Bucket=bucket, Key="landing2.txt")
    assert h.err_status(e.value) == 404
    # the same URL as signed still works
    status, body = send(url, "PUT", b"plain")
    assert status == 200, body


# Issue 6, finding 7: a SigV2 presigned URL lives at most seven days, like V4.
@pytest.mark.parametrize("expires_in,ok", [(3600, True), (7 * 86400, True),
                                           (10 * 365 * 86400, False), (8 * 86400, False)])
def test_v2_presigned_lifetime_is_capped_at_seven_days(server, private_object, expires_in, ok):
    url = h.client(server, signature_version="s3").generate_presigned_url(
        "get_object", Params={"Bucket": private_object, "Key": "secret.txt"},
        ExpiresIn=expires_in)
    status, body = send(url, "GET")
    if ok:
        assert (status, body) == (200, b"private bytes")
    else:
        err = h.assert_s3_error(status, body, 403, "AccessDenied")
        assert "seven days" in err.get("Message", ""), err
