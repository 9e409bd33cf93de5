"""The scheduler end to end on a real `lakehouse up` (issue 10): catchup
over months creates one run per missed interval with Airflow's run ids and
data intervals; catchup off creates only the latest; every trigger rule
decides its task from real upstream outcomes and a run's state follows its
leaves; retries with exponential back-off wait at least Airflow's delay;
the task contract with real child processes (exit 0, 1, 2, 3, a signal, a
timeout); a pool of one slot runs its tasks one at a time in priority
order; max_active_tasks, max_active_runs and a task's max_active_tis_per_dag
hold."""
import time
from datetime import datetime, timedelta, timezone

import pytest

from helpers.flow import flow_server, runs, tis, trigger, wait_run, wait_runs


def intervals(path):
    """(start, end) pairs a task wrote as 'start T' / 'end T' lines, by tag."""
    out = {}
    for line in path.read_text().split("\n"):
        if not line.strip():
            continue
        tag, what, t = line.split()
        out.setdefault(tag, {})[what] = float(t)
    return {k: (v["start"], v["end"]) for k, v in out.items()}


def max_overlap(spans):
    ev = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans])
    cur = best = 0
    for _, d in ev:
        cur += d
        best = max(best, cur)
    return best


def timed(tag, out, sleep="0.3"):
    return (f'echo "{tag} start $(date +%s.%N)" >> {out}; sleep {sleep}; '
            f'echo "{tag} end $(date +%s.%N)" >> {out}')


