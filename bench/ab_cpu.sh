#!/usr/bin/env bash
# Side-by-side CPU comparison of two commands on a 2-core machine whose speed
# drifts by tens of percent within minutes (the shared VM this project is
# measured on): each round runs A pinned to one core and B pinned to the
# other at the same time, so both see the same moment, and the next round
# swaps the cores. Reports each command's CPU (user + system, its whole
# process tree, from /usr/bin/time) per round, the ratio of the sums B / A
# and in how many rounds B used less. An A/A run (the same command twice)
# shows the method's own spread: 1.005 over 8 rounds of validate.sql.
#   bash bench/ab_cpu.sh ROUNDS 'command A' 'command B'
#   bash bench/ab_cpu.sh 8 'build/lakehouse sql -f old.sql' 'build/lakehouse sql -f new.sql'
#   bash bench/ab_cpu.sh 6 'build/lakehouse sql -f q.sql' \
#       'GLIBC_TUNABLES=glibc.malloc.hugetlb=0 build/lakehouse sql -f q.sql'
# The two commands must not disturb each other (no writes to the same table).
# Their output goes to /dev/null; a failing command is reported and stops it.
set -eu
if [ $# -ne 3 ] || ! [ "$1" -gt 0 ] 2>/dev/null; then
    echo "usage: bash bench/ab_cpu.sh ROUNDS 'command A' 'command B'" >&2
    exit 2
fi
rounds=$1 a=$2 b=$3
[ -x /usr/bin/time ] || bash "$(dirname "$0")/install-deps.sh"
[ "$(nproc)" -ge 2 ] || {
    echo "ab_cpu: needs two cores" >&2
    exit 2
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in $(seq "$rounds"); do
    ca=$(((i + 1) % 2)) cb=$((i % 2))
    taskset -c "$ca" /usr/bin/time -f "%U %S" -o "$tmp/a$i" bash -c "$a" >/dev/null 2>"$tmp/ea$i" &
    pa=$!
    taskset -c "$cb" /usr/bin/time -f "%U %S" -o "$tmp/b$i" bash -c "$b" >/dev/null 2>"$tmp/eb$i" &
    pb=$!
    ok=0
    wait "$pa" || ok=1
    wait "$pb" || ok=$((ok + 2))
    if [ "$ok" != 0 ]; then
        echo "ab_cpu: round $i: command $([ $ok = 2 ] && echo B || echo A) failed:" >&2
        tail -5 "$tmp/ea$i" "$tmp/eb$i" >&2
        exit 1
    fi
    echo "round $i: A on core $ca $(tail -1 "$tmp/a$i"), B on core $cb $(tail -1 "$tmp/b$i")" >&2
done
python3 - "$tmp" "$rounds" <<'EOF'
import sys
tmp, n = sys.argv[1], int(sys.argv[2])
def cpu(p):
    u, s = open(p).read().split("\n")[-2].split()
    return float(u) + float(s)
a = [cpu("%s/a%d" % (tmp, i)) for i in range(1, n + 1)]
b = [cpu("%s/b%d" % (tmp, i)) for i in range(1, n + 1)]
print("A CPU s: %s (sum %.2f)" % (", ".join("%.2f" % x for x in a), sum(a)))
print("B CPU s: %s (sum %.2f)" % (", ".join("%.2f" % x for x in b), sum(b)))
print("B / A = %.3f; B used less in %d of %d rounds" % (sum(b) / sum(a), sum(y < x for x, y in zip(a, b)), n))
EOF
