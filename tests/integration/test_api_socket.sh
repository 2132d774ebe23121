# api_socket: a second ember refuses a socket a live server answers on; a
# stale socket file (its server killed) is replaced; a file that is not a
# socket is left alone.
# timeout: 60
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
trap api_stop EXIT

api_start
"$EMBER" --api-sock "$SOCK" </dev/null >/dev/null 2>"$TDIR/second.log"
rc=$?
[ "$rc" -eq 1 ] || fail "a second ember on a live socket exited with $rc"
grep -q 'Check that it is not already used' "$TDIR/second.log" ||
	fail "second ember: $(cat "$TDIR/second.log")"
api_alive
kill -9 "$EMBER_PID"
wait "$EMBER_PID" 2>/dev/null
[ -S "$SOCK" ] || fail "the killed ember left no socket file to test with"
api_start
api_alive
kill "$EMBER_PID"
echo "not a socket" >"$TDIR/file"
"$EMBER" --api-sock "$TDIR/file" </dev/null >/dev/null 2>"$TDIR/third.log"
rc=$?
[ "$rc" -eq 1 ] || fail "ember on a regular file exited with $rc"
grep -q 'not a socket' "$TDIR/third.log" || fail "third ember: $(cat "$TDIR/third.log")"
[ "$(cat "$TDIR/file")" = "not a socket" ] || fail "the regular file was changed"
exit 0
