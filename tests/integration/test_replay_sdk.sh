# replay_sdk: firecracker-go-sdk's default handler chain (handlers.go
# defaultFcInitHandlerList, then Machine.Start and the usual calls after it)
# against the real ember: the SDK's command line (--api-sock, --id a UUID,
# --no-seccomp, the zero value of Seccomp.Enabled); waitForSocket (stat and
# GET /machine-config every 10 ms); PUT /logger to a file with the SDK's
# show_level/show_log_origin; PUT /metrics on a FIFO nobody reads (the
# SDK's MetricsFifo); machine-config then GET /machine-config; boot-source;
# the root drive and a second drive; InstanceStart; DescribeInstanceInfo
# (GET /); UpdateGuestDrive (PATCH /drives); PauseVM/ResumeVM (PATCH /vm);
# Shutdown (SendCtrlAltDel), after which ember exits 0. Both vCPU threads
# carry Firecracker's names.
#
# Still blocking SDK users who configure them (left out): vsock devices
# (PUT /vsock, the vsock.Dial CONNECT/OK handshake), MMDS (PUT /mmds/config,
# PUT/PATCH/GET /mmds), snapshots, static CPU templates, and
# --seccomp-filter; network interfaces need a tap (covered by test_net).
# timeout: 300
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
trap api_stop EXIT
need_asset vmlinux

dd if=/dev/zero of="$TDIR/root.img" bs=1024 count=1024 2>/dev/null || fail "cannot make root.img"
dd if=/dev/zero of="$TDIR/data.img" bs=1024 count=1024 2>/dev/null || fail "cannot make data.img"
dd if=/dev/zero of="$TDIR/data2.img" bs=1024 count=3072 2>/dev/null || fail "cannot make data2.img"
# The guest stays up until Ctrl+Alt+Del; it reports the second drive's size.
cat >"$TDIR/wait.sh" <<'GUEST'
echo SDK-GUEST-READY
while :; do
	echo "SDK-SIZE $(cat /sys/block/vdb/size 2>/dev/null)"
	sleep 1
done
GUEST
initrd_with_test "$TDIR/wait.sh"
mkfifo "$TDIR/metrics.fifo" || fail "mkfifo failed"

SOCK=$TDIR/sdk.sock
"$EMBER" --api-sock "$SOCK" --id 3f2b1c9e-8d4a-4b6e-9f00-1a2b3c4d5e6f --no-seccomp \
	</dev/null >"$TDIR/serial.raw" 2>"$TDIR/ember.log" &
EMBER_PID=$!
API_T0=$(uptime_cs)
i=0
until [ -S "$SOCK" ] && api GET /machine-config && [ "$API_STATUS" = 200 ]; do
	[ $i -lt 300 ] || fail "waitForSocket: no answer within 3 s x 10"
	kill -0 "$EMBER_PID" 2>/dev/null || fail "ember exited at start-up ($(last_words))"
	sleep 0.1
	i=$((i + 1))
done

api_ok PUT /logger "{\"log_path\": \"$TDIR/sdk.log\", \"level\": \"Debug\", \"show_level\": true, \"show_log_origin\": false}"
api_ok PUT /metrics "{\"metrics_path\": \"$TDIR/metrics.fifo\"}"
api_ok PUT /machine-config '{"vcpu_count": 2, "mem_size_mib": 128, "smt": false, "track_dirty_pages": false}'
api_ok GET /machine-config
case $API_BODY in
*'"vcpu_count":2'*'"mem_size_mib":128'*'"smt":false'*) ;;
*) fail "GET /machine-config: $API_BODY" ;;
esac
api_ok PUT /boot-source "{\"kernel_image_path\": \"$ASSETS/vmlinux\", \"initrd_path\": \"$TDIR/initrd.img\", \"boot_args\": \"$STD_ARGS\"}"
api_ok PUT /drives/root_drive "{\"drive_id\": \"root_drive\", \"path_on_host\": \"$TDIR/root.img\", \"is_root_device\": true, \"is_read_only\": false}"
api_ok PUT /drives/1 "{\"drive_id\": \"1\", \"path_on_host\": \"$TDIR/data.img\", \"is_root_device\": false, \"is_read_only\": false}"
api_ok PUT /actions '{"action_type": "InstanceStart"}'
wait_console 'SDK-SIZE 2048' 120

api_ok GET /
case $API_BODY in
*'"id":"3f2b1c9e-8d4a-4b6e-9f00-1a2b3c4d5e6f","state":"Running"'*) ;;
*) fail "DescribeInstanceInfo: $API_BODY" ;;
esac
names=$(cat /proc/"$EMBER_PID"/task/*/comm | tr '\n' '|')
for want in fc_api "fc_vcpu 0" "fc_vcpu 1"; do
	case "|$names" in
	*"|$want|"*) ;;
	*) fail "no thread \"$want\" among: $names" ;;
	esac
done

api_ok PATCH /drives/1 "{\"drive_id\": \"1\", \"path_on_host\": \"$TDIR/data2.img\"}"
wait_console 'SDK-SIZE 6144' 60
api_ok PATCH /vm '{"state": "Paused"}'
api_ok GET /
case $API_BODY in *'"state":"Paused"'*) ;; *) fail "after PauseVM: $API_BODY" ;; esac
api_ok PATCH /vm '{"state": "Resumed"}'
api_ok GET /
case $API_BODY in *'"state":"Running"'*) ;; *) fail "after ResumeVM: $API_BODY" ;; esac

# The metrics FIFO nobody read took the lines so far.
timeout 5 cat "$TDIR/metrics.fifo" >"$TDIR/metrics.out" &
reader=$!
sleep 1
api_ok PUT /actions '{"action_type": "FlushMetrics"}'
wait "$reader"
grep -q '"latencies_us":{"pause_vm":[1-9]' "$TDIR/metrics.out" ||
	fail "no pause latency in the metrics: $(tail -n 1 "$TDIR/metrics.out" | head -c 300)"
grep -q ' \[Info\] ' "$TDIR/sdk.log" || fail "no Info line with its level in the SDK's log file"

# Machine.Shutdown on x86: SendCtrlAltDel; the guest restarts and ember exits.
api_ok PUT /actions '{"action_type": "SendCtrlAltDel"}'
api_wait_exit 60
[ "$BOOT_RC" -eq 0 ] || fail "ember exited with status $BOOT_RC after Shutdown ($(last_words))"
exit 0
