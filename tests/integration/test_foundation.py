"""The foundation around the store: the command line, the data directory
(lock, FORMAT, run/endpoints.json), configuration sources with masked
secrets, generated root credentials, users and tokens through the CLI, and
clean shutdown on SIGTERM/SIGINT."""
import json
import re
import signal
import socket
import subprocess

import pytest
import requests
from botocore.exceptions import ClientError

from helpers import s3 as h
from helpers.server import ROOT_AK, ROOT_SK, clean_env, lakehouse_bin, tail

SUBCOMMANDS = ["up", "serve", "config", "user", "token", "version"]


def lh(*args, env=None, timeout=60):
    return subprocess.run([lakehouse_bin(), *map(str, args)], capture_output=True, text=True,
                          env=clean_env(env), timeout=timeout, stdin=subprocess.DEVNULL)


# --- command line -----------------------------------------------------------------------
def test_help_lists_every_subcommand():
    r = lh("--help")
    assert r.returncode == 0, r.stderr
    for c in SUBCOMMANDS:
        assert re.search(rf"^\s+{c}\b", r.stdout, re.M), f"{c} missing from --help:\n{r.stdout}"


@pytest.mark.parametrize("cmd", SUBCOMMANDS + ["user add", "token create", "config show"])
def test_each_subcommand_has_help(cmd):
    r = lh(*cmd.split(), "--help")
    assert r.returncode == 0, f"`lakehouse {cmd} --help` exited {r.returncode}: {r.stderr}"
    assert len((r.stdout + r.stderr).strip()) > 20, r.stdout
    assert "usage" in (r.stdout + r.stderr).lower()


def test_unknown_subcommand_fails():
    r = lh("no-such-command")
    assert r.returncode != 0 and "no-such-command" in r.stderr


# --- data directory --------------------------------------------------------------------
def test_endpoints_json_lists_bound_listeners(server_factory):
    srv = server_factory("ep")
    eps = json.loads((srv.data_dir / "run" / "endpoints.json").read_text())
    for name in ("s3", "web"):
        host, port = eps[name].rsplit(":", 1)
        assert host == "127.0.0.1" and 0 < int(port) < 65536, eps
        socket.create_connection((host, int(port)), timeout=5).close()
    assert eps["s3"] != eps["web"]
    assert (srv.data_dir / "FORMAT").exists() and (srv.data_dir / "LOCK").exists()
    assert (srv.data_dir / "meta" / "lakehouse.db").exists()
    key = srv.data_dir / "meta" / "secret.key"
    assert key.exists() and key.stat().st_mode & 0o777 == 0o600, oct(key.stat().st_mode)
    assert f"127.0.0.1:{srv.s3_port}" in srv.log(), "the S3 listener is not logged"
    srv.check_clean_stop()
    assert not (srv.data_dir / "run" / "endpoints.json").exists(), "endpoints.json left after a clean stop"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_cleanly_and_releases_the_lock(server_factory, sig):
    srv = server_factory("sig")
    h.client(srv).put_object(Bucket="lakehouse", Key="bronze/sig.txt", Body=b"kept")
    rc = srv.stop(sig)
    srv.check_log()
    assert rc == 0, f"exit {rc} after {sig.name}; log:\n{tail(srv.log())}"
    srv.start()  # the lock was released: the same data dir opens again
    assert h.client(srv).get_object(Bucket="lakehouse", Key="bronze/sig.txt")["Body"].read() == b"kept"


