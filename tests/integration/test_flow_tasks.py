"""Task types through the scheduler (issue 10): the seed's exception table
end to end (ValueError fails at once, RuntimeError retries with back-off, a
task over its memory limit retries and then alerts through on_failure, a
command and a webhook, each once); python tasks writing to the lake with
boto3 (the pyenv boto3 with no configuration at all) and producing to a
topic with kafka-python, a shell task producing with kcat, a sql task
run by `lakehouse sql` with its statements in the log, all with the task
credential and never the root secret; sensors: reschedule mode frees its
slot so other runs are not starved, a poke-mode timeout fails without
retry, the store's PutObject, CompleteMultipartUpload and CopyObject of
the object a reschedule sensor waits for poke it at once; a broken DAG file is reported and the others keep running."""
import http.server
import json
import os
import subprocess
import threading
import time

import boto3
import pytest
from botocore.config import Config

from helpers.flow import api, flow_server, log, tis, trigger, wait_run
from helpers.server import ROOT_AK, ROOT_SK

JOBS = """\
import sys


def boom_value(*args):
    raise ValueError("bad parameter: " + " ".join(args))


def boom_runtime():
    raise RuntimeError("transient")


def hog():
    x = bytearray(2 << 30)
    return len(x)
"""


class Hook(http.server.BaseHTTPRequestHandler):
    got = []

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        Hook.got.append(json.loads(self.rfile.read(n)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *a):
        pass


@pytest.fixture(scope="module")
def hook():
    srv = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/alert"
    srv.shutdown()


def exc_dag(alerts, hook_url):
    return f"""\
dag_id: pyexc
schedule: none
default_args:
  retry_delay: 1s
tasks:
  - id: value_error
    type: python
    callable: "jobs:boom_value"
    args: ["{{{{ ds }}}}", x]
    retries: 2
  - id: runtime_error
    type: python
    callable: "jobs:boom_runtime"
    retries: 1
    on_failure: {{webhook: "{hook_url}"}}
  - id: memory
    type: python
    callable: "jobs:hog"
    memory_limit: 300MiB
    retries: 1
    on_failure: 'echo "$LAKEHOUSE_CTX_FAILURE $LAKEHOUSE_CTX_TASK_ID $LAKEHOUSE_CTX_TRY_NUMBER" >> {alerts}'
"""


PRODUCE_PY = """\
import os
import boto3
from kafka import KafkaProducer
# Debian's boto3 (1.26) predates AWS_ENDPOINT_URL: the endpoint is passed by hand here
s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
s3.put_object(Bucket="lakehouse", Key="bronze/produced/" + os.environ["LAKEHOUSE_CTX_RUN_ID"],
              Body=b"ok")
p = KafkaProducer(bootstrap_servers=os.environ["KAFKA_BOOTSTRAP_SERVERS"])
p.send("pytopic", b"from " + os.environ["LAKEHOUSE_CTX_TASK_ID"].encode(), partition=0).get(30)
p.flush()
"""


def test_exception_table_memory_limit_and_alerts(tmp_path, hook):
    alerts = tmp_path / "alerts"
    produce = ("dag_id: produce\nschedule: none\ntasks:\n"
               "  - {id: send, type: python, script: produce.py}\n")
    srv = flow_server(tmp_path, "pyexc", {"pyexc.yaml": exc_dag(alerts, hook), "jobs.py": JOBS,
                                          "produce.yaml": produce, "produce.py": PRODUCE_PY})
    pid = trigger(srv, "produce")
    assert wait_run(srv, "produce", pid)["state"] == "success", log(srv, "produce", pid, "send", 1)
    out = subprocess.run(["kcat", "-C", "-b", srv.endpoints["kafka"], "-t", "pytopic", "-p", "0",
                          "-e", "-q"], capture_output=True, text=True, timeout=30)
    assert out.stdout.split("\n")[0] == "from send"
    s3 = boto3.client("s3", endpoint_url=srv.s3_url, aws_access_key_id=ROOT_AK,
                      aws_secret_access_key=ROOT_SK, region_name="us-east-1",
                      config=Config(s3={"addressing_style": "path"}))
    assert s3.get_object(Bucket="lakehouse", Key="bronze/produced/" + pid)["Body"].read() == b"ok"
    Hook.got.clear()
    rid = trigger(srv, "pyexc")
    assert wait_run(srv, "pyexc", rid)["state"] == "failed"
    t = tis(srv, "pyexc", rid)
    got = {k: (v["state"], v["try_number"], v["failure"]) for k, v in t.items()}
    assert got == {"value_error": ("failed", 1, "invalid_input"),
                   "runtime_error": ("failed", 2, "execution"),
                   "memory": ("failed", 2, "resource")}
    assert "ValueError: bad parameter" in log(srv, "pyexc", rid, "value_error", 1)
    assert "RuntimeError: transient" in log(srv, "pyexc", rid, "runtime_error", 2)
    assert "MemoryError" in log(srv, "pyexc", rid, "memory", 1)
    deadline = time.monotonic() + 30
    while (not alerts.exists() or not Hook.got) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)  # a second alert, if any, would show up now
    assert alerts.read_text().split("\n") == ["resource memory 2", ""]
    assert Hook.got == [{"dag_id": "pyexc", "run_id": rid, "task_id": "runtime_error",
                         "try_number": 2, "failure": "execution"}]
    srv.check_clean_stop()


