# boot_initrd_test_script: a second cpio appended to the initramfs adds
# /test.sh; the guest init runs it: its output and exit status (as
# EMBER-TEST-RC) reach the console, proving the whole initrd was loaded.
# timeout: 120
# shellcheck source=tests/integration/lib.sh
. "$LIB"
need_asset vmlinux
need_asset initramfs.cpio.gz
token="ember-token-$$-$(uptime_cs)"
mkdir -p "$TDIR/extra"
cat >"$TDIR/extra/test.sh" <<EOT
echo "EMBER-TOKEN $token"
exit 0
EOT
chmod 0755 "$TDIR/extra/test.sh"
# The kernel unpacks concatenated archives; a gzip member may follow another
# directly (only an uncompressed cpio needs 4-byte alignment).
(cd "$TDIR/extra" && echo test.sh | cpio -o -H newc -R 0:0 2>/dev/null) | gzip -c >"$TDIR/extra.cpio.gz" ||
	fail "cannot build the extra cpio"
cat "$ASSETS/initramfs.cpio.gz" "$TDIR/extra.cpio.gz" >"$TDIR/initrd.img"
write_config "$ASSETS/vmlinux" "$TDIR/initrd.img" "$STD_ARGS" 1 128
boot
expect_boot_ok
expect_marker EMBER-TOKEN "$token"
expect_marker EMBER-TEST-RC 0
