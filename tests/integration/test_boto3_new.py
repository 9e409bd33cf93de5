"""boto3 1.43 (pyenv python3): default CRC32 checksums, streamed bodies with
aws-chunked trailers (over HTTPS), CRC64NVME, multipart checksums in COMPOSITE
and FULL_OBJECT modes, V2 and V4 presigned URLs, IfNoneMatch/IfMatch puts.
The checks live in helpers/boto3_new_checks.py and run in a subprocess."""
from pathlib import Path

import pytest

from helpers import clients
from helpers import s3 as h

SCRIPT = Path(__file__).parent / "helpers" / "boto3_new_checks.py"

CASES = [
    ("default_checksums", "http"),
    ("default_checksums", "https"),
    ("upload_fileobj_trailer", "https"),
    ("upload_fileobj_trailer", "http"),
    ("crc64nvme", "http"),
    ("multipart_composite", "http"),
    ("multipart_composite", "https"),
    ("multipart_full_object", "http"),
    ("presigned_urls", "http"),
    ("conditional_put", "http"),
]


@pytest.mark.timeout(180)
@pytest.mark.parametrize("check,scheme", CASES, ids=[f"{c}-{s}" for c, s in CASES])
def test_boto3_143(request, pyenv_py, check, scheme, tls_cert):
    srv = request.getfixturevalue("tls_server" if scheme == "https" else "server")
    bucket = h.new_bucket_name("b143")
    h.client(srv, verify=str(tls_cert[0]) if scheme == "https" else None).create_bucket(Bucket=bucket)
    clients.run_pyenv_check(pyenv_py, SCRIPT, check, srv, bucket,
                            ca=str(tls_cert[0]) if scheme == "https" else "")
