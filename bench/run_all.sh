#!/usr/bin/env bash
# The benchmark of bench/WORKLOAD.md, fwitter beside the peers, in one run:
#   fwitter's service layer and its raw floor (examples/bench.rs: hand-written SQL on
#   one plain sqlx connection), the independent rawfloor anchor (one sqlx connection,
#   its own SQL) and the ActiveRecord anchor, on SQLite and PostgreSQL.
#
#   bench/run_all.sh [SCALE]        # default 1; RUNS=3 repeats the whole set
#
# Writes bench/results/all_scale<S>.jsonl and prints a table of medians with the
# ratios service/raw, service/rawfloor and activerecord/service, and fails if any two
# implementations disagree on a check value. Like for like: SQLite files in WAL with
# synchronous=NORMAL for all four; PostgreSQL with synchronous_commit on for all four
# (fwitter uses the server's default; the anchors get --durable) and random_page_cost
# 1.1 for all four (fwitter's own setting; the anchors' database for this run). Needs the anchors'
# setup once (../shared/anchors/setup.sh: Ruby, ActiveRecord, the PostgreSQL role and
# database `bench`); run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE=${1:-1}
RUNS=${RUNS:-1}
ANCHORS_SRC=${ANCHORS:-../shared/anchors}
[[ -d "$ANCHORS_SRC" ]] || { echo "no anchors at $ANCHORS_SRC (set ANCHORS=...)" >&2; exit 1; }
OUT=bench/results/all_scale${SCALE}.jsonl
mkdir -p bench/results
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cp -r "$ANCHORS_SRC" "$WORK/anchors"

if ! command -v ruby >/dev/null || ! ruby -e 'require "active_record"' 2>/dev/null; then
  echo "== installing the anchors' Ruby setup" >&2
  (cd "$WORK/anchors" && ./setup.sh)
fi
pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not up on 127.0.0.1:5432" >&2; exit 1; }

echo "== building fwitter's bench and the rawfloor anchor (release)" >&2
cargo build --release --quiet --example bench
cargo build --release --quiet --manifest-path "$WORK/anchors/rawfloor/Cargo.toml"
BENCH=target/release/examples/bench
RAWFLOOR=$WORK/anchors/rawfloor/target/release/rawfloor

# fwitter reaches PostgreSQL over TCP on 127.0.0.1; the anchors do the same here
# (their own default is the Unix socket, which saves a little per statement).
# All without TLS: rawfloor is built without it, and on this loopback the server's
# `ssl = on` made sqlx (and libpq, by its sslmode=prefer) encrypt every message,
# which made the bench's service 1.04-2.3x slower by workload (docs/performance.md).
export PGHOST=${PGHOST:-127.0.0.1}
export PGSSLMODE=${PGSSLMODE:-disable}
PG_SERVER=${PG_SERVER:-"postgres://postgres@127.0.0.1:5432/postgres?sslmode=$PGSSLMODE"}
# fwitter's sessions plan with random_page_cost 1.1 (service::db::RANDOM_PAGE_COST);
# the anchors' database `bench` gets the same for this run, so that all four are
# planned alike (rawfloor's sqlx ignores PGOPTIONS, hence ALTER DATABASE), and its
# own setting back at the end.
PG_ANCHOR_DB=${PGDATABASE:-bench}
pg_admin() { psql -qX -h 127.0.0.1 -U postgres -d postgres -c "$1" >/dev/null; }
pg_admin "ALTER DATABASE \"$PG_ANCHOR_DB\" SET random_page_cost = 1.1"
trap 'pg_admin "ALTER DATABASE \"$PG_ANCHOR_DB\" RESET random_page_cost" || true; rm -rf "$WORK"' EXIT
load() { echo "   (load average: $(cut -d' ' -f1-3 /proc/loadavg))" >&2; }
: >"$OUT"
for run in $(seq 1 "$RUNS"); do
  for backend in sqlite postgres; do
    durable=()
    [[ $backend == postgres ]] && durable=(--durable)
    echo "== run $run/$RUNS, $backend, scale $SCALE: fwitter service + raw" >&2; load
    server=()
    [[ $backend == postgres ]] && server=(--server "$PG_SERVER")
    "$BENCH" --backend "$backend" --scale "$SCALE" --impl both "${server[@]}" | tee -a "$OUT"
    echo "== rawfloor" >&2; load
    "$RAWFLOOR" --backend "$backend" --scale "$SCALE" "${durable[@]}" | tee -a "$OUT"
    echo "== activerecord" >&2; load
    ruby "$WORK/anchors/activerecord/bench.rb" --backend "$backend" --scale "$SCALE" "${durable[@]}" | tee -a "$OUT"
  done
done

python3 - "$OUT" <<'EOF'
import json, statistics, sys
from collections import defaultdict
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
ms, checks, queries = defaultdict(list), defaultdict(set), {}
for r in rows:
    key = (r["backend"], r["workload"], r["impl"])
    ms[key].append(r["ms"])
    checks[(r["backend"], r["workload"])].add(json.dumps(r["check"], sort_keys=True))
    queries[key] = r.get("queries")
impls = ["service", "raw", "rawfloor", "activerecord"]
bad = False
for backend in ["sqlite", "postgres"]:
    workloads = list(dict.fromkeys(r["workload"] for r in rows if r["backend"] == backend))
    print(f"\n### {backend}, medians of {max(len(v) for v in ms.values())} run(s), ms (statements)\n")
    print("| workload | " + " | ".join(impls) + " | service/raw | service/rawfloor | activerecord/service | checks agree |")
    print("|---|" + "---:|" * (len(impls) + 3) + "---|")
    for w in workloads:
        med = {i: statistics.median(ms[(backend, w, i)]) for i in impls if ms.get((backend, w, i))}
        cell = lambda i: f"{med[i]:.1f} ({queries[(backend, w, i)]})" if i in med else "-"
        ratio = lambda a, b: f"{med[a] / med[b]:.2f}" if a in med and b in med and med[b] > 0 else "-"
        agree = len(checks[(backend, w)]) == 1
        bad |= not agree
        print(f"| {w} | " + " | ".join(cell(i) for i in impls)
              + f" | {ratio('service', 'raw')} | {ratio('service', 'rawfloor')} | {ratio('activerecord', 'service')} | {'yes' if agree else 'NO'} |")
sys.exit(1 if bad else 0)
EOF
