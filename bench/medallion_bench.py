"""The medallion benchmark (issue 11), run by bench/medallion_bench.sh.

Three parts (--only), each on fresh data directories and the release build:
  ready     `lakehouse up --listen-ephemeral` STARTS times: spawn -> the
            web endpoint in <data-dir>/run/endpoints.json -> GET /readyz
            answers 200 (polled every 1 ms); median and p90. The first
            server then idles IDLE seconds and its VmRSS/VmHWM are read
            from /proc/<pid>/status.
  pipeline  topic -> gold for EVENTS events over HOURS hours on one
            `lakehouse up`: `lakehouse demo generate` (timed on its own),
            then each stage timed separately, as the example DAG would run
            them: `lakehouse ingest` for each of the HOURS + lateness
            intervals, then for each of the HOURS intervals the three SQL
            files of examples/medallion/ rendered for that interval and run
            by `lakehouse sql -f`: bronze_to_silver, silver_to_gold,
            validate, interval by interval as the DAG's runs go; each
            process is timed on its own and summed per stage; the SQL
            shares a scan cache in the server's data directory
            (<data-dir>/cache/sql, as the orchestrator gives its tasks).
            Past --budget
            no further interval starts (a process still running at budget +
            --grace is killed: a lower bound), and the report scales.
  orchestrated  (not by default) the same feed, then the example DAG
            installed at the window (its poke_interval, or --poke-interval):
            wall time from the install to the success of the first HOURS
            runs, each task's durations from the REST API's task instances,
            and the sensors' pokes counted in their logs.
Peak RSS of a stage: the largest ru_maxrss of its processes, each read
with os.wait4 on that one child (its own peak, not a running maximum over
all children). Server: VmHWM and VmRSS after each stage, and its CPU time
(/proc/<pid>/stat) spent during each stage. Topic -> gold = ingest +
bronze_to_silver + silver_to_gold + validate; generation is reported on
its own. Output: a Markdown report on stdout, progress on stderr, every
measurement as a JSON line in OUT. A measurement, never a test."""

import argparse
import base64
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "medallion")
AK, SK = "benchadmin", "benchsecret123"
TOPIC, PREFIX = "chain.transfers", "s3://lakehouse/bronze/chain_transfers"
SQL_STAGES = ("bronze_to_silver", "silver_to_gold", "validate")
TARGETS = {"topic_to_gold_10m_s": 30.0, "ready_ms": 100.0, "idle_rss_mib": 50.0}


def log(msg):
    print("medallion_bench: " + msg, file=sys.stderr, flush=True)


def pct(xs, p):
    """The p-th percentile (nearest rank) of a non-empty list."""
    s = sorted(xs)
    return s[max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))]


def proc_status(pid):
    """VmRSS and VmHWM of a live process, KiB."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1])
    return out


def machine_cpu():
    """Core-seconds since boot from /proc/stat's cpu line: (busy, idle,
    steal); busy = user + nice + system + irq + softirq, idle = idle +
    iowait, steal = time the hypervisor ran something else."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    hz = os.sysconf("SC_CLK_TCK")
    return ((v[0] + v[1] + v[2] + v[5] + v[6]) / hz, (v[3] + v[4]) / hz, v[7] / hz)


