"""kill -9 of the orchestrator mid-run (issue 10, crash safety): on restart
it adopts the supervisors still running, reads the status files of those
that ended while it was down, and re-runs only the attempt whose
supervisor is gone without a status; no run is lost and no task runs
twice."""
import json
import os
import signal
import time

from helpers.flow import flow_server, tis, trigger, wait_run


def dag(out):
    return f"""\
dag_id: crashy
schedule: none
tasks:
  - id: slow
    type: shell
    command: 'echo slow >> {out}; sleep 4'
  - id: quick
    type: shell
    command: 'echo quick >> {out}'
  - id: after
    type: shell
    command: 'echo after >> {out}'
    depends_on: [slow, quick]
  - id: victim
    type: shell
    command: 'echo victim >> {out}; sleep 4'
"""


def wait_running(srv, rid, tasks, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        t = tis(srv, "crashy", rid)
        # the run's task instances appear once the scheduler has seen the run
        if all(t.get(k, {}).get("state") == "running" for k in tasks):
            return t
        time.sleep(0.05)
    raise AssertionError(f"not running: {tis(srv, 'crashy', rid)}")


def test_kill9_adopts_running_tries_and_reruns_only_lost_ones(tmp_path):
    out = tmp_path / "ran"
    srv = flow_server(tmp_path, "crash", {"crashy.yaml": dag(out)})
    rid = trigger(srv, "crashy")
    t = wait_running(srv, rid, ["slow", "victim"])
    victim_status = (srv.data_dir / "flow" / "logs" / "dag_id=crashy" / f"run_id={rid}" /
                     "task_id=victim" / "attempt=1.status")
    deadline = time.monotonic() + 60
    while not victim_status.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    task_pid = json.loads(victim_status.read_text())["task_pid"]
    # the first try has run its echo (its shell may start late on a loaded machine)
    while "victim" not in (out.read_text() if out.exists() else "") and \
            time.monotonic() < deadline:
        time.sleep(0.05)
    srv.kill()
    # the victim's supervisor and task die too, leaving a "running" status behind
    os.kill(t["victim"]["pid"], signal.SIGKILL)
    try:
        os.killpg(task_pid, signal.SIGKILL)
    except ProcessLookupError:  # gone with its supervisor (parent-death signal)
        pass
    time.sleep(0.5)
    srv.start()
    run = wait_run(srv, "crashy", rid)
    assert run["state"] == "success"
    t = tis(srv, "crashy", rid)
    assert {k: (v["state"], v["try_number"]) for k, v in t.items()} == {
        "slow": ("success", 1), "quick": ("success", 1), "after": ("success", 1),
        "victim": ("success", 2)}
    lines = out.read_text().split()
    assert sorted(lines) == ["after", "quick", "slow", "victim", "victim"]
    srv.check_clean_stop()


def test_kill9_while_down_a_try_ends_and_its_status_is_read(tmp_path):
    out = tmp_path / "ran"
    srv = flow_server(tmp_path, "crash2", {"crashy.yaml": dag(out)})
    rid = trigger(srv, "crashy")
    wait_running(srv, rid, ["slow", "victim"])
    srv.kill()
    time.sleep(5)  # slow and victim end while nobody watches
    srv.start()
    run = wait_run(srv, "crashy", rid)
    assert run["state"] == "success"
    t = tis(srv, "crashy", rid)
    assert all(v["try_number"] == 1 for v in t.values()), t
    assert sorted(out.read_text().split()) == ["after", "quick", "slow", "victim"]
    srv.check_clean_stop()


SENSOR = """\
dag_id: waits
schedule: none
tasks:
  - id: flag
    type: sensor
    object: "s3://lakehouse/bronze/crashflag"
    mode: reschedule
    poke_interval: 1s
    timeout: 10m
"""


def wait_reschedule(srv, rid, not_end=None, timeout=60):
    """The sensor up_for_reschedule after a poke that ended at another time than not_end."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        t = tis(srv, "waits", rid).get("flag", {})  # none until the scheduler saw the run
        if t.get("state") == "up_for_reschedule" and t["end_date"] != not_end:
            return t
        time.sleep(0.05)
    raise AssertionError(f"no poke: {tis(srv, 'waits', rid)}")


def test_kill9_keeps_a_reschedule_sensors_try_number(tmp_path):
    import boto3
    from botocore.config import Config

    from helpers.server import ROOT_AK, ROOT_SK
    srv = flow_server(tmp_path, "crash3", {"waits.yaml": SENSOR})
    rid = trigger(srv, "waits")
    before = wait_reschedule(srv, rid)
    assert before["try_number"] == 1
    srv.kill()
    srv.start()
    # a poke after the restart is still the first try (Airflow: a reschedule keeps it)
    after = wait_reschedule(srv, rid, not_end=before["end_date"])
    assert after["try_number"] == 1, after
    s3 = boto3.client("s3", endpoint_url=srv.s3_url, aws_access_key_id=ROOT_AK,
                      aws_secret_access_key=ROOT_SK, region_name="us-east-1",
                      config=Config(s3={"addressing_style": "path"}))
    s3.put_object(Bucket="lakehouse", Key="bronze/crashflag", Body=b"")
    assert wait_run(srv, "waits", rid)["state"] == "success"
    assert tis(srv, "waits", rid)["flag"]["try_number"] == 1
    srv.check_clean_stop()


def test_kill9_then_the_dag_file_is_gone_the_run_fails_with_its_task_instances(tmp_path):
    out = tmp_path / "ran"
    srv = flow_server(tmp_path, "crash4", {"crashy.yaml": dag(out)})
    rid = trigger(srv, "crashy")
    wait_running(srv, rid, ["slow", "victim"])
    deadline = time.monotonic() + 60
    while tis(srv, "crashy", rid)["quick"]["state"] != "success":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    srv.kill()
    (srv.dags_dir / "crashy.yaml").unlink()
    srv.start()
    run = wait_run(srv, "crashy", rid)
    assert run["state"] == "failed"
    # Airflow's "mark failed": running task instances fail (unfinished ones are skipped)
    t = {k: v["state"] for k, v in tis(srv, "crashy", rid).items()}
    assert t == {"slow": "failed", "victim": "failed", "quick": "success"}, t
    time.sleep(4.5)  # the orphaned tries end by themselves
    srv.check_clean_stop()
