#!/usr/bin/env bash
# Measures what the audit trail costs on the most frequent call, `GET /case-files/{id}` (read,
# authorized by the need-to-know policy, audited in the same transaction), by running the same
# request against two release builds of the same code in the same run:
#   audited   — the normal server;
#   unaudited — built with the `unaudited-benchmark` feature of socialcare-persistence, which makes
#               the audit append a no-op (never built for production; the server refuses the
#               production profile in that build).
# Both servers run at once, each on its own database. The measurements are interleaved: for each
# repetition and each concurrency level, one build then the other (the order alternates between
# repetitions), so that a machine that gets slower or faster during the run (other work, a
# neighbour on the host) weighs on both builds alike. On PostgreSQL the audit chain head and the
# staging table audit_staged are vacuumed before each measurement (autovacuum may be off; see docs/benchmarks.md).
# Usage: bench/audit-cost.sh [sqlite|postgres]   (default sqlite)
# Environment: DURATION (default 10s), CONNECTIONS (default "1 8 32"), REPEAT (default 3),
#              THREADS (default 2), PG_URL (default postgres://postgres@127.0.0.1:5432),
#              PORT (default 18080; the unaudited build listens on PORT+1), SKIP_BUILD=1.
# Needs `wrk` (Debian package `wrk`). Prints one Markdown table row per measurement, then the
# median of the repetitions per build and level and the ratio audited / unaudited.
set -euo pipefail

ENGINE="${1:-sqlite}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-1 8 32}"
REPEAT="${REPEAT:-3}"
THREADS="${THREADS:-2}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
PORT="${PORT:-18080}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
OUT="$TARGET/bench"
WORK="$(mktemp -d)"
mkdir -p "$OUT"
BUILDS=(audited unaudited)

case "$ENGINE" in sqlite|postgres) ;; *) echo "engine must be sqlite or postgres" >&2; exit 2 ;; esac
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

declare -A PID URL TOKEN DB
cleanup() {
  for build in "${BUILDS[@]}"; do
    if [[ -n "${PID[$build]:-}" ]]; then kill "${PID[$build]}" 2>/dev/null || true; wait "${PID[$build]}" 2>/dev/null || true; fi
    if [[ "$ENGINE" == postgres ]]; then psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS socialcare_bench_$build" >/dev/null 2>&1 || true; fi
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

database_url() {
  local build="$1"
  case "$ENGINE" in
    sqlite) echo "sqlite://$WORK/$build.db" ;;
    postgres)
      local name="socialcare_bench_$build"
      psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $name" >/dev/null 2>&1
      psql "$PG_URL/postgres" -qc "CREATE DATABASE $name" >/dev/null
      echo "$PG_URL/$name" ;;
  esac
}

export SOCIALCARE_JWT_SECRET="bench-secret-bench-secret-bench-secret-0123"
export SOCIALCARE_ADMIN_PASSWORD="bench-Secret-Pw-2026"
# The benchmark measures the server, not the per-caller quota (api/src/rate_limit.rs).
export SOCIALCARE_RATE_LIMIT_PER_MINUTE=1000000
export SOCIALCARE_ACCESS_TOKEN_TTL_SECS=7200
export RUST_LOG=warn
port="$PORT"
for build in "${BUILDS[@]}"; do
  DB[$build]="$(database_url "$build")"
  DATABASE_URL="${DB[$build]}" "$OUT/socialcare-$build" demo-data --persons 500 >/dev/null
  DATABASE_URL="${DB[$build]}" BIND_ADDR="127.0.0.1:$port" "$OUT/socialcare-$build" serve >"$WORK/$build.log" 2>&1 &
  PID[$build]=$!
  base="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do
    curl -fs "$base/api/v1/status" >/dev/null 2>&1 && break
    sleep 0.1
  done
  TOKEN[$build]="$(curl -fs -H 'content-type: application/json' \
    -d '{"username":"demo.manager","password":"demo-Pa55word-2026"}' \
    "$base/api/v1/auth/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
  file="$(curl -fs -H "authorization: Bearer ${TOKEN[$build]}" "$base/api/v1/case-files?limit=1" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')"
  URL[$build]="$base/api/v1/case-files/$file"
  wrk -t1 -c1 -d2s -H "authorization: Bearer ${TOKEN[$build]}" "${URL[$build]}" >/dev/null   # warm-up
  port=$((port + 1))
done

vacuum_head() {
  if [[ "$ENGINE" == postgres ]]; then psql "${DB[$1]}" -qc "VACUUM audit_chain_head, audit_staged" >/dev/null; fi
}

echo "audit cost: engine $ENGINE, DURATION=$DURATION, CONNECTIONS=\"$CONNECTIONS\", REPEAT=$REPEAT, code $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!bench' 2>/dev/null || echo '+changes'), load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| repetition | build | connections | requests/s | p50 | p99 | errors |\n|---|---|---|---|---|---|---|\n'
: >"$WORK/rows.tsv"
for rep in $(seq 1 "$REPEAT"); do
  order=("${BUILDS[@]}")
  (( rep % 2 == 0 )) && order=(unaudited audited)
  for c in $CONNECTIONS; do
    t=$(( c < THREADS ? c : THREADS ))
    for build in "${order[@]}"; do
      vacuum_head "$build"
      wrk -t"$t" -c"$c" -d"$DURATION" --latency -H "authorization: Bearer ${TOKEN[$build]}" "${URL[$build]}" >"$WORK/wrk.txt"
      rps=$(awk '/^Requests\/sec:/ {print $2}' "$WORK/wrk.txt")
      p50=$(awk '$1=="50%" {print $2}' "$WORK/wrk.txt")
      p99=$(awk '$1=="99%" {print $2}' "$WORK/wrk.txt")
      errors=$(awk '/Non-2xx or 3xx responses:/ {print $5} /Socket errors:/ {print "socket:" $0}' "$WORK/wrk.txt" | tr '\n' ' ')
      printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$rep" "$build" "$c" "$rps" "$p50" "$p99" "${errors:-0}"
      printf '%s\t%s\t%s\n' "$build" "$c" "$rps" >>"$WORK/rows.tsv"
    done
  done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
python3 - "$WORK/rows.tsv" "$ENGINE" <<'EOF'
import statistics, sys
rows = [line.split("\t") for line in open(sys.argv[1]).read().splitlines()]
levels = sorted({int(c) for _, c, _ in rows})
print("| engine | connections | audited req/s (median) | unaudited req/s (median) | audited / unaudited | per repetition |")
print("|---|---|---|---|---|---|")
for c in levels:
    a = [float(r) for b, cc, r in rows if b == "audited" and int(cc) == c]
    u = [float(r) for b, cc, r in rows if b == "unaudited" and int(cc) == c]
    per = " · ".join(f"{x / y:.0%}" for x, y in zip(a, u))
    print(f"| {sys.argv[2]} | {c} | {statistics.median(a):,.0f} | {statistics.median(u):,.0f} "
          f"| {statistics.median(a) / statistics.median(u):.0%} | {per} |")
EOF
