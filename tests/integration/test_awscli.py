"""Both aws CLIs against the store: pyenv aws-cli 1.45 (botocore 1.43: CRC32
headers, signed payload hash, Expect: 100-continue, V2 presigned URLs) and
Debian aws-cli 2.9 (Content-MD5, V4 presigned URLs); over HTTP and over HTTPS
with a self-signed certificate (where botocore 1.43 sends aws-chunked bodies
with checksum trailers)."""
import filecmp
import hashlib
import json
import os
import re
import subprocess
import time

import pytest

from helpers import clients
from helpers import s3 as h
from helpers.server import ROOT_AK, ROOT_SK, clean_env

MiB = 1024 * 1024
BIG = 200 * MiB
CHUNK = 8 * MiB  # both CLIs' default multipart_chunksize (and threshold)

CLIS = {
    "pyenv-aws-1.45": dict(find=clients.pyenv_aws, minimum="1.45", presign="v2", if_none_match=True),
    "debian-aws-2.9": dict(find=clients.debian_aws, minimum="2.9", presign="v4", if_none_match=False),
}


class AwsCli:
    def __init__(self, name, exe, tmp, endpoint, ca_bundle=None):
        self.name, self.exe, self.endpoint = name, exe, endpoint
        tmp.mkdir(parents=True, exist_ok=True)
        cfg, creds = tmp / "aws-config", tmp / "aws-credentials"
        cfg.write_text("[default]\nregion = us-east-1\ns3 =\n    addressing_style = path\n")
        creds.write_text(f"[default]\naws_access_key_id = {ROOT_AK}\naws_secret_access_key = {ROOT_SK}\n")
        self.env = clean_env({
            "AWS_ACCESS_KEY_ID": ROOT_AK, "AWS_SECRET_ACCESS_KEY": ROOT_SK,
            "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": str(cfg),
            "AWS_SHARED_CREDENTIALS_FILE": str(creds), "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_PAGER": "", "AWS_CLI_AUTO_PROMPT": "off",
        })
        self.ca = str(ca_bundle) if ca_bundle else None

    def version(self):
        r = clients.run([self.exe, "--version"], env=self.env)
        out = (r.stdout + r.stderr).strip()
        m = re.search(r"aws-cli/(\S+)", out)
        assert m, f"cannot read the aws CLI version from {out!r}"
        return m.group(1), out

    def __call__(self, *args, check=True, timeout=600):
        cmd = [self.exe, "--endpoint-url", self.endpoint]
        if self.ca:
            cmd += ["--ca-bundle", self.ca]
        args = [str(a) for a in args]
        if args[:1] == ["s3"] and args[1:2] and args[1] in ("cp", "sync", "mv"):
            args.append("--no-progress")  # progress lines would flood the captured output
        return clients.run(cmd + args, env=self.env, check=check, timeout=timeout)

    def json(self, *args):
        return json.loads(self(*args, "--output", "json").stdout)


_checked = {}


def make_cli(name, server, tmp_path, ca=None):
    spec = CLIS[name]
    exe = spec["find"]()
    cli = AwsCli(name, exe, tmp_path / "aws", server.s3_url, ca)
    if name not in _checked:
        _checked[name] = cli.version()
    v, full = _checked[name]
    print(f"{name}: {full}")
    clients.require_version(name, v, spec["minimum"])
    return cli


@pytest.fixture(params=list(CLIS))
def aws(request, server, tmp_path):
    return make_cli(request.param, server, tmp_path)


@pytest.fixture(params=list(CLIS))
def aws_tls(request, tls_server, tls_cert, tmp_path):
    return make_cli(request.param, tls_server, tmp_path, ca=tls_cert[0])


_buckets = {}


def mb(aws, fresh=False):
    """A bucket made with `aws s3 mb`: one per CLI and endpoint, shared by the
    tests (each uses its own prefix) unless fresh."""
    key = (aws.name, aws.endpoint)
    if fresh or key not in _buckets:
        name = h.new_bucket_name("cli")
        aws("s3", "mb", f"s3://{name}")
        if fresh:
            return name
        _buckets[key] = name
    return _buckets[key]


def sha256_file(p):
    d = hashlib.sha256()
    with open(p, "rb") as f:
        for blk in iter(lambda: f.read(MiB), b""):
            d.update(blk)
    return d.hexdigest()


