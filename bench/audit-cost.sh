#!/usr/bin/env bash
# Measures what the audit trail costs on the most frequent call, `GET /case-files/{id}` (read,
# authorized by the need-to-know policy, audited in the same transaction), by running the same
# request against two release builds of the same code in the same run:
#   audited   — the normal server;
#   unaudited — built with the `unaudited-benchmark` feature of socialcare-persistence, which makes
#               the audit append a no-op (never built for production; the server refuses the
#               production profile in that build).
# Usage: bench/audit-cost.sh [sqlite|postgres]   (default sqlite)
# Environment: DURATION (default 10s), CONNECTIONS (default "1 8 32"), THREADS (default 2),
#              PG_URL (default postgres://postgres@127.0.0.1:5432), PORT (default 18080).
# Needs `wrk` (Debian package `wrk`). Prints one Markdown table row per build and concurrency.
set -euo pipefail

ENGINE="${1:-sqlite}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-1 8 32}"
THREADS="${THREADS:-2}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
PORT="${PORT:-18080}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
OUT="$TARGET/bench"
WORK="$(mktemp -d)"
mkdir -p "$OUT"

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

cd "$ROOT"
if [[ -z "${SKIP_BUILD:-}" ]]; then
  cargo build --release -q -p socialcare-api
  cp "$TARGET/release/socialcare" "$OUT/socialcare-audited"
  cargo build --release -q -p socialcare-api --features socialcare-persistence/unaudited-benchmark
  cp "$TARGET/release/socialcare" "$OUT/socialcare-unaudited"
  # Leave target/release with the normal build.
  cargo build --release -q -p socialcare-api
fi

SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

database_url() {
  local build="$1"
  case "$ENGINE" in
    sqlite) echo "sqlite://$WORK/$build.db" ;;
    postgres)
      local name="socialcare_bench_$build"
      psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $name" >/dev/null
      psql "$PG_URL/postgres" -qc "CREATE DATABASE $name" >/dev/null
      echo "$PG_URL/$name" ;;
    *) echo "engine must be sqlite or postgres" >&2; exit 2 ;;
  esac
}

printf '| engine | build | connections | requests/s | p50 | p99 | errors |\n|---|---|---|---|---|---|---|\n'
for build in audited unaudited; do
  export DATABASE_URL; DATABASE_URL="$(database_url "$build")"
  export BIND_ADDR="127.0.0.1:$PORT"
  export SOCIALCARE_JWT_SECRET="bench-secret-bench-secret-bench-secret-0123"
  export SOCIALCARE_ADMIN_PASSWORD="bench-Secret-Pw-2026"
  export SOCIALCARE_ACCESS_TOKEN_TTL_SECS=3600
  export RUST_LOG=warn
  "$OUT/socialcare-$build" demo-data --persons 500 >/dev/null
  "$OUT/socialcare-$build" serve >"$WORK/$build.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$PORT/api/v1/status" >/dev/null 2>&1 && break
    sleep 0.1
  done
  TOKEN="$(curl -fs -H 'content-type: application/json' \
    -d '{"username":"demo.manager","password":"demo-Pa55word-2026"}' \
    "http://127.0.0.1:$PORT/api/v1/auth/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
  FILE="$(curl -fs -H "authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/case-files?limit=1" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')"
  URL="http://127.0.0.1:$PORT/api/v1/case-files/$FILE"
  wrk -t1 -c1 -d2s -H "authorization: Bearer $TOKEN" "$URL" >/dev/null   # warm-up
  for c in $CONNECTIONS; do
    t=$(( c < THREADS ? c : THREADS ))
    wrk -t"$t" -c"$c" -d"$DURATION" --latency -H "authorization: Bearer $TOKEN" "$URL" >"$WORK/wrk.txt"
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$WORK/wrk.txt")
    p50=$(awk '$1=="50%" {print $2}' "$WORK/wrk.txt")
    p99=$(awk '$1=="99%" {print $2}' "$WORK/wrk.txt")
    errors=$(awk '/Non-2xx or 3xx responses:/ {print $5} /Socket errors:/ {print "socket:" $0}' "$WORK/wrk.txt" | tr '\n' ' ')
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$ENGINE" "$build" "$c" "$rps" "$p50" "$p99" "${errors:-0}"
  done
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
  if [[ "$ENGINE" == postgres ]]; then psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS socialcare_bench_$build" >/dev/null; fi
done