ACCESS_PY = """\
import os
import boto3
secret = os.environ.get("AWS_SECRET_ACCESS_KEY", "")
assert os.environ["AWS_ACCESS_KEY_ID"] == "lakehouse-task", os.environ["AWS_ACCESS_KEY_ID"]
for k, v in os.environ.items():
    if "rootsecret123" in v:
        raise ValueError("the root secret reached the task in " + k)
s3 = boto3.client("s3")  # AWS_ENDPOINT_URL, keys and region from the environment
s3.put_object(Bucket="lakehouse", Key="bronze/flowtest/" + os.environ["LAKEHOUSE_CTX_DS"] + ".txt",
              Body=os.environ["LAKEHOUSE_CTX_RUN_ID"].encode())
print("wrote", os.environ["LAKEHOUSE_CTX_DS"])
"""


def test_tasks_reach_the_platform_with_the_task_credential(tmp_path, pyenv_py):
    dag = """\
dag_id: access
schedule: "@daily"
start_date: 2024-05-01
end_date: 2024-05-01
catchup: true
tasks:
  - id: lake
    type: python
    script: access.py
  - id: kafka
    type: shell
    command: 'echo "record {{ ds }}" | kcat -P -b "$KAFKA_BOOTSTRAP_SERVERS" -t flowtopic -p 0'
  - id: sql
    type: sql
    sql: "SELECT 40 + 2 AS answer, '{{ ds }}' AS day"
  - id: threads
    type: shell
    command: 'echo "sql threads $LAKEHOUSE_SQL_THREADS"'
"""
    srv = flow_server(tmp_path, "access", {"access.yaml": dag, "access.py": ACCESS_PY},
                      env={"LAKEHOUSE_FLOW_PYTHON": pyenv_py,
                           "LAKEHOUSE_FLOW_TASK_SQL_THREADS": "3"})
    rid = "scheduled__2024-05-01T00:00:00+00:00"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        r = api(srv, "GET", f"/api/v1/dags/access/dagRuns/{rid.replace('+', '%2B')}")
        if r.status_code == 200:
            break
        time.sleep(0.1)
    run = wait_run(srv, "access", rid)
    t = tis(srv, "access", rid)
    assert run["state"] == "success", {k: v["state"] for k, v in t.items()}
    s3 = boto3.client("s3", endpoint_url=srv.s3_url, aws_access_key_id=ROOT_AK,
                      aws_secret_access_key=ROOT_SK, region_name="us-east-1",
                      config=Config(s3={"addressing_style": "path"}))
    assert s3.get_object(Bucket="lakehouse", Key="bronze/flowtest/2024-05-01.txt")["Body"].read() \
        == rid.encode()
    out = subprocess.run(["kcat", "-C", "-b", srv.endpoints["kafka"], "-t", "flowtopic", "-p", "0",
                          "-e", "-q"], capture_output=True, text=True, timeout=30)
    assert out.stdout.split("\n")[0] == "record 2024-05-01"
    text = log(srv, "access", rid, "sql", 1)
    assert "SELECT 40 + 2 AS answer" in text and "42" in text and "2024-05-01" in text
    # flow.task_sql_threads reaches every task as LAKEHOUSE_SQL_THREADS
    assert "sql threads 3" in log(srv, "access", rid, "threads", 1)
    srv.check_clean_stop()


