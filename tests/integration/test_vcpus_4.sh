# vcpus_4: a guest configured with vcpu_count 4 brings up 4 CPUs.
# timeout: 120
# shellcheck source=tests/integration/lib.sh
. "$LIB"
need_asset vmlinux
need_asset initramfs.cpio.gz
write_config "$ASSETS/vmlinux" "$ASSETS/initramfs.cpio.gz" "$STD_ARGS" 4 128
boot
expect_boot_ok
expect_marker EMBER-NPROC 4
