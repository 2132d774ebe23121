# api_config_file: --config-file with the API on boots at once and keeps the
# API up: GET / shows "Running" and post-boot requests are judged as such.
# timeout: 180
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
trap api_stop EXIT
need_asset vmlinux
printf 'sleep 5\n' >"$TDIR/hold.sh"
initrd_with_test "$TDIR/hold.sh"
write_config "$ASSETS/vmlinux" "$TDIR/initrd.img" "$STD_ARGS" 1 128

api_start --config-file "$TDIR/vm.json"
api_ok GET /
case $API_BODY in
*'"state":"Running"'*) ;;
*) fail "GET / with --config-file: $API_BODY" ;;
esac
api_fault 400 'not supported after starting the microVM' PUT /actions '{"action_type": "InstanceStart"}'
api_ok GET /vm/config
case $API_BODY in
*"\"kernel_image_path\":\"$ASSETS/vmlinux\""*) ;;
*) fail "GET /vm/config does not show the config file: $API_BODY" ;;
esac
api_wait_exit 120
grep -q '^EMBER-TEST-RC 0' "$TDIR/serial.log" || fail "the guest did not finish its script ($(last_words))"
[ "$BOOT_RC" -eq 0 ] || fail "ember exited with status $BOOT_RC ($(last_words))"
exit 0
