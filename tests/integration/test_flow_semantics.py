"""Scheduler semantics found in review (issue 10): a paused DAG starts no
queued run (Airflow's scheduler leaves them queued until it is unpaused); a
backfill that reprocesses a run with nothing to clear leaves nothing behind
in the scheduler's working set; a clear with upstream and downstream takes
the relatives of the named tasks only (not the siblings); flow.pools may be
separated by spaces."""
import re
import time

import pytest
import requests

from helpers.flow import api, flow_server, q, runs, tis, trigger, wait_run, wait_runs


def dag(dag_id, task, extra=""):
    return (f"dag_id: {dag_id}\n{extra or 'schedule: none'}\n"
            f"tasks:\n  - {{id: {task}, type: shell, command: 'true'}}\n")


FORK = """\
dag_id: fork
schedule: none
tasks:
  - {id: a, type: shell, command: 'true'}
  - {id: b, type: shell, command: 'true', depends_on: [a]}
  - {id: c, type: shell, command: 'true', depends_on: [a]}
  - {id: d, type: shell, command: 'true', depends_on: [b]}
"""
ONE_DAY = "schedule: '@daily'\nstart_date: 2024-01-01\nend_date: 2024-01-01\ncatchup: true"


@pytest.fixture(scope="module")
def flow(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("flow-semantics")
    srv = flow_server(tmp, "semantics", {"dormant.yaml": dag("dormant", "t"),
                                         "other.yaml": dag("other", "t"),
                                         "shifty.yaml": dag("shifty", "old", ONE_DAY),
                                         "fork.yaml": FORK},
                      env={"LAKEHOUSE_FLOW_DAG_SCAN_INTERVAL": "200ms"})
    yield srv
    srv.check_clean_stop()


def set_paused(srv, dag_id, paused):
    r = api(srv, "PATCH", f"/api/v1/dags/{q(dag_id)}?update_mask=is_paused", {"is_paused": paused})
    assert r.status_code == 200, r.text


def run_state(srv, dag_id, run_id):
    r = api(srv, "GET", f"/api/v1/dags/{q(dag_id)}/dagRuns/{q(run_id)}")
    assert r.status_code == 200, r.text
    return r.json()


def test_paused_dag_keeps_its_triggered_run_queued(flow):
    set_paused(flow, "dormant", True)
    rid = trigger(flow, "dormant")
    # another DAG's run goes through: the scheduler made passes since the trigger
    assert wait_run(flow, "other", trigger(flow, "other", run_id="passes-1"))["state"] == "success"
    run = run_state(flow, "dormant", rid)
    assert run["state"] == "queued" and run["start_date"] is None, run
    set_paused(flow, "dormant", False)
    assert wait_run(flow, "dormant", rid)["state"] == "success"


def ti_gauge(srv, state):
    text = requests.get(srv.web_url + "/metrics", timeout=10).text
    m = re.search(r'lakehouse_flow_task_instances\{state="%s"\} (\S+)' % state, text)
    return float(m.group(1)) if m else None


def test_backfill_reprocess_with_nothing_to_clear_leaves_no_run_behind(flow):
    assert [r["state"] for r in wait_runs(flow, "shifty", 1)] == ["success"]
    (flow.dags_dir / "shifty.yaml").write_text(dag("shifty", "new", ONE_DAY))
    deadline = time.monotonic() + 60
    while True:
        r = api(flow, "GET", "/api/v1/dags/shifty/tasks")
        if [t["task_id"] for t in r.json()["tasks"]] == ["new"]:
            break
        assert time.monotonic() < deadline, r.text
        time.sleep(0.1)
    # the run's only task instance is of a task the DAG no longer has: nothing to clear
    body = {"dag_id": "shifty", "from_date": "2024-01-01T00:00:00+00:00",
            "to_date": "2024-01-01T00:00:00+00:00", "reprocess_behavior": "completed"}
    r = api(flow, "POST", "/api/v1/backfills", body)
    assert r.status_code == 200, r.text
    assert r.json()["num_runs"] == 0
    assert [x["state"] for x in runs(flow, "shifty")] == ["success"]
    # after more passes and a metrics tick, no task instance of an unfinished run is left
    assert wait_run(flow, "other", trigger(flow, "other", run_id="passes-2"))["state"] == "success"
    time.sleep(1.5)
    assert ti_gauge(flow, "none") == 0


def test_pools_separated_by_spaces(tmp_path):
    text = ("dag_id: pooled\nschedule: none\ntasks:\n"
            "  - {id: t, type: shell, pool: batch, command: 'true'}\n")
    srv = flow_server(tmp_path, "pools", {"pooled.yaml": text},
                      env={"LAKEHOUSE_FLOW_POOLS": "etl=1 api=2 batch=3"})
    assert wait_run(srv, "pooled", trigger(srv, "pooled"))["state"] == "success"
    text = requests.get(srv.web_url + "/metrics", timeout=10).text
    assert 'lakehouse_flow_pool_slots{pool="batch"} 3' in text
    srv.check_clean_stop()


def test_clear_with_upstream_and_downstream_takes_no_siblings(flow):
    rid = trigger(flow, "fork")
    assert wait_run(flow, "fork", rid)["state"] == "success"
    body = {"dag_run_id": rid, "task_ids": ["b"], "only_failed": False, "dry_run": True,
            "include_upstream": True, "include_downstream": True}
    r = api(flow, "POST", "/api/v1/dags/fork/clearTaskInstances", body)
    assert r.status_code == 200, r.text
    # Airflow: the named task, its upstream and its downstream; c is only a sibling
    assert sorted(t["task_id"] for t in r.json()["task_instances"]) == ["a", "b", "d"]


def test_a_dag_at_its_limit_does_not_starve_the_others(tmp_path):
    """A DAG at max_active_tasks with more ready tries than one dispatch
    looks at (512) holds none of the other DAGs back."""
    crowd = ("dag_id: crowd\nschedule: none\nmax_active_tasks: 1\ntasks:\n" +
             "".join(f"  - {{id: t{i:03d}, type: shell, command: 'sleep 120'}}\n"
                     for i in range(560)))
    srv = flow_server(tmp_path, "starve", {"crowd.yaml": crowd, "other.yaml": dag("other", "t")},
                      env={"LAKEHOUSE_FLOW_STOP_TASKS": "true"})
    cid = trigger(srv, "crowd")
    deadline = time.monotonic() + 120
    while True:
        r = api(srv, "GET", f"/api/v1/dags/crowd/dagRuns/{q(cid)}/taskInstances",
                params={"limit": 10000, "state": "scheduled"})
        if r.status_code == 200 and r.json()["total_entries"] >= 559:
            break
        assert time.monotonic() < deadline, r.text
        time.sleep(0.2)
    # the crowd's first try sleeps 120 s: the other DAG's run must not wait for it
    assert wait_run(srv, "other", trigger(srv, "other"), timeout=60)["state"] == "success"
    srv.check_clean_stop()


def test_clear_in_a_running_run_keeps_it_running(flow):
    """Airflow's clear puts only finished runs back to queued: a running run
    keeps running (and its slot of max_active_runs)."""
    text = ("dag_id: busy\nschedule: none\ntasks:\n"
            "  - {id: quick, type: shell, command: 'true'}\n"
            "  - {id: slow, type: shell, command: 'sleep 3'}\n")
    (flow.dags_dir / "busy.yaml").write_text(text)
    deadline = time.monotonic() + 60
    while api(flow, "GET", "/api/v1/dags/busy").status_code != 200:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    rid = trigger(flow, "busy", run_id="busy-1")
    while True:
        t = {k: v["state"] for k, v in tis(flow, "busy", rid).items()}
        if t.get("quick") == "success" and t.get("slow") == "running":
            break
        assert time.monotonic() < deadline, t
        time.sleep(0.05)
    set_paused(flow, "busy", True)  # a queued run would stay queued now
    body = {"dag_run_id": rid, "task_ids": ["quick"], "only_failed": False, "dry_run": False}
    r = api(flow, "POST", "/api/v1/dags/busy/clearTaskInstances", body)
    assert r.status_code == 200, r.text
    assert run_state(flow, "busy", rid)["state"] == "running"
    set_paused(flow, "busy", False)
    assert wait_run(flow, "busy", rid)["state"] == "success"
    assert tis(flow, "busy", rid)["quick"]["try_number"] == 2


def test_manual_runs_triggered_in_one_second_get_their_own_ids(flow):
    """Airflow's manual run ids carry microseconds: triggers in a row never collide."""
    ids = []
    for _ in range(5):
        r = api(flow, "POST", "/api/v1/dags/other/dagRuns", {"conf": {}})
        assert r.status_code == 200, r.text
        ids.append(r.json()["dag_run_id"])
    assert len(set(ids)) == 5
    assert all(re.fullmatch(r"manual__\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", i) for i in ids)
    for i in ids:
        assert wait_run(flow, "other", i)["state"] == "success"


def test_raising_max_active_runs_starts_the_queued_runs(tmp_path):
    """The DAG's limits are its current file's (Airflow reads them from the
    DAG as parsed now), also for runs queued before the change."""
    text = ("dag_id: limits\nschedule: none\nmax_active_runs: {n}\n"
            "tasks:\n  - {{id: t, type: shell, command: 'sleep 30'}}\n")
    srv = flow_server(tmp_path, "limits", {"limits.yaml": text.format(n=1)},
                      env={"LAKEHOUSE_FLOW_STOP_TASKS": "true",
                           "LAKEHOUSE_FLOW_DAG_SCAN_INTERVAL": "200ms"})
    a = trigger(srv, "limits", run_id="a")
    b = trigger(srv, "limits", run_id="b")
    deadline = time.monotonic() + 20
    while run_state(srv, "limits", a)["state"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert run_state(srv, "limits", b)["state"] == "queued"
    (srv.dags_dir / "limits.yaml").write_text(text.format(n=2))
    # run a sleeps 30 s: b starts because of the new limit, not because a ended
    while run_state(srv, "limits", b)["state"] != "running":
        assert time.monotonic() < deadline, run_state(srv, "limits", b)
        time.sleep(0.1)
    assert run_state(srv, "limits", a)["state"] == "running"
    srv.check_clean_stop()