def proc_cpu(pid):
    """utime + stime of a live process (its threads), seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- the server ---

class Server:
    """One `lakehouse up` on a fresh data directory, on ephemeral ports."""

    def __init__(self, binary, data, logpath, extra=()):
        self.data = data
        os.makedirs(data, exist_ok=True)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("LAKEHOUSE_", "AWS_"))}
        env.update(LAKEHOUSE_ACCESS_KEY=AK, LAKEHOUSE_SECRET_KEY=SK)
        self.logf = open(logpath, "w")
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen([binary, "up", "--data-dir", data, "--listen-ephemeral"]
                                     + list(extra),
                                     env=env, stdout=self.logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        self.pid = self.proc.pid
        self.endpoints = {}

    def wait_ready(self, timeout):
        """Seconds from spawn to the endpoints file and to /readyz 200."""
        path = os.path.join(self.data, "run", "endpoints.json")
        deadline, t_ep = time.perf_counter() + timeout, None
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("the server exited with %d (see %s)"
                                   % (self.proc.returncode, self.logf.name))
            if not self.endpoints.get("web"):
                try:
                    with open(path) as f:
                        self.endpoints = json.load(f)
                except (OSError, ValueError):
                    self.endpoints = {}
                if self.endpoints.get("web"):
                    t_ep = time.perf_counter() - self.t0
            if self.endpoints.get("web") and readyz(self.endpoints["web"]):
                t_ready = time.perf_counter() - self.t0
                with open(path) as f:  # every listener is bound once ready
                    self.endpoints = json.load(f)
                return t_ep, t_ready
            time.sleep(0.001)
        raise RuntimeError("the server was not ready in %d s (see %s)" % (timeout, self.logf.name))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()


def readyz(web):
    host, port = web.rsplit(":", 1)
    c = http.client.HTTPConnection(host, int(port), timeout=2)
    try:
        c.request("GET", "/readyz")
        return c.getresponse().status == 200
    except OSError:
        return False
    finally:
        c.close()


def start_once(args, data, logpath, idle=0.0):
    """One start of `up` on data: (ms to endpoints, ms to ready, the
    status after idle seconds or None)."""
    srv = Server(args.bin, data, logpath)
    try:
        t_ep, t_ready = srv.wait_ready(30)
        st = None
        if idle:
            time.sleep(idle)
            st = proc_status(srv.pid)
    finally:
        srv.stop()
    return t_ep * 1000.0, t_ready * 1000.0, st


def measure_ready(args, tmp):
    """STARTS starts on fresh data directories (the first also idles IDLE s
    for its RSS), then STARTS restarts of one existing data directory."""
    ready, eps, warm, idle = [], [], [], None
    for i in range(args.starts):
        data = os.path.join(tmp, "ready%02d" % i)
        t_ep, t_ready, st = start_once(args, data, data + ".log", args.idle if i == 0 else 0)
        eps.append(t_ep)
        ready.append(t_ready)
        idle = idle or st
        if i + 1 < args.starts:
            shutil.rmtree(data, ignore_errors=True)
    for i in range(args.starts):
        warm.append(start_once(args, data, data + "-re%02d.log" % i)[1])
    shutil.rmtree(data, ignore_errors=True)
    res = {"part": "ready", "starts": len(ready),
           "ready_ms_p50": round(pct(ready, 50), 1), "ready_ms_p90": round(pct(ready, 90), 1),
           "ready_ms_min": round(min(ready), 1), "ready_ms_max": round(max(ready), 1),
           "endpoints_ms_p50": round(pct(eps, 50), 1), "ready_ms_all": [round(x, 1) for x in ready],
           "restart_ms_p50": round(pct(warm, 50), 1), "restart_ms_p90": round(pct(warm, 90), 1),
           "restart_ms_min": round(min(warm), 1), "restart_ms_max": round(max(warm), 1),
           "idle_s": args.idle, "idle_rss_kib": idle["VmRSS"], "idle_hwm_kib": idle["VmHWM"]}
    log("ready: fresh p50 %.1f ms, p90 %.1f ms; restart p50 %.1f ms; idle RSS %.1f MiB"
        % (res["ready_ms_p50"], res["ready_ms_p90"], res["restart_ms_p50"], idle["VmRSS"] / 1024.0))
    return res


# --- the pipeline ---

def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def render(text, start, lateness_h):
    """The template expressions the example's SQL files use, rendered as the
    orchestrator renders them for the run of [start, start + 1h): ds,
    ts_format(T, fmt) with T data_interval_start, data_interval_end or
    ts_add(data_interval_start, D), D '2h' or params.lateness."""
    times = {"data_interval_start": start, "data_interval_end": start + timedelta(hours=1)}

    def when(expr):
        expr = expr.strip()
        if expr in times:
            return times[expr]
        m = re.fullmatch(r"ts_add\((\w+),\s*('(\d+)h'|params\.lateness)\)", expr)
        if not m or m.group(1) not in times:
            raise ValueError("cannot render %r" % expr)
        return times[m.group(1)] + timedelta(hours=int(m.group(3) or lateness_h))

    def one(m):
        expr = m.group(1).strip()
        if expr == "ds":
            return start.strftime("%Y-%m-%d")
        if expr == "params.lateness":
            return "%dh" % lateness_h
        f = re.fullmatch(r"ts_format\((.*),\s*'([^']*)'\)", expr)
        if not f:
            raise ValueError("cannot render %r" % expr)
        return when(f.group(1)).strftime(f.group(2))

    return re.sub(r"\{\{(.*?)\}\}", one, text)


STMT = re.compile(r"^([A-Z]+(?: [A-Z]+)?)\trows=(-?\d+)\ttime=([\d.]+)s$", re.M)


def run_child(argv, env, logf, deadline=None):
    """Runs one process; (seconds, its own peak RSS KiB, its CPU seconds,
    the statements `lakehouse sql` timed: [(kind, rows, seconds)], whether
    it was killed at the deadline (perf_counter time, None: none))."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, text=True)
    timer = None
    if deadline is not None:
        timer = threading.Timer(max(0.0, deadline - t0), p.send_signal, (signal.SIGKILL,))
        timer.start()
    text = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    secs = time.perf_counter() - t0
    if timer:
        timer.cancel()
    p.stdout.close()
    p.returncode = os.waitstatus_to_exitcode(status)
    logf.write(text)
    logf.flush()
    cut = deadline is not None and p.returncode == -signal.SIGKILL
    if p.returncode != 0 and not cut:
        raise RuntimeError("%s exited with %d (see %s)" % (" ".join(argv[:3]), p.returncode, logf.name))
    stmts = [(m.group(1), int(m.group(2)), float(m.group(3))) for m in STMT.finditer(text)]
    return secs, ru.ru_maxrss, ru.ru_utime + ru.ru_stime, stmts, cut


