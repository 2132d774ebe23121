# debian_stock_vmlinuz: Debian's stock kernel (a relocatable, KASLR,
# xz-compressed bzImage built for real hardware: the test host's own kernel)
# boots to userspace with the guest initramfs. It is much bigger and slower
# than the guest kernel, hence the longer timeout.
# timeout: 300
# shellcheck source=tests/integration/lib.sh
. "$LIB"
need_asset debian-vmlinuz
need_asset initramfs.cpio.gz
write_config "$ASSETS/debian-vmlinuz" "$ASSETS/initramfs.cpio.gz" "$STD_ARGS" 1 256
boot "${EMBER_DEBIAN_TIMEOUT:-150}"
expect_boot_ok
