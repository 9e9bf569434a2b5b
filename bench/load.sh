#!/usr/bin/env bash
# Load scenarios of the API (see docs/benchmarks.md): starts the release server on a prepared
# database and drives it with `wrk` at fixed concurrency levels, then runs the database's own
# limit for scenarios 1, 2 and 4 in the same run ("the anchor") and prints their ratio:
#   1 case-file       GET /case-files/{id} as the case manager, over the manifest's case files
#   2 person-search   GET /persons?q=… as the case manager, over the manifest's name fragments
#   3 caseload-first  GET /me/caseload (first page)     caseload-deep: a page deep in the results
#   4 diary-entry     POST /case-files/{id}/diary-entries, a new entry at every request
#   5 agenda          GET /me/agenda
#   6 free-beds       GET /free-beds?from=FREE_BEDS_NIGHT (default: the data's reference day,
#                     the manifest's `today`), across every facility; not in the default SCENARIOS
#   7 compliance      GET /contract-compliance?limit=500&on=DAY as the area coordinator: every
#                     contract running on the data's reference day judged in one page; not in
#                     the default SCENARIOS
#   8 ranking         GET /resources/{id}/ranking?limit=100 as the area coordinator: the working
#                     ranking of the data's home care (every waiting application scored with its
#                     breakdown), first page; not in the default SCENARIOS
#   9 indicators      GET /indicators/{indicator}?period=YEAR as the area coordinator, the twelve
#                     indicators in turn for the year of the data's reference day (every area,
#                     small cells suppressed); not in the default SCENARIOS
#  10 retention       GET /retention/preview as the privacy officer: what the retention rules
#                     make due on today's date (every person and case file judged); not in the
#                     default SCENARIOS
# The anchor runs the statements the endpoint executes, in one transaction each:
#   sqlite:   `socialcare-bench anchor` (the same persistence calls through the same driver);
#   postgres: pgbench with the scripts of bench/pgbench/, and `socialcare-bench anchor` as a
#             cross-check.
#
# Usage: bench/load.sh [sqlite|postgres] [--prepare small|large|demo] [--manifest FILE] [--seed N]
#   Without --prepare the database (DATABASE_URL) and its manifest must exist. --prepare empties
#   the database first (default database only unless FORCE_PREPARE=1) and fills it with
#   `socialcare-bench data --scale …` (or `socialcare demo-data`, whose manifest is then derived
#   through the API).
# Environment:
#   DATABASE_URL    default sqlite://$TARGET/bench/load-sqlite.db, or $PG_URL/socialcare_load
#   PG_URL          postgres://postgres@127.0.0.1:5432 (server for the default database)
#   MANIFEST        default $TARGET/bench/load-<engine>-manifest.json
#   CONNECTIONS     "1 8 32 128"    DURATION 10s (seconds)    WARMUP 3s    THREADS 2 (wrk)
#   SCENARIOS       "case-file person-search caseload-first caseload-deep diary-entry agenda"
#   DEEP_PAGE       10 (caseload page to hit, or the last full page before it)
#   FREE_BEDS_NIGHT the night of the free-beds scenario (default the manifest's `today`)
#   SOCIALCARE_DB_POOL_SIZE (server, default 10), SOCIALCARE_AUDIT_READ_COMMIT (asynchronous)
#   PG_MAX_CLIENTS  cap of pgbench/anchor clients on PostgreSQL (default: what max_connections
#                   leaves free, less 5)
#   ANCHOR_CROSSCHECK=0  skip `socialcare-bench anchor` on PostgreSQL
#   MERGE_DELAY_PROBE=1  during each API measurement, sample every 100 ms how many audit records
#                   wait for the audit log's sequencer and how old the oldest is
#                   (`socialcare-bench merge-delay`; merge-delay.log, and in results.md)
#   SKIP_BUILD=1    use the binaries already copied to $TARGET/bench (or SERVER_BIN/BENCH_BIN)
#   PORT 18090, DEMO_PERSONS 500, WRK_TIMEOUT 10s
# Needs wrk (Debian package `wrk`), python3, curl; pgbench and psql for postgres.
# Writes everything under $TARGET/bench/load-<engine>-<timestamp>/ (results.md, results.jsonl,
# the raw outputs of wrk, pgbench and the anchor, the server logs).
set -euo pipefail

