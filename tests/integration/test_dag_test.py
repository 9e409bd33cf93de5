"""`lakehouse dag test DAG TASK DATE`: one task run in the foreground with no
scheduler, through the same command the executor builds (flow/task.h). The
python wrapper maps exceptions to the task contract (ValueError 2,
RuntimeError 1, MemoryError 3, SystemExit passes through) for the script
and the callable forms; the task sees its run context (LAKEHOUSE_CTX_*)
and never the caller's root keys; a sql task runs `lakehouse sql --echo`
with its statements in the output; an object sensor against a real server
is met (0) or not yet (75 with --once, reschedule mode) or times out (2);
a spark task is only rendered (--render-only), never applied."""
import subprocess
from pathlib import Path

from helpers.server import ROOT_AK, ROOT_SK, clean_env, lakehouse_bin

PYTHON = "/usr/bin/python3"

MOD = """\
import os, sys

def ok(*args):
    print("callable args", list(args))

def bad_input(*args):
    raise ValueError("bad row")

def boom(*args):
    raise RuntimeError("transient")

def oom(*args):
    raise MemoryError()

def leave(code):
    sys.exit(int(code))
"""

SCRIPT = """\
import os, sys
print("script argv", sys.argv[1:])
print("ctx", os.environ["LAKEHOUSE_CTX_DAG_ID"], os.environ["LAKEHOUSE_CTX_TASK_ID"],
      os.environ["LAKEHOUSE_CTX_DS"], os.environ["LAKEHOUSE_CTX_TRY_NUMBER"])
"""

DAG = """\
dag_id: tdag
schedule: "@daily"
start_date: 2024-01-01
params:
  region: {type: string, default: eu}
tasks:
  - id: script
    type: python
    script: job.py
    args: ["{{ ds }}", "{{ params.region }}"]
  - {id: ok, type: python, callable: "mod:ok", args: ["{{ ds_nodash }}", x]}
  - {id: bad_input, type: python, callable: "mod:bad_input"}
  - {id: boom, type: python, callable: "mod:boom"}
  - {id: oom, type: python, callable: "mod:oom"}
  - {id: leave, type: python, callable: "mod:leave", args: ["5"]}
  - id: env
    type: shell
    command: >-
      echo "ctx=$LAKEHOUSE_CTX_DAG_ID/$LAKEHOUSE_CTX_RUN_ID/$LAKEHOUSE_CTX_TASK_ID/$LAKEHOUSE_CTX_TRY_NUMBER
      ds=$LAKEHOUSE_CTX_DS start=$LAKEHOUSE_CTX_DATA_INTERVAL_START end=$LAKEHOUSE_CTX_DATA_INTERVAL_END
      root=${LAKEHOUSE_TOKEN:-none} mine=$MINE"
    env: {MINE: "m{{ ds_nodash }}"}
  - {id: conf, type: shell, command: "echo table={{ dag_run.conf.table }}"}
  - {id: fail, type: shell, command: "exit 4"}
  - id: query
    type: sql
    sql: "SELECT 42 AS answer; SELECT '{{ ds }}' AS day"
  - id: spark
    type: spark
    image: apache/spark:3.5.1
    main_application_file: "local:///opt/jobs/{{ ds }}.py"
    arguments: ["{{ ds }}"]
    executor_instances: 2
"""


def make_dags(tmp_path):
    d = tmp_path / "dags"
    d.mkdir()
    (d / "mod.py").write_text(MOD)
    (d / "job.py").write_text(SCRIPT)
    (d / "t.yaml").write_text(DAG)
    return d / "t.yaml"


def dag_test(tmp_path, *args, env=None):
    e = clean_env({"LAKEHOUSE_DATA_DIR": str(tmp_path / "data"), "LAKEHOUSE_TOKEN": "roottoken",
                   "LAKEHOUSE_FLOW_PYTHON": PYTHON, **(env or {})})
    return subprocess.run([lakehouse_bin(), "dag", "test", *map(str, args)], capture_output=True,
                          text=True, timeout=120, env=e, stdin=subprocess.DEVNULL)


