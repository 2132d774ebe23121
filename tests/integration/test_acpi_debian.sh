# acpi_debian: Debian's stock kernel (VIRTIO_MMIO=m) with 2 vCPUs finds
# everything through ember's ACPI tables: the tables are in
# /sys/firmware/acpi/tables, both CPUs come up (MADT), Debian's own
# virtio_mmio/virtio_blk modules from the initramfs bind the DSDT's
# LNRO0005 device and the drive reads back intact, virtio_net's interface
# pings the host over a tap, the vmgenid driver binds
# the VMGenID device, and "poweroff -f" ends ember with status 0 through the
# FADT's sleep control register (not the i8042 reset the init falls back to).
# timeout: 400
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/lib_virtio.sh
. "$(dirname "$LIB")/lib_virtio.sh"
need_asset debian-vmlinuz
need_asset initramfs.cpio.gz
need_asset debian-virtio-modules.cpio.gz
dd if=/dev/urandom of="$TDIR/data.img" bs=1M count=4 2>/dev/null
sum=$(sha_of "$TDIR/data.img")
tap=acpitap$$
host_ip=169.254.101.1
make_tap "$tap" "$host_ip/24"
trap 'del_tap "$tap"' EXIT
cat >"$TDIR/test.sh" <<'EOT'
t=/sys/firmware/acpi/tables
for s in DSDT FACP APIC; do
	[ -f $t/$s ] && echo "ACPI-TABLE $s"
done
while read -r m; do
	insmod /acpi-mods/$m.ko || echo "ACPI-INSMOD-FAILED $m"
done </acpi-mods/order
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
echo "ACPI-VDA-SHA $(sha256sum /dev/vda | cut -d' ' -f1)"
ip link set eth0 up && ip addr add 169.254.101.2/24 dev eth0 &&
	ping -c 3 -W 10 169.254.101.1 >/dev/null && echo "ACPI-PING-HOST ok"
[ -e /sys/bus/platform/drivers/virtio-mmio/LNRO0005:00 ] && echo "ACPI-VIRTIO-BOUND LNRO0005:00"
[ -e /sys/bus/acpi/drivers/vmgenid/QEMUVGID:00 ] && echo "ACPI-VMGENID-BOUND"
dmesg | grep -E 'ACPI (BIOS )?(Error|Warning)' | sed 's/^/ACPI-DMESG-PROBLEM /'
dmesg | grep -q 'ACPI: PM: (supports S0 S5)' && echo "ACPI-S5-SUPPORTED"
echo "ACPI-BEFORE-POWEROFF"
poweroff -f
echo "ACPI-POWEROFF-RETURNED"
EOT
test_initrd "$TDIR/initrd.img"
cat "$ASSETS/debian-virtio-modules.cpio.gz" >>"$TDIR/initrd.img"
vm_json "$ASSETS/debian-vmlinuz" "$TDIR/initrd.img" "$STD_ARGS" 2 256 \
	"$(drive_json data "$TDIR/data.img" false true)" "$(net_json eth0 "$tap" 06:00:a9:fe:65:02)"
boot "${EMBER_DEBIAN_TIMEOUT:-300}"
[ "$BOOT_RC" = timeout ] && fail "ember did not exit within its timeout ($(last_words))"
grep -q '^EMBER-GUEST-UP' "$TDIR/serial.log" || fail "guest did not come up ($(last_words))"
expect_marker EMBER-NPROC 2
grep -q '^ACPI-DMESG-PROBLEM' "$TDIR/serial.log" &&
	fail "the guest's ACPI code complained: $(grep -m1 '^ACPI-DMESG-PROBLEM' "$TDIR/serial.log" | cut -c20-180)"
grep -q '^ACPI-S5-SUPPORTED' "$TDIR/serial.log" || fail "the guest does not offer S5 (power-off)"
for s in DSDT FACP APIC; do
	grep -q "^ACPI-TABLE $s" "$TDIR/serial.log" || fail "no $s in /sys/firmware/acpi/tables"
done
grep -q '^ACPI-INSMOD-FAILED' "$TDIR/serial.log" && fail "$(grep '^ACPI-INSMOD-FAILED' "$TDIR/serial.log" | head -n 1)"
expect_marker ACPI-VIRTIO-BOUND LNRO0005:00
expect_marker ACPI-VDA-SHA "$sum"
expect_marker ACPI-PING-HOST ok
grep -q '^ACPI-VMGENID-BOUND' "$TDIR/serial.log" || fail "the vmgenid driver did not bind QEMUVGID:00"
grep -q '^ACPI-BEFORE-POWEROFF' "$TDIR/serial.log" || fail "the guest script did not finish"
grep -q '^ACPI-POWEROFF-RETURNED' "$TDIR/serial.log" && fail "poweroff -f returned in the guest"
grep -q 'powered off through ACPI' "$TDIR/ember.log" ||
	fail "ember did not see an ACPI power-off ($(last_words))"
[ "$BOOT_RC" -eq 0 ] || fail "ember exited with status $BOOT_RC after the guest powered off"