ENGINE=sqlite
PREPARE=""
SEED=42
while [[ $# -gt 0 ]]; do
  case "$1" in
    sqlite|postgres) ENGINE="$1" ;;
    --prepare) PREPARE="${2:?--prepare needs small, large or demo}"; shift ;;
    --manifest) MANIFEST="${2:?--manifest needs a file}"; shift ;;
    --seed) SEED="${2:?--seed needs a number}"; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
case "$PREPARE" in ""|small|large|demo) ;; *) echo "--prepare small|large|demo" >&2; exit 2 ;; esac

CONNECTIONS="${CONNECTIONS:-1 8 32 128}"
DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-3s}"
THREADS="${THREADS:-2}"
SCENARIOS="${SCENARIOS:-case-file person-search caseload-first caseload-deep diary-entry agenda}"
DEEP_PAGE="${DEEP_PAGE:-10}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
PORT="${PORT:-18090}"
DEMO_PERSONS="${DEMO_PERSONS:-500}"
WRK_TIMEOUT="${WRK_TIMEOUT:-10s}"
ANCHOR_CROSSCHECK="${ANCHOR_CROSSCHECK:-1}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
OUT="$TARGET/bench"
RUN="$OUT/load-$ENGINE-$(date -u +%Y%m%dT%H%M%SZ)"
LIB="$ROOT/bench/loadlib.py"
BASE="http://127.0.0.1:$PORT"
DURATION_S="${DURATION%s}"
WARMUP_S="${WARMUP%s}"
[[ "$DURATION_S" =~ ^[0-9]+$ && "$WARMUP_S" =~ ^[0-9]+$ ]] || { echo "DURATION and WARMUP are whole seconds, e.g. 10s" >&2; exit 2; }
mkdir -p "$OUT" "$RUN"

for tool in wrk python3 curl; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (Debian: apt-get install $tool)" >&2; exit 1; }
done
if [[ "$ENGINE" == postgres ]]; then
  for tool in pgbench psql; do
    command -v "$tool" >/dev/null || { echo "$tool is missing (Debian: apt-get install postgresql-client)" >&2; exit 1; }
  done
fi

case "$ENGINE" in
  sqlite) DEFAULT_URL="sqlite://$OUT/load-sqlite.db" ;;
  postgres) DEFAULT_URL="$PG_URL/socialcare_load" ;;
esac
DATABASE_URL="${DATABASE_URL:-$DEFAULT_URL}"
MANIFEST="${MANIFEST:-$OUT/load-$ENGINE-manifest.json}"

cd "$ROOT"
SERVER_BIN="${SERVER_BIN:-$OUT/socialcare-load}"
BENCH_BIN="${BENCH_BIN:-$OUT/socialcare-bench-load}"
if [[ -z "${SKIP_BUILD:-}" ]]; then
  cargo build --release -q -p socialcare-api -p socialcare-bench
  # target/release is shared: keep a copy of exactly what is measured.
  cp "$TARGET/release/socialcare" "$SERVER_BIN"
  cp "$TARGET/release/socialcare-bench" "$BENCH_BIN"
fi
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- . ':!bench' 2>/dev/null || echo '+changes')"

SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT

