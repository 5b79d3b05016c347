#!/usr/bin/env bash
# CPU per request under load: what fwitter's server spends on one signed-in GET, in
# user time and in kernel time, read from /proc/PID/stat around one wrk run. A change
# can cut the instructions callgrind counts (instructions.sh) without cutting the
# time: removed copies and fills run many instructions a cycle, and callgrind leaves
# out cache misses, waiting and the kernel. This reads the time itself; the builds
# are alternated, round by round, so that the machine's drift falls on all of them.
#
#   bench/load/cpu.sh BIN [BIN ...]
#   ROUNDS=3 CONNS=64 DURATION=8 REQ_PATH=/users/1 bench/load/cpu.sh /tmp/fwitter-old target/release/fwitter
#
# Each BIN is a release build of fwitter. It uses instructions.sh's seeded SQLite file
# (/tmp/fwitter-instructions-seed.db, seeded at scale 1 by the first BIN if missing);
# for each round and each BIN: starts BIN on a fresh copy of it, signs user2 in through
# the form, checks that GET / is then the feed, warms up for 3 s, reads the process's
# utime and stime (all threads), runs wrk -t1 -c$CONNS -d${DURATION}s on REQ_PATH with
# user2's cookies, reads them again, and stops the server. It prints req/s and the
# server's user and kernel microseconds per request. wrk runs on the same cores, so
# compare builds within one run only. On a shared machine take the load test's lock:
# flock /tmp/fwitter-bench.lock bench/load/cpu.sh ...
set -euo pipefail
shopt -s inherit_errexit

(( $# > 0 )) || { echo "usage: $0 BIN [BIN ...]" >&2; exit 2; }
ROUNDS=${ROUNDS:-2}
CONNS=${CONNS:-64}
DURATION=${DURATION:-8}
REQ_PATH=${REQ_PATH:-/}
PORT=${PORT:-3396}
BASE=http://127.0.0.1:$PORT
SEED=/tmp/fwitter-instructions-seed.db
RUN=/tmp/fwitter-cpu-run.db
for bin in "$@"; do [[ -x "$bin" ]] || { echo "$bin is not an executable" >&2; exit 2; }; done
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl; }
if curl -s -o /dev/null "$BASE/"; then echo "something already listens on $BASE" >&2; exit 1; fi
[[ -f "$SEED" ]] || "$1" --database-url "sqlite://$SEED?mode=rwc" seed --scale 1 >/dev/null
TICK=$(getconf CLK_TCK)
# shellcheck source=bench/load/lib.sh
source "$(dirname "$0")/lib.sh"

ticks() { # PID: its user and kernel clock ticks, all threads (fields 14 and 15 of stat,
  # counted after the command name, which ends at the last ')')
  local stat
  stat=$(<"/proc/$1/stat")
  awk '{ print $12, $13 }' <<<"${stat##*) }"
}

measure() { # BIN: one line of results
  local bin=$1 pid cookie u0 s0 u1 s1 out reqs rps
  copy_seed "$SEED" "$RUN"
  RUST_LOG=warn "$bin" --database-url "sqlite://$RUN" --addr "127.0.0.1:$PORT" \
    --secret-key-file /tmp/fwitter-cpu.key >/tmp/fwitter-cpu.log 2>&1 &
  pid=$!
  trap "kill $pid 2>/dev/null || true" EXIT # $pid written in now: measure's locals are gone when it fires
  wait_for_server "$BASE" 100 0.2 /tmp/fwitter-cpu.log
  cookie=$(sign_in_user2 "$BASE")
  wrk -t1 -c"$CONNS" -d3s -H "Cookie: $cookie" "$BASE$REQ_PATH" >/dev/null
  read -r u0 s0 <<<"$(ticks "$pid")"
  out=$(wrk -t1 -c"$CONNS" -d"${DURATION}s" -H "Cookie: $cookie" "$BASE$REQ_PATH")
  read -r u1 s1 <<<"$(ticks "$pid")"
  kill -TERM "$pid"
  wait "$pid" || true
  trap - EXIT
  if grep -q "Non-2xx" <<<"$out"; then echo "$(basename "$bin"): some answers were not 2xx:" >&2; echo "$out" >&2; exit 1; fi
  reqs=$(grep -o '[0-9]* requests in' <<<"$out" | awk '{ print $1 }')
  rps=$(awk '/Requests\/sec/ { print $2 }' <<<"$out")
  awk -v b="$(basename "$bin")" -v r="$reqs" -v rps="$rps" -v u=$(( u1 - u0 )) -v s=$(( s1 - s0 )) -v t="$TICK" \
    'BEGIN { printf "%-24s %10s req/s  user %6.1f us/req  kernel %6.1f us/req  (%d requests)\n", b, rps, u / t / r * 1e6, s / t / r * 1e6, r }'
}

echo "GET $REQ_PATH signed in as user2, wrk -t1 -c$CONNS -d${DURATION}s, $ROUNDS round(s), $(date -u '+%F %H:%M') UTC"
for round in $(seq "$ROUNDS"); do
  for bin in "$@"; do
    printf 'round %d  ' "$round"
    measure "$bin"
  done
done