class Stage:
    """The processes of one stage and the server's share of it."""

    def __init__(self, name, srv):
        self.name, self.srv = name, srv
        self.secs, self.peak_kib, self.cpu, self.each, self.cut = 0.0, 0, 0.0, [], None
        self.stmts = []  # per statement of the file: [kind, rows, seconds] summed over runs
        self.srv_cpu0 = proc_cpu(srv.pid)

    def add(self, res):
        if res[4]:  # killed at the budget: a lower bound, not a finished run
            self.cut = round(res[0], 3)
            self.peak_kib = max(self.peak_kib, res[1])
            return
        self.secs += res[0]
        self.peak_kib = max(self.peak_kib, res[1])
        self.cpu += res[2]
        self.each.append(round(res[0], 3))
        for k, (kind, rows, secs) in enumerate(res[3]):
            if k == len(self.stmts):
                self.stmts.append([kind, 0, 0.0])
            self.stmts[k][1] += rows
            self.stmts[k][2] = round(self.stmts[k][2] + secs, 3)

    def done(self, events, planned):
        st = proc_status(self.srv.pid)
        return {"stage": self.name, "processes": len(self.each), "planned": planned,
                "secs": round(self.secs, 3),
                "events_per_s": round(events / self.secs) if self.secs > 0 else 0,
                "peak_rss_kib": self.peak_kib, "cpu_s": round(self.cpu, 2),
                "server_cpu_s": round(proc_cpu(self.srv.pid) - self.srv_cpu0, 2),
                "server_rss_kib": st["VmRSS"], "server_hwm_kib": st["VmHWM"],
                "each_s": self.each, "statements": self.stmts, "cut_s": self.cut}


def lake_env(srv):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAKEHOUSE_", "AWS_"))}
    env.update(AWS_ENDPOINT_URL="http://" + srv.endpoints["s3"], AWS_ACCESS_KEY_ID=AK,
               AWS_SECRET_ACCESS_KEY=SK, AWS_REGION="us-east-1",
               LAKEHOUSE_ACCESS_KEY=AK, LAKEHOUSE_SECRET_KEY=SK,
               KAFKA_BOOTSTRAP_SERVERS=srv.endpoints["kafka"])
    if srv.endpoints.get("s3_unix"):  # the store's Unix socket, as the orchestrator gives its tasks
        env["LAKEHOUSE_S3_SOCKET"] = srv.endpoints["s3_unix"]
    return env


def scalar(args, env, query):
    """The first row of a query's CSV, or "-" when it fails (a table that a
    cut run never made)."""
    r = subprocess.run([args.bin, "sql", "-q", "--format", "csv", "-c", query], env=env,
                       capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=3600)
    lines = r.stdout.strip().splitlines()[1:]
    return lines[0] if r.returncode == 0 and lines else "-"


def measure_pipeline(args, tmp):
    end = args.end_hour
    start = end - timedelta(hours=args.hours + args.lateness)
    srv = Server(args.bin, os.path.join(tmp, "pipe"), os.path.join(tmp, "pipe-server.log"))
    logf = open(os.path.join(tmp, "pipe-clients.log"), "w")
    stages = []
    try:
        srv.wait_ready(30)
        env = lake_env(srv)
        # the scan cache the orchestrator gives its tasks
        env["LAKEHOUSE_SQL_CACHE_DIR"] = os.path.join(tmp, "pipe", "cache", "sql")
        log("generate %d events over %d hours ending %s ..." % (args.events, args.hours, iso(end)))
        st = Stage("generate", srv)
        st.add(run_child([args.bin, "demo", "generate", "--events", str(args.events),
                          "--hours", str(args.hours), "--seed", str(args.seed),
                          "--lateness", "%dh" % args.lateness, "--end-hour", iso(end),
                          "--bootstrap-servers", srv.endpoints["kafka"]], env, logf))
        stages.append(st.done(args.events, 1))
        log("generate: %.2f s" % stages[-1]["secs"])
        deadline = time.perf_counter() + args.budget
        st = Stage("ingest", srv)
        for h in range(args.hours + args.lateness):
            s = start + timedelta(hours=h)
            st.add(run_child([args.bin, "ingest", "--topic", TOPIC, "--start", iso(s), "--end",
                              iso(s + timedelta(hours=1)), "--prefix", PREFIX,
                              "--lateness", "%dh" % args.lateness,
                              "--idle-timeout", "%ds" % args.idle_timeout], env, logf))
        stages.append(st.done(args.events, args.hours + args.lateness))
        log("ingest: %.2f s" % stages[-1]["secs"])
        # the SQL interval by interval, as the DAG's runs do; each process timed
        # on its own and summed per stage. Past the budget, no further interval
        sql = {name: Stage(name, srv) for name in SQL_STAGES}
        texts = {}
        for name in SQL_STAGES:
            with open(os.path.join(args.example, name + ".sql")) as f:
                texts[name] = f.read()
        cut = False
        for h in range(args.hours):
            if h and time.perf_counter() > deadline:
                log("past the budget of %d s: %d of %d intervals run" % (args.budget, h, args.hours))
                break
            for name in SQL_STAGES:
                path = os.path.join(tmp, "%s-%d.sql" % (name, h))
                with open(path, "w") as f:
                    f.write(render(texts[name], start + timedelta(hours=h), args.lateness))
                # a process still running at budget + grace is killed (a lower bound)
                cut = sql[name].add(run_child([args.bin, "sql", "-f", path], env, logf,
                                              deadline + args.grace)) or sql[name].cut
                if cut:
                    log("%s of interval %d killed at the budget after %.0f s" % (name, h, sql[name].cut))
                    break
            if cut:
                break
            log("interval %d: %s" % (h, ", ".join("%s %.2f s" % (n, sql[n].each[-1])
                                                  for n in SQL_STAGES)))
        stages += [sql[name].done(args.events, args.hours) for name in SQL_STAGES]
        silver, rejected = (scalar(args, env, "SELECT count(*) FROM silver." + t)
                            for t in ("chain_transfers", "chain_transfers_rejected"))
        gold = scalar(args, env, "SELECT count(*), sum(transfers) FROM gold.transfers_hourly")
        peer = (measure_peer(args, env, srv, tmp, texts, start, logf)
                if complete_sql(sql, args) and not args.no_peer else None)
        time.sleep(args.idle)
        after = proc_status(srv.pid)
        du = subprocess.run(["du", "-sk", srv.data], capture_output=True, text=True).stdout.split()[0]
    finally:
        srv.stop()
        logf.close()
    for s in stages:  # a stage cut short by the budget: scaled to all its intervals
        n = s["processes"]
        s["secs_all"] = round(s["secs"] * s["planned"] / n if n else (s["cut_s"] or 0) * s["planned"], 3)
        s["events_per_s"] = round(args.events / s["secs_all"]) if s["secs_all"] > 0 else 0
    total = sum(s["secs_all"] for s in stages if s["stage"] != "generate")
    measured = sum(s["secs"] + (s["cut_s"] or 0) for s in stages if s["stage"] != "generate")
    complete = all(s["processes"] == s["planned"] for s in stages)
    return {"part": "pipeline", "events": args.events, "hours": args.hours,
            "lateness_h": args.lateness, "seed": args.seed, "end_hour": iso(end),
            "idle_timeout_s": args.idle_timeout, "idle_s": args.idle, "stages": stages,
            "topic_to_gold_s": round(total, 3), "complete": complete, "budget_s": args.budget,
            "measured_s": round(measured, 3),
            "topic_to_gold_events_per_s": round(args.events / total) if total else 0,
            "silver_rows": silver, "rejected_rows": rejected,
            "gold_hourly_rows_transfers": gold, "data_dir_kib": int(du),
            "server_rss_after_kib": after["VmRSS"], "server_hwm_kib": after["VmHWM"],
            "peer": peer}