export DATABASE_URL
export BIND_ADDR="127.0.0.1:$PORT"
export SOCIALCARE_JWT_SECRET="bench-secret-bench-secret-bench-secret-0123"
export SOCIALCARE_ADMIN_PASSWORD="bench-Secret-Pw-2026"
# The benchmark measures the server, not the per-caller quota (api/src/rate_limit.rs).
export SOCIALCARE_RATE_LIMIT_PER_MINUTE=1000000
export SOCIALCARE_ACCESS_TOKEN_TTL_SECS="${SOCIALCARE_ACCESS_TOKEN_TTL_SECS:-7200}"
export SOCIALCARE_DB_POOL_SIZE="${SOCIALCARE_DB_POOL_SIZE:-10}"
export SOCIALCARE_AUDIT_READ_COMMIT="${SOCIALCARE_AUDIT_READ_COMMIT:-asynchronous}"
export RUST_LOG="${RUST_LOG:-warn}"

start_server() {
  local log="$1"
  if curl -fs "$BASE/api/v1/status" >/dev/null 2>&1; then
    echo "something already answers on port $PORT (another load run?): set PORT" >&2; exit 1
  fi
  "$SERVER_BIN" serve >"$log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 600); do
    curl -fs "$BASE/api/v1/status" >/dev/null 2>&1 && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "the server did not start, see $log:" >&2; tail -20 "$log" >&2; exit 1
}

stop_server() {
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
}

pg_admin_url() { echo "${DATABASE_URL%/*}/postgres"; }
pg_db_name() { local name="${DATABASE_URL##*/}"; echo "${name%%\?*}"; }

reset_database() {
  if [[ "$DATABASE_URL" != "$DEFAULT_URL" && -z "${FORCE_PREPARE:-}" ]]; then
    echo "--prepare empties the database: set FORCE_PREPARE=1 to allow it on $DATABASE_URL" >&2; exit 2
  fi
  case "$ENGINE" in
    sqlite) local path="${DATABASE_URL#sqlite://}"; rm -f "$path" "$path-wal" "$path-shm" "$path-audit-reads" "$path-audit-reads-wal" "$path-audit-reads-shm" ;;
    postgres)
      psql "$(pg_admin_url)" -qc "DROP DATABASE IF EXISTS $(pg_db_name)" >/dev/null
      psql "$(pg_admin_url)" -qc "CREATE DATABASE $(pg_db_name)" >/dev/null ;;
  esac
}

if [[ -n "$PREPARE" ]]; then
  reset_database
  if [[ "$PREPARE" == demo ]]; then
    echo "preparing: socialcare demo-data --persons $DEMO_PERSONS" >&2
    "$SERVER_BIN" demo-data --persons "$DEMO_PERSONS" >"$RUN/prepare.log" 2>&1
    start_server "$RUN/server-prepare.log"
    python3 "$LIB" demo-manifest "$BASE" "$MANIFEST"
    stop_server
  else
    echo "preparing: socialcare-bench data --scale $PREPARE --seed $SEED" >&2
    "${DATA_BIN:-$BENCH_BIN}" data --database-url "$DATABASE_URL" --scale "$PREPARE" --seed "$SEED" \
      --manifest "$MANIFEST" >"$RUN/prepare.log" 2>&1 \
      || { echo "FAILED: socialcare-bench data, see $RUN/prepare.log:" >&2; tail -5 "$RUN/prepare.log" >&2; exit 1; }
  fi
fi
[[ -f "$MANIFEST" ]] || { echo "no manifest at $MANIFEST: use --prepare or --manifest" >&2; exit 2; }
cp "$MANIFEST" "$RUN/manifest.json"
mf() { python3 "$LIB" manifest "$MANIFEST" "$1"; }
PASSWORD="$(mf password)"
CASE_MANAGER="$(mf case_manager)"

