#!/usr/bin/env bash
# fwitter and the lessons' Sinatra app under the same wrk load, one right after the
# other on the same backend, and the fwitter/Sinatra req/s ratio of each pair.
#
#   bench/load/side_by_side.sh [sqlite|postgres] [SCALE]
#
# Environment (defaults): DURATION=10, CONNS="1 8 64" (both apps get the same),
# FWITTER_PORT=3377, SINATRA_PORT=9292, SIGNED_IN=64 (see load.sh),
# SINATRA_ENDPOINTS="users_eager feed post_hearts" (the three that have a fwitter
# counterpart; add users_naive to see the lesson's N+1 page too),
# ANCHORS=<repo>/../shared/anchors (copied to a temp dir: the anchor writes next to itself).
#
# Pairs compared: fwitter GET /users/:id anonymous <-> Sinatra GET /users/:id/eager;
# fwitter GET / signed in (the feed) <-> Sinatra GET /feed/:id; fwitter POST /hearts
# signed in <-> Sinatra POST /hearts. Installs what is missing (Debian, as root):
# wrk, puma, curl, and through the anchors' setup.sh Ruby with ActiveRecord, Sinatra,
# the SQLite and PostgreSQL drivers, PostgreSQL itself, role root and database bench.
# Writes results/side_by_side_<backend>_scale<S>.md (both tables, the ratios, and each
# pair's CPU per request: app, database, wrk) and prints it.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BACKEND=${1:-sqlite}
SCALE=${2:-1}
case "$BACKEND" in sqlite|postgres) ;; *) echo "usage: $0 [sqlite|postgres] [SCALE]" >&2; exit 2 ;; esac
export DURATION=${DURATION:-10} CONNS=${CONNS:-"1 8 64"}
ANCHORS=${ANCHORS:-$REPO/../shared/anchors}
[[ -f "$ANCHORS/sinatra/load.sh" ]] || { echo "no Sinatra anchor at $ANCHORS/sinatra (set ANCHORS)" >&2; exit 1; }
ANCHORS=$(cd "$ANCHORS" && pwd)
RESULTS=$HERE/results
mkdir -p "$RESULTS"
F_OUT=$RESULTS/fwitter_${BACKEND}_scale${SCALE}.txt
S_OUT=$RESULTS/sinatra_${BACKEND}_scale${SCALE}.txt
REPORT=$RESULTS/side_by_side_${BACKEND}_scale${SCALE}.md

# ---- tools -------------------------------------------------------------------------
export DEBIAN_FRONTEND=noninteractive
updated=0
apt_update_once() { if ((updated == 0)); then apt-get update -qq; updated=1; fi; }
ruby_ready() {
  command -v ruby >/dev/null &&
    ruby -e 'require "sinatra/base"; require "active_record"; require "sqlite3"; require "pg"' 2>/dev/null
}
pg_ready() { psql -h /var/run/postgresql -d bench -qtAc 'SELECT 1' >/dev/null 2>&1; }
if ! ruby_ready || { [[ "$BACKEND" == postgres ]] && ! pg_ready; }; then
  echo "== anchors' setup.sh (Ruby, ActiveRecord, Sinatra, drivers, PostgreSQL role root + database bench)" >&2
  apt_update_once
  (cd "$ANCHORS" && bash ./setup.sh) >&2
