# api_bad_inputs: the bad-input checklist. Each request is answered with
# status 400 (or the HTTP-level status) and a fault_message naming the
# problem, and ember keeps answering GET / afterwards.
# timeout: 120
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
trap api_stop EXIT
need_asset vmlinux
D="An error occurred when deserializing the json body of a request"

api_start
api_fault 400 "$D: invalid JSON" PUT /machine-config '{"vcpu_count": 2, "mem_size_mib": '
api_fault 400 "$D: invalid JSON" PUT /boot-source 'kernel_image_path=/x'
api_alive
api_fault 400 'field "vcpu_count" must be an integer between 0 and 255, got a string' PUT /machine-config '{"vcpu_count": "2", "mem_size_mib": 128}'
api_fault 400 'field "smt" must be a boolean' PUT /machine-config '{"vcpu_count": 2, "mem_size_mib": 128, "smt": "true"}'
api_fault 400 'field "mem_size_mib" must be an integer between 0 and 9223372036854775807, got -1' PUT /machine-config '{"vcpu_count": 1, "mem_size_mib": -1}'
api_fault 400 'Machine config error: The memory size (MiB) is either 0, or not a multiple of the configured page size.' PUT /machine-config '{"vcpu_count": 1, "mem_size_mib": 0}'
api_fault 400 "Machine config error: The memory size (MiB) is larger than ember's limit of 1048576." PUT /machine-config '{"vcpu_count": 1, "mem_size_mib": 9223372036854775807}'
api_fault 400 "$D: invalid JSON" PUT /machine-config '{"vcpu_count": 1, "mem_size_mib": 18446744073709551616}'
api_fault 400 'Machine config error: The number of vCPUs must be greater than 0, less than 32 and must be 1 or an even number if SMT is enabled.' PUT /machine-config '{"vcpu_count": 0, "mem_size_mib": 128}'
api_fault 400 'Machine config error: The number of vCPUs must be greater than 0, less than 32 and must be 1 or an even number if SMT is enabled.' PUT /machine-config '{"vcpu_count": 33, "mem_size_mib": 128}'
api_alive
# serde's words, as Firecracker's API tests read them.
api_fault 400 "$D: missing field \`vcpu_count\` at line 1 column 21." PUT /machine-config '{"mem_size_mib": 128}'
api_fault 400 "$D: missing field \`mem_size_mib\` at line 1 column 17." PUT /machine-config '{"vcpu_count": 2}'
api_fault 400 "$D: missing field \`kernel_image_path\` at line 1 column 30." PUT /boot-source '{"boot_args": "console=ttyS0"}'
api_fault 400 "$D: missing field \`is_root_device\` at line 1 column 44." PUT /drives/rootfs '{"drive_id": "rootfs", "path_on_host": "/x"}'
api_fault 400 "$D: missing field \`action_type\` at line 1 column 2." PUT /actions '{}'
api_fault 400 'Empty PATCH request.' PATCH /machine-config '{}'
api_fault 400 'unknown field "foo"' PUT /machine-config '{"vcpu_count": 1, "mem_size_mib": 128, "foo": 1}'
api_fault 400 'unknown field "is_read_only"' PATCH /drives/rootfs '{"drive_id": "rootfs", "is_read_only": true}'
api_fault 400 'must be one of "InstanceStart", "SendCtrlAltDel", "FlushMetrics", got "Reboot"' PUT /actions '{"action_type": "Reboot"}'
api_fault 400 'must be one of "Paused", "Resumed", got "Stopped"' PATCH /vm '{"state": "Stopped"}'
api_alive
api_fault 400 'API Resource IDs can only contain alphanumeric characters and underscores.' PUT /drives/root-fs '{"drive_id": "root-fs", "path_on_host": "/x", "is_root_device": true}'
api_fault 400 'The ID cannot be empty.' PUT /network-interfaces/ '{"iface_id": "eth0", "host_dev_name": "tap0"}'
api_fault 400 'The id from the path does not match the id from the body!' PUT /drives/rootfs '{"drive_id": "other", "path_on_host": "/x", "is_root_device": true}'
api_fault 400 'The id from the path does not match the id from the body!' PUT /network-interfaces/eth0 '{"iface_id": "eth1", "host_dev_name": "tap0"}'
api_fault 400 'Boot source error: The kernel file cannot be opened: No such file or directory (os error 2)' PUT /boot-source '{"kernel_image_path": "/nonexistent/vmlinux"}'
api_fault 400 'Drive config error: Unable to create the virtio block device: Virtio backend error: Error manipulating the backing file: No such file or directory (os error 2) /nonexistent/disk' PUT /drives/c '{"drive_id": "c", "path_on_host": "/nonexistent/disk", "is_root_device": false}'
api_ok PUT /network-interfaces/eth0 '{"iface_id": "eth0", "host_dev_name": "tap0", "guest_mac": "06:00:00:00:00:01"}'
api_fault 400 'Network config error: The MAC address is already in use: 06:00:00:00:00:01' PUT /network-interfaces/eth1 '{"iface_id": "eth1", "host_dev_name": "tap1", "guest_mac": "06:00:00:00:00:01"}'
api_fault 400 'Network config error: Could not create the network device: Open tap device failed: Resource busy (os error 16).' PUT /network-interfaces/eth1 '{"iface_id": "eth1", "host_dev_name": "tap0"}'
api_fault 400 'The requested operation is not supported before starting the microVM.' PUT /actions '{"action_type": "FlushMetrics"}'
: >"$TDIR/m.json"
api_ok PUT /metrics "{\"metrics_path\": \"$TDIR/m.json\", \"properties\": {\"cluster\": \"a\"}}"
api_fault 400 'Metrics error: Reinitialization of metrics not allowed.' PUT /metrics "{\"metrics_path\": \"$TDIR/m.json\"}"
api_ok GET /vm/config
case $API_BODY in *'"logger":null'*'"metrics":null'* | *'"metrics":null'*'"logger":null'*) ;; *) fail "GET /vm/config logger/metrics: $API_BODY" ;; esac
dd if=/dev/zero of="$TDIR/a.img" bs=1024 count=4 2>/dev/null
dd if=/dev/zero of="$TDIR/b.img" bs=1024 count=4 2>/dev/null
api_ok PUT /drives/a "{\"drive_id\": \"a\", \"path_on_host\": \"$TDIR/a.img\", \"is_root_device\": true}"
api_fault 400 'A root block device already exists!' PUT /drives/b "{\"drive_id\": \"b\", \"path_on_host\": \"$TDIR/b.img\", \"is_root_device\": true}"
api_fault 400 'Invalid request method and/or path: PATCH /boot-source.' PATCH /boot-source '{}'
api_fault 400 'Invalid request method and/or path: GET /nonexistent.' GET /nonexistent
api_fault 400 'Invalid request method and/or path: DELETE /drives/a.' DELETE /drives/a
api_fault 400 'GET request cannot have a body.' GET / '{}'
api_fault 400 'Empty PUT request.' PUT /actions ''
api_fault 400 'Empty PATCH request.' PATCH /vm ''
api_fault 400 'not supported before starting the microVM' PATCH /vm '{"state": "Paused"}'
api_fault 400 'not supported before starting the microVM' PUT /actions '{"action_type": "SendCtrlAltDel"}'
api_alive
# A 1 MiB body against the default 51200-byte limit.
dd if=/dev/zero bs=1024 count=1024 2>/dev/null | tr '\0' ' ' >"$TDIR/big.json"
api_fault 400 'Request payload with size 1048576 is larger than the limit of 51200 allowed by server.' PUT /boot-source "@$TDIR/big.json"
api_alive
# HTTP framing ember does not take.
API_STATUS=$(curl -s --unix-socket "$SOCK" -X PUT -H 'Transfer-Encoding: chunked' -H 'Content-Type: application/json' \
	--data-raw '{"action_type": "FlushMetrics"}' -o "$TDIR/resp" -w '%{http_code}' http://localhost/actions)
API_BODY=$(cat "$TDIR/resp")
[ "$API_STATUS" = 411 ] || fail "chunked body: status $API_STATUS ($API_BODY)"
case $(fault_message) in *Content-Length*) ;; *) fail "chunked body: $API_BODY" ;; esac
api_alive
# The configuration is intact: only drive "a" was accepted.
api_ok GET /vm/config
case $API_BODY in
*'"drive_id":"a"'*'"drive_id":"b"'*) fail "drive b was stored: $API_BODY" ;;
*'"drive_id":"a"'*) ;;
*) fail "drive a is missing: $API_BODY" ;;
esac
kill "$EMBER_PID"
exit 0