# pgbench and the anchor open one connection per client: stay within max_connections.
CLIENT_CAP=100000
if [[ "$ENGINE" == postgres ]]; then
  if [[ -n "${PG_MAX_CLIENTS:-}" ]]; then
    CLIENT_CAP="$PG_MAX_CLIENTS"
  else
    CLIENT_CAP="$(psql "$DATABASE_URL" -Atc "SELECT current_setting('max_connections')::int
        - current_setting('superuser_reserved_connections')::int
        - (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend') - 5")"
  fi
fi

# PostgreSQL: every audited request stages its record in audit_staged, and the sequencer deletes
# it when it chains it, moving audit_chain_head once per batch. Their dead row versions are
# removed by (auto)vacuum only: opportunistic pruning needs a cleanup lock on a page that
# concurrent requests keep pinned. Where autovacuum is off (as on the CI server of
# /etc/postgresql/15/main/conf.d/90-ci.conf) both grow with every request and reading them costs
# more and more. So that every measurement starts from the same state, both are vacuumed before
# each one; the head's size after the measurement is logged in head-size.log.
vacuum_head() {
  if [[ "$ENGINE" == postgres ]]; then
    psql "$DATABASE_URL" -qc "VACUUM audit_chain_head, audit_staged" >/dev/null
  fi
}
log_head() {
  if [[ "$ENGINE" == postgres ]]; then
    echo "$1: audit_chain_head $(psql "$DATABASE_URL" -Atc "SELECT pg_size_pretty(pg_relation_size('audit_chain_head'))")" >>"$RUN/head-size.log"
  fi
}

# CPU time of the whole machine (/proc/stat): on a virtual machine the hypervisor may give the
# cores to a neighbour ("steal"), which no figure of the run shows otherwise. cpu.log has the
# share of steal and idle time during each measurement.
cpu_sample() { awk '/^cpu / {print $2+$3+$4+$5+$6+$7+$8+$9, $9, $5}' /proc/stat; }
cpu_since() {
  local t0 s0 i0 t1 s1 i1
  read -r t0 s0 i0 <<<"$2"
  read -r t1 s1 i1 <<<"$(cpu_sample)"
  awk -v l="$1" -v t=$((t1 - t0)) -v s=$((s1 - s0)) -v i=$((i1 - i0)) \
    'BEGIN { if (t > 0) printf "%s: steal %.0f %%, idle %.0f %%\n", l, 100 * s / t, 100 * i / t }' >>"$RUN/cpu.log"
}

RESULTS="$RUN/results.jsonl"
: >"$RESULTS"
: >"$RUN/cpu.log"
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
PEAK_SCOPE="each concurrency level (VmHWM reset through /proc/PID/clear_refs before each level)"

settings() {
  cat <<EOF
- engine: $ENGINE; database: $(echo "$DATABASE_URL" | sed -E 's#(://[^:/@]+):[^@]*@#\1:***@#'); manifest: $MANIFEST
- code: $COMMIT (server $SERVER_BIN, anchor $BENCH_BIN)
- machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB memory ($(uname -srm)); wrk, the server and the database share the cores
- server: release build, 2 HTTP workers (fixed in api/src/app.rs), SOCIALCARE_DB_POOL_SIZE=$SOCIALCARE_DB_POOL_SIZE, SOCIALCARE_AUDIT_READ_COMMIT=$SOCIALCARE_AUDIT_READ_COMMIT, SOCIALCARE_ACCESS_TOKEN_TTL_SECS=$SOCIALCARE_ACCESS_TOKEN_TTL_SECS, RUST_LOG=$RUST_LOG
- wrk: $THREADS threads (fewer when there are fewer connections), DURATION=$DURATION per level after a WARMUP=$WARMUP at 8 connections, --timeout $WRK_TIMEOUT; CONNECTIONS="$CONNECTIONS"
- peak RSS: the server's VmHWM over $PEAK_SCOPE; the server is restarted for each scenario
- load average (1, 5, 15 min) at the start: $LOAD_START; at the end: ${LOAD_END:-(running)}
$( [[ "$ENGINE" == postgres ]] && echo "- PostgreSQL $(psql "$DATABASE_URL" -Atc 'show server_version'): max_connections $(psql "$DATABASE_URL" -Atc 'show max_connections'), shared_buffers $(psql "$DATABASE_URL" -Atc 'show shared_buffers'), autovacuum $(psql "$DATABASE_URL" -Atc 'show autovacuum'), synchronous_commit $(psql "$DATABASE_URL" -Atc 'show synchronous_commit'); audit_chain_head vacuumed before each measurement; pgbench and anchor clients capped at $CLIENT_CAP" )
EOF
}

# --- the API ------------------------------------------------------------------------------

urlencode() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }

