"""Durability: acknowledged PUTs survive kill -9; cut-off and concurrent PUTs
never leave a partial object; each crash point of the test build leaves the
object complete or absent."""
import hashlib
import os
import random
import re
import socket
import subprocess
import threading
import time

import pytest
from botocore.exceptions import BotoCoreError, ClientError

from helpers import s3 as h

MiB = 1024 * 1024


def body_for(key):
    """Object bodies are a function of their key (size and seed are in the
    name), so any object found after a crash can be checked for completeness."""
    m = re.search(r"-(\d+)-(\d+)$", key)
    size, seed = int(m.group(1)), int(m.group(2))
    return random.Random(seed).randbytes(size)


def mp_parts_for(key):
    data = body_for(key)
    return [data[:5 * MiB], data[5 * MiB:]]


def check_object(s3, bucket, key):
    want = body_for(key)
    got = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    assert len(got) == len(want), f"{key}: {len(got)} bytes stored, {len(want)} written"
    assert hashlib.sha256(got).digest() == hashlib.sha256(want).digest(), f"{key}: content differs"


@pytest.mark.timeout(300)
def test_kill_9_during_put_storm_keeps_every_acknowledged_object(server_factory):
    srv = server_factory("storm")
    admin = h.client(srv)
    bucket = "storm"
    admin.create_bucket(Bucket=bucket)
    acked, lock, stop = {}, threading.Lock(), threading.Event()
    errors = []

    def worker(tid):
        s3 = h.client(srv, connect_timeout=5, read_timeout=60)
        rnd = random.Random(tid)
        n = 0
        while not stop.is_set():
            n += 1
            seed = rnd.randrange(1 << 30)
            try:
                if n % 15 == 0:  # a few multipart uploads
                    size = 5 * MiB + rnd.randrange(1, 300_000)
                    key = f"mp/t{tid}/{n}-{size}-{seed}"
                    parts = mp_parts_for(key)
                    up = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
                    done = []
                    for i, p in enumerate(parts, 1):
                        done.append({"PartNumber": i, "ETag": s3.upload_part(
                            Bucket=bucket, Key=key, UploadId=up, PartNumber=i, Body=p)["ETag"]})
                    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up,
                                                 MultipartUpload={"Parts": done})
                else:
                    size = rnd.choice([1024, 4096, 65536, 300_000, MiB, 2 * MiB - 7]) + rnd.randrange(0, 1000)
                    key = f"sp/t{tid}/{n}-{size}-{seed}"
                    s3.put_object(Bucket=bucket, Key=key, Body=body_for(key))
            except (BotoCoreError, ClientError, OSError) as e:
                if not stop.is_set():
                    errors.append(f"{key}: {e!r}")
                return
            with lock:
                acked[key] = True

    threads = [threading.Thread(target=worker, args=(t,), daemon=True) for t in range(8)]
    for t in threads:
        t.start()
    time.sleep(5)
    stop.set()
    srv.kill()  # SIGKILL while PUTs are in flight
    for t in threads:
        t.join(60)
    assert not errors, f"PUTs failed before the kill: {errors[:5]}"
    assert len(acked) >= 8, f"only {len(acked)} PUTs acknowledged in 5 s"
    print(f"{len(acked)} acknowledged objects before kill -9")

    srv.start()
    s3 = h.client(srv)
    listed = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        listed += [o["Key"] for o in page.get("Contents", [])]
    missing = sorted(set(acked) - set(listed))
    assert not missing, f"{len(missing)} acknowledged objects lost: {missing[:10]}"
    # every visible object (acknowledged or not) is complete: no partial object
    for key in listed:
        check_object(s3, bucket, key)
    extra = set(listed) - set(acked)
    print(f"{len(listed)} objects after restart ({len(extra)} completed but not acknowledged)")


def _signed_head(server, path, headers):
    hdrs = h.sign("PUT", server.s3_url + path, headers, payload_hash="UNSIGNED-PAYLOAD")
    head = f"PUT {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items())
    if "host" not in {k.lower() for k in hdrs}:
        head += f"Host: {server.s3_hostport}\r\n"
    return head.encode() + b"\r\n"


