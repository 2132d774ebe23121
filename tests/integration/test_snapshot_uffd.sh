# snapshot_uffd: the Uffd memory backend. A counting guest is snapshotted;
# a page-fault handler of ember's own (build/test-uffdhandler) listens on a
# socket and serves the memory file; a fresh ember loads the snapshot with
# mem_backend Uffd, hands the handler its userfaultfd, and the guest goes on
# counting with its marker, every page it touches served by the handler.
# timeout: 600
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
HPID=
trap 'api_stop; [ -n "$HPID" ] && kill "$HPID" 2>/dev/null' EXIT
need_asset vmlinux
handler=$(dirname "$EMBER")/test-uffdhandler
[ -x "$handler" ] || fail "$handler missing (make build/test-uffdhandler)"

cat >"$TDIR/counter.sh" <<'GUEST'
mkdir -p /run/snap
mount -t tmpfs tmpfs /run/snap
cat /proc/sys/kernel/random/uuid >/run/snap/marker
n=0
while :; do
	n=$((n + 1))
	echo "EMBER-COUNT $n $(cat /run/snap/marker)"
	sleep 1
done
GUEST
initrd_with_test "$TDIR/counter.sh"

api_start
api_ok PUT /vm "{\"boot-source\": {\"kernel_image_path\": \"$ASSETS/vmlinux\", \"initrd_path\": \"$TDIR/initrd.img\", \"boot_args\": \"$STD_ARGS\"}, \"machine-config\": {\"vcpu_count\": 1, \"mem_size_mib\": 128}, \"start\": true}"
wait_console 'EMBER-COUNT 3 ' 180
api_ok PATCH /vm '{"state": "Paused"}'
api_ok PUT /snapshot/create "{\"snapshot_path\": \"$TDIR/snap\", \"mem_file_path\": \"$TDIR/mem\"}"
last=$(console_text | sed -n 's/^EMBER-COUNT \([0-9]*\) .*/\1/p' | tail -n 1)
marker=$(console_text | sed -n 's/^EMBER-COUNT [0-9]* //p' | tail -n 1)
kill -9 "$EMBER_PID"
wait "$EMBER_PID" 2>/dev/null
EMBER_PID=
mv "$TDIR/serial.raw" "$TDIR/serial-boot.raw"

"$handler" "$TDIR/uffd.sock" "$TDIR/mem" >"$TDIR/handler.out" 2>&1 &
HPID=$!
i=0
while ! grep -q UFFD-READY "$TDIR/handler.out" 2>/dev/null; do
	[ $i -ge 100 ] && fail "the handler did not start: $(cat "$TDIR/handler.out")"
	sleep 0.1
	i=$((i + 1))
done
SOCK=$TDIR/api2.sock
api_start
api_ok PUT /snapshot/load "{\"snapshot_path\": \"$TDIR/snap\", \"mem_backend\": {\"backend_type\": \"Uffd\", \"backend_path\": \"$TDIR/uffd.sock\"}, \"resume_vm\": true}"
i=0
while [ "$(console_text | grep -c '^EMBER-COUNT ')" -lt 2 ]; do
	[ $i -ge 1200 ] && fail "the guest does not count after the Uffd load ($(last_words); handler: $(tail -n 2 "$TDIR/handler.out"))"
	kill -0 "$EMBER_PID" 2>/dev/null || fail "ember exited ($(last_words))"
	sleep 0.1
	i=$((i + 1))
done
first=$(console_text | sed -n 's/^EMBER-COUNT \([0-9]*\) .*/\1/p' | head -n 1)
[ "$first" -gt "$last" ] || fail "the guest counted from $first, it had reached $last"
console_text | grep '^EMBER-COUNT ' | grep -qv " $marker\$" && fail "the guest lost its marker"
grep -q '^UFFD-REGIONS 1$' "$TDIR/handler.out" || fail "handler: $(head -n 3 "$TDIR/handler.out")"
served=$(sed -n 's/^UFFD-SERVED //p' "$TDIR/handler.out" | tail -n 1)
[ -n "$served" ] && [ "$served" -ge 1 ] || fail "the handler served no page"
echo "Uffd load: the guest counted $last -> $first; the handler had served $served+ pages" \
	>"$TDIR/boot-summary"
exit 0
