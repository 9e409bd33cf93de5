"""Tiny Parquet files built byte by byte from the specification
(apache/parquet-format parquet.thrift, Encodings.md; Thrift compact protocol)
for what DuckDB does not write: an INT96 timestamp column and BYTE_ARRAY
values in DELTA_BYTE_ARRAY. One row group, one data page (v1) per column,
uncompressed, no statistics. Cross-checked with hyparquet by the test.

    write_int96_delta(path) -> the rows it wrote: [(ts_text, str), ...]
"""
import struct


def uleb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def zigzag(n):
    return uleb((n << 1) ^ (n >> 63))


class Struct:
    """Thrift compact struct writer: fields in increasing id order."""

    def __init__(self):
        self.out = bytearray()
        self.last = 0

    def field(self, fid, ctype):
        delta = fid - self.last
        if 0 < delta <= 15:
            self.out.append((delta << 4) | ctype)
        else:
            self.out.append(ctype)
            self.out += zigzag(fid)
        self.last = fid

    def i32(self, fid, v):
        self.field(fid, 5)
        self.out += zigzag(v)
        return self

    def i64(self, fid, v):
        self.field(fid, 6)
        self.out += zigzag(v)
        return self

    def binary(self, fid, b):
        if isinstance(b, str):
            b = b.encode()
        self.field(fid, 8)
        self.out += uleb(len(b)) + b
        return self

    def struct(self, fid, s):
        self.field(fid, 12)
        self.out += s.end()
        return self

    def lst(self, fid, etype, items):
        self.field(fid, 9)
        n = len(items)
        self.out.append((n << 4) | etype if n < 15 else 0xF0 | etype)
        if n >= 15:
            self.out += uleb(n)
        for it in items:
            if etype == 5:
                self.out += zigzag(it)
            elif etype == 8:
                b = it.encode() if isinstance(it, str) else it
                self.out += uleb(len(b)) + b
            else:
                self.out += it.end()
        return self

    def end(self):
        return bytes(self.out) + b"\x00"


def delta_binary_packed(values):
    """One block of 128 values in 4 miniblocks of 32 (padded), as the format says."""
    out = uleb(128) + uleb(4) + uleb(len(values)) + zigzag(values[0] if values else 0)
    deltas = [b - a for a, b in zip(values, values[1:])]
    for start in range(0, len(deltas), 128):
        block = deltas[start:start + 128]
        mn = min(block)
        out += zigzag(mn)
        minis = [block[i:i + 32] for i in range(0, 128, 32)]
        widths = [max((d - mn for d in m), default=0).bit_length() for m in minis]
        out += bytes(widths)
        for m, w in zip(minis, widths):
            if not m:
                continue
            bits = 0
            for i, d in enumerate(m + [mn] * (32 - len(m))):
                bits |= (d - mn) << (i * w)
            out += bits.to_bytes(32 * w // 8, "little")
    return out


def delta_byte_array(strs):
    raw = [s.encode() for s in strs]
    prefixes, suffixes, prev = [], [], b""
    for b in raw:
        p = 0
        while p < min(len(b), len(prev)) and b[p] == prev[p]:
            p += 1
        prefixes.append(p)
        suffixes.append(b[p:])
        prev = b
    return (delta_binary_packed(prefixes) + delta_binary_packed([len(s) for s in suffixes])
            + b"".join(suffixes))


def int96(days_since_epoch, nanos_of_day):
    return struct.pack("<qi", nanos_of_day, days_since_epoch + 2440588)


def page(encoding, nvalues, body):
    dph = Struct().i32(1, nvalues).i32(2, encoding).i32(3, 3).i32(4, 3)
    hdr = Struct().i32(1, 0).i32(2, len(body)).i32(3, len(body)).struct(5, dph).end()
    return hdr + body


def write_int96_delta(path):
    rows = [
        (0, 0, "1970-01-01 00:00:00+00", "apple"),
        (19000, 3_600_000_001_000, "2022-01-08 01:00:00.000001+00", "applesauce"),
        (-1, 86_399_999_999_999, "1969-12-31 23:59:59.999999+00", "application form"),
        (20418, 36_000_000_000_000, "2025-11-26 10:00:00+00", "banana"),
        (1, 1_500, "1970-01-02 00:00:00.000001+00", "bandana with a long tail of text"),
    ]
    ts_body = b"".join(int96(d, n) for d, n, _, _ in rows)
    s_body = delta_byte_array([r[3] for r in rows])
    out = bytearray(b"PAR1")
    chunks = []
    for col, body, typ, enc, conv in (("ts", ts_body, 3, 0, None), ("s", s_body, 6, 7, 0)):
        off = len(out)
        pg = page(enc, len(rows), body)
        out += pg
        meta = (Struct().i32(1, typ).lst(2, 5, [enc]).lst(3, 8, [col]).i32(4, 0)
                .i64(5, len(rows)).i64(6, len(pg)).i64(7, len(pg)).i64(9, off))
        chunks.append(Struct().i64(2, off).struct(3, meta))
    schema = [Struct().binary(4, "schema").i32(5, 2),
              Struct().i32(1, 3).i32(3, 0).binary(4, "ts"),
              Struct().i32(1, 6).i32(3, 0).binary(4, "s").i32(6, 0)]
    rg = Struct().lst(1, 12, chunks).i64(2, len(out) - 4).i64(3, len(rows))
    fmd = (Struct().i32(1, 1).lst(2, 12, schema).i64(3, len(rows)).lst(4, 12, [rg])
           .binary(6, "lakehouse test fixture").end())
    out += fmd + struct.pack("<I", len(fmd)) + b"PAR1"
    with open(path, "wb") as f:
        f.write(out)
    return [(r[2], r[3]) for r in rows]
