"""The role table: `up` runs every role, `serve` the roles named (`serve
store`, `serve web`, `serve store,web`); every process answers /healthz,
/readyz and /metrics on web.listen; /readyz lists each role's state; the
store is opened only by the store role; a failed start stops what already
started; run/endpoints.json carries version and pid."""
import json
import socket
import subprocess
import urllib.error
import urllib.request

import pytest

from helpers import s3 as h
from helpers.server import ROOT_AK, ROOT_SK, clean_env, lakehouse_bin


def get(url):
    """(status, body text) of a GET; HTTP errors are answers too."""
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def lh(*args, env=None, timeout=60):
    return subprocess.run([lakehouse_bin(), *map(str, args)], capture_output=True, text=True,
                          env=clean_env(env), timeout=timeout, stdin=subprocess.DEVNULL)


def test_up_readyz_lists_every_role(server):
    status, body = get(server.web_url + "/readyz")
    assert status == 200, body
    doc = json.loads(body)
    assert doc == {"status": "ready",
                   "roles": {"store": "ready", "stream": "ready", "flow": "ready",
                             "web": "ready"}}, doc


def test_endpoints_json_has_version_and_pid(server):
    eps = json.loads((server.data_dir / "run" / "endpoints.json").read_text())
    assert eps["pid"] == server.proc.pid, eps
    version = lh("version").stdout.split()[1]
    assert eps["version"] == version, eps
    assert set(eps) == {"s3", "s3_unix", "kafka", "web", "version", "pid"}, eps
    assert eps["s3_unix"] == str(server.data_dir / "run" / "s3.sock"), eps


def test_serve_web_alone_does_not_open_the_store(server_factory):
    srv = server_factory("webonly", command=("serve", "web"))
    eps = json.loads((srv.data_dir / "run" / "endpoints.json").read_text())
    assert "s3" not in eps and "web" in eps, eps
    assert not (srv.data_dir / "store").exists(), "serve web opened the object store"
    status, body = get(srv.web_url + "/readyz")
    assert status == 200 and json.loads(body)["roles"] == {"web": "ready"}, body
    # the user API is served where the web role runs
    r = srv.cli("user", "list")
    assert r.returncode == 0 and ROOT_AK in r.stdout, r.stdout + r.stderr


def test_serve_store_has_health_but_no_user_api(server_factory):
    srv = server_factory("storeonly", command=("serve", "store"))
    status, body = get(srv.web_url + "/readyz")
    assert status == 200 and json.loads(body)["roles"] == {"store": "ready"}, body
    assert get(srv.web_url + "/healthz") == (200, "ok")
    status, metrics = get(srv.web_url + "/metrics")
    assert status == 200 and "# TYPE" in metrics
    status, body = get(srv.web_url + "/api/v1/users")
    assert status == 404 and json.loads(body)["status"] == 404, body
    # and the S3 API serves
    h.client(srv).put_object(Bucket="lakehouse", Key="bronze/roles.txt", Body=b"x")
    assert h.client(srv).get_object(Bucket="lakehouse", Key="bronze/roles.txt")["Body"].read() == b"x"


def test_serve_store_and_web_together(server_factory):
    srv = server_factory("both", command=("serve", "store,web"))
    status, body = get(srv.web_url + "/readyz")
    assert json.loads(body)["roles"] == {"store": "ready", "web": "ready"}, body
    assert srv.cli("user", "list").returncode == 0


@pytest.mark.parametrize("arg", ["bogus", "store,bogus", ""])
def test_serve_unknown_role_lists_the_roles(arg, tmp_path):
    r = lh("serve", arg, "--data-dir", tmp_path / "d")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "store" in r.stderr and "web" in r.stderr, r.stderr


def test_a_failed_start_stops_what_started(tmp_path):
    """store.listen on a port in use: the web listener that already started is
    stopped and the process exits non-zero instead of hanging."""
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    port = busy.getsockname()[1]
    try:
        r = lh("up", "--data-dir", tmp_path / "d", "--listen-ephemeral",
               "--store-listen", f"127.0.0.1:{port}",
               env={"LAKEHOUSE_ACCESS_KEY": ROOT_AK, "LAKEHOUSE_SECRET_KEY": ROOT_SK}, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("a failed role start left the process running")
    finally:
        busy.close()
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert str(port) in out, out
    assert "web listening" in out, out  # the web listener had started first
    assert not (tmp_path / "d" / "run" / "endpoints.json").exists()
