#!/usr/bin/env bash
# S3 benchmarks, side by side in one run on the same data and machine:
#   a. one large GET (SIZE_MB, cached), single stream with curl: lakehouse vs
#      nginx (sendfile on, 1 worker) serving the same bytes from disk;
#   b. small GETs (4 KiB, public-read) with wrk -t1 -c16: lakehouse vs nginx;
#   c. durable 4 KiB PUTs (SigV4-signed payload) at concurrency 1 and 8 with
#      bench/s3_load.c vs bench/durable_ref.c creating the same number of
#      files durably (tmp write + fdatasync + rename + directory fsync);
#   d. one large PUT (UNSIGNED-PAYLOAD) vs MD5 + write + fdatasync of the
#      same bytes (bench/durable_ref.c large).
# Every case runs ROUNDS times, lakehouse and reference interleaved; the
# median is reported. Ratio = lakehouse / reference (1.00 = parity; higher is
# better for lakehouse). Traffic goes to 127.0.0.1 only; the temporary
# directory and every process started here are removed on exit.
#   bench/s3_bench.sh                         (needs bench/install-deps.sh)
#   ROUNDS=3 SIZE_MB=256 WRK_SECS=8 bench/s3_bench.sh
set -eu
cd "$(dirname "$0")/.."
. bench/lh_up.sh
ROUNDS=${ROUNDS:-3}
SIZE_MB=${SIZE_MB:-256}
WRK_SECS=${WRK_SECS:-8}
WRK_CONNS=${WRK_CONNS:-16}
PUT_SECS=${PUT_SECS:-8}     # time cap of each small-PUT run
PUT_N1=${PUT_N1:-1000}      # count cap at concurrency 1
PUT_N8=${PUT_N8:-4000}      # count cap at concurrency 8

for t in nginx wrk curl cc pkg-config; do
  command -v "$t" >/dev/null || [ -x "/usr/sbin/$t" ] || { echo "s3_bench: $t missing; run bench/install-deps.sh" >&2; exit 2; }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

make -s -j2 build/lakehouse build/liblh.a
pkgs="libuv jansson yaml-0.1 sqlite3 openssl libcurl zlib"
cc -std=c11 -O2 -Wall -Wextra -D_GNU_SOURCE -Isrc $(pkg-config --cflags $pkgs) -o build/s3_load \
   bench/s3_load.c build/liblh.a $(pkg-config --libs $pkgs) -lpthread -lm
cc -std=c11 -O2 -Wall -Wextra -D_GNU_SOURCE -o build/durable_ref bench/durable_ref.c -lcrypto -lpthread

dir=$(mktemp -d /tmp/lh-s3bench-XXXXXX)
lh_pid="" ng_pid=""
cleanup() {
  [ -n "$lh_pid" ] && kill "$lh_pid" 2>/dev/null && wait "$lh_pid" 2>/dev/null
  [ -n "$ng_pid" ] && kill "$ng_pid" 2>/dev/null && wait "$ng_pid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "# $*" >&2; }
median() { sort -g | awk '{a[NR]=$1} END{ if (NR) print a[int((NR+1)/2)]; else print 0 }'; }
field() { sed -n "s/.*\b$1=\([0-9.]*\).*/\1/p"; }       # key=value from a result line
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a/b; else print "n/a" }'; }
cpu_ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done; echo $t; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
hz=$(getconf CLK_TCK)

log "machine: $(nproc) cpu, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r), $(df -T "$dir" | awk 'NR==2{print $2}') on $(df "$dir" | awk 'NR==2{print $1}')"
log "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- data: the same bytes for both servers -----------------------------------
mkdir -p "$dir/www/bench" "$dir/lh" "$dir/ref"
head -c $((SIZE_MB * 1048576)) /dev/urandom >"$dir/www/bench/big"
head -c 4096 /dev/urandom >"$dir/www/bench/small"
big_bytes=$((SIZE_MB * 1048576))

# --- lakehouse -----------------------------------------------------------------
export LH_BENCH_AK=benchadmin LH_BENCH_SK=benchsecret123
# ready when /readyz answers 200 (every role started and ready)
lh_up "$dir/lh" "$dir/lakehouse.log" "$LH_BENCH_AK" "$LH_BENCH_SK" || true
[ -n "$S3" ] || { echo "s3_bench: lakehouse did not start" >&2; cat "$dir/lakehouse.log" >&2; exit 1; }
build/s3_load mb "$S3" bench
# upload the GET objects from the same files (unsigned: no extra client hash);
# s3_load names objects PREFIX/t<thread>-<n>
build/s3_load put "$S3" bench big "$big_bytes" 1 1 120 unsigned "$dir/www/bench/big" >/dev/null
build/s3_load put "$S3" bench small 4096 1 1 10 unsigned "$dir/www/bench/small" >/dev/null
LH_BIG="http://$S3/bench/big/t0-0"
LH_SMALL="http://$S3/bench/small/t0-0"

