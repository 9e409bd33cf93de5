"""The orchestrator's REST API (Airflow 2's /api/v1 shapes, docs/api.md) and
the `lakehouse dag` client verbs, against a real `lakehouse up` with a DAG
folder of small shell DAGs: DAGs listed, read and paused; a manual run with
conf whose task instances reach success, with the log of each try; clear
(dry run, then for real: the try number bumps, the task runs again, each
try keeps its log); backfill (runs made once, never duplicated); problems
401/403/404/409/400; pagination and totals. HTTP through curl, the CLI
through the binary."""
import json
import shlex
import subprocess
import time
from pathlib import Path

import pytest

from helpers.server import ROOT_AK, ROOT_SK, Server, clean_env, lakehouse_bin

HELLO = """\
dag_id: hello
description: says hello
schedule: none
params:
  who: {type: string, default: world}
  n: {type: integer, default: 1}
tasks:
  - id: greet
    type: shell
    command: "echo hello {{ params.who }} try {{ ti.try_number }}"
  - id: after
    type: shell
    command: "echo after"
    depends_on: [greet]
"""

DAILY = """\
dag_id: daily
schedule: "@daily"
start_date: 2024-01-01
catchup: false
tasks:
  - id: one
    type: shell
    command: "echo day {{ ds }}"
"""

BROKEN = """\
dag_id: broken
schedule: none
tasks:
  - id: a
    type: shell
    command: "true"
    depends_on: [nope]
"""

EXTRA_DAGS = 3  # quiet0..2, for paging


def quiet(i):
    return f"dag_id: quiet{i}\nschedule: none\ntasks:\n  - id: t\n    type: shell\n    command: \"true\"\n"


@pytest.fixture(scope="module")
def flow(tmp_path_factory):
    d = tmp_path_factory.mktemp("flow-api")
    dags = d / "dags"
    dags.mkdir()
    (dags / "hello.yaml").write_text(HELLO)
    (dags / "daily.yaml").write_text(DAILY)
    (dags / "broken.yaml").write_text(BROKEN)
    for i in range(EXTRA_DAGS):
        (dags / f"quiet{i}.yaml").write_text(quiet(i))
    srv = Server(d / "data", d, name="flow-api",
                 env={"LAKEHOUSE_DAGS_DIR": str(dags), "LAKEHOUSE_FLOW_PYTHON": "/usr/bin/python3"})
    srv.start()
    srv.add_user("flow-reader", "readersecret-1", "reader")
    for dag in ("hello", "daily"):
        assert api(srv, "PATCH", f"/api/v1/dags/{dag}?update_mask=is_paused",
                   {"is_paused": False})[0] == 200
    yield srv
    if srv.running():
        srv.check_clean_stop()


def api(srv, method, path, body=None, auth=(ROOT_AK, ROOT_SK), headers=()):
    """(status, JSON or text, content type) of one curl call."""
    args = ["curl", "-s", "-X", method, "-w", "\n%{http_code} %{content_type}",
            srv.web_url + path]
    if auth:
        args += ["-u", f"{auth[0]}:{auth[1]}"]
    if body is not None:
        args += ["-H", "Content-Type: application/json", "--data-binary", json.dumps(body)]
    for h in headers:
        args += ["-H", h]
    out = subprocess.run(args, capture_output=True, text=True, timeout=60, check=True).stdout
    text, _, tail = out.rpartition("\n")
    status, _, ctype = tail.partition(" ")
    try:
        doc = json.loads(text) if "json" in ctype else text
    except ValueError:
        doc = text
    return int(status), doc, ctype


def ok(srv, method, path, body=None, status=200):
    st, doc, _ = api(srv, method, path, body)
    assert st == status, (method, path, st, doc)
    return doc


def wait_for(fn, what, timeout=90):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


def run_state(srv, dag, run):
    return ok(srv, "GET", f"/api/v1/dags/{dag}/dagRuns/{run}")["state"]


def wait_run(srv, dag, run, states=("success", "failed")):
    return wait_for(lambda: run_state(srv, dag, run) in states and run_state(srv, dag, run),
                    f"run {dag}/{run} to end")


def cli(srv, *args, **kw):
    return srv.cli("dag", *args, **kw)


