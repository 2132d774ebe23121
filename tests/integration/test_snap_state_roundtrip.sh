# snap_state_roundtrip: the snapshot state capture in place. build/ember-test
# with EMBER_TEST_STATE_ROUNDTRIP=1 saves every vCPU's and the VM's state
# at each pause, clobbers it (registers, FPU, kvm-clock and syscall MSRs,
# LAPIC TPR, IOAPIC and PIC masks) and restores it (vmm/test_hook.h). A
# two-vCPU guest printing its uptime must go on printing after three pauses.
# timeout: 300
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
trap api_stop EXIT
need_asset vmlinux
EMBER=$(dirname "$EMBER")/ember-test
[ -x "$EMBER" ] || fail "$EMBER missing (make build/ember-test)"
export EMBER_TEST_STATE_ROUNDTRIP=1
uptime_guest

api_start
api_ok PUT /vm "{\"boot-source\": {\"kernel_image_path\": \"$ASSETS/vmlinux\", \"initrd_path\": \"$TDIR/initrd.img\", \"boot_args\": \"$STD_ARGS\"}, \"machine-config\": {\"vcpu_count\": 2, \"mem_size_mib\": 128}, \"start\": true}"
wait_console 'EMBER-UPTIME' 120
round=1
while [ $round -le 3 ]; do
	api_ok PATCH /vm '{"state": "Paused"}'
	grep -c 'state round trip: 2 vCPUs restored' "$TDIR/ember.log" | grep -qx "$round" ||
		fail "round $round: no state round trip logged ($(grep 'state round trip' "$TDIR/ember.log" | tail -n 1))"
	before=$(console_text | grep -c '^EMBER-UPTIME')
	sleep 1
	api_ok PATCH /vm '{"state": "Resumed"}'
	i=0
	while [ "$(console_text | grep -c '^EMBER-UPTIME')" -lt $((before + 3)) ]; do
		[ $i -ge 600 ] && fail "round $round: the guest stopped after the restore ($(last_words))"
		kill -0 "$EMBER_PID" 2>/dev/null || fail "round $round: ember exited ($(last_words))"
		sleep 0.1
		i=$((i + 1))
	done
	round=$((round + 1))
done
# The guest's clock went on without a jump backwards or a long leap.
console_text | sed -n 's/^EMBER-UPTIME //p' | awk 'NR > 1 && ($1 < prev || $1 - prev > 30) { bad = 1 } { prev = $1 } END { exit bad }' ||
	fail "the guest's uptime jumped: $(console_text | sed -n 's/^EMBER-UPTIME //p' | tr '\n' ' ')"
api_ok PUT /actions '{"action_type": "SendCtrlAltDel"}'
api_wait_exit 60
[ "$BOOT_RC" -eq 0 ] || fail "ember exited with status $BOOT_RC after Ctrl+Alt+Del ($(last_words))"
echo "3 state round trips, guest ran on" >>"$TDIR/boot-summary"
exit 0
