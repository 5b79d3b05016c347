#!/usr/bin/env bash
# Load test of fwitter's web app with wrk, on 127.0.0.1 only, measured the way the
# Sinatra anchor's load.sh measures the lessons' app (shared/anchors/sinatra/load.sh):
# same wrk settings, same ids, same status counters and RESULT line, same CPU
# accounting. side_by_side.sh runs both in one go.
#
#   bench/load/load.sh [sqlite|postgres] [SCALE]
#
# Environment (defaults): DURATION=10 (seconds per run), CONNS="1 8 64",
# SIGNED_IN=64 (users signed in through the form), PORT=3377,
# ENDPOINTS="users_anon users_signed_in feed post_hearts" (a subset runs only those),
# OUT=bench/load/results/fwitter_<backend>_scale<S>.txt, FWITTER_BIN (unset: build and
# run this checkout; set: run that binary instead, e.g. an older commit's build for a
# before/after in one run),
# PostgreSQL: PGHOST=/var/run/postgresql, PGUSER=root (the anchors' role),
# FWITTER_PGDATABASE=fwitter_load (created fresh, dropped at the end).
#
# Steps: build fwitter (release); seed a fresh database with `fwitter seed` (a temp
# SQLite file, or the PostgreSQL database above with synchronous_commit=off, the
# anchor's setting, then ANALYZE); start `fwitter serve`; sign SIGNED_IN users in
# through the real form (GET /signin, POST /signin with its csrf field, GET / for the
# page's csrf token), keeping whatever cookies the server sets; warm up; then for each
# endpoint and connection count one wrk run: GET /users/:id anonymous, GET /users/:id
# signed in, GET / signed in (the feed), POST /hearts signed in. Before each POST run
# the hearts made by earlier POST runs are deleted and their tweets' counter cache
# put back (every POST run starts from the seeded table). The server is stopped and
# the database removed at the end (and on any exit). Writes a table to $OUT; the raw
# wrk RESULT lines and the server's log go next to it.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
cd "$HERE"

BACKEND=${1:-sqlite}
SCALE=${2:-1}
case "$BACKEND" in sqlite|postgres) ;; *) echo "usage: $0 [sqlite|postgres] [SCALE]" >&2; exit 2 ;; esac
[[ "$SCALE" =~ ^[1-9][0-9]*$ ]] || { echo "SCALE must be a positive integer" >&2; exit 2; }
DURATION=${DURATION:-10}
CONNS=${CONNS:-"1 8 64"}
PORT=${PORT:-3377}
SIGNED_IN=${SIGNED_IN:-64}
ENDPOINTS=${ENDPOINTS:-"users_anon users_signed_in feed post_hearts"}
want() { [[ " $ENDPOINTS " == *" $1 "* ]]; }
U=$((1000 * SCALE))
((SIGNED_IN >= 1 && SIGNED_IN <= U)) || { echo "SIGNED_IN must be 1..$U" >&2; exit 2; }
BASE=http://127.0.0.1:$PORT
PASSWORD=fwitter-demo # every seeded user's (src/seed.rs)
OUT=${OUT:-$HERE/results/fwitter_${BACKEND}_scale${SCALE}.txt}
mkdir -p "$(dirname "$OUT")"
OUT=$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")
RAW=${OUT%.txt}.raw
APP_LOG=${OUT%.txt}.server.log
export PGHOST=${PGHOST:-/var/run/postgresql} PGUSER=${PGUSER:-root}
PGDB=${FWITTER_PGDATABASE:-fwitter_load}
ANCHORS=${ANCHORS:-$REPO/../shared/anchors}