# --- DAGs ---------------------------------------------------------------------

def test_dags_list_has_airflow_fields_and_totals(flow):
    doc = ok(flow, "GET", "/api/v1/dags")
    ids = [d["dag_id"] for d in doc["dags"]]
    assert ids == sorted(ids)
    assert {"hello", "daily", "quiet0"} <= set(ids)
    assert doc["total_entries"] == len(ids)
    daily = next(d for d in doc["dags"] if d["dag_id"] == "daily")
    assert daily["schedule_interval"] == {"__type": "CronExpression", "value": "@daily"}
    assert daily["is_paused"] is False and daily["is_active"] is True
    assert daily["fileloc"].endswith("daily.yaml")
    assert daily["tags"] == [] and daily["owners"] == []
    assert daily["max_active_runs"] == 16 and daily["has_import_errors"] is False
    assert daily["next_dagrun"].endswith("+00:00")
    hello = next(d for d in doc["dags"] if d["dag_id"] == "hello")
    assert hello["schedule_interval"] is None and hello["description"] == "says hello"


def test_dags_pagination(flow):
    all_ids = [d["dag_id"] for d in ok(flow, "GET", "/api/v1/dags?limit=1000")["dags"]]
    page = ok(flow, "GET", "/api/v1/dags?limit=2&offset=1")
    assert [d["dag_id"] for d in page["dags"]] == all_ids[1:3]
    assert page["total_entries"] == len(all_ids)
    desc = ok(flow, "GET", "/api/v1/dags?order_by=-dag_id&limit=1")
    assert desc["dags"][0]["dag_id"] == all_ids[-1]
    assert api(flow, "GET", "/api/v1/dags?limit=0")[0] == 400
    assert api(flow, "GET", "/api/v1/dags?bogus=1")[0] == 400


def test_dag_get_details_tasks_and_404(flow):
    d = ok(flow, "GET", "/api/v1/dags/hello")
    assert d["dag_id"] == "hello" and d["timetable_description"]
    det = ok(flow, "GET", "/api/v1/dags/daily/details")
    assert det["start_date"] == "2024-01-01T00:00:00+00:00" and det["catchup"] is False
    tasks = ok(flow, "GET", "/api/v1/dags/hello/tasks")
    assert tasks["total_entries"] == 2
    by_id = {t["task_id"]: t for t in tasks["tasks"]}
    assert by_id["greet"]["downstream_task_ids"] == ["after"]
    assert by_id["greet"]["operator_name"] == "shell"
    st, doc, ctype = api(flow, "GET", "/api/v1/dags/nope")
    assert st == 404 and ctype.startswith("application/problem+json")
    assert doc["status"] == 404 and "nope" in doc["detail"]


def test_import_errors_name_file_line_and_field(flow):
    doc = ok(flow, "GET", "/api/v1/importErrors")
    errs = [e for e in doc["import_errors"] if e["filename"].endswith("broken.yaml")]
    assert errs and "depends_on" in errs[0]["stack_trace"]
    assert "broken.yaml:" in errs[0]["stack_trace"]
    assert doc["total_entries"] == len(doc["import_errors"])


def test_patch_pauses_and_unpauses(flow):
    d = ok(flow, "PATCH", "/api/v1/dags/quiet0?update_mask=is_paused", {"is_paused": True})
    assert d["is_paused"] is True
    assert ok(flow, "GET", "/api/v1/dags/quiet0")["is_paused"] is True
    paused = ok(flow, "GET", "/api/v1/dags?paused=true&limit=1000")["dags"]
    assert "quiet0" in [x["dag_id"] for x in paused]
    d = ok(flow, "PATCH", "/api/v1/dags/quiet0", {"is_paused": False})
    assert d["is_paused"] is False
    assert api(flow, "PATCH", "/api/v1/dags/quiet0?update_mask=description",
               {"is_paused": True})[0] == 400
    assert api(flow, "PATCH", "/api/v1/dags/quiet0", {"is_paused": "yes"})[0] == 400
    assert api(flow, "PATCH", "/api/v1/dags/nope", {"is_paused": True})[0] == 404


# --- runs, task instances, logs ---------------------------------------------------

