"""The web listener's /metrics (Prometheus text format, checked with
`promtool check metrics`), /healthz and /readyz, after some S3 traffic."""
import re
import subprocess

import pytest
import requests
from botocore.exceptions import ClientError

from helpers import clients
from helpers import s3 as h

LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text):
    """-> (types {family: type}, samples [(name, {labels}, value)])"""
    types, samples = {}, []
    for ln in text.splitlines():
        if ln.startswith("# TYPE "):
            _, _, fam, typ = ln.split(None, 3)
            types[fam] = typ.strip()
        elif ln and not ln.startswith("#"):
            m = LINE.match(ln)
            assert m, f"unparsable metrics line {ln!r}"
            samples.append((m.group(1), dict(LABEL.findall(m.group(2) or "")), float(m.group(3))))
    return types, samples


def scrape(server):
    r = requests.get(server.web_url + "/metrics", timeout=30)
    assert r.status_code == 200
    assert r.headers.get("Content-Type", "").startswith("text/plain"), r.headers
    return r.text


def total(samples, name, **want):
    return sum(v for n, l, v in samples if n == name and all(l.get(k) == x for k, x in want.items()))


def family(types, pattern, typ):
    fams = [f for f, t in types.items() if re.search(pattern, f) and t == typ]
    assert fams, f"no {typ} family matching {pattern!r} among {sorted(types)}"
    return fams[0]


def test_health_and_ready(server):
    for path in ("/healthz", "/readyz"):
        r = requests.get(server.web_url + path, timeout=10)
        assert r.status_code == 200, (path, r.status_code, r.text[:200])


def test_s3_metrics_after_traffic(server, s3, bucket):
    _, before = parse(scrape(server))
    body = h.random_bytes(100_000)
    for i in range(3):
        s3.put_object(Bucket=bucket, Key=f"m{i}", Body=body)
    for i in range(2):
        assert s3.get_object(Bucket=bucket, Key=f"m{i}")["Body"].read() == body
    s3.head_object(Bucket=bucket, Key="m0")
    s3.list_objects_v2(Bucket=bucket)
    with pytest.raises(ClientError):
        s3.get_object(Bucket=bucket, Key="missing")
    text = scrape(server)
    types, samples = parse(text)

    req = "lakehouse_s3_requests_total"
    assert types.get(req) == "counter", f"{req} missing or not a counter: {types.get(req)}"
    assert total(samples, req, op="PutObject", code="200") - total(before, req, op="PutObject", code="200") >= 3
    assert total(samples, req, op="GetObject", code="200") - total(before, req, op="GetObject", code="200") >= 2
    assert total(samples, req, op="GetObject", code="404") >= 1
    assert total(samples, req, op="HeadObject", code="200") >= 1
    assert total(samples, req, op="ListObjectsV2", code="200") >= 1

    hist = "lakehouse_s3_request_duration_seconds"
    assert types.get(hist) == "histogram", f"{hist} missing or not a histogram: {types.get(hist)}"
    buckets = [(l, v) for n, l, v in samples if n == hist + "_bucket"]
    assert any(l.get("le") == "+Inf" for l, _ in buckets)
    counts = total(samples, hist + "_count")
    assert counts >= total(samples, req) - 5, "the histogram counts fewer requests than the counter"
    assert total(samples, hist + "_sum") > 0
    # cumulative buckets never decrease within a series
    series = {}
    for l, v in buckets:
        key = tuple(sorted((k, x) for k, x in l.items() if k != "le"))
        series.setdefault(key, []).append((float("inf") if l["le"] == "+Inf" else float(l["le"]), v))
    for key, pts in series.items():
        vals = [v for _, v in sorted(pts)]
        assert vals == sorted(vals), (key, pts)

    fin = family(types, r"^lakehouse_s3_.*bytes.*(in|received|read)", "counter")
    fout = family(types, r"^lakehouse_s3_.*bytes.*(out|sent|written)", "counter")
    assert total(samples, fin) - total(before, fin) >= 3 * len(body)
    assert total(samples, fout) - total(before, fout) >= 2 * len(body)
    family(types, r"^lakehouse_s3_.*in_?flight", "gauge")


def test_promtool_accepts_the_metrics(server, s3):
    s3.list_buckets()
    promtool = clients.need("promtool")
    v = subprocess.run([promtool, "--version"], capture_output=True, text=True).stdout + ""
    print(v.splitlines()[0] if v else "promtool (version unknown)")
    text = scrape(server)
    r = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"promtool check metrics: rc {r.returncode}\n{r.stdout}{r.stderr}"