def test_python_exit_codes(tmp_path):
    dag = make_dags(tmp_path)
    want = {"ok": 0, "bad_input": 2, "boom": 1, "oom": 3, "leave": 5}
    for task, code in want.items():
        r = dag_test(tmp_path, dag, task, "2024-03-05")
        assert r.returncode == code, (task, r.stdout, r.stderr)
    r = dag_test(tmp_path, dag, "bad_input", "2024-03-05")
    assert "ValueError: bad row" in r.stderr and "Traceback" in r.stderr
    r = dag_test(tmp_path, dag, "boom", "2024-03-05")
    assert "RuntimeError: transient" in r.stderr and "execution" in r.stderr
    r = dag_test(tmp_path, dag, "ok", "2024-03-05")
    assert "callable args ['20240305', 'x']" in r.stdout


def test_python_script_args_and_ctx(tmp_path):
    dag = make_dags(tmp_path)
    r = dag_test(tmp_path, dag, "script", "2024-03-05T13:00:00")
    assert r.returncode == 0, r.stderr
    assert "script argv ['2024-03-05', 'eu']" in r.stdout
    assert "ctx tdag script 2024-03-05 1" in r.stdout


def test_shell_env_and_exit(tmp_path):
    dag = make_dags(tmp_path)
    r = dag_test(tmp_path, dag, "env", "2024-03-05T13:00:00")
    assert r.returncode == 0, r.stderr
    assert "ctx=tdag/manual__2024-03-05T00:00:00+00:00/env/1" in r.stdout
    assert "ds=2024-03-05 start=2024-03-05 00:00:00+00:00 end=2024-03-06 00:00:00+00:00" in r.stdout
    assert "root=none mine=m20240305" in r.stdout  # the caller's token never reaches the task
    r = dag_test(tmp_path, dag, "fail", "2024-03-05")
    assert r.returncode == 4 and "execution" in r.stderr


def test_conf_and_missing_key(tmp_path):
    dag = make_dags(tmp_path)
    r = dag_test(tmp_path, dag, "conf", "2024-03-05")
    assert r.returncode == 2 and "no value for \"table\"" in r.stderr
    r = dag_test(tmp_path, dag, "conf", "2024-03-05", "--conf", '{"table": "sales"}')
    assert r.returncode == 0 and "table=sales" in r.stdout
    r = dag_test(tmp_path, dag, "conf", "2024-03-05", "--conf", "[1]")
    assert r.returncode == 2 and "JSON object" in r.stderr


def test_bad_arguments(tmp_path):
    dag = make_dags(tmp_path)
    r = dag_test(tmp_path, dag, "nope", "2024-03-05")
    assert r.returncode == 2 and "no task nope" in r.stderr
    r = dag_test(tmp_path, dag, "ok", "yesterday")
    assert r.returncode == 2 and "bad DATE" in r.stderr
    r = dag_test(tmp_path, tmp_path / "missing.yaml", "ok", "2024-03-05")
    assert r.returncode == 2 and "no DAG file or DAG id" in r.stderr


def test_dag_by_id(tmp_path):
    dag = make_dags(tmp_path)
    r = dag_test(tmp_path, "tdag", "ok", "2024-03-05", env={"LAKEHOUSE_DAGS_DIR": str(dag.parent)})
    assert r.returncode == 0, r.stderr
    assert "callable args ['20240305', 'x']" in r.stdout


def test_sql_task_echoes_statements(tmp_path):
    dag = make_dags(tmp_path)
    r = dag_test(tmp_path, dag, "query", "2024-03-05")
    assert r.returncode == 0, r.stderr
    assert "SELECT 42 AS answer;" in r.stderr and "SELECT '2024-03-05' AS day;" in r.stderr
    assert "rows=1" in r.stderr
    assert "42" in r.stdout and "2024-03-05" in r.stdout
    rendered = list((tmp_path / "data" / "flow" / "rendered" / "tdag").rglob("query.1.sql"))
    assert len(rendered) == 1 and "'2024-03-05'" in rendered[0].read_text()