# ---- tools: installed when missing (Debian, as root) -------------------------
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
if [[ "$BACKEND" == sqlite ]]; then command -v sqlite3 >/dev/null || missing+=(sqlite3); fi
if [[ "$BACKEND" == postgres ]]; then command -v psql >/dev/null || missing+=(postgresql-client); fi
if ((${#missing[@]})); then
  echo "== installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [[ "$BACKEND" == postgres ]] && ! psql -d postgres -qtAc 'SELECT 1' >/dev/null 2>&1; then
  # The anchors' setup.sh installs and starts PostgreSQL and creates the role root.
  [[ -x "$ANCHORS/setup.sh" ]] || { echo "PostgreSQL is not reachable at $PGHOST as $PGUSER, and no $ANCHORS/setup.sh to set it up" >&2; exit 1; }
  echo "== PostgreSQL not reachable at $PGHOST as $PGUSER: running $ANCHORS/setup.sh" >&2
  (cd "$ANCHORS" && bash ./setup.sh) >&2
fi
if curl -s -o /dev/null "$BASE/"; then echo "something already listens on $BASE" >&2; exit 1; fi

if [[ -n "${FWITTER_BIN:-}" ]]; then
  # Another build of fwitter (an older commit's, for a before/after in one run).
  BIN=$FWITTER_BIN
  [[ -x "$BIN" ]] || { echo "FWITTER_BIN=$BIN is not an executable" >&2; exit 1; }
  echo "== using $BIN (FWITTER_BIN), not building" >&2
else
  echo "== build (cargo build --release)" >&2
  (cd "$REPO" && cargo build --release --quiet)
  BIN=${CARGO_TARGET_DIR:-$REPO/target}/release/fwitter
fi

# ---- database ------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fwitter-load.XXXXXX")
APP_PID=
stop_app() {
  if [[ -n "$APP_PID" ]] && kill -0 "$APP_PID" 2>/dev/null; then
    kill -INT "$APP_PID" # graceful shutdown (ctrl-c), then TERM if it lingers
    for _ in $(seq 1 50); do kill -0 "$APP_PID" 2>/dev/null || break; sleep 0.1; done
    kill -TERM "$APP_PID" 2>/dev/null || true
    wait "$APP_PID" 2>/dev/null || true
  fi
  APP_PID=
}
pg_admin() { psql -d postgres -qtAX -v ON_ERROR_STOP=1 -c "$1"; }
cleanup() {
  stop_app
  if [[ "$BACKEND" == postgres ]]; then pg_admin "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

if [[ "$BACKEND" == sqlite ]]; then
  DB_FILE=$WORK/fwitter.sqlite3
  URL="sqlite://$DB_FILE?mode=rwc"
  sql() { sqlite3 -batch -noheader -cmd '.timeout 5000' "$DB_FILE" "$1"; }
else
  if [[ "$PGHOST" == /* ]]; then host=${PGHOST//\//%2F}; else host=$PGHOST:${PGPORT:-5432}; fi
  URL="postgres://$PGUSER@$host/$PGDB"
  sql() { psql -d "$PGDB" -qtAX -v ON_ERROR_STOP=1 -c "$1"; }
  pg_admin "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" >/dev/null 2>&1 || true
  pg_admin "CREATE DATABASE $PGDB"
  # What the Sinatra anchor sets on its connections (db.rb): compare like with like.
  pg_admin "ALTER DATABASE $PGDB SET synchronous_commit = off"
fi

echo "== seed ($BACKEND, scale $SCALE)" >&2
"$BIN" --database-url "$URL" seed --scale "$SCALE" >"$WORK/seed.log" 2>&1 || { cat "$WORK/seed.log" >&2; exit 1; }
SEED_LINE=$(grep -m1 '^seeded ' "$WORK/seed.log" || true)
[[ -n "$SEED_LINE" ]] || { cat "$WORK/seed.log" >&2; echo "seed printed no 'seeded' line" >&2; exit 1; }
if [[ "$BACKEND" == postgres ]]; then sql "ANALYZE" >/dev/null; fi
ROWS=$(sql "SELECT (SELECT COUNT(*) FROM users) || ' ' || (SELECT COUNT(*) FROM tweets) || ' ' || (SELECT COUNT(*) FROM hearts) || ' ' || (SELECT COUNT(*) FROM follows) || ' ' || (SELECT COUNT(*) FROM messages)")
EXPECTED="$U $((10 * U)) $((50 * U)) $((20 * U)) $((5 * U))"
[[ "$ROWS" == "$EXPECTED" ]] || { echo "row counts users/tweets/hearts/follows/messages = $ROWS, expected $EXPECTED" >&2; exit 1; }
echo "$SEED_LINE; rows users/tweets/hearts/follows/messages: $ROWS" >&2
SEED_HEARTS_MAX=$(sql "SELECT MAX(id) FROM hearts") # hearts above this id come from POST /hearts
hearts_added() { sql "SELECT COUNT(*) FROM hearts WHERE id > $SEED_HEARTS_MAX"; }
counter_drift() { sql "SELECT COUNT(*) FROM tweets WHERE hearts_count <> (SELECT COUNT(*) FROM hearts WHERE hearts.tweet_id = tweets.id)"; }
reset_hearts() { # delete the POST runs' hearts and take them off the counter cache
  sql "BEGIN;
       UPDATE tweets SET hearts_count = hearts_count - (SELECT COUNT(*) FROM hearts WHERE hearts.tweet_id = tweets.id AND hearts.id > $SEED_HEARTS_MAX)
         WHERE id IN (SELECT tweet_id FROM hearts WHERE id > $SEED_HEARTS_MAX);
       DELETE FROM hearts WHERE id > $SEED_HEARTS_MAX;
       COMMIT;" >/dev/null
}

# ---- server --------------------------------------------------------------------
echo "== start fwitter (release) on $BASE" >&2
# The app's log without its per-request lines (tower_http=warn still logs failures),
# whatever the caller's RUST_LOG: a line per request is the log's cost, not the app's,
# and the Sinatra anchor's puma logs no requests either.
RUST_LOG=fwitter=info,tower_http=warn "$BIN" --database-url "$URL" --addr "127.0.0.1:$PORT" >"$APP_LOG" 2>&1 &
APP_PID=$!
up=0
for _ in $(seq 1 150); do
  if curl -fsS -o /dev/null "$BASE/users/1" 2>/dev/null; then up=1; break; fi
  kill -0 "$APP_PID" 2>/dev/null || break
  sleep 0.2
done
[[ $up == 1 ]] || { echo "fwitter did not come up; see $APP_LOG" >&2; exit 1; }

# ---- sign in through the form -------------------------------------------------
# For user k of SIGNED_IN (the anchor's ids probe(k, U) = 1 + (k*7919) % U): GET /signin
# for its csrf field and cookies, POST /signin, then GET / with the jar for the page's
# csrf token. Whatever cookies the server set (any names, any number) become one
# Cookie header. One line per user: USER_ID <TAB> CSRF <TAB> COOKIE_HEADER.
SESSIONS=$WORK/sessions.tsv
csrf_of() { # the first hidden csrf input of the page on stdin
  awk 'match($0, /name="csrf" value="[^"]*"/) { s = substr($0, RSTART, RLENGTH); sub(/^.*value="/, "", s); sub(/"$/, "", s); print s; exit }'
}
cookie_header() { # a curl cookie jar -> "name=value; name=value"
  awk -F'\t' 'NF >= 7 && ($0 !~ /^#/ || $0 ~ /^#HttpOnly_/) { h = h (h == "" ? "" : "; ") $6 "=" $7 } END { print h }' "$1"
}
signed_in_as() { # page user: is the page signed in, as that user?
  grep -q 'action="/signout"' <<<"$1" && grep -q ">@user$2<" <<<"$1"
}
echo "== sign in $SIGNED_IN users through the form" >&2
: >"$SESSIONS"
for k in $(seq 0 $((SIGNED_IN - 1))); do
  u=$((1 + (k * 7919) % U))
  jar=$WORK/jar.$u
  form=$(curl -fsS --max-time 10 -c "$jar" -b "$jar" "$BASE/signin")
  token=$(csrf_of <<<"$form")
  [[ -n "$token" ]] || { echo "GET /signin: no csrf field" >&2; exit 1; }
  code=$(curl -sS --max-time 10 -o "$WORK/signin.html" -w '%{http_code}' -c "$jar" -b "$jar" \
    --data-urlencode "csrf=$token" --data-urlencode "username=user$u" --data-urlencode "password=$PASSWORD" "$BASE/signin")
  [[ "$code" == 3* ]] || { echo "POST /signin as user$u answered $code (expected a redirect)" >&2; exit 1; }
  home=$(curl -fsS --max-time 10 -c "$jar" -b "$jar" "$BASE/")
  signed_in_as "$home" "$u" || { echo "GET / after signing in as user$u: not signed in" >&2; exit 1; }
  token=$(csrf_of <<<"$home")
  cookies=$(cookie_header "$jar")
  [[ -n "$token" && -n "$cookies" ]] || { echo "user$u: no csrf token or no cookie after sign-in" >&2; exit 1; }
  printf '%s\t%s\t%s\n' "$u" "$token" "$cookies" >>"$SESSIONS"
done
COOKIE_NAMES=$(head -n1 "$SESSIONS" | cut -f3 | tr ';' '\n' | sed 's/=.*//; s/^ *//' | paste -sd, -)

# CPU accounting (jiffies), as the anchor's load.sh does, to tell whether something
# else ran during a run: machine busy time (user+nice+system+irq+softirq) minus the
# fwitter process (all its threads; SQLite runs inside it), the PostgreSQL server's
# processes (postgres backend only) and this shell's waited-for children (wrk). The
# rest is "other CPU". The server's CPU is its live processes' plus what the
# postmaster has reaped from children that exited: a backend that ends during a run
# (a pooled connection closed, autovacuum's worker) leaves the live sum with all it
# used, and counting only the pids alive at the start made that column negative.
HZ=$(getconf CLK_TCK)
machine_busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
machine_steal() { awk '/^cpu / {print $9}' /proc/stat; }
proc_cpu() { # utime+stime of the pids given (gone pids count 0)
  local sum=0 p v
  for p in "$@"; do
    v=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}') || v=0
    sum=$((sum + ${v:-0}))
  done
  echo "$sum"
}
db_cpu() { # live postgres processes + the children the postmaster (the oldest) reaped
  [[ "$BACKEND" == postgres ]] || { echo 0; return; }
  local live postmaster reaped
  live=$(proc_cpu $(pgrep -x postgres || true))
  postmaster=$(pgrep -xo postgres || true)
  reaped=$(sed 's/.*) //' "/proc/$postmaster/stat" 2>/dev/null | awk '{print $14 + $15}') || reaped=0
  echo $((live + ${reaped:-0}))
}
children_cpu() { sed 's/.*) //' "/proc/$$/stat" | awk '{print $14 + $15}'; }

run_wrk() { # name conns script args...
  local name=$1 c=$2 script=$3; shift 3
  local line m0 p0 d0 k0 s0 m1 p1 d1 k1 s1 other
  m0=$(machine_busy); p0=$(proc_cpu "$APP_PID"); d0=$(db_cpu); k0=$(children_cpu); s0=$(machine_steal)
  line=$(wrk -t1 -c"$c" -d"${DURATION}s" --timeout 10s -s "$script" "$BASE" -- "$@" | grep '^RESULT ' | sed 's/^RESULT //')
  m1=$(machine_busy); p1=$(proc_cpu "$APP_PID"); d1=$(db_cpu); k1=$(children_cpu); s1=$(machine_steal)
  [[ -n "$line" ]] || { echo "wrk printed no RESULT for $name c=$c" >&2; exit 1; }
  other=$(awk -v m=$((m1 - m0)) -v p=$((p1 - p0)) -v d=$((d1 - d0)) -v k=$((k1 - k0)) -v st=$((s1 - s0)) -v hz="$HZ" \
    'BEGIN {printf "{\"app_cpu_s\":%.2f,\"db_cpu_s\":%.2f,\"wrk_cpu_s\":%.2f,\"other_cpu_s\":%.2f,\"steal_s\":%.2f}", p / hz, d / hz, k / hz, (m - p - d - k) / hz, st / hz}')
  echo "$name $c $line $other" >>"$RAW"
  echo "   $name c=$c $line $other" >&2
}

echo "== warm-up (3 s per GET endpoint at 8 connections, not reported)" >&2
wrk -t1 -c8 -d3s --timeout 10s -s wrk/pages.lua "$BASE" -- "/users/%d" "$U" 1 >/dev/null
wrk -t1 -c8 -d3s --timeout 10s -s wrk/pages.lua "$BASE" -- "/users/%d" "$U" 1 "$SESSIONS" >/dev/null
wrk -t1 -c8 -d3s --timeout 10s -s wrk/pages.lua "$BASE" -- "/" "$U" 1 "$SESSIONS" >/dev/null

: >"$RAW"
echo "== runs: ${DURATION}s each at connections: $CONNS" >&2
if want users_anon; then for c in $CONNS; do run_wrk users_anon "$c" wrk/pages.lua "/users/%d" "$U" 1; done; fi
if want users_signed_in; then for c in $CONNS; do run_wrk users_signed_in "$c" wrk/pages.lua "/users/%d" "$U" 1 "$SESSIONS"; done; fi
if want feed; then for c in $CONNS; do run_wrk feed "$c" wrk/pages.lua "/" "$U" 1 "$SESSIONS"; done; fi
HEARTS_CHECK="(not run)"
if want post_hearts; then
  HEARTS_CHECK=""
  for c in $CONNS; do
    reset_hearts
    run_wrk post_hearts "$c" wrk/hearts.lua "$SESSIONS" "$U" 1 0
    HEARTS_CHECK+="c=$c: $(hearts_added) hearts created, counter cache off on $(counter_drift) tweets; "
  done
  reset_hearts
fi

# Were the sessions still signed in at the end? (A signed-out GET / still answers 200
# with the public page, and a signed-out POST /hearts a 303 to /signin.)
still=0
while IFS=$'\t' read -r u _ cookies; do
  page=$(curl -sS --max-time 10 -H "Cookie: $cookies" "$BASE/" || true)
  if signed_in_as "$page" "$u"; then still=$((still + 1)); fi
done <"$SESSIONS"

stop_app

# ---- report --------------------------------------------------------------------
sqlite_version() { # the SQLite that sqlx links: libsqlite3-sys's bundled copy
  local v h
  v=$(awk '/^name = "libsqlite3-sys"/ { getline; gsub(/"/, "", $3); print $3 }' "$REPO/Cargo.lock")
  h=$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/libsqlite3-sys-"$v"/sqlite3/sqlite3.h 2>/dev/null | head -n1 || true)
  if [[ -n "$h" ]]; then
    echo "$(sed -n 's/^#define SQLITE_VERSION *"\(.*\)"/\1/p' "$h") (bundled by libsqlite3-sys $v)"
  else
    echo "(bundled by libsqlite3-sys $v)"
  fi
}
{
  echo "# fwitter: wrk load test"
  echo
  echo "date:      $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "machine:   $(nproc) vCPU ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM; wrk and fwitter share these cores"
  if [[ -n "${FWITTER_BIN:-}" ]]; then build="the binary $FWITTER_BIN (FWITTER_BIN)"; else
    build="$(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- . ':!bench/load' 2>/dev/null || echo ' (with uncommitted changes)'), $(rustc -V | cut -d' ' -f1-2), release build"; fi
  echo "software:  fwitter $build; $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2)"
  if [[ "$BACKEND" == postgres ]]; then
    echo "database:  PostgreSQL $(sql 'SHOW server_version'), database $PGDB (fresh) as $PGUSER over $PGHOST, synchronous_commit=$(sql 'SHOW synchronous_commit') (ALTER DATABASE, as the Sinatra anchor sets it on its connections), VACUUM (ANALYZE) at the end of the seed, then ANALYZE"
  else
    echo "database:  SQLite $(sqlite_version) in a temp file, with the app's own settings (service::db: WAL, synchronous=NORMAL, busy timeout 5000 ms, foreign keys on)"
  fi
  echo "server:    fwitter serve (axum on tokio, one worker thread per core), pool as service::db sizes it, sessions in a sealed cookie (no database write on a GET), log at the app's default filter, no request log"
  echo "load:      wrk -t1 -c{$CONNS} -d${DURATION}s --timeout 10s, 127.0.0.1:$PORT; ids 1 + (i*7919) % $U; 3 s warm-up per GET endpoint first"
  echo "seed:      $SEED_LINE"
  echo "signed in: $SIGNED_IN users (user ids 1 + (k*7919) % $U, k < $SIGNED_IN) through GET+POST /signin, cookies kept as the server set them ($COOKIE_NAMES); signed-in runs rotate through them per request"
  echo
  awk -v hz=1 '
    function get(s, k) { if (match(s, "\"" k "\":-?[0-9.]+")) { s = substr(s, RSTART, RLENGTH); sub(/^[^:]*:/, "", s); return s + 0 } return 0 }
    BEGIN {
      names["users_anon"] = "GET /users/:id, anonymous"
      names["users_signed_in"] = "GET /users/:id, signed in"
      names["feed"] = "GET / (feed), signed in"
      names["post_hearts"] = "POST /hearts, signed in (303)"
      print "| endpoint | conns | req/s | p50 ms | p99 ms | max ms | requests | 2xx | 3xx | 4xx | 5xx | non-2xx/3xx (wrk) | socket errors c/r/w/timeout | CPU s app/db/wrk/other | steal s |"
      print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|"
    }
    {
      n = ($1 in names) ? names[$1] : $1
      printf "| %s | %d | %.1f | %.2f | %.2f | %.1f | %d | %d | %d | %d | %d | %d | %d/%d/%d/%d | %.1f/%.1f/%.1f/%.1f | %.1f |\n",
        n, $2, get($0, "rps"), get($0, "p50_ms"), get($0, "p99_ms"), get($0, "max_ms"), get($0, "requests"),
        get($0, "s2xx"), get($0, "s3xx"), get($0, "s4xx"), get($0, "s5xx"), get($0, "non2xx3xx"),
        get($0, "connect_err"), get($0, "read_err"), get($0, "write_err"), get($0, "timeouts"),
        get($0, "app_cpu_s"), get($0, "db_cpu_s"), get($0, "wrk_cpu_s"), get($0, "other_cpu_s"), get($0, "steal_s")
      if (get($0, "other_cpu_s") > 1.0) busy = busy (busy == "" ? "" : ", ") $1 " c=" $2 " (" get($0, "other_cpu_s") " s)"
    }
    END {
      print ""
      if (busy == "") print "CPU check: no run had more than 1.0 CPU-second of other processes (machine busy time minus fwitter, PostgreSQL and wrk)."
      else print "WARNING: other processes used > 1.0 CPU-second during: " busy " -- those rows are disturbed."
    }' "$RAW"
  echo
  echo "POST /hearts cross-check (hearts in the table after each run, beyond the seed): $HEARTS_CHECK"
  echo "POST /hearts: every answer is a 303 (a pair already hearted gets a flash, not an error); 4xx = 403 (CSRF refused) or 404, 5xx = server errors."
  echo "Sessions still signed in after the runs: $still of $SIGNED_IN$( ((still == SIGNED_IN)) || echo ' -- WARNING: signed-in rows of the others measured signed-out pages')"
  echo
  echo "Warnings and errors in the server's log ($APP_LOG), by message:"
  sed 's/\x1b\[[0-9;]*m//g' "$APP_LOG" | grep -E '^[0-9TZ:.-]+ +(WARN|ERROR) ' | sed -E 's/^[0-9TZ:.-]+ +//' | sort | uniq -c | sort -rn | head -n 20 || true
  echo "   (end)"
} >"$OUT"
if [[ $(stat -c %s "$APP_LOG") -gt 1000000 ]]; then gzip -f "$APP_LOG"; echo "(server log compressed: $APP_LOG.gz)" >>"$OUT"; fi
cat "$OUT"