# Writes the wrk script of scenario $1 to $RUN/<scenario>.lua and the first request to check as
# "METHOD PATH" in FIRST_REQUEST; sets LABEL.
prepare_scenario() {
  local scenario="$1" token="$2" script="$RUN/$1.lua" paths="$RUN/$1.paths"
  LABEL="$scenario"
  case "$scenario" in
    case-file) mf case_files | sed 's#^#/api/v1/case-files/#' >"$paths"; LABEL="1 case file" ;;
    person-search)
      : >"$paths"
      while IFS= read -r fragment; do echo "/api/v1/persons?q=$(urlencode "$fragment")" >>"$paths"; done < <(mf fragments)
      LABEL="2 person search" ;;
    caseload-first) echo "/api/v1/me/caseload" >"$paths"; LABEL="3 caseload page 1" ;;
    caseload-deep)
      local page path
      read -r page path < <(python3 "$LIB" deep-page "$BASE" "$token" "$DEEP_PAGE")
      echo "$path" >"$paths"; LABEL="3 caseload page $page" ;;
    agenda) echo "/api/v1/me/agenda" >"$paths"; LABEL="5 agenda" ;;
    free-beds)
      echo "/api/v1/free-beds?from=${FREE_BEDS_NIGHT:-$(mf today)}" >"$paths"
      LABEL="6 free beds" ;;
    compliance)
      echo "/api/v1/contract-compliance?limit=500&on=$(mf today)" >"$paths"
      LABEL="7 compliance" ;;
    ranking)
      [[ -n "$(mf ranking_resource)" ]] || { echo "the data has no care resource: prepare it again (FORCE_PREPARE=1)" >&2; exit 2; }
      echo "/api/v1/resources/$(mf ranking_resource)/ranking?limit=100" >"$paths"
      LABEL="8 ranking" ;;
    indicators)
      : >"$paths"
      for indicator in persons_in_charge case_files_opened case_files_closed bed_nights \
        pacts_by_status pacts_late employment_placements employment_outcomes applications \
        admissions benefits_granted waiting_times; do
        echo "/api/v1/indicators/$indicator?period=$(mf today | cut -c1-4)" >>"$paths"
      done
      LABEL="9 indicators" ;;
    retention)
      echo "/api/v1/retention/preview" >"$paths"
      LABEL="10 retention preview" ;;
    diary-entry) LABEL="4 diary entry" ;;
    *) echo "unknown scenario $scenario" >&2; exit 2 ;;
  esac
  if [[ "$scenario" == diary-entry ]]; then
    export WRK_DIARY_PATH="/api/v1/case-files/$(mf diary_case_file)/diary-entries"
    export WRK_OCCURRED_AT; WRK_OCCURRED_AT="$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)"
    cat "$ROOT/bench/wrk/diary.lua" "$ROOT/bench/wrk/report.lua" >"$script"
    FIRST_REQUEST="POST $WRK_DIARY_PATH"
  else
    export WRK_PATHS="$paths"
    cat "$ROOT/bench/wrk/rotate.lua" "$ROOT/bench/wrk/report.lua" >"$script"
    FIRST_REQUEST="GET $(head -1 "$paths")"
  fi
}