def complete_sql(sql, args):
    """Whether every SQL interval ran (the peer compares a finished one)."""
    return all(len(sql[n].each) == args.hours for n in SQL_STAGES) and not any(
        sql[n].cut for n in SQL_STAGES)


# --- the two JSON-parsing statements side by side ---

PEER_STATEMENTS = (("bronze_to_silver", "CREATE TEMP TABLE parsed AS"),
                   ("validate", "CREATE TEMP VIEW owned AS"))


def statement(text, head):
    """The statement that starts with head; a view's query made into a table
    (both engines then parse and keep the same rows)."""
    i = text.index(head)
    return text[i:text.index(";\n", i) + 1].replace("CREATE TEMP VIEW", "CREATE TEMP TABLE", 1)


def our_statement_secs(args, env, sql, threads, runs, logf):
    """The statement's own timer (stderr of `lakehouse sql`), each run."""
    e = dict(env, LAKEHOUSE_SQL_THREADS=str(threads))
    out = []
    for _ in range(runs):
        r = subprocess.run([args.bin, "sql", "-c", sql], env=e, capture_output=True, text=True)
        logf.write(r.stdout + r.stderr)
        m = re.search(r"^CREATE TABLE\trows=(\d+)\ttime=([0-9.]+)s", r.stderr, re.M)
        if r.returncode or not m:
            raise RuntimeError("lakehouse sql failed: " + r.stderr[-500:])
        out.append((int(m.group(1)), float(m.group(2))))
    return out


