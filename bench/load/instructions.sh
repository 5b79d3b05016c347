#!/usr/bin/env bash
# Instructions per request: what one GET costs fwitter's server, counted by callgrind
# (valgrind) rather than timed. On these shared 2-core machines a wrk run drifts by
# 30 % between hours, so a change worth 2-5 % cannot be seen in req/s; an instruction
# count is the same for the same binary and requests whatever else the machine does
# (it leaves out the kernel, cache misses and waiting, so it is a guide to CPU work,
# not a time).
#
#   bench/load/instructions.sh BIN [PATH] [N1] [N2]
#
# BIN is a release build of fwitter (e.g. target/release/fwitter, or an older commit's
# copy for a before/after); PATH defaults to / (the feed, signed in), N1=20, N2=120.
# Seeds a SQLite file at scale 1 once (/tmp/fwitter-instructions-seed.db, kept for the
# next run; delete it after changing the schema or the seed), then twice: starts BIN
# under callgrind on a copy of it, signs user2 in through the form, sends N GETs of
# PATH with curl, one at a time, and stops the server; it stops with an error if the
# server does not start, the sign-in fails or a request answers 4xx or 5xx. Startup
# and sign-in are the same in both runs, so (Ir after N2 - Ir after N1) / (N2 - N1) is
# one request's count, all threads included (SQLite runs on the server's own
# threads). The callgrind files stay in /tmp for callgrind_annotate.
set -euo pipefail
shopt -s inherit_errexit # a failure inside count's $(..) stops the script, not a wrong count

BIN=${1:?usage: $0 BIN [PATH] [N1] [N2]}
REQ_PATH=${2:-/}
N1=${3:-20}
N2=${4:-120}
PORT=${PORT:-3399}
BASE=http://127.0.0.1:$PORT
SEED=/tmp/fwitter-instructions-seed.db
RUN=/tmp/fwitter-instructions-run.db
[[ -x "$BIN" ]] || { echo "$BIN is not an executable" >&2; exit 2; }
(( N2 > N1 )) || { echo "N2 must be more than N1" >&2; exit 2; }
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind; }
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl; }
if curl -s -o /dev/null "$BASE/"; then echo "something already listens on $BASE" >&2; exit 1; fi

# shellcheck source=bench/load/lib.sh
source "$(dirname "$0")/lib.sh"

[[ -f "$SEED" ]] || "$BIN" --database-url "sqlite://$SEED?mode=rwc" seed --scale 1 >/dev/null

count() { # N: the program's total instructions after N requests
  local n=$1 out pid cookie
  out=/tmp/fwitter-instructions-$(basename "$BIN")-$n.cg
  copy_seed "$SEED" "$RUN"
  valgrind --tool=callgrind --callgrind-out-file="$out" \
    "$BIN" --database-url "sqlite://$RUN" --addr "127.0.0.1:$PORT" >/tmp/fwitter-instructions.log 2>&1 &
  pid=$!
  trap "kill $pid 2>/dev/null || true" EXIT # $pid written in now: count's locals are gone when it fires
  wait_for_server "$BASE" 600 0.5 /tmp/fwitter-instructions.log
  cookie=$(sign_in_user2 "$BASE")
  for _ in $(seq "$n"); do curl -fsS -o /dev/null -H "Cookie: $cookie" "$BASE$REQ_PATH"; done
  kill -TERM "$pid"
  wait "$pid" || true
  trap - EXIT
  awk '/^(summary|totals):/ { print $2; exit }' "$out"
}

a=$(count "$N1")
b=$(count "$N2")
echo "$(basename "$BIN") GET $REQ_PATH: $(( (b - a) / (N2 - N1) )) instructions per request ($a after $N1, $b after $N2)"