# --- nginx: same bytes from disk, sendfile on, one worker ----------------------
NG_PORT=$(free_port)
user_line=""; [ "$(id -u)" = 0 ] && user_line="user root;"
cat >"$dir/nginx.conf" <<EOF
$user_line
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/nginx.err warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  default_type application/octet-stream;
  client_body_temp_path $dir/ngtmp;
  proxy_temp_path $dir/ngtmp; fastcgi_temp_path $dir/ngtmp;
  uwsgi_temp_path $dir/ngtmp; scgi_temp_path $dir/ngtmp;
  server { listen 127.0.0.1:$NG_PORT; root $dir/www; }
}
EOF
mkdir -p "$dir/ngtmp"
"$NGINX" -c "$dir/nginx.conf" -e "$dir/nginx.err" &
ng_pid=$!
NG_BIG="http://127.0.0.1:$NG_PORT/bench/big"
NG_SMALL="http://127.0.0.1:$NG_PORT/bench/small"
for _ in $(seq 50); do curl -sf -o /dev/null "$NG_SMALL" && break; sleep 0.1; done
ng_pids() { echo "$ng_pid $(pgrep -P "$ng_pid" | tr '\n' ' ')"; }

# sanity: both serve identical bytes
for u in "$LH_BIG" "$NG_BIG"; do
  [ "$(curl -sf "$u" | md5sum)" = "$(md5sum <"$dir/www/bench/big")" ] || { echo "s3_bench: $u differs" >&2; exit 1; }
done
for u in "$LH_SMALL" "$NG_SMALL"; do
  [ "$(curl -sf "$u" | md5sum)" = "$(md5sum <"$dir/www/bench/small")" ] || { echo "s3_bench: $u differs" >&2; exit 1; }
done

rows=()
row() { rows+=("| $1 | $2 | $3 | $4 | $5 |"); }

# --- a. large GET, single stream -------------------------------------------------
get_once() { curl -sf -o /dev/null -w '%{speed_download} %{size_download}\n' "$1"; }
lh_a=() ng_a=()
c0=$(cpu_ticks $lh_pid); n0=$(cpu_ticks $(ng_pids))
for _ in $(seq $((ROUNDS * 2 - 1))); do   # more repeats: each is short
  read -r s b < <(get_once "$LH_BIG"); [ "$b" = "$big_bytes" ] || exit 1; lh_a+=("$s")
  read -r s b < <(get_once "$NG_BIG"); [ "$b" = "$big_bytes" ] || exit 1; ng_a+=("$s")
done
c1=$(cpu_ticks $lh_pid); n1=$(cpu_ticks $(ng_pids))
lh_v=$(printf '%s\n' "${lh_a[@]}" | median | awk '{printf "%.0f", $1/1e6}')
ng_v=$(printf '%s\n' "${ng_a[@]}" | median | awk '{printf "%.0f", $1/1e6}')
log "a. GET ${SIZE_MB} MiB MB/s lakehouse: ${lh_a[*]}; nginx: ${ng_a[*]}"
row "a. GET ${SIZE_MB} MiB, 1 stream (curl), MB/s" "$lh_v" "$ng_v (nginx)" "$(ratio "$lh_v" "$ng_v")" \
    "server CPU for $(( ROUNDS * 2 - 1 )) GETs: lakehouse $(awk -v t=$((c1 - c0)) -v h=$hz 'BEGIN{printf "%.2f", t/h}') s, nginx $(awk -v t=$((n1 - n0)) -v h=$hz 'BEGIN{printf "%.2f", t/h}') s"

# --- b. small GETs with wrk ------------------------------------------------------
wrk_rps() { wrk -t1 -c"$WRK_CONNS" -d"${WRK_SECS}s" "$1" | awk '/Requests\/sec/{print $2} /Non-2xx/{print "non2xx " $0 > "/dev/stderr"}'; }
lh_b=() ng_b=() lh_cpu=0 ng_cpu=0
for _ in $(seq "$ROUNDS"); do
  c0=$(cpu_ticks $lh_pid); lh_b+=("$(wrk_rps "$LH_SMALL")"); c1=$(cpu_ticks $lh_pid); lh_cpu=$((lh_cpu + c1 - c0))
  n0=$(cpu_ticks $(ng_pids)); ng_b+=("$(wrk_rps "$NG_SMALL")"); n1=$(cpu_ticks $(ng_pids)); ng_cpu=$((ng_cpu + n1 - n0))