def test_trigger_with_conf_runs_to_success_with_logs(flow):
    run = ok(flow, "POST", "/api/v1/dags/hello/dagRuns",
             {"dag_run_id": "conf-run", "conf": {"who": "api"}})
    assert run["dag_run_id"] == "conf-run" and run["run_type"] == "manual"
    assert run["external_trigger"] is True and run["conf"] == {"who": "api"}
    assert run["logical_date"] == run["execution_date"]
    assert run["logical_date"].endswith("+00:00")
    assert wait_run(flow, "hello", "conf-run") == "success"
    tis = ok(flow, "GET", "/api/v1/dags/hello/dagRuns/conf-run/taskInstances")
    assert tis["total_entries"] == 2
    by_id = {t["task_id"]: t for t in tis["task_instances"]}
    greet = by_id["greet"]
    assert greet["state"] == "success" and greet["try_number"] == 1
    assert greet["operator"] == "shell" and greet["hostname"] == ""
    assert greet["execution_date"] == run["logical_date"]
    assert greet["duration"] is not None and greet["duration"] >= 0
    page = ok(flow, "GET", "/api/v1/dags/hello/dagRuns/conf-run/taskInstances?limit=1&offset=1")
    assert [t["task_id"] for t in page["task_instances"]] == ["greet"]  # task_id order
    assert page["total_entries"] == 2
    assert ok(flow, "GET", "/api/v1/dags/hello/dagRuns/conf-run/taskInstances?state=success"
              "&state=failed&limit=1")["total_entries"] == 2
    one = ok(flow, "GET", "/api/v1/dags/hello/dagRuns/conf-run/taskInstances/greet")
    assert one["task_id"] == "greet" and one["state"] == "success"
    st, text, ctype = api(flow, "GET",
                          "/api/v1/dags/hello/dagRuns/conf-run/taskInstances/greet/logs/1")
    assert st == 200 and ctype.startswith("text/plain") and "hello api try 1" in text
    st, doc, _ = api(flow, "GET", "/api/v1/dags/hello/dagRuns/conf-run/taskInstances/greet/logs/1",
                     headers=["Accept: application/json"])
    assert st == 200 and "hello api try 1" in doc["content"]
    assert doc["continuation_token"] is None
    st, doc, _ = api(flow, "GET", "/api/v1/dags/hello/dagRuns/conf-run/taskInstances/greet/logs/2")
    assert st == 404


def test_trigger_problems(flow):
    assert api(flow, "POST", "/api/v1/dags/nope/dagRuns", {})[0] == 404
    ok(flow, "POST", "/api/v1/dags/hello/dagRuns", {"dag_run_id": "twice"})
    st, doc, _ = api(flow, "POST", "/api/v1/dags/hello/dagRuns", {"dag_run_id": "twice"})
    assert st == 409 and doc["status"] == 409
    assert api(flow, "POST", "/api/v1/dags/hello/dagRuns", {"conf": [1, 2]})[0] == 400
    assert api(flow, "POST", "/api/v1/dags/hello/dagRuns", {"conf": {"n": "abc"}})[0] == 400
    assert api(flow, "POST", "/api/v1/dags/hello/dagRuns", {"bogus": 1})[0] == 400
    for bad_id in ("a/b", "..", "x" * 251, "sp ace", ""):
        assert api(flow, "POST", "/api/v1/dags/hello/dagRuns", {"dag_run_id": bad_id})[0] == 400
    assert api(flow, "POST", "/api/v1/dags/hello/dagRuns",
               {"logical_date": "not a date"})[0] == 400
    assert api(flow, "GET", "/api/v1/dags/hello/dagRuns/nope")[0] == 404
    assert api(flow, "GET", "/api/v1/dags/hello/dagRuns/nope/taskInstances")[0] == 404
    wait_run(flow, "hello", "twice")


def test_auth_problems(flow):
    st, doc, _ = api(flow, "GET", "/api/v1/dags", auth=None)
    assert st == 401 and doc["status"] == 401
    assert api(flow, "GET", "/api/v1/dags", auth=(ROOT_AK, "wrong"))[0] == 401
    reader = ("flow-reader", "readersecret-1")
    assert api(flow, "GET", "/api/v1/dags", auth=reader)[0] == 200
    st, doc, _ = api(flow, "PATCH", "/api/v1/dags/hello", {"is_paused": True}, auth=reader)
    assert st == 403 and doc["status"] == 403
    assert api(flow, "POST", "/api/v1/dags/hello/dagRuns", {}, auth=reader)[0] == 403
    assert api(flow, "POST", "/api/v1/dags/hello/clearTaskInstances", {}, auth=reader)[0] == 403


