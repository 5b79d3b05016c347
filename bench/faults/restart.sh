#!/usr/bin/env bash
# Fault script (issue 11): restarts the database server under load and reports how
# many requests failed. Run by hand (it restarts the machine's PostgreSQL or MariaDB:
# never while other work uses them); docs/performance.md quotes its last run.
#
#   bench/faults/restart.sh [postgres|mariadb]
#
# Environment (defaults): DURATION=20 (seconds of load), RESTART_AT=5 (seconds into
# the load), CONNS=8, PORT=3378.
#
# Steps: build fwitter (release); create a fresh database on the server and seed it
# (scale 1); serve it; run wrk for DURATION seconds of anonymous GETs (the user page
# and the home page, alternately); RESTART_AT seconds in, restart the server
# (PostgreSQL: pg_ctlcluster restart; MariaDB: mysqladmin shutdown, then start
# mariadbd as .ci/run does); then print wrk's totals and the status counts, and
# compare with the app's log. The database is dropped at the end.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BACKEND=${1:-postgres}
DURATION=${DURATION:-20}
RESTART_AT=${RESTART_AT:-5}
CONNS=${CONNS:-8}
PORT=${PORT:-3378}
BASE=http://127.0.0.1:$PORT
DB=fwitter_faults
OUT=$HERE/results
mkdir -p "$OUT"

command -v wrk >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get update -qq; apt-get install -y -qq wrk >/dev/null; }

case "$BACKEND" in
  postgres)
    URL="postgres://postgres@127.0.0.1:5432/$DB"
    admin() { psql -h 127.0.0.1 -U postgres -d postgres -qtAX -v ON_ERROR_STOP=1 -c "$1"; }
    drop_db() { admin "DROP DATABASE IF EXISTS $DB WITH (FORCE)"; }
    create_db() { admin "CREATE DATABASE $DB"; }
    restart() { pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main restart; }
    ;;
  mariadb)
    URL="mysql://root@127.0.0.1:3306/$DB"
    admin() { mysql -h 127.0.0.1 -u root -e "$1"; }
    drop_db() { admin "DROP DATABASE IF EXISTS $DB"; }
    create_db() { admin "CREATE DATABASE $DB"; }
    restart() {
      mysqladmin -h 127.0.0.1 -u root shutdown
      # mysqladmin returns while the server is still flushing; start-stop-daemon
      # would then see it running and start nothing.
      for _ in $(seq 1 120); do pgrep -x mariadbd >/dev/null || break; sleep 0.25; done
      mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
      start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
      for _ in $(seq 1 60); do mysqladmin -h 127.0.0.1 -u root ping >/dev/null 2>&1 && return 0; sleep 0.5; done
      echo "MariaDB did not come back" >&2; return 1
    }
    ;;
  *) echo "usage: $0 [postgres|mariadb]" >&2; exit 2 ;;
esac

echo "== build (cargo build --release)" >&2
(cd "$REPO" && cargo build --release --quiet)
BIN=${CARGO_TARGET_DIR:-$REPO/target}/release/fwitter

APP_PID=
WORK=$(mktemp -d)
cleanup() {
  [[ -n "$APP_PID" ]] && kill "$APP_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  drop_db >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

drop_db >/dev/null 2>&1 || true
create_db
"$BIN" --database-url "$URL" seed --scale 1 >"$WORK/seed.log" 2>&1 || { cat "$WORK/seed.log"; exit 1; }
LOG=$OUT/${BACKEND}.server.log
# The request log at info: every failed request is in it with its status.
RUST_LOG=fwitter=info,tower_http=info "$BIN" --database-url "$URL" --addr "127.0.0.1:$PORT" \
  --secret-key-file "$WORK/key" >"$LOG" 2>&1 &
APP_PID=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "$BASE/" && break; sleep 0.1; done

cat >"$WORK/gets.lua" <<'LUA'
local paths = { "/users/1", "/", "/users/2", "/users/3/followers" }
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
local statuses = {}
response = function(status) statuses[status] = (statuses[status] or 0) + 1 end
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d non2xx=%d max_ms=%.1f\n",
    summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, summary.errors.status, latency.max / 1000))
end
LUA

echo "== $DURATION s of GETs at $CONNS connections; $BACKEND restarts at ${RESTART_AT}s" >&2
( sleep "$RESTART_AT"; date +%T.%N >"$WORK/restart.start"; restart; date +%T.%N >"$WORK/restart.end" ) &
RESTARTER=$!
wrk -t2 -c"$CONNS" -d"${DURATION}s" --timeout 30s -s "$WORK/gets.lua" "$BASE" | tee "$WORK/wrk.txt"
wait "$RESTARTER"
RESULT=$(grep '^RESULT' "$WORK/wrk.txt")
RETRIED=$(grep -c 'retrying the read' "$LOG" || true)
FAILED_IN_LOG=$(grep -cE 'status=5[0-9][0-9]' "$LOG" || true)
{
  echo "date: $(date -u +%FT%TZ)  backend: $BACKEND  conns: $CONNS  duration: ${DURATION}s"
  echo "restart: $(cat "$WORK/restart.start") -> $(cat "$WORK/restart.end")"
  echo "$RESULT"
  echo "reads retried after a lost connection (app log): $RETRIED"
  echo "5xx in the app's request log: $FAILED_IN_LOG"
} | tee "$OUT/${BACKEND}.txt"