done
lh_v=$(printf '%s\n' "${lh_b[@]}" | median | awk '{printf "%.0f", $1}')
ng_v=$(printf '%s\n' "${ng_b[@]}" | median | awk '{printf "%.0f", $1}')
log "b. GET 4 KiB req/s lakehouse: ${lh_b[*]}; nginx: ${ng_b[*]}"
lh_us=$(awk -v t=$lh_cpu -v h=$hz -v r="$(printf '%s+' "${lh_b[@]}")0" -v s="$WRK_SECS" 'BEGIN{split(r,x,"+"); n=0; for(i in x) n+=x[i]*s; printf "%.0f", t/h/n*1e6}')
ng_us=$(awk -v t=$ng_cpu -v h=$hz -v r="$(printf '%s+' "${ng_b[@]}")0" -v s="$WRK_SECS" 'BEGIN{split(r,x,"+"); n=0; for(i in x) n+=x[i]*s; printf "%.0f", t/h/n*1e6}')
row "b. GET 4 KiB, wrk -t1 -c$WRK_CONNS -d${WRK_SECS}s, req/s" "$lh_v" "$ng_v (nginx)" "$(ratio "$lh_v" "$ng_v")" \
    "server CPU per request: lakehouse $lh_us µs, nginx $ng_us µs"

# --- c. durable 4 KiB PUTs ---------------------------------------------------------
for conc in 1 8; do
  n=$PUT_N1; [ "$conc" = 8 ] && n=$PUT_N8
  lh_c=() ref_c=() cl=()
  for r in $(seq "$ROUNDS"); do
    sync
    out=$(build/s3_load put "$S3" bench "c$conc-r$r" 4096 "$conc" "$n" "$PUT_SECS" signed)
    log "c. lakehouse c=$conc: $out"
    lh_c+=("$(echo "$out" | field ops_per_s)")
    cl+=("$(echo "$out" | awk '{for(i=1;i<=NF;i++){split($i,kv,"="); v[kv[1]]=kv[2]} printf "%.0f", v["client_cpu_s"]/v["secs"]*100}')")
    sync
    mkdir -p "$dir/ref/c$conc-r$r"
    out=$(build/durable_ref small "$dir/ref/c$conc-r$r" 4096 "$conc" "$n" "$PUT_SECS")
    log "c. reference c=$conc: $out"
    ref_c+=("$(echo "$out" | field ops_per_s)")
  done
  lh_v=$(printf '%s\n' "${lh_c[@]}" | median | awk '{printf "%.0f", $1}')
  ref_v=$(printf '%s\n' "${ref_c[@]}" | median | awk '{printf "%.0f", $1}')
  row "c. PUT 4 KiB durable, concurrency $conc, PUT/s" "$lh_v" "$ref_v (file create + fdatasync + rename + dir fsync)" \
      "$(ratio "$lh_v" "$ref_v")" "load generator CPU $(printf '%s\n' "${cl[@]}" | median)% of one core"
done

# --- d. large PUT --------------------------------------------------------------------
lh_d=() ref_d=() parts=""
for r in $(seq "$ROUNDS"); do
  sync
  c0=$(cpu_ticks $lh_pid)
  out=$(build/s3_load put "$S3" bench "d-r$r" "$big_bytes" 1 1 120 unsigned "$dir/www/bench/big")
  c1=$(cpu_ticks $lh_pid)
  log "d. lakehouse: $out server_cpu_s=$(awk -v t=$((c1 - c0)) -v h=$hz 'BEGIN{printf "%.2f", t/h}')"
  lh_d+=("$(echo "$out" | field mb_per_s)")
  sync
  out=$(build/durable_ref large "$dir/ref" "$dir/www/bench/big")
  log "d. reference: $out"
  ref_d+=("$(echo "$out" | field mb_per_s)")
  parts="md5 $(echo "$out" | field md5_s) s + write $(echo "$out" | field write_s) s + fdatasync $(echo "$out" | field sync_s) s"
done
lh_v=$(printf '%s\n' "${lh_d[@]}" | median | awk '{printf "%.0f", $1}')
ref_v=$(printf '%s\n' "${ref_d[@]}" | median | awk '{printf "%.0f", $1}')
row "d. PUT ${SIZE_MB} MiB, 1 stream, UNSIGNED-PAYLOAD, MB/s" "$lh_v" "$ref_v (MD5 + write + fdatasync)" \
    "$(ratio "$lh_v" "$ref_v")" "last reference run: $parts"

log "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| case | lakehouse | reference | ratio | notes |"
echo "|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