def test_bearer_token_for_api_and_cli(flow):
    token = flow.cli("token", "create", "--name", "flow-api", check=True).stdout.strip()
    st, doc, _ = api(flow, "GET", "/api/v1/dags/hello", auth=None,
                     headers=[f"Authorization: Bearer {token}"])
    assert st == 200 and doc["dag_id"] == "hello"
    r = flow.cli("dag", "list", "--json", ak="", sk="", env={"LAKEHOUSE_TOKEN": token}, check=True)
    assert "hello" in [d["dag_id"] for d in json.loads(r.stdout)["dags"]]
    assert api(flow, "GET", "/api/v1/dags", auth=None,
               headers=["Authorization: Bearer nope"])[0] == 401


def test_runs_list_filters_order_and_paging(flow):
    for i in range(3):
        ok(flow, "POST", "/api/v1/dags/hello/dagRuns",
           {"dag_run_id": f"page-{i}", "logical_date": f"2023-0{i + 1}-01T00:00:00+00:00"})
    for i in range(3):
        wait_run(flow, "hello", f"page-{i}")
    all_runs = ok(flow, "GET", "/api/v1/dags/hello/dagRuns?limit=1000")
    total = all_runs["total_entries"]
    assert total == len(all_runs["dag_runs"]) >= 3
    page = ok(flow, "GET", "/api/v1/dags/hello/dagRuns?order_by=execution_date&limit=2&offset=1")
    assert [r["dag_run_id"] for r in page["dag_runs"]] == ["page-1", "page-2"]
    assert page["total_entries"] == total
    rng = ok(flow, "GET", "/api/v1/dags/hello/dagRuns?execution_date_gte=2023-02-01T00:00:00%2B00:00"
             "&execution_date_lte=2023-03-01T00:00:00Z&limit=1")
    assert rng["total_entries"] == 2 and rng["dag_runs"][0]["dag_run_id"] == "page-1"
    succ = ok(flow, "GET", "/api/v1/dags/hello/dagRuns?state=success&limit=1000")
    assert all(r["state"] == "success" for r in succ["dag_runs"])
    assert succ["total_entries"] == len(succ["dag_runs"]) >= 3
    assert api(flow, "GET", "/api/v1/dags/hello/dagRuns?state=bogus")[0] == 400
    assert api(flow, "GET", "/api/v1/dags/hello/dagRuns?execution_date_gte=x")[0] == 400
    every = ok(flow, "GET", "/api/v1/dags/~/dagRuns?limit=1000")
    assert every["total_entries"] >= total


def test_delete_run(flow):
    ok(flow, "POST", "/api/v1/dags/hello/dagRuns", {"dag_run_id": "doomed"})
    wait_run(flow, "hello", "doomed")
    assert api(flow, "DELETE", "/api/v1/dags/hello/dagRuns/doomed")[0] == 204
    assert api(flow, "GET", "/api/v1/dags/hello/dagRuns/doomed")[0] == 404
    assert api(flow, "DELETE", "/api/v1/dags/hello/dagRuns/doomed")[0] == 404


# --- clear ----------------------------------------------------------------------

