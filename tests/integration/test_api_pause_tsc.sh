# api_pause_tsc: with the guest on the TSC clocksource (what a Linux guest
# picks on hosts with an invariant TSC), PATCH /vm still stops the guest's
# clock: ember moves the guest TSC back by the pause. In the nested test host
# the guest's clocksource watchdog may judge the TSC unstable (TCG timing)
# and drop it, so the guest is told tsc=reliable, and has one vCPU (with two
# it finds their TSCs unsynchronised).
# timeout: 240
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
trap api_stop EXIT
need_asset vmlinux
uptime_guest tsc

api_start
api_ok PUT /vm "{\"boot-source\": {\"kernel_image_path\": \"$ASSETS/vmlinux\", \"initrd_path\": \"$TDIR/initrd.img\", \"boot_args\": \"$STD_ARGS tsc=reliable\"}, \"machine-config\": {\"vcpu_count\": 1, \"mem_size_mib\": 128}, \"start\": true}"
wait_console 'EMBER-UPTIME' 120
console_text | grep -q '^EMBER-CLOCKSOURCE tsc' ||
	fail "the guest could not switch to the TSC clocksource: $(console_text | grep CLOCKSOURCE)"
expect_clock_frozen
api_ok PUT /actions '{"action_type": "SendCtrlAltDel"}'
api_wait_exit 60
[ "$BOOT_RC" -eq 0 ] || fail "ember exited with status $BOOT_RC after Ctrl+Alt+Del ($(last_words))"
cat "$TDIR/pause-summary" >>"$TDIR/boot-summary"
exit 0
