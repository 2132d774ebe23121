# boot_vmlinux: the uncompressed ELF guest kernel (ember boots it through its
# PVH note) with the guest initramfs reaches userspace, and ember exits 0
# when the guest reboots.
# timeout: 120
# shellcheck source=tests/integration/lib.sh
. "$LIB"
need_asset vmlinux
need_asset initramfs.cpio.gz
write_config "$ASSETS/vmlinux" "$ASSETS/initramfs.cpio.gz" "$STD_ARGS" 1 128
boot
expect_boot_ok
grep -q 'PVH boot protocol (ELF vmlinux)' "$TDIR/ember.log" ||
	fail "ember did not boot the vmlinux through its PVH note"
