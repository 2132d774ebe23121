# mmds_api: the metadata store through the API and the command line, no
# guest network needed: --metadata preloads it, PUT/PATCH/GET /mmds before
# and after boot, 413 over --mmds-size-limit, PUT /mmds/config's errors
# (Firecracker's texts) and its refusal after boot, GET /vm/config shows
# mmds-config, the metrics count the requests; a config file with
# mmds-config boots (its interface gets the store), and bad mmds-config or
# --metadata stop ember before any guest runs.
# timeout: 400
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
# shellcheck source=tests/integration/lib_virtio.sh
. "$(dirname "$LIB")/lib_virtio.sh"
tap=embmmds$$
trap 'api_stop; del_tap "$tap"' EXIT
need_asset vmlinux

# expect_body TEXT - the last answer was 200 with exactly TEXT.
expect_body() {
	[ "$API_STATUS" = 200 ] || fail "status $API_STATUS, expected 200 ($API_BODY)"
	[ "$API_BODY" = "$1" ] || fail "body '$API_BODY', expected '$1'"
}

# metric_sum GROUP NAME - the sum of GROUP.NAME over the metrics lines.
metric_sum() {
	sed -n "s/.*\"$1\":{\([^}]*\)}.*/\1/p" "$TDIR/metrics.json" |
		sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p" | awk '{ s += $1 } END { print s + 0 }'
}

# kill_ember - end the running instance (one that never booted).
kill_ember() {
	kill -9 "$EMBER_PID" 2>/dev/null
	wait "$EMBER_PID" 2>/dev/null
	EMBER_PID=
	rm -f "$SOCK"
}

NOT_LISTED='The list of network interface IDs provided contains at least one ID that does not correspond to any existing network interface.'
TOO_LARGE="MMDS limit exceeded error: The MMDS patch request doesn't fit."
META='{"latest": {"meta-data": {"instance-id": "i-0123", "local-hostname": "vm0"}}}'
printf '%s\n' "$META" >"$TDIR/meta.json"
big=$(printf '%0300d' 0)

# --- 1. Before boot: the store, its limit and PUT /mmds/config's rules. ---
api_start --metadata "$TDIR/meta.json" --mmds-size-limit 200
api_ok GET /mmds
expect_body '{"latest":{"meta-data":{"instance-id":"i-0123","local-hostname":"vm0"}}}'
api_fault 400 "MMMDS config error: $NOT_LISTED" PUT /mmds/config '{"network_interfaces": ["eth0"]}'
api_ok PUT /network-interfaces/eth0 '{"iface_id": "eth0", "host_dev_name": "embnotap0"}'
api_fault 400 'MMMDS config error: The list of network interface IDs that allow forwarding MMDS requests is empty.' \
	PUT /mmds/config '{"network_interfaces": []}'
api_fault 400 "MMMDS config error: $NOT_LISTED" PUT /mmds/config '{"network_interfaces": ["eth0", "eth1"]}'
api_fault 400 'MMMDS config error: The MMDS IPv4 address is not link local.' \
	PUT /mmds/config '{"network_interfaces": ["eth0"], "ipv4_address": "10.0.0.1"}'
# shellcheck disable=SC2016 # Firecracker's text has backquotes
api_fault 400 'unknown variant `V3`, expected `V1` or `V2`' \
	PUT /mmds/config '{"network_interfaces": ["eth0"], "version": "V3"}'
# shellcheck disable=SC2016
api_fault 400 'missing field `network_interfaces`' PUT /mmds/config '{"version": "V2"}'
api_ok PUT /mmds/config '{"network_interfaces": ["eth0"], "version": "V2", "ipv4_address": "169.254.170.2"}'
api_ok GET /vm/config
case $API_BODY in
*'"mmds-config":{"version":"V2","network_interfaces":["eth0"],"ipv4_address":"169.254.170.2","imds_compat":false}'*) ;;
*) fail "GET /vm/config lacks the mmds-config: $API_BODY" ;;
esac
api_fault 413 "$TOO_LARGE" PUT /mmds "{\"k\": \"$big\"}"
api_fault 413 "$TOO_LARGE" PATCH /mmds "{\"k\": \"$big\"}"
api_fault 400 'mmds: the body must be a JSON object, got an array' PUT /mmds '[1, 2]'
api_ok PATCH /mmds '{"latest": {"meta-data": {"local-hostname": null, "zone": "z1"}}}'
api_ok GET /mmds
expect_body '{"latest":{"meta-data":{"instance-id":"i-0123","zone":"z1"}}}'
api_alive
kill_ember

