# replay_fcctrd: firecracker-containerd's runtime (runtime/service.go, the
# SDK handlers in SDK order) against the real ember: the "noop jailer"
# command line (a relative --api-sock, --id, no seccomp flag); the SDK's
# socket wait (GET /machine-config); PUT /logger and PUT /metrics on FIFOs
# the runtime made and nobody reads; machine-config, boot-source with the
# runtime's default arguments, the root drive, then stub drives under
# base32 ids holding magic bytes padded to 512 bytes; InstanceStart; GET /
# as the runtime's stop path reads it; PATCH /drives of a stub onto the
# container image, which the guest finds and reads; the force-stop (GET /,
# SIGTERM). A reader that attaches to the metrics FIFO later gets the lines
# written while nobody read.
#
# vsock: PUT /vsock {guest_cid: 0, uds_path, vsock_id: "agent_api"} (the
# Deprecation header answers vsock_id) and the runtime's CONNECT 10789 to
# the agent, played in the guest by tests/integration/vsockt.c. (The
# agent's ttrpc and the stop through it are not replayed.) Its default
# "cpu_template": "T2" (Intel hosts) is accepted now
# (test_dropin_cpu_template); the replay leaves the field out, as the
# runtime does on other hosts or with "cpu_template": "". Network interfaces
# go through CNI (covered by test_net).
#
# The runtime's default arguments hold "noapic": ember gives such a guest no
# ACPI tables (a hardware-reduced ACPI platform has no legacy PIC), so ember's
# ACPI-enabled kernel boots here from the MP table and the command line.
# timeout: 300
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
# shellcheck source=tests/integration/lib_vsock.sh
. "$(dirname "$LIB")/lib_vsock.sh"
trap api_stop EXIT
need_asset vmlinux

# The container image the stub is patched onto (2 MiB, a marker at 1 MiB),
# the root drive, and two stubs: magic bytes and the stub's name, padded to
# 512 bytes (runtime/drive_handler.go's layout, in spirit).
dd if=/dev/zero of="$TDIR/image.img" bs=1024 count=2048 2>/dev/null || fail "cannot make image.img"
printf 'FCCTRD-CONTAINER-IMAGE' | dd of="$TDIR/image.img" bs=1024 seek=1024 conv=notrunc 2>/dev/null
dd if=/dev/zero of="$TDIR/root.img" bs=1024 count=1024 2>/dev/null || fail "cannot make root.img"
for s in ctrstub0 ctrstub1; do
	printf 'FCSTUB%s' "$s" | dd of="$TDIR/$s" bs=512 count=1 conv=sync 2>/dev/null
done

# The guest plays the agent's part: it lists the stubs it finds by their
# magic, then waits for a 2 MiB drive and reads the image through it.
cat >"$TDIR/agent.sh" <<'GUEST'
/vsockt listen 10789 &
for d in /sys/block/vd*; do
	m=$(head -c 14 "/dev/${d##*/}" 2>/dev/null)
	case $m in FCSTUB*) echo "FCCTRD-STUB ${d##*/} $m" ;; esac
