# api_runtime: after InstanceStart, GET / shows "Running"; PATCH /vm pauses
# the guest (no console output, and its clock does not advance while
# paused) and resumes it; configuration and a second InstanceStart are
# refused after boot; FlushMetrics writes a metrics line; SendCtrlAltDel
# shuts the guest down and ember exits 0.
# timeout: 300
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
trap api_stop EXIT
need_asset vmlinux

# The guest prints its uptime every second until Ctrl+Alt+Del stops it.
cat >"$TDIR/uptime.sh" <<'GUEST'
while :; do
	read -r up _ </proc/uptime
	echo "EMBER-UPTIME $up"
	sleep 1
done
GUEST
initrd_with_test "$TDIR/uptime.sh"

api_start
api_ok PUT /metrics "{\"metrics_path\": \"$TDIR/metrics.json\"}"
api_ok PUT /boot-source "{\"kernel_image_path\": \"$ASSETS/vmlinux\", \"initrd_path\": \"$TDIR/initrd.img\", \"boot_args\": \"$STD_ARGS\"}"
api_ok PUT /machine-config '{"vcpu_count": 1, "mem_size_mib": 128}'
api_ok PUT /actions '{"action_type": "InstanceStart"}'
wait_console 'EMBER-UPTIME' 120
api_ok GET /
case $API_BODY in
*'"state":"Running"'*) ;;
*) fail "GET / after boot: $API_BODY" ;;
esac

# Phase rules after boot.
api_fault 400 "not supported after starting the microVM" PUT /actions '{"action_type": "InstanceStart"}'
api_fault 400 "not supported after starting the microVM" PUT /boot-source "{\"kernel_image_path\": \"$ASSETS/vmlinux\"}"
api_fault 400 "not supported after starting the microVM" PUT /machine-config '{"vcpu_count": 2, "mem_size_mib": 256}'
api_fault 400 "not supported after starting the microVM" PATCH /machine-config '{"vcpu_count": 2}'
api_fault 400 "not supported after starting the microVM" PUT /drives/rootfs '{"drive_id": "rootfs", "path_on_host": "/x", "is_root_device": true}'
api_fault 400 "not supported after starting the microVM" PUT /logger '{"level": "Debug"}'

# Pause: no output and a stopped clock.
api_ok PATCH /vm '{"state": "Paused"}'
p0=$(uptime_cs)
api_ok GET /
case $API_BODY in
*'"state":"Paused"'*) ;;
*) fail "GET / while paused: $API_BODY" ;;
esac
sleep 1
before=$(console_text | grep -c '^EMBER-UPTIME')
last=$(console_text | sed -n 's/^EMBER-UPTIME //p' | tail -n 1)
sleep 9
during=$(console_text | grep -c '^EMBER-UPTIME')
[ "$during" -eq "$before" ] || fail "the guest printed $((during - before)) lines while paused"
api_ok PATCH /vm '{"state": "Resumed"}'
p1=$(uptime_cs)
i=0
while [ "$(console_text | grep -c '^EMBER-UPTIME')" -lt $((before + 2)) ]; do
	[ $i -ge 600 ] && fail "no guest output within 60 s of resuming"
	sleep 0.1
	i=$((i + 1))
done
next=$(console_text | sed -n 's/^EMBER-UPTIME //p' | sed -n "$((before + 1))p")
gap=$(awk -v a="$last" -v b="$next" 'BEGIN { printf "%.2f", b - a }')
paused=$(awk -v a="$p0" -v b="$p1" 'BEGIN { printf "%.2f", (b - a) / 100 }')
echo "paused for $paused s (host); guest uptime advanced $gap s across the pause" >"$TDIR/pause-summary"
# The guest's loop takes about a second (a few under TCG); had its clock
# run on during the pause, the gap would exceed the 10 s pause.
awk -v g="$gap" -v p="$paused" 'BEGIN { exit !(p >= 9.5 && g < p - 4) }' ||
	fail "guest uptime advanced $gap s across a $paused s pause (its clock kept running)"
api_ok GET /
case $API_BODY in
*'"state":"Running"'*) ;;
*) fail "GET / after resume: $API_BODY" ;;
esac

api_ok PUT /actions '{"action_type": "FlushMetrics"}'
grep -q '"patch_api_requests":{[^}]*"vm_count":2' "$TDIR/metrics.json" ||
	fail "FlushMetrics: no line counting the two PATCH /vm requests"
grep -q '"exit_io_out":[1-9]' "$TDIR/metrics.json" || fail "metrics: no vCPU port exits counted"

api_ok PUT /actions '{"action_type": "SendCtrlAltDel"}'
api_wait_exit 60
[ "$BOOT_RC" -eq 0 ] || fail "ember exited with status $BOOT_RC after Ctrl+Alt+Del ($(last_words))"
cat "$TDIR/pause-summary" >>"$TDIR/boot-summary"
exit 0
