#!/usr/bin/env bash
# CI's new user: a fresh clone of this checkout's HEAD in a folder only its owner may enter (mktemp -d,
# mode 0700; under root, the sample PostgreSQL's own OS user cannot enter it), then only the README's
# commands, as written:
#   npm ci; npm run demo; npx cube-jobs --help;
#   npm run demo -- --keep-running, and the trigger command it prints, run as printed, then Ctrl-C;
#   the PostgreSQL-backed part of the test command (the sample Cube's conformance suite).
# Each command must appear verbatim in the README (a README edit that changes one fails here, so the
# two cannot drift apart), and any command that fails fails the step.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
readme="$repo/README.md"

home="$(mktemp -d)"
chmod 0700 "$home"
demo_pid=""
cleanup() {
  if [ -n "$demo_pid" ] && kill -0 "$demo_pid" 2>/dev/null; then kill -INT -- "-$demo_pid" 2>/dev/null || true; sleep 5; fi
  rm -rf "$home"
}
trap cleanup EXIT

step() { printf '\n[new user] %s\n' "$*"; }
# Fails unless the README shows this command verbatim.
in_readme() {
  grep -qF -- "$1" "$readme" || { echo "[new user] the README no longer shows \`$1\`: update scripts/new-user.sh" >&2; exit 1; }
}
# Runs a README command as written, in the clone.
run() {
  in_readme "$1"
  step "\$ $1"
  (cd "$home/cube-jobs" && bash -c "$1")
}

step "git clone (into $home, mode 0700)"
git clone --quiet --no-hardlinks "$repo" "$home/cube-jobs"

run 'npm ci'
run 'npm run demo'
run 'npx cube-jobs --help'

in_readme 'npm run demo -- --keep-running'
step '$ npm run demo -- --keep-running   (in the background; then its trigger command, as printed)'
log="$home/demo.log"
(cd "$home/cube-jobs" && exec setsid npm run demo -- --keep-running) >"$log" 2>&1 &
demo_pid=$!
for _ in $(seq 1 360); do
  grep -q 'Everything keeps running' "$log" && break
  kill -0 "$demo_pid" 2>/dev/null || { cat "$log"; echo '[new user] the demo exited before it kept running' >&2; exit 1; }
  sleep 1
done
grep -q 'Everything keeps running' "$log" || { cat "$log"; echo '[new user] the demo did not get ready in 6 minutes' >&2; exit 1; }
trigger="$(grep -E '^\s+TEMPORAL_ADDRESS=\S+ npm run trigger -- ' "$log" | head -n 1 | sed -E 's/^\s+//')"
[ -n "$trigger" ] || { cat "$log"; echo '[new user] the demo printed no trigger command' >&2; exit 1; }
in_readme "${trigger#TEMPORAL_ADDRESS=* }"
step "\$ $trigger"
(cd "$home/cube-jobs" && bash -c "$trigger")
step 'Ctrl-C'
kill -INT -- "-$demo_pid"
status=0
wait "$demo_pid" || status=$?
demo_pid=""
[ "$status" = 130 ] || { cat "$log"; echo "[new user] the demo exited with $status after Ctrl-C (130 expected)" >&2; exit 1; }

# The test command's PostgreSQL-backed part (`npm test` runs it too, with everything else).
in_readme 'npm test'
step '$ npm test --workspace @cube-jobs/sample-cube   (the PostgreSQL-backed part of npm test)'
(cd "$home/cube-jobs" && npm test --workspace @cube-jobs/sample-cube)

step 'every command ran as the README says'