def test_clear_dry_run_then_real_bumps_try_and_keeps_logs(flow):
    ok(flow, "POST", "/api/v1/dags/hello/dagRuns", {"dag_run_id": "clear-me", "conf": {"who": "c"}})
    assert wait_run(flow, "hello", "clear-me") == "success"
    body = {"dag_run_id": "clear-me", "task_ids": ["greet"], "only_failed": False}
    dry = ok(flow, "POST", "/api/v1/dags/hello/clearTaskInstances", body)  # dry_run defaults true
    assert [t["task_id"] for t in dry["task_instances"]] == ["greet"]
    assert dry["task_instances"][0]["dag_run_id"] == "clear-me"
    greet = ok(flow, "GET", "/api/v1/dags/hello/dagRuns/clear-me/taskInstances/greet")
    assert greet["try_number"] == 1 and greet["state"] == "success"  # nothing changed
    # only_failed defaults to true, as Airflow: a successful run has nothing to clear
    none = ok(flow, "POST", "/api/v1/dags/hello/clearTaskInstances",
              {"dag_run_id": "clear-me", "dry_run": True})
    assert none["task_instances"] == []
    down = ok(flow, "POST", "/api/v1/dags/hello/clearTaskInstances",
              {**body, "include_downstream": True})
    assert sorted(t["task_id"] for t in down["task_instances"]) == ["after", "greet"]
    real = ok(flow, "POST", "/api/v1/dags/hello/clearTaskInstances", {**body, "dry_run": False})
    assert [t["task_id"] for t in real["task_instances"]] == ["greet"]

    def second_try_done():
        t = ok(flow, "GET", "/api/v1/dags/hello/dagRuns/clear-me/taskInstances/greet")
        return t["try_number"] == 2 and t["state"] == "success" and t
    wait_for(second_try_done, "the cleared task's second try")
    assert wait_run(flow, "hello", "clear-me") == "success"
    base = "/api/v1/dags/hello/dagRuns/clear-me/taskInstances/greet/logs"
    assert "hello c try 1" in api(flow, "GET", base + "/1")[1]
    assert "hello c try 2" in api(flow, "GET", base + "/2")[1]


def test_clear_problems(flow):
    assert api(flow, "POST", "/api/v1/dags/nope/clearTaskInstances", {"dry_run": True})[0] == 404
    assert api(flow, "POST", "/api/v1/dags/hello/clearTaskInstances",
               {"task_ids": ["no-such-task"]})[0] == 400
    assert api(flow, "POST", "/api/v1/dags/hello/clearTaskInstances", {"task_ids": "greet"})[0] == 400
    assert api(flow, "POST", "/api/v1/dags/hello/clearTaskInstances",
               {"include_future": True})[0] == 400
    assert api(flow, "POST", "/api/v1/dags/hello/clearTaskInstances", {"dry_run": "no"})[0] == 400


# --- backfill -------------------------------------------------------------------

def backfill_runs(srv):
    runs = ok(srv, "GET", "/api/v1/dags/daily/dagRuns?limit=1000")["dag_runs"]
    return sorted(r["logical_date"] for r in runs if r["run_type"] == "backfill")


def test_backfill_makes_runs_once(flow):
    body = {"dag_id": "daily", "from_date": "2024-01-01T00:00:00+00:00",
            "to_date": "2024-01-03T00:00:00+00:00", "reprocess_behavior": "none"}
    bf = ok(flow, "POST", "/api/v1/backfills", body)
    assert bf["dag_id"] == "daily" and bf["num_runs"] == 3 and bf["id"] > 0
    assert backfill_runs(flow) == ["2024-01-01T00:00:00+00:00", "2024-01-02T00:00:00+00:00",
                                   "2024-01-03T00:00:00+00:00"]

    def done():
        p = ok(flow, "GET", f"/api/v1/backfills/{bf['id']}")
        return p["completed_at"] is not None and p
    p = wait_for(done, "the backfill's runs")
    assert p["num_runs"] == 3 and p["runs_by_state"]["success"] == 3
    assert p["from_date"] == "2024-01-01T00:00:00+00:00"
    assert p["to_date"] == "2024-01-03T00:00:00+00:00"
    by_dates = ok(flow, "POST", "/api/v1/dags/daily/clearTaskInstances",
                  {"start_date": "2024-01-01T00:00:00+00:00", "end_date": "2024-01-02",
                   "only_failed": False})
    assert sorted(t["execution_date"] for t in by_dates["task_instances"]) == [
        "2024-01-01T00:00:00+00:00", "2024-01-02T00:00:00+00:00"]
    again = ok(flow, "POST", "/api/v1/backfills", body)
    assert again["num_runs"] == 0
    assert len(backfill_runs(flow)) == 3
    wait_for(done, "the cleared runs")
    # reprocessing finished runs: the new backfill's progress follows them
    redo = ok(flow, "POST", "/api/v1/backfills", {**body, "reprocess_behavior": "completed"})
    assert redo["num_runs"] == 3 and redo["id"] != bf["id"]

    def redone():
        p = ok(flow, "GET", f"/api/v1/backfills/{redo['id']}")
        return p["completed_at"] is not None and p
    p = wait_for(redone, "the reprocessed runs")
    assert p["num_runs"] == 3 and p["runs_by_state"]["success"] == 3
    assert len(backfill_runs(flow)) == 3
    assert api(flow, "POST", "/api/v1/backfills", {**body, "reprocess_behavior": "x"})[0] == 400
    assert api(flow, "POST", "/api/v1/backfills", {**body, "dag_id": "nope"})[0] == 404
    assert api(flow, "POST", "/api/v1/backfills", {"dag_id": "daily"})[0] == 400


