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
uptime_guest

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

# Pause: no output and a stopped clock (kvm-clock, the guest's default).
expect_clock_frozen

api_ok PUT /actions '{"action_type": "FlushMetrics"}'
grep -q '"patch_api_requests":{[^}]*"vm_count":2' "$TDIR/metrics.json" ||
	fail "FlushMetrics: no line counting the two PATCH /vm requests"
grep -q '"exit_io_out":[1-9]' "$TDIR/metrics.json" || fail "metrics: no vCPU port exits counted"

api_ok PUT /actions '{"action_type": "SendCtrlAltDel"}'
api_wait_exit 60
[ "$BOOT_RC" -eq 0 ] || fail "ember exited with status $BOOT_RC after Ctrl+Alt+Del ($(last_words))"
cat "$TDIR/pause-summary" >>"$TDIR/boot-summary"
exit 0