@pytest.fixture(scope="module")
def flow(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("flow-sched")
    out = tmp / "out"
    out.mkdir()
    dags = {
        "months.yaml": """\
dag_id: months
schedule: "@daily"
start_date: 2024-01-01
end_date: 2024-03-31
catchup: true
tasks:
  - id: one
    type: shell
    command: "echo {{ ds }} {{ data_interval_start }} {{ data_interval_end }}"
""",
        "latest.yaml": """\
dag_id: latest
schedule: "0 3 * * *"
start_date: 2024-01-01
catchup: false
tasks:
  - id: one
    type: shell
    command: "true"
""",
        "serial.yaml": f"""\
dag_id: serial
schedule: "@daily"
start_date: 2024-02-01
end_date: 2024-02-04
catchup: true
max_active_runs: 1
tasks:
  - id: t
    type: shell
    command: '{timed("{{ ds }}", out / "serial")}'
""",
        "rules.yaml": """\
dag_id: rules
schedule: none
tasks:
  - {id: ok, type: shell, command: "true"}
  - {id: bad, type: shell, command: "exit 1"}
  - {id: all_success, type: shell, command: "true", depends_on: [ok, bad], trigger_rule: all_success}
  - {id: all_failed, type: shell, command: "true", depends_on: [bad], trigger_rule: all_failed}
  - {id: all_failed_mixed, type: shell, command: "true", depends_on: [ok, bad], trigger_rule: all_failed}
  - {id: all_done, type: shell, command: "true", depends_on: [ok, bad], trigger_rule: all_done}
  - {id: one_success, type: shell, command: "true", depends_on: [ok, bad], trigger_rule: one_success}
  - {id: one_failed, type: shell, command: "true", depends_on: [ok, bad], trigger_rule: one_failed}
  - {id: none_failed, type: shell, command: "true", depends_on: [ok, bad], trigger_rule: none_failed}
  - {id: nfmos, type: shell, command: "true", depends_on: [ok, bad], trigger_rule: none_failed_min_one_success}
  - {id: none_skipped, type: shell, command: "true", depends_on: [ok, bad], trigger_rule: none_skipped}
  - {id: always, type: shell, command: "true", depends_on: [ok, bad], trigger_rule: always}
  - {id: after_skip, type: shell, command: "true", depends_on: [all_failed_mixed]}
  - {id: none_failed_skip, type: shell, command: "true", depends_on: [all_failed_mixed, ok], trigger_rule: none_failed}
  - {id: nfmos_skip, type: shell, command: "true", depends_on: [all_failed_mixed], trigger_rule: none_failed_min_one_success}
  - {id: none_skipped_skip, type: shell, command: "true", depends_on: [all_failed_mixed], trigger_rule: none_skipped}
  - {id: downstream_of_failed, type: shell, command: "true", depends_on: [all_success]}
""",
        "contract.yaml": f"""\
dag_id: contract
schedule: none
default_args:
  retry_delay: 1s
tasks:
  - id: flaky
    type: shell
    command: 'date +%s.%N >> {out / "flaky"}; test {{{{ ti.try_number }}}} -ge 3'
    retries: 3
    retry_exponential_backoff: true
  - {{id: gives_up, type: shell, command: "exit 1", retries: 1}}
  - {{id: invalid, type: shell, command: "exit 2", retries: 3}}
  - id: resource
    type: shell
    command: 'test {{{{ ti.try_number }}}} -ge 2 || exit 3'
    retries: 1
  - id: signal
    type: shell
    command: 'test {{{{ ti.try_number }}}} -ge 2 || kill -9 $$'
    retries: 1
  - id: timeout
    type: shell
    command: "sleep 60"
    execution_timeout: 1s
    retries: 1
  - {{id: fine, type: shell, command: "echo fine"}}
""",
        "pooled.yaml": f"""\
dag_id: pooled
schedule: none
tasks:
  - {{id: w1, type: shell, pool: single, priority_weight: 1, command: '{timed("w1", out / "pooled", "0.2")}'}}
  - {{id: w4, type: shell, pool: single, priority_weight: 4, command: '{timed("w4", out / "pooled", "0.2")}'}}
  - {{id: w3, type: shell, pool: single, priority_weight: 3, command: '{timed("w3", out / "pooled", "0.2")}'}}
  - {{id: w2, type: shell, pool: single, priority_weight: 2, command: '{timed("w2", out / "pooled", "0.2")}'}}
""",
        "tiscap.yaml": f"""\
dag_id: tiscap
schedule: "@daily"
start_date: 2024-02-01
end_date: 2024-02-06
catchup: true
max_active_runs: 6
tasks:
  - id: capped
    type: shell
    max_active_tis_per_dag: 2
    command: '{timed("{{ ds }}", out / "tiscap_capped", "1")}'
  - id: free
    type: shell
    command: '{timed("{{ ds }}", out / "tiscap_free", "1")}'
""",
        "capped.yaml": f"""\
dag_id: capped
schedule: none
max_active_tasks: 2
tasks:
""" + "".join(f"  - {{id: c{i}, type: shell, command: '{timed(f'c{i}', out / 'capped')}'}}\n"
              for i in range(5)),
    }
    srv = flow_server(tmp, "sched", dags, env={"LAKEHOUSE_FLOW_POOLS": "single=1"})
    srv.out = out
    yield srv
    srv.check_clean_stop()


def test_catchup_over_months_makes_one_run_per_interval(flow):
    got = wait_runs(flow, "months", 91)
    assert len(got) == 91
    day = datetime(2024, 1, 1, tzinfo=timezone.utc)
    by_id = {r["dag_run_id"]: r for r in got}
    for i in range(91):
        d = day + timedelta(days=i)
        rid = "scheduled__" + d.isoformat()
        assert rid in by_id, rid
        r = by_id[rid]
        assert r["state"] == "success" and r["run_type"] == "scheduled"
        assert r["logical_date"] == d.isoformat()
        assert r["data_interval_start"] == d.isoformat()
        assert r["data_interval_end"] == (d + timedelta(days=1)).isoformat()


def test_catchup_off_makes_only_the_latest_interval(flow):
    got = wait_runs(flow, "latest", 1)
    now = datetime.now(timezone.utc)
    end = now.replace(hour=3, minute=0, second=0, microsecond=0)
    if end > now:
        end -= timedelta(days=1)
    assert [r["dag_run_id"] for r in got] == ["scheduled__" + (end - timedelta(days=1)).isoformat()]
    time.sleep(1.5)  # a few more scheduler ticks make nothing new
    assert len(runs(flow, "latest")) == 1


def test_max_active_runs_one_runs_intervals_in_order(flow):
    wait_runs(flow, "serial", 4)
    spans = intervals(flow.out / "serial")
    assert sorted(spans) == ["2024-02-01", "2024-02-02", "2024-02-03", "2024-02-04"]
    assert max_overlap(spans.values()) == 1
    order = sorted(spans, key=lambda k: spans[k][0])
    assert order == sorted(spans)


WANT_RULES = {
    "ok": "success", "bad": "failed",
    "all_success": "upstream_failed", "all_failed": "success", "all_failed_mixed": "skipped",
    "all_done": "success", "one_success": "success", "one_failed": "success",
    "none_failed": "upstream_failed", "nfmos": "upstream_failed", "none_skipped": "success",
    "always": "success", "after_skip": "skipped", "none_failed_skip": "success",
    "nfmos_skip": "skipped", "none_skipped_skip": "skipped",
    "downstream_of_failed": "upstream_failed",
}


def test_every_trigger_rule_and_the_run_follows_its_leaves(flow):
    rid = trigger(flow, "rules")
    run = wait_run(flow, "rules", rid)
    got = {k: v["state"] for k, v in tis(flow, "rules", rid).items()}
    assert got == WANT_RULES
    # a leaf ended upstream_failed: the run failed
    assert run["state"] == "failed"


def test_task_contract_retries_and_back_off(flow):
    rid = trigger(flow, "contract")
    run = wait_run(flow, "contract", rid)
    t = tis(flow, "contract", rid)
    st = {k: (v["state"], v["try_number"]) for k, v in t.items()}
    assert st["fine"] == ("success", 1)
    assert st["flaky"] == ("success", 3)
    assert st["gives_up"] == ("failed", 2) and t["gives_up"]["failure"] == "execution"
    assert st["invalid"] == ("failed", 1) and t["invalid"]["failure"] == "invalid_input"
    assert st["resource"] == ("success", 2)
    assert st["signal"] == ("success", 2)
    assert st["timeout"] == ("failed", 2) and t["timeout"]["failure"] == "resource"
    assert run["state"] == "failed"
    # exponential back-off: try 2 waits >= 1 s after try 1, try 3 >= 2 s after try 2
    starts = [float(x) for x in (flow.out / "flaky").read_text().split()]
    assert len(starts) == 3
    assert starts[1] - starts[0] >= 1.0 and starts[2] - starts[1] >= 2.0


def test_pool_of_one_slot_runs_by_priority_one_at_a_time(flow):
    rid = trigger(flow, "pooled")
    assert wait_run(flow, "pooled", rid)["state"] == "success"
    spans = intervals(flow.out / "pooled")
    assert max_overlap(spans.values()) == 1
    assert sorted(spans, key=lambda k: spans[k][0]) == ["w4", "w3", "w2", "w1"]


def test_max_active_tasks_caps_a_dag(flow):
    rid = trigger(flow, "capped")
    assert wait_run(flow, "capped", rid)["state"] == "success"
    spans = intervals(flow.out / "capped")
    assert len(spans) == 5
    assert max_overlap(spans.values()) <= 2


def test_max_active_tis_per_dag_caps_a_task_over_the_runs(flow):
    # six runs at once: the capped task never has more than two tries running
    # over them, the other task of the same runs is not held back
    got = wait_runs(flow, "tiscap", 6)
    assert all(r["state"] == "success" for r in got)
    capped, free = intervals(flow.out / "tiscap_capped"), intervals(flow.out / "tiscap_free")
    assert len(capped) == 6 and len(free) == 6
    assert max_overlap(capped.values()) <= 2
    assert max_overlap(free.values()) >= 3


def test_flow_metrics_and_promtool(flow):
    import re
    import subprocess

    import requests

    from helpers import clients
    rid = trigger(flow, "rules")
    wait_run(flow, "rules", rid)
    text = requests.get(flow.web_url + "/metrics", timeout=10).text
    fin = re.search(r'lakehouse_flow_dag_runs_finished_total\{dag_id="rules",state="failed"\} (\S+)',
                    text)
    assert fin and float(fin.group(1)) >= 1
    assert re.search(r'lakehouse_flow_task_tries_finished_total\{dag_id="rules",state="success"\} ',
                     text)
    assert re.search(r'lakehouse_flow_scheduling_delay_seconds_count (\d+)', text)
    assert 'lakehouse_flow_pool_slots{pool="single"} 1' in text
    assert re.search(r'lakehouse_flow_task_duration_seconds_count \d+', text)
    assert 'lakehouse_flow_dags 8' in text
    promtool = clients.need("promtool")
    r = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


def test_injected_clock_moves_the_schedule(tmp_path, test_hooks):
    """flow.clock_offset (test builds) moves the scheduler's clock: an
    hourly DAG starting today gets the runs of intervals that, by the real
    clock, have not ended yet."""
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    dag = (f"dag_id: future\nschedule: '@hourly'\nstart_date: {today.strftime('%Y-%m-%d')}\n"
           "catchup: true\nmax_active_runs: 64\ntasks:\n  - {id: t, type: shell, command: 'true'}\n")
    before = datetime.now(timezone.utc) + timedelta(hours=30)
    srv = flow_server(tmp_path, "future", {"future.yaml": dag},
                      env={"LAKEHOUSE_FLOW_CLOCK_OFFSET": "30h"})
    want_min = int((before - today).total_seconds() // 3600)
    got = wait_runs(srv, "future", want_min)
    after = datetime.now(timezone.utc) + timedelta(hours=30)
    assert want_min <= len(got) <= int((after - today).total_seconds() // 3600)
    starts = sorted(datetime.fromisoformat(r["data_interval_start"]) for r in got)
    assert starts[0] == today
    assert all(b - a == timedelta(hours=1) for a, b in zip(starts, starts[1:]))
    # the newest interval ended after the real now: only the moved clock made it due
    assert starts[-1] + timedelta(hours=1) > datetime.now(timezone.utc)
    srv.check_clean_stop()