# --- the CLI ----------------------------------------------------------------------

def test_cli_list_show_pause(flow):
    r = cli(flow, "list", check=True)
    lines = r.stdout.splitlines()
    assert lines[0].split()[0] == "DAG_ID"
    assert any(ln.split()[0] == "hello" for ln in lines[1:])
    assert any("broken.yaml:" in ln and "depends_on" in ln for ln in lines)  # import errors
    doc = json.loads(cli(flow, "list", "--json", check=True).stdout)
    assert doc["total_entries"] == len(doc["dags"])
    r = cli(flow, "show", "hello", check=True)
    assert "greet" in r.stdout and "after" in r.stdout and "says hello" in r.stdout
    doc = json.loads(cli(flow, "show", "hello", "--json", check=True).stdout)
    assert doc["dag_id"] == "hello" and len(doc["tasks"]) == 2
    assert cli(flow, "pause", "quiet1", check=True).stdout.strip() == "paused quiet1"
    assert ok(flow, "GET", "/api/v1/dags/quiet1")["is_paused"] is True
    cli(flow, "unpause", "quiet1", check=True)
    assert ok(flow, "GET", "/api/v1/dags/quiet1")["is_paused"] is False
    r = cli(flow, "show", "nope")
    assert r.returncode == 1 and r.stderr.startswith("lakehouse dag: ") and "nope" in r.stderr
    assert cli(flow, "show").returncode == 2
    assert cli(flow, "list", "--bogus").returncode == 2


def test_cli_trigger_runs_tasks_logs(flow):
    r = cli(flow, "trigger", "hello", "--conf", '{"who": "cli"}', "--run-id", "cli-run",
            check=True)
    assert "cli-run" in r.stdout
    wait_run(flow, "hello", "cli-run")
    r = cli(flow, "runs", "hello", check=True)
    assert r.stdout.splitlines()[0].split()[:2] == ["RUN_ID", "STATE"]
    assert any(ln.startswith("cli-run ") and " success " in ln for ln in r.stdout.splitlines())
    doc = json.loads(cli(flow, "runs", "hello", "--state", "success", "--json", check=True).stdout)
    assert "cli-run" in [x["dag_run_id"] for x in doc["dag_runs"]]
    r = cli(flow, "tasks", "hello", "cli-run", check=True)
    assert any(ln.split()[:3] == ["greet", "success", "1"] for ln in r.stdout.splitlines())
    doc = json.loads(cli(flow, "tasks", "hello", "cli-run", "--json", check=True).stdout)
    assert doc["total_entries"] == 2
    assert "hello cli try 1" in cli(flow, "logs", "hello", "cli-run", "greet", check=True).stdout
    assert "hello cli try 1" in cli(flow, "logs", "hello", "cli-run", "greet", "--try", "1",
                                    check=True).stdout
    r = cli(flow, "logs", "hello", "cli-run", "greet", "--try", "9")
    assert r.returncode == 1 and r.stderr.startswith("lakehouse dag: ")
    r = cli(flow, "trigger", "hello", "--run-id", "cli-run")
    assert r.returncode == 1 and "lakehouse dag: " in r.stderr
    assert cli(flow, "trigger", "hello", "--conf", "[1]").returncode == 2


