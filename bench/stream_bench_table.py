"""Prints stream_bench.sh's Markdown table from its JSON lines (medians over
the rounds; ratios ours / dd and ours / mock; the issue's targets).
    stream_bench_table.py RUNS.jsonl COMMAND "LOAD_START LOAD_END"
"""
import json
import statistics
import sys


def load(path):
    runs = {}
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            peer = "dd" if r["mode"] == "dd" else r["label"]
            runs.setdefault((r["case"], peer), []).append(r)
    return runs


def med(runs, case, peer, key):
    vals = [r[key] for r in runs.get((case, peer), []) if key in r and r[key] is not None]
    return statistics.median(vals) if vals else None


def fmt(v, digits=0):
    if v is None:
        return "-"
    return f"{v:,.{digits}f}"


def ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b else "-"


def parts(p):
    return "1 partition" if p == "1" else f"{p} partitions"


def cpu(runs, case):
    srv, cli = med(runs, case, "ours", "server_cpu_s"), med(runs, case, "ours", "client_cpu_s")
    return f"CPU s server {fmt(srv, 2)}, client {fmt(cli, 2)}"


def produce_rows(runs):
    out = []
    for acks, sync in (("1", "dd, no sync"), ("all", "dd conv=fdatasync")):
        for p in ("1", "8"):
            case = f"produce-1k-acks{acks}-p{p}"
            ours, dd, mock = (med(runs, case, x, "mb_per_s") for x in ("ours", "dd", "mock"))
            target = ">= 0.8x dd" if acks == "1" else ""
            out.append(f"| produce 1 KiB, acks={acks}, {parts(p)}, MB/s | {fmt(ours)} "
                       f"| {fmt(dd)} ({sync}) | {ratio(ours, dd)} | {fmt(mock)} | {ratio(ours, mock)} "
                       f"| {target} | {cpu(runs, case)} |")
    case = "produce-100b-p1"
    ours, mock = med(runs, case, "ours", "records_per_s"), med(runs, case, "mock", "records_per_s")
    out.append(f"| produce 100 B, acks=1, 1 partition, records/s | {fmt(ours)} | | | {fmt(mock)} "
               f"| {ratio(ours, mock)} | | {cpu(runs, case)} |")
    return out


def other_rows(runs):
    out = []
    for p in ("1", "8"):
        case = f"consume-1k-p{p}"
        mbs, rps = med(runs, case, "ours", "mb_per_s"), med(runs, case, "ours", "records_per_s")
        out.append(f"| consume 1 KiB from page cache, {parts(p)}, MB/s | {fmt(mbs)} | | | | "
                   f"| >= 1000 | {fmt(rps)} records/s; {cpu(runs, case)} |")
    for acks in ("1", "all"):
        case = f"latency-acks{acks}"
        p50, p99, p999 = (med(runs, case, "ours", k) for k in ("p50_ms", "p99_ms", "p999_ms"))
        rate = med(runs, case, "ours", "achieved_rate")
        out.append(f"| end-to-end latency, acks={acks}, p50 / p99 ms | {fmt(p50, 2)} / {fmt(p99, 2)} "
                   f"| | | | | p99 < 5 | p99.9 {fmt(p999, 2)} ms at {fmt(rate)} records/s |")
    return out


def main():
    runs = load(sys.argv[1])
    rounds = max((len(v) for v in runs.values()), default=0)
    print(f"command: {sys.argv[2]}")
    print(f"load average at start / end: {sys.argv[3].replace(' ', ' / ')}; medians of {rounds} rounds")
    print()
    print("| case | ours | physical limit | ours / dd | mock | ours / mock | target | notes |")
    print("|---|---|---|---|---|---|---|---|")
    for row in produce_rows(runs) + other_rows(runs):
        print(row)


main()
