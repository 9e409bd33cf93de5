"""TLS works on any listener: the web listener (health, metrics, REST API)
over HTTPS with web.tls_cert / web.tls_key, and only HTTPS there."""
import base64
import json
import ssl
import urllib.error
import urllib.request

import pytest

from helpers.s3 import ROOT_AK, ROOT_SK


def test_web_listener_serves_https_only(server_factory, tls_cert):
    cert, key = tls_cert
    srv = server_factory("webtls", extra_args=["--web-tls-cert", str(cert),
                                               "--web-tls-key", str(key)])
    ctx = ssl.create_default_context(cafile=str(cert))  # verifies the certificate for 127.0.0.1
    with urllib.request.urlopen(srv.web_url + "/healthz", context=ctx, timeout=30) as r:
        assert r.status == 200
    with urllib.request.urlopen(srv.web_url + "/metrics", context=ctx, timeout=30) as r:
        assert b"lakehouse_http_connections_active" in r.read()
    auth = base64.b64encode(f"{ROOT_AK}:{ROOT_SK}".encode()).decode()
    req = urllib.request.Request(srv.web_url + "/api/v1/users",
                                 headers={"Authorization": f"Basic {auth}"})
    with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
        users = json.loads(r.read())["users"]
    # the root user, and the orchestrator's task credential (flow role)
    assert sorted(u["access_key"] for u in users) == ["lakehouse-task", ROOT_AK]
    # plain HTTP to the TLS port gets no HTTP answer
    with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
        urllib.request.urlopen("http://" + srv.endpoints["web"] + "/healthz", timeout=10).read()
