#!/usr/bin/env bash
# What serialising appends on the audit chain head costs PostgreSQL, without the API: pgbench
# runs three append transactions against a fresh database migrated by the server binary:
#   locked    — the append of be87f33: the head locked from the append statement to COMMIT;
#   staged    — the append since 21e2438: staged, chained by the deferred trigger at COMMIT;
#   unchained — the same inserts with no chain (upper bound, not a design).
# The variants alternate within each repetition. The chain written here does not verify (fixed
# body bytes): the database is dropped at the end.
# Usage: bench/chain-head.sh   Environment: CLIENTS (default "8 32"), DURATION (seconds,
# default 8), REPEAT (default 2), PG_URL (default postgres://postgres@127.0.0.1:5432),
# BIN (default target/release/socialcare, built if missing).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CLIENTS="${CLIENTS:-8 32}"
DURATION="${DURATION:-8}"
REPEAT="${REPEAT:-2}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
BIN="${BIN:-$ROOT/target/release/socialcare}"
DB="socialcare_bench_chain_head"
[[ -x "$BIN" ]] || (cd "$ROOT" && cargo build --release -q -p socialcare-api)
psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
psql "$PG_URL/postgres" -qc "CREATE DATABASE $DB" >/dev/null
trap 'psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true' EXIT
DATABASE_URL="$PG_URL/$DB" "$BIN" migrate >/dev/null
psql "$PG_URL/$DB" -qc "CREATE SEQUENCE bench_unchained_seq START 1000000000" >/dev/null
echo "chain head: DURATION=${DURATION}s, CLIENTS=\"$CLIENTS\", REPEAT=$REPEAT, code $(git -C "$ROOT" rev-parse --short HEAD), load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| repetition | variant | clients | tx/s |\n|---|---|---|---|\n'
for rep in $(seq 1 "$REPEAT"); do
  for c in $CLIENTS; do
    for variant in locked staged unchained; do
      psql "$PG_URL/$DB" -qc "VACUUM audit_chain_head, audit_pending" >/dev/null
      tps=$(pgbench -n -M prepared -c "$c" -j 2 -T "$DURATION" -f "$ROOT/bench/pgbench/chain-head/$variant.sql" "$PG_URL/$DB" 2>&1 \
        | awk '/^tps/ {print $3}')
      printf '| %s | %s | %s | %s |\n' "$rep" "$variant" "$c" "$tps"
    done
  done
done
echo "staged rows left: $(psql "$PG_URL/$DB" -Atc 'SELECT count(*) FROM audit_pending')"
