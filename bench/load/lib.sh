# Sourced by instructions.sh and cpu.sh: a fresh copy of the seeded file, wait for a
# fwitter server, and sign user2 in through the real form, as a visitor's browser does.

copy_seed() { # SEED RUN: RUN becomes a copy of SEED, its write-ahead log included. `fwitter
  # seed` now empties the log before it exits (tests/seed.rs), but a seed file made by
  # an older build can hold its last writes (the demo password's hash) in SEED-wal,
  # and a copy of the main file alone then has users nobody can sign in as
  local seed=$1 run=$2
  rm -f "$run" "$run"-wal "$run"-shm
  cp "$seed" "$run"
  if [[ -f "$seed"-wal ]]; then cp "$seed"-wal "$run"-wal; fi
}

wait_for_server() { # BASE TRIES PAUSE LOG: until GET /users/1 answers, or stop with an error
  local base=$1 tries=$2 pause=$3 log=$4
  for _ in $(seq "$tries"); do
    if curl -fsS -o /dev/null "$base/users/1" 2>/dev/null; then return 0; fi
    sleep "$pause"
  done
  echo "the server did not answer on $base (log: $log)" >&2
  exit 1
}

sign_in_user2() { # BASE: prints user2's session as a Cookie header's value
  local base=$1 jar form token cookie
  jar=$(mktemp)
  form=$(curl -fsS -c "$jar" -b "$jar" "$base/signin")
  token=$(grep -o 'name="csrf" value="[^"]*"' <<<"$form" | sed 's/.*value="//;s/"$//')
  curl -sS -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf=$token" \
    --data-urlencode username=user2 --data-urlencode password=fwitter-demo "$base/signin"
  # curl writes an HttpOnly cookie on a line starting "#HttpOnly_": not a comment.
  cookie=$(sed 's/^#HttpOnly_//' "$jar" | awk '!/^#/ && NF >= 7 { printf "%s=%s; ", $6, $7 }')
  rm -f "$jar"
  # Signed out, GET / would be the recent tweets, not the feed: check before measuring.
  grep -q 'action="/signout"' <<<"$(curl -fsS -H "Cookie: $cookie" "$base/")" \
    || { echo "signing user2 in through the form failed" >&2; exit 1; }
  printf '%s' "$cookie"
}
