"""aws-chunked bodies built by our own helper (helpers/awschunked.py): first
checked against AWS's worked examples ("Transferring Payload in Multiple
Chunks" and "Including Trailing Headers"), then sent to the server over a
plain socket: a correct body is stored byte-exact; a tampered chunk or
trailer is refused with 403 SignatureDoesNotMatch and stores nothing; bad
framing is a 400."""
import datetime as dt
import hashlib
import http.client
import os

import pytest
from botocore.exceptions import ClientError

from helpers import awschunked as ac
from helpers import s3 as h
from helpers.server import ROOT_AK, ROOT_SK

# --- AWS's example (sigv4-streaming.html / sigv4-streaming-trailers.html) ---------
EX_AK, EX_SK = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
EX_DATE = "20130524T000000Z"
EX_DATA = b"a" * 66560  # 65 KiB of 'a', sent as a 64 KiB and a 1 KiB chunk


def ex_headers(mode):
    hs = {"Host": "s3.amazonaws.com", "x-amz-date": EX_DATE, "x-amz-storage-class": "REDUCED_REDUNDANCY",
          "x-amz-content-sha256": mode, "Content-Encoding": "aws-chunked",
          "x-amz-decoded-content-length": "66560"}
    if mode == ac.SIGNED:
        hs["Content-Length"] = "66824"
    else:
        hs["x-amz-trailer"] = "x-amz-checksum-crc32c"
    return hs


def test_helper_matches_aws_chunked_example():
    s = ac.Signer(EX_AK, EX_SK, EX_DATE)
    seed, auth = s.seed("PUT", "/examplebucket/chunkObject.txt", ex_headers(ac.SIGNED), ac.SIGNED)
    assert seed == "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
    assert auth == ("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                    "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
                    "x-amz-decoded-content-length;x-amz-storage-class,"
                    "Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")
    body, sigs = ac.signed_body(s, seed, ac.split(EX_DATA, 65536))
    assert sigs == ["ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
                    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
                    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"]
    assert len(body) == 66824  # the Content-Length of the example
    assert body.startswith(b"10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n")
    assert body.endswith(b"\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n")


def test_helper_matches_aws_trailer_example():
    s = ac.Signer(EX_AK, EX_SK, EX_DATE)
    seed, _ = s.seed("PUT", "/examplebucket/chunkObject.txt", ex_headers(ac.SIGNED_TRAILER), ac.SIGNED_TRAILER)
    assert seed == "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"
    crc = h.checksum_b64("CRC32C", EX_DATA)
    assert crc == "sOO8/Q=="
    body, sigs = ac.signed_body(s, seed, ac.split(EX_DATA, 65536), [("x-amz-checksum-crc32c", crc)])
    assert sigs == ["b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
                    "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
                    "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992",
                    "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435"]
    assert body.endswith(b"0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\r\n"
                         b"x-amz-checksum-crc32c:sOO8/Q==\r\n"
                         b"x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n\r\n")


# --- against the server ------------------------------------------------------------------
def now_amz():
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def send(server, bucket, key, mode, data, *, chunk=65536, trailers=None, tamper=None,
         http_chunked=False, decoded_len=None):
    """PUTs data as an aws-chunked body (Content-Length is not signed, so the
    framing can be broken after signing without breaking the seed signature).
    tamper(body) alters the encoded body after signing. Returns (status, body)
    or (None, reason) when the server closed the connection."""
    path = f"/{bucket}/{key}"
    amz = now_amz()
    s = ac.Signer(ROOT_AK, ROOT_SK, amz)
    chunks = ac.split(data, chunk)
    hs = {"Host": server.s3_hostport, "x-amz-date": amz, "x-amz-content-sha256": mode,
          "Content-Encoding": "aws-chunked",
          "x-amz-decoded-content-length": str(len(data) if decoded_len is None else decoded_len)}
    if trailers:
        hs["x-amz-trailer"] = ",".join(k for k, _ in trailers)
    seed, auth = s.seed("PUT", path, hs, mode)
    hs["Authorization"] = auth
    if mode == ac.UNSIGNED_TRAILER:
        body = ac.unsigned_trailer_body(chunks, trailers or [])
    else:
        body, _ = ac.signed_body(s, seed, chunks, trailers)
    if tamper:
        body = tamper(body)
    if http_chunked:
        hs["Transfer-Encoding"] = "chunked"
        wire = ac.http_chunked(body)
    else:
        hs["Content-Length"] = str(len(body))
        wire = body
    host, port = server.s3_hostport.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        conn.putrequest("PUT", path, skip_host=True, skip_accept_encoding=True)
        for k, v in hs.items():
            conn.putheader(k, v)
        conn.endheaders()
        try:
            conn.send(wire)
        except (BrokenPipeError, ConnectionResetError):
            pass
        r = conn.getresponse()
        return r.status, r.read()
    except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected) as e:
        return None, repr(e).encode()
    finally:
        conn.close()


