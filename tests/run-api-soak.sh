#!/usr/bin/env bash
# The API under abuse (tests/integration/apisoak.c) against the real binary:
# ember without a guest serves its API, so no test host is needed.
#   tests/run-api-soak.sh [SECONDS]   (default 20)
set -u
secs=${1:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
ember=$root/build/ember soak=$root/build/test-apisoak
dir=$(mktemp -d /tmp/ember-soak.XXXXXX)
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
"$ember" --api-sock "$dir/api.sock" --level Warning >"$dir/ember.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -S "$dir/api.sock" ] && break; sleep 0.05; done
if [ ! -S "$dir/api.sock" ]; then
	echo "api-soak: FAILED: ember did not listen"; cat "$dir/ember.log"; exit 1
fi
"$soak" "$dir/api.sock" "$pid" "$secs"
rc=$?
if ! kill -0 "$pid" 2>/dev/null; then
	echo "api-soak: FAILED: ember died"; rc=1
fi
kill -TERM "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
if [ "$rc" -ne 0 ]; then
	echo "api-soak: FAILED; ember's log:"; tail -20 "$dir/ember.log"
else
	echo "api-soak: passed"
fi
exit "$rc"