check_first_response() {
  local token="$1" method path status
  read -r method path <<<"$FIRST_REQUEST"
  local body=(); [[ "$method" == POST ]] && body=(-H 'content-type: application/json' -d "{\"kind\":\"interview\",\"occurred_at\":\"$WRK_OCCURRED_AT\",\"text\":\"Colloquio di verifica (controllo del banco di prova).\",\"restricted\":false}")
  status="$(curl -s -o "$RUN/first-response.json" -w '%{http_code}' -X "$method" -H "authorization: Bearer $token" "${body[@]}" "$BASE$path")"
  if [[ "$status" != 2* ]]; then
    echo "FAILED: the first request of $LABEL, $method $path, answered $status:" >&2
    cat "$RUN/first-response.json" >&2; echo >&2; exit 1
  fi
}

peak_rss_mib() { awk '/^VmHWM:/ {printf "%.1f", $2 / 1024}' "/proc/$SERVER_PID/status"; }
reset_peak() {
  if ! echo 5 2>/dev/null >"/proc/$SERVER_PID/clear_refs"; then
    PEAK_SCOPE="the whole scenario, from the server's start (cannot reset VmHWM here)"
  fi
}

run_api_scenario() {
  local scenario="$1" token
  start_server "$RUN/server-$scenario.log"
  local user="$CASE_MANAGER"
  # Compliance is read by coordinators, the office manager and the clerks, not case managers.
  [[ "$scenario" == compliance || "$scenario" == ranking || "$scenario" == indicators ]] && user="$(mf coordinator)"
  [[ "$scenario" == retention ]] && user="$(mf privacy_officer)"
  token="$(python3 "$LIB" login "$BASE" "$user" "$PASSWORD")"
  prepare_scenario "$scenario" "$token"
  check_first_response "$token"
  wrk -t2 -c8 -d"$WARMUP" --timeout "$WRK_TIMEOUT" -s "$RUN/$scenario.lua" -H "authorization: Bearer $token" "$BASE" >"$RUN/wrk-$scenario-warmup.txt"
  for c in $CONNECTIONS; do
    local t=$(( c < THREADS ? c : THREADS )) raw="$RUN/wrk-$scenario-c$c.txt"
    reset_peak
    vacuum_head
    local cpu; cpu="$(cpu_sample)"
    local probe=""
    if [[ -n "${MERGE_DELAY_PROBE:-}" ]]; then
      "$BENCH_BIN" merge-delay --database-url "$DATABASE_URL" --seconds "${DURATION%s}" \
        --merge-delay-ms "${SOCIALCARE_AUDIT_MERGE_DELAY_MS:-1000}" >"$RUN/merge-delay-$scenario-c$c.txt" &
      probe=$!
    fi
    wrk -t"$t" -c"$c" -d"$DURATION" --timeout "$WRK_TIMEOUT" --latency -s "$RUN/$scenario.lua" \
      -H "authorization: Bearer $token" "$BASE" >"$raw"
    if [[ -n "$probe" ]]; then
      wait "$probe"
      echo "$scenario c=$c: $(cat "$RUN/merge-delay-$scenario-c$c.txt")" | tee -a "$RUN/merge-delay.log" >&2
    fi
    cpu_since "api $scenario c=$c" "$cpu"
    log_head "api $scenario c=$c"
    python3 "$LIB" api-row "$raw" "$scenario" "$LABEL" "$c" "$(peak_rss_mib)" >>"$RESULTS"
    tail -1 "$RESULTS" | python3 "$LIB" show >&2
  done
  stop_server
}

# --- the anchors --------------------------------------------------------------------------

run_anchor() {
  local scenario="$1" c="$2" clients raw
  clients=$(( c < CLIENT_CAP ? c : CLIENT_CAP ))
  raw="$RUN/anchor-$scenario-c$c.json"
  vacuum_head
  local cpu; cpu="$(cpu_sample)"
  "$BENCH_BIN" anchor --database-url "$DATABASE_URL" --manifest "$MANIFEST" --scenario "$scenario" \
    --connections "$clients" --duration "$DURATION" --warmup "${ANCHOR_WARMUP:-2s}" >"$raw"
  cpu_since "anchor $scenario c=$c" "$cpu"
  log_head "anchor $scenario c=$c"
  python3 "$LIB" anchor-row "$raw" "$c" >>"$RESULTS"
  tail -1 "$RESULTS" | python3 "$LIB" show >&2
}

