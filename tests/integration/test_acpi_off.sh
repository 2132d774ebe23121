# acpi_off: a kernel told to ignore ACPI (acpi=off) still boots as before
# ember had ACPI tables: Debian's stock kernel with 2 vCPUs finds both CPUs
# through the MP table, sees no ACPI tables, and its reboot through the
# i8042 still ends ember with status 0.
# timeout: 300
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/lib_virtio.sh
. "$(dirname "$LIB")/lib_virtio.sh"
need_asset debian-vmlinuz
need_asset initramfs.cpio.gz
cat >"$TDIR/test.sh" <<'EOT'
[ -e /sys/firmware/acpi/tables/DSDT ] && echo "ACPI-TABLES-PRESENT"
exit 0
EOT
test_initrd "$TDIR/initrd.img"
write_config "$ASSETS/debian-vmlinuz" "$TDIR/initrd.img" "$STD_ARGS acpi=off" 2 256
boot "${EMBER_DEBIAN_TIMEOUT:-200}"
expect_boot_ok
expect_marker EMBER-NPROC 2
expect_marker EMBER-TEST-RC 0
grep -q '^ACPI-TABLES-PRESENT' "$TDIR/serial.log" && fail "acpi=off, yet the guest parsed ACPI tables"
grep -q 'reset through the i8042' "$TDIR/ember.log" || fail "the guest did not reset through the i8042"
