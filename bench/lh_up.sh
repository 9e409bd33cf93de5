# Sourced by the bench scripts. lh_up DATA_DIR LOG ACCESS_KEY SECRET_KEY
# starts build/lakehouse up on ephemeral loopback ports (admin keys as
# given), waits until /readyz answers 200, and sets lh_pid and S3
# (host:port). Returns non-zero when no S3 address appeared.
lh_up() {
  LAKEHOUSE_ACCESS_KEY=$3 LAKEHOUSE_SECRET_KEY=$4 \
    build/lakehouse up --data-dir "$1" --listen-ephemeral >"$2" 2>&1 &
  lh_pid=$!
  local web=""
  for _ in $(seq 300); do
    web=$(sed -n 's/.*"web": *"\([^"]*\)".*/\1/p' "$1/run/endpoints.json" 2>/dev/null || true)
    [ -n "$web" ] && curl -sf -o /dev/null "http://$web/readyz" && break
    sleep 0.1
  done
  S3=$(sed -n 's/.*"s3": *"\([^"]*\)".*/\1/p' "$1/run/endpoints.json" 2>/dev/null || true)
  [ -n "$S3" ]
}