def test_reschedule_sensor_frees_its_slot_and_poke_timeout_fails(tmp_path):
    dags = {
        "waits.yaml": """\
dag_id: waits
schedule: none
tasks:
  - id: flag
    type: sensor
    object: "s3://lakehouse/bronze/flag/{{ dag_run.conf.day }}"
    mode: reschedule
    poke_interval: 1s
    timeout: 10m
  - id: after
    type: shell
    command: "true"
    depends_on: [flag]
""",
        "other.yaml": "dag_id: other\nschedule: none\ntasks:\n  - {id: t, type: shell, command: 'true'}\n",
        "impatient.yaml": """\
dag_id: impatient
schedule: none
tasks:
  - id: never
    type: sensor
    object: "s3://lakehouse/bronze/never"
    poke_interval: 1s
    timeout: 2s
    retries: 2
""",
    }
    srv = flow_server(tmp_path, "sensors", dags, env={"LAKEHOUSE_FLOW_PARALLELISM": "1"})
    wid = trigger(srv, "waits", conf={"day": "d1"})
    deadline = time.monotonic() + 60
    while tis(srv, "waits", wid).get("flag", {}).get("state") != "up_for_reschedule":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    # one slot in all, held by nobody while the sensor waits: another run goes through
    oid = trigger(srv, "other")
    assert wait_run(srv, "other", oid)["state"] == "success"
    s3 = boto3.client("s3", endpoint_url=srv.s3_url, aws_access_key_id=ROOT_AK,
                      aws_secret_access_key=ROOT_SK, region_name="us-east-1",
                      config=Config(s3={"addressing_style": "path"}))
    s3.put_object(Bucket="lakehouse", Key="bronze/flag/d1", Body=b"")
    assert wait_run(srv, "waits", wid)["state"] == "success", tis(srv, "waits", wid)
    flag = tis(srv, "waits", wid)["flag"]
    assert flag["try_number"] == 1, (flag, log(srv, "waits", wid, "flag", flag["try_number"]))
    iid = trigger(srv, "impatient")
    assert wait_run(srv, "impatient", iid)["state"] == "failed"
    t = tis(srv, "impatient", iid)["never"]
    assert (t["state"], t["try_number"], t["failure"]) == ("failed", 1, "invalid_input"), \
        (t, log(srv, "impatient", iid, "never", 1))
    srv.check_clean_stop()