def test_put_cut_off_half_way_leaves_nothing(server, s3, bucket):
    path = f"/{bucket}/half"
    size = 4 * MiB
    host, port = server.s3_hostport.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=10)
    s.sendall(_signed_head(server, path, {"Content-Length": str(size)}) + os.urandom(size // 2))
    s.close()
    # and an overwrite cut off half-way leaves the old version in place
    s3.put_object(Bucket=bucket, Key="kept", Body=b"old version")
    s = socket.create_connection((host, int(port)), timeout=10)
    s.sendall(_signed_head(server, f"/{bucket}/kept", {"Content-Length": str(size)}) + os.urandom(size // 2))
    s.close()
    for _ in range(3):
        with pytest.raises(ClientError) as ei:
            s3.head_object(Bucket=bucket, Key="half")
        assert h.err_status(ei.value) == 404
        assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["kept"]
        assert s3.get_object(Bucket=bucket, Key="kept")["Body"].read() == b"old version"
        time.sleep(0.3)


def test_cut_off_multipart_part_leaves_the_upload_usable(server, s3, bucket):
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp-cut")["UploadId"]
    host, port = server.s3_hostport.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=10)
    path = f"/{bucket}/mp-cut?partNumber=1&uploadId={up}"
    s.sendall(_signed_head(server, path, {"Content-Length": str(MiB)}) + b"x" * 1000)
    s.close()
    time.sleep(0.3)
    assert not s3.list_parts(Bucket=bucket, Key="mp-cut", UploadId=up).get("Parts")
    e = s3.upload_part(Bucket=bucket, Key="mp-cut", UploadId=up, PartNumber=1, Body=b"whole part")["ETag"]
    s3.complete_multipart_upload(Bucket=bucket, Key="mp-cut", UploadId=up,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e}]})
    assert s3.get_object(Bucket=bucket, Key="mp-cut")["Body"].read() == b"whole part"


def test_concurrent_puts_to_one_key_leave_one_complete_version(server, bucket):
    bodies = [bytes([i]) * MiB + os.urandom(1000) for i in range(8)]
    digests = {hashlib.sha256(b).hexdigest(): b for b in bodies}
    errors = []

    def put(b):
        try:
            h.client(server).put_object(Bucket=bucket, Key="contended", Body=b)
        except Exception as e:  # reported below
            errors.append(e)
    for _ in range(2):
        ts = [threading.Thread(target=put, args=(b,)) for b in bodies]
        for t in ts:
            t.start()
        for t in ts:
            t.join(120)
        assert not errors, errors
        s3 = h.client(server)
        g = s3.get_object(Bucket=bucket, Key="contended")
        got = g["Body"].read()
        d = hashlib.sha256(got).hexdigest()
        assert d in digests, f"the stored object ({len(got)} bytes) is none of the versions written"
        assert g["ETag"] == f'"{hashlib.md5(got).hexdigest()}"'
        assert g["ContentLength"] == len(got)
        assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["contended"]


# --- crash points (test builds only) ------------------------------------------------------
POINTS = ["after_write", "after_fsync", "after_rename", "after_dirsync", "after_index"]


@pytest.mark.timeout(180)
@pytest.mark.parametrize("point", POINTS)
def test_crash_point_leaves_object_complete_or_absent(server_factory, test_hooks, point):
    srv = server_factory(f"crash-{point}")
    s3 = h.client(srv)
    s3.create_bucket(Bucket="crash")
    s3.put_object(Bucket="crash", Key="before", Body=b"written before the crash")
    srv.check_clean_stop()

    srv.start(env={"LAKEHOUSE_CRASH_AT": point})
    s3 = h.client(srv, read_timeout=60)
    key = f"victim-{300_000}-{42}"
    with pytest.raises((BotoCoreError, ClientError)):
        s3.put_object(Bucket="crash", Key=key, Body=body_for(key))
    try:
        rc = srv.wait_exit(60)
    except subprocess.TimeoutExpired:
        srv.kill()
        pytest.fail(f"the server answered but did not abort at LAKEHOUSE_CRASH_AT={point}")
    assert rc != 0, f"the server did not die at {point} (exit {rc})"

    srv.start()
    s3 = h.client(srv)
    assert s3.get_object(Bucket="crash", Key="before")["Body"].read() == b"written before the crash"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="crash").get("Contents", [])]
    if point == "after_index":
        assert key in keys, f"the index was committed at {point} but the object is gone"
    if key in keys:
        check_object(s3, "crash", key)
    else:
        with pytest.raises(ClientError):
            s3.head_object(Bucket="crash", Key=key)
    tmp = srv.data_dir / "store" / "tmp"
    if tmp.is_dir():
        assert not list(tmp.iterdir()), f"crash leftovers not cleaned at open: {list(tmp.iterdir())}"
    # the store still takes writes to the same key
    s3.put_object(Bucket="crash", Key=key, Body=body_for(key))
    check_object(s3, "crash", key)


# --- versions: crash points and kill -9 ----------------------------------------------------
INLINE_MAX = 64 * 1024  # store.inline_max: larger bodies get a file under data/


def versions_of(s3, bucket):
    """[(key, version id, etag or "M" for a delete marker, is latest, size)] in listing order
    (delete markers first within a key's page entries is fine: compared as sets below)."""
    out = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        out += [(v["Key"], v["VersionId"], v["ETag"].strip('"'), v["IsLatest"], v["Size"])
                for v in page.get("Versions", [])]
        out += [(m["Key"], m["VersionId"], "M", m["IsLatest"], 0)
                for m in page.get("DeleteMarkers", [])]
    return out