def assert_absent(s3, bucket, key):
    with pytest.raises(ClientError) as ei:
        s3.head_object(Bucket=bucket, Key=key)
    assert h.err_status(ei.value) == 404


@pytest.mark.parametrize("framing", ["content-length", "http-chunked"])
def test_signed_chunks_stored_byte_exact(server, s3, bucket, framing):
    data = os.urandom(200_000)  # 3 full 64 KiB chunks and a short one
    status, resp = send(server, bucket, "signed.bin", ac.SIGNED, data, http_chunked=framing == "http-chunked")
    assert status == 200, resp
    g = s3.get_object(Bucket=bucket, Key="signed.bin")
    assert g["Body"].read() == data
    assert g["ETag"] == f'"{hashlib.md5(data).hexdigest()}"' and g["ContentLength"] == len(data)


def test_signed_chunks_small_chunks_and_empty_body(server, s3, bucket):
    data = os.urandom(30_000)
    status, resp = send(server, bucket, "small-chunks", ac.SIGNED, data, chunk=8192)
    assert status == 200, resp
    assert s3.get_object(Bucket=bucket, Key="small-chunks")["Body"].read() == data
    status, resp = send(server, bucket, "empty", ac.SIGNED, b"")
    assert status == 200, resp
    assert s3.get_object(Bucket=bucket, Key="empty")["Body"].read() == b""