# pgbench runs the scripts of bench/pgbench/ (one per case file or name fragment, expanded from
# the plan that `socialcare-bench anchor --plan` computes with the server's own code) with
# -M prepared, so that every statement is prepared once per connection and then executed with
# bound parameters, as diesel does. The per-transaction log (-l) gives the percentiles.
run_pgbench() {
  local scenario="$1" c="$2" clients threads raw dir="$RUN/pgbench-$scenario" args=()
  if [[ ! -f "$dir/args" ]]; then
    mkdir -p "$dir"
    "$BENCH_BIN" anchor --database-url "$DATABASE_URL" --manifest "$MANIFEST" --scenario "$scenario" \
      --plan >"$dir/plan.json"
    python3 "$LIB" pgbench-scripts "$ROOT/bench/pgbench/$scenario.sql" "$dir" "$scenario" "$dir/plan.json" >"$dir/args"
    mapfile -t args <"$dir/args"
    pgbench -n -M prepared -c 8 -j 2 -T "$WARMUP_S" "${args[@]}" "$DATABASE_URL" >"$dir/warmup.txt" 2>&1 \
      || { echo "FAILED: pgbench $scenario (warm-up), see $dir/warmup.txt:" >&2; tail -5 "$dir/warmup.txt" >&2; exit 1; }
  fi
  mapfile -t args <"$dir/args"
  clients=$(( c < CLIENT_CAP ? c : CLIENT_CAP ))
  threads=$(( clients < 2 ? clients : 2 ))
  raw="$RUN/pgbench-$scenario-c$c.txt"
  vacuum_head
  local cpu; cpu="$(cpu_sample)"
  pgbench -n -M prepared -c "$clients" -j "$threads" -T "$DURATION_S" -l --log-prefix "$dir/log-c$c-" \
    "${args[@]}" "$DATABASE_URL" >"$raw" 2>&1 \
    || { echo "FAILED: pgbench $scenario at $clients clients, see $raw:" >&2; tail -5 "$raw" >&2; exit 1; }
  cpu_since "pgbench $scenario c=$c" "$cpu"
  log_head "pgbench $scenario c=$c"
  python3 "$LIB" pgbench-row "$raw" "$dir/log-c$c-" "$scenario" "$c" "$clients" >>"$RESULTS"
  tail -1 "$RESULTS" | python3 "$LIB" show >&2
  gzip -f "$dir/log-c$c-"*
}

echo "load run $RUN" >&2
settings >&2
for scenario in $SCENARIOS; do
  echo "scenario $scenario" >&2
  run_api_scenario "$scenario"
  case "$scenario" in case-file|person-search|diary-entry) ;; *) continue ;; esac
  if [[ "$ENGINE" == sqlite || "$ANCHOR_CROSSCHECK" == 1 ]]; then
    for c in $CONNECTIONS; do run_anchor "$scenario" "$c"; done
  fi
  if [[ "$ENGINE" == postgres ]]; then
    for c in $CONNECTIONS; do run_pgbench "$scenario" "$c"; done
  fi
done

LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"
{
  echo "# Load run $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  settings
  echo
  python3 "$LIB" table "$RESULTS"
  echo
  echo "CPU time of the machine during each measurement (/proc/stat; steal: taken by the hypervisor):"
  echo
  sed 's/^/    /' "$RUN/cpu.log"
  if [[ -f "$RUN/merge-delay.log" ]]; then
    echo
    echo "The audit log's sequencer during each measurement (socialcare-bench merge-delay, a sample every 100 ms):"
    echo
    sed 's/^/    /' "$RUN/merge-delay.log"
  fi
} >"$RUN/results.md"
cat "$RUN/results.md"
echo "raw outputs: $RUN" >&2