def measure_peer(args, env, srv, tmp, texts, start, logf):
    """The interval in the middle of the window: its two statements that
    read and parse bronze (bronze_to_silver's parsed, validate's owned) on
    a local copy of the bronze hours they read, by us (1 and 2 threads) and
    by DuckDB (tests/js's @duckdb/node-api, 1 and 2 threads), each the best
    of 3 (DuckDB: of 1 from 5M events); and the physical floor under both, `zstd -dc` of those files to
    /dev/null on one core."""
    if not (shutil.which("node") and shutil.which("zstd") and os.path.isdir(
            os.path.join(ROOT, "tests", "js", "node_modules", "@duckdb", "node-api"))):
        log("peer: no node, zstd or tests/js/node_modules: skipped")
        return None
    import boto3  # Debian's python3-boto3, as the tests
    h = args.hours // 2
    t = start + timedelta(hours=h)
    s3 = boto3.client("s3", endpoint_url="http://" + srv.endpoints["s3"], aws_access_key_id=AK,
                      aws_secret_access_key=SK, region_name="us-east-1")
    local = os.path.join(tmp, "bronze-local")
    files = []
    for k in range(args.lateness + 1):
        hh = t + timedelta(hours=k)
        prefix = "bronze/chain_transfers/ds=%s/hour=%s/" % (hh.strftime("%Y-%m-%d"), hh.strftime("%H"))
        for o in s3.list_objects_v2(Bucket="lakehouse", Prefix=prefix).get("Contents", []):
            if o["Key"].endswith(".jsonl.zst"):
                path = os.path.join(local, o["Key"][len("bronze/"):])
                os.makedirs(os.path.dirname(path), exist_ok=True)
                s3.download_file("lakehouse", o["Key"], path)
                files.append(path)
    zbytes = sum(os.path.getsize(f) for f in files)
    floor = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run(["zstd", "-dcq"] + files, stdout=subprocess.DEVNULL, check=True)
        floor.append(time.perf_counter() - t0)
    plain = os.path.join(tmp, "bronze-local.jsonl")
    with open(plain, "wb") as f:
        subprocess.run(["zstd", "-dcq"] + files, stdout=f, check=True)
    jbytes = os.path.getsize(plain)
    # what ingest must at least do to those lines: compress them as it does (level -3 with
    # Huffman-coded literals, src/cmd/ingest_lake.c), on one core
    comp = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run(["zstd", "--fast=3", "--compress-literals", "-T1", "-cq", plain],
                       stdout=subprocess.DEVNULL, check=True)
        comp.append(time.perf_counter() - t0)
    os.unlink(plain)
    glob = os.path.join(local, "chain_transfers", "**", "*.jsonl.zst")
    rows = []
    for stage, head in PEER_STATEMENTS:
        sql = statement(render(texts[stage], t, args.lateness), head).replace(
            PREFIX + "/**/*.jsonl.zst", glob)
        ours1 = our_statement_secs(args, env, sql, 1, 3, logf)
        ours2 = our_statement_secs(args, env, sql, 2, 3, logf)
        path = os.path.join(tmp, "peer-%s.sql" % stage)
        with open(path, "w") as f:
            f.write(sql)
        duck = {}
        runs = 3 if args.events < 5000000 else 1  # DuckDB takes a minute a run at 10M
        for th in (1, 2):
            r = subprocess.run(["node", os.path.join(ROOT, "bench", "medallion_duck.mjs"), path],
                               env=dict(os.environ, THREADS=str(th), RUNS=str(runs)),
                               capture_output=True, text=True)
            if r.returncode:
                raise RuntimeError("DuckDB failed: " + r.stderr[-500:])
            duck[th] = json.loads(r.stdout.strip().splitlines()[-1])
        if duck[2]["rows"] != ours2[0][0]:
            raise RuntimeError("%s: DuckDB made %d rows, we %d" % (head, duck[2]["rows"], ours2[0][0]))
        rows.append({"stage": stage, "statement": head.split()[3], "rows": ours2[0][0],
                     "ours_1t_s": min(x[1] for x in ours1), "ours_2t_s": min(x[1] for x in ours2),
                     "duckdb_1t_s": round(min(duck[1]["secs"]), 3),
                     "duckdb_2t_s": round(min(duck[2]["secs"]), 3)})
        log("peer: %s %s" % (stage, rows[-1]))
    return {"interval": iso(t), "files": len(files), "zstd_bytes": zbytes, "json_bytes": jbytes,
            "zstd_d_s": round(min(floor), 3), "zstd_1_s": round(min(comp), 3), "statements": rows}


# --- the same through the orchestrator ---

