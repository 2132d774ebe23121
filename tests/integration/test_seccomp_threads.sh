# seccomp_threads: once the guest runs, every ember thread is confined by a
# seccomp filter (Seccomp: 2, one filter each): the main/event-loop thread,
# the API thread and both vCPU threads, with a virtio-blk drive on the Async
# engine (io_uring) doing I/O. The VM is built through the API and the guest
# then ends through SendCtrlAltDel, so boot, API, block I/O and shutdown all
# ran under the filters.
# timeout: 300
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
# shellcheck source=tests/integration/lib_virtio.sh
. "$(dirname "$LIB")/lib_virtio.sh"
trap api_stop EXIT
need_asset vmlinux
cat >"$TDIR/guest-test.sh" <<'EOT'
dd if=/dev/urandom of=/dev/vda bs=64k count=64 oflag=direct 2>/dev/null
dd if=/dev/vda of=/dev/null bs=64k count=64 iflag=direct 2>/dev/null
sync
echo EMBER-SECCOMP-READY
while :; do sleep 1; done
EOT
initrd_with_test "$TDIR/guest-test.sh"
dd if=/dev/zero of="$TDIR/data.img" bs=1M count=8 2>/dev/null

api_start
api_ok PUT /vm "{\"boot-source\": {\"kernel_image_path\": \"$ASSETS/vmlinux\", \"initrd_path\": \"$TDIR/initrd.img\", \"boot_args\": \"$STD_ARGS\"}, \"machine-config\": {\"vcpu_count\": 2, \"mem_size_mib\": 128}, \"drives\": [$(drive_json data "$TDIR/data.img" false false '"io_engine": "Async"')], \"start\": true}"
wait_console EMBER-SECCOMP-READY 120

names=
for t in /proc/"$EMBER_PID"/task/*; do
	name=$(cat "$t/comm")
	mode=$(sed -n 's/^Seccomp:[[:space:]]*//p' "$t/status")
	nf=$(sed -n 's/^Seccomp_filters:[[:space:]]*//p' "$t/status")
	echo "thread $name Seccomp $mode filters ${nf:-?}" >>"$TDIR/threads"
	[ "$mode" = 2 ] || fail "thread $name ($t) has Seccomp: $mode, not 2"
	case $name in
	iou-*) ;; # io_uring workers inherit the submitting thread's filter
	*) [ -z "$nf" ] || [ "$nf" = 1 ] || fail "thread $name has $nf seccomp filters, expected 1" ;;
	esac
	names="$names|$name"
done
# Firecracker's thread names (Kata finds vCPU threads by "fc_vcpu N").
for want in ember fc_api "fc_vcpu 0" "fc_vcpu 1"; do
	case "$names|" in
	*"|$want|"*) ;;
	*) fail "no thread $want among:$names" ;;
	esac
done
api_alive
api_ok PATCH /vm '{"state": "Paused"}'
api_ok PATCH /vm '{"state": "Resumed"}'
api_ok PUT /actions '{"action_type": "SendCtrlAltDel"}'
api_wait_exit 60
[ "$BOOT_RC" -eq 0 ] || fail "ember exited with status $BOOT_RC after Ctrl+Alt+Del ($(last_words))"
grep -q 'forbidden system call' "$TDIR/ember.log" && fail "a filter refused a call: $(last_words)"
# Filtered, ember cannot remove files: the stale socket is replaced by the
# next ember on the same path.
[ -S "$SOCK" ] || fail "the API socket $SOCK is gone: was the event loop unfiltered?"
"$EMBER" --api-sock "$SOCK" </dev/null >/dev/null 2>"$TDIR/second.log" &
second=$!
i=0
until api GET / && [ "$API_STATUS" = 200 ]; do
	[ $i -lt 100 ] || fail "a second ember could not take over the stale socket"
	sleep 0.1
	i=$((i + 1))
done
kill -9 "$second"
wait "$second" 2>/dev/null
echo "$(cat "$TDIR/boot-summary"); $(tr '\n' ';' <"$TDIR/threads")" >"$TDIR/summary" &&
	mv "$TDIR/summary" "$TDIR/boot-summary"
exit 0
