"""depends_on_past (Airflow's): with catchup over four days, the task of
each run starts only after the same task of the previous day's run has
ended, even though max_active_runs lets the four runs go at once; when one
day's task fails, the next day's task does not start (while other DAGs'
runs go through), and once the failed one is cleared and succeeds, the next
one runs."""
import time

from helpers.flow import api, flow_server, runs, tis, trigger, wait_run


def dag(out, flag):
    return f"""\
dag_id: past
schedule: '@daily'
start_date: 2024-01-01
end_date: 2024-01-04
catchup: true
max_active_runs: 4
tasks:
  - id: t
    type: shell
    depends_on_past: true
    command: 'echo "{{{{ ds }}}} start" >> {out}; sleep 0.5; test {{{{ ds }}}} != 2024-01-03 -o -e {flag}; rc=$?; echo "{{{{ ds }}}} end" >> {out}; exit $rc'
"""


OTHER = """\
dag_id: other
schedule: none
tasks:
  - {id: t, type: shell, command: 'true'}
"""


def run_id(day):
    return f"scheduled__2024-01-0{day}T00:00:00+00:00"


def test_depends_on_past_orders_the_runs_and_holds_after_a_failure(tmp_path):
    out, flag = tmp_path / "order", tmp_path / "flag"
    srv = flow_server(tmp_path, "past", {"past.yaml": dag(out, flag), "other.yaml": OTHER})
    for day in (1, 2, 3):
        deadline = time.monotonic() + 60
        while run_id(day) not in {r["dag_run_id"] for r in runs(srv, "past")}:
            assert time.monotonic() < deadline, runs(srv, "past")
            time.sleep(0.1)
        want = "failed" if day == 3 else "success"
        assert wait_run(srv, "past", run_id(day))["state"] == want
    # each day's task started after the previous day's ended
    assert out.read_text().split("\n")[:-1] == [
        f"2024-01-0{d} {w}" for d in (1, 2, 3) for w in ("start", "end")]
    # the scheduler keeps dispatching (another DAG's run goes through) but
    # the fourth day's task waits on the third day's failure
    assert wait_run(srv, "other", trigger(srv, "other"))["state"] == "success"
    assert tis(srv, "past", run_id(4)).get("t", {}).get("state") in (None, "scheduled")
    assert "2024-01-04" not in out.read_text()
    flag.write_text("")
    r = api(srv, "POST", "/api/v1/dags/past/clearTaskInstances",
            {"dag_run_id": run_id(3), "task_ids": ["t"], "dry_run": False})
    assert r.status_code == 200, r.text
    assert wait_run(srv, "past", run_id(3))["state"] == "success"
    assert wait_run(srv, "past", run_id(4))["state"] == "success"
    assert out.read_text().split("\n")[-5:-1] == [
        "2024-01-03 start", "2024-01-03 end", "2024-01-04 start", "2024-01-04 end"]
    srv.check_clean_stop()
