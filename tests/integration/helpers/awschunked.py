"""A SigV4 signer and aws-chunked body builder written from AWS's
specification ("Transferring Payload in Multiple Chunks" and "Including
Trailing Headers"), independent of botocore, so that the server is checked
against the documented algorithm rather than against one SDK.

    seed   = SigV4 signature of the request, x-amz-content-sha256 =
             STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]
    chunk  = hex(size) ";chunk-signature=" sig CRLF data CRLF
             sig = HMAC(signing key, "AWS4-HMAC-SHA256-PAYLOAD\n" date "\n"
                   scope "\n" previous-sig "\n" sha256("") "\n" sha256(data))
    final  = the same with 0 bytes of data
    trailer (signed) = name:value CRLF ... "x-amz-trailer-signature:" sig CRLF CRLF
             sig = HMAC(key, "AWS4-HMAC-SHA256-TRAILER\n" date "\n" scope "\n"
                   previous-sig "\n" sha256("name:value\n" ...))
    unsigned (STREAMING-UNSIGNED-PAYLOAD-TRAILER) = hex(size) CRLF data CRLF
             ... "0" CRLF name:value CRLF CRLF
"""
import hashlib
import hmac
from urllib.parse import quote

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"


def _hmac(key, msg):
    return hmac.new(key, msg.encode() if isinstance(msg, str) else msg, hashlib.sha256).digest()


class Signer:
    def __init__(self, ak, sk, amz_date, region="us-east-1", service="s3"):
        self.ak, self.amz_date = ak, amz_date
        self.date = amz_date[:8]
        self.scope = f"{self.date}/{region}/{service}/aws4_request"
        k = _hmac(("AWS4" + sk).encode(), self.date)
        k = _hmac(k, region)
        k = _hmac(k, service)
        self.key = _hmac(k, "aws4_request")

    def sign(self, string_to_sign):
        return hmac.new(self.key, string_to_sign.encode(), hashlib.sha256).hexdigest()

    def canonical_request(self, method, path, query, headers, payload_hash):
        """headers: dict name -> value (names lower-cased here, all signed).
        path: the URI path as sent (already percent-encoded)."""
        hs = {k.lower(): " ".join(str(v).strip().split()) for k, v in headers.items()}
        names = sorted(hs)
        q = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
                     for k, v in sorted(query.items()))
        canon = "\n".join([method, path, q, "".join(f"{n}:{hs[n]}\n" for n in names),
                           ";".join(names), payload_hash])
        return canon, ";".join(names)

    def seed(self, method, path, headers, payload_hash, query=None):
        """Returns (signature, authorization header value)."""
        canon, signed = self.canonical_request(method, path, query or {}, headers, payload_hash)
        sts = "\n".join(["AWS4-HMAC-SHA256", self.amz_date, self.scope,
                         hashlib.sha256(canon.encode()).hexdigest()])
        sig = self.sign(sts)
        auth = (f"AWS4-HMAC-SHA256 Credential={self.ak}/{self.scope},"
                f"SignedHeaders={signed},Signature={sig}")
        return sig, auth

    def chunk_signature(self, prev, data):
        sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", self.amz_date, self.scope, prev,
                         EMPTY_SHA256, hashlib.sha256(data).hexdigest()])
        return self.sign(sts)

    def trailer_signature(self, prev, trailer_lines):
        canon = "".join(f"{k}:{v}\n" for k, v in trailer_lines)
        sts = "\n".join(["AWS4-HMAC-SHA256-TRAILER", self.amz_date, self.scope, prev,
                         hashlib.sha256(canon.encode()).hexdigest()])
        return self.sign(sts)


def split(data, chunk_size):
    return [data[i:i + chunk_size] for i in range(0, len(data), chunk_size)] or []


def signed_body(signer, seed_sig, chunks, trailers=None):
    """Builds a STREAMING-AWS4-HMAC-SHA256-PAYLOAD body (or the -TRAILER form
    when trailers, a list of (name, value), is given). Returns (body, sigs)
    where sigs lists every chunk signature and, last, the trailer one."""
    out, sigs, prev = [], [], seed_sig
    for c in list(chunks) + [b""]:
        prev = signer.chunk_signature(prev, c)
        sigs.append(prev)
        out.append(f"{len(c):x};chunk-signature={prev}\r\n".encode() + c)
        if c or trailers is None:
            out.append(b"\r\n")
    if trailers is not None:
        for k, v in trailers:
            out.append(f"{k}:{v}\r\n".encode())
        tsig = signer.trailer_signature(prev, trailers)
        sigs.append(tsig)
        out.append(f"x-amz-trailer-signature:{tsig}\r\n\r\n".encode())
    return b"".join(out), sigs


def unsigned_trailer_body(chunks, trailers):
    out = []
    for c in chunks:
        out.append(f"{len(c):x}\r\n".encode() + c + b"\r\n")
    out.append(b"0\r\n")
    for k, v in trailers:
        out.append(f"{k}:{v}\r\n".encode())
    out.append(b"\r\n")
    return b"".join(out)


def http_chunked(body, piece=16384):
    """Wraps bytes in HTTP/1.1 Transfer-Encoding: chunked framing."""
    out = [f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in split(body, piece)]
    out.append(b"0\r\n\r\n")
    return b"".join(out)
