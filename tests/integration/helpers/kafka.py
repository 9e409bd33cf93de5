"""Raw Kafka wire helpers for the stream tests: requests the real clients
cannot be made to send (garbage, wrong CRCs, a retried idempotent batch with
the same sequence, unsupported versions). Encodings follow the protocol
guide: big-endian integers, INT16-length strings, INT32-length bytes,
RecordBatch v2 with a CRC-32C over attributes..end."""
import socket
import struct
import subprocess

from helpers.pq_fixture import zigzag  # the same varint: LEB128 of the zig-zag

_CRC32C = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _CRC32C.append(_c)


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _CRC32C[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF




def record(offset_delta, ts_delta, key, value):
    body = b"\x00" + zigzag(ts_delta) + zigzag(offset_delta)
    body += zigzag(-1) if key is None else zigzag(len(key)) + key
    body += zigzag(len(value)) + value + zigzag(0)
    return zigzag(len(body)) + body


def batch(values, *, ts=1_700_000_000_000, producer_id=-1, epoch=-1, seq=-1, bad_crc=False):
    """A RecordBatch v2 (uncompressed, CreateTime) holding values."""
    recs = b"".join(record(i, 0, None, v) for i, v in enumerate(values))
    after_crc = struct.pack(">hiqqqhii", 0, len(values) - 1, ts, ts, producer_id, epoch, seq,
                            len(values)) + recs
    crc = crc32c(after_crc) ^ (1 if bad_crc else 0)
    body = struct.pack(">ibI", 0, 2, crc) + after_crc  # leader epoch, magic, crc
    return struct.pack(">qi", 0, len(body)) + body


def string(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def produce_request(topic, partition, records, *, acks=-1, version=7):
    body = struct.pack(">h", -1) + struct.pack(">hi", acks, 30000)  # null txn id
    body += struct.pack(">i", 1) + string(topic) + struct.pack(">i", 1)
    body += struct.pack(">ii", partition, len(records)) + records
    return header(0, version, 7) + body


def header(key, version, corr, client="itest"):
    return struct.pack(">hhi", key, version, corr) + string(client)


class Conn:
    """One connection; send() frames a request, recv() returns the body of
    one response after its correlation id (None when the broker closed)."""

    def __init__(self, addr, timeout=10):
        host, port = addr.rsplit(":", 1)
        self.s = socket.create_connection((host, int(port)), timeout=timeout)

    def send_raw(self, data):
        self.s.sendall(data)

    def send(self, req):
        self.s.sendall(struct.pack(">i", len(req)) + req)

    def _read(self, n):
        out = b""
        while len(out) < n:
            chunk = self.s.recv(n - len(out))
            if not chunk:
                return None
            out += chunk
        return out

    def recv(self):
        try:
            size = self._read(4)
        except (ConnectionResetError, socket.timeout):
            return None
        if size is None:
            return None
        data = self._read(struct.unpack(">i", size)[0])
        return None if data is None else data

    def close(self):
        self.s.close()


def parse_produce_response(body):
    """-> (correlation id, [(topic, partition, error, base_offset)])."""
    corr, nt = struct.unpack_from(">ii", body, 0)
    at, out = 8, []
    for _ in range(nt):
        (ln,) = struct.unpack_from(">h", body, at)
        name = body[at + 2:at + 2 + ln].decode()
        at += 2 + ln
        (np_,) = struct.unpack_from(">i", body, at)
        at += 4
        for _ in range(np_):
            p, err, base, _lat, _start = struct.unpack_from(">ihqqq", body, at)
            at += 4 + 2 + 8 + 8 + 8
            out.append((name, p, err, base))
    return corr, out


def drain(consumer, want, timeout, row):
    """Polls a confluent-kafka consumer until it has want records (each
    turned into row(message)) or timeout seconds passed; an error fails."""
    import time
    got, deadline = [], time.time() + timeout
    while len(got) < want and time.time() < deadline:
        m = consumer.poll(0.5)
        if m is None:
            continue
        assert m.error() is None, m.error()
        got.append(row(m))
    return got


def kcat(*args, input=None, timeout=60, check=True):
    r = subprocess.run(["kcat", *map(str, args)], input=input, capture_output=True,
                       timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"kcat {' '.join(map(str, args))} failed ({r.returncode}):\n"
                             f"{r.stderr.decode(errors='replace')}")
    return r
