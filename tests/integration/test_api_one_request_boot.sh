# api_one_request_boot: ember's PUT /vm takes a whole config document (the
# config-file schema) and, with "start": true, boots in one round trip.
# timeout: 180
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
trap api_stop EXIT
need_asset vmlinux
need_asset initramfs.cpio.gz

api_start
api_fault 400 'missing required section "boot-source"' PUT /vm '{"machine-config": {"vcpu_count": 1, "mem_size_mib": 128}, "start": true}'
api_fault 400 'field "start" must be a boolean' PUT /vm "{\"boot-source\": {\"kernel_image_path\": \"$ASSETS/vmlinux\"}, \"start\": 1}"
api_ok PUT /vm "{
  \"boot-source\": {\"kernel_image_path\": \"$ASSETS/vmlinux\", \"initrd_path\": \"$ASSETS/initramfs.cpio.gz\", \"boot_args\": \"$STD_ARGS\"},
  \"machine-config\": {\"vcpu_count\": 2, \"mem_size_mib\": 192},
  \"start\": true
}"
[ "$API_STATUS" = 204 ] || fail "PUT /vm answered $API_STATUS"
api_wait_exit 120
grep -q '^EMBER-GUEST-UP' "$TDIR/serial.log" || fail "no EMBER-GUEST-UP ($(last_words))"
expect_marker EMBER-NPROC 2
[ "$BOOT_RC" -eq 0 ] || fail "ember exited with status $BOOT_RC ($(last_words))"
exit 0
