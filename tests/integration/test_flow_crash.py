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
        if all(t[k]["state"] == "running" for k in tasks):
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
    task_pid = json.loads(victim_status.read_text())["task_pid"]
    srv.kill()
    # the victim's supervisor and task die too, leaving a "running" status behind
    os.kill(t["victim"]["pid"], signal.SIGKILL)
    os.killpg(task_pid, signal.SIGKILL)
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
