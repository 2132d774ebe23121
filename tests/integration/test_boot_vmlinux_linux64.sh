# boot_vmlinux_linux64: the ELF vmlinux without its PVH note (renamed by
# tests/run-integration.sh) boots through the ELF entry point with the 64-bit
# Linux boot protocol (zero page, ember's page tables) to userspace.
# timeout: 120
# shellcheck source=tests/integration/lib.sh
. "$LIB"
need_asset vmlinux-linux64
need_asset initramfs.cpio.gz
write_config "$ASSETS/vmlinux-linux64" "$ASSETS/initramfs.cpio.gz" "$STD_ARGS" 1 128
boot
expect_boot_ok
grep -q 'Linux 64-bit boot protocol (ELF vmlinux)' "$TDIR/ember.log" ||
	fail "ember did not use the 64-bit Linux boot protocol for the ELF kernel"
