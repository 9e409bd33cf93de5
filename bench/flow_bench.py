"""The orchestrator benchmark (issue 10), run by bench/flow_bench.sh.

Three scenarios, each on a fresh data directory and a fresh `lakehouse up`
(release build, --listen-ephemeral, LAKEHOUSE_DAGS_DIR = the generated
folder, flow.parallelism = PAR):
  fanout  one DAG of N no-op shell tasks: one root, N-1 children;
  chain   one DAG of CHAIN no-op shell tasks in a line;
  many    DAGS DAG files of TASKS independent no-op shell tasks each.
Every DAG is `schedule: "@once"` with a start_date in the past, so each makes
exactly one run as soon as the scheduler reads it. The driver waits until
every run finished by polling <data-dir>/flow/flow.db read-only, then reads
every task instance's ready_us (when the scheduler found it ready), start_us
(when its supervisor started the task) and end_us.

Beside each: the physical limit, bench/flow_spawn.c spawning the same number
of `lakehouse task-run ... -- sh -c true` supervisors from a tight loop with
the same parallelism (1 for the chain); the same loop with bench/flow_slim.c
(the same supervisor code linked with libc and jansson only); and the floor
of process creation (plain `sh -c true`).

Latencies, the same formula on both sides:
  ready->started  start_us - ready_us (ours; in a fan-out it includes the
                  wait for a free slot, since 9,999 tasks are ready at once)
  slot->started   start_us - when a slot could have taken it: max(ready,
                  the (k-PAR)-th end) for the k-th task to start; the cost of
                  turning a slot over (task end -> supervisor exit -> reap ->
                  scheduler pass -> spawn -> supervisor start -> task start)
  end->started    start_us - the end that freed its slot (in a chain, the
                  previous task's end: Airflow's "task lag")
  spawn->started  (spawn loop) start_us - the loop's posix_spawn time, in
                  the ready->started column
Output: a Markdown table on stdout, every scenario as a JSON line in OUT.
No assertion on any number: this is a measurement, never a test."""

import argparse
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AIRFLOW_TPM = 285.0  # tasks/min, one Airflow 2.0 scheduler (orchestrator.md §2)
AIRFLOW_LAG_MS = 12.0  # ms of task lag per task, Airflow 2.0 (same source)

TASK = '  - id: {id}\n    type: shell\n    command: "true"\n'
HEAD = ('dag_id: {dag}\nschedule: "@once"\nstart_date: 2024-01-01\n'
        "max_active_tasks: 100000\ntasks:\n")


def dep(task, up):
    return task + "    depends_on: " + up + "\n"


def gen_fanout(d, n):
    with open(os.path.join(d, "fanout.yaml"), "w") as f:
        f.write(HEAD.format(dag="fanout") + TASK.format(id="root"))
        f.writelines(dep(TASK.format(id="t%d" % i), "root") for i in range(1, n))
    return 1


def gen_chain(d, n):
    with open(os.path.join(d, "chain.yaml"), "w") as f:
        f.write(HEAD.format(dag="chain") + TASK.format(id="t0"))
        f.writelines(dep(TASK.format(id="t%d" % i), "t%d" % (i - 1)) for i in range(1, n))
    return 1


def gen_many(d, ndags, ntasks):
    for k in range(ndags):
        with open(os.path.join(d, "d%04d.yaml" % k), "w") as f:
            f.write(HEAD.format(dag="d%04d" % k))
            f.writelines(TASK.format(id="t%d" % i) for i in range(ntasks))
    return ndags


def pct(xs, p):
    """The p-th percentile (nearest rank) of a non-empty list."""
    s = sorted(xs)
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


def slot_latency(rows, par):
    """start - when a slot could have taken the task, per task (see above);
    rows are (ready_us, start_us, end_us)."""
    by_start = sorted(rows, key=lambda r: r[1])
    ends = sorted(r[2] for r in rows)
    out = []
    for k, (ready, start, _) in enumerate(by_start):
        free = ends[k - par] if k >= par else 0
        out.append(start - max(ready, free))
    return out


