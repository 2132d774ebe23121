# api_getting_started: Firecracker's getting-started sequence over the API
# with curl (logger, boot-source, rootfs drive, machine-config,
# network-interface, InstanceStart) boots the guest. The rootfs drive and
# the interface (on a tap made for the test) are accepted before boot, shown
# by GET /vm/config, and attached as virtio devices at InstanceStart (the
# guest still runs from its initramfs).
# timeout: 180
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
# shellcheck source=tests/integration/lib_virtio.sh
. "$(dirname "$LIB")/lib_virtio.sh"
tap=embgs$$
make_tap "$tap" 169.254.102.1/24
trap 'api_stop; del_tap "$tap"' EXIT
need_asset vmlinux
need_asset initramfs.cpio.gz
dd if=/dev/zero of="$TDIR/rootfs.ext4" bs=1024 count=64 2>/dev/null

api_start
api_ok PUT /logger "{\"log_path\": \"$TDIR/fc.log\", \"level\": \"Info\", \"show_level\": true, \"show_log_origin\": false}"
api_ok PUT /boot-source "{\"kernel_image_path\": \"$ASSETS/vmlinux\", \"initrd_path\": \"$ASSETS/initramfs.cpio.gz\", \"boot_args\": \"$STD_ARGS\"}"
api_ok PUT /drives/rootfs "{\"drive_id\": \"rootfs\", \"path_on_host\": \"$TDIR/rootfs.ext4\", \"is_root_device\": true, \"is_read_only\": false}"
api_ok PUT /machine-config '{"vcpu_count": 2, "mem_size_mib": 256}'
api_ok PUT /network-interfaces/eth0 "{\"iface_id\": \"eth0\", \"guest_mac\": \"06:00:AC:10:00:02\", \"host_dev_name\": \"$tap\"}"
api_ok GET /vm/config
case $API_BODY in
*'"drive_id":"rootfs"'*'"iface_id":"eth0"'*) ;;
*) fail "GET /vm/config lacks the drive or the interface: $API_BODY" ;;
esac
api_ok GET /
case $API_BODY in
*'"state":"Not started"'*) ;;
*) fail "GET / before boot: $API_BODY" ;;
esac
api_ok PUT /actions '{"action_type": "InstanceStart"}'
[ "$API_STATUS" = 204 ] || fail "InstanceStart answered $API_STATUS"
api_wait_exit 120
grep -q '^EMBER-GUEST-UP' "$TDIR/serial.log" || fail "no EMBER-GUEST-UP ($(last_words))"
expect_marker EMBER-NPROC 2
[ "$BOOT_RC" -eq 0 ] || fail "ember exited with status $BOOT_RC ($(last_words))"
# PUT /logger moved ember's log to the file.
grep -q 'Guest-boot-time' "$TDIR/fc.log" || fail "no Guest-boot-time in the PUT /logger file"
# A filtered ember may not remove files: its socket stays, stale, and the
# next ember on the same path replaces it.
if [ -e "$SOCK" ]; then
	[ -S "$SOCK" ] || fail "$SOCK is there after exit but is not a socket"
	api_start
	api_alive
fi
exit 0
