# mem_4096: a guest configured with mem_size_mib 4096 sees MemTotal a little below
# 4096 MiB (the kernel's own code and reserved areas are not counted): accept
# 85-100 % of the configured size.
# timeout: 120
# shellcheck source=tests/integration/lib.sh
. "$LIB"
need_asset vmlinux
need_asset initramfs.cpio.gz
write_config "$ASSETS/vmlinux" "$ASSETS/initramfs.cpio.gz" "$STD_ARGS" 1 4096
boot
expect_boot_ok
kb=$(marker EMBER-MEMTOTAL-KB)
case $kb in '' | *[!0-9]*) fail "no numeric EMBER-MEMTOTAL-KB (got '$kb')" ;; esac
[ "$kb" -le 4194304 ] && [ "$kb" -ge 3565158 ] ||
	fail "MemTotal $kb kB is not within 85-100 % of 4194304 kB"
