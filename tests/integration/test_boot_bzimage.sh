# boot_bzimage: the compressed bzImage guest kernel (64-bit boot protocol)
# reaches userspace and ember exits 0 when the guest reboots.
# timeout: 120
# shellcheck source=tests/integration/lib.sh
. "$LIB"
need_asset bzImage
need_asset initramfs.cpio.gz
write_config "$ASSETS/bzImage" "$ASSETS/initramfs.cpio.gz" "$STD_ARGS" 1 128
boot
expect_boot_ok
grep -q 'Linux 64-bit boot protocol (bzImage)' "$TDIR/ember.log" ||
	fail "ember did not load the kernel as a bzImage"