def test_second_up_on_same_data_dir_is_refused(server_factory):
    srv = server_factory("lock")
    env = {"LAKEHOUSE_ACCESS_KEY": ROOT_AK, "LAKEHOUSE_SECRET_KEY": ROOT_SK}
    try:
        r = lh("up", "--data-dir", srv.data_dir, "--listen-ephemeral", env=env, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("a second `lakehouse up` on a data directory in use kept running")
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    assert f"is in use by pid {srv.proc.pid}" in out, out
    # the first server is unaffected
    h.client(srv).head_bucket(Bucket="lakehouse")


def test_format_mismatch_is_refused(server_factory):
    srv = server_factory("fmt")
    srv.check_clean_stop()
    fmt = srv.data_dir / "FORMAT"
    original = fmt.read_text()
    fmt.write_text("999\n")
    with pytest.raises(RuntimeError) as ei:
        srv.start(timeout=60)
    assert "format" in str(ei.value).lower(), str(ei.value)[-2000:]
    fmt.write_text(original)
    srv.start()
    h.client(srv).head_bucket(Bucket="lakehouse")


# --- configuration -----------------------------------------------------------------------
def config_line(out, key):
    lines = [ln for ln in out.splitlines() if re.search(rf"(^|\s){re.escape(key)}(\s|=|:|$)", ln)]
    assert lines, f"{key} missing from config show:\n{out}"
    return lines[0]


def test_config_show_masks_secret_and_names_sources(tmp_path):
    secret = "S3cr3t-value-never-printed"
    env = {"LAKEHOUSE_DATA_DIR": str(tmp_path / "d"), "LAKEHOUSE_ACCESS_KEY": "cfgadmin",
           "LAKEHOUSE_SECRET_KEY": secret, "LAKEHOUSE_STORE_LISTEN": "127.0.0.1:9100"}
    r = lh("config", "show", env=env)
    assert r.returncode == 0, r.stderr
    out = r.stdout + r.stderr
    assert secret not in out, "the secret key is printed by config show"
    assert "env" in config_line(out, "core.secret_key")
    assert "cfgadmin" in config_line(out, "core.access_key")
    ln = config_line(out, "store.listen")
    assert "127.0.0.1:9100" in ln and "env" in ln, ln
    ln = config_line(out, "web.listen")
    assert "8080" in ln and "default" in ln, ln


def test_config_precedence_flag_env_file_default(tmp_path):
    cfg = tmp_path / "lakehouse.yaml"
    cfg.write_text("store:\n  listen: 127.0.0.1:9300\nweb:\n  listen: 127.0.0.1:8300\n")
    base = {"LAKEHOUSE_DATA_DIR": str(tmp_path / "d"), "LAKEHOUSE_CONFIG": str(cfg)}
    out = lh("config", "show", env=base).stdout
    ln = config_line(out, "store.listen")
    assert "9300" in ln and "file" in ln, ln
    out = lh("config", "show", env={**base, "LAKEHOUSE_STORE_LISTEN": "127.0.0.1:9100"}).stdout
    ln = config_line(out, "store.listen")
    assert "9100" in ln and "env" in ln, ln
    assert "8300" in config_line(out, "web.listen")  # the file still counts for other keys
    r = lh("config", "show", "--store-listen", "127.0.0.1:9200",
           env={**base, "LAKEHOUSE_STORE_LISTEN": "127.0.0.1:9100"})
    ln = config_line(r.stdout, "store.listen")
    assert "9200" in ln and "flag" in ln, ln
    r = lh("config", "show", "--store-listen=127.0.0.1:9201", env=base)
    assert "9201" in config_line(r.stdout, "store.listen")
    out = lh("config", "show", env={"LAKEHOUSE_DATA_DIR": str(tmp_path / "d")}).stdout
    ln = config_line(out, "store.listen")
    assert "9000" in ln and "default" in ln, ln


def test_bad_listen_address_is_refused(tmp_path):
    try:
        r = lh("up", "--data-dir", tmp_path / "d", "--store-listen", "not-an-address",
               "--listen-ephemeral", env={"LAKEHOUSE_ACCESS_KEY": ROOT_AK,
                                                   "LAKEHOUSE_SECRET_KEY": ROOT_SK}, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("`lakehouse up --store-listen not-an-address` kept running")
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    assert "not-an-address" in out or "store.listen" in out, out


# --- generated root credentials ------------------------------------------------------------
def find_generated_pair(log):
    ak = re.search(r"access[ _-]?key(?:[ _-]?id)?\s*[:=]\s*['\"]?([A-Za-z0-9._@+=,-]{3,128})", log, re.I)
    sk = re.search(r"secret[ _-]?(?:access[ _-]?)?key\s*[:=]\s*['\"]?([A-Za-z0-9._@+=,/-]{8,128})", log, re.I)
    assert ak and sk, f"no generated access/secret key pair in the log:\n{tail(log, 40)}"
    return ak.group(1), sk.group(1)


def test_generated_root_credentials_printed_once_and_work(server_factory):
    srv = server_factory("gen", root_keys=False)
    first_log = srv.log()
    ak, sk = find_generated_pair(first_log)
    assert ak != ROOT_AK and len(sk) >= 8
    s3 = h.client(srv, ak, sk)
    s3.create_bucket(Bucket="generated-creds")
    s3.put_object(Bucket="generated-creds", Key="k", Body=b"v")
    srv.check_clean_stop()
    srv.start()
    assert sk not in srv.log(), "the generated secret was printed again on the second start"
    s3 = h.client(srv, ak, sk)
    assert s3.get_object(Bucket="generated-creds", Key="k")["Body"].read() == b"v"
    with pytest.raises(ClientError) as ei:
        h.client(srv, ak, sk + "x").list_buckets()
    assert h.err_code(ei.value) == "SignatureDoesNotMatch"


# --- users and tokens through the CLI ------------------------------------------------------------
def test_user_add_list_passwd_rm(server):
    name, secret = "carol-itest", "carol-secret-1"
    r = server.cli("user", "add", name, "--role", "writer", "--secret", secret)
    assert r.returncode == 0, r.stderr
    r = server.cli("user", "add", name, "--role", "writer", "--secret", secret)
    assert r.returncode != 0, "adding an existing user succeeded"
    out = server.cli("user", "list", check=True).stdout
    line = [ln for ln in out.splitlines() if name in ln]
    assert line and "writer" in line[0], out
    assert secret not in out
    assert re.search(rf"{ROOT_AK}.*admin", out), out
    carol = h.client(server, name, secret)
    b = h.new_bucket_name("carol")
    carol.create_bucket(Bucket=b)
    carol.put_object(Bucket=b, Key="x", Body=b"carol's")
    assert b in [x["Name"] for x in carol.list_buckets()["Buckets"]]

    server.cli("user", "passwd", name, "--secret", "carol-secret-2", check=True)
    with pytest.raises(ClientError) as ei:
        h.client(server, name, secret).list_buckets()
    assert h.err_code(ei.value) == "SignatureDoesNotMatch"
    assert h.client(server, name, "carol-secret-2").get_object(Bucket=b, Key="x")["Body"].read() == b"carol's"

    # a user who owns buckets is not removed: the answer names them
    r = server.cli("user", "rm", name)
    assert r.returncode != 0, "a user who owns a bucket was removed"
    assert b in r.stderr and "409" in r.stderr and "--reassign-to" in r.stderr, r.stderr
    assert name in server.cli("user", "list", check=True).stdout
    r = server.cli("user", "rm", name, "--reassign-to", "nobody-itest")
    assert r.returncode != 0 and "existing user" in r.stderr, r.stderr
    r = server.cli("user", "rm", name, "--reassign-to", ROOT_AK, check=True)
    assert "1 bucket(s) now belong to " + ROOT_AK in r.stdout, r.stdout
    with pytest.raises(ClientError) as ei:
        h.client(server, name, "carol-secret-2").list_buckets()
    assert h.err_code(ei.value) == "InvalidAccessKeyId"
    assert name not in server.cli("user", "list", check=True).stdout
    # the next user of that name gets none of it
    server.cli("user", "add", name, "--role", "writer", "--secret", "carol-secret-3", check=True)
    carol2 = h.client(server, name, "carol-secret-3")
    assert b not in [x["Name"] for x in carol2.list_buckets()["Buckets"]]
    with pytest.raises(ClientError) as ei:
        carol2.get_object(Bucket=b, Key="x")
    assert h.err_code(ei.value) == "AccessDenied"
    assert h.client(server).get_object(Bucket=b, Key="x")["Body"].read() == b"carol's"
    server.cli("user", "rm", name, check=True)  # owns nothing: removed at once


def test_user_rm_checks_buckets_offline_and_where_the_store_does_not_run(server_factory):
    srv = server_factory("rm-offline")
    srv.add_user("olga-itest", "olga-secret-1", "writer")
    h.client(srv, "olga-itest", "olga-secret-1").create_bucket(Bucket="olga-bucket")
    srv.check_clean_stop()
    env = {"LAKEHOUSE_DATA_DIR": str(srv.data_dir)}
    r = srv.cli("user", "rm", "olga-itest", env=env)  # nothing listens: offline
    assert r.returncode != 0 and "offline" in r.stderr and "olga-bucket" in r.stderr, r.stderr
    # `serve web` alone cannot see the buckets: it refuses instead of guessing
    srv.command = ["serve", "web"]
    srv.start()
    r = srv.cli("user", "rm", "olga-itest")
    assert r.returncode != 0 and "503" in r.stderr and "store role" in r.stderr, r.stderr
    srv.check_clean_stop()
    r = srv.cli("user", "rm", "olga-itest", "--reassign-to", ROOT_AK, env=env, check=True)
    assert "1 bucket(s) now belong to" in r.stdout, r.stdout
    srv.command = ["up"]
    srv.start()
    assert "olga-bucket" in [b["Name"] for b in h.client(srv).list_buckets()["Buckets"]]


def test_passwd_keeps_tokens_unless_revoke_tokens(server):
    name, web = "tina-itest", server.web_url + "/api/v1/tokens"
    server.cli("user", "add", name, "--role", "reader", "--secret", "tina-secret-1", check=True)
    tok = server.cli("token", "create", "--owner", name, check=True).stdout.strip()
    bearer = {"Authorization": f"Bearer {tok}"}
    r = server.cli("user", "passwd", name, "--secret", "tina-secret-2", check=True)
    assert "stay valid" in r.stderr, r.stderr
    assert requests.get(web, headers=bearer, timeout=30).status_code == 200  # kept by default
    r = server.cli("user", "passwd", name, "--secret", "tina-secret-3", "--revoke-tokens",
                   check=True)
    assert "1 bearer token(s) of tina-itest revoked" in r.stderr, r.stderr
    assert requests.get(web, headers=bearer, timeout=30).status_code == 401
    assert requests.get(web, auth=(name, "tina-secret-3"), timeout=30).status_code == 200
    server.cli("user", "rm", name, check=True)


def test_user_cli_refuses_bad_input_and_non_admins(server, second_user):
    assert server.cli("user", "add", "ab", "--role", "writer", "--secret", "longenough").returncode != 0
    assert server.cli("user", "add", "dave-itest", "--role", "writer", "--secret", "short").returncode != 0
    assert server.cli("user", "add", "dave-itest", "--role", "emperor", "--secret", "longenough").returncode != 0
    r = server.cli("user", "add", "eve-itest", "--role", "admin", "--secret", "longenough",
                   ak=second_user[0], sk=second_user[1])
    assert r.returncode != 0, "a writer could create an admin"
    r = server.cli("user", "list", ak=ROOT_AK, sk="wrong-secret-xx")
    assert r.returncode != 0, "the CLI worked with a wrong secret"


def test_token_create_list_revoke(server):
    r = server.cli("token", "create", "--name", "itest-token")
    assert r.returncode == 0, r.stderr
    m = re.search(r"\blh_([A-Za-z0-9]+)_([A-Za-z0-9]+)\b", r.stdout)
    assert m, f"no lh_<id>_<secret> token in: {r.stdout}"
    token, tid = m.group(0), m.group(1)
    out = server.cli("token", "list", check=True).stdout
    assert tid in out and "itest-token" in out, out
    assert token not in out, "token list shows the token secret"
    server.cli("token", "revoke", tid, check=True)
    assert tid not in server.cli("token", "list", check=True).stdout
    assert server.cli("token", "revoke", tid).returncode != 0, "revoking twice succeeded"