def end_lag(rows, par):
    """start - the end that freed its slot, per task from the par-th on: in a
    chain (par 1) the previous task's end, Airflow's "task lag"."""
    starts = sorted(r[1] for r in rows)
    ends = sorted(r[2] for r in rows)
    return [starts[k] - ends[k - par] for k in range(par, len(starts))]


def summarize(rows, par, first_us, last_us):
    """Stats of (ready_us, start_us, end_us) rows; ready_us is the spawn
    time for the spawn loop."""
    n = len(rows)
    total = (last_us - first_us) / 1e6
    lat = [(s - r) / 1000.0 for r, s, _ in rows]
    slot = [x / 1000.0 for x in slot_latency(rows, par)]
    run = [(e - s) / 1000.0 for _, s, e in rows]
    lag = [x / 1000.0 for x in end_lag(rows, par)] or [0.0]
    return {
        "tasks": n, "total_s": round(total, 3),
        "tasks_per_min": round(n / total * 60.0, 1) if total > 0 else 0.0,
        "ready_started_p50_ms": round(pct(lat, 50), 2),
        "ready_started_p99_ms": round(pct(lat, 99), 2),
        "slot_started_p50_ms": round(pct(slot, 50), 2),
        "slot_started_p99_ms": round(pct(slot, 99), 2),
        "end_started_mean_ms": round(sum(lag) / len(lag), 2),
        "end_started_p99_ms": round(pct(lag, 99), 2),
        "task_run_p50_ms": round(pct(run, 50), 2),
    }


