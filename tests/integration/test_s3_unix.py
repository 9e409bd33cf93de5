"""The S3 API on the store's Unix socket (store.unix_listen, published as the
endpoint s3_unix): curl signs with SigV4 over it as over TCP, an unsigned
request is refused alike, `lakehouse sql` reads and writes through it when
lake.unix_socket (LAKEHOUSE_S3_SOCKET) names it and falls back to TCP when
the socket does not answer, the orchestrator hands it to its tasks, and a
clean stop removes it."""
import json
import os
import re
import stat
import subprocess

import pytest
import requests

from helpers import clients
from helpers.flow import flow_server, log, tis, wait_run
from helpers import s3 as s3h
from helpers.server import ROOT_AK, ROOT_SK, clean_env, lakehouse_bin

BUCKET = "lakehouse"


def sock(server):
    return json.loads((server.data_dir / "run" / "endpoints.json").read_text())["s3_unix"]


def accepted(server, listener):
    text = requests.get(server.web_url + "/metrics", timeout=30).text
    m = re.search(r'^lakehouse_tcp_connections_accepted_total\{listener="%s"\} (\d+)' % listener,
                  text, re.M)
    return int(m.group(1)) if m else 0


def curl(server, path, *extra, signed=True):
    curl_bin = clients.need("curl")
    args = [curl_bin, "-sS", "--unix-socket", sock(server), "-o", "-", "-w", "\n%{http_code}"]
    if signed:
        # curl 7.88 signs but does not send the payload hash S3 requires
        args += ["--aws-sigv4", "aws:amz:us-east-1:s3", "--user", f"{ROOT_AK}:{ROOT_SK}",
                 "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD"]
    # the Host a client signs is the TCP endpoint's, as the lake.* keys name it
    r = subprocess.run(args + [*extra, server.s3_url + path], capture_output=True, timeout=60)
    body, _, code = r.stdout.rpartition(b"\n")
    return int(code), body


def sql(server, query, socket_path):
    env = {"AWS_ENDPOINT_URL": server.s3_url, "AWS_ACCESS_KEY_ID": ROOT_AK,
           "AWS_SECRET_ACCESS_KEY": ROOT_SK, "LAKEHOUSE_S3_SOCKET": socket_path}
    r = clients.run([lakehouse_bin(), "sql", "-q", "--format", "csv", "-c", query],
                    env=clean_env(env), check=False, timeout=120)
    assert r.returncode == 0, f"{query}: {r.stdout}\n{r.stderr}"
    return r.stdout.strip().splitlines()


def test_the_socket_is_published_and_owner_only(server):
    st = (server.data_dir / "run" / "s3.sock").lstat()
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o600, oct(st.st_mode)
    assert sock(server) == str(server.data_dir / "run" / "s3.sock")


def test_curl_signs_over_the_socket_and_unsigned_is_refused(server):
    s3 = s3h.client(server)
    body = bytes(range(256)) * 4096 + b"tail"  # 1 MiB and 4 bytes: a file-backed body
    s3.put_object(Bucket=BUCKET, Key="unix/blob.bin", Body=body)
    code, got = curl(server, "/lakehouse/unix/blob.bin")
    assert code == 200 and got == body, (code, len(got))
    code, got = curl(server, "/lakehouse/unix/blob.bin", "-H", "Range: bytes=1048570-")
    assert code == 206 and got == body[1048570:], (code, got)
    code, got = curl(server, "/lakehouse/unix/blob.bin", signed=False)
    assert code == 403 and b"<Code>AccessDenied</Code>" in got, (code, got)
    # a PUT through the socket is read back over TCP
    code, _ = curl(server, "/lakehouse/unix/put.txt", "-X", "PUT", "--data-binary", "over unix")
    assert code == 200, code
    assert s3.get_object(Bucket=BUCKET, Key="unix/put.txt")["Body"].read() == b"over unix"


def test_sql_goes_through_the_socket_and_falls_back_to_tcp(server, tmp_path):
    before = accepted(server, "s3_unix")
    rows = sql(server, "COPY (SELECT range AS x FROM range(100000)) TO "
                       "'s3://lakehouse/unix/x.parquet'; "
                       "SELECT count(*), sum(x) FROM read_parquet('s3://lakehouse/unix/x.parquet')",
               sock(server))
    assert rows[-1] == "100000,4999950000", rows
    assert accepted(server, "s3_unix") > before, "no connection came through the socket"
    # a socket that does not answer (a stale file, or none): TCP, same answer
    dead = tmp_path / "dead.sock"
    import socket as socketmod
    s = socketmod.socket(socketmod.AF_UNIX)
    s.bind(str(dead))
    s.close()  # bound, never listening: connect is refused
    before = accepted(server, "s3_unix")
    for path in (str(dead), str(tmp_path / "missing.sock")):
        rows = sql(server, "SELECT count(*) FROM read_parquet('s3://lakehouse/unix/x.parquet')",
                   path)
        assert rows[-1] == "100000", rows
    assert accepted(server, "s3_unix") == before


def test_a_second_server_does_not_take_a_live_socket(server, server_factory):
    """store.unix_listen naming another server's live socket: that start
    fails, and the first server keeps its socket."""
    other = server_factory("other", start=False,
                           extra_args=("--store-unix-listen", sock(server)))
    with pytest.raises(RuntimeError) as e:
        other.start()
    assert "store.unix_listen" in str(e.value), str(e.value)[-2000:]
    other.expect_clean_exit = False
    code, _ = curl(server, "/lakehouse/unix/blob.bin")
    assert code == 200, code


def test_tasks_get_the_socket(tmp_path):
    dag = """dag_id: unix_env
schedule: "@daily"
start_date: 2024-05-01
end_date: 2024-05-01
catchup: true
tasks:
  - id: show
    type: shell
    command: 'echo "socket $LAKEHOUSE_S3_SOCKET"'
  - id: sql
    type: sql
    sql: "COPY (SELECT 42 AS answer) TO 's3://lakehouse/unix/answer.parquet'"
"""
    # the DAG goes into the watched folder only after the count is read: its
    # run may be done by the time it is listed
    srv = flow_server(tmp_path, "ux")
    try:
        rid = "scheduled__2024-05-01T00:00:00+00:00"
        before = accepted(srv, "s3_unix")
        (srv.dags_dir / "unix_env.yaml").write_text(dag)
        run = wait_run(srv, "unix_env", rid)  # it polls until the run is listed and done
        assert run["state"] == "success", {k: v["state"] for k, v in tis(srv, "unix_env", rid).items()}
        assert f"socket {sock(srv)}" in log(srv, "unix_env", rid, "show", 1)
        assert accepted(srv, "s3_unix") > before, "the sql task did not use the socket"
        s3 = s3h.client(srv)
        assert s3.head_object(Bucket=BUCKET, Key="unix/answer.parquet")["ContentLength"] > 0
        path = sock(srv)
    finally:
        srv.stop()
    assert not os.path.exists(path), "a clean stop leaves the socket file"