def test_spark_render_only(tmp_path):
    dag = make_dags(tmp_path)
    r = dag_test(tmp_path, dag, "spark", "2024-03-05", "--render-only")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("command: sh -c")
    assert '"kind": "SparkApplication"' in r.stdout
    assert '"apiVersion": "sparkoperator.k8s.io/v1beta2"' in r.stdout
    assert '"mainApplicationFile": "local:///opt/jobs/2024-03-05.py"' in r.stdout
    assert '"image": "apache/spark:3.5.1"' in r.stdout
    assert '"instances": 2' in r.stdout


def sensor_dag(tmp_path, bucket, key, mode, timeout="1h"):
    d = tmp_path / "sdags"
    d.mkdir(exist_ok=True)
    p = d / f"s_{mode}.yaml"
    p.write_text(f"""\
dag_id: sens
schedule: "@daily"
start_date: 2024-01-01
tasks:
  - id: wait
    type: sensor
    object: "s3://{bucket}/{key}"
    poke_interval: 1s
    timeout: {timeout}
    mode: {mode}
""")
    return p


def test_object_sensor(tmp_path, server, s3, bucket):
    lake = {"AWS_ENDPOINT_URL": server.s3_url, "AWS_ACCESS_KEY_ID": ROOT_AK,
            "AWS_SECRET_ACCESS_KEY": ROOT_SK}
    key = "bronze/ds=2024-03-05/_SUCCESS"
    dag = sensor_dag(tmp_path, bucket, "bronze/ds={{ ds }}/_SUCCESS", "reschedule")
    r = dag_test(tmp_path, dag, "wait", "2024-03-05", env=lake)
    assert r.returncode == 75, r.stdout + r.stderr
    assert "not met" in r.stdout
    s3.put_object(Bucket=bucket, Key=key, Body=b"")
    r = dag_test(tmp_path, dag, "wait", "2024-03-05", env=lake)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"met: s3://{bucket}/{key} exists" in r.stdout
    # poke mode: it pokes until its timeout, then exits 2 (no retry)
    dag = sensor_dag(tmp_path, bucket, "never/there", "poke", timeout="2s")
    r = dag_test(tmp_path, dag, "wait", "2024-03-05", env=lake)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "timed out" in r.stderr and r.stdout.count("not met") >= 2


