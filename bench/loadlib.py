#!/usr/bin/env python3
"""Helpers of bench/load.sh: the manifest, the caseload walk, parsing the tools' outputs, the
pgbench scripts and the Markdown table. Standard library only.

    loadlib.py manifest FILE KEY              print a manifest value (lists one per line)
    loadlib.py demo-manifest BASE_URL FILE    write a manifest for a `socialcare demo-data` office
    loadlib.py login BASE_URL USER PASSWORD   print an access token
    loadlib.py deep-page BASE_URL TOKEN PAGE  walk /me/caseload; print "N PATH" of page N or of
                                              the last full page before it
    loadlib.py wrk FILE                       the WRK_RESULT line of a wrk run as JSON
    loadlib.py pgbench FILE                   tps and latency percentiles of a pgbench run as JSON
    loadlib.py pgbench-scripts ...            see generate_pgbench_scripts
    loadlib.py table RESULTS.jsonl            the Markdown table of a run
"""

import datetime
import json
import sys
import unicodedata
import urllib.parse
import urllib.request
from collections import Counter
from zoneinfo import ZoneInfo

# ---------------------------------------------------------------------------------------------
# The manifest of `socialcare-bench data`. Every key load.sh uses is read here, so that a change
# of the format is one change.

def load_manifest(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def manifest_value(manifest, key):
    """A value of a manifest of format socialcare-bench-data/1."""
    users = manifest["users"]
    fragments = manifest["person_name_fragments"]
    few = [fragments["few"]] if fragments.get("few") else []
    values = {
        "password": manifest["password"],
        "case_manager": users["case_manager"],
        "office_manager": users["office_manager"],
        "coordinator": users["coordinator"],
        "privacy_officer": users.get("privacy_officer", "demo.dpo"),
        "case_files": manifest["case_file_ids"],
        "diary_case_file": manifest.get("diary_case_file_id") or manifest["case_file_ids"][0],
        "fragments": [f["fragment"] for f in fragments["many"] + few],
        "today": manifest["today"],
        "ranking_resource": manifest.get("ranking_resource_id") or "",
    }
    return values[key]

# ---------------------------------------------------------------------------------------------
# HTTP


def call(base, path, token=None, body=None):
    headers = {"accept": "application/json"}
    data = None
    if token:
        headers["authorization"] = f"Bearer {token}"
    if body is not None:
        headers["content-type"] = "application/json"
        data = json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def login(base, username, password):
    return call(base, "/api/v1/auth/token", body={"username": username, "password": password})[
        "access_token"
    ]


def deep_page(base, token, wanted):
    """Follows `next` from the first caseload page up to page `wanted`; returns the number and
    path of that page, or of the last full page before it when the caseload is shorter."""
    path = "/api/v1/me/caseload"
    first = call(base, path, token)
    size = len(first["items"])
    best = (1, path)
    page, body = 1, first
    while body.get("next") and page < wanted:
        path = body["next"]
        body = call(base, path, token)
        page += 1
        if len(body["items"]) == size:
            best = (page, path)
        else:
            break
    return best


def fold(text):
    """Lower case without diacritics, as the API folds names."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def demo_manifest(base, out):
    """A manifest for the demo office of `socialcare demo-data`, in the format of
    `socialcare-bench data`, built through the API (works on both engines)."""
    password = "demo-Pa55word-2026"  # api/src/demo.rs, DEMO_PASSWORD
    case_manager, manager, coordinator = "demo.sw.inc1", "demo.manager", "demo.coord.inc"
    token = login(base, case_manager, password)
    ids, path = [], "/api/v1/me/caseload?limit=100"
    while path and len(ids) < 50:
        body = call(base, path, token)
        ids += [item["id"] for item in body["items"]]
        path = body.get("next")
    ids = ids[:50]
    token = login(base, manager, password)
    families, path = [], "/api/v1/persons?limit=100"
    while path:
        body = call(base, path, token)
        families += [fold(p["given_names"] + " " + p["family_names"]).split() for p in body["items"]]
        path = body.get("next")
    words = [w for name in families for w in name if w.isalpha() and w.isascii()]
    by_prefix = Counter(w[:4] for w in words if len(w) >= 4)
    by_word = Counter(words)
    manifest = {
        "format": "socialcare-bench-data/1",
        "source": "socialcare demo-data (bench/load.sh --prepare demo)",
        "password": password,
        "users": {
            "case_manager": case_manager,
            "office_manager": manager,
            "coordinator": coordinator,
            "privacy_officer": "demo.dpo",
        },
        "case_manager": {"username": case_manager},
        "case_file_ids": ids,
        "diary_case_file_id": ids[-1],
        # The office's calendar day (the demo data are relative to it), as the generator's
        # manifest has it.
        "today": datetime.datetime.now(ZoneInfo("Europe/Rome")).date().isoformat(),
        "person_name_fragments": {
            "many": [{"fragment": p, "persons": n} for p, n in by_prefix.most_common(4)],
            "few": min(
                (
                    {"fragment": w, "persons": n}
                    for w, n in by_word.items()
                    if len(w) >= 5 and not any(o != w and o.startswith(w) for o in by_word)
                ),
                key=lambda f: (f["persons"], f["fragment"]),
                default=None,
            ),
        },
    }
    with open(out, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)

# ---------------------------------------------------------------------------------------------
# Outputs of the tools


def parse_wrk(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("WRK_RESULT "):
                fields = dict(kv.split("=", 1) for kv in line.split()[1:])
                return {
                    "requests": int(fields["requests"]),
                    "rps": float(fields["rps"]),
                    "p50_ms": int(fields["p50_us"]) / 1000,
                    "p95_ms": int(fields["p95_us"]) / 1000,
                    "p99_ms": int(fields["p99_us"]) / 1000,
                    "max_ms": int(fields["max_us"]) / 1000,
                    "non2xx": int(fields["non2xx"]),
                    "socket_errors": sum(
                        int(fields[k]) for k in ("connect", "read", "write", "timeout")
                    ),
                }
    raise SystemExit(f"{path}: no WRK_RESULT line (did wrk fail?)")


def parse_pgbench(path, log_prefix):
    """tps from pgbench's summary; percentiles from its per-transaction log (`-l`), whose
    files start with `log_prefix`; the third field of a line is the latency in µs."""
    import glob

    tps = failed = transactions = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("tps = "):
                tps = float(line.split()[2])
            elif line.startswith("number of transactions actually processed"):
                transactions = int(line.split(":")[1].split()[0])
            elif line.startswith("number of failed transactions"):
                failed = int(line.split(":")[1].split()[0])
    if tps is None:
        raise SystemExit(f"{path}: no tps line (did pgbench fail?)")
    latencies = []
    for log in glob.glob(log_prefix + "*"):
        with open(log, encoding="utf-8") as f:
            latencies += [int(line.split()[2]) for line in f if line.strip()]
    latencies.sort()

    def pct(p):
        if not latencies:
            return None
        rank = max(1, -(-len(latencies) * p // 100))
        return latencies[int(rank) - 1] / 1000

    return {
        "tps": tps,
        "transactions": transactions,
        "errors": failed or 0,
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
    }

# ---------------------------------------------------------------------------------------------
# pgbench scripts


def generate_pgbench_scripts(template, out_dir, name, plan):
    """Writes one pgbench script per item of `plan` (the JSON of `socialcare-bench anchor
    --plan`) from `template` and prints the pgbench arguments (`-f script@1`, `-D var=value`)
    on stdout, one per line.

    pgbench has no string variables of its own and cannot pick a string from a list, so each
    item (a case file, a name fragment) gets its own script, all of equal weight: pgbench draws
    one per transaction. A `:name` variable of an item is renamed `:name_NN` in script NN and
    given with `-D name_NN=value`; the plan's globals are given as they are. As pgbench sends
    variables as bound parameters (`-M prepared`), each statement is the endpoint's
    parameterised statement.

    `-- @include FILE ARGS…` inserts bench/pgbench/FILE with @ACTION@, @RESOURCE_TYPE@ (the first
    two arguments, as string literals), @RESOURCE_ID@ and @DETAILS@ (the last two, as SQL).
    `-- @repeat KEY` … `-- @end KEY` writes its lines once per element of the item's list KEY
    (objects whose variables are renamed `:name_NN_K`; an empty object makes the block a
    condition). Blocks nest, and an inner block sees the variables of the outer ones."""
    import os
    import re

    directory = os.path.dirname(template)

    def read_lines(path):
        out = []
        with open(path, encoding="utf-8") as f:
            for line in f.read().splitlines():
                m = re.match(r"-- @include (\S+) (\S+) (\S+) (\S+) (\S+)\s*$", line)
                if not m:
                    out.append(line)
                    continue
                included, action, rtype, rid, details = m.groups()
                for inner in read_lines(os.path.join(directory, included)):
                    out.append(
                        inner.replace("@ACTION@", f"'{action}'")
                        .replace("@RESOURCE_TYPE@", f"'{rtype}'")
                        .replace("@RESOURCE_ID@", rid)
                        .replace("@DETAILS@", details)
                    )
        return out

    lines = read_lines(template)
    args = []

    def expand(block, scopes):
        out, i = [], 0
        while i < len(block):
            line = block[i]
            m = re.match(r"\s*-- @repeat (\w+)\s*$", line)
            if m:
                key = m.group(1)
                depth, j = 1, i + 1
                while depth:
                    if re.match(r"\s*-- @repeat \w+\s*$", block[j]):
                        depth += 1
                    elif re.match(r"\s*-- @end \w+\s*$", block[j]):
                        depth -= 1
                    j += 1
                inner = block[i + 1 : j - 1]
                elements = next((v[key] for v, _ in scopes if key in v), [])
                suffix = scopes[0][1]
                for k, element in enumerate(elements):
                    out += expand(inner, [(element, f"{suffix}_{k}")] + scopes)
                i = j
                continue
            if line.lstrip().startswith("--"):
                i += 1
                continue

            def rename(match):
                var = match.group(1)
                for variables, suffix in scopes:
                    if var in variables and not isinstance(variables[var], list):
                        args.append(f"{var}{suffix}={variables[var]}")
                        return f":{var}{suffix}"
                return match.group(0)

            out.append(re.sub(r"(?<![:\w]):(\w+)", rename, line))
            i += 1
        return out

    for n, item in enumerate(plan["items"]):
        script = os.path.join(out_dir, f"{name}-{n:03d}.sql")
        with open(script, "w", encoding="utf-8") as f:
            f.write("\n".join(expand(lines, [(item, f"_{n:03d}")])) + "\n")
        print("-f")
        print(f"{script}@1")
    for var, value in plan["globals"].items():
        args.append(f"{var}={value}")
    for arg in dict.fromkeys(args):
        print("-D")
        print(arg)


# ---------------------------------------------------------------------------------------------
# The table


def fmt(value, digits=1):
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}".replace(",", " ")
    return f"{value:,}".replace(",", " ")


def table(path):
    rows = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    api = [r for r in rows if r["kind"] == "api"]
    anchors = {(r["kind"], r["scenario"], r["connections"]): r for r in rows if r["kind"] != "api"}
    kinds = sorted({r["kind"] for r in rows if r["kind"] != "api"})
    header = [
        "scenario",
        "conns",
        "req/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "non-2xx",
        "socket errors",
        "peak RSS MiB",
    ]
    for kind in kinds:
        header += [f"{kind} tps", f"{kind} p50/p95/p99 ms", f"API / {kind}"]
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in api:
        cells = [
            r["label"],
            str(r["connections"]),
            fmt(r["rps"], 0),
            fmt(r["p50_ms"], 2),
            fmt(r["p95_ms"], 2),
            fmt(r["p99_ms"], 2),
            fmt(r["non2xx"]),
            fmt(r["socket_errors"]),
            fmt(r.get("peak_rss_mib"), 1),
        ]
        for kind in kinds:
            a = anchors.get((kind, r["scenario"], r["connections"]))
            if a is None:
                cells += ["", "", ""]
                continue
            clients = a.get("clients", r["connections"])
            note = "" if clients == r["connections"] else f" ({clients} clients)"
            errors = f", {a['errors']} errors" if a.get("errors") else ""
            cells += [
                fmt(a["tps"], 0) + note + errors,
                "/".join(fmt(a[k], 2) for k in ("p50_ms", "p95_ms", "p99_ms")),
                f"{r['rps'] / a['tps']:.2f}" if a["tps"] else "–",
            ]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def show(r):
    """One progress line for the console."""
    ms = f"p50 {r['p50_ms']:.2f}  p95 {r['p95_ms']:.2f}  p99 {r['p99_ms']:.2f} ms"
    if r["kind"] == "api":
        return (
            f"  {r['label']:<20} c={r['connections']:<4} {r['rps']:>9.1f} req/s  {ms}  "
            f"non-2xx {r['non2xx']}  socket errors {r['socket_errors']}  "
            f"peak RSS {r['peak_rss_mib']} MiB"
        )
    return (
        f"  {r['kind']:<8} {r['scenario']:<13} c={r['connections']:<4} {r['tps']:>9.1f} tx/s   "
        f"{ms}  clients {r.get('clients')}  errors {r.get('errors', 0)}"
    )


def main(argv):
    command = argv[1]
    if command == "manifest":
        value = manifest_value(load_manifest(argv[2]), argv[3])
        print("\n".join(value) if isinstance(value, list) else value)
    elif command == "demo-manifest":
        demo_manifest(argv[2], argv[3])
    elif command == "login":
        print(login(argv[2], argv[3], argv[4]))
    elif command == "deep-page":
        page, path = deep_page(argv[2], argv[3], int(argv[4]))
        print(page, path)
    elif command == "wrk":
        print(json.dumps(parse_wrk(argv[2])))
    elif command == "pgbench":
        print(json.dumps(parse_pgbench(argv[2], argv[3])))
    elif command == "pgbench-scripts":
        template, out_dir, name, plan_json = argv[2:6]
        with open(plan_json, encoding="utf-8") as f:
            plan = json.load(f)
        generate_pgbench_scripts(template, out_dir, name, plan)
    elif command == "api-row":
        raw, scenario, label, connections, rss = argv[2:7]
        row = parse_wrk(raw)
        row.update(kind="api", scenario=scenario, label=label, connections=int(connections))
        row["peak_rss_mib"] = float(rss)
        print(json.dumps(row))
    elif command == "anchor-row":
        with open(argv[2], encoding="utf-8") as f:
            row = json.loads(f.read())
        row.update(kind="anchor", clients=row["connections"], connections=int(argv[3]))
        print(json.dumps(row))
    elif command == "pgbench-row":
        raw, log_prefix, scenario, connections, clients = argv[2:7]
        row = parse_pgbench(raw, log_prefix)
        row.update(kind="pgbench", scenario=scenario, connections=int(connections))
        row["clients"] = int(clients)
        print(json.dumps(row))
    elif command == "show":
        print(show(json.loads(sys.stdin.read())))
    elif command == "table":
        print(table(argv[2]))
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv)
