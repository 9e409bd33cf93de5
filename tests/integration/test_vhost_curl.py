"""Virtual-host style addressing (Host: <bucket>.localhost, store.domain's
default) through curl, which resolves *.localhost to the loopback itself."""
import subprocess
import xml.etree.ElementTree as ET

import boto3
import pytest
from botocore.config import Config

from helpers import clients
from helpers import s3 as h
from helpers.server import ROOT_AK, ROOT_SK

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def curl(url, *extra):
    exe = clients.need("curl")
    r = subprocess.run([exe, "-sS", "-w", "\n%{http_code}", *extra, url], capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    body, _, code = r.stdout.rpartition(b"\n")
    return int(code), body


@pytest.fixture(scope="module")
def curl_version():
    out = clients.run([clients.need("curl"), "--version"]).stdout.split()[1]
    clients.require_version("curl", out, "7.78")  # resolves *.localhost to loopback
    return out


def vhost(server, bucket, path=""):
    return f"http://{bucket}.localhost:{server.s3_port}/{path}"


def test_vhost_get_and_list_public_read_bucket(server, s3, curl_version):
    b = h.new_bucket_name("vh")
    s3.create_bucket(Bucket=b, ACL="public-read")
    objs = {"hello.txt": b"hello from a virtual host\n", "dir/a b.txt": b"spaced", "dir/z": b"z"}
    for k, v in objs.items():
        s3.put_object(Bucket=b, Key=k, Body=v)
    code, body = curl(vhost(server, b, "hello.txt"))
    assert code == 200 and body == objs["hello.txt"], (code, body[:300])
    code, body = curl(vhost(server, b, "dir/a%20b.txt"))
    assert code == 200 and body == b"spaced"
    code, body = curl(vhost(server, b, "?list-type=2"))
    assert code == 200, body[:300]
    root = ET.fromstring(body)
    assert root.tag == NS + "ListBucketResult"
    assert root.find(NS + "Name").text == b
    assert [c.find(NS + "Key").text for c in root.findall(NS + "Contents")] == sorted(objs)
    code, body = curl(vhost(server, b, "?list-type=2&delimiter=/"))
    root = ET.fromstring(body)
    assert [p.find(NS + "Prefix").text for p in root.findall(NS + "CommonPrefixes")] == ["dir/"]
    assert [c.find(NS + "Key").text for c in root.findall(NS + "Contents")] == ["hello.txt"]
    # the same object by path style and by virtual host
    code, body = curl(f"http://127.0.0.1:{server.s3_port}/{b}/hello.txt")
    assert code == 200 and body == objs["hello.txt"]
    # a missing key through the virtual host
    code, body = curl(vhost(server, b, "nope"))
    assert code == 404 and h.xml_error(body)["Code"] == "NoSuchKey"


def test_vhost_private_bucket_with_presigned_v4(server, s3, curl_version):
    b = h.new_bucket_name("vhp")
    s3.create_bucket(Bucket=b)
    s3.put_object(Bucket=b, Key="secret/obj.bin", Body=b"\x00private bytes\xff")
    code, body = curl(vhost(server, b, "secret/obj.bin"))
    assert code == 403 and h.xml_error(body)["Code"] == "AccessDenied"
    vs3 = boto3.session.Session().client(
        "s3", endpoint_url=f"http://localhost:{server.s3_port}", aws_access_key_id=ROOT_AK,
        aws_secret_access_key=ROOT_SK, region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "virtual"}))
    url = vs3.generate_presigned_url("get_object", Params={"Bucket": b, "Key": "secret/obj.bin"}, ExpiresIn=300)
    assert url.startswith(f"http://{b}.localhost:{server.s3_port}/secret/obj.bin?"), url
    code, body = curl(url)
    assert code == 200 and body == b"\x00private bytes\xff", (code, body[:300])
    url = vs3.generate_presigned_url("list_objects_v2", Params={"Bucket": b}, ExpiresIn=300)
    code, body = curl(url)
    assert code == 200, body[:300]
    assert b"<Key>secret/obj.bin</Key>" in body
    # a presigned PUT through the virtual host
    url = vs3.generate_presigned_url("put_object", Params={"Bucket": b, "Key": "put-vh"}, ExpiresIn=300)
    code, body = curl(url, "-X", "PUT", "--data-binary", "via vhost", "-H", "Content-Type:")
    assert code == 200, body[:300]
    assert s3.get_object(Bucket=b, Key="put-vh")["Body"].read() == b"via vhost"


def test_vhost_sigv4_header_auth_with_boto3(server, tmp_path):
    """boto3 itself in virtual-host mode, resolving <bucket>.localhost through
    a pinned address (Python's resolver may not know *.localhost)."""
    b = h.new_bucket_name("vhb")
    h.client(server).create_bucket(Bucket=b)
    import socket
    real = socket.getaddrinfo

    def resolve(host, *a, **kw):
        if isinstance(host, str) and host.endswith(".localhost"):
            host = "127.0.0.1"
        return real(host, *a, **kw)
    socket.getaddrinfo = resolve
    try:
        vs3 = boto3.session.Session().client(
            "s3", endpoint_url=f"http://localhost:{server.s3_port}", aws_access_key_id=ROOT_AK,
            aws_secret_access_key=ROOT_SK, region_name="us-east-1",
            config=Config(signature_version="s3v4", s3={"addressing_style": "virtual"},
                          retries={"max_attempts": 1}))
        seen = []
        vs3.meta.events.register("before-send.s3.*", lambda request, **_: seen.append(request.url))
        vs3.put_object(Bucket=b, Key="k/v.txt", Body=b"vhost body")
        assert vs3.get_object(Bucket=b, Key="k/v.txt")["Body"].read() == b"vhost body"
        assert [o["Key"] for o in vs3.list_objects_v2(Bucket=b)["Contents"]] == ["k/v.txt"]
        assert all(u.startswith(f"http://{b}.localhost:{server.s3_port}/") for u in seen), seen
    finally:
        socket.getaddrinfo = real