def body_files(srv):
    data = srv.data_dir / "store" / "data"
    return sum(1 for d in data.iterdir() if d.is_dir() for _ in d.iterdir())


def check_versions(s3, bucket, srv, bodies):
    """Every version holds the body its ETag names; one body file per file-backed version."""
    vs = versions_of(s3, bucket)
    for key, vid, etag, _, size in vs:
        if etag == "M":
            continue
        got = s3.get_object(Bucket=bucket, Key=key, VersionId=vid)["Body"].read()
        assert bodies.get(etag) == got, f"{key}@{vid}: stored body differs from what was written"
    files = sum(1 for v in vs if v[2] != "M" and v[4] > INLINE_MAX)
    assert body_files(srv) == files, f"{body_files(srv)} body files for {files} file-backed versions"
    return vs


VERSIONED_OPS = [(p, "put") for p in POINTS] + [
    (p, op) for p in ("before_delete_index", "after_delete_index")
    for op in ("marker", "drop_old", "drop_current")]


@pytest.mark.timeout(180)
@pytest.mark.parametrize("point,op", VERSIONED_OPS, ids=[f"{p}-{o}" for p, o in VERSIONED_OPS])
def test_crash_point_keeps_every_version(server_factory, test_hooks, point, op):
    """A crash at each point of a versioned PUT, a delete marker, removing an old
    version and removing the current one leaves the versions as before or as
    after, never in between, with no orphan or missing body."""
    srv = server_factory(f"vcrash-{point}-{op}")
    s3 = h.client(srv)
    s3.create_bucket(Bucket="vcrash")
    s3.put_bucket_versioning(Bucket="vcrash", VersioningConfiguration={"Status": "Enabled"})
    bodies = {}
    ids = []
    for size, seed in ((300_000, 1), (1000, 2)):  # a file-backed version, then an inline one
        b = body_for(f"x-{size}-{seed}")
        bodies[hashlib.md5(b).hexdigest()] = b
        ids.append(s3.put_object(Bucket="vcrash", Key="k", Body=b)["VersionId"])
    before = sorted(versions_of(s3, "vcrash"))
    srv.check_clean_stop()

    srv.start(env={"LAKEHOUSE_CRASH_AT": point})
    s3 = h.client(srv, read_timeout=60)
    new = body_for(f"x-{200_000}-3")
    bodies[hashlib.md5(new).hexdigest()] = new
    with pytest.raises((BotoCoreError, ClientError)):
        if op == "put":
            s3.put_object(Bucket="vcrash", Key="k", Body=new)
        elif op == "marker":
            s3.delete_object(Bucket="vcrash", Key="k")
        else:
            s3.delete_object(Bucket="vcrash", Key="k", VersionId=ids[op == "drop_current"])
    try:
        assert srv.wait_exit(60) != 0, f"the server did not die at {point}"
    except subprocess.TimeoutExpired:
        srv.kill()
        pytest.fail(f"the server answered but did not abort at {point}")

    srv.start()
    s3 = h.client(srv)
    after = sorted(check_versions(s3, "vcrash", srv, bodies))
    committed = point in ("after_index", "after_delete_index")
    if not committed:
        assert after == before, f"{op} crashed at {point} yet changed the versions"
        return
    old_ids = {v[1] for v in after} - {"M"}
    if op == "put":
        assert set(ids) <= old_ids and len(after) == 3
        assert [v for v in after if v[3]][0][2] == hashlib.md5(new).hexdigest()
    elif op == "marker":
        assert len(after) == 3 and [v for v in after if v[3]][0][2] == "M"
    else:
        gone = ids[op == "drop_current"]
        assert gone not in old_ids and len(after) == 1 and after[0][3]
    # the store takes writes to the key afterwards
    s3.put_object(Bucket="vcrash", Key="k", Body=b"after the crash")
    assert s3.get_object(Bucket="vcrash", Key="k")["Body"].read() == b"after the crash"


