#!/usr/bin/env bash
# Measures the bulk import (docs/import.md) through the API of a release build: a generated CSV
# of ROWS persons (a quarter of them in households of two to four, three in five with an open
# case file, one in ten without tax code, a few refused on purpose) is checked (dry run), then
# imported, then sent again (which must import nothing), each timed with curl's time_total.
# The database starts from the demo office (PERSONS persons already registered, so that the
# duplicate checks read a populated table), or is DATABASE_URL when set (not dropped; it must
# hold the demo office's accounts, e.g. a database made by `bench/load.sh … --prepare`).
# Usage: bench/import.sh [sqlite|postgres]   (default sqlite)
# Environment: ROWS (default 50000), PERSONS (default 2000), PG_URL (default
#              postgres://postgres@127.0.0.1:5432), PORT (default 18095), SKIP_BUILD=1,
#              DATABASE_URL (see above).
# Prints one Markdown table row per request, and the counts the import reports.
set -euo pipefail

ENGINE="${1:-sqlite}"
ROWS="${ROWS:-50000}"
PERSONS="${PERSONS:-2000}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
PORT="${PORT:-18095}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
WORK="$(mktemp -d)"

case "$ENGINE" in sqlite|postgres) ;; *) echo "engine must be sqlite or postgres" >&2; exit 2 ;; esac
cd "$ROOT"
[[ -n "${SKIP_BUILD:-}" ]] || cargo build --release -q -p socialcare-api
BIN="$TARGET/release/socialcare"

PID=""
OWN_DB=""
cleanup() {
  if [[ -n "$PID" ]]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  if [[ "$OWN_DB" == postgres ]]; then psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS socialcare_bench_import" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

export SOCIALCARE_JWT_SECRET="bench-secret-bench-secret-bench-secret-0123"
export SOCIALCARE_ADMIN_PASSWORD="bench-Secret-Pw-2026"
export SOCIALCARE_RATE_LIMIT_PER_MINUTE=1000000
export SOCIALCARE_ACCESS_TOKEN_TTL_SECS=7200
export RUST_LOG=warn
if [[ -z "${DATABASE_URL:-}" ]]; then
  case "$ENGINE" in
    sqlite) DATABASE_URL="sqlite://$WORK/import.db" ;;
    postgres)
      psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS socialcare_bench_import" >/dev/null 2>&1
      psql "$PG_URL/postgres" -qc "CREATE DATABASE socialcare_bench_import" >/dev/null
      OWN_DB=postgres
      DATABASE_URL="$PG_URL/socialcare_bench_import" ;;
  esac
  DATABASE_URL="$DATABASE_URL" "$BIN" demo-data --persons "$PERSONS" >/dev/null
fi
export DATABASE_URL
BIND_ADDR="127.0.0.1:$PORT" "$BIN" serve >"$WORK/server.log" 2>&1 &
PID=$!
base="http://127.0.0.1:$PORT/api/v1"
for _ in $(seq 1 200); do
  curl -fs "$base/status" >/dev/null 2>&1 && break
  sleep 0.1
done
token="$(curl -fs -H 'content-type: application/json' \
  -d '{"username":"demo.manager","password":"demo-Pa55word-2026"}' \
  "$base/auth/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"

python3 - "$ROWS" "$WORK/import.csv" <<'EOF'
import random, sys
rows, out = int(sys.argv[1]), sys.argv[2]
rng = random.Random(20261206)
GIVEN_F = ["Anna", "Giulia", "Maria", "Sara", "Elena", "Chiara", "Laura", "Fatima", "Amina", "Ioana"]
GIVEN_M = ["Marco", "Luca", "Giovanni", "Paolo", "Ahmed", "Mohamed", "Andrea", "Stefano", "Ion", "Karim"]
FAMILY = ["Rossi", "Bianchi", "Ferrari", "Esposito", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Bruno"]
ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23]
MONTHS = "ABCDEHLMPRST"
AREAS = [("adults_disability", "add", ["person_with_disability", "adult_in_need"]),
         ("social_inclusion", "inc", ["homeless", "adult_in_need", "roma_sinti_caminanti"]),
         ("transversal", "tra", ["international_protection", "prison_area"])]

def letters(n):
    s = ""
    while True:
        s += chr(97 + n % 26); n //= 26
        if n == 0: return s

