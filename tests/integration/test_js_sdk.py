"""npm @aws-sdk/client-s3 (v3, 2025+ integrity defaults) with Readable stream
bodies over plain HTTP: STREAMING-UNSIGNED-PAYLOAD-TRAILER with each checksum
algorithm (CRC32, CRC32C, SHA1, SHA256, CRC64NVME), read back with
ChecksumMode ENABLED. The client is tests/js/put_stream.mjs."""
import json
from pathlib import Path

import pytest

from helpers import clients
from helpers import s3 as h
from helpers.server import ROOT_AK, ROOT_SK, clean_env

JS = Path(__file__).resolve().parents[1] / "js"


@pytest.mark.timeout(180)
def test_js_sdk_stream_bodies_with_each_checksum(server, s3):
    node = clients.need("node")
    r = clients.run([node, "--version"])
    clients.require_version("node", r.stdout.strip().lstrip("v"), "18")
    pkg = JS / "node_modules" / "@aws-sdk" / "client-s3" / "package.json"
    if not pkg.exists():
        pytest.skip("tests/js/node_modules missing: run `npm ci` in tests/js (scripts/install-deps.sh does)")
    locked = json.loads((JS / "package.json").read_text())["dependencies"]["@aws-sdk/client-s3"]
    have = json.loads(pkg.read_text())["version"]
    assert have == locked, f"installed @aws-sdk/client-s3 {have} != pinned {locked}: run npm ci in tests/js"
    clients.require_version("@aws-sdk/client-s3", have, "3.729")  # first release with default CRC32
    bucket = h.new_bucket_name("js")
    s3.create_bucket(Bucket=bucket)
    env = clean_env({"LH_ENDPOINT": server.s3_url, "LH_AK": ROOT_AK, "LH_SK": ROOT_SK,
                     "LH_BUCKET": bucket, "NODE_NO_WARNINGS": "1"})
    r = clients.run([node, str(JS / "put_stream.mjs")], env=env, cwd=str(JS), check=False, timeout=170)
    print(r.stdout)
    assert r.returncode == 0, f"put_stream.mjs failed:\n{r.stdout}\n{r.stderr}"
    for alg in ("CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME"):
        assert f"ok {alg}" in r.stdout
    # the objects are there for the Python side too, byte counts as written
    keys = {o["Key"]: o["Size"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="js/")["Contents"]}
    assert keys == {f"js/stream-{a}.bin": 256 * 1024 + 333
                    for a in ("CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME")}