# --- 2. A booted guest: the store changes at run time, its config does not. ---
uptime_guest
api_start --http-api-max-payload-size 2097152
api_ok GET /mmds
expect_body '{}'
api_fault 400 'MMDS error: The MMDS data store is not initialized.' PATCH /mmds '{"a": "b"}'
api_ok PUT /metrics "{\"metrics_path\": \"$TDIR/metrics.json\"}"
api_ok PUT /boot-source "{\"kernel_image_path\": \"$ASSETS/vmlinux\", \"initrd_path\": \"$TDIR/initrd.img\", \"boot_args\": \"$STD_ARGS\"}"
api_ok PUT /actions '{"action_type": "InstanceStart"}'
wait_console 'EMBER-UPTIME' 120
api_ok PUT /mmds '{"a": {"b": "c"}, "list": [1, 2]}'
api_ok PATCH /mmds '{"a": {"d": "e"}, "list": null}'
api_ok GET /mmds
expect_body '{"a":{"b":"c","d":"e"}}'
# 1 MiB of data on the running VM, as Firecracker's seccomp regression test.
{ printf '{"big": "'; head -c 1048576 /dev/zero | tr '\0' x; printf '"}'; } >"$TDIR/big.json"
api_ok PUT /mmds "@$TDIR/big.json"
api_ok GET /mmds
[ "${#API_BODY}" -eq 1048586 ] || fail "GET /mmds after a 1 MiB PUT: ${#API_BODY} bytes"
api_ok PUT /mmds '{"a": {"b": "c"}, "d": 1}'
api_fault 400 'not supported after starting the microVM' PUT /mmds/config '{"network_interfaces": ["eth0"]}'
api_ok PUT /actions '{"action_type": "FlushMetrics"}'
# Counters are deltas per line: sum them over the lines written so far.
got="$(metric_sum get_api_requests mmds_count) $(metric_sum put_api_requests mmds_count)"
got="$got $(metric_sum put_api_requests mmds_fails) $(metric_sum patch_api_requests mmds_count)"
got="$got $(metric_sum patch_api_requests mmds_fails)"
[ "$got" = "3 4 1 2 1" ] || fail "metrics: GET, PUT, PUT fails, PATCH, PATCH fails of /mmds are $got, expected 3 4 1 2 1"
grep -q '"mmds":{"rx_accepted":0,' "$TDIR/metrics.json" || fail "metrics: no mmds section"
api_ok PUT /actions '{"action_type": "SendCtrlAltDel"}'
api_wait_exit 60
[ "$BOOT_RC" -eq 0 ] || fail "ember exited with status $BOOT_RC after Ctrl+Alt+Del ($(last_words))"

# --- 3. The config file's mmds-config and --metadata, as flintlock starts ember. ---
make_tap "$tap" 169.254.102.1/24
vm_json "$ASSETS/vmlinux" "$TDIR/initrd.img" "$STD_ARGS" 1 128 "" "$(net_json eth0 "$tap" 06:00:a9:fe:66:02)"
sed 's/^}$/, "mmds-config": { "version": "V1", "network_interfaces": ["eth0"] } }/' "$TDIR/vm.json" >"$TDIR/mmds.json"
api_start --config-file "$TDIR/mmds.json" --metadata "$TDIR/meta.json"
wait_console 'EMBER-UPTIME' 120
api_ok GET /mmds
expect_body '{"latest":{"meta-data":{"instance-id":"i-0123","local-hostname":"vm0"}}}'
api_ok GET /vm/config
case $API_BODY in
*'"mmds-config":{"version":"V1","network_interfaces":["eth0"],"ipv4_address":"169.254.169.254","imds_compat":false}'*) ;;
*) fail "GET /vm/config lacks the file's mmds-config: $API_BODY" ;;
esac
api_ok PUT /actions '{"action_type": "SendCtrlAltDel"}'
api_wait_exit 60
[ "$BOOT_RC" -eq 0 ] || fail "ember (config file) exited with status $BOOT_RC ($(last_words))"

# --- 4. Refused before any guest runs. ---
sed 's/^}$/, "mmds-config": { "network_interfaces": ["eth9"] } }/' "$TDIR/vm.json" >"$TDIR/bad.json"
cp "$TDIR/bad.json" "$TDIR/vm.json"
expect_config_error "mmds-config: $NOT_LISTED"
cp "$TDIR/mmds.json" "$TDIR/vm.json"
printf '[1]\n' >"$TDIR/bad-meta.json"
for m in "$TDIR/missing.json" "$TDIR/bad-meta.json"; do
	timeout -k 5 60 "$EMBER" --no-api --config-file "$TDIR/vm.json" --metadata "$m" \
		</dev/null >"$TDIR/serial.log" 2>"$TDIR/ember.log"
	rc=$?
	[ "$rc" -ne 0 ] || fail "ember accepted --metadata $m"
	grep -q EMBER-GUEST-UP "$TDIR/serial.log" && fail "the guest booted despite --metadata $m"
	grep -q -- "--metadata $m" "$TDIR/ember.log" || fail "no --metadata error for $m: $(last_words)"
done
exit 0
