# boot_timer: with --boot-timer, the guest init's write of 123 to MMIO
# 0xc0000000 makes ember log the boot time ("Guest-boot-time") on stderr.
# timeout: 120
# shellcheck source=tests/integration/lib.sh
. "$LIB"
need_asset vmlinux
need_asset initramfs.cpio.gz
write_config "$ASSETS/vmlinux" "$ASSETS/initramfs.cpio.gz" "$STD_ARGS" 1 128
boot
expect_boot_ok
grep -q 'Guest-boot-time' "$TDIR/ember.log" || fail "no Guest-boot-time line in ember's stderr"
