#!/usr/bin/env python3
"""Writes the seed corpus of fuzz/stream_request_fuzz.c: one file per
request kind (every API and version the broker advertises, valid and a few
broken), some as sequences on one connection. Usage:
python3 fuzz/stream_request_seeds.py fuzz/corpus/stream_request"""
import struct
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "integration"))
from helpers import kafka as kh  # noqa: E402


def frame(req):
    return struct.pack(">i", len(req)) + req


def s(x):
    return kh.string(x)


def arr(items):
    return struct.pack(">i", len(items)) + b"".join(items)


def i32(v):
    return struct.pack(">i", v)


def i64(v):
    return struct.pack(">q", v)


def i16(v):
    return struct.pack(">h", v)


def req(key, ver, body, corr=1):
    return frame(kh.header(key, ver, corr) + body)


def seeds():
    out = {}
    for v in range(3):
        out[f"api_versions_v{v}"] = req(18, v, b"")
    out["api_versions_v3"] = frame(kh.header(18, 3, 1) + b"\x00\x06itest\x041.0\x00")
    out["api_versions_v9"] = req(18, 9, b"")
    for v in (0, 1, 4, 6):
        body = arr([s("seed-t")]) + (b"\x01" if v >= 4 else b"")
        out[f"metadata_v{v}"] = req(3, v, body)
    out["metadata_all_v1"] = req(3, 1, i32(-1))
    batch = kh.batch([b"a", b"bb", b"ccc"])
    for v in (3, 7):
        for acks in (0, 1, -1):
            out[f"produce_v{v}_acks{acks}"] = frame(kh.produce_request("seed-t", 0, batch,
                                                                       acks=acks, version=v))
    out["produce_bad_crc"] = frame(kh.produce_request("seed-t", 1, kh.batch([b"x"], bad_crc=True)))
    out["produce_idem"] = frame(kh.produce_request(
        "seed-t", 0, kh.batch([b"i"], producer_id=1000, epoch=0, seq=0)))
    for v in (4, 7, 11):
        part = i32(0) + (i32(-1) if v >= 9 else b"") + i64(0) + (i64(0) if v >= 5 else b"") + \
            i32(1 << 20)
        body = i32(-1) + i32(0 if v == 4 else 100) + i32(1) + i32(1 << 20) + b"\x00"
        if v >= 7:
            body += i32(0) + i32(-1)
        body += arr([s("seed-t") + arr([part])])
        if v >= 7:
            body += arr([])
        if v >= 11:
            body += s("")
        out[f"fetch_v{v}"] = req(1, v, body)
    for v in (1, 2, 3):
        parts = arr([i32(0) + i64(-1), i32(1) + i64(-2), i32(0) + i64(1_700_000_000_000)])
        body = i32(-1) + (b"\x00" if v >= 2 else b"") + arr([s("seed-t") + parts])
        out[f"list_offsets_v{v}"] = req(2, v, body)
    out["init_producer_id_v1"] = req(22, 1, i16(-1) + i32(60000))
    cfg = arr([s("retention.ms") + s("1000")])
    for v in (0, 4):
        body = arr([s("seed-new") + i32(3) + i16(1) + arr([]) + cfg]) + i32(1000) + \
            (b"\x00" if v >= 1 else b"")
        out[f"create_topics_v{v}"] = req(19, v, body)
    out["delete_topics_v3"] = req(20, 3, arr([s("seed-new")]) + i32(1000))
    out["describe_configs_v2"] = req(32, 2, arr([b"\x02" + s("seed-t") + i32(-1),
                                                 b"\x04" + s("0") + arr([s("broker.id")])]) +
                                     b"\x00")
    out["create_partitions_v1"] = req(37, 1, arr([s("seed-t") + i32(4) + i32(-1)]) + i32(1000) +
                                      b"\x00")
    out["sasl_handshake_v1"] = req(17, 1, s("PLAIN"))
    out["sasl_authenticate_v1"] = req(36, 1, i32(13) + b"\x00user\x00password")
    out["sequence"] = out["api_versions_v2"] + out["metadata_v6"] + out["produce_v7_acks-1"] + \
        out["fetch_v11"] + out["list_offsets_v3"]
    out["truncated"] = out["metadata_v1"][:-3]
    out["unknown_key"] = req(999, 0, b"")
    return out


if __name__ == "__main__":
    d = Path(sys.argv[1])
    d.mkdir(parents=True, exist_ok=True)
    for name, data in seeds().items():
        (d / f"{name}.bin").write_bytes(data)
