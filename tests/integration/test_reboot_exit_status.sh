# reboot_exit_status: "reboot -f" in the guest with reboot=k (reset through
# the i8042) makes ember exit with status 0 by itself, promptly: the guest
# init's last marker before rebooting is printed and ember was not killed.
# timeout: 120
# shellcheck source=tests/integration/lib.sh
. "$LIB"
need_asset vmlinux
need_asset initramfs.cpio.gz
mkdir -p "$TDIR/extra"
printf 'echo EMBER-BEFORE-REBOOT\n' >"$TDIR/extra/test.sh"
(cd "$TDIR/extra" && echo test.sh | cpio -o -H newc -R 0:0 2>/dev/null) | gzip -c >"$TDIR/extra.cpio.gz" ||
	fail "cannot build the extra cpio"
cat "$ASSETS/initramfs.cpio.gz" "$TDIR/extra.cpio.gz" >"$TDIR/initrd.img"
write_config "$ASSETS/vmlinux" "$TDIR/initrd.img" "$STD_ARGS" 1 128
boot
[ "$BOOT_RC" = timeout ] && fail "ember still running ${BOOT_TIMEOUT} s after start: guest reboot did not end it ($(last_words))"
grep -q '^EMBER-BEFORE-REBOOT' "$TDIR/serial.log" || fail "guest never reached its test script ($(last_words))"
grep -q '^EMBER-REBOOT-FAILED' "$TDIR/serial.log" && fail "the guest's reboot -f returned"
[ "$BOOT_RC" -eq 0 ] || fail "ember exited with status $BOOT_RC after the guest rebooted ($(last_words))"
