# snapshot_restore: a guest keeps a counter and a marker in a tmpfs file;
# it is paused, snapshotted (Full) and its ember SIGKILLed. A fresh ember
# first refuses a truncated, a bit-flipped and a mismatched-memory snapshot
# (400, and it keeps serving), then loads the good one with resume_vm: the
# guest goes on counting from where it stopped with the same marker. An
# ember that already has a machine config refuses to load. Restore time
# (load request to the guest's next line) and cold boot time (InstanceStart
# to its first line) are recorded in boot-summary.
# timeout: 600
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
trap api_stop EXIT
need_asset vmlinux

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

# count_lines - how many counter lines the console has.
count_lines() {
	console_text | grep -c '^EMBER-COUNT '
}

# wait_lines N SECS - until the console has N counter lines.
wait_lines() {
	i=0
	while [ "$(count_lines)" -lt "$1" ]; do
		[ $i -ge $(($2 * 10)) ] && fail "fewer than $1 counter lines after $2 s ($(last_words))"
		kill -0 "$EMBER_PID" 2>/dev/null || fail "ember exited ($(last_words))"
		sleep 0.1
		i=$((i + 1))
	done
}

# 1. Boot, count a little, snapshot.
api_start
t0=$(uptime_cs)
api_ok PUT /vm "{\"boot-source\": {\"kernel_image_path\": \"$ASSETS/vmlinux\", \"initrd_path\": \"$TDIR/initrd.img\", \"boot_args\": \"$STD_ARGS\"}, \"machine-config\": {\"vcpu_count\": 2, \"mem_size_mib\": 128}, \"start\": true}"
wait_lines 1 180
cold=$(awk -v a="$t0" -v b="$(uptime_cs)" 'BEGIN { printf "%.2f", (b - a) / 100 }')
wait_lines 3 60
api_fault 400 "save/restore unavailable while running" PUT /snapshot/create \
	"{\"snapshot_path\": \"$TDIR/snap\", \"mem_file_path\": \"$TDIR/mem\"}"
api_ok PATCH /vm '{"state": "Paused"}'
api_fault 400 "dirty page tracking disabled" PUT /snapshot/create \
	"{\"snapshot_type\": \"Diff\", \"snapshot_path\": \"$TDIR/snap\", \"mem_file_path\": \"$TDIR/mem\"}"
api_ok PUT /snapshot/create \
	"{\"snapshot_type\": \"Full\", \"snapshot_path\": \"$TDIR/snap\", \"mem_file_path\": \"$TDIR/mem\"}"
sleep 1
last=$(console_text | sed -n 's/^EMBER-COUNT \([0-9]*\) .*/\1/p' | tail -n 1)
marker=$(console_text | sed -n 's/^EMBER-COUNT [0-9]* //p' | tail -n 1)
[ -n "$marker" ] || fail "no marker on the console"
kill -9 "$EMBER_PID"
wait "$EMBER_PID" 2>/dev/null
EMBER_PID=
mv "$TDIR/serial.raw" "$TDIR/serial-boot.raw"
[ -s "$TDIR/snap" ] || fail "no state file"
[ "$(wc -c <"$TDIR/mem")" -eq $((128 << 20)) ] || fail "the memory file is not 128 MiB"
"$EMBER" --describe-snapshot "$TDIR/snap" | grep -q '^v1$' || fail "--describe-snapshot"

# 2. Bad snapshots into a fresh ember: refused, ember keeps serving.
SOCK=$TDIR/api2.sock
api_start
dd if="$TDIR/snap" of="$TDIR/snap-short" bs=1 count=300 2>/dev/null
api_fault 400 "Load snapshot error: " PUT /snapshot/load \
	"{\"snapshot_path\": \"$TDIR/snap-short\", \"mem_backend\": {\"backend_type\": \"File\", \"backend_path\": \"$TDIR/mem\"}}"
cp "$TDIR/snap" "$TDIR/snap-flip"
printf '\125' | dd of="$TDIR/snap-flip" bs=1 seek=4000 conv=notrunc 2>/dev/null
api_fault 400 "checksum" PUT /snapshot/load \
	"{\"snapshot_path\": \"$TDIR/snap-flip\", \"mem_backend\": {\"backend_type\": \"File\", \"backend_path\": \"$TDIR/mem\"}}"