def cpu_of(pid):
    """(own, reaped children) CPU seconds of a live process."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    hz = os.sysconf("SC_CLK_TCK")
    return ((int(fields[11]) + int(fields[12])) / hz, (int(fields[13]) + int(fields[14])) / hz)


def wait_endpoints(data, proc, deadline):
    path = os.path.join(data, "run", "endpoints.json")
    while time.time() < deadline and proc.poll() is None:
        try:
            with open(path) as f:
                if json.load(f).get("web"):
                    return True
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    return False


def poll_done(db, want, proc, deadline):
    """Polls the state database read-only until want runs ended; returns
    the number that did."""
    done = 0
    while time.time() < deadline and proc.poll() is None:
        try:
            c = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=5)
            done = c.execute("SELECT count(*) FROM dag_run WHERE state IN "
                             "('success', 'failed')").fetchone()[0]
            c.close()
        except sqlite3.Error:
            pass
        if done >= want:
            break
        time.sleep(0.25)
    return done


def read_tis(db):
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    rows = c.execute("SELECT ready_us, start_us, end_us, state FROM task_instance").fetchall()
    runs = c.execute("SELECT state, count(*) FROM dag_run GROUP BY state").fetchall()
    c.close()
    return rows, dict(runs)


def run_ours(args, name, gen, tmp):
    """One scenario on a fresh `lakehouse up`; its stats as a dict."""
    base = os.path.join(tmp, name)
    dags, data = os.path.join(base, "dags"), os.path.join(base, "data")
    os.makedirs(dags)
    os.makedirs(data)
    want = gen(dags)
    env = dict(os.environ, LAKEHOUSE_DAGS_DIR=dags)
    cmd = [args.bin, "up", "--data-dir", data, "--listen-ephemeral",
           "--flow-parallelism", str(args.par), "--flow-default-pool-slots", str(args.par)]
    t0 = time.time()
    with open(base + ".log", "w") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = t0 + args.timeout
        if not wait_endpoints(data, proc, deadline):
            raise RuntimeError("%s: the server did not start (see %s.log)" % (name, base))
        done = poll_done(os.path.join(data, "flow", "flow.db"), want, proc, deadline)
        own, kids = cpu_of(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait()
    rows, runs = read_tis(os.path.join(data, "flow", "flow.db"))
    ok = [(r, s, e) for r, s, e, st in rows if st == "success" and r and s and e]
    if not ok:
        raise RuntimeError("%s: no task instance succeeded (see %s.log)" % (name, base))
    if done < want or len(ok) < len(rows):
        print("flow_bench: %s: only %d of %d runs and %d of %d task instances ended well "
              "(see %s.log)" % (name, done, want, len(ok), len(rows), base), file=sys.stderr)
    first = min(r for r, _, _ in ok)
    res = summarize(ok, args.par if name != "chain" else 1, first, max(e for _, _, e in ok))
    res.update(scenario=name, side="lakehouse", runs_done=done, runs_wanted=want, runs=runs,
               tis=len(rows), failed_or_unfinished=len(rows) - len(ok),
               startup_s=round(first / 1e6 - t0, 3), sched_cpu_s=round(own, 2),
               procs_cpu_s=round(kids, 2), par=args.par)
    return res


def run_spawn(args, mode, n, par, tmp, binary):
    """The spawn loop: n processes of binary, par at a time; its stats as a dict."""
    d = tempfile.mkdtemp(prefix="spawn-", dir=tmp)
    t0 = os.times()
    out = subprocess.run([args.spawn, mode, binary, str(n), str(par), d],
                         stdout=subprocess.PIPE, text=True, check=False).stdout
    t1 = os.times()
    recs = [tuple(int(x) for x in line.split("\t")) for line in out.splitlines()]
    cpu = round(t1.children_user + t1.children_system - t0.children_user - t0.children_system, 2)
    if not recs or (mode != "sh" and not any(r[2] and r[3] for r in recs)):
        raise RuntimeError("spawn loop of %s: no process ran (see the messages above)" % binary)
    first = min(r[1] for r in recs)
    if mode == "sh":
        total = (max(r[4] for r in recs) - first) / 1e6
        return {"side": mode, "tasks": len(recs), "total_s": round(total, 3), "par": par,
                "tasks_per_min": round(len(recs) / total * 60.0, 1), "procs_cpu_s": cpu}
    ok = [(r[1], r[2], r[3]) for r in recs if r[2] and r[3]]
    res = summarize(ok, par, first, max(e for _, _, e in ok))
    res.update(side="spawn-loop", par=par, procs_cpu_s=cpu, failed=len(recs) - len(ok))
    return res


def ms(x):
    return "%.1f" % x


def row(sc, side, r, lat, vs_loop):
    """One line of the table from a stats dict."""
    cpu = "%.2f" % (r["procs_cpu_s"] * 1000.0 / r["tasks"])
    if "sched_cpu_s" in r:
        cpu = "%.2f + %s" % (r["sched_cpu_s"] * 1000.0 / r["tasks"], cpu)
    cells = [sc, side, "%d" % r["tasks"], "%d" % r["par"], "%.1f" % r["total_s"],
             "%.0f" % r["tasks_per_min"]]
    if lat:
        cells += ["%s / %s" % (ms(r["ready_started_p50_ms"]), ms(r["ready_started_p99_ms"])),
                  "%s / %s" % (ms(r["slot_started_p50_ms"]), ms(r["slot_started_p99_ms"])),
                  "%s / %s" % (ms(r["end_started_mean_ms"]), ms(r["end_started_p99_ms"]))]
    else:
        cells += ["", "", ""]
    cells += [cpu, vs_loop, "%.1f×" % (r["tasks_per_min"] / AIRFLOW_TPM)]
    return "| " + " | ".join(cells) + " |"


def table(results):
    """The Markdown table: per scenario, ours then the spawn loops, with ratios."""
    out = ["| scenario | side | tasks | par | total s | tasks/min | ready→started p50 / p99 ms"
           " | slot→started p50 / p99 ms | end→next start mean / p99 ms"
           " | CPU ms per task (sched + procs) | tasks/min vs spawn loop"
           " | tasks/min vs Airflow (285) |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for sc, ours, loop, slim, floor in results:
        label = sc
        if ours["runs_done"] < ours["runs_wanted"] or ours["failed_or_unfinished"]:
            label += " (incomplete: %d of %d runs)" % (ours["runs_done"], ours["runs_wanted"])
        out.append(row(label, "lakehouse", ours, True,
                       "%.2f×" % (ours["tasks_per_min"] / loop["tasks_per_min"])))
        out.append(row(sc, "spawn loop: `lakehouse task-run` (spawn→started)", loop, True, "1×"))
        out.append(row(sc, "spawn loop: slim supervisor (spawn→started)", slim, True,
                       "%.2f×" % (slim["tasks_per_min"] / loop["tasks_per_min"])))
        out.append(row(sc, "spawn loop: bare `sh -c true`", floor, False,
                       "%.2f×" % (floor["tasks_per_min"] / loop["tasks_per_min"])))
    out.append("")
    out.append("Airflow 2.0: %.0f tasks/min per scheduler, about %.0f ms of lag per task. Targets:"
               " p99 ready→started < 10 ms; ≥ 100× Airflow's tasks/min (%.0f tasks/min)."
               % (AIRFLOW_TPM, AIRFLOW_LAG_MS, 100 * AIRFLOW_TPM))
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "lakehouse"))
    ap.add_argument("--spawn", default=os.path.join(ROOT, "build", "bench", "flow_spawn"))
    ap.add_argument("--slim", default=os.path.join(ROOT, "build", "bench", "flow_slim"))
    ap.add_argument("--par", type=int, default=64, help="flow.parallelism (and the loop's)")
    ap.add_argument("--fanout", type=int, default=10000, help="tasks of the fan-out DAG")
    ap.add_argument("--chain", type=int, default=2000, help="tasks of the chain DAG")
    ap.add_argument("--dags", type=int, default=1000, help="DAG files of scenario many")
    ap.add_argument("--tasks", type=int, default=10, help="tasks in each of them")
    ap.add_argument("--timeout", type=float, default=600, help="seconds a scenario may take")
    ap.add_argument("--only", default="fanout,chain,many", help="scenarios to run")
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "flow_bench.jsonl"))
    args = ap.parse_args()
    os.makedirs(os.path.join(ROOT, "build"), exist_ok=True)
    plan = {
        "fanout": (lambda d: gen_fanout(d, args.fanout), args.fanout, args.par),
        "chain": (lambda d: gen_chain(d, args.chain), args.chain, 1),
        "many": (lambda d: gen_many(d, args.dags, args.tasks), args.dags * args.tasks, args.par),
    }
    bad = [x for x in args.only.split(",") if x not in plan]
    if bad:
        ap.error("unknown scenario %s (known: %s)" % (", ".join(bad), ", ".join(plan)))
    tmp = tempfile.mkdtemp(prefix="flow-bench-", dir=os.path.join(ROOT, "build"))
    results, loops = [], {}
    try:
        with open(args.out, "w") as out:
            for name in args.only.split(","):
                gen, n, par = plan[name]
                print("flow_bench: %s ..." % name, file=sys.stderr, flush=True)
                ours = run_ours(args, name, gen, tmp)
                if (n, par) not in loops:
                    print("flow_bench: spawn loop of %d at %d ..." % (n, par), file=sys.stderr,
                          flush=True)
                    loops[(n, par)] = (run_spawn(args, "task-run", n, par, tmp, args.bin),
                                       run_spawn(args, "task-run", n, par, tmp, args.slim),
                                       run_spawn(args, "sh", n, par, tmp, args.bin))
                loop, slim, floor = loops[(n, par)]
                slim = dict(slim, side="spawn-loop-slim")
                for r in (ours, dict(loop, scenario=name), dict(slim, scenario=name),
                          dict(floor, scenario=name)):
                    out.write(json.dumps(r) + "\n")
                    print(json.dumps(r), file=sys.stderr, flush=True)
                results.append((name, ours, loop, slim, floor))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(table(results))


if __name__ == "__main__":
    main()
