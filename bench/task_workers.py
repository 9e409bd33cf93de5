#!/usr/bin/env python3
"""Warm workers against a fresh process per try (src/flow/workers.c), side by
side: the same `lakehouse sql` tries, one after the other, through two
launchers (`task-run --launcher`, the orchestrator's fork server) at the same
moment, one with `--workers 1` and one without, each pinned to its own CPU;
then again with the CPUs swapped. Each side's CPU is every process it made
(the launcher, its supervisors, tries and workers: RUSAGE_CHILDREN, with this
process a child subreaper so that a worker comes back to it). Reports user,
system and total CPU, and warm / fresh.

    python3 bench/task_workers.py [--bin build/lakehouse] [--rounds 2] [--tries 8]
    python3 bench/task_workers.py --files a.sql b.sql ...   # these tries instead

Without --files each try is a query of this machine alone that holds a few
hundred MB (a temporary table of 3M rows with strings, a GROUP BY and a
de-duplicating window over it). With --files, the environment (lake keys and
endpoints) is passed on as it is, e.g. to run the example's rendered SQL
against a kept `bench/medallion_bench.py --keep` directory."""
import argparse
import ctypes
import json
import os
import resource
import socket
import struct
import subprocess
import sys
import tempfile
import time

QUERY = """
CREATE TEMP TABLE t AS
SELECT range AS id, range % 500000 AS k,
       'addr-' || CAST(range * 7919 % 1000003 AS VARCHAR) || '-padding-to-forty-bytes' AS s,
       CAST(range % 1000 AS DOUBLE) / 7 AS v
FROM range(3000000);
SELECT count(*), sum(n) FROM (SELECT k, count(DISTINCT s) AS n FROM t GROUP BY k) AS g;
SELECT count(*) FROM (SELECT * FROM t
                      QUALIFY row_number() OVER (PARTITION BY s ORDER BY id) = 1) AS d;
"""


def put_str(s):
    b = os.fsencode(s) + b"\0"
    return struct.pack("=I", len(b)) + b


def side(binary, workers, cpu, files, out):
    """One side in this (forked) process: its JSON line to out."""
    os.sched_setaffinity(0, {cpu})
    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    ours, theirs = socket.socketpair()
    args = [binary, "task-run", "--launcher"] + (["--workers", str(workers)] if workers else [])
    proc = subprocess.Popen(args, stdin=theirs, stdout=subprocess.DEVNULL)
    theirs.close()
    tmp = tempfile.mkdtemp(prefix="task-workers-")
    env = dict(os.environ, LAKEHOUSE_SQL_THREADS="1")
    pairs = [f"{k}={v}" for k, v in env.items()]
    t0 = time.monotonic()
    for i, f in enumerate(files):
        log, status = f"{tmp}/{i}.log", f"{tmp}/{i}.status"
        argv = [binary, "sql", "-q", "-f", f]
        body = struct.pack("=qqi", 0, 0, 0) + put_str(log) + put_str(status) + put_str(tmp)
        body += struct.pack("=I", len(argv)) + b"".join(put_str(a) for a in argv)
        body += struct.pack("=I", len(pairs)) + b"".join(put_str(e) for e in pairs)
        ours.sendall(struct.pack("=I", len(body)) + body)
        answer = b""
        while len(answer) < 16:
            chunk = ours.recv(16 - len(answer))
            if not chunk:
                sys.exit("the launcher closed its socket")
            answer += chunk
        while True:
            try:
                with open(status) as fh:
                    st = json.load(fh)
                if st.get("state") == "exited":
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.01)
        if st["exit_code"] != 0:
            with open(log) as fh:
                sys.exit(f"{f} failed:\n{fh.read()[-2000:]}")
    ours.close()
    proc.wait()
    while True:  # workers (and anything else orphaned) come back to us: reap them
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    out.write(json.dumps({"workers": workers, "cpu_id": cpu,
                          "wall": round(time.monotonic() - t0, 2),
                          "user": round(ru.ru_utime, 2), "sys": round(ru.ru_stime, 2),
                          "cpu": round(ru.ru_utime + ru.ru_stime, 2)}) + "\n")


def run_pair(binary, files, warm_cpu):
    """Both sides at once, the warm one on warm_cpu; (warm, fresh) dicts."""
    results = []
    for workers, cpu in ((1, warm_cpu), (0, 1 - warm_cpu)):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            with os.fdopen(w, "w") as out:
                side(binary, workers, cpu, files, out)
            os._exit(0)
        os.close(w)
        results.append((pid, r))
    got = []
    for pid, r in results:
        with os.fdopen(r) as fh:
            text = fh.read()
        _, st = os.waitpid(pid, 0)
        if st or not text:
            sys.exit("a side failed")
        got.append(json.loads(text))
    return got


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "..", "build",
                                                  "lakehouse"))
    ap.add_argument("--rounds", type=int, default=2, help="pairs of runs (CPUs swapped in each)")
    ap.add_argument("--tries", type=int, default=8, help="tries of the built-in query a run")
    ap.add_argument("--files", nargs="*", help="SQL files to run as the tries instead")
    args = ap.parse_args()
    binary = os.path.abspath(args.bin)
    if os.cpu_count() < 2:
        sys.exit("needs two CPUs")
    files = args.files
    if not files:
        fd, path = tempfile.mkstemp(suffix=".sql")
        with os.fdopen(fd, "w") as fh:
            fh.write(QUERY)
        files = [path] * args.tries
    print("| round | warm: CPU s (user / sys) | fresh: CPU s (user / sys) | warm / fresh CPU | "
          "warm / fresh sys |")
    print("|---|---|---|---|---|")
    ratios = []
    for rnd in range(args.rounds):
        for warm_cpu in (0, 1):
            warm, fresh = run_pair(binary, files, warm_cpu)
            ratio = warm["cpu"] / fresh["cpu"]
            ratios.append(ratio)
            print(f"| {rnd + 1}{'ab'[warm_cpu]} | {warm['cpu']} ({warm['user']} / {warm['sys']}) "
                  f"| {fresh['cpu']} ({fresh['user']} / {fresh['sys']}) | {ratio:.3f} | "
                  f"{warm['sys'] / max(fresh['sys'], 0.01):.3f} |", flush=True)
    ratios.sort()
    mid = len(ratios) // 2
    median = ratios[mid] if len(ratios) % 2 else (ratios[mid - 1] + ratios[mid]) / 2
    print(f"\nwarm / fresh CPU: median {median:.3f}, "
          f"range {ratios[0]:.3f}-{ratios[-1]:.3f}, {len(files)} tries a run")


if __name__ == "__main__":
    main()