done
i=0
while [ $i -lt 240 ]; do
	for d in /sys/block/vd*; do
		if [ "$(cat "$d/size")" = 4096 ]; then
			echo "FCCTRD-IMAGE $(dd if="/dev/${d##*/}" bs=1024 skip=1024 count=1 2>/dev/null | head -c 22)"
			# The agent keeps running until the runtime stops the VM.
			while :; do sleep 1; done
		fi
	done
	sleep 0.5
	i=$((i + 1))
done
exit 1
GUEST
vsock_initrd "$TDIR/agent.sh" "$TDIR/initrd.img"
mkfifo "$TDIR/fc-logs.fifo" "$TDIR/fc-metrics.fifo" || fail "mkfifo failed"

# The noop jailer's command: relative socket path, from the VM's directory.
SOCK=$TDIR/firecracker.sock
"$EMBER" --api-sock firecracker.sock --id fcctrd-vm-1 </dev/null >"$TDIR/serial.raw" \
	2>"$TDIR/ember.log" &
EMBER_PID=$!
API_T0=$(uptime_cs)
i=0
until [ -S "$SOCK" ] && api GET /machine-config && [ "$API_STATUS" = 200 ]; do
	[ $i -lt 300 ] || fail "the socket did not answer within 3 s x 10"
	kill -0 "$EMBER_PID" 2>/dev/null || fail "ember exited at start-up ($(last_words))"
	sleep 0.1
	i=$((i + 1))
done

api_ok PUT /logger "{\"log_path\": \"$TDIR/fc-logs.fifo\", \"level\": \"Debug\", \"show_level\": true, \"show_log_origin\": false}"
api_ok PUT /metrics "{\"metrics_path\": \"$TDIR/fc-metrics.fifo\"}"
api_ok PUT /machine-config '{"vcpu_count": 1, "mem_size_mib": 128, "smt": false}'
api_ok GET /machine-config
case $API_BODY in
*'"vcpu_count":1'*'"mem_size_mib":128'*) ;;
*) fail "GET /machine-config: $API_BODY" ;;
esac
api_ok PUT /boot-source "{\"kernel_image_path\": \"$ASSETS/vmlinux\", \"initrd_path\": \"$TDIR/initrd.img\", \"boot_args\": \"console=ttyS0 noapic reboot=k panic=1 pci=off nomodules rw\"}"
api_ok PUT /drives/root "{\"drive_id\": \"root\", \"path_on_host\": \"$TDIR/root.img\", \"is_root_device\": true, \"is_read_only\": false}"
# base32 (no padding) of "ctrstub0" and "ctrstub1"
api_ok PUT /drives/MN2HE43UOVRDA "{\"drive_id\": \"MN2HE43UOVRDA\", \"path_on_host\": \"$TDIR/ctrstub0\", \"is_root_device\": false, \"is_read_only\": false}"
api_ok PUT /drives/MN2HE43UOVRDC "{\"drive_id\": \"MN2HE43UOVRDC\", \"path_on_host\": \"$TDIR/ctrstub1\", \"is_root_device\": false, \"is_read_only\": false}"
code=$(curl -s --max-time 30 --unix-socket "$SOCK" -X PUT -D "$TDIR/vsock.head" \
	-o "$TDIR/vsock.body" -w '%{http_code}' -H 'Content-Type: application/json' \
	-d "{\"guest_cid\": 0, \"uds_path\": \"$TDIR/agent.vsock\", \"vsock_id\": \"agent_api\"}" \
	http://localhost/vsock)
[ "$code" = 204 ] || fail "PUT /vsock: $code $(cat "$TDIR/vsock.body")"
grep -qi '^Deprecation:' "$TDIR/vsock.head" || fail "PUT /vsock with vsock_id: no Deprecation header"
api_ok PUT /actions '{"action_type": "InstanceStart"}'
wait_console 'FCCTRD-STUB .* FCSTUBctrstub1' 120
console_text | grep -q 'FCCTRD-STUB .* FCSTUBctrstub0' || fail "the guest did not find stub 0"

api_ok GET /
case $API_BODY in
*'"state":"Running"'*) ;;
*) fail "GET / after boot: $API_BODY" ;;
esac
[ -S "$TDIR/agent.vsock" ] || fail "no vsock socket when GET / says Running"
# The runtime dials the agent until it answers.
vsock_connect_retry "$TDIR/agent.vsock" 10789 65536 120
# Container create: the first stub becomes the container's image.
api_ok PATCH /drives/MN2HE43UOVRDA "{\"drive_id\": \"MN2HE43UOVRDA\", \"path_on_host\": \"$TDIR/image.img\"}"
wait_console 'FCCTRD-IMAGE FCCTRD-CONTAINER-IMAGE' 60

# A metrics reader attaching late gets what was written while nobody read,
# then a FlushMetrics line; every line whole.
timeout 5 cat "$TDIR/fc-metrics.fifo" >"$TDIR/metrics.out" &
reader=$!
sleep 1
api_ok PUT /actions '{"action_type": "FlushMetrics"}'
wait "$reader"
lines=$(grep -c '^{"utc_timestamp_ms".*}}$' "$TDIR/metrics.out")
other=$(grep -v -c '^{"utc_timestamp_ms".*}}$' "$TDIR/metrics.out")
[ "$lines" -ge 2 ] && [ "$other" = 0 ] || fail "metrics: $lines whole lines, $other others"
# Counters count since the previous line: over all lines, one PATCH.
patches=$(sed -n 's/.*"patch_api_requests":{"drive_count":\([0-9]*\),.*/\1/p' "$TDIR/metrics.out" |
	awk '{ s += $1 } END { print s + 0 }')
[ "$patches" = 1 ] || fail "the metrics count $patches drive PATCHes, not 1"

# Without the agent (vsock), the runtime's stop is its force-stop: GET /
# (not Paused), then SIGTERM.
api_ok GET /
case $API_BODY in *'"state":"Running"'*) ;; *) fail "GET / before the stop: $API_BODY" ;; esac
kill -TERM "$EMBER_PID"
api_wait_exit 30
exit 0
