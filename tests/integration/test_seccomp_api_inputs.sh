# seccomp_api_inputs: the API thread is filtered from its first instruction,
# before any request. Requests that make glibc or jansson do something for
# the first time must find it done already or allowed: a first request that
# builds a JSON object (jansson seeds its hash tables on first use), a first
# request that is malformed, a 45 KB body of nested objects (malloc churn),
# and a client that pipelines thousands of requests without reading a reply
# (the output buffer grows past 128 KiB: realloc moves it with mremap).
# ember must answer each and stay up; no guest is booted.
# timeout: 120
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
trap api_stop EXIT
flood=$(dirname "$EMBER")/test-apiflood
[ -x "$flood" ] || fail "$flood missing (make build/test-apiflood)"

# start_bare - ember with its API, no request sent yet.
start_bare() {
	rm -f "$SOCK"
	"$EMBER" --api-sock "$SOCK" </dev/null >"$TDIR/serial.raw" 2>>"$TDIR/ember.log" &
	EMBER_PID=$!
	i=0
	until [ -S "$SOCK" ]; do
		[ $i -lt 100 ] || fail "no API socket within 10 s"
		sleep 0.1
		i=$((i + 1))
	done
	sleep 0.2 # the API thread has installed its filter by now
}

# stop_checked - ember still runs and answers; then stop it.
stop_checked() {
	api_alive
	kill -9 "$EMBER_PID"
	wait "$EMBER_PID" 2>/dev/null
	EMBER_PID=
}

start_bare
api_ok PUT /machine-config '{"vcpu_count": 2, "mem_size_mib": 256}'
api_ok GET /machine-config
stop_checked

start_bare
api_fault 400 "" PUT /machine-config '{"vcpu_count": 2, "mem_size_mib": '
stop_checked

start_bare
curl -s --max-time 10 --unix-socket "$SOCK" -X BREW http://localhost/pot >/dev/null 2>&1
body='{"x": ['
i=0
while [ $i -lt 5000 ]; do
	body="$body{},"
	i=$((i + 1))
done
body="$body{}]}"
printf '%s' "$body" >"$TDIR/big.json"
api_fault 400 "" PUT /machine-config "@$TDIR/big.json"
"$flood" "$SOCK" 4000 >"$TDIR/flood.out" 2>&1 || fail "flood client: $(cat "$TDIR/flood.out")"
# ~150 bytes a reply: 1000 unread replies are past malloc's mmap threshold.
sent=$(sed -n 's/^sent \([0-9]*\) .*/\1/p' "$TDIR/flood.out")
[ "${sent:-0}" -ge 1000 ] || fail "only ${sent:-0} pipelined requests went out"
stop_checked

grep -q 'forbidden system call' "$TDIR/ember.log" && fail "a filter refused a call: $(grep 'forbidden' "$TDIR/ember.log" | head -n 1)"
echo "first PUT, malformed first request, 45 KB body, $(cat "$TDIR/flood.out"): ember answered" \
	>"$TDIR/boot-summary"
exit 0