dd if="$TDIR/mem" of="$TDIR/mem-short" bs=1048576 count=64 2>/dev/null
api_fault 400 "memory file" PUT /snapshot/load \
	"{\"snapshot_path\": \"$TDIR/snap\", \"mem_backend\": {\"backend_type\": \"File\", \"backend_path\": \"$TDIR/mem-short\"}}"
api_fault 400 "too many fields" PUT /snapshot/load \
	"{\"snapshot_path\": \"$TDIR/snap\", \"mem_file_path\": \"$TDIR/mem\", \"mem_backend\": {\"backend_type\": \"File\", \"backend_path\": \"$TDIR/mem\"}}"
api_alive
api_ok GET /
case $API_BODY in
*'"state":"Not started"'*) ;;
*) fail "GET / after refused loads: $API_BODY" ;;
esac

# 3. The good snapshot: the guest goes on where it stopped.
t0=$(uptime_cs)
api_ok PUT /snapshot/load \
	"{\"snapshot_path\": \"$TDIR/snap\", \"mem_backend\": {\"backend_type\": \"File\", \"backend_path\": \"$TDIR/mem\"}, \"track_dirty_pages\": true, \"resume_vm\": true}"
wait_lines 1 120
restore=$(awk -v a="$t0" -v b="$(uptime_cs)" 'BEGIN { printf "%.2f", (b - a) / 100 }')
wait_lines 3 60
api_ok GET /
case $API_BODY in
*'"state":"Running"'*) ;;
*) fail "GET / after the load: $API_BODY" ;;
esac
first=$(console_text | sed -n 's/^EMBER-COUNT \([0-9]*\) .*/\1/p' | head -n 1)
[ "$first" -gt "$last" ] || fail "the restored guest counted from $first, it had reached $last"
[ "$first" -le $((last + 2)) ] || fail "the restored guest jumped from $last to $first"
console_text | grep '^EMBER-COUNT ' | grep -qv " $marker\$" &&
	fail "the restored guest lost its marker: $(console_text | grep '^EMBER-COUNT ' | tail -n 1)"
# A Diff of the restored guest: the pages it wrote since the load, at their
# offsets in a sparse file of the full size.
api_ok PATCH /vm '{"state": "Paused"}'
api_ok PUT /snapshot/create \
	"{\"snapshot_type\": \"Diff\", \"snapshot_path\": \"$TDIR/snap-diff\", \"mem_file_path\": \"$TDIR/mem-diff\"}"
[ "$(wc -c <"$TDIR/mem-diff")" -eq $((128 << 20)) ] || fail "the Diff memory file is not 128 MiB"
full_kib=$(du -k "$TDIR/mem" | cut -f1)
diff_kib=$(du -k "$TDIR/mem-diff" | cut -f1)
[ "$diff_kib" -gt 0 ] && [ "$diff_kib" -lt "$full_kib" ] ||
	fail "the Diff holds $diff_kib KiB, the Full $full_kib KiB"
api_ok PATCH /vm '{"state": "Resumed"}'
api_fault 400 "not supported after starting" PUT /snapshot/load \
	"{\"snapshot_path\": \"$TDIR/snap\", \"mem_file_path\": \"$TDIR/mem\"}"
kill -9 "$EMBER_PID"
wait "$EMBER_PID" 2>/dev/null
EMBER_PID=
mv "$TDIR/serial.raw" "$TDIR/serial-restored.raw"

# 4. An ember with a machine config already refuses to load.
SOCK=$TDIR/api3.sock
api_start
api_ok PUT /machine-config '{"vcpu_count": 1, "mem_size_mib": 128}'
api_fault 400 "Loading a microVM snapshot not allowed after configuring boot-specific resources." \
	PUT /snapshot/load "{\"snapshot_path\": \"$TDIR/snap\", \"mem_file_path\": \"$TDIR/mem\"}"
api_alive

echo "cold boot to first guest line $cold s; snapshot load to next guest line $restore s; counter $last -> $first; memory on disk: Full $full_kib KiB, Diff $diff_kib KiB" \
	>"$TDIR/boot-summary"
exit 0
