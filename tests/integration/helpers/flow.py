"""Helpers for the orchestrator's tests: a `lakehouse up` with a DAG folder,
the REST API (Airflow 2's /api/v1 shapes) with the root user, and waits on
runs and task instances."""
import time
import urllib.parse
from pathlib import Path

import requests

from helpers.server import ROOT_AK, ROOT_SK, Server

PY = "/usr/bin/python3"


def flow_server(tmp_path, name="flow", dags=None, env=None, extra_args=(), start=True):
    """A Server whose flow.dags_dir is tmp_path/<name>-dags, holding the
    {file name: YAML text} of dags."""
    d = Path(tmp_path) / f"{name}-dags"
    d.mkdir(parents=True, exist_ok=True)
    for fname, text in (dags or {}).items():
        (d / fname).write_text(text)
    e = {"LAKEHOUSE_DAGS_DIR": str(d), "LAKEHOUSE_FLOW_PYTHON": PY}
    e.update(env or {})
    srv = Server(Path(tmp_path) / f"{name}-data", tmp_path, name=name, env=e,
                 extra_args=list(extra_args))
    srv.dags_dir = d
    if start:
        srv.start()
    return srv


def api(srv, method, path, body=None, auth=(ROOT_AK, ROOT_SK), **kw):
    r = requests.request(method, srv.web_url + path, json=body, auth=auth, timeout=30, **kw)
    return r


def q(s):
    return urllib.parse.quote(s, safe="")


def runs(srv, dag_id, **params):
    r = api(srv, "GET", f"/api/v1/dags/{q(dag_id)}/dagRuns", params={"limit": 10000, **params})
    assert r.status_code == 200, r.text
    return r.json()["dag_runs"]


def tis(srv, dag_id, run_id):
    r = api(srv, "GET", f"/api/v1/dags/{q(dag_id)}/dagRuns/{q(run_id)}/taskInstances",
            params={"limit": 10000})
    assert r.status_code == 200, r.text
    return {t["task_id"]: t for t in r.json()["task_instances"]}


def trigger(srv, dag_id, conf=None, run_id=None):
    body = {"conf": conf or {}}
    if run_id:
        body["dag_run_id"] = run_id
    r = api(srv, "POST", f"/api/v1/dags/{q(dag_id)}/dagRuns", body)
    assert r.status_code == 200, r.text
    return r.json()["dag_run_id"]


def wait_run(srv, dag_id, run_id, timeout=120):
    """Waits until the run is success or failed; returns it."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        r = api(srv, "GET", f"/api/v1/dags/{q(dag_id)}/dagRuns/{q(run_id)}")
        if r.status_code == 200:
            last = r.json()
            if last["state"] in ("success", "failed"):
                return last
        time.sleep(0.1)
    raise AssertionError(f"run {dag_id}/{run_id} did not finish in {timeout}s: {last}\n"
                         f"tis: {tis(srv, dag_id, run_id)}")


def wait_runs(srv, dag_id, n, timeout=180):
    """Waits until dag_id has n finished runs (and none unfinished); returns them."""
    deadline = time.monotonic() + timeout
    got = []
    while time.monotonic() < deadline:
        got = runs(srv, dag_id)
        if len(got) >= n and all(r["state"] in ("success", "failed") for r in got):
            return got
        time.sleep(0.2)
    raise AssertionError(f"{dag_id}: {len(got)} runs, states "
                         f"{sorted(set(r['state'] for r in got))}, wanted {n} finished")


def log(srv, dag_id, run_id, task_id, try_number):
    r = api(srv, "GET", f"/api/v1/dags/{q(dag_id)}/dagRuns/{q(run_id)}/taskInstances/"
            f"{q(task_id)}/logs/{try_number}")
    assert r.status_code == 200, r.text
    return r.text