def part(name, given):
    up = [c for c in name.upper() if c.isalpha()]
    cons = [c for c in up if c not in "AEIOU"]; vow = [c for c in up if c in "AEIOU"]
    if given and len(cons) >= 4: cons = [cons[0], cons[2], cons[3]]
    return "".join((cons + vow + ["X"] * 3)[:3])

def check(code):
    total = 0
    for i, c in enumerate(code):
        n = int(c) if c.isdigit() else ord(c) - 65
        total += ODD[n] if i % 2 == 0 else n
    return chr(65 + total % 26)

header = ["given_names", "family_names", "birth_date", "sex", "tax_code", "municipality",
          "residence_kind", "household", "household_relationship", "case_area",
          "case_target_groups", "case_opened_on", "case_manager"]
lines = [";".join(header)]
i = 0
household = 0
while i < rows:
    size = rng.choice([2, 2, 3, 4]) if rng.random() < 0.10 else 1
    size = min(size, rows - i)
    key = ""
    if size > 1:
        household += 1
        key = f"H{household}"
    for member in range(size):
        female = rng.random() < 0.5
        given = rng.choice(GIVEN_F if female else GIVEN_M)
        family = rng.choice(FAMILY) + letters(i)
        y, m, d = rng.randint(1940, 2005), rng.randint(1, 12), rng.randint(1, 28)
        birth = f"{y:04d}-{m:02d}-{d:02d}"
        if rng.random() < 0.001:
            birth = f"{y:04d}-13-{d:02d}"          # refused: not a day
        tax = ""
        if rng.random() < 0.9:
            place = chr(65 + (i // 1000) % 26) + f"{i % 1000:03d}"
            body = (part(family, False) + part(given, True) + f"{y % 100:02d}" + MONTHS[m - 1]
                    + f"{d + (40 if female else 0):02d}" + place)
            tax = body + check(body)
        relationship = "" if not key else ("reference_person" if member == 0 else rng.choice(["spouse", "child", "child", "parent"]))
        area = ["", "", "", "", ""]
        if rng.random() < 0.6:
            name, code, groups = rng.choice(AREAS)
            opened = f"{rng.randint(2020, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            area = [name, "|".join(rng.sample(groups, 1)), opened, f"demo.sw.{code}{rng.randint(1, 2)}"]
        else:
            area = ["", "", "", ""]
        lines.append(";".join([given, family, birth, "F" if female else "M", tax, "Trento",
                               "residence" if rng.random() < 0.7 else "none", key, relationship] + area)
                     .replace(";Trento;none;", ";;none;"))
        i += 1
open(out, "w", encoding="utf-8").write("\n".join(lines) + "\n")
EOF

echo "bulk import: engine $ENGINE, ROWS=$ROWS, code $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!bench' 2>/dev/null || echo '+changes'), file $(du -h "$WORK/import.csv" | cut -f1), load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| request | status | seconds |\n|---|---|---|\n'
for step in dry-run import again; do
  path="/imports"; [[ "$step" == dry-run ]] && path="/imports/dry-run"
  result="$(curl -s -o "$WORK/$step.json" -w '%{http_code} %{time_total}' \
    -H "authorization: Bearer $token" -H 'content-type: text/csv' \
    --data-binary "@$WORK/import.csv" "$base$path")"
  printf '| POST %s (%s) | %s | %s |\n' "$path" "$step" ${result}
done
python3 - "$WORK" <<'EOF'
import json, sys
work = sys.argv[1]
report = json.load(open(f"{work}/dry-run.json"))
done = json.load(open(f"{work}/import.json"))
again = json.load(open(f"{work}/again.json"))
print(f"\ndry run: rows {report['rows']}, valid {report['valid']}, refused {report['refused']}, "
      f"households {report['households']}, case files {report['case_files']}, batches {report['batches']}")
print(f"import: status {done['status']}, imported {done['imported']}, refused {done['refused']}, "
      f"households {done['households']}, case files {done['case_files']}, batches {done['batches_done']}/{done['batches']}")
print(f"sent again: the same import {again['id'] == done['id']}, imported {again['imported']}")
reasons = {}
for line in report["refused_lines"]:
    for p in line["problems"]:
        reasons[(p["column"], p["reason"])] = reasons.get((p["column"], p["reason"]), 0) + 1
for (column, reason), n in sorted(reasons.items(), key=lambda x: -x[1])[:6]:
    print(f"  refused {n}: {column}: {reason}")
EOF