def api(srv, path):
    """GET of the REST API as the admin; the decoded JSON, or None on 404."""
    req = urllib.request.Request("http://%s%s" % (srv.endpoints["web"], path))
    req.add_header("Authorization", "Basic " + base64.b64encode(("%s:%s" % (AK, SK)).encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return None
        raise


def install_dag(srv, start, args):
    """The example DAG into <data>/dags/medallion/ at the window: one run per
    interval of the window (lateness included), quick pokes and idle end."""
    with open(os.path.join(args.example, "medallion.yaml")) as f:
        text = f.read()
    last = start + timedelta(hours=args.hours + args.lateness - 1)
    for old, new in (("start_date: 2026-12-01", "start_date: %s\nend_date: %s" % (iso(start), iso(last))),
                     ("lateness: 2h", "lateness: %dh" % args.lateness)):
        if old not in text:
            raise RuntimeError("examples/medallion/medallion.yaml has no %r" % old)
        text = text.replace(old, new)
    text = re.sub(r"idle_timeout: \w+", "idle_timeout: %ds" % args.idle_timeout, text)
    if args.poke_interval:
        text = re.sub(r"poke_interval: \w+", "poke_interval: %s" % args.poke_interval, text)
    text = re.sub(r"retry_delay: \w+", "retry_delay: 2s", text)
    staging = os.path.join(srv.data, "medallion.tmp")
    shutil.copytree(args.example, staging)
    with open(os.path.join(staging, "medallion.yaml"), "w") as f:
        f.write(text)
    os.makedirs(os.path.join(srv.data, "dags"), exist_ok=True)
    os.rename(staging, os.path.join(srv.data, "dags", "medallion"))


def measure_orchestrated(args, tmp):
    """demo generate, then the DAG installed at the window; wall time from
    the install to the success of the first HOURS runs, and each task's
    durations (REST task instances) summed over those runs."""
    end = args.end_hour
    start = end - timedelta(hours=args.hours + args.lateness)
    srv = Server(args.bin, os.path.join(tmp, "orch"), os.path.join(tmp, "orch-server.log"),
                 args.up_arg)
    logf = open(os.path.join(tmp, "orch-clients.log"), "w")
    try:
        srv.wait_ready(30)
        env = lake_env(srv)
        log("orchestrated: generate %d events ..." % args.events)
        gen = run_child([args.bin, "demo", "generate", "--events", str(args.events),
                         "--hours", str(args.hours), "--seed", str(args.seed),
                         "--lateness", "%dh" % args.lateness, "--end-hour", iso(end),
                         "--bootstrap-servers", srv.endpoints["kafka"]], env, logf)
        cpu0, mach0 = proc_cpu(srv.pid), machine_cpu()
        t0 = time.perf_counter()
        install_dag(srv, start, args)
        want = ["scheduled__" + (start + timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
                for h in range(args.hours)]
        t_dag, states, deadline = None, {}, t0 + args.budget
        while time.perf_counter() < deadline:
            if t_dag is None:
                if api(srv, "/api/v1/dags/medallion") is None:
                    time.sleep(0.05)
                    continue
                t_dag = round(time.perf_counter() - t0, 3)
            got = api(srv, "/api/v1/dags/medallion/dagRuns?limit=10000")
            states = {r["dag_run_id"]: r["state"] for r in (got or {}).get("dag_runs", [])}
            if any(states.get(r) == "failed" for r in want):
                raise RuntimeError("a medallion run failed: %s (see %s)" % (states, srv.logf.name))
            if all(states.get(r) == "success" for r in want):
                break
            time.sleep(0.25)
        wall = time.perf_counter() - t0
        mach = [b - a for a, b in zip(mach0, machine_cpu())]
        done = sum(states.get(r) == "success" for r in want)
        tasks = {}
        for rid in states:
            tis = api(srv, "/api/v1/dags/medallion/dagRuns/%s/taskInstances?limit=1000"
                      % urllib.parse.quote(rid, safe="")) or {"task_instances": []}
            for t in tis["task_instances"]:
                if t["state"] != "success" or (rid not in want and t["task_id"] != "ingest_bronze"):
                    continue
                x = tasks.setdefault(t["task_id"], [0, 0.0])
                x[0] += 1
                x[1] += float(t.get("duration") or 0.0)
        st = proc_status(srv.pid)
        pokes = 0  # every poke of every sensor ends with one [task-run] line in its log
        for dirpath, _, files in os.walk(os.path.join(srv.data, "flow", "logs")):
            if os.path.basename(dirpath) == "task_id=wait_next":
                for fn in files:
                    if fn.endswith(".log"):
                        with open(os.path.join(dirpath, fn), errors="replace") as f:
                            pokes += sum(line.startswith("[task-run] exit") for line in f)
        res = {"part": "orchestrated", "events": args.events, "hours": args.hours,
               "end_hour": iso(end), "generate_s": round(gen[0], 3), "dag_seen_s": t_dag,
               "wall_s": round(wall, 3), "runs_done": done, "runs_wanted": len(want),
               "tasks": {k: {"n": v[0], "secs": round(v[1], 3)} for k, v in tasks.items()},
               "sensor_pokes": pokes, "poke_interval": args.poke_interval or "the example's",
               "server_cpu_s": round(proc_cpu(srv.pid) - cpu0, 2),
               "server_rss_kib": st["VmRSS"], "server_hwm_kib": st["VmHWM"],
               # the whole machine over the runs (other work on it included)
               "machine": {"cores": os.cpu_count(), "busy_s": round(mach[0], 2),
                           "idle_s": round(mach[1], 2), "steal_s": round(mach[2], 2)}}
    finally:
        srv.stop()
        logf.close()
    log("orchestrated: %d of %d runs in %.1f s" % (done, len(want), wall))
    return res


# --- the report ---

def mib(kib):
    return "%.1f" % (kib / 1024.0)


def report(ready, pipe, orch=None):
    out = []
    if ready:
        out += ["| `lakehouse up` (fresh data dir) | p50 | p90 | min | max | target |",
                "|---|---|---|---|---|---|",
                "| spawn → /readyz 200, ms (%d starts) | %.1f | %.1f | %.1f | %.1f | < %.0f (%s) |"
                % (ready["starts"], ready["ready_ms_p50"], ready["ready_ms_p90"],
                   ready["ready_ms_min"], ready["ready_ms_max"], TARGETS["ready_ms"],
                   "%.2f× the target" % (ready["ready_ms_p50"] / TARGETS["ready_ms"])),
                "| restart on the same data dir: spawn → /readyz 200, ms | %.1f | %.1f | %.1f "
                "| %.1f | |" % (ready["restart_ms_p50"], ready["restart_ms_p90"],
                                ready["restart_ms_min"], ready["restart_ms_max"]),
                "| spawn → web endpoint in run/endpoints.json (fresh), ms | %.1f | | | | |"
                % ready["endpoints_ms_p50"],
                "| idle RSS after %g s, MiB (VmRSS / VmHWM) | %s / %s | | | | < %.0f (%.2f×) |"
                % (ready["idle_s"], mib(ready["idle_rss_kib"]), mib(ready["idle_hwm_kib"]),
                   TARGETS["idle_rss_mib"], ready["idle_rss_kib"] / 1024.0 / TARGETS["idle_rss_mib"]),
                ""]
    if pipe:
        out += ["Topic → gold, %d events over %d hours (+%d h lateness), seed %d, end hour %s%s:"
                % (pipe["events"], pipe["hours"], pipe["lateness_h"], pipe["seed"], pipe["end_hour"],
                   "" if pipe["complete"] else " (**cut short by the budget: the SQL stages are "
                   "scaled from the intervals run**)"),
                "",
                "| stage | processes | s | events/s | peak RSS MiB (own) | CPU s (own) "
                "| server CPU s | server RSS / HWM MiB after |",
                "|---|---|---|---|---|---|---|---|"]
        for s in pipe["stages"]:
            secs = "%.2f" % s["secs"]
            if s["cut_s"]:
                secs += " + %.0f killed at the budget" % s["cut_s"]
            if s["processes"] < s["planned"]:
                secs += " (%d of %d done; all ≈ %s%.0f)" % (s["processes"], s["planned"],
                                                           "" if s["processes"] else "≥ ",
                                                           s["secs_all"])
            out.append("| %s | %d | %s | %d | %s | %.2f | %.2f | %s / %s |"
                       % (s["stage"], s["processes"], secs, s["events_per_s"],
                          mib(s["peak_rss_kib"]), s["cpu_s"], s["server_cpu_s"],
                          mib(s["server_rss_kib"]), mib(s["server_hwm_kib"])))
        out.append("| **topic → gold** (ingest + SQL) | | **%.2f** | **%d** | %s | %.2f | %.2f | |"
                   % (pipe["topic_to_gold_s"], pipe["topic_to_gold_events_per_s"],
                      mib(max(s["peak_rss_kib"] for s in pipe["stages"][1:])),
                      sum(s["cpu_s"] for s in pipe["stages"][1:]),
                      sum(s["server_cpu_s"] for s in pipe["stages"][1:])))
        scaled = pipe["topic_to_gold_s"] * 1e7 / pipe["events"]
        if not pipe["complete"]:
            out += ["", "Not complete: %.0f s measured (a lower bound for topic → gold); the total "
                    "above scales each cut stage from the intervals it finished (a stage that "
                    "finished none: at least the killed run's time per interval)."
                    % pipe["measured_s"]]
        out += ["",
                "silver %s rows, rejected %s, gold.transfers_hourly (rows, transfers) %s; data "
                "directory %s MiB; server RSS %s MiB after the run and %s s idle (VmHWM %s MiB)."
                % (pipe["silver_rows"], pipe["rejected_rows"], pipe["gold_hourly_rows_transfers"],
                   mib(pipe["data_dir_kib"]), mib(pipe["server_rss_after_kib"]),
                   "%g" % pipe["idle_s"], mib(pipe["server_hwm_kib"])),
                "Ingest includes one idle timeout (%d s) in the last interval, where no record "
                "at or after its end exists." % pipe["idle_timeout_s"],
                "Target 10M events < %.0f s: %s (%.2f× the target%s)."
                % (TARGETS["topic_to_gold_10m_s"],
                   "measured" if pipe["events"] == 10000000 else "linear scale of this run",
                   scaled / TARGETS["topic_to_gold_10m_s"],
                   "" if pipe["events"] == 10000000 else ", %.1f s at 10M" % scaled),
                "", "The statements of the SQL stages (their own timer, summed over the intervals run):",
                "", "| stage | # | statement | rows | s | share of the stage |", "|---|---|---|---|---|---|"]
        for s in pipe["stages"]:
            tot = sum(x[2] for x in s["statements"]) or 1.0
            for k, (kind, rows, secs) in enumerate(s["statements"]):
                if secs >= 0.05 * tot:
                    out.append("| %s | %d | %s | %d | %.2f | %.0f%% |"
                               % (s["stage"], k + 1, kind, rows, secs, 100.0 * secs / tot))
    peer = pipe and pipe.get("peer")
    if peer:
        out += ["", "Side by side on the interval %s (the two statements that read and parse "
                "bronze, on a local copy of the %d bronze files they read: %s MiB of zstd, %s MiB "
                "of JSON lines), each the best of 3 (DuckDB at 5M events and more: 1 run); the "
                "floor under both engines is decompressing those files (`zstd -dc` to /dev/null, "
                "one core): %.3f s."
                % (peer["interval"], peer["files"], mib(peer["zstd_bytes"] / 1024.0),
                   mib(peer["json_bytes"] / 1024.0), peer["zstd_d_s"]), "",
                "| statement | rows | ours, 1 thread, s | ours, 2 threads, s | DuckDB, 1 thread, s "
                "| DuckDB, 2 threads, s | ours / DuckDB (2 threads) | ours (1 thread) / zstd -d |",
                "|---|---|---|---|---|---|---|---|"]
        for r in peer["statements"]:
            out.append("| %s `%s` | %d | %.3f | %.3f | %.3f | %.3f | %.2f | %.1f |"
                       % (r["stage"], r["statement"], r["rows"], r["ours_1t_s"], r["ours_2t_s"],
                          r["duckdb_1t_s"], r["duckdb_2t_s"], r["ours_2t_s"] / r["duckdb_2t_s"],
                          r["ours_1t_s"] / peer["zstd_d_s"]))
        floor = 2 * pipe["hours"] * peer["zstd_d_s"]
        out += ["", "Both statements read every bronze hour %d times (the interval's and the %d "
                "after it), so decompressing bronze alone costs the SQL stages about 2 × %d × "
                "%.3f = %.2f CPU-s here (%.1f s on 2 cores), %.0f s of CPU at 10M events."
                % (pipe["lateness_h"] + 1, pipe["lateness_h"], pipe["hours"], peer["zstd_d_s"],
                   floor, floor / 2, floor * 1e7 / pipe["events"]),
                "Ingest writes each hour once: compressing its lines (`zstd --fast=3 "
                "--compress-literals -T1`, %.3f s for "
                "those %d hours) is about %.2f CPU-s for the run's %d hours, %.0f s of CPU at "
                "10M events."
                % (peer["zstd_1_s"], pipe["lateness_h"] + 1,
                   peer["zstd_1_s"] * (pipe["hours"] + pipe["lateness_h"]) / (pipe["lateness_h"] + 1),
                   pipe["hours"] + pipe["lateness_h"],
                   peer["zstd_1_s"] * (pipe["hours"] + pipe["lateness_h"]) / (pipe["lateness_h"] + 1)
                   * 1e7 / pipe["events"])]
    if orch:
        out += ["", "The same through the orchestrator (the DAG installed at the window, poke_interval "
                "%s, runs in parallel up to max_active_runs): %d of %d runs succeeded %.1f s after "
                "the install (the DAG listed after %.1f s; %s sensor pokes); task durations summed "
                "over those runs (ingest_bronze: over every run of the window):"
                % (orch.get("poke_interval", "1s"), orch["runs_done"], orch["runs_wanted"],
                   orch["wall_s"], orch["dag_seen_s"] or -1, orch.get("sensor_pokes", "?")), "",
                "| task | runs | s (sum of durations) |", "|---|---|---|"]
        for k in ("ingest_bronze", "wait_next", "bronze_to_silver", "silver_to_gold", "validate"):
            if k in orch["tasks"]:
                out.append("| %s | %d | %.2f |" % (k, orch["tasks"][k]["n"], orch["tasks"][k]["secs"]))
        out += ["", "Server CPU %.2f s over the runs, RSS %s MiB after (VmHWM %s MiB)."
                % (orch["server_cpu_s"], mib(orch["server_rss_kib"]), mib(orch["server_hwm_kib"]))]
        m = orch.get("machine")
        if m:
            out += ["The machine over the runs (/proc/stat, everything on it): %.1f core-seconds "
                    "busy, %.1f idle, %.1f stolen by the hypervisor, of %.1f (%d cores × the wall time)."
                    % (m["busy_s"], m["idle_s"], m["steal_s"], m["cores"] * orch["wall_s"], m["cores"])]
    return "\n".join(out)


def whole_hour(text):
    t = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    if t.minute or t.second:
        raise argparse.ArgumentTypeError("not a whole hour: " + text)
    return t


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "lakehouse"))
    ap.add_argument("--events", type=int, default=1000000)
    ap.add_argument("--hours", type=int, default=6)
    ap.add_argument("--lateness", type=int, default=2, help="hours (the example's 2h)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--end-hour", type=whole_hour, help="default: the last whole hour, UTC, "
                    "minus one (a whole past hour)")
    ap.add_argument("--idle-timeout", type=int, default=1, help="ingest --idle-timeout, s")
    ap.add_argument("--poke-interval", default="", help="the sensors' poke_interval in the "
                    "orchestrated part, e.g. 1s (default: the example's; in `lakehouse up` the "
                    "store's PUT of the object pokes a sensor at once)")
    ap.add_argument("--starts", type=int, default=10, help="fresh starts of `up` to time")
    ap.add_argument("--idle", type=float, default=5.0, help="seconds idle before reading RSS")
    ap.add_argument("--budget", type=int, default=7200, help="seconds for the stages after "
                    "generation; past it no further SQL interval starts, and the SQL stages "
                    "are scaled from the intervals run")
    ap.add_argument("--grace", type=int, default=1800, help="seconds past the budget a running "
                    "SQL process may take before it is killed (then a lower bound)")
    ap.add_argument("--only", default="ready,pipeline", help="parts, of ready,pipeline,orchestrated")
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "medallion_bench.jsonl"))
    ap.add_argument("--keep", action="store_true", help="keep the data directories and logs")
    ap.add_argument("--up-arg", action="append", default=[],
                    help="one more argument of the orchestrated run's `lakehouse up` "
                         "(repeat: --up-arg=--flow-parallelism --up-arg=4)")
    ap.add_argument("--no-peer", action="store_true",
                    help="skip the side by side with DuckDB and zstd -dc (5-15 min at 10M)")
    ap.add_argument("--example", default=EXAMPLE,
                    help="the DAG and SQL files to run (default examples/medallion of this tree); "
                         "against an older binary, its own: git archive REV examples/medallion "
                         "| tar -x -C DIR, then --example DIR/examples/medallion")
    args = ap.parse_args()
    if args.end_hour is None:
        now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
        args.end_hour = now - timedelta(hours=1)
    parts = args.only.split(",")
    if any(p not in ("ready", "pipeline", "orchestrated") for p in parts):
        ap.error("--only takes ready,pipeline,orchestrated")
    load0 = os.getloadavg()
    tmp = tempfile.mkdtemp(prefix="medallion-bench-", dir=os.path.join(ROOT, "build"))
    ready = pipe = orch = None
    try:
        with open(args.out, "a") as out:
            if "ready" in parts:
                ready = measure_ready(args, tmp)
                out.write(json.dumps(ready) + "\n")
            if "pipeline" in parts:
                pipe = measure_pipeline(args, tmp)
                pipe["load_start_end"] = [round(load0[0], 2), round(os.getloadavg()[0], 2)]
                out.write(json.dumps(pipe) + "\n")
                print(json.dumps(pipe), file=sys.stderr, flush=True)
            if "orchestrated" in parts:
                orch = measure_orchestrated(args, tmp)
                out.write(json.dumps(orch) + "\n")
                print(json.dumps(orch), file=sys.stderr, flush=True)
    finally:
        if args.keep:
            log("kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(report(ready, pipe, orch))
    print("\nLoad average (1 min): %.2f at the start, %.2f at the end; %d CPUs."
          % (load0[0], os.getloadavg()[0], os.cpu_count()))


if __name__ == "__main__":
    main()
