"""Fixtures for the integration suite: a session-wide `lakehouse up` server,
a TLS server with a self-signed certificate, a factory for servers that tests
kill or restart, and boto3 clients. See README.md in this directory."""
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers import s3 as s3h  # noqa: E402
from helpers.server import Server, tail  # noqa: E402


def pytest_report_header(config):
    from helpers.server import lakehouse_bin
    try:
        b = lakehouse_bin()
        v = subprocess.run([b, "version"], capture_output=True, text=True, timeout=30).stdout.strip()
    except Exception as e:  # reported, the fixtures fail later with the reason
        b, v = "?", repr(e)
    return [f"lakehouse binary: {b} ({v})"]


def _finish(srv):
    """Teardown: clean SIGTERM exit (exit 0, no sanitizer report) unless the
    test killed the server on purpose; sanitizer reports are never allowed."""
    if srv.running() and srv.expect_clean_exit:
        srv.check_clean_stop()
    else:
        srv.stop()
        srv.check_log()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    d = tmp_path_factory.mktemp("session")
    srv = Server(d / "data", d, name="session").start()
    yield srv
    _finish(srv)


@pytest.fixture(scope="session")
def tls_cert(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256",
                    "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


@pytest.fixture(scope="session")
def tls_server(tmp_path_factory, tls_cert):
    cert, key = tls_cert
    d = tmp_path_factory.mktemp("tls-server")
    srv = Server(d / "data", d, name="tls",
                 extra_args=["--store-tls-cert", str(cert), "--store-tls-key", str(key)]).start()
    yield srv
    _finish(srv)


@pytest.fixture
def server_factory(tmp_path):
    """make(name="x", **Server kwargs) -> a started Server on its own data dir;
    make(..., start=False) to start it yourself. Stopped at teardown."""
    made = []

    def make(name="srv", start=True, data_dir=None, **kw):
        srv = Server(data_dir or (tmp_path / f"{name}-data"), tmp_path, name=name, **kw)
        made.append(srv)
        if start:
            srv.start()
        return srv

    yield make
    errors = []
    for srv in made:
        try:
            _finish(srv)
        except AssertionError as e:
            errors.append(str(e))
    if errors:
        pytest.fail("\n\n".join(errors))


@pytest.fixture(scope="session")
def test_hooks():
    """Skips unless the binary is a test build (`lakehouse version` says
    test-hooks): crash points and store.clock_offset need the ASan build."""
    from helpers.server import lakehouse_bin
    out = subprocess.run([lakehouse_bin(), "version"], capture_output=True, text=True, timeout=30)
    text = out.stdout + out.stderr
    if "test-hooks" not in text:
        pytest.skip(f"not a test build (`lakehouse version` says {text.strip()!r}, no 'test-hooks'):"
                    " crash points and store.clock_offset need the ASan build (make asan)")


@pytest.fixture(scope="session")
def s3(server):
    return s3h.client(server)


@pytest.fixture
def bucket(s3):
    """A fresh bucket owned by root."""
    name = s3h.new_bucket_name()
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="session")
def pyenv_py():
    """The pyenv python3 with boto3/botocore 1.43 (the check modules in helpers/)."""
    from helpers import clients
    exe, boto3_v, botocore_v = clients.pyenv_python()
    clients.require_version("pyenv boto3", boto3_v, "1.43")
    clients.require_version("pyenv botocore", botocore_v, "1.43")
    return exe


@pytest.fixture(scope="session")
def second_user(server):
    """A writer user created through `lakehouse user add`."""
    return server.add_user("bob-itest", "bobsecret-123", "writer")


def pytest_runtest_makereport(item, call):
    """On a failure, attach the tail of each server log the test touched."""
    if call.when != "call" or call.excinfo is None:
        return
    for name in ("server", "tls_server"):
        srv = item.funcargs.get(name) if hasattr(item, "funcargs") else None
        if isinstance(srv, Server):
            item.add_report_section("call", f"{name} log tail", tail(srv.log(), 40))