def test_cli_clear_dry_run_then_yes(flow):
    cli(flow, "trigger", "hello", "--run-id", "cli-clear", check=True)
    wait_run(flow, "hello", "cli-clear")
    r = cli(flow, "clear", "hello", "--run-id", "cli-clear", "--task", "greet", check=True)
    assert "greet" in r.stdout and "--yes" in r.stderr
    assert ok(flow, "GET", "/api/v1/dags/hello/dagRuns/cli-clear/taskInstances/greet")[
        "try_number"] == 1
    r = cli(flow, "clear", "hello", "--run-id", "cli-clear", "--task", "greet", "--downstream",
            "--yes", check=True)
    assert "cleared 2 task instances" in r.stdout

    def rerun():
        t = ok(flow, "GET", "/api/v1/dags/hello/dagRuns/cli-clear/taskInstances/after")
        return t["try_number"] == 2 and t["state"] == "success"
    wait_for(rerun, "the cleared tasks to run again")
    r = cli(flow, "clear", "hello", "--run-id", "cli-clear", "--only-failed", "--yes", check=True)
    assert "nothing to clear" in r.stdout
    assert cli(flow, "clear", "hello", "--run-id", "x", "--start", "2024-01-01").returncode == 2


def test_cli_backfill_waits_and_never_duplicates(flow):
    r = cli(flow, "backfill", "daily", "--start", "2024-02-01", "--end", "2024-02-02",
            check=True, timeout=120)
    assert "2 runs" in r.stdout and "2 success, 0 failed" in r.stdout
    assert "backfill:" in r.stderr  # plain progress lines off a terminal
    r = cli(flow, "backfill", "daily", "--start", "2024-02-01", "--end", "2024-02-02", "--json",
            check=True)
    assert json.loads(r.stdout)["num_runs"] == 0
    feb = [d for d in backfill_runs(flow) if d.startswith("2024-02")]
    assert feb == ["2024-02-01T00:00:00+00:00", "2024-02-02T00:00:00+00:00"]
    r = cli(flow, "backfill", "daily", "--start", "2024-02-01", "--end", "2024-02-02",
            "--reprocess", "all", "--no-wait", check=True)
    assert "2 runs" in r.stdout
    assert cli(flow, "backfill", "daily", "--start", "2024-02-01").returncode == 2
    assert cli(flow, "backfill", "daily", "--start", "a", "--end", "b").returncode == 1


def on_a_terminal(srv, args, stdin=""):
    """`lakehouse dag ARGS` under script(1): stdin, stdout and stderr a terminal."""
    env = clean_env({"LAKEHOUSE_URL": srv.web_url, "LAKEHOUSE_ACCESS_KEY": ROOT_AK,
                     "LAKEHOUSE_SECRET_KEY": ROOT_SK})
    cmd = shlex.join([lakehouse_bin(), "dag", *args])
    return subprocess.run(["script", "-qec", cmd, "/dev/null"], input=stdin, capture_output=True,
                          text=True, env=env, timeout=120)


def test_cli_on_a_terminal_progress_bar_and_confirmation(flow):
    r = on_a_terminal(flow, ["backfill", "daily", "--start", "2024-03-01", "--end", "2024-03-02"])
    assert r.returncode == 0, r.stdout
    assert "[##############################] 2/2 runs done" in r.stdout  # the bar, full
    assert "2 success, 0 failed" in r.stdout
    cli(flow, "trigger", "hello", "--run-id", "tty-clear", check=True)
    wait_run(flow, "hello", "tty-clear")
    r = on_a_terminal(flow, ["clear", "hello", "--run-id", "tty-clear", "--task", "after"], "n\n")
    assert r.returncode == 0 and "clear 1 task instance? [y/N]" in r.stdout
    assert "nothing cleared" in r.stdout
    assert ok(flow, "GET", "/api/v1/dags/hello/dagRuns/tty-clear/taskInstances/after")[
        "try_number"] == 1
    r = on_a_terminal(flow, ["clear", "hello", "--run-id", "tty-clear", "--task", "after"], "y\n")
    assert r.returncode == 0 and "cleared 1 task instance of hello" in r.stdout

    def rerun():
        t = ok(flow, "GET", "/api/v1/dags/hello/dagRuns/tty-clear/taskInstances/after")
        return t["try_number"] == 2 and t["state"] == "success"
    wait_for(rerun, "the task cleared on the terminal to run again")