def test_the_store_pokes_a_reschedule_sensor_when_it_creates_the_object(tmp_path):
    """An hour between pokes: only the store's notice of the object's
    creation (in the same process) can end these waits; each way an object
    is created counts: PutObject, CompleteMultipartUpload, CopyObject."""
    dag = """\
dag_id: woken
schedule: none
tasks:
  - id: flag
    type: sensor
    object: "s3://lakehouse/bronze/woken/{{ dag_run.conf.day }}/_SUCCESS"
    mode: reschedule
    poke_interval: 1h
    timeout: 2h
"""
    srv = flow_server(tmp_path, "woken", {"woken.yaml": dag})
    s3 = boto3.client("s3", endpoint_url=srv.s3_url, aws_access_key_id=ROOT_AK,
                      aws_secret_access_key=ROOT_SK, region_name="us-east-1",
                      config=Config(s3={"addressing_style": "path"}))
    ids = {day: trigger(srv, "woken", conf={"day": day}) for day in ("put", "mpu", "copy")}
    deadline = time.monotonic() + 60
    while any(tis(srv, "woken", i)["flag"]["state"] != "up_for_reschedule" for i in ids.values()):
        assert time.monotonic() < deadline, {d: tis(srv, "woken", i)["flag"] for d, i in ids.items()}
        time.sleep(0.1)
    s3.put_object(Bucket="lakehouse", Key="bronze/woken/other/_SUCCESS", Body=b"")  # not theirs
    s3.put_object(Bucket="lakehouse", Key="bronze/woken/put/_SUCCESS", Body=b"")
    assert wait_run(srv, "woken", ids["put"], timeout=60)["state"] == "success"
    up = s3.create_multipart_upload(Bucket="lakehouse", Key="bronze/woken/mpu/_SUCCESS")
    part = s3.upload_part(Bucket="lakehouse", Key="bronze/woken/mpu/_SUCCESS", PartNumber=1,
                          UploadId=up["UploadId"], Body=b"done")
    s3.complete_multipart_upload(Bucket="lakehouse", Key="bronze/woken/mpu/_SUCCESS",
                                 UploadId=up["UploadId"],
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert wait_run(srv, "woken", ids["mpu"], timeout=60)["state"] == "success"
    assert tis(srv, "woken", ids["copy"])["flag"]["state"] == "up_for_reschedule"
    s3.copy_object(Bucket="lakehouse", Key="bronze/woken/copy/_SUCCESS",
                   CopySource={"Bucket": "lakehouse", "Key": "bronze/woken/put/_SUCCESS"})
    assert wait_run(srv, "woken", ids["copy"], timeout=60)["state"] == "success"
    for i in ids.values():  # woken, not retried: the same try, its second poke
        assert tis(srv, "woken", i)["flag"]["try_number"] == 1
    srv.check_clean_stop()


def test_sql_threads_are_the_cores_shared_among_the_tasks_that_run_here(tmp_path):
    """flow.task_sql_threads unset: a try gets the online cores divided among
    the tries running here, itself included; a sensor poking (its process
    mostly sleeps) is not one of them."""
    dag = """\
dag_id: share
schedule: none
tasks:
  - id: poking
    type: sensor
    object: "s3://lakehouse/bronze/share/go"
    poke_interval: 1s
    timeout: 60s
  - id: gate
    type: shell
    command: "sleep 1"
  - id: check
    type: shell
    command: 'echo "sql threads $LAKEHOUSE_SQL_THREADS"'
    depends_on: [gate]
"""
    srv = flow_server(tmp_path, "share", {"share.yaml": dag})
    rid = trigger(srv, "share")
    deadline = time.monotonic() + 60
    while tis(srv, "share", rid).get("check", {}).get("state") != "success":
        assert time.monotonic() < deadline, tis(srv, "share", rid)
        time.sleep(0.1)
    assert tis(srv, "share", rid)["poking"]["state"] == "running"  # it was live all along
    cores = os.sysconf("SC_NPROCESSORS_ONLN")
    assert f"sql threads {cores}" in log(srv, "share", rid, "check", 1)
    s3 = boto3.client("s3", endpoint_url=srv.s3_url, aws_access_key_id=ROOT_AK,
                      aws_secret_access_key=ROOT_SK, region_name="us-east-1",
                      config=Config(s3={"addressing_style": "path"}))
    s3.put_object(Bucket="lakehouse", Key="bronze/share/go", Body=b"")
    assert wait_run(srv, "share", rid)["state"] == "success", tis(srv, "share", rid)
    srv.check_clean_stop()


def test_broken_dag_files_are_reported_and_others_keep_running(tmp_path):
    good = "dag_id: good\nschedule: none\ntasks:\n  - {id: t, type: shell, command: 'true'}\n"
    broken = "dag_id: broken\nschedule: none\ntasks:\n  - {id: a, type: shell, command: 'true', depends_on: [nope]}\n"
    cyclic = ("dag_id: cyclic\nschedule: none\ntasks:\n"
              "  - {id: a, type: shell, command: 'true', depends_on: [b]}\n"
              "  - {id: b, type: shell, command: 'true', depends_on: [a]}\n")
    srv = flow_server(tmp_path, "broken", {"good.yaml": good, "broken.yaml": broken,
                                           "cyclic.yaml": cyclic, "bad.yaml": "dag_id: [\n"})
    errs = api(srv, "GET", "/api/v1/importErrors").json()["import_errors"]
    by = {e["filename"].rsplit("/", 1)[1]: e["stack_trace"] for e in errs}
    assert sorted(by) == ["bad.yaml", "broken.yaml", "cyclic.yaml"]
    assert "broken.yaml:4: tasks[0].depends_on" in by["broken.yaml"]
    assert "cycle" in by["cyclic.yaml"]
    assert "bad.yaml:" in by["bad.yaml"]
    assert "dags/bad.yaml" in srv.log() or "bad.yaml" in srv.log()
    assert wait_run(srv, "good", trigger(srv, "good"))["state"] == "success"
    # fixed on disk: picked up by the next scan
    (srv.dags_dir / "broken.yaml").write_text(broken.replace("depends_on: [nope]", "depends_on: []"))
    deadline = time.monotonic() + 30
    while api(srv, "GET", "/api/v1/dags/broken").status_code != 200:
        assert time.monotonic() < deadline, "fixed DAG not picked up"
        time.sleep(0.2)
    assert wait_run(srv, "broken", trigger(srv, "broken"))["state"] == "success"
    # removed: gone from the API
    (srv.dags_dir / "good.yaml").unlink()
    while api(srv, "GET", "/api/v1/dags/good").status_code != 404:
        assert time.monotonic() < deadline + 30, "removed DAG still listed"
        time.sleep(0.2)
    srv.check_clean_stop()