def curl(url, out, *extra):
    r = subprocess.run(["curl", "-sS", "-o", str(out), "-w", "%{http_code}", *extra, url],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return int(r.stdout)


@pytest.fixture(scope="session")
def big_file(tmp_path_factory):
    """200 MiB of random bytes, its sha256, and the ETag of an 8 MiB-part upload."""
    p = tmp_path_factory.mktemp("big") / "big.bin"
    whole, part_md5s = hashlib.sha256(), []
    with open(p, "wb") as f:
        for _ in range(BIG // CHUNK):
            blk = os.urandom(CHUNK)
            f.write(blk)
            whole.update(blk)
            part_md5s.append(hashlib.md5(blk).digest())
    etag = f'"{hashlib.md5(b"".join(part_md5s)).hexdigest()}-{len(part_md5s)}"'
    yield p, whole.hexdigest(), etag
    p.unlink()


# --- plain HTTP --------------------------------------------------------------------
def test_mb_cp_1mib_roundtrip_and_head_object(aws, tmp_path):
    b = mb(aws)
    src = tmp_path / "one.bin"
    data = os.urandom(MiB)
    src.write_bytes(data)
    aws("s3", "cp", src, f"s3://{b}/dir/one.bin")
    dst = tmp_path / "back.bin"
    aws("s3", "cp", f"s3://{b}/dir/one.bin", dst)
    assert dst.read_bytes() == data
    head = aws.json("s3api", "head-object", "--bucket", b, "--key", "dir/one.bin")
    assert head["ContentLength"] == MiB
    assert head["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    # stdin/stdout streaming
    r = subprocess.run([aws.exe, "--endpoint-url", aws.endpoint, "s3", "cp", "-", f"s3://{b}/stdin.txt"],
                       input=b"from stdin\n", env=aws.env, capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([aws.exe, "--endpoint-url", aws.endpoint, "s3", "cp", f"s3://{b}/stdin.txt", "-"],
                       env=aws.env, capture_output=True, timeout=120)
    assert r.returncode == 0 and r.stdout == b"from stdin\n", r.stderr


@pytest.mark.timeout(420)
def test_cp_200mib_multipart_roundtrip(aws, tmp_path, big_file):
    src, sha, etag = big_file
    b = mb(aws)
    aws("s3", "cp", src, f"s3://{b}/big.bin", timeout=400)
    head = aws.json("s3api", "head-object", "--bucket", b, "--key", "big.bin")
    assert head["ContentLength"] == BIG
    assert head["ETag"] == etag, f"multipart ETag {head['ETag']} != md5-of-part-md5s {etag}"
    dst = tmp_path / "big-back.bin"
    aws("s3", "cp", f"s3://{b}/big.bin", dst, timeout=400)
    try:
        assert dst.stat().st_size == BIG
        assert sha256_file(dst) == sha
    finally:
        dst.unlink()
    aws("s3", "rm", f"s3://{b}/big.bin")


def test_ls_with_prefixes(aws, tmp_path):
    b = mb(aws, fresh=True)
    src = tmp_path / "ls"
    for key, body in (("a/1.txt", b"one"), ("a/b/2.txt", b"two!"), ("c.txt", b"three")):
        (src / key).parent.mkdir(parents=True, exist_ok=True)
        (src / key).write_bytes(body)
    aws("s3", "sync", src, f"s3://{b}/")
    top = aws("s3", "ls", f"s3://{b}/").stdout
    assert re.search(r"^\s*PRE a/$", top, re.M), top
    assert re.search(r"\s5 c\.txt$", top, re.M), top
    assert "1.txt" not in top
    sub = aws("s3", "ls", f"s3://{b}/a/").stdout
    assert re.search(r"^\s*PRE b/$", sub, re.M) and re.search(r"\s3 1\.txt$", sub, re.M), sub
    assert "c.txt" not in sub
    rec = aws("s3", "ls", "--recursive", f"s3://{b}/").stdout
    keys = [ln.split()[-1] for ln in rec.splitlines() if ln.strip()]
    assert keys == ["a/1.txt", "a/b/2.txt", "c.txt"], rec
    buckets = aws("s3", "ls").stdout
    assert re.search(rf"\s{b}$", buckets, re.M) and re.search(r"\slakehouse$", buckets, re.M), buckets


def make_tree(root):
    files = {
        "top.txt": b"top level\n",
        "empty.bin": b"",
        "sub/one.bin": os.urandom(70_000),
        "sub/deeper/two.txt": b"two\n" * 1000,
        "sub/deeper/with space.txt": b"spaces",
        "other/ünï.txt": "unicode name".encode(),
    }
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return files


def tree_of(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_sync_up_and_down(aws, tmp_path):
    b = mb(aws)
    up, down = tmp_path / "up", tmp_path / "down"
    files = make_tree(up)
    aws("s3", "sync", up, f"s3://{b}/tree")
    rec = aws("s3", "ls", "--recursive", f"s3://{b}/tree/").stdout
    assert sorted(ln.split(None, 3)[-1] for ln in rec.splitlines() if ln.strip()) == \
        sorted(f"tree/{k}" for k in files)
    aws("s3", "sync", f"s3://{b}/tree", down)
    assert tree_of(down) == files
    # change one file and delete another; sync --delete carries both
    (up / "top.txt").write_bytes(b"changed, and longer than before\n")
    (up / "sub/one.bin").unlink()
    out = aws("s3", "sync", "--delete", up, f"s3://{b}/tree").stdout
    assert "top.txt" in out and "one.bin" in out, out
    aws("s3", "sync", "--delete", f"s3://{b}/tree", down)
    assert tree_of(down) == tree_of(up)
    # nothing left to do
    assert aws("s3", "sync", up, f"s3://{b}/tree").stdout.strip() == ""
    assert filecmp.cmp(up / "top.txt", down / "top.txt", shallow=False)


def test_rm_recursive(aws, tmp_path):
    b = mb(aws, fresh=True)
    src = tmp_path / "rm"
    for k in ("pre/1", "pre/2", "pre/sub/3", "prefix-not-dir", "keep/4"):
        (src / k).parent.mkdir(parents=True, exist_ok=True)
        (src / k).write_bytes(k.encode())
    aws("s3", "sync", src, f"s3://{b}/")
    aws("s3", "rm", "--recursive", f"s3://{b}/pre/")
    rec = aws("s3", "ls", "--recursive", f"s3://{b}/").stdout
    assert sorted(ln.split()[-1] for ln in rec.splitlines() if ln.strip()) == ["keep/4", "prefix-not-dir"]
    aws("s3", "rm", "--recursive", f"s3://{b}")
    assert aws("s3", "ls", "--recursive", f"s3://{b}/", check=False).stdout.strip() == ""
    aws("s3", "rb", f"s3://{b}")
    assert aws("s3api", "head-bucket", "--bucket", b, check=False).returncode != 0


def check_presign_form(aws, url):
    form = CLIS[aws.name]["presign"]
    if form == "v2":
        assert "AWSAccessKeyId=" in url and "Signature=" in url and "Expires=" in url, url
    else:
        assert "X-Amz-Signature=" in url and "X-Amz-Credential=" in url, url


def test_presign_get_with_curl_and_expiry(aws, tmp_path):
    b = mb(aws)
    data = os.urandom(50_000)
    src = tmp_path / "p.bin"
    src.write_bytes(data)
    key = "pre signed/ob+ject~1.bin"
    aws("s3", "cp", src, f"s3://{b}/{key}")
    url = aws("s3", "presign", f"s3://{b}/{key}", "--expires-in", "300").stdout.strip()
    check_presign_form(aws, url)
    out = tmp_path / "got"
    assert curl(url, out) == 200, out.read_bytes()[:500]
    assert out.read_bytes() == data
    # a tampered signature is refused
    bad = re.sub(r"(Signature=)([^&]{4})", lambda m: m.group(1) + ("0000" if m.group(2) != "0000" else "1111"), url)
    assert curl(bad, out) == 403
    assert h.xml_error(out.read_bytes())["Code"] == "SignatureDoesNotMatch"
    # an expired one too
    url = aws("s3", "presign", f"s3://{b}/{key}", "--expires-in", "1").stdout.strip()
    time.sleep(2.5)
    assert curl(url, out) == 403, out.read_bytes()[:500]
    assert h.xml_error(out.read_bytes())["Code"] == "AccessDenied"


def test_s3api_copy_object_with_metadata(aws, tmp_path):
    b = mb(aws)
    src = tmp_path / "s"
    src.write_bytes(b"copy source body")
    aws("s3api", "put-object", "--bucket", b, "--key", "src", "--body", src,
        "--metadata", "origin=cli,n=1", "--content-type", "text/plain")
    h1 = aws.json("s3api", "head-object", "--bucket", b, "--key", "src")
    assert h1["Metadata"] == {"origin": "cli", "n": "1"} and h1["ContentType"] == "text/plain"
    aws("s3api", "copy-object", "--bucket", b, "--key", "kept", "--copy-source", f"{b}/src")
    assert aws.json("s3api", "head-object", "--bucket", b, "--key", "kept")["Metadata"] == h1["Metadata"]
    aws("s3api", "copy-object", "--bucket", b, "--key", "dst", "--copy-source", f"{b}/src",
        "--metadata-directive", "REPLACE", "--metadata", "replaced=yes", "--content-type",
        "application/json")
    h2 = aws.json("s3api", "head-object", "--bucket", b, "--key", "dst")
    assert h2["Metadata"] == {"replaced": "yes"} and h2["ContentType"] == "application/json"
    assert h2["ETag"] == h1["ETag"] == f'"{hashlib.md5(b"copy source body").hexdigest()}"'
    out = tmp_path / "o"
    aws("s3api", "get-object", "--bucket", b, "--key", "dst", out)
    assert out.read_bytes() == b"copy source body"


def test_put_object_if_none_match(aws, tmp_path):
    b = mb(aws)
    f = tmp_path / "f"
    f.write_bytes(b"first")
    r = aws("s3api", "put-object", "--bucket", b, "--key", "k", "--body", f, "--if-none-match", "*",
            check=False)
    if "Unknown options" in r.stderr and "--if-none-match" in r.stderr:
        assert not CLIS[aws.name]["if_none_match"], r.stderr
        pytest.skip(f"{aws.name} has no --if-none-match on put-object (added to the S3 API in 2024)")
    assert r.returncode == 0, r.stderr
    f.write_bytes(b"second")
    r = aws("s3api", "put-object", "--bucket", b, "--key", "k", "--body", f, "--if-none-match", "*",
            check=False)
    assert r.returncode != 0 and "PreconditionFailed" in r.stderr, r.stderr
    out = tmp_path / "o"
    aws("s3api", "get-object", "--bucket", b, "--key", "k", out)
    assert out.read_bytes() == b"first"


# --- HTTPS with a self-signed certificate -----------------------------------------------
def test_https_cp_ls_presign(aws_tls, tmp_path, tls_cert):
    aws = aws_tls
    b = mb(aws)
    data = os.urandom(MiB + 12345)
    src = tmp_path / "tls.bin"
    src.write_bytes(data)
    aws("s3", "cp", src, f"s3://{b}/secure/tls.bin")
    dst = tmp_path / "tls-back.bin"
    aws("s3", "cp", f"s3://{b}/secure/tls.bin", dst)
    assert dst.read_bytes() == data
    head = aws.json("s3api", "head-object", "--bucket", b, "--key", "secure/tls.bin")
    assert head["ETag"] == f'"{hashlib.md5(data).hexdigest()}"' and head["ContentLength"] == len(data)
    ls = aws("s3", "ls", f"s3://{b}/secure/").stdout
    assert re.search(rf"\s{len(data)} tls\.bin$", ls, re.M), ls
    # a multipart upload (parts sent as aws-chunked with trailers by botocore 1.43)
    big = tmp_path / "tls-mp.bin"
    big_data = os.urandom(2 * CHUNK + 1000)
    big.write_bytes(big_data)
    aws("s3", "cp", big, f"s3://{b}/secure/mp.bin")
    aws("s3", "cp", f"s3://{b}/secure/mp.bin", dst)
    assert dst.read_bytes() == big_data
    head = aws.json("s3api", "head-object", "--bucket", b, "--key", "secure/mp.bin")
    assert head["ETag"] == h.multipart_etag([big_data[:CHUNK], big_data[CHUNK:2 * CHUNK], big_data[2 * CHUNK:]])
    url = aws("s3", "presign", f"s3://{b}/secure/tls.bin", "--expires-in", "300").stdout.strip()
    check_presign_form(aws, url)
    out = tmp_path / "got"
    assert curl(url, out, "--cacert", str(tls_cert[0])) == 200
    assert out.read_bytes() == data