fi
missing=()
for tool in wrk puma curl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if ((${#missing[@]})); then
  echo "== installing ${missing[*]}" >&2
  apt_update_once
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# ---- the two runs --------------------------------------------------------------------
echo "=== fwitter ($BACKEND, scale $SCALE, ${DURATION}s per run, connections $CONNS)" >&2
PORT=${FWITTER_PORT:-3377} OUT=$F_OUT bash "$HERE/load.sh" "$BACKEND" "$SCALE" >/dev/null

WORK=$(mktemp -d "${TMPDIR:-/tmp}/fwitter-anchors.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cp -r "$ANCHORS" "$WORK/anchors"
chmod -R u+w "$WORK/anchors" # the shared copy is read-only; the anchor writes data/ next to itself
echo "=== Sinatra anchor ($BACKEND, scale $SCALE, ${DURATION}s per run, connections $CONNS)" >&2
# fwitter's sessions plan with random_page_cost 1.1 (service::db::RANDOM_PAGE_COST);
# Sinatra's libpq connections get the same through PGOPTIONS.
(cd "$WORK/anchors/sinatra" &&
  PGOPTIONS="-c random_page_cost=1.1" \
  PORT=${SINATRA_PORT:-9292} OUT=$S_OUT ENDPOINTS=${SINATRA_ENDPOINTS:-"users_eager feed post_hearts"} \
    ./load.sh "$BACKEND" "$SCALE" >/dev/null)

# ---- report ----------------------------------------------------------------------------
{
  echo "# fwitter beside the lessons' Sinatra app: wrk load, $BACKEND, scale $SCALE"
  echo
  echo "One run of each, fwitter first, Sinatra right after, on this machine ($(date -u '+%Y-%m-%d %H:%M UTC')): wrk -t1 -c{$CONNS} -d${DURATION}s --timeout 10s, same ids, same status counters, same CPU accounting."
  if [[ "$BACKEND" == postgres ]]; then
    echo "Like for like: both over the Unix socket as role root, both with synchronous_commit=off (Sinatra on its connections, db.rb; fwitter by ALTER DATABASE on its fresh database fwitter_load), both planning with random_page_cost=1.1 (fwitter's own setting; Sinatra by PGOPTIONS), both ANALYZEd after the seed; fwitter's seed also VACUUMs its tables (service::db::after_bulk_load), Sinatra's seed.rb does not."
  else
    echo "Like for like: both on a SQLite file in WAL mode with synchronous=NORMAL, busy timeout 5000 ms, foreign keys on. fwitter takes the write lock at BEGIN (BEGIN IMMEDIATE, its own setting); Sinatra sends Rails 6.1's deferred BEGIN (SQLITE_BEGIN=${SQLITE_BEGIN:-deferred}). The SQLite libraries differ: fwitter's is the one sqlx bundles, Sinatra's Debian's (versions in each table's header)."
  fi
  echo "Not alike, by design: fwitter's pages go through its session (a sealed cookie: no database write on a GET) and its user page also shows follow counts and the viewer's stars and its POST /hearts is signed in with a CSRF token and answers 303 also for an already-hearted pair; Sinatra has no sessions, POSTs an email and answers 422 with the page for a taken pair. Rows whose CPU check warns were disturbed by other processes."
  echo
  echo "## fwitter/Sinatra, req/s"
  echo
  awk '
    function get(s, k) { if (match(s, "\"" k "\":-?[0-9.]+")) { s = substr(s, RSTART, RLENGTH); sub(/^[^:]*:/, "", s); return s + 0 } return 0 }
    # CPU-seconds per request, as µs (0 where the run has no such field or no requests)
    function us(s, k) { return get(s, "requests") > 0 ? get(s, k) * 1e6 / get(s, "requests") : 0 }
    BEGIN {
      pair["users_anon"] = "users_eager"; pair["feed"] = "feed"; pair["post_hearts"] = "post_hearts"
      label["users_anon"] = "GET /users/:id anonymous | GET /users/:id/eager"
      label["feed"] = "GET / signed in (feed) | GET /feed/:id"
      label["post_hearts"] = "POST /hearts signed in | POST /hearts"
      order[1] = "users_anon"; order[2] = "feed"; order[3] = "post_hearts"
    }
    FNR == 1 { file++ }
    file == 1 { f[$1 " " $2] = $0; if (!($2 in seen)) { seen[$2] = 1; conns[++nc] = $2 } }
    file == 2 { s[$1 " " $2] = $0 }
    END {
      # The pairs both apps ran, in the order of the tables: each table reads these.
      for (o = 1; o <= 3; o++) {
        name = order[o]
        for (j = 1; j <= nc; j++) {
          c = conns[j]; a = f[name " " c]; b = s[pair[name] " " c]
          if (a == "" || b == "") continue
          n++; fw_row[n] = a; si_row[n] = b; what[n] = label[name]; at[n] = c
        }
      }
      print "| fwitter | Sinatra | conns | fwitter req/s | Sinatra req/s | fwitter/Sinatra | fwitter p99 ms | Sinatra p99 ms | 4xx+5xx fwitter/Sinatra | disturbed (other CPU > 1 s) |"
      print "|---|---|---:|---:|---:|---:|---:|---:|---|---|"
      for (k = 1; k <= n; k++) {
        a = fw_row[k]; b = si_row[k]
        ra = get(a, "rps"); rb = get(b, "rps")
        d = ""
        if (get(a, "other_cpu_s") > 1.0) d = "fwitter"
        if (get(b, "other_cpu_s") > 1.0) d = d (d == "" ? "" : ", ") "Sinatra"
        printf "| %s | %d | %.1f | %.1f | %s | %.2f | %.2f | %d/%d | %s |\n", what[k], at[k], ra, rb,
          (rb > 0 ? sprintf("%.2f", ra / rb) : "n/a"), get(a, "p99_ms"), get(b, "p99_ms"),
          get(a, "s4xx") + get(a, "s5xx"), get(b, "s4xx") + get(b, "s5xx"), (d == "" ? "no" : d)
      }
      print ""
      print "## CPU per request, µs"
      print ""
      print "When both apps keep both cores busy (64 connections), the req/s ratio is about the ratio of the CPU each spends per request: this table says where a ratio comes from. The last column is the database'"'"'s CPU per fwitter request against what a whole fwitter request may spend for 10x (a tenth of Sinatra'"'"'s CPU per request): at 100 % or more, no app could reach 10x in this run, however little CPU of its own it spent. On SQLite the database runs inside each app: its CPU is in the app'"'"'s column."
      print ""
      print "| fwitter | Sinatra | conns | fwitter app / db / wrk | fwitter total | Sinatra puma / db / wrk | Sinatra total | by CPU | fwitter db / (Sinatra total / 10) |"
      print "|---|---|---:|---|---:|---|---:|---:|---:|"
      for (k = 1; k <= n; k++) {
        a = fw_row[k]; b = si_row[k]
        fa = us(a, "app_cpu_s"); fd = us(a, "db_cpu_s"); fw = us(a, "wrk_cpu_s"); ft = fa + fd + fw
        sa = us(b, "puma_cpu_s"); sd = us(b, "db_cpu_s"); sw = us(b, "wrk_cpu_s"); st = sa + sd + sw
        if (ft <= 0 || st <= 0) continue
        printf "| %s | %d | %.0f / %.0f / %.0f | %.0f | %.0f / %.0f / %.0f | %.0f | %.2f | %s |\n", what[k], at[k],
          fa, fd, fw, ft, sa, sd, sw, st, st / ft, (fd > 0 ? sprintf("%.0f %%", 100 * fd / (st / 10)) : "-")
      }
    }' "${F_OUT%.txt}.raw" "${S_OUT%.txt}.raw"
  echo
  echo "## fwitter"
  echo
  sed '1{/^# /{N;d}}' "$F_OUT"
  echo
  echo "## Sinatra anchor"
  echo
  sed '1{/^# /{N;d}}' "$S_OUT"
} >"$REPORT"
cat "$REPORT"