@pytest.mark.parametrize("alg", ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"])
def test_signed_trailer_with_checksum(server, s3, bucket, alg):
    data = os.urandom(100_000)
    name = f"x-amz-checksum-{alg.lower()}"
    status, resp = send(server, bucket, f"trailer-{alg}", ac.SIGNED_TRAILER, data,
                        trailers=[(name, h.checksum_b64(alg, data))])
    assert status == 200, resp
    hd = s3.head_object(Bucket=bucket, Key=f"trailer-{alg}", ChecksumMode="ENABLED")
    # boto3 1.26 does not model CRC64NVME: read the raw response header
    got = hd["ResponseMetadata"]["HTTPHeaders"].get(name)
    assert got == h.checksum_b64(alg, data), hd
    assert s3.get_object(Bucket=bucket, Key=f"trailer-{alg}")["Body"].read() == data


@pytest.mark.parametrize("framing", ["content-length", "http-chunked"])
def test_unsigned_trailer_stored(server, s3, bucket, framing):
    data = os.urandom(150_000)
    status, resp = send(server, bucket, "unsigned-trailer", ac.UNSIGNED_TRAILER, data,
                        trailers=[("x-amz-checksum-crc32", h.checksum_b64("CRC32", data))],
                        http_chunked=framing == "http-chunked")
    assert status == 200, resp
    assert s3.get_object(Bucket=bucket, Key="unsigned-trailer")["Body"].read() == data
    hd = s3.head_object(Bucket=bucket, Key="unsigned-trailer", ChecksumMode="ENABLED")
    assert hd.get("ChecksumCRC32") == h.checksum_b64("CRC32", data)


def flip_in_second_chunk(body):
    # walk the framing by the declared sizes (the data is random and may hold CRLFs)
    first_line_end = body.index(b"\r\n")
    size = int(body[:first_line_end].split(b";")[0], 16)
    i = first_line_end + 2 + size + 2  # start of the 2nd chunk header
    j = body.index(b"\r\n", i) + 2 + 10  # 10 bytes into its data
    return body[:j] + bytes([body[j] ^ 0x01]) + body[j + 1:]


def test_tampered_chunk_is_refused_and_nothing_stored(server, s3, bucket):
    data = os.urandom(200_000)
    status, resp = send(server, bucket, "tampered", ac.SIGNED, data, tamper=flip_in_second_chunk)
    assert status == 403, (status, resp[:300])
    assert h.xml_error(resp)["Code"] == "SignatureDoesNotMatch"
    assert_absent(s3, bucket, "tampered")


def test_wrong_chunk_signature_is_refused(server, s3, bucket):
    def swap_sig(body):
        i = body.index(b"chunk-signature=") + len(b"chunk-signature=")
        return body[:i] + b"0" * 64 + body[i + 64:]
    status, resp = send(server, bucket, "badsig", ac.SIGNED, os.urandom(70_000), tamper=swap_sig)
    assert status == 403, (status, resp[:300])
    assert h.xml_error(resp)["Code"] == "SignatureDoesNotMatch"
    assert_absent(s3, bucket, "badsig")


def test_tampered_trailer_is_refused(server, s3, bucket):
    data = os.urandom(70_000)
    good = h.checksum_b64("CRC32", data)
    # the trailer value changed after signing: the trailer signature no longer matches
    status, resp = send(server, bucket, "badtrailer", ac.SIGNED_TRAILER, data,
                        trailers=[("x-amz-checksum-crc32", good)],
                        tamper=lambda b: b.replace(good.encode(), h.checksum_b64("CRC32", b"x").encode()))
    assert status == 403, (status, resp[:300])
    assert h.xml_error(resp)["Code"] == "SignatureDoesNotMatch"
    assert_absent(s3, bucket, "badtrailer")
    # a correctly signed trailer carrying the wrong checksum: BadDigest
    status, resp = send(server, bucket, "badtrailer", ac.SIGNED_TRAILER, data,
                        trailers=[("x-amz-checksum-crc32", h.checksum_b64("CRC32", b"x"))])
    assert status == 400, (status, resp[:300])
    assert h.xml_error(resp)["Code"] == "BadDigest"
    assert_absent(s3, bucket, "badtrailer")


def expect_400_or_closed(status, resp):
    """Bad framing: a 400 with an S3 error body, or the connection closed. When
    the damage shifts chunk data, the chunk signature check may fire first:
    403 SignatureDoesNotMatch is as clear an answer."""
    if status is None:
        return
    if status == 403:
        assert h.xml_error(resp).get("Code") == "SignatureDoesNotMatch", resp
        return
    assert status == 400, (status, resp[:300])
    assert h.xml_error(resp).get("Code"), resp


@pytest.mark.parametrize("breakage", ["bad-size", "missing-crlf", "short-data", "no-final-chunk",
                                      "decoded-length-mismatch", "size-overflow"])
def test_bad_framing_is_400(server, s3, bucket, breakage):
    data = os.urandom(70_000)
    key = f"framing-{breakage}"
    kw = {}
    if breakage == "bad-size":
        kw["tamper"] = lambda b: b"zz" + b[b.index(b";"):]
    elif breakage == "missing-crlf":
        kw["tamper"] = lambda b: b.replace(b"\r\n", b"\n", 2)
    elif breakage == "short-data":
        kw["tamper"] = lambda b: b[:100] + b[200:]
    elif breakage == "no-final-chunk":
        kw["tamper"] = lambda b: b[:b.rindex(b"0;chunk-signature=")]
    elif breakage == "decoded-length-mismatch":
        kw["decoded_len"] = len(data) + 5
    elif breakage == "size-overflow":
        kw["tamper"] = lambda b: b"ffffffffffffffffffff" + b[b.index(b";"):]
    status, resp = send(server, bucket, key, ac.SIGNED, data, **kw)
    expect_400_or_closed(status, resp)
    assert_absent(s3, bucket, key)
    s3.head_bucket(Bucket=bucket)  # still serving


def test_wrong_seed_signature_is_refused(server, s3, bucket):
    data = os.urandom(1000)
    amz = now_amz()
    path = f"/{bucket}/wrong-seed"
    hs = {"Host": server.s3_hostport, "x-amz-date": amz, "x-amz-content-sha256": ac.SIGNED,
          "Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(data))}
    s = ac.Signer(ROOT_AK, "not-the-right-secret", amz)
    probe, _ = ac.signed_body(s, "0" * 64, [data])
    hs["Content-Length"] = str(len(probe))
    seed, auth = s.seed("PUT", path, hs, ac.SIGNED)
    body, _ = ac.signed_body(s, seed, [data])
    hs["Authorization"] = auth
    host, port = server.s3_hostport.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    conn.putrequest("PUT", path, skip_host=True, skip_accept_encoding=True)
    for k, v in hs.items():
        conn.putheader(k, v)
    conn.endheaders()
    conn.send(body)
    r = conn.getresponse()
    resp = r.read()
    conn.close()
    assert r.status == 403 and h.xml_error(resp)["Code"] == "SignatureDoesNotMatch", resp
    assert_absent(s3, bucket, "wrong-seed")