def test_sql_echo(tmp_path):
    """`lakehouse sql --echo` prints each statement, then its row count, to
    stderr; a failing statement stops the script with its exit status."""
    env = clean_env({"LAKEHOUSE_DATA_DIR": str(tmp_path / "data")})
    script = ("CREATE TABLE t (x INTEGER);\nINSERT INTO t VALUES (1), (2), (3);\n"
              "SELECT count(*) AS n FROM t")
    r = subprocess.run([lakehouse_bin(), "sql", "--echo", "--format", "csv", "-c", script],
                       capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 0, r.stderr
    err = r.stderr
    assert err.index("CREATE TABLE t (x INTEGER);") < err.index("INSERT INTO t VALUES") \
        < err.index("SELECT count(*) AS n FROM t;")
    assert "INSERT\trows=3" in err
    assert r.stdout == "n\n3\n"
    r = subprocess.run([lakehouse_bin(), "sql", "--echo", "-c", "SELECT 1; SELECT nope FROM t2"],
                       capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 2 and "SELECT nope FROM t2;" in r.stderr


def test_topic_sensor(tmp_path, server):
    """Met once the partition holds a record stamped at or after the data
    interval's end (ListOffsets by time); an older record does not count."""
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic
    b, topic = server.endpoints["kafka"], f"sens-{tmp_path.name[-20:].replace('_', '-')}"
    admin = AdminClient({"bootstrap.servers": b})
    for f in admin.create_topics([NewTopic(topic, 2, 1)]).values():
        f.result(timeout=30)
    d = tmp_path / "tdags"
    d.mkdir()
    dag = d / "t.yaml"
    dag.write_text(f"""\
dag_id: tsens
schedule: "@daily"
start_date: 2024-01-01
tasks:
  - {{id: wait, type: sensor, topic: {topic}, partition: 1, mode: reschedule}}
""")
    env = {"LAKEHOUSE_KAFKA": b}
    end_ms = 1709683200000  # 2024-03-06T00:00:00Z, the end of ds 2024-03-05
    r = dag_test(tmp_path, dag, "wait", "2024-03-05", env=env)
    assert r.returncode == 75, r.stdout + r.stderr
    p = Producer({"bootstrap.servers": b})
    p.produce(topic, value=b"old", partition=1, timestamp=end_ms - 5000)
    p.produce(topic, value=b"other partition", partition=0, timestamp=end_ms + 5000)
    assert p.flush(30) == 0
    r = dag_test(tmp_path, dag, "wait", "2024-03-05", env=env)
    assert r.returncode == 75 and "not met" in r.stdout, r.stdout + r.stderr
    p.produce(topic, value=b"new", partition=1, timestamp=end_ms + 1000)
    assert p.flush(30) == 0
    r = dag_test(tmp_path, dag, "wait", "2024-03-05", env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"met: {topic}[1]" in r.stdout and "(offset 1)" in r.stdout


FAKE_KUBECTL = """#!/bin/sh
# a stand-in kubectl on PATH (no cluster is ever contacted): logs its
# arguments, answers apply with the resource name, get with Pending once and
# then $FAKE_PHASE, logs with a line
echo "$*" >> "$FAKE_DIR/calls"
case "$1" in
  apply) echo pod/fake-pod ;;
  get) if [ -e "$FAKE_DIR/polled" ]; then printf %s "$FAKE_PHASE"; else touch "$FAKE_DIR/polled"; printf Pending; fi ;;
  logs) echo "hello from the pod" ;;
esac
"""


def test_pod_follow_with_a_stand_in_kubectl(tmp_path):
    """The k8s_pod runner applies the manifest, polls the phase until it
    ends, prints the log, deletes per on_finish_action and exits 0/1; kubectl
    here is a script on PATH, so no cluster is contacted."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "kubectl").write_text(FAKE_KUBECTL)
    (fake / "kubectl").chmod(0o755)
    d = tmp_path / "kdags"
    d.mkdir()
    dag = d / "k.yaml"
    dag.write_text("""\
dag_id: kdag
tasks:
  - {id: pod, type: k8s_pod, image: "busybox:1.36", namespace: jobs, arguments: ["{{ ds }}"]}
  - {id: keep, type: k8s_pod, image: "busybox:1.36", on_finish_action: keep_pod}
""")
    import os
    for task, phase, code, deleted in (("pod", "Succeeded", 0, True), ("keep", "Failed", 1, False)):
        (fake / "calls").unlink(missing_ok=True)
        (fake / "polled").unlink(missing_ok=True)
        env = {"PATH": f"{fake}:{os.environ['PATH']}", "FAKE_DIR": str(fake),
               "FAKE_PHASE": phase}
        r = dag_test(tmp_path, dag, task, "2024-03-05", env=env)
        assert r.returncode == code, r.stdout + r.stderr
        assert f"pod/fake-pod: {phase}" in r.stdout and "hello from the pod" in r.stdout
        calls = (fake / "calls").read_text().splitlines()
        assert calls[0].startswith("apply") and calls[0].endswith("-o name")
        assert ("--namespace=jobs" in calls[0]) == (task == "pod")
        assert any(c.startswith("delete") for c in calls) == deleted
