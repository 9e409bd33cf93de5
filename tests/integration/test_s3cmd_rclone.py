"""Debian's s3cmd (2.3, SigV4 and SigV2) and rclone (1.60): put/get/ls/del/sync,
with content compared byte for byte."""
import os
import re

import pytest

from helpers import clients
from helpers import s3 as h
from helpers.server import ROOT_AK, ROOT_SK, clean_env


def make_tree(root):
    files = {"a.txt": b"alpha\n", "dir/b.bin": os.urandom(150_000), "dir/sub/c.txt": b"c" * 5000,
             "with space.txt": b"space in name", "empty": b""}
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return files


def tree_of(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# --- s3cmd --------------------------------------------------------------------------
@pytest.fixture(params=["sigv4", "sigv2"])
def s3cmd(request, server, tmp_path):
    exe = clients.need("s3cmd")
    env = clean_env({"HOME": str(tmp_path)})
    out = clients.run([exe, "--version"], env=env).stdout.strip()
    clients.require_version("s3cmd", out.split()[-1], "2.3")
    cfg = tmp_path / "s3cfg"
    cfg.write_text(
        "[default]\n"
        f"access_key = {ROOT_AK}\nsecret_key = {ROOT_SK}\n"
        f"host_base = {server.s3_hostport}\nhost_bucket = {server.s3_hostport}\n"
        "use_https = False\nbucket_location = us-east-1\n"
        f"signature_v2 = {'True' if request.param == 'sigv2' else 'False'}\n"
        "check_ssl_certificate = False\nguess_mime_type = False\nprogress_meter = False\n")

    def run(*args, check=True):
        return clients.run([exe, "-c", str(cfg), *map(str, args)], env=env, check=check, timeout=300)
    return run


def test_s3cmd_put_get_ls_del_sync(s3cmd, s3, tmp_path):
    b = h.new_bucket_name("s3cmd")
    s3cmd("mb", f"s3://{b}")
    src = tmp_path / "f.bin"
    data = os.urandom(300_000)
    src.write_bytes(data)
    s3cmd("put", src, f"s3://{b}/put/f.bin")
    got = tmp_path / "got.bin"
    s3cmd("get", f"s3://{b}/put/f.bin", got)
    assert got.read_bytes() == data
    assert s3.get_object(Bucket=b, Key="put/f.bin")["Body"].read() == data
    ls = s3cmd("ls", f"s3://{b}/").stdout
    assert re.search(rf"DIR\s+s3://{b}/put/", ls), ls
    ls = s3cmd("ls", "-r", f"s3://{b}").stdout
    assert re.search(rf"\s{len(data)}\s+s3://{b}/put/f\.bin", ls), ls
    # sync up, then down into another directory
    up, down = tmp_path / "up", tmp_path / "down"
    files = make_tree(up)
    s3cmd("sync", f"{up}/", f"s3://{b}/tree/")
    listed = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=b, Prefix="tree/")["Contents"])
    assert listed == sorted(f"tree/{k}" for k in files)
    down.mkdir()
    s3cmd("sync", f"s3://{b}/tree/", f"{down}/")
    assert tree_of(down) == files
    s3cmd("del", f"s3://{b}/put/f.bin")
    assert "Contents" not in s3.list_objects_v2(Bucket=b, Prefix="put/")
    s3cmd("del", "--recursive", "--force", f"s3://{b}/tree/")
    assert "Contents" not in s3.list_objects_v2(Bucket=b)
    s3cmd("rb", f"s3://{b}")


def test_s3cmd_multipart_put(s3cmd, s3, tmp_path):
    b = h.new_bucket_name("s3cmdmp")
    s3cmd("mb", f"s3://{b}")
    data = os.urandom(11 * 1024 * 1024)
    src = tmp_path / "mp.bin"
    src.write_bytes(data)
    s3cmd("put", "--multipart-chunk-size-mb=5", src, f"s3://{b}/mp.bin")
    parts = [data[:5 << 20], data[5 << 20:10 << 20], data[10 << 20:]]
    assert s3.head_object(Bucket=b, Key="mp.bin")["ETag"] == h.multipart_etag(parts)
    got = tmp_path / "mp-got.bin"
    s3cmd("get", f"s3://{b}/mp.bin", got)
    assert got.read_bytes() == data


# --- rclone ----------------------------------------------------------------------------
@pytest.fixture
def rclone(server, tmp_path):
    exe = clients.need("rclone")
    env = clean_env({"HOME": str(tmp_path), "RCLONE_CONFIG": str(tmp_path / "rclone.conf")})
    out = clients.run([exe, "version"], env=env).stdout
    clients.require_version("rclone", out.split()[1].lstrip("v"), "1.60")
    (tmp_path / "rclone.conf").write_text(
        "[lh]\ntype = s3\nprovider = Other\nenv_auth = false\n"
        f"access_key_id = {ROOT_AK}\nsecret_access_key = {ROOT_SK}\n"
        f"endpoint = {server.s3_url}\nregion = us-east-1\nforce_path_style = true\n")

    def run(*args, check=True):
        return clients.run([exe, "--config", str(tmp_path / "rclone.conf"), "--low-level-retries", "1",
                            "--retries", "1", *map(str, args)], env=env, check=check, timeout=300)
    return run


def test_rclone_copy_ls_lsf_delete_sync(rclone, s3, tmp_path):
    b = h.new_bucket_name("rclone")
    rclone("mkdir", f"lh:{b}")
    s3.head_bucket(Bucket=b)
    up = tmp_path / "up"
    files = make_tree(up)
    rclone("copy", up, f"lh:{b}/tree")
    ls = rclone("ls", f"lh:{b}").stdout
    got = {ln.split(None, 1)[1]: int(ln.split(None, 1)[0]) for ln in ls.splitlines() if ln.strip()}
    assert got == {f"tree/{k}": len(v) for k, v in files.items()}, ls
    lsf = rclone("lsf", f"lh:{b}/tree").stdout.splitlines()
    assert sorted(lsf) == ["a.txt", "dir/", "empty", "with space.txt"], lsf
    lsf = rclone("lsf", "-R", f"lh:{b}/tree/dir").stdout.splitlines()
    assert sorted(lsf) == ["b.bin", "sub/", "sub/c.txt"], lsf
    for k, v in files.items():
        assert s3.get_object(Bucket=b, Key=f"tree/{k}")["Body"].read() == v, k
    down = tmp_path / "down"
    rclone("copy", f"lh:{b}/tree", down)
    assert tree_of(down) == files
    assert rclone("cat", f"lh:{b}/tree/a.txt").stdout == "alpha\n"
    # checks compare sizes and MD5s (ETag) between both sides
    rclone("check", up, f"lh:{b}/tree")
    # sync makes the remote match a changed source: one changed, one removed, one added
    (up / "a.txt").write_bytes(b"alpha changed\n")
    (up / "dir/b.bin").unlink()
    (up / "new.txt").write_bytes(b"new file")
    rclone("sync", up, f"lh:{b}/tree")
    remote = {o["Key"][len("tree/"):]: s3.get_object(Bucket=b, Key=o["Key"])["Body"].read()
              for o in s3.list_objects_v2(Bucket=b, Prefix="tree/")["Contents"]}
    assert remote == tree_of(up)
    rclone("delete", f"lh:{b}/tree/dir")
    assert not any(o["Key"].startswith("tree/dir/") for o in s3.list_objects_v2(Bucket=b)["Contents"])
    rclone("purge", f"lh:{b}")
    assert b not in [x["Name"] for x in s3.list_buckets()["Buckets"]]
