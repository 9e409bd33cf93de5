"""S3 checksums computed in the tests themselves: botocore can compute CRC32C
and CRC64NVME only with awscrt, which neither Python here has. No third-party
imports, so both pytest (Debian python3) and the boto3 1.43 scripts (pyenv
python3) use it."""
import base64
import hashlib
import zlib


def _table(poly):
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        t.append(c)
    return t


_CRC32C_T = _table(0x82F63B78)
_CRC64NVME_T = _table(0x9A6C9329AC4BC9B5)


def crc32c(data, crc=0):
    c = crc ^ 0xFFFFFFFF
    t = _CRC32C_T
    for b in data:
        c = t[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def crc64nvme(data, crc=0):
    m = 0xFFFFFFFFFFFFFFFF
    c = crc ^ m
    t = _CRC64NVME_T
    for b in data:
        c = t[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ m


assert crc32c(b"123456789") == 0xE3069283
assert crc64nvme(b"123456789") == 0xAE8B14860A799888


def crc32_raw(data):
    return (zlib.crc32(data) & 0xFFFFFFFF).to_bytes(4, "big")


def b64(raw):
    return base64.b64encode(raw).decode()


def checksum_b64(alg, data):
    """The base64 value S3 uses for x-amz-checksum-<alg> of data."""
    alg = alg.upper()
    if alg == "CRC32":
        return b64(crc32_raw(data))
    if alg == "CRC32C":
        return b64(crc32c(data).to_bytes(4, "big"))
    if alg == "CRC64NVME":
        return b64(crc64nvme(data).to_bytes(8, "big"))
    if alg == "SHA1":
        return b64(hashlib.sha1(data).digest())
    if alg == "SHA256":
        return b64(hashlib.sha256(data).digest())
    raise ValueError(alg)