@pytest.mark.timeout(300)
def test_kill_9_during_versioned_writes_keeps_every_acknowledged_version(server_factory):
    srv = server_factory("vstorm")
    admin = h.client(srv)
    bucket = "vstorm"
    admin.create_bucket(Bucket=bucket)
    admin.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    acked, bodies, lock, stop, errors = [], {}, threading.Lock(), threading.Event(), []

    def worker(tid):
        s3 = h.client(srv, connect_timeout=5, read_timeout=60)
        rnd = random.Random(tid)
        n = 0
        while not stop.is_set():
            n += 1
            key = f"k{rnd.randrange(6)}"  # few keys: many versions each
            try:
                if n % 7 == 0:
                    r = s3.delete_object(Bucket=bucket, Key=key)
                    rec = (key, r["VersionId"], "M")
                else:
                    size = rnd.choice([100, 5000, 70_000, 300_000])
                    b = random.Random(tid * 100_000 + n).randbytes(size)
                    etag = hashlib.md5(b).hexdigest()
                    with lock:
                        bodies[etag] = b
                    r = s3.put_object(Bucket=bucket, Key=key, Body=b)
                    rec = (key, r["VersionId"], etag)
            except (BotoCoreError, ClientError, OSError) as e:
                if not stop.is_set():
                    errors.append(repr(e))
                return
            with lock:
                acked.append(rec)

    threads = [threading.Thread(target=worker, args=(t,), daemon=True) for t in range(6)]
    for t in threads:
        t.start()
    time.sleep(4)
    stop.set()
    srv.kill()
    for t in threads:
        t.join(60)
    assert not errors, errors[:5]
    assert len(acked) >= 6, f"only {len(acked)} writes acknowledged"
    srv.start()
    s3 = h.client(srv)
    vs = check_versions(s3, bucket, srv, bodies)
    have = {(k, vid): etag for k, vid, etag, _, _ in vs}
    lost = [a for a in acked if have.get((a[0], a[1])) != a[2]]
    assert not lost, f"{len(lost)} acknowledged versions lost or changed: {lost[:5]}"
    latest = [v for v in vs if v[3]]
    assert len(latest) == len({v[0] for v in vs}), "each key has exactly one latest version"
    print(f"{len(acked)} acknowledged versions and markers, {len(vs)} after restart")


@pytest.mark.timeout(240)
@pytest.mark.parametrize("versioned", [False, True], ids=["plain", "versioned"])
@pytest.mark.parametrize("point", ["before_delete_index", "after_delete_index"])
def test_crash_during_lifecycle_expiry(server_factory, test_hooks, point, versioned):
    """The lifecycle sweep dies at a delete's crash point: after restart the
    object it was expiring is expired or not (a delete marker added, or not,
    in a versioned bucket), never half, with no orphan or missing body; the
    next sweeps finish the job."""
    srv = server_factory(f"lccrash-{point}-{versioned}")
    s3 = h.client(srv)
    s3.create_bucket(Bucket="lccrash")
    if versioned:
        s3.put_bucket_versioning(Bucket="lccrash", VersioningConfiguration={"Status": "Enabled"})
    bodies = {}
    for i in range(3):
        b = body_for(f"o{i}-{200_000 + i}-{i}")
        bodies[hashlib.md5(b).hexdigest()] = b
        s3.put_object(Bucket="lccrash", Key=f"bronze/o{i}", Body=b)
    s3.put_bucket_lifecycle_configuration(Bucket="lccrash", LifecycleConfiguration={"Rules": [
        {"ID": "b", "Filter": {"Prefix": "bronze/"}, "Status": "Enabled",
         "Expiration": {"Days": 30}}]})
    before = sorted(versions_of(s3, "lccrash"))
    srv.check_clean_stop()

    later = {"LAKEHOUSE_STORE_CLOCK_OFFSET": "40d", "LAKEHOUSE_STORE_LIFECYCLE_INTERVAL": "2s"}
    srv.start(env={"LAKEHOUSE_CRASH_AT": point, **later})
    try:
        assert srv.wait_exit(60) != 0, f"the server did not die at {point}"
    except subprocess.TimeoutExpired:
        srv.kill()
        pytest.fail(f"the sweep did not reach {point}")

    srv.start()  # the real clock: nothing is due
    s3 = h.client(srv)
    after = sorted(check_versions(s3, "lccrash", srv, bodies))
    if point == "before_delete_index":
        assert after == before
    else:
        markers = [v for v in after if v[2] == "M"]
        kept = [v for v in after if v[2] != "M"]
        assert (len(markers), len(kept)) == ((1, 3) if versioned else (0, 2)), after
        if versioned:
            assert markers[0][3] and not [k for k in kept if k[0] == markers[0][0]][0][3]
    srv.check_clean_stop()
    srv.start(env=later)
    s3 = h.client(srv)
    want = 3 if versioned else 0
    deadline = time.monotonic() + 60
    while len([v for v in versions_of(s3, "lccrash") if v[2] == "M"]) != want or \
            (not versioned and s3.list_objects_v2(Bucket="lccrash").get("Contents")):
        assert time.monotonic() < deadline, "the sweep did not finish after the restart"
        time.sleep(0.2)
    assert not s3.list_objects_v2(Bucket="lccrash").get("Contents")
    check_versions(s3, "lccrash", srv, bodies)
